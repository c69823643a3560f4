//! Publishing once and in batches: a retry under the same
//! `Idempotency-Key` is stored once and answered with the first ids, on one
//! hub and across a cluster; a batch publishes its events in order, all or
//! none, and costs its client as many publishes.

use herald_wire::protocol::{IDEMPOTENCY_KEY_HEADER, publish_path};
use herald_wire::{ErrorCode, EventList, Published, PublishedBatch};
use reqwest::StatusCode;
use serde_json::json;
use testkit::{TestApp, error_body, query, spawn_app, spawn_node, text_of};

use crate::redis_server::RedisServer;
use herald_dashboard_events::Payload;

/// `body` published to `topic` on `app`, with `key` as its
/// `Idempotency-Key` when given.
async fn post(app: &TestApp, topic: &str, key: Option<&str>, body: &str) -> reqwest::Response {
    let mut request = reqwest::Client::new()
        .post(app.url(&publish_path(topic)))
        .header("content-type", "application/json")
        .body(body.to_owned());
    if let Some(key) = key {
        request = request.header(IDEMPOTENCY_KEY_HEADER, key);
    }
    request.send().await.unwrap()
}

async fn history(app: &TestApp, topic: &str) -> EventList<Payload> {
    let path = query(&[topic]).url(herald_wire::protocol::HISTORY_PATH);
    app.get(&path).await.json().await.unwrap()
}

fn chat(text: &str) -> String {
    json!({"type": "chat", "author": "a", "text": text}).to_string()
}

#[tokio::test]
async fn a_retry_with_the_same_key_is_stored_once_and_gets_the_first_id() {
    let app = spawn_app(&[]).await;
    let key = "5f0c7d3e-2b1a-4e8f-9d6c-0a1b2c3d4e5f";
    let first = post(&app, "orders", Some(key), &chat("once")).await;
    assert_eq!(first.status(), StatusCode::ACCEPTED);
    let first: Published = first.json().await.unwrap();
    let retry = post(&app, "orders", Some(key), &chat("once")).await;
    assert_eq!(retry.status(), StatusCode::ACCEPTED);
    assert_eq!(retry.json::<Published>().await.unwrap(), first);

    // The same key for another body, or another topic, is another publish.
    for (topic, body) in [("orders", chat("twice")), ("other", chat("once"))] {
        let refused = error_body(
            post(&app, topic, Some(key), &body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(refused.code, ErrorCode::IdempotencyKeyReused);
        assert_eq!(refused.field.as_deref(), Some(IDEMPOTENCY_KEY_HEADER));
    }
    let events = history(&app, "orders").await.events;
    assert_eq!(events.len(), 1);
    assert_eq!(text_of(&events[0]), "once");
    assert!(history(&app, "other").await.events.is_empty());
    // Without a key, the same body is another event.
    let again: Published = post(&app, "orders", None, &chat("once"))
        .await
        .json()
        .await
        .unwrap();
    assert!(again.id > first.id);
}

#[tokio::test]
async fn a_malformed_key_is_refused_before_the_body_is_read() {
    let app = spawn_app(&[]).await;
    let long = "k".repeat(256);
    for key in ["", "two words", long.as_str()] {
        let refused = error_body(
            post(&app, "orders", Some(key), &chat("x")).await,
            StatusCode::BAD_REQUEST,
        )
        .await;
        assert_eq!(refused.code, ErrorCode::InvalidIdempotencyKey, "{key:?}");
    }
    assert!(history(&app, "orders").await.events.is_empty());
}

#[tokio::test]
async fn with_no_window_a_key_is_checked_but_not_remembered() {
    let app = spawn_app(&["--idempotency-window", "0"]).await;
    let first: Published = post(&app, "t", Some("k"), &chat("a"))
        .await
        .json()
        .await
        .unwrap();
    let second: Published = post(&app, "t", Some("k"), &chat("a"))
        .await
        .json()
        .await
        .unwrap();
    assert!(second.id > first.id);
}

#[tokio::test]
async fn a_batch_publishes_in_order_all_or_none() {
    let app = spawn_app(&[]).await;
    let mut stream = app.open_stream(&query(&["orders"]), None).await;
    let batch = format!("[{},{},{}]", chat("1"), chat("2"), chat("3"));
    let response = post(&app, "orders", None, &batch).await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let published: PublishedBatch = response.json().await.unwrap();
    assert_eq!(published.ids.len(), 3);
    assert!(published.ids.windows(2).all(|pair| pair[0] < pair[1]));
    for (id, text) in published.ids.iter().zip(["1", "2", "3"]) {
        let event = stream.next_event().await;
        assert_eq!((event.id, text_of(&event)), (*id, text));
    }

    // One bad event refuses the whole batch, naming where it is.
    let bad = format!(r#"[{},{{"type":"chat","author":"a"}}]"#, chat("4"));
    let refused = error_body(
        post(&app, "orders", None, &bad).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(refused.field.as_deref(), Some("[1].text"));
    let refused = error_body(
        post(&app, "orders", None, "[]").await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(refused.code, ErrorCode::InvalidEvent);
    assert_eq!(history(&app, "orders").await.events.len(), 3);
}

#[tokio::test]
async fn a_batch_costs_its_client_as_many_publishes() {
    // Loopback is a proxy by default; here it is the client. Two a second
    // refill one every half second, far longer than two requests take.
    let args = ["--publish-rate", "2", "--proxy-ip", "192.0.2.1"];
    let app = spawn_app(&args).await;
    // Two events take the whole allowance.
    let two = format!("[{},{}]", chat("x"), chat("x"));
    assert_eq!(
        post(&app, "t", None, &two).await.status(),
        StatusCode::ACCEPTED
    );
    let refused = error_body(
        post(&app, "t", None, &chat("y")).await,
        StatusCode::TOO_MANY_REQUESTS,
    )
    .await;
    assert_eq!(refused.code, ErrorCode::RateLimited);
    assert_eq!(history(&app, "t").await.events.len(), 2);

    // More events at once than a client may publish is never allowed.
    let app = spawn_app(&args).await;
    let three = format!("[{}]", [chat("x"), chat("x"), chat("x")].join(","));
    let refused = error_body(
        post(&app, "t", None, &three).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(
        refused.message.contains("1 to 2 events"),
        "{}",
        refused.message
    );
}

#[tokio::test]
async fn a_retry_on_another_node_of_a_cluster_is_stored_once() {
    let redis = RedisServer::start().await;
    let nodes = [
        spawn_node(&redis.url(), &[]).await,
        spawn_node(&redis.url(), &[]).await,
    ];
    let batch = format!("[{},{}]", chat("a"), chat("b"));
    let first = post(&nodes[0], "orders", Some("k-1"), &batch).await;
    assert_eq!(first.status(), StatusCode::ACCEPTED);
    let first: PublishedBatch = first.json().await.unwrap();
    assert_eq!(first.ids.len(), 2);
    let retry = post(&nodes[1], "orders", Some("k-1"), &batch).await;
    assert_eq!(retry.status(), StatusCode::ACCEPTED);
    assert_eq!(retry.json::<PublishedBatch>().await.unwrap(), first);
    let refused = error_body(
        post(&nodes[1], "orders", Some("k-1"), &chat("c")).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(refused.code, ErrorCode::IdempotencyKeyReused);
    // A single publish under a key of its own is numbered after the batch.
    let single: Published = post(&nodes[1], "orders", Some("k-2"), &chat("c"))
        .await
        .json()
        .await
        .unwrap();
    assert!(single.id > first.ids[1]);
    let ids: Vec<_> = history(&nodes[0], "orders")
        .await
        .events
        .iter()
        .map(|event| event.id)
        .collect();
    assert_eq!(ids, [first.ids[0], first.ids[1], single.id]);
}
