//! The HTTP/1.1 connection loop: accepts sockets and serves the router on
//! each, ending every connection gracefully on shutdown.
//!
//! At most `max_connections` are served at once, a cap below the open-files
//! limit: past it, a connection is still accepted so its client hears why,
//! served one request (`/healthz` as usual, anything else 503 with
//! `Retry-After`) and closed, and past [`OVERFLOW`] such refusals at once
//! the socket is simply closed. So the process never runs out of
//! descriptors, and a load balancer's health check still gets through.
//!
//! `axum::serve` would do the same, but it hides hyper's builder and serves
//! through hyper-util's protocol-sniffing `auto` connection, which costs an
//! extra buffer and bookkeeping per connection. An idle SSE stream is mostly
//! its connection, so Herald drives hyper's HTTP/1 connection directly: a
//! read buffer capped at hyper's minimum and nothing else per socket.
//! Browsers open SSE over HTTP/1.1; HTTP/2 belongs to a TLS-terminating
//! proxy in front of the hub.

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use axum::response::IntoResponse;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower::ServiceExt;

mod write_timeout;

use crate::clients::Peer;
use crate::error::ApiError;

/// hyper's smallest allowed read buffer; requests Herald accepts have small
/// headers, and bodies stream through it.
const READ_BUFFER: usize = 8 * 1024;

/// How long a client may take to send its request headers.
const HEADER_TIMEOUT: Duration = Duration::from_secs(30);

/// Connections past the cap that are answered at once before further ones
/// are closed unanswered.
const OVERFLOW: usize = 64;

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
) -> io::Result<()> {
    let Limits {
        max_connections,
        write_timeout,
        grace,
    } = limits;
    let connections = TaskTracker::new();
    // Cancelled when the grace after shutdown is over: what is still open
    // is dropped.
    let force = CancellationToken::new();
    let open = Arc::new(AtomicUsize::new(0));
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
                let refused = refuse(stream, router.clone(), refusal, max_connections);
                let force = force.clone();
                connections.spawn(async move {
                    tokio::select! {
                        () = refused => {}
                        () = force.cancelled() => {}
                    }
                });
            }
            continue;
        };
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
    _slot: Slot,
) {
    // Events are small and latency matters more than packet count.
    if let Err(error) = stream.set_nodelay(true) {
        tracing::debug!(%error, "cannot set TCP_NODELAY");
    }
    let service = hyper::service::service_fn(move |mut request: Request<Incoming>| {
        request.extensions_mut().insert(peer);
        router.clone().oneshot(request)
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .max_buf_size(READ_BUFFER)
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_TIMEOUT);
    let stream = write_timeout::WriteTimeout::new(stream, write_timeout);
    let connection = builder.serve_connection(TokioIo::new(stream), service);
    let mut connection = std::pin::pin!(connection);
    let result = tokio::select! {
        result = connection.as_mut() => result,
        () = ends.shutdown.cancelled() => {
            // Finish the response in flight (streams end on the same token),
            // then close instead of waiting for another request; past the
            // grace, drop it.
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

/// Serves one request on a connection past the cap: `/healthz` through the
/// router, anything else a 503, then closes it.
async fn refuse(stream: TcpStream, router: Router, _slot: Slot, max: usize) {
    let service = hyper::service::service_fn(move |request: Request<Incoming>| {
        let router = router.clone();
        async move {
            if request.uri().path() == shared::protocol::HEALTH_PATH {
                router.oneshot(request).await
            } else {
                Ok(ApiError::TooManyConnections { max }.into_response())
            }
        }
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .max_buf_size(READ_BUFFER)
        .keep_alive(false)
        .timer(TokioTimer::new())
        .header_read_timeout(OVERFLOW_TIMEOUT);
    let served = builder.serve_connection(TokioIo::new(stream), service);
    if let Ok(Err(error)) = tokio::time::timeout(OVERFLOW_TIMEOUT, served).await {
        tracing::debug!(%error, "a refused connection ended with an error");
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
            return matches!(
                io_error.kind(),
                io::ErrorKind::BrokenPipe
                    | io::ErrorKind::ConnectionReset
                    | io::ErrorKind::ConnectionAborted
                    | io::ErrorKind::UnexpectedEof
            );
        }
        source = cause.source();
    }
    false
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

    #[tokio::test]
    async fn a_client_closing_its_stream_is_not_an_error() {
        let (logs, _guard) = capture::start();
        let (body_alive, body_dropped) = tokio::sync::oneshot::channel::<()>();
        // A body like a stream's: one chunk, then nothing, for ever. It
        // holds `body_alive`, so the test learns when hyper drops it.
        let body = std::sync::Arc::new(std::sync::Mutex::new(Some(body_alive)));
        let router = Router::new().route(
            "/",
            get(move || {
                let alive = body.lock().unwrap().take();
                async move {
                    let chunks = futures_util::stream::once(async { Bytes::from_static(b"one") })
                        .chain(futures_util::stream::pending())
                        .map(move |chunk| {
                            let _held = &alive;
                            Ok::<_, Infallible>(chunk)
                        });
                    Body::from_stream(chunks)
                }
            }),
        );
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        let shutdown = CancellationToken::new();
        let limits = Limits {
            max_connections: 16,
            write_timeout: Duration::from_secs(10),
            grace: Duration::from_secs(10),
        };
        let server = tokio::spawn(accept(listener, router, shutdown.clone(), limits));

        let mut response = reqwest::get(url).await.unwrap();
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
}
