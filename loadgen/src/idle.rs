//! `idle`: opens N streams that receive nothing and reports how long they
//! took to open and, with `--server-pid`, the server's resident memory per
//! stream. Over HTTP/1.1 each stream is a connection; with `--ca-cert` and
//! an `https://` URL they are HTTP/2 streams, `--per-connection` to a
//! connection, as browsers open them, or with `--http1` HTTP/1.1 over TLS,
//! a connection each.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use futures_util::StreamExt;
use herald_wire::Topic;
use herald_wire::protocol::stream_path;
use http_body_util::{BodyExt, Empty};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use serde::Serialize;

use crate::limits;
use crate::probe;
use crate::report::{self, Progress};
use crate::server::{Reading, Server};
use crate::target::Target;

#[derive(clap::Args)]
pub(crate) struct Options {
    /// Streams to open.
    #[arg(long, default_value_t = 10_000)]
    streams: usize,
    /// With an `https://` URL: the PEM certificate to trust, and the
    /// streams are opened over HTTP/2, `--per-connection` to a connection.
    #[arg(long, value_name = "FILE")]
    ca_cert: Option<PathBuf>,
    /// HTTP/2 streams on each connection (at most the hub's 200).
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..))]
    per_connection: u64,
    /// With `--ca-cert`: HTTP/1.1 over TLS, one connection per stream, as
    /// a client without HTTP/2 opens them.
    #[arg(long, requires = "ca_cert")]
    http1: bool,
    /// Seconds to hold the streams open after reporting, to try other
    /// clients against a hub at its limits meanwhile.
    #[arg(long, default_value_t = 0)]
    hold_seconds: u64,
}

/// The result, one JSON line.
#[derive(Serialize)]
struct Report {
    mode: &'static str,
    target: String,
    /// `"1.1"` or `"2"`.
    http: &'static str,
    streams: usize,
    connections: u64,
    /// From the first request to the last stream's answer.
    open_seconds: f64,
    server: Option<ServerMemory>,
}

/// The server's resident memory around the opening, and what each stream
/// added to it.
#[derive(Serialize)]
struct ServerMemory {
    pid: u32,
    rss_bytes_before: u64,
    rss_bytes_after: u64,
    rss_bytes_per_stream: Option<f64>,
}

/// Streams held open until dropped.
enum Held {
    Http1(#[expect(dead_code, reason = "held only to keep the streams open")] Vec<probe::Events>),
    Tls(
        #[expect(dead_code, reason = "held only to keep the streams open")]
        Vec<hyper::body::Incoming>,
    ),
}

/// How streams are opened over TLS.
#[derive(Clone, Copy)]
enum Tls {
    /// HTTP/2, this many streams to a connection.
    Http2(usize),
    /// HTTP/1.1, a connection each.
    Http1,
}

pub(crate) async fn run(
    options: Options,
    target: &Target,
    server: Option<&Server>,
) -> anyhow::Result<()> {
    let Options {
        streams,
        ca_cert,
        per_connection,
        http1,
        hold_seconds,
    } = options;
    let per_connection = usize::try_from(per_connection).unwrap_or(usize::MAX);
    let tls = match (&ca_cert, http1) {
        (Some(_), false) => Some(Tls::Http2(per_connection)),
        (Some(_), true) => Some(Tls::Http1),
        (None, _) => None,
    };
    let connections = match tls {
        Some(Tls::Http2(per_connection)) => streams.div_ceil(per_connection),
        Some(Tls::Http1) | None => streams,
    };
    limits::ensure_room(connections)?;
    let topic = Topic::parse("load/idle")?;
    let opened = Arc::new(AtomicU64::new(0));
    let progress = Progress::start({
        let opened = opened.clone();
        move |elapsed| {
            format!(
                "idle  {}s  opened {}/{}",
                elapsed.as_secs(),
                report::count(opened.load(Ordering::Relaxed)),
                report::count(streams as u64)
            )
        }
    });
    let before = server.map(Server::read).transpose()?;
    let started = Instant::now();
    let opening = async {
        match ca_cert.as_deref().zip(tls) {
            None => open_http1(target, &topic, streams, &opened).await,
            Some((ca_cert, tls)) => open_tls(target, &topic, streams, ca_cert, tls, &opened).await,
        }
    };
    let result = tokio::time::timeout(probe::OPEN_DEADLINE, opening).await;
    progress.finish().await;
    let (held, connections) =
        result.map_err(|_| probe::not_all_opened(opened.load(Ordering::Relaxed), streams))??;
    let open_seconds = started.elapsed().as_secs_f64();
    let after = server.map(Server::read).transpose()?;
    report::emit(&Report {
        mode: "idle",
        target: target.publish_base().to_owned(),
        http: match tls {
            Some(Tls::Http2(_)) => "2",
            Some(Tls::Http1) | None => "1.1",
        },
        streams,
        connections,
        open_seconds,
        server: server
            .zip(before.zip(after))
            .map(|(server, (before, after))| ServerMemory::new(server, &before, &after, streams)),
    })?;
    tokio::time::sleep(Duration::from_secs(hold_seconds)).await;
    drop(held);
    Ok(())
}

/// One connection per stream, opened [`probe::OPENING_AT_ONCE`] at a time.
async fn open_http1(
    target: &Target,
    topic: &Topic,
    streams: usize,
    opened: &AtomicU64,
) -> anyhow::Result<(Held, u64)> {
    let clients = target.stream_clients(streams)?;
    let mut held = Vec::with_capacity(streams);
    let mut opening = futures_util::stream::iter(0..streams)
        .map(|index| {
            let client = &clients[index % clients.len()];
            let url = target.stream_url(index, topic);
            async move {
                probe::open(client, &url)
                    .await
                    .with_context(|| format!("opening stream {index} at {url}"))
            }
        })
        .buffer_unordered(probe::OPENING_AT_ONCE);
    while let Some(events) = opening.next().await {
        held.push(events?);
        opened.fetch_add(1, Ordering::Relaxed);
    }
    Ok((Held::Http1(held), streams as u64))
}

/// Streams over TLS trusting `ca_cert`: HTTP/2, so many to a connection,
/// or HTTP/1.1, a connection each.
async fn open_tls(
    target: &Target,
    topic: &Topic,
    streams: usize,
    ca_cert: &Path,
    tls: Tls,
    opened: &AtomicU64,
) -> anyhow::Result<(Held, u64)> {
    let url = reqwest::Url::parse(target.publish_base())?;
    if url.scheme() != "https" {
        bail!("--ca-cert needs an https:// URL");
    }
    let host = url.host_str().context("the URL names no host")?;
    let port = url
        .port_or_known_default()
        .context("the URL names no port")?;
    let mut roots = rustls::RootCertStore::empty();
    for certificate in CertificateDer::pem_file_iter(ca_cert)
        .with_context(|| format!("reading {}", ca_cert.display()))?
    {
        roots.add(certificate?)?;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![match tls {
        Tls::Http2(_) => b"h2".to_vec(),
        Tls::Http1 => b"http/1.1".to_vec(),
    }];
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let server_name = ServerName::try_from(host.trim_matches(['[', ']']).to_owned())?;
    let address = tokio::net::lookup_host((host.trim_matches(['[', ']']), port))
        .await?
        .next()
        .context("the URL names no address")?;
    let path = stream_path([topic], None);
    let connect = || async {
        let tcp = tokio::net::TcpStream::connect(address).await?;
        let tls = connector.connect(server_name.clone(), tcp).await?;
        anyhow::Ok(hyper_util::rt::TokioIo::new(tls))
    };
    let mut held = Vec::with_capacity(streams);
    let Tls::Http2(per_connection) = tls else {
        // In origin form with `Host`, as HTTP/1.1 clients send a request.
        let authority = url.authority().to_owned();
        let mut opening = futures_util::stream::iter(0..streams)
            .map(|_| async {
                let (mut sender, connection) =
                    hyper::client::conn::http1::handshake(connect().await?).await?;
                tokio::spawn(connection);
                let request = hyper::Request::get(&path)
                    .header(hyper::header::HOST, &authority)
                    .body(Empty::<bytes::Bytes>::new())?;
                established(sender.send_request(request).await?).await
            })
            .buffer_unordered(probe::OPENING_AT_ONCE);
        while let Some(body) = opening.next().await {
            held.push(body?);
            opened.fetch_add(1, Ordering::Relaxed);
        }
        return Ok((Held::Tls(held), streams as u64));
    };
    let url = format!("{}{path}", target.publish_base());
    let mut connections = 0;
    while held.len() < streams {
        let (sender, connection) = hyper::client::conn::http2::handshake(
            hyper_util::rt::TokioExecutor::new(),
            connect().await?,
        )
        .await?;
        tokio::spawn(connection);
        connections += 1;
        let count = per_connection.min(streams - held.len());
        let opening = (0..count).map(|_| {
            let mut sender = sender.clone();
            let request = hyper::Request::get(&url).body(Empty::<bytes::Bytes>::new());
            async move { established(sender.send_request(request?).await?).await }
        });
        for body in futures_util::future::join_all(opening).await {
            held.push(body?);
            opened.fetch_add(1, Ordering::Relaxed);
        }
    }
    Ok((Held::Tls(held), connections))
}

/// The body of a stream's `response` once its first frame (the retry hint)
/// came: the stream is established.
async fn established(
    response: hyper::Response<hyper::body::Incoming>,
) -> anyhow::Result<hyper::body::Incoming> {
    anyhow::ensure!(response.status().is_success(), "HTTP {}", response.status());
    let mut body = response.into_body();
    body.frame().await.context("stream closed")??;
    Ok(body)
}

impl ServerMemory {
    /// `server`'s memory `before` and `after` opening `streams`.
    fn new(server: &Server, before: &Reading, after: &Reading, streams: usize) -> Self {
        let grown = after.rss_bytes.saturating_sub(before.rss_bytes);
        Self {
            pid: server.pid(),
            rss_bytes_before: before.rss_bytes,
            rss_bytes_after: after.rss_bytes,
            rss_bytes_per_stream: (streams > 0).then(|| grown as f64 / streams as f64),
        }
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "idle streams on {} over HTTP/{}", self.target, self.http)?;
        write!(
            f,
            "  {} streams on {} connections, opened in {:.2} s",
            report::count(self.streams as u64),
            report::count(self.connections),
            self.open_seconds
        )?;
        if let Some(server) = &self.server {
            let per_stream = server.rss_bytes_per_stream.map_or_else(
                || "-".to_owned(),
                |bytes| format!("{:.2} KiB", bytes / 1024.0),
            );
            write!(
                f,
                "\n  server {}: RSS {} -> {}, {per_stream} per stream",
                server.pid,
                report::mib(server.rss_bytes_before),
                report::mib(server.rss_bytes_after)
            )?;
        }
        Ok(())
    }
}
