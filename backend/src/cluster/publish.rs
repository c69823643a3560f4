//! Publishing through the cluster: one script call stores a publish's
//! events in order, and, for a publish named by an `Idempotency-Key`,
//! remembers the key with them, so a retry on any node finds it.

use std::sync::LazyLock;
use std::time::Duration;

use herald_wire::EventId;
use redis::Script;

use super::{Cluster, ClusterError, sequence_of};
use crate::hub::Prepared;

/// Appends events to the stream if Redis still holds the node's epoch;
/// Redis numbers each `0-N`, the entry after the newest, so a publish's
/// events are consecutive and in order. Each entry names its run (`r`), so
/// a node still on an older run never takes it in as one of its own. Then
/// the oldest entries go while the stream holds more than its entries or
/// its bytes (the sum of its values, kept in a counter beside it) allow, a
/// few per publish, the new ones never: trimmed here, not by `XADD`'s
/// `MAXLEN`, so the counter counts every entry that goes.
///
/// With a fourth key, the publish is named: if the key is set, nothing is
/// appended and its value (the fingerprint, then the ids) is returned as
/// `seen`; else it is set to that value, expiring after the window.
///
/// Keys: epoch, events, bytes, and the name. Arguments: epoch, max
/// entries, topic, max bytes, window in milliseconds, fingerprint, then a
/// kind and an envelope per event. Returns `new` and the ids, or `seen`
/// and the name's value.
static PUBLISH: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        if redis.call('GET', KEYS[1]) ~= ARGV[1] then
            return redis.error_reply('HERALD_EPOCH ' .. tostring(redis.call('GET', KEYS[1])))
        end
        if KEYS[4] then
            local seen = redis.call('GET', KEYS[4])
            if seen then
                return {'seen', seen}
            end
        end
        local ids, added = {}, 0
        for i = 7, #ARGV, 2 do
            local id = redis.call('XADD', KEYS[2], '0-*',
                't', ARGV[3], 'k', ARGV[i], 'e', ARGV[i + 1], 'r', ARGV[1])
            table.insert(ids, id)
            added = added + #ARGV[3] + #ARGV[i] + #ARGV[i + 1] + #ARGV[1]
        end
        local first = ids[1]
        local total = redis.call('INCRBY', KEYS[3], added)
        local count = redis.call('XLEN', KEYS[2])
        local max_count, max_bytes = tonumber(ARGV[2]), tonumber(ARGV[4])
        local doomed, freed, start = {}, 0, '-'
        local function over()
            return total - freed > max_bytes or count - #doomed > max_count
        end
        while over() and #doomed < 64 do
            local moved = false
            for _, entry in ipairs(redis.call('XRANGE', KEYS[2], start, '+', 'COUNT', 4)) do
                if entry[1] == first or not over() then
                    break
                end
                local fields = entry[2]
                for i = 2, #fields, 2 do
                    freed = freed + #fields[i]
                end
                table.insert(doomed, entry[1])
                start = '(' .. entry[1]
                moved = true
            end
            if not moved then
                break
            end
        end
        if #doomed > 0 then
            redis.call('XDEL', KEYS[2], unpack(doomed))
            redis.call('DECRBY', KEYS[3], freed)
        end
        if KEYS[4] then
            redis.call('SET', KEYS[4], ARGV[6] .. ' ' .. table.concat(ids, ' '), 'PX', ARGV[5])
        end
        table.insert(ids, 1, 'new')
        return ids
        ",
    )
});

/// A publish's name, as Redis keeps it: the publisher's key, the
/// fingerprint of what it names (hex), and how long it is kept.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Named<'a> {
    pub(crate) key: &'a str,
    pub(crate) fingerprint: &'a str,
    pub(crate) window: Duration,
}

/// What a publish through the cluster stored.
#[derive(Debug)]
pub(crate) enum Stored {
    /// Its events, with these ids, in order.
    Appended(Vec<EventId>),
    /// Nothing: its name was used, for the publish of this fingerprint
    /// (hex) that got these ids.
    Seen {
        fingerprint: String,
        ids: Vec<EventId>,
    },
}

impl Cluster {
    /// Publishes `prepared`, events encoded and checked by this node, in
    /// order through Redis, and returns their ids once Redis stored them;
    /// see [`Cluster::publish_named`].
    ///
    /// # Errors
    /// Why Redis did not store them; nothing is published then.
    pub(crate) async fn publish_all(
        &self,
        prepared: Vec<Prepared>,
    ) -> Result<Vec<EventId>, ClusterError> {
        match self.store(prepared, None).await? {
            Stored::Appended(ids) => Ok(ids),
            Stored::Seen { .. } => Err(ClusterError::Unexpected(
                "the publish script found a name for an unnamed publish".to_owned(),
            )),
        }
    }

    /// Publishes `prepared` as [`Cluster::publish_all`] does, once for
    /// `named` within its window: a name Redis holds stores nothing and
    /// says what it was stored for.
    ///
    /// # Errors
    /// Why Redis did not store them; nothing is published then.
    pub(crate) async fn publish_named(
        &self,
        prepared: Vec<Prepared>,
        named: Named<'_>,
    ) -> Result<Stored, ClusterError> {
        self.store(prepared, Some(named)).await
    }

    /// Stores `prepared` in one script call, named or not, and waits, up to
    /// the Redis timeout, until this node has taken the events in too, so
    /// the publisher reads its own write from the same node.
    async fn store(
        &self,
        prepared: Vec<Prepared>,
        named: Option<Named<'_>>,
    ) -> Result<Stored, ClusterError> {
        let shared = &*self.shared;
        let epoch = self.hub().epoch();
        let Some(topic) = prepared.first().map(|first| first.topic.clone()) else {
            return Ok(Stored::Appended(Vec::new()));
        };
        // Read before the append: Redis numbers it after everything it
        // numbered before, this node's events included, unless it lost them.
        let ours = *shared.applied.borrow();
        let mut call = PUBLISH.prepare_invoke();
        call.key(&shared.keys.epoch)
            .key(&shared.keys.events)
            .key(&shared.keys.bytes)
            .arg(epoch)
            .arg(shared.options.max_events)
            .arg(topic.as_str())
            .arg(shared.options.max_bytes);
        match named {
            Some(named) => {
                let name = format!("{}:once:{epoch}:{}", shared.keys.prefix, named.key);
                let window = u64::try_from(named.window.as_millis())
                    .unwrap_or(u64::MAX)
                    .max(1);
                call.key(name).arg(window).arg(named.fingerprint);
            }
            None => {
                call.arg(0).arg("");
            }
        }
        for event in &prepared {
            call.arg(event.kind().as_str()).arg(&event.envelope);
        }
        let mut commands = shared.commands.clone();
        let reply: Result<Vec<String>, ClusterError> =
            self.call(call.invoke_async(&mut commands)).await;
        let reply = match reply {
            Ok(reply) => reply,
            Err(ClusterError::Redis { source, .. }) if source.code() == Some("HERALD_EPOCH") => {
                let found = source.detail().unwrap_or_default().to_owned();
                let error = ClusterError::EpochChanged { ours: epoch, found };
                return Err(self.move_on(epoch, error).await);
            }
            Err(error) => return Err(error),
        };
        let unexpected =
            || ClusterError::Unexpected(format!("the publish script returned {reply:?}"));
        let (status, rest) = reply.split_first().ok_or_else(unexpected)?;
        if status == "seen" {
            let value = rest.first().ok_or_else(unexpected)?;
            let mut words = value.split(' ');
            let fingerprint = words.next().unwrap_or_default().to_owned();
            let sequences: Option<Vec<u64>> = words.map(sequence_of).collect();
            let ids = sequences.ok_or_else(unexpected)?;
            return Ok(Stored::Seen {
                fingerprint,
                ids: ids.into_iter().map(|n| EventId::new(epoch, n)).collect(),
            });
        }
        let sequences: Option<Vec<u64>> = rest.iter().map(|id| sequence_of(id)).collect();
        let sequences = sequences
            .filter(|sequences| sequences.len() == prepared.len())
            .ok_or_else(unexpected)?;
        let (Some(&first), Some(&newest)) = (sequences.first(), sequences.last()) else {
            return Err(unexpected());
        };
        if first <= ours {
            let error = ClusterError::RolledBack {
                newest: first,
                ours,
            };
            return Err(self.move_on(epoch, error).await);
        }
        let mut applied = shared.applied.subscribe();
        let taken_in = applied.wait_for(|applied| *applied >= newest);
        if tokio::time::timeout(shared.options.timeout, taken_in)
            .await
            .is_err()
        {
            tracing::debug!(newest, "stored, not yet taken in by this node");
        }
        Ok(Stored::Appended(
            sequences
                .into_iter()
                .map(|n| EventId::new(epoch, n))
                .collect(),
        ))
    }
}
