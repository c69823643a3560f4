//! How a node reaches its cluster's Redis: the URL (kept from logs) and
//! the options the command line sets.

use std::time::Duration;

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
