//! The query string of the read routes (`/api/events`, `/api/history`):
//! the topic list and the route's own parameters, parsed in one place.
//!
//! The routes name their topics the same way, with one [`TOPIC_PARAM`] per
//! topic or [`TopicPattern`] (`chat/*`), and refuse a parameter they do not know rather than ignore it (a
//! misspelt `lastEventId` silently ignored would replay nothing). Repeated
//! topics collapse here, into a set, so nothing downstream sees a
//! duplicate.

use std::collections::BTreeSet;

use herald_wire::TopicPattern;
use herald_wire::protocol::{LIMIT_PARAM, TOPIC_PARAM};

use crate::error::ApiError;

/// A parsed query: the topics it names and the last value of each other
/// parameter the route accepts.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct TopicQuery {
    /// The named topics and patterns, without duplicates.
    pub(crate) topics: BTreeSet<TopicPattern>,
    values: Vec<(&'static str, String)>,
}

impl TopicQuery {
    /// Parses `query`, which names one or more topics and may give the
    /// parameters in `accepted` (a repeated one keeps its last value, as in
    /// `URLSearchParams::get`).
    ///
    /// # Errors
    /// [`ApiError::MissingTopic`] without a topic, and those of
    /// [`TopicQuery::parse_any`].
    pub(crate) fn parse(
        query: &str,
        accepted: &[&'static str],
        max_topics: usize,
    ) -> Result<Self, ApiError> {
        let parsed = Self::parse_any(query, accepted, max_topics)?;
        if parsed.topics.is_empty() {
            return Err(ApiError::MissingTopic);
        }
        Ok(parsed)
    }

    /// Parses `query` like [`TopicQuery::parse`], but takes it naming no
    /// topic at all.
    ///
    /// # Errors
    /// [`ApiError::TooManyTopics`] with more than `max_topics` distinct ones,
    /// [`ApiError::InvalidTopic`] for a topic that is not one, and
    /// [`ApiError::InvalidQuery`] for a parameter the route does not know.
    pub(crate) fn parse_any(
        query: &str,
        accepted: &[&'static str],
        max_topics: usize,
    ) -> Result<Self, ApiError> {
        let mut topics = BTreeSet::new();
        let mut values: Vec<(&'static str, String)> = Vec::new();
        for (key, value) in form_urlencoded::parse(query.as_bytes()) {
            if key == TOPIC_PARAM {
                let topic = TopicPattern::parse(value.as_ref())
                    .map_err(|source| ApiError::invalid_topic(TOPIC_PARAM, &value, source))?;
                topics.insert(topic);
                if topics.len() > max_topics {
                    return Err(ApiError::TooManyTopics { max: max_topics });
                }
            } else if let Some(name) = accepted.iter().find(|name| **name == key) {
                values.retain(|(seen, _)| seen != name);
                values.push((name, value.into_owned()));
            } else {
                return Err(ApiError::unknown_parameter(&key, accepted));
            }
        }
        Ok(Self { topics, values })
    }

    /// The [`LIMIT_PARAM`] given, or `default`; never above `max`, since a
    /// limit is an upper bound: asking for more than there is gets all
    /// there is.
    ///
    /// # Errors
    /// [`ApiError::InvalidQuery`] unless it is a whole number of at least 1.
    pub(crate) fn limit(&self, default: usize, max: usize) -> Result<usize, ApiError> {
        let limit = match self.value(LIMIT_PARAM) {
            None => default,
            Some(text) => text
                .parse()
                .ok()
                .filter(|limit| *limit >= 1)
                .ok_or_else(|| ApiError::InvalidQuery {
                    field: LIMIT_PARAM.to_owned(),
                    message: format!("{LIMIT_PARAM} must be a whole number of at least 1"),
                })?,
        };
        Ok(limit.min(max))
    }

    /// The value given for `name`, one of the parameters the route accepts.
    pub(crate) fn value(&self, name: &str) -> Option<&str> {
        self.values
            .iter()
            .find(|(seen, _)| *seen == name)
            .map(|(_, value)| value.as_str())
    }
}

#[cfg(test)]
mod tests {
    use herald_wire::protocol::{LAST_EVENT_ID_PARAM, Query};

    use super::*;

    fn parse(query: &Query) -> Result<TopicQuery, ApiError> {
        TopicQuery::parse(query.as_str(), &[LIMIT_PARAM], 3)
    }

    fn names(query: &TopicQuery) -> Vec<String> {
        query.topics.iter().map(TopicPattern::to_string).collect()
    }

    #[test]
    fn reads_repeated_topics_once_and_percent_encoding() {
        let query = TopicQuery::parse("topic=a%2Fb&topic=c&topic=a/b", &[], 3).unwrap();
        assert_eq!(names(&query), ["a/b", "c"]);
        let query = parse(&Query::new().param(TOPIC_PARAM, "b").param(TOPIC_PARAM, "a")).unwrap();
        assert_eq!(names(&query), ["a", "b"]);
    }

    #[test]
    fn duplicates_do_not_count_against_the_topic_cap() {
        let four_of_one = (0..4).fold(Query::new(), |query, _| query.param(TOPIC_PARAM, "a"));
        assert_eq!(names(&parse(&four_of_one).unwrap()), ["a"]);
        let four = ["a", "b", "c", "d"]
            .iter()
            .fold(Query::new(), |query, name| query.param(TOPIC_PARAM, name));
        assert!(matches!(
            parse(&four),
            Err(ApiError::TooManyTopics { max: 3 })
        ));
    }

    #[test]
    fn keeps_the_last_value_of_an_accepted_parameter() {
        let query = parse(
            &Query::new()
                .param(TOPIC_PARAM, "a")
                .param(LIMIT_PARAM, "1")
                .param(LIMIT_PARAM, "2"),
        )
        .unwrap();
        assert_eq!(query.value(LIMIT_PARAM), Some("2"));
        assert_eq!(query.value(LAST_EVENT_ID_PARAM), None);
    }

    #[test]
    fn refuses_a_missing_or_invalid_topic() {
        assert!(matches!(
            parse(&Query::new().param(LIMIT_PARAM, "3")),
            Err(ApiError::MissingTopic)
        ));
        assert!(matches!(parse(&Query::new()), Err(ApiError::MissingTopic)));
        for bad in ["", "a b", "a//b", "..", "a/*/b", "a*"] {
            assert!(
                matches!(
                    parse(&Query::new().param(TOPIC_PARAM, bad)),
                    Err(ApiError::InvalidTopic {
                        field: TOPIC_PARAM,
                        ..
                    })
                ),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn refuses_an_unknown_parameter_naming_what_is_accepted() {
        let refused = parse(&Query::new().param(TOPIC_PARAM, "a").param("since", "4"));
        let Err(ApiError::InvalidQuery { field, message }) = refused else {
            panic!("expected an invalid query, got {refused:?}");
        };
        assert_eq!(field, "since");
        assert!(message.contains(LIMIT_PARAM), "{message}");
        // A parameter of the other route is unknown here.
        assert!(matches!(
            parse(
                &Query::new()
                    .param(TOPIC_PARAM, "a")
                    .param(LAST_EVENT_ID_PARAM, "1")
            ),
            Err(ApiError::InvalidQuery { .. })
        ));
    }

    #[test]
    fn echoed_input_is_shortened() {
        let long = "x".repeat(10_000);
        let Err(ApiError::InvalidQuery { field, message }) = parse(&Query::new().param(&long, "1"))
        else {
            panic!("expected an invalid query");
        };
        assert_eq!(field.chars().count(), 64);
        assert!(message.len() < 300, "{message}");
        let Err(ApiError::InvalidTopic { value, .. }) =
            parse(&Query::new().param(TOPIC_PARAM, &format!("{long} ")))
        else {
            panic!("expected an invalid topic");
        };
        assert_eq!(value.chars().count(), 64);
    }
}
