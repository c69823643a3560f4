//! The charts' axes: ticks at round values, with their units, up the side,
//! and ticks at round ages along the bottom.
//!
//! A y axis starts at 0 and ends at its last tick, so the ticks are evenly
//! spaced and the lines are scaled to the same top ([`ValueAxis::top`]).
//!
//! The time axis counts back from the newest sample ("now", "-1m", "-2m")
//! rather than reading the wall clock ("12:03:45"):
//! - its labels are three or four characters, and six of them fit a chart
//!   14rem wide, where six clock times do not;
//! - its ticks stay where they are while the lines scroll under them (at one
//!   sample a second, "-1m" falls on the same slot after every sample), where
//!   clock ticks would slide left every second;
//! - it reads only the hub's clock (the events' `time_us`): the browser's
//!   clock may be skewed from it (the latency figure shows by how much), and
//!   the browser's time zone plays no part.
//!
//! The readout under the pointer gives both: the sample's age on this axis
//! and its clock time, as the feed shows its events.

#[cfg(test)]
mod tests;

use crate::format;
use crate::plot::{WIDTH, slot_x};

/// The most intervals between a y axis's ticks. A step of 1, 2 or 5 times
/// a power of ten, the smallest that needs at most five, needs at least
/// three (the next smaller one is at most 2.5 times smaller): four to six
/// ticks.
const MAX_INTERVALS: f64 = 5.0;

/// The time axis's steps, in seconds: each a round number of seconds,
/// minutes or hours, so every tick's label is a whole number of its unit.
const TIME_STEPS: [u64; 17] = [
    1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200,
];

/// The most ticks on the time axis, "now" included.
const MAX_TIME_TICKS: u64 = 6;

const MICROS: u64 = 1_000_000;

/// What a chart's values are, which picks its ticks and their labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// A share, in percent: `20%`.
    Percent,
    /// A size in bytes, in binary units: `2 GiB`.
    Bytes,
    /// A rate in bytes per second: `500 KiB/s`.
    BytesPerSecond,
}

impl Unit {
    /// A value as the readout shows it, with [`format`](mod@crate::format)'s precision:
    /// `12.5%`, `1.5 GiB`, `2.0 KiB/s`.
    pub fn format(self, value: f64) -> String {
        // `as` saturates, and NaN becomes 0: a byte count is never negative.
        match self {
            Self::Percent => format::percent(value as f32),
            Self::Bytes => format::bytes(value as u64),
            Self::BytesPerSecond => format::rate(value as u64),
        }
    }
}

/// One tick of an axis.
#[derive(Debug, Clone, PartialEq)]
pub struct Tick {
    /// Where along the axis, from 0 (the bottom, or the left) to 1.
    pub at: f64,
    /// What it reads.
    pub label: String,
}

/// A y axis: from 0 to a round top, with a tick at every round step.
#[derive(Debug, Clone, PartialEq)]
pub struct ValueAxis {
    /// What the values are.
    pub unit: Unit,
    /// The value at the top, which the lines are scaled to.
    pub top: f64,
    /// The ticks, from 0 up to [`top`](Self::top).
    pub ticks: Vec<Tick>,
}

impl ValueAxis {
    /// The axis for values from 0 up to `max`: ticks at 0 and at every
    /// multiple of a step of 1, 2 or 5 times a power of ten up to the first
    /// at or above `max`, four to six in all. Bytes count in the binary unit
    /// of `max` (a step of 0.5 GiB, never of 536,870,912 bytes) and never in
    /// fractions of a byte. A `max` that is not a positive number counts
    /// as 1.
    pub fn new(max: f64, unit: Unit) -> Self {
        let max = if max.is_finite() && max > 0.0 {
            max
        } else {
            1.0
        };
        let (size, name) = match unit {
            Unit::Percent => (1.0, "%"),
            Unit::Bytes | Unit::BytesPerSecond => format::binary_unit(max),
        };
        let mut step = nice_step(max / size);
        if unit != Unit::Percent && size == 1.0 {
            step = step.max(1.0);
        }
        let decimals = decimals(step);
        // The tolerance keeps a `max` on a multiple of the step (100% in
        // steps of 20%) from gaining an interval to rounding.
        let intervals = (max / size / step * (1.0 - 1e-9)).ceil().max(1.0) as u32;
        let ticks = (0..=intervals)
            .map(|n| {
                let value = f64::from(n) * step;
                let label = match unit {
                    Unit::Percent => format!("{value:.decimals$}%"),
                    Unit::Bytes => format!("{value:.decimals$} {name}"),
                    Unit::BytesPerSecond => format!("{value:.decimals$} {name}/s"),
                };
                Tick {
                    at: f64::from(n) / f64::from(intervals),
                    label,
                }
            })
            .collect();
        Self {
            unit,
            top: f64::from(intervals) * step * size,
            ticks,
        }
    }
}

/// A time axis: when each slot of a chart was sampled, and ticks at round
/// ages before the newest sample.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TimeAxis {
    /// The hub's clock at each slot's sample, in unix microseconds; `None`
    /// at a break.
    pub times: Vec<Option<u64>>,
    /// How many slots the chart spans, as for [`crate::plot::path`].
    pub window: usize,
    /// "now" at the newest sample, then one a round step before the other
    /// (at most six over the chart's width), as far back as the oldest
    /// sample.
    pub ticks: Vec<Tick>,
}

impl TimeAxis {
    /// The axis of slots sampled at `times`, laid out in `window` slots as
    /// [`crate::plot::path`] lays them out. A tick between two samples is
    /// placed between their slots in proportion to their times, so a break
    /// that stands for many missing samples squeezes the ticks across it
    /// rather than mislabel the slots before it.
    pub fn new(times: Vec<Option<u64>>, window: usize) -> Self {
        let samples: Vec<(usize, u64)> = times
            .iter()
            .enumerate()
            .filter_map(|(index, time)| time.map(|time| (index, time)))
            .collect();
        let mut ticks = Vec::new();
        if let (Some(&(first, oldest)), Some(&(last, newest))) = (samples.first(), samples.last()) {
            // The step is chosen for the time the chart's width spans at
            // the samples' pace, not for the time they cover: ticks stay
            // apart on screen while the chart fills, and keep their step.
            let per_slot = match last - first {
                0 => 0.0,
                slots => newest.saturating_sub(oldest) as f64 / MICROS as f64 / slots as f64,
            };
            let shown = per_slot * (window.max(times.len()).max(2) - 1) as f64;
            let step = TIME_STEPS
                .into_iter()
                .find(|step| shown <= (step * (MAX_TIME_TICKS - 1)) as f64)
                .unwrap_or(TIME_STEPS[TIME_STEPS.len() - 1]);
            for age in (0..MAX_TIME_TICKS).map(|n| n * step) {
                let Some(time) = newest.checked_sub(age * MICROS) else {
                    break;
                };
                let Some(x) = position(&samples, time, times.len(), window) else {
                    break;
                };
                ticks.push(Tick {
                    at: x / WIDTH,
                    label: tick_age(age, step),
                });
            }
        }
        Self {
            times,
            window,
            ticks,
        }
    }

    /// How long before the newest sample slot `index`'s was taken:
    /// "now", "-42s", "-2m05s", "-1h02m" (or "+3s" when the hub's clock
    /// stepped back since); `None` at a break or past the end.
    pub fn age(&self, index: usize) -> Option<String> {
        let time = (*self.times.get(index)?)?;
        let newest = self.times.iter().rev().find_map(|time| *time)?;
        let (sign, micros) = if time <= newest {
            ('-', newest - time)
        } else {
            ('+', time - newest)
        };
        let seconds = (micros + MICROS / 2) / MICROS;
        Some(match seconds {
            0 => "now".to_owned(),
            1..60 => format!("{sign}{seconds}s"),
            60..3600 => format!("{sign}{}m{:02}s", seconds / 60, seconds % 60),
            _ => format!("{sign}{}h{:02}m", seconds / 3600, seconds / 60 % 60),
        })
    }
}

/// The smallest step of 1, 2 or 5 times a power of ten that divides `max`
/// (positive) into at most [`MAX_INTERVALS`].
fn nice_step(max: f64) -> f64 {
    let least = max / MAX_INTERVALS;
    let power = 10f64.powf(least.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|multiple| multiple * power)
        .find(|step| *step >= least * (1.0 - 1e-9))
        .unwrap_or(10.0 * power)
}

/// How many decimals a multiple of `step` needs: none for whole steps,
/// one for 0.5, two for 0.05.
fn decimals(step: f64) -> usize {
    if step >= 1.0 {
        0
    } else {
        (-step.log10() - 1e-9).ceil() as usize
    }
}

/// The view-box x at which the samples (slot, time; oldest first) were at
/// `time`: a sample's slot, or between the two samples around it; `None`
/// before the oldest. The newest pair around it wins, should the hub's
/// clock have stepped back.
fn position(samples: &[(usize, u64)], time: u64, len: usize, window: usize) -> Option<f64> {
    let x = |index| slot_x(index, len, window);
    if let Some((index, _)) = samples.iter().rev().find(|(_, at)| *at == time) {
        return Some(x(*index));
    }
    samples.windows(2).rev().find_map(|pair| {
        let [(before, start), (after, end)] = *pair else {
            return None;
        };
        (start < time && time < end).then(|| {
            let share = (time - start) as f64 / (end - start) as f64;
            x(before) + (x(after) - x(before)) * share
        })
    })
}

/// A tick's label: "now", or the age in the unit of `step`.
fn tick_age(age: u64, step: u64) -> String {
    match (age, step) {
        (0, _) => "now".to_owned(),
        (_, ..60) => format!("-{age}s"),
        (_, ..3600) => format!("-{}m", age / 60),
        _ => format!("-{}h", age / 3600),
    }
}
