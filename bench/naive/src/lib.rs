//! The naive baseline for Herald's benchmark: the SSE handler most axum
//! tutorials write. A `tokio::sync::broadcast` channel per topic carries
//! `herald_wire::Envelope` values, and each stream turns every event into an
//! `axum::response::sse::Event` with `json_data`, so the envelope is
//! serialised once per subscriber rather than once per publish.
//!
//! The routes, ids and frames are Herald's (the same `id:`, `event:` and
//! `data:` lines, the same envelope), so the load tool measures the same
//! work done the obvious way. Like the tutorials (a `BroadcastStream`
//! whose lag errors are filtered out), a subscriber that lags skips what
//! the channel dropped, silently; there is no history, resume or limit.
//!
//! A stream follows the one topic its `topic` parameter names.

#![warn(missing_docs)]

use std::collections::HashMap;
use std::io;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::sse::{self, KeepAlive, Sse};
use axum::routing::{get, post};
use axum::{Json, Router};
use futures_util::{Stream, StreamExt, stream};
use herald_dashboard_events::Payload;
use herald_wire::protocol::{EVENTS_PATH, TOPICS_PATH};
use herald_wire::{Envelope, Event as _, EventId, Published, Topic};
use serde::Deserialize;
use tokio::net::TcpListener;
use tokio::sync::broadcast;

/// Events each channel holds for its slowest subscriber, as in bench-raw.
const CAPACITY: usize = 1024;

/// The reconnect hint every stream starts with, as Herald's (its default
/// `--retry-ms`): the load tool takes it as the sign that the stream is
/// subscribed.
const RETRY: Duration = Duration::from_millis(2000);

/// Serves publishes and streams on `listener` until `shutdown` completes,
/// then waits for open streams to end (nothing ends them: see
/// tokio-rs/axum#2673, which Herald's streams avoid).
///
/// # Errors
/// When serving fails, as `axum::serve` reports it.
pub async fn serve(
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let app = Router::new()
        .route(&format!("{TOPICS_PATH}/{{*topic}}"), post(publish))
        .route(EVENTS_PATH, get(stream))
        .with_state(Hub::default());
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}

/// The channels and the id sequence, shared by the handlers.
#[derive(Clone)]
struct Hub {
    epoch: u64,
    /// One lock over the sequence and the sends, so every channel carries
    /// ids in order (what Herald's one sequence gives).
    state: Arc<Mutex<Channels>>,
}

#[derive(Default)]
struct Channels {
    last: u64,
    topics: HashMap<Topic, broadcast::Sender<Envelope<Payload>>>,
}

#[derive(Deserialize)]
struct StreamQuery {
    topic: String,
}

impl Default for Hub {
    fn default() -> Self {
        Self {
            epoch: now_us(),
            state: Arc::default(),
        }
    }
}

impl Hub {
    fn publish(&self, topic: Topic, payload: Payload) -> EventId {
        // Nothing panics while the lock is held, so a poisoned lock still
        // holds consistent state.
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.last += 1;
        let id = EventId::new(self.epoch, state.last);
        let event = Envelope {
            id,
            topic,
            time_us: now_us(),
            event: payload,
        };
        if let Some(sender) = state.topics.get(&event.topic) {
            let topic = event.topic.clone();
            if sender.send(event).is_err() {
                state.topics.remove(&topic);
            }
        }
        id
    }

    fn subscribe(&self, topic: Topic) -> broadcast::Receiver<Envelope<Payload>> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state
            .topics
            .entry(topic)
            .or_insert_with(|| broadcast::channel(CAPACITY).0)
            .subscribe()
    }
}

async fn publish(
    State(hub): State<Hub>,
    Path(topic): Path<String>,
    Json(payload): Json<Payload>,
) -> Result<(StatusCode, Json<Published>), StatusCode> {
    let topic = Topic::parse(topic).map_err(|_| StatusCode::BAD_REQUEST)?;
    let id = hub.publish(topic.clone(), payload);
    Ok((StatusCode::ACCEPTED, Json(Published { id, topic })))
}

async fn stream(
    State(hub): State<Hub>,
    Query(query): Query<StreamQuery>,
) -> Result<Sse<impl Stream<Item = Result<sse::Event, axum::Error>>>, StatusCode> {
    let topic = Topic::parse(query.topic).map_err(|_| StatusCode::BAD_REQUEST)?;
    let receiver = hub.subscribe(topic);
    let events = stream::unfold(receiver, |mut receiver| async move {
        loop {
            match receiver.recv().await {
                Ok(event) => return Some((frame(&event), receiver)),
                Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    });
    let retry = stream::once(async { Ok(sse::Event::default().retry(RETRY)) });
    Ok(Sse::new(retry.chain(events)).keep_alive(KeepAlive::default()))
}

/// The per-subscriber work Herald does once per publish.
fn frame(event: &Envelope<Payload>) -> Result<sse::Event, axum::Error> {
    sse::Event::default()
        .id(event.id.to_string())
        .event(event.event.kind().as_str())
        .json_data(event)
}

fn now_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| u64::try_from(since.as_micros()).unwrap_or(0))
}
