//! Which topics the page follows, the one stream URL that carries them, and
//! the page URL that remembers them.
//!
//! The page follows [`TopicPattern`]s: a topic (`chat/lobby`), every topic
//! under a prefix (`chat/*`, also those created later) or every topic
//! (`*`). They come from the page's own query (`?topic=a&topic=chat/*`), so
//! a followed set is a link anyone can share, and survives a reload because
//! the page rewrites its query when the set changes. Names that are not
//! valid patterns are kept aside and shown, rather than sent to the hub to
//! be refused.

#[cfg(test)]
mod tests;

use herald_wire::protocol::{EVENTS_PATH, LIMIT_PARAM, Query, TOKEN_PARAM, TOPIC_PARAM};
use herald_wire::{Topic, TopicPattern, TopicPatternError};
use web_sys::UrlSearchParams;

use crate::state::DEFAULT_CAPACITY;
use herald_yew::Token;

/// The largest feed the page accepts, so a typo cannot freeze the tab.
pub const MAX_LIMIT: usize = 5_000;

/// What the page follows when its URL names no valid pattern.
pub const DEFAULT_TOPICS: [&str; 3] = [
    herald_dashboard_events::METRICS_TOPIC,
    herald_dashboard_events::HUB_TOPIC,
    "chat/lobby",
];

/// The topics a page follows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    /// Followed topics and prefixes, in the order first named, without
    /// repeats. A topic may be named and also fall under a prefix: each
    /// entry is the reader's own choice, to be dropped on its own.
    pub patterns: Vec<TopicPattern>,
    /// Names from the URL that are not patterns, with the reason.
    pub rejected: Vec<(String, TopicPatternError)>,
}

impl Subscription {
    /// The patterns named in `names`; the [`DEFAULT_TOPICS`] when none is
    /// valid.
    pub fn from_names(names: impl IntoIterator<Item = String>) -> Self {
        let mut patterns = Vec::new();
        let mut rejected = Vec::new();
        for name in names {
            match TopicPattern::parse(&name) {
                Ok(pattern) if patterns.contains(&pattern) => {}
                Ok(pattern) => patterns.push(pattern),
                Err(error) => rejected.push((name, error)),
            }
        }
        if patterns.is_empty() {
            patterns = DEFAULT_TOPICS
                .iter()
                .filter_map(|name| TopicPattern::parse(name).ok())
                .collect();
        }
        Self { patterns, rejected }
    }

    /// The patterns named by the [`TOPIC_PARAM`] parameters of a URL query
    /// such as `location.search` (with or without its leading `?`). The
    /// browser decodes the values, so `a%2Fb` and `a/b` name the same topic,
    /// and `a%2F%2A` and `a/*` the same prefix.
    pub fn from_query(query: &str) -> Self {
        Self::from_names(query_values(query, TOPIC_PARAM))
    }

    /// This subscription with `pattern` followed or not; an emptied set
    /// stays empty (the page then shows the stream as stopped).
    pub fn toggled(&self, pattern: &TopicPattern, follow: bool) -> Self {
        let mut patterns: Vec<TopicPattern> = self
            .patterns
            .iter()
            .filter(|followed| *followed != pattern)
            .cloned()
            .collect();
        if follow {
            patterns.push(pattern.clone());
        }
        Self {
            patterns,
            rejected: self.rejected.clone(),
        }
    }

    /// The followed pattern that brings `topic`'s events to the page: the
    /// topic itself when it is followed by name, else the first prefix it
    /// falls under; `None` when the page does not follow it.
    ///
    /// The name comes first so that a topic followed both ways reads as
    /// followed by name, which is the one entry its checkbox can drop.
    pub fn follows(&self, topic: &Topic) -> Option<&TopicPattern> {
        let by_name = TopicPattern::Exact(topic.clone());
        self.patterns
            .iter()
            .find(|pattern| **pattern == by_name)
            .or_else(|| self.patterns.iter().find(|pattern| pattern.matches(topic)))
    }

    /// The stream URL for all patterns at once, carrying `token` as the
    /// [`TOKEN_PARAM`] (an `EventSource` cannot send an `Authorization`
    /// header), or `None` when there are no patterns.
    pub fn stream_url(&self, token: Option<&Token>) -> Option<String> {
        if self.patterns.is_empty() {
            return None;
        }
        let query = Query::new().topics(&self.patterns);
        let query = match token {
            Some(token) => query.param(TOKEN_PARAM, token.as_str()),
            None => query,
        };
        Some(query.url(EVENTS_PATH))
    }

    /// The page query that restores this subscription and `limit`, with its
    /// leading `?`. It is built like the stream's query, so a followed set
    /// reads the same in the page's address and in the stream's.
    pub fn page_query(&self, limit: usize) -> String {
        let query = Query::new().topics(&self.patterns);
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
