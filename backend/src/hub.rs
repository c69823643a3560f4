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
//! A stream may follow patterns ([`TopicPattern`]) besides topics. Such a
//! *wide* subscription is registered as a watcher, so a topic created later
//! that a pattern matches gains it as a subscriber at creation, under the
//! same lock as its first event. It reads from the hub's log of every
//! retained frame in id order (filtered by its patterns) rather than from
//! each topic it follows, so its cost per event does not grow with the
//! number of topics its patterns match.
//!
//! All state sits behind one `std::sync::Mutex`. Publishing assigns the next
//! sequence number of the run and appends under that lock, so a subscriber that sees id `n` on one topic
//! also sees every id below `n` on its other topics, which is what lets a
//! multi-topic stream deliver in id order. The lock is never held across an
//! `.await` and its critical sections are a few map and ring operations; a
//! tokio mutex would only add overhead (see mini-redis `db.rs`).

use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::ops::{Bound, Range};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use shared::{Event, EventId, Gap, NotFinite, Payload, Topic, TopicInfo, TopicList, TopicPattern};
use tokio::sync::Notify;

mod retention;

use crate::sse;
pub use crate::sse::FramingError;
use retention::Ages;

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

/// A live cursor over one or more topics; dropping it unsubscribes.
pub struct Subscription {
    hub: Hub,
    key: u64,
    wake: Arc<Notify>,
    reader: Reader,
}

/// Where a subscription stands: what it follows, what it delivered and the
/// gaps it owes. Apart from the hub handle, so it can be advanced while the
/// hub's lock is held.
struct Reader {
    /// What the stream asked for, sorted.
    patterns: Vec<TopicPattern>,
    /// Whether a pattern names more than one topic: the subscription then
    /// reads the hub's log and learns of new topics as a watcher.
    wide: bool,
    /// The topics followed: those named, and those the patterns matched.
    topics: Vec<Topic>,
    /// Per topic (same order as `topics`), the newest sequence number
    /// already reported as lost, so a gap is told once; `None` until the
    /// topic's first gap.
    gap_floor: Vec<Option<u64>>,
    /// The sequence number of the newest event delivered; everything at or
    /// below it is done.
    cursor: u64,
    /// The id the client resumed after, when it came from another run: each
    /// topic first reports a gap after it.
    unknown_past: Option<EventId>,
    /// Gaps to report before anything else, on patterns whose topics the hub
    /// may have forgotten since the position resumed after.
    pending_gaps: VecDeque<Gap>,
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

struct Inner {
    limits: Limits,
    /// The run these ids belong to; see [`EventId`].
    epoch: u64,
    state: Mutex<State>,
}

struct State {
    /// In name order, so a pattern's topics are one range.
    topics: BTreeMap<Topic, TopicState>,
    /// Every retained frame, by sequence number: what wide subscriptions
    /// read, in the order they deliver.
    log: BTreeMap<u64, Frame>,
    /// The newest sequence number evicted from any topic: a subscription
    /// past it has lost nothing, without looking at its topics.
    evicted_through: u64,
    /// The wide subscriptions, by key.
    watchers: HashMap<u64, Watcher>,
    /// The topics with history, oldest first, for eviction.
    ages: Ages,
    /// Bytes of frames retained over all topics.
    bytes: usize,
    /// The newest sequence number of a topic the hub forgot entirely; a
    /// topic created later reports everything up to it as possibly lost
    /// (it may be the same topic again).
    forgotten_through: u64,
    /// The newest sequence number assigned; the first event gets 1.
    last_sequence: u64,
    next_key: u64,
    subscriptions: usize,
}

/// A subscription with patterns, as the hub sees it.
struct Watcher {
    /// Its patterns that name more than one topic.
    patterns: Vec<TopicPattern>,
    wake: Arc<Notify>,
    /// Topics created since the subscription last read, which it follows
    /// from now on.
    found: Vec<Topic>,
}

struct TopicState {
    history: VecDeque<Frame>,
    /// Bytes of the frames in `history`.
    bytes: usize,
    /// The newest sequence number this topic can no longer replay.
    lost_through: u64,
    subscribers: HashMap<u64, Arc<Notify>>,
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
        let state = State {
            topics: BTreeMap::new(),
            log: BTreeMap::new(),
            evicted_through: 0,
            watchers: HashMap::new(),
            ages: Ages::default(),
            bytes: 0,
            forgotten_through: 0,
            last_sequence: 0,
            next_key: 0,
            subscriptions: 0,
        };
        let limits = Limits {
            history: limits.history.max(1),
            ..limits
        };
        Self {
            inner: Arc::new(Inner {
                limits,
                epoch,
                state: Mutex::new(state),
            }),
        }
    }

    /// Publishes `payload` to `topic` and wakes its subscribers.
    ///
    /// # Errors
    /// [`PublishError::NotFinite`] for a metrics sample with a NaN or
    /// infinite value; nothing is published then.
    pub fn publish(&self, topic: Topic, payload: Payload) -> Result<Frame, PublishError> {
        if let Payload::Metrics(metrics) = &payload {
            metrics.check_finite()?;
        }
        let limits = &self.inner.limits;
        let mut state = self.lock();
        let retained = state
            .topics
            .get(&topic)
            .is_some_and(|topic_state| !topic_state.history.is_empty());
        if !retained && state.ages.len() >= limits.max_topics {
            // Make room before the id is taken, so a refusal changes nothing.
            let Some(victim) = state.ages.oldest_idle().cloned() else {
                return Err(PublishError::TooManyTopics {
                    max: limits.max_topics,
                });
            };
            // All of it: being idle, the topic then goes too.
            state.evict_while(victim.topic(), |_| true);
        }
        let sequence = state.last_sequence + 1;
        let event = Event {
            id: EventId::new(self.inner.epoch, sequence),
            topic,
            time_us: now_micros(),
            event: payload,
        };
        // Encoding happens under the lock because the id is part of the
        // bytes; it is a few microseconds for a typical event.
        let data = serde_json::to_string(&event)?;
        let framed = sse::event(&event.id.to_string(), event.event.kind().name(), &data)?;
        state.last_sequence = sequence;
        let frame = Frame(Arc::new(FrameInner {
            id: event.id,
            topic: event.topic,
            sse: framed.bytes,
            json: framed.data,
        }));
        let topic = frame.topic();
        let size = frame.size();
        state.log.insert(sequence, frame.clone());
        let topic_state = state.topic_entry(topic);
        let first = topic_state.history.is_empty();
        let idle = topic_state.subscribers.is_empty();
        topic_state.history.push_back(frame.clone());
        topic_state.bytes += size;
        for wake in topic_state.subscribers.values() {
            // `notify_one` stores a permit when the subscriber is not
            // waiting, so a wake between its read and its wait is not lost.
            wake.notify_one();
        }
        state.bytes += size;
        if first {
            state.ages.insert(&frame, idle);
        }
        // The new frame has the highest id, so it is never the oldest: a
        // bound that counts at least its own size keeps it, whatever else
        // goes. First this topic's bounds, then the budget over all topics,
        // where the oldest history goes first.
        state.evict_while(topic, |topic_state| {
            topic_state.history.len() > limits.history
                || topic_state.bytes > limits.topic_bytes.max(size)
        });
        while state.bytes > limits.total_bytes.max(size) {
            let Some(victim) = state.ages.oldest().cloned() else {
                break;
            };
            let mut first = true;
            state.evict_while(victim.topic(), |_| std::mem::take(&mut first));
        }
        Ok(frame)
    }

    /// Subscribes to `patterns` (topics, or every topic under a prefix,
    /// including topics created later), delivering events after `after`,
    /// or only new events when `after` is `None`. A set, because a stream
    /// follows each topic once however often a request names it.
    ///
    /// An `after` of another epoch, or beyond the newest id of this one,
    /// comes from another run or another hub; the subscription then starts
    /// from the beginning and first reports a [`Gap`] for each topic.
    ///
    /// # Errors
    /// [`SubscribeError::Full`] when the hub already holds its maximum of
    /// subscriptions.
    pub fn subscribe(
        &self,
        patterns: BTreeSet<TopicPattern>,
        after: Option<EventId>,
    ) -> Result<Subscription, SubscribeError> {
        let epoch = self.inner.epoch;
        let mut state = self.lock();
        let max = self.inner.limits.max_subscribers;
        if state.subscriptions >= max {
            return Err(SubscribeError::Full { max });
        }
        state.subscriptions += 1;
        let key = state.next_key;
        state.next_key += 1;
        let (cursor, unknown_past) = match after {
            None => (state.last_sequence, None),
            Some(id) if id.epoch() == epoch && id.sequence() <= state.last_sequence => {
                (id.sequence(), None)
            }
            Some(id) => (0, Some(id)),
        };
        let patterns: Vec<TopicPattern> = patterns.into_iter().collect();
        let wide: Vec<TopicPattern> = patterns
            .iter()
            .filter(|pattern| !matches!(pattern, TopicPattern::Exact(_)))
            .cloned()
            .collect();
        // A topic the hub forgot may have been one of the patterns'; it can
        // no longer be named, so the pattern itself reports the gap.
        let pending_gaps = wide
            .iter()
            .filter(|_| unknown_past.is_some() || state.forgotten_through > cursor)
            .map(|pattern| Gap {
                topic: pattern.clone(),
                after: unknown_past.unwrap_or(EventId::new(epoch, cursor)),
                through: EventId::new(epoch, state.forgotten_through),
            })
            .collect();
        let mut topics = BTreeSet::new();
        for pattern in &patterns {
            match pattern {
                TopicPattern::Exact(topic) => {
                    topics.insert(topic.clone());
                }
                pattern => topics.extend(
                    state
                        .matching(pattern, None)
                        .map(|(topic, _)| topic.clone()),
                ),
            }
        }
        let wake = Arc::new(Notify::new());
        for topic in &topics {
            let topic_state = state.topic_entry(topic);
            let was_idle = topic_state.subscribers.is_empty();
            topic_state.subscribers.insert(key, wake.clone());
            if was_idle {
                state.set_idle(topic, false);
            }
        }
        // Registered after its own topics, so only topics created from now
        // on reach it as found.
        if !wide.is_empty() {
            let watcher = Watcher {
                patterns: wide.clone(),
                wake: wake.clone(),
                found: Vec::new(),
            };
            state.watchers.insert(key, watcher);
        }
        drop(state);
        let topics: Vec<Topic> = topics.into_iter().collect();
        Ok(Subscription {
            hub: self.clone(),
            key,
            wake,
            reader: Reader {
                wide: !wide.is_empty(),
                patterns,
                gap_floor: vec![None; topics.len()],
                topics,
                cursor,
                unknown_past,
                pending_gaps,
            },
        })
    }

    /// The newest `limit` events of each topic `patterns` match, merged in
    /// id order, oldest first, at most [`Hub::HISTORY_MAX_EVENTS`] of them
    /// (the newest), and the position to resume a stream after.
    ///
    /// A client that shows these and then subscribes after
    /// [`History::resume_after`] sees every later event exactly once, even
    /// when there were none to show.
    pub fn history(&self, patterns: &BTreeSet<TopicPattern>, limit: usize) -> History {
        let state = self.lock();
        let resume_after = EventId::new(self.inner.epoch, state.last_sequence);
        let topics: BTreeMap<&Topic, &TopicState> = patterns
            .iter()
            .flat_map(|pattern| state.matching(pattern, None))
            .collect();
        let mut frames: Vec<Frame> = topics
            .values()
            .flat_map(|topic_state| {
                let history = &topic_state.history;
                history
                    .range(history.len().saturating_sub(limit)..)
                    .cloned()
            })
            .collect();
        drop(state);
        // Each frame belongs to one topic and the topics are distinct, so
        // sorting merges without duplicates.
        frames.sort_by_key(Frame::id);
        let excess = frames.len().saturating_sub(Self::HISTORY_MAX_EVENTS);
        frames.drain(..excess);
        History {
            frames,
            resume_after,
        }
    }

    /// Most events one [`Hub::history`] returns, whatever its patterns
    /// match: the reply's memory stays bounded when `*` matches every topic.
    pub const HISTORY_MAX_EVENTS: usize = 10_000;

    /// One page of the topics with history or subscribers that `patterns`
    /// match (every topic when empty), in name order, starting after the
    /// name `after`, at most `limit` (at least 1).
    ///
    /// The lock is held to copy at most `limit + 1` entries per pattern,
    /// never the whole map.
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
        let state = self.lock();
        let mut page: BTreeMap<&Topic, &TopicState> = BTreeMap::new();
        for pattern in patterns {
            // One more than a page tells whether another page follows.
            page.extend(state.matching(pattern, after).take(limit + 1));
        }
        let mut topics: Vec<TopicInfo> = page
            .into_iter()
            .take(limit + 1)
            .map(|(topic, topic_state)| TopicInfo {
                topic: topic.clone(),
                subscribers: topic_state.subscribers.len() as u64,
                last_id: topic_state.history.back().map(Frame::id),
            })
            .collect();
        drop(state);
        let next_after = (topics.len() > limit).then(|| {
            topics.truncate(limit);
            topics[limit - 1].topic.clone()
        });
        TopicList { topics, next_after }
    }

    /// Bytes of history retained over all topics, what
    /// [`Limits::total_bytes`] bounds.
    pub fn retained_bytes(&self) -> usize {
        self.lock().bytes
    }

    /// Open subscriptions over all topics.
    pub fn subscriptions(&self) -> usize {
        self.lock().subscriptions
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves plain maps in a consistent
        // state (every mutation is a single insert, remove or push), so the
        // poison flag carries no information worth failing for.
        self.inner
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
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

impl Subscription {
    /// Waits for the next delivery.
    ///
    /// Cancel safe: dropping the future loses nothing.
    pub async fn next(&mut self) -> Delivery {
        loop {
            if let Some(delivery) = self.try_next() {
                return delivery;
            }
            self.wake.notified().await;
        }
    }

    /// The next delivery if one is ready.
    pub fn try_next(&mut self) -> Option<Delivery> {
        let mut state = self.hub.lock();
        self.reader.next(&mut state, self.key, self.hub.inner.epoch)
    }

    /// The topics and patterns this subscription follows, sorted and
    /// without duplicates.
    pub fn patterns(&self) -> &[TopicPattern] {
        &self.reader.patterns
    }
}

impl Reader {
    /// The next delivery if one is ready, read under the hub's lock.
    fn next(&mut self, state: &mut State, key: u64, epoch: u64) -> Option<Delivery> {
        if let Some(gap) = self.pending_gaps.pop_front() {
            return Some(Delivery::Gap(gap));
        }
        if self.wide
            && let Some(watcher) = state.watchers.get_mut(&key)
        {
            // A topic created after the subscription holds only events
            // newer than its cursor, so none of its past is owed.
            for topic in watcher.found.drain(..) {
                self.topics.push(topic);
                self.gap_floor.push(Some(0));
            }
        }
        // Only an eviction past the cursor, or a position of another run,
        // can leave a topic owing a gap; otherwise no topic is looked at.
        if (self.unknown_past.is_some() || state.evicted_through > self.cursor)
            && let Some(gap) = self.next_gap(state, epoch)
        {
            return Some(Delivery::Gap(gap));
        }
        let frame = if self.wide {
            let found = state
                .log
                .range(self.cursor + 1..)
                .map(|(_, frame)| frame)
                .find(|frame| {
                    self.patterns
                        .iter()
                        .any(|pattern| pattern.matches(frame.topic()))
                });
            if found.is_none() {
                // Every retained frame was looked at: the next look starts
                // after them, so each frame is examined once.
                self.cursor = state.last_sequence;
            }
            found
        } else {
            self.topics
                .iter()
                .filter_map(|topic| state.topics.get(topic))
                .filter_map(|topic_state| {
                    let history = &topic_state.history;
                    let first_unseen =
                        history.partition_point(|frame| frame.sequence() <= self.cursor);
                    history.get(first_unseen)
                })
                .min_by_key(|frame| frame.sequence())
        }?
        .clone();
        self.cursor = frame.sequence();
        Some(Delivery::Event(frame))
    }

    /// The first gap a followed topic owes: history evicted past what the
    /// subscription has seen, or (once per topic) the past of another run.
    fn next_gap(&mut self, state: &State, epoch: u64) -> Option<Gap> {
        for (index, topic) in self.topics.iter().enumerate() {
            let Some(topic_state) = state.topics.get(topic) else {
                continue;
            };
            let told = self.gap_floor[index];
            let floor = self.cursor.max(told.unwrap_or(0));
            let unknown_past = self.unknown_past.filter(|_| told.is_none());
            if topic_state.lost_through > floor || unknown_past.is_some() {
                self.gap_floor[index] = Some(topic_state.lost_through);
                return Some(Gap {
                    topic: topic.clone().into(),
                    after: unknown_past.unwrap_or(EventId::new(epoch, floor)),
                    through: EventId::new(epoch, topic_state.lost_through),
                });
            }
        }
        // Every topic has been told about the other run's past.
        self.unknown_past = None;
        None
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        let mut state = self.hub.lock();
        state.subscriptions -= 1;
        let found = state
            .watchers
            .remove(&self.key)
            .map(|watcher| watcher.found)
            .unwrap_or_default();
        for topic in self.reader.topics.iter().chain(&found) {
            let Some(topic_state) = state.topics.get_mut(topic) else {
                continue;
            };
            topic_state.subscribers.remove(&self.key);
            if !topic_state.subscribers.is_empty() {
                continue;
            }
            if topic_state.history.is_empty() {
                // A topic that never got an event exists only for its
                // subscribers; forget it with the last one.
                state.topics.remove(topic);
            } else {
                state.set_idle(topic, true);
            }
        }
    }
}

impl State {
    /// The state of `topic`, created when the hub does not know it yet; a
    /// created topic gains as subscribers the watchers whose patterns match
    /// it, so what follows a pattern sees the topic's first event.
    fn topic_entry(&mut self, topic: &Topic) -> &mut TopicState {
        match self.topics.entry(topic.clone()) {
            Entry::Occupied(entry) => entry.into_mut(),
            Entry::Vacant(entry) => {
                let mut created = TopicState::new(self.forgotten_through);
                for (key, watcher) in &mut self.watchers {
                    if watcher
                        .patterns
                        .iter()
                        .any(|pattern| pattern.matches(topic))
                    {
                        created.subscribers.insert(*key, watcher.wake.clone());
                        watcher.found.push(topic.clone());
                    }
                }
                entry.insert(created)
            }
        }
    }

    /// The known topics `pattern` names, in name order, after the name
    /// `after`: one lookup for a topic, one range of the map for a prefix.
    fn matching<'a>(
        &'a self,
        pattern: &TopicPattern,
        after: Option<&'a Topic>,
    ) -> Box<dyn Iterator<Item = (&'a Topic, &'a TopicState)> + 'a> {
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

    /// Evicts the oldest frames of `topic` while `over` says it keeps too
    /// much, then re-indexes it once; the topic itself goes when that leaves
    /// it with neither history nor subscribers.
    fn evict_while(&mut self, topic: &Topic, mut over: impl FnMut(&TopicState) -> bool) {
        let Some(topic_state) = self.topics.get_mut(topic) else {
            return;
        };
        let Some(oldest) = topic_state.history.front().map(Frame::sequence) else {
            return;
        };
        let kept = topic_state.history.len();
        let mut freed = 0;
        while over(topic_state) {
            let Some(evicted) = topic_state.history.pop_front() else {
                break;
            };
            topic_state.bytes -= evicted.size();
            topic_state.lost_through = evicted.sequence();
            self.log.remove(&evicted.sequence());
            self.evicted_through = self.evicted_through.max(evicted.sequence());
            freed += evicted.size();
        }
        if topic_state.history.len() == kept {
            return;
        }
        let idle = topic_state.subscribers.is_empty();
        let next = topic_state.history.front().cloned();
        self.bytes -= freed;
        self.ages.remove(oldest);
        match next {
            Some(next) => self.ages.insert(&next, idle),
            None if idle => self.remove_topic(topic),
            None => {}
        }
    }

    fn remove_topic(&mut self, topic: &Topic) {
        if let Some(removed) = self.topics.remove(topic) {
            self.forgotten_through = self.forgotten_through.max(removed.lost_through);
        }
    }

    /// Marks `topic` as followed or not in the eviction index.
    fn set_idle(&mut self, topic: &Topic, idle: bool) {
        if let Some(oldest) = self
            .topics
            .get(topic)
            .and_then(|topic_state| topic_state.history.front())
        {
            self.ages.set_idle(oldest, idle);
        }
    }
}

impl TopicState {
    fn new(floor: u64) -> Self {
        Self {
            history: VecDeque::new(),
            bytes: 0,
            lost_through: floor,
            subscribers: HashMap::new(),
        }
    }
}

fn now_micros() -> u64 {
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
    fn decoded(frame: &Frame) -> Event {
        let event: Event = serde_json::from_slice(&frame.json()).unwrap();
        assert_eq!((event.id, &event.topic), (frame.id(), frame.topic()));
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
}
