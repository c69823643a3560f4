//! Geometry of the inline SVG charts: a series of values to a path in a
//! fixed view box.
//!
//! Charts have a fixed view box and a fixed height on the page, so a new
//! sample moves lines, never the layout.

/// Width of every chart's view box.
pub const WIDTH: f64 = 300.0;
/// Height of every chart's view box.
pub const HEIGHT: f64 = 100.0;

/// The SVG path `d` of `values` (oldest first, `None` at breaks) scaled so
/// `max` touches the top, right-aligned in a view box that holds `window`
/// values, so the newest value is always at the right edge.
pub fn path(values: &[Option<f64>], max: f64, window: usize) -> String {
    let window = window.max(values.len()).max(2);
    let offset = window - values.len();
    let step = WIDTH / (window - 1) as f64;
    let max = if max > 0.0 { max } else { 1.0 };
    let mut d = String::new();
    let mut pen_down = false;
    for (index, value) in values.iter().enumerate() {
        let Some(value) = value else {
            pen_down = false;
            continue;
        };
        let x = (offset + index) as f64 * step;
        let y = HEIGHT - (value / max).clamp(0.0, 1.0) * HEIGHT;
        let command = if pen_down { 'L' } else { 'M' };
        if !d.is_empty() {
            d.push(' ');
        }
        d.push_str(&format!("{command}{x:.1} {y:.1}"));
        pen_down = true;
    }
    d
}

/// A top for the y axis of values with no natural maximum (network
/// rates): the largest value with some headroom, at least `floor`.
pub fn headroom_max(values: impl IntoIterator<Item = f64>, floor: f64) -> f64 {
    values
        .into_iter()
        .filter(|value| value.is_finite())
        .fold(floor, f64::max)
        * 1.2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_newest_value_is_at_the_right_edge() {
        assert_eq!(
            path(&[Some(0.0), Some(50.0), Some(100.0)], 100.0, 3),
            "M0.0 100.0 L150.0 50.0 L300.0 0.0"
        );
        assert_eq!(path(&[Some(50.0)], 100.0, 4), "M300.0 50.0");
    }

    #[test]
    fn a_break_lifts_the_pen() {
        assert_eq!(
            path(&[Some(10.0), None, Some(10.0)], 10.0, 3),
            "M0.0 0.0 M300.0 0.0"
        );
    }

    #[test]
    fn values_outside_the_range_are_clamped() {
        assert_eq!(
            path(&[Some(-5.0), Some(500.0)], 100.0, 2),
            "M0.0 100.0 L300.0 0.0"
        );
        assert_eq!(path(&[Some(1.0)], 0.0, 2), "M300.0 0.0");
        assert_eq!(path(&[], 1.0, 10), "");
    }

    #[test]
    fn headroom_sits_above_the_largest_value() {
        assert_eq!(headroom_max([10.0, 50.0, f64::NAN], 1.0), 60.0);
        assert_eq!(headroom_max([], 1024.0), 1228.8);
    }
}
