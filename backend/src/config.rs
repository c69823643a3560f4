//! Configuration: every option is a flag and a `HERALD_*` environment
//! variable, and a key of the file `--config` names ([`file`](mod@file)).

pub mod file;

use std::ffi::OsString;
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::path::PathBuf;
use std::time::Duration;

use axum::http::HeaderValue;
#[cfg(feature = "jwt")]
use herald_wire::TopicPattern;

#[cfg(feature = "jwt")]
use crate::auth::VerifyingKey;
#[cfg(feature = "cluster")]
use crate::cluster::{RedisCa, RedisOptions, RedisUrl};
use crate::hub::Limits;
use crate::telemetry::LogFormat;
#[cfg(feature = "tls")]
use crate::tls::{CertificateChain, PrivateKey, Tls};

/// Options of `herald serve`.
#[derive(Debug, Clone, clap::Parser)]
#[command(name = "herald serve")]
pub struct Config {
    /// TOML file of options, one key per flag without its dashes
    /// (`history-bytes = 67108864`); a flag or variable set wins over it.
    #[arg(long, env = "HERALD_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Address to listen on. The default only answers this machine; use
    /// `0.0.0.0:3000` to serve the network.
    #[arg(long, env = "HERALD_ADDR", default_value = "127.0.0.1:3000")]
    pub addr: SocketAddr,

    /// Events kept per topic for replay on reconnect (`Last-Event-ID`).
    /// A subscriber that falls further behind gets a `gap` event.
    #[arg(long, env = "HERALD_HISTORY", default_value_t = 1024,
          value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub history: u32,

    /// Bytes of history (SSE frames) kept over all topics; past it the
    /// oldest events go first, and a reader who had not got them gets a
    /// `gap` event.
    #[arg(long, env = "HERALD_HISTORY_BYTES", default_value_t = 256 * 1024 * 1024,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub history_bytes: u64,

    /// Bytes of history kept per topic (its newest event is always kept),
    /// so one busy topic cannot take the whole `--history-bytes`.
    #[arg(long, env = "HERALD_TOPIC_HISTORY_BYTES", default_value_t = 16 * 1024 * 1024,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub topic_history_bytes: u64,

    /// Topics with history at once. A publish to a new topic beyond it
    /// drops the history of the topic no stream follows that was written
    /// longest ago; when every topic is followed, it gets 503.
    #[arg(long, env = "HERALD_MAX_TOPICS", default_value_t = 100_000,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub max_topics: u64,

    /// Seconds a stream may stay open, 0 for no limit: past it the stream
    /// ends, and a browser's EventSource reconnects after `--retry-ms` and
    /// resumes where it was, so a client cannot hold a stream (and its
    /// connection) forever. Each stream ends up to a tenth earlier, so
    /// streams opened together do not all come back at once.
    #[arg(long, env = "HERALD_MAX_STREAM_AGE", default_value_t = 0,
          value_parser = clap::value_parser!(u64).range(0..=366 * 24 * 3600))]
    pub max_stream_age: u64,

    /// Seconds between keep-alive comments on an idle stream.
    #[arg(long, env = "HERALD_KEEPALIVE", default_value_t = 15,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub keepalive: u64,

    /// Milliseconds a browser should wait before reconnecting (SSE `retry:`).
    #[arg(long, env = "HERALD_RETRY_MS", default_value_t = 2000)]
    pub retry_ms: u64,

    /// Largest accepted publish body, in bytes.
    #[arg(long, env = "HERALD_MAX_BODY", default_value_t = 64 * 1024)]
    pub max_body: usize,

    /// Publishes handled at once; further publishes get 503 until one ends.
    /// One client address may have a quarter of them in flight (429).
    #[arg(long, env = "HERALD_MAX_CONCURRENT_PUBLISHES", default_value_t = 1024,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub max_concurrent_publishes: u32,

    /// Reads of history and of the topic list handled at once; further
    /// ones get 503 until one ends. Each may read up to 10,000 events or
    /// topics while it holds the hub's locks in turn, so reads at once are
    /// bounded like publishes.
    #[arg(long, env = "HERALD_MAX_CONCURRENT_READS", default_value_t = 64,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub max_concurrent_reads: u32,

    /// Milliseconds a publish may take, body upload included; slower ones get 408.
    #[arg(long, env = "HERALD_PUBLISH_TIMEOUT_MS", default_value_t = 10_000,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub publish_timeout_ms: u64,

    /// Bytes per second a publish body must arrive at, on average, after
    /// its first 2 s; a slower one is cut off with 408, so a client
    /// trickling bytes cannot hold a publish slot for long.
    #[arg(long, env = "HERALD_MIN_BODY_RATE", default_value_t = 4096,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub min_body_rate: u64,

    /// Connections served at once; beyond it a request gets 503 (but
    /// `/healthz`) and its connection is closed. At most, and by default,
    /// the open-files limit less 256 for everything else the hub opens.
    #[arg(long, env = "HERALD_MAX_CONNECTIONS",
          value_parser = clap::value_parser!(u64).range(1..))]
    pub max_connections: Option<u64>,

    /// Connections one client address (an IPv6 /64) may hold open; more
    /// are answered 429 and closed. The `--proxy-ip` addresses are not
    /// limited.
    #[arg(long, env = "HERALD_MAX_CONNECTIONS_PER_IP", default_value_t = 1_024,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub max_connections_per_ip: u64,

    /// Seconds a connection may go without a request: an HTTP/1.1 one
    /// waiting for its next request head, an HTTP/2 one with no stream or
    /// request in flight (also before its preface). Past it the connection
    /// is closed, so idle clients cannot hold connection slots.
    #[arg(long, env = "HERALD_IDLE_TIMEOUT", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub idle_timeout: u64,

    /// Streams one client address (an IPv6 /64) may hold open; more get 429.
    #[arg(long, env = "HERALD_MAX_STREAMS_PER_IP", default_value_t = 1_000,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub max_streams_per_ip: u64,

    /// Publishes per second one client may make (in bursts of as many):
    /// per address, or per bearer token behind a proxy; more get 429.
    #[arg(long, env = "HERALD_PUBLISH_RATE", default_value_t = NonZeroU32::new(1_000).unwrap_or(NonZeroU32::MIN))]
    pub publish_rate: NonZeroU32,

    /// Address of a reverse proxy in front of the hub (repeatable, or
    /// comma-separated in the variable): its connections stand for many
    /// clients, so they are not limited per address, and its publishes are
    /// limited per token.
    #[arg(long = "proxy-ip", env = "HERALD_PROXY_IPS", value_delimiter = ',',
          default_values_t = [IpAddr::from([127, 0, 0, 1]), IpAddr::from([0, 0, 0, 0, 0, 0, 0, 1])])]
    pub proxy_ips: Vec<IpAddr>,

    /// Milliseconds a stream may wait for its client to read before its
    /// connection is closed (the browser resumes from its last id).
    #[arg(long, env = "HERALD_WRITE_TIMEOUT_MS", default_value_t = 30_000,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub write_timeout_ms: u64,

    /// Bytes the kernel may hold for one connection's unsent writes
    /// (`SO_SNDBUF`, which Linux doubles for its bookkeeping and caps at
    /// `net.core.wmem_max`). A client that stops reading holds this much
    /// kernel memory at most, instead of the up to 4 MiB the kernel's
    /// autotuning grows to; events wait in the hub's bounded queues
    /// instead. 0 leaves the size to the kernel.
    #[arg(long, env = "HERALD_SEND_BUFFER", default_value_t = 131_072,
          value_parser = clap::value_parser!(u32).range(0..=16 * 1024 * 1024))]
    pub send_buffer: u32,

    /// Let the kernel coalesce small writes (Nagle's algorithm) instead of
    /// sending each event at once: about 15% less CPU per delivery at
    /// 200,000 deliveries/s, for a higher and less even latency.
    #[arg(long, env = "HERALD_NO_TCP_NODELAY")]
    pub no_tcp_nodelay: bool,

    /// Milliseconds requests in flight may take to finish after Ctrl-C or
    /// SIGTERM (streams end at once); then the connections still open are
    /// dropped. A second signal exits at once.
    #[arg(long, env = "HERALD_SHUTDOWN_GRACE_MS", default_value_t = 10_000)]
    pub shutdown_grace_ms: u64,

    /// Streams served at once; further stream requests get 503.
    #[arg(long, env = "HERALD_MAX_SUBSCRIBERS", default_value_t = 100_000)]
    pub max_subscribers: usize,

    /// Most topics one stream may follow.
    #[arg(long, env = "HERALD_MAX_TOPICS_PER_STREAM", default_value_t = 64)]
    pub max_topics_per_stream: usize,

    /// Seconds a publish's `Idempotency-Key` is remembered, 0 for never: a
    /// retry within it is stored once and answered with the first ids.
    #[arg(long, env = "HERALD_IDEMPOTENCY_WINDOW", default_value_t = 600,
          value_parser = clap::value_parser!(u64).range(0..=7 * 24 * 3600))]
    pub idempotency_window: u64,

    /// Keys one hub remembers at most; past it the oldest is forgotten. A
    /// cluster keeps its keys in Redis instead, for the window.
    #[arg(long, env = "HERALD_IDEMPOTENCY_KEYS", default_value_t = 100_000,
          value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    pub idempotency_keys: u64,

    /// A host name clients reach the hub by (repeatable, or comma-separated
    /// in the variable), besides `localhost`, `127.0.0.1`, `::1` and the
    /// listen address; requests naming any other host get 421, so no web
    /// page can reach the hub through DNS rebinding. `*` allows every name.
    #[arg(
        long = "allowed-host",
        env = "HERALD_ALLOWED_HOSTS",
        value_delimiter = ','
    )]
    pub allowed_hosts: Vec<String>,

    /// An origin whose pages may call the hub and read its streams
    /// (repeatable, or comma-separated in the variable), with credentials;
    /// `*` lets every origin read, never with credentials. None: only the
    /// hub's own origin.
    #[arg(long = "cors-origin", env = "HERALD_CORS_ORIGINS", value_delimiter = ',',
          value_parser = crate::cors::parse_origin)]
    pub cors_origins: Vec<HeaderValue>,

    /// Secret that HS256 tokens are signed with (at least 32 bytes): with it,
    /// publishing needs `Authorization: Bearer <jwt>` and private topics a
    /// token that may read them. Never shown in logs, errors or help.
    #[cfg(feature = "jwt")]
    #[arg(long, env = "HERALD_JWT_SECRET", hide_env_values = true,
          value_parser = VerifyingKey::secret, group = "jwt_key")]
    pub jwt_secret: Option<VerifyingKey>,

    /// PEM file of the RSA (RS256) or P-256 (ES256) public key that tokens
    /// are signed with, instead of a secret.
    #[cfg(feature = "jwt")]
    #[arg(long, env = "HERALD_JWT_PUBLIC_KEY", value_name = "FILE",
          value_parser = VerifyingKey::public_key_file, group = "jwt_key")]
    pub jwt_public_key: Option<VerifyingKey>,

    /// Audience a token must name in its `aud` claim (repeatable, or
    /// comma-separated in the variable; any one of them): a token issued
    /// for another service is refused. Unset, `aud` is not checked.
    #[cfg(feature = "jwt")]
    #[arg(
        long = "jwt-audience",
        env = "HERALD_JWT_AUDIENCE",
        value_delimiter = ',',
        value_name = "AUD",
        requires = "jwt_key"
    )]
    pub jwt_audience: Vec<String>,

    /// Issuer a token must name in its `iss` claim (repeatable, or
    /// comma-separated in the variable; any one of them). Unset, `iss` is
    /// not checked.
    #[cfg(feature = "jwt")]
    #[arg(
        long = "jwt-issuer",
        env = "HERALD_JWT_ISSUER",
        value_delimiter = ',',
        value_name = "ISS",
        requires = "jwt_key"
    )]
    pub jwt_issuer: Vec<String>,

    /// Topics only a token may read (a topic or pattern; repeatable, or
    /// comma-separated in the variable): a stream, history or topic list
    /// that reaches one needs a token whose subscribe patterns cover it.
    #[cfg(feature = "jwt")]
    #[arg(long = "private-topics", env = "HERALD_PRIVATE_TOPICS", value_delimiter = ',',
          value_parser = |text: &str| TopicPattern::parse(text), requires = "jwt_key")]
    pub private_topics: Vec<TopicPattern>,

    /// PEM file of the certificate chain to serve HTTPS with (with
    /// `--tls-key`): HTTP/2 and HTTP/1.1 are offered by ALPN, so a browser's
    /// streams to the hub share one connection. Without it the hub speaks
    /// plain HTTP/1.1.
    #[cfg(feature = "tls")]
    #[arg(long, env = "HERALD_TLS_CERT", value_name = "FILE",
          value_parser = CertificateChain::file, requires = "tls_key")]
    pub tls_cert: Option<CertificateChain>,

    /// PEM file of the private key of `--tls-cert`'s certificate.
    #[cfg(feature = "tls")]
    #[arg(long, env = "HERALD_TLS_KEY", value_name = "FILE",
          value_parser = PrivateKey::file, requires = "tls_cert")]
    pub tls_key: Option<PrivateKey>,

    /// Directory of the built single-page app, served at `/`. By default
    /// the page built into the binary, or `dist` when it has none.
    #[arg(long, env = "HERALD_STATIC_DIR", value_name = "DIR")]
    pub static_dir: Option<PathBuf>,

    /// Also serve `GET /metrics` on this address, to any `Host`: for a
    /// scraper that reaches the hub by its pod or machine address, which the
    /// main address's Host check refuses. Serves nothing else.
    #[arg(long, env = "HERALD_METRICS_ADDR", value_name = "ADDR")]
    pub metrics_addr: Option<SocketAddr>,

    /// Do not publish this machine's metrics to `system/metrics`.
    #[cfg(feature = "system-metrics")]
    #[arg(long, env = "HERALD_NO_METRICS")]
    pub no_metrics: bool,

    /// Do not publish the hub's own figures to `system/hub`.
    #[arg(long, env = "HERALD_NO_HUB_STATS")]
    pub no_hub_stats: bool,

    /// Milliseconds between two reports of the hub's own figures.
    #[arg(long, env = "HERALD_HUB_STATS_INTERVAL_MS", default_value_t = 1000,
          value_parser = clap::value_parser!(u64).range(200..))]
    pub hub_stats_interval_ms: u64,

    /// Milliseconds between two system metrics samples.
    #[cfg(feature = "system-metrics")]
    #[arg(long, env = "HERALD_METRICS_INTERVAL_MS", default_value_t = 1000,
          value_parser = clap::value_parser!(u64).range(200..))]
    pub metrics_interval_ms: u64,

    /// Redis to run as a node of a cluster on (`redis://[:PASSWORD@]HOST[:PORT][/DB]`,
    /// or `rediss://` for TLS, as managed Redis services require):
    /// every node started with the same URL and prefix serves the same
    /// events, and history survives restarts. Without it the hub is one
    /// process, in memory.
    #[cfg(feature = "cluster")]
    #[arg(long, env = "HERALD_REDIS_URL", value_parser = RedisUrl::parse)]
    pub redis_url: Option<RedisUrl>,

    /// PEM file of the certificate authorities a `rediss://` Redis's
    /// certificate must chain to, instead of the public ones built in.
    #[cfg(feature = "cluster")]
    #[arg(long, env = "HERALD_REDIS_CA", value_name = "FILE",
          value_parser = RedisCa::file, requires = "redis_url")]
    pub redis_ca: Option<RedisCa>,

    /// Prefix of the cluster's Redis keys, so several clusters share one Redis.
    #[cfg(feature = "cluster")]
    #[arg(long, env = "HERALD_REDIS_PREFIX", default_value = "herald",
          value_parser = parse_prefix)]
    pub redis_prefix: String,

    /// Wait for Redis at start, retrying with backoff, instead of exiting.
    #[cfg(feature = "cluster")]
    #[arg(long, env = "HERALD_REDIS_WAIT")]
    pub redis_wait: bool,

    /// Events Redis keeps over all topics; a node started later replays
    /// from them. The oldest go first past it or past `--redis-max-bytes`.
    #[cfg(feature = "cluster")]
    #[arg(long, env = "HERALD_REDIS_MAX_EVENTS", default_value_t = 100_000,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub redis_max_events: u64,

    /// Bytes of events (topic, kind and envelope) Redis keeps over all
    /// topics, so large events cannot grow it past what `--redis-max-events`
    /// of small ones would take; the newest event always stays.
    #[cfg(feature = "cluster")]
    #[arg(long, env = "HERALD_REDIS_MAX_BYTES", default_value_t = 256 * 1024 * 1024,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub redis_max_bytes: u64,

    /// Milliseconds one Redis call may take; a slower one fails (a publish
    /// then gets 503) and the node reconnects.
    #[cfg(feature = "cluster")]
    #[arg(long, env = "HERALD_REDIS_TIMEOUT_MS", default_value_t = 2_000,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub redis_timeout_ms: u64,

    /// Milliseconds a node's subscriber counts go on counting in the
    /// cluster's `/api/topics` after its last report; it reports every
    /// third of this, so a node that dies stops counting within it.
    #[cfg(feature = "cluster")]
    #[arg(long, env = "HERALD_REDIS_NODE_TTL_MS", default_value_t = 6_000,
          value_parser = clap::value_parser!(u64).range(300..))]
    pub redis_node_ttl_ms: u64,

    /// Log line format on stderr: `text` for people, `json` (one object per
    /// line) for log pipelines. `RUST_LOG` sets the filter (default `info`).
    #[arg(long, env = "HERALD_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

#[cfg(feature = "cluster")]
fn parse_prefix(text: &str) -> Result<String, String> {
    if text.is_empty() || text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("a prefix is one word: not empty, no spaces".to_owned());
    }
    Ok(text.to_owned())
}

impl Config {
    /// The options `flags` set, as on the command line but without the
    /// program's name, and every other at its default: the environment is
    /// not read, so an embedding program gets what it asked for.
    ///
    /// # Errors
    /// clap's message naming the flag at fault.
    ///
    /// # Examples
    ///
    /// ```
    /// use herald_hub::config::Config;
    /// let config = Config::from_flags(["--max-body", "4096"])?;
    /// assert_eq!((config.max_body, config.history), (4096, 1024), "the rest at defaults");
    /// assert!(Config::from_flags(["--keepalive", "0"]).is_err(), "below its range");
    /// # Ok::<(), clap::Error>(())
    /// ```
    pub fn from_flags<T: Into<OsString> + Clone>(
        flags: impl IntoIterator<Item = T>,
    ) -> Result<Self, clap::Error> {
        let command = <Self as clap::CommandFactory>::command().mut_args(|arg| arg.env(None));
        let program = std::iter::once(OsString::from("herald"));
        let matches =
            command.try_get_matches_from(program.chain(flags.into_iter().map(Into::into)))?;
        <Self as clap::FromArgMatches>::from_arg_matches(&matches)
    }

    /// Whether tokens are checked (`--jwt-secret` or `--jwt-public-key`);
    /// never without the `jwt` feature.
    pub fn verifies_tokens(&self) -> bool {
        #[cfg(feature = "jwt")]
        return self.jwt_key().is_some();
        #[cfg(not(feature = "jwt"))]
        false
    }

    /// The key tokens are verified with, when one is configured.
    #[cfg(feature = "jwt")]
    pub fn jwt_key(&self) -> Option<&VerifyingKey> {
        self.jwt_secret.as_ref().or(self.jwt_public_key.as_ref())
    }

    /// Whether the hub serves HTTPS (`--tls-cert`); never without the
    /// `tls` feature.
    pub fn serves_https(&self) -> bool {
        #[cfg(feature = "tls")]
        return self.tls_cert.is_some();
        #[cfg(not(feature = "tls"))]
        false
    }

    /// The certificate and key to serve HTTPS with, when both are set.
    #[cfg(feature = "tls")]
    pub fn tls(&self) -> Option<Tls> {
        Some(Tls {
            chain: self.tls_cert.clone()?,
            key: self.tls_key.clone()?,
        })
    }

    /// How to reach the cluster's Redis, when `--redis-url` is set.
    #[cfg(feature = "cluster")]
    pub fn redis(&self) -> Option<RedisOptions> {
        self.redis_url.as_ref().map(|url| RedisOptions {
            url: url.clone(),
            prefix: self.redis_prefix.clone(),
            wait: self.redis_wait,
            max_events: self.redis_max_events,
            max_bytes: self.redis_max_bytes,
            timeout: Duration::from_millis(self.redis_timeout_ms),
            node_ttl: Duration::from_millis(self.redis_node_ttl_ms),
            ca: self.redis_ca.clone(),
        })
    }

    /// The hub capacities this configuration asks for.
    pub fn limits(&self) -> Limits {
        // Saturate on a 32-bit target rather than wrap: a budget larger than
        // the address space is no budget.
        let bytes = |value: u64| usize::try_from(value).unwrap_or(usize::MAX);
        Limits {
            history: self.history as usize,
            topic_bytes: bytes(self.topic_history_bytes),
            total_bytes: bytes(self.history_bytes),
            max_topics: bytes(self.max_topics),
            max_subscribers: self.max_subscribers,
        }
    }

    /// Interval between keep-alive comments.
    pub fn keepalive(&self) -> Duration {
        Duration::from_secs(self.keepalive)
    }

    /// How long a stream may stay open, if there is a limit.
    pub fn max_stream_age(&self) -> Option<Duration> {
        (self.max_stream_age > 0).then(|| Duration::from_secs(self.max_stream_age))
    }

    /// Publishes one client address may have in flight: a quarter of
    /// `--max-concurrent-publishes`, at least one.
    pub fn publishes_per_client(&self) -> usize {
        usize::try_from(self.max_concurrent_publishes / 4)
            .unwrap_or(usize::MAX)
            .max(1)
    }

    /// How long a connection may go without a request.
    pub fn idle_timeout(&self) -> Duration {
        Duration::from_secs(self.idle_timeout)
    }

    /// The send buffer to set on each connection, if any.
    pub fn send_buffer(&self) -> Option<usize> {
        usize::try_from(self.send_buffer)
            .ok()
            .filter(|&bytes| bytes > 0)
    }

    /// How long a write may wait for the client to read.
    pub fn write_timeout(&self) -> Duration {
        Duration::from_millis(self.write_timeout_ms)
    }

    /// How long requests in flight may take after shutdown.
    pub fn shutdown_grace(&self) -> Duration {
        Duration::from_millis(self.shutdown_grace_ms)
    }

    /// How long a publish's `Idempotency-Key` is remembered; zero for never.
    pub fn idempotency_window(&self) -> Duration {
        Duration::from_secs(self.idempotency_window)
    }

    /// How long a publish may take.
    pub fn publish_timeout(&self) -> Duration {
        Duration::from_millis(self.publish_timeout_ms)
    }

    /// Interval between two reports of the hub's own figures.
    pub fn hub_stats_interval(&self) -> Duration {
        Duration::from_millis(self.hub_stats_interval_ms)
    }

    /// Interval between metrics samples.
    #[cfg(feature = "system-metrics")]
    pub fn metrics_interval(&self) -> Duration {
        Duration::from_millis(self.metrics_interval_ms)
    }
}
