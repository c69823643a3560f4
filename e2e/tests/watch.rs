//! The hub watching itself in the page: the Hub panel shows the node's
//! figures from its `system/hub` reports, and the topic list's subscriber
//! counts follow those reports as streams open and close.
//!
//! The page's DOM contract, beyond `dashboard.rs`'s:
//! - `section.hub-panel` holds a `tr[data-node]` per reporting node (`this
//!   hub` for a hub of one process) with `td.streams`, `td.events`,
//!   `td.deliveries`, `td.history`, `td.topics` and `td.gaps`;
//! - the topic list's `li[data-topic]` has `data-subscribers`.

use std::time::Duration;

use anyhow::ensure;
use e2e::{
    Browser,
    wait::{self, Check},
};
use fantoccini::Client;
use herald_wire::Topic;
use herald_wire::protocol::stream_path;
use testkit::TestApp;

/// Covers loading and instantiating the wasm bundle and opening the stream.
const LOAD_TIMEOUT: Duration = Duration::from_secs(30);
/// From a change at the hub to the page showing it: a few reports.
const REPORT_TIMEOUT: Duration = Duration::from_secs(10);
/// How often the hub reports in this test.
const REPORT_INTERVAL: Duration = Duration::from_millis(200);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hub_panel_and_the_topic_counts_follow_the_hubs_reports() -> anyhow::Result<()> {
    let hub = e2e::hub()?.hub_stats_every(REPORT_INTERVAL).start().await;
    e2e::with_browsers(
        "the_hub_panel_and_the_topic_counts_follow_the_hubs_reports",
        hub,
        live_figures,
    )
    .await
}

async fn live_figures(hub: &mut TestApp, [browser]: [&Browser; 1]) -> anyhow::Result<()> {
    let page = browser.client();
    page.goto(&hub.url("/")).await?;
    wait::connection_state(page, "live", LOAD_TIMEOUT).await?;

    // Three readers of a topic, besides the page.
    let topic = Topic::parse("room/watched")?;
    let client = reqwest::Client::new();
    let mut readers = Vec::new();
    for _ in 0..3 {
        let reader = client
            .get(hub.url(&stream_path([&topic], None)))
            .send()
            .await?;
        ensure!(
            reader.status().is_success(),
            "a stream got {}",
            reader.status()
        );
        readers.push(reader);
    }

    let streams = cell_number(page, "this hub", "streams", |streams| streams >= 4).await?;
    ensure!(streams >= 4, "the page and three readers: {streams}");
    cell_number(page, "this hub", "topics", |topics| topics >= 4).await?;
    subscribers(page, &topic, "3").await?;

    // One reader leaves: the count follows without a reload.
    drop(readers.pop());
    subscribers(page, &topic, "2").await?;
    Ok(())
}

/// Waits until the Hub panel's `column` of `node` reads a number that
/// `expected` accepts, and returns it.
async fn cell_number(
    page: &Client,
    node: &str,
    column: &str,
    expected: impl Fn(u64) -> bool,
) -> anyhow::Result<u64> {
    let css = format!("section.hub-panel tr[data-node=\"{node}\"] td.{column}");
    wait::until(
        REPORT_TIMEOUT,
        &format!("`{css}` shows the hub's figure"),
        async || {
            let Some(cell) = wait::find(page, &css).await? else {
                return Ok(Check::NotYet(format!("no `{css}`")));
            };
            let Some(text) = wait::text(&cell).await? else {
                return Ok(Check::NotYet("re-rendered".to_owned()));
            };
            Ok(match text.replace(',', "").parse::<u64>() {
                Ok(number) if expected(number) => Check::Done(number),
                _ => Check::NotYet(format!("{text:?}")),
            })
        },
    )
    .await
}

/// Waits until the topic list shows `count` subscribers of `topic`.
async fn subscribers(page: &Client, topic: &Topic, count: &str) -> anyhow::Result<()> {
    let css = format!("li[data-topic=\"{topic}\"]");
    wait::until(
        REPORT_TIMEOUT,
        &format!("`{css}` has data-subscribers=\"{count}\""),
        async || {
            let Some(row) = wait::find(page, &css).await? else {
                return Ok(Check::NotYet(format!("no `{css}`")));
            };
            Ok(match wait::attr(&row, "data-subscribers").await? {
                Some(Some(shown)) if shown == count => Check::Done(()),
                shown => Check::NotYet(format!("data-subscribers {shown:?}")),
            })
        },
    )
    .await
}
