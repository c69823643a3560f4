//! The dashboard against a hostile publisher, end to end: a metrics event
//! with 30,000 cores, a 60 KiB notice and a flood of 3,000 events reach a
//! page through the real hub, and the page stays small and live, draws
//! summaries that say how large the whole was, and accounts for every
//! event of the flood, shown or dropped.
//!
//! The page's DOM contract, beyond `dashboard.rs`'s:
//! - the CPU chart draws one `path.core` per charted core, at most 64, and
//!   its `.reading` says "N cores, the first 64 charted" when it has more;
//! - a cut text is followed by `.cut` with `data-total-bytes` = the size
//!   of the whole text;
//! - `ol#events li.dropped` with `data-count` = the events the page
//!   dropped because they arrived faster than it renders.

use std::time::Duration;

use anyhow::{Context, ensure};
use e2e::{
    Browser,
    dashboard::chat_message_xpath,
    wait::{self, Check},
};
use fantoccini::{Client, Locator};
use herald_dashboard_events::{
    Chat, LoadAverage, METRICS_TOPIC, Metrics, Notice, NoticeLevel, Payload,
};
use herald_wire::protocol::{LIMIT_PARAM, Query};
use herald_wire::{Topic, TopicPattern};
use testkit::TestApp;

/// Covers loading and instantiating the wasm bundle and opening the stream.
const LIVE_TIMEOUT: Duration = Duration::from_secs(30);
/// From publishing an event to seeing it on the page.
const EVENT_TIMEOUT: Duration = Duration::from_secs(10);
/// From the flood's last publish to the page having taken in all of it.
const FLOOD_TIMEOUT: Duration = Duration::from_secs(30);
/// The cores the hostile metrics event reports.
const CORES: usize = 30_000;
/// The most cores the page charts (`frontend::series::CHARTED_CORES`).
const CHARTED_CORES: usize = 64;
/// The hostile notice's size: under the hub's default `--max-body` of
/// 64 KiB with its JSON around it, so it goes through the publish route.
const NOTICE_BYTES: usize = 60 * 1024;
/// The page's markup with both hostile events drawn stays below this. Drawn
/// whole, the notice alone (in its banner and in the feed) is twice 60 KiB,
/// and 30,000 chart paths are over a megabyte.
const MAX_MARKUP: usize = 96 * 1024;
/// The flood: this many topics, each sent this many events at once. Each
/// topic's share stays within the hub's `--history` of 1,024, so the hub
/// loses none of them even if the page reads slowly: whatever the page
/// does not show, it dropped itself.
const FLOOD_TOPICS: usize = 3;
const FLOOD_PER_TOPIC: usize = 1_000;
/// The feed's bound for this page: the most `?limit=` allows, above the
/// flood and the events before it, so the feed itself evicts none of them.
const FEED_LIMIT: usize = 5_000;

/// Counts, in one look at the DOM, the flood's chat events the feed shows
/// plus the events the page says it dropped.
const ACCOUNTED: &str = "
    const dropped = [...document.querySelectorAll('ol#events li.dropped')]
        .reduce((sum, line) => sum + Number(line.dataset.count), 0);
    const shown = document.querySelectorAll('ol#events li.event[data-kind=\"chat\"]').length;
    return [shown, dropped];";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_payloads_are_summarised_and_a_flood_is_accounted_for() -> anyhow::Result<()> {
    let hub = e2e::hub()?.start().await;
    e2e::with_browsers(
        "hostile_payloads_are_summarised_and_a_flood_is_accounted_for",
        hub,
        hostile,
    )
    .await
}

async fn hostile(hub: &mut TestApp, [browser]: [&Browser; 1]) -> anyhow::Result<()> {
    let page = browser.client();
    let metrics_topic = Topic::parse(METRICS_TOPIC)?;
    let ops = Topic::parse("ops")?;
    let flood = TopicPattern::parse("e2e/flood/*")?;
    let query = Query::new()
        .topics([
            metrics_topic.to_string(),
            ops.to_string(),
            flood.to_string(),
        ])
        .param(LIMIT_PARAM, &FEED_LIMIT.to_string());
    page.goto(&hub.url(&query.url("/"))).await?;
    wait::connection_state(page, "live", LIVE_TIMEOUT).await?;

    // 30,000 cores are 30,000 JSON numbers, past the hub's default body
    // limit; a program embedding the hub publishes them in-process.
    hub.publish_in_process(&metrics_topic, many_cores());
    let reading = wait::text_contains(
        page,
        "section#metrics .chart-box .reading",
        &format!("{CORES} cores, the first {CHARTED_CORES} charted"),
        EVENT_TIMEOUT,
    )
    .await?;
    let paths = page
        .find_all(Locator::Css(
            r#"section#metrics svg.chart[data-series="cpu"] path.core"#,
        ))
        .await?
        .len();
    ensure!(
        paths == CHARTED_CORES,
        "the CPU chart draws {paths} core lines for {CORES} cores ({reading:?}), \
         expected {CHARTED_CORES}"
    );

    let notice = Payload::Notice(Notice {
        level: NoticeLevel::Warning,
        text: "n".repeat(NOTICE_BYTES),
    });
    hub.publish(&ops, &notice).await;
    for (place, css) in [
        ("banner", ".notice-banner .cut"),
        ("feed", r#"li.event[data-kind="notice"] .cut"#),
    ] {
        let cut = wait::element(page, css, EVENT_TIMEOUT)
            .await
            .with_context(|| format!("the 60 KiB notice's {place} shows no cut"))?;
        let total = cut.attr("data-total-bytes").await?;
        ensure!(
            total.as_deref() == Some(NOTICE_BYTES.to_string().as_str()),
            "the notice's {place} says data-total-bytes={total:?}, expected {NOTICE_BYTES}"
        );
        let said = cut.text().await?;
        ensure!(
            said.contains("60.0 KiB in all"),
            "the notice's {place} says {said:?} after the cut, without its size"
        );
    }
    let markup = markup_len(page).await?;
    ensure!(
        markup < MAX_MARKUP,
        "the page's markup is {markup} bytes with the hostile events drawn, \
         expected under {MAX_MARKUP}"
    );

    // The flood, published at once; then the page must account for all of
    // it: each event shown in the feed, or counted as dropped by the page.
    let mut last = None;
    for n in 0..FLOOD_PER_TOPIC {
        for topic in 0..FLOOD_TOPICS {
            let topic = Topic::parse(format!("e2e/flood/{topic}"))?;
            last = Some(hub.publish_in_process(&topic, chat(&format!("flood {n}"))));
        }
    }
    let last = last.context("the flood publishes something")?;
    let total = FLOOD_TOPICS * FLOOD_PER_TOPIC;
    let (shown, dropped) = wait::until(
        FLOOD_TIMEOUT,
        &format!("the page shows or counts as dropped all {total} flood events"),
        async || {
            let counts = page.execute(ACCOUNTED, Vec::new()).await?;
            let (shown, dropped): (usize, usize) =
                serde_json::from_value(counts).context("the page's counts")?;
            Ok(if shown + dropped == total {
                Check::Done((shown, dropped))
            } else {
                Check::NotYet(format!("{shown} shown and {dropped} dropped"))
            })
        },
    )
    .await?;
    wait::element(
        page,
        &format!(r#"ol#events li.event[data-id="{last}"]"#),
        EVENT_TIMEOUT,
    )
    .await
    .with_context(|| {
        format!("the flood's newest event is not shown ({shown} shown, {dropped} dropped)")
    })?;

    // And the page is still live: an event after the flood shows at once.
    let after = "after the flood";
    hub.publish_in_process(&Topic::parse("e2e/flood/after")?, chat(after));
    wait::xpath(
        page,
        &chat_message_xpath(after),
        "the chat message published after the flood",
        EVENT_TIMEOUT,
    )
    .await?;
    Ok(())
}

/// The length of the page's markup, `document.body.innerHTML`.
async fn markup_len(page: &Client) -> anyhow::Result<usize> {
    let length = page
        .execute("return document.body.innerHTML.length;", Vec::new())
        .await?;
    serde_json::from_value(length).context("the markup's length")
}

fn many_cores() -> Payload {
    Payload::Metrics(Metrics {
        cpu_total: 50.0,
        cpu_per_core: (0..CORES).map(|core| (core % 100) as f32).collect(),
        memory_used: 1 << 30,
        memory_total: 4 << 30,
        load: LoadAverage {
            one: 0.1,
            five: 0.2,
            fifteen: 0.3,
        },
        net_rx_per_sec: 2048,
        net_tx_per_sec: 512,
    })
}

fn chat(text: &str) -> Payload {
    Payload::Chat(Chat {
        author: "e2e".to_owned(),
        text: text.to_owned(),
    })
}
