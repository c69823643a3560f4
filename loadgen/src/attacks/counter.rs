//! What one attack did and how the hub answered: counted live by the
//! attack's connections ([`Counter`]), reported once at the end
//! ([`Counted`]).

use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use eventsource_stream::Event as SseEvent;
use herald_wire::GAP_EVENT;
use herald_wire::protocol::POSITION_EVENT;
use serde::Serialize;

use crate::report;

/// The counts of one attack as it goes, shared by its connections. Each
/// field is counted by the attacks it means something to and stays 0 for
/// the rest.
#[derive(Default)]
pub(crate) struct Counter {
    /// Requests sent, or connections opened by the attacks that send none.
    requests: AtomicU64,
    /// Answers 2xx.
    accepted: AtomicU64,
    /// Other answers, by status.
    refused: Mutex<BTreeMap<u16, u64>>,
    /// Requests and connections that got no answer: refused connections,
    /// transport errors, timeouts.
    failed: AtomicU64,
    /// SSE events received, but the position a stream opens with.
    events: AtomicU64,
    gaps: AtomicU64,
    /// Bytes read, or for a trickling body, sent.
    bytes: AtomicU64,
    /// Connections the hub closed without an answer.
    closed: AtomicU64,
    /// How long the hub held connections before it answered or closed
    /// them: the count, the sum and the longest, in microseconds.
    held: AtomicU64,
    held_us: AtomicU64,
    held_us_max: AtomicU64,
    /// Connections still open when the attack stopped, and the age of the
    /// oldest in microseconds: what the hub had not closed yet.
    open_at_end: AtomicU64,
    open_at_end_us_max: AtomicU64,
    /// The most topics the hub listed under the attack's prefix while it
    /// ran, and how many once it stopped: whether its topics were kept.
    listed_peak: AtomicU64,
    listed_after: Mutex<Option<u64>>,
}

/// The counts of one attack at the end of the run, one entry of the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct Counted {
    pub(crate) attack: &'static str,
    /// What `requests` counts: "streams", "publishes", "connections", ...
    pub(crate) unit: &'static str,
    pub(crate) requests: u64,
    pub(crate) accepted: u64,
    /// Answers other than 2xx, by status.
    pub(crate) refused: BTreeMap<u16, u64>,
    pub(crate) failed: u64,
    pub(crate) events: u64,
    pub(crate) gaps: u64,
    pub(crate) bytes: u64,
    /// What the attack does with `bytes`: "read" or "trickled".
    #[serde(skip)]
    pub(crate) bytes_verb: &'static str,
    pub(crate) closed: u64,
    pub(crate) held_mean_seconds: Option<f64>,
    pub(crate) held_max_seconds: Option<f64>,
    pub(crate) open_at_end: u64,
    pub(crate) open_at_end_max_seconds: Option<f64>,
    pub(crate) listed_peak: Option<u64>,
    pub(crate) listed_after: Option<u64>,
}

impl Counter {
    pub(crate) fn request(&self) {
        self.requests.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts the hub's answer, 2xx or not.
    pub(crate) fn answered(&self, status: u16) {
        if (200..300).contains(&status) {
            self.accepted.fetch_add(1, Ordering::Relaxed);
        } else {
            *self
                .refused
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .entry(status)
                .or_default() += 1;
        }
    }

    pub(crate) fn failed(&self) {
        self.failed.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts an SSE event a stream received: a gap, an event, or nothing
    /// for the position a stream opens with.
    pub(crate) fn saw(&self, event: &SseEvent) {
        if event.event == GAP_EVENT {
            self.gaps.fetch_add(1, Ordering::Relaxed);
        } else if event.event != POSITION_EVENT {
            self.events.fetch_add(1, Ordering::Relaxed);
        }
    }

    pub(crate) fn bytes(&self, count: usize) {
        self.bytes
            .fetch_add(u64::try_from(count).unwrap_or(u64::MAX), Ordering::Relaxed);
    }

    /// The hub closed a connection without answering it.
    pub(crate) fn closed(&self) {
        self.closed.fetch_add(1, Ordering::Relaxed);
    }

    /// The hub answered or closed a connection after holding it this long.
    pub(crate) fn held(&self, held: Duration) {
        let micros = u64::try_from(held.as_micros()).unwrap_or(u64::MAX);
        self.held.fetch_add(1, Ordering::Relaxed);
        self.held_us.fetch_add(micros, Ordering::Relaxed);
        self.held_us_max.fetch_max(micros, Ordering::Relaxed);
    }

    /// A connection was still open, at this age, when the attack stopped.
    pub(crate) fn open_at_end(&self, age: Duration) {
        let micros = u64::try_from(age.as_micros()).unwrap_or(u64::MAX);
        self.open_at_end.fetch_add(1, Ordering::Relaxed);
        self.open_at_end_us_max.fetch_max(micros, Ordering::Relaxed);
    }

    /// The hub listed `topics` under the attack's prefix while it ran.
    pub(crate) fn listed(&self, topics: u64) {
        self.listed_peak.fetch_max(topics, Ordering::Relaxed);
    }

    /// The hub listed `topics` under the attack's prefix once it stopped.
    pub(crate) fn listed_after(&self, topics: u64) {
        *self
            .listed_after
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(topics);
    }

    /// The counts now, for the report.
    pub(crate) fn counted(
        &self,
        attack: &'static str,
        unit: &'static str,
        bytes_verb: &'static str,
    ) -> Counted {
        let load = |count: &AtomicU64| count.load(Ordering::Relaxed);
        let held = load(&self.held);
        let seconds = |micros: u64| micros as f64 / 1e6;
        let listed_after = *self
            .listed_after
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        Counted {
            attack,
            unit,
            requests: load(&self.requests),
            accepted: load(&self.accepted),
            refused: self
                .refused
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone(),
            failed: load(&self.failed),
            events: load(&self.events),
            gaps: load(&self.gaps),
            bytes: load(&self.bytes),
            bytes_verb,
            closed: load(&self.closed),
            held_mean_seconds: (held > 0).then(|| seconds(load(&self.held_us)) / held as f64),
            held_max_seconds: (held > 0).then(|| seconds(load(&self.held_us_max))),
            open_at_end: load(&self.open_at_end),
            open_at_end_max_seconds: (load(&self.open_at_end) > 0)
                .then(|| seconds(load(&self.open_at_end_us_max))),
            // A peak of 0 is a finding only for the attack that lists.
            listed_peak: listed_after.map(|_| load(&self.listed_peak)),
            listed_after,
        }
    }
}

/// One line: the attack's name and requests, then only what it counted.
impl fmt::Display for Counted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = vec![format!(
            "{} {}, 2xx {}",
            report::count(self.requests),
            self.unit,
            report::count(self.accepted)
        )];
        if !self.refused.is_empty() {
            let refused: Vec<String> = self
                .refused
                .iter()
                .map(|(status, count)| format!("{status} ×{}", report::count(*count)))
                .collect();
            parts.push(format!("refused {}", refused.join(", ")));
        }
        let counts = [
            ("no answer", self.failed),
            ("closed unanswered", self.closed),
            ("events", self.events),
            ("gaps", self.gaps),
        ];
        for (what, count) in counts {
            if count > 0 {
                parts.push(format!("{what} {}", report::count(count)));
            }
        }
        if self.bytes > 0 {
            let bytes = if self.bytes >= 1024 * 1024 {
                report::mib(self.bytes)
            } else {
                format!("{} bytes", report::count(self.bytes))
            };
            parts.push(format!("{bytes} {}", self.bytes_verb));
        }
        if let (Some(mean), Some(max)) = (self.held_mean_seconds, self.held_max_seconds) {
            parts.push(format!("held {mean:.1} s on average, {max:.1} s at most"));
        }
        if let Some(oldest) = self.open_at_end_max_seconds {
            parts.push(format!(
                "open at the end {}, the oldest for {oldest:.1} s",
                report::count(self.open_at_end)
            ));
        }
        if let (Some(peak), Some(after)) = (self.listed_peak, self.listed_after) {
            parts.push(format!(
                "topics listed: at most {} during, {} after",
                report::count(peak),
                report::count(after)
            ));
        }
        write!(f, "{:<10} {}", self.attack, parts.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sse(event: &str) -> SseEvent {
        SseEvent {
            event: event.to_owned(),
            data: String::new(),
            id: String::new(),
            retry: None,
        }
    }

    #[test]
    fn a_quiet_attack_reads_as_its_requests_and_answers() {
        let counter = Counter::default();
        counter.request();
        counter.answered(202);
        let line = counter
            .counted("new-topics", "publishes", "read")
            .to_string();
        assert_eq!(line, "new-topics 1 publishes, 2xx 1");
    }

    #[test]
    fn refusals_are_told_by_status_and_extras_only_when_counted() {
        let counter = Counter::default();
        for status in [408, 408, 503, 400] {
            counter.request();
            counter.answered(status);
        }
        counter.failed();
        counter.bytes(2048);
        counter.held(Duration::from_millis(2000));
        counter.held(Duration::from_millis(3000));
        counter.open_at_end(Duration::from_millis(1500));
        counter.open_at_end(Duration::from_millis(500));
        let counted = counter.counted("trickle", "publishes", "trickled");
        assert_eq!(
            counted.refused,
            BTreeMap::from([(400, 1), (408, 2), (503, 1)])
        );
        assert_eq!(
            counted.to_string(),
            "trickle    4 publishes, 2xx 0; refused 400 ×1, 408 ×2, 503 ×1; no answer 1; \
             2,048 bytes trickled; held 2.5 s on average, 3.0 s at most; \
             open at the end 2, the oldest for 1.5 s"
        );
    }

    #[test]
    fn stream_events_count_apart_from_gaps_and_the_opening_position() {
        let counter = Counter::default();
        for name in [POSITION_EVENT, "chat", GAP_EVENT, "chat"] {
            counter.saw(&sse(name));
        }
        let counted = counter.counted("resume", "streams", "read");
        assert_eq!((counted.events, counted.gaps), (2, 1));
    }

    #[test]
    fn listed_topics_are_reported_once_checked_after_the_attack() {
        let counter = Counter::default();
        counter.listed(512);
        assert_eq!(counter.counted("pins", "streams", "read").listed_peak, None);
        counter.listed(64);
        counter.listed_after(0);
        let line = counter.counted("pins", "streams", "read").to_string();
        assert!(
            line.ends_with("topics listed: at most 512 during, 0 after"),
            "{line}"
        );
    }
}
