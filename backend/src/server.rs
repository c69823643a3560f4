//! The HTTP/1.1 connection loop: accepts sockets and serves the router on
//! each, ending every connection gracefully on shutdown.
//!
//! `axum::serve` would do the same, but it hides hyper's builder and serves
//! through hyper-util's protocol-sniffing `auto` connection, which costs an
//! extra buffer and bookkeeping per connection. An idle SSE stream is mostly
//! its connection, so Herald drives hyper's HTTP/1 connection directly: a
//! read buffer capped at hyper's minimum and nothing else per socket.
//! Browsers open SSE over HTTP/1.1; HTTP/2 belongs to a TLS-terminating
//! proxy in front of the hub.

use std::io;
use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower::ServiceExt;

/// hyper's smallest allowed read buffer; requests Herald accepts have small
/// headers, and bodies stream through it.
const READ_BUFFER: usize = 8 * 1024;

/// How long a client may take to send its request headers.
const HEADER_TIMEOUT: Duration = Duration::from_secs(30);

/// Serves `router` on `listener` until `shutdown` is cancelled, then waits
/// for every connection to finish its response.
///
/// # Errors
/// Never at present: failed accepts are logged and retried, as a listener
/// out of file descriptors recovers when connections close.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    shutdown: CancellationToken,
) -> io::Result<()> {
    let connections = TaskTracker::new();
    loop {
        let stream = tokio::select! {
            () = shutdown.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(error) => {
                    backoff(error).await;
                    continue;
                }
            },
        };
        connections.spawn(connection(stream, router.clone(), shutdown.clone()));
    }
    drop(listener);
    connections.close();
    connections.wait().await;
    Ok(())
}

async fn connection(stream: TcpStream, router: Router, shutdown: CancellationToken) {
    // Events are small and latency matters more than packet count.
    if let Err(error) = stream.set_nodelay(true) {
        tracing::debug!(%error, "cannot set TCP_NODELAY");
    }
    let service = hyper::service::service_fn(move |request: Request<Incoming>| {
        router.clone().oneshot(request)
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .max_buf_size(READ_BUFFER)
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_TIMEOUT);
    let connection = builder.serve_connection(TokioIo::new(stream), service);
    let mut connection = std::pin::pin!(connection);
    let result = tokio::select! {
        result = connection.as_mut() => result,
        () = shutdown.cancelled() => {
            // Finish the response in flight (streams end on the same token),
            // then close instead of waiting for another request.
            connection.as_mut().graceful_shutdown();
            connection.await
        }
    };
    if let Err(error) = result {
        tracing::debug!(%error, "connection ended with an error");
    }
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
