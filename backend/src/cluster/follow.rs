//! The node's one reader of the cluster's stream: a blocking `XREAD` on a
//! connection of its own, from the last number the node took in, so every
//! browser of the node is served by one Redis subscription however many
//! there are. When Redis goes away the reader reconnects with backoff and
//! reads on from where it stopped: events published meanwhile through other
//! nodes reach this node's streams in order, once.

use std::sync::atomic::Ordering;
use std::time::Duration;

use redis::streams::StreamReadReply;

use super::{BATCH, Cluster, ClusterError};

/// How long one `XREAD` blocks in Redis before it returns empty: short
/// enough that a half-open connection is noticed within a few seconds.
const BLOCK: Duration = Duration::from_secs(2);

/// Follows the stream until the node leaves the cluster; when Redis lost
/// the run, from the start of the next one.
pub(super) async fn follow(cluster: Cluster) {
    let shared = &*cluster.shared;
    let mut backoff = Backoff::default();
    loop {
        let error = tokio::select! {
            () = shared.stop.cancelled() => return,
            error = read_stream(&cluster, &mut backoff) => error,
        };
        shared.following.store(false, Ordering::Release);
        if let ClusterError::EpochChanged { ours, .. } = &error {
            if cluster.next_run(*ours, &error).await.is_ok() {
                continue;
            }
        } else if let ClusterError::RolledBack { .. } = &error {
            let stale = cluster.hub().epoch();
            if cluster.next_run(stale, &error).await.is_ok() {
                continue;
            }
        }
        let delay = backoff.next();
        shared.reconnects.fetch_add(1, Ordering::Relaxed);
        tracing::warn!(%error, retry_in = ?delay, "lost the cluster's stream; reconnecting");
        tokio::select! {
            () = shared.stop.cancelled() => return,
            () = tokio::time::sleep(delay) => {}
        }
    }
}

/// Connects, checks that Redis still holds the run where this node left
/// it, and reads until a call fails.
async fn read_stream(cluster: &Cluster, backoff: &mut Backoff) -> ClusterError {
    let shared = &*cluster.shared;
    let mut connection = match cluster.reader_connection().await {
        Ok(connection) => connection,
        Err(error) => return error,
    };
    if let Err(error) = cluster.check_position(&mut connection).await {
        return error;
    }
    shared.following.store(true, Ordering::Release);
    backoff.reset();
    tracing::info!(
        after = *shared.applied.borrow(),
        "following the cluster's stream"
    );
    loop {
        let (epoch, after) = cluster.position();
        let mut command = redis::cmd("XREAD");
        command
            .arg("COUNT")
            .arg(BATCH)
            .arg("BLOCK")
            .arg(BLOCK.as_millis() as u64)
            .arg("STREAMS")
            .arg(&shared.keys.events)
            .arg(format!("0-{after}"));
        let call = command.query_async::<Option<StreamReadReply>>(&mut connection);
        // The timeout covers the block and one call's worth on top.
        let reply = match tokio::time::timeout(BLOCK + shared.options.timeout, call).await {
            Ok(Ok(reply)) => reply,
            Ok(Err(source)) => {
                return ClusterError::Redis {
                    url: shared.options.url.to_string(),
                    source,
                };
            }
            Err(_) => {
                return ClusterError::Timeout {
                    url: shared.options.url.to_string(),
                    timeout: BLOCK + shared.options.timeout,
                };
            }
        };
        let Some(reply) = reply else {
            // Quiet for a whole block: a good moment to check that Redis
            // still holds the run, which a flush leaves no entry to tell.
            if let Err(error) = cluster.check_position(&mut connection).await {
                return error;
            }
            continue;
        };
        for key in reply.keys {
            if let Err(error) = cluster.take_in(epoch, &key.ids) {
                return error;
            }
        }
    }
}

/// Delays between attempts: doubling from 100 ms up to 5 s.
#[derive(Debug)]
pub(super) struct Backoff {
    next: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Self { next: Self::FIRST }
    }
}

impl Backoff {
    const FIRST: Duration = Duration::from_millis(100);
    const MAX: Duration = Duration::from_secs(5);

    /// The delay before the next attempt.
    pub(super) fn next(&mut self) -> Duration {
        let delay = self.next;
        self.next = (self.next * 2).min(Self::MAX);
        delay
    }

    fn reset(&mut self) {
        self.next = Self::FIRST;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_its_cap_and_starts_over_when_reset() {
        let mut backoff = Backoff::default();
        let delays: Vec<u128> = (0..8).map(|_| backoff.next().as_millis()).collect();
        assert_eq!(delays, [100, 200, 400, 800, 1600, 3200, 5000, 5000]);
        backoff.reset();
        assert_eq!(backoff.next(), Duration::from_millis(100));
    }
}
