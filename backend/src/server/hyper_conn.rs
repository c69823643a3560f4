//! Connections hyper serves: every HTTP/2 connection, and every HTTP/1.1
//! one whose first request is not a stream (`direct` takes those), each
//! driven directly rather than through `axum::serve`, which hides hyper's
//! builder and serves through hyper-util's protocol-sniffing `auto`
//! connection (an extra buffer and bookkeeping per connection). Over
//! HTTP/1.1 the read buffer is capped at hyper's minimum; over TLS the
//! protocol is known from ALPN, so nothing is sniffed either.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use hyper_util::server::graceful::GracefulConnection;

use super::idle::Activity;
use super::{Protocol, READ_BUFFER, Stop, went_away};

/// How a connection is served.
#[derive(Debug, Clone)]
pub(super) struct Serving {
    /// How long a client may take to send a request's headers (HTTP/1.1),
    /// and how long an HTTP/2 connection may go without a request.
    pub(super) header_timeout: Duration,
    /// Whether an HTTP/1.1 connection may carry more than one request.
    pub(super) keep_alive: bool,
    /// The requests in flight on an HTTP/2 connection, which is closed
    /// once idle for `header_timeout`.
    pub(super) idle: Option<Arc<Activity>>,
}

impl Serving {
    /// How a connection within the caps is served: it may carry many
    /// requests, and go `idle_timeout` without one.
    pub(super) fn kept(idle_timeout: Duration) -> Self {
        Self {
            header_timeout: idle_timeout,
            keep_alive: true,
            idle: None,
        }
    }
}

/// Serves `service` on `io` in `protocol` until the client leaves or the
/// connection is told to end.
///
/// Each protocol's connection is boxed, and handed to [`drive`] boxed: a
/// task is as large as its largest state, so an idle HTTP/1.1 stream would
/// otherwise carry room for an HTTP/2 connection, and an `async fn` keeps
/// an argument it pins in two places (its argument and the pinned local).
pub(super) async fn serve_with_hyper<I, S, B>(
    io: I,
    protocol: Protocol,
    service: S,
    serving: Serving,
    stop: &Stop,
) where
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
            drive(
                Box::pin(builder.serve_connection(io, service)),
                &serving,
                stop,
            )
            .await;
        }
        Protocol::Http2 => {
            // Each stream is a task of its own on the runtime; hyper's
            // defaults bound a connection to 200 concurrent streams and
            // its buffers by HTTP/2's flow control windows.
            let mut builder = hyper::server::conn::http2::Builder::new(TokioExecutor::new());
            builder.timer(TokioTimer::new());
            drive(
                Box::pin(builder.serve_connection(io, service)),
                &serving,
                stop,
            )
            .await;
        }
    }
}

/// Runs `connection` to its end: on shutdown, and once an HTTP/2
/// connection has been idle for its timeout, it finishes the responses in
/// flight (streams end on the shutdown token) and closes instead of
/// waiting for another request; past the grace, it is dropped.
async fn drive<C>(mut connection: Pin<Box<C>>, serving: &Serving, stop: &Stop)
where
    C: GracefulConnection<Error = hyper::Error>,
{
    let idle = async {
        match &serving.idle {
            Some(activity) => activity.idle(serving.header_timeout).await,
            None => std::future::pending().await,
        }
    };
    let result = tokio::select! {
        result = connection.as_mut() => result,
        () = stop.shutdown.cancelled() => {
            connection.as_mut().graceful_shutdown();
            tokio::select! {
                result = connection => result,
                () = stop.force.cancelled() => return,
            }
        }
        () = idle => {
            tracing::debug!(timeout = ?serving.header_timeout, "closing an idle HTTP/2 connection");
            connection.as_mut().graceful_shutdown();
            // A client that never sent its preface never reads the GOAWAY
            // either: it is dropped after another timeout.
            tokio::select! {
                result = connection => result,
                () = stop.force.cancelled() => return,
                () = tokio::time::sleep(serving.header_timeout) => return,
            }
        }
    };
    match result {
        Ok(()) => {}
        // Closing the socket is how a browser stop a stream: not an error.
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
