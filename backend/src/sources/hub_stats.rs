//! The hub watching itself: every interval, a [`HubStats`] report of this
//! node to [`HUB_TOPIC`], so the dashboard shows the hub live and its topic
//! list counts subscribers without polling.
//!
//! The report is published through the broker like any event, so in a
//! cluster every node's report reaches every dashboard, one per node.

use std::sync::Arc;
use std::time::Duration;

use herald_dashboard_events::{HUB_TOPIC, HubStats, Payload, TopicCount};
use herald_wire::Topic;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::auth::Auth;
use crate::broker::Broker;
use crate::hub::Counts;
use crate::sources::publish_every;

/// Publishes a report every `interval` until `shutdown`.
#[tracing::instrument(skip_all)]
pub(crate) async fn report_every(
    broker: Broker,
    auth: Arc<Auth>,
    interval: Duration,
    shutdown: CancellationToken,
) {
    let node = match &broker {
        Broker::Memory(_) => None,
        #[cfg(feature = "cluster")]
        Broker::Cluster(cluster) => Some(cluster.node().to_owned()),
    };
    let hub = broker.hub().clone();
    let mut previous = (Instant::now(), hub.counts());
    publish_every(&broker, HUB_TOPIC, interval, &shutdown, || {
        let now = (Instant::now(), hub.counts());
        // Only topics anyone may see: the report is on a public topic, and
        // a private topic's name is private too.
        let anyone = auth.reader(None);
        let followed = hub
            .followed()
            .into_iter()
            .filter(|(topic, _)| anyone.may_see(topic))
            .collect();
        let stats = stats(node.clone(), previous, now, followed);
        previous = now;
        Payload::HubStats(stats)
    })
    .await;
}

/// The report for the interval from `previous` to `now`, given the
/// subscriber counts of the topics it may list.
fn stats(
    node: Option<String>,
    previous: (Instant, Counts),
    now: (Instant, Counts),
    mut followed: Vec<(Topic, u64)>,
) -> HubStats {
    let ((then, before), (at, counts)) = (previous, now);
    let seconds = at.duration_since(then).as_secs_f64();
    let rate = |after: u64, before: u64| {
        if seconds > 0.0 {
            after.saturating_sub(before) as f64 / seconds
        } else {
            0.0
        }
    };
    let followed_topics = followed.len() as u64;
    followed.sort_unstable_by(|(a, a_count), (b, b_count)| b_count.cmp(a_count).then(a.cmp(b)));
    followed.truncate(HubStats::MAX_FOLLOWED);
    HubStats {
        node,
        interval_s: seconds,
        streams_open: counts.subscriptions,
        streams_opened: counts.subscriptions_opened,
        events: counts.events,
        events_per_s: rate(counts.events, before.events),
        deliveries: counts.deliveries,
        deliveries_per_s: rate(counts.deliveries, before.deliveries),
        gaps: counts.gaps,
        history_bytes: counts.history_bytes,
        topics: counts.topics,
        followed_topics,
        followed: followed
            .into_iter()
            .map(|(topic, subscribers)| TopicCount { topic, subscribers })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn topic(name: &str) -> Topic {
        Topic::parse(name).unwrap()
    }

    #[test]
    fn rates_are_over_the_interval_and_the_most_followed_come_first() {
        let start = Instant::now();
        let before = Counts {
            events: 100,
            deliveries: 1_000,
            ..Counts::default()
        };
        let after = Counts {
            events: 300,
            deliveries: 5_000,
            subscriptions: 4,
            ..Counts::default()
        };
        let followed = vec![(topic("b"), 1), (topic("c"), 3), (topic("a"), 1)];
        let stats = stats(
            Some("n1".to_owned()),
            (start, before),
            (start + Duration::from_secs(2), after),
            followed,
        );
        assert_eq!(stats.node.as_deref(), Some("n1"));
        assert!((stats.interval_s - 2.0).abs() < 1e-9);
        assert!((stats.events_per_s - 100.0).abs() < 1e-9);
        assert!((stats.deliveries_per_s - 2_000.0).abs() < 1e-9);
        assert_eq!(stats.streams_open, 4);
        assert_eq!(stats.followed_topics, 3);
        let order: Vec<(&str, u64)> = stats
            .followed
            .iter()
            .map(|count| (count.topic.as_str(), count.subscribers))
            .collect();
        assert_eq!(order, [("c", 3), ("a", 1), ("b", 1)]);
    }

    #[test]
    fn a_report_lists_at_most_its_maximum_of_topics_and_counts_them_all() {
        let start = Instant::now();
        let followed = (0..HubStats::MAX_FOLLOWED + 5)
            .map(|index| (topic(&format!("t/{index:05}")), 1))
            .collect();
        let counts = Counts::default();
        let stats = stats(None, (start, counts), (start, counts), followed);
        assert_eq!(stats.followed.len(), HubStats::MAX_FOLLOWED);
        assert_eq!(stats.followed_topics as usize, HubStats::MAX_FOLLOWED + 5);
        assert_eq!(stats.events_per_s, 0.0, "no time passed: no rate");
    }
}
