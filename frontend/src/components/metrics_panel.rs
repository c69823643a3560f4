//! [`MetricsPanel`]: the system metrics as live charts: CPU (total and per
//! core), memory and network over the last minutes.
//!
//! The panel re-renders whenever the feed changes, but recomputes its paths
//! only when the metrics series does (keyed on its revision): at a thousand
//! chat events a second the charts cost nothing. The CPU chart draws at
//! most [`CHARTED_CORES`](crate::series::CHARTED_CORES) cores, the first ones, and its reading says how
//! many the host has and how many are drawn; its legend names each line.

use std::rc::Rc;

use yew::prelude::*;

use crate::axis::{TimeAxis, Unit, ValueAxis};
use crate::chart_line::ChartLine;
use crate::components::chart::Chart;
use crate::format;
use crate::plot::{headroom_max, line_colour, path};
use crate::series::{METRICS_WINDOW, MetricsSeries, Sample};
use crate::state::FeedContext;

/// The network chart's smallest top, so an idle link is a flat line near
/// the bottom instead of noise stretched to full height.
const NETWORK_FLOOR: f64 = 16.0 * 1024.0;

/// One chart's lines and y axis.
struct Plot {
    lines: Rc<Vec<ChartLine>>,
    axis: Rc<ValueAxis>,
}

impl Plot {
    /// `lines` (their paths not drawn yet) on an axis up to `max`.
    fn new(max: f64, unit: Unit, mut lines: Vec<ChartLine>) -> Self {
        let axis = ValueAxis::new(max, unit);
        for line in &mut lines {
            line.d = path(&line.values, axis.top, METRICS_WINDOW);
        }
        Self {
            lines: Rc::new(lines),
            axis: Rc::new(axis),
        }
    }
}

/// A line named `name` through `values`, its path left to [`Plot::new`].
fn line(class: &'static str, name: &str, values: Vec<Option<f64>>) -> ChartLine {
    ChartLine {
        class,
        colour: None,
        name: name.to_owned(),
        detail: false,
        values,
        d: String::new(),
    }
}

/// The three charts' lines, axes and readings.
struct Charts {
    time: Rc<TimeAxis>,
    cpu: Plot,
    cpu_reading: String,
    cores_not_drawn: usize,
    memory: Plot,
    memory_reading: String,
    network: Plot,
    rx_reading: String,
    tx_reading: String,
}

impl Charts {
    fn new(series: &MetricsSeries) -> Self {
        let latest = series.latest();
        // Samples keep at most `CHARTED_CORES` cores, so this is bounded.
        let cores = latest.map_or(0, |sample| sample.cpu_per_core.len());
        let mut cpu: Vec<_> = (0..cores)
            .map(|core| {
                let values = series.line(|m| m.cpu_per_core.get(core).map(|v| f64::from(*v)));
                ChartLine {
                    colour: Some(line_colour(core)),
                    detail: true,
                    ..line("core", &format!("core {core}"), values)
                }
            })
            .collect();
        // The total last, so it is drawn over the cores.
        let total = series.line(|m| Some(f64::from(m.cpu_total)));
        cpu.push(line("total", "total", total));
        let memory_max = latest.map_or(1.0, |m| m.memory_total as f64);
        let used = series.line(|m| Some(m.memory_used as f64));
        let rx = series.line(|m| Some(m.net_rx_per_sec as f64));
        let tx = series.line(|m| Some(m.net_tx_per_sec as f64));
        let network_max = headroom_max(rx.iter().chain(&tx).flatten().copied(), NETWORK_FLOOR);
        let reading = |text: fn(&Sample) -> String| latest.map(text).unwrap_or_default();
        Self {
            time: Rc::new(TimeAxis::new(series.times(), METRICS_WINDOW)),
            cpu: Plot::new(100.0, Unit::Percent, cpu),
            cpu_reading: reading(|m| {
                let (total, cores) = (format::percent(m.cpu_total), m.cores);
                if m.cores_cut() {
                    let charted = m.cpu_per_core.len();
                    format!("{total} · {cores} cores, the first {charted} charted")
                } else {
                    format!("{total} · {cores} cores")
                }
            }),
            cores_not_drawn: latest.map_or(0, |m| m.cores - m.cpu_per_core.len()),
            memory: Plot::new(memory_max, Unit::Bytes, vec![line("total", "used", used)]),
            memory_reading: reading(|m| {
                let used = format::bytes(m.memory_used);
                format!("{used} of {}", format::bytes(m.memory_total))
            }),
            network: Plot::new(
                network_max,
                Unit::BytesPerSecond,
                vec![line("rx", "↓ received", rx), line("tx", "↑ sent", tx)],
            ),
            rx_reading: reading(|m| format!("↓ {}", format::rate(m.net_rx_per_sec))),
            tx_reading: reading(|m| format!("↑ {}", format::rate(m.net_tx_per_sec))),
        }
    }
}

/// `section#metrics` with three `svg.chart`s: `cpu`, `memory`, `network`.
#[component]
pub fn MetricsPanel() -> Html {
    let feed = use_context::<FeedContext>().expect("FeedProvider wraps MetricsPanel");
    let series = &feed.metrics;
    let samples = series.samples();
    let charts = use_memo(series.revision(), |_| Charts::new(series));
    let network_reading = html! {
        <>
            <span class="rx">{ charts.rx_reading.clone() }</span>
            { " " }
            <span class="tx">{ charts.tx_reading.clone() }</span>
        </>
    };
    let time = &charts.time;
    html! {
        <section id="metrics" class="panel metrics-panel" aria-label="System metrics">
            <Chart series="cpu" title="CPU" reading={html! { charts.cpu_reading.clone() }}
                lines={charts.cpu.lines.clone()} axis={charts.cpu.axis.clone()}
                time={time.clone()} {samples} legend=true not_drawn={charts.cores_not_drawn} />
            <Chart series="memory" title="Memory" reading={html! { charts.memory_reading.clone() }}
                lines={charts.memory.lines.clone()} axis={charts.memory.axis.clone()}
                time={time.clone()} {samples} />
            <Chart series="network" title="Network" reading={network_reading}
                lines={charts.network.lines.clone()} axis={charts.network.axis.clone()}
                time={time.clone()} {samples} />
        </section>
    }
}
