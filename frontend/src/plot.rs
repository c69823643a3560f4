//! Geometry of the inline SVG charts: a series of values to a path in a
//! fixed view box, the slot under a point of it, and the lines' colours.
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
    let max = if max > 0.0 { max } else { 1.0 };
    let mut d = String::new();
    let mut pen_down = false;
    for (index, value) in values.iter().enumerate() {
        let Some(value) = value else {
            pen_down = false;
            continue;
        };
        let x = slot_x(index, values.len(), window);
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

/// The view-box x of slot `index` of `len`, laid out as [`path`] lays
/// them out: right-aligned in a view box that holds `window` slots.
pub fn slot_x(index: usize, len: usize, window: usize) -> f64 {
    let window = window.max(len).max(2);
    let offset = window - len;
    (offset + index) as f64 * WIDTH / (window - 1) as f64
}

/// The slot nearest to the view-box x `x` among those of `slots` that
/// hold something (a break holds nothing to read), laid out as [`path`]
/// lays them out; `None` when none does. Of two as near, the newer.
pub fn nearest<T>(x: f64, slots: &[Option<T>], window: usize) -> Option<usize> {
    slots
        .iter()
        .enumerate()
        .rev()
        .filter(|(_, slot)| slot.is_some())
        .map(|(index, _)| (index, (slot_x(index, slots.len(), window) - x).abs()))
        .min_by(|(_, a), (_, b)| a.total_cmp(b))
        .map(|(index, _)| index)
}

/// The slot the arrow keys step to from `from` among those of `slots` that
/// hold something: the next newer one (`newer`) or older one, staying at
/// the end; from no slot, the newest. `None` when none holds anything.
pub fn step<T>(slots: &[Option<T>], from: Option<usize>, newer: bool) -> Option<usize> {
    let mut held = slots
        .iter()
        .enumerate()
        .filter(|(_, slot)| slot.is_some())
        .map(|(index, _)| index);
    let newest = held.clone().next_back();
    let next = match (from, newer) {
        (None, _) => None,
        (Some(from), true) => held.find(|index| *index > from),
        (Some(from), false) => held.rev().find(|index| *index < from),
    };
    next.or(from.filter(|from| slots.get(*from).is_some_and(Option::is_some)))
        .or(newest)
}

/// The stroke of the `index`th of many like lines (a CPU's cores), as an
/// SVG presentation attribute: hues a golden angle apart, so neighbours
/// differ however many there are, at a lightness that reads on the light
/// and the dark background.
pub fn line_colour(index: usize) -> String {
    let hue = (index as f64 * 137.508) % 360.0;
    format!("hsl({hue:.0}, 70%, 50%)")
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
    fn slots_are_laid_out_as_the_path_lays_them_out() {
        assert_eq!(slot_x(0, 3, 3), 0.0);
        assert_eq!(slot_x(2, 3, 3), WIDTH);
        // Two values in a window of four sit at its right end.
        assert_eq!(slot_x(0, 2, 4), 200.0);
        assert_eq!(slot_x(1, 2, 4), WIDTH);
    }

    #[test]
    fn the_nearest_slot_skips_breaks_and_prefers_the_newer() {
        let slots = [Some(1), None, Some(3), Some(4)];
        assert_eq!(nearest(0.0, &slots, 4), Some(0));
        assert_eq!(nearest(90.0, &slots, 4), Some(0));
        // Slot 1 is a break: 110 is nearer slot 1 (100) but reads slot 2.
        assert_eq!(nearest(110.0, &slots, 4), Some(2));
        assert_eq!(nearest(225.0, &slots, 4), Some(2));
        // Halfway between slots 2 and 3.
        assert_eq!(nearest(250.0, &slots, 4), Some(3));
        // Out of the view box: the ends.
        assert_eq!(nearest(-50.0, &slots, 4), Some(0));
        assert_eq!(nearest(1e9, &slots, 4), Some(3));
        // Few slots sit at the right; a point on the empty left reads the oldest.
        assert_eq!(nearest(0.0, &[Some(1), Some(2)], 300), Some(0));
        assert_eq!(nearest::<u8>(150.0, &[None, None], 4), None);
        assert_eq!(nearest::<u8>(150.0, &[], 4), None);
    }

    #[test]
    fn arrow_keys_step_over_breaks_and_stop_at_the_ends() {
        let slots = [Some(1), None, Some(3), Some(4)];
        assert_eq!(step(&slots, None, false), Some(3));
        assert_eq!(step(&slots, None, true), Some(3));
        assert_eq!(step(&slots, Some(3), false), Some(2));
        assert_eq!(step(&slots, Some(2), false), Some(0));
        assert_eq!(step(&slots, Some(0), false), Some(0));
        assert_eq!(step(&slots, Some(0), true), Some(2));
        assert_eq!(step(&slots, Some(3), true), Some(3));
        // A slot that no longer holds a sample (the series moved on).
        assert_eq!(step(&slots, Some(9), true), Some(3));
        assert_eq!(step::<u8>(&[None], None, true), None);
    }

    #[test]
    fn like_lines_get_distinct_colours() {
        assert_eq!(line_colour(0), "hsl(0, 70%, 50%)");
        assert_eq!(line_colour(1), "hsl(138, 70%, 50%)");
        let colours: std::collections::BTreeSet<String> = (0..64).map(line_colour).collect();
        assert_eq!(colours.len(), 64);
    }

    #[test]
    fn headroom_sits_above_the_largest_value() {
        assert_eq!(headroom_max([10.0, 50.0, f64::NAN], 1.0), 60.0);
        assert_eq!(headroom_max([], 1024.0), 1228.8);
    }
}
