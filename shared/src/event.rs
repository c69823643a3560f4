//! [`Event`]: what makes a type an event the hub carries, by its kinds.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::Kind;

/// An event type: an app's own enum of kinds (or a struct of one kind),
/// tagged by `type` in JSON, whose kinds are the SSE event names a page
/// listens for.
///
/// Derive it with the serde traits, so that the names can never disagree
/// with what serde writes:
///
/// ```
/// use serde::{Deserialize, Serialize};
/// use shared::{Event, Kind};
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
/// #[derive(serde::Serialize, serde::Deserialize, shared::Event)]
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
}

/// `#[derive(Event)]`, which names each kind as serde names its variant
/// (`herald-derive`).
pub use herald_derive::Event;
