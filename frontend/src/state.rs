//! The dashboard's state: the feed of the newest events, gaps, events the
//! page cannot read, decode failures and messages the page dropped (newest
//! first), and what is
//! derived from events as they pass: the metrics series, the latency
//! window, the conversation and the notices.
//!
//! [`Feed`] is a pure [`Reducible`]: it never touches the network or the DOM,
//! so every rule here is a native `#[test]` (in `state/tests.rs`). It is
//! provided once, by [`crate::components::feed_provider::FeedProvider`].

use std::collections::VecDeque;
use std::rc::Rc;

use herald_dashboard_events::Payload;
use herald_wire::{Delivery, Envelope, Event as _, EventId, Gap, Kind, Unknown};
use herald_yew::{DecodeError, Incoming};
use yew::prelude::*;

use crate::excerpt::{Excerpt, NAME_CHARS, TEXT_CHARS};
use crate::filter::Filter;
use crate::hub_reports::HubReports;
use crate::latency::LatencyWindow;
use crate::series::MetricsSeries;

#[cfg(test)]
mod tests;

/// How many entries the feed keeps when built with [`Feed::default`]: enough
/// for a few minutes of the one-per-second metrics, few enough that
/// rendering the list stays cheap. `?limit=` overrides it.
pub const DEFAULT_CAPACITY: usize = 200;

/// How many chat messages the conversation keeps.
pub const CHAT_CAPACITY: usize = 100;

/// How many notices stay on screen as banners.
pub const NOTICE_CAPACITY: usize = 5;

/// The handle components read the feed through and dispatch to.
pub type FeedContext = UseReducerHandle<Feed>;

/// The newest entries, bounded to a capacity, newest first, and the views
/// derived from every event seen.
#[derive(Debug, Clone, PartialEq)]
pub struct Feed {
    entries: VecDeque<Entry>,
    /// The entries as they were when the reader paused, shown instead.
    frozen: Option<Rc<VecDeque<Entry>>>,
    /// Entries added since the reader paused.
    unseen: usize,
    capacity: usize,
    next_key: u64,
    /// The largest event id the feed has taken in: an event above it cannot
    /// be a repeat, which spares the scan at high rates.
    max_id: Option<EventId>,
    /// What the list shows.
    pub filter: Filter,
    /// The metrics charts' samples.
    pub metrics: MetricsSeries,
    /// The latency of the last probes.
    pub latency: LatencyWindow,
    /// The hub nodes' newest reports about themselves.
    pub hub: HubReports,
    chat: VecDeque<Rc<Received>>,
    notices: VecDeque<Rc<Received>>,
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
    /// The lower-case text the filter searches, computed once.
    pub haystack: Rc<str>,
}

/// What a feed line shows.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// A published event.
    Event(Rc<Received>),
    /// Events the hub could not replay.
    Gap(Rc<Gap>),
    /// An event whose content the page cannot read (a newer publisher's
    /// fields for a kind it knows).
    Unknown(Rc<Unknown>),
    /// An SSE message that could not be decoded.
    DecodeFailed(Rc<DecodeError>),
    /// This many messages arrived faster than the page renders and were
    /// dropped before it did (see [`crate::inbox`]).
    Dropped(usize),
}

/// An event and when it arrived.
#[derive(Debug, Clone, PartialEq)]
pub struct Received {
    /// The event.
    pub event: Envelope<Payload>,
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
    /// An event arrived that the page cannot read.
    Unknown(Unknown),
    /// An SSE message could not be decoded.
    DecodeFailed(DecodeError),
    /// The page dropped this many messages, older than the next batch,
    /// without applying them; `0` changes nothing.
    ///
    /// Shown as a line of the feed, like a gap, rather than as a counter
    /// elsewhere: it is the same fact (events the reader did not get) at a
    /// place in time, the reader looks for it in the same list, and the
    /// charts break their lines there as they do at a gap.
    Dropped(usize),
    /// Several messages at once: the stream's arrivals since the last
    /// render, applied as one change so the page renders once for them.
    Batch(Vec<Incoming<Payload>>),
    /// Freeze (`true`) or unfreeze the list; derived views keep updating.
    SetPaused(bool),
    /// Show only what passes this filter.
    SetFilter(Filter),
}

impl Feed {
    /// An empty feed that keeps at most `capacity` entries (at least one).
    pub fn new(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        Self {
            entries: VecDeque::with_capacity(capacity),
            frozen: None,
            unseen: 0,
            capacity,
            next_key: 0,
            max_id: None,
            filter: Filter::default(),
            metrics: MetricsSeries::default(),
            latency: LatencyWindow::default(),
            hub: HubReports::default(),
            chat: VecDeque::new(),
            notices: VecDeque::new(),
        }
    }

    /// The entries, newest first, as they arrived (paused or not, unfiltered).
    pub fn entries(&self) -> impl ExactSizeIterator<Item = &Entry> {
        self.entries.iter()
    }

    /// The entries the list shows: frozen while paused, and filtered.
    pub fn visible(&self) -> impl Iterator<Item = &Entry> {
        let source = self.frozen.as_deref().unwrap_or(&self.entries);
        source
            .iter()
            .filter(|entry| self.filter.matches(entry.item.kind(), &entry.haystack))
    }

    /// Whether the list is frozen.
    pub fn paused(&self) -> bool {
        self.frozen.is_some()
    }

    /// How many entries arrived since the list was frozen.
    pub fn unseen(&self) -> usize {
        self.unseen
    }

    /// The conversation, oldest first.
    pub fn chat(&self) -> impl ExactSizeIterator<Item = &Rc<Received>> {
        self.chat.iter()
    }

    /// The notices on screen, newest first.
    pub fn notices(&self) -> impl ExactSizeIterator<Item = &Rc<Received>> {
        self.notices.iter()
    }

    /// Whether `event` is already in the feed.
    ///
    /// The hub resumes after the last id, so replays should not overlap what
    /// was shown; this guards against a replay that starts one event early.
    /// Ids of a restarted hub carry a new epoch, which may sort below the old
    /// run's; comparing whole events, not just ids, keeps an id that sorts
    /// low from hiding a new event.
    fn contains(&self, event: &Envelope<Payload>) -> bool {
        if self.max_id.is_none_or(|max| event.id > max) {
            return false;
        }
        self.entries.iter().any(|entry| match &entry.item {
            Item::Event(received) => received.event == *event,
            Item::Gap(_) | Item::Unknown(_) | Item::DecodeFailed(_) | Item::Dropped(_) => false,
        })
    }

    fn apply(&mut self, action: Action) {
        let item = match action {
            Action::Received(received) if self.contains(&received.event) => return,
            Action::Received(received) => {
                let received = Rc::new(received);
                self.derive(&received);
                Item::Event(received)
            }
            Action::Gap(gap) => {
                self.metrics.mark_gap();
                Item::Gap(Rc::new(gap))
            }
            Action::Unknown(unknown) => Item::Unknown(Rc::new(unknown)),
            Action::DecodeFailed(error) => Item::DecodeFailed(Rc::new(error)),
            Action::Dropped(0) => return,
            Action::Dropped(count) => {
                self.metrics.mark_gap();
                Item::Dropped(count)
            }
            Action::Batch(batch) => {
                for incoming in batch {
                    self.apply(Action::from(incoming));
                }
                return;
            }
            Action::SetPaused(true) if self.frozen.is_none() => {
                self.frozen = Some(Rc::new(self.entries.clone()));
                self.unseen = 0;
                return;
            }
            Action::SetPaused(true) => return,
            Action::SetPaused(false) => {
                self.frozen = None;
                return;
            }
            Action::SetFilter(filter) => {
                self.filter = filter;
                return;
            }
        };
        self.push(item);
    }

    /// Updates the views derived from `received`.
    fn derive(&mut self, received: &Rc<Received>) {
        match &received.event.event {
            Payload::Metrics(metrics) => self.metrics.push(metrics, received.event.time_us),
            Payload::LatencyProbe(probe) => self.latency.record(probe.ts, received.received_us),
            Payload::Chat(_) => {
                if self.chat.len() == CHAT_CAPACITY {
                    self.chat.pop_front();
                }
                self.chat.push_back(Rc::clone(received));
            }
            Payload::Notice(_) => {
                self.notices.push_front(Rc::clone(received));
                self.notices.truncate(NOTICE_CAPACITY);
            }
            Payload::HubStats(stats) => self.hub.record(stats, received.received_us),
            Payload::Json(_) | Payload::Untyped(_) => {}
        }
    }

    fn push(&mut self, item: Item) {
        if let Item::Event(received) = &item {
            self.max_id = self.max_id.max(Some(received.event.id));
        }
        let haystack = item.haystack().into();
        self.entries.push_front(Entry {
            key: self.next_key,
            item,
            haystack,
        });
        self.next_key += 1;
        self.entries.truncate(self.capacity);
        if self.frozen.is_some() {
            self.unseen += 1;
        }
    }
}

impl Item {
    /// The kind of the event shown (also of one the page cannot read);
    /// `None` for a line that is not an event.
    pub fn kind(&self) -> Option<&Kind> {
        match self {
            Self::Event(received) => Some(received.event.event.kind()),
            Self::Unknown(unknown) => Some(&unknown.kind),
            Self::Gap(_) | Self::DecodeFailed(_) | Self::Dropped(_) => None,
        }
    }

    /// The lower-case text the line is searched by: its topic and what it
    /// shows. A publisher's text counts only as far as the page shows it
    /// ([`Excerpt`]), so a 60 KiB notice costs the filter no more than a
    /// short one, and what the filter finds is on screen.
    fn haystack(&self) -> String {
        let text = match self {
            Self::Event(received) => {
                let event = &received.event;
                let shown = |text, max_chars| Excerpt::new(text, max_chars).shown();
                let content = match &event.event {
                    Payload::Chat(chat) => format!(
                        "{} {}",
                        shown(&chat.author, NAME_CHARS),
                        shown(&chat.text, TEXT_CHARS)
                    ),
                    Payload::Notice(notice) => shown(&notice.text, TEXT_CHARS).to_owned(),
                    Payload::Json(json) => shown(json.text(), TEXT_CHARS).to_owned(),
                    Payload::Untyped(untyped) => shown(untyped.text(), TEXT_CHARS).to_owned(),
                    Payload::Metrics(_) | Payload::LatencyProbe(_) | Payload::HubStats(_) => {
                        String::new()
                    }
                };
                format!("{} {} {content}", event.topic, event.event.kind())
            }
            Self::Gap(gap) => format!("{} gap", gap.topic),
            Self::Unknown(unknown) => format!(
                "{} {} {}",
                unknown.topic,
                unknown.kind,
                Excerpt::new(&unknown.json, TEXT_CHARS).shown()
            ),
            Self::DecodeFailed(error) => error.to_string(),
            Self::Dropped(count) => format!("{count} dropped by the page"),
        };
        text.to_lowercase()
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
        let unchanged = match &action {
            Action::Received(received) => self.contains(&received.event),
            Action::Batch(batch) => batch.is_empty(),
            Action::SetPaused(paused) => *paused == self.paused(),
            Action::SetFilter(filter) => *filter == self.filter,
            Action::Dropped(count) => *count == 0,
            Action::Gap(_) | Action::Unknown(_) | Action::DecodeFailed(_) => false,
        };
        if unchanged {
            return self;
        }
        let mut feed = Rc::unwrap_or_clone(self);
        feed.apply(action);
        Rc::new(feed)
    }
}

impl From<Incoming<Payload>> for Action {
    fn from(incoming: Incoming<Payload>) -> Self {
        match incoming.message {
            Ok(Delivery::Event(event)) => Self::Received(Received {
                event,
                received_us: incoming.received_us,
            }),
            Ok(Delivery::Unknown(unknown)) => Self::Unknown(unknown),
            Ok(Delivery::Gap(gap)) => Self::Gap(gap),
            Err(error) => Self::DecodeFailed(error),
        }
    }
}
