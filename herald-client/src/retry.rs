//! [`Retry`]: how often and how long the client retries, with exponential
//! backoff and full jitter, so clients that failed together do not come
//! back together.

use std::time::Duration;

/// A retry policy: `attempts` in all, the first retry after about
/// `first_delay`, each later one up to twice as long, never longer than
/// `max_delay`; a `Retry-After` from the hub wins when longer.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// use herald_client::Retry;
///
/// let retry = Retry::default();
/// assert_eq!(retry.attempts, 6);
/// // The ceilings double from `first_delay` up to `max_delay`...
/// let ceilings: Vec<Duration> = (0..6).map(|n| retry.ceiling(n)).collect();
/// assert_eq!(ceilings, [200, 400, 800, 1_600, 3_200, 5_000].map(Duration::from_millis));
///
/// // ...each delay is a random part of its ceiling...
/// assert!(retry.delay(2, None) <= Duration::from_millis(800));
/// // ...and a hub's `Retry-After` is waited out in full.
/// assert!(retry.delay(0, Some(Duration::from_secs(3))) >= Duration::from_secs(3));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retry {
    /// Tries in all, the first included; at least 1.
    pub attempts: u32,
    /// The ceiling of the first retry's delay.
    pub first_delay: Duration,
    /// The ceiling of any delay.
    pub max_delay: Duration,
}

impl Default for Retry {
    /// Six tries over about ten seconds at most: long enough for a hub to
    /// restart or a cluster node to fail over, short enough for a caller
    /// to give up on a hub that is gone.
    fn default() -> Self {
        Self {
            attempts: 6,
            first_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(5),
        }
    }
}

impl Retry {
    /// No retries: one try.
    pub const NONE: Self = Self {
        attempts: 1,
        first_delay: Duration::ZERO,
        max_delay: Duration::ZERO,
    };

    /// The ceiling of the delay before retry `retry` (0 for the first).
    pub fn ceiling(&self, retry: u32) -> Duration {
        let doubled = self
            .first_delay
            .checked_mul(1_u32.checked_shl(retry.min(31)).unwrap_or(u32::MAX))
            .unwrap_or(self.max_delay);
        doubled.min(self.max_delay)
    }

    /// The delay before retry `retry`: a random part of its
    /// [`ceiling`](Retry::ceiling), at least `at_least` (the hub's
    /// `Retry-After`).
    pub fn delay(&self, retry: u32, at_least: Option<Duration>) -> Duration {
        let ceiling = self.ceiling(retry);
        let drawn = ceiling.mul_f64(random_fraction());
        drawn.max(at_least.unwrap_or_default())
    }
}

/// A fraction in `[0, 1)`, from the system's randomness (a half when it
/// has none, which only makes the jitter less spread).
fn random_fraction() -> f64 {
    let bits = getrandom::u64().unwrap_or(u64::MAX / 2) >> 11;
    // 53 bits: exactly representable, below 1.
    bits as f64 / (1_u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_up_to_the_ceiling_and_honour_retry_after() {
        let retry = Retry::default();
        assert_eq!(retry.ceiling(0), Duration::from_millis(200));
        assert_eq!(retry.ceiling(1), Duration::from_millis(400));
        assert_eq!(retry.ceiling(5), Duration::from_secs(5));
        assert_eq!(retry.ceiling(u32::MAX), Duration::from_secs(5));
        for attempt in 0..10 {
            assert!(retry.delay(attempt, None) <= retry.ceiling(attempt));
        }
        let hub_says = Duration::from_secs(3);
        assert!(retry.delay(0, Some(hub_says)) >= hub_says);
    }
}
