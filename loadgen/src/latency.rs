//! Publish-to-receive latency, kept in HDR histograms: constant memory
//! whatever the number of deliveries (a sorted list of every sample took
//! gigabytes at millions of deliveries), microsecond resolution and three
//! significant figures.
//!
//! Streams record into a few shards, each behind its own lock, so readers
//! running on different threads rarely meet; a summary merges them.

use std::sync::{Mutex, PoisonError};

use hdrhistogram::Histogram;
use serde::Serialize;

/// The largest latency told apart: an hour, in microseconds. Anything
/// slower is recorded as this.
const HIGHEST_US: u64 = 3_600_000_000;

/// Latencies recorded by many streams at once.
pub(crate) struct Latencies {
    shards: Vec<Mutex<Histogram<u64>>>,
}

/// Percentiles in milliseconds, as reported.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub(crate) struct Summary {
    pub(crate) p50: f64,
    pub(crate) p90: f64,
    pub(crate) p99: f64,
    pub(crate) p999: f64,
    pub(crate) max: f64,
}

impl Latencies {
    pub(crate) fn new() -> Self {
        let threads = std::thread::available_parallelism().map_or(1, usize::from);
        Self {
            shards: (0..threads * 2).map(|_| Mutex::new(histogram())).collect(),
        }
    }

    /// Records one latency; `stream` picks the shard, so one stream always
    /// writes the same one.
    pub(crate) fn record(&self, stream: usize, micros: u64) {
        let shard = &self.shards[stream % self.shards.len()];
        shard
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .saturating_record(micros);
    }

    /// The percentiles over everything recorded so far; `None` before the
    /// first.
    pub(crate) fn summary(&self) -> Option<Summary> {
        let mut merged = histogram();
        for shard in &self.shards {
            let shard = shard.lock().unwrap_or_else(PoisonError::into_inner);
            merged
                .add(&*shard)
                .expect("shards share the merged histogram's bounds");
        }
        Summary::of(&merged)
    }
}

impl Summary {
    /// The percentiles of `histogram`; `None` when it is empty.
    pub(crate) fn of(histogram: &Histogram<u64>) -> Option<Self> {
        if histogram.is_empty() {
            return None;
        }
        let millis = |micros: u64| micros as f64 / 1000.0;
        Some(Self {
            p50: millis(histogram.value_at_quantile(0.50)),
            p90: millis(histogram.value_at_quantile(0.90)),
            p99: millis(histogram.value_at_quantile(0.99)),
            p999: millis(histogram.value_at_quantile(0.999)),
            max: millis(histogram.max()),
        })
    }
}

fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, HIGHEST_US, 3).expect("constant bounds are valid")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_come_from_every_shard_within_three_figures() {
        let latencies = Latencies::new();
        // 1..=1000 ms, one per stream, spread over every shard.
        for (stream, millis) in (1..=1000u64).enumerate() {
            latencies.record(stream, millis * 1000);
        }
        let summary = latencies.summary().unwrap();
        let close = |value: f64, expected: f64| (value - expected).abs() <= expected / 1000.0;
        assert!(close(summary.p50, 500.0), "{summary:?}");
        assert!(close(summary.p90, 900.0), "{summary:?}");
        assert!(close(summary.p99, 990.0), "{summary:?}");
        assert!(close(summary.p999, 999.0), "{summary:?}");
        assert!(close(summary.max, 1000.0), "{summary:?}");
    }

    #[test]
    fn microseconds_are_told_apart_at_small_latencies() {
        let latencies = Latencies::new();
        for micros in [120, 121, 122, 123] {
            latencies.record(0, micros);
        }
        let summary = latencies.summary().unwrap();
        assert!((summary.p50 - 0.121).abs() < 1e-9, "{summary:?}");
        assert!((summary.max - 0.123).abs() < 1e-9, "{summary:?}");
    }

    #[test]
    fn nothing_recorded_has_no_summary() {
        assert_eq!(Latencies::new().summary(), None);
    }

    #[test]
    fn a_latency_past_the_bound_is_kept_as_the_bound() {
        let latencies = Latencies::new();
        latencies.record(0, u64::MAX);
        let max = latencies.summary().unwrap().max;
        assert!(max >= HIGHEST_US as f64 / 1000.0 * 0.999, "{max}");
    }
}
