//! The attacks on the hub's table of topics: streams that name fresh
//! topics under a pattern another stream follows, and publishes to topics
//! never used before while a stream follows every topic. Neither may make
//! the hub keep a topic past its bounds: a topic no stream names and with
//! no history is forgotten, and past `--max-topics` a new topic takes the
//! place of an old one.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures_util::StreamExt;
use herald_wire::protocol::{publish_path, stream_path, topics_path};
use herald_wire::{TopicList, TopicPattern};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::{Arena, Counter, Sent, chat, event_stream, send};

/// Streams naming fresh topics open at once.
pub(super) const PIN_OPENERS: usize = 8;

/// Topics each of those streams names: the hub's default
/// `--max-topics-per-stream`.
const PIN_TOPICS: u64 = 64;

/// How long a stream may take to send the position it opens with.
const FIRST_EVENT: Duration = Duration::from_secs(10);

/// Connections publishing to new topics, each as fast as the hub answers.
pub(super) const NEW_TOPIC_PUBLISHERS: usize = 32;

/// The most topic names one check of the pinned topics reads: the hub's
/// largest page.
const LIST_LIMIT: usize = 10_000;

/// How often the topics under the pins' prefix are listed while they run.
const LIST_EVERY: Duration = Duration::from_secs(1);

/// How long the hub may take to forget the pinned topics once their
/// streams closed.
const FORGET_WITHIN: Duration = Duration::from_secs(10);

/// Follows `<prefix>/pins/*` while [`PIN_OPENERS`] open streams naming
/// fresh topics under it, read their opening position and close them; the
/// topics under the prefix are listed every [`LIST_EVERY`] meanwhile, and
/// once more when they stop, with the pattern still followed.
pub(super) async fn pins(arena: Arc<Arena>, counter: Arc<Counter>) {
    let pattern = format!("{}/pins/*", arena.prefix);
    let watching = CancellationToken::new();
    let watcher = tokio::spawn({
        let (arena, counter, watching) = (arena.clone(), counter.clone(), watching.clone());
        let path = stream_path([&pattern], None);
        async move { follow(&arena, &counter, &path, &watching).await }
    });
    let next = Arc::new(AtomicU64::new(0));
    let mut openers = JoinSet::new();
    for _ in 0..PIN_OPENERS {
        let (arena, counter, next) = (arena.clone(), counter.clone(), next.clone());
        openers.spawn(async move { pin(&arena, &counter, &next).await });
    }
    let mut ticker = tokio::time::interval(LIST_EVERY);
    while arena.until_stopped(ticker.tick()).await.is_some() {
        if let Some(listed) = listed(&arena, &pattern).await {
            counter.listed(listed);
        }
    }
    while openers.join_next().await.is_some() {}
    // The hub tells no one when it forgets a topic: its list is asked
    // again until it is empty, the pattern still followed.
    let deadline = tokio::time::Instant::now() + FORGET_WITHIN;
    let mut left = listed(&arena, &pattern).await;
    while left.is_some_and(|left| left > 0) && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
        left = listed(&arena, &pattern).await;
    }
    if let Some(left) = left {
        counter.listed_after(left);
    }
    watching.cancel();
    let _ = watcher.await;
}

/// One stream naming fresh topics after another.
async fn pin(arena: &Arena, counter: &Counter, next: &AtomicU64) {
    loop {
        let first = next.fetch_add(PIN_TOPICS, Ordering::Relaxed);
        let topics = (first..first + PIN_TOPICS).map(|n| format!("{}/pins/{n}", arena.prefix));
        let response = match send(
            &arena.stop,
            counter,
            arena.stream(&stream_path(topics, None)),
        )
        .await
        {
            Sent::Accepted(response) => response,
            Sent::Refused => continue,
            Sent::Failed => {
                arena.pause().await;
                continue;
            }
            Sent::Stopped => return,
        };
        // The position it opens with: the hub holds its topics now.
        let mut events = event_stream(response);
        let opened = arena.until_stopped(tokio::time::timeout(FIRST_EVENT, events.next()));
        match opened.await {
            None => return,
            Some(Ok(Some(Ok(event)))) => counter.saw(&event),
            Some(_) => counter.failed(),
        }
    }
}

/// How many topics the hub lists under `pattern`, at most [`LIST_LIMIT`];
/// `None` when it does not answer with a list.
async fn listed(arena: &Arena, pattern: &str) -> Option<u64> {
    let path = topics_path([pattern], None, LIST_LIMIT);
    let response = arena.requests.get(arena.url(&path)).send().await.ok()?;
    let list: TopicList = response.error_for_status().ok()?.json().await.ok()?;
    u64::try_from(list.topics.len()).ok()
}

/// Follows `path` until `until`, opening it again when it ends, counting
/// its events.
async fn follow(arena: &Arena, counter: &Counter, path: &str, until: &CancellationToken) {
    while !until.is_cancelled() {
        let response = match send(until, counter, arena.stream(path)).await {
            Sent::Accepted(response) => response,
            Sent::Refused | Sent::Failed => {
                arena.pause().await;
                continue;
            }
            Sent::Stopped => return,
        };
        let mut events = event_stream(response);
        loop {
            let next = tokio::select! {
                biased;
                () = until.cancelled() => return,
                next = events.next() => next,
            };
            let Some(Ok(event)) = next else { break };
            counter.saw(&event);
        }
    }
}

/// Follows every topic while [`NEW_TOPIC_PUBLISHERS`] publish, each event
/// to a topic never used before.
pub(super) async fn new_topics(arena: Arc<Arena>, counter: Arc<Counter>) {
    let next = Arc::new(AtomicU64::new(0));
    let mut attackers = JoinSet::new();
    attackers.spawn({
        let (arena, counter) = (arena.clone(), counter.clone());
        let path = stream_path([TopicPattern::All], None);
        async move { follow(&arena, &counter, &path, &arena.stop).await }
    });
    for _ in 0..NEW_TOPIC_PUBLISHERS {
        let (arena, counter, next) = (arena.clone(), counter.clone(), next.clone());
        attackers.spawn(async move {
            let chat = chat();
            loop {
                let topic = format!(
                    "{}/new/{}",
                    arena.prefix,
                    next.fetch_add(1, Ordering::Relaxed)
                );
                let request = arena
                    .requests
                    .post(arena.url(&publish_path(&topic)))
                    .json(&chat);
                match send(&arena.stop, &counter, request).await {
                    Sent::Accepted(response) => {
                        let _ = response.bytes().await;
                    }
                    Sent::Refused => {}
                    Sent::Failed => arena.pause().await,
                    Sent::Stopped => return,
                }
            }
        });
    }
    while attackers.join_next().await.is_some() {}
}
