//! `GET /api/history`: the recent events of one or many topics, so a page
//! can draw the last minutes at once and then resume the stream after them.

use axum::Json;
use axum::extract::{RawQuery, State};
use shared::{EventList, Topic};

use crate::error::ApiError;
use crate::hub::Frame;
use crate::routes::stream::parse_topic;
use crate::state::AppState;

/// How many events per topic a request gets unless it says otherwise.
const DEFAULT_LIMIT: usize = 100;

/// What a history request asks for.
#[derive(Debug, PartialEq, Eq)]
pub struct HistoryRequest {
    /// Topics to read.
    pub topics: Vec<Topic>,
    /// Events per topic; a limit above `--history` gets what is kept.
    pub limit: usize,
}

/// Lists the newest `limit` events of each `topic`, merged in id order.
///
/// # Errors
/// 400 for a missing or invalid topic, a bad `limit` or an unknown parameter.
pub async fn history(
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
    pub fn parse(query: &str, max_topics: usize, max_limit: usize) -> Result<Self, ApiError> {
        let mut topics = Vec::new();
        let mut limit = DEFAULT_LIMIT.min(max_limit);
        for (key, value) in form_urlencoded::parse(query.as_bytes()) {
            match key.as_ref() {
                "topic" => topics.push(parse_topic(&value)?),
                "limit" => {
                    // A limit is an upper bound: asking for more than the hub
                    // keeps is not an error, it gets all there is.
                    let asked: usize =
                        value
                            .parse()
                            .ok()
                            .filter(|limit| *limit >= 1)
                            .ok_or_else(|| ApiError::InvalidQuery {
                                field: "limit".to_owned(),
                                message: "limit must be a whole number of at least 1".to_owned(),
                            })?;
                    limit = asked.min(max_limit);
                }
                other => {
                    let name: String = other.chars().take(64).collect();
                    return Err(ApiError::InvalidQuery {
                        message: format!(
                            "unknown parameter {name:?}; expected `topic` (repeatable) and `limit`"
                        ),
                        field: name,
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
        Ok(Self { topics, limit })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_topics_and_limit() {
        let request = HistoryRequest::parse("topic=a&topic=b%2Fc&limit=7", 4, 50).unwrap();
        assert_eq!(request.topics.len(), 2);
        assert_eq!(request.limit, 7);
        assert_eq!(HistoryRequest::parse("topic=a", 4, 50).unwrap().limit, 50);
        assert_eq!(HistoryRequest::parse("topic=a", 4, 500).unwrap().limit, 100);
        assert_eq!(
            HistoryRequest::parse("topic=a&limit=300", 4, 50)
                .unwrap()
                .limit,
            50
        );
    }

    #[test]
    fn refuses_bad_requests() {
        for query in [
            "topic=a&limit=0",
            "topic=a&limit=-1",
            "topic=a&limit=x",
            "topic=a&at=1",
        ] {
            assert!(
                matches!(
                    HistoryRequest::parse(query, 4, 50),
                    Err(ApiError::InvalidQuery { .. })
                ),
                "{query}"
            );
        }
        assert!(matches!(
            HistoryRequest::parse("limit=3", 4, 50),
            Err(ApiError::MissingTopic)
        ));
        assert!(matches!(
            HistoryRequest::parse("topic=a%20b", 4, 50),
            Err(ApiError::InvalidTopic { .. })
        ));
    }
}
