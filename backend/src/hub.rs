//! The hub: one ordered sequence of events, a bounded history per topic,
//! and the subscriptions that read from it.
//!
//! The history ring of a topic doubles as its fan-out buffer. Publishing
//! appends one pre-framed [`Frame`] to the ring and wakes the topic's
//! subscribers; each [`Subscription`] keeps only a cursor (the last id it
//! delivered) and reads the frames after it. That single design gives:
//! - resume: a reconnect with `Last-Event-ID` is a subscription whose cursor
//!   starts in the past, so replay and live delivery are the same code path
//!   and nothing falls between them, nor is anything sent twice;
//! - bounded memory: a subscriber that stops reading holds no buffer of its
//!   own; when the ring evicts frames it had not read, it gets a [`Gap`] and
//!   carries on from the oldest retained frame;
//! - encode once: every subscriber gets a clone of the same [`Bytes`].
//!
//! There is no lock over the whole hub on the delivery path. Each topic has
//! its own lock ([`topic::TopicCell`]); subscriptions hold their topics'
//! handles, so a read touches only its own topics. Publishing encodes and
//! frames the event outside any lock, then, under its topic's lock, claims
//! the next number of the hub's one [`sequence::Sequence`] and appends.
//! Numbers are published in order, and readers never pass the published
//! watermark, so a subscriber that sees id `n` on one topic also sees every
//! id below `n` on its other topics: that is what lets a multi-topic stream
//! deliver in id order. A stream of one topic does not even read the
//! watermark: its ring alone is in order. The map of topics (by name, for
//! patterns and paging) sits behind a read-write lock written only when a
//! topic is created or dropped; publishers look topics up in a copy split
//! into shards by hash, so publishers of different topics share no lock.
//! The eviction index ([`retention::Ages`]) is a mutex taken when a topic
//! gains or loses all its history, or when the byte budget evicts: trimming
//! a full ring leaves its index key behind as a lower bound, put right when
//! an eviction meets it. No lock is held across an `.await`, locks nest only
//! as map, then shard or topic, then index, and a topic's lock is never
//! taken while another's is held.
//!
//! A stream may follow patterns ([`TopicPattern`]) besides topics. Such a
//! *wide* subscription is registered as a watcher, so a topic created later
//! that a pattern matches gains it as a subscriber when it is created, before
//! its first event. Its topics tell it which of them have something new
//! ([`topic::News`]), so its cost per event does not grow with the number of
//! topics its patterns match.

use std::collections::hash_map::RandomState;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::BuildHasher;
use std::ops::{Bound, Range};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use serde::Serialize;
use shared::{EventId, Gap, Kind, NotFinite, Payload, Topic, TopicInfo, TopicList, TopicPattern};

mod reader;
mod retention;
mod sequence;
mod signal;
mod topic;
mod totals;

use crate::sse;
pub use crate::sse::FramingError;
pub use reader::Subscription;
use retention::Ages;
use sequence::Sequence;
use signal::Signal;
use topic::{News, Subscriber, TopicCell, TopicState, lock};
pub use totals::Counts;
use totals::Totals;

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
    /// drops the history of the oldest topic no stream follows, or is
    /// refused when every topic is followed.
    pub max_topics: usize,
    /// Subscriptions open at once, over all topics.
    pub max_subscribers: usize,
}

/// A published event, framed for SSE once and shared by every subscriber.
///
/// The frame is the only copy the hub keeps: its envelope JSON is a slice
/// of the SSE bytes ([`Frame::json`]), and nothing is kept decoded.
#[derive(Debug, Clone)]
pub struct Frame(Arc<FrameInner>);

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
pub enum Delivery {
    /// The next event, in id order.
    Event(Frame),
    /// Events the subscriber can no longer receive.
    Gap(Gap),
}

/// Why an event was not published.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// A metrics value is NaN or infinite, which JSON cannot carry.
    #[error(transparent)]
    NotFinite(#[from] NotFinite),
    /// The event could not be encoded; a bug, not bad input.
    #[error("failed to encode event")]
    Encode(#[from] serde_json::Error),
    /// The encoded event would break SSE framing; a bug, not bad input.
    #[error(transparent)]
    Framing(#[from] FramingError),
    /// The hub holds its maximum of topics and every one of them is
    /// followed by a stream, so none can make room.
    #[error(
        "the hub already keeps history for its maximum of {max} topics, all of them followed; retry later"
    )]
    TooManyTopics {
        /// The configured maximum.
        max: usize,
    },
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
    /// The event's kind is not one this hub knows.
    #[error("unknown event kind {0:?}")]
    UnknownKind(String),
    /// The envelope is not JSON.
    #[error("the envelope is not JSON: {0}")]
    Malformed(#[from] serde_json::Error),
    /// The envelope would break SSE framing.
    #[error(transparent)]
    Framing(#[from] FramingError),
}

/// An event encoded once and checked for SSE framing, without its number
/// yet: what [`Hub::publish`] appends at once, and what a cluster carries to
/// every node, which numbers it there ([`Hub::apply`]).
pub(crate) struct Prepared {
    pub(crate) topic: Topic,
    pub(crate) kind: Kind,
    /// The envelope's JSON but for its id: [`shared::Event`]'s other fields.
    pub(crate) envelope: String,
    unnumbered: sse::Unnumbered,
}

/// Where an appended event's number comes from.
#[derive(Clone, Copy)]
enum Numbering {
    /// The next of the hub's own sequence.
    Next,
    /// The cluster's, given.
    Given(u64),
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

#[derive(Debug)]
struct FrameInner {
    id: EventId,
    topic: Topic,
    sse: Bytes,
    /// Where the envelope JSON lies in `sse`.
    json: Range<usize>,
}

/// The envelope of an event but for its id, which is written once the event
/// has its place in the sequence ([`sse::Unnumbered`]). Its fields, in this
/// order, are those of [`shared::Event`] after `id`.
#[derive(Serialize)]
struct Envelope<'a> {
    topic: &'a Topic,
    time_us: u64,
    event: &'a Payload,
}

struct Inner {
    limits: Limits,
    /// The run these ids belong to; see [`EventId`].
    epoch: u64,
    /// Whether the numbers come from a cluster ([`Hub::apply`]) rather than
    /// from [`Hub::publish`].
    replica: bool,
    sequence: Sequence,
    directory: RwLock<Directory>,
    /// The same cells by name again, split by hash, for the lookup every
    /// publish makes: publishers of different topics mostly take different
    /// shards' read locks, not one lock's shared counter.
    shards: Box<[Shard]>,
    hasher: RandomState,
    ages: Mutex<Ages>,
    /// Bytes of frames retained over all topics.
    bytes: AtomicUsize,
    /// The newest sequence number of a topic the hub forgot entirely; a
    /// topic created later reports everything up to it as possibly lost
    /// (it may be the same topic again).
    forgotten_through: AtomicU64,
    subscriptions: AtomicUsize,
    totals: Totals,
    /// Keys of subscriptions and topic cells.
    next_key: AtomicU64,
}

/// The topics by name, and the subscriptions that follow patterns.
#[derive(Default)]
struct Directory {
    /// In name order, so a pattern's topics are one range.
    topics: BTreeMap<Topic, Arc<TopicCell>>,
    watchers: HashMap<u64, Watcher>,
}

/// One shard of the topics by name, on a cache line of its own.
#[repr(align(128))]
#[derive(Default)]
struct Shard(RwLock<HashMap<Topic, Arc<TopicCell>>>);

/// How many shards the lookup by name has: enough that publishers on the
/// cores of a large machine rarely share one.
const SHARDS: usize = 64;

/// A subscription with patterns, as topics created later meet it.
struct Watcher {
    /// Its patterns that name more than one topic.
    patterns: Vec<TopicPattern>,
    wake: Arc<Signal>,
    news: Arc<News>,
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

    /// Creates an empty hub that replicates the sequence of a cluster whose
    /// ids carry `epoch`: it takes events only through [`Hub::apply`], and
    /// a client may resume after an id the cluster gave that this hub has
    /// not taken in yet (it waits for what follows instead of being told
    /// of a gap).
    pub(crate) fn replica(limits: Limits, epoch: u64) -> Self {
        Self::build(limits, epoch, true)
    }

    fn build(limits: Limits, epoch: u64, replica: bool) -> Self {
        let limits = Limits {
            history: limits.history.max(1),
            ..limits
        };
        Self {
            inner: Arc::new(Inner {
                limits,
                epoch,
                replica,
                sequence: Sequence::default(),
                directory: RwLock::default(),
                shards: (0..SHARDS).map(|_| Shard::default()).collect(),
                hasher: RandomState::new(),
                ages: Mutex::default(),
                bytes: AtomicUsize::new(0),
                forgotten_through: AtomicU64::new(0),
                subscriptions: AtomicUsize::new(0),
                totals: Totals::default(),
                next_key: AtomicU64::new(0),
            }),
        }
    }

    /// Publishes `payload` to `topic` and wakes its subscribers.
    ///
    /// # Errors
    /// [`PublishError::NotFinite`] for a metrics sample with a NaN or
    /// infinite value, [`PublishError::TooManyTopics`] when a new topic
    /// cannot be kept, [`PublishError::Replica`] on a hub that replicates a
    /// cluster; nothing is published then.
    pub fn publish(&self, topic: Topic, payload: Payload) -> Result<Frame, PublishError> {
        if self.inner.replica {
            return Err(PublishError::Replica);
        }
        let prepared = Self::prepare(topic, payload)?;
        self.append(prepared.topic, &prepared.unnumbered, Numbering::Next)
            .map(|frame| frame.expect("the hub's own next number is always new"))
    }

    /// Encodes `payload` for `topic` and checks it, stamped with the time
    /// now, without numbering it.
    ///
    /// # Errors
    /// As [`Hub::publish`], but for the topic cap, which is checked where
    /// the event is appended.
    pub(crate) fn prepare(topic: Topic, payload: Payload) -> Result<Prepared, PublishError> {
        if let Payload::Metrics(metrics) = &payload {
            metrics.check_finite()?;
        }
        let envelope = serde_json::to_string(&Envelope {
            topic: &topic,
            time_us: now_micros(),
            event: &payload,
        })?;
        let kind = payload.kind();
        let unnumbered = sse::unnumbered(kind.name(), &envelope)?;
        Ok(Prepared {
            topic,
            kind,
            envelope,
            unnumbered,
        })
    }

    /// Takes in an event that the cluster numbered `sequence`, encoded as
    /// [`Prepared::envelope`] by the node that published it, and wakes its
    /// subscribers. Numbers must come in order; those never given are passed
    /// over. The envelope is checked again, since it crossed the network.
    ///
    /// A new topic beyond [`Limits::max_topics`] is kept all the same when
    /// no topic can make room: the event is already the cluster's, and the
    /// byte budget still bounds what the hub keeps.
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
        let kind = Kind::from_name(kind).ok_or_else(|| ApplyError::UnknownKind(kind.to_owned()))?;
        serde_json::from_str::<serde::de::IgnoredAny>(envelope)?;
        let unnumbered = sse::unnumbered(kind.name(), envelope)?;
        match self.append(topic, &unnumbered, Numbering::Given(sequence)) {
            Ok(Some(frame)) => Ok(frame),
            Ok(None) | Err(_) => Err(ApplyError::Replayed(sequence)),
        }
    }

    /// Tells every subscriber that events up to `sequence` may be lost: the
    /// cluster no longer has events this hub missed. Topics that only those
    /// events would have created cannot be named, so patterns resumed later
    /// are told as well.
    pub(crate) fn lose_through(&self, sequence: u64) {
        let inner = &*self.inner;
        inner
            .forgotten_through
            .fetch_max(sequence, Ordering::AcqRel);
        let cells: Vec<Arc<TopicCell>> = read(&inner.directory).topics.values().cloned().collect();
        for cell in cells {
            let mut state = cell.lock();
            if state.lost_through < sequence {
                state.lost_through = sequence;
                cell.raise_mark(sequence);
                state.wake(&cell);
            }
        }
    }

    /// The epoch of this hub's ids.
    pub fn epoch(&self) -> u64 {
        self.inner.epoch
    }

    /// Appends an unnumbered event to `topic`, numbered by `numbering`;
    /// `Ok(None)` when a given number is not new.
    fn append(
        &self,
        topic: Topic,
        unnumbered: &sse::Unnumbered,
        numbering: Numbering,
    ) -> Result<Option<Frame>, PublishError> {
        let inner = &*self.inner;
        loop {
            let cell = inner.cell(&topic);
            let (removed, first) = {
                let state = cell.lock();
                (state.removed, state.history.is_empty())
            };
            if removed {
                continue;
            }
            // A topic about to get its first frame counts against the cap:
            // make room before a number is taken, so a refusal changes
            // nothing. No other topic's lock is taken while holding one.
            if first
                && let Err(full) = inner.make_room_for_a_topic()
                && !inner.replica
            {
                inner.forget_if_unused(&cell);
                return Err(full);
            }
            let state = cell.lock();
            if !state.removed {
                return Ok(inner.append(&cell, state, topic, unnumbered, numbering));
            }
        }
    }

    /// Subscribes to `patterns` (topics, or every topic under a prefix,
    /// including topics created later), delivering events after `after`,
    /// or only new events when `after` is `None`. A set, because a stream
    /// follows each topic once however often a request names it.
    ///
    /// An `after` of another epoch, or beyond the newest id of this one,
    /// comes from another run or another hub; the subscription then starts
    /// from the beginning and first reports a [`Gap`] for each topic. On a
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
        let cells: BTreeMap<u64, Arc<TopicCell>> = {
            let directory = read(&inner.directory);
            patterns
                .iter()
                .flat_map(|pattern| directory.matching(pattern, None))
                .map(|(_, cell)| (cell.key, Arc::clone(cell)))
                .collect()
        };
        let mut frames: Vec<Frame> = Vec::new();
        for cell in cells.values() {
            let state = cell.lock();
            let history = &state.history;
            // Past the watermark a frame may still have a smaller one
            // missing elsewhere; the stream opened after it delivers it.
            let end = history.partition_point(|frame| frame.sequence() <= published);
            frames.extend(history.range(end.saturating_sub(limit)..end).cloned());
        }
        // Each frame belongs to one topic and the topics are distinct, so
        // sorting merges without duplicates.
        frames.sort_by_key(Frame::id);
        let excess = frames.len().saturating_sub(Self::HISTORY_MAX_EVENTS);
        frames.drain(..excess);
        History {
            frames,
            resume_after: EventId::new(inner.epoch, published),
        }
    }

    /// Most events one [`Hub::history`] returns, whatever its patterns
    /// match: the reply's memory stays bounded when `*` matches every topic.
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
    ) -> TopicList {
        let limit = limit.max(1);
        let every = BTreeSet::from([TopicPattern::All]);
        let patterns = if patterns.is_empty() {
            &every
        } else {
            patterns
        };
        let page: Vec<Arc<TopicCell>> = {
            let directory = read(&self.inner.directory);
            let mut page: BTreeMap<&Topic, &Arc<TopicCell>> = BTreeMap::new();
            for pattern in patterns {
                // One more than a page tells whether another page follows.
                page.extend(directory.matching(pattern, after).take(limit + 1));
            }
            page.into_values().take(limit + 1).map(Arc::clone).collect()
        };
        let mut topics: Vec<TopicInfo> = page
            .iter()
            .map(|cell| {
                let state = cell.lock();
                TopicInfo {
                    topic: cell.name.clone(),
                    subscribers: state.subscribers.len() as u64,
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
        let cells: Vec<Arc<TopicCell>> = read(&self.inner.directory)
            .topics
            .values()
            .cloned()
            .collect();
        cells
            .iter()
            .filter_map(|cell| {
                let count = cell.lock().subscribers.len() as u64;
                (count > 0).then(|| (cell.name.clone(), count))
            })
            .collect()
    }

    /// Bytes of history retained over all topics, what
    /// [`Limits::total_bytes`] bounds.
    pub fn retained_bytes(&self) -> usize {
        self.inner.bytes.load(Ordering::Acquire)
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
            topics: read(&inner.directory).topics.len() as u64,
            history_bytes: self.retained_bytes() as u64,
            ..inner.totals.read()
        }
    }
}

impl Inner {
    /// Gives the event its number and appends it to `cell`, locked as
    /// `state`, then enforces the history bounds; `None` when a given number
    /// is not new.
    fn append(
        &self,
        cell: &Arc<TopicCell>,
        mut state: MutexGuard<'_, TopicState>,
        topic: Topic,
        unnumbered: &sse::Unnumbered,
        numbering: Numbering,
    ) -> Option<Frame> {
        let limits = &self.limits;
        let claim = match numbering {
            Numbering::Next => self.sequence.claim(),
            Numbering::Given(number) => self.sequence.claim_at(number)?,
        };
        let id = EventId::new(self.epoch, claim.number());
        let framed = unnumbered.number(id);
        let frame = Frame(Arc::new(FrameInner {
            id,
            topic,
            sse: framed.bytes,
            json: framed.data,
        }));
        let size = frame.size();
        state.history.push_back(frame.clone());
        cell.raise_mark(id.sequence());
        self.totals.event();
        state.bytes += size;
        // Published: readers may see it from here on, so now they are woken.
        drop(claim);
        state.wake(cell);
        if state.indexed.is_none() {
            let idle = state.subscribers.is_empty();
            lock(&self.ages).insert(id.sequence(), cell, idle);
            state.indexed = Some(id.sequence());
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
        // Then the budget over all topics, where the oldest history goes
        // first, whichever its topic.
        while self.bytes.load(Ordering::Acquire) > limits.total_bytes.max(size)
            && self.evict_oldest()
        {}
        Some(frame)
    }

    fn next_key(&self) -> u64 {
        self.next_key.fetch_add(1, Ordering::Relaxed)
    }

    /// The cell of `topic`, created when the hub does not know it yet.
    fn cell(&self, topic: &Topic) -> Arc<TopicCell> {
        let found = read(&self.shard(topic).0).get(topic).map(Arc::clone);
        match found {
            Some(cell) => cell,
            None => self.create(&mut write(&self.directory), topic),
        }
    }

    fn shard(&self, topic: &Topic) -> &Shard {
        // The remainder is below `SHARDS`, so it fits any `usize`.
        let index = (self.hasher.hash_one(topic) % SHARDS as u64) as usize;
        &self.shards[index]
    }

    /// The cell of `topic` in `directory`, created when it is not there; a
    /// created topic gains as subscribers the watchers whose patterns match
    /// it, before anything can be published to it.
    fn create(&self, directory: &mut Directory, topic: &Topic) -> Arc<TopicCell> {
        if let Some(cell) = directory.topics.get(topic) {
            return Arc::clone(cell);
        }
        let floor = self.forgotten_through.load(Ordering::Acquire);
        let cell = Arc::new(TopicCell::new(self.next_key(), topic.clone(), floor));
        {
            let mut state = cell.lock();
            for (key, watcher) in &directory.watchers {
                if watcher
                    .patterns
                    .iter()
                    .any(|pattern| pattern.matches(topic))
                {
                    let subscriber = Subscriber {
                        wake: Arc::clone(&watcher.wake),
                        news: Some(Arc::clone(&watcher.news)),
                        queued: true,
                    };
                    state.subscribers.insert(*key, subscriber);
                    lock(&watcher.news).push(Arc::clone(&cell));
                }
            }
        }
        directory.topics.insert(topic.clone(), Arc::clone(&cell));
        write(&self.shard(topic).0).insert(topic.clone(), Arc::clone(&cell));
        cell
    }

    /// Drops `cell` from the map if nothing keeps it: no history, no
    /// subscriber. Its `lost_through` survives it as the floor of later
    /// topics.
    fn forget_if_unused(&self, cell: &Arc<TopicCell>) {
        let mut directory = write(&self.directory);
        let mut state = cell.lock();
        if state.removed || !state.unused() {
            return;
        }
        state.removed = true;
        self.forgotten_through
            .fetch_max(state.lost_through, Ordering::AcqRel);
        directory.topics.remove(&cell.name);
        write(&self.shard(&cell.name).0).remove(&cell.name);
    }

    /// Evicts the oldest frames of a topic (locked as `state`) while `over`
    /// says it keeps too much, and returns the bytes freed; the caller
    /// counts them off [`Inner::bytes`].
    ///
    /// The eviction index is left as it is while the topic keeps history:
    /// its key there is then a lower bound of the oldest frame, set right
    /// lazily by [`Inner::evict_oldest`], so trimming a busy topic's ring on
    /// every publish takes no lock but the topic's. A topic left without
    /// history leaves the index.
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
    fn evict_oldest(&self) -> bool {
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
                    self.forget_if_unused(&cell);
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

    /// Makes room for one more topic with history: at
    /// [`Limits::max_topics`] or past it, drops the history of the topic no stream
    /// follows whose index key is oldest (the one written to longest ago,
    /// give or take the lag of lazily kept keys).
    fn make_room_for_a_topic(&self) -> Result<(), PublishError> {
        let max = self.limits.max_topics;
        loop {
            let victim = {
                let ages = lock(&self.ages);
                if ages.len() < max {
                    return Ok(());
                }
                ages.oldest_idle()
            };
            let Some((key, cell)) = victim else {
                return Err(PublishError::TooManyTopics { max });
            };
            let mut state = cell.lock();
            if state.indexed != Some(key) || !state.subscribers.is_empty() {
                // Changed meanwhile: look again.
                continue;
            }
            // All of it: being idle, the topic then goes too. Then look
            // again: publishers racing past the cap leave it over, and the
            // next new topic brings it back.
            let freed = self.evict_front(&mut state, |_| true);
            self.bytes.fetch_sub(freed, Ordering::AcqRel);
            drop(state);
            self.forget_if_unused(&cell);
        }
    }
}

impl Directory {
    /// The known topics `pattern` names, in name order, after the name
    /// `after`: one lookup for a topic, one range of the map for a prefix.
    fn matching<'a>(
        &'a self,
        pattern: &TopicPattern,
        after: Option<&'a Topic>,
    ) -> Box<dyn Iterator<Item = (&'a Topic, &'a Arc<TopicCell>)> + 'a> {
        let after = after.map(Topic::as_str);
        let Some(prefix) = pattern.prefix() else {
            let found = match pattern {
                TopicPattern::Exact(topic) => self.topics.get_key_value(topic),
                _ => None,
            };
            let found = found.filter(|(name, _)| after.is_none_or(|after| name.as_str() > after));
            return Box::new(found.into_iter());
        };
        let start = match after {
            Some(after) if after >= prefix.as_str() => Bound::Excluded(after),
            _ => Bound::Included(prefix.as_str()),
        };
        let range = self.topics.range::<str, _>((start, Bound::Unbounded));
        Box::new(range.take_while(move |(name, _)| name.as_str().starts_with(prefix.as_str())))
    }
}

impl Frame {
    /// The event's id.
    pub fn id(&self) -> EventId {
        self.0.id
    }

    /// The topic it was published to.
    pub fn topic(&self) -> &Topic {
        &self.0.topic
    }

    /// The event's envelope as JSON (a [`shared::Event`]), sharing the SSE
    /// frame's bytes.
    pub fn json(&self) -> Bytes {
        self.0.sse.slice(self.0.json.clone())
    }

    /// The event framed as SSE bytes, shared with every other subscriber.
    pub fn sse(&self) -> Bytes {
        self.0.sse.clone()
    }

    /// The id's position within the hub's run, what the hub orders by.
    fn sequence(&self) -> u64 {
        self.0.id.sequence()
    }

    /// What the frame counts against the history budgets: its SSE bytes.
    pub fn size(&self) -> usize {
        self.0.sse.len()
    }
}

/// Read-locks `lock`, ignoring poison, as [`topic::lock`] does.
fn read<T>(lock: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(PoisonError::into_inner)
}

/// Write-locks `lock`, ignoring poison, as [`topic::lock`] does.
fn write<T>(lock: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(PoisonError::into_inner)
}

/// The unix time in microseconds: event times, and the epoch of a new run.
pub(crate) fn now_micros() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_micros() as u64)
}

#[cfg(test)]
mod tests {
    use shared::{Chat, LatencyProbe};

    use super::*;

    /// Limits that bound only what a test sets.
    fn limits(history: usize) -> Limits {
        Limits {
            history,
            topic_bytes: usize::MAX,
            total_bytes: usize::MAX,
            max_topics: usize::MAX,
            max_subscribers: 8,
        }
    }

    fn hub(history: usize) -> Hub {
        Hub::new(limits(history))
    }

    fn topic(name: &str) -> Topic {
        Topic::parse(name).unwrap()
    }

    /// Topics or patterns, as a stream names them.
    fn topics(names: &[&str]) -> BTreeSet<TopicPattern> {
        names
            .iter()
            .map(|name| TopicPattern::parse(name).unwrap())
            .collect()
    }

    /// Every topic the hub lists, on one page.
    fn listed(hub: &Hub) -> Vec<TopicInfo> {
        let list = hub.topics(&BTreeSet::new(), None, 1_000);
        assert_eq!(list.next_after, None);
        list.topics
    }

    fn probe(seq: u64) -> Payload {
        Payload::LatencyProbe(LatencyProbe { seq, ts: 0 })
    }

    /// The frame's event, read back from its stored JSON.
    fn decoded(frame: &Frame) -> shared::Event {
        let event: shared::Event = serde_json::from_slice(&frame.json()).unwrap();
        assert_eq!((event.id, &event.topic), (frame.id(), frame.topic()));
        assert_eq!(
            frame.json(),
            serde_json::to_vec(&event).unwrap(),
            "the hub writes an event as serde does"
        );
        event
    }

    fn seq(delivery: Option<Delivery>) -> u64 {
        match delivery {
            Some(Delivery::Event(frame)) => match decoded(&frame).event {
                Payload::LatencyProbe(probe) => probe.seq,
                ref other => panic!("unexpected payload {other:?}"),
            },
            other => panic!("expected an event, got {other:?}"),
        }
    }

    #[test]
    fn ids_increase_across_topics() {
        let hub = hub(4);
        let a = hub.publish(topic("a"), probe(1)).unwrap().id();
        let b = hub.publish(topic("b"), probe(2)).unwrap().id();
        let c = hub.publish(topic("a"), probe(3)).unwrap().id();
        assert!(a < b && b < c);
    }

    #[test]
    fn a_new_subscription_sees_only_new_events() {
        let hub = hub(4);
        hub.publish(topic("a"), probe(1)).unwrap();
        let mut subscription = hub.subscribe(topics(&["a"]), None).unwrap();
        assert!(subscription.try_next().is_none());
        hub.publish(topic("a"), probe(2)).unwrap();
        assert_eq!(seq(subscription.try_next()), 2);
        assert!(subscription.try_next().is_none());
    }

    #[test]
    fn multi_topic_delivery_follows_id_order() {
        let hub = hub(8);
        let mut subscription = hub.subscribe(topics(&["b", "a", "a"]), None).unwrap();
        for (index, name) in ["a", "b", "b", "c", "a"].into_iter().enumerate() {
            hub.publish(topic(name), probe(index as u64)).unwrap();
        }
        let received: Vec<u64> = (0..4).map(|_| seq(subscription.try_next())).collect();
        assert_eq!(received, [0, 1, 2, 4]);
        assert!(subscription.try_next().is_none());
    }

    #[test]
    fn resuming_replays_after_the_given_id() {
        let hub = hub(8);
        let ids: Vec<EventId> = (0..5)
            .map(|n| hub.publish(topic("a"), probe(n)).unwrap().id())
            .collect();
        let mut subscription = hub.subscribe(topics(&["a"]), Some(ids[1])).unwrap();
        let replayed: Vec<u64> = (0..3).map(|_| seq(subscription.try_next())).collect();
        assert_eq!(replayed, [2, 3, 4]);
        assert!(subscription.try_next().is_none());
    }

    #[test]
    fn evicted_history_is_reported_once_as_a_gap() {
        let hub = hub(2);
        let first = hub.publish(topic("a"), probe(0)).unwrap().id();
        let mut evicted = first;
        for n in 1..4 {
            let id = hub.publish(topic("a"), probe(n)).unwrap().id();
            if n == 1 {
                evicted = id;
            }
        }
        let mut subscription = hub.subscribe(topics(&["a"]), Some(first)).unwrap();
        match subscription.try_next() {
            Some(Delivery::Gap(gap)) => {
                assert_eq!(gap.after, first);
                assert_eq!(gap.through, evicted);
            }
            other => panic!("expected a gap, got {other:?}"),
        }
        assert_eq!(seq(subscription.try_next()), 2);
        assert_eq!(seq(subscription.try_next()), 3);
        assert!(subscription.try_next().is_none());
    }

    /// What a subscription after `after` on `name` delivers at once, as
    /// `None` for a gap and the probe's `seq` for an event.
    fn drain(hub: &Hub, name: &str, after: EventId) -> Vec<Option<u64>> {
        let mut subscription = hub.subscribe(topics(&[name]), Some(after)).unwrap();
        std::iter::from_fn(|| subscription.try_next())
            .map(|delivery| match delivery {
                Delivery::Gap(gap) => {
                    assert_eq!(gap.after, after, "the gap starts at the client's id");
                    None
                }
                event => Some(seq(Some(event))),
            })
            .collect()
    }

    #[test]
    fn an_id_from_another_run_reports_a_gap_then_replays_everything() {
        let hub = Hub::with_epoch(limits(4), 1_000);
        hub.publish(topic("a"), probe(0)).unwrap();
        hub.publish(topic("a"), probe(1)).unwrap();
        for unknown in [
            EventId::new(1_000, 3),
            EventId::new(999, 1),
            EventId::new(1_001, 1),
            EventId::new(u64::MAX, u64::MAX),
        ] {
            assert_eq!(
                drain(&hub, "a", unknown),
                [None, Some(0), Some(1)],
                "{unknown}"
            );
        }
        assert_eq!(drain(&hub, "a", EventId::new(1_000, 1)), [Some(1)]);
    }

    #[test]
    fn a_clock_stepped_back_across_a_restart_skips_nothing() {
        // The first run started later by the clock than the one after it,
        // and its client saw more events than the new run has yet.
        let first = Hub::with_epoch(limits(16), 2_000);
        let mut seen = EventId::start(2_000);
        for n in 0..8 {
            seen = first.publish(topic("a"), probe(n)).unwrap().id();
        }
        let restarted = Hub::with_epoch(limits(16), 1_000);
        for n in 100..110 {
            restarted.publish(topic("a"), probe(n)).unwrap();
        }
        let expected: Vec<Option<u64>> =
            std::iter::once(None).chain((100..110).map(Some)).collect();
        assert_eq!(drain(&restarted, "a", seen), expected);
    }

    #[test]
    fn ids_are_counted_not_read_from_the_clock() {
        let hub = Hub::with_epoch(limits(4), 7);
        let ids: Vec<EventId> = (0..3)
            .map(|n| hub.publish(topic("a"), probe(n)).unwrap().id())
            .collect();
        assert_eq!(
            ids,
            [EventId::new(7, 1), EventId::new(7, 2), EventId::new(7, 3)]
        );
    }

    #[test]
    fn history_merges_the_newest_of_each_topic_in_id_order() {
        let hub = hub(8);
        let mut newest = EventId::start(0);
        for (index, name) in ["a", "b", "a", "c", "b", "a"].into_iter().enumerate() {
            newest = hub.publish(topic(name), probe(index as u64)).unwrap().id();
        }
        let seqs = |history: History| -> Vec<u64> {
            assert_eq!(history.resume_after, newest, "resume after everything read");
            history
                .frames
                .into_iter()
                .map(|frame| seq(Some(Delivery::Event(frame))))
                .collect()
        };
        let both = topics(&["b", "a", "a"]);
        assert_eq!(seqs(hub.history(&both, 2)), [1, 2, 4, 5]);
        assert_eq!(seqs(hub.history(&both, 10)), [0, 1, 2, 4, 5]);
        assert!(seqs(hub.history(&topics(&["none"]), 10)).is_empty());
        assert!(seqs(hub.history(&both, 0)).is_empty());
    }

    #[test]
    fn resuming_after_an_empty_history_misses_nothing() {
        let hub = hub(8);
        hub.publish(topic("other"), probe(0)).unwrap();
        let history = hub.history(&topics(&["quiet"]), 10);
        assert!(history.frames.is_empty());
        // Published between reading the history and opening the stream.
        hub.publish(topic("quiet"), probe(1)).unwrap();
        let mut subscription = hub
            .subscribe(topics(&["quiet"]), Some(history.resume_after))
            .unwrap();
        assert_eq!(seq(subscription.try_next()), 1);
        assert!(subscription.try_next().is_none());
    }

    #[test]
    fn dropping_the_last_subscription_forgets_an_empty_topic() {
        let hub = hub(4);
        hub.publish(topic("kept"), probe(0)).unwrap();
        let first = hub.subscribe(topics(&["kept", "empty"]), None);
        let second = hub.subscribe(topics(&["empty"]), None);
        assert_eq!(listed(&hub).len(), 2);
        assert_eq!(hub.subscriptions(), 2);
        drop(first);
        assert_eq!(listed(&hub).len(), 2);
        drop(second);
        let topics = listed(&hub);
        assert_eq!(topics.len(), 1);
        assert_eq!(topics[0].topic, topic("kept"));
        assert_eq!(topics[0].subscribers, 0);
        assert_eq!(hub.subscriptions(), 0);
    }

    #[test]
    fn subscriptions_are_capped() {
        let hub = Hub::new(Limits {
            max_subscribers: 1,
            ..limits(1)
        });
        let held = hub.subscribe(topics(&["a"]), None).unwrap();
        assert!(matches!(
            hub.subscribe(topics(&["a"]), None),
            Err(SubscribeError::Full { max: 1 })
        ));
        drop(held);
        assert!(hub.subscribe(topics(&["a"]), None).is_ok());
    }

    #[test]
    fn non_finite_metrics_are_refused() {
        let hub = hub(1);
        let metrics = shared::Metrics {
            cpu_total: f32::NAN,
            cpu_per_core: vec![],
            memory_used: 0,
            memory_total: 0,
            load: shared::LoadAverage {
                one: 0.0,
                five: 0.0,
                fifteen: 0.0,
            },
            net_rx_per_sec: 0,
            net_tx_per_sec: 0,
        };
        let refused = hub.publish(topic("m"), Payload::Metrics(metrics));
        assert!(matches!(
            refused,
            Err(PublishError::NotFinite(NotFinite { field: "cpu_total" }))
        ));
        assert!(listed(&hub).is_empty());
    }

    fn chat(text: &str) -> Payload {
        Payload::Chat(Chat {
            author: "a".into(),
            text: text.into(),
        })
    }

    /// The size of one frame of `chat("x")` on a one-letter topic.
    fn chat_size() -> usize {
        hub(1).publish(topic("z"), chat("x")).unwrap().size()
    }

    /// Opens a subscription after `after` and returns what it delivers at once.
    fn replay(hub: &Hub, name: &str, after: EventId) -> Vec<Delivery> {
        let mut subscription = hub.subscribe(topics(&[name]), Some(after)).unwrap();
        std::iter::from_fn(|| subscription.try_next()).collect()
    }

    #[test]
    fn the_byte_budget_evicts_the_oldest_history_first_and_tells_readers() {
        let size = chat_size();
        let hub = Hub::new(Limits {
            total_bytes: 3 * size,
            ..limits(8)
        });
        let before = hub.history(&topics(&["a"]), 1).resume_after;
        let ids: Vec<EventId> = ["a", "b", "c", "b"]
            .iter()
            .map(|name| hub.publish(topic(name), chat("x")).unwrap().id())
            .collect();
        assert_eq!(hub.retained_bytes(), 3 * size);
        // `a` lost its only event and, followed by nobody, is forgotten.
        let names: Vec<Topic> = listed(&hub).into_iter().map(|info| info.topic).collect();
        assert_eq!(names, [topic("b"), topic("c")]);
        let replayed = replay(&hub, "a", before);
        assert!(
            matches!(&replayed[..], [Delivery::Gap(gap)] if gap.through >= ids[0]),
            "{replayed:?}"
        );
        // `b` keeps both its events: the oldest history went, not the busiest topic's.
        let replayed = replay(&hub, "b", before);
        let kept: Vec<EventId> = replayed
            .iter()
            .filter_map(|delivery| match delivery {
                Delivery::Event(frame) => Some(frame.id()),
                Delivery::Gap(_) => None,
            })
            .collect();
        assert_eq!(kept, [ids[1], ids[3]]);
    }

    #[test]
    fn a_topic_keeps_its_byte_cap_and_always_its_newest_event() {
        let size = chat_size();
        let hub = Hub::new(Limits {
            topic_bytes: 2 * size,
            ..limits(8)
        });
        let start = hub.history(&topics(&["t"]), 1).resume_after;
        for _ in 0..3 {
            hub.publish(topic("t"), chat("x")).unwrap();
        }
        assert_eq!(hub.retained_bytes(), 2 * size);
        let replayed = replay(&hub, "t", start);
        assert!(matches!(replayed[0], Delivery::Gap(_)), "{replayed:?}");
        assert_eq!(replayed.len(), 3, "a gap, then the two newest");
        // An event larger than the cap is still kept, alone.
        let big = hub
            .publish(topic("t"), chat(&"x".repeat(3 * size)))
            .unwrap();
        assert_eq!(hub.retained_bytes(), big.size());
    }

    #[test]
    fn past_the_topic_cap_the_oldest_unfollowed_topic_makes_room() {
        let hub = Hub::new(Limits {
            max_topics: 2,
            ..limits(8)
        });
        let start = hub.history(&topics(&["a"]), 1).resume_after;
        hub.publish(topic("a"), chat("x")).unwrap();
        hub.publish(topic("b"), chat("x")).unwrap();
        let followed = hub.subscribe(topics(&["b"]), None).unwrap();
        hub.publish(topic("c"), chat("x")).unwrap();
        let names: Vec<Topic> = listed(&hub).into_iter().map(|info| info.topic).collect();
        assert_eq!(
            names,
            [topic("b"), topic("c")],
            "`a` went, though older than nothing else"
        );
        assert!(matches!(&replay(&hub, "a", start)[..], [Delivery::Gap(_)]));
        // With both remaining topics followed, a new one cannot be kept.
        let also_followed = hub.subscribe(topics(&["c"]), None).unwrap();
        let newest = hub.history(&topics(&["c"]), 1).resume_after;
        assert!(matches!(
            hub.publish(topic("d"), chat("x")),
            Err(PublishError::TooManyTopics { max: 2 })
        ));
        assert_eq!(
            hub.history(&topics(&["c"]), 1).resume_after,
            newest,
            "a refused publish takes no id"
        );
        // Publishing to a topic already kept is not a new topic.
        assert!(hub.publish(topic("b"), chat("y")).is_ok());
        // Once a stream leaves, its topic can make room again.
        drop(also_followed);
        assert!(hub.publish(topic("d"), chat("x")).is_ok());
        drop(followed);
    }

    #[test]
    fn a_prefix_subscriber_that_falls_behind_is_told_per_topic() {
        let hub = hub(2);
        let mut subscription = hub.subscribe(topics(&["p/*"]), None).unwrap();
        for n in 0..4 {
            hub.publish(topic("p/a"), probe(n)).unwrap();
        }
        hub.publish(topic("q"), probe(9)).unwrap();
        let deliveries: Vec<Delivery> = std::iter::from_fn(|| subscription.try_next()).collect();
        assert!(
            matches!(&deliveries[0], Delivery::Gap(gap) if gap.topic.to_string() == "p/a"),
            "{deliveries:?}"
        );
        let seqs: Vec<u64> = deliveries[1..]
            .iter()
            .map(|delivery| seq(Some(delivery.clone())))
            .collect();
        assert_eq!(seqs, [2, 3], "the two kept, nothing of `q`");
    }

    #[test]
    fn a_forgotten_topic_under_a_pattern_is_reported_on_the_pattern() {
        let hub = Hub::new(Limits {
            max_topics: 1,
            ..limits(4)
        });
        let start = hub.history(&topics(&["x"]), 1).resume_after;
        hub.publish(topic("p/old"), probe(0)).unwrap();
        // `p/old` is idle, so the next new topic drops it entirely.
        hub.publish(topic("q"), probe(1)).unwrap();
        assert_eq!(listed(&hub).len(), 1);
        let mut subscription = hub.subscribe(topics(&["p/*"]), Some(start)).unwrap();
        match subscription.try_next() {
            Some(Delivery::Gap(gap)) => assert_eq!(gap.topic.to_string(), "p/*"),
            other => panic!("expected a gap on the pattern, got {other:?}"),
        }
        assert!(subscription.try_next().is_none());
    }

    #[test]
    fn a_dropped_prefix_subscription_follows_nothing_more() {
        let hub = hub(4);
        let subscription = hub.subscribe(topics(&["p/*"]), None).unwrap();
        hub.publish(topic("p/a"), probe(0)).unwrap();
        drop(subscription);
        hub.publish(topic("p/b"), probe(1)).unwrap();
        let counts: Vec<u64> = listed(&hub).iter().map(|info| info.subscribers).collect();
        assert_eq!(counts, [0, 0]);
        assert_eq!(hub.subscriptions(), 0);
    }

    /// Publishers on several threads, each on its own topics, and readers
    /// over all of them: every reader gets every event once, in id order.
    #[test]
    fn concurrent_publishers_reach_every_reader_in_one_order() {
        const THREADS: u64 = 4;
        const EACH: u64 = 2_000;
        let hub = Hub::new(Limits {
            max_subscribers: 8,
            ..limits(usize::MAX)
        });
        let names: Vec<String> = (0..THREADS).map(|n| format!("t/{n}")).collect();
        let named: Vec<&str> = names.iter().map(String::as_str).collect();
        let mut readers = [
            hub.subscribe(topics(&named), None).unwrap(),
            hub.subscribe(topics(&["t/*"]), None).unwrap(),
            hub.subscribe(topics(&["*"]), None).unwrap(),
        ];
        let publishers: Vec<_> = (0..THREADS)
            .map(|thread| {
                let hub = hub.clone();
                std::thread::spawn(move || {
                    for n in 0..EACH {
                        hub.publish(topic(&format!("t/{thread}")), probe(n))
                            .unwrap();
                    }
                })
            })
            .collect();
        let mut received: Vec<Vec<EventId>> = vec![Vec::new(); readers.len()];
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while received
            .iter()
            .any(|ids| (ids.len() as u64) < THREADS * EACH)
        {
            assert!(std::time::Instant::now() < deadline, "events went missing");
            for (reader, ids) in readers.iter_mut().zip(&mut received) {
                while let Some(delivery) = reader.try_next() {
                    match delivery {
                        Delivery::Event(frame) => ids.push(frame.id()),
                        Delivery::Gap(gap) => panic!("unexpected {gap:?}"),
                    }
                }
            }
            std::thread::yield_now();
        }
        for publisher in publishers {
            publisher.join().unwrap();
        }
        for ids in &received {
            assert_eq!(ids.len() as u64, THREADS * EACH);
            assert!(ids.windows(2).all(|pair| pair[0] < pair[1]), "in id order");
        }
        assert_eq!(received[0], received[1]);
        assert_eq!(received[1], received[2]);
    }

    /// Publishers flooding new topics on several threads, while streams
    /// come and go: nothing deadlocks, and the caps hold once they are done.
    #[test]
    fn concurrent_floods_stay_within_the_caps() {
        const THREADS: usize = 4;
        const MAX_TOPICS: usize = 16;
        let size = chat_size();
        let hub = Hub::new(Limits {
            max_topics: MAX_TOPICS,
            total_bytes: 40 * size,
            max_subscribers: 64,
            ..limits(4)
        });
        let workers: Vec<_> = (0..THREADS)
            .map(|thread| {
                let hub = hub.clone();
                std::thread::spawn(move || {
                    for n in 0..2_000 {
                        let name = format!("flood/{thread}/{n}");
                        // Every few topics a stream opens on one of them and
                        // on the whole flood, and closes again.
                        let streams = (n % 5 == 0).then(|| {
                            (
                                hub.subscribe(topics(&[&name]), None).unwrap(),
                                hub.subscribe(topics(&["flood/*"]), None).unwrap(),
                            )
                        });
                        match hub.publish(topic(&name), chat("x")) {
                            Ok(_) | Err(PublishError::TooManyTopics { .. }) => {}
                            Err(other) => panic!("{other}"),
                        }
                        drop(streams);
                    }
                })
            })
            .collect();
        for worker in workers {
            worker.join().unwrap();
        }
        let kept = listed(&hub);
        assert!(kept.len() <= MAX_TOPICS + THREADS, "{} topics", kept.len());
        assert!(kept.iter().all(|info| info.subscribers == 0));
        assert!(hub.retained_bytes() <= 40 * size + THREADS * size);
        assert_eq!(hub.subscriptions(), 0);
    }

    #[tokio::test]
    async fn next_wakes_on_publish() {
        let hub = hub(4);
        let mut subscription = hub.subscribe(topics(&["chat"]), None).unwrap();
        let publisher = hub.clone();
        tokio::spawn(async move {
            let chat = Chat {
                author: "a".into(),
                text: "b".into(),
            };
            publisher
                .publish(topic("chat"), Payload::Chat(chat))
                .unwrap();
        });
        let delivery = subscription.next().await;
        assert!(matches!(delivery, Delivery::Event(frame) if frame.topic() == &topic("chat")));
    }

    /// An event as the node that published it sends it to the cluster.
    fn prepared(name: &str, seq: u64) -> Prepared {
        Hub::prepare(topic(name), probe(seq)).unwrap()
    }

    fn apply(hub: &Hub, sequence: u64, event: &Prepared) -> Result<Frame, ApplyError> {
        hub.apply(
            sequence,
            event.topic.clone(),
            event.kind.name(),
            &event.envelope,
        )
    }

    #[test]
    fn a_replica_takes_the_clusters_numbers_in_order_and_no_replay() {
        let hub = Hub::replica(limits(8), 7);
        let mut all = hub.subscribe(topics(&["a", "b"]), None).unwrap();
        let first = apply(&hub, 3, &prepared("a", 1)).unwrap();
        assert_eq!(first.id(), EventId::new(7, 3));
        apply(&hub, 4, &prepared("b", 2)).unwrap();
        assert!(matches!(
            apply(&hub, 4, &prepared("a", 3)),
            Err(ApplyError::Replayed(4))
        ));
        assert!(matches!(
            apply(&hub, 2, &prepared("a", 3)),
            Err(ApplyError::Replayed(2))
        ));
        assert_eq!([seq(all.try_next()), seq(all.try_next())], [1, 2]);
        assert!(all.try_next().is_none(), "a replay changes nothing");
        assert!(matches!(
            hub.publish(topic("a"), probe(9)),
            Err(PublishError::Replica)
        ));
    }

    #[test]
    fn a_replica_refuses_an_envelope_it_cannot_serve_and_changes_nothing() {
        let hub = Hub::replica(limits(8), 1);
        let event = prepared("a", 1);
        let refuse =
            |kind: &str, envelope: &str| hub.apply(1, topic("a"), kind, envelope).unwrap_err();
        assert!(matches!(
            refuse("nope", &event.envelope),
            ApplyError::UnknownKind(_)
        ));
        assert!(matches!(
            refuse("chat", "{not json"),
            ApplyError::Malformed(_)
        ));
        assert!(matches!(
            refuse("chat", "{\"a\":\"line\\nbreak\"}\n"),
            ApplyError::Malformed(_) | ApplyError::Framing(_)
        ));
        assert!(listed(&hub).is_empty());
        // The number was not used up: it can still come.
        apply(&hub, 1, &event).unwrap();
    }

    #[test]
    fn a_replica_resumes_after_a_number_it_has_not_taken_in_yet() {
        let hub = Hub::replica(limits(8), 5);
        apply(&hub, 1, &prepared("a", 1)).unwrap();
        let mut ahead = hub
            .subscribe(topics(&["a"]), Some(EventId::new(5, 3)))
            .unwrap();
        assert!(ahead.try_next().is_none(), "no gap: it waits");
        apply(&hub, 3, &prepared("a", 3)).unwrap();
        assert!(ahead.try_next().is_none(), "3 was seen on another node");
        apply(&hub, 4, &prepared("a", 4)).unwrap();
        assert_eq!(seq(ahead.try_next()), 4);
    }

    #[test]
    fn events_the_cluster_no_longer_has_reach_readers_as_a_gap() {
        let hub = Hub::replica(limits(8), 2);
        apply(&hub, 1, &prepared("a", 1)).unwrap();
        let mut reader = hub.subscribe(topics(&["a"]), None).unwrap();
        let mut pattern = hub.subscribe(topics(&["a", "b/*"]), None).unwrap();
        hub.lose_through(9);
        apply(&hub, 10, &prepared("a", 10)).unwrap();
        for subscription in [&mut reader, &mut pattern] {
            match subscription.try_next() {
                Some(Delivery::Gap(gap)) => {
                    assert_eq!(
                        (gap.after, gap.through),
                        (EventId::new(2, 1), EventId::new(2, 9))
                    );
                }
                other => panic!("expected a gap, got {other:?}"),
            }
            assert_eq!(seq(subscription.try_next()), 10);
        }
        // A pattern resumed from before the loss hears of it too.
        let mut later = hub
            .subscribe(topics(&["b/*"]), Some(EventId::new(2, 1)))
            .unwrap();
        assert!(matches!(later.try_next(), Some(Delivery::Gap(_))));
    }
}
