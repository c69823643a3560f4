//! The metrics charts' data: the last samples, with breaks where events may
//! be missing.
//!
//! A sample keeps what the charts and the feed's summary read of a metrics
//! event, with at most [`CHARTED_CORES`] cores and the number the event
//! reported: a publisher may report any number of cores, and the series
//! holds [`METRICS_WINDOW`] samples, so keeping them all would let one
//! publisher fill the page's memory (300 samples of 30,000 cores are 36 MB).

use std::collections::VecDeque;
use std::rc::Rc;

use herald_dashboard_events::{LoadAverage, Metrics};

/// How many slots the charts span: five minutes of the hub's one-per-second
/// samples.
pub const METRICS_WINDOW: usize = 300;

/// How many cores the CPU chart draws (the first ones) and a sample keeps.
/// A 64-thread server still has each of its cores drawn; past that, lines in
/// a chart 300 units wide no longer tell apart, while each one costs a path
/// of up to [`METRICS_WINDOW`] points, so the chart stays at most 64 × 300
/// points whatever a publisher reports.
pub const CHARTED_CORES: usize = 64;

/// One slot of a [`MetricsSeries`].
#[derive(Debug, Clone, PartialEq)]
pub enum Slot {
    /// A sample.
    Sample(Rc<Sample>),
    /// Samples may be missing here (the hub reported a gap); charts break
    /// their lines rather than join across it.
    Gap,
}

/// What the page keeps of one metrics event.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// The hub's clock when it accepted the event, in unix microseconds.
    pub time_us: u64,
    /// CPU use over all cores, in percent.
    pub cpu_total: f32,
    /// The first [`CHARTED_CORES`] cores' use, in percent.
    pub cpu_per_core: Vec<f32>,
    /// How many cores the event reported, charted or not.
    pub cores: usize,
    /// Memory in use, in bytes.
    pub memory_used: u64,
    /// Memory in all, in bytes.
    pub memory_total: u64,
    /// The load averages.
    pub load: LoadAverage,
    /// Bytes received per second.
    pub net_rx_per_sec: u64,
    /// Bytes sent per second.
    pub net_tx_per_sec: u64,
}

impl Sample {
    /// What the page keeps of `metrics`, accepted by the hub at `time_us`:
    /// everything but the cores past [`CHARTED_CORES`], which it only counts.
    pub fn new(metrics: &Metrics, time_us: u64) -> Self {
        Self {
            time_us,
            cpu_total: metrics.cpu_total,
            cpu_per_core: metrics
                .cpu_per_core
                .iter()
                .take(CHARTED_CORES)
                .copied()
                .collect(),
            cores: metrics.cpu_per_core.len(),
            memory_used: metrics.memory_used,
            memory_total: metrics.memory_total,
            load: metrics.load,
            net_rx_per_sec: metrics.net_rx_per_sec,
            net_tx_per_sec: metrics.net_tx_per_sec,
        }
    }

    /// Whether the event reported more cores than are kept.
    pub fn cores_cut(&self) -> bool {
        self.cores > self.cpu_per_core.len()
    }
}

/// The last [`METRICS_WINDOW`] slots, oldest first.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MetricsSeries {
    slots: VecDeque<Slot>,
    revision: u64,
}

impl MetricsSeries {
    /// Appends a sample of `metrics`, accepted by the hub at `time_us`,
    /// dropping the oldest slot when full.
    pub fn push(&mut self, metrics: &Metrics, time_us: u64) {
        self.push_slot(Slot::Sample(Rc::new(Sample::new(metrics, time_us))));
    }

    /// Marks a break, unless the series is empty or already ends with one.
    pub fn mark_gap(&mut self) {
        if matches!(self.slots.back(), Some(Slot::Sample(_))) {
            self.push_slot(Slot::Gap);
        }
    }

    fn push_slot(&mut self, slot: Slot) {
        if self.slots.len() == METRICS_WINDOW {
            self.slots.pop_front();
        }
        self.slots.push_back(slot);
        self.revision += 1;
    }

    /// A number that changes whenever the slots do, so a chart can skip
    /// recomputing its paths when other events arrive.
    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// The slots, oldest first.
    pub fn slots(&self) -> impl ExactSizeIterator<Item = &Slot> {
        self.slots.iter()
    }

    /// How many samples (not breaks) the series holds.
    pub fn samples(&self) -> usize {
        self.slots
            .iter()
            .filter(|slot| matches!(slot, Slot::Sample(_)))
            .count()
    }

    /// The newest sample.
    pub fn latest(&self) -> Option<&Sample> {
        self.slots.iter().rev().find_map(|slot| match slot {
            Slot::Sample(sample) => Some(&**sample),
            Slot::Gap => None,
        })
    }

    /// The hub's time of each slot's sample, `None` at breaks, for a
    /// chart's time axis.
    pub fn times(&self) -> Vec<Option<u64>> {
        self.slots
            .iter()
            .map(|slot| match slot {
                Slot::Sample(sample) => Some(sample.time_us),
                Slot::Gap => None,
            })
            .collect()
    }

    /// One value per slot, `None` at breaks (and where `value` has none),
    /// for a chart line.
    pub fn line(&self, value: impl Fn(&Sample) -> Option<f64>) -> Vec<Option<f64>> {
        self.slots
            .iter()
            .map(|slot| match slot {
                Slot::Sample(sample) => value(sample),
                Slot::Gap => None,
            })
            .collect()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn sample(cpu: f32) -> Metrics {
        Metrics {
            cpu_total: cpu,
            cpu_per_core: vec![cpu, cpu / 2.0],
            memory_used: 1 << 30,
            memory_total: 4 << 30,
            load: LoadAverage {
                one: 0.5,
                five: 0.4,
                fifteen: 0.3,
            },
            net_rx_per_sec: 2048,
            net_tx_per_sec: 1024,
        }
    }

    #[test]
    fn keeps_the_last_window_of_slots() {
        let mut series = MetricsSeries::default();
        for n in 0..METRICS_WINDOW + 20 {
            series.push(&sample(n as f32), n as u64);
        }
        assert_eq!(series.samples(), METRICS_WINDOW);
        let line = series.line(|m| Some(f64::from(m.cpu_total)));
        assert_eq!(line.first(), Some(&Some(20.0)));
        assert_eq!(series.latest().map(|m| m.cpu_total), Some(319.0));
    }

    #[test]
    fn a_gap_breaks_the_line_once() {
        let mut series = MetricsSeries::default();
        series.mark_gap();
        series.push(&sample(1.0), 1);
        series.mark_gap();
        series.mark_gap();
        series.push(&sample(2.0), 2);
        assert_eq!(
            series.line(|m| Some(f64::from(m.cpu_total))),
            [Some(1.0), None, Some(2.0)]
        );
        assert_eq!(series.samples(), 2);
        assert_eq!(series.times(), [Some(1), None, Some(2)]);
    }

    #[test]
    fn a_sample_keeps_the_charted_cores_and_counts_them_all() {
        let mut metrics = sample(50.0);
        metrics.cpu_per_core = (0..30_000).map(|core| core as f32).collect();
        let mut series = MetricsSeries::default();
        for _ in 0..METRICS_WINDOW {
            series.push(&metrics, 0);
        }
        let latest = series.latest().unwrap();
        assert_eq!(latest.cores, 30_000);
        assert_eq!(latest.cpu_per_core.len(), CHARTED_CORES);
        assert_eq!(
            latest.cpu_per_core.last(),
            Some(&(CHARTED_CORES as f32 - 1.0))
        );
        assert!(latest.cores_cut());
        assert!(series.slots().all(|slot| match slot {
            Slot::Sample(sample) => sample.cpu_per_core.len() == CHARTED_CORES,
            Slot::Gap => false,
        }));
        let few = Sample::new(&sample(1.0), 0);
        assert_eq!((few.cores, few.cpu_per_core.len()), (2, 2));
        assert!(!few.cores_cut());
    }
}
