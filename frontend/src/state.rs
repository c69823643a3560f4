//! The feed: the newest events, gaps and decode failures, newest first.
//!
//! [`Feed`] is a pure [`Reducible`]: it never touches the network or the DOM,
//! so every rule here is a native `#[test]`. It is provided once, by
//! [`crate::components::feed_provider::FeedProvider`].

use std::collections::VecDeque;
use std::rc::Rc;

use shared::{Event, Gap};
use yew::prelude::*;

use crate::decode::{DecodeError, Incoming, Message};

/// How many entries the feed keeps when built with [`Feed::default`]: enough
/// for a few minutes of the one-per-second metrics, few enough that
/// rendering the list stays cheap.
pub const DEFAULT_CAPACITY: usize = 200;

/// The handle components read the feed through and dispatch to.
pub type FeedContext = UseReducerHandle<Feed>;

/// The newest entries, bounded to a capacity, newest first.
#[derive(Debug, Clone, PartialEq)]
pub struct Feed {
    entries: VecDeque<Entry>,
    capacity: usize,
    next_key: u64,
}

/// One line of the feed.
///
/// The contents sit behind `Rc`s so copying the feed in the reducer, and
/// handing an entry to a component, copies pointers rather than events.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// Unique within the feed and stable, so the list can key its items.
    pub key: u64,
    /// What the line shows.
    pub item: Item,
}

/// What a feed line shows.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// A published event.
    Event(Rc<Received>),
    /// Events the hub could not replay.
    Gap(Rc<Gap>),
    /// An SSE message that could not be decoded.
    DecodeFailed(Rc<DecodeError>),
}

/// An event and when it arrived.
#[derive(Debug, Clone, PartialEq)]
pub struct Received {
    /// The event.
    pub event: Event,
    /// The browser's clock when it arrived, in unix microseconds.
    pub received_us: u64,
}

/// Everything that changes the feed.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// An event arrived.
    Received(Received),
    /// The hub reported events it could not replay.
    Gap(Gap),
    /// An SSE message could not be decoded.
    DecodeFailed(DecodeError),
}

impl Feed {
    /// An empty feed that keeps at most `capacity` entries (at least one).
    pub fn new(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        Self {
            entries: VecDeque::with_capacity(capacity),
            capacity,
            next_key: 0,
        }
    }

    /// The entries, newest first.
    pub fn entries(&self) -> impl ExactSizeIterator<Item = &Entry> {
        self.entries.iter()
    }

    /// Whether `event` is already in the feed.
    ///
    /// The browser sends `Last-Event-ID` when it reconnects, so replays
    /// should not overlap what was shown; this guards against a replay that
    /// starts one event early. Comparing whole events, not just ids, keeps a
    /// restarted hub's reused ids from hiding new events.
    fn contains(&self, event: &Event) -> bool {
        self.entries.iter().any(|entry| match &entry.item {
            Item::Event(received) => received.event == *event,
            Item::Gap(_) | Item::DecodeFailed(_) => false,
        })
    }

    fn push(mut self, item: Item) -> Self {
        self.entries.push_front(Entry {
            key: self.next_key,
            item,
        });
        self.next_key += 1;
        self.entries.truncate(self.capacity);
        self
    }
}

impl Default for Feed {
    fn default() -> Self {
        Self::new(DEFAULT_CAPACITY)
    }
}

impl Reducible for Feed {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let item = match action {
            Action::Received(received) if self.contains(&received.event) => return self,
            Action::Received(received) => Item::Event(Rc::new(received)),
            Action::Gap(gap) => Item::Gap(Rc::new(gap)),
            Action::DecodeFailed(error) => Item::DecodeFailed(Rc::new(error)),
        };
        Rc::new(Rc::unwrap_or_clone(self).push(item))
    }
}

impl From<Incoming> for Action {
    fn from(incoming: Incoming) -> Self {
        match incoming.message {
            Ok(Message::Event(event)) => Self::Received(Received {
                event,
                received_us: incoming.received_us,
            }),
            Ok(Message::Gap(gap)) => Self::Gap(gap),
            Err(error) => Self::DecodeFailed(error),
        }
    }
}

#[cfg(test)]
mod tests {
    use shared::{Chat, EventId, Payload, Topic};

    use super::*;

    fn chat(id: u64, text: &str) -> Event {
        Event {
            id: EventId::new(id),
            topic: Topic::parse("chat/lobby").unwrap(),
            time_us: 1_000 + id,
            event: Payload::Chat(Chat {
                author: "ada".into(),
                text: text.into(),
            }),
        }
    }

    fn received(event: Event) -> Action {
        Action::Received(Received {
            event,
            received_us: 5,
        })
    }

    fn ids(feed: &Feed) -> Vec<u64> {
        feed.entries()
            .filter_map(|entry| match &entry.item {
                Item::Event(received) => Some(received.event.id.get()),
                Item::Gap(_) | Item::DecodeFailed(_) => None,
            })
            .collect()
    }

    #[test]
    fn keeps_events_newest_first() {
        let feed = Rc::new(Feed::default())
            .reduce(received(chat(1, "a")))
            .reduce(received(chat(2, "b")));
        assert_eq!(ids(&feed), [2, 1]);
    }

    #[test]
    fn drops_the_oldest_beyond_capacity() {
        let mut feed = Rc::new(Feed::new(3));
        for id in 1..=5 {
            feed = feed.reduce(received(chat(id, "x")));
        }
        assert_eq!(ids(&feed), [5, 4, 3]);
    }

    #[test]
    fn the_default_capacity_bounds_the_feed() {
        let mut feed = Rc::new(Feed::default());
        for id in 0..(DEFAULT_CAPACITY as u64 + 10) {
            feed = feed.reduce(received(chat(id, "x")));
        }
        assert_eq!(feed.entries().len(), DEFAULT_CAPACITY);
    }

    #[test]
    fn a_repeated_event_returns_the_same_feed() {
        let feed = Rc::new(Feed::default()).reduce(received(chat(1, "a")));
        let again = Rc::clone(&feed).reduce(received(chat(1, "a")));
        assert!(Rc::ptr_eq(&feed, &again));
    }

    #[test]
    fn a_reused_id_with_new_content_is_kept() {
        let feed = Rc::new(Feed::default())
            .reduce(received(chat(1, "before restart")))
            .reduce(received(chat(1, "after restart")));
        assert_eq!(ids(&feed), [1, 1]);
    }

    #[test]
    fn gaps_and_decode_failures_are_entries() {
        let gap = Gap {
            topic: Topic::parse("chat/lobby").unwrap(),
            after: EventId::new(1),
            through: EventId::new(9),
        };
        let error = DecodeError::UnknownName { name: "x".into() };
        let feed = Rc::new(Feed::default())
            .reduce(Action::Gap(gap.clone()))
            .reduce(Action::DecodeFailed(error.clone()));
        let items: Vec<&Item> = feed.entries().map(|entry| &entry.item).collect();
        assert_eq!(
            items,
            [
                &Item::DecodeFailed(Rc::new(error)),
                &Item::Gap(Rc::new(gap))
            ]
        );
    }

    #[test]
    fn keys_stay_unique_after_eviction() {
        let mut feed = Rc::new(Feed::new(2));
        for id in 1..=4 {
            feed = feed.reduce(received(chat(id, "x")));
        }
        let keys: Vec<u64> = feed.entries().map(|entry| entry.key).collect();
        assert_eq!(keys, [3, 2]);
    }

    #[test]
    fn incoming_messages_become_actions() {
        let event = chat(4, "hi");
        let action = Action::from(Incoming {
            received_us: 42,
            message: Ok(Message::Event(event.clone())),
        });
        assert_eq!(
            action,
            Action::Received(Received {
                event,
                received_us: 42
            })
        );
        let error = DecodeError::UnknownName { name: "x".into() };
        let action = Action::from(Incoming {
            received_us: 42,
            message: Err(error.clone()),
        });
        assert_eq!(action, Action::DecodeFailed(error));
    }
}
