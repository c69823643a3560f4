//! The dashboard end to end: the real hub serves the trunk-built page to
//! headless Chromium, and each panel shows what the hub sends it.
//!
//! Every test starts its own hub (without the metrics source unless it tests
//! metrics, so the page shows only what the test published) and its own
//! browsers, and leaves a screenshot in `target/e2e/{test}.png`.
//!
//! The page's DOM contract, which these tests rely on:
//! - `#connection` has `data-state` in {connecting, live, reconnecting,
//!   stopped}, and while reconnecting `data-attempt="N"`;
//! - `ol#events` holds one `<li class="event" data-kind="{kind}"
//!   data-id="{id}">` per event, newest first; a `json` event's item holds a
//!   `<details class="json">`;
//! - `section#metrics` holds an `svg.chart` per series (`data-series` =
//!   cpu, memory, network) with `data-samples` = the samples plotted, in a
//!   `figure[data-series]` with the tick labels in `svg.y-axis text`, the
//!   values under the pointer in `p.chart-readout` and, for cpu, a
//!   `ul.legend` naming `core N`;
//! - `section#chat` holds `<li class="chat-message" data-id="{id}">` with the
//!   author and the text;
//! - `.notice-banner` with `data-level` in {info, warning, error} holds the
//!   notice's text;
//! - `#latency` has `data-count`, `data-median-ms` and `data-p99-ms`;
//! - `form#publish` has `select[name="kind"]`, `input[name="topic"]`,
//!   `input[name="author"]`, `select[name="level"]`, a `text` field and a
//!   submit button; `#publish-error` shows the hub's message on refusal;
//! - `ul#topics` holds one `<li data-topic="{topic or pattern}">` per row: a
//!   followed prefix has `class="pattern"`, a topic followed through one has
//!   `data-via="{prefix}"`; `button#more-topics` follows it while the hub
//!   has topics on a page not read yet.

use std::{
    fmt, process,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use anyhow::{Context, ensure};
use e2e::{
    Browser,
    dashboard::{chat_message_xpath, submit_chat},
    wait::{self, Check},
};
use fantoccini::actions::{InputSource, MouseActions, PointerAction};
use fantoccini::{Client, Locator};
use herald_dashboard_events::{
    Chat, Json, LatencyProbe, METRICS_TOPIC, Notice, NoticeLevel, Payload,
};
use herald_wire::protocol::Query;
use herald_wire::{ErrorCode, Topic, TopicPattern};
use reqwest::StatusCode;
use testkit::TestApp;

/// Covers loading and instantiating the wasm bundle and opening the stream.
const LIVE_TIMEOUT: Duration = Duration::from_secs(30);
/// From publishing (or submitting) an event to seeing it on the page.
const EVENT_TIMEOUT: Duration = Duration::from_secs(10);
/// Covers a few metrics samples at [`METRICS_INTERVAL`].
const METRICS_TIMEOUT: Duration = Duration::from_secs(15);
const METRICS_INTERVAL: Duration = Duration::from_millis(200);
/// The SSE `retry:` hint of the restart test, to keep it fast.
const RETRY: Duration = Duration::from_millis(200);
/// From the hub's HTTP server stopping (or starting) to the page showing it.
const RECONNECT_TIMEOUT: Duration = Duration::from_secs(15);
/// Covers the topics panel's 5 s refresh and the request it makes.
const TOPICS_TIMEOUT: Duration = Duration::from_secs(15);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn published_events_render_in_their_panels() -> anyhow::Result<()> {
    let hub = e2e::hub()?.start().await;
    e2e::with_browsers(
        "published_events_render_in_their_panels",
        hub,
        rendered_content,
    )
    .await
}

async fn rendered_content(hub: &mut TestApp, [browser]: [&Browser; 1]) -> anyhow::Result<()> {
    let page = browser.client();
    let topic = Topic::parse("e2e/dashboard")?;
    open_live(page, hub, &[&topic]).await?;

    let tag = unique();
    let chat_text = format!("chat from the test {tag}");
    let chat = hub
        .publish(
            &topic,
            &Payload::Chat(Chat {
                author: "e2e-author".to_owned(),
                text: chat_text.clone(),
            }),
        )
        .await;
    let notice_text = format!("warning from the test {tag}");
    hub.publish(
        &topic,
        &Payload::Notice(Notice {
            level: NoticeLevel::Warning,
            text: notice_text.clone(),
        }),
    )
    .await;
    hub.publish(
        &topic,
        &Payload::LatencyProbe(LatencyProbe {
            seq: 1,
            ts: now_micros(),
        }),
    )
    .await;
    let json = hub
        .publish(
            &topic,
            &Payload::Json(Json::from_value(
                &serde_json::json!({ "tag": tag, "values": [1, 2, 3] }),
            )?),
        )
        .await;

    let message = wait::xpath(
        page,
        &chat_message_xpath(&chat_text),
        "section#chat li.chat-message with the published text",
        EVENT_TIMEOUT,
    )
    .await?;
    ensure!(
        message.attr("data-id").await?.as_deref() == Some(chat.id.to_string().as_str()),
        "the chat message's data-id is not the published id {}",
        chat.id
    );
    let shown = message.text().await?;
    ensure!(
        shown.contains("e2e-author"),
        "the chat message shows {shown:?}, without its author \"e2e-author\""
    );

    let banner = format!(
        "//*[{} and @data-level='warning' and contains(., {})]",
        wait::has_class("notice-banner"),
        wait::literal(&notice_text)
    );
    wait::xpath(
        page,
        &banner,
        ".notice-banner[data-level=\"warning\"] with the notice's text",
        EVENT_TIMEOUT,
    )
    .await?;

    let (count, median) = wait::until(
        EVENT_TIMEOUT,
        "#latency has data-count >= 1 and a numeric data-median-ms",
        async || {
            let Some(latency) = wait::find(page, "#latency").await? else {
                return Ok(Check::NotYet("no #latency element".to_owned()));
            };
            let (Some(count), Some(median)) = (
                wait::attr(&latency, "data-count").await?,
                wait::attr(&latency, "data-median-ms").await?,
            ) else {
                return Ok(Check::NotYet("#latency was re-rendered".to_owned()));
            };
            let seen = format!("data-count={count:?} data-median-ms={median:?}");
            let count = count.and_then(|count| count.parse::<u64>().ok());
            let median = median
                .and_then(|median| median.parse::<f64>().ok())
                .filter(|median| median.is_finite());
            Ok(match (count, median) {
                (Some(count), Some(median)) if count >= 1 => Check::Done((count, median)),
                _ => Check::NotYet(seen),
            })
        },
    )
    .await?;
    let latency = wait::element(page, "#latency", EVENT_TIMEOUT).await?;
    let p99 = latency.attr("data-p99-ms").await?;
    ensure!(
        p99.as_deref()
            .and_then(|p99| p99.parse::<f64>().ok())
            .is_some_and(f64::is_finite),
        "#latency shows data-count={count} data-median-ms={median} but data-p99-ms={p99:?}, \
         expected a number"
    );

    wait::element(
        page,
        &format!(
            r#"ol#events li.event[data-kind="json"][data-id="{}"] details.json"#,
            json.id
        ),
        EVENT_TIMEOUT,
    )
    .await
    .context("the json event's feed item has no <details class=\"json\">")?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_chart_grows_with_each_sample() -> anyhow::Result<()> {
    let hub = e2e::hub()?.metrics_every(METRICS_INTERVAL).start().await;
    e2e::with_browsers("metrics_chart_grows_with_each_sample", hub, metrics_chart).await
}

async fn metrics_chart(hub: &mut TestApp, [browser]: [&Browser; 1]) -> anyhow::Result<()> {
    let page = browser.client();
    open_live(page, hub, &[&Topic::parse(METRICS_TOPIC)?]).await?;
    let cpu = r#"section#metrics svg.chart[data-series="cpu"]"#;
    let first = cpu_samples_reach(page, cpu, 2).await?;
    let later = cpu_samples_reach(page, cpu, first + 1).await?;
    ensure!(later > first, "data-samples went from {first} to {later}");
    for series in ["memory", "network"] {
        wait::element(
            page,
            &format!(r#"section#metrics svg.chart[data-series="{series}"][data-samples]"#),
            EVENT_TIMEOUT,
        )
        .await?;
    }
    cpu_chart_reads(page, cpu).await
}

/// The CPU chart's y ticks read in percent, its legend names core 0, and
/// pointing at the chart reads the values there.
async fn cpu_chart_reads(page: &Client, cpu: &str) -> anyhow::Result<()> {
    let figure = r#"section#metrics figure[data-series="cpu"]"#;
    let ticks = page
        .find_all(Locator::Css(&format!("{figure} svg.y-axis text")))
        .await?;
    let mut labels = Vec::new();
    for tick in ticks {
        labels.push(tick.text().await?);
    }
    ensure!(
        labels.len() >= 4 && labels.iter().all(|label| label.ends_with('%')),
        "the CPU chart's y ticks read {labels:?}"
    );
    wait::text_contains(
        page,
        &format!("{figure} ul.legend"),
        "core 0",
        EVENT_TIMEOUT,
    )
    .await?;
    let chart = wait::element(page, cpu, EVENT_TIMEOUT).await?;
    let pointer = MouseActions::new("pointer".to_owned()).then(PointerAction::MoveToElement {
        element: chart,
        duration: None,
        x: 0.0,
        y: 0.0,
    });
    page.perform_actions(pointer).await?;
    let readout = format!("{figure} p.chart-readout");
    let text = wait::text_contains(page, &readout, "total ", EVENT_TIMEOUT).await?;
    ensure!(
        text.contains('%'),
        "the readout under the pointer says {text:?}"
    );
    Ok(())
}

/// Waits until the chart `css` plots at least `at_least` samples; returns
/// how many it plots.
async fn cpu_samples_reach(page: &Client, css: &str, at_least: u64) -> anyhow::Result<u64> {
    wait::until(
        METRICS_TIMEOUT,
        &format!("`{css}` has data-samples >= {at_least}"),
        async || {
            let Some(chart) = wait::find(page, css).await? else {
                return Ok(Check::NotYet(format!("no `{css}`")));
            };
            let Some(samples) = wait::attr(&chart, "data-samples").await? else {
                return Ok(Check::NotYet("the chart was re-rendered".to_owned()));
            };
            Ok(match samples.as_deref().map(str::parse::<u64>) {
                Some(Ok(samples)) if samples >= at_least => Check::Done(samples),
                _ => Check::NotYet(format!("data-samples={samples:?}")),
            })
        },
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_shows_live_once_the_stream_is_open() -> anyhow::Result<()> {
    let hub = e2e::hub()?.start().await;
    e2e::with_browsers(
        "connection_shows_live_once_the_stream_is_open",
        hub,
        connection_live,
    )
    .await
}

async fn connection_live(hub: &mut TestApp, [browser]: [&Browser; 1]) -> anyhow::Result<()> {
    open_live(browser.client(), hub, &[&Topic::parse("chat/lobby")?]).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chat_posted_from_the_form_appears_in_another_window() -> anyhow::Result<()> {
    let hub = e2e::hub()?.start().await;
    e2e::with_browsers(
        "chat_posted_from_the_form_appears_in_another_window",
        hub,
        post_from_form,
    )
    .await
}

async fn post_from_form(
    hub: &mut TestApp,
    [sender, receiver]: [&Browser; 2],
) -> anyhow::Result<()> {
    let topic = Topic::parse("chat/lobby")?;
    open_live(receiver.client(), hub, &[&topic]).await?;
    open_live(sender.client(), hub, &[&topic]).await?;

    let text = format!("posted from the form {}", unique());
    submit_chat(sender.client(), topic.as_str(), "e2e-sender", &text).await?;

    let message = wait::xpath(
        receiver.client(),
        &chat_message_xpath(&text),
        "chat message posted from the other window",
        EVENT_TIMEOUT,
    )
    .await?;
    let shown = message.text().await?;
    ensure!(
        shown.contains("e2e-sender"),
        "the chat message shows {shown:?}, without its author \"e2e-sender\""
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_post_shows_the_hubs_error() -> anyhow::Result<()> {
    let hub = e2e::hub()?.start().await;
    e2e::with_browsers("refused_post_shows_the_hubs_error", hub, refused_post).await
}

async fn refused_post(hub: &mut TestApp, [browser]: [&Browser; 1]) -> anyhow::Result<()> {
    const BAD_TOPIC: &str = "bad topic";
    let page = browser.client();
    let topic = Topic::parse("chat/lobby")?;
    open_live(page, hub, &[&topic]).await?;

    // What the hub answers such a post, straight from the hub.
    let chat = Payload::Chat(Chat {
        author: "e2e".to_owned(),
        text: "never published".to_owned(),
    });
    let (status, refusal) = hub.publish_refused(BAD_TOPIC, &chat).await;
    ensure!(
        status == StatusCode::BAD_REQUEST && refusal.code == ErrorCode::InvalidTopic,
        "the hub answered {status} {refusal:?} to a post to {BAD_TOPIC:?}, \
         expected 400 invalid_topic"
    );

    submit_chat(page, BAD_TOPIC, "e2e", "never published").await?;
    wait::text_contains(page, "#publish-error", &refusal.message, EVENT_TIMEOUT).await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn page_reconnects_after_a_restart_and_shows_what_it_missed() -> anyhow::Result<()> {
    let hub = e2e::hub()?.retry(RETRY).start().await;
    e2e::with_browsers(
        "page_reconnects_after_a_restart_and_shows_what_it_missed",
        hub,
        restart,
    )
    .await
}

async fn restart(hub: &mut TestApp, [browser]: [&Browser; 1]) -> anyhow::Result<()> {
    let page = browser.client();
    let topic = Topic::parse("e2e/restart")?;
    open_live(page, hub, &[&topic]).await?;

    // An event seen before the restart, so the page has an id to resume from.
    let tag = unique();
    let before = hub
        .publish(&topic, &chat(&format!("before the restart {tag}")))
        .await;
    wait::element(page, &feed_item(&before.id.to_string()), EVENT_TIMEOUT).await?;

    hub.stop_serving().await?;
    let reconnecting = wait::connection_state(page, "reconnecting", RECONNECT_TIMEOUT).await?;
    let attempt = reconnecting.attr("data-attempt").await?;
    ensure!(
        attempt.as_deref().is_some_and(|n| n.parse::<u32>().is_ok()),
        "#connection is reconnecting with data-attempt={attempt:?}, expected a number"
    );

    let missed: Vec<(String, String)> = (1..=2)
        .map(|n| {
            let text = format!("published while the hub was down #{n} {tag}");
            let id = hub.publish_in_process(&topic, chat(&text));
            (id.to_string(), text)
        })
        .collect();

    hub.serve_again().await;
    wait::connection_state(page, "live", RECONNECT_TIMEOUT).await?;
    for (id, text) in &missed {
        let item = wait::element(page, &feed_item(id), EVENT_TIMEOUT)
            .await
            .with_context(|| format!("the event published while down ({text:?}) never showed"))?;
        let shown = item.text().await?;
        ensure!(
            shown.contains(text.as_str()),
            "the feed item {id} shows {shown:?}, expected {text:?}"
        );
    }
    let repeats = page
        .find_all(Locator::Css(&feed_item(&before.id.to_string())))
        .await?
        .len();
    ensure!(
        repeats == 1,
        "the event from before the restart shows {repeats} times after resuming, expected once"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_followed_prefix_shows_topics_created_after_the_page_opened() -> anyhow::Result<()> {
    let hub = e2e::hub()?.start().await;
    e2e::with_browsers(
        "a_followed_prefix_shows_topics_created_after_the_page_opened",
        hub,
        followed_prefix,
    )
    .await
}

async fn followed_prefix(hub: &mut TestApp, [browser]: [&Browser; 1]) -> anyhow::Result<()> {
    let page = browser.client();
    let prefix = TopicPattern::parse("chat/*")?;
    open_live(page, hub, &[&prefix]).await?;

    // None of these topics exists before the page follows the prefix. The
    // two outside it go first: the stream delivers in id order, so once the
    // last event shows, the others would have shown too had they been sent.
    let tag = unique();
    let outside = [Topic::parse("chat")?, Topic::parse("chatter/e2e")?];
    let mut skipped = Vec::new();
    for topic in &outside {
        let text = format!("outside the prefix on {topic} {tag}");
        skipped.push((topic, hub.publish(topic, &chat(&text)).await));
    }
    let inside = Topic::parse("chat/e2e/fresh")?;
    let text = format!("under the prefix {tag}");
    let shown = hub.publish(&inside, &chat(&text)).await;

    let item = wait::element(page, &feed_item(&shown.id.to_string()), EVENT_TIMEOUT)
        .await
        .with_context(|| format!("the event on {inside}, under {prefix}, never showed"))?;
    let seen = item.text().await?;
    ensure!(
        seen.contains(&text),
        "the feed item {} shows {seen:?}, expected {text:?}",
        shown.id
    );
    for (topic, published) in skipped {
        let shown = page
            .find_all(Locator::Css(&feed_item(&published.id.to_string())))
            .await?
            .len();
        ensure!(
            shown == 0,
            "the event on {topic} shows although the page follows only {prefix}"
        );
    }

    wait::element(
        page,
        &format!(r#"ul#topics li.pattern[data-topic="{prefix}"] input:checked"#),
        EVENT_TIMEOUT,
    )
    .await
    .context("the topics panel does not show the followed prefix, checked")?;
    wait::element(
        page,
        &format!(r#"ul#topics li[data-topic="{inside}"][data-via="{prefix}"] input:checked"#),
        TOPICS_TIMEOUT,
    )
    .await
    .with_context(|| {
        format!("the topics panel never listed {inside} as followed through {prefix}")
    })?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_topics_panel_reads_the_next_page_on_request() -> anyhow::Result<()> {
    let hub = e2e::hub()?.start().await;
    e2e::with_browsers(
        "the_topics_panel_reads_the_next_page_on_request",
        hub,
        next_topic_page,
    )
    .await
}

async fn next_topic_page(hub: &mut TestApp, [browser]: [&Browser; 1]) -> anyhow::Result<()> {
    // One topic more than the panel's page of 200, named so they sort in
    // the order published.
    let topics = (0..=200)
        .map(|n| Topic::parse(format!("e2e/page/{n:03}")))
        .collect::<Result<Vec<_>, _>>()?;
    for topic in &topics {
        hub.publish(topic, &chat("one event, so the hub lists the topic"))
            .await;
    }
    let page = browser.client();
    open_live(page, hub, &topics[..1]).await?;

    let more = wait::element(page, "button#more-topics", EVENT_TIMEOUT)
        .await
        .context("the topics panel shows no button#more-topics with a page still to read")?;
    let last = topics.last().context("the test names topics")?;
    let last_row = format!(r#"ul#topics li[data-topic="{last}"]"#);
    let rows = page.find_all(Locator::Css("ul#topics li")).await?.len();
    ensure!(
        rows == 200,
        "the topics panel shows {rows} rows before the next page is read, expected 200"
    );
    more.click().await?;
    wait::element(page, &last_row, EVENT_TIMEOUT)
        .await
        .with_context(|| format!("the next page, with {last}, never showed"))?;
    let buttons = page
        .find_all(Locator::Css("button#more-topics"))
        .await?
        .len();
    ensure!(
        buttons == 0,
        "the topics panel still offers more topics after the last page"
    );
    Ok(())
}

/// Opens the page following `topics` (topics or patterns) and waits until
/// its stream is open.
async fn open_live<T: fmt::Display>(
    page: &Client,
    hub: &TestApp,
    topics: &[T],
) -> anyhow::Result<()> {
    let page_url = Query::new().topics(topics).url("/");
    page.goto(&hub.url(&page_url)).await?;
    wait::connection_state(page, "live", LIVE_TIMEOUT).await?;
    Ok(())
}

/// The feed item of the event `id`.
fn feed_item(id: &str) -> String {
    format!(r#"ol#events li.event[data-id="{id}"]"#)
}

fn chat(text: &str) -> Payload {
    Payload::Chat(Chat {
        author: "e2e".to_owned(),
        text: text.to_owned(),
    })
}

/// This machine's clock in unix microseconds, as latency probes carry it.
fn now_micros() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| {
            u64::try_from(since.as_micros()).unwrap_or(u64::MAX)
        })
}

/// Distinct across runs and concurrent processes.
fn unique() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_nanos());
    format!("{}-{nanos}", process::id())
}
