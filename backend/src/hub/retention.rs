//! Which history the hub evicts first when a budget is reached.
//!
//! Every topic with history is indexed by the id of its oldest retained
//! frame, and the topics no stream follows are indexed again on their own,
//! so the oldest history, and the oldest history nobody is reading, are
//! found in O(log n) however many topics there are.

use std::collections::BTreeSet;

use shared::Topic;

/// The retained topics, by the id of their oldest frame.
#[derive(Debug, Default)]
pub(super) struct Ages {
    all: BTreeSet<(u64, Topic)>,
    /// The subset no subscription follows.
    idle: BTreeSet<(u64, Topic)>,
}

impl Ages {
    /// How many topics have history.
    pub(super) fn len(&self) -> usize {
        self.all.len()
    }

    /// Indexes `topic`, whose oldest frame has id `oldest`.
    pub(super) fn insert(&mut self, oldest: u64, topic: &Topic, idle: bool) {
        self.all.insert((oldest, topic.clone()));
        if idle {
            self.idle.insert((oldest, topic.clone()));
        }
    }

    /// Forgets `topic`, indexed under `oldest`.
    pub(super) fn remove(&mut self, oldest: u64, topic: &Topic) {
        let key = (oldest, topic.clone());
        self.all.remove(&key);
        self.idle.remove(&key);
    }

    /// Marks `topic`, indexed under `oldest`, as followed or not.
    pub(super) fn set_idle(&mut self, oldest: u64, topic: &Topic, idle: bool) {
        let key = (oldest, topic.clone());
        if idle {
            self.idle.insert(key);
        } else {
            self.idle.remove(&key);
        }
    }

    /// The topic holding the oldest retained frame.
    pub(super) fn oldest(&self) -> Option<&Topic> {
        self.all.first().map(|(_, topic)| topic)
    }

    /// The topic no stream follows whose history is the oldest.
    pub(super) fn oldest_idle(&self) -> Option<&Topic> {
        self.idle.first().map(|(_, topic)| topic)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn topic(name: &str) -> Topic {
        Topic::parse(name).unwrap()
    }

    #[test]
    fn finds_the_oldest_and_the_oldest_idle_topic() {
        let mut ages = Ages::default();
        ages.insert(5, &topic("b"), false);
        ages.insert(3, &topic("a"), false);
        ages.insert(9, &topic("c"), true);
        assert_eq!(ages.len(), 3);
        assert_eq!(ages.oldest(), Some(&topic("a")));
        assert_eq!(ages.oldest_idle(), Some(&topic("c")));
        ages.set_idle(5, &topic("b"), true);
        assert_eq!(ages.oldest_idle(), Some(&topic("b")));
        // `a` lost its oldest frame: it moves to its next one.
        ages.remove(3, &topic("a"));
        ages.insert(7, &topic("a"), false);
        assert_eq!(ages.oldest(), Some(&topic("b")));
        ages.remove(5, &topic("b"));
        ages.remove(9, &topic("c"));
        assert_eq!(ages.oldest_idle(), None);
        assert_eq!(ages.len(), 1);
    }
}
