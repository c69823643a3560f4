//! The hub's streams in the clients that read them: a browser's own
//! `EventSource` (Chromium's) and the npm `eventsource` package under Node.
//! Each is cut off by the hub before its first event (`--max-stream-age`),
//! events are published while it waits to reconnect, and it must then get
//! exactly those events, in order, and never a message through `onmessage`.
//!
//! Only the `position` block a stream opens with makes that work: its `id:`
//! is what the client sends as `Last-Event-ID` when it reconnects. Without
//! it the client would reconnect with no id, the hub would start it from
//! the newest event, and the events published meanwhile would never come:
//! the test would time out waiting for them. A browser takes the id of any
//! block; the npm package only that of a block with a `data:` line, which
//! it then dispatches as an event of the block's name (here `position`,
//! which no client listens to), so the block must carry an empty `data:`
//! line and still reach neither client as a message.
//!
//! Both clients report what happens to them as the same lines: `open`,
//! `error` (the connection dropped; the client reconnects by itself),
//! `event <id>` for an `order_created` event, and `message <data>` if
//! `onmessage` ever fires. That kind is an app's own, which Herald does not
//! type: each client listens for it by its name, as for any kind.

use std::time::Duration;

use anyhow::{Context, bail, ensure};
use e2e::{
    Browser,
    node::{self, Script},
    wait::{self, Check},
};
use herald_dashboard_events::Payload;
use herald_wire::Topic;
use herald_wire::protocol::{HEALTH_PATH, stream_path};
use serde_json::json;
use testkit::{PATIENCE, TestApp, chat};
use tokio::time;

const TOPIC: &str = "clients/orders";
/// The kind the clients listen for.
const KIND: &str = "order_created";
/// The hub ends every stream after at most a second (less up to a tenth).
const STREAM_AGE: &str = "1";
/// How long a client waits before it reconnects: the window the test
/// publishes in. It spans the test's own delay between the client's
/// `error` and the last publish (a few WebDriver polls at most) many times
/// over, so the events are published before the client is back.
const RETRY: Duration = Duration::from_secs(1);
/// Events published while the client is away.
const PUBLISHED: usize = 3;

/// Opens an `EventSource` on the page's origin and keeps what happens to
/// it in `window.herald.reports`, one line each, as the Node script prints
/// them.
const OPEN_SOURCE: &str = "
    const [url, kind] = arguments;
    const reports = [];
    const source = new EventSource(url);
    window.herald = { reports, source };
    source.onopen = () => reports.push('open');
    source.onerror = () => reports.push('error');
    source.onmessage = (event) => reports.push(`message ${JSON.stringify(event.data)}`);
    source.addEventListener(kind, (event) => reports.push(`event ${event.lastEventId}`));";
/// The report at `arguments[0]`, or `null` while there is none yet.
const REPORT: &str = "return window.herald.reports[arguments[0]] ?? null;";
/// Closes it, so that it stops reconnecting before the hub stops.
const CLOSE_SOURCE: &str = "window.herald.source.close();";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_npm_eventsource_cut_before_its_first_event_misses_nothing() -> anyhow::Result<()> {
    let version = node::installed("eventsource")?;
    let topic = Topic::parse(TOPIC)?;
    let hub = cutting_hub(&topic).await;
    let url = hub.url(&stream_path([&topic], None));
    let mut client = Script::start(
        "the_npm_eventsource_cut_before_its_first_event_misses_nothing",
        "listen.js",
        &[&url, KIND],
    )?;
    let outcome = resumes_exactly(&hub, &topic, async || client.next_line(PATIENCE).await)
        .await
        .with_context(|| format!("npm eventsource {version} under Node"));
    let stopped = client.stop().await;
    let hub_stopped = hub.stop().await.context("the hub failed");
    outcome.and(stopped).and(hub_stopped)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browsers_eventsource_cut_before_its_first_event_misses_nothing() -> anyhow::Result<()> {
    let hub = cutting_hub(&Topic::parse(TOPIC)?).await;
    e2e::with_browsers(
        "a_browsers_eventsource_cut_before_its_first_event_misses_nothing",
        hub,
        in_the_browser,
    )
    .await
}

async fn in_the_browser(hub: &mut TestApp, [browser]: [&Browser; 1]) -> anyhow::Result<()> {
    let page = browser.client();
    let topic = Topic::parse(TOPIC)?;
    // Any page of the hub's origin will do: the script opens the stream
    // itself, on a path of that origin, and needs no page built.
    page.goto(&hub.url(HEALTH_PATH)).await?;
    page.execute(
        OPEN_SOURCE,
        vec![json!(stream_path([&topic], None)), json!(KIND)],
    )
    .await
    .context("the page could not open an EventSource")?;
    let mut read = 0;
    let outcome = resumes_exactly(hub, &topic, async || {
        let index = read;
        let line = wait::until(PATIENCE, "the EventSource reports again", async || {
            Ok(match page.execute(REPORT, vec![json!(index)]).await? {
                serde_json::Value::String(line) => Check::Done(line),
                serde_json::Value::Null => Check::NotYet(format!("{index} reports")),
                other => bail!("a report that is not a string: {other}"),
            })
        })
        .await?;
        read += 1;
        Ok(line)
    })
    .await
    .context("Chromium's EventSource");
    let closed = page
        .execute(CLOSE_SOURCE, vec![])
        .await
        .context("the page could not close its EventSource");
    outcome.and(closed.map(drop))
}

/// A hub that ends every stream within [`STREAM_AGE`] and has clients
/// reconnect after [`RETRY`], with an event on `topic` already: a stream
/// opened from now on starts after it, so the client must never get it.
async fn cutting_hub(topic: &Topic) -> TestApp {
    let hub = TestApp::builder()
        .retry(RETRY)
        .args(&["--max-stream-age", STREAM_AGE])
        .start()
        .await;
    hub.publish(topic, &chat("before the client")).await;
    hub
}

/// Drives a client that opened a stream of `topic` on `hub` and reports
/// its happenings through `next` (each within [`PATIENCE`]): it must open,
/// be cut off before any event, then, reconnecting by itself, get exactly
/// the events published while it was away, in order, and never a message.
async fn resumes_exactly(
    hub: &TestApp,
    topic: &Topic,
    mut next: impl AsyncFnMut() -> anyhow::Result<String>,
) -> anyhow::Result<()> {
    expect_report(next().await?, "open")?;
    // Nothing is published until the hub has cut the client off, so that
    // the only id it can resume from is the position.
    expect_report(next().await?, "error")?;
    let mut published = Vec::with_capacity(PUBLISHED);
    for index in 0..PUBLISHED {
        let order = Payload::from_json(format!(r#"{{"type":"{KIND}","order":{index}}}"#))?;
        let event = hub.publish(topic, &order).await;
        published.push(event.id.to_string());
    }
    // Proof that the events were published while no stream was open, so
    // that only a resume can deliver them (a client back too early would
    // get them live, position or not).
    let streams = hub
        .topics()
        .await
        .topics
        .into_iter()
        .find(|info| info.topic == *topic)
        .map(|info| info.subscribers);
    ensure!(
        streams == Some(0),
        "the client was back before the events were published ({streams:?} streams of {topic})"
    );

    // One bound for all of them: a client that misses them still reports
    // its reconnects every second or two, so no single wait would end.
    let mut reports = Vec::new();
    let delivery = async {
        let mut delivered = 0;
        while delivered < published.len() {
            let line = next().await?;
            match line.split_once(' ') {
                // Reconnecting: the hub cuts the stream again every second.
                None if line == "open" || line == "error" => {}
                Some(("event", id)) => {
                    ensure!(
                        id == published[delivered],
                        "the client got event {id}, expected {} next of {published:?} \
                         (reported {reports:?} before)",
                        published[delivered]
                    );
                    delivered += 1;
                }
                Some(("message", _)) => bail!("the client saw a message: {line}"),
                _ => bail!("the client reported {line:?}, which no client should"),
            }
            reports.push(line);
        }
        Ok(())
    };
    match time::timeout(PATIENCE, delivery).await {
        Ok(outcome) => outcome,
        Err(_) => bail!(
            "the events {published:?} did not all arrive within {:.1} s; the client reported \
             {reports:?} since they were published",
            PATIENCE.as_secs_f64()
        ),
    }
}

/// Fails unless the client reported `expected`.
fn expect_report(line: String, expected: &str) -> anyhow::Result<()> {
    ensure!(
        line == expected,
        "the client reported {line:?} where it should have reported {expected:?}"
    );
    Ok(())
}
