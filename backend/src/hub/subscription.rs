//! A subscription: a cursor over its topics' history rings, read under
//! each topic's own lock and never past the published watermark.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use shared::{EventId, Gap, TopicPattern};

use super::signal::Signal;
use super::topic::{News, Subscriber, TopicCell, lock};
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
    /// For a subscription with patterns, where its topics say they have
    /// something new, and where topics created later arrive.
    news: Option<Arc<News>>,
    /// The topics followed: those named, and those the patterns matched.
    followed: Vec<Followed>,
    /// With patterns, cell key to index in `followed`, to take in what
    /// `news` brings once. The topics named without patterns are distinct
    /// already.
    index: HashMap<u64, usize>,
    /// With patterns, the followed topics that may have something unread;
    /// without, every followed topic is looked at.
    ready: BTreeSet<usize>,
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

struct Followed {
    cell: Arc<TopicCell>,
    /// The newest sequence number already reported as lost, so a gap is
    /// told once; `None` until the topic's first gap.
    gap_floor: Option<u64>,
}

impl Subscription {
    /// See [`Hub::subscribe`].
    pub(super) fn open(
        hub: Hub,
        patterns: BTreeSet<TopicPattern>,
        after: Option<EventId>,
    ) -> Result<Self, SubscribeError> {
        let inner = &*hub.inner;
        inner.admit()?;
        let key = inner.directory.next_key();
        let epoch = inner.epoch;
        let published = inner.sequence.published();
        let (cursor, unknown_past) = match after {
            None => (published, None),
            // A replica may not have taken in yet what another node of its
            // cluster already served: it waits for what follows.
            Some(id) if id.epoch() == epoch && (id.sequence() <= published || inner.replica) => {
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
        let forgotten = inner.directory.forgotten_through();
        let pending_gaps = wide
            .iter()
            .filter(|_| unknown_past.is_some() || forgotten > cursor)
            .map(|pattern| Gap {
                topic: pattern.clone(),
                after: unknown_past.unwrap_or(EventId::new(epoch, cursor)),
                through: EventId::new(epoch, forgotten),
            })
            .collect();
        let wake = Arc::new(Signal::default());
        let news = (!wide.is_empty()).then(|| Arc::new(News::default()));
        let mut cursor = Cursor {
            key,
            wake,
            patterns,
            news,
            followed: Vec::new(),
            index: HashMap::new(),
            ready: BTreeSet::new(),
            cursor,
            unknown_past,
            pending_gaps,
        };
        let cells = cursor.resolve(inner, wide);
        for cell in cells {
            cursor.follow(inner, cell, false);
        }
        Ok(Self { hub, cursor })
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
        let delivery = self.cursor.next(&self.hub.inner)?;
        self.hub.inner.totals.delivered(&delivery);
        Some(delivery)
    }

    /// The topics and patterns this subscription follows, sorted and
    /// without duplicates.
    pub fn patterns(&self) -> &[TopicPattern] {
        &self.cursor.patterns
    }
}

impl Cursor {
    /// The cells of the topics named and matched now; with patterns, the
    /// subscription is a watcher from the same moment, so a topic created
    /// later reaches it through `news` and none falls in between.
    fn resolve(&self, inner: &Inner, wide: Vec<TopicPattern>) -> Vec<Arc<TopicCell>> {
        let exact = self.patterns.iter().filter_map(|pattern| match pattern {
            TopicPattern::Exact(topic) => Some(topic),
            _ => None,
        });
        let Some(news) = &self.news else {
            return exact.map(|topic| inner.directory.cell(topic)).collect();
        };
        inner.directory.watch(
            self.key,
            wide,
            exact,
            Arc::clone(&self.wake),
            Arc::clone(news),
        )
    }

    /// Starts following `cell`, unless it already does. A named topic
    /// dropped meanwhile is looked up again; a matched one is let go, since
    /// a new one of that name reaches `news`.
    ///
    /// A topic `created` after the subscription started owes it no gap for
    /// what came before: had the name existed since, it would have been
    /// followed, and a followed topic is never forgotten.
    fn follow(&mut self, inner: &Inner, mut cell: Arc<TopicCell>, created: bool) {
        if self.index.contains_key(&cell.key) {
            return;
        }
        let gap_floor = loop {
            let mut state = cell.lock();
            if !state.removed {
                let was_idle = state.subscribers.is_empty();
                let subscriber = Subscriber {
                    wake: Arc::clone(&self.wake),
                    news: self.news.clone(),
                    queued: false,
                };
                state.subscribers.insert(self.key, subscriber);
                if was_idle {
                    inner.budget.set_idle(&cell, &state, false);
                }
                break created.then_some(cell.floor);
            }
            drop(state);
            let named = self
                .patterns
                .iter()
                .any(|pattern| *pattern == TopicPattern::Exact(cell.name.clone()));
            if !named {
                return;
            }
            cell = inner.directory.cell(&cell.name);
        };
        // Only a subscription with patterns looks topics up by key or keeps
        // a ready set; one without costs no allocation for them.
        if self.news.is_some() {
            self.index.insert(cell.key, self.followed.len());
            self.ready.insert(self.followed.len());
        }
        self.followed.push(Followed { cell, gap_floor });
    }

    /// The next delivery if one is ready.
    fn next(&mut self, inner: &Inner) -> Option<Delivery> {
        if let Some(gap) = self.pending_gaps.pop_front() {
            return Some(Delivery::Gap(gap));
        }
        // One named topic with nothing past the cursor, which is what a
        // stream that keeps up finds after each delivery: seen without
        // taking the topic's lock.
        if self.news.is_none()
            && self.unknown_past.is_none()
            && let [followed] = self.followed.as_slice()
            && followed.cell.mark() <= self.cursor
        {
            return None;
        }
        // Read once: every frame at or below it is in place on every topic,
        // so the smallest of them over this stream's topics is next. A
        // stream of one topic needs no such bound, since its ring is in id
        // order, and then does not read the hub-wide watermark at all.
        let published = if self.news.is_none() && self.followed.len() == 1 {
            u64::MAX
        } else {
            inner.sequence.published()
        };
        if let Some(news) = &self.news {
            let arrived: Vec<Arc<TopicCell>> = std::mem::take(&mut *lock(news));
            for cell in arrived {
                match self.index.get(&cell.key) {
                    Some(index) => {
                        self.ready.insert(*index);
                    }
                    None => self.follow(inner, cell, true),
                }
            }
        }
        let wide = self.news.is_some();
        // Without patterns every topic is looked at, and nothing allocated.
        let (mut ready, mut every);
        let candidates: &mut dyn Iterator<Item = usize> = if wide {
            ready = Vec::from_iter(self.ready.iter().copied()).into_iter();
            &mut ready
        } else {
            every = 0..self.followed.len();
            &mut every
        };
        let mut next: Option<Frame> = None;
        for index in candidates {
            let followed = &mut self.followed[index];
            let mut state = followed.cell.lock();
            if wide && let Some(subscriber) = state.subscribers.get_mut(&self.key) {
                subscriber.queued = false;
            }
            // A topic owes a gap when history it had not delivered was
            // evicted, or once for the past of another run. With patterns,
            // a topic can only lose what it was told to have: a topic not
            // ready has had nothing new, so nothing to lose.
            let told = followed.gap_floor;
            let floor = self.cursor.max(told.unwrap_or(0));
            let unknown_past = self.unknown_past.filter(|_| told.is_none());
            if state.lost_through > floor || unknown_past.is_some() {
                followed.gap_floor = Some(state.lost_through);
                return Some(Delivery::Gap(Gap {
                    topic: followed.cell.name.clone().into(),
                    after: unknown_past.unwrap_or(EventId::new(inner.epoch, floor)),
                    through: EventId::new(inner.epoch, state.lost_through),
                }));
            }
            let history = &state.history;
            let first_unseen = first_after(history, self.cursor, Frame::sequence);
            match history.get(first_unseen) {
                // Nothing unread: with patterns, the topic says when it has.
                None => {
                    self.ready.remove(&index);
                }
                Some(frame)
                    if frame.sequence() <= published
                        && next
                            .as_ref()
                            .is_none_or(|best| frame.sequence() < best.sequence()) =>
                {
                    next = Some(frame.clone());
                }
                // Not published yet, or later than the best: its publisher
                // wakes this subscription once it is.
                Some(_) => {}
            }
        }
        // Every topic has been told about the other run's past by now.
        self.unknown_past = None;
        let frame = next?;
        self.cursor = frame.sequence();
        Some(Delivery::Event(frame))
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
        let mut cells: Vec<Arc<TopicCell>> = cursor
            .followed
            .drain(..)
            .map(|followed| followed.cell)
            .collect();
        if let Some(news) = &cursor.news {
            // No longer a watcher first, so no topic created from here on
            // gains it; then what arrived meanwhile is let go too.
            inner.directory.unwatch(cursor.key);
            cells.append(&mut lock(news));
        }
        for cell in cells {
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
