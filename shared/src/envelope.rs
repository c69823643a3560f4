//! [`Envelope`]: one published event as every subscriber receives it.

use serde::{Deserialize, Serialize};

use crate::{EventId, Topic};

/// One published event as every subscriber receives it: the hub-assigned id
/// and time, the topic, and the event itself, of the program's
/// [`Event`](crate::Event) type.
///
/// This is the JSON in the `data:` line of each SSE event; the SSE `event:`
/// field carries the event's [`Kind`](crate::Kind), so a browser can listen
/// per kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope<E> {
    /// Position in the hub's sequence; the SSE `id:` field carries the same value.
    pub id: EventId,
    /// Topic the event was published to.
    pub topic: Topic,
    /// The hub's clock when it accepted the event, in unix microseconds.
    pub time_us: u64,
    /// What happened.
    pub event: E,
}
