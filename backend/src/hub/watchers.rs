//! The subscriptions that follow patterns, by the prefix they watch, met by
//! each publish rather than registered on every topic they match.
//!
//! A topic therefore holds only the streams that name it: one that a
//! pattern follows is still forgotten when nothing else keeps it, and
//! still evicted first when no stream names it, so no pattern stream pins
//! topics or blocks new ones, and a pattern stream costs memory for the
//! topics it has yet to read, not for every topic it matches.
//!
//! A publish meets the watchers of each prefix of its topic's name (`""`,
//! `a/`, `a/b/` for `a/b/c`) after its number is published; a subscription
//! registers before it reads the published watermark. Whatever number a
//! subscription starts after, each later event's publisher therefore finds
//! it (the `SeqCst` fences on both sides rule out each missing the other's
//! write).

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering, fence};
use std::sync::{Arc, RwLock};

use shared::{Topic, TopicPattern};

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
        fence(Ordering::SeqCst);
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

    /// Tells every subscription whose patterns match `cell`'s name that it
    /// has something new. Called once its number is published.
    pub(super) fn tell(&self, cell: &Arc<TopicCell>) {
        fence(Ordering::SeqCst);
        if self.count.load(Ordering::SeqCst) == 0 {
            return;
        }
        let by_prefix = read_lock(&self.by_prefix);
        for prefix in prefixes(&cell.name) {
            for news in by_prefix.get(prefix).into_iter().flat_map(HashMap::values) {
                news.tell(cell);
            }
        }
    }

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
