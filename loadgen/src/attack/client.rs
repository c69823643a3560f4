//! The legitimate client of an attack: it publishes latency probes to one
//! topic at a steady rate and reads them on one stream, as any page
//! following a topic would, and tells what it saw (latency, losses,
//! duplicates, order, gaps).
//!
//! It publishes ([`probe::publish_paced`]) and reads ([`Reader`]) on
//! threads and runtimes of its own: the attackers keep the tool's runtime
//! busy, and a client among them would add their queue to every latency it
//! measures, which is the hub's to answer for, not the tool's.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::Context;
use futures_util::StreamExt;
use herald_wire::Topic;
use serde::Serialize;
use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;

use crate::latency::{Latencies, Summary};
use crate::probe::{self, Acks, Counts, Events, Message, Tally};
use crate::report;

/// The legitimate client's probes: their acknowledgements and latencies,
/// written by its publisher and reader, read by the progress line.
pub(super) struct Probes {
    pub(super) acks: Arc<Acks>,
    pub(super) latencies: Latencies,
    pub(super) delivered: AtomicU64,
}

/// The legitimate stream's reader, on a thread of its own.
pub(super) struct Reader {
    /// Whether the stream opened.
    pub(super) opened: oneshot::Receiver<anyhow::Result<()>>,
    /// What it received, once every probe came or it was stopped.
    pub(super) received: oneshot::Receiver<Counts>,
}

/// What the legitimate client published and received.
#[derive(Serialize)]
pub(super) struct Client {
    topic: String,
    /// Probes answered 2xx.
    published: u64,
    publish_failed: u64,
    #[serde(skip)]
    first_failure: Option<String>,
    delivered: u64,
    lost: u64,
    duplicated: u64,
    out_of_order: u64,
    gaps: u64,
    stream_ended_early: bool,
    latency_ms: Option<Summary>,
}

impl Probes {
    /// Room for probes `0..total`.
    pub(super) fn new(total: u64) -> Self {
        Self {
            acks: Arc::new(Acks::new(total)),
            latencies: Latencies::new(),
            delivered: AtomicU64::new(0),
        }
    }
}

impl Reader {
    /// Opens the stream at `url` and reads it on a thread and runtime of
    /// its own until every one of `total` probes came, or `stop`.
    pub(super) fn start(
        client: reqwest::Client,
        url: String,
        total: u64,
        probes: Arc<Probes>,
        stop: CancellationToken,
    ) -> anyhow::Result<Self> {
        let (opened, opened_rx) = oneshot::channel();
        let (done, done_rx) = oneshot::channel();
        std::thread::Builder::new()
            .name("reader".to_owned())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(runtime) => runtime,
                    Err(error) => {
                        let _ = opened.send(Err(error.into()));
                        return;
                    }
                };
                runtime.block_on(async {
                    match probe::open(&client, &url).await {
                        Ok(events) => {
                            let _ = opened.send(Ok(()));
                            let _ = done.send(read(events, total, &probes, &stop).await);
                        }
                        Err(error) => {
                            let _ = opened.send(Err(error.context(url)));
                        }
                    }
                });
            })
            .context("starting the reader thread")?;
        Ok(Self {
            opened: opened_rx,
            received: done_rx,
        })
    }
}

/// Reads probes until every one came, `stop`, or the stream ends.
async fn read(mut events: Events, total: u64, probes: &Probes, stop: &CancellationToken) -> Counts {
    let mut tally = Tally::new(total);
    while tally.delivered() < total {
        let next = tokio::select! {
            biased;
            () = stop.cancelled() => break,
            next = events.next() => next,
        };
        let Some(Ok(event)) = next else {
            tally.ended_early();
            break;
        };
        match Message::decode(&event) {
            Message::Probe(probe) => {
                let now = probe::now_us();
                if tally.record(probe, &probes.acks) {
                    probes.latencies.record(0, now.saturating_sub(probe.ts));
                    probes.delivered.fetch_add(1, Ordering::Relaxed);
                }
            }
            Message::Gap => tally.gap(),
            Message::Other => {}
        }
    }
    tally.finish(&probes.acks)
}

impl Client {
    /// What the client on `topic` saw: its `probes`' publishes and
    /// latencies, and the `counts` of its stream.
    pub(super) fn new(topic: &Topic, probes: &Probes, counts: Counts) -> Self {
        let (publish_failed, first_failure) = probes.acks.failed();
        Self {
            topic: topic.to_string(),
            published: probes.acks.published(),
            publish_failed,
            first_failure,
            delivered: counts.delivered,
            lost: counts.lost,
            duplicated: counts.duplicated,
            out_of_order: counts.out_of_order,
            gaps: counts.gaps,
            stream_ended_early: counts.ended_early > 0,
            latency_ms: probes.latencies.summary(),
        }
    }
}

impl fmt::Display for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "  legitimate client on {}", self.topic)?;
        writeln!(
            f,
            "  {} probes published ({} failed)",
            report::count(self.published),
            self.publish_failed
        )?;
        if let Some(why) = &self.first_failure {
            writeln!(f, "  first failed publish: {why}")?;
        }
        writeln!(
            f,
            "  delivered {}; lost {}, duplicated {}, out of order {}, gaps {}{}",
            report::count(self.delivered),
            self.lost,
            self.duplicated,
            self.out_of_order,
            self.gaps,
            if self.stream_ended_early {
                ", the stream ended early"
            } else {
                ""
            }
        )?;
        if let Some(latency) = &self.latency_ms {
            writeln!(
                f,
                "  latency ms: p50 {:.2}, p90 {:.2}, p99 {:.2}, p99.9 {:.2}, max {:.2}",
                latency.p50, latency.p90, latency.p99, latency.p999, latency.max
            )?;
        }
        Ok(())
    }
}
