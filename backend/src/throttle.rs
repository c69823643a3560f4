//! Log lines a client can cause at will, at most one per interval: a
//! refused connection or a 503 is worth a WARN to the operator, but a
//! client that paces refusals must not be able to fill the log or spend the
//! hub's CPU writing it. The line that is written says how many were left
//! out since the one before.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How often each kind of such line may be written.
pub(crate) const EVERY: Duration = Duration::from_secs(10);

/// One kind of line's allowance.
#[derive(Debug)]
pub(crate) struct Throttle {
    start: Instant,
    every_ms: u64,
    /// Milliseconds after `start` from which the next line may be written.
    next_ms: AtomicU64,
    left_out: AtomicU64,
}

impl Throttle {
    /// At most one line per `every`; the first is written at once.
    pub(crate) fn new(every: Duration) -> Self {
        Self {
            start: Instant::now(),
            every_ms: u64::try_from(every.as_millis()).unwrap_or(u64::MAX),
            next_ms: AtomicU64::new(0),
            left_out: AtomicU64::new(0),
        }
    }

    /// `Some(lines left out since the last one)` when this line may be
    /// written; else it is counted as left out.
    pub(crate) fn admit(&self) -> Option<u64> {
        let now = u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX);
        let next = self.next_ms.load(Ordering::Acquire);
        let due = now >= next
            && self
                .next_ms
                .compare_exchange(
                    next,
                    now.saturating_add(self.every_ms),
                    Ordering::AcqRel,
                    Ordering::Acquire,
                )
                .is_ok();
        if due {
            Some(self.left_out.swap(0, Ordering::AcqRel))
        } else {
            self.left_out.fetch_add(1, Ordering::AcqRel);
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_per_interval_says_how_many_were_left_out() {
        let throttle = Throttle::new(Duration::from_secs(3600));
        assert_eq!(throttle.admit(), Some(0));
        for _ in 0..5 {
            assert_eq!(throttle.admit(), None);
        }
        let now = Throttle::new(Duration::ZERO);
        assert_eq!(now.admit(), Some(0));
        assert_eq!(now.admit(), Some(0), "with no interval, every line");
    }
}
