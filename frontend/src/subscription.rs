//! Which topics the page follows, the one stream URL that carries them, and
//! the page URL that remembers them.
//!
//! The topics come from the page's own query (`?topic=a&topic=b`), so a
//! followed set is a link anyone can share, and survives a reload because
//! the page rewrites its query when the set changes. Names that are not
//! valid topics are kept aside and shown, rather than sent to the hub to be
//! refused.

use shared::protocol::{LIMIT_PARAM, Query, TOPIC_PARAM, stream_path};
use shared::{EventId, Topic, TopicError};
use web_sys::UrlSearchParams;

use crate::state::DEFAULT_CAPACITY;

/// The largest feed the page accepts, so a typo cannot freeze the tab.
pub const MAX_LIMIT: usize = 5_000;

/// What the page follows when its URL names no valid topic.
pub const DEFAULT_TOPICS: [&str; 2] = [shared::METRICS_TOPIC, "chat/lobby"];

/// The topics a page follows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    /// Followed topics, in the order first named, without repeats.
    pub topics: Vec<Topic>,
    /// Names from the URL that are not topics, with the reason.
    pub rejected: Vec<(String, TopicError)>,
}

impl Subscription {
    /// The topics named in `names`; the [`DEFAULT_TOPICS`] when none is valid.
    pub fn from_names(names: impl IntoIterator<Item = String>) -> Self {
        let mut topics = Vec::new();
        let mut rejected = Vec::new();
        for name in names {
            match Topic::parse(name.clone()) {
                Ok(topic) if topics.contains(&topic) => {}
                Ok(topic) => topics.push(topic),
                Err(error) => rejected.push((name, error)),
            }
        }
        if topics.is_empty() {
            topics = DEFAULT_TOPICS
                .iter()
                .filter_map(|name| Topic::parse(*name).ok())
                .collect();
        }
        Self { topics, rejected }
    }

    /// The topics named by the [`TOPIC_PARAM`] parameters of a URL query
    /// such as `location.search` (with or without its leading `?`). The
    /// browser decodes the values, so `a%2Fb` and `a/b` name the same topic.
    pub fn from_query(query: &str) -> Self {
        Self::from_names(query_values(query, TOPIC_PARAM))
    }

    /// This subscription with `topic` followed or not; an emptied set stays
    /// empty (the page then shows the stream as stopped).
    pub fn toggled(&self, topic: &Topic, follow: bool) -> Self {
        let mut topics: Vec<Topic> = self
            .topics
            .iter()
            .filter(|t| *t != topic)
            .cloned()
            .collect();
        if follow {
            topics.push(topic.clone());
        }
        Self {
            topics,
            rejected: self.rejected.clone(),
        }
    }

    /// The stream URL for all topics at once, or `None` when there are none.
    pub fn stream_url(&self) -> Option<String> {
        (!self.topics.is_empty()).then(|| stream_path(&self.topics, None))
    }

    /// The page query that restores this subscription and `limit`, with its
    /// leading `?`. It is built like the stream's query, so a followed set
    /// reads the same in the page's address and in the stream's.
    pub fn page_query(&self, limit: usize) -> String {
        let query = Query::new().topics(&self.topics);
        let query = if limit == DEFAULT_CAPACITY {
            query
        } else {
            query.param(LIMIT_PARAM, &limit.to_string())
        };
        format!("?{}", query.as_str())
    }
}

/// The feed bound named by `?limit=` in a page query, within `1..=MAX_LIMIT`;
/// [`DEFAULT_CAPACITY`] when absent or not a number.
pub fn limit_from_query(query: &str) -> usize {
    query_values(query, LIMIT_PARAM)
        .first()
        .and_then(|value| value.trim().parse::<usize>().ok())
        .map_or(DEFAULT_CAPACITY, |limit| limit.clamp(1, MAX_LIMIT))
}

/// `url` with a [`shared::protocol::LAST_EVENT_ID_PARAM`] parameter, so a
/// stream the page reopens itself resumes where the last one stopped (a
/// browser only sends the [`shared::protocol::LAST_EVENT_ID_HEADER`] on its
/// own reconnects).
pub fn with_last_event_id(url: &str, id: EventId) -> String {
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}{}", Query::new().after(Some(id)).as_str())
}

/// Every value of `name` in a URL query, decoded by the browser.
fn query_values(query: &str, name: &str) -> Vec<String> {
    UrlSearchParams::new_with_str(query)
        .map(|params| {
            params
                .get_all(name)
                .iter()
                .filter_map(|value| value.as_string())
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(topics: &[Topic]) -> Vec<&str> {
        topics.iter().map(Topic::as_str).collect()
    }

    #[test]
    fn no_names_follow_the_defaults() {
        let subscription = Subscription::from_names([]);
        assert_eq!(names(&subscription.topics), DEFAULT_TOPICS);
        assert!(subscription.rejected.is_empty());
    }

    #[test]
    fn named_topics_replace_the_defaults_once_each() {
        let subscription = Subscription::from_names(["b/x", "a", "b/x"].map(String::from));
        assert_eq!(names(&subscription.topics), ["b/x", "a"]);
    }

    #[test]
    fn invalid_names_are_set_aside() {
        let subscription = Subscription::from_names(["ok", "no way", ""].map(String::from));
        assert_eq!(names(&subscription.topics), ["ok"]);
        assert_eq!(
            subscription.rejected,
            [
                ("no way".to_owned(), TopicError::InvalidChar(' ')),
                (String::new(), TopicError::Empty),
            ]
        );
    }

    #[test]
    fn only_invalid_names_fall_back_to_the_defaults() {
        let subscription = Subscription::from_names(["a b".to_owned()]);
        assert_eq!(names(&subscription.topics), DEFAULT_TOPICS);
        assert_eq!(subscription.rejected.len(), 1);
    }

    #[test]
    fn the_stream_url_names_every_topic_encoded() {
        let subscription = Subscription::from_names(["a/b", "c.d"].map(String::from));
        assert_eq!(
            subscription.stream_url().as_deref(),
            Some("/api/events?topic=a/b&topic=c.d")
        );
    }

    #[test]
    fn the_last_event_id_is_a_query_parameter() {
        assert_eq!(
            with_last_event_id("/api/events?topic=a", EventId::new(1, 17)),
            "/api/events?topic=a&lastEventId=1-17"
        );
        assert_eq!(
            with_last_event_id("/x", EventId::new(1, 5)),
            "/x?lastEventId=1-5"
        );
    }

    #[test]
    fn toggling_follows_and_unfollows() {
        let subscription = Subscription::from_names(["a".to_owned()]);
        let b = Topic::parse("b").unwrap();
        let both = subscription.toggled(&b, true);
        assert_eq!(names(&both.topics), ["a", "b"]);
        assert_eq!(names(&both.toggled(&b, true).topics), ["a", "b"]);
        let none = both
            .toggled(&b, false)
            .toggled(&Topic::parse("a").unwrap(), false);
        assert!(none.topics.is_empty());
        assert_eq!(none.stream_url(), None);
    }

    #[test]
    fn the_page_query_keeps_topics_and_a_non_default_limit() {
        let subscription = Subscription::from_names(["a/b".to_owned()]);
        assert_eq!(subscription.page_query(DEFAULT_CAPACITY), "?topic=a/b");
        assert_eq!(subscription.page_query(50), "?topic=a/b&limit=50");
    }
}
