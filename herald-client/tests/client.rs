//! The client against a real hub on an ephemeral port: typed publishes and
//! subscriptions, a subscription that resumes after the hub stops serving,
//! a publish whose reply is lost on the way stored once, and refusals that
//! no retry passes.

#![allow(
    clippy::unwrap_used,
    reason = "a test fails loudly on any unexpected error"
)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use herald_client::{Client, ClientError, Retry, Subscription};
use herald_dashboard_events::kinds;
use herald_wire::protocol::IDEMPOTENCY_KEY_HEADER;
use herald_wire::{Delivery, ErrorCode, Event, EventId, EventList, Topic, TopicPattern};
use serde::{Deserialize, Serialize};
use testkit::{PATIENCE, TestApp, chat, query, spawn_app};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Event)]
#[serde(tag = "type", rename_all = "snake_case")]
enum ShopEvent {
    OrderCreated { id: u64 },
    OrderShipped { id: u64 },
}

fn topic(name: &str) -> Topic {
    Topic::parse(name).unwrap()
}

fn shop() -> TopicPattern {
    TopicPattern::parse("shop/*").unwrap()
}

fn client(app: &TestApp) -> Client {
    Client::new(app.url("/api")).unwrap()
}

/// The next delivery, within [`PATIENCE`].
async fn next<E>(subscription: &mut Subscription<E>) -> Result<Delivery<E>, ClientError> {
    tokio::time::timeout(PATIENCE, subscription.next())
        .await
        .expect("a delivery in time")
        .expect("the subscription went on")
}

async fn next_event(subscription: &mut Subscription<ShopEvent>) -> (EventId, ShopEvent) {
    match next(subscription).await.unwrap() {
        Delivery::Event(envelope) => (envelope.id, envelope.event),
        other => panic!("expected an event, got {other:?}"),
    }
}

#[tokio::test]
async fn typed_events_are_published_and_read_back_typed() {
    let app = spawn_app(&[]).await;
    let hub = client(&app);
    let orders = topic("shop/orders");
    let first = hub
        .publish(&orders, &ShopEvent::OrderCreated { id: 1 })
        .await
        .unwrap();
    let mut subscription = hub.subscribe::<ShopEvent>([shop()], Some(first.id));

    let second = hub
        .publish(&orders, &ShopEvent::OrderShipped { id: 1 })
        .await
        .unwrap();
    let batch = [
        ShopEvent::OrderCreated { id: 2 },
        ShopEvent::OrderCreated { id: 3 },
    ];
    let batched = hub
        .publish_batch(&topic("shop/more"), &batch)
        .await
        .unwrap();
    assert_eq!(batched.ids.len(), 2);

    assert_eq!(
        next_event(&mut subscription).await,
        (second.id, ShopEvent::OrderShipped { id: 1 })
    );
    for (id, event) in batched.ids.iter().zip(batch) {
        assert_eq!(next_event(&mut subscription).await, (*id, event));
    }
}

#[tokio::test]
async fn a_kind_the_type_lacks_arrives_as_unknown() {
    let app = spawn_app(&[]).await;
    let hub = client(&app);
    let first = hub
        .publish(&topic("shop/a"), &ShopEvent::OrderCreated { id: 1 })
        .await
        .unwrap();
    let mut subscription = hub.subscribe::<ShopEvent>([shop()], Some(first.id));
    let other = app.publish("shop/a", &chat("not an order")).await;
    match next(&mut subscription).await.unwrap() {
        Delivery::Unknown(unknown) => {
            assert_eq!((unknown.id, unknown.kind), (other.id, kinds::CHAT));
            assert!(unknown.json.contains("not an order"), "{}", unknown.json);
        }
        delivery => panic!("expected an unknown kind, got {delivery:?}"),
    }
}

#[tokio::test]
async fn a_subscription_resumes_where_it_was_after_the_hub_stops_serving() {
    let mut app = spawn_app(&["--retry-ms", "100"]).await;
    let hub = client(&app).retry(Retry {
        attempts: 3,
        first_delay: Duration::from_millis(20),
        max_delay: Duration::from_millis(200),
    });
    let orders = topic("shop/orders");
    let first = hub
        .publish(&orders, &ShopEvent::OrderCreated { id: 1 })
        .await
        .unwrap();
    let mut subscription = hub.subscribe::<ShopEvent>([shop()], Some(first.id));
    let second = hub
        .publish(&orders, &ShopEvent::OrderCreated { id: 2 })
        .await
        .unwrap();
    assert_eq!(next_event(&mut subscription).await.0, second.id);

    // Every stream ends; what is published meanwhile waits in the history.
    app.stop_serving().await.unwrap();
    let missed = app.publish_in_process(
        &orders,
        serde_json::from_value(serde_json::to_value(ShopEvent::OrderShipped { id: 2 }).unwrap())
            .unwrap(),
    );
    app.serve_again().await;
    assert_eq!(
        next_event(&mut subscription).await,
        (missed, ShopEvent::OrderShipped { id: 2 })
    );
}

/// A proxy in front of the hub that loses the reply to the first publish
/// (the hub stored it; the client hears 502), and records each publish's
/// `Idempotency-Key`.
#[derive(Clone)]
struct LossyProxy {
    hub: String,
    keys: Arc<Mutex<Vec<String>>>,
}

async fn forward(
    State(proxy): State<LossyProxy>,
    headers: HeaderMap,
    request: Request,
) -> Response {
    let path = request
        .uri()
        .path_and_query()
        .map(ToString::to_string)
        .unwrap_or_default();
    let body: Bytes = axum::body::to_bytes(request.into_body(), usize::MAX)
        .await
        .unwrap();
    let key = headers
        .get(IDEMPOTENCY_KEY_HEADER)
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let first = {
        let mut keys = proxy.keys.lock().unwrap();
        keys.push(key.clone());
        keys.len() == 1
    };
    let reply = reqwest::Client::new()
        .post(format!("{}{path}", proxy.hub))
        .header("content-type", "application/json")
        .header(IDEMPOTENCY_KEY_HEADER, key)
        .body(body)
        .send()
        .await
        .unwrap();
    if first {
        return StatusCode::BAD_GATEWAY.into_response();
    }
    let status = StatusCode::from_u16(reply.status().as_u16()).unwrap();
    (status, reply.bytes().await.unwrap()).into_response()
}

#[tokio::test]
async fn a_publish_whose_reply_was_lost_is_stored_once() {
    let app = spawn_app(&[]).await;
    let proxy = LossyProxy {
        hub: app.url(""),
        keys: Arc::default(),
    };
    let router = axum::Router::new()
        .fallback(forward)
        .with_state(proxy.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/api", listener.local_addr().unwrap());
    tokio::spawn(axum::serve(listener, router).into_future());

    let hub = Client::new(base).unwrap().retry(Retry {
        attempts: 3,
        first_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(50),
    });
    let published = hub
        .publish(&topic("shop/orders"), &ShopEvent::OrderCreated { id: 9 })
        .await
        .unwrap();

    let keys = proxy.keys.lock().unwrap().clone();
    assert_eq!(keys.len(), 2, "one try and one retry");
    assert_eq!(keys[0], keys[1], "the retry carries the first try's key");
    assert_eq!(keys[0].len(), 32);
    let history: EventList<ShopEvent> = app
        .get(&query(&["shop/orders"]).url(herald_wire::protocol::HISTORY_PATH))
        .await
        .json()
        .await
        .unwrap();
    let ids: Vec<_> = history.events.iter().map(|event| event.id).collect();
    assert_eq!(ids, [published.id], "stored once, and the retry got its id");
}

#[tokio::test]
async fn a_refusal_no_retry_can_pass_is_returned_at_once() {
    let app = TestApp::builder()
        .tokens("a test secret of at least thirty-two bytes", "private/*")
        .start()
        .await;
    let hub = client(&app);
    let refused = hub
        .publish(&topic("shop/a"), &ShopEvent::OrderCreated { id: 1 })
        .await;
    let Err(ClientError::Refused { status, body }) = refused else {
        panic!("published without a token: {refused:?}");
    };
    assert_eq!(status, reqwest::StatusCode::UNAUTHORIZED);
    assert_eq!(body.unwrap().code, ErrorCode::Unauthorized);

    let private = TopicPattern::parse("private/x").unwrap();
    let mut subscription = hub.subscribe::<ShopEvent>([private], None);
    let refused = next(&mut subscription).await;
    assert!(
        matches!(&refused, Err(ClientError::Refused { status, .. }) if *status == reqwest::StatusCode::UNAUTHORIZED),
        "{refused:?}"
    );
    let ended = tokio::time::timeout(PATIENCE, subscription.next())
        .await
        .unwrap();
    assert!(ended.is_none(), "the subscription ends: {ended:?}");
}

#[test]
fn an_address_that_is_no_http_url_is_refused() {
    for base in ["", "localhost:3000", "ftp://hub/api", "mailto:a@b"] {
        assert!(
            matches!(Client::new(base), Err(ClientError::InvalidUrl { .. })),
            "{base:?}"
        );
    }
}
