//! How a node reaches its cluster's Redis: the URL (kept from logs) and
//! the options the command line sets.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

/// How a node reaches its cluster's Redis.
///
/// # Examples
///
/// ```
/// use herald_hub::config::Config;
///
/// let config = Config::from_flags(["--redis-url", "redis://:hunter2@redis:6379/0"])?;
/// let options = config.redis().ok_or("no cluster")?;
/// assert_eq!(options.prefix, "herald");
/// assert_eq!(options.url.to_string(), "redis://***@redis:6379/0", "logs never show the password");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct RedisOptions {
    /// Where Redis listens.
    pub url: RedisUrl,
    /// Prefix of every key, so clusters can share one Redis.
    pub prefix: String,
    /// Wait for Redis at start, with backoff, instead of failing.
    pub wait: bool,
    /// Entries the stream keeps, over all topics.
    pub max_events: u64,
    /// Bytes of entries the stream keeps, over all topics.
    pub max_bytes: u64,
    /// How long one Redis call may take.
    pub timeout: Duration,
    /// How long a node's subscriber counts count after its last report.
    pub node_ttl: Duration,
    /// The certificates a `rediss://` server's must chain to, instead of
    /// Mozilla's roots built into the binary (`--redis-ca`).
    pub ca: Option<RedisCa>,
}

/// The PEM certificates of `--redis-ca`: the authorities a `rediss://`
/// server's certificate must chain to, for a Redis whose certificate no
/// public authority signed (a managed service's private CA, or a test's).
#[derive(Clone)]
pub struct RedisCa(Arc<[u8]>);

impl RedisCa {
    /// Reads the PEM file at `path`, for `--redis-ca`.
    ///
    /// # Errors
    /// A message for the command line naming the file, when it cannot be
    /// read or holds no certificate.
    ///
    /// # Examples
    ///
    /// ```
    /// use herald_hub::cluster::RedisCa;
    ///
    /// let missing = RedisCa::file("/nonexistent/ca.pem");
    /// assert!(missing.is_err_and(|message| message.contains("/nonexistent/ca.pem")));
    /// ```
    pub fn file(path: &str) -> Result<Self, String> {
        let path = Path::new(path);
        let pem = std::fs::read(path)
            .map_err(|error| format!("cannot read {}: {error}", path.display()))?;
        let certificates = CertificateDer::pem_slice_iter(&pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|error| format!("{} is not PEM: {error}", path.display()))?;
        if certificates.is_empty() {
            return Err(format!("{} holds no PEM certificate", path.display()));
        }
        Ok(Self(pem.into()))
    }

    /// The PEM text, as the Redis client takes it.
    pub fn pem(&self) -> &[u8] {
        &self.0
    }
}

impl std::fmt::Debug for RedisCa {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("RedisCa")
    }
}

/// A Redis URL, shown without its password.
#[derive(Clone)]
pub struct RedisUrl(String);

impl RedisUrl {
    /// Checks that `text` is a URL the Redis client takes: how the command
    /// line reads `--redis-url`.
    ///
    /// # Examples
    ///
    /// ```
    /// use herald_hub::cluster::RedisUrl;
    ///
    /// let url = RedisUrl::parse("redis://:hunter2@localhost:6379")?;
    /// assert_eq!(url.as_str(), "redis://:hunter2@localhost:6379");
    /// assert_eq!(format!("{url} {url:?}"), "redis://***@localhost:6379 redis://***@localhost:6379");
    /// assert!(RedisUrl::parse("localhost:6379").is_err(), "a URL names its scheme");
    /// # Ok::<(), String>(())
    /// ```
    pub fn parse(text: &str) -> Result<Self, String> {
        redis::Client::open(text).map_err(|error| format!("not a Redis URL: {error}"))?;
        Ok(Self(text.to_owned()))
    }

    /// The URL itself, password included, to connect with.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for RedisUrl {
    /// Everything but a password: what may go into logs and errors.
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let url = &self.0;
        match (url.find("://"), url.rfind('@')) {
            (Some(scheme), Some(at)) if at > scheme => {
                write!(formatter, "{}***{}", &url[..scheme + 3], &url[at..])
            }
            _ => formatter.write_str(url),
        }
    }
}

impl std::fmt::Debug for RedisUrl {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "{self}")
    }
}
