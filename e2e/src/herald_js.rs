//! The test page of herald.js (`e2e/herald-js/index.html`), spelled once:
//! a hub that serves it, loading it with `subscribe`'s options, and what
//! it recorded, read back as one [`Recorded`].
//!
//! The page is an app's page as the hub serves one from `--static-dir`
//! (under its Content-Security-Policy), importing the client from the
//! hub. Its DOM contract, which its own comment states too: `#status`
//! carries `data-state` and `data-detail` of the newest `onStatus`;
//! `#statuses`, `#events` and `#gaps` hold an `li` per call, with the
//! state, the event's `data-id`, the gap's fields; `window.opened` and
//! `window.fetched` list the URLs of the streams and requests herald.js
//! made.

use std::{path::Path, time::Duration};

use anyhow::Context;
use fantoccini::Client;
use herald_wire::protocol::Query;
use serde::Deserialize;
use serde_json::Value;
use testkit::{Builder, PATIENCE, TestApp};

use crate::wait::{self, Check};

/// The page's directory.
const PAGE_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/herald-js");
/// The page itself, for an app that serves it from a route of its own; it
/// imports herald.js from the `herald` binary's `CLIENT_PATH`.
pub const PAGE: &str = include_str!("../herald-js/index.html");
/// The page's query parameter holding `subscribe`'s options as JSON.
const OPTIONS_PARAM: &str = "options";
/// The SSE `retry:` hint of [`hub`]: short, so the browser's own
/// reconnects are quick.
pub const RETRY: Duration = Duration::from_millis(200);

/// What the page recorded, read from its DOM and globals.
const RECORDED: &str = "
    const all = (css) => [...document.querySelectorAll(css)];
    const status = document.getElementById('status');
    return {
        state: status.dataset.state,
        detail: status.dataset.detail ?? '',
        statuses: all('#statuses li').map((li) => li.dataset.state),
        events: all('#events li').map((li) => li.dataset.id),
        gaps: all('#gaps li').map((li) => ({ ...li.dataset })),
        opened: window.opened ?? [],
        fetched: window.fetched ?? [],
    };";

/// Everything the page was told, and what herald.js asked the hub.
#[derive(Debug, Deserialize)]
pub struct Recorded {
    /// The newest status.
    pub state: String,
    /// Its detail (a delay, a reason), empty when it had none.
    pub detail: String,
    /// Every status, in order.
    pub statuses: Vec<String>,
    /// The id of every event delivered, in order.
    pub events: Vec<String>,
    /// Every gap delivered, in order.
    pub gaps: Vec<RecordedGap>,
    /// The URL of every `EventSource` herald.js made.
    pub opened: Vec<String>,
    /// The URL of every request herald.js made with `fetch`.
    pub fetched: Vec<String>,
}

/// A gap as the page recorded it.
#[derive(Debug, Deserialize, PartialEq, Eq)]
pub struct RecordedGap {
    /// The topic, or pattern, that lost events.
    pub topic: String,
    /// The client's position.
    pub after: String,
    /// The newest id that may be missing.
    pub through: String,
}

/// A hub serving the page, with [`RETRY`] as its retry hint, to configure
/// further and start.
pub fn hub() -> Builder {
    TestApp::builder()
        .static_dir(Path::new(PAGE_DIR))
        .retry(RETRY)
}

/// Loads the page at `url` (`hub.url("/")`, say) with `options` for
/// `subscribe` (without the callbacks, which the page sets) and waits
/// until it has subscribed.
///
/// # Errors
/// Fails when the page does not load or never reports a status.
pub async fn open(page: &Client, url: &str, options: &Value) -> anyhow::Result<()> {
    let query = Query::new().param(OPTIONS_PARAM, &options.to_string());
    page.goto(&format!("{url}?{}", query.as_str())).await?;
    until(page, "the page subscribed", |recorded| {
        !recorded.statuses.is_empty()
    })
    .await
    .map(drop)
}

/// What the page recorded so far.
///
/// # Errors
/// Fails when the browser does not answer or the page is not the test page.
pub async fn read(page: &Client) -> anyhow::Result<Recorded> {
    let value = page.execute(RECORDED, Vec::new()).await?;
    serde_json::from_value(value).context("the page's record")
}

/// Waits until what the page recorded passes `check`, for [`PATIENCE`];
/// `what` names the condition in the error.
///
/// # Errors
/// Fails after [`PATIENCE`], with the last record.
pub async fn until(
    page: &Client,
    what: &str,
    check: impl Fn(&Recorded) -> bool,
) -> anyhow::Result<Recorded> {
    wait::until(PATIENCE, what, async || {
        let recorded = read(page).await?;
        Ok(if check(&recorded) {
            Check::Done(recorded)
        } else {
            Check::NotYet(format!("{recorded:?}"))
        })
    })
    .await
}

/// Waits until the page has shown at least `count` events.
///
/// # Errors
/// As [`until`].
pub async fn events_at_least(page: &Client, count: usize) -> anyhow::Result<Recorded> {
    until(
        page,
        &format!("the page shows {count} events"),
        |recorded| recorded.events.len() >= count,
    )
    .await
}
