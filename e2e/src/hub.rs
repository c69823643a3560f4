//! The real hub, served in-process on an ephemeral port, with typed helpers
//! so that a test reads like the HTTP API.
//!
//! The hub itself (`backend::hub::Hub`: topics, history, ids) lives as long
//! as [`Hub`]; its HTTP server can be stopped and started again on the same
//! port ([`Hub::stop_serving`], [`Hub::serve_again`]), so a test can watch
//! the page lose the hub and come back to the same history.

use std::{
    ffi::OsString,
    io,
    net::SocketAddr,
    path::{Path, PathBuf},
    time::{Duration, Instant},
};

use anyhow::{Context, anyhow, bail, ensure};
use backend::config::Config;
use clap::Parser;
use reqwest::StatusCode;
use shared::protocol::publish_path;
use shared::{ErrorBody, EventId, Payload, Published, Topic};
use tokio::{net::TcpListener, task::JoinHandle, time};
use tokio_util::sync::CancellationToken;

/// How long a graceful shutdown may take once every browser has gone.
const STOP_TIMEOUT: Duration = Duration::from_secs(10);
/// How long [`Hub::serve_again`] keeps trying to bind the port it had.
/// With `SO_REUSEADDR`, which tokio sets, the port is free as soon as the
/// old listener is closed; this only bounds a port someone else took.
const REBIND_TIMEOUT: Duration = Duration::from_secs(5);
const REBIND_INTERVAL: Duration = Duration::from_millis(50);

/// How to start a [`Hub`]; from [`Hub::builder`].
#[derive(Debug, Clone)]
pub struct HubBuilder {
    /// `None`: the page built into the hub, with no `--static-dir`.
    static_dir: Option<PathBuf>,
    metrics_interval: Option<Duration>,
    hub_stats_interval: Option<Duration>,
    retry: Option<Duration>,
    tokens: Option<Tokens>,
}

/// Token checks a hub runs with: [`HubBuilder::tokens`].
#[derive(Debug, Clone)]
struct Tokens {
    secret: String,
    private_topics: String,
}

impl HubBuilder {
    /// Checks tokens signed (HS256) with `secret` (`--jwt-secret`, at least
    /// 32 bytes): every publish needs one, and reading `private_topics` (a
    /// topic or pattern, `--private-topics`) needs one that may read it.
    #[must_use]
    pub fn tokens(mut self, secret: &str, private_topics: &str) -> Self {
        self.tokens = Some(Tokens {
            secret: secret.to_owned(),
            private_topics: private_topics.to_owned(),
        });
        self
    }

    /// Runs the built-in metrics source, publishing a sample to
    /// `system/metrics` every `interval` (at least 200 ms, the hub's
    /// minimum). Without this the hub runs with `--no-metrics`, so that the
    /// page shows only what the test published.
    #[must_use]
    pub fn metrics_every(mut self, interval: Duration) -> Self {
        self.metrics_interval = Some(interval);
        self
    }

    /// Runs the hub's reports about itself, to `system/hub` every
    /// `interval` (at least 200 ms). Without this the hub runs with
    /// `--no-hub-stats`, like `--no-metrics` above.
    #[must_use]
    pub fn hub_stats_every(mut self, interval: Duration) -> Self {
        self.hub_stats_interval = Some(interval);
        self
    }

    /// The SSE `retry:` hint (`--retry-ms`): how long a browser waits
    /// before reconnecting. The hub's default is 2 s.
    #[must_use]
    pub fn retry(mut self, retry: Duration) -> Self {
        self.retry = Some(retry);
        self
    }

    /// The hub's flags for this configuration.
    fn args(&self) -> Vec<OsString> {
        let mut args: Vec<OsString> = vec!["herald".into()];
        if let Some(static_dir) = &self.static_dir {
            args.push("--static-dir".into());
            args.push(static_dir.clone().into());
        }
        match self.metrics_interval {
            Some(interval) => {
                args.push("--metrics-interval-ms".into());
                args.push(interval.as_millis().to_string().into());
            }
            None => args.push("--no-metrics".into()),
        }
        match self.hub_stats_interval {
            Some(interval) => {
                args.push("--hub-stats-interval-ms".into());
                args.push(interval.as_millis().to_string().into());
            }
            None => args.push("--no-hub-stats".into()),
        }
        if let Some(retry) = self.retry {
            args.push("--retry-ms".into());
            args.push(retry.as_millis().to_string().into());
        }
        if let Some(tokens) = &self.tokens {
            args.push("--jwt-secret".into());
            args.push(tokens.secret.clone().into());
            args.push("--private-topics".into());
            args.push(tokens.private_topics.clone().into());
        }
        args
    }

    /// Creates the hub and serves it on `127.0.0.1:0`.
    ///
    /// # Errors
    /// Fails when no port can be bound or the hub refuses the flags.
    pub async fn start(self) -> anyhow::Result<Hub> {
        let config =
            Config::try_parse_from(self.args()).context("the hub refused the test's flags")?;
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .context("cannot bind an ephemeral port for the hub")?;
        let address = listener
            .local_addr()
            .context("the hub's listener has no address")?;
        let mut hub = Hub {
            address,
            http: reqwest::Client::new(),
            core: backend::hub::Hub::new(config.limits()),
            config,
            server: None,
        };
        hub.serve_on(listener);
        Ok(hub)
    }
}

/// The status and error body of `response` to `request` (method and URL),
/// which the hub was expected to refuse.
async fn refusal(
    request: &str,
    response: reqwest::Response,
) -> anyhow::Result<(StatusCode, ErrorBody)> {
    let status = response.status();
    ensure!(
        !status.is_success(),
        "{request} answered {status}, expected the hub to refuse it"
    );
    let body = response
        .json()
        .await
        .with_context(|| format!("{request}: the {status} reply is not an error body"))?;
    Ok((status, body))
}

/// A hub whose HTTP server runs until [`Hub::stop`], or until
/// [`Hub::stop_serving`] pauses it.
pub struct Hub {
    address: SocketAddr,
    http: reqwest::Client,
    core: backend::hub::Hub,
    config: Config,
    server: Option<Server>,
}

/// One run of the HTTP server.
struct Server {
    shutdown: CancellationToken,
    task: JoinHandle<io::Result<()>>,
}

impl Hub {
    /// Starts a hub serving the page in `static_dir`, without the metrics
    /// source (its samples would only add noise to the page).
    ///
    /// # Errors
    /// Fails when no port can be bound or the hub refuses the flags.
    pub async fn start(static_dir: &Path) -> anyhow::Result<Self> {
        Self::builder(static_dir).start().await
    }

    /// A hub serving the page in `static_dir`, to configure further.
    pub fn builder(static_dir: &Path) -> HubBuilder {
        HubBuilder {
            static_dir: Some(static_dir.to_owned()),
            ..Self::embedded_page_builder()
        }
    }

    /// A hub serving the page built into it (started without
    /// `--static-dir`; see [`backend::embeds_page`]), to configure further.
    pub fn embedded_page_builder() -> HubBuilder {
        HubBuilder {
            static_dir: None,
            metrics_interval: None,
            hub_stats_interval: None,
            retry: None,
            tokens: None,
        }
    }

    /// The hub's URL for `path_and_query`, which starts with `/`.
    pub fn url(&self, path_and_query: &str) -> String {
        format!("http://{}{path_and_query}", self.address)
    }

    /// `POST /api/topics/{topic}` and the hub's reply.
    ///
    /// # Errors
    /// Fails unless the hub answers `202 Accepted` with a [`Published`] body.
    pub async fn publish(&self, topic: &Topic, payload: &Payload) -> anyhow::Result<Published> {
        let (url, response) = self.post(topic.as_str(), payload).await?;
        let status = response.status();
        if status != StatusCode::ACCEPTED {
            let body = response.text().await.unwrap_or_default();
            bail!("POST {url} answered {status}, expected 202 Accepted: {body}");
        }
        response
            .json()
            .await
            .with_context(|| format!("POST {url}: the reply is not a `Published` body"))
    }

    /// `POST /api/topics/{topic}` where the hub is expected to refuse, with
    /// `topic` as given (it need not be a valid topic); the status and the
    /// hub's error body.
    ///
    /// # Errors
    /// Fails when the hub accepts the event or its reply is not an
    /// [`ErrorBody`].
    pub async fn publish_refused(
        &self,
        topic: &str,
        payload: &Payload,
    ) -> anyhow::Result<(StatusCode, ErrorBody)> {
        let (url, response) = self.post(topic, payload).await?;
        refusal(&format!("POST {url}"), response).await
    }

    /// `GET {path_and_query}` where the hub is expected to refuse (a
    /// stream or a read it may not make); the status and the hub's error
    /// body. A refused stream is answered before any byte, so this returns.
    ///
    /// # Errors
    /// Fails when the hub accepts the request or its reply is not an
    /// [`ErrorBody`].
    pub async fn get_refused(
        &self,
        path_and_query: &str,
    ) -> anyhow::Result<(StatusCode, ErrorBody)> {
        let url = self.url(path_and_query);
        let response = self
            .http
            .get(&url)
            .send()
            .await
            .with_context(|| format!("GET {url} failed"))?;
        refusal(&format!("GET {url}"), response).await
    }

    /// `POST /api/topics/{topic}` with `payload`: the URL and the reply,
    /// whatever its status.
    async fn post(
        &self,
        topic: &str,
        payload: &Payload,
    ) -> anyhow::Result<(String, reqwest::Response)> {
        let url = self.url(&publish_path(topic));
        let response = self
            .http
            .post(&url)
            .json(payload)
            .send()
            .await
            .with_context(|| format!("POST {url} failed"))?;
        Ok((url, response))
    }

    /// Publishes in-process, straight into the hub's history, as an
    /// embedding program would; works while the HTTP server is stopped.
    ///
    /// # Errors
    /// Fails when the hub refuses the payload.
    pub fn publish_in_process(&self, topic: &Topic, payload: Payload) -> anyhow::Result<EventId> {
        let frame = self
            .core
            .publish(topic.clone(), payload)
            .with_context(|| format!("the hub refused an in-process publish to {topic}"))?;
        Ok(frame.id())
    }

    /// Stops the HTTP server gracefully (open streams end, as on a real
    /// shutdown) and frees the port, keeping the hub and its history for
    /// [`Hub::serve_again`].
    ///
    /// # Errors
    /// Fails when the server is not running, failed, or did not stop within
    /// [`STOP_TIMEOUT`].
    pub async fn stop_serving(&mut self) -> anyhow::Result<()> {
        let Server { shutdown, task } = self
            .server
            .take()
            .context("the hub's HTTP server is not running")?;
        shutdown.cancel();
        let ended = time::timeout(STOP_TIMEOUT, task)
            .await
            .map_err(|_elapsed| {
                anyhow!(
                    "the hub did not shut down within {} s",
                    STOP_TIMEOUT.as_secs()
                )
            })?;
        ended
            .context("the hub's task panicked")?
            .context("the hub failed")
    }

    /// Serves the same hub again on the same address, after
    /// [`Hub::stop_serving`]. Binding retries for a moment in case the old
    /// socket is still being released.
    ///
    /// # Errors
    /// Fails when the server is already running or the port stays taken for
    /// [`REBIND_TIMEOUT`].
    pub async fn serve_again(&mut self) -> anyhow::Result<()> {
        ensure!(
            self.server.is_none(),
            "the hub's HTTP server is already running"
        );
        let deadline = Instant::now() + REBIND_TIMEOUT;
        let listener = loop {
            match TcpListener::bind(self.address).await {
                Ok(listener) => break listener,
                Err(error)
                    if error.kind() == io::ErrorKind::AddrInUse && Instant::now() < deadline =>
                {
                    time::sleep(REBIND_INTERVAL).await;
                }
                Err(error) => {
                    return Err(error).with_context(|| {
                        format!("cannot bind {} again to restart the hub", self.address)
                    });
                }
            }
        };
        self.serve_on(listener);
        Ok(())
    }

    /// Stops the HTTP server, if it runs, and ends the hub.
    ///
    /// # Errors
    /// Fails when the server failed or did not stop within [`STOP_TIMEOUT`].
    pub async fn stop(mut self) -> anyhow::Result<()> {
        if self.server.is_some() {
            self.stop_serving().await?;
        }
        Ok(())
    }

    fn serve_on(&mut self, listener: TcpListener) {
        let shutdown = CancellationToken::new();
        let task = tokio::spawn(backend::serve(
            listener,
            self.core.clone(),
            self.config.clone(),
            shutdown.clone(),
        ));
        self.server = Some(Server { shutdown, task });
    }
}
