//! `churn`: keeps `--streams` open on one topic while `--connects-per-sec`
//! of them close and as many new ones open each second, and probes are
//! published to the topic meanwhile. Browsers reconnect all the time
//! (reloads, mobile networks, a load balancer's restarts); what this shows
//! is whether the server gives back what a closed stream held. With
//! `--server-pid` it reports the server's memory, open files and threads
//! before, at their peak during, and after: after all streams closed and
//! the server's open files came back down (waited for, up to 10 s).

use std::collections::VecDeque;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::Context;
use futures_util::StreamExt;
use herald_wire::Topic;
use serde::Serialize;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::limits;
use crate::probe::{self, Acks, Message};
use crate::report::{self, Progress};
use crate::server::{Reading, Server};
use crate::target::Target;

/// How often the server's figures are sampled for their peak.
const SAMPLE_EVERY: Duration = Duration::from_millis(100);

#[derive(clap::Args)]
pub(crate) struct Options {
    /// Streams open at a time.
    #[arg(long, default_value_t = 1000)]
    streams: usize,
    /// Streams closed, and as many opened, each second.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..))]
    connects_per_sec: u32,
    /// Seconds of churn.
    #[arg(long, default_value_t = 30)]
    seconds: u64,
    /// Probes published to the topic per second meanwhile (0: none).
    #[arg(long, default_value_t = 10)]
    events_per_sec: u32,
}

/// The result, one JSON line.
#[derive(Serialize)]
struct Report {
    mode: &'static str,
    target: String,
    streams: usize,
    connects_per_sec: u32,
    /// Streams opened, the first `streams` included.
    connects: u64,
    open_failed: u64,
    seconds: u64,
    events_per_sec: u32,
    events_published: u64,
    /// Probes the streams received, summed.
    events_received: u64,
    server: Option<ServerFootprint>,
}

/// The server's memory, open files and threads before, at their peak
/// during, and after the churn: whether it gave back what closed streams
/// held.
#[derive(Serialize)]
struct ServerFootprint {
    pid: u32,
    rss_bytes_before: u64,
    rss_bytes_peak: u64,
    rss_bytes_after: u64,
    fds_before: u64,
    fds_peak: u64,
    fds_after: u64,
    threads_before: u64,
    threads_peak: u64,
    threads_after: u64,
    /// How long the open files took to come back down after the last
    /// stream closed.
    settle_seconds: f64,
}

/// The streams' turnover so far, and the probes they received: written by
/// the streams, read by the progress line and the report.
#[derive(Default)]
struct Turnover {
    connects: AtomicU64,
    open_failed: AtomicU64,
    received: AtomicU64,
    open: AtomicU64,
}

/// The largest of the server's figures seen so far.
#[derive(Default)]
struct Peak {
    rss_bytes: AtomicU64,
    fds: AtomicU64,
    threads: AtomicU64,
}

pub(crate) async fn run(
    options: Options,
    target: &Target,
    server: Option<&Server>,
) -> anyhow::Result<()> {
    let Options {
        streams,
        connects_per_sec,
        seconds,
        events_per_sec,
    } = options;
    let per_sec = usize::try_from(connects_per_sec).unwrap_or(usize::MAX);
    limits::ensure_room(streams + per_sec + probe::PUBLISHERS)?;
    let topic = Topic::parse(format!("load/churn-{}", probe::now_us()))?;
    // A closed connection's port stays in TIME_WAIT for a minute on this
    // side, so a minute of connects needs ports too.
    let clients = target.stream_clients(streams + per_sec * 60)?;
    let turnover = Arc::new(Turnover::default());
    let peak = Arc::new(Peak::default());
    let before = server.map(Server::read).transpose()?;
    if let Some(before) = &before {
        peak.raise(before);
    }
    let sampler = server.map(|server| {
        let (peak, pid) = (peak.clone(), server.pid());
        tokio::spawn(async move {
            let Ok(server) = Server::new(pid) else { return };
            let mut ticker = tokio::time::interval(SAMPLE_EVERY);
            loop {
                ticker.tick().await;
                if let Ok(reading) = server.read() {
                    peak.raise(&reading);
                }
            }
        })
    });
    let progress = Progress::start({
        let (turnover, peak) = (turnover.clone(), peak.clone());
        let sampled = server.is_some();
        move |elapsed| turnover.progress_line(&peak, sampled, elapsed, seconds)
    });

    let mut open = VecDeque::with_capacity(streams + 1);
    let mut next_index = 0;
    let mut spawn = |open: &mut VecDeque<JoinHandle<()>>| {
        let client = clients[next_index % clients.len()].clone();
        let url = target.stream_url(next_index, &topic);
        next_index += 1;
        open.push_back(tokio::spawn(hold(client, url, turnover.clone())));
    };
    for _ in 0..streams {
        spawn(&mut open);
    }
    let total = u64::from(events_per_sec) * seconds;
    let acks = Arc::new(Acks::new(total));
    let stop_publishing = CancellationToken::new();
    let publisher = tokio::spawn(probe::publish_paced(
        target.publish_url(&topic),
        events_per_sec,
        acks.clone(),
        stop_publishing.clone(),
    ));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(seconds);
    let mut ticker = tokio::time::interval(Duration::from_secs(1) / connects_per_sec);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    ticker.tick().await;
    while tokio::time::timeout_at(deadline, ticker.tick())
        .await
        .is_ok()
    {
        if let Some(oldest) = open.pop_front() {
            oldest.abort();
        }
        spawn(&mut open);
    }
    // A publisher that fell behind stops here: the run is bounded.
    stop_publishing.cancel();
    publisher.await.context("the publisher panicked")??;
    for stream in &open {
        stream.abort();
    }
    for stream in open {
        let _ = stream.await;
    }
    drop(clients);
    let settled = match (server, &before) {
        (Some(server), Some(before)) => Some(server.settled(before).await?),
        _ => None,
    };
    if let Some(sampler) = sampler {
        sampler.abort();
    }
    progress.finish().await;
    let server = server
        .zip(before)
        .zip(settled)
        .map(|((server, before), (after, settle))| {
            ServerFootprint::new(server, &before, &peak, &after, settle)
        });
    report::emit(&Report {
        mode: "churn",
        target: target.publish_base().to_owned(),
        streams,
        connects_per_sec,
        connects: turnover.connects.load(Ordering::Relaxed),
        open_failed: turnover.open_failed.load(Ordering::Relaxed),
        seconds,
        events_per_sec,
        events_published: acks.published(),
        events_received: turnover.received.load(Ordering::Relaxed),
        server,
    })
}

/// One stream: opens it and reads it until the task is aborted, which
/// closes the connection.
async fn hold(client: reqwest::Client, url: String, turnover: Arc<Turnover>) {
    let Ok(Ok(mut events)) =
        tokio::time::timeout(probe::OPEN_DEADLINE, probe::open(&client, &url)).await
    else {
        turnover.open_failed.fetch_add(1, Ordering::Relaxed);
        return;
    };
    turnover.connects.fetch_add(1, Ordering::Relaxed);
    let _open = OpenGuard::new(&turnover.open);
    while let Some(Ok(event)) = events.next().await {
        if let Message::Probe(_) = Message::decode(&event) {
            turnover.received.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Counts a stream as open for as long as it lives, aborted or not.
struct OpenGuard<'a>(&'a AtomicU64);

impl<'a> OpenGuard<'a> {
    fn new(open: &'a AtomicU64) -> Self {
        open.fetch_add(1, Ordering::Relaxed);
        Self(open)
    }
}

impl Drop for OpenGuard<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Peak {
    fn raise(&self, reading: &Reading) {
        self.rss_bytes
            .fetch_max(reading.rss_bytes, Ordering::Relaxed);
        self.fds.fetch_max(reading.fds, Ordering::Relaxed);
        self.threads.fetch_max(reading.threads, Ordering::Relaxed);
    }
}

impl ServerFootprint {
    /// `server`'s figures `before`, at their `peak` (which `after` may
    /// still raise) and `after`, once it took `settle` to close the
    /// streams' files.
    fn new(
        server: &Server,
        before: &Reading,
        peak: &Peak,
        after: &Reading,
        settle: Duration,
    ) -> Self {
        peak.raise(after);
        Self {
            pid: server.pid(),
            rss_bytes_before: before.rss_bytes,
            rss_bytes_peak: peak.rss_bytes.load(Ordering::Relaxed),
            rss_bytes_after: after.rss_bytes,
            fds_before: before.fds,
            fds_peak: peak.fds.load(Ordering::Relaxed),
            fds_after: after.fds,
            threads_before: before.threads,
            threads_peak: peak.threads.load(Ordering::Relaxed),
            threads_after: after.threads,
            settle_seconds: settle.as_secs_f64(),
        }
    }
}

impl Turnover {
    /// The run's progress line at `elapsed`: the streams open, opened and
    /// failed, the probes received, and the server's `peak` when it is
    /// `sampled`.
    fn progress_line(&self, peak: &Peak, sampled: bool, elapsed: Duration, seconds: u64) -> String {
        let mut line = format!(
            "churn  {}s/{seconds}s  open {}  connects {}  failed {}  received {}",
            elapsed.as_secs(),
            report::count(self.open.load(Ordering::Relaxed)),
            report::count(self.connects.load(Ordering::Relaxed)),
            report::count(self.open_failed.load(Ordering::Relaxed)),
            report::count(self.received.load(Ordering::Relaxed)),
        );
        if sampled {
            line.push_str(&format!(
                "  server peak RSS {}  fds {}",
                report::mib(peak.rss_bytes.load(Ordering::Relaxed)),
                report::count(peak.fds.load(Ordering::Relaxed))
            ));
        }
        line
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "churn on {}", self.target)?;
        write!(
            f,
            "  {} streams open, {}/s replaced for {} s: {} connects ({} failed); {} probes published, {} received",
            report::count(self.streams as u64),
            self.connects_per_sec,
            self.seconds,
            report::count(self.connects),
            self.open_failed,
            report::count(self.events_published),
            report::count(self.events_received),
        )?;
        if let Some(server) = &self.server {
            write!(
                f,
                "\n  server {}: RSS {} / peak {} / after {}; fds {} / {} / {}; threads {} / {} / {}; settled in {:.2} s",
                server.pid,
                report::mib(server.rss_bytes_before),
                report::mib(server.rss_bytes_peak),
                report::mib(server.rss_bytes_after),
                server.fds_before,
                server.fds_peak,
                server.fds_after,
                server.threads_before,
                server.threads_peak,
                server.threads_after,
                server.settle_seconds
            )?;
        }
        Ok(())
    }
}
