//! The accept loop: the connection caps, over all and per client address,
//! the one answer a connection past one gets, and the options each socket
//! is served with.
//!
//! At most `max_connections` are served at once, a cap below the open-files
//! limit, and at most `--max-connections-per-ip` from one address: past
//! either, a connection is still accepted so its client hears why, served
//! one request (`/healthz` as usual, anything else 503, or 429 for its
//! address, with `Retry-After`) and closed, and past [`OVERFLOW`] such
//! refusals at once the socket is simply closed. So the process never runs
//! out of descriptors, no one host takes every connection, and a load
//! balancer's health check still gets through.

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower::ServiceExt;

use super::hyper_conn::{Serving, serve_with_hyper};
use super::{ConnectionLimits, Stop, TlsAcceptor, Transport, connection, open};
use crate::clients::{Clients, Peer};
use crate::error::ApiError;
use crate::prometheus::Meters;
use crate::throttle::{self, Throttle};

/// Connections past the cap that are answered at once before further ones
/// are closed unanswered.
const OVERFLOW: usize = 64;

/// How long a connection past the cap may take to send its one request.
const OVERFLOW_TIMEOUT: Duration = Duration::from_secs(5);

/// Accepts connections on `listener` and serves `router` on each, at most
/// [`ConnectionLimits::max_connections`] at once, each closed when its
/// client stops reading for [`ConnectionLimits::write_timeout`], until
/// `shutdown` is cancelled, then waits for every connection to finish its
/// response. Failed accepts are logged and retried, as a listener out of
/// file descriptors recovers when connections close.
pub(crate) async fn accept(
    listener: TcpListener,
    router: Router,
    shutdown: CancellationToken,
    limits: ConnectionLimits,
    tls: Option<TlsAcceptor>,
    clients: Arc<Clients>,
    meters: Arc<Meters>,
) {
    let ConnectionLimits {
        max_connections,
        write_timeout,
        idle_timeout,
        grace,
        nodelay,
        send_buffer,
    } = limits;
    let transport = Transport {
        tls,
        write_timeout,
        idle_timeout,
        closed_idle: Arc::clone(&meters.closed_idle),
    };
    let connections = TaskTracker::new();
    // Cancelled when the grace after shutdown is over: what is still open
    // is dropped.
    let force = CancellationToken::new();
    let connected = Arc::clone(&meters.connections);
    let refusing = Arc::new(AtomicUsize::new(0));
    let refusals = Throttle::new(throttle::EVERY);
    let stop = Stop {
        shutdown: shutdown.clone(),
        force: force.clone(),
    };
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
        let peer = Peer(peer);
        let admitted = clients
            .open_connection(peer)
            .map_err(ApiError::Limit)
            .and_then(|permit| {
                let slot = Slot::take(&connected, max_connections).ok_or(
                    ApiError::TooManyConnections {
                        max: max_connections,
                    },
                )?;
                Ok((permit, slot))
            });
        let admitted = match admitted {
            Ok(admitted) => admitted,
            Err(why) => {
                if let Some(left_out) = refusals.admit() {
                    tracing::warn!(%why, left_out, "refusing a connection");
                }
                if let Some(refusal) = Slot::take(&refusing, OVERFLOW) {
                    connections.spawn(refuse(
                        stream,
                        router.clone(),
                        transport.clone(),
                        stop.clone(),
                        why,
                        Arc::clone(&meters),
                        refusal,
                    ));
                }
                continue;
            }
        };
        // Events are small, and by default latency matters more than packet
        // count; Nagle's coalescing saves CPU at many deliveries a second.
        if let Err(error) = stream.set_nodelay(nodelay) {
            tracing::debug!(%error, "cannot set TCP_NODELAY");
        }
        // Set, the size is fixed: the kernel no longer grows it for a
        // client that read fast once and then stopped.
        if let Some(bytes) = send_buffer
            && let Err(error) = socket2::SockRef::from(&stream).set_send_buffer_size(bytes)
        {
            tracing::debug!(%error, bytes, "cannot set SO_SNDBUF");
        }
        connections.spawn(connection(
            stream,
            peer,
            router.clone(),
            transport.clone(),
            stop.clone(),
            admitted,
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
}

/// One of a bounded number of places; freed when dropped.
pub(super) struct Slot(Arc<AtomicUsize>);

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

/// Serves one request on a connection past a cap: `/healthz` through the
/// router, anything else `why`, then closes it.
async fn refuse(
    stream: TcpStream,
    router: Router,
    transport: Transport,
    stop: Stop,
    why: ApiError,
    meters: Arc<Meters>,
    _slot: Slot,
) {
    let why = Arc::new(why);
    let service = hyper::service::service_fn(move |request: Request<Incoming>| {
        let router = router.clone();
        let meters = Arc::clone(&meters);
        let why = Arc::clone(&why);
        async move {
            if request.uri().path() == herald_wire::protocol::HEALTH_PATH {
                router.oneshot(request).await
            } else {
                // Answered outside the router, so counted here.
                let response = why.response();
                meters.count(&response);
                Ok(response)
            }
        }
    });
    let serving = Serving {
        header_timeout: OVERFLOW_TIMEOUT,
        keep_alive: false,
        idle: None,
    };
    let served = async {
        if let Some((io, protocol)) = open(stream, &transport, &stop).await {
            serve_with_hyper(TokioIo::new(io), protocol, service, serving, &stop).await;
        }
    };
    // An HTTP/2 client may keep its connection open after its answer.
    tokio::select! {
        _ = tokio::time::timeout(OVERFLOW_TIMEOUT, served) => {}
        () = stop.force.cancelled() => {}
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
