//! `GET /api/topics`: the hub's topics with subscriber counts and last ids,
//! a page at a time.
//!
//! Paged by name (`after`, `limit`) so neither the reply nor the time the hub
//! lock is held grows with the number of topics; `topic` patterns narrow
//! the list the way they choose a stream's topics.

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use herald_wire::protocol::{AFTER_PARAM, LIMIT_PARAM, TOKEN_PARAM};
use herald_wire::{Topic, TopicList};

use crate::auth;
use crate::error::ApiError;
use crate::routes::query::TopicQuery;
use crate::state::AppState;
use herald_wire::ErrorCode;
use schemars::json_schema;

/// Topics per page unless the request says otherwise.
const DEFAULT_PAGE: usize = 1_000;

/// Most topics one page holds, whatever the request says.
const MAX_PAGE: usize = 10_000;

/// Lists one page of the topics with history or subscribers that the
/// `topic` patterns match (all when none is given), in name order.
///
/// # Errors
/// 400 for an invalid pattern or `after` topic, a bad `limit` or an
/// unknown parameter; 503 when a cluster's Redis does not answer.
pub(crate) async fn topics(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Json<TopicList>, ApiError> {
    let query = TopicQuery::parse_any(
        query.as_deref().unwrap_or_default(),
        &[AFTER_PARAM, LIMIT_PARAM, TOKEN_PARAM],
        state.config.max_topics_per_stream,
    )?;
    let token = auth::read_token(&headers, query.value(TOKEN_PARAM));
    let after = query
        .value(AFTER_PARAM)
        .map(|name| {
            Topic::parse(name).map_err(|source| ApiError::invalid_topic(AFTER_PARAM, name, source))
        })
        .transpose()?;
    let limit = query.limit(DEFAULT_PAGE, MAX_PAGE)?;
    // A private topic's name is private too: listed, and named as where
    // the next page starts, only to those who may read it.
    let page = {
        let reader = state.auth.reader(token);
        let visibility = |topic: &Topic| reader.visibility(topic);
        state
            .broker
            .topics(&query.topics, after.as_ref(), limit, &visibility)
    };
    Ok(Json(page.await.map_err(ApiError::Unavailable)?))
}

/// This route in the hub's OpenAPI document.
pub(crate) fn operation(
    generator: &mut schemars::SchemaGenerator,
    bounds: crate::openapi::Bounds,
) -> crate::openapi::Operation {
    let topic = generator.subschema_for::<Topic>();
    let list = generator.subschema_for::<TopicList>();
    crate::openapi::Operation::new(
        "topics",
        "List topics",
        "One page of the topics with history or subscribers, in name order, with each one's subscribers and last id; only those the patterns match when some are named. Private topics are listed only to a token that may read them; any other token, valid or not, sees the public ones. Ask for the next page with `after` set to `next_after`.",
    )
    .topics(generator, false, bounds.topics_per_request, "Only topics this pattern matches; repeat for several.")
    .parameter("query", AFTER_PARAM, false, "Start after this topic (the previous page's `next_after`).", topic)
    .parameter(
        "query",
        LIMIT_PARAM,
        false,
        "Topics per page at most.",
        json_schema!({ "type": "integer", "minimum": 1, "maximum": usize::MAX }),
    )
    .token("A JWT, to see the private topics it may read.")
    .reply(200, "One page of topics.", "application/json", list)
    .refusals(&[
        ErrorCode::InvalidTopic,
        ErrorCode::InvalidQuery,
        ErrorCode::HostNotAllowed,
        ErrorCode::Overloaded,
        ErrorCode::Unavailable,
    ])
}
