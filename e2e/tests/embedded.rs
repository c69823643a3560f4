//! The page built into the hub: started without `--static-dir`, from a
//! directory with no `dist/`, the hub serves the dashboard from its own
//! binary, and it works in headless Chromium; the wasm goes out with its
//! type, gzipped to a client that takes gzip, and a revalidation with its
//! ETag gets 304.
//!
//! The hub must have been built with `HERALD_EMBED_DIR` naming the built
//! page (`cargo xtask test` and `ci` do that); without it this test fails,
//! saying so.

use std::{env, fs, path::PathBuf, process, time::Duration};

use anyhow::{Context, ensure};
use e2e::{Browser, wait};
use herald_dashboard_events::{Chat, Payload};
use herald_wire::Topic;
use herald_wire::protocol::Query;
use reqwest::{StatusCode, header};
use testkit::TestApp;

const TOPIC: &str = "e2e/embedded";
/// Covers loading and instantiating the wasm bundle and opening the stream.
const LIVE_TIMEOUT: Duration = Duration::from_secs(30);
const EVENT_TIMEOUT: Duration = Duration::from_secs(10);
/// The first bytes of every gzip stream, and of every wasm module.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
const WASM_MAGIC: [u8; 4] = *b"\0asm";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hub_serves_its_embedded_page_with_no_dist_around() -> anyhow::Result<()> {
    ensure!(
        herald_hub::embeds_page(),
        "the hub was built without the page inside: build the page with \
         `cargo xtask page`, then the tests with `HERALD_EMBED_DIR=dist` \
         (`cargo xtask test` does both)"
    );
    // The only test in this binary, so no other test sees the move: the
    // hub runs where no `dist/` could be served from.
    let empty = empty_dir()?;
    env::set_current_dir(&empty)
        .with_context(|| format!("cannot work from {}", empty.display()))?;

    let hub = TestApp::builder().embedded_page().start().await;
    // Leaves `embedded.png`, whatever happened.
    let outcome = e2e::with_browsers("embedded", hub, check).await;
    let removed =
        fs::remove_dir(&empty).with_context(|| format!("cannot remove {}", empty.display()));
    outcome.and(removed)
}

async fn check(hub: &mut TestApp, [browser]: [&Browser; 1]) -> anyhow::Result<()> {
    renders_live(hub, browser).await?;
    let http = reqwest::Client::new();
    let page = http.get(hub.url("/")).send().await?.text().await?;
    let wasm = hub.url(&asset_path(&page, "_bg.wasm")?);

    let plain = http.get(&wasm).send().await?;
    ensure!(
        plain.status() == StatusCode::OK,
        "GET {wasm}: {}",
        plain.status()
    );
    ensure!(
        header_of(&plain, header::CONTENT_TYPE) == "application/wasm",
        "GET {wasm}: Content-Type {:?}",
        header_of(&plain, header::CONTENT_TYPE)
    );
    ensure!(
        header_of(&plain, header::CACHE_CONTROL).contains("immutable"),
        "GET {wasm}: Cache-Control {:?}, expected the hashed file to be immutable",
        header_of(&plain, header::CACHE_CONTROL)
    );
    let etag = header_of(&plain, header::ETAG);
    ensure!(
        plain.bytes().await?.starts_with(&WASM_MAGIC),
        "GET {wasm}: not a wasm module"
    );

    let gzipped = http
        .get(&wasm)
        .header(header::ACCEPT_ENCODING, "gzip")
        .send()
        .await?;
    ensure!(
        header_of(&gzipped, header::CONTENT_ENCODING) == "gzip",
        "GET {wasm} accepting gzip: Content-Encoding {:?}",
        header_of(&gzipped, header::CONTENT_ENCODING)
    );
    ensure!(
        gzipped.bytes().await?.starts_with(&GZIP_MAGIC),
        "GET {wasm} accepting gzip: the body is not gzip"
    );

    let revalidated = http
        .get(&wasm)
        .header(header::IF_NONE_MATCH, &etag)
        .send()
        .await?;
    ensure!(
        revalidated.status() == StatusCode::NOT_MODIFIED,
        "GET {wasm} with If-None-Match {etag}: {}, expected 304",
        revalidated.status()
    );
    ensure!(
        revalidated.bytes().await?.is_empty(),
        "GET {wasm}: the 304 has a body"
    );
    Ok(())
}

/// Loads the dashboard, waits for it to go live and for a published chat
/// message to show, as `page.rs` does with the page from `dist/`.
async fn renders_live(hub: &TestApp, browser: &Browser) -> anyhow::Result<()> {
    let page = browser.client();
    let topic = Topic::parse(TOPIC)?;
    page.goto(&hub.url(&Query::new().topics([&topic]).url("/")))
        .await?;
    wait::connection_state(page, "live", LIVE_TIMEOUT).await?;
    let text = format!("served from the binary {}", process::id());
    let chat = Payload::Chat(Chat {
        author: "e2e".to_owned(),
        text: text.clone(),
    });
    hub.publish(&topic, &chat).await;
    let item = format!(
        "//ol[@id='events']/li[{} and @data-kind='chat' and contains(., {})]",
        wait::has_class("event"),
        wait::literal(&text)
    );
    wait::xpath(page, &item, "chat event", EVENT_TIMEOUT).await?;
    Ok(())
}

/// The path of the file the page links whose name ends in `suffix`, from
/// its `href="…"` or `src="…"`.
fn asset_path(page: &str, suffix: &str) -> anyhow::Result<String> {
    let end = page
        .find(suffix)
        .with_context(|| format!("the page links no file ending in {suffix}: {page}"))?
        + suffix.len();
    let start = page[..end].rfind(['"', '\'']).map_or(0, |quote| quote + 1);
    let path = &page[start..end];
    Ok(if path.starts_with('/') {
        path.to_owned()
    } else {
        format!("/{path}")
    })
}

/// `name`'s value in `response`, or "" without one.
fn header_of(response: &reqwest::Response, name: header::HeaderName) -> String {
    response
        .headers()
        .get(name)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// A fresh, empty directory of this run.
fn empty_dir() -> anyhow::Result<PathBuf> {
    let dir = env::temp_dir().join(format!("herald-embedded-{}", process::id()));
    fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    Ok(dir)
}
