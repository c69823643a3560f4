//! The practical limit for Herald's benchmark: the same stream shape as the
//! hub (`POST` a payload to a topic, `GET` an SSE stream of its events, each
//! frame byte for byte as Herald writes it) on tokio, hyper's HTTP/1.1
//! server and one `tokio::sync::broadcast` channel per topic, and nothing
//! else.
//!
//! It keeps what makes fan-out cheap (every event is encoded and framed
//! once, and each subscriber is sent a clone of the same `Bytes`) and leaves
//! out everything Herald adds on top: no history or resume, no gap events
//! (a subscriber that lags behind the channel's capacity is disconnected),
//! no keep-alive comments, limits, tokens or logging. What Herald costs
//! beyond this server is the price of those guarantees.
//!
//! A stream follows one topic, named unencoded in its first `topic`
//! parameter: that is what the load tool opens.

#![warn(missing_docs)]

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use futures_util::{StreamExt, stream};
use herald_dashboard_events::Payload;
use herald_wire::protocol::{EVENTS_PATH, TOPIC_PARAM, TOPICS_PATH};
use herald_wire::{Envelope, Event as _, EventId, Published, Topic};
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::header::{CACHE_CONTROL, CONTENT_TYPE, HeaderValue};
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::broadcast;

/// Frames each channel holds for its slowest subscriber.
const CAPACITY: usize = 1024;

/// The first bytes of every stream, as Herald sends them (its default
/// `--retry-ms`): the load tool takes them as the sign that the stream is
/// subscribed.
const RETRY: &[u8] = b"retry: 2000\n\n";

type Body = UnsyncBoxBody<Bytes, Infallible>;

/// Serves publishes and streams on `listener` until `shutdown` completes.
/// Open connections are not waited for: they end with the runtime. A
/// failed accept (out of file descriptors) is retried after a pause.
pub async fn serve(listener: TcpListener, shutdown: impl Future<Output = ()>) {
    let hub = Arc::new(Hub::new());
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => return,
        };
        let Ok((socket, _)) = accepted else {
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        let hub = hub.clone();
        tokio::spawn(async move {
            let service = service_fn(move |request| respond(hub.clone(), request));
            // A connection's failure (a client gone) concerns it alone.
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(socket), service)
                .await;
        });
    }
}

/// The channels and the id sequence.
struct Hub {
    /// This run, as the epoch of its ids (Herald takes the same).
    epoch: u64,
    /// One lock over the sequence and the sends: an id is taken and its
    /// frame sent under it, so every channel carries ids in order. That
    /// order is what Herald's sequence exists to give (one `Last-Event-ID`
    /// resumes a stream over any topics); an atomic counter alone would
    /// let two publishers send in the other order than they were numbered.
    state: Mutex<State>,
}

struct State {
    last: u64,
    topics: HashMap<Topic, broadcast::Sender<Bytes>>,
}

impl Hub {
    fn new() -> Self {
        Self {
            epoch: now_us(),
            state: Mutex::new(State {
                last: 0,
                topics: HashMap::new(),
            }),
        }
    }

    /// Numbers, frames and sends `payload`; a topic nobody follows keeps
    /// no channel.
    fn publish(&self, topic: Topic, payload: Payload) -> EventId {
        // Nothing panics while the lock is held, so a poisoned lock still
        // holds consistent state.
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.last += 1;
        let id = EventId::new(self.epoch, state.last);
        let name = payload.kind().clone();
        let event = Envelope {
            id,
            topic,
            time_us: now_us(),
            event: payload,
        };
        // Compact JSON escapes line breaks in strings, so the data is one
        // line; encoding under the lock is the price of the simplest order.
        let Ok(data) = serde_json::to_string(&event) else {
            return id;
        };
        let frame = Bytes::from(format!("id: {id}\nevent: {name}\ndata: {data}\n\n"));
        if let Some(sender) = state.topics.get(&event.topic)
            && sender.send(frame).is_err()
        {
            state.topics.remove(&event.topic);
        }
        id
    }

    fn subscribe(&self, topic: Topic) -> broadcast::Receiver<Bytes> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state
            .topics
            .entry(topic)
            .or_insert_with(|| broadcast::channel(CAPACITY).0)
            .subscribe()
    }
}

async fn respond(hub: Arc<Hub>, request: Request<Incoming>) -> Result<Response<Body>, Infallible> {
    let path = request.uri().path();
    let publish_topic = path
        .strip_prefix(TOPICS_PATH)
        .and_then(|rest| rest.strip_prefix('/'));
    Ok(match (request.method(), publish_topic) {
        (&Method::POST, Some(topic)) => match Topic::parse(topic) {
            Ok(topic) => publish(&hub, topic, request.into_body()).await,
            Err(_) => status(StatusCode::BAD_REQUEST),
        },
        (&Method::GET, None) if path == EVENTS_PATH => {
            match request.uri().query().and_then(topic_param) {
                Some(topic) => stream(hub.subscribe(topic)),
                None => status(StatusCode::BAD_REQUEST),
            }
        }
        _ => status(StatusCode::NOT_FOUND),
    })
}

/// Answers 202 with Herald's reply body, as Herald does.
async fn publish(hub: &Hub, topic: Topic, body: Incoming) -> Response<Body> {
    let Ok(body) = body.collect().await else {
        return status(StatusCode::BAD_REQUEST);
    };
    let body = body.to_bytes();
    let Some(payload) = std::str::from_utf8(&body)
        .ok()
        .and_then(|text| Payload::from_json(text).ok())
    else {
        return status(StatusCode::UNPROCESSABLE_ENTITY);
    };
    let id = hub.publish(topic.clone(), payload);
    let reply = serde_json::to_vec(&Published { id, topic }).unwrap_or_default();
    let mut response = Response::new(Full::from(reply).boxed_unsync());
    *response.status_mut() = StatusCode::ACCEPTED;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// The retry hint, then the channel's frames until the subscriber lags
/// (or the channel closes).
fn stream(receiver: broadcast::Receiver<Bytes>) -> Response<Body> {
    let frames = stream::unfold(receiver, |mut receiver| async move {
        let frame = receiver.recv().await.ok()?;
        Some((frame, receiver))
    });
    let body = stream::once(async { Bytes::from_static(RETRY) })
        .chain(frames)
        .map(|bytes| Ok(Frame::data(bytes)));
    let mut response = Response::new(StreamBody::new(body).boxed_unsync());
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("text/event-stream"));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

/// The first `topic` parameter, taken as a topic name as it is.
fn topic_param(query: &str) -> Option<Topic> {
    query
        .split('&')
        .find_map(|pair| pair.strip_prefix(TOPIC_PARAM)?.strip_prefix('='))
        .and_then(|name| Topic::parse(name).ok())
}

fn status(status: StatusCode) -> Response<Body> {
    let mut response = Response::new(Full::new(Bytes::new()).boxed_unsync());
    *response.status_mut() = status;
    response
}

fn now_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| {
            u64::try_from(since.as_micros()).unwrap_or(u64::MAX)
        })
}
