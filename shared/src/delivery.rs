//! [`Delivery`]: what a typed subscriber receives, in a Rust service or in
//! a page: an event of its own type, one of a kind it does not know, or a
//! gap.

use crate::{Envelope, EventId, Gap, Kind, Topic};

/// One item of a typed subscription, in id order.
///
/// A hub carries any kind (another publisher, a newer version of the app,
/// or the hub's own reports may publish kinds the subscriber's type does
/// not have), so a kind the type cannot read is delivered as
/// [`Delivery::Unknown`] rather than failing the stream: an older reader
/// keeps working when the publishers move on.
///
/// # Examples
///
/// ```
/// use herald_wire::{Delivery, Envelope, Event, EventId, Gap, Topic, TopicPattern};
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Debug, Serialize, Deserialize, Event)]
/// #[serde(tag = "type", rename_all = "snake_case")]
/// enum ShopEvent {
///     OrderShipped { id: u64 },
/// }
///
/// /// What a subscriber does with each item: here, the orders it saw
/// /// shipped, and whether it must resync.
/// fn handle(delivery: Delivery<ShopEvent>, shipped: &mut Vec<u64>) -> bool {
///     match delivery {
///         Delivery::Event(envelope) => {
///             let ShopEvent::OrderShipped { id } = envelope.event;
///             shipped.push(id);
///             false
///         }
///         // A kind this build does not know: skip it, the stream goes on.
///         Delivery::Unknown(_) => false,
///         // Events were missed: derived state must be rebuilt.
///         Delivery::Gap(_) => true,
///     }
/// }
///
/// let topic = Topic::parse("shop/orders")?;
/// let mut shipped = Vec::new();
/// let event = Delivery::Event(Envelope {
///     id: EventId::new(1, 8),
///     topic: topic.clone(),
///     time_us: 1_764_066_000_000_000,
///     event: ShopEvent::OrderShipped { id: 7 },
/// });
/// assert!(!handle(event, &mut shipped));
/// let gap = Delivery::Gap(Gap {
///     topic: TopicPattern::from(topic),
///     after: EventId::new(1, 8),
///     through: EventId::new(1, 20),
/// });
/// assert!(handle(gap, &mut shipped));
/// assert_eq!(shipped, [7]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum Delivery<E> {
    /// An event of the subscriber's type.
    Event(Envelope<E>),
    /// An event the subscriber's type cannot read.
    Unknown(Unknown),
    /// Events the subscriber can no longer receive.
    Gap(Gap),
}

/// An event whose kind, or content, is not of the subscriber's type.
///
/// # Examples
///
/// The JSON is the whole envelope, so a reader can still show what it
/// cannot type:
///
/// ```
/// use herald_wire::{EventId, Kind, Topic, Unknown};
///
/// let unknown = Unknown {
///     id: EventId::new(1, 9),
///     topic: Topic::parse("shop/orders")?,
///     kind: Kind::parse("order_refunded")?,
///     json: r#"{"id":"1-9","topic":"shop/orders","time_us":5,"event":{"type":"order_refunded","id":7}}"#.into(),
/// };
/// let envelope: serde_json::Value = serde_json::from_str(&unknown.json)?;
/// assert_eq!(envelope["event"]["id"], 7);
/// assert_eq!(unknown.kind.as_str(), envelope["event"]["type"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unknown {
    /// Its position in the hub's sequence.
    pub id: EventId,
    /// The topic it was published to.
    pub topic: Topic,
    /// Its kind, as the SSE `event:` field named it.
    pub kind: Kind,
    /// Its whole envelope, as the hub sent it.
    pub json: String,
}
