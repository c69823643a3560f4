//! Herald's wire types: everything that crosses the boundary between a
//! publisher, the hub and a browser.
//!
//! The hub and the browser compile these same types, so a rename here is a
//! protocol change: the golden files in `tests/golden/` pin every JSON shape
//! (those of the `herald` binary's own kinds are in `herald-dashboard-events`)
//! and fail review when one moves. Nothing server-only lives here; the crate
//! depends on serde and nothing heavier, and builds for `wasm32-unknown-unknown`.
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
pub const SYSTEM_PREFIX: &str = "system/";
