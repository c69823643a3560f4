//! Limits per client, so no one client can take what all share: open
//! streams per IP address, and publishes per second per client (its IP,
//! or behind a proxy on this machine, its token).
//!
//! Connections from a reverse proxy (`--proxy-ip`, loopback by default)
//! are not limited by address: behind it every client has its address, so
//! one address would stand for all of them. Their publishes are limited
//! per bearer token instead, when they send one.

use std::collections::HashMap;
use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

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
    /// The address already holds its maximum of streams.
    #[error("this address already holds its maximum of {max} streams; close one first")]
    Streams {
        /// `--max-streams-per-ip`.
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

/// A publisher's bucket: its address, or the hash of its token.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Address(IpAddr),
    Token(u64),
}

/// The per-client limits and what each client holds now.
pub(crate) struct Clients {
    /// Addresses of reverse proxies, not limited by address.
    proxies: Vec<IpAddr>,
    max_streams: usize,
    streams: Mutex<HashMap<IpAddr, usize>>,
    rate: u32,
    publishes: DefaultKeyedRateLimiter<Key>,
    /// Keys tokens by a hash, so no token is kept in memory.
    hasher: RandomState,
}

/// A stream's place among its address's; freed when dropped.
pub(crate) struct StreamPermit {
    clients: Arc<Clients>,
    address: Option<IpAddr>,
}

impl Clients {
    /// Limits of `max_streams` streams per address and `rate` publishes
    /// per second (with bursts of as many) per client, but for `proxies`.
    pub(crate) fn new(max_streams: usize, rate: NonZeroU32, proxies: &[IpAddr]) -> Self {
        Self {
            proxies: proxies.iter().map(|ip| ip.to_canonical()).collect(),
            max_streams,
            streams: Mutex::default(),
            rate: rate.get(),
            publishes: RateLimiter::keyed(Quota::per_second(rate)),
            hasher: RandomState::new(),
        }
    }

    /// A place for one more stream from `peer`.
    ///
    /// # Errors
    /// [`LimitError::Streams`] when its address holds its maximum.
    pub(crate) fn open_stream(
        self: &Arc<Self>,
        peer: Option<Peer>,
    ) -> Result<StreamPermit, LimitError> {
        let address = self.limited(peer);
        if let Some(address) = address {
            let mut streams = self.streams.lock().unwrap_or_else(PoisonError::into_inner);
            let count = streams.entry(address).or_default();
            if *count >= self.max_streams {
                return Err(LimitError::Streams {
                    max: self.max_streams,
                });
            }
            *count += 1;
        }
        Ok(StreamPermit {
            clients: Arc::clone(self),
            address,
        })
    }

    /// Counts a publish from `peer` with bearer `token`.
    ///
    /// # Errors
    /// [`LimitError::Rate`] when the client publishes too fast.
    pub(crate) fn publish(
        &self,
        peer: Option<Peer>,
        token: Option<&str>,
    ) -> Result<(), LimitError> {
        let key = match (self.limited(peer), token) {
            (Some(address), _) => Key::Address(address),
            (None, Some(token)) => Key::Token(self.hasher.hash_one(token)),
            (None, None) => return Ok(()),
        };
        self.publishes
            .check_key(&key)
            .map_err(|not_until| LimitError::Rate {
                rate: self.rate,
                retry_after: not_until.wait_time_from(DefaultClock::default().now()),
            })
    }

    /// The address to limit `peer` by: none for a proxy, or when unknown.
    fn limited(&self, peer: Option<Peer>) -> Option<IpAddr> {
        let address = peer?.0.ip().to_canonical();
        (!self.proxies.contains(&address)).then_some(address)
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

impl Drop for StreamPermit {
    fn drop(&mut self) {
        let Some(address) = self.address else { return };
        let mut streams = self
            .clients
            .streams
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = streams.get_mut(&address) {
            *count -= 1;
            if *count == 0 {
                streams.remove(&address);
            }
        }
    }
}
