//! Why a cluster node cannot serve: the one error type of Redis faults,
//! and of what Redis holds that the node cannot trust.

use std::time::Duration;

use redis::RedisError;

/// Why the cluster cannot serve.
///
/// # Examples
///
/// A Redis that does not answer, at start:
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use herald_hub::config::Config;
/// use tokio_util::sync::CancellationToken;
///
/// let flags = ["--redis-url", "redis://:hunter2@127.0.0.1:1", "--redis-timeout-ms", "300"];
/// let config = Config::from_flags(flags)?;
/// let Err(error) = herald_hub::connect(&config, CancellationToken::new()).await else {
///     panic!("nothing listens on port 1");
/// };
/// assert!(error.to_string().contains("redis://***@127.0.0.1:1"), "{error}");
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, thiserror::Error)]
pub enum ClusterError {
    /// Redis refused or failed a call, or the connection is down.
    #[error("Redis at {url} failed: {source}")]
    Redis {
        /// Where, without its password.
        url: String,
        /// What Redis or the connection said.
        #[source]
        source: RedisError,
    },
    /// Redis did not answer in time.
    #[error("Redis at {url} did not answer within {timeout:?}")]
    Timeout {
        /// Where, without its password.
        url: String,
        /// The configured `--redis-timeout-ms`.
        timeout: Duration,
    },
    /// Redis no longer holds this node's run: it lost its data (restarted
    /// without persistence, or flushed), or the cluster moved on. The node
    /// joins the next run, and its streams are told of a gap; a publish
    /// that found it is refused, to be retried.
    #[error("Redis lost the cluster's run: its epoch is {found}, this node's {ours}")]
    EpochChanged {
        /// This node's epoch.
        ours: u64,
        /// What Redis holds now.
        found: String,
    },
    /// Redis went back to an older state (restored from an older snapshot,
    /// or its stream lost while the epoch stayed): it would number new
    /// events again with numbers this node has served, so the cluster
    /// moves to a new run, as for [`ClusterError::EpochChanged`].
    #[error(
        "Redis went back in time: its newest event is number {newest}, this node has served up to {ours}"
    )]
    RolledBack {
        /// The newest number Redis gave.
        newest: u64,
        /// The newest this node took in.
        ours: u64,
    },
    /// The cluster's entries in Redis are in a format this node does not
    /// read: nodes of releases that store events differently must not
    /// serve one cluster, so the node refuses to join rather than mix.
    #[error(
        "the cluster at {key} stores its entries in format {found}, and this node \
         (herald {version}) reads format {ours}: run one release across the cluster, \
         or give this one its own --redis-prefix"
    )]
    Incompatible {
        /// The key that holds the cluster's format.
        key: String,
        /// The format Redis holds.
        found: String,
        /// The format this node reads and writes.
        ours: u32,
        /// This node's version.
        version: &'static str,
    },
    /// Redis answered with something no Herald node writes.
    #[error("Redis holds something Herald did not write: {0}")]
    Unexpected(String),
}
