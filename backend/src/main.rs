//! The `herald` binary: parses the command line and hands over to the library.

#[cfg(feature = "jwt")]
use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
#[cfg(feature = "jwt")]
use herald_hub::auth::mint::TokenOptions;
use herald_hub::config::Config;
use tokio_util::sync::CancellationToken;

/// Herald: a typed real-time push hub over Server-Sent Events.
#[derive(Parser)]
#[command(name = "herald", version = herald_hub::build_info::LONG_VERSION, about)]
enum Cli {
    /// Serve the hub's API and the web app.
    Serve(Box<Config>),
    /// Print a token for a hub started with `--jwt-secret`, granting the
    /// topics and patterns named.
    #[cfg(feature = "jwt")]
    Token(TokenOptions),
}

/// Prints a failure as one line of causes (`herald: cannot listen on ...:
/// Address in use`), without the backtrace anyhow's `Debug` adds under
/// `RUST_BACKTRACE=1`: these are an operator's mistakes, not bugs.
fn main() -> ExitCode {
    // The file `--config` names becomes flags before clap reads them, so its
    // values are checked as the command line's are.
    let args = herald_hub::config::file::with_file(std::env::args_os().collect(), |name| {
        std::env::var_os(name)
    });
    let args = match args {
        Ok(args) => args,
        Err(error) => {
            eprintln!("herald: {error}");
            // As clap exits on a bad command line.
            return ExitCode::from(2);
        }
    };
    let result = match Cli::parse_from(args) {
        Cli::Serve(config) => serve_command(*config),
        #[cfg(feature = "jwt")]
        Cli::Token(options) => token(&options),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("herald: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// A limit as `ulimit` shows it.
fn shown(limit: Option<u64>) -> String {
    limit.map_or_else(|| "unlimited".to_owned(), |limit| limit.to_string())
}

/// Prints the token `options` ask for, valid from now.
#[cfg(feature = "jwt")]
fn token(options: &TokenOptions) -> anyhow::Result<()> {
    let token = herald_hub::auth::mint::mint(options, std::time::SystemTime::now())?;
    writeln!(std::io::stdout().lock(), "{token}").context("cannot print the token")
}

#[tokio::main]
async fn serve_command(config: Config) -> anyhow::Result<()> {
    // The filter error repeats its cause in its source chain; its own
    // message says it all.
    herald_hub::telemetry::init(config.log_format)
        .map_err(|error| anyhow::anyhow!("RUST_LOG is not a valid log filter: {error}"))?;
    match herald_hub::open_files::raise() {
        Ok((before, after)) => tracing::info!(
            soft = %shown(after.soft),
            hard = %shown(after.hard),
            was = %shown(before.soft),
            "open files limit"
        ),
        Err(error) => tracing::warn!(%error, "cannot raise the open files limit"),
    }
    let shutdown = CancellationToken::new();
    let signals = herald_hub::shutdown::Signals::install().context("cannot listen for signals")?;
    tokio::spawn(signals.run(shutdown.clone()));
    let listener = herald_hub::listen(config.addr)
        .with_context(|| format!("cannot listen on {}", config.addr))?;
    // Before serving: requests wait in the backlog until the node has
    // joined its cluster and taken in its history.
    let broker = herald_hub::connect(&config, shutdown.clone())
        .await
        .context("cannot join the cluster")?;
    let addr = listener.local_addr().context("listener has no address")?;
    let scheme = if config.serves_https() {
        "https"
    } else {
        "http"
    };
    tracing::info!(%addr, url = %format!("{scheme}://{addr}/"), "herald is listening");
    herald_hub::serve(listener, broker, config, shutdown)
        .await
        .context("server failed")
}
