//! One topic's state, behind its own lock: its history ring, which doubles
//! as the fan-out buffer, and its subscribers; and [`News`], where topics
//! tell a subscription of several that they have something new.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use herald_wire::Topic;

use super::Frame;
use super::signal::Signal;

/// A topic's shared handle: subscriptions hold it, so reading a topic
/// never goes through the hub's map of topics.
#[derive(Debug)]
pub(super) struct TopicCell {
    /// Unique over the hub's life, unlike the name (a topic dropped and
    /// created again is another cell).
    pub(super) key: u64,
    pub(super) name: Topic,
    /// What the topic could not replay when it was created: what the hub
    /// had forgotten by then, which may have been this name.
    pub(super) floor: u64,
    /// The newest sequence number the topic has anything about: its newest
    /// frame, or what it lost. Raised under the lock, before subscribers
    /// are woken, so a reader at or past it has nothing to read and needs
    /// no lock to see that.
    mark: AtomicU64,
    state: Mutex<TopicState>,
}

/// What a topic's lock guards. A plain record, not an object: the
/// facade appends to `history`, the budget trims it and owns `bytes` and
/// `indexed`, the directory owns `removed`, and subscriptions add and remove
/// themselves; each does so under this one lock, which is the interface.
#[derive(Debug)]
pub(super) struct TopicState {
    /// Frames in sequence order: a publisher claims its number under this
    /// lock and appends before releasing it.
    pub(super) history: VecDeque<Frame>,
    /// Bytes of the frames in `history`.
    pub(super) bytes: usize,
    /// The newest sequence number this topic can no longer replay.
    pub(super) lost_through: u64,
    pub(super) subscribers: HashMap<u64, Subscriber>,
    /// How many of `subscribers` have news: with none, as for a topic that
    /// thousands of one-topic streams follow, a publish looks at each
    /// subscriber once, to wake it, not twice.
    pub(super) with_news: usize,
    /// Set, under this lock, when the hub dropped the topic from its map:
    /// whoever holds the cell then looks the name up again.
    pub(super) removed: bool,
    /// The key this topic has in the eviction index while it has history:
    /// at most its oldest frame's number (see `Budget::evict_front`).
    pub(super) indexed: Option<u64>,
}

/// A subscription that names the topic, as the topic sees it.
#[derive(Debug)]
pub(super) struct Subscriber {
    pub(super) wake: Arc<Signal>,
    /// For a subscription of more than one topic: where to say that this
    /// topic has something new, so it reads its busy topics, not all.
    pub(super) news: Option<Arc<News>>,
}

/// Where the topics of a subscription that follows more than one topic
/// say they have something new: each topic once however much it publishes,
/// so the subscription reads what changed instead of looking at every
/// topic it follows.
#[derive(Debug)]
pub(super) struct News {
    wake: Arc<Signal>,
    queue: Mutex<Queue>,
}

#[derive(Debug, Default)]
struct Queue {
    cells: Vec<Arc<TopicCell>>,
    /// The keys of `cells`, so a busy topic is queued once.
    keys: HashSet<u64>,
}

impl News {
    pub(super) fn new(wake: Arc<Signal>) -> Self {
        Self {
            wake,
            queue: Mutex::default(),
        }
    }

    /// Says that `cell` has something new, and wakes the subscription.
    pub(super) fn tell(&self, cell: &Arc<TopicCell>) {
        self.queue(cell);
        self.wake.raise();
    }

    /// Says that `cell` has something new, without waking the
    /// subscription yet: a publisher queues before its number is published
    /// and wakes after, so a reader that sees the number published has the
    /// topic among its news.
    pub(super) fn queue(&self, cell: &Arc<TopicCell>) {
        let mut queue = lock(&self.queue);
        if queue.keys.insert(cell.key) {
            queue.cells.push(Arc::clone(cell));
        }
    }

    /// Wakes the subscription with nothing new to tell.
    pub(super) fn raise(&self) {
        self.wake.raise();
    }

    /// The topics told since the last take, each once.
    pub(super) fn take(&self) -> Vec<Arc<TopicCell>> {
        let mut queue = lock(&self.queue);
        queue.keys.clear();
        std::mem::take(&mut queue.cells)
    }
}

impl TopicCell {
    pub(super) fn new(key: u64, name: Topic, floor: u64) -> Self {
        Self {
            key,
            name,
            floor,
            mark: AtomicU64::new(floor),
            state: Mutex::new(TopicState {
                history: VecDeque::new(),
                bytes: 0,
                lost_through: floor,
                subscribers: HashMap::new(),
                with_news: 0,
                removed: false,
                indexed: None,
            }),
        }
    }

    pub(super) fn lock(&self) -> MutexGuard<'_, TopicState> {
        lock(&self.state)
    }

    /// See `mark`.
    pub(super) fn mark(&self) -> u64 {
        self.mark.load(Ordering::Acquire)
    }

    /// Raises `mark` to `sequence`: a frame was appended, or the topic lost
    /// events through it. Called with the topic locked.
    pub(super) fn raise_mark(&self, sequence: u64) {
        self.mark.fetch_max(sequence, Ordering::Release);
    }

    /// The sequence number of the oldest frame kept, if any.
    pub(super) fn oldest(state: &TopicState) -> Option<u64> {
        state.history.front().map(Frame::sequence)
    }
}

impl TopicState {
    /// Whether nothing keeps the topic: no history and no subscriber.
    pub(super) fn unused(&self) -> bool {
        self.history.is_empty() && self.subscribers.is_empty()
    }

    /// Wakes every subscriber, through its news when it has some: the
    /// topic lost events, or the hub moved on.
    pub(super) fn wake(&self, cell: &Arc<TopicCell>) {
        for subscriber in self.subscribers.values() {
            match &subscriber.news {
                Some(news) => news.tell(cell),
                None => subscriber.wake.raise(),
            }
        }
    }

    /// Queues the topic in the news of the subscribers that have some, for
    /// a frame whose number is not published yet ([`News::queue`]).
    pub(super) fn queue_news(&self, cell: &Arc<TopicCell>) {
        if self.with_news == 0 {
            return;
        }
        for news in self
            .subscribers
            .values()
            .filter_map(|subscriber| subscriber.news.as_ref())
        {
            news.queue(cell);
        }
    }

    /// Wakes every subscriber, once the new frame is published.
    pub(super) fn raise(&self) {
        for subscriber in self.subscribers.values() {
            subscriber.wake.raise();
        }
    }
}

/// Locks `mutex`, ignoring poison: every critical section of the hub leaves
/// plain collections in a consistent state (each mutation is one insert,
/// remove or push), so a panic elsewhere carries nothing worth failing for.
pub(super) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Read-locks `lock`, ignoring poison, as [`lock`] does.
pub(super) fn read_lock<T>(lock: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(PoisonError::into_inner)
}

/// Write-locks `lock`, ignoring poison, as [`lock`] does.
pub(super) fn write_lock<T>(lock: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(PoisonError::into_inner)
}
