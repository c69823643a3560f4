//! Turns one SSE message (its `event:` name and `data:` text) into a typed
//! [`Message`], or a [`DecodeError`] the feed shows instead of panicking.
//!
//! The hub names each event after its payload kind, so the name and the
//! payload's `type` tag must agree; a mismatch is reported rather than
//! trusted, because it means the two sides disagree about the protocol.

use shared::{Envelope, Event as _, EventId, Gap, Kind};

use crate::excerpt::Excerpt;

/// The longest excerpt of undecodable data kept for display, in characters.
const EXCERPT_CHARS: usize = 120;

/// A decoded SSE message.
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    /// A published event of one of the [`Kind`]s.
    Event(Envelope),
    /// Events the hub could not replay ([`shared::GAP_EVENT`]).
    Gap(Gap),
}

/// One SSE message as the stream delivered it: decoded or not, and when.
#[derive(Debug, Clone, PartialEq)]
pub struct Incoming {
    /// The browser's clock when the message arrived, in unix microseconds.
    pub received_us: u64,
    /// The decoded message, or why it could not be decoded.
    pub message: Result<Message, DecodeError>,
}

/// Why an SSE message could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The event name is neither a [`Kind`] nor [`shared::GAP_EVENT`].
    #[error("unknown event name {name:?}")]
    UnknownName {
        /// The SSE `event:` name as received.
        name: String,
    },
    /// The message carries no text data.
    #[error("`{name}` event carries no text data")]
    NotText {
        /// The SSE `event:` name.
        name: String,
    },
    /// The data is not the JSON the event name promises.
    #[error("`{name}` event has invalid data ({reason}): {excerpt}")]
    InvalidData {
        /// The SSE `event:` name.
        name: String,
        /// What serde found wrong.
        reason: String,
        /// The start of the data, for the reader to recognise it.
        excerpt: String,
    },
    /// The event name and the payload's `type` tag disagree.
    #[error("`{name}` event carries a `{payload}` payload (id {id})")]
    KindMismatch {
        /// The SSE `event:` name.
        name: String,
        /// The payload's own kind name.
        payload: String,
        /// The event's id.
        id: EventId,
    },
}

/// Decodes the SSE message named `name` whose data is `data`.
///
/// # Errors
/// Returns a [`DecodeError`] when the name is unknown, the data is not valid
/// JSON for that name, or an event's payload is of another kind than its name.
pub fn decode(name: &str, data: &str) -> Result<Message, DecodeError> {
    if name == shared::GAP_EVENT {
        return parse::<Gap>(name, data).map(Message::Gap);
    }
    let Ok(kind) = Kind::parse(name) else {
        return Err(DecodeError::UnknownName {
            name: name.to_owned(),
        });
    };
    let event = parse::<Envelope>(name, data)?;
    let payload = event.event.kind();
    if *payload != kind {
        return Err(DecodeError::KindMismatch {
            name: name.to_owned(),
            payload: payload.to_string(),
            id: event.id,
        });
    }
    Ok(Message::Event(event))
}

fn parse<T: serde::de::DeserializeOwned>(name: &str, data: &str) -> Result<T, DecodeError> {
    serde_json::from_str(data).map_err(|error| DecodeError::InvalidData {
        name: name.to_owned(),
        reason: error.to_string(),
        excerpt: excerpt(data),
    })
}

fn excerpt(data: &str) -> String {
    let excerpt = Excerpt::new(data, EXCERPT_CHARS);
    let mut text = excerpt.shown().to_owned();
    if excerpt.is_cut() {
        text.push('…');
    }
    text
}

#[cfg(test)]
mod tests {
    use shared::{Chat, EventId, Payload, Topic};

    use super::*;

    fn chat_json(id: u64) -> String {
        serde_json::to_string(&Envelope {
            id: EventId::new(1, id),
            topic: Topic::parse("chat/lobby").unwrap(),
            time_us: 1_700_000_000_000_000,
            event: Payload::Chat(Chat {
                author: "ada".into(),
                text: "hello".into(),
            }),
        })
        .unwrap()
    }

    #[test]
    fn decodes_an_event_named_after_its_kind() {
        let Ok(Message::Event(event)) = decode("chat", &chat_json(7)) else {
            panic!("chat did not decode");
        };
        assert_eq!(event.id, EventId::new(1, 7));
        assert!(matches!(event.event, Payload::Chat(chat) if chat.author == "ada"));
    }

    #[test]
    fn decodes_every_golden_event() {
        for (name, json) in [
            (
                "metrics",
                include_str!("../../shared/tests/golden/metrics.json"),
            ),
            ("chat", include_str!("../../shared/tests/golden/chat.json")),
            (
                "notice",
                include_str!("../../shared/tests/golden/notice.json"),
            ),
            (
                "latency_probe",
                include_str!("../../shared/tests/golden/latency_probe.json"),
            ),
            ("json", include_str!("../../shared/tests/golden/json.json")),
        ] {
            assert!(
                matches!(decode(name, json), Ok(Message::Event(_))),
                "{name} golden did not decode: {:?}",
                decode(name, json)
            );
        }
    }

    #[test]
    fn decodes_a_gap() {
        let json = include_str!("../../shared/tests/golden/gap.json");
        assert!(matches!(decode("gap", json), Ok(Message::Gap(_))));
    }

    #[test]
    fn malformed_data_is_an_error_with_an_excerpt() {
        let Err(DecodeError::InvalidData { name, excerpt, .. }) = decode("chat", "{not json")
        else {
            panic!("malformed data decoded");
        };
        assert_eq!(name, "chat");
        assert_eq!(excerpt, "{not json");
    }

    #[test]
    fn long_data_is_cut_in_the_excerpt() {
        let data = "x".repeat(EXCERPT_CHARS * 2);
        let Err(DecodeError::InvalidData { excerpt, .. }) = decode("json", &data) else {
            panic!("garbage decoded");
        };
        assert_eq!(excerpt.chars().count(), EXCERPT_CHARS + 1);
        assert!(excerpt.ends_with('…'));
    }

    #[test]
    fn a_name_that_disagrees_with_the_payload_is_an_error() {
        assert_eq!(
            decode("notice", &chat_json(3)),
            Err(DecodeError::KindMismatch {
                name: "notice".into(),
                payload: "chat".to_owned(),
                id: EventId::new(1, 3),
            })
        );
    }

    #[test]
    fn a_name_that_is_no_kind_is_an_error() {
        // What an event without a name arrives as.
        assert_eq!(
            decode(shared::protocol::UNNAMED_EVENT, "{}"),
            Err(DecodeError::UnknownName {
                name: "message".into()
            })
        );
    }
}
