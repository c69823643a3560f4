//! The dashboard against a hub that checks tokens: a private topic without
//! a token is refused and the page says why instead of retrying; a token
//! entered in the page opens the stream and is sent with publishes, and a
//! new one resumes the stream after the last event the page saw; a token
//! in the `herald_token` cookie opens it with the Token field empty.
//!
//! The page's DOM contract, beyond `dashboard.rs`'s:
//! - `#connection` has `data-state="stopped"` and
//!   `data-reason="not-authorised"` when the hub refused the stream, and
//!   shows the hub's message;
//! - `form#token` has a password `input[name="token"]` and a submit button;
//!   it has `data-set="true"` while a token is in use.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context, ensure};
use e2e::{
    Browser,
    dashboard::{chat_message_xpath, enter_token, submit_chat},
    wait::{self, Check},
};
use fantoccini::Client;
use fantoccini::cookies::Cookie;
use herald_dashboard_events::{Chat, Payload};
use herald_wire::protocol::{API_PREFIX, Query, TOKEN_COOKIE, TOPICS_PATH, stream_path};
use herald_wire::{ErrorCode, Topic};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::StatusCode;
use serde_json::json;
use testkit::TestApp;

/// The hub's token secret in these tests.
const SECRET: &str = "the e2e secret, at least thirty-two bytes long";
/// The private topics of these tests' hubs.
const PRIVATE: &str = "private/*";
/// Covers loading and instantiating the wasm bundle and opening the stream.
const LOAD_TIMEOUT: Duration = Duration::from_secs(30);
/// From an action on the page (or a publish) to the page showing it.
const EVENT_TIMEOUT: Duration = Duration::from_secs(10);
/// The SSE `retry:` hint, short so a page that did retry would do so often.
const RETRY: Duration = Duration::from_millis(200);
/// How long a refused page is watched for retries: several times the
/// first backoff delays (0.5 s, 1 s) and [`RETRY`].
const NO_RETRY_PERIOD: Duration = Duration::from_secs(3);

/// Makes the page's `EventSource`s from now on recordable, in
/// `window.__heraldSources`.
const RECORD_EVENT_SOURCES: &str = "
    window.__heraldSources = [];
    const Original = window.EventSource;
    window.EventSource = class extends Original {
        constructor(url, init) { super(url, init); window.__heraldSources.push(this); }
    };";
/// The URLs of the recorded sources that are open.
const OPEN_EVENT_SOURCES: &str = "return window.__heraldSources.filter(source => source.readyState === 1).map(source => source.url);";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_private_topic_needs_a_token_and_goes_live_with_one() -> anyhow::Result<()> {
    let hub = e2e::hub()?
        .tokens(SECRET, PRIVATE)
        .retry(RETRY)
        .start()
        .await;
    e2e::with_browsers(
        "a_private_topic_needs_a_token_and_goes_live_with_one",
        hub,
        private_topic,
    )
    .await
}

async fn private_topic(hub: &mut TestApp, [browser]: [&Browser; 1]) -> anyhow::Result<()> {
    let page = browser.client();
    let topic = Topic::parse("private/e2e")?;

    // What the hub answers the page's stream, straight from the hub.
    let (status, refusal) = hub.get_refused(&stream_path([&topic], None)).await;
    ensure!(
        status == StatusCode::UNAUTHORIZED && refusal.code == ErrorCode::Unauthorized,
        "the hub answered {status} {refusal:?} to a stream of {topic} without a token, \
         expected 401 unauthorized"
    );

    page.goto(&hub.url(&Query::new().topics([&topic]).url("/")))
        .await?;
    let shown = not_authorised(page).await?;
    ensure!(
        shown.contains(&refusal.message),
        "#connection shows {shown:?}, without the hub's reason {:?}",
        refusal.message
    );
    wait::holds_for(
        NO_RETRY_PERIOD,
        "#connection stays stopped (no reconnecting)",
        async || {
            let Some(connection) = wait::find(page, "#connection").await? else {
                return Ok(Check::NotYet("no #connection element".to_owned()));
            };
            Ok(match wait::attr(&connection, "data-state").await? {
                Some(Some(state)) if state == "stopped" => Check::Done(()),
                Some(Some(state)) => Check::NotYet(format!("data-state=\"{state}\"")),
                // Re-rendered between lookup and read: look again.
                _ => Check::Done(()),
            })
        },
    )
    .await?;

    enter_token(page, &token(&[], &[PRIVATE])).await?;
    wait::connection_state(page, "live", EVENT_TIMEOUT).await?;
    let text = format!("private hello {}", std::process::id());
    let first = hub.publish_in_process(&topic, chat(&text));
    wait::xpath(
        page,
        &chat_message_xpath(&text),
        "chat message published to the private topic",
        EVENT_TIMEOUT,
    )
    .await?;

    // Cleared, the token is no longer sent: the page is refused again.
    // Another token then resumes the stream after the last event the page
    // saw, not after the newest in the history, so the hub replays what was
    // published meanwhile (or says what it lost). The new stream is watched
    // through a recording `EventSource`.
    page.execute(RECORD_EVENT_SOURCES, Vec::new()).await?;
    wait::element(page, "button#clear-token", EVENT_TIMEOUT)
        .await?
        .click()
        .await?;
    not_authorised(page).await?;
    let later = format!("second private message {}", std::process::id());
    hub.publish_in_process(&topic, chat(&later));
    enter_token(page, &token(&["private/*"], &[PRIVATE])).await?;
    let resume = Query::new().after(Some(first)).as_str().to_owned();
    wait::until(
        EVENT_TIMEOUT,
        &format!("a new stream with {resume} is open"),
        async || {
            let urls = page.execute(OPEN_EVENT_SOURCES, Vec::new()).await?;
            let urls: Vec<String> =
                serde_json::from_value(urls).context("the open sources' URLs")?;
            Ok(if urls.iter().any(|url| url.contains(&resume)) {
                Check::Done(())
            } else {
                Check::NotYet(format!("open streams: {urls:?}"))
            })
        },
    )
    .await?;
    wait::xpath(
        page,
        &chat_message_xpath(&later),
        "chat message published while the page had no token",
        EVENT_TIMEOUT,
    )
    .await?;

    // The token is kept for the tab: a reload goes live again with it.
    page.refresh().await?;
    wait::connection_state(page, "live", LOAD_TIMEOUT).await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_private_topic_goes_live_with_a_token_cookie_and_no_token_field() -> anyhow::Result<()> {
    let hub = e2e::hub()?
        .tokens(SECRET, PRIVATE)
        .retry(RETRY)
        .start()
        .await;
    e2e::with_browsers(
        "a_private_topic_goes_live_with_a_token_cookie_and_no_token_field",
        hub,
        cookie_token,
    )
    .await
}

async fn cookie_token(hub: &mut TestApp, [browser]: [&Browser; 1]) -> anyhow::Result<()> {
    let page = browser.client();
    let topic = Topic::parse("private/e2e-cookie")?;
    let page_url = hub.url(&Query::new().topics([&topic]).url("/"));

    // Without the cookie (and with the Token field empty) the hub refuses.
    page.goto(&page_url).await?;
    not_authorised(page).await?;
    ensure!(
        wait::find(page, r#"form#token[data-set="true"]"#)
            .await?
            .is_none(),
        "the Token field holds a token in a fresh browser"
    );

    // The cookie as docs/security.md recommends, where WebDriver allows it:
    // HttpOnly, SameSite=Strict, Path=/api. Not Secure: this hub speaks
    // plain HTTP, where a browser may refuse a Secure cookie. WebDriver
    // takes it for the current page's host, the hub's, named explicitly
    // (chromedriver refuses a cookie without a domain).
    let current = page.current_url().await?;
    let host = current.host_str().context("the hub's page has a host")?;
    let cookie = format!(
        "{TOKEN_COOKIE}={}; HttpOnly; SameSite=Strict; Path={API_PREFIX}; Domain={host}",
        token(&[], &[PRIVATE])
    );
    let cookie = Cookie::parse(cookie).context("the test's cookie parses")?;
    page.add_cookie(cookie).await?;
    page.goto(&page_url).await?;
    wait::connection_state(page, "live", LOAD_TIMEOUT).await?;
    let text = format!("private by cookie {}", std::process::id());
    hub.publish_in_process(&topic, chat(&text));
    wait::xpath(
        page,
        &chat_message_xpath(&text),
        "chat message published to the private topic, read with the cookie",
        EVENT_TIMEOUT,
    )
    .await?;
    ensure!(
        wait::find(page, r#"form#token[data-set="true"]"#)
            .await?
            .is_none(),
        "the Token field took a token: the stream was not opened by the cookie alone"
    );

    // WebDriver and `document.cookie` see only the cookies a document's
    // own URL would be sent, so both look from a page under /api. There,
    // HttpOnly keeps the token from scripts.
    page.goto(&hub.url(TOPICS_PATH)).await?;
    let cookies = page.execute("return document.cookie;", Vec::new()).await?;
    ensure!(
        !cookies.as_str().unwrap_or_default().contains(TOKEN_COOKIE),
        "a script under {API_PREFIX} can read the token cookie: {cookies}"
    );

    // The cookie gone, the same page is refused again.
    page.delete_cookie(TOKEN_COOKIE).await?;
    page.goto(&page_url).await?;
    not_authorised(page).await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publishing_from_the_form_needs_a_token_that_allows_it() -> anyhow::Result<()> {
    let hub = e2e::hub()?.tokens(SECRET, PRIVATE).start().await;
    e2e::with_browsers(
        "publishing_from_the_form_needs_a_token_that_allows_it",
        hub,
        publish_with_token,
    )
    .await
}

async fn publish_with_token(hub: &mut TestApp, [browser]: [&Browser; 1]) -> anyhow::Result<()> {
    let page = browser.client();
    let topic = Topic::parse("chat/e2e-tokens")?;
    page.goto(&hub.url(&Query::new().topics([&topic]).url("/")))
        .await?;
    wait::connection_state(page, "live", LOAD_TIMEOUT).await?;

    let text = format!("form hello {}", std::process::id());
    let (status, refusal) = hub.publish_refused(topic.as_str(), &chat(&text)).await;
    ensure!(
        status == StatusCode::UNAUTHORIZED && refusal.code == ErrorCode::Unauthorized,
        "the hub answered {status} {refusal:?} to a publish without a token, \
         expected 401 unauthorized"
    );
    submit_chat(page, topic.as_str(), "e2e", &text).await?;
    let shown =
        wait::text_contains(page, "#publish-error", &refusal.message, EVENT_TIMEOUT).await?;
    ensure!(
        shown.starts_with("Not authorised"),
        "#publish-error shows {shown:?}, which does not say it was not authorised"
    );

    enter_token(page, &token(&["chat/*"], &[])).await?;
    wait::element(page, r#"form#token[data-set="true"]"#, EVENT_TIMEOUT).await?;
    submit_chat(page, topic.as_str(), "e2e", &text).await?;
    wait::xpath(
        page,
        &chat_message_xpath(&text),
        "chat message published from the form with a token",
        EVENT_TIMEOUT,
    )
    .await?;
    ensure!(
        wait::find(page, "#publish-error").await?.is_none(),
        "#publish-error is still shown after a publish the hub accepted"
    );
    Ok(())
}

/// Waits until `#connection` says the hub refused the stream, and returns
/// what it shows.
async fn not_authorised(page: &Client) -> anyhow::Result<String> {
    let connection = wait::connection_state(page, "stopped", LOAD_TIMEOUT).await?;
    let reason = connection
        .attr("data-reason")
        .await
        .context("cannot read #connection's data-reason")?;
    ensure!(
        reason.as_deref() == Some("not-authorised"),
        "#connection stopped with data-reason={reason:?}, expected \"not-authorised\""
    );
    wait::text_contains(page, "#connection", "Not authorised", EVENT_TIMEOUT).await
}

/// A token of [`SECRET`] that may publish and subscribe to these patterns,
/// valid for an hour.
fn token(publish: &[&str], subscribe: &[&str]) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs());
    let claims = json!({
        "herald": { "publish": publish, "subscribe": subscribe },
        "exp": now + 3600,
    });
    let key = EncodingKey::from_secret(SECRET.as_bytes()).expect("an HMAC key takes any secret");
    jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &key)
        .expect("signing with an HMAC key cannot fail")
}

fn chat(text: &str) -> Payload {
    Payload::Chat(Chat {
        author: "e2e".to_owned(),
        text: text.to_owned(),
    })
}
