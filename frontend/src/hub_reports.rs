//! The hub's reports about itself ([`HubStats`] on [`herald_dashboard_events::HUB_TOPIC`]),
//! newest per node: what the hub panel shows, and where the topic list
//! takes its live subscriber counts from.
//!
//! A node that stops reporting (it left, or the page stopped following the
//! topic) is forgotten after [`STALE_US`], so its figures neither linger on
//! screen nor count towards a topic's subscribers.

use std::collections::BTreeMap;
use std::rc::Rc;

use herald_dashboard_events::HubStats;
use herald_wire::Topic;

/// How long a node's last report counts, in microseconds: a few missed
/// reports, since one comes every second.
pub const STALE_US: u64 = 5_000_000;

/// The most nodes kept; a cluster larger than this shows its most recent
/// reporters.
pub const MAX_NODES: usize = 32;

/// The newest report of each node, and when it arrived.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HubReports {
    nodes: BTreeMap<Option<String>, Report>,
}

/// One node's newest report.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// What the node said.
    pub stats: Rc<HubStats>,
    /// When it arrived, in unix microseconds of the page's clock.
    pub received_us: u64,
}

impl HubReports {
    /// Takes in `stats`, received at `received_us`, and forgets the nodes
    /// whose last report is stale by then.
    pub fn record(&mut self, stats: &HubStats, received_us: u64) {
        self.nodes.insert(
            stats.node.clone(),
            Report {
                stats: Rc::new(stats.clone()),
                received_us,
            },
        );
        self.nodes
            .retain(|_, report| received_us.saturating_sub(report.received_us) <= STALE_US);
        while self.nodes.len() > MAX_NODES {
            let oldest = self
                .nodes
                .iter()
                .min_by_key(|(_, report)| report.received_us)
                .map(|(node, _)| node.clone());
            match oldest {
                Some(node) => self.nodes.remove(&node),
                None => break,
            };
        }
    }

    /// The nodes' reports, by node name (a hub of one process has none).
    pub fn nodes(&self) -> impl Iterator<Item = &Report> {
        self.nodes.values()
    }

    /// When the newest report arrived: changes with every report, so a view
    /// derived from the reports is recomputed only then.
    pub fn newest_us(&self) -> Option<u64> {
        self.nodes.values().map(|report| report.received_us).max()
    }

    /// Whether a report arrived within [`STALE_US`] before `now_us`.
    pub fn is_live(&self, now_us: u64) -> bool {
        self.nodes
            .values()
            .any(|report| now_us.saturating_sub(report.received_us) <= STALE_US)
    }

    /// Topics with history or subscribers, as the largest node counts them
    /// (every node of a cluster keeps every topic's history).
    pub fn topics(&self) -> Option<u64> {
        self.nodes.values().map(|report| report.stats.topics).max()
    }

    /// The streams following `topic` over all nodes; `None` when a node's
    /// report was cut short of its followed topics and does not name it,
    /// so the count is not known from reports.
    pub fn subscribers(&self, topic: &Topic) -> Option<u64> {
        let mut total = 0;
        for report in self.nodes.values() {
            let stats = &report.stats;
            match stats.followed.iter().find(|count| &count.topic == topic) {
                Some(count) => total += count.subscribers,
                None if stats.followed_topics > stats.followed.len() as u64 => return None,
                None => {}
            }
        }
        (!self.nodes.is_empty()).then_some(total)
    }
}

#[cfg(test)]
mod tests {
    use herald_dashboard_events::TopicCount;

    use super::*;

    fn stats(node: Option<&str>, followed: &[(&str, u64)], listed_of: u64) -> HubStats {
        HubStats {
            node: node.map(str::to_owned),
            interval_s: 1.0,
            streams_open: 0,
            streams_opened: 0,
            events: 0,
            events_per_s: 0.0,
            deliveries: 0,
            deliveries_per_s: 0.0,
            gaps: 0,
            history_bytes: 0,
            topics: followed.len() as u64,
            followed_topics: listed_of,
            followed: followed
                .iter()
                .map(|(name, subscribers)| TopicCount {
                    topic: Topic::parse(*name).unwrap(),
                    subscribers: *subscribers,
                })
                .collect(),
        }
    }

    fn topic(name: &str) -> Topic {
        Topic::parse(name).unwrap()
    }

    #[test]
    fn counts_add_up_over_nodes_and_a_missing_topic_has_none() {
        let mut reports = HubReports::default();
        assert_eq!(reports.subscribers(&topic("a")), None, "nothing heard yet");
        reports.record(&stats(Some("n1"), &[("a", 2)], 1), 1_000_000);
        reports.record(&stats(Some("n2"), &[("a", 3), ("b", 1)], 2), 1_500_000);
        assert_eq!(reports.subscribers(&topic("a")), Some(5));
        assert_eq!(reports.subscribers(&topic("b")), Some(1));
        assert_eq!(reports.subscribers(&topic("c")), Some(0));
        assert_eq!(reports.topics(), Some(2));
        assert_eq!(reports.nodes().count(), 2);
    }

    #[test]
    fn a_cut_report_does_not_claim_an_unlisted_topic_has_no_subscribers() {
        let mut reports = HubReports::default();
        reports.record(&stats(None, &[("a", 9)], 1_500), 0);
        assert_eq!(reports.subscribers(&topic("a")), Some(9));
        assert_eq!(reports.subscribers(&topic("z")), None);
    }

    #[test]
    fn a_node_that_stops_reporting_is_forgotten() {
        let mut reports = HubReports::default();
        reports.record(&stats(Some("gone"), &[("a", 1)], 1), 0);
        reports.record(&stats(Some("here"), &[("a", 1)], 1), STALE_US + 1);
        assert_eq!(reports.nodes().count(), 1);
        assert_eq!(reports.subscribers(&topic("a")), Some(1));
        assert!(reports.is_live(STALE_US * 2));
        assert!(!reports.is_live(STALE_US * 3));
    }

    #[test]
    fn at_most_the_newest_nodes_are_kept() {
        let mut reports = HubReports::default();
        for index in 0..MAX_NODES as u64 + 3 {
            reports.record(&stats(Some(&format!("n{index}")), &[], 0), index);
        }
        assert_eq!(reports.nodes().count(), MAX_NODES);
        assert!(reports.nodes().all(|report| report.received_us >= 3));
    }
}
