//! How a test's hub is configured: the flags of `herald serve`, parsed by
//! the hub's own `Config`, so that a test runs a hub an operator could run
//! and a flag the command line refuses fails the test.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Parser;
use herald_hub::config::Config;
use herald_hub::hub::Hub;
use tokio_util::sync::CancellationToken;

use crate::app::TestApp;

/// The `--static-dir` of a hub that serves no page: a directory that does
/// not exist. Without any `--static-dir` the hub would serve the page built
/// into it, which `cargo xtask test` builds in, so tests of the API alone
/// would depend on how the hub was built.
const NO_PAGE: &str = "/nonexistent";

/// How to start a [`TestApp`]; from [`TestApp::builder`].
///
/// Every hub a test starts runs without the built-in sources, the machine's
/// metrics and the hub's reports about itself (`--no-metrics`,
/// `--no-hub-stats`), so that its topics hold only what the test published,
/// and serves no page, unless the builder asks for them.
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct Builder {
    page: Page,
    metrics_interval: Option<Duration>,
    hub_stats_interval: Option<Duration>,
    epoch: Option<u64>,
    /// Flags after the builder's own, in order.
    args: Vec<OsString>,
}

/// Which page the hub serves at `/`.
#[derive(Debug, Clone, Default)]
enum Page {
    /// None ([`NO_PAGE`]), unless the test's own flags name a
    /// `--static-dir`.
    #[default]
    None,
    /// The page built in this directory.
    Dir(PathBuf),
    /// The page built into the hub (started without `--static-dir`; see
    /// [`herald_hub::embeds_page`]).
    Embedded,
}

impl TestApp {
    /// A hub to configure, then [`Builder::start`]. Defined here, beside
    /// what it returns, so the app does not depend on its builder.
    pub fn builder() -> Builder {
        Builder::default()
    }
}

impl Builder {
    /// Adds `args` to the hub's command line, after the builder's own flags.
    pub fn args(mut self, args: &[&str]) -> Self {
        self.args.extend(args.iter().map(OsString::from));
        self
    }

    /// Serves the page built in `dir` (`--static-dir`).
    pub fn static_dir(mut self, dir: &Path) -> Self {
        self.page = Page::Dir(dir.to_owned());
        self
    }

    /// Serves the page built into the hub: no `--static-dir` at all.
    pub fn embedded_page(mut self) -> Self {
        self.page = Page::Embedded;
        self
    }

    /// Runs the built-in metrics source, publishing a sample to
    /// `system/metrics` every `interval` (at least 200 ms, the hub's
    /// minimum).
    pub fn metrics_every(mut self, interval: Duration) -> Self {
        self.metrics_interval = Some(interval);
        self
    }

    /// Runs the hub's reports about itself, to `system/hub` every
    /// `interval` (at least 200 ms).
    pub fn hub_stats_every(mut self, interval: Duration) -> Self {
        self.hub_stats_interval = Some(interval);
        self
    }

    /// The SSE `retry:` hint (`--retry-ms`): how long a browser waits
    /// before reconnecting. The hub's default is 2 s.
    pub fn retry(self, retry: Duration) -> Self {
        let millis = retry.as_millis().to_string();
        self.args(&["--retry-ms", &millis])
    }

    /// Checks tokens signed (HS256) with `secret` (`--jwt-secret`, at least
    /// 32 bytes): every publish needs one, and reading `private_topics` (a
    /// topic or pattern, `--private-topics`) needs one that may read it.
    pub fn tokens(self, secret: &str, private_topics: &str) -> Self {
        self.args(&["--jwt-secret", secret, "--private-topics", private_topics])
    }

    /// Runs the hub as a node of the cluster on the Redis at `redis_url`
    /// (`--redis-url`); [`Builder::start`] returns once it has joined.
    pub fn redis(self, redis_url: &str) -> Self {
        self.args(&["--redis-url", redis_url])
    }

    /// Runs the hub alone with ids of the run `epoch`, standing in for a hub
    /// whose clock read `epoch` at start: two hubs with chosen epochs are
    /// two runs of one hub, restarted with its clock stepped back or not.
    pub fn epoch(mut self, epoch: u64) -> Self {
        self.epoch = Some(epoch);
        self
    }

    /// The hub's configuration: `herald serve` with the builder's flags.
    ///
    /// # Panics
    /// When the hub's command line refuses them.
    pub fn config(&self) -> Config {
        init_logs();
        let mut argv: Vec<OsString> = vec!["herald".into()];
        match &self.page {
            Page::None if self.args.iter().any(|arg| arg == "--static-dir") => {}
            Page::None => argv.extend(["--static-dir".into(), NO_PAGE.into()]),
            Page::Dir(dir) => argv.extend(["--static-dir".into(), dir.into()]),
            Page::Embedded => {}
        }
        match self.metrics_interval {
            Some(interval) => argv.extend(millis("--metrics-interval-ms", interval)),
            None => argv.push("--no-metrics".into()),
        }
        match self.hub_stats_interval {
            Some(interval) => argv.extend(millis("--hub-stats-interval-ms", interval)),
            None => argv.push("--no-hub-stats".into()),
        }
        argv.extend(self.args.iter().cloned());
        Config::try_parse_from(&argv)
            .unwrap_or_else(|error| panic!("the hub refused the flags {argv:?}: {error}"))
    }

    /// Creates the hub, joins its cluster if it has one, and serves it on
    /// `127.0.0.1:0`.
    ///
    /// # Panics
    /// When the hub refuses the flags, cannot join its cluster, or no port
    /// can be bound.
    pub async fn start(self) -> TestApp {
        let config = self.config();
        let broker = match self.epoch {
            Some(epoch) => {
                assert!(
                    config.redis().is_none(),
                    "a node's epoch is its cluster's, not the test's"
                );
                Hub::with_epoch(config.limits(), epoch).into()
            }
            // The token only cuts short a start that waits for Redis
            // (`--redis-wait`); a test that starts one waits for it.
            None => herald_hub::connect(&config, CancellationToken::new())
                .await
                .unwrap_or_else(|error| panic!("the hub could not start its broker: {error}")),
        };
        TestApp::serve(broker, config).await
    }
}

/// `flag` with `interval` in milliseconds.
fn millis(flag: &str, interval: Duration) -> [OsString; 2] {
    [flag.into(), interval.as_millis().to_string().into()]
}

/// Sends the hub's log to the test's output when `TEST_LOG` is set; the
/// first hub of a test binary installs it, the others find it there.
fn init_logs() {
    if std::env::var_os("TEST_LOG").is_some() {
        let _ = tracing_subscriber::fmt()
            .with_env_filter("herald_hub=debug")
            .with_test_writer()
            .try_init();
    }
}
