//! The metrics charts' data: the last samples, with breaks where events may
//! be missing.

use std::collections::VecDeque;
use std::rc::Rc;

use shared::Metrics;

/// How many slots the charts span: five minutes of the hub's one-per-second
/// samples.
pub const METRICS_WINDOW: usize = 300;

/// One slot of a [`MetricsSeries`].
#[derive(Debug, Clone, PartialEq)]
pub enum Slot {
    /// A sample.
    Sample(Rc<Metrics>),
    /// Samples may be missing here (the hub reported a gap); charts break
    /// their lines rather than join across it.
    Gap,
}

/// The last [`METRICS_WINDOW`] slots, oldest first.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MetricsSeries {
    slots: VecDeque<Slot>,
    revision: u64,
}

impl MetricsSeries {
    /// Appends a sample, dropping the oldest slot when full.
    pub fn push(&mut self, metrics: Rc<Metrics>) {
        self.push_slot(Slot::Sample(metrics));
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
    pub fn latest(&self) -> Option<&Metrics> {
        self.slots.iter().rev().find_map(|slot| match slot {
            Slot::Sample(metrics) => Some(&**metrics),
            Slot::Gap => None,
        })
    }

    /// One value per slot, `None` at breaks (and where `value` has none),
    /// for a chart line.
    pub fn line(&self, value: impl Fn(&Metrics) -> Option<f64>) -> Vec<Option<f64>> {
        self.slots
            .iter()
            .map(|slot| match slot {
                Slot::Sample(metrics) => value(metrics),
                Slot::Gap => None,
            })
            .collect()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use shared::LoadAverage;

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
            series.push(Rc::new(sample(n as f32)));
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
        series.push(Rc::new(sample(1.0)));
        series.mark_gap();
        series.mark_gap();
        series.push(Rc::new(sample(2.0)));
        assert_eq!(
            series.line(|m| Some(f64::from(m.cpu_total))),
            [Some(1.0), None, Some(2.0)]
        );
        assert_eq!(series.samples(), 2);
    }
}
