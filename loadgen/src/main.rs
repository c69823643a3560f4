//! `herald-load`: drives a Herald hub on this machine over HTTP and reports
//! what its clients saw. This file parses the command line and hands each
//! mode to its module. Run it in release mode against a release server:
//!
//! ```text
//! cargo run --release -p herald-hub -- serve --no-metrics &
//! cargo run --release -p loadgen -- fanout --streams 1000 --rate 200 --seconds 30 --server-pid $(pgrep herald)
//! cargo run --release -p loadgen -- idle --streams 10000 --server-pid $(pgrep herald)
//! cargo run --release -p loadgen -- churn --streams 1000 --connects-per-sec 200 --seconds 30 --server-pid $(pgrep herald)
//! cargo run --release -p loadgen -- throughput --seconds 10
//! cargo run --release -p loadgen -- attack --seconds 60 --server-pid $(pgrep herald)
//! ```
//!
//! While it runs it writes a progress line to stderr once a second; at the
//! end a summary for people on stderr and one JSON line on stdout for
//! programs (`cargo xtask bench` reads it).

mod attack;
mod attacks;
mod churn;
mod fanout;
mod idle;
mod latency;
mod limits;
mod probe;
mod report;
mod server;
mod target;
mod throughput;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::server::Server;
use crate::target::Target;

/// Load tool for a Herald hub (or a server that imitates its SSE stream) on
/// this machine.
#[derive(Parser)]
#[command(name = "herald-load", after_help = limits::HELP)]
struct Cli {
    /// Base URL of the hub, where events are published. Loopback only.
    #[arg(long, global = true, default_value = "http://127.0.0.1:3000")]
    url: String,
    /// Base URL streams open at (repeatable, taken in turn), to receive on
    /// other nodes of a cluster than the one published to; `--url` when none
    /// is given. Loopback only.
    #[arg(long, global = true)]
    stream_url: Vec<String>,
    /// Process id of the server: its CPU time, resident memory, open files
    /// and threads are read from /proc around the run and reported.
    #[arg(long, global = true)]
    server_pid: Option<u32>,
    #[command(subcommand)]
    mode: Mode,
}

#[derive(Subcommand)]
enum Mode {
    /// Many streams on one topic while probes are published at a fixed
    /// rate: latency percentiles, loss, duplicates, order, server CPU per
    /// delivery.
    Fanout(fanout::Options),
    /// Many streams that receive nothing: server memory per stream and the
    /// time to open them.
    Idle(idle::Options),
    /// Streams closing and opening at a steady rate while events are
    /// published: server memory, open files and threads before, at the peak
    /// and after.
    Churn(churn::Options),
    /// One stream while publishers post as fast as they go: events per
    /// second through one subscriber.
    Throughput(throughput::Options),
    /// Every known attack on the hub at once while a legitimate client
    /// publishes and reads probes: its latency and losses, what each
    /// attacker got, the server's memory peak and CPU time.
    Attack(attack::Options),
}

/// Prints a failure as one line of causes, as `herald` does.
fn main() -> ExitCode {
    match try_main(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("herald-load: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// What `main` runs, returning the failure for it to print: checks the
/// target and the server, makes room for the connections, and calls the
/// chosen mode's `run`.
fn try_main(cli: Cli) -> anyhow::Result<()> {
    let target = Target::parse(&cli.url, &cli.stream_url)?;
    let server = cli.server_pid.map(Server::new).transpose()?;
    limits::raise_open_files()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let server = server.as_ref();
    runtime.block_on(async {
        match cli.mode {
            Mode::Fanout(options) => fanout::run(options, &target, server).await,
            Mode::Idle(options) => idle::run(options, &target, server).await,
            Mode::Churn(options) => churn::run(options, &target, server).await,
            Mode::Throughput(options) => throughput::run(options, &target).await,
            Mode::Attack(options) => attack::run(options, &target, server).await,
        }
    })
}
