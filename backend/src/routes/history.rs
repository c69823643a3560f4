//! `GET /api/history`: the recent events of one or many topics, so a page
//! can draw the last minutes at once and then resume the stream after them.
//!
//! The reply is written from the JSON the hub already holds for each event
//! (a slice of its SSE frame), streamed chunk by chunk: nothing is decoded
//! or copied per request, so concurrent history requests share the hub's
//! bytes instead of each building its own copy.

use std::collections::BTreeSet;
use std::convert::Infallible;

use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use herald_wire::protocol::{LIMIT_PARAM, TOKEN_PARAM};
use herald_wire::{EventId, TopicPattern};

use crate::auth;
use crate::error::ApiError;
use crate::hub::History;
use crate::routes::query::TopicQuery;
use crate::state::AppState;
use herald_wire::{ErrorCode, EventList};
use schemars::json_schema;

/// How many events per topic a request gets unless it says otherwise.
const DEFAULT_LIMIT: usize = 100;

/// What a history request asks for.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct HistoryRequest {
    /// Topics and patterns to read.
    pub(crate) topics: BTreeSet<TopicPattern>,
    /// Events per topic; a limit above `--history` gets what is kept.
    pub(crate) limit: usize,
    /// The `token` parameter, for private topics.
    pub(crate) token: Option<String>,
}

/// Lists the newest `limit` events of each `topic`, merged in id order, as
/// a [`herald_wire::EventList`].
///
/// # Errors
/// 400 for a missing or invalid topic, a bad `limit` or an unknown
/// parameter; 401 or 403 for private topics without a token that may read
/// them.
pub(crate) async fn history(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let request = HistoryRequest::parse(
        query.as_deref().unwrap_or_default(),
        state.config.max_topics_per_stream,
        state.config.history as usize,
    )?;
    let token = auth::read_token(&headers, request.token.as_deref());
    state.auth.reader(token).read(&request.topics)?;
    // Off the async workers: over many topics a read takes tens of
    // milliseconds, which would hold up every stream those workers serve.
    let hub = state.broker.hub();
    let (topics, limit) = (request.topics, request.limit);
    let history = tokio::task::spawn_blocking(move || hub.history(&topics, limit))
        .await
        .map_err(|error| ApiError::Middleware(format!("reading history failed: {error}")))?;
    let body = Body::from_stream(futures_util::stream::iter(
        event_list(history).into_iter().map(Ok::<_, Infallible>),
    ));
    let content_type = HeaderValue::from_static("application/json");
    Ok(([(header::CONTENT_TYPE, content_type)], body).into_response())
}

/// The chunks of an [`herald_wire::EventList`] holding `history`: each event's
/// stored JSON between the list's own punctuation.
fn event_list(history: History) -> Vec<Bytes> {
    let mut chunks = Vec::with_capacity(2 * history.frames.len() + 2);
    chunks.push(Bytes::from_static(br#"{"events":["#));
    for (index, frame) in history.frames.iter().enumerate() {
        if index > 0 {
            chunks.push(Bytes::from_static(b","));
        }
        chunks.push(frame.json());
    }
    chunks.push(resume_after(history.resume_after));
    chunks
}

fn resume_after(id: EventId) -> Bytes {
    Bytes::from(format!(r#"],"resume_after":"{id}"}}"#))
}

impl HistoryRequest {
    /// Parses `topic` (repeatable) and `limit` from the query string.
    ///
    /// # Errors
    /// [`ApiError`] naming the parameter at fault.
    pub(crate) fn parse(
        query: &str,
        max_topics: usize,
        max_limit: usize,
    ) -> Result<Self, ApiError> {
        let query = TopicQuery::parse(query, &[LIMIT_PARAM, TOKEN_PARAM], max_topics)?;
        Ok(Self {
            limit: query.limit(DEFAULT_LIMIT, max_limit)?,
            token: query.value(TOKEN_PARAM).map(str::to_owned),
            topics: query.topics,
        })
    }
}

/// This route in the hub's OpenAPI document.
pub(crate) fn operation<E: herald_wire::Event + schemars::JsonSchema>(
    generator: &mut schemars::SchemaGenerator,
    bounds: crate::openapi::Bounds,
) -> crate::openapi::Operation {
    let list = generator.subschema_for::<EventList<E>>();
    crate::openapi::Operation::new(
        "history",
        "Recent events of topics",
        "The newest events of each named topic and pattern, merged in id order, and `resume_after`: open a stream with it as `lastEventId` to continue exactly where the list ends.",
    )
    .topics(generator, true, bounds.topics_per_request, "A topic or pattern to read; repeat for several.")
    .parameter(
        "query",
        LIMIT_PARAM,
        false,
        "Events per topic; more than the hub keeps (`--history`) gets what it keeps.",
        json_schema!({ "type": "integer", "minimum": 1, "maximum": usize::MAX }),
    )
    .token("A JWT for private topics, when a header cannot be sent.")
    .reply(200, "The events, oldest first.", "application/json", list)
    .refusals(&[
        ErrorCode::InvalidTopic,
        ErrorCode::MissingTopic,
        ErrorCode::InvalidQuery,
        ErrorCode::Unauthorized,
        ErrorCode::Forbidden,
        ErrorCode::HostNotAllowed,
        ErrorCode::Overloaded,
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hub::{Hub, Limits};
    use herald_dashboard_events::{Chat, LatencyProbe, Payload};
    use herald_wire::EventList;
    use herald_wire::protocol::{Query, TOPIC_PARAM};

    /// The reply's bytes for `history`, joined.
    fn reply(history: History) -> Vec<u8> {
        event_list(history).concat()
    }

    #[test]
    fn the_reply_is_exactly_what_serde_writes_for_an_event_list() {
        let hub = Hub::new(Limits {
            history: 8,
            topic_bytes: usize::MAX,
            total_bytes: usize::MAX,
            max_topics: usize::MAX,
            max_subscribers: 1,
        });
        let names = ["a", "b/c"].map(|name| herald_wire::Topic::parse(name).unwrap());
        let chat = Payload::Chat(Chat {
            author: "ada".into(),
            text: "quote \" and \u{e9}".into(),
        });
        hub.publish(names[0].clone(), &chat).unwrap();
        hub.publish(
            names[1].clone(),
            &Payload::LatencyProbe(LatencyProbe { seq: 1, ts: 2 }),
        )
        .unwrap();
        let every = BTreeSet::from([TopicPattern::All]);
        for topics in [
            names.clone().map(TopicPattern::from).into(),
            every,
            BTreeSet::new(),
        ] {
            let history = hub.history(&topics, 10);
            let decoded: EventList<Payload> =
                serde_json::from_slice(&reply(history.clone())).unwrap();
            assert_eq!(decoded.events.len(), history.frames.len());
            assert_eq!(decoded.resume_after, history.resume_after);
            assert_eq!(reply(history), serde_json::to_vec(&decoded).unwrap());
        }
    }

    fn parse(query: &Query, max_limit: usize) -> Result<HistoryRequest, ApiError> {
        HistoryRequest::parse(query.as_str(), 4, max_limit)
    }

    fn topic(name: &str) -> Query {
        Query::new().param(TOPIC_PARAM, name)
    }

    #[test]
    fn reads_topics_and_limit() {
        let request = parse(
            &topic("a").param(TOPIC_PARAM, "b/c").param(LIMIT_PARAM, "7"),
            50,
        )
        .unwrap();
        assert_eq!(request.topics.len(), 2);
        assert_eq!(request.limit, 7);
        assert_eq!(parse(&topic("a"), 50).unwrap().limit, 50);
        assert_eq!(parse(&topic("a"), 500).unwrap().limit, 100);
        assert_eq!(
            parse(&topic("a").param(LIMIT_PARAM, "300"), 50)
                .unwrap()
                .limit,
            50
        );
    }

    #[test]
    fn refuses_bad_requests() {
        for query in [
            topic("a").param(LIMIT_PARAM, "0"),
            topic("a").param(LIMIT_PARAM, "-1"),
            topic("a").param(LIMIT_PARAM, "x"),
            topic("a").param("at", "1"),
        ] {
            assert!(
                matches!(parse(&query, 50), Err(ApiError::InvalidQuery { .. })),
                "{query:?}"
            );
        }
        assert!(matches!(
            parse(&Query::new().param(LIMIT_PARAM, "3"), 50),
            Err(ApiError::MissingTopic)
        ));
        assert!(matches!(
            parse(&topic("a b"), 50),
            Err(ApiError::InvalidTopic { .. })
        ));
    }
}
