//! `fanout`: N streams on one topic while one paced publisher sends latency
//! probes. Reports publish-to-receive latency percentiles, what was lost,
//! duplicated or out of order, and, with `--server-pid`, the server's CPU
//! time per delivery over the publishing phase.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use anyhow::{Context, bail};
use futures_util::StreamExt;
use herald_wire::Topic;
use serde::Serialize;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::latency::{Latencies, Summary};
use crate::limits;
use crate::probe::{self, Acks, Counts, Events, Message, Tally};
use crate::report::{self, Progress};
use crate::server::{Reading, Server};
use crate::target::Target;

#[derive(clap::Args)]
pub(crate) struct Options {
    /// Streams on the topic.
    #[arg(long, default_value_t = 1000)]
    streams: usize,
    /// Probes published per second.
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u32).range(1..))]
    rate: u32,
    /// Seconds of publishing.
    #[arg(long, default_value_t = 30)]
    seconds: u64,
    /// Topic to publish to; a fresh one per run by default. With
    /// `--streams 0` this drives a page that follows the topic.
    #[arg(long, value_parser = |name: &str| Topic::parse(name))]
    topic: Option<Topic>,
}

/// The result, one JSON line.
#[derive(Serialize)]
struct Report {
    mode: &'static str,
    target: String,
    topic: String,
    streams: usize,
    rate: u32,
    seconds: u64,
    /// Probes answered 2xx.
    published: u64,
    publish_failed: u64,
    /// Distinct probes received, over all streams.
    delivered: u64,
    /// `published` × `streams`.
    expected: u64,
    /// `delivered` over the time from the first publish to the last
    /// delivery.
    delivered_per_sec: f64,
    lost: u64,
    duplicated: u64,
    out_of_order: u64,
    /// Herald's `gap` events: a stream fell behind its history.
    gaps: u64,
    streams_ended_early: u64,
    latency_ms: Option<Summary>,
    server: Option<ServerCost>,
    #[serde(skip)]
    first_failure: Option<String>,
}

/// What the deliveries cost the server: CPU time, per delivery too, and
/// resident memory around the publishing phase.
#[derive(Serialize)]
struct ServerCost {
    pid: u32,
    /// Server CPU time from just before the first publish until every
    /// stream had all its probes (or the drain deadline passed).
    cpu_seconds: f64,
    cpu_us_per_delivery: Option<f64>,
    rss_bytes_before: u64,
    rss_bytes_after: u64,
}

/// What the streams have opened and delivered so far: written by the
/// stream readers, read by the progress line and the report.
struct Deliveries {
    acks: Arc<Acks>,
    latencies: Latencies,
    delivered: AtomicU64,
    last_delivery_us: AtomicU64,
    /// Unix microseconds of the first publish; 0 while streams open.
    publishing_since_us: AtomicU64,
    opened: AtomicU64,
}

pub(crate) async fn run(
    options: Options,
    target: &Target,
    server: Option<&Server>,
) -> anyhow::Result<()> {
    let Options {
        streams,
        rate,
        seconds,
        topic,
    } = options;
    limits::ensure_room(streams + probe::PUBLISHERS)?;
    let topic = match topic {
        Some(topic) => topic,
        None => Topic::parse(format!("load/fanout-{}", probe::now_us()))?,
    };
    let total = u64::from(rate) * seconds;
    let deliveries = Arc::new(Deliveries {
        acks: Arc::new(Acks::new(total)),
        latencies: Latencies::new(),
        delivered: AtomicU64::new(0),
        last_delivery_us: AtomicU64::new(0),
        publishing_since_us: AtomicU64::new(0),
        opened: AtomicU64::new(0),
    });
    let progress = Progress::start({
        let deliveries = deliveries.clone();
        move |_| deliveries.progress_line(streams, seconds)
    });
    let stop = CancellationToken::new();
    let clients = target.stream_clients(streams)?;
    let at_once = Arc::new(Semaphore::new(probe::OPENING_AT_ONCE));
    let (opened, mut opened_rx) = tokio::sync::mpsc::channel(streams.max(1));
    let mut readers = JoinSet::new();
    for index in 0..streams {
        let client = clients[index % clients.len()].clone();
        let url = target.stream_url(index, &topic);
        let (deliveries, stop, at_once, opened) = (
            deliveries.clone(),
            stop.clone(),
            at_once.clone(),
            opened.clone(),
        );
        readers.spawn(async move {
            let events = {
                let _permit = at_once.acquire().await;
                probe::open(&client, &url).await
            };
            match events {
                Ok(events) => {
                    deliveries.opened.fetch_add(1, Ordering::Relaxed);
                    let _ = opened.send(Ok(())).await;
                    read(events, total, index, &deliveries, &stop).await
                }
                Err(error) => {
                    let _ = opened.send(Err(error.context(url))).await;
                    Counts::default()
                }
            }
        });
    }
    drop(opened);
    let all_open = tokio::time::timeout(probe::OPEN_DEADLINE, async {
        for _ in 0..streams {
            opened_rx
                .recv()
                .await
                .context("a stream task ended before opening")??;
        }
        anyhow::Ok(())
    })
    .await;
    let failure = match all_open {
        Ok(Ok(())) => None,
        Ok(Err(error)) => Some(error.context("opening a stream")),
        Err(_) => Some(probe::not_all_opened(
            deliveries.opened.load(Ordering::Relaxed),
            streams,
        )),
    };
    if let Some(error) = failure {
        stop.cancel();
        progress.finish().await;
        return Err(error);
    }

    let before = server.map(Server::read).transpose()?;
    let started = Instant::now();
    deliveries
        .publishing_since_us
        .store(probe::now_us(), Ordering::Relaxed);
    probe::publish_paced(
        target.publish_url(&topic),
        rate,
        deliveries.acks.clone(),
        CancellationToken::new(),
    )
    .await?;
    let publish_seconds = started.elapsed().as_secs_f64();
    let mut counts = Counts::default();
    let drained = tokio::time::timeout(probe::DRAIN, async {
        while let Some(joined) = readers.join_next().await {
            counts.add(joined.context("a stream reader panicked")?);
        }
        anyhow::Ok(())
    })
    .await;
    if drained.is_err() {
        // The last events are overdue: what has not come is lost.
        stop.cancel();
    }
    drained.unwrap_or(Ok(()))?;
    while let Some(joined) = readers.join_next().await {
        counts.add(joined.context("a stream reader panicked")?);
    }
    let after = server.map(Server::read).transpose()?;
    progress.finish().await;

    let published = deliveries.acks.published();
    let (publish_failed, first_failure) = deliveries.acks.failed();
    if published == 0 && total > 0 {
        bail!(
            "no publish succeeded: {}",
            first_failure.unwrap_or_else(|| "no answer".to_owned())
        );
    }
    let since_us = deliveries.publishing_since_us.load(Ordering::Relaxed);
    let last_us = deliveries.last_delivery_us.load(Ordering::Relaxed);
    let delivering_seconds = if last_us > since_us {
        (last_us - since_us) as f64 / 1e6
    } else {
        publish_seconds
    };
    report::emit(&Report {
        mode: "fanout",
        target: target.publish_base().to_owned(),
        topic: topic.to_string(),
        streams,
        rate,
        seconds,
        published,
        publish_failed,
        delivered: counts.delivered,
        expected: published * streams as u64,
        delivered_per_sec: counts.delivered as f64 / delivering_seconds.max(1e-3),
        lost: counts.lost,
        duplicated: counts.duplicated,
        out_of_order: counts.out_of_order,
        gaps: counts.gaps,
        streams_ended_early: counts.ended_early,
        latency_ms: deliveries.latencies.summary(),
        server: server
            .zip(before.zip(after))
            .map(|(server, (before, after))| ServerCost::new(server, &before, &after, &counts)),
        first_failure,
    })
}

/// Events a stream reads in a row before it looks at its stop token.
const STOP_CHECK_EVERY: u32 = 64;

/// Reads one stream until every probe came, `stop`, or the stream ends.
async fn read(
    mut events: Events,
    total: u64,
    index: usize,
    deliveries: &Deliveries,
    stop: &CancellationToken,
) -> Counts {
    // Waited on only when the stream has nothing ready, and looked at
    // between so many events, and a child of the run's token: a wait per
    // event on the one token every stream shares would take its lock
    // twice per event, in a tool that must keep up with the server.
    let stop = stop.child_token();
    let mut stopped = std::pin::pin!(stop.cancelled());
    let mut tally = Tally::new(total);
    let mut unchecked = 0u32;
    while tally.delivered() < total {
        unchecked += 1;
        if unchecked == STOP_CHECK_EVERY {
            unchecked = 0;
            if stop.is_cancelled() {
                break;
            }
        }
        let next = tokio::select! {
            biased;
            next = events.next() => next,
            () = &mut stopped => break,
        };
        let Some(Ok(event)) = next else {
            tally.ended_early();
            break;
        };
        match Message::decode(&event) {
            Message::Probe(probe) => {
                let now = probe::now_us();
                if tally.record(probe, &deliveries.acks) {
                    deliveries
                        .latencies
                        .record(index, now.saturating_sub(probe.ts));
                    deliveries.delivered.fetch_add(1, Ordering::Relaxed);
                    deliveries
                        .last_delivery_us
                        .fetch_max(now, Ordering::Relaxed);
                }
            }
            Message::Gap => tally.gap(),
            Message::Other => {}
        }
    }
    tally.finish(&deliveries.acks)
}

impl ServerCost {
    /// `server`'s figures `before` and `after` the streams `counts` were
    /// delivered to.
    fn new(server: &Server, before: &Reading, after: &Reading, counts: &Counts) -> Self {
        let cpu_seconds = (after.cpu_seconds - before.cpu_seconds).max(0.0);
        Self {
            pid: server.pid(),
            cpu_seconds,
            cpu_us_per_delivery: (counts.delivered > 0)
                .then(|| cpu_seconds * 1e6 / counts.delivered as f64),
            rss_bytes_before: before.rss_bytes,
            rss_bytes_after: after.rss_bytes,
        }
    }
}

impl Deliveries {
    /// The run's progress line: the streams opened while they open, then
    /// the probes published and delivered and the latency so far.
    fn progress_line(&self, streams: usize, seconds: u64) -> String {
        let since_us = self.publishing_since_us.load(Ordering::Relaxed);
        if since_us == 0 {
            let opened = self.opened.load(Ordering::Relaxed);
            return format!("fanout  opening streams {opened}/{streams}");
        }
        let elapsed = probe::now_us().saturating_sub(since_us) / 1_000_000;
        let p99 = self.latencies.summary().map_or_else(
            || "-".to_owned(),
            |summary| format!("{:.1} ms", summary.p99),
        );
        format!(
            "fanout  {elapsed}s/{seconds}s  streams {streams}  published {}  delivered {}  p99 {p99}",
            report::count(self.acks.published()),
            report::count(self.delivered.load(Ordering::Relaxed)),
        )
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "fanout to {} on {}", self.topic, self.target)?;
        writeln!(
            f,
            "  {} streams, {} probes published at {}/s ({} failed)",
            report::count(self.streams as u64),
            report::count(self.published),
            self.rate,
            self.publish_failed
        )?;
        if let Some(why) = &self.first_failure {
            writeln!(f, "  first failed publish: {why}")?;
        }
        writeln!(
            f,
            "  delivered {} of {} ({:.0}/s); lost {}, duplicated {}, out of order {}, gaps {}, streams ended early {}",
            report::count(self.delivered),
            report::count(self.expected),
            self.delivered_per_sec,
            self.lost,
            self.duplicated,
            self.out_of_order,
            self.gaps,
            self.streams_ended_early
        )?;
        if let Some(latency) = &self.latency_ms {
            writeln!(
                f,
                "  latency ms: p50 {:.2}, p90 {:.2}, p99 {:.2}, p99.9 {:.2}, max {:.2}",
                latency.p50, latency.p90, latency.p99, latency.p999, latency.max
            )?;
        }
        if let Some(server) = &self.server {
            let per_delivery = server
                .cpu_us_per_delivery
                .map_or_else(|| "-".to_owned(), |micros| format!("{micros:.2}"));
            write!(
                f,
                "  server {}: {:.2} s CPU, {per_delivery} µs per delivery; RSS {} -> {}",
                server.pid,
                server.cpu_seconds,
                report::mib(server.rss_bytes_before),
                report::mib(server.rss_bytes_after)
            )?;
        }
        Ok(())
    }
}
