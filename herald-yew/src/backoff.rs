//! Exponential backoff with jitter, for reopening a stream the browser gave
//! up on.
//!
//! The random source is a parameter rather than a call to `Math.random`, so
//! native tests pin it and check the bounds exactly.

/// Delays between attempts to reopen a stream: doubling from `base_ms` up
/// to `max_ms`, with "equal jitter" (a delay is at least half its ceiling
/// and at most all of it), so that many pages reconnecting after a hub
/// restart spread out instead of arriving together.
///
/// # Examples
///
/// ```
/// use herald_yew::Backoff;
///
/// let backoff = Backoff { base_ms: 1_000, max_ms: 8_000 };
/// let ceilings: Vec<u32> = (1..=5).map(|attempt| backoff.ceiling_ms(attempt)).collect();
/// assert_eq!(ceilings, [1_000, 2_000, 4_000, 8_000, 8_000]);
///
/// // The third attempt waits between 2 and 4 seconds, as `random` says.
/// assert_eq!(backoff.delay_ms(3, 0.0), 2_000);
/// assert_eq!(backoff.delay_ms(3, 0.5), 3_000);
/// assert!(backoff.delay_ms(3, 0.999) <= 4_000);
///
/// assert_eq!(Backoff::default(), Backoff::DEFAULT);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The ceiling of the first delay, in milliseconds.
    pub base_ms: u32,
    /// The largest ceiling any delay reaches, in milliseconds.
    pub max_ms: u32,
}

impl Backoff {
    /// Half a second at first, never more than thirty seconds: a dashboard
    /// on a second screen should come back soon after the hub does.
    pub const DEFAULT: Self = Self {
        base_ms: 500,
        max_ms: 30_000,
    };

    /// The ceiling of attempt `attempt` (counted from 1), in milliseconds.
    pub fn ceiling_ms(self, attempt: u32) -> u32 {
        let doublings = attempt.saturating_sub(1).min(31);
        let ceiling = u64::from(self.base_ms).saturating_mul(1 << doublings);
        u32::try_from(ceiling.min(u64::from(self.max_ms))).unwrap_or(self.max_ms)
    }

    /// The delay before attempt `attempt`, given `random` in `[0, 1)`:
    /// between half the ceiling and the ceiling.
    pub fn delay_ms(self, attempt: u32, random: f64) -> u32 {
        let ceiling = self.ceiling_ms(attempt);
        let half = ceiling / 2;
        // A float-to-int `as` saturates, and the clamp keeps a bad random
        // source from leaving the bounds.
        let jitter = (random.clamp(0.0, 1.0) * f64::from(ceiling - half)) as u32;
        (half + jitter).min(ceiling)
    }
}

impl Default for Backoff {
    fn default() -> Self {
        Self::DEFAULT
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ceilings_double_up_to_the_maximum() {
        let backoff = Backoff::DEFAULT;
        let ceilings: Vec<u32> = (1..=8).map(|n| backoff.ceiling_ms(n)).collect();
        assert_eq!(
            ceilings,
            [500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]
        );
        assert_eq!(backoff.ceiling_ms(u32::MAX), 30_000);
    }

    #[test]
    fn jitter_stays_between_half_and_all_of_the_ceiling() {
        let backoff = Backoff::DEFAULT;
        for attempt in 1..=40 {
            let ceiling = backoff.ceiling_ms(attempt);
            for random in [0.0, 0.25, 0.5, 0.999_999, 1.0, -3.0, 7.0, f64::NAN] {
                let delay = backoff.delay_ms(attempt, random);
                assert!(
                    (ceiling / 2..=ceiling).contains(&delay),
                    "attempt {attempt}, random {random}: {delay} outside {ceiling}"
                );
            }
        }
        assert_eq!(backoff.delay_ms(3, 0.0), 1_000);
        assert_eq!(backoff.delay_ms(3, 0.5), 1_500);
    }

    #[test]
    fn delays_grow_with_the_attempt() {
        let backoff = Backoff::DEFAULT;
        let delays: Vec<u32> = (1..=7).map(|n| backoff.delay_ms(n, 0.5)).collect();
        assert!(
            delays.windows(2).all(|pair| pair[0] < pair[1]),
            "{delays:?}"
        );
    }
}
