//! herald.js, the hub's browser client (`/api/client/herald.js`), in
//! headless Chromium against a real hub: the test page
//! (`e2e::herald_js`), served by the hub from `--static-dir` as an app's
//! page would be, imports it and records what `subscribe` tells it.
//!
//! The promises checked: the history, then live events, each once and in
//! order, also from a hub an app nests below a path of its own; every event published while the hub was down arrives after it
//! comes back, whether the browser reconnects by itself or gives up (a
//! 503 while the hub restarts) and herald.js reopens the stream; a resume
//! the hub cannot serve is told as a gap; and a stream the hub refuses
//! stops, with the hub's reason, without a retry.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context, ensure};
use axum::response::Html;
use axum::routing::get;
use e2e::herald_js::{self, events_at_least, open, read, until};
use e2e::unavailable::Unavailable;
use e2e::{
    Browser,
    wait::{self, Check},
};
use fantoccini::Client;
use herald_dashboard_events::Payload;
use herald_hub::Herald;
use herald_wire::protocol::{
    API_PREFIX, CLIENT_PATH, EVENTS_PATH, LAST_EVENT_ID_PARAM, Query, history_path,
};
use herald_wire::{EventId, Topic};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::json;
use testkit::{TestApp, chat};

/// The kind the page listens for.
const KIND: &str = "chat";
/// Where the app of the nesting test puts Herald's routes.
const NEST: &str = "/hub";
/// How long a refused page is watched for retries: several of herald.js's
/// first backoff delays (at most 0.5 s, then 1 s) and of the hub's retry
/// hint (`herald_js::RETRY`).
const NO_RETRY_PERIOD: Duration = Duration::from_secs(2);
/// The hub's token secret in the refusal test.
const SECRET: &str = "the herald.js secret, at least thirty-two bytes long";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_then_live_events_arrive_in_order_each_once() -> anyhow::Result<()> {
    let hub = herald_js::hub().start().await;
    e2e::with_browsers(
        "history_then_live_events_arrive_in_order_each_once",
        hub,
        history_then_live,
    )
    .await
}

async fn history_then_live(hub: &mut TestApp, [browser]: [&Browser; 1]) -> anyhow::Result<()> {
    let page = browser.client();
    let topic = Topic::parse("js/history/orders")?;
    let mut published = publish(hub, &topic, "history", 3);
    // Another kind, in the history and live: the page listens for chat only.
    hub.publish_in_process(&topic, notice());
    let options = json!({ "topics": ["js/history/*"], "kinds": [KIND] });
    open(page, &hub.url("/"), &options).await?;
    let recorded = events_at_least(page, published.len()).await?;
    ensure!(
        recorded.events == published,
        "the history showed {:?}, expected {published:?}",
        recorded.events
    );

    hub.publish_in_process(&topic, notice());
    published.extend(publish(hub, &topic, "live", 3));
    let recorded = events_at_least(page, published.len()).await?;
    ensure!(
        recorded.events == published,
        "the page showed {:?}, expected the history then the live events {published:?}",
        recorded.events
    );
    ensure!(
        recorded.statuses == ["connecting", "live"] && recorded.opened.len() == 1,
        "one stream, connecting then live, expected: {recorded:?}"
    );

    // close() ends the stream: the hub sees its subscriber leave.
    page.execute("window.subscription.close();", Vec::new())
        .await?;
    let recorded = until(page, "the page says closed", |recorded| {
        recorded.state == "closed"
    })
    .await?;
    ensure!(
        recorded.statuses == ["connecting", "live", "closed"],
        "{recorded:?}"
    );
    hub.wait_for_topics(|list| {
        list.topics
            .iter()
            .all(|info| info.topic != topic || info.subscribers == 0)
    })
    .await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nested_in_an_app_the_client_finds_the_routes_beside_it() -> anyhow::Result<()> {
    let herald = Herald::<Payload>::builder().build().await?;
    // The app serves the page, which imports the client from below the nest.
    let page = herald_js::PAGE.replace(CLIENT_PATH, &format!("{NEST}{}", below_api(CLIENT_PATH)));
    let app = axum::Router::new()
        .route("/", get(move || async move { Html(page) }))
        .nest(NEST, herald.router());
    let base = testkit::serve_router(app, herald.shutdown()).await;
    let name = "nested_in_an_app_the_client_finds_the_routes_beside_it";
    let browser = Browser::start(name).await?;
    let outcome = nested(browser.client(), &base, &herald).await;
    let screenshot = match e2e::artifact(&format!("{name}.png")) {
        Ok(path) => browser.save_screenshot(&path).await,
        Err(error) => Err(error),
    };
    let closed = browser.close().await;
    herald.close().await;
    outcome.and(screenshot).and(closed)
}

async fn nested(page: &Client, base: &str, herald: &Herald<Payload>) -> anyhow::Result<()> {
    let topic = Topic::parse("js/nested")?;
    let mut published = vec![herald.publish(&topic, &chat("history")).await?.to_string()];
    let options = json!({ "topics": [topic], "kinds": [KIND] });
    open(page, &format!("{base}/"), &options).await?;
    events_at_least(page, 1).await?;
    published.push(herald.publish(&topic, &chat("live")).await?.to_string());
    let recorded = events_at_least(page, published.len()).await?;
    let nested_stream = format!("{base}{NEST}{}?", below_api(EVENTS_PATH));
    ensure!(
        recorded.events == published
            && recorded.opened.len() == 1
            && recorded.opened[0].starts_with(&nested_stream),
        "the page should have read {published:?} from a stream at {nested_stream}: {recorded:?}"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_event_published_while_the_hub_restarts_arrives_once() -> anyhow::Result<()> {
    let hub = herald_js::hub().start().await;
    e2e::with_browsers(
        "every_event_published_while_the_hub_restarts_arrives_once",
        hub,
        restart,
    )
    .await
}

/// The hub stops (its streams end, connections are refused), so the
/// browser retries by itself with `Last-Event-ID` until it is back.
async fn restart(hub: &mut TestApp, [browser]: [&Browser; 1]) -> anyhow::Result<()> {
    let page = browser.client();
    let topic = Topic::parse("js/restart")?;
    let mut published = publish(hub, &topic, "before", 1);
    open(
        page,
        &hub.url("/"),
        &json!({ "topics": [topic], "kinds": [KIND] }),
    )
    .await?;
    events_at_least(page, 1).await?;

    hub.stop_serving().await.context("the hub failed")?;
    published.extend(publish(hub, &topic, "while down", 3));
    hub.serve_again().await;
    published.extend(publish(hub, &topic, "after", 1));
    let recorded = events_at_least(page, published.len()).await?;
    ensure!(
        recorded.events == published,
        "the page showed {:?}, expected {published:?}",
        recorded.events
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hub_answering_503_while_it_restarts_loses_no_event() -> anyhow::Result<()> {
    let hub = herald_js::hub().start().await;
    e2e::with_browsers(
        "a_hub_answering_503_while_it_restarts_loses_no_event",
        hub,
        unavailable,
    )
    .await
}

/// While the hub is down its address answers 503: the browser gives up on
/// the stream for good, and herald.js must reopen it from the last event
/// it delivered.
async fn unavailable(hub: &mut TestApp, [browser]: [&Browser; 1]) -> anyhow::Result<()> {
    let page = browser.client();
    let topic = Topic::parse("js/unavailable")?;
    let mut published = publish(hub, &topic, "before", 2);
    open(
        page,
        &hub.url("/"),
        &json!({ "topics": [topic], "kinds": [KIND] }),
    )
    .await?;
    events_at_least(page, published.len()).await?;
    let last_seen = published.last().cloned().unwrap_or_default();

    hub.stop_serving().await.context("the hub failed")?;
    let stand_in = Unavailable::bind(hub.address).await?;
    published.extend(publish(hub, &topic, "while down", 3));
    // A delay in the status is herald.js's own backoff: the browser gave up.
    let recorded = until(page, "herald.js retries by itself", |recorded| {
        recorded.state == "reconnecting" && !recorded.detail.is_empty()
    })
    .await?;
    let answered = stand_in.stop().await;
    ensure!(
        answered >= 2,
        "the stand-in answered {answered} requests, expected the stream and its check: {recorded:?}"
    );
    hub.serve_again().await;

    let recorded = events_at_least(page, published.len()).await?;
    ensure!(
        recorded.events == published,
        "the page showed {:?}, expected {published:?}",
        recorded.events
    );
    let resume = Query::new()
        .param(LAST_EVENT_ID_PARAM, &last_seen)
        .as_str()
        .to_owned();
    ensure!(
        recorded.opened.len() >= 2
            && recorded
                .opened
                .iter()
                .skip(1)
                .all(|url| url.contains(&resume)),
        "herald.js should have reopened the stream with {resume}: {recorded:?}"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resume_from_another_run_is_told_as_a_gap() -> anyhow::Result<()> {
    let hub = herald_js::hub().start().await;
    e2e::with_browsers("a_resume_from_another_run_is_told_as_a_gap", hub, gap).await
}

async fn gap(hub: &mut TestApp, [browser]: [&Browser; 1]) -> anyhow::Result<()> {
    let page = browser.client();
    let topic = Topic::parse("js/gap")?;
    let kept = publish(hub, &topic, "kept", 2);
    // An id of another run of the hub (epoch 1): the hub cannot tell what
    // the client missed, says so, and sends what it keeps.
    let other_run = EventId::new(1, 1).to_string();
    let options = json!({ "topics": [topic], "kinds": [KIND], "after": other_run });
    open(page, &hub.url("/"), &options).await?;
    let recorded = events_at_least(page, kept.len()).await?;
    ensure!(
        recorded.events == kept,
        "the page showed {:?}, expected the kept events {kept:?}",
        recorded.events
    );
    ensure!(
        recorded.gaps.len() == 1
            && recorded.gaps[0].topic == topic.as_str()
            && recorded.gaps[0].after == other_run
            && EventId::parse(&recorded.gaps[0].through).is_ok(),
        "one gap on {topic} after {other_run} expected: {recorded:?}"
    );
    ensure!(
        recorded.fetched.is_empty(),
        "a resume loads no history: {recorded:?}"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_stream_stops_with_the_hubs_reason_and_no_retry() -> anyhow::Result<()> {
    let hub = herald_js::hub().tokens(SECRET, "private/*").start().await;
    e2e::with_browsers(
        "a_refused_stream_stops_with_the_hubs_reason_and_no_retry",
        hub,
        refused,
    )
    .await
}

async fn refused(hub: &mut TestApp, [browser]: [&Browser; 1]) -> anyhow::Result<()> {
    let page = browser.client();
    let topic = Topic::parse("private/js")?;
    let first = hub.publish_in_process(&topic, chat("private first"));
    let (_, refusal) = hub.get_refused(&history_path([&topic], 100)).await;

    // Refused at the history: no stream is opened.
    open(
        page,
        &hub.url("/"),
        &json!({ "topics": [topic], "kinds": [KIND] }),
    )
    .await?;
    stays_refused(page, &refusal.message, 0, 1).await?;

    // Resuming, without history: the stream is refused, the browser gives
    // up, and herald.js learns why from one request, then stops.
    let options = json!({ "topics": [topic], "kinds": [KIND], "after": first.to_string() });
    open(page, &hub.url("/"), &options).await?;
    stays_refused(page, &refusal.message, 1, 1).await?;

    // With a token that may read the topic, the same page goes live.
    let options = json!({ "topics": [topic], "kinds": [KIND], "token": token(&["private/*"]) });
    open(page, &hub.url("/"), &options).await?;
    let recorded = until(page, "the page is live with the event", |recorded| {
        recorded.state == "live" && !recorded.events.is_empty()
    })
    .await?;
    ensure!(recorded.events == [first.to_string()], "{recorded:?}");
    Ok(())
}

/// Waits until the page is refused with `message`, then watches it stay
/// so, with `streams` streams opened and `requests` requests made.
async fn stays_refused(
    page: &Client,
    message: &str,
    streams: usize,
    requests: usize,
) -> anyhow::Result<()> {
    let recorded = until(page, "the page is refused", |recorded| {
        recorded.state == "refused"
    })
    .await?;
    ensure!(
        recorded.detail == message,
        "refused with {:?}, expected the hub's reason {message:?}",
        recorded.detail
    );
    let what = format!("the page stays refused after {streams} streams and {requests} requests");
    wait::holds_for(NO_RETRY_PERIOD, &what, async || {
        let recorded = read(page).await?;
        Ok(
            if recorded.state == "refused"
                && recorded.opened.len() == streams
                && recorded.fetched.len() == requests
            {
                Check::Done(())
            } else {
                Check::NotYet(format!("{recorded:?}"))
            },
        )
    })
    .await
}

/// Publishes `count` chat messages to `topic` in process; their ids.
fn publish(hub: &TestApp, topic: &Topic, text: &str, count: usize) -> Vec<String> {
    (0..count)
        .map(|index| {
            hub.publish_in_process(topic, chat(&format!("{text} {index}")))
                .to_string()
        })
        .collect()
}

/// An event of a kind the page does not listen for.
fn notice() -> Payload {
    Payload::from_json(r#"{"type":"notice","level":"info","text":"not listened for"}"#)
        .expect("a notice is one of the binary's kinds")
}

/// A token of [`SECRET`] that may read `subscribe`, valid for an hour.
fn token(subscribe: &[&str]) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs());
    let claims = json!({ "herald": { "publish": [], "subscribe": subscribe }, "exp": now + 3600 });
    let key = EncodingKey::from_secret(SECRET.as_bytes()).expect("an HMAC key takes any secret");
    jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &key)
        .expect("signing with an HMAC key cannot fail")
}

/// A path of the protocol below the API's prefix, where an app nests it.
fn below_api(path: &str) -> &str {
    path.strip_prefix(API_PREFIX).unwrap_or(path)
}
