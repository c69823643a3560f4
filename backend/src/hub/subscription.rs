//! A subscription: a cursor over its topics' history rings, read under
//! each topic's own lock and never past the published watermark (how it
//! finds what it reads next is `reading`'s). Its topics say they have
//! something new through its [`News`]: the named ones, which hold it as a
//! subscriber, and the matched ones through the hub's watchers, which hold
//! nothing. On a replica retired for the cluster's next run it moves to the
//! next run's hub, with a gap.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use herald_wire::{EventId, Gap, Topic, TopicPattern};

use super::reading::{Followed, Many, Reading, next_of_many, next_of_one};
use super::signal::Signal;
use super::topic::{News, Subscriber, TopicCell};
use super::{Framed, Hub, Inner, SubscribeError};

/// A live cursor over one or more topics; dropping it unsubscribes.
///
/// # Examples
///
/// A reader that falls behind the history it may keep is told what it
/// missed, as a gap, then reads on:
///
/// ```
/// use std::collections::BTreeSet;
///
/// use herald_dashboard_events::{Chat, Payload};
/// use herald_hub::hub::{Framed, Hub, Limits};
/// use herald_wire::{Topic, TopicPattern};
///
/// let hub = Hub::new(Limits {
///     history: 2,
///     topic_bytes: 1 << 20,
///     total_bytes: 1 << 24,
///     max_topics: 100,
///     max_subscribers: 100,
/// });
/// let lobby = Topic::parse("chat/lobby")?;
/// let mut slow = hub.subscribe(BTreeSet::from([TopicPattern::Exact(lobby.clone())]), None)?;
/// assert_eq!(slow.patterns(), [TopicPattern::Exact(lobby.clone())]);
/// let chat = Payload::Chat(Chat { author: "ada".into(), text: "hi".into() });
/// let ids: Vec<_> = (0..4)
///     .map(|_| Ok(hub.publish(lobby.clone(), &chat)?.id()))
///     .collect::<Result<_, herald_hub::hub::PublishError>>()?;
///
/// let Some(Framed::Gap(gap)) = slow.try_next() else { panic!("expected a gap") };
/// assert_eq!(gap.through, ids[1], "the first two are gone");
/// let Some(Framed::Event(frame)) = slow.try_next() else { panic!("expected an event") };
/// assert_eq!(frame.id(), ids[2]);
/// assert_eq!(slow.position(), Some(ids[2]));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
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
        // Every number claimed before it registered is in place: later
        // ones reach its news (see `watchers`).
        let published = inner.sequence.settled();
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
    pub async fn next(&mut self) -> Framed {
        std::future::poll_fn(|cx| self.poll_next(cx)).await
    }

    /// The next delivery if one is ready, else `Pending` with `cx`'s task
    /// woken when there may be one.
    ///
    /// No wake-up is lost between a read that found nothing and the wait:
    /// a publisher raises the subscription's signal after its frame is in
    /// place, and a raise is kept until the wait takes it.
    pub fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<Framed> {
        loop {
            if let Some(delivery) = self.try_next() {
                return Poll::Ready(delivery);
            }
            ready!(self.cursor.wake.poll(cx));
        }
    }

    /// The next delivery if one is ready.
    pub fn try_next(&mut self) -> Option<Framed> {
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
        state.with_news += usize::from(subscriber.news.is_some());
        state.subscribers.insert(key, subscriber);
        if was_idle {
            inner.budget.set_idle(&cell, &state, false);
        }
        drop(state);
        return cell;
    }
}

impl Cursor {
    /// The next delivery if one is ready.
    fn next(&mut self, inner: &Inner) -> Option<Framed> {
        if let Some(gap) = self.pending_gaps.pop_front() {
            return Some(Framed::Gap(gap));
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
            let Some(gone) = state.subscribers.remove(&cursor.key) else {
                continue;
            };
            state.with_news -= usize::from(gone.news.is_some());
            if !state.subscribers.is_empty() {
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
