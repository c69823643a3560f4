//! `throughput`: one stream while publishers post as fast as they go.
//! Reports events per second through that one subscriber, the hub's
//! delivery path without fan-out.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use futures_util::StreamExt;
use herald_wire::Topic;
use serde::Serialize;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::probe::{self, Message};
use crate::report::{self, Progress};
use crate::target::Target;

#[derive(clap::Args)]
pub(crate) struct Options {
    /// Seconds of publishing.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Concurrent publishing connections.
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u64).range(1..))]
    publishers: u64,
}

/// The result, one JSON line.
#[derive(Serialize)]
struct Report {
    mode: &'static str,
    target: String,
    seconds: u64,
    publishers: u64,
    /// Publishes answered 2xx.
    published: u64,
    publish_failed: u64,
    /// Probes the stream received.
    received: u64,
    /// Herald's `gap` events: the subscriber fell behind its history.
    gaps: u64,
    /// `received` over the time from the first publish to the last event.
    events_per_sec: f64,
}

/// What the publishers and the stream count.
#[derive(Default)]
struct Counters {
    published: AtomicU64,
    failed: AtomicU64,
    received: AtomicU64,
    gaps: AtomicU64,
    last_received_us: AtomicU64,
}

pub(crate) async fn run(options: Options, target: &Target) -> anyhow::Result<()> {
    let Options {
        seconds,
        publishers,
    } = options;
    let topic = Topic::parse(format!("load/throughput-{}", probe::now_us()))?;
    let client = target
        .stream_clients(1)?
        .pop()
        .context("no client for the stream")?;
    let mut events = probe::open(&client, &target.stream_url(0, &topic))
        .await
        .context("opening the stream")?;
    let counters = Arc::new(Counters::default());
    let progress = Progress::start({
        let counters = counters.clone();
        move |elapsed| {
            format!(
                "throughput  {}s/{seconds}s  published {}  received {}",
                elapsed.as_secs(),
                report::count(counters.published.load(Ordering::Relaxed)),
                report::count(counters.received.load(Ordering::Relaxed)),
            )
        }
    });
    let stop = CancellationToken::new();
    let reader = tokio::spawn({
        let (counters, stop) = (counters.clone(), stop.clone());
        async move {
            loop {
                let next = tokio::select! {
                    biased;
                    () = stop.cancelled() => break,
                    next = events.next() => next,
                };
                let Some(Ok(event)) = next else { break };
                match Message::decode(&event) {
                    Message::Probe(_) => {
                        counters.received.fetch_add(1, Ordering::Relaxed);
                        counters
                            .last_received_us
                            .store(probe::now_us(), Ordering::Relaxed);
                    }
                    Message::Gap => {
                        counters.gaps.fetch_add(1, Ordering::Relaxed);
                    }
                    Message::Other => {}
                }
            }
        }
    });
    let started_us = probe::now_us();
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    let url = target.publish_url(&topic);
    let next_seq = Arc::new(AtomicU64::new(0));
    let mut posters = JoinSet::new();
    for _ in 0..publishers {
        let (url, counters, next_seq) = (url.clone(), counters.clone(), next_seq.clone());
        let client = probe::publish_client()?;
        posters.spawn(async move {
            while Instant::now() < deadline {
                let seq = next_seq.fetch_add(1, Ordering::Relaxed);
                match probe::publish(&client, &url, seq).await {
                    Ok(()) => counters.published.fetch_add(1, Ordering::Relaxed),
                    Err(_) => counters.failed.fetch_add(1, Ordering::Relaxed),
                };
            }
        });
    }
    while let Some(joined) = posters.join_next().await {
        joined.context("a publisher panicked")?;
    }
    // The stream catches up with what was published, for `DRAIN` at most.
    let published = counters.published.load(Ordering::Relaxed);
    let drain = tokio::time::Instant::now() + probe::DRAIN;
    while counters.received.load(Ordering::Relaxed) + counters.gaps.load(Ordering::Relaxed)
        < published
        && tokio::time::Instant::now() < drain
        && !reader.is_finished()
    {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    stop.cancel();
    reader.await.context("the stream reader panicked")?;
    progress.finish().await;
    let received = counters.received.load(Ordering::Relaxed);
    let last_us = counters.last_received_us.load(Ordering::Relaxed);
    let receiving_seconds = if last_us > started_us {
        (last_us - started_us) as f64 / 1e6
    } else {
        seconds as f64
    };
    report::emit(&Report {
        mode: "throughput",
        target: target.publish_base().to_owned(),
        seconds,
        publishers,
        published,
        publish_failed: counters.failed.load(Ordering::Relaxed),
        received,
        gaps: counters.gaps.load(Ordering::Relaxed),
        events_per_sec: received as f64 / receiving_seconds.max(1e-3),
    })
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "throughput on {}, {} publishers for {} s",
            self.target, self.publishers, self.seconds
        )?;
        write!(
            f,
            "  published {} ({} failed), received {} through one stream: {:.0} events/s; gaps {}",
            report::count(self.published),
            self.publish_failed,
            report::count(self.received),
            self.events_per_sec,
            self.gaps
        )
    }
}
