//! `GET /api/events`: one SSE stream over one or many topics.
//!
//! The body is the hub's pre-framed bytes streamed as they are, rather than
//! axum's `Sse` and `Event` builder, which would copy every event into a
//! fresh buffer per subscriber; the headers `Sse` would set are set here.

use std::collections::BTreeSet;
use std::convert::Infallible;
use std::future::Future;
use std::hash::{BuildHasher, RandomState};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime};

use axum::Extension;
use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures_util::Stream;
use herald_wire::protocol::{LAST_EVENT_ID_HEADER, LAST_EVENT_ID_PARAM, TOKEN_PARAM};
use herald_wire::{EventId, TopicPattern};
use tokio::time::{Instant, Interval, MissedTickBehavior, Sleep};
use tokio_util::sync::{CancellationToken, WaitForCancellationFutureOwned};

use crate::auth;
use crate::clients::{Peer, Permit};
use crate::error::ApiError;
use crate::hub::{Framed, Subscription};
use crate::routes::query::TopicQuery;
use crate::sse;
use crate::state::AppState;

mod ends;

use ends::Ends;
use herald_wire::protocol::{GAP_EVENT, POSITION_EVENT};
use herald_wire::{Envelope, ErrorCode, Gap};
use schemars::json_schema;

/// What a stream request asks for.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct StreamRequest {
    /// Topics and patterns to follow.
    pub(crate) topics: BTreeSet<TopicPattern>,
    /// Resume position from `Last-Event-ID` or, failing that, `lastEventId`.
    pub(crate) after: Option<EventId>,
    /// The `token` parameter, for private topics.
    pub(crate) token: Option<String>,
}

/// Streams the events of the `topic` query parameters as SSE.
///
/// # Errors
/// 400 for a missing or invalid topic, an invalid resume id or an unknown
/// parameter; 429 when the client's address holds `--max-streams-per-ip`
/// streams; 401 or 403 for private topics without a token that may read
/// them; 503 when the hub serves its maximum of streams. All are decided
/// before the stream starts. A stream read with a token ends when the
/// token expires, and any stream at `--max-stream-age`; the browser
/// reconnects (with a fresh token) and resumes.
pub(crate) async fn stream(
    State(state): State<AppState>,
    peer: Option<Extension<Peer>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let permit = state.clients.open_stream(
        state
            .clients
            .client(peer.map(|Extension(peer)| peer), &headers),
    )?;
    let request = StreamRequest::parse(
        query.as_deref().unwrap_or_default(),
        &headers,
        state.config.max_topics_per_stream,
    )?;
    let token = auth::read_token(&headers, request.token.as_deref());
    let access = state.auth.reader(token).read(&request.topics)?;
    let subscription = state
        .broker
        .hub()
        .subscribe(request.topics, request.after)?;
    tracing::debug!(topics = ?subscription.patterns(), after = ?request.after, "stream opened");
    // A token of the stream's own: each wait on it locks only its own
    // waiter list, where every stream waiting on the server's one token
    // would lock that token's list on every delivery. Cancelling the
    // server's token cancels it.
    let until = match (access.until, state.config.max_stream_age().and_then(end_of)) {
        (Some(expiry), Some(age)) => Some(expiry.min(age)),
        (expiry, age) => expiry.or(age),
    };
    let opening = sse::opening(state.config.retry_ms, subscription.position());
    let expiry = until.map(|until| Expiry::at(until, Arc::clone(&state.meters.streams_expired)));
    let body = body(
        subscription,
        opening,
        state.config.keepalive(),
        state.shutdown.child_token(),
        expiry,
        permit,
    );
    let headers = [
        (
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/event-stream"),
        ),
        (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        (
            header::HeaderName::from_static("x-accel-buffering"),
            HeaderValue::from_static("no"),
        ),
    ];
    Ok((headers, body).into_response())
}

/// When a stream opened now ends at the latest, `age` from now less up to
/// a tenth of it, drawn per stream: streams opened together (after a
/// restart, say) then reconnect spread out rather than all at once. `None`
/// past what the clock can hold.
fn end_of(age: Duration) -> Option<SystemTime> {
    let spread = u64::try_from((age / 10).as_nanos()).unwrap_or(u64::MAX);
    let draw = RandomState::new().hash_one(SystemTime::now());
    let early = Duration::from_nanos(draw % spread.max(1));
    SystemTime::now().checked_add(age.saturating_sub(early))
}

impl StreamRequest {
    /// Parses the query string and the `Last-Event-ID` header.
    ///
    /// The header wins over the `lastEventId` parameter: a browser
    /// reconnecting by itself keeps the URL it started with (and so a stale
    /// parameter) but sends its newest id in the header.
    ///
    /// # Errors
    /// [`ApiError`] naming the parameter or header at fault.
    pub(crate) fn parse(
        query: &str,
        headers: &HeaderMap,
        max_topics: usize,
    ) -> Result<Self, ApiError> {
        let query = TopicQuery::parse(query, &[LAST_EVENT_ID_PARAM, TOKEN_PARAM], max_topics)?;
        let query_after = query
            .value(LAST_EVENT_ID_PARAM)
            .map(|text| parse_id(LAST_EVENT_ID_PARAM, text))
            .transpose()?;
        let header_after = match headers.get(LAST_EVENT_ID_HEADER) {
            None => None,
            Some(value) => {
                let text = value.to_str().map_err(|_| ApiError::InvalidQuery {
                    field: LAST_EVENT_ID_HEADER.to_owned(),
                    message: format!("{LAST_EVENT_ID_HEADER} is not visible ASCII"),
                })?;
                // Browsers send no header before the first id; an empty one means the same.
                if text.is_empty() {
                    None
                } else {
                    Some(parse_id(LAST_EVENT_ID_HEADER, text)?)
                }
            }
        };
        Ok(Self {
            after: header_after.or(query_after),
            token: query.value(TOKEN_PARAM).map(str::to_owned),
            topics: query.topics,
        })
    }
}

fn parse_id(field: &'static str, text: &str) -> Result<EventId, ApiError> {
    EventId::parse(text).map_err(|source| ApiError::InvalidLastEventId { field, source })
}

/// State of one open stream, and the stream of its body's chunks; its size
/// is most of a stream's memory cost.
///
/// Written by hand rather than as a `select!` in a loop, which would make
/// each of its waits anew for every chunk: the waits here are made once
/// and kept, and the ends are polled only when one of them woke the task.
struct Streaming {
    /// The `retry:` hint and the stream's position, sent first.
    prelude: Option<Bytes>,
    subscription: Subscription,
    /// When the ends below are looked at.
    ends: Ends,
    keepalive: Interval,
    /// The stream's own child of the server's token: polling it locks only
    /// its own waiter list.
    shutdown: Pin<Box<WaitForCancellationFutureOwned>>,
    /// When the token it was opened with expires, or it reaches its
    /// maximum age; boxed, so a stream without one pays a pointer.
    expiry: Option<Box<Expiry>>,
    /// Its place among its client's streams.
    _permit: Permit,
}

/// When a stream ends by itself, and where that is counted.
struct Expiry {
    sleep: Pin<Box<Sleep>>,
    /// [`crate::prometheus::Meters::streams_expired`].
    expired: Arc<AtomicU64>,
}

impl Expiry {
    /// An end at `until` (now, if that has passed), counted in `expired`.
    fn at(until: SystemTime, expired: Arc<AtomicU64>) -> Box<Self> {
        let left = until
            .duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO);
        Box::new(Self {
            sleep: Box::pin(tokio::time::sleep(left)),
            expired,
        })
    }
}

/// The response body: the `retry:` hint and the position, then deliveries and keep-alive
/// comments until the client goes away, the server shuts down or `until`
/// (the token's expiry) passes.
fn body(
    subscription: Subscription,
    prelude: Bytes,
    interval: Duration,
    shutdown: CancellationToken,
    expiry: Option<Box<Expiry>>,
    permit: Permit,
) -> Body {
    let mut keepalive = tokio::time::interval_at(Instant::now() + interval, interval);
    keepalive.set_missed_tick_behavior(MissedTickBehavior::Delay);
    Body::from_stream(Streaming {
        prelude: Some(prelude),
        subscription,
        ends: Ends::default(),
        keepalive,
        shutdown: Box::pin(shutdown.cancelled_owned()),
        expiry,
        _permit: permit,
    })
}

impl Stream for Streaming {
    type Item = Result<Bytes, Infallible>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let streaming = self.get_mut();
        if let Some(prelude) = streaming.prelude.take() {
            return Poll::Ready(Some(Ok(prelude)));
        }
        // The ends come before deliveries, so a stream that is never idle
        // still ends on shutdown; looking costs an atomic load unless one
        // of them woke the task.
        if let Some(waker) = streaming.ends.due(cx) {
            let mut ends = Context::from_waker(&waker);
            if streaming.shutdown.as_mut().poll(&mut ends).is_ready() {
                return Poll::Ready(None);
            }
            if let Some(expiry) = &mut streaming.expiry
                && expiry.sleep.as_mut().poll(&mut ends).is_ready()
            {
                expiry.expired.fetch_add(1, Ordering::Relaxed);
                return Poll::Ready(None);
            }
            if streaming.keepalive.poll_tick(&mut ends).is_ready() {
                // Polled again next time, to wait for the next tick.
                streaming.ends.again();
                return Poll::Ready(Some(Ok(sse::keep_alive())));
            }
        }
        streaming
            .subscription
            .poll_next(cx)
            .map(|delivery| Some(Ok(frame(delivery))))
    }
}

fn frame(delivery: Framed) -> Bytes {
    match delivery {
        Framed::Event(frame) => frame.sse(),
        Framed::Gap(gap) => {
            tracing::debug!(topic = %gap.topic, after = %gap.after, through = %gap.through, "gap");
            sse::gap(&gap)
        }
    }
}

/// This route in the hub's OpenAPI document: its parameters, the SSE events
/// it sends with each one's data, and its refusals.
pub(crate) fn operation<E: herald_wire::Event + schemars::JsonSchema>(
    generator: &mut schemars::SchemaGenerator,
    bounds: crate::openapi::Bounds,
) -> crate::openapi::Operation {
    let id = generator.subschema_for::<EventId>();
    let envelope = generator.subschema_for::<Envelope<E>>();
    let gap = generator.subschema_for::<Gap>();
    // One SSE message, as OpenAPI 3.2 and Schemathesis read a stream's
    // schema: its fields, `data` JSON of its own schema.
    let json = |schema: schemars::Schema| json_schema!({ "type": "string", "contentMediaType": "application/json", "contentSchema": schema });
    let message = json_schema!({
        "oneOf": [
            {
                "description": "An event, named by its kind (its `type`).",
                "type": "object",
                "properties": {
                    "event": { "not": { "enum": [GAP_EVENT, POSITION_EVENT] } },
                    "id": id.clone(),
                    "data": json(envelope),
                },
                "required": ["event", "id", "data"],
            },
            {
                "description": "Events were lost after `after` through `through` (history evicted, or another run of the hub): resync.",
                "type": "object",
                "properties": {
                    "event": { "const": GAP_EVENT },
                    "data": json(gap),
                },
                "required": ["event", "data"],
            },
            {
                "description": "Where the stream opened: a stream cut before its first event resumes from its id.",
                "type": "object",
                "properties": {
                    "event": { "const": POSITION_EVENT },
                    "id": id.clone(),
                    "data": { "const": "" },
                },
                "required": ["event", "id"],
            },
        ],
    });
    crate::openapi::Operation::new(
        "stream",
        "Follow topics as Server-Sent Events",
        "One stream over every named topic and pattern. It opens with `retry:` and a `position` event, replays what `Last-Event-ID` (or `lastEventId`) has not seen, then delivers live, each event under its kind as the SSE event name with its envelope as data. A `gap` says events were lost (history evicted, or another run of the hub); then resync. Comments keep the connection alive. A stream read with a token ends when the token expires, and any stream at `--max-stream-age`; reconnect with `Last-Event-ID` to resume.",
    )
    .topics(generator, true, bounds.topics_per_request, "A topic or pattern to follow; repeat for several.")
    .parameter(
        "query",
        LAST_EVENT_ID_PARAM,
        false,
        "Resume after this event, for clients that cannot send the header.",
        id.clone(),
    )
    .parameter(
        "header",
        LAST_EVENT_ID_HEADER,
        false,
        "Resume after this event; what EventSource sends when it reconnects. Wins over the parameter; empty is as if not sent.",
        json_schema!({ "anyOf": [id, { "const": "" }] }),
    )
    .token("A JWT for private topics, for clients that cannot send a header (EventSource).")
    .reply(
        200,
        "The stream: each message's fields, its data JSON of the schema its event names.",
        "text/event-stream",
        message,
    )
    .refusals(&[
        ErrorCode::InvalidTopic,
        ErrorCode::MissingTopic,
        ErrorCode::InvalidLastEventId,
        ErrorCode::InvalidQuery,
        ErrorCode::Unauthorized,
        ErrorCode::Forbidden,
        ErrorCode::HostNotAllowed,
        ErrorCode::TooManyStreams,
        ErrorCode::TooManySubscribers,
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use herald_wire::protocol::{Query, TOPIC_PARAM};

    fn parse(query: &Query, last_event_id: Option<&str>) -> Result<StreamRequest, ApiError> {
        let mut headers = HeaderMap::new();
        if let Some(id) = last_event_id {
            headers.insert(LAST_EVENT_ID_HEADER, HeaderValue::from_str(id).unwrap());
        }
        StreamRequest::parse(query.as_str(), &headers, 3)
    }

    fn topic(name: &str) -> Query {
        Query::new().param(TOPIC_PARAM, name)
    }

    #[test]
    fn reads_topics_without_a_resume_position() {
        let request = parse(&topic("a/b").param(TOPIC_PARAM, "c"), None).unwrap();
        let names: Vec<String> = request.topics.iter().map(TopicPattern::to_string).collect();
        assert_eq!(names, ["a/b", "c"]);
        assert_eq!(request.after, None);
    }

    #[test]
    fn the_header_wins_over_the_query_parameter() {
        let query = topic("a").param(LAST_EVENT_ID_PARAM, "1-5");
        let request = parse(&query, Some("1-9")).unwrap();
        assert_eq!(request.after, Some(EventId::new(1, 9)));
        let request = parse(&query, Some("")).unwrap();
        assert_eq!(request.after, Some(EventId::new(1, 5)));
    }

    #[test]
    fn refuses_bad_requests() {
        assert!(matches!(
            parse(&Query::new(), None),
            Err(ApiError::MissingTopic)
        ));
        assert!(matches!(
            parse(&topic("a b"), None),
            Err(ApiError::InvalidTopic { .. })
        ));
        assert!(matches!(
            parse(&topic("a").param("topics", "b"), None),
            Err(ApiError::InvalidQuery { .. })
        ));
        assert!(matches!(
            parse(&topic("a").param(LAST_EVENT_ID_PARAM, "x"), None),
            Err(ApiError::InvalidLastEventId {
                field: LAST_EVENT_ID_PARAM,
                ..
            })
        ));
        assert!(matches!(
            parse(&topic("a"), Some("12ab")),
            Err(ApiError::InvalidLastEventId {
                field: LAST_EVENT_ID_HEADER,
                ..
            })
        ));
        let four = ["b", "c", "d"]
            .iter()
            .fold(topic("a"), |query, name| query.param(TOPIC_PARAM, name));
        assert!(matches!(
            parse(&four, None),
            Err(ApiError::TooManyTopics { max: 3 })
        ));
    }
}
