//! `GET /api/topics`, `/healthz`, and cleanup when a client goes away.

use herald_wire::Health;
use herald_wire::protocol::HEALTH_PATH;
use reqwest::StatusCode;
use testkit::{chat, query, spawn_app};

#[tokio::test]
async fn topics_list_subscribers_and_last_ids() {
    let app = spawn_app(&[]).await;
    let published = app.publish("b/news", &chat("x")).await;
    let _first = app.open_stream(&query(&["a", "b/news"]), None).await;
    let _second = app.open_stream(&query(&["a"]), None).await;
    let list = app.topics().await.topics;
    let summary: Vec<(&str, u64, Option<herald_wire::EventId>)> = list
        .iter()
        .map(|info| (info.topic.as_str(), info.subscribers, info.last_id))
        .collect();
    assert_eq!(summary, [("a", 2, None), ("b/news", 1, Some(published.id))]);
}

#[tokio::test]
async fn a_disconnected_client_is_cleaned_up() {
    // The default keep-alive (15 s) is longer than the test waits: the hub
    // notices the closed socket itself, not at its next write.
    let app = spawn_app(&[]).await;
    let stream = app.open_stream(&query(&["gone", "kept"]), None).await;
    app.publish("kept", &chat("history")).await;
    assert_eq!(app.hub.subscriptions(), 1);
    drop(stream);
    let list = app
        .wait_for_topics(|list| list.topics.iter().all(|info| info.subscribers == 0))
        .await;
    // The topic without history is forgotten; the one with history stays.
    let names: Vec<&str> = list.topics.iter().map(|info| info.topic.as_str()).collect();
    assert_eq!(names, ["kept"]);
    assert_eq!(app.hub.subscriptions(), 0);
}

#[tokio::test]
async fn healthz_answers() {
    let app = spawn_app(&[]).await;
    let response = app.get(HEALTH_PATH).await;
    assert_eq!(response.status(), StatusCode::OK);
    let health: Health = response.json().await.unwrap();
    assert_eq!(health.status, "ok");
}
