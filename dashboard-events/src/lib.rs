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

use herald_wire::{DecodeError, Event, Kind, Topic};
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;
use serde_json::value::RawValue;

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

/// One sample of the host's system metrics.
///
/// # Examples
///
/// ```
/// use herald_dashboard_events::{LoadAverage, Metrics, Payload};
///
/// let sample = Metrics {
///     cpu_total: 12.5,
///     cpu_per_core: vec![20.0, 5.0],
///     memory_used: 3 << 30,
///     memory_total: 8 << 30,
///     load: LoadAverage { one: 0.5, five: 0.25, fifteen: 0.125 },
///     net_rx_per_sec: 1_000,
///     net_tx_per_sec: 250,
/// };
/// let json = serde_json::to_value(Payload::Metrics(sample.clone()))?;
/// assert_eq!(json["type"], "metrics");
/// assert_eq!(json["load"]["five"], 0.25);
///
/// // Floats read back exactly.
/// let read = Payload::from_json(json.to_string())?;
/// assert_eq!(read, Payload::Metrics(sample));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    /// Busy share of all cores together, in percent (0–100).
    pub cpu_total: f32,
    /// Busy share of each core, in percent (0–100), in the order the OS lists them.
    pub cpu_per_core: Vec<f32>,
    /// Memory in use, in bytes.
    pub memory_used: u64,
    /// Installed memory, in bytes.
    pub memory_total: u64,
    /// The run-queue load averages.
    pub load: LoadAverage,
    /// Bytes received per second over all network interfaces since the previous sample.
    pub net_rx_per_sec: u64,
    /// Bytes sent per second over all network interfaces since the previous sample.
    pub net_tx_per_sec: u64,
}

/// A [`Metrics`] value that JSON cannot carry: NaN or infinite.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("`{field}` must be a finite number")]
pub struct NotFinite {
    /// The offending field, as a JSON path.
    pub field: &'static str,
}

/// Load averages over one, five and fifteen minutes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LoadAverage {
    /// Over the last minute.
    pub one: f64,
    /// Over the last five minutes.
    pub five: f64,
    /// Over the last fifteen minutes.
    pub fifteen: f64,
}

/// A chat message.
///
/// # Examples
///
/// ```
/// use herald_dashboard_events::{Chat, Payload};
///
/// let chat = Payload::Chat(Chat { author: "ada".into(), text: "hi".into() });
/// assert_eq!(serde_json::to_string(&chat)?, r#"{"type":"chat","author":"ada","text":"hi"}"#);
///
/// // Both fields are needed; the refusal names the missing one.
/// let refused = Payload::from_json(r#"{"type":"chat","author":"ada"}"#);
/// assert_eq!(refused.err().as_ref().and_then(|e| e.path()), Some("text"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Chat {
    /// Who wrote it.
    pub author: String,
    /// What they wrote.
    pub text: String,
}

/// A notice for whoever is watching.
///
/// # Examples
///
/// ```
/// use herald_dashboard_events::{Notice, NoticeLevel, Payload};
///
/// let notice = Payload::Notice(Notice {
///     level: NoticeLevel::Warning,
///     text: "restarting in 5 minutes".into(),
/// });
/// assert_eq!(
///     serde_json::to_string(&notice)?,
///     r#"{"type":"notice","level":"warning","text":"restarting in 5 minutes"}"#
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    /// How serious it is.
    pub level: NoticeLevel,
    /// What to tell.
    pub text: String,
}

/// Severity of a [`Notice`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeLevel {
    /// For information.
    Info,
    /// Something needs attention.
    Warning,
    /// Something failed.
    Error,
}

/// A latency probe: subtract `ts` from the receiver's clock to get the
/// publish-to-receive latency (both clocks in unix microseconds).
///
/// # Examples
///
/// ```
/// use herald_dashboard_events::{LatencyProbe, Payload};
///
/// let Payload::LatencyProbe(probe) =
///     Payload::from_json(r#"{"type":"latency_probe","seq":41,"ts":1764066000000000}"#)?
/// else {
///     unreachable!("a latency probe");
/// };
/// let received_us = 1_764_066_000_001_500;
/// assert_eq!(received_us - probe.ts, 1_500);
/// assert_eq!(probe, LatencyProbe { seq: 41, ts: 1_764_066_000_000_000 });
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LatencyProbe {
    /// The publisher's sequence number, to spot loss and reordering.
    pub seq: u64,
    /// The publisher's clock at send time, in unix microseconds.
    pub ts: u64,
}

/// What one hub node says about itself each second: what an operator
/// watches, and what the dashboard's topic list counts subscribers by.
///
/// Totals count from the node's start; rates are over the interval since
/// the node's previous report.
///
/// # Examples
///
/// ```
/// use herald_dashboard_events::{HubStats, Payload};
///
/// let report = r#"{"type":"hub_stats","node":null,"interval_s":1.0,
///     "streams_open":2,"streams_opened":9,"events":120,"events_per_s":4.0,
///     "deliveries":240,"deliveries_per_s":8.0,"gaps":0,"history_bytes":65536,
///     "topics":3,"followed_topics":1,
///     "followed":[{"topic":"chat/lobby","subscribers":2}]}"#;
/// let Payload::HubStats(stats) = Payload::from_json(report)? else {
///     unreachable!("hub stats");
/// };
/// assert_eq!(stats.node, None);
/// assert_eq!(stats.followed[0].topic.as_str(), "chat/lobby");
/// assert_eq!(stats.followed[0].subscribers, 2);
/// assert!(stats.followed.len() <= HubStats::MAX_FOLLOWED);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HubStats {
    /// The node these figures are of: its cluster node id, or `None` for a
    /// hub of one process.
    pub node: Option<String>,
    /// Seconds the figures' rates are over.
    pub interval_s: f64,
    /// SSE streams (and in-process subscriptions) open now.
    pub streams_open: u64,
    /// Streams opened since the node started.
    pub streams_opened: u64,
    /// Events the node's hub took in since it started (in a cluster, every
    /// node takes in every event).
    pub events: u64,
    /// Events per second over the interval.
    pub events_per_s: f64,
    /// Events delivered to streams since the node started.
    pub deliveries: u64,
    /// Deliveries per second over the interval.
    pub deliveries_per_s: f64,
    /// Gaps reported to streams since the node started: events a stream
    /// could no longer get.
    pub gaps: u64,
    /// Bytes of history the hub keeps.
    pub history_bytes: u64,
    /// Topics with history or subscribers.
    pub topics: u64,
    /// Topics with at least one subscriber.
    pub followed_topics: u64,
    /// Subscriber counts of the most followed topics that anyone may see
    /// (private topics are left out), most followed first, at most
    /// [`HubStats::MAX_FOLLOWED`]. When `followed_topics` is larger, a topic
    /// missing here may still have subscribers.
    pub followed: Vec<TopicCount>,
}

impl HubStats {
    /// Most topics a report lists in [`HubStats::followed`]: enough for any
    /// dashboard's topic list, and a report stays under about 100 KiB.
    pub const MAX_FOLLOWED: usize = 1_000;
}

/// A topic and how many subscribers it has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopicCount {
    /// The topic.
    pub topic: Topic,
    /// Streams and in-process subscriptions following it.
    pub subscribers: u64,
}

/// Opaque JSON from a program that brings its own schema, kept as its text:
/// key order, repeated keys, big integers and number spellings (`1e2`)
/// arrive as published. Only whitespace between tokens is dropped, so the
/// text is one line.
///
/// # Examples
///
/// ```
/// use herald_dashboard_events::{Json, Payload};
///
/// // Key order and a number no `f64` holds arrive as published.
/// let json = Json::from_text(r#"{ "z": 1, "a": 18446744073709551616123 }"#)?;
/// assert_eq!(json.text(), r#"{"z":1,"a":18446744073709551616123}"#);
/// assert_eq!(json.value()["z"], 1);
///
/// let payload = Payload::Json(json);
/// assert_eq!(
///     serde_json::to_string(&payload)?,
///     r#"{"type":"json","data":{"z":1,"a":18446744073709551616123}}"#
/// );
///
/// let from_value = Json::from_value(&serde_json::json!({ "ok": true }))?;
/// assert_eq!(from_value.text(), r#"{"ok":true}"#);
/// assert!(Json::from_text("{").is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Json {
    /// Any JSON value, as published.
    #[serde(deserialize_with = "compact_raw")]
    pub data: Box<RawValue>,
}

impl Json {
    /// Takes `text`, which must be one JSON value, without the whitespace
    /// between its tokens.
    ///
    /// # Errors
    /// When `text` is not JSON.
    pub fn from_text(text: &str) -> Result<Self, serde_json::Error> {
        RawValue::from_string(compact(text)).map(|data| Self { data })
    }

    /// Takes a [`Value`] as its JSON text.
    ///
    /// # Errors
    /// Never for a `Value` that came from JSON; serde_json's own rule.
    pub fn from_value(value: &Value) -> Result<Self, serde_json::Error> {
        serde_json::value::to_raw_value(value).map(|data| Self { data })
    }

    /// The JSON text.
    pub fn text(&self) -> &str {
        self.data.get()
    }

    /// The JSON decoded as a [`Value`], to walk it (repeated keys keep the
    /// last, as in JavaScript's `JSON.parse`).
    pub fn value(&self) -> Value {
        // The text was checked to be JSON when it was taken.
        serde_json::from_str(self.text()).unwrap_or(Value::Null)
    }
}

impl PartialEq for Json {
    fn eq(&self, other: &Self) -> bool {
        self.text() == other.text()
    }
}

/// An event of a kind Herald does not type, kept as its JSON text: the
/// object as published, with its `type`, on one line (whitespace between
/// tokens dropped, as for [`Json`]).
///
/// # Examples
///
/// ```
/// use herald_dashboard_events::Payload;
///
/// let payload = Payload::from_json("{ \"type\": \"order_created\",\n \"id\": 7 }")?;
/// let Payload::Untyped(order) = &payload else {
///     unreachable!("order_created is not one of Herald's kinds");
/// };
/// assert_eq!(order.kind().as_str(), "order_created");
/// assert_eq!(order.text(), r#"{"type":"order_created","id":7}"#);
/// assert_eq!(order.value()["id"], 7);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Untyped {
    kind: Kind,
    json: Json,
}

impl Untyped {
    /// The kind its `type` names.
    pub fn kind(&self) -> &Kind {
        &self.kind
    }

    /// The JSON object, `type` and all.
    pub fn text(&self) -> &str {
        self.json.text()
    }

    /// The JSON decoded as a [`Value`], to walk it.
    pub fn value(&self) -> Value {
        self.json.value()
    }
}

/// Deserializes a raw JSON value without the whitespace between its tokens.
fn compact_raw<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Box<RawValue>, D::Error> {
    let raw = Box::<RawValue>::deserialize(deserializer)?;
    RawValue::from_string(compact(raw.get())).map_err(D::Error::custom)
}

/// `text` without whitespace outside strings; JSON allows none inside them
/// but escaped, so what remains is the same value on one line.
fn compact(text: &str) -> String {
    let mut compacted = String::with_capacity(text.len());
    let mut in_string = false;
    let mut escaped = false;
    for character in text.chars() {
        if in_string {
            compacted.push(character);
            if escaped {
                escaped = false;
            } else if character == '\\' {
                escaped = true;
            } else if character == '"' {
                in_string = false;
            }
        } else if !matches!(character, ' ' | '\t' | '\n' | '\r') {
            if character == '"' {
                in_string = true;
            }
            compacted.push(character);
        }
    }
    compacted
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

impl Metrics {
    /// Checks that every float is finite: serde_json writes NaN and the
    /// infinities as `null`, which no subscriber could decode back.
    ///
    /// # Errors
    /// [`NotFinite`] naming the first field that is not.
    ///
    /// # Examples
    ///
    /// ```
    /// use herald_dashboard_events::{LoadAverage, Metrics, NotFinite, Payload};
    ///
    /// let mut sample = Metrics {
    ///     cpu_total: 12.5,
    ///     cpu_per_core: vec![20.0, 5.0],
    ///     memory_used: 0,
    ///     memory_total: 0,
    ///     load: LoadAverage { one: 0.5, five: 0.25, fifteen: 0.125 },
    ///     net_rx_per_sec: 0,
    ///     net_tx_per_sec: 0,
    /// };
    /// assert_eq!(sample.check_finite(), Ok(()));
    ///
    /// // A load computed from no samples at all, say.
    /// sample.load.five = f64::NAN;
    /// assert_eq!(sample.check_finite(), Err(NotFinite { field: "load.five" }));
    /// // Serializing refuses it, rather than sending `null`.
    /// assert!(serde_json::to_string(&Payload::Metrics(sample)).is_err());
    /// ```
    pub fn check_finite(&self) -> Result<(), NotFinite> {
        let floats = [
            ("cpu_total", f64::from(self.cpu_total)),
            ("load.one", self.load.one),
            ("load.five", self.load.five),
            ("load.fifteen", self.load.fifteen),
        ];
        if let Some((field, _)) = floats.iter().find(|(_, value)| !value.is_finite()) {
            return Err(NotFinite { field });
        }
        if self.cpu_per_core.iter().any(|value| !value.is_finite()) {
            return Err(NotFinite {
                field: "cpu_per_core",
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
