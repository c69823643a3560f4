//! A hub that replicates a cluster's sequence: it never numbers events
//! itself, it takes them in with the numbers the cluster gave
//! ([`Hub::apply`]), and it tells its readers of what the cluster no longer
//! has ([`Hub::lose_through`]).

use herald_wire::{Kind, Topic};

use super::sequence::Numbering;
use super::{ApplyError, Frame, Hub, Limits};
use crate::sse;

impl Hub {
    /// Creates an empty hub that replicates the sequence of a cluster whose
    /// ids carry `epoch`: it takes events only through [`Hub::apply`], and
    /// a client may resume after an id the cluster gave that this hub has
    /// not taken in yet (it waits for what follows instead of being told
    /// of a gap).
    pub(crate) fn replica(limits: Limits, epoch: u64) -> Self {
        Self::build(limits, epoch, true)
    }

    /// Takes in an event that the cluster numbered `sequence`, encoded as
    /// [`Prepared::envelope`](super::Prepared::envelope) by the node that
    /// published it, and wakes its subscribers. Numbers must come in order;
    /// those never given are passed over. The envelope is checked again,
    /// since it crossed the network.
    ///
    /// A new topic beyond [`Limits::max_topics`] makes room the way it does
    /// on any hub.
    ///
    /// # Errors
    /// [`ApplyError::Replayed`] for a number the hub has passed, or the
    /// reason the envelope cannot be served; nothing changes then.
    pub(crate) fn apply(
        &self,
        sequence: u64,
        topic: Topic,
        kind: &str,
        envelope: &str,
    ) -> Result<Frame, ApplyError> {
        let kind = Kind::parse(kind)?;
        serde_json::from_str::<serde::de::IgnoredAny>(envelope)?;
        let unnumbered = sse::unnumbered(kind, envelope)?;
        self.append(topic, &unnumbered, Numbering::Given(sequence))
            .ok_or(ApplyError::Replayed(sequence))
    }

    /// Hands this hub's subscriptions over to `successor`, the replica of
    /// the cluster's next run, once the cluster has moved on (its Redis
    /// lost the run): each tells its client of a gap per pattern, from
    /// where it was through the start of the new run, then reads the new
    /// run from its beginning. This hub takes in nothing more.
    pub(crate) fn retire(&self, successor: Hub) {
        let inner = &*self.inner;
        if inner.successor.set(successor).is_err() {
            return;
        }
        // Every subscription wakes, to move on now rather than at its
        // next event, which would never come.
        for cell in inner.directory.cells() {
            cell.lock().wake(&cell);
        }
        inner.watchers.wake_all();
    }

    /// Tells every subscriber that events up to `sequence` may be lost: the
    /// cluster no longer has events this hub missed. Topics that only those
    /// events would have created cannot be named, so patterns resumed later
    /// are told as well.
    pub(crate) fn lose_through(&self, sequence: u64) {
        let directory = &self.inner.directory;
        directory.forget_through(sequence);
        for cell in directory.cells() {
            let mut state = cell.lock();
            if state.lost_through < sequence {
                state.lost_through = sequence;
                cell.raise_mark(sequence);
                state.wake(&cell);
                drop(state);
                self.inner.watchers.tell(&cell);
            }
        }
    }
}
