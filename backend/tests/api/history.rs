//! `GET /api/history`: recent events to draw at once, then a gapless resume.

use reqwest::StatusCode;
use shared::{ErrorCode, EventList};

use crate::helpers::{chat, error_body, spawn_app, text_of};

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
        .client
        .get(format!("{}/api/history?topic=a&topic=b&limit=2", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let history: EventList = response.json().await.unwrap();
    let texts: Vec<&str> = history.events.iter().map(text_of).collect();
    assert_eq!(texts, ["b1", "a2", "b2", "a3"]);

    let newest = history.events.last().unwrap().id;
    let mut stream = app
        .open_stream(&format!("topic=a&topic=b&lastEventId={newest}"), None)
        .await;
    let live = app.publish("b", &chat("b3")).await;
    let event = stream.next_event().await;
    assert_eq!(event.id, live.id, "nothing from the history is sent again");
}

#[tokio::test]
async fn bad_history_requests_get_400() {
    let app = spawn_app(&["--history", "10"]).await;
    for (query, code, field) in [
        ("", ErrorCode::MissingTopic, "topic"),
        ("topic=a&limit=0", ErrorCode::InvalidQuery, "limit"),
        ("topic=a b", ErrorCode::InvalidTopic, "topic"),
    ] {
        let response = app
            .client
            .get(format!("{}/api/history?{query}", app.base))
            .send()
            .await
            .unwrap();
        let body = error_body(response, StatusCode::BAD_REQUEST).await;
        assert_eq!(body.code, code, "{query}");
        assert_eq!(body.field.as_deref(), Some(field), "{query}");
    }
}
