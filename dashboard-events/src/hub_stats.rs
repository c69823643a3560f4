//! [`HubStats`]: a hub node's figures about itself, published to
//! [`HUB_TOPIC`](crate::HUB_TOPIC).

use herald_wire::Topic;
use serde::{Deserialize, Serialize};

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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopicCount {
    /// The topic.
    pub topic: Topic,
    /// Streams and in-process subscriptions following it.
    pub subscribers: u64,
}
