//! Browser tests of the dashboard on a real stream: what
//! `use_event_stream` delivers (history, events, events the page cannot
//! read, gaps, undecodable messages) is drawn in the feed as itself, and
//! the connection indicator follows the stream. The hook's own behaviour
//! is tested in `herald-yew`.

#![cfg(target_arch = "wasm32")]

pub mod common;
use herald_wire::{EventId, Gap};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::Element;
use yew::prelude::*;

use crate::common::stream::{
    StreamProbe, StreamProbeProps, connection_state, stream_url, wait_until,
};
use crate::common::{chat, json, pattern, root, select, text};
use herald_dashboard_events::Payload;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn the_feed_shows_each_message_of_the_stream_as_itself() {
    let chat_json = json(&chat(11, "grace", "hi there"));
    let gap_json = json(&Gap {
        topic: pattern("chat/lobby"),
        after: EventId::new(1, 2),
        through: EventId::new(1, 10),
    });
    // A chat whose fields a newer publisher changed: the page cannot read it.
    let newer =
        r#"{"id":"1-12","topic":"chat/lobby","time_us":1,"event":{"type":"chat","from":"ada"}}"#;
    // A long retry keeps the browser from replaying the stream during the test.
    let body = format!(
        "retry: 60000\n\n\
         event: gap\ndata: {gap_json}\n\n\
         id: 1-11\nevent: chat\ndata: {chat_json}\n\n\
         id: 1-12\nevent: chat\ndata: {newer}\n\n\
         event: chat\ndata: {{not json\n\n"
    );
    let root = root();
    let app = yew::Renderer::<StreamProbe>::with_root_and_props(
        root.clone(),
        StreamProbeProps {
            url: stream_url(&body),
            history: None,
        },
    )
    .render();
    yew::scheduler::flush().await;
    assert_eq!(connection_state(&root).as_deref(), Some("connecting"));

    wait_until("four entries", || {
        select(&root, "ol#events > li").len() == 4
    })
    .await;
    // The stream ends after its last event, so the browser plans a retry.
    wait_until("the reconnecting state", || {
        connection_state(&root).as_deref() == Some("reconnecting")
    })
    .await;

    let classes: Vec<String> = select(&root, "ol#events > li")
        .iter()
        .map(Element::class_name)
        .collect();
    assert_eq!(classes, ["decode-error", "decode-error", "event", "gap"]);
    let event = &select(&root, "ol#events > li.event")[0];
    assert_eq!(event.get_attribute("data-kind").as_deref(), Some("chat"));
    assert_eq!(event.get_attribute("data-id").as_deref(), Some("1-11"));
    assert!(text(event).contains("grace: hi there"));
    let unknown = &select(&root, "ol#events > li.decode-error")[1];
    assert_eq!(unknown.get_attribute("data-id").as_deref(), Some("1-12"));
    assert!(
        text(unknown).contains(r#""from":"ada""#),
        "{}",
        text(unknown)
    );

    app.destroy();
    root.remove();
}

/// A `data:` URL serving a history reply of `events`, resuming after the
/// newest.
fn history_url(events: Vec<herald_wire::Envelope<Payload>>) -> AttrValue {
    let resume_after = events.iter().map(|event| event.id).max();
    let body = json(&herald_wire::EventList {
        events,
        resume_after: resume_after.unwrap_or(EventId::start(1)),
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

#[wasm_bindgen_test]
async fn history_is_shown_below_the_live_events() {
    let live = json(&chat(5, "ada", "live"));
    let root = root();
    let app = yew::Renderer::<StreamProbe>::with_root_and_props(
        root.clone(),
        StreamProbeProps {
            url: stream_url(&format!(
                "retry: 60000\n\nid: 1-5\nevent: chat\ndata: {live}\n\n"
            )),
            history: Some(history_url(vec![
                chat(3, "ada", "old"),
                chat(4, "ada", "older"),
            ])),
        },
    )
    .render();
    let ids = || -> Vec<String> {
        select(&root, "ol#events > li.event")
            .iter()
            .filter_map(|item| item.get_attribute("data-id"))
            .collect()
    };
    wait_until("history and the live event", || ids().len() == 3).await;
    assert_eq!(ids(), ["1-5", "1-4", "1-3"]);
    app.destroy();
    root.remove();
}
