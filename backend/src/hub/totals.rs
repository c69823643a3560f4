//! Running totals of a hub since it started: what `/metrics` and the
//! `system/hub` reports count.
//!
//! Each total is an atomic on a cache line of its own and is only ever
//! added to with `Relaxed` ordering: a delivery on one core does not
//! invalidate the line a publish on another core writes, and no reader
//! needs one total to agree with another at an instant. Deliveries, one
//! per subscriber per event, are counted on a line per thread (up to
//! [`COUNTER_SHARDS`]) and summed when read, so the cores delivering at once do
//! not take one line from each other for every delivery.

use std::sync::atomic::{AtomicUsize, Ordering};

use super::Framed;
use super::padded::Padded;

/// The totals a hub keeps.
#[derive(Debug, Default)]
pub(super) struct Totals {
    events: Padded,
    deliveries: [Padded; COUNTER_SHARDS],
    gaps: Padded,
    subscriptions_opened: Padded,
}

/// Lines the deliveries are counted on.
const COUNTER_SHARDS: usize = 16;

/// The deliveries line of the calling thread.
fn shard() -> usize {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    thread_local! {
        static SHARD: usize = NEXT.fetch_add(1, Ordering::Relaxed) % COUNTER_SHARDS;
    }
    SHARD.with(|shard| *shard)
}

/// A reading of a hub's totals and its present size; see [`Hub::counts`](super::Hub::counts).
///
/// # Examples
///
/// ```
/// use std::collections::BTreeSet;
///
/// use herald_dashboard_events::{Chat, Payload};
/// use herald_hub::hub::Hub;
/// use herald_wire::{Topic, TopicPattern};
///
/// # let limits = herald_hub::hub::Limits {
/// #     history: 100, topic_bytes: 1 << 20, total_bytes: 1 << 24, max_topics: 100, max_subscribers: 100,
/// # };
/// let hub = Hub::new(limits);
/// let mut stream = hub.subscribe(BTreeSet::from([TopicPattern::parse("chat/*")?]), None)?;
/// let chat = Payload::Chat(Chat { author: "ada".into(), text: "hi".into() });
/// hub.publish(Topic::parse("chat/lobby")?, &chat)?;
/// stream.try_next();
///
/// let counts = hub.counts();
/// assert_eq!((counts.events, counts.deliveries, counts.subscriptions), (1, 1, 1));
/// assert_eq!(counts.history_bytes, hub.retained_bytes() as u64);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Events appended to the history since the hub started.
    pub events: u64,
    /// Events delivered to subscriptions since the hub started.
    pub deliveries: u64,
    /// Gaps delivered to subscriptions since the hub started.
    pub gaps: u64,
    /// Subscriptions opened since the hub started.
    pub subscriptions_opened: u64,
    /// Subscriptions open now.
    pub subscriptions: u64,
    /// Topics with history or subscribers now.
    pub topics: u64,
    /// Bytes of history retained now.
    pub history_bytes: u64,
}

impl Totals {
    /// Counts one event appended.
    pub(super) fn event(&self) {
        self.events.0.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts what a subscription was handed.
    pub(super) fn delivered(&self, delivery: &Framed) {
        let total = match delivery {
            Framed::Event(_) => &self.deliveries[shard()],
            Framed::Gap(_) => &self.gaps,
        };
        total.0.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts one subscription opened.
    pub(super) fn subscription_opened(&self) {
        self.subscriptions_opened.0.fetch_add(1, Ordering::Relaxed);
    }

    /// The totals as they stand, with the hub's present size left at zero
    /// for the caller to fill in.
    pub(super) fn read(&self) -> Counts {
        Counts {
            events: self.events.0.load(Ordering::Relaxed),
            deliveries: self
                .deliveries
                .iter()
                .map(|shard| shard.0.load(Ordering::Relaxed))
                .sum(),
            gaps: self.gaps.0.load(Ordering::Relaxed),
            subscriptions_opened: self.subscriptions_opened.0.load(Ordering::Relaxed),
            ..Counts::default()
        }
    }
}
