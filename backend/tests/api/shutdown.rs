//! Graceful shutdown: open streams end so the server can stop, a publish
//! that would reach no stream is refused, requests in flight get a grace,
//! and a second signal stops the process at once.

use std::io::BufRead;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::time::Duration;

use herald_wire::Topic;
use herald_wire::protocol::publish_path;
use testkit::{PATIENCE, chat, query, spawn_app};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const BODY: &str = r#"{"type":"chat","author":"a","text":"late"}"#;

/// Flags that let a test tell when its publish is in flight: the hub
/// handles one at a time.
const ONE_PUBLISH: [&str; 2] = ["--max-concurrent-publishes", "1"];

/// Starts a publish to `topic` on `addr`, sends the headers and the first
/// part of its body, and returns once the hub handles it: with
/// [`ONE_PUBLISH`], another publish is then shed with 503. A probe may
/// take the one place first and shed this publish instead; it is sent
/// again then.
async fn publish_in_flight(addr: &str, topic: &str) -> TcpStream {
    let head = format!(
        "POST {} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        publish_path(topic),
        BODY.len()
    );
    let probe = format!("http://{addr}{}", publish_path("probe"));
    let client = reqwest::Client::new();
    let started = tokio::time::timeout(PATIENCE, async {
        loop {
            let mut socket = TcpStream::connect(addr).await.unwrap();
            socket.write_all(head.as_bytes()).await.unwrap();
            socket.write_all(&BODY.as_bytes()[..10]).await.unwrap();
            loop {
                let probed = client
                    .post(&probe)
                    .header("content-type", "application/json")
                    .body(BODY)
                    .send()
                    .await
                    .unwrap();
                if probed.status() == reqwest::StatusCode::SERVICE_UNAVAILABLE {
                    return socket;
                }
                // An answer on the held socket means it was shed.
                if socket.try_read(&mut [0; 64]).is_ok() {
                    break;
                }
            }
        }
    });
    started.await.expect("the publish never stayed in flight")
}

/// Everything the server sends on `socket` until it closes it.
async fn reply(socket: &mut TcpStream) -> String {
    let mut reply = Vec::new();
    tokio::time::timeout(PATIENCE, socket.read_to_end(&mut reply))
        .await
        .expect("the hub never answered")
        .unwrap_or_default();
    String::from_utf8_lossy(&reply).into_owned()
}

#[tokio::test]
async fn shutdown_closes_open_streams() {
    let mut app = spawn_app(&[]).await;
    let mut stream = app.open_stream(&query(&["s"]), None).await;
    app.shutdown().cancel();
    assert!(stream.next_raw().await.is_none(), "the stream ends");
    let result = app.ended().await;
    assert!(result.is_ok());
}

#[tokio::test]
async fn shutdown_ends_a_stream_that_is_never_idle() {
    let mut app = spawn_app(&[]).await;
    let mut stream = app.open_stream(&query(&["busy"]), None).await;
    let stop = Arc::new(AtomicBool::new(false));
    // Publishes as fast as it can, so the stream has a delivery ready
    // whenever it looks.
    let publisher = std::thread::spawn({
        let hub = app.hub.clone();
        let stop = Arc::clone(&stop);
        let topic = Topic::parse("busy").unwrap();
        move || {
            while !stop.load(Ordering::Relaxed) {
                hub.publish(topic.clone(), &chat("busy")).unwrap();
            }
        }
    });
    assert!(stream.next_raw().await.is_some(), "deliveries flow");
    app.shutdown().cancel();
    let ended = tokio::time::timeout(PATIENCE, async {
        while stream.next_raw().await.is_some() {}
    });
    ended.await.expect("the stream never ended");
    let result = app.ended().await;
    stop.store(true, Ordering::Relaxed);
    publisher.join().unwrap();
    assert!(result.is_ok());
}

#[tokio::test]
async fn a_publish_finishing_during_shutdown_gets_503_and_publishes_nothing() {
    let app = spawn_app(&ONE_PUBLISH).await;
    let addr = app.address.to_string();
    let mut socket = publish_in_flight(&addr, "late").await;
    app.shutdown().cancel();
    socket.write_all(&BODY.as_bytes()[10..]).await.unwrap();
    let reply = reply(&mut socket).await;
    assert!(reply.starts_with("HTTP/1.1 503"), "{reply}");
    assert!(reply.contains("retry-after: 1"), "{reply}");
    assert!(reply.contains(r#""code":"shutting_down""#), "{reply}");
    let late =
        std::collections::BTreeSet::from([herald_wire::TopicPattern::parse("late").unwrap()]);
    assert!(app.hub.history(&late, 10).frames.is_empty());
}

#[tokio::test]
async fn past_the_grace_the_connections_still_open_are_dropped() {
    let mut app = spawn_app(&[
        ONE_PUBLISH[0],
        ONE_PUBLISH[1],
        "--shutdown-grace-ms",
        "200",
        "--publish-timeout-ms",
        "60000",
    ])
    .await;
    let addr = app.address.to_string();
    // An upload that never finishes would hold the shutdown for the
    // publish timeout.
    let mut socket = publish_in_flight(&addr, "stuck").await;
    app.shutdown().cancel();
    // Within the harness's patience, far below the publish timeout.
    let stopped = app.ended().await;
    assert!(stopped.is_ok());
    let reply = reply(&mut socket).await;
    assert!(!reply.starts_with("HTTP/1.1 2"), "{reply}");
}

/// A `herald serve` process and the messages of its log lines, in order.
struct Process {
    child: Child,
    messages: mpsc::Receiver<String>,
}

impl Process {
    fn start(args: &[&str]) -> (Self, String) {
        let mut child = Command::new(env!("CARGO_BIN_EXE_herald"))
            .args([
                "serve",
                "--no-metrics",
                "--no-hub-stats",
                "--addr",
                "127.0.0.1:0",
            ])
            .args(["--static-dir", "/nonexistent", "--log-format", "json"])
            .args(args)
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = std::io::BufReader::new(child.stderr.take().unwrap());
        let (lines, messages) = mpsc::channel();
        let (addrs, addr) = mpsc::channel();
        std::thread::spawn(move || {
            for line in stderr.lines().map_while(Result::ok) {
                let Ok(line) = serde_json::from_str::<serde_json::Value>(&line) else {
                    continue;
                };
                let fields = &line["fields"];
                if let Some(listening) = fields["addr"].as_str() {
                    let _ = addrs.send(listening.to_owned());
                }
                let _ = lines.send(fields["message"].as_str().unwrap_or_default().to_owned());
            }
        });
        let addr = addr.recv_timeout(PATIENCE).expect("the hub never listened");
        (Self { child, messages }, addr)
    }

    fn signal(&self, name: &str) {
        let pid = self.child.id().to_string();
        assert!(
            Command::new("kill")
                .args(["-s", name, &pid])
                .status()
                .unwrap()
                .success()
        );
    }

    /// Waits for a log line whose message starts with `start`.
    fn wait_for(&self, start: &str) {
        loop {
            let message = self
                .messages
                .recv_timeout(PATIENCE)
                .unwrap_or_else(|_| panic!("never logged {start:?}"));
            if message.starts_with(start) {
                return;
            }
        }
    }

    fn exit_code(mut self) -> Option<i32> {
        let deadline = std::time::Instant::now() + PATIENCE;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            assert!(std::time::Instant::now() < deadline, "the hub did not exit");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn sigterm_stops_the_binary_cleanly() {
    let (hub, _) = Process::start(&[]);
    hub.signal("TERM");
    hub.wait_for("shutting down");
    assert_eq!(hub.exit_code(), Some(0));
}

#[tokio::test]
async fn a_second_ctrl_c_stops_the_binary_at_once() {
    let (hub, addr) = Process::start(&[
        ONE_PUBLISH[0],
        ONE_PUBLISH[1],
        "--shutdown-grace-ms",
        "60000",
        "--publish-timeout-ms",
        "60000",
    ]);
    // Holds the graceful shutdown for its whole grace.
    let _socket = publish_in_flight(&addr, "held").await;
    hub.signal("INT");
    hub.wait_for("shutting down");
    hub.signal("INT");
    assert_eq!(hub.exit_code(), Some(herald_hub::shutdown::FORCED_EXIT));
}
