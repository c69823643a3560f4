//! The example shop end to end: its own server (its routes and a Herald hub
//! of its own event type) serves its trunk-built page to headless
//! Chromium; an order placed on the page, a warning published by another
//! service over HTTP, and a shipment each appear as their own kind,
//! rendered typed. The page's DOM contract is in
//! `examples/shop/frontend/src/lib.rs`.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, ensure};
use e2e::Browser;
use fantoccini::{Client, Locator};
use herald_hub::Herald;
use shop_backend::Shop;
use shop_shared::{EVENTS_BASE, STOCK_TOPIC, ShopEvent};

/// Covers loading and instantiating the wasm bundle and opening the stream.
const LIVE_TIMEOUT: Duration = Duration::from_secs(30);
const EVENT_TIMEOUT: Duration = Duration::from_secs(10);

/// The shop's page as `cargo xtask test` builds it.
fn shop_dist() -> anyhow::Result<PathBuf> {
    let dist = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/shop/dist");
    ensure!(
        dist.join("index.html").is_file(),
        "{} is missing: run `cargo xtask test`, which builds the shop's page with trunk",
        dist.display()
    );
    Ok(dist)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_shops_own_events_appear_on_its_page_each_as_itself() -> anyhow::Result<()> {
    let herald = Herald::<ShopEvent>::builder().build().await?;
    let app = Shop::new(herald.clone()).router(Some(&shop_dist()?));
    let base = testkit::serve_router(app, herald.shutdown()).await;
    let browser = Browser::start("shop").await?;
    let outcome = drive(browser.client(), &base).await;
    let screenshot = browser.save_screenshot(&e2e::artifact("shop.png")?).await;
    let closed = browser.close().await;
    herald.close().await;
    outcome.and(screenshot).and(closed)
}

async fn drive(page: &Client, base: &str) -> anyhow::Result<()> {
    page.goto(&format!("{base}/")).await?;
    wait_for(page, r#"#connection[data-state="live"]"#, LIVE_TIMEOUT).await?;

    // An app action: the page asks the shop, the shop publishes.
    page.find(Locator::Css("button#place"))
        .await?
        .click()
        .await?;
    let order = wait_for(page, r#"ol#orders > li.order[data-id="1"]"#, EVENT_TIMEOUT).await?;
    let text = order.text().await?;
    ensure!(
        text.contains("Order #1") && text.contains("Ada") && text.contains("$21.00"),
        "the order renders as an order: {text:?}"
    );
    // Four cakes of eight leave fewer than five.
    wait_for(page, r#"ul#stock > li.low[data-sku="cake"]"#, EVENT_TIMEOUT).await?;

    // Another service publishes the same type over HTTP, as curl would.
    let published = reqwest::Client::new()
        .post(format!("{base}{EVENTS_BASE}/topics/{STOCK_TOPIC}"))
        .header("content-type", "application/json")
        .body(r#"{"type":"stock_low","sku":"mug","left":2}"#)
        .send()
        .await?;
    ensure!(
        published.status() == 202,
        "the hub took it: {}",
        published.status()
    );
    let mug = wait_for(page, r#"ul#stock > li.low[data-sku="mug"]"#, EVENT_TIMEOUT).await?;
    ensure!(
        mug.text().await?.contains("mug: 2 left"),
        "the warning renders as one"
    );

    // Shipping is another kind, applied to the order it names.
    order
        .find(Locator::Css("button.ship"))
        .await?
        .click()
        .await?;
    let shipped = wait_for(
        page,
        r#"li.order[data-id="1"][data-shipped]"#,
        EVENT_TIMEOUT,
    )
    .await?;
    ensure!(
        shipped.text().await?.contains("tracking HX000001"),
        "the shipment renders on its order"
    );
    ensure!(
        page.find(Locator::Css("#unknown")).await.is_err(),
        "every event was one the page knows"
    );
    Ok(())
}

async fn wait_for(
    page: &Client,
    css: &str,
    timeout: Duration,
) -> anyhow::Result<fantoccini::elements::Element> {
    page.wait()
        .at_most(timeout)
        .for_element(Locator::Css(css))
        .await
        .with_context(|| format!("the page never showed {css}"))
}
