//! Which history the hub evicts first when a budget is reached.
//!
//! Every topic with history is indexed by the sequence number of its oldest
//! retained frame, and the topics no stream follows are indexed again on
//! their own, so the oldest history, and the oldest history nobody is
//! reading, are found in O(log n) however many topics there are. Numbers
//! are unique over all topics, so one alone is the key; the value is the
//! topic's shared handle, so the index copies no name.
//!
//! The index sits behind its own lock, taken after a topic's lock and never
//! the other way round; it can trail a topic by a moment (a frame appended
//! but not yet indexed), which costs at most an eviction looking again.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::topic::TopicCell;

/// The retained topics, by their oldest frame.
#[derive(Debug, Default)]
pub(super) struct Ages {
    all: BTreeMap<u64, Arc<TopicCell>>,
    /// The subset no subscription follows.
    idle: BTreeMap<u64, Arc<TopicCell>>,
}

impl Ages {
    /// How many topics have history.
    pub(super) fn len(&self) -> usize {
        self.all.len()
    }

    /// Indexes `cell`, whose oldest frame is `oldest`.
    pub(super) fn insert(&mut self, oldest: u64, cell: &Arc<TopicCell>, idle: bool) {
        self.all.insert(oldest, Arc::clone(cell));
        if idle {
            self.idle.insert(oldest, Arc::clone(cell));
        }
    }

    /// Forgets the topic whose oldest frame is `oldest`.
    pub(super) fn remove(&mut self, oldest: u64) {
        self.all.remove(&oldest);
        self.idle.remove(&oldest);
    }

    /// Marks `cell`, whose oldest frame is `oldest`, as followed or not.
    pub(super) fn set_idle(&mut self, oldest: u64, cell: &Arc<TopicCell>, idle: bool) {
        if idle {
            self.idle.insert(oldest, Arc::clone(cell));
        } else {
            self.idle.remove(&oldest);
        }
    }

    /// The topic with the oldest retained frame, and that frame's number.
    pub(super) fn oldest(&self) -> Option<(u64, Arc<TopicCell>)> {
        first(&self.all)
    }

    /// The topic no stream follows with the oldest retained frame.
    pub(super) fn oldest_idle(&self) -> Option<(u64, Arc<TopicCell>)> {
        first(&self.idle)
    }
}

fn first(index: &BTreeMap<u64, Arc<TopicCell>>) -> Option<(u64, Arc<TopicCell>)> {
    index
        .iter()
        .next()
        .map(|(oldest, cell)| (*oldest, Arc::clone(cell)))
}

#[cfg(test)]
mod tests {
    use herald_wire::Topic;

    use super::*;

    fn cell(name: &str) -> Arc<TopicCell> {
        Arc::new(TopicCell::new(0, Topic::parse(name).unwrap(), 0))
    }

    /// The name of the topic found.
    fn of(found: Option<(u64, Arc<TopicCell>)>) -> Option<String> {
        found.map(|(_, cell)| cell.name.to_string())
    }

    #[test]
    fn finds_the_oldest_and_the_oldest_idle_topic() {
        let (a, b, c) = (cell("a"), cell("b"), cell("c"));
        let mut ages = Ages::default();
        ages.insert(5, &b, false);
        ages.insert(3, &a, false);
        ages.insert(9, &c, true);
        assert_eq!(ages.len(), 3);
        assert_eq!(of(ages.oldest()).as_deref(), Some("a"));
        assert_eq!(of(ages.oldest_idle()).as_deref(), Some("c"));
        ages.set_idle(5, &b, true);
        assert_eq!(of(ages.oldest_idle()).as_deref(), Some("b"));
        // `a` lost its oldest frame: it moves to its next one.
        ages.remove(3);
        ages.insert(7, &a, false);
        assert_eq!(of(ages.oldest()).as_deref(), Some("b"));
        ages.remove(5);
        ages.remove(9);
        assert_eq!(of(ages.oldest_idle()), None);
        assert_eq!(ages.len(), 1);
    }
}
