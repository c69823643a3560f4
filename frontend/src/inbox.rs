//! The stream's messages that arrived since the page last rendered: at most
//! [`INBOX_CAPACITY`], the newest kept, and a count of the ones dropped to
//! keep it so.
//!
//! [`LiveFeed`](crate::components::live_feed::LiveFeed) pushes every live
//! message here and hands what is in it to the feed as one batch every
//! [`FLUSH_MS`]. Unbounded, a publisher sending faster than the page
//! renders would grow the inbox without end and make each render longer
//! than the last; bounded, a flood costs the page a fixed amount of work
//! per render, and the feed is told how many messages it did not get (an
//! [`Action::Dropped`] line), never silently.
//!
//! [`Action::Dropped`]: crate::state::Action::Dropped

use std::collections::VecDeque;

use herald_dashboard_events::Payload;
use herald_yew::Incoming;

/// How often the inbox is emptied into the feed, in milliseconds: ten
/// renders a second at most, which still reads as live.
pub const FLUSH_MS: u32 = 100;

/// How many messages wait for the next render at most. The page is built
/// for 1,000 events a second, 100 per flush; ten times that absorbs a
/// burst whole, while a render never applies more than a thousand events
/// (a few milliseconds of reducer work) nor holds more than a thousand
/// decoded events (64 MiB at the hub's largest default body) between two
/// renders.
pub const INBOX_CAPACITY: usize = 1_000;

/// Messages waiting for the next render.
#[derive(Debug, Clone, PartialEq)]
pub struct Inbox {
    messages: VecDeque<Incoming<Payload>>,
    capacity: usize,
    dropped: usize,
}

/// What an [`Inbox`] held: the messages it kept, oldest first, and how many
/// older ones it dropped since it was last taken.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Contents {
    /// The newest messages, oldest first.
    pub messages: Vec<Incoming<Payload>>,
    /// How many messages arrived before them and were dropped.
    pub dropped: usize,
}

impl Inbox {
    /// An empty inbox that keeps at most `capacity` messages (at least one).
    pub fn new(capacity: usize) -> Self {
        Self {
            messages: VecDeque::new(),
            capacity: capacity.max(1),
            dropped: 0,
        }
    }

    /// Adds `incoming`, dropping the oldest message when full.
    pub fn push(&mut self, incoming: Incoming<Payload>) {
        if self.messages.len() == self.capacity {
            self.messages.pop_front();
            self.dropped += 1;
        }
        self.messages.push_back(incoming);
    }

    /// Empties the inbox.
    pub fn take(&mut self) -> Contents {
        Contents {
            messages: std::mem::take(&mut self.messages).into(),
            dropped: std::mem::take(&mut self.dropped),
        }
    }
}

impl Default for Inbox {
    fn default() -> Self {
        Self::new(INBOX_CAPACITY)
    }
}

impl Contents {
    /// How many messages arrived: kept or dropped.
    pub fn arrived(&self) -> usize {
        self.messages.len() + self.dropped
    }
}

#[cfg(test)]
mod tests {
    use herald_yew::DecodeError;

    use super::*;

    fn message(n: usize) -> Incoming<Payload> {
        Incoming {
            received_us: n as u64,
            message: Err(DecodeError::NotText {
                name: "chat".into(),
            }),
        }
    }

    fn times(contents: &Contents) -> Vec<u64> {
        contents.messages.iter().map(|m| m.received_us).collect()
    }

    #[test]
    fn keeps_everything_up_to_its_capacity() {
        let mut inbox = Inbox::new(3);
        (1..=3).for_each(|n| inbox.push(message(n)));
        let contents = inbox.take();
        assert_eq!(times(&contents), [1, 2, 3]);
        assert_eq!(contents.dropped, 0);
        assert_eq!(inbox.take(), Contents::default());
    }

    #[test]
    fn a_flood_keeps_the_newest_and_counts_the_rest_once() {
        let mut inbox = Inbox::new(3);
        (1..=30_000).for_each(|n| inbox.push(message(n)));
        let contents = inbox.take();
        assert_eq!(times(&contents), [29_998, 29_999, 30_000]);
        assert_eq!(contents.dropped, 29_997);
        assert_eq!(contents.arrived(), 30_000);
        inbox.push(message(1));
        assert_eq!(inbox.take().dropped, 0, "the count starts again");
    }

    #[test]
    fn the_default_capacity_is_the_named_one() {
        let mut inbox = Inbox::default();
        (0..INBOX_CAPACITY + 5).for_each(|n| inbox.push(message(n)));
        let contents = inbox.take();
        assert_eq!(contents.messages.len(), INBOX_CAPACITY);
        assert_eq!(contents.dropped, 5);
    }
}
