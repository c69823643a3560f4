//! Bounded waits on the page: for an element to exist, or for a condition
//! on the DOM to hold. Both poll every [`POLL_INTERVAL`] until a deadline;
//! neither sleeps for a fixed time and hopes.
//!
//! The page re-renders as events arrive, so a condition is checked from a
//! fresh lookup each time, and an element that vanished between the lookup
//! and the read counts as "not yet" rather than as a failure.

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use fantoccini::{
    Client, Locator,
    elements::Element,
    error::{CmdError, ErrorStatus},
};
use tokio::time;

/// How often a condition is checked again.
pub const POLL_INTERVAL: Duration = Duration::from_millis(50);

/// The answer of one check of a condition.
#[derive(Debug)]
pub enum Check<T> {
    /// The condition holds, with what the test wanted to read.
    Done(T),
    /// Not yet; what the page showed, for the error after the deadline.
    NotYet(String),
}

/// Checks `check` every [`POLL_INTERVAL`] until it is [`Check::Done`], for
/// at most `timeout`.
///
/// # Errors
/// Fails when `check` fails, or after `timeout`, naming `what` was awaited
/// and the last thing the page showed.
pub async fn until<T>(
    timeout: Duration,
    what: &str,
    mut check: impl AsyncFnMut() -> anyhow::Result<Check<T>>,
) -> anyhow::Result<T> {
    let deadline = Instant::now() + timeout;
    loop {
        let last = match check()
            .await
            .with_context(|| format!("while waiting until {what}"))?
        {
            Check::Done(value) => return Ok(value),
            Check::NotYet(seen) => seen,
        };
        if Instant::now() >= deadline {
            bail!(
                "timed out after {:.1} s waiting until {what}; last seen: {last}",
                timeout.as_secs_f64()
            );
        }
        time::sleep(POLL_INTERVAL).await;
    }
}

/// Waits for the first element that `css` matches.
///
/// # Errors
/// Fails after `timeout` without a match, naming the selector.
pub async fn element(page: &Client, css: &str, timeout: Duration) -> anyhow::Result<Element> {
    page.wait()
        .at_most(timeout)
        .every(POLL_INTERVAL)
        .for_element(Locator::Css(css))
        .await
        .with_context(|| {
            format!(
                "nothing matched `{css}` within {:.1} s",
                timeout.as_secs_f64()
            )
        })
}

/// Waits for the first element that the XPath `xpath` matches; `what`
/// describes it for the error.
///
/// # Errors
/// Fails after `timeout` without a match.
pub async fn xpath(
    page: &Client,
    xpath: &str,
    what: &str,
    timeout: Duration,
) -> anyhow::Result<Element> {
    page.wait()
        .at_most(timeout)
        .every(POLL_INTERVAL)
        .for_element(Locator::XPath(xpath))
        .await
        .with_context(|| {
            format!(
                "no {what} appeared within {:.1} s (XPath {xpath})",
                timeout.as_secs_f64()
            )
        })
}

/// Waits until `#connection` has `data-state="{state}"`.
///
/// # Errors
/// Fails after `timeout`, naming the state the page showed last.
pub async fn connection_state(
    page: &Client,
    state: &str,
    timeout: Duration,
) -> anyhow::Result<Element> {
    until(
        timeout,
        &format!("#connection has data-state=\"{state}\""),
        async || {
            let Some(connection) = find(page, "#connection").await? else {
                return Ok(Check::NotYet("no #connection element".to_owned()));
            };
            match attr(&connection, "data-state").await? {
                Some(Some(shown)) if shown == state => Ok(Check::Done(connection)),
                Some(Some(shown)) => Ok(Check::NotYet(format!("data-state=\"{shown}\""))),
                Some(None) => Ok(Check::NotYet("#connection without data-state".to_owned())),
                None => Ok(Check::NotYet("#connection was re-rendered".to_owned())),
            }
        },
    )
    .await
}

/// Waits until the first element `css` matches shows a text containing
/// `needle`, and returns that text.
///
/// # Errors
/// Fails after `timeout`, naming what the element showed last.
pub async fn text_contains(
    page: &Client,
    css: &str,
    needle: &str,
    timeout: Duration,
) -> anyhow::Result<String> {
    until(timeout, &format!("`{css}` shows {needle:?}"), async || {
        let Some(element) = find(page, css).await? else {
            return Ok(Check::NotYet(format!("no `{css}`")));
        };
        Ok(match text(&element).await? {
            Some(shown) if shown.contains(needle) => Check::Done(shown),
            Some(shown) => Check::NotYet(format!("`{css}` shows {shown:?}")),
            None => Check::NotYet(format!("`{css}` was re-rendered")),
        })
    })
    .await
}

/// Checks `check` every [`POLL_INTERVAL`] for `period`, and fails as soon
/// as it does not hold. This is for what must *not* happen (a page that
/// must not retry): there is no event to wait for, so the test watches for
/// a bounded time, chosen to span several of whatever it rules out.
///
/// # Errors
/// Fails when `check` fails or finds the condition broken, with what the
/// page showed.
pub async fn holds_for(
    period: Duration,
    what: &str,
    mut check: impl AsyncFnMut() -> anyhow::Result<Check<()>>,
) -> anyhow::Result<()> {
    let deadline = Instant::now() + period;
    while Instant::now() < deadline {
        match check()
            .await
            .with_context(|| format!("while checking that {what}"))?
        {
            Check::Done(()) => time::sleep(POLL_INTERVAL).await,
            Check::NotYet(seen) => bail!("expected {what}, but the page showed: {seen}"),
        }
    }
    Ok(())
}

/// The first element `css` matches, or `None` when there is none.
///
/// # Errors
/// Fails when the browser does not answer.
pub async fn find(page: &Client, css: &str) -> anyhow::Result<Option<Element>> {
    match page.find(Locator::Css(css)).await {
        Ok(element) => Ok(Some(element)),
        Err(error) if is_gone(&error) => Ok(None),
        Err(error) => Err(error).with_context(|| format!("cannot look up `{css}`")),
    }
}

/// `element`'s attribute `name`: `None` when the element left the page
/// since it was found, `Some(None)` when it lacks the attribute.
///
/// # Errors
/// Fails when the browser does not answer.
pub async fn attr(element: &Element, name: &str) -> anyhow::Result<Option<Option<String>>> {
    match element.attr(name).await {
        Ok(value) => Ok(Some(value)),
        Err(error) if is_gone(&error) => Ok(None),
        Err(error) => Err(error).with_context(|| format!("cannot read the attribute {name}")),
    }
}

/// `element`'s rendered text, or `None` when it left the page since it was
/// found.
///
/// # Errors
/// Fails when the browser does not answer.
pub async fn text(element: &Element) -> anyhow::Result<Option<String>> {
    match element.text().await {
        Ok(text) => Ok(Some(text)),
        Err(error) if is_gone(&error) => Ok(None),
        Err(error) => Err(error).context("cannot read an element's text"),
    }
}

/// Whether `error` only says the element is not (or no longer) there.
fn is_gone(error: &CmdError) -> bool {
    matches!(
        error,
        CmdError::Standard(failure)
            if matches!(
                failure.error,
                ErrorStatus::NoSuchElement | ErrorStatus::StaleElementReference
            )
    )
}

/// An XPath string literal for `text`, which may hold either kind of quote.
pub fn literal(text: &str) -> String {
    if !text.contains('\'') {
        format!("'{text}'")
    } else if !text.contains('"') {
        format!("\"{text}\"")
    } else {
        let parts: Vec<String> = text.split('\'').map(|part| format!("'{part}'")).collect();
        format!("concat({})", parts.join(", \"'\", "))
    }
}

/// The XPath test for an element whose `class` list holds `class`, the
/// equivalent of CSS `.{class}`.
pub fn has_class(class: &str) -> String {
    format!("contains(concat(' ', normalize-space(@class), ' '), ' {class} ')")
}
