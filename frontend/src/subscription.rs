//! Which topics the page follows, and the one stream URL that carries them.
//!
//! The topics come from the page's own query (`?topic=a&topic=b`), so a
//! followed set is a link anyone can share. Names that are not valid topics
//! are kept aside and shown, rather than sent to the hub to be refused.

use shared::{Topic, TopicError};
use web_sys::UrlSearchParams;

/// The hub's stream route.
pub const EVENTS_PATH: &str = "/api/events";

/// The query parameter that names a topic, on the page and on the stream.
pub const TOPIC_PARAM: &str = "topic";

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

    /// The topics named by the `topic` parameters of a URL query such as
    /// `location.search` (with or without its leading `?`).
    pub fn from_query(query: &str) -> Self {
        let names = UrlSearchParams::new_with_str(query)
            .map(|params| {
                params
                    .get_all(TOPIC_PARAM)
                    .iter()
                    .filter_map(|value| value.as_string())
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default();
        Self::from_names(names)
    }

    /// The stream URL for all topics at once, percent-encoded by the browser.
    pub fn stream_url(&self) -> String {
        let params =
            UrlSearchParams::new().expect("URLSearchParams is constructible in every browser");
        for topic in &self.topics {
            params.append(TOPIC_PARAM, topic.as_str());
        }
        format!("{EVENTS_PATH}?{}", String::from(params.to_string()))
    }
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
}
