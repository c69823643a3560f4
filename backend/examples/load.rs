//! Herald's load tool: drives a running hub over HTTP and reports what a
//! client sees. Run it in release mode against a release server:
//!
//! ```text
//! cargo run --release -p backend -- serve --no-metrics &
//! cargo run --release -p backend --example load -- fanout --streams 1000 --rate 200 --seconds 30
//! cargo run --release -p backend --example load -- idle --streams 10000 --server-pid $(pgrep herald)
//! cargo run --release -p backend --example load -- throughput --seconds 10
//! ```
//!
//! - `fanout`: N streams on one topic while a publisher sends latency probes
//!   at a fixed rate; reports publish-to-receive latency percentiles and how
//!   many events each stream lost.
//! - `idle`: opens N streams that receive nothing and reports the server's
//!   resident memory per stream (read from `/proc/PID/status`).
//! - `throughput`: one stream while publishers post as fast as they can;
//!   reports events per second through that one subscriber.
//!
//! Latency uses the probe's `ts` (the publisher's clock) against the
//! receiver's clock; both are this machine's clock.
//!
//! `--url` is where it publishes; `--stream-url` (repeatable) where the
//! streams of `fanout` and `throughput` open, in turn, so a cluster is
//! measured publishing to one node and receiving on all.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, bail};
use clap::Parser;
use futures_util::StreamExt;
use shared::protocol::{GAP_EVENT, publish_path, stream_path};
use shared::{LatencyProbe, Payload, Topic};
use tokio::task::JoinSet;

#[derive(Parser)]
#[command(name = "load", about = "Load tool for a running Herald hub")]
struct Cli {
    /// Base URL of the hub, where events are published.
    #[arg(long, global = true, default_value = "http://127.0.0.1:3000")]
    url: String,
    /// Base URL streams open at (repeatable, taken in turn); `--url` when
    /// none is given.
    #[arg(long, global = true)]
    stream_url: Vec<String>,
    #[command(subcommand)]
    scenario: Scenario,
}

#[derive(clap::Subcommand)]
enum Scenario {
    /// Many streams on one topic, probes at a fixed rate.
    Fanout {
        #[arg(long, default_value_t = 1000)]
        streams: usize,
        /// Events per second.
        #[arg(long, default_value_t = 200)]
        rate: u32,
        #[arg(long, default_value_t = 30)]
        seconds: u64,
        /// Topic to publish to; a fresh one per run by default. With
        /// `--streams 0` this drives a page that follows the topic.
        #[arg(long, value_parser = |name: &str| Topic::parse(name))]
        topic: Option<Topic>,
    },
    /// Many idle streams; reports the server's memory per stream.
    Idle {
        #[arg(long, default_value_t = 10_000)]
        streams: usize,
        /// Process id of the server, to read its resident memory.
        #[arg(long)]
        server_pid: u32,
        /// With an `https://` URL: the PEM certificate to trust, and the
        /// streams are opened over HTTP/2, `--per-connection` to a connection.
        #[arg(long, value_name = "FILE")]
        ca_cert: Option<std::path::PathBuf>,
        /// HTTP/2 streams on each connection (at most the hub's 200).
        #[arg(long, default_value_t = 100)]
        per_connection: usize,
        /// Seconds to hold the streams open after reporting, to try other
        /// clients against a hub at its limits meanwhile.
        #[arg(long, default_value_t = 0)]
        hold_seconds: u64,
    },
    /// One stream, publishers as fast as they go.
    Throughput {
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// Concurrent publishing connections.
        #[arg(long, default_value_t = 16)]
        publishers: usize,
    },
}

/// What one stream saw.
#[derive(Default)]
struct Received {
    latencies_us: Vec<u64>,
    seqs: Vec<u64>,
    ids: Vec<shared::EventId>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let stream_urls = if cli.stream_url.is_empty() {
        vec![cli.url.clone()]
    } else {
        cli.stream_url.clone()
    };
    match cli.scenario {
        Scenario::Fanout {
            streams,
            rate,
            seconds,
            topic,
        } => fanout(&cli.url, &stream_urls, streams, rate, seconds, topic).await,
        Scenario::Idle {
            streams,
            server_pid,
            ca_cert: None,
            hold_seconds,
            ..
        } => {
            idle(
                &cli.url,
                streams,
                server_pid,
                Duration::from_secs(hold_seconds),
            )
            .await
        }
        Scenario::Idle {
            streams,
            server_pid,
            ca_cert: Some(ca_cert),
            per_connection,
            hold_seconds,
        } => {
            let hold = Duration::from_secs(hold_seconds);
            idle_h2(
                &cli.url,
                streams,
                server_pid,
                &ca_cert,
                per_connection,
                hold,
            )
            .await
        }
        Scenario::Throughput {
            seconds,
            publishers,
        } => throughput(&cli.url, &stream_urls[0], seconds, publishers).await,
    }
}

async fn fanout(
    url: &str,
    stream_urls: &[String],
    streams: usize,
    rate: u32,
    seconds: u64,
    topic: Option<Topic>,
) -> anyhow::Result<()> {
    let topic = match topic {
        Some(topic) => topic,
        None => Topic::parse(format!("load/fanout-{}", now_us()))?,
    };
    let total = u64::from(rate) * seconds;
    let mut readers = JoinSet::new();
    let (opened_tx, mut opened_rx) = tokio::sync::mpsc::channel(streams.max(1));
    for index in 0..streams {
        let base = &stream_urls[index % stream_urls.len()];
        let stream_url = format!("{base}{}", stream_path([&topic], None));
        let opened = opened_tx.clone();
        readers.spawn(async move { read_probes(&stream_url, total, opened).await });
    }
    for _ in 0..streams {
        opened_rx.recv().await.context("a stream failed to open")?;
    }
    eprintln!("{streams} streams open; publishing {total} probes at {rate}/s");
    let client = reqwest::Client::new();
    let mut ticker = tokio::time::interval(Duration::from_secs(1) / rate);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let started = Instant::now();
    // Each publish runs on its own task so a slow reply does not lower the rate.
    let mut publishes = JoinSet::new();
    for seq in 0..total {
        ticker.tick().await;
        let (client, url, topic) = (client.clone(), url.to_owned(), topic.clone());
        publishes.spawn(async move { publish_probe(&client, &url, &topic, seq).await });
    }
    while let Some(published) = publishes.join_next().await {
        published.context("publisher panicked")??;
    }
    let publish_secs = started.elapsed().as_secs_f64();
    let mut latencies = Vec::new();
    let mut lost = 0u64;
    let mut misordered = 0usize;
    let mut duplicates = 0usize;
    while let Some(joined) = readers.join_next().await {
        let received = joined.context("reader panicked")??;
        lost += total - received.seqs.len() as u64;
        // Concurrent publishes may be numbered in any order, but a stream
        // must deliver ids strictly increasing and each probe once.
        misordered += received
            .ids
            .windows(2)
            .filter(|pair| pair[0] >= pair[1])
            .count();
        let mut seqs = received.seqs;
        seqs.sort_unstable();
        seqs.dedup();
        duplicates += received.ids.len() - seqs.len();
        latencies.extend(received.latencies_us);
    }
    latencies.sort_unstable();
    report(
        "fanout",
        &[
            ("streams", streams.to_string()),
            ("published", total.to_string()),
            (
                "publish rate/s",
                format!("{:.0}", total as f64 / publish_secs),
            ),
            ("delivered", latencies.len().to_string()),
            ("lost", lost.to_string()),
            ("ids out of order", misordered.to_string()),
            ("duplicates", duplicates.to_string()),
            ("p50 ms", millis(percentile(&latencies, 0.50))),
            ("p99 ms", millis(percentile(&latencies, 0.99))),
            ("max ms", millis(latencies.last().copied().unwrap_or(0))),
        ],
    );
    Ok(())
}

async fn idle(url: &str, streams: usize, server_pid: u32, hold: Duration) -> anyhow::Result<()> {
    let topic = Topic::parse("load/idle")?;
    let before = resident_kib(server_pid)?;
    let mut held = Vec::with_capacity(streams);
    for index in 0..streams {
        // One client per stream: a pooled client would queue requests.
        let response = reqwest::Client::new()
            .get(format!("{url}{}", stream_path([&topic], None)))
            .send()
            .await
            .with_context(|| format!("stream {index} failed to open"))?;
        if !response.status().is_success() {
            bail!("stream {index}: HTTP {}", response.status());
        }
        held.push(response.bytes_stream());
    }
    // Read each stream's first chunk (the retry hint) so every one is
    // established server-side before memory is read.
    for stream in &mut held {
        stream.next().await.context("stream closed")??;
    }
    let after = resident_kib(server_pid)?;
    let per_stream = (after.saturating_sub(before)) as f64 * 1024.0 / streams as f64;
    report(
        "idle",
        &[
            ("streams", streams.to_string()),
            ("server RSS before KiB", before.to_string()),
            ("server RSS after KiB", after.to_string()),
            ("per stream bytes", format!("{per_stream:.0}")),
            ("per stream KiB", format!("{:.2}", per_stream / 1024.0)),
        ],
    );
    tokio::time::sleep(hold).await;
    drop(held);
    Ok(())
}

/// `idle` over HTTP/2: the streams share connections, `per_connection`
/// to each, over TLS trusting `ca_cert`.
async fn idle_h2(
    url: &str,
    streams: usize,
    server_pid: u32,
    ca_cert: &std::path::Path,
    per_connection: usize,
    hold: Duration,
) -> anyhow::Result<()> {
    use http_body_util::{BodyExt, Empty};
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, ServerName};
    use std::sync::Arc;

    let authority = url
        .strip_prefix("https://")
        .context("--ca-cert needs an https:// URL")?
        .trim_end_matches('/');
    let (host, _) = authority.rsplit_once(':').context("the URL needs a port")?;
    let mut roots = rustls::RootCertStore::empty();
    for certificate in CertificateDer::pem_file_iter(ca_cert)? {
        roots.add(certificate?)?;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec()];
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let server_name = ServerName::try_from(host.to_owned())?;
    let address = tokio::net::lookup_host(authority.replace("localhost", "127.0.0.1"))
        .await?
        .next()
        .context("the URL names no address")?;

    let topic = Topic::parse("load/idle")?;
    let path = format!("https://{authority}{}", stream_path([&topic], None));
    let before = resident_kib(server_pid)?;
    let started = Instant::now();
    let mut held = Vec::with_capacity(streams);
    let mut connections = 0;
    while held.len() < streams {
        let tcp = tokio::net::TcpStream::connect(address).await?;
        let tls = connector.connect(server_name.clone(), tcp).await?;
        let (sender, connection) = hyper::client::conn::http2::handshake(
            hyper_util::rt::TokioExecutor::new(),
            hyper_util::rt::TokioIo::new(tls),
        )
        .await?;
        tokio::spawn(connection);
        connections += 1;
        let opening = (held.len()..streams.min(held.len() + per_connection)).map(|_| {
            let mut sender = sender.clone();
            let request = hyper::Request::get(&path).body(Empty::<bytes::Bytes>::new());
            async move {
                let response = sender.send_request(request?).await?;
                anyhow::ensure!(response.status().is_success(), "HTTP {}", response.status());
                let mut body = response.into_body();
                // The first frame (the retry hint): the stream is established.
                body.frame().await.context("stream closed")??;
                anyhow::Ok(body)
            }
        });
        for body in futures_util::future::join_all(opening).await {
            held.push(body?);
        }
    }
    let opened = started.elapsed();
    let after = resident_kib(server_pid)?;
    let per_stream = (after.saturating_sub(before)) as f64 * 1024.0 / streams as f64;
    report(
        "idle over HTTP/2",
        &[
            ("streams", streams.to_string()),
            ("connections", connections.to_string()),
            ("opened in s", format!("{:.2}", opened.as_secs_f64())),
            ("server RSS before KiB", before.to_string()),
            ("server RSS after KiB", after.to_string()),
            ("per stream bytes", format!("{per_stream:.0}")),
            ("per stream KiB", format!("{:.2}", per_stream / 1024.0)),
        ],
    );
    tokio::time::sleep(hold).await;
    drop(held);
    Ok(())
}

async fn throughput(
    url: &str,
    stream_url: &str,
    seconds: u64,
    publishers: usize,
) -> anyhow::Result<()> {
    let topic = Topic::parse(format!("load/throughput-{}", now_us()))?;
    let response = reqwest::Client::new()
        .get(format!("{stream_url}{}", stream_path([&topic], None)))
        .send()
        .await?;
    let mut body = response.bytes_stream();
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut posters = JoinSet::new();
    for _ in 0..publishers {
        let (url, topic) = (url.to_owned(), topic.clone());
        posters.spawn(async move {
            let client = reqwest::Client::new();
            let mut sent = 0u64;
            while Instant::now() < deadline {
                publish_probe(&client, &url, &topic, sent).await?;
                sent += 1;
            }
            anyhow::Ok(sent)
        });
    }
    let started = Instant::now();
    let (mut received, mut gaps) = (0u64, 0u64);
    let mut lines = LineSplitter::default();
    let gap_line = format!("event: {GAP_EVENT}");
    let drain = deadline + Duration::from_secs(2);
    // Each gap has a `data:` line too, counted in `received` and taken off below.
    while let Ok(Some(chunk)) = tokio::time::timeout_at(drain.into(), body.next()).await {
        for line in lines.push(&chunk?) {
            if line == gap_line.as_bytes() {
                gaps += 1;
            } else if line.starts_with(b"data:") {
                received += 1;
            }
        }
    }
    let mut sent = 0;
    while let Some(joined) = posters.join_next().await {
        sent += joined.context("publisher panicked")??;
    }
    let secs = started.elapsed().as_secs_f64().min(seconds as f64);
    let events = received - gaps.min(received);
    report(
        "throughput",
        &[
            ("published", sent.to_string()),
            ("received", events.to_string()),
            ("gaps (fell behind the history)", gaps.to_string()),
            (
                "events/s through one subscriber",
                format!("{:.0}", events as f64 / secs),
            ),
        ],
    );
    Ok(())
}

async fn publish_probe(
    client: &reqwest::Client,
    url: &str,
    topic: &Topic,
    seq: u64,
) -> anyhow::Result<()> {
    let probe = Payload::LatencyProbe(LatencyProbe { seq, ts: now_us() });
    let response = client
        .post(format!("{url}{}", publish_path(topic.as_str())))
        .json(&probe)
        .send()
        .await?;
    if !response.status().is_success() {
        bail!("publish failed: HTTP {}", response.status());
    }
    Ok(())
}

/// Reads probes until `total` arrived or the stream stays quiet for 5 s.
async fn read_probes(
    url: &str,
    total: u64,
    opened: tokio::sync::mpsc::Sender<()>,
) -> anyhow::Result<Received> {
    let response = reqwest::Client::new().get(url).send().await?;
    if !response.status().is_success() {
        bail!("stream: HTTP {}", response.status());
    }
    let mut body = response.bytes_stream();
    // The retry hint arrives first: the subscription exists from here on.
    body.next().await.context("stream closed")??;
    opened.send(()).await?;
    let mut received = Received::default();
    let mut lines = LineSplitter::default();
    while (received.seqs.len() as u64) < total {
        let Ok(Some(chunk)) = tokio::time::timeout(Duration::from_secs(5), body.next()).await
        else {
            break;
        };
        for line in lines.push(&chunk?) {
            let Some(data) = line.strip_prefix(b"data: ") else {
                continue;
            };
            // Only the probe is decoded, as a typed client would.
            let event: shared::Event = serde_json::from_slice(data)?;
            if let Payload::LatencyProbe(probe) = event.event {
                received
                    .latencies_us
                    .push(now_us().saturating_sub(probe.ts));
                received.seqs.push(probe.seq);
                received.ids.push(event.id);
            }
        }
    }
    Ok(received)
}

/// Splits a byte stream into lines across chunk boundaries.
#[derive(Default)]
struct LineSplitter {
    partial: Vec<u8>,
}

impl LineSplitter {
    fn push(&mut self, chunk: &[u8]) -> Vec<Vec<u8>> {
        self.partial.extend_from_slice(chunk);
        let mut lines = Vec::new();
        while let Some(end) = self.partial.iter().position(|&byte| byte == b'\n') {
            let mut line: Vec<u8> = self.partial.drain(..=end).collect();
            line.pop();
            lines.push(line);
        }
        lines
    }
}

fn resident_kib(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .with_context(|| format!("no process {pid}"))?;
    let line = status
        .lines()
        .find(|line| line.starts_with("VmRSS:"))
        .context("no VmRSS line")?;
    line.split_whitespace()
        .nth(1)
        .context("empty VmRSS line")?
        .parse()
        .context("VmRSS is not a number")
}

fn percentile(sorted: &[u64], quantile: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((sorted.len() - 1) as f64 * quantile).round() as usize;
    sorted.get(rank).copied().unwrap_or(0)
}

fn millis(micros: u64) -> String {
    format!("{:.2}", micros as f64 / 1000.0)
}

fn now_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_micros() as u64)
}

fn report(scenario: &str, figures: &[(&str, String)]) {
    let lines: Vec<String> = figures
        .iter()
        .map(|(name, value)| format!("  {name}: {value}"))
        .collect();
    eprintln!("{scenario}\n{}", lines.join("\n"));
}
