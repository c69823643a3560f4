//! Taking the cluster's stream into this node's replica: at start, every
//! entry Redis holds, then each batch the reader reads, always of the run
//! the node follows.

use herald_wire::Topic;
use redis::streams::StreamId;

use super::{BATCH, Cluster, ClusterError, read_lock, sequence_of};
use crate::hub::Hub;

impl Cluster {
    /// Takes in every entry the stream holds; returns how many.
    pub(super) async fn load(&self) -> Result<usize, ClusterError> {
        let mut loaded = 0;
        loop {
            let (epoch, after) = self.position();
            let mut commands = self.shared.commands.clone();
            let reply: redis::streams::StreamRangeReply = self
                .call(
                    redis::cmd("XRANGE")
                        .arg(&self.shared.keys.events)
                        .arg(format!("(0-{after}"))
                        .arg("+")
                        .arg("COUNT")
                        .arg(BATCH)
                        .query_async(&mut commands),
                )
                .await?;
            let count = reply.ids.len();
            self.take_in(epoch, &reply.ids)?;
            loaded += count;
            if count < BATCH {
                return Ok(loaded);
            }
        }
    }

    /// The run this node follows and the newest number it took in of it,
    /// read together: a move to the next run changes both at once.
    pub(super) fn position(&self) -> (u64, u64) {
        let hub = read_lock(&self.shared.hub);
        (hub.epoch(), *self.shared.applied.borrow())
    }

    /// Takes stream entries of the run of `epoch` into this node's hub, in
    /// order; nothing when the node has moved to another run since they
    /// were read. Numbers skipped (trimmed from the stream before this node
    /// read them) are reported to subscribers as lost; an entry the hub
    /// cannot serve is too.
    ///
    /// # Errors
    /// [`ClusterError::EpochChanged`] at an entry of another run: the
    /// cluster moved on without this node, which stops there.
    pub(super) fn take_in(&self, epoch: u64, entries: &[StreamId]) -> Result<(), ClusterError> {
        let hub = read_lock(&self.shared.hub);
        if hub.epoch() != epoch {
            return Ok(());
        }
        let mut applied = *self.shared.applied.borrow();
        let before = applied;
        let mut moved_on = None;
        for entry in entries {
            // Entries written before they named their run are this run's.
            if let Some(run) = entry.get::<String>("r")
                && run != epoch.to_string()
            {
                moved_on = Some(ClusterError::EpochChanged {
                    ours: epoch,
                    found: run,
                });
                break;
            }
            let Some(sequence) = sequence_of(&entry.id) else {
                tracing::error!(id = %entry.id, "skipping a stream entry with a foreign id");
                continue;
            };
            if sequence <= applied {
                continue;
            }
            if sequence > applied + 1 {
                tracing::warn!(
                    after = applied,
                    through = sequence - 1,
                    "Redis no longer holds events this node did not get"
                );
                hub.lose_through(sequence - 1);
            }
            if let Err(error) = apply(&hub, sequence, entry) {
                tracing::error!(%error, sequence, "cannot serve a stream entry; reported as lost");
                hub.lose_through(sequence);
            }
            applied = sequence;
        }
        // Once per batch: every publish waiting on this node wakes to look.
        if applied > before {
            self.shared.applied.send_replace(applied);
        }
        moved_on.map_or(Ok(()), Err)
    }
}

/// Takes one stream entry, numbered `sequence`, into `hub`.
fn apply(hub: &Hub, sequence: u64, entry: &StreamId) -> Result<(), ClusterError> {
    let field = |name: &str| {
        entry
            .get::<String>(name)
            .ok_or_else(|| ClusterError::Unexpected(format!("entry has no field {name:?}")))
    };
    let topic = field("t")?;
    let topic = Topic::parse(&topic)
        .map_err(|error| ClusterError::Unexpected(format!("topic {topic:?}: {error}")))?;
    hub.apply(sequence, topic, &field("k")?, &field("e")?)
        .map_err(|error| ClusterError::Unexpected(error.to_string()))?;
    Ok(())
}
