//! Which history the hub evicts first when a budget is reached.
//!
//! Every topic with history is indexed by its oldest retained frame, and the
//! topics no stream follows are indexed again on their own, so the oldest
//! history, and the oldest history nobody is reading, are found in
//! O(log n) however many topics there are. Ids are unique over all topics,
//! so an id alone is the key, and the frame (a shared handle, already
//! retained by its topic) names the topic: keeping the index costs no copy
//! of a topic name.

use std::collections::BTreeMap;

use super::Frame;

/// The retained topics, by their oldest frame.
#[derive(Debug, Default)]
pub(super) struct Ages {
    all: BTreeMap<u64, Frame>,
    /// The subset no subscription follows.
    idle: BTreeMap<u64, Frame>,
}

impl Ages {
    /// How many topics have history.
    pub(super) fn len(&self) -> usize {
        self.all.len()
    }

    /// Indexes the topic whose oldest frame is `oldest`.
    pub(super) fn insert(&mut self, oldest: &Frame, idle: bool) {
        let id = oldest.sequence();
        self.all.insert(id, oldest.clone());
        if idle {
            self.idle.insert(id, oldest.clone());
        }
    }

    /// Forgets the topic whose oldest frame has id `oldest`.
    pub(super) fn remove(&mut self, oldest: u64) {
        self.all.remove(&oldest);
        self.idle.remove(&oldest);
    }

    /// Marks the topic whose oldest frame is `oldest` as followed or not.
    pub(super) fn set_idle(&mut self, oldest: &Frame, idle: bool) {
        let id = oldest.sequence();
        if idle {
            self.idle.insert(id, oldest.clone());
        } else {
            self.idle.remove(&id);
        }
    }

    /// The oldest retained frame; its topic is the one to trim first.
    pub(super) fn oldest(&self) -> Option<&Frame> {
        self.all.values().next()
    }

    /// The oldest frame of a topic no stream follows.
    pub(super) fn oldest_idle(&self) -> Option<&Frame> {
        self.idle.values().next()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use bytes::Bytes;
    use shared::{EventId, Topic};

    use super::super::FrameInner;
    use super::*;

    fn topic(name: &str) -> Topic {
        Topic::parse(name).unwrap()
    }

    /// The topic of `frame`, to compare with.
    fn of(frame: Option<&Frame>) -> Option<&Topic> {
        frame.map(Frame::topic)
    }

    fn frame(id: u64, name: &str) -> Frame {
        Frame(Arc::new(FrameInner {
            id: EventId::new(1, id),
            topic: topic(name),
            sse: Bytes::new(),
            json: 0..0,
        }))
    }

    #[test]
    fn finds_the_oldest_and_the_oldest_idle_topic() {
        let mut ages = Ages::default();
        ages.insert(&frame(5, "b"), false);
        ages.insert(&frame(3, "a"), false);
        ages.insert(&frame(9, "c"), true);
        assert_eq!(ages.len(), 3);
        assert_eq!(of(ages.oldest()), Some(&topic("a")));
        assert_eq!(of(ages.oldest_idle()), Some(&topic("c")));
        ages.set_idle(&frame(5, "b"), true);
        assert_eq!(of(ages.oldest_idle()), Some(&topic("b")));
        // `a` lost its oldest frame: it moves to its next one.
        ages.remove(3);
        ages.insert(&frame(7, "a"), false);
        assert_eq!(of(ages.oldest()), Some(&topic("b")));
        ages.remove(5);
        ages.remove(9);
        assert_eq!(of(ages.oldest_idle()), None);
        assert_eq!(ages.len(), 1);
    }
}
