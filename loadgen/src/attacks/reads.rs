//! The attacks that make the hub read wide: a pattern stream over
//! thousands of topics resumed from an old `Last-Event-ID`, and
//! `GET /api/history?topic=*` over every topic, each asked again as soon
//! as it is read. Neither may grow the hub; what they cost it in time
//! shows in the legitimate client's latency.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use futures_util::StreamExt;
use herald_wire::protocol::{LAST_EVENT_ID_HEADER, history_path, publish_path, stream_path};
use herald_wire::{EventId, Published, TopicPattern};

use super::{Arena, Counter, Sent, chat, event_stream, send};
use crate::probe;

/// Topics a resumed pattern stream spans.
const RESUME_TOPICS: usize = 5_000;

/// Resumed streams open at once.
pub(super) const RESUMERS: usize = 1;

/// How long a resumed stream may be quiet before its replay counts as
/// done and it is opened again.
const RESUME_QUIET: Duration = Duration::from_millis(500);

/// `GET /api/history?topic=*` requests at once.
pub(super) const HISTORY_READERS: usize = 2;

/// Events per topic a history request asks for (the hub's default).
const HISTORY_LIMIT: usize = 100;

/// Opens `<prefix>/resume/*` from the oldest event on its topics, reads
/// the replay until it is done or quiet for [`RESUME_QUIET`], and again.
pub(super) async fn resumer(arena: Arc<Arena>, counter: Arc<Counter>) {
    let path = stream_path([format!("{}/resume/*", arena.prefix)], None);
    let from = arena.resume_from.to_string();
    loop {
        let request = arena.stream(&path).header(LAST_EVENT_ID_HEADER, &from);
        let response = match send(&arena.stop, &counter, request).await {
            Sent::Accepted(response) => response,
            Sent::Refused => continue,
            Sent::Failed => {
                arena.pause().await;
                continue;
            }
            Sent::Stopped => return,
        };
        let mut events = event_stream(response);
        for _ in 0..RESUME_TOPICS {
            let next = arena.until_stopped(tokio::time::timeout(RESUME_QUIET, events.next()));
            match next.await {
                None => return,
                Some(Ok(Some(Ok(event)))) => counter.saw(&event),
                Some(_) => break,
            }
        }
    }
}

/// `GET /api/history?topic=*`, its body read and counted, again and again.
pub(super) async fn history(arena: Arc<Arena>, counter: Arc<Counter>) {
    let url = arena.url(&history_path([TopicPattern::All], HISTORY_LIMIT));
    loop {
        let response = match send(&arena.stop, &counter, arena.requests.get(&url)).await {
            Sent::Accepted(response) => response,
            Sent::Refused => continue,
            Sent::Failed => {
                arena.pause().await;
                continue;
            }
            Sent::Stopped => return,
        };
        let mut body = response.bytes_stream();
        while let Some(chunk) = arena.until_stopped(body.next()).await {
            match chunk {
                Some(Ok(chunk)) => counter.bytes(chunk.len()),
                Some(Err(_)) => {
                    counter.failed();
                    break;
                }
                None => break,
            }
        }
    }
}

/// Publishes one event to each of the [`RESUME_TOPICS`] topics under
/// `<prefix>/resume/` and returns the oldest one's id.
pub(super) async fn seed(
    client: &reqwest::Client,
    base: &str,
    prefix: &str,
) -> anyhow::Result<EventId> {
    let chat = chat();
    let ids: Vec<anyhow::Result<EventId>> = futures_util::stream::iter(0..RESUME_TOPICS)
        .map(|n| {
            let url = format!("{base}{}", publish_path(&format!("{prefix}/resume/{n}")));
            let request = client.post(url).json(&chat);
            async move {
                let response = request.send().await?.error_for_status()?;
                anyhow::Ok(response.json::<Published>().await?.id)
            }
        })
        .buffer_unordered(probe::PUBLISHERS)
        .collect()
        .await;
    let ids = ids.into_iter().collect::<anyhow::Result<Vec<_>>>()?;
    ids.into_iter().min().context("no topic to resume over")
}
