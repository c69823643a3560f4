//! The history budgets: events and bytes per topic, bytes over all topics,
//! and topics with history. What a budget evicts raises the topic's
//! `lost_through`, which readers who had not got it are told as a gap.
//!
//! Frames count by their SSE bytes. The per-topic bounds trim that topic's
//! oldest frames under its own lock; the total budget evicts the oldest
//! frame of any topic, found in the eviction index ([`Ages`]) in
//! O(log topics), and a topic's newest frame always stays. A topic's key in
//! the index may trail its trimmed ring: a lower bound, put right when an
//! eviction meets it, so trimming a busy topic on every publish takes no
//! lock but the topic's.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use super::Limits;
use super::directory::Directory;
use super::retention::Ages;
use super::topic::{TopicCell, TopicState, lock};

/// What the hub's history may hold, and what it holds.
pub(super) struct Budget {
    limits: Limits,
    ages: Mutex<Ages>,
    /// Bytes of frames retained over all topics.
    bytes: AtomicUsize,
}

impl Budget {
    pub(super) fn new(limits: Limits) -> Self {
        Self {
            limits,
            ages: Mutex::default(),
            bytes: AtomicUsize::new(0),
        }
    }

    /// Bytes of history retained over all topics, what
    /// [`Limits::total_bytes`] bounds.
    pub(super) fn retained(&self) -> usize {
        self.bytes.load(Ordering::Acquire)
    }

    /// Counts a frame of `size` bytes numbered `sequence`, just appended
    /// to `cell` (locked as `state`), then enforces the bounds: the
    /// topic's own under its lock, then, with the lock released, the
    /// budget over all topics, where the oldest history goes first,
    /// whichever its topic.
    pub(super) fn keep(
        &self,
        directory: &Directory,
        cell: &Arc<TopicCell>,
        mut state: MutexGuard<'_, TopicState>,
        sequence: u64,
        size: usize,
    ) {
        let limits = &self.limits;
        state.bytes += size;
        if state.indexed.is_none() {
            let idle = state.subscribers.is_empty();
            lock(&self.ages).insert(sequence, cell, idle);
            state.indexed = Some(sequence);
        }
        // The new frame has the highest id of its topic, so it is never the
        // oldest: a bound that counts at least its own size keeps it.
        let freed = self.evict_front(&mut state, |topic_state| {
            topic_state.history.len() > limits.history
                || topic_state.bytes > limits.topic_bytes.max(size)
        });
        // Counted under the topic's lock, before anyone can evict the frame,
        // and once for what came and went: a full ring trimmed by an event of
        // the same size does not write the shared counter at all.
        match size.cmp(&freed) {
            std::cmp::Ordering::Greater => {
                self.bytes.fetch_add(size - freed, Ordering::AcqRel);
            }
            std::cmp::Ordering::Less => {
                self.bytes.fetch_sub(freed - size, Ordering::AcqRel);
            }
            std::cmp::Ordering::Equal => {}
        }
        drop(state);
        while self.retained() > limits.total_bytes.max(size) && self.evict_oldest(directory) {}
    }

    /// Tells the eviction index whether `cell` (locked as `state`) is
    /// followed by no stream, which makes it the first to go when a new
    /// topic needs room. `false` when the topic has no history, so is not
    /// in the index.
    pub(super) fn set_idle(&self, cell: &Arc<TopicCell>, state: &TopicState, idle: bool) -> bool {
        let Some(key) = state.indexed else {
            return false;
        };
        lock(&self.ages).set_idle(key, cell, idle);
        true
    }

    /// Makes room for one more topic with history: at
    /// [`Limits::max_topics`] or past it, drops the history of the topic no
    /// stream names whose index key is oldest (the one written to longest
    /// ago, give or take the lag of lazily kept keys), or, when every topic
    /// is named by a stream, of the oldest topic of all: its streams have
    /// read it, or are told of what they had not as a gap. So the cap holds
    /// the same way whoever follows what, on a hub and on a replica alike,
    /// and no stream can make the hub refuse new topics.
    pub(super) fn make_room_for_a_topic(&self, directory: &Directory) {
        let max = self.limits.max_topics;
        loop {
            let victim = {
                let ages = lock(&self.ages);
                if ages.len() < max {
                    return;
                }
                ages.oldest_idle().or_else(|| ages.oldest())
            };
            let Some((key, cell)) = victim else {
                return;
            };
            let mut state = cell.lock();
            if state.indexed != Some(key) {
                // Changed meanwhile: look again.
                continue;
            }
            // All of it; a topic left without subscribers then goes too.
            // Then look again: publishers racing past the cap leave it
            // over, and the next new topic brings it back.
            let freed = self.evict_front(&mut state, |_| true);
            self.bytes.fetch_sub(freed, Ordering::AcqRel);
            state.wake(&cell);
            let unused = state.unused();
            drop(state);
            if unused {
                directory.forget_if_unused(&cell);
            }
        }
    }

    /// Evicts the oldest frames of a topic (locked as `state`) while `over`
    /// says it keeps too much, and returns the bytes freed; the caller
    /// counts them off [`Budget::bytes`].
    ///
    /// The eviction index is left as it is while the topic keeps history:
    /// its key there is then a lower bound of the oldest frame, set right
    /// lazily by [`Budget::evict_oldest`]. A topic left without history
    /// leaves the index.
    fn evict_front(
        &self,
        state: &mut TopicState,
        mut over: impl FnMut(&TopicState) -> bool,
    ) -> usize {
        let mut freed = 0;
        while over(state) {
            let Some(evicted) = state.history.pop_front() else {
                break;
            };
            state.bytes -= evicted.size();
            state.lost_through = evicted.sequence();
            freed += evicted.size();
        }
        if state.history.is_empty()
            && let Some(key) = state.indexed.take()
        {
            lock(&self.ages).remove(key);
        }
        freed
    }

    /// Evicts the oldest retained frame of any topic. Returns `false` when
    /// nothing is left to evict.
    fn evict_oldest(&self, directory: &Directory) -> bool {
        let Some((key, cell)) = lock(&self.ages).oldest() else {
            return false;
        };
        let mut state = cell.lock();
        if state.indexed != Some(key) {
            // Moved or gone meanwhile: look again.
            return true;
        }
        match TopicCell::oldest(&state) {
            Some(oldest) if oldest == key => {
                let mut first = true;
                let freed = self.evict_front(&mut state, |_| std::mem::take(&mut first));
                self.bytes.fetch_sub(freed, Ordering::AcqRel);
                let unused = state.unused();
                drop(state);
                if unused {
                    directory.forget_if_unused(&cell);
                }
            }
            // The key trails the topic's trimmed ring: index it where it
            // is, and look again, since another topic may be older now.
            Some(oldest) => {
                let idle = state.subscribers.is_empty();
                let mut ages = lock(&self.ages);
                ages.remove(key);
                ages.insert(oldest, &cell, idle);
                state.indexed = Some(oldest);
            }
            None => {}
        }
        true
    }
}
