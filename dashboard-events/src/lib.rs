//! The events Herald's own binary publishes and its dashboard reads, as one
//! [`Event`] type, [`Payload`]: the hub's reports about itself
//! ([`HubStats`]), the host's system metrics ([`Metrics`]), and the
//! dashboard's chat, notices and latency probes, plus opaque [`Json`] and
//! any other kind as its JSON ([`Untyped`]), so the standalone binary
//! carries every publisher's events.
//!
//! An app with its own event type does not need this crate: it derives
//! [`Event`] on its own enum (see `herald-wire`). The `herald` binary and
//! its dashboard are one such app, whose enum happens to read any kind.
//!
//! ```
//! use herald_dashboard_events::{Chat, Payload, kinds};
//! use herald_wire::Event;
//!
//! // What the dashboard's chat box publishes...
//! let chat = Payload::Chat(Chat { author: "ada".into(), text: "hello".into() });
//! let body = serde_json::to_string(&chat)?;
//! assert_eq!(body, r#"{"type":"chat","author":"ada","text":"hello"}"#);
//! assert_eq!(chat.kind(), &kinds::CHAT);
//!
//! // ...reads back typed, and a kind Herald does not type is carried as
//! // published.
//! assert_eq!(Payload::from_json(&body)?, chat);
//! let order = Payload::from_json(r#"{"type":"order_created","id":7}"#)?;
//! assert!(matches!(&order, Payload::Untyped(other) if other.kind().as_str() == "order_created"));
//! assert_eq!(serde_json::to_string(&order)?, r#"{"type":"order_created","id":7}"#);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The golden files in `tests/golden/` pin every kind's JSON shape.

#![warn(missing_docs)]

mod decode;
mod hub_stats;
mod json;
mod messages;
mod metrics;
mod probe;
#[cfg(feature = "schema")]
mod schema;

pub use hub_stats::{HubStats, TopicCount};
pub use json::{Json, Untyped};
pub use messages::{Chat, Notice, NoticeLevel};
pub use metrics::{LoadAverage, Metrics, NotFinite};
pub use probe::LatencyProbe;

use herald_wire::{DecodeError, Event, Kind};
use serde::{Serialize, Serializer};

/// Topic the hub's built-in source publishes [`Metrics`] samples to, under
/// [`SYSTEM_PREFIX`](herald_wire::SYSTEM_PREFIX) so no client can speak for
/// the hub there.
///
/// # Examples
///
/// ```
/// use herald_dashboard_events::METRICS_TOPIC;
/// use herald_wire::protocol::stream_path;
/// use herald_wire::{SYSTEM_PREFIX, Topic};
///
/// let metrics = Topic::parse(METRICS_TOPIC)?;
/// assert!(metrics.as_str().starts_with(SYSTEM_PREFIX));
/// assert_eq!(stream_path([&metrics], None), "/api/events?topic=system/metrics");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub const METRICS_TOPIC: &str = "system/metrics";

/// Topic every hub node publishes its [`HubStats`] to, once a second, under
/// [`SYSTEM_PREFIX`](herald_wire::SYSTEM_PREFIX).
///
/// # Examples
///
/// ```
/// use herald_dashboard_events::HUB_TOPIC;
/// use herald_wire::{SYSTEM_PREFIX, Topic, TopicPattern};
///
/// let hub = Topic::parse(HUB_TOPIC)?;
/// assert!(hub.as_str().starts_with(SYSTEM_PREFIX));
/// // A reader of every system report follows it too.
/// assert!(TopicPattern::parse("system/*")?.matches(&hub));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub const HUB_TOPIC: &str = "system/hub";

/// The kinds [`Payload`] types, named as in its JSON `type`.
///
/// # Examples
///
/// ```
/// use herald_dashboard_events::{Payload, kinds};
/// use herald_wire::Event;
///
/// assert_eq!(kinds::LATENCY_PROBE.as_str(), "latency_probe");
/// assert_eq!(
///     Payload::kinds(),
///     [kinds::METRICS, kinds::CHAT, kinds::NOTICE, kinds::LATENCY_PROBE, kinds::HUB_STATS, kinds::JSON]
/// );
/// ```
pub mod kinds {
    use herald_wire::Kind;

    /// [`Payload::Metrics`](crate::Payload::Metrics).
    pub const METRICS: Kind = Kind::of("metrics");
    /// [`Payload::Chat`](crate::Payload::Chat).
    pub const CHAT: Kind = Kind::of("chat");
    /// [`Payload::Notice`](crate::Payload::Notice).
    pub const NOTICE: Kind = Kind::of("notice");
    /// [`Payload::LatencyProbe`](crate::Payload::LatencyProbe).
    pub const LATENCY_PROBE: Kind = Kind::of("latency_probe");
    /// [`Payload::HubStats`](crate::Payload::HubStats).
    pub const HUB_STATS: Kind = Kind::of("hub_stats");
    /// [`Payload::Json`](crate::Payload::Json).
    pub const JSON: Kind = Kind::of("json");
}

/// An event's content, tagged by `type` in JSON: one of the kinds Herald's
/// binary and dashboard type, or any other kind as its JSON ([`Untyped`]).
///
/// This is the body of `POST /api/topics/{topic}` on the `herald` binary: a
/// publisher sends the payload and the hub wraps it in an
/// [`Envelope`](herald_wire::Envelope). Any JSON object whose `type` is a
/// [`Kind`] name is a payload; the kinds below are checked against their
/// fields, every other one is carried as published.
///
/// Decoding reads the `type` first and then the kind's own struct from the
/// same text, rather than through serde's internally tagged enum, which
/// buffers the content and so could not keep a [`Json`] or [`Untyped`]
/// payload's text: [`Payload::from_json`] is that decoder, and says what is
/// wrong with a text it refuses.
///
/// # Examples
///
/// A dashboard handles the kinds it shows and lets the rest pass:
///
/// ```
/// use herald_dashboard_events::{NoticeLevel, Payload};
///
/// /// The banner a payload raises, if any.
/// fn banner(payload: &Payload) -> Option<String> {
///     match payload {
///         Payload::Notice(notice) if notice.level != NoticeLevel::Info => {
///             Some(notice.text.clone())
///         }
///         Payload::Untyped(other) => Some(format!("new kind: {}", other.kind())),
///         _ => None,
///     }
/// }
///
/// let warning = Payload::from_json(r#"{"type":"notice","level":"warning","text":"disk almost full"}"#)?;
/// assert_eq!(banner(&warning).as_deref(), Some("disk almost full"));
/// let probe = Payload::from_json(r#"{"type":"latency_probe","seq":1,"ts":1764066000000000}"#)?;
/// assert_eq!(banner(&probe), None);
/// let order = Payload::from_json(r#"{"type":"order_created","id":7}"#)?;
/// assert_eq!(banner(&order).as_deref(), Some("new kind: order_created"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum Payload {
    /// A sample of the host's system metrics.
    Metrics(Metrics),
    /// A chat message.
    Chat(Chat),
    /// A notice shown as a banner.
    Notice(Notice),
    /// A latency probe: the publisher's clock at send time.
    LatencyProbe(LatencyProbe),
    /// A hub's figures about itself, published every second to
    /// [`HUB_TOPIC`].
    HubStats(HubStats),
    /// Opaque JSON from a program that brings its own schema, under
    /// `data`.
    Json(Json),
    /// An event of any other kind, such as an app's own `order_created`.
    Untyped(Untyped),
}

/// Herald's own kinds, in the order a dashboard lists them; an untyped
/// payload's kind is its own.
impl Event for Payload {
    fn kinds() -> &'static [Kind] {
        static KINDS: [Kind; 6] = [
            kinds::METRICS,
            kinds::CHAT,
            kinds::NOTICE,
            kinds::LATENCY_PROBE,
            kinds::HUB_STATS,
            kinds::JSON,
        ];
        &KINDS
    }

    /// Any object whose `type` is a kind name: the typed kinds checked
    /// against their fields, any other carried as published.
    fn from_json(json: &[u8]) -> Result<Self, DecodeError> {
        Self::from_json(json)
    }

    fn kind(&self) -> &Kind {
        let typed = match self {
            Self::Metrics(_) => 0,
            Self::Chat(_) => 1,
            Self::Notice(_) => 2,
            Self::LatencyProbe(_) => 3,
            Self::HubStats(_) => 4,
            Self::Json(_) => 5,
            Self::Untyped(untyped) => return &untyped.kind,
        };
        &Self::kinds()[typed]
    }
}

/// A typed kind is written as its struct's members after its `type`; an
/// untyped one as it was published. A metrics sample that is not finite is
/// refused ([`Metrics::check_finite`]): JSON would carry it as `null`, which
/// no reader could decode.
impl Serialize for Payload {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        #[serde(tag = "type", rename_all = "snake_case")]
        enum Typed<'a> {
            Metrics(&'a Metrics),
            Chat(&'a Chat),
            Notice(&'a Notice),
            LatencyProbe(&'a LatencyProbe),
            HubStats(&'a HubStats),
            Json(&'a Json),
        }
        match self {
            Self::Metrics(metrics) => {
                metrics.check_finite().map_err(serde::ser::Error::custom)?;
                Typed::Metrics(metrics).serialize(serializer)
            }
            Self::Chat(chat) => Typed::Chat(chat).serialize(serializer),
            Self::Notice(notice) => Typed::Notice(notice).serialize(serializer),
            Self::LatencyProbe(probe) => Typed::LatencyProbe(probe).serialize(serializer),
            Self::HubStats(stats) => Typed::HubStats(stats).serialize(serializer),
            Self::Json(json) => Typed::Json(json).serialize(serializer),
            Self::Untyped(untyped) => untyped.json.data.serialize(serializer),
        }
    }
}

#[cfg(test)]
mod tests;
