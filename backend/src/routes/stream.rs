//! `GET /api/events`: one SSE stream over one or many topics.
//!
//! The body is the hub's pre-framed bytes streamed as they are, rather than
//! axum's `Sse` and `Event` builder, which would copy every event into a
//! fresh buffer per subscriber; the headers `Sse` would set are set here.

use std::time::Duration;

use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures_util::StreamExt;
use shared::{EventId, GAP_EVENT, Topic};
use tokio::time::{Instant, Interval, MissedTickBehavior};
use tokio_util::sync::CancellationToken;

use crate::error::ApiError;
use crate::hub::{Delivery, Subscription};
use crate::sse;
use crate::state::AppState;

/// What a stream request asks for.
#[derive(Debug, PartialEq, Eq)]
pub struct StreamRequest {
    /// Topics to follow, in request order, possibly repeated.
    pub topics: Vec<Topic>,
    /// Resume position from `Last-Event-ID` or, failing that, `lastEventId`.
    pub after: Option<EventId>,
}

/// Streams the events of the `topic` query parameters as SSE.
///
/// # Errors
/// 400 for a missing or invalid topic, an invalid resume id or an unknown
/// parameter; 503 when the hub serves its maximum of streams. Both are
/// decided before the stream starts.
pub async fn stream(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let request = StreamRequest::parse(
        query.as_deref().unwrap_or_default(),
        &headers,
        state.config.max_topics_per_stream,
    )?;
    let subscription = state.hub.subscribe(request.topics, request.after)?;
    tracing::debug!(topics = ?subscription.topics(), after = ?request.after, "stream opened");
    let body = body(
        subscription,
        sse::retry(state.config.retry_ms),
        state.config.keepalive(),
        state.shutdown.clone(),
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

impl StreamRequest {
    /// Parses the query string and the `Last-Event-ID` header.
    ///
    /// The header wins over the `lastEventId` parameter: a browser
    /// reconnecting by itself keeps the URL it started with (and so a stale
    /// parameter) but sends its newest id in the header.
    ///
    /// # Errors
    /// [`ApiError`] naming the parameter or header at fault.
    pub fn parse(query: &str, headers: &HeaderMap, max_topics: usize) -> Result<Self, ApiError> {
        let mut topics = Vec::new();
        let mut query_after = None;
        for (key, value) in form_urlencoded::parse(query.as_bytes()) {
            match key.as_ref() {
                "topic" => topics.push(parse_topic(&value)?),
                "lastEventId" => query_after = Some(parse_id("lastEventId", &value)?),
                other => {
                    return Err(ApiError::InvalidQuery {
                        field: other.chars().take(64).collect(),
                        message: format!(
                            "unknown parameter {:?}; expected `topic` (repeatable) and `lastEventId`",
                            other.chars().take(64).collect::<String>()
                        ),
                    });
                }
            }
        }
        if topics.is_empty() {
            return Err(ApiError::MissingTopic);
        }
        if topics.len() > max_topics {
            return Err(ApiError::TooManyTopics { max: max_topics });
        }
        let header_after = match headers.get("last-event-id") {
            None => None,
            Some(value) => {
                let text = value.to_str().map_err(|_| ApiError::InvalidQuery {
                    field: "Last-Event-ID".to_owned(),
                    message: "Last-Event-ID is not visible ASCII".to_owned(),
                })?;
                // Browsers send no header before the first id; an empty one means the same.
                if text.is_empty() {
                    None
                } else {
                    Some(parse_id("Last-Event-ID", text)?)
                }
            }
        };
        Ok(Self {
            topics,
            after: header_after.or(query_after),
        })
    }
}

/// Parses a `topic` query parameter.
///
/// # Errors
/// [`ApiError::InvalidTopic`] naming the parameter and the broken rule.
pub fn parse_topic(value: &str) -> Result<Topic, ApiError> {
    Topic::parse(value).map_err(|source| ApiError::InvalidTopic {
        field: "topic",
        value: value.chars().take(64).collect(),
        source,
    })
}

fn parse_id(field: &'static str, text: &str) -> Result<EventId, ApiError> {
    EventId::parse(text).map_err(|source| ApiError::InvalidLastEventId { field, source })
}

/// State of one open stream; its size is most of a stream's memory cost.
struct Streaming {
    subscription: Subscription,
    keepalive: Interval,
    shutdown: CancellationToken,
}

/// The response body: the `retry:` hint, then deliveries and keep-alive
/// comments until the client goes away or the server shuts down.
fn body(
    subscription: Subscription,
    prelude: Bytes,
    interval: Duration,
    shutdown: CancellationToken,
) -> Body {
    let mut keepalive = tokio::time::interval_at(Instant::now() + interval, interval);
    keepalive.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let streaming = Streaming {
        subscription,
        keepalive,
        shutdown,
    };
    let deliveries = futures_util::stream::unfold(streaming, |mut streaming| async move {
        let chunk = tokio::select! {
            // Shutdown first: ending the body is what lets graceful shutdown finish.
            biased;
            () = streaming.shutdown.cancelled() => return None,
            delivery = streaming.subscription.next() => frame(delivery),
            _ = streaming.keepalive.tick() => sse::keep_alive(),
        };
        Some((chunk, streaming))
    });
    let chunks = futures_util::stream::once(std::future::ready(prelude)).chain(deliveries);
    Body::from_stream(chunks.map(Ok::<_, std::convert::Infallible>))
}

fn frame(delivery: Delivery) -> Bytes {
    match delivery {
        Delivery::Event(frame) => frame.sse(),
        Delivery::Gap(gap) => {
            tracing::debug!(topic = %gap.topic, after = %gap.after, through = %gap.through, "gap");
            // A Gap holds a topic and two ids, whose JSON has no line breaks.
            serde_json::to_string(&gap)
                .ok()
                .and_then(|data| sse::control(GAP_EVENT, &data).ok())
                .unwrap_or_else(sse::keep_alive)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(query: &str, last_event_id: Option<&str>) -> Result<StreamRequest, ApiError> {
        let mut headers = HeaderMap::new();
        if let Some(id) = last_event_id {
            headers.insert("last-event-id", HeaderValue::from_str(id).unwrap());
        }
        StreamRequest::parse(query, &headers, 3)
    }

    #[test]
    fn reads_repeated_topics_and_percent_encoding() {
        let request = parse("topic=a%2Fb&topic=c&topic=a/b", None).unwrap();
        let names: Vec<&str> = request.topics.iter().map(Topic::as_str).collect();
        assert_eq!(names, ["a/b", "c", "a/b"]);
        assert_eq!(request.after, None);
    }

    #[test]
    fn the_header_wins_over_the_query_parameter() {
        let request = parse("topic=a&lastEventId=5", Some("9")).unwrap();
        assert_eq!(request.after, Some(EventId::new(9)));
        let request = parse("topic=a&lastEventId=5", Some("")).unwrap();
        assert_eq!(request.after, Some(EventId::new(5)));
    }

    #[test]
    fn refuses_bad_requests() {
        assert!(matches!(parse("", None), Err(ApiError::MissingTopic)));
        assert!(matches!(
            parse("topic=a%20b", None),
            Err(ApiError::InvalidTopic { .. })
        ));
        assert!(matches!(
            parse("topic=a&topics=b", None),
            Err(ApiError::InvalidQuery { .. })
        ));
        assert!(matches!(
            parse("topic=a&lastEventId=x", None),
            Err(ApiError::InvalidLastEventId {
                field: "lastEventId",
                ..
            })
        ));
        assert!(matches!(
            parse("topic=a", Some("12ab")),
            Err(ApiError::InvalidLastEventId {
                field: "Last-Event-ID",
                ..
            })
        ));
        assert!(matches!(
            parse("topic=a&topic=b&topic=c&topic=d", None),
            Err(ApiError::TooManyTopics { max: 3 })
        ));
    }
}
