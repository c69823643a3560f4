//! A publish body that must keep arriving at `--min-body-rate`.
//!
//! A publish holds one of `--max-concurrent-publishes` slots while its body
//! uploads, so a client trickling bytes (slowloris) could hold slots for
//! the whole `--publish-timeout-ms` with almost no bandwidth. Here a body
//! has [`GRACE`] for its first bytes, then must keep up with the minimum
//! rate on average: it fails with [`TooSlow`] the moment it falls behind,
//! and the publish is answered 408 at once. The timer runs only while the
//! body is waited for, so a body that arrives whole costs nothing.

use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use axum::body::Body;
use bytes::Bytes;
use hyper::body::{Frame, SizeHint};
use tokio::time::{Instant, Sleep};

/// How long a body may take before the rate applies: a round trip or two
/// on a slow link before its first bytes.
pub(crate) const GRACE: Duration = Duration::from_secs(2);

/// The error a body fails with when it fell behind its minimum rate.
#[derive(Debug, thiserror::Error)]
#[error("the body arrived slower than {rate} bytes/s")]
pub(crate) struct TooSlow {
    /// The minimum rate, in bytes per second.
    pub(crate) rate: u64,
}

/// `body`, failing with [`TooSlow`] once fewer than `rate` bytes a second
/// arrived on average after [`GRACE`].
pub(crate) fn limit(body: Body, rate: u64) -> Body {
    Body::new(MinRate {
        body,
        rate,
        started: Instant::now(),
        received: 0,
        waiting: None,
    })
}

struct MinRate {
    body: Body,
    rate: u64,
    started: Instant,
    received: u64,
    /// Set while the body is waited for: when it fires, the body failed.
    waiting: Option<Pin<Box<Sleep>>>,
}

impl MinRate {
    /// When the body is too slow unless more has arrived.
    fn deadline(&self) -> Instant {
        let allowed = Duration::from_secs_f64(self.received as f64 / self.rate as f64);
        self.started + GRACE + allowed
    }
}

impl hyper::body::Body for MinRate {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let this = self.get_mut();
        if let Poll::Ready(frame) = Pin::new(&mut this.body).poll_frame(cx) {
            if let Some(Ok(data)) = frame
                .as_ref()
                .map(|frame| frame.as_ref().map(Frame::data_ref))
            {
                this.received += data.map_or(0, |data| data.len() as u64);
            }
            this.waiting = None;
            return Poll::Ready(frame);
        }
        let deadline = this.deadline();
        let timer = this
            .waiting
            .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
        if timer.deadline() != deadline {
            timer.as_mut().reset(deadline);
        }
        ready!(timer.as_mut().poll(cx));
        Poll::Ready(Some(Err(axum::Error::new(TooSlow { rate: this.rate }))))
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}
