//! Any kind: an app's own events go through the hub as published, under
//! their own SSE name, so a page listens for exactly the kinds it knows;
//! an app's own type is published and read in process as over HTTP.

use herald_dashboard_events::Payload;
use herald_hub::hub::Framed;
use herald_wire::protocol::HISTORY_PATH;
use herald_wire::{Envelope, Event, EventList, Published, Topic, TopicPattern};
use reqwest::StatusCode;
use serde::{Deserialize, Serialize};
use testkit::{query, spawn_app};

/// An app's own event type, as it would live in the app's shared crate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Event)]
#[serde(tag = "type", rename_all = "snake_case")]
enum ShopEvent {
    OrderCreated { id: u64, total_cents: i64 },
    OrderShipped { id: u64 },
}

/// An app's own event, with a number no `f64` or `u64` holds.
const ORDER: &str = r#"{ "type": "order_created",
    "order": {"id": 18446744073709551616123, "lines": [{"sku": "a-1", "qty": 2}]} }"#;

/// [`ORDER`] as every reader gets it: whitespace between tokens dropped.
const ORDER_KEPT: &str = r#"{"type":"order_created","order":{"id":18446744073709551616123,"lines":[{"sku":"a-1","qty":2}]}}"#;

#[tokio::test]
async fn an_apps_own_kind_streams_under_its_name_and_keeps_its_text() {
    let app = spawn_app(&[]).await;
    let mut stream = app.open_stream(&query(&["shop/orders"]), None).await;
    let response = app
        .publish_raw("shop/orders", Some("application/json"), ORDER)
        .await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let published: Published = response.json().await.unwrap();

    // The stream's reader checks that the SSE `event:` is the `type`.
    let event = stream.next_event().await;
    assert_eq!(event.id, published.id);
    let Payload::Untyped(order) = &event.event else {
        panic!("typed as {:?}", event.event);
    };
    assert_eq!(order.kind().as_str(), "order_created");
    assert_eq!(order.text(), ORDER_KEPT);

    let history: EventList<Payload> = app
        .get(&query(&["shop/orders"]).url(HISTORY_PATH))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(history.events, [event]);
}

#[tokio::test]
async fn an_apps_own_type_published_in_process_reads_back_as_that_type() {
    let app = spawn_app(&[]).await;
    let topic = Topic::parse("shop/orders").unwrap();
    let mut stream = app.open_stream(&query(&["shop/orders"]), None).await;
    let events = [
        ShopEvent::OrderCreated {
            id: 7,
            total_cents: 1_999,
        },
        ShopEvent::OrderShipped { id: 7 },
    ];
    for event in &events {
        app.hub.publish(topic.clone(), event).unwrap();
    }
    for sent in events {
        // The stream's reader checks the SSE name against the kind.
        let received = stream.next_event().await;
        assert_eq!(received.event.kind(), sent.kind());
        // A page built against the type reads the same data as the type.
        let data = serde_json::to_string(&received).unwrap();
        let typed: Envelope<ShopEvent> = serde_json::from_str(&data).unwrap();
        assert_eq!(typed.event, sent);
        assert_eq!(typed.id, received.id);
    }
}

#[tokio::test]
async fn an_in_process_subscriber_reads_an_apps_own_type() {
    let app = spawn_app(&[]).await;
    let topic = Topic::parse("shop/orders").unwrap();
    let patterns = [TopicPattern::parse("shop/*").unwrap()].into();
    let mut subscription = app.hub.subscribe(patterns, None).unwrap();
    let shipped = ShopEvent::OrderShipped { id: 9 };
    let published = app.hub.publish(topic, &shipped).unwrap();
    let Framed::Event(frame) = subscription.next().await else {
        panic!("a gap before the first event");
    };
    let envelope = frame.envelope::<ShopEvent>().unwrap();
    assert_eq!(envelope.id, published.id());
    assert_eq!(envelope.event, shipped);
}
