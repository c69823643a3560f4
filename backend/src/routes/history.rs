//! `GET /api/history`: the recent events of one or many topics, so a page
//! can draw the last minutes at once and then resume the stream after them.

use std::collections::BTreeSet;

use axum::Json;
use axum::extract::{RawQuery, State};
use shared::protocol::LIMIT_PARAM;
use shared::{EventList, Topic};

use crate::error::ApiError;
use crate::hub::Frame;
use crate::routes::query::TopicQuery;
use crate::state::AppState;

/// How many events per topic a request gets unless it says otherwise.
const DEFAULT_LIMIT: usize = 100;

/// What a history request asks for.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct HistoryRequest {
    /// Topics to read.
    pub(crate) topics: BTreeSet<Topic>,
    /// Events per topic; a limit above `--history` gets what is kept.
    pub(crate) limit: usize,
}

/// Lists the newest `limit` events of each `topic`, merged in id order.
///
/// # Errors
/// 400 for a missing or invalid topic, a bad `limit` or an unknown parameter.
pub(crate) async fn history(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Json<EventList>, ApiError> {
    let request = HistoryRequest::parse(
        query.as_deref().unwrap_or_default(),
        state.config.max_topics_per_stream,
        state.config.history as usize,
    )?;
    let events = state
        .hub
        .history(&request.topics, request.limit)
        .iter()
        .map(|frame: &Frame| frame.event().clone())
        .collect();
    Ok(Json(EventList { events }))
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
        let query = TopicQuery::parse(query, &[LIMIT_PARAM], max_topics)?;
        let limit = match query.value(LIMIT_PARAM) {
            None => DEFAULT_LIMIT,
            Some(text) => text
                .parse()
                .ok()
                .filter(|limit| *limit >= 1)
                .ok_or_else(|| ApiError::InvalidQuery {
                    field: LIMIT_PARAM.to_owned(),
                    message: format!("{LIMIT_PARAM} must be a whole number of at least 1"),
                })?,
        };
        // A limit is an upper bound: asking for more than the hub keeps is
        // not an error, it gets all there is.
        Ok(Self {
            topics: query.topics,
            limit: limit.min(max_limit),
        })
    }
}

#[cfg(test)]
mod tests {
    use shared::protocol::{Query, TOPIC_PARAM};

    use super::*;

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
