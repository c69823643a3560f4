//! The real hub, served in-process on an ephemeral port, with typed helpers
//! so that a test reads like the HTTP API.

use std::{ffi::OsStr, io, net::SocketAddr, path::Path, time::Duration};

use anyhow::{Context, anyhow, bail};
use backend::config::Config;
use clap::Parser;
use reqwest::StatusCode;
use shared::{Payload, Published, Topic};
use tokio::{net::TcpListener, task::JoinHandle, time};
use tokio_util::sync::CancellationToken;

/// How long a graceful shutdown may take once every browser has gone.
const STOP_TIMEOUT: Duration = Duration::from_secs(10);

/// A running hub; [`Hub::stop`] shuts it down gracefully.
pub struct Hub {
    address: SocketAddr,
    http: reqwest::Client,
    shutdown: CancellationToken,
    server: JoinHandle<io::Result<()>>,
}

impl Hub {
    /// Starts `backend::run` on `127.0.0.1:0`, serving the page in
    /// `static_dir`, without the metrics source (its samples would only add
    /// noise to the page).
    ///
    /// # Errors
    /// Fails when no port can be bound or the hub refuses the flags.
    pub async fn start(static_dir: &Path) -> anyhow::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .context("cannot bind an ephemeral port for the hub")?;
        let address = listener
            .local_addr()
            .context("the hub's listener has no address")?;
        let config = Config::try_parse_from([
            OsStr::new("herald"),
            OsStr::new("--static-dir"),
            static_dir.as_os_str(),
            OsStr::new("--no-metrics"),
        ])
        .context("the hub refused the test's flags")?;
        let shutdown = CancellationToken::new();
        let server = tokio::spawn(backend::run(listener, config, shutdown.clone()));
        Ok(Self {
            address,
            http: reqwest::Client::new(),
            shutdown,
            server,
        })
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
        let url = self.url(&format!("/api/topics/{topic}"));
        let response = self
            .http
            .post(&url)
            .json(payload)
            .send()
            .await
            .with_context(|| format!("POST {url} failed"))?;
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

    /// Cancels the hub's shutdown token and waits for it to finish.
    ///
    /// # Errors
    /// Fails when the server failed or did not stop within [`STOP_TIMEOUT`].
    pub async fn stop(self) -> anyhow::Result<()> {
        self.shutdown.cancel();
        let ended = time::timeout(STOP_TIMEOUT, self.server)
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
}
