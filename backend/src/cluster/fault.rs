//! Why a cluster node cannot serve: the one error type of Redis faults,
//! and of what Redis holds that the node cannot trust.

use std::time::Duration;

use redis::RedisError;

/// Why the cluster cannot serve.
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
    /// Redis no longer holds this cluster's run: it lost its data (restarted
    /// without persistence, or flushed). The node cannot tell its clients
    /// what they missed within one run, so it stops, and starts again as a
    /// node of the new run, which tells them of a gap.
    #[error(
        "Redis lost the cluster's events: its epoch is {found}, this node's {ours}; restart this node"
    )]
    EpochChanged {
        /// This node's epoch.
        ours: u64,
        /// What Redis holds now.
        found: String,
    },
    /// Redis went back to an older state (restored from an older snapshot,
    /// say): it would number new events again with numbers this node has
    /// served, so it stops, as for [`ClusterError::EpochChanged`].
    #[error(
        "Redis went back in time: its newest event is number {newest}, this node has served up to {ours}; restart this node"
    )]
    RolledBack {
        /// The newest number Redis gave.
        newest: u64,
        /// The newest this node took in.
        ours: u64,
    },
    /// Redis answered with something no Herald node writes.
    #[error("Redis holds something Herald did not write: {0}")]
    Unexpected(String),
}
