//! [`MetricsSummary`]: a metrics sample on one compact line.
//!
//! It takes a [`Sample`], not the event's `Metrics`: the props are copied
//! and compared on every render, and a sample's per-core list is bounded
//! where an event's is whatever its publisher sent.

use std::rc::Rc;

use yew::prelude::*;

use crate::format;
use crate::series::Sample;

/// Props of [`MetricsSummary`].
#[derive(Properties, PartialEq)]
pub struct MetricsSummaryProps {
    /// The sample.
    pub sample: Rc<Sample>,
}

/// CPU total and cores, memory used of total, load averages and network
/// rates.
#[component]
pub fn MetricsSummary(props: &MetricsSummaryProps) -> Html {
    let metrics = &*props.sample;
    let cpu = format!(
        "{} of {} cores",
        format::percent(metrics.cpu_total),
        metrics.cores
    );
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
