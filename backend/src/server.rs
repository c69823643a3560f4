//! The connection loop: accepts sockets and serves the router on each,
//! over plain HTTP/1.1, or with `--tls-cert` over TLS in HTTP/2 or HTTP/1.1
//! as the client chose by ALPN, ending every connection gracefully on
//! shutdown.
//!
//! At most `max_connections` are served at once, a cap below the open-files
//! limit: past it, a connection is still accepted so its client hears why,
//! served one request (`/healthz` as usual, anything else 503 with
//! `Retry-After`) and closed, and past [`OVERFLOW`] such refusals at once
//! the socket is simply closed. So the process never runs out of
//! descriptors, and a load balancer's health check still gets through.
//!
//! An idle SSE stream is mostly its connection, so what a connection holds
//! is kept small. Over HTTP/1.1, plain or inside TLS, a connection whose
//! first request is a stream is served without hyper once its head is read
//! (`direct.rs`):
//! no read buffer, no head buffer, one write per burst of events. Every
//! other connection is hyper's, driven directly rather than through
//! `axum::serve`, which hides hyper's builder and serves through
//! hyper-util's protocol-sniffing `auto` connection (an extra buffer and
//! bookkeeping per connection): over HTTP/1.1 a read buffer capped at
//! hyper's minimum; over TLS the protocol is known from ALPN, so nothing
//! is sniffed either.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use axum::response::IntoResponse;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulConnection;
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower::ServiceExt;

pub(crate) mod direct;
mod write_timeout;

use direct::Opening;

use crate::clients::Peer;
use crate::error::ApiError;
use crate::prometheus::Meters;
use crate::tls;

/// hyper's smallest allowed read buffer; requests Herald accepts have small
/// headers, and bodies stream through it.
const READ_BUFFER: usize = 8 * 1024;

/// How long a client may take to send its request headers.
const HEADER_TIMEOUT: Duration = Duration::from_secs(30);

/// Connections past the cap that are answered at once before further ones
/// are closed unanswered.
const OVERFLOW: usize = 64;

/// How long a client may take to complete its TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a connection past the cap may take to send its one request.
const OVERFLOW_TIMEOUT: Duration = Duration::from_secs(5);

/// Accepts connections on `listener` and serves `router` on each, at most
/// [`Limits::max_connections`] at once, each closed when its client stops
/// reading for [`Limits::write_timeout`], until `shutdown` is cancelled, then waits for
/// every connection to finish its response.
///
/// # Errors
/// Never at present: failed accepts are logged and retried, as a listener
/// out of file descriptors recovers when connections close.
pub(crate) async fn accept(
    listener: TcpListener,
    router: Router,
    shutdown: CancellationToken,
    limits: Limits,
    tls: Option<TlsAcceptor>,
    meters: Arc<Meters>,
) -> io::Result<()> {
    let Limits {
        max_connections,
        write_timeout,
        grace,
        nodelay,
    } = limits;
    let connections = TaskTracker::new();
    // Cancelled when the grace after shutdown is over: what is still open
    // is dropped.
    let force = CancellationToken::new();
    let open = Arc::clone(&meters.connections);
    let refusing = Arc::new(AtomicUsize::new(0));
    loop {
        let (stream, peer) = tokio::select! {
            () = shutdown.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    backoff(error).await;
                    continue;
                }
            },
        };
        let Some(slot) = Slot::take(&open, max_connections) else {
            if let Some(refusal) = Slot::take(&refusing, OVERFLOW) {
                tracing::warn!(
                    max = max_connections,
                    "refusing a connection: the hub serves its maximum"
                );
                let ends = Ends {
                    shutdown: shutdown.clone(),
                    force: force.clone(),
                };
                connections.spawn(refuse(
                    stream,
                    router.clone(),
                    tls.clone(),
                    ends,
                    max_connections,
                    Arc::clone(&meters),
                    refusal,
                ));
            }
            continue;
        };
        // Events are small, and by default latency matters more than packet
        // count; Nagle's coalescing saves CPU at many deliveries a second.
        if let Err(error) = stream.set_nodelay(nodelay) {
            tracing::debug!(%error, "cannot set TCP_NODELAY");
        }
        let peer = Peer(peer);
        let ends = Ends {
            shutdown: shutdown.clone(),
            force: force.clone(),
        };
        connections.spawn(connection(
            stream,
            peer,
            router.clone(),
            ends,
            write_timeout,
            tls.clone(),
            slot,
        ));
    }
    drop(listener);
    connections.close();
    if tokio::time::timeout(grace, connections.wait())
        .await
        .is_err()
    {
        tracing::warn!(
            connections = connections.len(),
            ?grace,
            "the shutdown grace is over; dropping the connections still open"
        );
        force.cancel();
        connections.wait().await;
    }
    Ok(())
}

/// How a connection is told to end: gracefully on shutdown, at once when
/// the grace is over.
struct Ends {
    shutdown: CancellationToken,
    force: CancellationToken,
}

/// What each connection may take.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// Connections served at once.
    pub(crate) max_connections: usize,
    /// How long a write may wait for the client to read.
    pub(crate) write_timeout: Duration,
    /// How long connections may take to finish after shutdown.
    pub(crate) grace: Duration,
    /// Whether each event is sent at once (`TCP_NODELAY`) rather than
    /// coalesced with the next by the kernel.
    pub(crate) nodelay: bool,
}

/// One of a bounded number of places; freed when dropped.
struct Slot(Arc<AtomicUsize>);

impl Slot {
    /// A place among `max` counted by `taken`, if one is free.
    fn take(taken: &Arc<AtomicUsize>, max: usize) -> Option<Self> {
        taken
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |count| {
                (count < max).then_some(count + 1)
            })
            .ok()
            .map(|_| Self(Arc::clone(taken)))
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

async fn connection(
    stream: TcpStream,
    peer: Peer,
    router: Router,
    ends: Ends,
    write_timeout: Duration,
    tls: Option<TlsAcceptor>,
    _slot: Slot,
) {
    let stream = write_timeout::WriteTimeout::new(stream, write_timeout);
    let Some(tls) = tls else {
        return http1(stream, peer, router, &ends).await;
    };
    // Boxed, so a plain HTTP/1.1 stream's task carries no room for a TLS
    // connection.
    Box::pin(async move {
        match handshake(&tls, stream, &ends).await {
            Some((stream, Protocol::Http1)) => http1(stream, peer, router, &ends).await,
            Some((stream, Protocol::Http2)) => {
                let service = routed(peer, router);
                serve(TokioIo::new(stream), Protocol::Http2, service, KEPT, &ends).await;
            }
            None => {}
        }
    })
    .await;
}

/// Serves an HTTP/1.1 connection, plain or inside TLS. One whose first
/// request is a stream is served without hyper; a client that never sends
/// a request head is held no longer than hyper would hold it.
async fn http1<I>(io: I, peer: Peer, router: Router, ends: &Ends)
where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let opening = tokio::select! {
        opening = tokio::time::timeout(HEADER_TIMEOUT, direct::open(io)) => opening,
        () = ends.shutdown.cancelled() => return,
    };
    let io = match opening {
        Ok(Ok(Opening::Stream(io, request))) => {
            direct::serve(io, *request, peer, router, ends).await;
            return;
        }
        Ok(Ok(Opening::Other(io))) => io,
        Ok(Err(error)) => {
            tracing::trace!(%error, "connection failed before its first request");
            return;
        }
        Err(_) => {
            tracing::debug!(timeout = ?HEADER_TIMEOUT, "no request head in time");
            return;
        }
    };
    let service = routed(peer, router);
    serve(TokioIo::new(io), Protocol::Http1, service, KEPT, ends).await;
}

/// `router` as a hyper service for a connection from `peer`.
fn routed(
    peer: Peer,
    router: Router,
) -> impl hyper::service::HttpService<
    Incoming,
    ResBody = axum::body::Body,
    Error = std::convert::Infallible,
    Future: Send + 'static,
> + Clone {
    hyper::service::service_fn(move |mut request: Request<Incoming>| {
        request.extensions_mut().insert(peer);
        router.clone().oneshot(request)
    })
}

/// Serves one request on a connection past the cap: `/healthz` through the
/// router, anything else a 503, then closes it.
async fn refuse(
    stream: TcpStream,
    router: Router,
    tls: Option<TlsAcceptor>,
    ends: Ends,
    max: usize,
    meters: Arc<Meters>,
    _slot: Slot,
) {
    let service = hyper::service::service_fn(move |request: Request<Incoming>| {
        let router = router.clone();
        let meters = Arc::clone(&meters);
        async move {
            if request.uri().path() == shared::protocol::HEALTH_PATH {
                router.oneshot(request).await
            } else {
                // Answered outside the router, so counted here.
                let response = ApiError::TooManyConnections { max }.into_response();
                meters.count(&response);
                Ok(response)
            }
        }
    });
    let serving = Serving {
        header_timeout: OVERFLOW_TIMEOUT,
        keep_alive: false,
    };
    let served = serve_socket(stream, tls.as_ref(), service, serving, &ends);
    // An HTTP/2 client may keep its connection open after its answer.
    tokio::select! {
        _ = tokio::time::timeout(OVERFLOW_TIMEOUT, served) => {}
        () = ends.force.cancelled() => {}
    }
}

/// Serves `service` on `stream`: plain HTTP/1.1 without `tls`, else over
/// TLS in the protocol the client chose by ALPN.
async fn serve_socket<I, S, B>(
    stream: I,
    tls: Option<&TlsAcceptor>,
    service: S,
    serving: Serving,
    ends: &Ends,
) where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    S: hyper::service::HttpService<Incoming, ResBody = B>,
    S::Future: Send + 'static,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    B: hyper::body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    match tls {
        None => {
            serve(
                TokioIo::new(stream),
                Protocol::Http1,
                service,
                serving,
                ends,
            )
            .await
        }
        // Boxed, like each protocol's connection in `serve`: a task is as
        // large as its largest state, and a plain HTTP/1.1 stream would
        // otherwise carry room for a TLS connection (3.3 KiB more per idle
        // stream, measured).
        Some(tls) => Box::pin(secure(tls, stream, service, serving, ends)).await,
    }
}

/// Serves `service` over TLS on `stream`, in the protocol the client chose,
/// once the handshake is done (unless shutdown comes first).
async fn secure<I, S, B>(tls: &TlsAcceptor, stream: I, service: S, serving: Serving, ends: &Ends)
where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    S: hyper::service::HttpService<Incoming, ResBody = B>,
    S::Future: Send + 'static,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    B: hyper::body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    if let Some((stream, protocol)) = handshake(tls, stream, ends).await {
        serve(TokioIo::new(stream), protocol, service, serving, ends).await;
    }
}

/// The TLS handshake, within [`HANDSHAKE_TIMEOUT`], and the protocol the
/// client chose by ALPN (HTTP/1.1 when it named none); `None`, logged,
/// when it failed, and when shutdown came first.
async fn handshake<I>(tls: &TlsAcceptor, stream: I, ends: &Ends) -> Option<(TlsStream<I>, Protocol)>
where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let accepted = tokio::select! {
        accepted = tokio::time::timeout(HANDSHAKE_TIMEOUT, tls.accept(stream)) => accepted,
        () = ends.shutdown.cancelled() => return None,
    };
    match accepted {
        Ok(Ok(stream)) => {
            let protocol = if stream.get_ref().1.alpn_protocol() == Some(tls::H2) {
                Protocol::Http2
            } else {
                Protocol::Http1
            };
            Some((stream, protocol))
        }
        Ok(Err(error)) => {
            tracing::debug!(%error, "TLS handshake failed");
            None
        }
        Err(_) => {
            tracing::debug!(timeout = ?HANDSHAKE_TIMEOUT, "TLS handshake timed out");
            None
        }
    }
}

/// The HTTP version a connection speaks.
#[derive(Debug, Clone, Copy)]
enum Protocol {
    Http1,
    Http2,
}

/// How a connection within the cap is served: it may carry many requests.
const KEPT: Serving = Serving {
    header_timeout: HEADER_TIMEOUT,
    keep_alive: true,
};

/// How a connection is served.
#[derive(Debug, Clone, Copy)]
struct Serving {
    /// How long a client may take to send a request's headers (HTTP/1.1).
    header_timeout: Duration,
    /// Whether an HTTP/1.1 connection may carry more than one request.
    keep_alive: bool,
}

/// Serves `service` on `io` in `protocol` until the client leaves or the
/// connection is told to end.
///
/// Each protocol's connection is boxed, and handed to [`drive`] boxed: a
/// task is as large as its largest state, so an idle HTTP/1.1 stream would
/// otherwise carry room for an HTTP/2 connection, and an `async fn` keeps
/// an argument it pins in two places (its argument and the pinned local).
async fn serve<I, S, B>(io: I, protocol: Protocol, service: S, serving: Serving, ends: &Ends)
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
    S: hyper::service::HttpService<Incoming, ResBody = B>,
    S::Future: Send + 'static,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    B: hyper::body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    match protocol {
        Protocol::Http1 => {
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .max_buf_size(READ_BUFFER)
                .keep_alive(serving.keep_alive)
                .timer(TokioTimer::new())
                .header_read_timeout(serving.header_timeout);
            drive(Box::pin(builder.serve_connection(io, service)), ends).await;
        }
        Protocol::Http2 => {
            // Each stream is a task of its own on the runtime; hyper's
            // defaults bound a connection to 200 concurrent streams and
            // its buffers by HTTP/2's flow control windows.
            let mut builder = hyper::server::conn::http2::Builder::new(TokioExecutor::new());
            builder.timer(TokioTimer::new());
            drive(Box::pin(builder.serve_connection(io, service)), ends).await;
        }
    }
}

/// Runs `connection` to its end: on shutdown it finishes the responses in
/// flight (streams end on the same token) and closes instead of waiting
/// for another request; past the grace, it is dropped.
async fn drive<C>(mut connection: Pin<Box<C>>, ends: &Ends)
where
    C: GracefulConnection<Error = hyper::Error>,
{
    let result = tokio::select! {
        result = connection.as_mut() => result,
        () = ends.shutdown.cancelled() => {
            connection.as_mut().graceful_shutdown();
            tokio::select! {
                result = connection => result,
                () = ends.force.cancelled() => return,
            }
        }
    };
    match result {
        Ok(()) => {}
        // Closing the socket is how a browser ends a stream: not an error.
        Err(error) if client_went_away(&error) => {
            tracing::trace!(%error, "client closed the connection");
        }
        // A malformed or timed-out request is the client's problem.
        Err(error) => tracing::debug!(%error, "connection ended with an error"),
    }
}

/// Whether `error` only says that the peer went away mid-request or
/// mid-response.
fn client_went_away(error: &hyper::Error) -> bool {
    if error.is_incomplete_message() || error.is_closed() || error.is_canceled() {
        return true;
    }
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        if let Some(io_error) = cause.downcast_ref::<io::Error>() {
            return went_away(io_error);
        }
        source = cause.source();
    }
    false
}

/// Whether `error` is how a socket fails once its peer has gone.
fn went_away(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::BrokenPipe
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::UnexpectedEof
    )
}

/// Waits after a failed accept. Per-connection failures are retried at once;
/// anything else (such as running out of file descriptors) waits a moment so
/// the loop does not spin.
async fn backoff(error: io::Error) {
    match error.kind() {
        io::ErrorKind::ConnectionAborted
        | io::ErrorKind::ConnectionReset
        | io::ErrorKind::ConnectionRefused => {}
        _ => {
            tracing::error!(%error, "failed to accept a connection");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::convert::Infallible;

    use axum::body::Body;
    use axum::routing::get;
    use bytes::Bytes;
    use futures_util::StreamExt;

    use super::*;
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
        closing_is_not_an_error(shared::protocol::EVENTS_PATH).await;
    }

    /// Serves `router` on an ephemeral port until the token is cancelled.
    async fn start(
        router: Router,
    ) -> (
        std::net::SocketAddr,
        CancellationToken,
        tokio::task::JoinHandle<io::Result<()>>,
    ) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let shutdown = CancellationToken::new();
        let limits = Limits {
            max_connections: 16,
            write_timeout: Duration::from_secs(10),
            grace: Duration::from_secs(10),
            nodelay: true,
        };
        let server = tokio::spawn(accept(
            listener,
            router,
            shutdown.clone(),
            limits,
            None,
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
            .chain(
                futures_util::stream::once(end.cancelled_owned()).filter_map(|()| async { None }),
            )
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
            .route(shared::protocol::EVENTS_PATH, handler.clone())
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
        server.await.unwrap().unwrap();
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
        server.await.unwrap().unwrap();
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
        server.await.unwrap().unwrap();
    }
}
