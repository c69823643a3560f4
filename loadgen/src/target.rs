//! Where the tool connects, and the rule that it connects only to this
//! machine: a load tool pointed at someone else's server is a flood, so every
//! URL must name a loopback host (`127.0.0.0/8`, `::1` or `localhost`).

use std::net::{IpAddr, Ipv6Addr};
use std::time::Duration;

use anyhow::{Context, bail};
use herald_wire::Topic;
use herald_wire::protocol::{publish_path, stream_path};
use reqwest::Url;

use crate::limits;

/// How long a connection may take to open before the stream counts as
/// failed.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The hub's base URLs: one to publish to, one or more to open streams at.
pub(crate) struct Target {
    publish: String,
    streams: Vec<String>,
    /// Every stream URL names an IPv4 address, so the client can spread its
    /// connections over several source addresses.
    ipv4: bool,
}

impl Target {
    /// Checks `url` and `stream_urls` (none: `url`) against the loopback
    /// rule.
    pub(crate) fn parse(url: &str, stream_urls: &[String]) -> anyhow::Result<Self> {
        let publish = base(url)?;
        let streams = if stream_urls.is_empty() {
            vec![publish.clone()]
        } else {
            stream_urls
                .iter()
                .map(|url| base(url))
                .collect::<anyhow::Result<_>>()?
        };
        let ipv4 = streams.iter().all(|url| {
            Url::parse(url)
                .ok()
                .and_then(|url| {
                    url.host_str()
                        .map(|host| host.parse::<IpAddr>().is_ok_and(|ip| ip.is_ipv4()))
                })
                .unwrap_or(false)
        });
        Ok(Self {
            publish,
            streams,
            ipv4,
        })
    }

    /// The base URL published to, as given, for the report.
    pub(crate) fn publish_base(&self) -> &str {
        &self.publish
    }

    /// The URL that publishes to `topic`.
    pub(crate) fn publish_url(&self, topic: &Topic) -> String {
        format!("{}{}", self.publish, publish_path(topic.as_str()))
    }

    /// The URL of stream number `index` on `topic`: the stream URLs in turn.
    pub(crate) fn stream_url(&self, index: usize, topic: &Topic) -> String {
        let base = self
            .streams
            .get(index % self.streams.len())
            .expect("a target has at least one stream URL");
        format!("{base}{}", stream_path([topic], None))
    }

    /// Clients for `connections` streams, taken in turn
    /// (`clients[index % clients.len()]`): one per source address when
    /// [`limits::source_addresses`] asks for several.
    pub(crate) fn stream_clients(
        &self,
        connections: usize,
    ) -> anyhow::Result<Vec<reqwest::Client>> {
        limits::source_addresses(connections, self.ipv4)
            .into_iter()
            .map(|source| {
                reqwest::Client::builder()
                    .no_proxy()
                    .connect_timeout(CONNECT_TIMEOUT)
                    .local_address(source)
                    .build()
                    .context("building an HTTP client")
            })
            .collect()
    }
}

/// `url` checked against the loopback rule, without a trailing `/`, to put
/// a route's path after.
fn base(url: &str) -> anyhow::Result<String> {
    let parsed = Url::parse(url).with_context(|| format!("{url} is not a URL"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        bail!("{url}: only http:// and https:// URLs are supported");
    }
    let host = parsed
        .host_str()
        .with_context(|| format!("{url} names no host"))?;
    if !is_loopback(host) {
        bail!(
            "{url}: refusing a host that is not loopback (127.0.0.0/8, ::1 or localhost); \
             the load tool only drives servers on this machine"
        );
    }
    Ok(parsed.as_str().trim_end_matches('/').to_owned())
}

/// Whether `host` (as a URL spells it, an IPv6 address in brackets) is this
/// machine: `localhost`, an address in `127.0.0.0/8`, or `::1`.
fn is_loopback(host: &str) -> bool {
    if host.eq_ignore_ascii_case("localhost") || host.eq_ignore_ascii_case("localhost.") {
        return true;
    }
    if let Some(v6) = host
        .strip_prefix('[')
        .and_then(|rest| rest.strip_suffix(']'))
    {
        return v6
            .parse::<Ipv6Addr>()
            .is_ok_and(|address| IpAddr::V6(address).to_canonical().is_loopback());
    }
    host.parse::<IpAddr>()
        .is_ok_and(|address| address.to_canonical().is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts_are_accepted() {
        for host in [
            "localhost",
            "LOCALHOST",
            "127.0.0.1",
            "127.1.2.3",
            "[::1]",
            "[::ffff:127.0.0.1]",
        ] {
            assert!(is_loopback(host), "{host}");
        }
    }

    #[test]
    fn other_hosts_are_refused() {
        for host in [
            "10.1.2.3",
            "0.0.0.0",
            "128.0.0.1",
            "[::]",
            "[::2]",
            "example.com",
            "localhost.example.com",
        ] {
            assert!(!is_loopback(host), "{host}");
        }
    }

    #[test]
    fn a_url_off_this_machine_is_refused_naming_the_rule() {
        let error = Target::parse("http://10.1.2.3:3000", &[])
            .err()
            .expect("a non-loopback URL is refused");
        assert!(error.to_string().contains("loopback"), "{error}");
        let stream = ["http://192.168.1.1:3000".to_owned()];
        assert!(Target::parse("http://127.0.0.1:3000", &stream).is_err());
    }

    #[test]
    fn routes_follow_the_base_url() {
        let target = Target::parse(
            "http://127.0.0.1:3000/",
            &[
                "http://127.0.0.1:3001".to_owned(),
                "http://[::1]:3002".to_owned(),
            ],
        )
        .unwrap();
        let topic = Topic::parse("load/a").unwrap();
        assert_eq!(
            target.publish_url(&topic),
            format!("http://127.0.0.1:3000{}", publish_path("load/a"))
        );
        assert!(
            target
                .stream_url(0, &topic)
                .starts_with("http://127.0.0.1:3001/")
        );
        assert!(
            target
                .stream_url(1, &topic)
                .starts_with("http://[::1]:3002/")
        );
        assert!(
            target
                .stream_url(2, &topic)
                .starts_with("http://127.0.0.1:3001/")
        );
        assert!(!target.ipv4);
    }
}
