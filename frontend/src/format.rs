//! How numbers read on screen: sizes, rates, shares, durations and counts.
//!
//! Kept apart from the components so the rules are native `#[test]`s.

/// A byte count with a binary unit: `340 B`, `1.5 KiB`, `4.0 GiB`.
pub fn bytes(count: u64) -> String {
    if count < 1024 {
        return format!("{count} B");
    }
    let (size, unit) = binary_unit(count as f64);
    format!("{:.1} {unit}", count as f64 / size)
}

/// The binary unit a byte count reads in, and its size in bytes: the
/// largest unit that is at most `count`, `B` below one KiB, `TiB` at most.
pub fn binary_unit(count: f64) -> (f64, &'static str) {
    let mut size = 1.0;
    let mut unit = "B";
    for larger in ["KiB", "MiB", "GiB", "TiB"] {
        if count < size * 1024.0 {
            break;
        }
        size *= 1024.0;
        unit = larger;
    }
    (size, unit)
}

/// A rate in bytes per second: `2.0 KiB/s`.
pub fn rate(per_sec: u64) -> String {
    format!("{}/s", bytes(per_sec))
}

/// A share in percent with one decimal: `12.5%`.
pub fn percent(share: f32) -> String {
    format!("{share:.1}%")
}

/// A signed duration in microseconds, in the unit that reads best:
/// `850 µs`, `12.3 ms`, `1.50 s`. Negative values mean the clocks disagree.
pub fn duration_us(micros: i64) -> String {
    let magnitude = micros.unsigned_abs();
    if magnitude < 1_000 {
        format!("{micros} µs")
    } else if magnitude < 1_000_000 {
        format!("{:.1} ms", micros as f64 / 1e3)
    } else {
        format!("{:.2} s", micros as f64 / 1e6)
    }
}

/// A count with thousands separated: `1,234,567`.
pub fn count(value: u64) -> String {
    let digits = value.to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    grouped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_group_thousands() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1_000), "1,000");
        assert_eq!(count(1_234_567), "1,234,567");
        assert_eq!(count(u64::MAX), "18,446,744,073,709,551,615");
    }

    #[test]
    fn bytes_pick_the_largest_whole_unit() {
        assert_eq!(bytes(0), "0 B");
        assert_eq!(bytes(1023), "1023 B");
        assert_eq!(bytes(1024), "1.0 KiB");
        assert_eq!(bytes(1536), "1.5 KiB");
        assert_eq!(bytes(4 * 1024 * 1024 * 1024), "4.0 GiB");
        assert_eq!(bytes(u64::MAX), "16777216.0 TiB");
    }

    #[test]
    fn binary_units_step_at_each_kibibyte() {
        assert_eq!(binary_unit(0.0), (1.0, "B"));
        assert_eq!(binary_unit(1023.0), (1.0, "B"));
        assert_eq!(binary_unit(1024.0), (1024.0, "KiB"));
        assert_eq!(binary_unit(3.0 * 1024.0 * 1024.0 * 1024.0).1, "GiB");
        assert_eq!(binary_unit(f64::MAX).1, "TiB");
    }

    #[test]
    fn rates_and_percentages() {
        assert_eq!(rate(2048), "2.0 KiB/s");
        assert_eq!(percent(12.5), "12.5%");
        assert_eq!(percent(0.04), "0.0%");
    }

    #[test]
    fn durations_use_the_unit_that_reads_best() {
        assert_eq!(duration_us(850), "850 µs");
        assert_eq!(duration_us(12_340), "12.3 ms");
        assert_eq!(duration_us(1_500_000), "1.50 s");
        assert_eq!(duration_us(-2_000), "-2.0 ms");
    }
}
