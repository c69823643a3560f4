//! The hub: one ordered sequence of events, a bounded history per topic,
//! and the subscriptions that read from it. The history ring of a topic is
//! its fan-out buffer and a [`Subscription`] is a cursor into it, so replay
//! and live delivery are one read, a slow reader holds no queue, and what a
//! reader can no longer get reaches it as a [`Gap`]. The design and its
//! invariants (the one id sequence, the lock order, the budgets, patterns)
//! are stated once, in `ARCHITECTURE.md`.
//!
//! This file is the facade: [`Hub`] and the types of its interface. Each
//! part owns its state behind methods: `sequence` (numbers and the
//! published watermark), `directory` (topics by name, watchers, creating
//! and forgetting a topic), `budget` (the history bounds and eviction, over
//! `retention`'s index), `topic` (one topic's cell and its lock), `frame`
//! (an event encoded and framed once), `subscription` (the cursor),
//! `replica` (a hub fed by a cluster), `signal` and `totals`.

mod budget;
mod directory;
mod frame;
mod padded;
mod reading;
#[cfg(feature = "cluster")]
mod replica;
mod retention;
mod sequence;
mod signal;
mod subscription;
#[cfg(test)]
mod tests;
mod topic;
mod totals;
mod watchers;

use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, MutexGuard, OnceLock};

use herald_wire::{Event, EventId, Gap, Topic, TopicInfo, TopicList, TopicPattern};

use crate::sse;
pub use crate::sse::FramingError;
use budget::Budget;
use directory::Directory;
pub use directory::Visibility;
pub use frame::Frame;
pub(crate) use frame::{Prepared, now_micros};
use sequence::{Numbering, Sequence};
pub use subscription::Subscription;
use topic::{TopicCell, TopicState};
pub use totals::Counts;
use totals::Totals;
use watchers::Watchers;

/// Handle to the hub; clones share the same state.
#[derive(Clone)]
pub struct Hub {
    inner: Arc<Inner>,
}

/// Capacities of a [`Hub`].
///
/// Retained history is bounded three ways: events per topic, bytes per
/// topic, and bytes over all topics; a topic keeps at least its newest
/// event. Whatever is evicted is reported to a reader who had not got it
/// as a [`Gap`].
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Events kept per topic for replay; at least 1.
    pub history: usize,
    /// Bytes of SSE frames kept per topic.
    pub topic_bytes: usize,
    /// Bytes of SSE frames kept over all topics; the oldest go first.
    pub total_bytes: usize,
    /// Topics with history at once. A publish to a new topic beyond it
    /// drops the history of the oldest topic no stream names, or of the
    /// oldest topic when streams name them all.
    pub max_topics: usize,
    /// Subscriptions open at once, over all topics.
    pub max_subscribers: usize,
}

/// What [`Hub::history`] read: frames, and where a stream resumes after them.
#[derive(Debug, Clone)]
pub struct History {
    /// The newest frames of each topic, merged in id order, oldest first.
    pub frames: Vec<Frame>,
    /// The hub's newest id when it read them: a stream after it misses
    /// nothing these topics got since.
    pub resume_after: EventId,
}

/// What a [`Subscription`] yields next.
#[derive(Debug, Clone)]
pub enum Framed {
    /// The next event, in id order.
    Event(Frame),
    /// Events the subscriber can no longer receive.
    Gap(Gap),
}

/// Why an event was not published.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// The event's own `Serialize` refused it: a metrics value that is NaN
    /// or infinite, which JSON cannot carry, or a rule of the app's type.
    #[error("the event cannot be encoded: {0}")]
    Encode(#[from] serde_json::Error),
    /// The encoded event would break SSE framing; a bug, not bad input.
    #[error(transparent)]
    Framing(#[from] FramingError),
    /// The hub replicates a cluster, whose sequence it cannot number from;
    /// publish through the cluster ([`crate::broker::Broker::publish`]).
    #[error("this hub replicates a cluster; publish through the cluster")]
    Replica,
}

/// Why an event numbered elsewhere (by a cluster) was not taken in.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// The hub already has this number or a later one.
    #[error("event {0} is not after the newest the hub has")]
    Replayed(u64),
    /// The event's kind is not a kind name.
    #[error("the event's kind is not a kind name: {0}")]
    InvalidKind(#[from] herald_wire::KindError),
    /// The envelope is not JSON.
    #[error("the envelope is not JSON: {0}")]
    Malformed(#[from] serde_json::Error),
    /// The envelope would break SSE framing.
    #[error(transparent)]
    Framing(#[from] FramingError),
}

/// Why a subscription was refused.
#[derive(Debug, thiserror::Error)]
pub enum SubscribeError {
    /// The hub already holds its configured maximum of subscriptions.
    #[error("the hub already serves its maximum of {max} streams")]
    Full {
        /// The configured maximum.
        max: usize,
    },
}

/// The hub's parts, each owning its state: the sequence, the topics by name
/// ([`Directory`]), the history budgets ([`Budget`]), and the counts.
struct Inner {
    /// The run these ids belong to; see [`EventId`].
    epoch: u64,
    /// Whether the numbers come from a cluster ([`Hub::apply`]) rather than
    /// from [`Hub::publish`].
    replica: bool,
    sequence: Sequence,
    directory: Directory,
    watchers: Watchers,
    budget: Budget,
    max_subscribers: usize,
    subscriptions: AtomicUsize,
    totals: Totals,
    /// On a replica, the hub of the cluster's next run once the cluster
    /// moved on ([`Hub::retire`]): every subscription moves there.
    successor: OnceLock<Hub>,
}

impl Hub {
    /// Creates an empty hub whose epoch is the unix microsecond it starts.
    ///
    /// A restarted hub then has another epoch than the run before it, even
    /// when the clock stepped back in between, so a client resuming with an
    /// id of the earlier run is told that it may have missed events instead
    /// of having its position compared with unrelated sequence numbers.
    pub fn new(limits: Limits) -> Self {
        Self::with_epoch(limits, now_micros())
    }

    /// Creates an empty hub whose ids carry `epoch`, for a program that
    /// chooses its runs' epochs itself. Two runs must never share one, or a
    /// client of the first would resume at a position of the second.
    pub fn with_epoch(limits: Limits, epoch: u64) -> Self {
        Self::build(limits, epoch, false)
    }

    fn build(limits: Limits, epoch: u64, replica: bool) -> Self {
        let limits = Limits {
            history: limits.history.max(1),
            ..limits
        };
        Self {
            inner: Arc::new(Inner {
                epoch,
                replica,
                sequence: Sequence::default(),
                directory: Directory::new(),
                watchers: Watchers::default(),
                budget: Budget::new(limits),
                max_subscribers: limits.max_subscribers,
                subscriptions: AtomicUsize::new(0),
                totals: Totals::default(),
                successor: OnceLock::new(),
            }),
        }
    }

    /// Publishes `event`, of any [`Event`] type, to `topic` and wakes its
    /// subscribers.
    ///
    /// # Errors
    /// [`PublishError::Encode`] when the event's `Serialize` refuses it (a
    /// metrics sample with a NaN or infinite value),
    /// [`PublishError::Replica`] on a hub that replicates a cluster; nothing
    /// is published then.
    pub fn publish<E: Event>(&self, topic: Topic, event: &E) -> Result<Frame, PublishError> {
        self.publish_prepared(Prepared::new(topic, event)?)
    }

    /// Publishes events encoded already, in order: all of them, or none on
    /// a replica. Each is appended as [`Hub::publish`] appends one, so a
    /// subscriber reads them in order, possibly among other publishers'.
    pub(crate) fn publish_all(
        &self,
        prepared: Vec<Prepared>,
    ) -> Result<Vec<EventId>, PublishError> {
        if self.inner.replica {
            return Err(PublishError::Replica);
        }
        prepared
            .into_iter()
            .map(|prepared| Ok(self.publish_prepared(prepared)?.id()))
            .collect()
    }

    /// Publishes an event encoded already ([`Hub::publish`]).
    pub(crate) fn publish_prepared(&self, prepared: Prepared) -> Result<Frame, PublishError> {
        if self.inner.replica {
            return Err(PublishError::Replica);
        }
        let frame = self.append(prepared.topic, &prepared.unnumbered, Numbering::Next);
        Ok(frame.expect("the hub's own next number is always new"))
    }

    /// The epoch of this hub's ids.
    pub fn epoch(&self) -> u64 {
        self.inner.epoch
    }

    /// Subscribes to `patterns` (topics, or every topic under a prefix,
    /// including topics created later), delivering events after `after`,
    /// or only new events when `after` is `None`. A set, because a stream
    /// follows each topic once however often a request names it.
    ///
    /// An `after` of another epoch, or beyond the newest id of this one,
    /// comes from another run or another hub; the subscription then starts
    /// from the beginning and first reports a [`Gap`] for each topic, or,
    /// with patterns, reports one per pattern and starts from now (replaying
    /// every topic a pattern matches would cost what no client may ask). On a
    /// replica, an id of its cluster's epoch beyond what it has taken in is
    /// another node's newer position: the stream waits for what follows it.
    ///
    /// # Errors
    /// [`SubscribeError::Full`] when the hub already holds its maximum of
    /// subscriptions.
    pub fn subscribe(
        &self,
        patterns: BTreeSet<TopicPattern>,
        after: Option<EventId>,
    ) -> Result<Subscription, SubscribeError> {
        Subscription::open(self.clone(), patterns, after)
    }

    /// The newest `limit` events of each topic `patterns` match, merged in
    /// id order, oldest first, at most [`Hub::HISTORY_MAX_EVENTS`] of them
    /// (the newest), and the position to resume a stream after.
    ///
    /// A client that shows these and then subscribes after
    /// [`History::resume_after`] sees every later event exactly once, even
    /// when there were none to show.
    pub fn history(&self, patterns: &BTreeSet<TopicPattern>, limit: usize) -> History {
        let inner = &*self.inner;
        let published = inner.sequence.published();
        // The newest seen so far, oldest on top: never more than the cap
        // is held, however many frames the patterns match.
        let cap = Self::HISTORY_MAX_EVENTS;
        let mut newest: BinaryHeap<Reverse<ByNumber>> = BinaryHeap::new();
        for cell in inner.directory.matching(patterns) {
            let state = cell.lock();
            let history = &state.history;
            // Past the watermark a frame may still have a smaller one
            // missing elsewhere; the stream opened after it delivers it.
            let end = history.partition_point(|frame| frame.sequence() <= published);
            // Newest first: once one is older than all that are kept, so
            // are the rest of this topic's.
            for frame in history.range(end.saturating_sub(limit)..end).rev() {
                if newest.len() == cap {
                    match newest.peek() {
                        Some(Reverse(oldest)) if oldest.0.sequence() < frame.sequence() => {
                            newest.pop();
                        }
                        _ => break,
                    }
                }
                newest.push(Reverse(ByNumber(frame.clone())));
            }
        }
        // Each frame belongs to one topic and the topics are distinct, so
        // the heap holds no duplicates; sorted ascending, it is in id order.
        let frames = newest
            .into_sorted_vec()
            .into_iter()
            .rev()
            .map(|Reverse(ByNumber(frame))| frame)
            .collect();
        History {
            frames,
            resume_after: EventId::new(inner.epoch, published),
        }
    }

    /// Most events one [`Hub::history`] returns, whatever its patterns
    /// match: the reply's memory, and what the request holds while it is
    /// built, stay bounded when `*` matches every topic.
    pub const HISTORY_MAX_EVENTS: usize = 10_000;

    /// One page of the topics with history or subscribers that `patterns`
    /// match (every topic when empty), in name order, starting after the
    /// name `after`, at most `limit` (at least 1).
    ///
    /// The map of topics is read for at most `limit + 1` entries per
    /// pattern, never copied whole.
    pub fn topics(
        &self,
        patterns: &BTreeSet<TopicPattern>,
        after: Option<&Topic>,
        limit: usize,
        visibility: &dyn Fn(&Topic) -> Visibility,
    ) -> TopicList {
        let limit = limit.max(1);
        let every = BTreeSet::from([TopicPattern::All]);
        let patterns = if patterns.is_empty() {
            &every
        } else {
            patterns
        };
        // One more than a page tells whether another page follows.
        let page = self
            .inner
            .directory
            .page(patterns, after, limit + 1, visibility);
        let mut topics: Vec<TopicInfo> = page
            .iter()
            .map(|cell| {
                let state = cell.lock();
                TopicInfo {
                    topic: cell.name.clone(),
                    subscribers: self.subscribers(cell, &state),
                    last_id: state.history.back().map(Frame::id),
                }
            })
            .collect();
        let next_after = (topics.len() > limit).then(|| {
            topics.truncate(limit);
            topics[limit - 1].topic.clone()
        });
        TopicList { topics, next_after }
    }

    /// Every topic with at least one subscriber, with their number: what a
    /// cluster node tells the others. The map lock is held only to copy the
    /// handles; each count is read under its topic's lock.
    pub(crate) fn followed(&self) -> Vec<(Topic, u64)> {
        self.inner
            .directory
            .cells()
            .iter()
            .filter_map(|cell| {
                let count = self.subscribers(cell, &cell.lock());
                (count > 0).then(|| (cell.name.clone(), count))
            })
            .collect()
    }

    /// The subscriptions that follow `cell` (locked as `state`): those
    /// that name it and those whose patterns match it.
    fn subscribers(&self, cell: &TopicCell, state: &TopicState) -> u64 {
        (state.subscribers.len() + self.inner.watchers.matching(&cell.name)) as u64
    }

    /// Bytes of history retained over all topics, what
    /// [`Limits::total_bytes`] bounds.
    pub fn retained_bytes(&self) -> usize {
        self.inner.budget.retained()
    }

    /// Open subscriptions over all topics.
    pub fn subscriptions(&self) -> usize {
        self.inner.subscriptions.load(Ordering::Acquire)
    }

    /// What the hub has done since it started, and its present size.
    pub fn counts(&self) -> Counts {
        let inner = &*self.inner;
        Counts {
            subscriptions: self.subscriptions() as u64,
            topics: inner.directory.len() as u64,
            history_bytes: self.retained_bytes() as u64,
            ..inner.totals.read()
        }
    }

    /// Appends an unnumbered event to `topic`, numbered by `numbering`;
    /// `None` when a given number is not new.
    fn append(
        &self,
        topic: Topic,
        unnumbered: &sse::Unnumbered,
        numbering: Numbering,
    ) -> Option<Frame> {
        let inner = &*self.inner;
        loop {
            let cell = inner.directory.cell(&topic);
            let (removed, first) = {
                let state = cell.lock();
                (state.removed, state.history.is_empty())
            };
            if removed {
                continue;
            }
            // A topic about to get its first frame counts against the cap:
            // room is made before a number is taken. No other topic's lock
            // is taken while holding one.
            if first {
                inner.budget.make_room_for_a_topic(&inner.directory);
            }
            let state = cell.lock();
            if !state.removed {
                return inner.append(&cell, state, topic, unnumbered, numbering);
            }
        }
    }
}

impl Inner {
    /// Gives the event its number and appends it to `cell`, locked as
    /// `state`, wakes its subscribers, then has the budget keep the history
    /// within its bounds; `None` when a given number is not new.
    fn append(
        &self,
        cell: &Arc<TopicCell>,
        mut state: MutexGuard<'_, TopicState>,
        topic: Topic,
        unnumbered: &sse::Unnumbered,
        numbering: Numbering,
    ) -> Option<Frame> {
        let claim = self.sequence.claim_by(numbering)?;
        let id = EventId::new(self.epoch, claim.number());
        let frame = Frame::new(id, topic, unnumbered);
        state.history.push_back(frame.clone());
        cell.raise_mark(id.sequence());
        self.totals.event();
        // Queued before the number is published, so a reader that sees it
        // published has the topic among its news; woken after, once it may
        // read it.
        state.queue_news(cell);
        let watching = self.watchers.queue(cell);
        drop(claim);
        state.raise();
        for news in &watching {
            news.raise();
        }
        self.budget
            .keep(&self.directory, cell, state, id.sequence(), frame.size());
        Some(frame)
    }

    /// Takes one of the hub's places for a subscription, counted.
    ///
    /// # Errors
    /// [`SubscribeError::Full`] when every place is taken.
    fn admit(&self) -> Result<(), SubscribeError> {
        let max = self.max_subscribers;
        if self.subscriptions.fetch_add(1, Ordering::AcqRel) >= max {
            self.subscriptions.fetch_sub(1, Ordering::AcqRel);
            return Err(SubscribeError::Full { max });
        }
        self.totals.subscription_opened();
        Ok(())
    }

    /// Takes a place for a subscription that moves here from the hub of
    /// the run before: it was admitted there, so it is not refused here.
    fn admit_moved(&self) {
        self.subscriptions.fetch_add(1, Ordering::AcqRel);
    }

    /// Gives back the place [`Inner::admit`] took.
    fn release(&self) {
        self.subscriptions.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A frame ordered by its number alone, to keep the newest of many.
struct ByNumber(Frame);

impl PartialEq for ByNumber {
    fn eq(&self, other: &Self) -> bool {
        self.0.sequence() == other.0.sequence()
    }
}

impl Eq for ByNumber {}

impl PartialOrd for ByNumber {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for ByNumber {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.sequence().cmp(&other.0.sequence())
    }
}
