//! A subscriber that stops reading neither slows the others nor grows the
//! server's memory: it holds no buffer of its own, and when it reads again
//! it is told what it missed with a `gap` event. The kernel holds no more
//! than `--send-buffer` for it either.
//! Resident memory is read while other tests run in the same process, so the
//! bound leaves room for them: what it rules out is memory that grows with
//! what went past the stalled subscriber.

use futures_util::StreamExt;
use herald_dashboard_events::Payload;
use herald_wire::Topic;
use testkit::{Message, PATIENCE, Stream, eventually, query, spawn_app};

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
        let payload = Payload::Chat(herald_dashboard_events::Chat {
            author: seq.to_string(),
            text: text.clone(),
        });
        let id = app.hub.publish(topic.clone(), &payload).unwrap().id();
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
            let payload = Payload::Chat(herald_dashboard_events::Chat {
                author: "flood".into(),
                text: text.clone(),
            });
            app.hub.publish(topic.clone(), &payload).unwrap();
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

/// What the kernel holds for one server socket, as `ss` reads it: the bytes
/// written and not yet sent or acknowledged, and the send buffer's size
/// (`SO_SNDBUF`, doubled for the kernel's bookkeeping).
struct SendQueue {
    queued: u64,
    buffer: u64,
}

/// The server's socket on `server`'s port that talks to `client`'s port.
fn send_queue(server: u16, client: u16) -> Option<SendQueue> {
    let filter = format!("( sport = :{server} and dport = :{client} )");
    let output = std::process::Command::new("ss")
        .args(["-tmnH", "state", "established", &filter])
        .output()
        .expect("ss (iproute2) runs");
    let text = String::from_utf8(output.stdout).unwrap();
    // "Recv-Q Send-Q local peer", then "skmem:(r0,rb…,t0,tb…,…)".
    let queued = text.split_whitespace().nth(1)?.parse().ok()?;
    let buffer = text
        .split(['(', ','])
        .find_map(|field| field.strip_prefix("tb"))?
        .parse()
        .ok()?;
    Some(SendQueue { queued, buffer })
}

#[tokio::test]
async fn a_client_that_stops_reading_holds_no_more_than_the_send_buffer_in_the_kernel() {
    let send_buffer: u64 = 64 * 1024;
    let app = spawn_app(&["--send-buffer", &send_buffer.to_string(), "--history", "8"]).await;
    let topic = Topic::parse("flood").unwrap();
    // A client that sends its request and then reads nothing at all.
    let mut stalled = tokio::net::TcpStream::connect(app.address).await.unwrap();
    let client = stalled.local_addr().unwrap().port();
    let request = format!(
        "GET /api/events?topic=flood HTTP/1.1\r\nHost: {}\r\n\r\n",
        app.address
    );
    tokio::io::AsyncWriteExt::write_all(&mut stalled, request.as_bytes())
        .await
        .unwrap();
    eventually("the stream is open", || async {
        app.hub.subscriptions() == 1
    })
    .await;

    // Far more than the socket buffers: the kernel's autotuning would grow
    // the send buffer towards `net.ipv4.tcp_wmem`'s 4 MiB while it fills.
    let text = "x".repeat(EVENT_BYTES);
    for seq in 0..64 {
        let payload = Payload::Chat(herald_dashboard_events::Chat {
            author: seq.to_string(),
            text: text.clone(),
        });
        app.hub.publish(topic.clone(), &payload).unwrap();
    }
    let port = app.address.port();
    eventually("the kernel holds bytes for the stalled client", || async {
        send_queue(port, client).is_some_and(|queue| queue.queued > 0)
    })
    .await;

    let wmem_max: u64 = std::fs::read_to_string("/proc/sys/net/core/wmem_max")
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let queue = send_queue(port, client).unwrap();
    assert_eq!(
        queue.buffer,
        2 * send_buffer.min(wmem_max),
        "the stalled client's socket has the configured send buffer, not the kernel's growing one"
    );
    // The kernel lets the last write overshoot the buffer by a little.
    assert!(
        queue.queued < 2 * queue.buffer,
        "{} bytes queued for a client that reads nothing",
        queue.queued
    );
}
