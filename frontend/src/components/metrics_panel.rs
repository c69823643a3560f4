//! [`MetricsPanel`]: the system metrics as live charts: CPU (total and per
//! core), memory and network over the last minutes.
//!
//! The panel re-renders whenever the feed changes, but recomputes its paths
//! only when the metrics series does (keyed on its revision): at a thousand
//! chat events a second the charts cost nothing. The CPU chart draws at
//! most [`CHARTED_CORES`](crate::series::CHARTED_CORES) cores, the first ones, and its reading says how
//! many the host has and how many are drawn.

use yew::prelude::*;

use crate::components::chart::{Chart, ChartLine};
use crate::format;
use crate::plot::{headroom_max, path};
use crate::series::{METRICS_WINDOW, MetricsSeries, Sample};
use crate::state::FeedContext;

/// The network chart's smallest top, so an idle link is a flat line near
/// the bottom instead of noise stretched to full height.
const NETWORK_FLOOR: f64 = 16.0 * 1024.0;

/// The three charts' lines and readings.
struct Charts {
    cpu: Vec<ChartLine>,
    cpu_reading: String,
    memory: Vec<ChartLine>,
    memory_reading: String,
    network: Vec<ChartLine>,
    rx_reading: String,
    tx_reading: String,
}

fn line(class: &'static str, values: &[Option<f64>], max: f64) -> ChartLine {
    ChartLine {
        class,
        d: path(values, max, METRICS_WINDOW),
    }
}

impl Charts {
    fn new(series: &MetricsSeries) -> Self {
        let latest = series.latest();
        // Samples keep at most `CHARTED_CORES` cores, so this is bounded.
        let cores = latest.map_or(0, |sample| sample.cpu_per_core.len());
        let mut cpu: Vec<ChartLine> = (0..cores)
            .map(|core| {
                let values = series.line(|m| m.cpu_per_core.get(core).map(|v| f64::from(*v)));
                line("core", &values, 100.0)
            })
            .collect();
        cpu.push(line(
            "total",
            &series.line(|m| Some(f64::from(m.cpu_total))),
            100.0,
        ));
        let memory_max = latest.map_or(1.0, |m| m.memory_total as f64);
        let memory = vec![line(
            "total",
            &series.line(|m| Some(m.memory_used as f64)),
            memory_max,
        )];
        let rx = series.line(|m| Some(m.net_rx_per_sec as f64));
        let tx = series.line(|m| Some(m.net_tx_per_sec as f64));
        let network_max = headroom_max(rx.iter().chain(&tx).flatten().copied(), NETWORK_FLOOR);
        let network = vec![line("rx", &rx, network_max), line("tx", &tx, network_max)];
        let reading = |text: fn(&Sample) -> String| latest.map(text).unwrap_or_default();
        Self {
            cpu,
            cpu_reading: reading(|m| {
                let (total, cores) = (format::percent(m.cpu_total), m.cores);
                if m.cores_cut() {
                    let charted = m.cpu_per_core.len();
                    format!("{total} · {cores} cores, the first {charted} charted")
                } else {
                    format!("{total} · {cores} cores")
                }
            }),
            memory,
            memory_reading: reading(|m| {
                let used = format::bytes(m.memory_used);
                format!("{used} of {}", format::bytes(m.memory_total))
            }),
            network,
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
    html! {
        <section id="metrics" class="panel metrics-panel" aria-label="System metrics">
            <Chart series="cpu" title="CPU" reading={html! { charts.cpu_reading.clone() }}
                lines={charts.cpu.clone()} {samples} />
            <Chart series="memory" title="Memory" reading={html! { charts.memory_reading.clone() }}
                lines={charts.memory.clone()} {samples} />
            <Chart series="network" title="Network" reading={network_reading}
                lines={charts.network.clone()} {samples} />
        </section>
    }
}
