//! [`HubSummary`]: a hub node's report on one compact line, for the feed.

use herald_dashboard_events::HubStats;
use yew::prelude::*;

use crate::format;

/// Props of [`HubSummary`]: the figures it shows, copied out of the report
/// (which may list a thousand topics) so comparing props stays cheap.
#[derive(Properties, PartialEq)]
pub struct HubSummaryProps {
    /// Streams open on the node.
    pub streams_open: u64,
    /// Events per second.
    pub events_per_s: f64,
    /// Deliveries per second.
    pub deliveries_per_s: f64,
    /// Bytes of history kept.
    pub history_bytes: u64,
}

impl HubSummaryProps {
    /// The figures of `stats`.
    pub fn of(stats: &HubStats) -> Self {
        Self {
            streams_open: stats.streams_open,
            events_per_s: stats.events_per_s,
            deliveries_per_s: stats.deliveries_per_s,
            history_bytes: stats.history_bytes,
        }
    }
}

/// Streams open, events and deliveries per second, history kept.
#[component]
pub fn HubSummary(props: &HubSummaryProps) -> Html {
    let streams = format::count(props.streams_open);
    let events = format!("{}/s", format::count(props.events_per_s.round() as u64));
    let deliveries = format!("{}/s", format::count(props.deliveries_per_s.round() as u64));
    let history = format::bytes(props.history_bytes);
    html! {
        <dl class="metrics hub">
            <dt>{ "Streams" }</dt><dd class="streams">{ streams }</dd>
            <dt>{ "Events" }</dt><dd class="events">{ events }</dd>
            <dt>{ "Deliveries" }</dt><dd class="deliveries">{ deliveries }</dd>
            <dt>{ "History" }</dt><dd class="history">{ history }</dd>
        </dl>
    }
}
