//! `GET /api/history`: recent events to draw at once, then a gapless resume.

use herald_dashboard_events::Payload;
use herald_wire::protocol::{HISTORY_PATH, LIMIT_PARAM, Query, TOPIC_PARAM};
use herald_wire::{ErrorCode, EventList};
use reqwest::StatusCode;
use testkit::{chat, error_body, query, spawn_app, text_of};

#[tokio::test]
async fn history_then_resume_shows_every_event_once() {
    let app = spawn_app(&[]).await;
    for (topic, text) in [
        ("a", "a1"),
        ("b", "b1"),
        ("c", "c1"),
        ("a", "a2"),
        ("b", "b2"),
        ("a", "a3"),
    ] {
        app.publish(topic, &chat(text)).await;
    }
    let response = app
        .get(&query(&["a", "b"]).param(LIMIT_PARAM, "2").url(HISTORY_PATH))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let history: EventList<Payload> = response.json().await.unwrap();
    let texts: Vec<&str> = history.events.iter().map(text_of).collect();
    assert_eq!(texts, ["b1", "a2", "b2", "a3"]);

    let newest = history.events.last().unwrap().id;
    let mut stream = app
        .open_stream(&query(&["a", "b"]).after(Some(newest)), None)
        .await;
    let live = app.publish("b", &chat("b3")).await;
    let event = stream.next_event().await;
    assert_eq!(event.id, live.id, "nothing from the history is sent again");
}

#[tokio::test]
async fn bad_history_requests_get_400() {
    let app = spawn_app(&["--history", "10"]).await;
    for (query, code, field) in [
        (Query::new(), ErrorCode::MissingTopic, TOPIC_PARAM),
        (
            query(&["a"]).param(LIMIT_PARAM, "0"),
            ErrorCode::InvalidQuery,
            LIMIT_PARAM,
        ),
        (query(&["a b"]), ErrorCode::InvalidTopic, TOPIC_PARAM),
    ] {
        let response = app.get(&query.url(HISTORY_PATH)).await;
        let body = error_body(response, StatusCode::BAD_REQUEST).await;
        assert_eq!(body.code, code, "{query:?}");
        assert_eq!(body.field.as_deref(), Some(field), "{query:?}");
    }
}

#[tokio::test]
async fn an_empty_history_still_says_where_to_resume() {
    let app = spawn_app(&[]).await;
    app.publish("elsewhere", &chat("not asked for")).await;
    let response = app.get(&query(&["quiet"]).url(HISTORY_PATH)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let history: EventList<Payload> = response.json().await.unwrap();
    assert!(history.events.is_empty());
    // Published after the history was read and before the stream opens.
    let between = app.publish("quiet", &chat("in between")).await;
    let mut stream = app
        .open_stream(&query(&["quiet"]).after(Some(history.resume_after)), None)
        .await;
    assert_eq!(stream.next_event().await.id, between.id);
}
