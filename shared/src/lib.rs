//! Herald's wire types: everything that crosses the boundary between a
//! publisher, the hub and a browser.
//!
//! The hub and the browser compile these same types, so a rename here is a
//! protocol change: the golden files in `tests/golden/` pin every JSON shape
//! (those of the `herald` binary's own kinds are in `herald-dashboard-events`)
//! and fail review when one moves. Nothing server-only lives here; the crate
//! depends on serde and nothing heavier, and builds for `wasm32-unknown-unknown`.
//!
//! An app names its events in one enum and derives [`Event`] for it; the
//! same type then says what a publisher sends, what a hub accepts and what
//! a subscriber reads:
//!
//! ```
//! use herald_wire::protocol::{publish_path, stream_path};
//! use herald_wire::{Envelope, Event, Topic, TopicPattern};
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Debug, PartialEq, Serialize, Deserialize, Event)]
//! #[serde(tag = "type", rename_all = "snake_case")]
//! enum ShopEvent {
//!     OrderCreated { id: u64 },
//!     OrderShipped { id: u64 },
//! }
//!
//! // A publisher posts the event's JSON to its topic...
//! let orders = Topic::parse("shop/orders")?;
//! let body = serde_json::to_string(&ShopEvent::OrderShipped { id: 7 })?;
//! assert_eq!(publish_path(orders.as_str()), "/api/topics/shop/orders");
//! assert_eq!(body, r#"{"type":"order_shipped","id":7}"#);
//!
//! // ...a hub built for the type reads it as one of its kinds...
//! let event = ShopEvent::from_json(body.as_bytes())?;
//! assert_eq!(event.kind().as_str(), "order_shipped");
//!
//! // ...and a subscriber of `shop/*` receives it in an envelope.
//! assert_eq!(stream_path([TopicPattern::parse("shop/*")?], None), "/api/events?topic=shop/*");
//! let data = r#"{"id":"1-8","topic":"shop/orders","time_us":5,"event":{"type":"order_shipped","id":7}}"#;
//! let received: Envelope<ShopEvent> = serde_json::from_str(data)?;
//! assert_eq!(received.topic, orders);
//! assert_eq!(received.event, event);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Layout:
//! - [`topic`]: the validated [`Topic`] name.
//! - [`pattern`]: [`TopicPattern`], a topic or every topic under a prefix.
//! - [`id`]: the opaque, ordered [`EventId`].
//! - [`kind`]: the validated [`Kind`] name, an event's `type` and SSE name.
//! - [`event`]: the [`Event`] trait (and its derive) that an event type
//!   implements: its kinds, and each value's kind.
//! - [`decode`]: reading an event from JSON text, with [`DecodeError`]
//!   naming the path at fault.
//! - [`delivery`]: [`Delivery`], what a typed subscriber receives.
//! - [`envelope`]: the [`Envelope`] every subscriber receives an event in.
//! - [`api`]: the JSON bodies of the HTTP API (publish reply, history, topic list, errors)
//!   and the [`Gap`] control event.
//! - [`protocol`]: route paths, parameter, header and SSE event names, and
//!   the URL builders every client uses.

#![warn(missing_docs)]

pub mod api;
pub mod decode;
pub mod delivery;
pub mod envelope;
pub mod event;
pub mod id;
pub mod kind;
pub mod pattern;
pub mod protocol;
#[cfg(feature = "schema")]
mod schema;
pub mod topic;

pub use api::{
    ErrorBody, ErrorCode, EventList, Gap, Health, Published, PublishedBatch, TopicInfo, TopicList,
};
pub use decode::DecodeError;
pub use delivery::{Delivery, Unknown};
pub use envelope::Envelope;
pub use event::Event;
pub use id::{EventId, EventIdError};
pub use kind::{Kind, KindError};
pub use pattern::{TopicPattern, TopicPatternError};
pub use protocol::GAP_EVENT;
pub use topic::{Topic, TopicError};

/// Where the hub's own reports live (its hub stats and system metrics):
/// over HTTP only a token whose grants name these topics publishes there,
/// so no client can speak for the hub on a dashboard.
///
/// # Examples
///
/// ```
/// use herald_wire::{SYSTEM_PREFIX, Topic};
///
/// let metrics = Topic::parse("system/metrics")?;
/// assert!(metrics.as_str().starts_with(SYSTEM_PREFIX));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub const SYSTEM_PREFIX: &str = "system/";
