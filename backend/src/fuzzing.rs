//! Entry points for the fuzz targets in `backend/fuzz/`, built only with
//! the `fuzzing` feature: the parsers of what clients send, each checked
//! against what the hub promises of its output, and the crate-private SSE
//! writers a stream is made of besides the events [`Hub::publish`] frames,
//! for the `sse_frame` target to read back with a parser of its own.

use std::collections::BTreeSet;

use axum::http::{HeaderMap, HeaderValue};
use bytes::Bytes;
use herald_dashboard_events::Payload;
use herald_wire::protocol::LAST_EVENT_ID_HEADER;
use herald_wire::{Envelope, EventId, Gap, Kind, Topic, TopicPattern};

use crate::hub::{FramingError, Hub, Prepared};
use crate::routes::{history::HistoryRequest, publish, stream::StreamRequest};
use crate::sse;

/// The most events a fuzzed batch may hold: small, so the fuzzer reaches
/// the bound and past it.
const BATCH: usize = 4;

/// Decodes a publish body as the route does, one event or a batch of at
/// most [`BATCH`], and publishes what it accepts as the route does, all or
/// none: each event must be stored as one SSE-safe line of JSON that
/// decodes back to it, in the body's order, under consecutive ids.
///
/// # Panics
/// When an accepted body breaks that promise.
pub fn publish_body(body: &[u8]) {
    let Ok(decoded) = publish::body::decode::<Payload>(body, BATCH) else {
        return;
    };
    let events = decoded.events();
    assert!(
        (1..=BATCH).contains(&events.len()),
        "a batch within its bound"
    );
    let Ok(topic) = Topic::parse("fuzz") else {
        return;
    };
    let prepared: Result<Vec<Prepared>, _> = events
        .iter()
        .map(|event| Prepared::new(topic.clone(), event))
        .collect();
    let hub = Hub::new(crate::hub::Limits {
        history: BATCH,
        topic_bytes: usize::MAX,
        total_bytes: usize::MAX,
        max_topics: 1,
        max_subscribers: 1,
    });
    let Ok(ids) = prepared.and_then(|prepared| hub.publish_all(prepared)) else {
        // Refused by the hub (a NaN in metrics): nothing was published.
        assert!(hub.history(&every_topic(), BATCH).frames.is_empty(), "none");
        return;
    };
    assert!(
        ids.windows(2)
            .all(|pair| pair[0].sequence().checked_add(1) == Some(pair[1].sequence())),
        "consecutive ids: {ids:?}"
    );
    let frames = hub.history(&every_topic(), BATCH).frames;
    assert_eq!(frames.len(), events.len(), "all of them");
    for ((frame, event), id) in frames.iter().zip(events).zip(&ids) {
        let json = frame.json();
        assert!(!json.contains(&b'\n') && !json.contains(&b'\r'), "one line");
        let stored: Envelope<Payload> =
            serde_json::from_slice(&json).expect("the hub's JSON decodes");
        assert_eq!(&stored.event, event, "the event is what was published");
        assert_eq!(&stored.id, id, "in the body's order");
    }
}

/// The pattern of every topic, `*`.
fn every_topic() -> BTreeSet<TopicPattern> {
    BTreeSet::from([TopicPattern::All])
}

/// Parses a read route's query string and `Last-Event-ID` header as the
/// stream and history routes do; nothing may panic, and what parses is
/// within the bounds given.
///
/// # Panics
/// When a parsed request breaks its bounds.
pub fn read_request(query: &str, last_event_id: &[u8]) {
    let mut headers = HeaderMap::new();
    if let Ok(value) = HeaderValue::from_bytes(last_event_id) {
        headers.insert(LAST_EVENT_ID_HEADER, value);
    }
    if let Ok(request) = StreamRequest::parse(query, &headers, 8) {
        assert!(!request.topics.is_empty() && request.topics.len() <= 8);
    }
    if let Ok(request) = HistoryRequest::parse(query, 8, 100) {
        assert!((1..=100).contains(&request.limit));
    }
}

/// Reads `head` as the first bytes of a plain HTTP/1.1 connection; what is
/// taken for a stream request (served without hyper) must be a complete
/// head of `GET` on the stream path in HTTP/1.1 with no body, and nothing
/// may panic.
///
/// # Panics
/// When a request taken for a stream is not one.
pub fn stream_head(head: &[u8]) {
    let Some(request) = crate::server::direct::stream_request(head) else {
        return;
    };
    assert_eq!(request.method(), axum::http::Method::GET);
    assert_eq!(request.version(), axum::http::Version::HTTP_11);
    assert_eq!(request.uri().path(), herald_wire::protocol::EVENTS_PATH);
    let headers = request.headers();
    assert!(!headers.contains_key(axum::http::header::TRANSFER_ENCODING));
    assert!(!headers.contains_key(axum::http::header::UPGRADE));
    assert!(
        headers
            .get_all(axum::http::header::CONTENT_LENGTH)
            .iter()
            .all(|length| length == "0")
    );
    // A line end followed by an empty line, in either of HTTP's line ends.
    let complete = head.windows(3).any(|window| window == b"\n\r\n")
        || head.windows(2).any(|window| window == b"\n\n");
    assert!(complete, "a stream request's head is complete");
}

/// Parses an event id; one that parses prints as it was read, and parses
/// back to itself.
///
/// # Panics
/// When the text and the id disagree.
pub fn event_id(text: &str) {
    if let Ok(id) = EventId::parse(text) {
        assert_eq!(EventId::parse(&id.to_string()).ok(), Some(id));
    }
}

/// Frames an event of `kind` whose envelope JSON, but for its `id`, is
/// `envelope`, as a cluster node frames what it takes in from Redis
/// (`Hub::apply` checks that the envelope is JSON first; this does not).
///
/// # Errors
/// [`FramingError`] when the envelope would break SSE framing.
pub fn sse_event(kind: Kind, envelope: &str, id: EventId) -> Result<Bytes, FramingError> {
    sse::unnumbered(kind, envelope).map(|unnumbered| unnumbered.number(id).bytes)
}

/// Frames a `gap` event, as a stream sends it.
pub fn sse_gap(gap: &Gap) -> Bytes {
    sse::gap(gap)
}

/// Frames what a stream opens with: the `retry:` hint and its position.
pub fn sse_opening(retry_millis: u64, position: Option<EventId>) -> Bytes {
    sse::opening(retry_millis, position)
}

/// The keep-alive comment an idle stream sends.
pub fn sse_keep_alive() -> Bytes {
    sse::keep_alive()
}
