//! A subscription: a cursor over its topics' history rings, read under
//! each topic's own lock and never past the published watermark.
//!
//! One named topic is read directly. A subscription of several topics, or
//! of patterns, reads from its ready topics in the order of the number each
//! has next (a lower bound, put right when it comes first), so a delivery
//! costs O(log ready topics) however many topics it follows, and a resume
//! over many topics costs what it delivers. Its topics say they have
//! something new through its [`News`]: the named ones, which hold it as a
//! subscriber, and the matched ones through the hub's watchers, which hold
//! nothing: a matched topic is read while it has something unread and let
//! go after.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use shared::{EventId, Gap, Topic, TopicPattern};

use super::signal::Signal;
use super::topic::{News, Subscriber, TopicCell, TopicState};
use super::{Delivery, Frame, Hub, Inner, SubscribeError};

/// A live cursor over one or more topics; dropping it unsubscribes.
pub struct Subscription {
    hub: Hub,
    cursor: Cursor,
}

/// Everything of a subscription but the hub handle, so it can be advanced
/// while borrowing the hub's state.
struct Cursor {
    key: u64,
    wake: Arc<Signal>,
    /// What the stream asked for, sorted.
    patterns: Vec<TopicPattern>,
    /// Its patterns that name more than one topic, as the watchers know it.
    wide: Vec<TopicPattern>,
    reading: Reading,
    /// The sequence number of the newest event delivered; everything at or
    /// below it is done.
    cursor: u64,
    /// The id the client resumed after, when it came from another run and
    /// the subscription names its topics: each first reports a gap after
    /// it. (With patterns, the patterns report it once instead.)
    unknown_past: Option<EventId>,
    /// Gaps to report before anything else, on patterns whose topics the hub
    /// may have forgotten since the position resumed after.
    pending_gaps: VecDeque<Gap>,
}

/// How a subscription finds what it reads next.
enum Reading {
    /// One named topic, looked at directly.
    One(Followed),
    /// Several topics, or patterns.
    Many(Many),
}

struct Many {
    news: Arc<News>,
    /// By cell key: the named topics for as long as the subscription
    /// lives, matched ones while they have something to read or a gap told
    /// past the cursor.
    topics: HashMap<u64, Followed>,
    /// `(number, key)` of the topics that may have something unread: at
    /// most the number of the topic's next unread frame, lost ones
    /// included, so the first entry is the next delivery once put right.
    ready: BTreeSet<(u64, u64)>,
}

struct Followed {
    cell: Arc<TopicCell>,
    /// The newest sequence number already reported as lost, so a gap is
    /// told once; `None` until the topic's first gap.
    gap_floor: Option<u64>,
    /// Whether the subscription names it (and is its subscriber).
    named: bool,
    /// Its number in `ready`, while it is there.
    ready_at: Option<u64>,
}

impl Subscription {
    /// See [`Hub::subscribe`].
    pub(super) fn open(
        hub: Hub,
        patterns: BTreeSet<TopicPattern>,
        after: Option<EventId>,
    ) -> Result<Self, SubscribeError> {
        hub.inner.admit()?;
        Ok(Self::admitted(hub, patterns, after))
    }

    /// [`Subscription::open`], once admitted.
    fn admitted(hub: Hub, patterns: BTreeSet<TopicPattern>, after: Option<EventId>) -> Self {
        let inner = &*hub.inner;
        let key = inner.directory.next_key();
        let epoch = inner.epoch;
        let patterns: Vec<TopicPattern> = patterns.into_iter().collect();
        let wide: Vec<TopicPattern> = patterns
            .iter()
            .filter(|pattern| !matches!(pattern, TopicPattern::Exact(_)))
            .cloned()
            .collect();
        let wake = Arc::new(Signal::default());
        let news = (patterns.len() > 1 || !wide.is_empty())
            .then(|| Arc::new(News::new(Arc::clone(&wake))));
        // Watching and subscribing before reading the watermark: every
        // event published after it reaches this subscription.
        if let Some(news) = &news
            && !wide.is_empty()
        {
            inner.watchers.add(key, &wide, news);
        }
        let named: Vec<Arc<TopicCell>> = patterns
            .iter()
            .filter_map(|pattern| match pattern {
                TopicPattern::Exact(topic) => Some(subscribe(inner, key, topic, &wake, &news)),
                _ => None,
            })
            .collect();
        let published = inner.sequence.published();
        let (mut cursor, mut unknown_past) = match after {
            None => (published, None),
            // A replica may not have taken in yet what another node of its
            // cluster already served: it waits for what follows.
            Some(id) if id.epoch() == epoch && (id.sequence() <= published || inner.replica) => {
                (id.sequence(), None)
            }
            Some(id) => (0, Some(id)),
        };
        let mut pending_gaps = VecDeque::new();
        if let Some(past) = unknown_past.filter(|_| !wide.is_empty()) {
            // Another run's position on patterns: nothing of this run can be
            // placed after it, so each pattern says so once and the stream
            // goes on from now, instead of replaying every matched topic.
            pending_gaps.extend(patterns.iter().map(|pattern| Gap {
                topic: pattern.clone(),
                after: past,
                through: EventId::new(epoch, published),
            }));
            (cursor, unknown_past) = (published, None);
        }
        // A topic the hub forgot may have been one of the patterns'; it can
        // no longer be named, so the pattern itself reports the gap.
        let forgotten = inner.directory.forgotten_through();
        if unknown_past.is_none() && forgotten > cursor {
            pending_gaps.extend(wide.iter().map(|pattern| Gap {
                topic: pattern.clone(),
                after: EventId::new(epoch, cursor),
                through: EventId::new(epoch, forgotten),
            }));
        }
        let reading = if let (None, [cell]) = (&news, named.as_slice()) {
            Reading::One(Followed::new(Arc::clone(cell), None, true))
        } else {
            // Many topics, or none at all (a subscription that never yields).
            let news = news.unwrap_or_else(|| Arc::new(News::new(Arc::clone(&wake))));
            let mut many = Many {
                news,
                topics: HashMap::new(),
                ready: BTreeSet::new(),
            };
            for cell in named {
                many.topics
                    .insert(cell.key, Followed::new(cell, None, true));
            }
            // What the patterns matched before the subscription watched
            // and has something after its position; nothing, from now.
            let past: BTreeSet<TopicPattern> = if cursor < published {
                wide.iter().cloned().collect()
            } else {
                BTreeSet::new()
            };
            let matched = inner.directory.matching(&past);
            for cell in matched.into_iter().filter(|cell| cell.mark() > cursor) {
                many.heard(key, cursor, cell);
            }
            let named_keys: Vec<u64> = many.topics.keys().copied().collect();
            for cell_key in named_keys {
                many.make_ready(cell_key, cursor);
            }
            Reading::Many(many)
        };
        let cursor = Cursor {
            key,
            wake,
            patterns,
            wide,
            reading,
            cursor,
            unknown_past,
            pending_gaps,
        };
        Self { hub, cursor }
    }

    /// Moves to the hub of the cluster's next run once this one's retired
    /// ([`Hub::retire`]): a gap per pattern, from where the subscription
    /// was through the start of that run, then everything of the run.
    fn move_on(&mut self) {
        while let Some(successor) = self.hub.inner.successor.get() {
            let successor = successor.clone();
            let position = EventId::new(self.hub.inner.epoch, self.cursor.cursor);
            let start = EventId::new(successor.epoch(), 0);
            let patterns: BTreeSet<TopicPattern> = self.cursor.patterns.iter().cloned().collect();
            let gaps = patterns.iter().map(|pattern| Gap {
                topic: pattern.clone(),
                after: position,
                through: start,
            });
            let mut owed: VecDeque<Gap> = std::mem::take(&mut self.cursor.pending_gaps);
            owed.extend(gaps);
            successor.inner.admit_moved();
            let mut moved = Self::admitted(successor, patterns, Some(start));
            owed.append(&mut moved.cursor.pending_gaps);
            moved.cursor.pending_gaps = owed;
            // The old subscription leaves the old hub as it drops.
            *self = moved;
        }
    }

    /// Waits for the next delivery.
    ///
    /// Cancel safe: dropping the future loses nothing.
    pub async fn next(&mut self) -> Delivery {
        std::future::poll_fn(|cx| self.poll_next(cx)).await
    }

    /// The next delivery if one is ready, else `Pending` with `cx`'s task
    /// woken when there may be one.
    ///
    /// No wake-up is lost between a read that found nothing and the wait:
    /// a publisher raises the subscription's signal after its frame is in
    /// place, and a raise is kept until the wait takes it.
    pub fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<Delivery> {
        loop {
            if let Some(delivery) = self.try_next() {
                return Poll::Ready(delivery);
            }
            ready!(self.cursor.wake.poll(cx));
        }
    }

    /// The next delivery if one is ready.
    pub fn try_next(&mut self) -> Option<Delivery> {
        self.move_on();
        let delivery = self.cursor.next(&self.hub.inner)?;
        self.hub.inner.totals.delivered(&delivery);
        Some(delivery)
    }

    /// Where a client resumes to miss nothing this subscription delivers
    /// from here on: the newest event it delivered, or, before its first,
    /// where it started. `None` while it owes gaps of another run, which a
    /// client resuming here would no longer be told.
    pub fn position(&self) -> Option<EventId> {
        let cursor = &self.cursor;
        let owes = cursor.unknown_past.is_some() || !cursor.pending_gaps.is_empty();
        (!owes).then(|| EventId::new(self.hub.inner.epoch, cursor.cursor))
    }

    /// The topics and patterns this subscription follows, sorted and
    /// without duplicates.
    pub fn patterns(&self) -> &[TopicPattern] {
        &self.cursor.patterns
    }
}

/// Makes subscription `key` a subscriber of `topic`, created when the hub
/// does not know it, and returns its cell.
fn subscribe(
    inner: &Inner,
    key: u64,
    topic: &Topic,
    wake: &Arc<Signal>,
    news: &Option<Arc<News>>,
) -> Arc<TopicCell> {
    loop {
        let cell = inner.directory.cell(topic);
        let mut state = cell.lock();
        // Dropped meanwhile: look it up again.
        if state.removed {
            continue;
        }
        let was_idle = state.subscribers.is_empty();
        let subscriber = Subscriber {
            wake: Arc::clone(wake),
            news: news.clone(),
        };
        state.subscribers.insert(key, subscriber);
        if was_idle {
            inner.budget.set_idle(&cell, &state, false);
        }
        drop(state);
        return cell;
    }
}

impl Followed {
    fn new(cell: Arc<TopicCell>, gap_floor: Option<u64>, named: bool) -> Self {
        Self {
            cell,
            gap_floor,
            named,
            ready_at: None,
        }
    }

    /// The gap this topic owes a reader at `cursor`, told from here on:
    /// history it had not delivered was evicted, or, once, the past of
    /// another run.
    fn owed_gap(
        &mut self,
        state: &TopicState,
        cursor: u64,
        unknown_past: Option<EventId>,
        epoch: u64,
    ) -> Option<Gap> {
        let told = self.gap_floor;
        let floor = cursor.max(told.unwrap_or(0));
        let unknown_past = unknown_past.filter(|_| told.is_none());
        if state.lost_through <= floor && unknown_past.is_none() {
            return None;
        }
        self.gap_floor = Some(state.lost_through);
        Some(Gap {
            topic: self.cell.name.clone().into(),
            after: unknown_past.unwrap_or(EventId::new(epoch, floor)),
            through: EventId::new(epoch, state.lost_through),
        })
    }

    /// Whether the subscription can let the topic go: matched, not ready,
    /// and owing no memory of a gap past `cursor`.
    fn done(&self, cursor: u64) -> bool {
        !self.named && self.ready_at.is_none() && self.gap_floor.is_none_or(|told| told <= cursor)
    }
}

impl Many {
    /// Takes in that `cell` has something new, for subscription `key` at
    /// `cursor`. A matched topic created after the subscription started
    /// owes it no gap for what came before: had the name existed since, it
    /// would have been matched.
    fn heard(&mut self, key: u64, cursor: u64, cell: Arc<TopicCell>) {
        let cell_key = cell.key;
        self.topics.entry(cell_key).or_insert_with(|| {
            let gap_floor = (cell.key > key).then_some(cell.floor);
            Followed::new(cell, gap_floor, false)
        });
        self.make_ready(cell_key, cursor);
    }

    /// Puts topic `cell_key` among the ready ones, unless it is there.
    fn make_ready(&mut self, cell_key: u64, cursor: u64) {
        if let Some(followed) = self.topics.get_mut(&cell_key)
            && followed.ready_at.is_none()
        {
            // Anything unread, lost or not, is after the cursor.
            let at = cursor.saturating_add(1);
            followed.ready_at = Some(at);
            self.ready.insert((at, cell_key));
        }
    }

    /// Moves topic `cell_key` in `ready` from `from` to `to` (out, for
    /// `None`), and lets a matched topic go once it is done.
    fn move_ready(&mut self, cell_key: u64, from: u64, to: Option<u64>, cursor: u64) {
        self.ready.remove(&(from, cell_key));
        if let Some(to) = to {
            self.ready.insert((to, cell_key));
        }
        if let Some(followed) = self.topics.get_mut(&cell_key) {
            followed.ready_at = to;
            if followed.done(cursor) {
                self.topics.remove(&cell_key);
            }
        }
    }
}

impl Cursor {
    /// The next delivery if one is ready.
    fn next(&mut self, inner: &Inner) -> Option<Delivery> {
        if let Some(gap) = self.pending_gaps.pop_front() {
            return Some(Delivery::Gap(gap));
        }
        match &mut self.reading {
            Reading::One(followed) => {
                next_of_one(followed, &mut self.cursor, self.unknown_past, inner.epoch)
            }
            Reading::Many(many) => {
                next_of_many(many, self.key, &mut self.cursor, self.unknown_past, inner)
            }
        }
    }
}

/// The next delivery of a subscription of one named topic. A stream that
/// keeps up finds nothing past its cursor after each delivery, which it
/// sees without taking the topic's lock; its ring is in id order, so it
/// needs no watermark.
fn next_of_one(
    followed: &mut Followed,
    cursor: &mut u64,
    unknown_past: Option<EventId>,
    epoch: u64,
) -> Option<Delivery> {
    if unknown_past.is_none() && followed.cell.mark() <= *cursor {
        return None;
    }
    let cell = Arc::clone(&followed.cell);
    let state = cell.lock();
    if let Some(gap) = followed.owed_gap(&state, *cursor, unknown_past, epoch) {
        return Some(Delivery::Gap(gap));
    }
    let frame = state
        .history
        .get(first_after(&state.history, *cursor, Frame::sequence))?
        .clone();
    *cursor = frame.sequence();
    Some(Delivery::Event(frame))
}

/// The next delivery of a subscription of several topics or patterns: the
/// first ready topic's next frame once its number is right, never past the
/// published watermark, or the gap a topic owes first.
fn next_of_many(
    many: &mut Many,
    key: u64,
    cursor: &mut u64,
    unknown_past: Option<EventId>,
    inner: &Inner,
) -> Option<Delivery> {
    for cell in many.news.take() {
        many.heard(key, *cursor, cell);
    }
    // Read after the news: a topic told of is published up to what it told.
    let published = inner.sequence.published();
    loop {
        let &(at, cell_key) = many.ready.first()?;
        if at > published {
            // Its publisher tells the news again once it is published.
            return None;
        }
        let Some(followed) = many.topics.get_mut(&cell_key) else {
            many.ready.remove(&(at, cell_key));
            continue;
        };
        let cell = Arc::clone(&followed.cell);
        let state = cell.lock();
        if let Some(gap) = followed.owed_gap(&state, *cursor, unknown_past, inner.epoch) {
            return Some(Delivery::Gap(gap));
        }
        let first = first_after(&state.history, *cursor, Frame::sequence);
        match state.history.get(first) {
            Some(frame) if frame.sequence() == at => {
                let frame = frame.clone();
                let then = state.history.get(first + 1).map(Frame::sequence);
                drop(state);
                *cursor = frame.sequence();
                many.move_ready(cell_key, at, then, *cursor);
                return Some(Delivery::Event(frame));
            }
            // Its number was a lower bound: put it right and look again.
            found => {
                let found = found.map(Frame::sequence);
                drop(state);
                many.move_ready(cell_key, at, found, *cursor);
            }
        }
    }
}

/// The index of the first frame of `history` after `cursor`.
///
/// A subscription that keeps up is at the newest frame or the one before
/// it, so those are looked at before a binary search: a search reads a
/// dozen frames of the ring, each behind its own pointer.
fn first_after<T>(history: &VecDeque<T>, cursor: u64, sequence: impl Fn(&T) -> u64) -> usize {
    let len = history.len();
    match (len.checked_sub(1), len.checked_sub(2)) {
        (Some(newest), _) if sequence(&history[newest]) <= cursor => len,
        (Some(newest), Some(before)) if sequence(&history[before]) <= cursor => newest,
        _ => history.partition_point(|frame| sequence(frame) <= cursor),
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        let inner = &*self.hub.inner;
        let cursor = &mut self.cursor;
        inner.release();
        if !cursor.wide.is_empty() {
            inner.watchers.remove(cursor.key, &cursor.wide);
        }
        let named: Vec<Arc<TopicCell>> = match &mut cursor.reading {
            Reading::One(followed) => vec![Arc::clone(&followed.cell)],
            Reading::Many(many) => many
                .topics
                .drain()
                .filter(|(_, followed)| followed.named)
                .map(|(_, followed)| followed.cell)
                .collect(),
        };
        for cell in named {
            let mut state = cell.lock();
            if state.subscribers.remove(&cursor.key).is_none() || !state.subscribers.is_empty() {
                continue;
            }
            if !inner.budget.set_idle(&cell, &state, true) {
                // A topic that never got an event exists only for its
                // subscribers; forget it with the last one.
                drop(state);
                inner.directory.forget_if_unused(&cell);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_frame_after_a_cursor_is_found_at_either_end() {
        let ring: VecDeque<u64> = [3, 5, 8, 9, 12].into();
        let after = |cursor| first_after(&ring, cursor, |sequence| *sequence);
        for (cursor, index) in [
            (0, 0),
            (3, 1),
            (4, 1),
            (8, 3),
            (9, 4),
            (11, 4),
            (12, 5),
            (40, 5),
        ] {
            assert_eq!(after(cursor), index, "after {cursor}");
        }
        assert_eq!(first_after(&VecDeque::<u64>::new(), 7, |s| *s), 0);
        let one: VecDeque<u64> = [4].into();
        assert_eq!(first_after(&one, 3, |s| *s), 0);
        assert_eq!(first_after(&one, 4, |s| *s), 1);
    }
}
