//! A subscriber that stops reading neither slows the others nor grows the
//! server's memory: it holds no buffer of its own, and when it reads again
//! it is told what it missed with a `gap` event.
//! Resident memory is read while other tests run in the same process, so the
//! bound leaves room for them: what it rules out is memory that grows with
//! what went past the stalled subscriber.

use futures_util::StreamExt;
use shared::{Payload, Topic};
use testkit::{Message, PATIENCE, Stream, query, spawn_app};

const EVENTS: usize = 3000;
const EVENT_BYTES: usize = 32 * 1024;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_subscriber_neither_slows_others_nor_grows_memory() {
    let app = spawn_app(&["--history", "64"]).await;
    let topic = Topic::parse("firehose").unwrap();
    // The stalled client: its body is never polled, so once the socket
    // buffers are full the server can no longer write to it.
    let stalled = app.get_stream(&query(&["firehose"]), None).await;
    let mut reader = app.open_stream(&query(&["firehose"]), None).await;
    let rss_before = resident_bytes();

    let text = "x".repeat(EVENT_BYTES);
    let mut last = None;
    for seq in 0..EVENTS {
        let payload = Payload::Chat(shared::Chat {
            author: seq.to_string(),
            text: text.clone(),
        });
        let id = app.hub.publish(topic.clone(), payload).unwrap().id();
        // The reading subscriber gets every event, in order, while the
        // other one is stalled.
        assert_eq!(reader.next_event().await.id, id);
        last = Some(id);
    }
    let grown = resident_bytes().saturating_sub(rss_before);
    let published = (EVENTS * EVENT_BYTES) as u64;
    assert!(
        grown < published / 2,
        "resident memory grew by {grown} bytes while {published} bytes went past a stalled subscriber"
    );

    // Once it reads again, the stalled subscriber learns what it missed and
    // catches up with the retained history.
    let mut events = Stream::of(stalled);
    let mut saw_gap = false;
    loop {
        match events.next().await {
            Message::Gap(_) => saw_gap = true,
            Message::Event(event) if Some(event.id) == last => break,
            Message::Event(_) => {}
        }
    }
    assert!(saw_gap, "the stalled subscriber was told about the gap");
}

fn resident_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status
        .lines()
        .find(|line| line.starts_with("VmRSS:"))
        .unwrap();
    let kib: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kib * 1024
}

#[tokio::test]
async fn a_client_that_stops_reading_is_disconnected_after_the_write_timeout() {
    let app = spawn_app(&["--write-timeout-ms", "300"]).await;
    let topic = Topic::parse("flood").unwrap();
    let stalled = app.get_stream(&query(&["flood"]), None).await;
    assert_eq!(app.hub.subscriptions(), 1);
    let text = "x".repeat(EVENT_BYTES);
    // Publish until the socket's buffers are full and the write has waited
    // its timeout: the connection, and with it the subscription, goes.
    let gone = tokio::time::timeout(PATIENCE, async {
        while app.hub.subscriptions() > 0 {
            let payload = Payload::Chat(shared::Chat {
                author: "flood".into(),
                text: text.clone(),
            });
            app.hub.publish(topic.clone(), payload).unwrap();
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    })
    .await;
    assert!(gone.is_ok(), "the stalled stream was never closed");
    // What the kernel had buffered is still readable; then the body ends.
    let mut body = stalled.bytes_stream();
    let ended = tokio::time::timeout(PATIENCE, async {
        while let Some(Ok(_)) = body.next().await {}
    })
    .await;
    assert!(ended.is_ok(), "the closed stream's body never ended");
}
