//! `docs/bench.svg`: latency percentiles against delivery rate, one colour
//! per server and one line style per percentile, written by hand as SVG
//! text (no plotting crate: the xtask builds with std and anyhow only).
//!
//! Latency spans decades between p50 and the tail, so the y axis is
//! logarithmic; the x axis is deliveries per second, linear from zero.

use std::fmt::Write as _;

/// The percentiles drawn, their key in the load tool's `latency_ms`, and
/// their line style (an SVG `stroke-dasharray`, empty for solid).
pub(crate) const PERCENTILES: [(&str, &str, &str); 4] = [
    ("p50", "p50", ""),
    ("p90", "p90", "7 3"),
    ("p99", "p99", "3 3"),
    ("p99.9", "p999", "9 3 2 3"),
];

/// One server's points, in the order they are joined.
pub(crate) struct Series {
    pub(crate) name: &'static str,
    pub(crate) points: Vec<Point>,
}

/// Deliveries per second and the [`PERCENTILES`] at that rate, in ms.
pub(crate) struct Point {
    pub(crate) delivered_per_sec: f64,
    pub(crate) latency_ms: [f64; 4],
}

const WIDTH: f64 = 760.0;
const HEIGHT: f64 = 460.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 600.0;
const TOP: f64 = 40.0;
const BOTTOM: f64 = 400.0;
const COLOURS: [&str; 6] = [
    "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b",
];

/// The chart of `series`; points are joined in the order given.
pub(crate) fn svg(series: &[Series]) -> String {
    let points = || series.iter().flat_map(|series| &series.points);
    let max_x = points()
        .map(|point| point.delivered_per_sec)
        .fold(0.0, f64::max);
    let latencies = || points().flat_map(|point| point.latency_ms);
    let (x_step, x_max) = linear_ticks(max_x);
    let low = latencies().fold(f64::INFINITY, f64::min).max(0.001);
    let high = latencies().fold(0.0, f64::max).max(low * 10.0);
    let (y_min, y_max) = (low.log10().floor(), high.log10().ceil());
    let x_at = |x: f64| LEFT + (RIGHT - LEFT) * x / x_max;
    let y_at =
        |ms: f64| BOTTOM - (BOTTOM - TOP) * (ms.max(0.001).log10() - y_min) / (y_max - y_min);

    let mut out = String::new();
    // Writing into a String cannot fail.
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{HEIGHT}\" \
         viewBox=\"0 0 {WIDTH} {HEIGHT}\" font-family=\"sans-serif\" font-size=\"12\">"
    );
    let _ = writeln!(
        out,
        "<rect width=\"{WIDTH}\" height=\"{HEIGHT}\" fill=\"white\"/>\n\
         <text x=\"{LEFT}\" y=\"24\" font-size=\"15\">Publish-to-receive latency against delivery rate</text>"
    );
    let mut tick = 0.0;
    while tick <= x_max + x_step / 2.0 {
        let x = x_at(tick);
        let _ = writeln!(
            out,
            "<line x1=\"{x:.1}\" y1=\"{TOP}\" x2=\"{x:.1}\" y2=\"{BOTTOM}\" stroke=\"#e4e4e4\"/>\
             <text x=\"{x:.1}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
            BOTTOM + 18.0,
            tick_label(tick)
        );
        tick += x_step;
    }
    for decade in (y_min as i32)..=(y_max as i32) {
        for mantissa in [1.0, 2.0, 5.0] {
            let ms = mantissa * 10f64.powi(decade);
            if ms.log10() > y_max + 1e-9 {
                continue;
            }
            let y = y_at(ms);
            let colour = if mantissa == 1.0 {
                "#c8c8c8"
            } else {
                "#eeeeee"
            };
            let _ = writeln!(
                out,
                "<line x1=\"{LEFT}\" y1=\"{y:.1}\" x2=\"{RIGHT}\" y2=\"{y:.1}\" stroke=\"{colour}\"/>\
                 <text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
                LEFT - 6.0,
                y + 4.0,
                tick_label(ms)
            );
        }
    }
    let _ = writeln!(
        out,
        "<rect x=\"{LEFT}\" y=\"{TOP}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#333\"/>\n\
         <text x=\"{}\" y=\"{}\" text-anchor=\"middle\">deliveries per second</text>\n\
         <text transform=\"translate(20 {}) rotate(-90)\" text-anchor=\"middle\">latency, ms (log)</text>",
        RIGHT - LEFT,
        BOTTOM - TOP,
        (LEFT + RIGHT) / 2.0,
        BOTTOM + 42.0,
        (TOP + BOTTOM) / 2.0
    );
    for (index, series) in series.iter().enumerate() {
        let colour = COLOURS[index % COLOURS.len()];
        for (column, (_, _, dash)) in PERCENTILES.iter().enumerate() {
            let coordinates: Vec<String> = series
                .points
                .iter()
                .map(|point| {
                    let (x, y) = (
                        x_at(point.delivered_per_sec),
                        y_at(point.latency_ms[column]),
                    );
                    format!("{x:.1},{y:.1}")
                })
                .collect();
            let _ = writeln!(
                out,
                "<polyline points=\"{}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"1.5\" \
                 stroke-dasharray=\"{dash}\"/>",
                coordinates.join(" ")
            );
            for coordinate in &coordinates {
                let (x, y) = coordinate.split_once(',').unwrap_or(("0", "0"));
                let _ = writeln!(
                    out,
                    "<circle cx=\"{x}\" cy=\"{y}\" r=\"3\" fill=\"{colour}\"/>"
                );
            }
        }
        let y = TOP + 10.0 + 20.0 * index as f64;
        let _ = writeln!(
            out,
            "<rect x=\"{}\" y=\"{}\" width=\"14\" height=\"10\" fill=\"{colour}\"/>\
             <text x=\"{}\" y=\"{:.1}\">{}</text>",
            RIGHT + 16.0,
            y - 9.0,
            RIGHT + 36.0,
            y,
            escape(series.name)
        );
    }
    let below = TOP + 30.0 + 20.0 * series.len() as f64;
    for (index, (label, _, dash)) in PERCENTILES.iter().enumerate() {
        let y = below + 20.0 * index as f64;
        let _ = writeln!(
            out,
            "<line x1=\"{}\" y1=\"{:.1}\" x2=\"{}\" y2=\"{:.1}\" stroke=\"#333\" stroke-width=\"1.5\" \
             stroke-dasharray=\"{dash}\"/><text x=\"{}\" y=\"{y:.1}\">{label}</text>",
            RIGHT + 16.0,
            y - 4.0,
            RIGHT + 46.0,
            y - 4.0,
            RIGHT + 54.0
        );
    }
    out.push_str("</svg>\n");
    out
}

/// A tick step of 1, 2 or 5 times a power of ten giving about five ticks
/// up to `max`, and the last tick at or above it.
fn linear_ticks(max: f64) -> (f64, f64) {
    if max <= 0.0 {
        return (1.0, 1.0);
    }
    let rough = max / 5.0;
    let power = 10f64.powf(rough.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|mantissa| mantissa * power)
        .find(|step| *step >= rough)
        .unwrap_or(10.0 * power);
    (step, (max / step).ceil() * step)
}

/// A tick label: no trailing zeros, thousands as `k`.
fn tick_label(value: f64) -> String {
    if value >= 1000.0 {
        format!("{}k", tick_label(value / 1000.0))
    } else {
        let text = format!("{value:.3}");
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(delivered_per_sec: f64, p50: f64) -> Point {
        Point {
            delivered_per_sec,
            latency_ms: [p50, p50 * 2.0, p50 * 4.0, p50 * 8.0],
        }
    }

    #[test]
    fn draws_a_line_per_server_and_percentile_and_a_legend() {
        let series = [
            Series {
                name: "herald",
                points: vec![point(200_000.0, 1.0), point(500_000.0, 3.0)],
            },
            Series {
                name: "a<b",
                points: vec![point(190_000.0, 0.5)],
            },
        ];
        let chart = svg(&series);
        assert!(chart.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(chart.ends_with("</svg>\n"));
        assert_eq!(chart.matches("<polyline").count(), 8);
        assert_eq!(chart.matches("<circle").count(), 12);
        assert!(chart.contains(">herald</text>"));
        assert!(chart.contains(">a&lt;b</text>"));
        for label in ["p50", "p90", "p99", "p99.9"] {
            assert!(chart.contains(&format!(">{label}</text>")), "{label}");
        }
    }

    #[test]
    fn the_y_axis_spans_whole_decades_with_1_2_5_ticks() {
        let chart = svg(&[Series {
            name: "s",
            points: vec![point(100.0, 0.5)],
        }]);
        // p50 0.5 ms to p99.9 4 ms: from 0.1 to 10 ms.
        let y_label = |ms: &str| format!("text-anchor=\"end\">{ms}<");
        for ms in ["0.1", "0.2", "0.5", "1", "2", "5", "10"] {
            assert!(chart.contains(&y_label(ms)), "{ms}");
        }
        assert!(!chart.contains(&y_label("20")));
        assert!(!chart.contains(&y_label("0.05")));
    }

    #[test]
    fn linear_ticks_pick_1_2_5_steps() {
        assert_eq!(linear_ticks(480_000.0), (100_000.0, 500_000.0));
        assert_eq!(linear_ticks(9.0), (2.0, 10.0));
        assert_eq!(linear_ticks(0.0), (1.0, 1.0));
    }

    #[test]
    fn tick_labels_are_short() {
        assert_eq!(tick_label(0.1), "0.1");
        assert_eq!(tick_label(5.0), "5");
        assert_eq!(tick_label(200_000.0), "200k");
        assert_eq!(tick_label(1_500.0), "1.5k");
    }
}
