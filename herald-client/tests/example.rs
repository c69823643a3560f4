//! The Rust example (`examples/publish_and_follow.rs`), run as it is
//! against a real hub: it publishes a typed event and reads it back, and
//! the hub holds exactly that event.

#![allow(
    clippy::unwrap_used,
    reason = "a test fails loudly on any unexpected error"
)]

#[path = "../examples/publish_and_follow.rs"]
#[allow(dead_code, reason = "the example's `main` is not this test's")]
mod example;

use herald_dashboard_events::Payload;
use herald_wire::EventList;
use herald_wire::protocol::history_path;
use testkit::{PATIENCE, TestApp};

#[tokio::test(flavor = "multi_thread")]
async fn the_rust_example_publishes_a_typed_event_and_reads_it_back() {
    let app = TestApp::builder().start().await;
    let hub = app.url("");
    let run = example::publish_and_follow(&hub);
    tokio::time::timeout(PATIENCE, run).await.unwrap().unwrap();
    let reply = app.get(&history_path(["chat/lobby"], 10)).await;
    let history: EventList<Payload> = reply.json().await.unwrap();
    let [envelope] = history.events.as_slice() else {
        panic!("one event on chat/lobby: {history:?}");
    };
    let Payload::Chat(chat) = &envelope.event else {
        panic!("a chat: {envelope:?}");
    };
    assert!(chat.text.starts_with("hello from Rust"), "{}", chat.text);
    app.stop().await.unwrap();
}
