//! Limits per client, so no one client can take what all share: open
//! connections and streams per address (an IPv4 address, or an IPv6 /64),
//! and publishes per second per client (its address, or behind a proxy on
//! this machine, its token).
//!
//! Connections from a reverse proxy (`--proxy-ip`, loopback by default)
//! are not limited by address: behind it every client has its address, so
//! one address would stand for all of them. Their requests are limited by
//! the client address the proxy reports in `X-Forwarded-For` (the last
//! entry that is not itself a proxy: entries before it are whatever the
//! client sent), and without one, publishes by their bearer token, once
//! the hub has verified it: an unverified string would give a client a
//! fresh allowance per string.

use std::collections::HashMap;
use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::http::{HeaderMap, HeaderName};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use tokio_util::sync::CancellationToken;

/// The address a connection comes from, which the accept loop puts in
/// every request's extensions.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Peer(pub(crate) SocketAddr);

/// Why a client was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum LimitError {
    /// The address already holds its maximum of connections.
    #[error("this address already holds its maximum of {max} connections; close one first")]
    Connections {
        /// `--max-connections-per-ip`.
        max: usize,
    },
    /// The address already holds its maximum of streams.
    #[error("this address already holds its maximum of {max} streams; close one first")]
    Streams {
        /// `--max-streams-per-ip`.
        max: usize,
    },
    /// The address already has its share of publishes in flight.
    #[error(
        "this address already has its share of {max} publishes in flight; retry when one is answered"
    )]
    Publishes {
        /// A quarter of `--max-concurrent-publishes`.
        max: usize,
    },
    /// The client publishes faster than `--publish-rate`.
    #[error("publishing faster than {rate} events per second; retry in {retry_after:?}")]
    Rate {
        /// `--publish-rate`.
        rate: u32,
        /// When the next publish would be accepted.
        retry_after: Duration,
    },
}

/// Where a proxy says whom it forwards a request for.
const FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");

/// A publisher's bucket: its address, or the hash of its token.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Address(IpAddr),
    Token(u64),
}

/// What one client address may hold at once.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PerAddress {
    /// `--max-connections-per-ip`.
    pub(crate) connections: usize,
    /// `--max-streams-per-ip`.
    pub(crate) streams: usize,
    /// Publishes in flight: a share of `--max-concurrent-publishes`, so
    /// one client trickling bodies cannot hold every publish slot.
    pub(crate) publishes: usize,
}

/// The per-client limits and what each client holds now.
pub(crate) struct Clients {
    /// Addresses of reverse proxies, not limited by address.
    proxies: Vec<IpAddr>,
    connections: Held,
    streams: Held,
    in_flight: Held,
    rate: u32,
    publishes: DefaultKeyedRateLimiter<Key>,
    /// Keys tokens by a hash, so no token is kept in memory.
    hasher: RandomState,
}

/// How many of one thing (connections, streams) each address holds, up to
/// a maximum; an address holding none has no entry.
struct Held {
    max: usize,
    counts: Mutex<HashMap<IpAddr, usize>>,
}

/// Which of an address's holdings a [`Permit`] counts against.
#[derive(Debug, Clone, Copy)]
enum Holding {
    Connection,
    Stream,
    Publish,
}

/// A connection's, a stream's or a publish's place among its address's;
/// freed when dropped.
pub(crate) struct Permit {
    clients: Arc<Clients>,
    holding: Holding,
    /// `None` when not limited: from a proxy, or from no known address.
    address: Option<IpAddr>,
}

impl Clients {
    /// Limits of `per_address` connections and streams per address and
    /// `rate` publishes per second (with bursts of as many) per client, but
    /// for `proxies`.
    pub(crate) fn new(per_address: PerAddress, rate: NonZeroU32, proxies: &[IpAddr]) -> Self {
        Self {
            proxies: proxies.iter().map(|ip| ip.to_canonical()).collect(),
            connections: Held::new(per_address.connections),
            streams: Held::new(per_address.streams),
            in_flight: Held::new(per_address.publishes),
            rate: rate.get(),
            publishes: RateLimiter::keyed(Quota::per_second(rate)),
            hasher: RandomState::new(),
        }
    }

    /// A place for one more connection from `peer`.
    ///
    /// # Errors
    /// [`LimitError::Connections`] when its address holds its maximum.
    pub(crate) fn open_connection(self: &Arc<Self>, peer: Peer) -> Result<Permit, LimitError> {
        self.permit(Holding::Connection, self.limited(peer))
            .ok_or(LimitError::Connections {
                max: self.connections.max,
            })
    }

    /// A place for one more stream from `client` (see [`Clients::client`]).
    ///
    /// # Errors
    /// [`LimitError::Streams`] when its address holds its maximum.
    pub(crate) fn open_stream(
        self: &Arc<Self>,
        client: Option<IpAddr>,
    ) -> Result<Permit, LimitError> {
        self.permit(Holding::Stream, client)
            .ok_or(LimitError::Streams {
                max: self.streams.max,
            })
    }

    /// A place for one more publish in flight from `client`.
    ///
    /// # Errors
    /// [`LimitError::Publishes`] when its address has its share in flight.
    pub(crate) fn start_publish(
        self: &Arc<Self>,
        client: Option<IpAddr>,
    ) -> Result<Permit, LimitError> {
        self.permit(Holding::Publish, client)
            .ok_or(LimitError::Publishes {
                max: self.in_flight.max,
            })
    }

    /// The address a request from `peer` with `headers` is limited by: the
    /// peer's, or behind a proxy the client's as the proxy reports it;
    /// `None` when not known.
    pub(crate) fn client(&self, peer: Option<Peer>, headers: &HeaderMap) -> Option<IpAddr> {
        let peer = peer?;
        if let Some(address) = self.limited(peer) {
            return Some(address);
        }
        // Each proxy appends the address it was reached from: the last one
        // that is not a proxy is the client, as the nearest proxy saw it.
        let forwarded: Vec<IpAddr> = headers
            .get_all(FORWARDED_FOR)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .map(|entry| entry.trim().parse::<IpAddr>().ok())
            .collect::<Option<Vec<IpAddr>>>()?;
        forwarded
            .into_iter()
            .rev()
            .map(|address| address.to_canonical())
            .find(|address| !self.proxies.contains(address))
            .map(client_address)
    }

    /// A place for one more of `holding` from `address`, if it has one
    /// free; always, for no address.
    fn permit(self: &Arc<Self>, holding: Holding, address: Option<IpAddr>) -> Option<Permit> {
        if let Some(address) = address
            && !self.held(holding).take(address)
        {
            return None;
        }
        Some(Permit {
            clients: Arc::clone(self),
            holding,
            address,
        })
    }

    fn held(&self, holding: Holding) -> &Held {
        match holding {
            Holding::Connection => &self.connections,
            Holding::Stream => &self.streams,
            Holding::Publish => &self.in_flight,
        }
    }

    /// Counts a publish from `client` (see [`Clients::client`]), or
    /// without one from the bearer of `verified`, a token the hub checked.
    ///
    /// # Errors
    /// [`LimitError::Rate`] when the client publishes too fast.
    pub(crate) fn publish(
        &self,
        client: Option<IpAddr>,
        verified: Option<&str>,
    ) -> Result<(), LimitError> {
        self.publish_events(client, verified, NonZeroU32::MIN)
    }

    /// Counts `events` published at once, as [`Clients::publish`] counts
    /// one: a batch costs its client what its events would one by one.
    ///
    /// # Errors
    /// [`LimitError::Rate`] when the client publishes too fast, or sends
    /// more at once than its whole allowance.
    pub(crate) fn publish_events(
        &self,
        client: Option<IpAddr>,
        verified: Option<&str>,
        events: NonZeroU32,
    ) -> Result<(), LimitError> {
        let key = match (client, verified) {
            (Some(address), _) => Key::Address(address),
            (None, Some(token)) => Key::Token(self.hasher.hash_one(token)),
            (None, None) => return Ok(()),
        };
        let refused = |retry_after| LimitError::Rate {
            rate: self.rate,
            retry_after,
        };
        match self.publishes.check_key_n(&key, events) {
            Ok(Ok(())) => Ok(()),
            Ok(Err(not_until)) => Err(refused(
                not_until.wait_time_from(DefaultClock::default().now()),
            )),
            // More than a second's worth: it could never pass as one.
            Err(_) => Err(refused(Duration::from_secs(1))),
        }
    }

    /// The address to limit a connection from `peer` by: none for a proxy.
    fn limited(&self, peer: Peer) -> Option<IpAddr> {
        let address = peer.0.ip().to_canonical();
        (!self.proxies.contains(&address)).then(|| client_address(address))
    }

    /// Every minute until `shutdown`, forgets the publishers whose buckets
    /// are full again (quiet long enough to have their whole burst back),
    /// so the table holds recent publishers only.
    pub(crate) async fn forget_idle(self: Arc<Self>, shutdown: CancellationToken) {
        let mut every = tokio::time::interval(Duration::from_secs(60));
        loop {
            tokio::select! {
                () = shutdown.cancelled() => return,
                _ = every.tick() => {
                    self.publishes.retain_recent();
                    self.publishes.shrink_to_fit();
                }
            }
        }
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        if let Some(address) = self.address {
            self.clients.held(self.holding).give_back(address);
        }
    }
}

impl Held {
    fn new(max: usize) -> Self {
        Self {
            max,
            counts: Mutex::default(),
        }
    }

    /// Counts one more for `address`, unless it holds its maximum.
    fn take(&self, address: IpAddr) -> bool {
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        let count = counts.entry(address).or_default();
        if *count >= self.max {
            return false;
        }
        *count += 1;
        true
    }

    /// Counts one fewer for `address`.
    fn give_back(&self, address: IpAddr) {
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = counts.get_mut(&address) {
            *count -= 1;
            if *count == 0 {
                counts.remove(&address);
            }
        }
    }
}

/// The address a client is limited by: an IPv4 address, or the /64 an
/// IPv6 address is in, since a host (or a site) is given a whole /64 and
/// could otherwise take a limit's worth per address it picks from it.
fn client_address(address: IpAddr) -> IpAddr {
    match address.to_canonical() {
        IpAddr::V6(v6) => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & (u128::MAX << 64))),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn an_ipv6_client_is_limited_by_its_64_and_an_ipv4_one_by_its_address() {
        assert_eq!(
            client_address(ip("2001:db8:1:2:aaaa::1")),
            ip("2001:db8:1:2::")
        );
        assert_eq!(
            client_address(ip("2001:db8:1:2:ffff:ffff:ffff:ffff")),
            client_address(ip("2001:db8:1:2::7"))
        );
        assert_ne!(client_address(ip("2001:db8:1:3::1")), ip("2001:db8:1:2::"));
        assert_eq!(client_address(ip("192.0.2.7")), ip("192.0.2.7"));
        // An IPv4 client on a dual-stack socket is still its IPv4 address.
        assert_eq!(client_address(ip("::ffff:192.0.2.7")), ip("192.0.2.7"));
    }
}
