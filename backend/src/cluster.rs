//! A cluster of hubs over one Redis: every node started with the same
//! `--redis-url` and `--redis-prefix` serves the same events, in one order,
//! with the same ids.
//!
//! Redis holds the cluster's one sequence as one stream (`{prefix}:events`):
//! publishing appends to it with a script (`publish`) that checks the
//! cluster's epoch and lets Redis number the entry (`0-N`, so `N` is the
//! next sequence number, over all topics). Every node reads the stream with
//! one blocking reader (`follow`) and takes each entry into its own
//! [`Hub`], a replica, which frames it once and fans it out to its streams.
//! So the id a node gives a browser is the cluster's, a browser resumes on
//! any node, and a node that started, or lost Redis for a while, reads on
//! from the last number it took in. History survives every node's restart:
//! a node starting takes in what the stream still holds.
//!
//! Redis keeps the newest `--redis-max-events` entries within
//! `--redis-max-bytes`; each node's history is bounded by its own budgets,
//! as on one process.

mod fault;
mod follow;
mod intake;
mod options;
mod presence;
mod publish;
mod run;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

use herald_wire::{Topic, TopicList};
use redis::aio::{ConnectionManager, ConnectionManagerConfig, MultiplexedConnection};
use redis::{AsyncConnectionConfig, Client, RedisError};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::hub::{self, Hub, Limits};
pub use fault::ClusterError;
pub use options::{RedisCa, RedisOptions, RedisUrl};
pub(crate) use publish::{Named, Stored};

/// Failed Redis calls and stream reconnects of a node; see
/// [`Cluster::redis_counts`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RedisCounts {
    /// Redis calls that failed or timed out.
    pub errors: u64,
    /// Times the stream reader set out to reconnect.
    pub reconnects: u64,
}

/// Handle to this node's part of the cluster; clones share it.
///
/// # Examples
///
/// Two nodes of one cluster, as two processes would be, need a Redis:
///
/// ```no_run
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use herald_dashboard_events::{Chat, Payload};
/// use herald_hub::broker::Broker;
/// use herald_hub::cluster::Cluster;
/// use herald_hub::config::Config;
/// use herald_wire::Topic;
/// use tokio_util::sync::CancellationToken;
///
/// let config = Config::from_flags(["--redis-url", "redis://127.0.0.1:6379"])?;
/// let options = config.redis().ok_or("no cluster")?;
/// let stop = CancellationToken::new();
/// let one = Cluster::connect(options.clone(), config.limits(), stop.clone()).await?;
/// let two = Cluster::connect(options, config.limits(), stop).await?;
/// assert_ne!(one.node(), two.node());
///
/// // Published through one node, numbered by the cluster, read on the other.
/// let chat = Payload::Chat(Chat { author: "ada".into(), text: "hi".into() });
/// let id = Broker::Cluster(one.clone()).publish(Topic::parse("chat/lobby")?, &chat).await?;
/// assert_eq!(id.epoch(), two.hub().epoch());
/// two.ready().await?;
/// one.close().await;
/// two.close().await;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Cluster {
    shared: Arc<Shared>,
}

struct Shared {
    /// The replica of the cluster's current run; replaced, and the old one
    /// retired, when Redis loses the run ([`Cluster::next_run`]). Read
    /// locked while a batch of the stream is taken in, so a batch of one
    /// run never lands in the next.
    hub: RwLock<Hub>,
    /// The budgets each run's replica gets.
    limits: Limits,
    /// This node's name in the cluster's presence keys, unique per run.
    node: String,
    options: RedisOptions,
    keys: Keys,
    client: Client,
    /// For publishes and checks; it reconnects by itself after an I/O error.
    commands: ConnectionManager,
    /// The newest sequence number this node took in.
    applied: watch::Sender<u64>,
    /// Whether the stream reader is connected and reading.
    following: AtomicBool,
    /// Redis calls that failed or timed out, since the node started.
    redis_errors: AtomicU64,
    /// Times the stream reader lost Redis and set out to reconnect.
    reconnects: AtomicU64,
    /// Cancelled when the node leaves the cluster; the reader ends with it.
    stop: CancellationToken,
    tasks: TaskTracker,
}

/// The cluster's keys in Redis.
struct Keys {
    prefix: String,
    /// The epoch of the cluster's run: set once, by the first node.
    epoch: String,
    /// The stream of events.
    events: String,
    /// The bytes of the stream's entries, as `PUBLISH` counts them.
    bytes: String,
    /// The live nodes, scored by when their reports expire.
    nodes: String,
}

impl Keys {
    /// The hash of `node`'s subscriber counts by topic.
    fn node(&self, node: &str) -> String {
        format!("{}:node:{node}", self.prefix)
    }
}

/// Entries read from the stream per call.
const BATCH: usize = 1_000;

/// The format of the cluster's entries in Redis (the run's epoch, the
/// stream's fields, the presence reports), kept in `{prefix}:format` by the
/// first node and checked by every node that joins. A release that changes
/// what it writes or how it reads it raises this, so its nodes refuse to
/// join a cluster of the older ones instead of misreading each other;
/// releases that keep it mix freely, as a rolling upgrade needs.
pub const FORMAT: u32 = 1;

impl Cluster {
    /// Connects to Redis, joins (or starts) the cluster's run, takes in the
    /// history the stream holds and starts following it. With
    /// [`RedisOptions::wait`] it retries with backoff until Redis answers
    /// or `shutdown` is cancelled.
    ///
    /// # Errors
    /// [`ClusterError`] when Redis cannot be reached (and is not waited
    /// for), fails, or holds what Herald did not write.
    pub async fn connect(
        options: RedisOptions,
        limits: Limits,
        shutdown: CancellationToken,
    ) -> Result<Self, ClusterError> {
        let client = match &options.ca {
            None => Client::open(options.url.as_str()),
            Some(ca) => Client::build_with_tls(
                options.url.as_str(),
                redis::TlsCertificates {
                    client_tls: None,
                    root_cert: Some(ca.pem().to_vec()),
                },
            ),
        }
        .map_err(|source| ClusterError::Redis {
            url: options.url.to_string(),
            source,
        })?;
        let mut backoff = follow::Backoff::default();
        let (commands, epoch) = loop {
            match Self::join(&client, &options).await {
                Ok(joined) => break joined,
                // Waiting cannot change the format Redis holds.
                Err(error @ ClusterError::Incompatible { .. }) => return Err(error),
                Err(error) if options.wait && !shutdown.is_cancelled() => {
                    let delay = backoff.next();
                    tracing::warn!(%error, retry_in = ?delay, "waiting for Redis");
                    tokio::select! {
                        () = shutdown.cancelled() => return Err(error),
                        () = tokio::time::sleep(delay) => {}
                    }
                }
                Err(error) => return Err(error),
            }
        };
        let prefix = &options.prefix;
        let keys = Keys {
            prefix: prefix.clone(),
            epoch: format!("{prefix}:epoch"),
            events: format!("{prefix}:events"),
            bytes: format!("{prefix}:bytes"),
            nodes: format!("{prefix}:nodes"),
        };
        // Unique within the process, and with the pid and time across the
        // cluster's processes.
        static STARTED: AtomicU64 = AtomicU64::new(0);
        let node = format!(
            "{}-{}-{}",
            std::process::id(),
            hub::now_micros(),
            STARTED.fetch_add(1, Ordering::Relaxed)
        );
        let cluster = Self {
            shared: Arc::new(Shared {
                hub: RwLock::new(Hub::replica(limits, epoch)),
                limits,
                node,
                options,
                keys,
                client,
                commands,
                applied: watch::Sender::new(0),
                following: AtomicBool::new(false),
                redis_errors: AtomicU64::new(0),
                reconnects: AtomicU64::new(0),
                stop: CancellationToken::new(),
                tasks: TaskTracker::new(),
            }),
        };
        let loaded = cluster.load().await?;
        tracing::info!(
            epoch,
            format = FORMAT,
            version = crate::build_info::VERSION,
            events = loaded,
            newest = cluster.shared.applied.borrow().to_owned(),
            prefix = %cluster.shared.options.prefix,
            "joined the cluster"
        );
        cluster.shared.tasks.spawn(follow::follow(cluster.clone()));
        cluster
            .shared
            .tasks
            .spawn(presence::announce(cluster.clone()));
        cluster.shared.tasks.close();
        Ok(cluster)
    }

    /// Connects the command connection and reads the run's epoch, setting
    /// it first if this is the run's first node.
    async fn join(
        client: &Client,
        options: &RedisOptions,
    ) -> Result<(ConnectionManager, u64), ClusterError> {
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(options.timeout))
            .set_response_timeout(Some(options.timeout))
            .set_number_of_retries(2)
            .set_max_delay(options.timeout);
        let url = || options.url.to_string();
        let mut commands = ConnectionManager::new_with_config(client.clone(), config)
            .await
            .map_err(|source| ClusterError::Redis { url: url(), source })?;
        let key = format!("{}:epoch", options.prefix);
        let format_key = format!("{}:format", options.prefix);
        let (format, epoch): (String, String) = redis::pipe()
            .atomic()
            .cmd("SET")
            .arg(&format_key)
            .arg(FORMAT)
            .arg("NX")
            .ignore()
            .cmd("GET")
            .arg(&format_key)
            .cmd("SET")
            .arg(&key)
            .arg(hub::now_micros())
            .arg("NX")
            .ignore()
            .cmd("GET")
            .arg(&key)
            .query_async(&mut commands)
            .await
            .map_err(|source| ClusterError::Redis { url: url(), source })?;
        if format != FORMAT.to_string() {
            return Err(ClusterError::Incompatible {
                key: format_key,
                found: format,
                ours: FORMAT,
                version: crate::build_info::VERSION,
            });
        }
        let epoch = epoch
            .parse()
            .map_err(|_| ClusterError::Unexpected(format!("{key} is {epoch:?}, not an epoch")))?;
        Ok((commands, epoch))
    }

    /// `page`, a page of topics as [`Hub::topics`] lists them on this
    /// node, with each topic's subscribers counted over the whole cluster.
    ///
    /// # Errors
    /// [`ClusterError`] when Redis does not tell the other nodes' counts.
    pub async fn count_everywhere(&self, mut page: TopicList) -> Result<TopicList, ClusterError> {
        let names: Vec<&Topic> = page.topics.iter().map(|info| &info.topic).collect();
        let others = presence::others(self, &names).await?;
        for (info, others) in page.topics.iter_mut().zip(others) {
            info.subscribers += others;
        }
        Ok(page)
    }

    /// This node's replica of the cluster's events, of its current run.
    pub fn hub(&self) -> Hub {
        read_lock(&self.shared.hub).clone()
    }

    /// This node's name in the cluster, unique per run.
    pub fn node(&self) -> &str {
        &self.shared.node
    }

    /// How this node's Redis connections fared since it started.
    pub fn redis_counts(&self) -> RedisCounts {
        RedisCounts {
            errors: self.shared.redis_errors.load(Ordering::Relaxed),
            reconnects: self.shared.reconnects.load(Ordering::Relaxed),
        }
    }

    /// Whether this node serves the cluster: its reader follows the stream
    /// and Redis answers a `PING` now.
    ///
    /// # Errors
    /// Why it does not.
    pub async fn ready(&self) -> Result<(), ClusterError> {
        let mut commands = self.shared.commands.clone();
        let () = self
            .call(redis::cmd("PING").query_async::<String>(&mut commands))
            .await
            .map(drop)?;
        if self.shared.following.load(Ordering::Acquire) {
            Ok(())
        } else {
            Err(ClusterError::Unexpected(
                "the stream reader is reconnecting".to_owned(),
            ))
        }
    }

    /// Leaves the cluster: stops the stream reader and waits for it.
    pub async fn close(&self) {
        self.shared.stop.cancel();
        self.shared.tasks.wait().await;
    }

    /// Runs one Redis call with the configured timeout.
    async fn call<T>(
        &self,
        call: impl Future<Output = Result<T, RedisError>>,
    ) -> Result<T, ClusterError> {
        let options = &self.shared.options;
        let error = match tokio::time::timeout(options.timeout, call).await {
            Ok(Ok(value)) => return Ok(value),
            Ok(Err(source)) => ClusterError::Redis {
                url: options.url.to_string(),
                source,
            },
            Err(_) => ClusterError::Timeout {
                url: options.url.to_string(),
                timeout: options.timeout,
            },
        };
        self.shared.redis_errors.fetch_add(1, Ordering::Relaxed);
        Err(error)
    }

    /// A connection of its own for the blocking stream reader, whose calls
    /// wait longer than any command should.
    async fn reader_connection(&self) -> Result<MultiplexedConnection, ClusterError> {
        let timeout = self.shared.options.timeout;
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(timeout))
            .set_response_timeout(None);
        self.call(
            self.shared
                .client
                .get_multiplexed_async_connection_with_config(&config),
        )
        .await
    }
}

/// Read-locks `lock`, ignoring poison: the lock guards one handle, which
/// a panic cannot leave half written.
fn read_lock<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(PoisonError::into_inner)
}

/// The sequence number in a stream entry id `0-N`.
fn sequence_of(id: &str) -> Option<u64> {
    id.strip_prefix("0-")?.parse().ok()
}
