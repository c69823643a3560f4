//! The page end to end: the real hub serves the trunk-built page to headless
//! Chromium, and a chat message published over HTTP appears on it, live.
//!
//! The page's DOM contract, which these tests rely on:
//! - `#connection` has `data-state` in {connecting, live, reconnecting, stopped};
//! - `ol#events` holds one `<li class="event" data-kind="{kind}" data-id="{id}">`
//!   per event, newest first.

use std::{
    process,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use anyhow::{Context, ensure};
use e2e::Browser;
use fantoccini::Locator;
use herald_dashboard_events::{Chat, Payload};
use herald_wire::Topic;
use herald_wire::protocol::Query;
use testkit::TestApp;

const TOPIC: &str = "e2e/chat";
/// Covers loading and instantiating the wasm bundle and opening the stream.
const LIVE_TIMEOUT: Duration = Duration::from_secs(30);
const EVENT_TIMEOUT: Duration = Duration::from_secs(10);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn published_chat_message_appears_live_on_the_page() -> anyhow::Result<()> {
    let hub = e2e::hub()?.start().await;
    // The screenshot, `page.png`, is taken whatever happened: after a
    // failure it shows what the page showed.
    e2e::with_browsers("page", hub, chat_round_trip).await
}

async fn chat_round_trip(hub: &mut TestApp, [browser]: [&Browser; 1]) -> anyhow::Result<()> {
    let page = browser.client();
    let topic = Topic::parse(TOPIC)?;
    page.goto(&hub.url(&Query::new().topics([&topic]).url("/")))
        .await?;
    page.wait()
        .at_most(LIVE_TIMEOUT)
        .for_element(Locator::Css(r#"#connection[data-state="live"]"#))
        .await
        .context("the page never showed #connection[data-state=\"live\"]")?;

    let text = format!("hello from the test {}", unique());
    let chat = Payload::Chat(Chat {
        author: "e2e".to_owned(),
        text: text.clone(),
    });
    let published = hub.publish(&topic, &chat).await;

    // CSS cannot match on text, so the wait uses the XPath equivalent of
    // `ol#events > li.event[data-kind="chat"]` containing `text`.
    let item = format!(
        "//ol[@id='events']/li[contains(concat(' ', normalize-space(@class), ' '), ' event ') \
         and @data-kind='chat' and contains(., '{text}')]"
    );
    let item = page
        .wait()
        .at_most(EVENT_TIMEOUT)
        .for_element(Locator::XPath(&item))
        .await
        .with_context(|| format!("no chat event containing {text:?} appeared in ol#events"))?;
    let shown = item.text().await?;
    ensure!(
        shown.contains(&text),
        "the event shows {shown:?}, expected it to contain {text:?}"
    );
    let id = published.id.to_string();
    ensure!(
        item.attr("data-id").await?.as_deref() == Some(id.as_str()),
        "the event's data-id is not the published id {id}"
    );
    let newest = page.find(Locator::Css("ol#events > li.event")).await?;
    ensure!(
        newest.attr("data-id").await?.as_deref() == Some(id.as_str()),
        "the newest event in ol#events is not the one just published ({id})"
    );
    Ok(())
}

/// Distinct across runs and concurrent processes.
fn unique() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_nanos());
    format!("{}-{nanos}", process::id())
}
