//! Turns one SSE message (its `event:` name and `data:` text), or one event
//! of a history reply, into a [`Delivery`] of the app's event type, or a
//! [`DecodeError`] the app shows instead of panicking.
//!
//! An envelope whose event the app's type cannot read (a kind it lacks, or
//! a newer publisher's fields) is still a Herald event: when its `id` and
//! `topic` read, it is [`Delivery::Unknown`], with the whole text, so an
//! older page keeps working and can still show it. Only a text that is not
//! an envelope at all is an error.
//!
//! The hub names each event after its kind, so a name and an event's `type`
//! that disagree are reported rather than trusted: the two sides disagree
//! about the protocol.

use herald_wire::{Delivery, Envelope, Event, EventId, Gap, Kind, Topic, Unknown};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

/// The longest excerpt of undecodable data kept for display, in characters.
const EXCERPT_CHARS: usize = 120;

/// One message as the hook delivers it: decoded or not, and when it
/// arrived.
///
/// # Examples
///
/// The publish-to-page latency of an event, from the hub's clock to the
/// page's:
///
/// ```
/// use herald_wire::{Delivery, Envelope, Event, EventId, Topic};
/// use herald_yew::Incoming;
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Event)]
/// #[serde(tag = "type", rename_all = "snake_case")]
/// enum ShopEvent {
///     OrderShipped { id: u64 },
/// }
///
/// fn latency_us<E>(incoming: &Incoming<E>) -> Option<u64> {
///     match &incoming.message {
///         Ok(Delivery::Event(envelope)) => incoming.received_us.checked_sub(envelope.time_us),
///         _ => None,
///     }
/// }
///
/// let incoming = Incoming {
///     received_us: 1_764_066_000_004_000,
///     message: Ok(Delivery::Event(Envelope {
///         id: EventId::new(1, 8),
///         topic: Topic::parse("shop/orders")?,
///         time_us: 1_764_066_000_001_000,
///         event: ShopEvent::OrderShipped { id: 7 },
///     })),
/// };
/// assert_eq!(latency_us(&incoming), Some(3_000));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Incoming<E> {
    /// The browser's clock when the message arrived, in unix microseconds
    /// ([`crate::now_us`]); for a history event, when the hub accepted it.
    pub received_us: u64,
    /// The delivery, or why the message could not be read.
    pub message: Result<Delivery<E>, DecodeError>,
}

/// Why a message could not be read as a Herald event or gap.
///
/// # Examples
///
/// A page shows it in place of the event, rather than failing:
///
/// ```
/// use herald_yew::DecodeError;
///
/// let error = DecodeError::InvalidData {
///     name: "order_shipped".into(),
///     reason: "expected value at line 1 column 1".into(),
///     excerpt: "<html>".into(),
/// };
/// assert_eq!(
///     error.to_string(),
///     "`order_shipped` event has invalid data (expected value at line 1 column 1): <html>"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The event name is neither a [`Kind`] nor [`herald_wire::GAP_EVENT`].
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
    /// The data is not the JSON the event name promises: not even an
    /// envelope's `id` and `topic` read.
    #[error("`{name}` event has invalid data ({reason}): {excerpt}")]
    InvalidData {
        /// The SSE `event:` name, or `history` for an event of a history
        /// reply.
        name: String,
        /// What serde found wrong.
        reason: String,
        /// The start of the data, for the reader to recognise it.
        excerpt: String,
    },
    /// The event name and the event's `type` disagree.
    #[error("`{name}` event carries a `{payload}` payload (id {id})")]
    KindMismatch {
        /// The SSE `event:` name.
        name: String,
        /// The event's own kind name.
        payload: String,
        /// The event's id.
        id: EventId,
    },
}

/// What a history event that is not an envelope is named in its
/// [`DecodeError::InvalidData`]: it came with no SSE name.
const HISTORY_NAME: &str = "history";

/// The part of an envelope that makes it a Herald event: enough to deliver
/// it as [`Delivery::Unknown`] when its event does not read.
#[derive(Deserialize)]
struct Head {
    id: EventId,
    topic: Topic,
}

/// How far an envelope's text reads as `E`.
enum Read<E> {
    /// Whole.
    Event(Envelope<E>),
    /// Its id and topic, but not its event as `E`.
    Unknown(Head),
    /// Not even those, and serde's reason.
    Invalid(String),
}

/// Decodes the SSE message named `name` whose data is `data`.
///
/// # Errors
/// Returns a [`DecodeError`] when the name is neither a kind nor a gap, the
/// data is not an envelope (or a gap) at all, or an event's `type` is
/// another kind than its name.
pub(crate) fn decode<E: Event>(name: &str, data: &str) -> Result<Delivery<E>, DecodeError> {
    if name == herald_wire::GAP_EVENT {
        return parse::<Gap>(name, data).map(Delivery::Gap);
    }
    let Ok(kind) = Kind::parse(name) else {
        return Err(DecodeError::UnknownName {
            name: name.to_owned(),
        });
    };
    let envelope = match read::<E>(data) {
        Read::Event(envelope) => envelope,
        Read::Unknown(head) => return Ok(unknown(head, kind, data)),
        Read::Invalid(reason) => return Err(invalid(name, reason, data)),
    };
    let payload = envelope.event.kind();
    if *payload != kind {
        return Err(DecodeError::KindMismatch {
            name: name.to_owned(),
            payload: payload.to_string(),
            id: envelope.id,
        });
    }
    Ok(Delivery::Event(envelope))
}

/// Decodes one event of a history reply, whose kind is its own `type`:
/// stamped with the hub's `time_us`, or `fallback_us` when that does not
/// read (the page was not there to see it arrive).
pub(crate) fn stored<E: Event>(json: &RawValue, fallback_us: u64) -> Incoming<E> {
    let data = json.get();
    let message = match read::<E>(data) {
        Read::Event(envelope) => {
            return Incoming {
                received_us: envelope.time_us,
                message: Ok(Delivery::Event(envelope)),
            };
        }
        Read::Unknown(head) => match kind_of(data) {
            Some(kind) => Ok(unknown(head, kind, data)),
            None => Err(invalid(
                HISTORY_NAME,
                "the event has no `type` naming its kind".to_owned(),
                data,
            )),
        },
        Read::Invalid(reason) => Err(invalid(HISTORY_NAME, reason, data)),
    };
    Incoming {
        received_us: time_of(data).unwrap_or(fallback_us),
        message,
    }
}

/// Reads `data` as an envelope of `E`: whole first, which is the common
/// case and costs one pass; only a text that fails is read again for its
/// head.
fn read<E: Event>(data: &str) -> Read<E> {
    let error = match serde_json::from_str::<Envelope<Box<RawValue>>>(data) {
        Ok(raw) => match E::from_json(raw.event.get().as_bytes()) {
            Ok(event) => {
                let envelope = Envelope {
                    id: raw.id,
                    topic: raw.topic,
                    time_us: raw.time_us,
                    event,
                };
                return Read::Event(envelope);
            }
            Err(_) => {
                return Read::Unknown(Head {
                    id: raw.id,
                    topic: raw.topic,
                });
            }
        },
        Err(error) => error,
    };
    match serde_json::from_str::<Head>(data) {
        Ok(head) => Read::Unknown(head),
        Err(_) => Read::Invalid(error.to_string()),
    }
}

/// The kind an envelope's event names in its `type`, if it names one.
fn kind_of(data: &str) -> Option<Kind> {
    #[derive(Deserialize)]
    struct Outer {
        event: Box<RawValue>,
    }
    let outer = serde_json::from_str::<Outer>(data).ok()?;
    herald_wire::decode::kind(outer.event.get().as_bytes()).ok()
}

/// An envelope's `time_us`, if it reads.
fn time_of(data: &str) -> Option<u64> {
    #[derive(Deserialize)]
    struct Stamp {
        time_us: u64,
    }
    serde_json::from_str::<Stamp>(data)
        .ok()
        .map(|stamp| stamp.time_us)
}

fn unknown<E>(head: Head, kind: Kind, data: &str) -> Delivery<E> {
    Delivery::Unknown(Unknown {
        id: head.id,
        topic: head.topic,
        kind,
        json: data.to_owned(),
    })
}

fn parse<T: DeserializeOwned>(name: &str, data: &str) -> Result<T, DecodeError> {
    serde_json::from_str(data).map_err(|error| invalid(name, error.to_string(), data))
}

fn invalid(name: &str, reason: String, data: &str) -> DecodeError {
    DecodeError::InvalidData {
        name: name.to_owned(),
        reason,
        excerpt: excerpt(data),
    }
}

/// The first [`EXCERPT_CHARS`] characters of `data`, with an ellipsis when
/// there is more.
fn excerpt(data: &str) -> String {
    let mut characters = data.chars();
    let mut text: String = characters.by_ref().take(EXCERPT_CHARS).collect();
    if characters.next().is_some() {
        text.push('…');
    }
    text
}

#[cfg(test)]
mod tests;
