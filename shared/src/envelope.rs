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
///
/// # Examples
///
/// ```
/// use herald_wire::{Envelope, Event, EventId, Topic};
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Debug, PartialEq, Serialize, Deserialize, Event)]
/// #[serde(tag = "type", rename_all = "snake_case")]
/// enum ShopEvent {
///     OrderShipped { id: u64 },
/// }
///
/// // The `data:` of an SSE event named `order_shipped`.
/// let data = r#"{"id":"1-8","topic":"shop/orders","time_us":1764066000000000,"event":{"type":"order_shipped","id":7}}"#;
/// let envelope: Envelope<ShopEvent> = serde_json::from_str(data)?;
/// assert_eq!(envelope.id, EventId::new(1, 8));
/// assert_eq!(envelope.topic, Topic::parse("shop/orders")?);
/// assert_eq!(envelope.event, ShopEvent::OrderShipped { id: 7 });
/// assert_eq!(envelope.event.kind().as_str(), "order_shipped");
/// assert_eq!(serde_json::to_string(&envelope)?, data);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
