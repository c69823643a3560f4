//! Browser tests of the backlog: the recent history is delivered before
//! the stream opens, which then resumes after it; a failed history opens
//! the stream from now; history loaded for a source no longer followed is
//! dropped; and a history event of a kind the app's type lacks is
//! delivered as unknown.

#![cfg(target_arch = "wasm32")]

pub mod common;
use std::time::Duration;

use gloo_timers::future::sleep;
use herald_dashboard_events::{Chat, Payload, kinds};
use herald_wire::{Delivery, Envelope};
use herald_yew::StreamOptions;
use serde::{Deserialize, Serialize};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use yew::prelude::*;

use crate::common::{
    Probe, ProbeProps, SharedLog, connection_state, data_url, envelope, history_url, json, log,
    record_event_sources, root, source_urls, stream_url, wait_until,
};

wasm_bindgen_test_configure!(run_in_browser);

/// A chat event `1-{id}` on `chat/lobby`.
fn chat(id: u64, text: &str) -> Envelope<Payload> {
    envelope(
        id,
        "chat/lobby",
        Payload::Chat(Chat {
            author: "ada".into(),
            text: text.into(),
        }),
    )
}

/// The ids of the events delivered, in order.
fn event_ids<E>(log: &SharedLog<E>) -> Vec<String> {
    log.borrow()
        .messages
        .iter()
        .filter_map(|incoming| match &incoming.message {
            Ok(Delivery::Event(event)) => Some(event.id.to_string()),
            _ => None,
        })
        .collect()
}

/// A stream that sends one live chat event with id `id`.
fn live_chat_stream(id: u64) -> AttrValue {
    let data = json(&chat(id, "live"));
    stream_url(&format!(
        "retry: 60000\n\nid: 1-{id}\nevent: chat\ndata: {data}\n\n"
    ))
}

/// A [`Probe`] that loads `history` before it opens `url`.
fn history_probe<E>(url: AttrValue, history: AttrValue, log: &SharedLog<E>) -> ProbeProps<E> {
    ProbeProps {
        url,
        history: Some(history),
        options: StreamOptions::default(),
        log: log.clone(),
    }
}

#[wasm_bindgen_test]
async fn history_is_delivered_and_the_stream_resumes_after_it() {
    record_event_sources();
    let log = log::<Payload>();
    let root = root();
    let app = yew::Renderer::<Probe<Payload>>::with_root_and_props(
        root.clone(),
        history_probe(
            live_chat_stream(5),
            history_url(vec![chat(3, "old"), chat(4, "older")]),
            &log,
        ),
    )
    .render();
    yew::scheduler::flush().await;
    assert_eq!(connection_state(&root).as_deref(), Some("connecting"));
    wait_until("history and the live event", || event_ids(&log).len() == 3).await;
    assert_eq!(event_ids(&log), ["1-3", "1-4", "1-5"]);
    assert_eq!(log.borrow().live, 1);
    let urls = source_urls();
    assert_eq!(urls.len(), 1, "one stream: {urls:?}");
    assert!(urls[0].ends_with("lastEventId=1-4"), "{}", urls[0]);
    app.destroy();
    root.remove();
}

#[wasm_bindgen_test]
async fn failed_history_opens_the_stream_from_now() {
    record_event_sources();
    let log = log::<Payload>();
    let root = root();
    let app = yew::Renderer::<Probe<Payload>>::with_root_and_props(
        root.clone(),
        history_probe(live_chat_stream(5), "/no-such-history".into(), &log),
    )
    .render();
    wait_until("the live event", || event_ids(&log).len() == 1).await;
    let urls = source_urls();
    assert_eq!(urls.len(), 1, "one stream: {urls:?}");
    assert!(!urls[0].contains("lastEventId"), "{}", urls[0]);
    app.destroy();
    root.remove();
}

#[wasm_bindgen_test]
async fn history_loaded_for_an_old_source_is_ignored() {
    record_event_sources();
    let log = log::<Payload>();
    let props = |id, events| history_probe(live_chat_stream(id), history_url(events), &log);
    let root = root();
    let mut app = yew::Renderer::<Probe<Payload>>::with_root_and_props(
        root.clone(),
        props(2, vec![chat(1, "stale")]),
    )
    .render();
    yew::scheduler::flush().await;
    app.update(props(8, vec![chat(7, "current")]));
    wait_until("the new history and stream", || event_ids(&log).len() == 2).await;
    // Nothing to wait for: the test shows that the stale history never arrives.
    sleep(Duration::from_millis(300)).await;
    assert_eq!(event_ids(&log), ["1-7", "1-8"]);
    let urls = source_urls();
    assert_eq!(urls.len(), 1, "only the current stream opened: {urls:?}");
    app.destroy();
    root.remove();
}

/// An app's own event type, with one kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, herald_wire::Event)]
#[serde(tag = "type", rename_all = "snake_case")]
enum ShopEvent {
    OrderShipped { order: u64 },
}

#[wasm_bindgen_test]
async fn a_history_event_of_a_kind_the_type_lacks_is_unknown() {
    let log = log::<ShopEvent>();
    let shipped = envelope(4, "shop/orders", ShopEvent::OrderShipped { order: 2 });
    // A history carries every kind published to its topics.
    let history = format!(
        r#"{{"events":[{},{}],"resume_after":"1-4"}}"#,
        json(&chat(3, "hello")),
        json(&shipped)
    );
    let root = root();
    let app = yew::Renderer::<Probe<ShopEvent>>::with_root_and_props(
        root.clone(),
        history_probe(
            stream_url("retry: 60000\n\n"),
            data_url("application/json", &history),
            &log,
        ),
    )
    .render();
    wait_until("the history", || log.borrow().messages.len() == 2).await;
    let log = log.borrow();
    assert!(matches!(
        &log.messages[0].message,
        Ok(Delivery::Unknown(unknown)) if unknown.kind == kinds::CHAT
    ));
    assert_eq!(
        log.messages[1].message,
        Ok(Delivery::Event(shipped.clone()))
    );
    app.destroy();
    root.remove();
}
