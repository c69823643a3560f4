//! `attack`: every way a hostile client was found to make the hub leak,
//! grow or stall ([`crate::attacks`]), all at once for `--seconds`, while
//! one legitimate client publishes latency probes to one topic at `--rate`
//! and reads them on one stream. Reports what the legitimate client saw
//! (latency, losses, duplicates, order, gaps), what each attacker did and
//! how the hub answered, the hub's own figures from `/metrics` at the end
//! of the attack when it serves them, and with `--server-pid` the server's
//! CPU time and its resident memory, sampled every second: before, at its
//! peak, at the end of the attack and once the attackers' connections
//! closed. It also counts the handshakes the kernel dropped at a full
//! accept queue meanwhile ([`backlog`]), which delay clients in a way the
//! hub's own figures do not show.

mod backlog;
mod client;
mod figures;

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::Context;
use herald_wire::Topic;
use serde::Serialize;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use self::client::{Client, Probes, Reader};
use self::figures::HubFigures;
use crate::attacks::{self, Arena, Attack, Counted, Counter};
use crate::limits;
use crate::probe;
use crate::report::{self, Progress};
use crate::server::{Reading, Server};
use crate::target::Target;

/// How often the server's figures are sampled.
const SAMPLE_EVERY: Duration = Duration::from_secs(1);

#[derive(clap::Args)]
pub(crate) struct Options {
    /// Seconds of attack.
    #[arg(long, default_value_t = 60)]
    seconds: u64,
    /// Probes the legitimate client publishes per second.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..))]
    rate: u32,
    /// Only these attacks (repeatable, or comma-separated), to tell which
    /// one costs the legitimate client what; all of them by default.
    #[arg(long, value_enum, value_delimiter = ',')]
    only: Vec<Attack>,
}

/// The result, one JSON line.
#[derive(Serialize)]
struct Report {
    mode: &'static str,
    target: String,
    seconds: u64,
    rate: u32,
    /// What the legitimate client saw.
    client: Client,
    attacks: Vec<Counted>,
    /// `/metrics` at the end of the attack; `None` when it is not served.
    hub: Option<HubFigures>,
    server: Option<ServerUse>,
    /// Handshakes the kernel dropped at a full accept queue during the
    /// attack, on the whole machine.
    listen_overflows: Option<u64>,
    /// This tool's own CPU time over the attack: how much of the machine
    /// the attackers took from the hub.
    tool_cpu_seconds: f64,
}

/// The server's CPU time over the attack and its resident memory.
#[derive(Serialize)]
struct ServerUse {
    pid: u32,
    cpu_seconds: f64,
    rss_bytes_before: u64,
    rss_bytes_peak: u64,
    /// At the end of the attack, the attackers still connected.
    rss_bytes_end: u64,
    /// Once the attackers' connections closed (waited for, up to 10 s).
    rss_bytes_after: u64,
    fds_peak: u64,
}

/// The server's figures sampled so far.
#[derive(Default)]
struct Samples {
    rss_peak: AtomicU64,
    rss_last: AtomicU64,
    fds_peak: AtomicU64,
}

pub(crate) async fn run(
    options: Options,
    target: &Target,
    server: Option<&Server>,
) -> anyhow::Result<()> {
    let Options {
        seconds,
        rate,
        only,
    } = options;
    let chosen = if only.is_empty() {
        Attack::ALL.to_vec()
    } else {
        only
    };
    limits::ensure_room(attacks::sockets(&chosen) + probe::PUBLISHERS + 1)?;
    let stop = CancellationToken::new();
    let arena = Arc::new(Arena::new(target, stop.clone()).await?);
    let topic = Topic::parse(format!("{}/probes", arena.prefix()))?;
    let total = u64::from(rate) * seconds;
    let probes = Arc::new(Probes::new(total));
    let reading = CancellationToken::new();
    let client = target
        .stream_clients(1)?
        .pop()
        .context("no client for the stream")?;
    let Reader {
        opened,
        mut received,
    } = Reader::start(
        client,
        target.stream_url(0, &topic),
        total,
        probes.clone(),
        reading.clone(),
    )?;
    tokio::time::timeout(probe::OPEN_DEADLINE, opened)
        .await
        .context("the legitimate stream did not open in time")?
        .context("the stream reader ended before opening")?
        .context("opening the legitimate stream")?;

    let tool = Server::new(std::process::id())?;
    let tool_before = tool.read()?;
    let overflows_before = backlog::overflows();
    let before = server.map(Server::read).transpose()?;
    let samples = Arc::new(Samples::default());
    let sampler = server.map(|server| tokio::spawn(sample(server.pid(), samples.clone())));
    let progress = Progress::start({
        let (probes, samples) = (probes.clone(), samples.clone());
        move |elapsed| progress_line(&probes, &samples, elapsed, seconds)
    });
    let counters: Vec<(Attack, Arc<Counter>)> = chosen
        .into_iter()
        .map(|attack| (attack, Arc::new(Counter::default())))
        .collect();
    let mut attackers = JoinSet::new();
    for (attack, counter) in &counters {
        attackers.spawn(attack.run(arena.clone(), counter.clone()));
    }
    probe::publish_paced(
        target.publish_url(&topic),
        rate,
        probes.acks.clone(),
        CancellationToken::new(),
    )
    .await?;
    let end = server.map(Server::read).transpose()?;
    let listen_overflows = backlog::overflows()
        .zip(overflows_before)
        .map(|(after, before)| after.saturating_sub(before));
    let hub = figures::read(target).await;
    stop.cancel();
    while let Some(joined) = attackers.join_next().await {
        joined.context("an attacker panicked")?;
    }
    let tool_after = tool.read()?;
    let counts = match tokio::time::timeout(probe::DRAIN, &mut received).await {
        Ok(counts) => counts,
        Err(_) => {
            // The last probes are overdue: what has not come is lost.
            reading.cancel();
            received.await
        }
    }
    .context("the stream reader panicked")?;
    let after = match (server, &before) {
        (Some(server), Some(before)) => Some(server.settled(before).await?.0),
        _ => None,
    };
    if let Some(sampler) = sampler {
        sampler.abort();
    }
    progress.finish().await;
    report::emit(&Report {
        mode: "attack",
        target: target.publish_base().to_owned(),
        seconds,
        rate,
        client: Client::new(&topic, &probes, counts),
        attacks: counters
            .iter()
            .map(|(attack, counter)| attack.counted(counter))
            .collect(),
        hub,
        server: server
            .zip(before.zip(end.zip(after)))
            .map(|(server, (before, (end, after)))| ServerUse {
                pid: server.pid(),
                cpu_seconds: (end.cpu_seconds - before.cpu_seconds).max(0.0),
                rss_bytes_before: before.rss_bytes,
                rss_bytes_peak: samples.rss_peak.load(Ordering::Relaxed).max(end.rss_bytes),
                rss_bytes_end: end.rss_bytes,
                rss_bytes_after: after.rss_bytes,
                fds_peak: samples.fds_peak.load(Ordering::Relaxed).max(end.fds),
            }),
        listen_overflows,
        tool_cpu_seconds: (tool_after.cpu_seconds - tool_before.cpu_seconds).max(0.0),
    })
}

/// Samples process `pid` every [`SAMPLE_EVERY`] into `samples`, until
/// aborted.
async fn sample(pid: u32, samples: Arc<Samples>) {
    let Ok(server) = Server::new(pid) else { return };
    let mut ticker = tokio::time::interval(SAMPLE_EVERY);
    loop {
        ticker.tick().await;
        if let Ok(reading) = server.read() {
            samples.record(&reading);
        }
    }
}

impl Samples {
    fn record(&self, reading: &Reading) {
        self.rss_peak
            .fetch_max(reading.rss_bytes, Ordering::Relaxed);
        self.rss_last.store(reading.rss_bytes, Ordering::Relaxed);
        self.fds_peak.fetch_max(reading.fds, Ordering::Relaxed);
    }
}

/// The run's progress line: the probes published and delivered, their
/// latency so far, and the server's memory when sampled.
fn progress_line(probes: &Probes, samples: &Samples, elapsed: Duration, seconds: u64) -> String {
    let p99 = probes.latencies.summary().map_or_else(
        || "-".to_owned(),
        |summary| format!("{:.1} ms", summary.p99),
    );
    let mut line = format!(
        "attack  {}s/{seconds}s  published {}  delivered {}  p99 {p99}",
        elapsed.as_secs(),
        report::count(probes.acks.published()),
        report::count(probes.delivered.load(Ordering::Relaxed)),
    );
    let rss = samples.rss_last.load(Ordering::Relaxed);
    if rss > 0 {
        line.push_str(&format!(
            "  server RSS {} (peak {})",
            report::mib(rss),
            report::mib(samples.rss_peak.load(Ordering::Relaxed))
        ));
    }
    line
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "attack on {} for {} s at {} probes/s",
            self.target, self.seconds, self.rate
        )?;
        write!(f, "{}", self.client)?;
        writeln!(f, "  attacks:")?;
        for attack in &self.attacks {
            writeln!(f, "    {attack}")?;
        }
        if let Some(hub) = &self.hub {
            writeln!(f, "  hub at the end of the attack: {hub}")?;
        }
        if let Some(server) = &self.server {
            writeln!(
                f,
                "  server {}: {:.2} s CPU; RSS {} before, {} peak, {} at the end, {} after; {} fds at most",
                server.pid,
                server.cpu_seconds,
                report::mib(server.rss_bytes_before),
                report::mib(server.rss_bytes_peak),
                report::mib(server.rss_bytes_end),
                report::mib(server.rss_bytes_after),
                report::count(server.fds_peak)
            )?;
        }
        if let Some(overflows) = self.listen_overflows {
            writeln!(
                f,
                "  handshakes dropped at a full accept queue (this machine): {}",
                report::count(overflows)
            )?;
        }
        write!(f, "  this tool: {:.2} s CPU", self.tool_cpu_seconds)
    }
}
