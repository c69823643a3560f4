//! The topics by name: the map patterns and paging read in name order, the
//! shards every publish looks a name up in, and the one place a topic is
//! created or forgotten.
//!
//! The map is an `RwLock` written only to create or drop a topic;
//! publishers look names up in [`SHARDS`] hash shards of it, so publishers
//! of different topics share no lock's counter. The subscriptions that
//! follow patterns are not here but in `watchers`: they hold no topic.

use std::collections::hash_map::RandomState;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::BuildHasher;
use std::ops::Bound;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use herald_wire::{Topic, TopicPattern};

use super::topic::{TopicCell, read_lock, write_lock};

/// The hub's topics by name, and the subscriptions that follow patterns.
pub(super) struct Directory {
    names: RwLock<Names>,
    /// The same cells by name again, split by hash, for the lookup every
    /// publish makes: publishers of different topics mostly take different
    /// shards' read locks, not one lock's shared counter.
    shards: Box<[Shard]>,
    hasher: RandomState,
    /// The newest sequence number of a topic the hub forgot entirely; a
    /// topic created later reports everything up to it as possibly lost
    /// (it may be the same topic again).
    forgotten_through: AtomicU64,
    /// Keys of subscriptions and topic cells.
    next_key: AtomicU64,
}

/// What the map's lock guards.
#[derive(Default)]
struct Names {
    /// In name order, so a pattern's topics are one range.
    topics: BTreeMap<Topic, Arc<TopicCell>>,
}

/// One shard of the topics by name, on a cache line of its own.
#[repr(align(128))]
#[derive(Default)]
struct Shard(RwLock<HashMap<Topic, Arc<TopicCell>>>);

/// How many shards the lookup by name has: enough that publishers on the
/// cores of a large machine rarely share one.
const SHARDS: usize = 64;

impl Directory {
    pub(super) fn new() -> Self {
        Self {
            names: RwLock::default(),
            shards: (0..SHARDS).map(|_| Shard::default()).collect(),
            hasher: RandomState::new(),
            forgotten_through: AtomicU64::new(0),
            next_key: AtomicU64::new(0),
        }
    }

    /// A key no other subscription or topic cell of this hub has.
    pub(super) fn next_key(&self) -> u64 {
        self.next_key.fetch_add(1, Ordering::Relaxed)
    }

    /// The cell of `topic`, created when the hub does not know it yet.
    pub(super) fn cell(&self, topic: &Topic) -> Arc<TopicCell> {
        let found = read_lock(&self.shard(topic).0).get(topic).map(Arc::clone);
        match found {
            Some(cell) => cell,
            None => self.create(&mut write_lock(&self.names), topic),
        }
    }

    /// Topics known now.
    pub(super) fn len(&self) -> usize {
        read_lock(&self.names).topics.len()
    }

    /// Every topic's cell; the map's lock is held only to copy the handles.
    pub(super) fn cells(&self) -> Vec<Arc<TopicCell>> {
        read_lock(&self.names).topics.values().cloned().collect()
    }

    /// The cells of the topics `patterns` match, each once, in the order
    /// they were created.
    pub(super) fn matching(&self, patterns: &BTreeSet<TopicPattern>) -> Vec<Arc<TopicCell>> {
        let names = read_lock(&self.names);
        let cells: BTreeMap<u64, Arc<TopicCell>> = patterns
            .iter()
            .flat_map(|pattern| names.matching(pattern, None))
            .map(|(_, cell)| (cell.key, Arc::clone(cell)))
            .collect();
        cells.into_values().collect()
    }

    /// The first `count` topics `patterns` match after the name `after`
    /// that `visibility` shows, in name order. The map is read for at most
    /// `count` shown entries per pattern, never copied whole, and a range
    /// hidden whole is stepped over in one lookup.
    pub(super) fn page(
        &self,
        patterns: &BTreeSet<TopicPattern>,
        after: Option<&Topic>,
        count: usize,
        visibility: &dyn Fn(&Topic) -> Visibility,
    ) -> Vec<Arc<TopicCell>> {
        let names = read_lock(&self.names);
        let mut page: BTreeMap<&Topic, &Arc<TopicCell>> = BTreeMap::new();
        for pattern in patterns {
            names.shown(
                pattern,
                after.map(Topic::as_str),
                count,
                visibility,
                &mut page,
            );
        }
        page.into_values().take(count).map(Arc::clone).collect()
    }

    /// Drops `cell` from the map if nothing keeps it: no history, no
    /// subscriber. Its `lost_through` survives it as the floor of later
    /// topics.
    pub(super) fn forget_if_unused(&self, cell: &Arc<TopicCell>) {
        let mut names = write_lock(&self.names);
        let mut state = cell.lock();
        if state.removed || !state.unused() {
            return;
        }
        state.removed = true;
        self.forgotten_through
            .fetch_max(state.lost_through, Ordering::AcqRel);
        names.topics.remove(&cell.name);
        write_lock(&self.shard(&cell.name).0).remove(&cell.name);
    }

    /// The newest sequence number the hub may have forgotten a topic of.
    pub(super) fn forgotten_through(&self) -> u64 {
        self.forgotten_through.load(Ordering::Acquire)
    }

    #[cfg(feature = "cluster")]
    /// Counts everything up to `sequence` as forgotten: events of topics
    /// that can no longer be named may be lost.
    pub(super) fn forget_through(&self, sequence: u64) {
        self.forgotten_through.fetch_max(sequence, Ordering::AcqRel);
    }

    fn shard(&self, topic: &Topic) -> &Shard {
        // The remainder is below `SHARDS`, so it fits any `usize`.
        let index = (self.hasher.hash_one(topic) % SHARDS as u64) as usize;
        &self.shards[index]
    }

    /// The cell of `topic` in `names`, created when it is not there.
    fn create(&self, names: &mut Names, topic: &Topic) -> Arc<TopicCell> {
        if let Some(cell) = names.topics.get(topic) {
            return Arc::clone(cell);
        }
        let floor = self.forgotten_through();
        let cell = Arc::new(TopicCell::new(self.next_key(), topic.clone(), floor));
        names.topics.insert(topic.clone(), Arc::clone(&cell));
        write_lock(&self.shard(topic).0).insert(topic.clone(), Arc::clone(&cell));
        cell
    }
}

/// Whether a page of topics may name a topic: the reader's rights decide,
/// as private names are private too.
///
/// # Examples
///
/// ```
/// use std::collections::BTreeSet;
///
/// use herald_dashboard_events::{Chat, Payload};
/// use herald_hub::hub::{Hub, Visibility};
/// use herald_wire::Topic;
///
/// # let limits = herald_hub::hub::Limits {
/// #     history: 100, topic_bytes: 1 << 20, total_bytes: 1 << 24, max_topics: 100, max_subscribers: 100,
/// # };
/// let hub = Hub::new(limits);
/// let chat = Payload::Chat(Chat { author: "ada".into(), text: "hi".into() });
/// for name in ["chat/lobby", "private/alice", "private/bob"] {
///     hub.publish(Topic::parse(name)?, &chat)?;
/// }
/// let page = hub.topics(&BTreeSet::new(), None, 10, &|topic| {
///     if topic.as_str().starts_with("private/") {
///         Visibility::HiddenUnder("private/".to_owned())
///     } else {
///         Visibility::Shown
///     }
/// });
/// let names: Vec<&str> = page.topics.iter().map(|info| info.topic.as_str()).collect();
/// assert_eq!(names, ["chat/lobby"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Visibility {
    /// Listed.
    Shown,
    /// Left out.
    Hidden,
    /// Left out, and so is every name that starts with this prefix (empty:
    /// every name). A page steps over them all in one lookup, so a reader
    /// who may see nothing of a large private range costs no walk through
    /// it.
    HiddenUnder(String),
}

/// Sorts after every topic name that starts with the prefix it follows:
/// names are ASCII, all below DEL.
const PAST_PREFIX: char = '\u{7f}';

impl Names {
    /// Adds to `page` the first `count` topics `pattern` names after
    /// `after` that `visibility` shows.
    fn shown<'a>(
        &'a self,
        pattern: &TopicPattern,
        after: Option<&str>,
        count: usize,
        visibility: &dyn Fn(&Topic) -> Visibility,
        page: &mut BTreeMap<&'a Topic, &'a Arc<TopicCell>>,
    ) {
        let mut after = after.map(str::to_owned);
        let mut taken = 0;
        loop {
            let mut hidden_under = None;
            for (name, cell) in self.matching(pattern, after.as_deref()) {
                match visibility(name) {
                    Visibility::Shown => {
                        page.insert(name, cell);
                        taken += 1;
                        if taken == count {
                            return;
                        }
                    }
                    Visibility::Hidden => {}
                    Visibility::HiddenUnder(prefix) => {
                        hidden_under = Some(prefix);
                        break;
                    }
                }
            }
            // The prefix starts the name just seen, so the page moves on.
            match hidden_under {
                Some(prefix) if !prefix.is_empty() => {
                    after = Some(format!("{prefix}{PAST_PREFIX}"))
                }
                _ => return,
            }
        }
    }

    /// The known topics `pattern` names, in name order, after the name
    /// `after`: one lookup for a topic, one range of the map for a prefix.
    fn matching<'a, 'b>(
        &'a self,
        pattern: &'b TopicPattern,
        after: Option<&'b str>,
    ) -> Box<dyn Iterator<Item = (&'a Topic, &'a Arc<TopicCell>)> + 'b>
    where
        'a: 'b,
    {
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
