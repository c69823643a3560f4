//! The hub's built-in publishers: this machine's metrics
//! ([`system_metrics`]) and the hub's own figures ([`hub_stats`]), each a
//! report made every interval and published through the broker like any
//! event, so a fresh hub has live data to show and, in a cluster, every
//! node's reports reach every dashboard.

pub(crate) mod hub_stats;
#[cfg(feature = "system-metrics")]
pub(crate) mod system_metrics;

use std::time::Duration;

use herald_dashboard_events::Payload;
use herald_wire::Topic;
use tokio::time::MissedTickBehavior;
use tokio_util::sync::CancellationToken;

use crate::broker::Broker;

/// Publishes what `report` makes to `topic` every `interval`, the first
/// one interval after the start, until `shutdown`.
///
/// A tick missed while the runtime was busy is not made up for: a late
/// report covers the longer interval instead, and one that fails to
/// publish is logged and dropped, since the next one supersedes it.
pub(crate) async fn publish_every(
    broker: &Broker,
    topic: &str,
    interval: Duration,
    shutdown: &CancellationToken,
    mut report: impl FnMut() -> Payload,
) {
    let topic = match Topic::parse(topic) {
        Ok(topic) => topic,
        Err(error) => {
            tracing::error!(%error, "a built-in topic name is invalid");
            return;
        }
    };
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
    // The first tick fires at once: a report over no time says nothing.
    ticker.tick().await;
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            _ = ticker.tick() => {}
        }
        if let Err(error) = broker.publish(topic.clone(), &report()).await {
            tracing::warn!(%error, %topic, "dropped a report");
        }
    }
}
