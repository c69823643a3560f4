//! Native tests of the charts' axes: round steps with their units, the
//! readout's precision, and the time axis's ticks and ages counted back
//! from the newest sample.

use super::*;

fn labels(ticks: &[Tick]) -> Vec<&str> {
    ticks.iter().map(|tick| tick.label.as_str()).collect()
}

fn positions(ticks: &[Tick]) -> Vec<f64> {
    ticks.iter().map(|tick| tick.at).collect()
}

#[test]
fn percent_runs_from_zero_to_a_hundred_in_fifths() {
    let axis = ValueAxis::new(100.0, Unit::Percent);
    assert_eq!(axis.top, 100.0);
    assert_eq!(
        labels(&axis.ticks),
        ["0%", "20%", "40%", "60%", "80%", "100%"]
    );
    assert_eq!(positions(&axis.ticks), [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]);
    assert_eq!(
        labels(&ValueAxis::new(37.0, Unit::Percent).ticks),
        ["0%", "10%", "20%", "30%", "40%"]
    );
}

#[test]
fn steps_are_one_two_or_five_times_a_power_of_ten() {
    for (max, step) in [
        (1.0, 0.2),
        (3.0, 1.0),
        (7.0, 2.0),
        (10.0, 2.0),
        (11.0, 5.0),
        (24.0, 5.0),
        (26.0, 10.0),
        (0.3, 0.1),
        (4.2e7, 1e7),
    ] {
        let found = nice_step(max);
        assert!((found - step).abs() < step * 1e-9, "max {max}: {found}");
    }
}

#[test]
fn every_axis_has_four_to_six_ticks_covering_its_maximum() {
    // From 3: below that, a byte axis has fewer ticks rather than
    // fractions of a byte.
    for unit in [Unit::Percent, Unit::Bytes, Unit::BytesPerSecond] {
        let mut max = 3.0;
        while max < 1e13 {
            let axis = ValueAxis::new(max, unit);
            assert!(
                (4..=6).contains(&axis.ticks.len()),
                "{unit:?} {max}: {:?}",
                labels(&axis.ticks)
            );
            assert!(axis.top >= max, "{unit:?} {max}: top {}", axis.top);
            assert_eq!(axis.ticks[0].label.chars().next(), Some('0'));
            max *= 1.37;
        }
    }
}

#[test]
fn bytes_count_in_the_unit_of_their_maximum() {
    let gib = 1024.0 * 1024.0 * 1024.0;
    let memory = ValueAxis::new(16.0 * gib, Unit::Bytes);
    assert_eq!(
        labels(&memory.ticks),
        ["0 GiB", "5 GiB", "10 GiB", "15 GiB", "20 GiB"]
    );
    assert_eq!(memory.top, 20.0 * gib);
    let small = ValueAxis::new(1.5 * gib, Unit::Bytes);
    assert_eq!(
        labels(&small.ticks),
        ["0.0 GiB", "0.5 GiB", "1.0 GiB", "1.5 GiB"]
    );
    let rate = ValueAxis::new(19_660.8, Unit::BytesPerSecond);
    assert_eq!(
        labels(&rate.ticks),
        ["0 KiB/s", "5 KiB/s", "10 KiB/s", "15 KiB/s", "20 KiB/s"]
    );
    // Never a fraction of a byte.
    assert_eq!(
        labels(&ValueAxis::new(2.0, Unit::Bytes).ticks),
        ["0 B", "1 B", "2 B"]
    );
}

#[test]
fn a_maximum_that_is_no_number_counts_as_one() {
    for max in [0.0, -3.0, f64::NAN, f64::INFINITY] {
        assert_eq!(ValueAxis::new(max, Unit::Percent).top, 1.0, "{max}");
    }
}

#[test]
fn the_readout_keeps_formats_precision() {
    assert_eq!(Unit::Percent.format(12.53), "12.5%");
    assert_eq!(Unit::Bytes.format(1536.0), "1.5 KiB");
    assert_eq!(Unit::BytesPerSecond.format(2048.0), "2.0 KiB/s");
    assert_eq!(Unit::Bytes.format(-1.0), "0 B");
}

/// `count` samples a second apart, the newest at `newest` seconds.
fn every_second(count: u64, newest: u64) -> Vec<Option<u64>> {
    (0..count)
        .map(|n| Some((newest + n + 1 - count) * MICROS))
        .collect()
}

#[test]
fn five_minutes_are_ticked_every_minute_back_from_now() {
    let axis = TimeAxis::new(every_second(300, 10_000), 300);
    assert_eq!(labels(&axis.ticks), ["now", "-1m", "-2m", "-3m", "-4m"]);
    // At one sample a second each tick sits on a slot: 60 slots apart.
    let slot = 1.0 / 299.0;
    for (tick, back) in axis.ticks.iter().zip([0.0, 60.0, 120.0, 180.0, 240.0]) {
        assert!((tick.at - (1.0 - back * slot)).abs() < 1e-9, "{tick:?}");
    }
}

#[test]
fn the_step_follows_the_time_the_width_spans() {
    let axis = TimeAxis::new(every_second(40, 500), 40);
    assert_eq!(labels(&axis.ticks), ["now", "-10s", "-20s", "-30s"]);
    // Forty seconds in a five-minute window: minutes, and only "now"
    // so far, rather than ticks a few slots apart.
    let axis = TimeAxis::new(every_second(40, 500), 300);
    assert_eq!(labels(&axis.ticks), ["now"]);
    let axis = TimeAxis::new(every_second(1, 500), 300);
    assert_eq!(labels(&axis.ticks), ["now"]);
    assert_eq!(positions(&axis.ticks), [1.0]);
    assert!(TimeAxis::new(vec![None, None], 300).ticks.is_empty());
}

#[test]
fn ticks_across_a_break_fall_between_its_samples() {
    // Two samples 100 s apart around a break: the slots are 0, 1, 2.
    let times = vec![Some(1_000 * MICROS), None, Some(1_100 * MICROS)];
    let axis = TimeAxis::new(times, 3);
    assert_eq!(labels(&axis.ticks), ["now", "-30s", "-60s", "-90s"]);
    for (at, expected) in positions(&axis.ticks).into_iter().zip([1.0, 0.7, 0.4, 0.1]) {
        assert!((at - expected).abs() < 1e-9, "{at} for {expected}");
    }
}

#[test]
fn ages_under_the_pointer_count_back_from_the_newest() {
    let mut times = every_second(4000, 10_000);
    times.push(None);
    let axis = TimeAxis::new(times, 300);
    assert_eq!(axis.age(3999).as_deref(), Some("now"));
    assert_eq!(axis.age(3957).as_deref(), Some("-42s"));
    assert_eq!(axis.age(3874).as_deref(), Some("-2m05s"));
    assert_eq!(axis.age(0).as_deref(), Some("-1h06m"));
    assert_eq!(axis.age(4000), None);
    assert_eq!(axis.age(4001), None);
    let stepped_back = TimeAxis::new(vec![Some(5 * MICROS), Some(2 * MICROS)], 300);
    assert_eq!(stepped_back.age(0).as_deref(), Some("+3s"));
}
