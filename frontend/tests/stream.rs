//! Browser tests of the stream: `use_event_stream` decodes the named
//! events of a real `EventSource`, reports a stream that dropped or was
//! refused, and closes its source when the URL changes or the page goes.

#![cfg(target_arch = "wasm32")]

pub mod common;
use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use frontend::backoff::Backoff;
use frontend::connection::StreamOptions;
use frontend::decode::{DecodeError, Message, decode};
use gloo_timers::future::sleep;
use shared::{EventId, Gap};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::Element;

use crate::common::stream::{
    StreamProbe, StreamProbeProps, connection_state, ready_states, record_event_sources,
    stream_url, wait_until,
};
use crate::common::{chat, json, pattern, root, select, text};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn decodes_a_chat_event_in_the_browser() {
    assert_eq!(
        decode("chat", &json(&chat(7, "ada", "hi"))),
        Ok(Message::Event(chat(7, "ada", "hi")))
    );
    assert!(matches!(
        decode("chat", "{oops"),
        Err(DecodeError::InvalidData { .. })
    ));
}

#[wasm_bindgen_test]
async fn the_hook_decodes_named_events_and_reports_a_dropped_stream() {
    let chat_json = json(&chat(11, "grace", "hi there"));
    let gap_json = json(&Gap {
        topic: pattern("chat/lobby"),
        after: EventId::new(1, 2),
        through: EventId::new(1, 10),
    });
    // A long retry keeps the browser from replaying the stream during the test.
    let body = format!(
        "retry: 60000\n\n\
         event: gap\ndata: {gap_json}\n\n\
         id: 1-11\nevent: chat\ndata: {chat_json}\n\n\
         event: chat\ndata: {{not json\n\n"
    );
    let root = root();
    let app = yew::Renderer::<StreamProbe>::with_root_and_props(
        root.clone(),
        StreamProbeProps {
            url: stream_url(&body),
            history: None,
            options: StreamOptions::default(),
            delivered: Rc::default(),
        },
    )
    .render();
    yew::scheduler::flush().await;
    assert_eq!(connection_state(&root).as_deref(), Some("connecting"));

    wait_until("three entries", || {
        select(&root, "ol#events > li").len() == 3
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
    assert_eq!(classes, ["decode-error", "event", "gap"]);
    let event = &select(&root, "ol#events > li.event")[0];
    assert_eq!(event.get_attribute("data-kind").as_deref(), Some("chat"));
    assert_eq!(event.get_attribute("data-id").as_deref(), Some("1-11"));
    assert!(text(event).contains("grace: hi there"));

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
    let app = yew::Renderer::<StreamProbe>::with_root_and_props(
        root.clone(),
        StreamProbeProps {
            url: "/no-such-stream".into(),
            history: None,
            options,
            delivered: Rc::default(),
        },
    )
    .render();
    wait_until("the reconnecting state with its attempt", || {
        select(
            &root,
            "#connection[data-state=reconnecting][data-attempt='1']",
        )
        .len()
            == 1
    })
    .await;
    wait_until("the stopped state", || {
        connection_state(&root).as_deref() == Some("stopped")
    })
    .await;
    let indicator = &select(&root, "#connection")[0];
    assert!(text(indicator).contains("gave up after 1 failed attempts"));
    app.destroy();
    root.remove();
}

#[wasm_bindgen_test]
async fn a_new_url_and_unmount_close_the_event_source() {
    record_event_sources();
    let chat_json = json(&chat(5, "ada", "again"));
    // A short retry makes the browser replay the stream over and over while
    // it is open, so a source left open would keep delivering.
    let body = format!("retry: 20\n\nid: 1-5\nevent: chat\ndata: {chat_json}\n\n");
    let delivered = Rc::new(Cell::new(0));
    let props = |url| StreamProbeProps {
        url,
        history: None,
        options: StreamOptions::default(),
        delivered: Rc::clone(&delivered),
    };
    let root = root();
    let mut app =
        yew::Renderer::<StreamProbe>::with_root_and_props(root.clone(), props(stream_url(&body)))
            .render();
    wait_until("a delivered message", || delivered.get() >= 1).await;

    app.update(props(stream_url(&body.replace("again", "other"))));
    yew::scheduler::flush().await;
    let states = ready_states();
    assert_eq!(states.len(), 2, "one new source for the new URL");
    assert_eq!(states[0], 2, "the first source is CLOSED");
    assert_ne!(states[1], 2, "the second source is open");

    app.destroy();
    yew::scheduler::flush().await;
    assert!(ready_states().iter().all(|state| *state == 2), "all CLOSED");
    let after_unmount = delivered.get();
    sleep(Duration::from_millis(300)).await;
    assert_eq!(delivered.get(), after_unmount, "no callback after unmount");
    root.remove();
}
