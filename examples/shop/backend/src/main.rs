//! Runs the example shop on 127.0.0.1:3001 (or `SHOP_ADDR`), serving its
//! page from `examples/shop/dist` when trunk built it there; `trunk serve`
//! in `examples/shop` proxies to it while the page is developed.

use std::net::SocketAddr;
use std::path::Path;

use herald_hub::Herald;
use shop_backend::Shop;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let addr: SocketAddr = std::env::var("SHOP_ADDR")
        .unwrap_or_else(|_| "127.0.0.1:3001".to_owned())
        .parse()?;
    let herald = Herald::builder().history(100).build().await?;
    let page = Path::new(env!("CARGO_MANIFEST_DIR")).join("../dist");
    let page = page.join("index.html").exists().then_some(page);
    let app = Shop::new(herald.clone()).router(page.as_deref());
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let stop = herald.shutdown();
    tokio::spawn(async move {
        let _ = tokio::signal::ctrl_c().await;
        stop.cancel();
    });
    eprintln!("the shop is open at http://{addr}/");
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(herald.shutdown().cancelled_owned())
    .await?;
    herald.close().await;
    Ok(())
}
