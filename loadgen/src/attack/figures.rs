//! What the hub says of itself at the end of an attack: the gauges of its
//! `/metrics` that show whether it kept its bounds (topics, history bytes)
//! and what the attackers still held (streams, connections). A server
//! without them (not Herald, or one that does not serve `/metrics` here)
//! has no figures, and the report says nothing of them.

use std::fmt;
use std::time::Duration;

use herald_wire::protocol::METRICS_PATH;
use serde::Serialize;

use crate::report;
use crate::target::Target;

/// How long the scrape may take: the hub under attack may be slow, and
/// the report should not wait long for figures it can do without.
const SCRAPE_TIMEOUT: Duration = Duration::from_secs(5);

/// The hub's gauges at one moment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(super) struct HubFigures {
    /// `herald_topics`: topics with history or subscribers.
    topics: u64,
    /// `herald_history_bytes`, against `--history-bytes`.
    history_bytes: u64,
    /// `herald_streams_open`.
    streams_open: u64,
    /// `herald_connections_open`.
    connections_open: u64,
}

/// The hub's figures now; `None` when it does not serve them.
pub(super) async fn read(target: &Target) -> Option<HubFigures> {
    let client = reqwest::Client::builder()
        .no_proxy()
        .timeout(SCRAPE_TIMEOUT)
        .build()
        .ok()?;
    let url = format!("{}{METRICS_PATH}", target.publish_base());
    let response = client.get(url).send().await.ok()?.error_for_status().ok()?;
    parse(&response.text().await.ok()?)
}

/// The figures in a Prometheus text exposition; `None` unless it has all.
fn parse(text: &str) -> Option<HubFigures> {
    let gauge = |name: &str| {
        text.lines()
            .filter(|line| !line.starts_with('#'))
            .find_map(|line| {
                line.strip_prefix(name)?
                    .strip_prefix(' ')?
                    .trim()
                    .parse()
                    .ok()
            })
    };
    Some(HubFigures {
        topics: gauge("herald_topics")?,
        history_bytes: gauge("herald_history_bytes")?,
        streams_open: gauge("herald_streams_open")?,
        connections_open: gauge("herald_connections_open")?,
    })
}

impl fmt::Display for HubFigures {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} topics, {} of history, {} streams and {} connections open",
            report::count(self.topics),
            report::mib(self.history_bytes),
            report::count(self.streams_open),
            report::count(self.connections_open)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gauges_are_read_from_the_exposition() {
        let text = "\
# HELP herald_topics Topics with history or subscribers.
# TYPE herald_topics gauge
herald_topics 100012
herald_topics_created_total 7
herald_history_bytes 20971520
herald_streams_open 12
herald_connections_open 540
herald_streams_opened_total 99
";
        let figures = parse(text).unwrap();
        assert_eq!(
            figures,
            HubFigures {
                topics: 100_012,
                history_bytes: 20_971_520,
                streams_open: 12,
                connections_open: 540,
            }
        );
        assert_eq!(
            figures.to_string(),
            "100,012 topics, 20.0 MiB of history, 12 streams and 540 connections open"
        );
    }

    #[test]
    fn an_exposition_without_herald_s_gauges_has_no_figures() {
        assert_eq!(parse("up 1\n"), None);
        assert_eq!(parse("herald_topics 3\n"), None);
    }
}
