//! The subscriptions that follow patterns, by the prefix they watch, met by
//! each publish rather than registered on every topic they match.
//!
//! A topic therefore holds only the streams that name it: one that a
//! pattern follows is still forgotten when nothing else keeps it, and
//! still evicted first when no stream names it, so no pattern stream pins
//! topics or blocks new ones, and a pattern stream costs memory for the
//! topics it has yet to read, not for every topic it matches.
//!
//! A publish queues its topic in the news of the watchers of each prefix of
//! its topic's name (`""`, `a/`, `a/b/` for `a/b/c`) after it claims its
//! number and before it publishes it, and wakes them after: a reader that
//! sees a number published has that topic among its news. A subscription
//! registers, then waits until every number claimed so far is published
//! (`Sequence::settled`) and starts from there. The claim and the count of
//! watchers are `SeqCst`, so either a publisher's claim comes before the
//! registration's look at the claims (and the subscription starts after
//! its number), or the publisher sees the watcher and queues to it.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};

use herald_wire::{Topic, TopicPattern};

use super::topic::{News, TopicCell, read_lock, write_lock};

/// Subscriptions by the prefix of the names they follow.
#[derive(Default)]
pub(super) struct Watchers {
    /// How many subscriptions watch: none, and a publish looks nothing up.
    count: AtomicUsize,
    by_prefix: RwLock<HashMap<String, HashMap<u64, Arc<News>>>>,
}

impl Watchers {
    /// Subscription `key` hears through `news` of every topic under the
    /// prefixes of `patterns` (those that name more than one topic) that
    /// is published to from now on.
    pub(super) fn add(&self, key: u64, patterns: &[TopicPattern], news: &Arc<News>) {
        {
            let mut by_prefix = write_lock(&self.by_prefix);
            for prefix in patterns.iter().filter_map(TopicPattern::prefix) {
                by_prefix
                    .entry(prefix)
                    .or_default()
                    .insert(key, Arc::clone(news));
            }
        }
        self.count.fetch_add(1, Ordering::SeqCst);
    }

    /// Subscription `key`, added with `patterns`, hears of nothing more.
    pub(super) fn remove(&self, key: u64, patterns: &[TopicPattern]) {
        let mut by_prefix = write_lock(&self.by_prefix);
        for prefix in patterns.iter().filter_map(TopicPattern::prefix) {
            if let Some(watchers) = by_prefix.get_mut(&prefix) {
                watchers.remove(&key);
                if watchers.is_empty() {
                    by_prefix.remove(&prefix);
                }
            }
        }
        self.count.fetch_sub(1, Ordering::SeqCst);
    }

    /// Queues `cell` in the news of every subscription whose patterns match
    /// its name ([`News::queue`]), for a frame whose number is claimed and
    /// not yet published, and returns those news to wake once it is. The
    /// lock is not held past this call: a publisher holding it while it
    /// waits for its predecessor's number could wait for a publisher queued
    /// behind a registration that waits for it.
    pub(super) fn queue(&self, cell: &Arc<TopicCell>) -> Vec<Arc<News>> {
        if self.count.load(Ordering::SeqCst) == 0 {
            return Vec::new();
        }
        let by_prefix = read_lock(&self.by_prefix);
        let mut matched = Vec::new();
        for prefix in prefixes(&cell.name) {
            for news in by_prefix.get(prefix).into_iter().flat_map(HashMap::values) {
                news.queue(cell);
                matched.push(Arc::clone(news));
            }
        }
        matched
    }

    #[cfg(feature = "cluster")]
    /// Tells every subscription whose patterns match `cell`'s name that it
    /// has something new: it lost events, outside any publish.
    pub(super) fn tell(&self, cell: &Arc<TopicCell>) {
        for news in self.queue(cell) {
            news.raise();
        }
    }

    #[cfg(feature = "cluster")]
    /// Wakes every subscription that watches.
    pub(super) fn wake_all(&self) {
        let by_prefix = read_lock(&self.by_prefix);
        for news in by_prefix.values().flat_map(HashMap::values) {
            news.raise();
        }
    }

    /// How many subscriptions follow `topic` through a pattern.
    pub(super) fn matching(&self, topic: &Topic) -> usize {
        if self.count.load(Ordering::Acquire) == 0 {
            return 0;
        }
        let by_prefix = read_lock(&self.by_prefix);
        let keys: HashSet<u64> = prefixes(topic)
            .filter_map(|prefix| by_prefix.get(prefix))
            .flat_map(HashMap::keys)
            .copied()
            .collect();
        keys.len()
    }
}

/// The prefixes a pattern may watch that `topic` is under: `""`, then the
/// name up to and including each `/`.
fn prefixes(topic: &Topic) -> impl Iterator<Item = &str> {
    let name = topic.as_str();
    std::iter::once("").chain(name.match_indices('/').map(move |(at, _)| &name[..=at]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_under_the_empty_prefix_and_each_of_its_parents() {
        let topic = Topic::parse("a/b/c").unwrap();
        assert_eq!(prefixes(&topic).collect::<Vec<_>>(), ["", "a/", "a/b/"]);
        let flat = Topic::parse("flat").unwrap();
        assert_eq!(prefixes(&flat).collect::<Vec<_>>(), [""]);
    }
}
