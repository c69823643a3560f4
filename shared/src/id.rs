//! Event ids: ordered positions in the hub's single event sequence.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The position of an event in the hub's one, hub-wide sequence.
///
/// Ids grow strictly with publish order across all topics, so one
/// `Last-Event-ID` is enough to resume a stream that carries several topics.
/// To clients an id is an opaque string (it travels as a JSON string and in
/// the SSE `id:` field) so its format may change when the hub becomes a
/// cluster; today it is a decimal `u64`, which never contains CR, LF or NUL
/// and so cannot break SSE framing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EventId(u64);

/// Why a string is not an [`EventId`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("event id {0:?} is not a Herald event id (expected the decimal id of an event)")]
pub struct EventIdError(String);

impl EventId {
    /// The position before every event: resuming after it replays all history.
    pub const START: Self = Self(0);

    /// Wraps a raw sequence number.
    pub const fn new(sequence: u64) -> Self {
        Self(sequence)
    }

    /// The raw sequence number.
    pub const fn get(self) -> u64 {
        self.0
    }

    /// Parses the string form a client sends back in `Last-Event-ID`.
    ///
    /// # Errors
    /// Returns [`EventIdError`] unless the input is 1 to 20 ASCII digits that fit a `u64`.
    pub fn parse(text: &str) -> Result<Self, EventIdError> {
        let refuse = || EventIdError(text.chars().take(32).collect());
        if text.is_empty() || text.len() > 20 || !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(refuse());
        }
        text.parse().map(Self).map_err(|_| refuse())
    }
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
        write!(f, "{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_its_string_form() {
        let id = EventId::new(1_764_066_000_123_456);
        assert_eq!(EventId::parse(&id.to_string()), Ok(id));
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"1764066000123456\"");
    }

    #[test]
    fn orders_by_sequence() {
        assert!(EventId::new(9) < EventId::new(10));
        assert!(EventId::START < EventId::new(1));
    }

    #[test]
    fn refuses_anything_but_digits() {
        for text in [
            "",
            "-1",
            "+1",
            "1e3",
            "12 ",
            "1\n2",
            "18446744073709551616",
            "x",
        ] {
            assert!(EventId::parse(text).is_err(), "{text:?} parsed");
        }
        assert_eq!(
            EventId::parse("18446744073709551615"),
            Ok(EventId::new(u64::MAX))
        );
    }
}
