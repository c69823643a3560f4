//! When an HTTP/2 connection is idle: hyper closes an HTTP/1.1 connection
//! that sends no request head within the header timeout, but keeps an
//! HTTP/2 connection with no stream open for as long as the client likes,
//! so idle ones could hold every connection slot. Counting the requests in
//! flight on the connection (a stream's lasts as long as its body) tells
//! when it has been idle for the timeout, and it is then closed
//! gracefully (`GOAWAY`). That also bounds a client that never sends the
//! connection preface.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use bytes::Bytes;
use hyper::body::{Frame, SizeHint};

/// The requests of one connection: how many are in flight, and how many
/// ever started.
#[derive(Debug)]
pub(super) struct Activity {
    active: AtomicUsize,
    started: AtomicU64,
    /// Where connections closed for being idle are counted.
    closed_idle: Arc<AtomicU64>,
}

/// One request in flight, until its response body is done or dropped.
#[derive(Debug)]
pub(super) struct InFlight(Arc<Activity>);

impl InFlight {
    /// `body`, the request's response, which keeps it counted until the
    /// body is done or dropped.
    pub(super) fn carried_by(self, body: Body) -> Body {
        Body::new(Tracked {
            body,
            _in_flight: self,
        })
    }
}

impl Activity {
    /// No request yet; a close for idleness is counted in `closed_idle`.
    pub(super) fn new(closed_idle: Arc<AtomicU64>) -> Self {
        Self {
            active: AtomicUsize::new(0),
            started: AtomicU64::new(0),
            closed_idle,
        }
    }

    /// Counts a request from now until what [`InFlight`] becomes is done.
    pub(super) fn begin(self: &Arc<Self>) -> InFlight {
        self.started.fetch_add(1, Ordering::AcqRel);
        self.active.fetch_add(1, Ordering::AcqRel);
        InFlight(Arc::clone(self))
    }

    /// Resolves once no request was in flight or started for a whole
    /// `timeout`: between one and two timeouts after the last one ended.
    pub(super) async fn idle(&self, timeout: Duration) {
        let mut seen = self.started.load(Ordering::Acquire);
        loop {
            tokio::time::sleep(timeout).await;
            let started = self.started.load(Ordering::Acquire);
            if started == seen && self.active.load(Ordering::Acquire) == 0 {
                self.closed_idle.fetch_add(1, Ordering::Relaxed);
                return;
            }
            seen = started;
        }
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.active.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A response body that keeps its request counted while it lives.
struct Tracked {
    body: Body,
    _in_flight: InFlight,
}

impl hyper::body::Body for Tracked {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}
