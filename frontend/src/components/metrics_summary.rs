//! [`MetricsSummary`]: a metrics sample on one compact line.

use shared::Metrics;
use yew::prelude::*;

use crate::format;

/// Props of [`MetricsSummary`].
#[derive(Properties, PartialEq)]
pub struct MetricsSummaryProps {
    /// The sample.
    pub metrics: Metrics,
}

/// CPU total, memory used of total, load averages and network rates.
#[component]
pub fn MetricsSummary(props: &MetricsSummaryProps) -> Html {
    let metrics = &props.metrics;
    let cpu = format::percent(metrics.cpu_total);
    let memory = format!(
        "{} / {}",
        format::bytes(metrics.memory_used),
        format::bytes(metrics.memory_total)
    );
    let load = format!(
        "{:.2} {:.2} {:.2}",
        metrics.load.one, metrics.load.five, metrics.load.fifteen
    );
    let network = format!(
        "↓ {} ↑ {}",
        format::rate(metrics.net_rx_per_sec),
        format::rate(metrics.net_tx_per_sec)
    );
    html! {
        <dl class="metrics">
            <dt>{ "CPU" }</dt><dd class="cpu">{ cpu }</dd>
            <dt>{ "Mem" }</dt><dd class="memory">{ memory }</dd>
            <dt>{ "Load" }</dt><dd class="load">{ load }</dd>
            <dt>{ "Net" }</dt><dd class="network">{ network }</dd>
        </dl>
    }
}
