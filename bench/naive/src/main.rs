//! The `bench-naive` binary: parses the address, listens, and serves until
//! SIGTERM or Ctrl-C.

use std::net::SocketAddr;

use anyhow::Context;
use clap::Parser;
use tokio::net::TcpListener;
use tokio::signal::unix::{SignalKind, signal};

/// Herald's benchmark baseline: the same SSE streams from the axum
/// handler most tutorials write.
#[derive(Parser)]
#[command(name = "bench-naive", about)]
struct Cli {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:3002")]
    addr: SocketAddr,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let listener = TcpListener::bind(cli.addr)
        .await
        .with_context(|| format!("cannot listen on {}", cli.addr))?;
    let mut terminate = signal(SignalKind::terminate())?;
    let stopped = async move {
        tokio::select! {
            _ = terminate.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
    };
    bench_naive::serve(listener, stopped).await?;
    Ok(())
}
