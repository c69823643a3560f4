//! [`Builder`]: a [`Herald`]'s options, typed, with the binary's defaults
//! and its checks.

use std::ffi::OsString;
use std::marker::PhantomData;
use std::net::IpAddr;
use std::num::NonZeroU32;
#[cfg(feature = "jwt")]
use std::path::Path;
use std::time::Duration;

use herald_wire::Event;
#[cfg(feature = "jwt")]
use herald_wire::TopicPattern;
use tokio_util::sync::CancellationToken;

use super::Herald;
use crate::broker::ClusterError;
use crate::config::Config;

/// Options of a [`Herald`], each named after the `herald` flag it sets and
/// checked as the binary checks it when [`Builder::build`] runs; unset
/// options keep the binary's defaults, except that the built-in sources
/// (system metrics, hub figures) are off until asked for. The environment
/// is not read; for every option the binary has, from its flags and
/// environment, parse a [`Config`] and use [`Herald::from_config`].
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use std::num::NonZeroU32;
/// use std::time::Duration;
///
/// use herald_dashboard_events::Payload;
/// use herald_hub::{BuildError, Herald};
///
/// let herald = Herald::<Payload>::builder()
///     .history(256)
///     .max_body(16 * 1024)
///     .publish_rate(NonZeroU32::new(50).ok_or("no rate")?)
///     .keepalive(Duration::from_secs(20))
///     .max_stream_age(Duration::from_secs(3600))
///     .build()
///     .await?;
/// herald.close().await;
///
/// // Checked as the binary checks its flags, and named as they are.
/// let refused = Herald::<Payload>::builder().history(0).build().await;
/// assert!(matches!(refused, Err(BuildError::Option(message)) if message.contains("--history")));
/// # Ok(())
/// # }
/// ```
pub struct Builder<E> {
    /// Options set so far, as flags: the binary's parser checks them all at
    /// once, with its own messages.
    flags: Vec<OsString>,
    shutdown: CancellationToken,
    event: PhantomData<fn() -> E>,
}

/// Why a [`Herald`] was not built.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// An option is out of its range, or two disagree; the message names
    /// the flag, as the binary's would.
    #[error("invalid option: {0}")]
    Option(String),
    /// The cluster's Redis could not be joined.
    #[error(transparent)]
    Cluster(#[from] ClusterError),
}

/// Whole seconds, rounded up so that a short duration is not 0 (which some
/// options read as "never"), saturating.
fn seconds(duration: Duration) -> u64 {
    duration
        .as_secs()
        .saturating_add(u64::from(duration.subsec_nanos() > 0))
}

/// Whole milliseconds, saturating.
fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

impl<E: Event> Builder<E> {
    pub(super) fn new() -> Self {
        Self {
            flags: if cfg!(feature = "system-metrics") {
                vec!["--no-metrics".into(), "--no-hub-stats".into()]
            } else {
                vec!["--no-hub-stats".into()]
            },
            shutdown: CancellationToken::new(),
            event: PhantomData,
        }
    }

    fn set(mut self, flag: &str, value: impl ToString) -> Self {
        self.flags.push(flag.into());
        self.flags.push(value.to_string().into());
        self
    }

    /// Events kept per topic for resuming (`--history`, 1,024).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use std::collections::BTreeSet;
    ///
    /// use herald_dashboard_events::{Chat, Payload};
    /// use herald_hub::Herald;
    /// use herald_wire::{Topic, TopicPattern};
    ///
    /// let herald = Herald::<Payload>::builder().history(2).build().await?;
    /// let lobby = Topic::parse("chat/lobby")?;
    /// for text in ["one", "two", "three"] {
    ///     let chat = Payload::Chat(Chat { author: "ada".into(), text: text.into() });
    ///     herald.publish(&lobby, &chat).await?;
    /// }
    /// let patterns = BTreeSet::from([TopicPattern::Exact(lobby)]);
    /// assert_eq!(herald.broker().hub().history(&patterns, 10).frames.len(), 2);
    /// herald.close().await;
    /// # Ok(())
    /// # }
    /// ```
    pub fn history(self, events: u32) -> Self {
        self.set("--history", events)
    }

    /// Bytes of history kept over all topics (`--history-bytes`, 256 MiB).
    pub fn history_bytes(self, bytes: u64) -> Self {
        self.set("--history-bytes", bytes)
    }

    /// Bytes of history kept per topic (`--topic-history-bytes`, 16 MiB).
    pub fn topic_history_bytes(self, bytes: u64) -> Self {
        self.set("--topic-history-bytes", bytes)
    }

    /// Topics with history at once (`--max-topics`, 100,000).
    pub fn max_topics(self, topics: u64) -> Self {
        self.set("--max-topics", topics)
    }

    /// Streams open at once (`--max-subscribers`, 100,000).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use herald_dashboard_events::Payload;
    /// use herald_hub::Herald;
    /// use herald_hub::hub::SubscribeError;
    /// use herald_wire::TopicPattern;
    ///
    /// let herald = Herald::<Payload>::builder().max_streams(1).build().await?;
    /// let _first = herald.subscribe([TopicPattern::parse("chat/*")?], None)?;
    /// let second = herald.subscribe([TopicPattern::parse("chat/*")?], None);
    /// assert!(matches!(second, Err(SubscribeError::Full { max: 1 })));
    /// herald.close().await;
    /// # Ok(())
    /// # }
    /// ```
    pub fn max_streams(self, streams: usize) -> Self {
        self.set("--max-subscribers", streams)
    }

    /// Topics and patterns one stream may follow
    /// (`--max-topics-per-stream`, 64).
    pub fn max_topics_per_stream(self, topics: usize) -> Self {
        self.set("--max-topics-per-stream", topics)
    }

    /// Streams one client address may hold (`--max-streams-per-ip`, 1,000).
    pub fn max_streams_per_ip(self, streams: u64) -> Self {
        self.set("--max-streams-per-ip", streams)
    }

    /// How long a stream may stay open before the browser reconnects and
    /// resumes (`--max-stream-age`, no limit), in whole seconds.
    pub fn max_stream_age(self, age: Duration) -> Self {
        self.set("--max-stream-age", seconds(age))
    }

    /// How often an idle stream gets a comment (`--keepalive`, 15 s).
    pub fn keepalive(self, every: Duration) -> Self {
        self.set("--keepalive", seconds(every))
    }

    /// How long a browser waits before reconnecting (`--retry-ms`, 2 s).
    pub fn retry(self, after: Duration) -> Self {
        self.set("--retry-ms", millis(after))
    }

    /// Largest publish body (`--max-body`, 64 KiB).
    pub fn max_body(self, bytes: usize) -> Self {
        self.set("--max-body", bytes)
    }

    /// Publishes per second per client (`--publish-rate`, 1,000).
    pub fn publish_rate(self, per_second: NonZeroU32) -> Self {
        self.set("--publish-rate", per_second)
    }

    /// Addresses of reverse proxies whose `X-Forwarded-For` names the
    /// client (`--proxy-ip`).
    pub fn proxy_ips(mut self, proxies: impl IntoIterator<Item = IpAddr>) -> Self {
        for proxy in proxies {
            self = self.set("--proxy-ip", proxy);
        }
        self
    }

    /// The HMAC secret that signs tokens (`--jwt-secret`, at least 32
    /// bytes): with it, publishing needs a token, and so does reading a
    /// private topic.
    ///
    /// # Examples
    ///
    /// A secret too short to be safe is refused; see
    /// [`auth::mint::mint`](crate::auth::mint::mint) for tokens it signs.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use herald_dashboard_events::Payload;
    /// use herald_hub::{BuildError, Herald};
    ///
    /// let refused = Herald::<Payload>::builder().jwt_secret("hunter2").build().await;
    /// assert!(matches!(refused, Err(BuildError::Option(message)) if message.contains("--jwt-secret")));
    /// # Ok(())
    /// # }
    /// ```
    #[cfg(feature = "jwt")]
    pub fn jwt_secret(self, secret: &str) -> Self {
        self.set("--jwt-secret", secret)
    }

    /// A PEM file with the public key that verifies tokens
    /// (`--jwt-public-key`), instead of a secret.
    #[cfg(feature = "jwt")]
    pub fn jwt_public_key(self, pem_file: &Path) -> Self {
        self.set("--jwt-public-key", pem_file.display())
    }

    /// The audience a token must name (`--jwt-audience`).
    #[cfg(feature = "jwt")]
    pub fn jwt_audience(self, audience: &str) -> Self {
        self.set("--jwt-audience", audience)
    }

    /// The issuer a token must name (`--jwt-issuer`).
    #[cfg(feature = "jwt")]
    pub fn jwt_issuer(self, issuer: &str) -> Self {
        self.set("--jwt-issuer", issuer)
    }

    /// Topics only a token that grants them may read (`--private-topics`).
    #[cfg(feature = "jwt")]
    pub fn private_topics(mut self, patterns: impl IntoIterator<Item = TopicPattern>) -> Self {
        for pattern in patterns {
            self = self.set("--private-topics", pattern);
        }
        self
    }

    /// Joins the cluster on this Redis (`--redis-url`), so every node's
    /// streams get every node's events, resumable on any node.
    #[cfg(feature = "cluster")]
    pub fn redis(self, url: &str) -> Self {
        self.set("--redis-url", url)
    }

    /// Prefix of the cluster's keys in Redis (`--redis-prefix`).
    #[cfg(feature = "cluster")]
    pub fn redis_prefix(self, prefix: &str) -> Self {
        self.set("--redis-prefix", prefix)
    }

    /// Publishes the hub's own figures to `system/hub` at this interval
    /// (the binary's default is on, once a second).
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use std::time::Duration;
    ///
    /// use herald_dashboard_events::Payload;
    /// use herald_hub::Herald;
    /// use herald_wire::{Delivery, TopicPattern};
    ///
    /// let every = Duration::from_millis(200);
    /// let herald = Herald::<Payload>::builder().hub_stats(every).build().await?;
    /// let mut figures = herald.subscribe([TopicPattern::parse("system/hub")?], None)?;
    /// let report = tokio::time::timeout(Duration::from_secs(5), figures.next()).await?;
    /// assert!(matches!(report, Delivery::Event(envelope) if matches!(envelope.event, Payload::HubStats(_))));
    /// herald.close().await;
    /// # Ok(())
    /// # }
    /// ```
    pub fn hub_stats(mut self, every: Duration) -> Self {
        self.flags.retain(|flag| flag != "--no-hub-stats");
        self.set("--hub-stats-interval-ms", millis(every))
    }

    /// Publishes the host's metrics to `system/metrics` at this interval
    /// (the binary's default is on, once a second). With the
    /// `system-metrics` feature, on by default.
    #[cfg(feature = "system-metrics")]
    pub fn system_metrics(mut self, every: Duration) -> Self {
        self.flags.retain(|flag| flag != "--no-metrics");
        self.set("--metrics-interval-ms", millis(every))
    }

    /// Ends the hub's streams and tasks when `token` is cancelled, such as
    /// the app's own shutdown signal; [`Herald::close`] cancels it too.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use herald_dashboard_events::Payload;
    /// use herald_hub::Herald;
    /// use tokio_util::sync::CancellationToken;
    ///
    /// let app_stops = CancellationToken::new();
    /// let herald = Herald::<Payload>::builder().shutdown(app_stops.clone()).build().await?;
    /// app_stops.cancel();
    /// assert!(herald.shutdown().is_cancelled(), "the hub's streams end with the app");
    /// herald.close().await;
    /// # Ok(())
    /// # }
    /// ```
    pub fn shutdown(mut self, token: CancellationToken) -> Self {
        self.shutdown = token;
        self
    }

    /// Checks the options and starts the hub: in memory, or joined to its
    /// cluster and caught up with the history Redis holds.
    ///
    /// # Errors
    /// [`BuildError::Option`] for an option out of range, naming its flag;
    /// [`BuildError::Cluster`] when Redis cannot be reached.
    pub async fn build(self) -> Result<Herald<E>, BuildError> {
        let config = Config::from_flags(self.flags)
            .map_err(|error| BuildError::Option(error.to_string()))?;
        Ok(Herald::from_config(config, self.shutdown).await?)
    }
}
