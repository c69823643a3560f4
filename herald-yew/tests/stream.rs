//! Browser tests of the stream: `use_event_stream` delivers the named
//! events of a real `EventSource` typed by the app's own event type,
//! reports a stream that dropped or was refused, and closes its source
//! when the URL changes or the page goes.

#![cfg(target_arch = "wasm32")]

pub mod common;
use std::time::Duration;

use gloo_timers::future::sleep;
use herald_dashboard_events::{Chat, Payload};
use herald_wire::{Delivery, EventId, Gap, Kind};
use herald_yew::{Backoff, DecodeError, StreamOptions};
use serde::{Deserialize, Serialize};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

use crate::common::{
    Probe, ProbeProps, connection_state, envelope, json, log, pattern, ready_states,
    record_event_sources, root, select, status_attribute, stream_url, wait_until,
};

wasm_bindgen_test_configure!(run_in_browser);

/// An app's own event type, as an app would declare it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, herald_wire::Event)]
#[serde(tag = "type", rename_all = "snake_case")]
enum ShopEvent {
    OrderCreated { order: u64, total_cents: u64 },
    OrderShipped { order: u64 },
}

#[wasm_bindgen_test]
async fn an_apps_own_kinds_arrive_typed_with_unknown_shapes_and_gaps() {
    let created = json(&envelope(
        3,
        "shop/orders",
        ShopEvent::OrderCreated {
            order: 7,
            total_cents: 1_250,
        },
    ));
    let shipped = json(&envelope(
        4,
        "shop/orders",
        ShopEvent::OrderShipped { order: 7 },
    ));
    // A newer publisher's `order_created`, whose total is now an object.
    let newer = r#"{"id":"1-5","topic":"shop/orders","time_us":9,"event":{"type":"order_created","order":8,"total_cents":{"amount":3}}}"#;
    // A kind the app does not have: the hook does not listen for it.
    let chat = json(&envelope(
        6,
        "shop/orders",
        Payload::Chat(Chat {
            author: "ada".into(),
            text: "hi".into(),
        }),
    ));
    let gap = json(&Gap {
        topic: pattern("shop/orders"),
        after: EventId::new(1, 6),
        through: EventId::new(1, 9),
    });
    // A long retry keeps the browser from replaying the stream during the test.
    let body = format!(
        "retry: 60000\n\n\
         id: 1-3\nevent: order_created\ndata: {created}\n\n\
         id: 1-4\nevent: order_shipped\ndata: {shipped}\n\n\
         id: 1-5\nevent: order_created\ndata: {newer}\n\n\
         id: 1-6\nevent: chat\ndata: {chat}\n\n\
         event: gap\ndata: {gap}\n\n\
         event: order_shipped\ndata: {{not json\n\n"
    );
    let log = log::<ShopEvent>();
    let root = root();
    let app = yew::Renderer::<Probe<ShopEvent>>::with_root_and_props(
        root.clone(),
        ProbeProps {
            url: stream_url(&body),
            history: None,
            options: StreamOptions::default(),
            log: log.clone(),
        },
    )
    .render();
    yew::scheduler::flush().await;
    assert_eq!(connection_state(&root).as_deref(), Some("connecting"));
    wait_until("five messages", || log.borrow().live == 5).await;
    // The stream ends after its last event, so the browser plans a retry.
    wait_until("the reconnecting state", || {
        connection_state(&root).as_deref() == Some("reconnecting")
    })
    .await;

    let log = log.borrow();
    let messages: Vec<_> = log
        .messages
        .iter()
        .map(|incoming| &incoming.message)
        .collect();
    let [first, second, third, fourth, fifth] = messages[..] else {
        panic!("five messages, the chat unheard: {messages:?}");
    };
    assert!(matches!(
        first,
        Ok(Delivery::Event(event))
            if event.event == ShopEvent::OrderCreated { order: 7, total_cents: 1_250 }
    ));
    assert!(matches!(
        second,
        Ok(Delivery::Event(event))
            if event.event == ShopEvent::OrderShipped { order: 7 } && event.id == EventId::new(1, 4)
    ));
    let Ok(Delivery::Unknown(unknown)) = third else {
        panic!("the newer shape is not unknown: {third:?}");
    };
    assert_eq!(unknown.id, EventId::new(1, 5));
    assert_eq!(unknown.kind, Kind::of("order_created"));
    assert_eq!(unknown.topic.as_str(), "shop/orders");
    assert_eq!(unknown.json, newer);
    assert!(matches!(fourth, Ok(Delivery::Gap(gap)) if gap.through == EventId::new(1, 9)));
    assert!(matches!(
        fifth,
        Err(DecodeError::InvalidData { name, .. }) if name == "order_shipped"
    ));
    assert!(
        log.messages
            .windows(2)
            .all(|pair| pair[0].received_us <= pair[1].received_us)
    );
    app.destroy();
    root.remove();
}

#[wasm_bindgen_test]
async fn a_refused_stream_is_retried_then_stopped() {
    let root = root();
    // The browser gives up on a 404 for good (ready state CLOSED), so the
    // hook retries after a backoff, then stops at its maximum.
    let options = StreamOptions {
        backoff: Backoff {
            base_ms: 300,
            max_ms: 300,
        },
        max_attempts: Some(1),
    };
    let app = yew::Renderer::<Probe<Payload>>::with_root_and_props(
        root.clone(),
        ProbeProps {
            url: "/no-such-stream".into(),
            history: None,
            options,
            log: log(),
        },
    )
    .render();
    wait_until("the reconnecting state with its attempt", || {
        connection_state(&root).as_deref() == Some("reconnecting")
            && status_attribute(&root, "data-attempt").as_deref() == Some("1")
    })
    .await;
    wait_until("the stopped state", || {
        connection_state(&root).as_deref() == Some("stopped")
    })
    .await;
    let status = &select(&root, "#connection")[0];
    assert_eq!(
        status.text_content().as_deref(),
        Some("gave up after 1 failed attempts")
    );
    app.destroy();
    root.remove();
}

#[wasm_bindgen_test]
async fn a_new_url_and_unmount_close_the_event_source() {
    record_event_sources();
    let chat = json(&envelope(
        5,
        "chat/lobby",
        Payload::Chat(Chat {
            author: "ada".into(),
            text: "again".into(),
        }),
    ));
    // A short retry makes the browser replay the stream over and over while
    // it is open, so a source left open would keep delivering.
    let body = format!("retry: 20\n\nid: 1-5\nevent: chat\ndata: {chat}\n\n");
    let log = log::<Payload>();
    let props = |url| ProbeProps {
        url,
        history: None,
        options: StreamOptions::default(),
        log: log.clone(),
    };
    let root = root();
    let mut app = yew::Renderer::<Probe<Payload>>::with_root_and_props(
        root.clone(),
        props(stream_url(&body)),
    )
    .render();
    wait_until("a delivered message", || log.borrow().live >= 1).await;

    app.update(props(stream_url(&body.replace("again", "other"))));
    yew::scheduler::flush().await;
    let states = ready_states();
    assert_eq!(states.len(), 2, "one new source for the new URL");
    assert_eq!(states[0], 2, "the first source is CLOSED");
    assert_ne!(states[1], 2, "the second source is open");

    app.destroy();
    yew::scheduler::flush().await;
    assert!(ready_states().iter().all(|state| *state == 2), "all CLOSED");
    let after_unmount = log.borrow().live;
    // Nothing to wait for: the test shows that nothing more arrives.
    sleep(Duration::from_millis(300)).await;
    assert_eq!(
        log.borrow().live,
        after_unmount,
        "no callback after unmount"
    );
    root.remove();
}
