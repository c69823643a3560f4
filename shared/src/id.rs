//! Event ids: positions in one run of the hub's single event sequence.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The position of an event: the epoch of the hub run that published it,
/// and its place in that run's one, hub-wide sequence.
///
/// Within an epoch, sequence numbers grow by one with every publish across
/// all topics, so one `Last-Event-ID` is enough to resume a stream that
/// carries several topics. They are counted, never read from a clock, so a
/// clock that steps back cannot reorder or reuse them.
///
/// The epoch names a run of the hub (for the in-memory hub, the unix
/// microsecond it started; for a cluster, what all its nodes share). A hub
/// compares the sequence of an id only within its own epoch: an id of any
/// other epoch is an unknown past, answered with a gap and the current
/// history, whether that epoch's number is smaller or larger. So `Ord`
/// orders ids within an epoch; across epochs it is only a total order for
/// sorting, not a statement about which run came first.
///
/// To clients an id is an opaque string (a JSON string and the SSE `id:`
/// field), `"{epoch}-{sequence}"` in decimal, which never contains CR, LF
/// or NUL and so cannot break SSE framing.
///
/// # Examples
///
/// ```
/// use herald_wire::EventId;
///
/// // What a client sends back in `Last-Event-ID`.
/// let id = EventId::parse("1764066000123456-42")?;
/// assert_eq!(id.epoch(), 1_764_066_000_123_456);
/// assert_eq!(id.sequence(), 42);
/// assert_eq!(id.to_string(), "1764066000123456-42");
/// assert_eq!(id, EventId::new(1_764_066_000_123_456, 42));
///
/// // Within one run, ids order by sequence; `start` is before them all.
/// assert!(EventId::start(id.epoch()) < id);
/// assert!(id < EventId::new(id.epoch(), 43));
///
/// // In JSON an id is a string.
/// assert_eq!(serde_json::to_string(&id)?, r#""1764066000123456-42""#);
/// assert!(EventId::parse("42").is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EventId {
    epoch: u64,
    sequence: u64,
}

/// Why a string is not an [`EventId`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "event id {0:?} is not a Herald event id (expected the id of an event, two decimal numbers joined by '-')"
)]
pub struct EventIdError(String);

impl EventId {
    /// The position of `sequence` in the run `epoch`.
    pub const fn new(epoch: u64, sequence: u64) -> Self {
        Self { epoch, sequence }
    }

    /// The position before every event of the run `epoch`: resuming after
    /// it replays all of that run's history.
    pub const fn start(epoch: u64) -> Self {
        Self::new(epoch, 0)
    }

    /// The run that assigned this id.
    pub const fn epoch(self) -> u64 {
        self.epoch
    }

    /// The position within its run; the first event is 1.
    pub const fn sequence(self) -> u64 {
        self.sequence
    }

    /// Parses the string form a client sends back in `Last-Event-ID`.
    ///
    /// # Errors
    /// Returns [`EventIdError`] unless the input is two runs of 1 to 20
    /// ASCII digits, each fitting a `u64`, joined by `-`.
    pub fn parse(text: &str) -> Result<Self, EventIdError> {
        let refuse = || EventIdError(text.chars().take(48).collect());
        let (epoch, sequence) = text.split_once('-').ok_or_else(refuse)?;
        Ok(Self::new(
            decimal(epoch).ok_or_else(refuse)?,
            decimal(sequence).ok_or_else(refuse)?,
        ))
    }
}

/// A `u64` written as plain ASCII digits, nothing else (no sign, no space).
fn decimal(text: &str) -> Option<u64> {
    if text.is_empty() || text.len() > 20 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

impl TryFrom<String> for EventId {
    type Error = EventIdError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::parse(&text)
    }
}

impl From<EventId> for String {
    fn from(id: EventId) -> Self {
        id.to_string()
    }
}

impl fmt::Display for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.epoch, self.sequence)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_its_string_form() {
        let id = EventId::new(1_764_066_000_123_456, 42);
        assert_eq!(EventId::parse(&id.to_string()), Ok(id));
        assert_eq!(
            serde_json::to_string(&id).unwrap(),
            "\"1764066000123456-42\""
        );
        let widest = EventId::new(u64::MAX, u64::MAX);
        assert_eq!(EventId::parse(&widest.to_string()), Ok(widest));
    }

    #[test]
    fn orders_by_sequence_within_an_epoch() {
        assert!(EventId::new(5, 9) < EventId::new(5, 10));
        assert!(EventId::start(5) < EventId::new(5, 1));
    }

    #[test]
    fn refuses_anything_but_two_decimal_numbers() {
        for text in [
            "",
            "-",
            "1",
            "1-",
            "-1",
            "1--1",
            "1-2-3",
            "+1-2",
            "1-+2",
            "1e3-1",
            "1-2 ",
            "1-\n2",
            "18446744073709551616-1",
            "1-18446744073709551616",
            "x-1",
        ] {
            assert!(EventId::parse(text).is_err(), "{text:?} parsed");
        }
    }
}
