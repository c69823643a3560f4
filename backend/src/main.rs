//! The `herald` binary: parses the command line and hands over to the library.

use anyhow::Context;
use backend::config::Config;
use clap::Parser;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

/// Herald: a typed real-time push hub over Server-Sent Events.
#[derive(Parser)]
#[command(name = "herald", version, about)]
enum Cli {
    /// Serve the hub's API and the web app.
    Serve(Config),
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let Cli::Serve(config) = Cli::parse();
    backend::telemetry::init(config.log_format).context("RUST_LOG is not a valid log filter")?;
    let listener = TcpListener::bind(config.addr)
        .await
        .with_context(|| format!("cannot listen on {}", config.addr))?;
    let addr = listener.local_addr().context("listener has no address")?;
    tracing::info!(%addr, url = %format!("http://{addr}/"), "herald is listening");
    let shutdown = CancellationToken::new();
    tokio::spawn(backend::shutdown::on_signal(shutdown.clone()));
    backend::run(listener, config, shutdown)
        .await
        .context("server failed")
}
