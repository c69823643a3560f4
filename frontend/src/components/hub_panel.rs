//! [`HubPanel`]: the hub watching itself, live: each node's newest report
//! ([`crate::hub_reports`]), one row of figures per node.

use yew::prelude::*;

use crate::format;
use crate::hub_reports::Report;
use crate::state::FeedContext;

/// `section.hub-panel` with a table of the nodes' figures, or a line saying
/// the page does not follow the hub's reports.
#[component]
pub fn HubPanel() -> Html {
    let feed = use_context::<FeedContext>().expect("FeedProvider wraps HubPanel");
    let rows: Vec<Html> = feed.hub.nodes().map(row).collect();
    let body = if rows.is_empty() {
        let hint = format!(
            "No report yet: the hub reports on {} every second.",
            herald_dashboard_events::HUB_TOPIC
        );
        html! { <p class="empty">{ hint }</p> }
    } else {
        html! {
            <table class="hub-stats">
                <thead>
                    <tr>
                        <th scope="col">{ "Node" }</th>
                        <th scope="col">{ "Streams" }</th>
                        <th scope="col">{ "Events/s" }</th>
                        <th scope="col">{ "Deliveries/s" }</th>
                        <th scope="col">{ "History" }</th>
                        <th scope="col">{ "Topics" }</th>
                        <th scope="col">{ "Gaps" }</th>
                    </tr>
                </thead>
                <tbody>{ for rows }</tbody>
            </table>
        }
    };
    html! {
        <section class="panel hub-panel" aria-label="Hub">
            <h2>{ "Hub" }</h2>
            { body }
        </section>
    }
}

/// One node's figures.
fn row(report: &Report) -> Html {
    let stats = &report.stats;
    let node = stats.node.clone().unwrap_or_else(|| "this hub".to_owned());
    let per_second = |rate: f64| format::count(rate.round() as u64);
    html! {
        <tr data-node={node.clone()}>
            <th scope="row">{ node }</th>
            <td class="streams">{ format::count(stats.streams_open) }</td>
            <td class="events">{ per_second(stats.events_per_s) }</td>
            <td class="deliveries">{ per_second(stats.deliveries_per_s) }</td>
            <td class="history">{ format::bytes(stats.history_bytes) }</td>
            <td class="topics">{ format::count(stats.topics) }</td>
            <td class="gaps">{ format::count(stats.gaps) }</td>
        </tr>
    }
}
