//! The connection loop: accepts sockets and serves the router on each,
//! over plain HTTP/1.1, or with `--tls-cert` over TLS in HTTP/2 or HTTP/1.1
//! as the client chose by ALPN, ending every connection gracefully on
//! shutdown.
//!
//! `accept` is the loop and the connection cap; [`open`] is the one place a
//! socket becomes a connection in a protocol (plain HTTP/1.1, or TLS and
//! what ALPN chose); `direct` writes an HTTP/1.1 stream without hyper;
//! `hyper_conn` serves everything else.
//!
//! An idle SSE stream is mostly its connection, so what a connection holds
//! is kept small. Over HTTP/1.1, plain or inside TLS, a connection whose
//! first request is a stream is served without hyper once its head is read
//! (`direct.rs`):
//! no read buffer, no head buffer, one write per burst of events. Every
//! other connection is hyper's (`hyper_conn.rs`).

mod accept;
pub(crate) mod direct;
mod hyper_conn;
mod idle;
#[cfg(test)]
mod tests;
mod write_timeout;

use std::io;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
#[cfg(feature = "tls")]
use tokio_rustls::server::TlsStream;
#[cfg(feature = "tls")]
use tokio_util::either::Either;
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;

pub(crate) use accept::accept;
use direct::Opening;
use hyper_conn::{Serving, serve_with_hyper};
use idle::Activity;
use write_timeout::WriteTimeout;

use crate::clients::{Peer, Permit};
#[cfg(feature = "tls")]
use crate::tls;

/// What turns an accepted socket into a TLS stream.
#[cfg(feature = "tls")]
pub(crate) use tokio_rustls::TlsAcceptor;

/// Without the `tls` feature there is no acceptor: the server's
/// `Option<TlsAcceptor>` is always `None`, and the compiler knows it.
#[cfg(not(feature = "tls"))]
#[derive(Clone)]
pub(crate) enum TlsAcceptor {}

/// hyper's smallest allowed read buffer; requests Herald accepts have small
/// headers, and bodies stream through it.
const READ_BUFFER: usize = 8 * 1024;

/// How long a client may take to complete its TLS handshake.
#[cfg(feature = "tls")]
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// What each connection may take.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ConnectionLimits {
    /// Connections served at once.
    pub(crate) max_connections: usize,
    /// How long a write may wait for the client to read.
    pub(crate) write_timeout: Duration,
    /// How long a connection may go without a request.
    pub(crate) idle_timeout: Duration,
    /// How long connections may take to finish after shutdown.
    pub(crate) grace: Duration,
    /// Whether each event is sent at once (`TCP_NODELAY`) rather than
    /// coalesced with the next by the kernel.
    pub(crate) nodelay: bool,
    /// The kernel's send buffer per connection (`SO_SNDBUF`), when capped.
    pub(crate) send_buffer: Option<usize>,
}

/// How a connection is told to stop: gracefully on shutdown, at once when
/// the grace is over.
#[derive(Clone)]
struct Stop {
    shutdown: CancellationToken,
    force: CancellationToken,
}

/// How a socket becomes a connection: in TLS or not, how long a write may
/// be blocked, and how long the connection may go without a request.
#[derive(Clone)]
struct Transport {
    tls: Option<TlsAcceptor>,
    write_timeout: Duration,
    idle_timeout: Duration,
    /// [`crate::prometheus::Meters::closed_idle`].
    closed_idle: Arc<AtomicU64>,
}

/// The HTTP version a connection speaks.
#[derive(Debug, Clone, Copy)]
enum Protocol {
    Http1,
    #[cfg_attr(
        not(feature = "tls"),
        expect(dead_code, reason = "a client chooses HTTP/2 by ALPN, inside TLS")
    )]
    Http2,
}

/// A connection's bytes: the socket, or TLS over it. The TLS state is
/// boxed, so a plain connection carries no room for it.
#[cfg(feature = "tls")]
type Io = Either<WriteTimeout, Box<TlsStream<WriteTimeout>>>;

/// A connection's bytes: the socket, without the `tls` feature.
#[cfg(not(feature = "tls"))]
type Io = WriteTimeout;

/// Opens a connection on `stream`: plain HTTP/1.1 without `tls`, else TLS
/// in the protocol the client chose by ALPN (HTTP/1.1 when it named none),
/// once the handshake is done within [`HANDSHAKE_TIMEOUT`]. `None`, logged,
/// when the handshake failed, and when shutdown came first.
#[cfg_attr(
    not(feature = "tls"),
    expect(unused_variables, reason = "only a TLS handshake waits on `stop`")
)]
async fn open(stream: TcpStream, transport: &Transport, stop: &Stop) -> Option<(Io, Protocol)> {
    let stream = WriteTimeout::new(stream, transport.write_timeout);
    let Some(tls) = &transport.tls else {
        #[cfg(feature = "tls")]
        let stream = Either::Left(stream);
        return Some((stream, Protocol::Http1));
    };
    #[cfg(not(feature = "tls"))]
    match *tls {}
    // Boxed: a task is as large as its largest state, and a plain
    // connection's would otherwise carry room for a TLS handshake.
    #[cfg(feature = "tls")]
    {
        let (stream, protocol) = Box::pin(handshake(tls, stream, stop)).await?;
        Some((Either::Right(Box::new(stream)), protocol))
    }
}

/// Serves a connection within the caps, holding its places: hyper for
/// HTTP/2, and for HTTP/1.1 the stream writer when the first request is a
/// stream.
async fn connection(
    stream: TcpStream,
    peer: Peer,
    router: Router,
    transport: Transport,
    stop: Stop,
    _places: (Permit, accept::Slot),
) {
    let Some((io, protocol)) = open(stream, &transport, &stop).await else {
        return;
    };
    let serving = Serving::kept(transport.idle_timeout);
    match protocol {
        Protocol::Http1 => http1(io, peer, router, serving, &stop).await,
        Protocol::Http2 => {
            // hyper keeps an HTTP/2 connection without streams for as long
            // as the client likes; counting its requests tells when it
            // has been idle.
            let activity = Arc::new(Activity::new(Arc::clone(&transport.closed_idle)));
            let service = routed(peer, router, Some(Arc::clone(&activity)));
            let serving = Serving {
                idle: Some(activity),
                ..serving
            };
            serve_with_hyper(TokioIo::new(io), Protocol::Http2, service, serving, &stop).await;
        }
    }
}

/// Serves an HTTP/1.1 connection, plain or inside TLS. One whose first
/// request is a stream is served without hyper; a client that never sends
/// a request head is held no longer than hyper would hold it.
async fn http1(io: Io, peer: Peer, router: Router, serving: Serving, stop: &Stop) {
    let opening = tokio::select! {
        opening = tokio::time::timeout(serving.header_timeout, direct::read_opening(io)) => opening,
        () = stop.shutdown.cancelled() => return,
    };
    let io = match opening {
        Ok(Ok(Opening::Stream(io, request))) => {
            direct::respond(io, *request, peer, router, stop).await;
            return;
        }
        Ok(Ok(Opening::Other(io))) => io,
        Ok(Err(error)) => {
            tracing::trace!(%error, "connection failed before its first request");
            return;
        }
        Err(_) => {
            tracing::debug!(timeout = ?serving.header_timeout, "no request head in time");
            return;
        }
    };
    let service = routed(peer, router, None);
    serve_with_hyper(TokioIo::new(io), Protocol::Http1, service, serving, stop).await;
}

/// `router` as a hyper service for a connection from `peer`, each request
/// counted in `activity` from its start until its response is done.
fn routed(
    peer: Peer,
    router: Router,
    activity: Option<Arc<Activity>>,
) -> impl hyper::service::HttpService<
    Incoming,
    ResBody = axum::body::Body,
    Error = std::convert::Infallible,
    Future: Send + 'static,
> + Clone {
    hyper::service::service_fn(move |mut request: Request<Incoming>| {
        request.extensions_mut().insert(peer);
        let in_flight = activity.as_ref().map(Activity::begin);
        let response = router.clone().oneshot(request);
        async move {
            let response = response.await?;
            Ok(match in_flight {
                Some(in_flight) => response.map(|body| in_flight.carried_by(body)),
                None => response,
            })
        }
    })
}

/// The TLS handshake, within [`HANDSHAKE_TIMEOUT`], and the protocol the
/// client chose by ALPN (HTTP/1.1 when it named none); `None`, logged,
/// when it failed, and when shutdown came first.
#[cfg(feature = "tls")]
async fn handshake<I>(tls: &TlsAcceptor, stream: I, stop: &Stop) -> Option<(TlsStream<I>, Protocol)>
where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let accepted = tokio::select! {
        accepted = tokio::time::timeout(HANDSHAKE_TIMEOUT, tls.accept(stream)) => accepted,
        () = stop.shutdown.cancelled() => return None,
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
