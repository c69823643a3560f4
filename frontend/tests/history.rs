//! Browser tests of the backlog: the recent history is shown before the
//! stream opens, which then resumes after it; a failed history opens the
//! stream from now, and history loaded for topics no longer followed is
//! dropped.

#![cfg(target_arch = "wasm32")]

pub mod common;
use std::rc::Rc;
use std::time::Duration;

use frontend::connection::StreamOptions;
use gloo_timers::future::sleep;
use shared::{Envelope, EventId};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::Element;
use yew::prelude::*;

use crate::common::stream::{
    StreamProbe, StreamProbeProps, connection_state, record_event_sources, source_urls, stream_url,
    wait_until,
};
use crate::common::{chat, json, root, select};

wasm_bindgen_test_configure!(run_in_browser);

/// A `data:` URL serving `events` as a history reply.
fn history_url(events: Vec<Envelope>) -> AttrValue {
    // As the hub does: resume after everything it had when it answered.
    let resume_after = events
        .iter()
        .map(|event| event.id)
        .max()
        .unwrap_or(EventId::start(1));
    let body = json(&shared::EventList {
        events,
        resume_after,
    });
    let encoded: String = body
        .bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' => char::from(byte).to_string(),
            _ => format!("%{byte:02X}"),
        })
        .collect();
    format!("data:application/json,{encoded}").into()
}

fn event_ids(root: &Element) -> Vec<String> {
    select(root, "ol#events > li.event")
        .iter()
        .filter_map(|item| item.get_attribute("data-id"))
        .collect()
}

/// A stream that sends one live chat event with id `id`.
fn live_chat_stream(id: u64) -> AttrValue {
    let data = json(&chat(id, "ada", "live"));
    stream_url(&format!(
        "retry: 60000\n\nid: 1-{id}\nevent: chat\ndata: {data}\n\n"
    ))
}

/// A [`StreamProbe`] that loads `history` before it opens `url`.
fn history_probe(url: AttrValue, history: AttrValue) -> StreamProbeProps {
    StreamProbeProps {
        url,
        history: Some(history),
        options: StreamOptions::default(),
        delivered: Rc::default(),
    }
}

#[wasm_bindgen_test]
async fn history_is_shown_and_the_stream_resumes_after_it() {
    record_event_sources();
    let root = root();
    let app = yew::Renderer::<StreamProbe>::with_root_and_props(
        root.clone(),
        history_probe(
            live_chat_stream(5),
            history_url(vec![chat(3, "ada", "old"), chat(4, "ada", "older")]),
        ),
    )
    .render();
    yew::scheduler::flush().await;
    assert_eq!(connection_state(&root).as_deref(), Some("connecting"));
    wait_until("history and the live event", || event_ids(&root).len() == 3).await;
    assert_eq!(event_ids(&root), ["1-5", "1-4", "1-3"]);
    let urls = source_urls();
    assert_eq!(urls.len(), 1, "one stream: {urls:?}");
    assert!(urls[0].ends_with("lastEventId=1-4"), "{}", urls[0]);
    app.destroy();
    root.remove();
}

#[wasm_bindgen_test]
async fn failed_history_opens_the_stream_from_now() {
    record_event_sources();
    let root = root();
    let app = yew::Renderer::<StreamProbe>::with_root_and_props(
        root.clone(),
        history_probe(live_chat_stream(5), "/no-such-history".into()),
    )
    .render();
    wait_until("the live event", || event_ids(&root).len() == 1).await;
    let urls = source_urls();
    assert_eq!(urls.len(), 1, "one stream: {urls:?}");
    assert!(!urls[0].contains("lastEventId"), "{}", urls[0]);
    app.destroy();
    root.remove();
}

#[wasm_bindgen_test]
async fn history_loaded_for_old_topics_is_ignored() {
    record_event_sources();
    let props = |id, events| history_probe(live_chat_stream(id), history_url(events));
    let root = root();
    let mut app = yew::Renderer::<StreamProbe>::with_root_and_props(
        root.clone(),
        props(2, vec![chat(1, "ada", "stale")]),
    )
    .render();
    yew::scheduler::flush().await;
    app.update(props(8, vec![chat(7, "ada", "current")]));
    wait_until("the new history and stream", || event_ids(&root).len() == 2).await;
    sleep(Duration::from_millis(300)).await;
    assert_eq!(event_ids(&root), ["1-8", "1-7"]);
    let urls = source_urls();
    assert_eq!(urls.len(), 1, "only the current stream opened: {urls:?}");
    app.destroy();
    root.remove();
}
