//! Subscriber counts over the cluster. Each node writes, every third of
//! `--redis-node-ttl-ms`, how many of its streams follow each topic (a hash
//! per node, `{prefix}:node:{id}`) and when that report expires (its score
//! in `{prefix}:nodes`, in Redis's own clock, so the nodes' clocks need not
//! agree). A topic's count is this node's own, read live, plus every other
//! node's unexpired report: a node that dies stops counting within one TTL,
//! and one that shuts down cleanly at once.

use std::sync::LazyLock;
use std::time::Duration;

use herald_wire::Topic;
use redis::Script;

use super::{Cluster, ClusterError};

/// Replaces this node's report and extends its life, dropping expired
/// nodes from the set. Keys: nodes, this node's hash. Arguments: node id,
/// TTL in ms, then topic and count pairs.
static REPORT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        local time = redis.call('TIME')
        local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
        redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
        redis.call('DEL', KEYS[2])
        for i = 3, #ARGV, 1000 do
            redis.call('HSET', KEYS[2], unpack(ARGV, i, math.min(i + 999, #ARGV)))
        end
        redis.call('PEXPIRE', KEYS[2], ARGV[2])
        return 1
        ",
    )
});

/// Sums the unexpired reports of every node but this one for each topic
/// asked. Keys: nodes. Arguments: this node's id, the hash key prefix,
/// then the topics.
static SUM: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        local time = redis.call('TIME')
        local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
        local nodes = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. now, '+inf')
        local sums = {}
        for i = 3, #ARGV do sums[i - 2] = 0 end
        for _, node in ipairs(nodes) do
            if node ~= ARGV[1] then
                for i = 3, #ARGV, 1000 do
                    local last = math.min(i + 999, #ARGV)
                    local counts = redis.call('HMGET', ARGV[2] .. node, unpack(ARGV, i, last))
                    for j = 1, #counts do
                        if counts[j] then
                            sums[i - 3 + j] = sums[i - 3 + j] + tonumber(counts[j])
                        end
                    end
                end
            end
        end
        return sums
        ",
    )
});

/// Reports this node's counts until it leaves the cluster, then withdraws
/// them.
pub(super) async fn announce(cluster: Cluster) {
    let shared = &*cluster.shared;
    let every = shared.options.node_ttl / 3;
    let mut ticker = tokio::time::interval(every);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = shared.stop.cancelled() => break,
            _ = ticker.tick() => {}
        }
        if let Err(error) = report_counts(&cluster).await {
            tracing::warn!(%error, "cannot report this node's subscriber counts");
        }
    }
    if let Err(error) = withdraw(&cluster).await {
        tracing::debug!(%error, "cannot withdraw this node's counts; they expire");
    }
}

async fn report_counts(cluster: &Cluster) -> Result<(), ClusterError> {
    let shared = &*cluster.shared;
    let mut invocation = REPORT.key(&shared.keys.nodes);
    invocation
        .key(shared.keys.node(&shared.node))
        .arg(&shared.node)
        .arg(millis(shared.options.node_ttl));
    for (topic, count) in cluster.hub().followed() {
        invocation.arg(topic.as_str()).arg(count);
    }
    let mut commands = shared.commands.clone();
    cluster
        .call(invocation.invoke_async::<i64>(&mut commands))
        .await
        .map(drop)
}

async fn withdraw(cluster: &Cluster) -> Result<(), ClusterError> {
    let shared = &*cluster.shared;
    let mut commands = shared.commands.clone();
    let mut pipe = redis::pipe();
    pipe.atomic()
        .cmd("ZREM")
        .arg(&shared.keys.nodes)
        .arg(&shared.node)
        .ignore()
        .cmd("DEL")
        .arg(shared.keys.node(&shared.node))
        .ignore();
    cluster.call(pipe.query_async::<()>(&mut commands)).await
}

/// The subscribers the other live nodes report for each of `topics`, in
/// their order.
pub(super) async fn others(cluster: &Cluster, topics: &[&Topic]) -> Result<Vec<u64>, ClusterError> {
    if topics.is_empty() {
        return Ok(Vec::new());
    }
    let shared = &*cluster.shared;
    let mut invocation = SUM.key(&shared.keys.nodes);
    invocation.arg(&shared.node).arg(shared.keys.node(""));
    for topic in topics {
        invocation.arg(topic.as_str());
    }
    let mut commands = shared.commands.clone();
    cluster.call(invocation.invoke_async(&mut commands)).await
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}
