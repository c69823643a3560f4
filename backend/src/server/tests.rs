//! The connection loop over real sockets: streams served without hyper,
//! what hyper still gets, and how a closed stream is logged.

use std::convert::Infallible;
use std::num::NonZeroU32;
use std::sync::Arc;

use axum::body::Body;
use axum::routing::get;
use bytes::Bytes;
use futures_util::StreamExt;
use tokio::net::TcpListener;

use super::*;
use crate::clients::{Clients, PerAddress};
use crate::prometheus::Meters;
use crate::telemetry::capture;

/// A client closing its stream, served by hyper at `path` or without
/// it at the stream path, is logged as nothing worse than a trace.
async fn closing_is_not_an_error(path: &str) {
    let (logs, _guard) = capture::start();
    let (router, body_dropped) = stream_router(CancellationToken::new());
    let (addr, shutdown, server) = start(router).await;

    let mut response = reqwest::get(format!("http://{addr}{path}")).await.unwrap();
    assert_eq!(
        response.chunk().await.unwrap().as_deref(),
        Some(&b"one"[..])
    );
    drop(response);
    let patience = Duration::from_secs(10);
    let dropped = tokio::time::timeout(patience, body_dropped).await;
    assert!(dropped.is_ok(), "the hub never noticed the closed socket");
    shutdown.cancel();
    // `accept` returns once every connection task has logged its end.
    tokio::time::timeout(patience, server)
        .await
        .unwrap()
        .unwrap();

    let events = logs.events();
    assert!(
        events.iter().any(
            |event| event["fields"]["message"] == "client closed the connection"
                && event["level"] == "TRACE"
        ),
        "{events:?}"
    );
    for level in ["DEBUG", "INFO"] {
        assert!(logs.hub_at(level).is_empty(), "{level}: {events:?}");
    }
    for level in ["WARN", "ERROR"] {
        assert!(logs.at(level).is_empty(), "{level}: {events:?}");
    }
}

#[tokio::test]
async fn a_client_closing_its_stream_is_not_an_error() {
    closing_is_not_an_error("/stream").await;
}

#[tokio::test]
async fn a_client_closing_a_stream_served_without_hyper_is_not_an_error() {
    closing_is_not_an_error(herald_wire::protocol::EVENTS_PATH).await;
}

/// Serves `router` on an ephemeral port until the token is cancelled.
async fn start(
    router: Router,
) -> (
    std::net::SocketAddr,
    CancellationToken,
    tokio::task::JoinHandle<()>,
) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let shutdown = CancellationToken::new();
    let limits = ConnectionLimits {
        max_connections: 16,
        write_timeout: Duration::from_secs(10),
        idle_timeout: Duration::from_secs(30),
        grace: Duration::from_secs(10),
        nodelay: true,
        send_buffer: None,
    };
    let server = tokio::spawn(accept(
        listener,
        router,
        shutdown.clone(),
        limits,
        None,
        Arc::new(Clients::new(
            PerAddress {
                connections: 64,
                streams: 64,
                publishes: 64,
            },
            NonZeroU32::MIN,
            &[],
        )),
        Arc::new(Meters::new()),
    ));
    (addr, shutdown, server)
}

/// Reads from `socket` until what arrived satisfies `done`, or the
/// socket ends; what arrived, as text.
async fn read_until(socket: &mut TcpStream, done: impl Fn(&str) -> bool) -> String {
    use tokio::io::AsyncReadExt;
    let mut received = Vec::new();
    let reading = async {
        loop {
            let mut chunk = [0u8; 4096];
            let read = socket.read(&mut chunk).await.unwrap_or(0);
            received.extend_from_slice(&chunk[..read]);
            if read == 0 || done(&String::from_utf8_lossy(&received)) {
                break;
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(10), reading)
        .await
        .expect("the response never came");
    String::from_utf8(received).unwrap()
}

/// A body like a stream's: `one`, then nothing until `end` is
/// cancelled; dropping it sends on the returned channel.
fn endless(end: CancellationToken) -> (Body, tokio::sync::oneshot::Receiver<()>) {
    let (alive, dropped) = tokio::sync::oneshot::channel::<()>();
    let chunks = futures_util::stream::once(async { Bytes::from_static(b"one") })
        .chain(futures_util::stream::once(end.cancelled_owned()).filter_map(|()| async { None }))
        .map(move |chunk| {
            let _held = &alive;
            Ok::<_, Infallible>(chunk)
        });
    (Body::from_stream(chunks), dropped)
}

fn stream_router(end: CancellationToken) -> (Router, tokio::sync::oneshot::Receiver<()>) {
    let (body, dropped) = endless(end);
    let body = Arc::new(std::sync::Mutex::new(Some(body)));
    let handler = get(move |peer: Option<axum::Extension<Peer>>| {
        let body = body.lock().unwrap().take().unwrap_or_default();
        let peer = peer.map(|axum::Extension(Peer(addr))| addr.ip().to_string());
        async move { ([("x-peer", peer.unwrap_or_default())], body) }
    });
    // The same stream, served without hyper at the stream path and by
    // hyper elsewhere.
    let router = Router::new()
        .route(herald_wire::protocol::EVENTS_PATH, handler.clone())
        .route("/stream", handler)
        .route("/hello", get(|| async { "hello" }));
    (router, dropped)
}

#[tokio::test]
async fn a_stream_request_is_answered_straight_from_its_body() {
    use tokio::io::AsyncWriteExt;
    let (router, dropped) = stream_router(CancellationToken::new());
    let (addr, shutdown, server) = start(router).await;
    let mut socket = TcpStream::connect(addr).await.unwrap();
    // The head arrives in pieces, split inside the path.
    socket.write_all(b"GET /api/ev").await.unwrap();
    socket.flush().await.unwrap();
    tokio::task::yield_now().await;
    socket
        .write_all(b"ents?topic=a HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let response = read_until(&mut socket, |text| text.ends_with("3\r\none\r\n")).await;
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    let mut lines = head.lines();
    assert_eq!(lines.next(), Some("HTTP/1.1 200 OK"));
    let fields: Vec<&str> = lines.collect();
    for field in [
        "x-peer: 127.0.0.1",
        "transfer-encoding: chunked",
        "connection: close",
    ] {
        assert!(fields.contains(&field), "{field} missing from {fields:?}");
    }
    assert!(
        fields.iter().any(|field| field.starts_with("date: ")),
        "{fields:?}"
    );
    assert_eq!(body, "3\r\none\r\n");
    // The client leaves while nothing is being written: the hub notices
    // from the socket alone.
    drop(socket);
    let patience = Duration::from_secs(10);
    assert!(tokio::time::timeout(patience, dropped).await.is_ok());
    shutdown.cancel();
    server.await.unwrap();
}

#[tokio::test]
async fn a_stream_ending_sends_the_last_chunk_and_closes() {
    use tokio::io::AsyncWriteExt;
    let end = CancellationToken::new();
    let (router, _dropped) = stream_router(end.clone());
    let (addr, shutdown, server) = start(router).await;
    let mut socket = TcpStream::connect(addr).await.unwrap();
    socket
        .write_all(b"GET /api/events HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    read_until(&mut socket, |text| text.ends_with("3\r\none\r\n")).await;
    end.cancel();
    // Read to the end of the connection.
    let rest = read_until(&mut socket, |_| false).await;
    assert_eq!(rest, "0\r\n\r\n");
    shutdown.cancel();
    server.await.unwrap();
}

#[tokio::test]
async fn other_requests_reach_hyper_with_the_bytes_already_read() {
    use tokio::io::AsyncWriteExt;
    let (router, _dropped) = stream_router(CancellationToken::new());
    let (addr, shutdown, server) = start(router).await;

    // Another path, sent a byte at a time, then the stream path on the
    // same connection: both answered.
    let mut socket = TcpStream::connect(addr).await.unwrap();
    for byte in b"GET /hello HTTP/1.1\r\nHost: x\r\n\r\n" {
        socket.write_all(&[*byte]).await.unwrap();
    }
    let hello = read_until(&mut socket, |text| text.ends_with("hello")).await;
    assert!(hello.starts_with("HTTP/1.1 200 OK\r\n"), "{hello}");
    socket
        .write_all(b"GET /api/events HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let stream = read_until(&mut socket, |text| text.ends_with("3\r\none\r\n")).await;
    assert!(stream.starts_with("HTTP/1.1 200 OK\r\n"), "{stream}");
    drop(socket);

    // A path that only starts like the stream's, a body, HTTP/1.0 and
    // a head too long: each answered as hyper answers it.
    let long = format!(
        "GET /api/events HTTP/1.1\r\nHost: x\r\nx-long: {}\r\n\r\n",
        "a".repeat(READ_BUFFER)
    );
    for (request, status) in [
        (
            "GET /api/eventsx HTTP/1.1\r\nHost: x\r\n\r\n",
            "HTTP/1.1 404",
        ),
        (
            "POST /api/events HTTP/1.1\r\nHost: x\r\ncontent-length: 2\r\n\r\nhi",
            "HTTP/1.1 405",
        ),
        (
            "GET /api/events HTTP/1.0\r\nHost: x\r\n\r\n",
            "HTTP/1.0 200",
        ),
        (long.as_str(), "HTTP/1.1 431"),
    ] {
        let mut socket = TcpStream::connect(addr).await.unwrap();
        socket.write_all(request.as_bytes()).await.unwrap();
        let response = read_until(&mut socket, |text| text.contains("\r\n\r\n")).await;
        assert!(response.starts_with(status), "{request:.40}: {response}");
    }
    shutdown.cancel();
    server.await.unwrap();
}

#[tokio::test]
async fn refused_connections_are_logged_once_per_interval() {
    use tokio::io::AsyncWriteExt;
    let (logs, _guard) = capture::start();
    let router = Router::new().route("/", get(|| async { "ok" }));
    let (addr, shutdown, _server) = start(router).await;
    // Every place taken by a connection that sends nothing.
    let mut held = Vec::new();
    for _ in 0..16 {
        held.push(TcpStream::connect(addr).await.unwrap());
    }
    for _ in 0..10 {
        let mut socket = TcpStream::connect(addr).await.unwrap();
        socket
            .write_all(b"GET / HTTP/1.1\r\nhost: localhost\r\n\r\n")
            .await
            .unwrap();
        let answer = read_until(&mut socket, |text| text.contains("\r\n\r\n")).await;
        assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    }
    let refusals: Vec<_> = logs
        .at("WARN")
        .into_iter()
        .filter(|event| event["fields"]["message"] == "refusing a connection")
        .collect();
    assert_eq!(refusals.len(), 1, "{refusals:?}");
    shutdown.cancel();
}
