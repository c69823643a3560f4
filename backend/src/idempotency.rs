//! Publishing once: a publish that names itself with an `Idempotency-Key`
//! is stored once however often it is retried within the window, and each
//! retry is answered with the first one's ids.
//!
//! A publisher that lost the reply to a publish cannot know whether it was
//! stored; without a key, its retry would publish the event twice. With
//! one, the hub remembers the key, a fingerprint of what was published
//! (topic and body) and the ids it got, for `--idempotency-window`: a retry
//! gets the same ids, a different publish under a used key gets 422, and a
//! retry while the first is still being stored gets 409.
//!
//! On one node the [`Ledger`] remembers, bounded by `--idempotency-keys`
//! (the oldest key is forgotten first, so a flood of keys costs a fixed
//! amount of memory, and can only make an old retry publish again). In a
//! cluster, Redis remembers, in the same script call that stores the events
//! ([`crate::cluster::Cluster::publish_named`]), so a retry sent to another
//! node is recognised too and no two nodes can both store one key.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::http::HeaderMap;
use herald_wire::protocol::IDEMPOTENCY_KEY_HEADER;
use herald_wire::{EventId, Topic};
use sha2::{Digest, Sha256};

use crate::broker::{Broker, BrokerError};
#[cfg(feature = "cluster")]
use crate::cluster::{Named, Stored};
use crate::hub::Prepared;

/// Longest key, in bytes, as the IETF draft's examples and Stripe's keys
/// fit in.
pub(crate) const MAX_KEY_BYTES: usize = 255;

/// A publisher's name for one publish: 1 to [`MAX_KEY_BYTES`] visible ASCII
/// characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct IdempotencyKey(Arc<str>);

/// Why an `Idempotency-Key` header was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the {IDEMPOTENCY_KEY_HEADER} header must be one value of 1 to {MAX_KEY_BYTES} visible ASCII characters"
)]
pub(crate) struct InvalidKey;

impl IdempotencyKey {
    /// The request's key, if it sent one.
    ///
    /// # Errors
    /// [`InvalidKey`] for a key that is empty, too long, not visible ASCII,
    /// or sent twice.
    pub(crate) fn of(headers: &HeaderMap) -> Result<Option<Self>, InvalidKey> {
        let mut values = headers.get_all(IDEMPOTENCY_KEY_HEADER).iter();
        let Some(value) = values.next() else {
            return Ok(None);
        };
        let bytes = value.as_bytes();
        let visible = bytes.iter().all(|byte| (0x21..=0x7e).contains(byte));
        if values.next().is_some() || bytes.is_empty() || bytes.len() > MAX_KEY_BYTES || !visible {
            return Err(InvalidKey);
        }
        let key = std::str::from_utf8(bytes).map_err(|_| InvalidKey)?;
        Ok(Some(Self(Arc::from(key))))
    }

    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

/// What a publish was, to tell its retry from another publish under the
/// same key: a SHA-256 of its topic and body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Fingerprint([u8; 32]);

impl Fingerprint {
    pub(crate) fn of(topic: &Topic, body: &[u8]) -> Self {
        let mut hash = Sha256::new();
        hash.update(topic.as_str().as_bytes());
        // A topic name never holds a NUL, so no topic and body run into
        // another's.
        hash.update([0]);
        hash.update(body);
        Self(hash.finalize().into())
    }

    #[cfg(feature = "cluster")]
    /// Lowercase hex, as Redis keeps it.
    pub(crate) fn hex(&self) -> String {
        self.0.iter().map(|byte| format!("{byte:02x}")).collect()
    }
}

/// One publish, named: its key and its fingerprint.
#[derive(Debug, Clone)]
pub(crate) struct Once {
    pub(crate) key: IdempotencyKey,
    pub(crate) fingerprint: Fingerprint,
}

/// Why a named publish was not stored.
#[derive(Debug, thiserror::Error)]
pub(crate) enum OnceError {
    /// The key names another publish, within the window.
    #[error(
        "this {IDEMPOTENCY_KEY_HEADER} was used for another topic or body; a key names one publish"
    )]
    Reused,
    /// The key's first publish is still being stored.
    #[error("a publish with this {IDEMPOTENCY_KEY_HEADER} is being stored; retry to get its reply")]
    InFlight,
    /// The broker refused or failed it.
    #[error(transparent)]
    Broker(#[from] BrokerError),
}

/// Stores `prepared`, in order, to their topic, once for `once` when given:
/// the ids of the events, stored now or by an earlier publish of the same
/// key.
///
/// # Errors
/// [`OnceError`]; nothing is stored then.
pub(crate) async fn publish(
    broker: &Broker,
    ledger: &Arc<Ledger>,
    prepared: Vec<Prepared>,
    once: Option<Once>,
) -> Result<Vec<EventId>, OnceError> {
    let Some(once) = once.filter(|_| !ledger.window.is_zero()) else {
        return Ok(broker.publish_all(prepared).await?);
    };
    #[cfg(feature = "cluster")]
    if let Broker::Cluster(cluster) = broker {
        let fingerprint = once.fingerprint.hex();
        let named = Named {
            key: once.key.as_str(),
            fingerprint: &fingerprint,
            window: ledger.window,
        };
        let stored = cluster
            .publish_named(prepared, named)
            .await
            .map_err(BrokerError::from)?;
        return match stored {
            Stored::Appended(ids) => Ok(ids),
            Stored::Seen {
                fingerprint: seen,
                ids,
            } if seen == fingerprint => Ok(ids),
            Stored::Seen { .. } => Err(OnceError::Reused),
        };
    }
    match ledger.begin(&once) {
        Begin::Stored(ids) => Ok(ids),
        Begin::InFlight => Err(OnceError::InFlight),
        Begin::Reused => Err(OnceError::Reused),
        Begin::Fresh(reservation) => {
            let ids = broker.publish_all(prepared).await?;
            reservation.finish(&ids);
            Ok(ids)
        }
    }
}

/// The keys this node was sent, for a hub alone: bounded in number and
/// forgotten after the window.
pub(crate) struct Ledger {
    window: Duration,
    max_keys: usize,
    entries: Mutex<Entries>,
}

#[derive(Default)]
struct Entries {
    by_key: HashMap<Arc<str>, Entry>,
    /// Keys in the order they were first sent, with when: the oldest is
    /// forgotten first. A key forgotten early (its publish failed) leaves
    /// a stale place here until it is reached or the places are compacted.
    order: VecDeque<(Instant, Arc<str>)>,
}

struct Entry {
    since: Instant,
    fingerprint: Fingerprint,
    /// `None` while the first publish is being stored.
    ids: Option<Vec<EventId>>,
}

/// What [`Ledger::begin`] found.
enum Begin {
    /// The key is new: store the events, then [`Reservation::finish`].
    Fresh(Reservation),
    /// The key's publish was stored with these ids.
    Stored(Vec<EventId>),
    /// The key's publish is being stored.
    InFlight,
    /// The key names another publish.
    Reused,
}

/// A key being stored; forgotten unless finished, so a failed publish can
/// be retried under the same key.
struct Reservation {
    ledger: Arc<Ledger>,
    key: Arc<str>,
    since: Instant,
    finished: bool,
}

impl Ledger {
    /// Remembers keys for `window` (none when zero), at most `max_keys`.
    pub(crate) fn new(window: Duration, max_keys: usize) -> Self {
        Self {
            window,
            max_keys: max_keys.max(1),
            entries: Mutex::new(Entries::default()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn begin(self: &Arc<Self>, once: &Once) -> Begin {
        let now = Instant::now();
        let mut entries = self.lock();
        entries.forget_older_than(now.checked_sub(self.window));
        if let Some(entry) = entries.by_key.get(once.key.as_str()) {
            return match &entry.ids {
                _ if entry.fingerprint != once.fingerprint => Begin::Reused,
                Some(ids) => Begin::Stored(ids.clone()),
                None => Begin::InFlight,
            };
        }
        while entries.by_key.len() >= self.max_keys {
            if !entries.forget_oldest() {
                break;
            }
        }
        entries.compact(self.max_keys);
        let key = Arc::clone(&once.key.0);
        entries.order.push_back((now, Arc::clone(&key)));
        entries.by_key.insert(
            Arc::clone(&key),
            Entry {
                since: now,
                fingerprint: once.fingerprint,
                ids: None,
            },
        );
        Begin::Fresh(Reservation {
            ledger: Arc::clone(self),
            key,
            since: now,
            finished: false,
        })
    }

    /// Keys remembered now, for tests of the bound.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.lock().by_key.len()
    }
}

/// Whether `by_key` still holds the entry `key` got at `since`: a key
/// forgotten and claimed again is another entry.
fn holds(by_key: &HashMap<Arc<str>, Entry>, key: &str, since: Instant) -> bool {
    by_key.get(key).is_some_and(|entry| entry.since == since)
}

impl Entries {
    /// Forgets the keys first sent before `cutoff` (none when the window
    /// reaches past the clock's start).
    fn forget_older_than(&mut self, cutoff: Option<Instant>) {
        let Some(cutoff) = cutoff else { return };
        while self.order.front().is_some_and(|(since, _)| *since < cutoff) {
            self.forget_oldest();
        }
    }

    /// Forgets the oldest place's key, if that place is still its; false
    /// when there is no place left.
    fn forget_oldest(&mut self) -> bool {
        let Some((since, key)) = self.order.pop_front() else {
            return false;
        };
        self.forget(&key, since);
        true
    }

    /// Forgets the entry `key` got at `since`, if it is still the key's.
    fn forget(&mut self, key: &str, since: Instant) {
        if holds(&self.by_key, key, since) {
            self.by_key.remove(key);
        }
    }

    /// Drops stale places once they outnumber the keys, so failed publishes
    /// cannot grow the order without bound.
    fn compact(&mut self, max_keys: usize) {
        if self.order.len() < max_keys.saturating_mul(2) {
            return;
        }
        let by_key = &self.by_key;
        self.order.retain(|(since, key)| holds(by_key, key, *since));
    }
}

impl Reservation {
    /// Remembers the ids the key's publish got.
    fn finish(mut self, ids: &[EventId]) {
        self.finished = true;
        let mut entries = self.ledger.lock();
        if let Some(entry) = entries.by_key.get_mut(&self.key)
            && entry.since == self.since
        {
            entry.ids = Some(ids.to_vec());
        }
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        self.ledger.lock().forget(&self.key, self.since);
    }
}

#[cfg(test)]
mod tests;
