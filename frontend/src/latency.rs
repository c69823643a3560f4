//! The publish-to-receive latency of the last probes, and its median and
//! 99th percentile.

use std::collections::VecDeque;

/// How many probes the figure summarises: a few minutes at one per second,
/// and enough that the 99th percentile is more than the maximum.
pub const LATENCY_WINDOW: usize = 200;

/// The latencies of the last [`LATENCY_WINDOW`] probes, in microseconds.
///
/// A latency is the browser's clock at arrival minus the publisher's clock
/// at send; on two machines it includes their clock skew, and may be
/// negative. It is kept as measured rather than clamped, which would hide
/// the skew.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LatencyWindow {
    samples: VecDeque<i64>,
}

/// Median and 99th percentile of a [`LatencyWindow`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LatencySummary {
    /// How many probes.
    pub count: usize,
    /// The median, in microseconds.
    pub median_us: f64,
    /// The 99th percentile (nearest rank), in microseconds.
    pub p99_us: f64,
}

impl LatencyWindow {
    /// Records one probe that was sent at `sent_us` and arrived at `received_us`.
    pub fn record(&mut self, sent_us: u64, received_us: u64) {
        let latency = i128::from(received_us) - i128::from(sent_us);
        let latency =
            i64::try_from(latency).unwrap_or(if latency < 0 { i64::MIN } else { i64::MAX });
        if self.samples.len() == LATENCY_WINDOW {
            self.samples.pop_front();
        }
        self.samples.push_back(latency);
    }

    /// The summary, or `None` before the first probe.
    pub fn summary(&self) -> Option<LatencySummary> {
        let mut sorted: Vec<i64> = self.samples.iter().copied().collect();
        sorted.sort_unstable();
        let count = sorted.len();
        let middle = count / 2;
        let median_us = match count {
            0 => return None,
            _ if count.is_multiple_of(2) => {
                (sorted[middle - 1] as f64 + sorted[middle] as f64) / 2.0
            }
            _ => sorted[middle] as f64,
        };
        // Nearest rank: the smallest sample at or above 99% of them.
        let rank = (count * 99).div_ceil(100).max(1);
        Some(LatencySummary {
            count,
            median_us,
            p99_us: sorted[rank - 1] as f64,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window(latencies_us: impl IntoIterator<Item = u64>) -> LatencyWindow {
        let mut window = LatencyWindow::default();
        for latency in latencies_us {
            window.record(1_000_000, 1_000_000 + latency);
        }
        window
    }

    #[test]
    fn nothing_to_summarise_before_the_first_probe() {
        assert_eq!(LatencyWindow::default().summary(), None);
    }

    #[test]
    fn median_of_odd_and_even_counts() {
        let odd = window([5, 1, 3]).summary().unwrap();
        assert_eq!((odd.count, odd.median_us, odd.p99_us), (3, 3.0, 5.0));
        let even = window([4, 1, 3, 2]).summary().unwrap();
        assert_eq!(even.median_us, 2.5);
    }

    #[test]
    fn p99_is_the_nearest_rank() {
        let summary = window(1..=100).summary().unwrap();
        assert_eq!((summary.median_us, summary.p99_us), (50.5, 99.0));
        let summary = window(1..=200).summary().unwrap();
        assert_eq!(summary.p99_us, 198.0);
    }

    #[test]
    fn keeps_only_the_last_probes() {
        let summary = window((1..=LATENCY_WINDOW as u64 + 50).map(|n| n * 10))
            .summary()
            .unwrap();
        assert_eq!(summary.count, LATENCY_WINDOW);
        assert_eq!(summary.median_us, (51 + 250) as f64 / 2.0 * 10.0);
    }

    #[test]
    fn a_skewed_clock_reads_negative() {
        let mut window = LatencyWindow::default();
        window.record(2_000, 1_500);
        assert_eq!(window.summary().unwrap().median_us, -500.0);
    }
}
