//! [`Event`]: what makes a type an event the hub carries, by its kinds.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::{DecodeError, Kind, decode};

/// An event type: an app's own enum of kinds (or a struct of one kind),
/// tagged by `type` in JSON, whose kinds are the SSE event names a page
/// listens for.
///
/// Derive it with the serde traits, so that the names can never disagree
/// with what serde writes:
///
/// ```
/// use serde::{Deserialize, Serialize};
/// use herald_wire::{Event, Kind};
///
/// #[derive(Serialize, Deserialize, Event)]
/// #[serde(tag = "type", rename_all = "snake_case")]
/// enum ShopEvent {
///     OrderCreated { id: u64 },
///     OrderShipped { id: u64 },
/// }
///
/// let created = ShopEvent::OrderCreated { id: 7 };
/// assert_eq!(created.kind().as_str(), "order_created");
/// assert_eq!(serde_json::to_string(&created).unwrap(), r#"{"type":"order_created","id":7}"#);
/// assert_eq!(ShopEvent::kinds(), [Kind::of("order_created"), Kind::of("order_shipped")]);
/// ```
///
/// A type not tagged by `type` does not compile, since the hub reads an
/// event's kind from its `type`:
///
/// ```compile_fail
/// #[derive(serde::Serialize, serde::Deserialize, herald_wire::Event)]
/// enum Untagged {
///     Created { id: u64 },
/// }
/// ```
///
/// The hub needs nothing else of the type: it stores each event's JSON and
/// its kind, so a hub built for one type serves pages built against an
/// older or newer one (a kind a page does not know is one it does not
/// listen for).
pub trait Event: Serialize + DeserializeOwned {
    /// Every kind of the type, in declaration order: the names a page
    /// listens for.
    fn kinds() -> &'static [Kind];

    /// This event's kind: its JSON `type` and its SSE `event:` name.
    fn kind(&self) -> &Kind;

    /// Reads an event from JSON text, as a hub does a published body: the
    /// `type` must be one of [`Event::kinds`], and a refusal names the JSON
    /// path at fault. The derive reads each newtype variant as its own
    /// struct ([`decode::newtype`]), so the path reaches into it.
    ///
    /// ```
    /// use serde::{Deserialize, Serialize};
    /// use herald_wire::Event;
    ///
    /// #[derive(Serialize, Deserialize, Event)]
    /// #[serde(tag = "type", rename_all = "snake_case")]
    /// enum ShopEvent {
    ///     OrderCreated(Order),
    /// }
    ///
    /// #[derive(Serialize, Deserialize)]
    /// struct Order {
    ///     id: u64,
    ///     lines: Vec<u32>,
    /// }
    ///
    /// let refused = ShopEvent::from_json(br#"{"type":"order_created","id":1,"lines":[2,"x"]}"#);
    /// assert_eq!(refused.err().unwrap().path(), Some("lines[1]"));
    /// let unknown = ShopEvent::from_json(br#"{"type":"order_lost","id":1}"#);
    /// assert_eq!(unknown.err().unwrap().path(), Some("type"));
    /// ```
    ///
    /// # Errors
    /// [`DecodeError`]: malformed JSON, no `type`, a kind the type does not
    /// have, or the first field at fault.
    fn from_json(json: &[u8]) -> Result<Self, DecodeError> {
        decode::event(json)
    }
}

/// `#[derive(Event)]`, which names each kind as serde names its variant
/// (`herald-derive`).
///
/// # Examples
///
/// ```
/// use herald_wire::{Event, Kind};
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Serialize, Deserialize)]
/// struct Order {
///     id: u64,
/// }
///
/// #[derive(Serialize, Deserialize, Event)]
/// #[serde(tag = "type", rename_all = "snake_case")]
/// enum ShopEvent {
///     OrderCreated(Order),
///     OrderShipped { id: u64 },
///     #[serde(rename = "refund")]
///     RefundIssued { id: u64 },
/// }
///
/// assert_eq!(
///     ShopEvent::kinds(),
///     [Kind::of("order_created"), Kind::of("order_shipped"), Kind::of("refund")]
/// );
/// assert_eq!(ShopEvent::RefundIssued { id: 2 }.kind().as_str(), "refund");
/// ```
pub use herald_derive::Event;
