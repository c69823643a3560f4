//! The cluster's runs: a run is one epoch and one stream of numbers in
//! Redis. When Redis loses it (restarted without persistence, flushed, its
//! stream lost, or rolled back to an older snapshot), numbering on would
//! give ids already served, so the cluster moves to its next run and every
//! node's streams are told of a gap ([`Hub::retire`]).

use std::sync::{LazyLock, PoisonError};

use redis::Script;
use redis::aio::MultiplexedConnection;

use super::{Cluster, ClusterError, sequence_of};
use crate::hub::{self, Hub};

/// Starts the cluster's next run, unless another node already did: when
/// the epoch is gone, or still the one the caller's run had (Redis lost or
/// rolled back its events), sets a new one and drops what is left of the
/// old run's stream, whose numbers the new run would repeat. Returns the
/// epoch of the run to join. Keys: epoch, events, bytes. Arguments: the
/// caller's epoch, a new one.
static NEXT_RUN: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        local current = redis.call('GET', KEYS[1])
        if current == false or current == ARGV[1] then
            redis.call('SET', KEYS[1], ARGV[2])
            redis.call('DEL', KEYS[2], KEYS[3])
            return ARGV[2]
        end
        return current
        ",
    )
});

/// The run's epoch (empty when gone) and the stream's newest number ever
/// given (`0-0` when there is no stream). Keys: epoch, events.
static POSITION: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        local epoch = redis.call('GET', KEYS[1]) or ''
        if redis.call('EXISTS', KEYS[2]) == 0 then
            return {epoch, '0-0'}
        end
        local info = redis.call('XINFO', 'STREAM', KEYS[2])
        for i = 1, #info, 2 do
            if info[i] == 'last-generated-id' then
                return {epoch, info[i + 1]}
            end
        end
        return redis.error_reply('XINFO STREAM gave no last-generated-id')
        ",
    )
});

impl Cluster {
    /// Moves this node, which found Redis without the run of `stale` (for
    /// `why`), to the cluster's next run, and hands `why` back: the
    /// publish that found it is refused, and retried, in the new run.
    pub(super) async fn move_on(&self, stale: u64, why: ClusterError) -> ClusterError {
        if let Err(error) = self.next_run(stale, &why).await {
            tracing::warn!(%error, "could not start the cluster's next run yet");
        }
        why
    }

    /// Joins the cluster's next run, starting it unless another node did
    /// ([`NEXT_RUN`]), after Redis lost the run of `stale` (for `why`):
    /// a new replica takes the stream from its start, and the old one hands
    /// every stream over to it ([`Hub::retire`]), with a gap.
    ///
    /// # Errors
    /// [`ClusterError`] when Redis does not answer; the caller tries again.
    pub(super) async fn next_run(
        &self,
        stale: u64,
        why: &ClusterError,
    ) -> Result<(), ClusterError> {
        let shared = &*self.shared;
        let candidate = hub::now_micros().max(stale.saturating_add(1));
        let mut commands = shared.commands.clone();
        let epoch: String = self
            .call(
                NEXT_RUN
                    .key(&shared.keys.epoch)
                    .key(&shared.keys.events)
                    .key(&shared.keys.bytes)
                    .arg(stale)
                    .arg(candidate)
                    .invoke_async(&mut commands),
            )
            .await?;
        let epoch: u64 = epoch.parse().map_err(|_| {
            ClusterError::Unexpected(format!("{} is {epoch:?}, not an epoch", shared.keys.epoch))
        })?;
        let mut hub = shared.hub.write().unwrap_or_else(PoisonError::into_inner);
        if hub.epoch() == epoch {
            return Ok(());
        }
        let next = Hub::replica(shared.limits, epoch);
        let retired = std::mem::replace(&mut *hub, next.clone());
        shared.applied.send_replace(0);
        drop(hub);
        tracing::warn!(
            %why,
            old = retired.epoch(),
            new = epoch,
            "moved to the cluster's next run; every stream is told of a gap"
        );
        retired.retire(next);
        Ok(())
    }

    /// Checks that Redis still holds this node's run, and has not gone back
    /// behind what the node took in; on `connection`, the reader's.
    pub(super) async fn check_position(
        &self,
        connection: &mut MultiplexedConnection,
    ) -> Result<(), ClusterError> {
        let keys = &self.shared.keys;
        let (epoch, newest): (String, String) = self
            .call(
                POSITION
                    .key(&keys.epoch)
                    .key(&keys.events)
                    .invoke_async(connection),
            )
            .await?;
        let ours = self.hub().epoch();
        if epoch != ours.to_string() {
            let found = if epoch.is_empty() {
                "gone".to_owned()
            } else {
                epoch
            };
            return Err(ClusterError::EpochChanged { ours, found });
        }
        let newest = sequence_of(&newest).ok_or_else(|| {
            ClusterError::Unexpected(format!("the stream's newest id is {newest:?}"))
        })?;
        let ours = *self.shared.applied.borrow();
        if newest < ours {
            return Err(ClusterError::RolledBack { newest, ours });
        }
        Ok(())
    }
}
