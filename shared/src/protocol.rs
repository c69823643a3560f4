//! The HTTP protocol's addresses: route paths, query parameter and header
//! names, SSE event names, and the functions that build request URLs.
//!
//! This is the one place they are spelled. The hub's router, the page, the
//! end-to-end tests and the load tool all build on these, so a route cannot
//! be renamed on one side only. URLs are built with one percent-encoding
//! rule ([`encode`]): everything but RFC 3986's unreserved characters, `/`
//! and `*` is encoded, so a topic or pattern reads the same in a path and in
//! a query (`/api/topics/chat/lobby`, `?topic=chat/*`).
//!
//! # Examples
//!
//! The requests a client makes, spelled with these names rather than by
//! hand:
//!
//! ```
//! use herald_wire::protocol::{
//!     EVENTS_PATH, IDEMPOTENCY_KEY_HEADER, LAST_EVENT_ID_HEADER, MAX_BATCH, TOPIC_PARAM,
//!     history_path, publish_path, stream_path,
//! };
//! use herald_wire::{EventId, TopicPattern};
//!
//! let shop = [TopicPattern::parse("shop/*")?];
//!
//! // Publish: POST the event's JSON, named by a key of the publisher's.
//! assert_eq!(publish_path("shop/orders"), "/api/topics/shop/orders");
//! assert_eq!(IDEMPOTENCY_KEY_HEADER, "Idempotency-Key");
//! let batch = vec![r#"{"type":"order_shipped","id":7}"#; 3];
//! assert!(batch.len() <= MAX_BATCH);
//!
//! // Read: the recent history, then the stream after it.
//! assert_eq!(history_path(&shop, 50), "/api/history?topic=shop/*&limit=50");
//! let stream = stream_path(&shop, None);
//! assert_eq!(stream, format!("{EVENTS_PATH}?{TOPIC_PARAM}=shop/*"));
//!
//! // A client that can set headers resumes with `Last-Event-ID`.
//! let resume = (LAST_EVENT_ID_HEADER, EventId::new(1, 12).to_string());
//! assert_eq!(resume, ("Last-Event-ID", "1-12".to_owned()));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt::{self, Write as _};

use crate::{EventId, Topic};

/// Prefix of every API route; unknown paths under it answer a JSON 404
/// instead of the web app.
pub const API_PREFIX: &str = "/api";

/// `GET`: one SSE stream over the [`TOPIC_PARAM`] topics.
pub const EVENTS_PATH: &str = "/api/events";

/// `GET`: recent events of the [`TOPIC_PARAM`] topics, at most [`LIMIT_PARAM`] each.
pub const HISTORY_PATH: &str = "/api/history";

/// `GET`: the hub's topics, a page at a time, optionally only those the
/// [`TOPIC_PARAM`] patterns match. `POST` to a topic below it (see
/// [`publish_path`]) publishes an event.
pub const TOPICS_PATH: &str = "/api/topics";

/// `GET`: the hub's OpenAPI 3.1 document: every route, parameter, body and
/// refusal, and the hub's own event type.
pub const OPENAPI_PATH: &str = "/api/openapi.json";

/// `GET`: the JSON Schema of a stream's data: an event's envelope, or a gap.
pub const EVENT_SCHEMA_PATH: &str = "/api/schema/events.json";

/// `GET`: the OpenAPI document as a page for people, served by the hub
/// itself (no script, nothing fetched from elsewhere).
pub const REFERENCE_PATH: &str = "/api/reference";

/// `GET`: Herald's browser client, one ES module with no dependency
/// (`backend/client/herald.js`, built into the hub): a page imports
/// `subscribe` from here and follows topics without a build step. Its
/// other paths it finds relative to this one, so the module works wherever
/// an app nests the API.
pub const CLIENT_PATH: &str = "/api/client/herald.js";

/// `GET`: answers while the hub is up.
pub const HEALTH_PATH: &str = "/healthz";

/// `GET`: answers 200 while the hub can serve (in a cluster: while its
/// Redis answers and it follows the cluster's events), 503 otherwise.
pub const READY_PATH: &str = "/readyz";

/// Every figure of the hub in the Prometheus text format, at the root as
/// scrapers expect.
pub const METRICS_PATH: &str = "/metrics";

/// Query parameter naming a topic or a [`crate::TopicPattern`]; repeatable.
pub const TOPIC_PARAM: &str = "topic";

/// Query parameter of the topic list: the page starts after this topic name
/// ([`crate::TopicList::next_after`] of the previous page).
pub const AFTER_PARAM: &str = "after";

/// Query parameter carrying the resume position, for clients that cannot set
/// the [`LAST_EVENT_ID_HEADER`] (a browser opening a fresh `EventSource`).
pub const LAST_EVENT_ID_PARAM: &str = "lastEventId";

/// Query parameter bounding how many events per topic a history reply holds,
/// how many topics a topic-list page holds (and, on the page's own URL, how
/// many events the feed keeps).
pub const LIMIT_PARAM: &str = "limit";

/// Query parameter carrying a token on the read routes, for a client that
/// can neither set a header nor send the [`TOKEN_COOKIE`] (a cross-origin
/// `EventSource`).
pub const TOKEN_PARAM: &str = "token";

/// Cookie carrying a token on the read routes, which an `EventSource`
/// sends by itself (with `withCredentials` across origins).
pub const TOKEN_COOKIE: &str = "herald_token";

/// Request header a browser's `EventSource` sends with the last id it saw
/// when it reconnects by itself.
pub const LAST_EVENT_ID_HEADER: &str = "Last-Event-ID";

/// Request header naming one publish, chosen by the publisher (a UUID, say):
/// a retry with the same key, topic and body within the hub's window is
/// stored once and answered with the first reply's ids. Keys are global to
/// a hub (or cluster), so choose ones nobody else can guess.
pub const IDEMPOTENCY_KEY_HEADER: &str = "Idempotency-Key";

/// Most events one batch publish (a JSON array) may hold.
pub const MAX_BATCH: usize = 1_000;

/// SSE event name of a [`crate::Gap`]: events the hub can no longer replay.
/// Every other event is named after its kind ([`crate::Kind`]), which is never
/// this name.
pub const GAP_EVENT: &str = "gap";

/// SSE event name of the block a stream opens with: its `id:` is where the
/// stream starts, so a client cut off before its first event resumes from
/// there. Its `data:` is empty. A browser's `EventSource` takes the id of
/// any block, but some clients (the `eventsource` npm package) only that of
/// a block with data, so it has an empty `data:` line and a name no page
/// listens to: no client shows it as a message.
pub const POSITION_EVENT: &str = "position";

/// The name a browser gives an SSE event sent without an `event:` field.
/// The hub names every event, so nothing should arrive under it.
pub const UNNAMED_EVENT: &str = "message";

/// A URL query string under construction, each value percent-encoded by
/// [`encode`]; names are this module's constants, which need no encoding.
///
/// # Examples
///
/// ```
/// use herald_wire::protocol::{EVENTS_PATH, Query, TOKEN_PARAM};
/// use herald_wire::{EventId, TopicPattern};
///
/// // A stream URL for an `EventSource`, which cannot send headers: the
/// // token and the resume position travel in the query.
/// let url = Query::new()
///     .topics([TopicPattern::parse("chat/*")?])
///     .after(Some(EventId::new(1, 12)))
///     .param(TOKEN_PARAM, "eyJ.a+b")
///     .url(EVENTS_PATH);
/// assert_eq!(url, "/api/events?topic=chat/*&lastEventId=1-12&token=eyJ.a%2Bb");
///
/// // No parameter, no `?`.
/// assert_eq!(Query::new().after(None).url(EVENTS_PATH), "/api/events");
/// assert_eq!(Query::new().param("limit", "5").as_str(), "limit=5");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query(String);

impl Query {
    /// An empty query.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends `name=value`.
    #[must_use]
    pub fn param(mut self, name: &str, value: &str) -> Self {
        if !self.0.is_empty() {
            self.0.push('&');
        }
        self.0.push_str(name);
        self.0.push('=');
        self.0.push_str(&encode(value));
        self
    }

    /// Appends one [`TOPIC_PARAM`] per topic or pattern, in order.
    #[must_use]
    pub fn topics<T: fmt::Display>(self, topics: impl IntoIterator<Item = T>) -> Self {
        topics.into_iter().fold(self, |query, topic| {
            query.param(TOPIC_PARAM, &topic.to_string())
        })
    }

    /// Appends [`LAST_EVENT_ID_PARAM`] when there is a position to resume after.
    #[must_use]
    pub fn after(self, after: Option<EventId>) -> Self {
        match after {
            Some(id) => self.param(LAST_EVENT_ID_PARAM, &id.to_string()),
            None => self,
        }
    }

    /// The query without its leading `?`; empty when no parameter was added.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `path` followed by this query, with a `?` only when there is one.
    pub fn url(&self, path: &str) -> String {
        if self.0.is_empty() {
            path.to_owned()
        } else {
            format!("{path}?{}", self.0)
        }
    }
}

/// The stream URL (path and query) for `topics` (topics or patterns),
/// resuming after `after`.
///
/// # Examples
///
/// ```
/// use herald_wire::protocol::stream_path;
/// use herald_wire::{EventId, Topic, TopicPattern};
///
/// let lobby = Topic::parse("chat/lobby")?;
/// assert_eq!(stream_path([&lobby], None), "/api/events?topic=chat/lobby");
///
/// // Topics and patterns mix, as their text.
/// let news = TopicPattern::parse("news/*")?;
/// assert_eq!(
///     stream_path([lobby.to_string(), news.to_string()], Some(EventId::new(1, 4))),
///     "/api/events?topic=chat/lobby&topic=news/*&lastEventId=1-4"
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn stream_path<T: fmt::Display>(
    topics: impl IntoIterator<Item = T>,
    after: Option<EventId>,
) -> String {
    Query::new().topics(topics).after(after).url(EVENTS_PATH)
}

/// The topic-list URL (path and query): the topics `patterns` match (all
/// when there are none), at most `limit`, starting after the name `after`.
///
/// # Examples
///
/// ```
/// use herald_wire::protocol::topics_path;
/// use herald_wire::{Topic, TopicPattern};
///
/// // The first page of every topic, then the page after `chat/lobby`.
/// assert_eq!(topics_path(&[] as &[TopicPattern], None, 100), "/api/topics?limit=100");
/// let after = Topic::parse("chat/lobby")?;
/// assert_eq!(
///     topics_path([TopicPattern::parse("chat/*")?], Some(&after), 100),
///     "/api/topics?topic=chat/*&after=chat/lobby&limit=100"
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn topics_path<T: fmt::Display>(
    patterns: impl IntoIterator<Item = T>,
    after: Option<&Topic>,
    limit: usize,
) -> String {
    let query = Query::new().topics(patterns);
    let query = match after {
        Some(after) => query.param(AFTER_PARAM, after.as_str()),
        None => query,
    };
    query
        .param(LIMIT_PARAM, &limit.to_string())
        .url(TOPICS_PATH)
}

/// The history URL (path and query) for `topics` (topics or patterns), with
/// at most `limit` events per topic.
///
/// # Examples
///
/// ```
/// use herald_wire::TopicPattern;
/// use herald_wire::protocol::history_path;
///
/// let patterns = [TopicPattern::parse("system/metrics")?, TopicPattern::parse("chat/*")?];
/// assert_eq!(
///     history_path(&patterns, 300),
///     "/api/history?topic=system/metrics&topic=chat/*&limit=300"
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn history_path<T: fmt::Display>(topics: impl IntoIterator<Item = T>, limit: usize) -> String {
    Query::new()
        .topics(topics)
        .param(LIMIT_PARAM, &limit.to_string())
        .url(HISTORY_PATH)
}

/// The publish URL path for `topic`.
///
/// Takes the name as typed rather than a [`Topic`], so a client can let the
/// hub judge it and show the hub's own refusal; [`encode`] keeps a bad name
/// from changing the route (a `?` or `#` in it is sent encoded).
///
/// # Examples
///
/// ```
/// use herald_wire::protocol::publish_path;
///
/// assert_eq!(publish_path("chat/lobby"), "/api/topics/chat/lobby");
/// // A name the hub will refuse still names this route, not another.
/// assert_eq!(publish_path("chat?x=1#y"), "/api/topics/chat%3Fx%3D1%23y");
/// ```
pub fn publish_path(topic: &str) -> String {
    format!("{TOPICS_PATH}/{}", encode(topic))
}

/// Percent-encodes every byte but RFC 3986's unreserved characters
/// (`A-Z a-z 0-9 - . _ ~`), `/` and `*`.
///
/// `/` and `*` are legal in a path and in a query, and keeping them lets a
/// topic's segments and a pattern's wildcard read as they are; every other
/// reserved character is encoded, so a value can never end a parameter or
/// the path.
///
/// # Examples
///
/// ```
/// use herald_wire::protocol::encode;
///
/// assert_eq!(encode("chat/*"), "chat/*");
/// assert_eq!(encode("a b&c=d"), "a%20b%26c%3Dd");
/// assert_eq!(encode("é"), "%C3%A9");
/// ```
pub fn encode(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' | b'*' => {
                encoded.push(char::from(byte));
            }
            // Writing into a String cannot fail.
            _ => {
                let _ = write!(encoded, "%{byte:02X}");
            }
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;

    fn topics(names: &[&str]) -> Vec<Topic> {
        names
            .iter()
            .map(|name| Topic::parse(*name).unwrap())
            .collect()
    }

    #[test]
    fn every_route_lives_under_the_api_prefix_but_health() {
        for path in [
            EVENTS_PATH,
            HISTORY_PATH,
            TOPICS_PATH,
            OPENAPI_PATH,
            EVENT_SCHEMA_PATH,
            CLIENT_PATH,
            REFERENCE_PATH,
        ] {
            assert!(path.starts_with(&format!("{API_PREFIX}/")), "{path}");
        }
        assert!(!HEALTH_PATH.starts_with(API_PREFIX));
        assert!(!READY_PATH.starts_with(API_PREFIX));
    }

    #[test]
    fn the_stream_path_names_every_topic_and_the_resume_position() {
        let both = topics(&["a/b", "c.d"]);
        assert_eq!(stream_path(&both, None), "/api/events?topic=a/b&topic=c.d");
        assert_eq!(
            stream_path(&both[..1], Some(EventId::new(1, 17))),
            "/api/events?topic=a/b&lastEventId=1-17"
        );
    }

    #[test]
    fn the_history_path_names_each_topic_and_the_limit() {
        let both = topics(&["system/metrics", "a.b"]);
        assert_eq!(
            history_path(&both, 300),
            "/api/history?topic=system/metrics&topic=a.b&limit=300"
        );
        assert_eq!(history_path(&[] as &[Topic], 5), "/api/history?limit=5");
    }

    #[test]
    fn patterns_keep_their_wildcard_in_urls() {
        let patterns = [crate::TopicPattern::parse("chat/*").unwrap()];
        assert_eq!(stream_path(&patterns, None), "/api/events?topic=chat/*");
        assert_eq!(
            topics_path(&patterns, Some(&topics(&["chat/b"])[0]), 50),
            "/api/topics?topic=chat/*&after=chat/b&limit=50"
        );
        assert_eq!(topics_path(&[] as &[Topic], None, 9), "/api/topics?limit=9");
    }

    #[test]
    fn the_publish_path_keeps_slashes_and_encodes_the_rest() {
        assert_eq!(publish_path("chat/lobby"), "/api/topics/chat/lobby");
        assert_eq!(publish_path("bad topic?"), "/api/topics/bad%20topic%3F");
        assert_eq!(publish_path("a&b=c#d"), "/api/topics/a%26b%3Dc%23d");
    }

    #[test]
    fn encoding_keeps_unreserved_characters_and_slashes_only() {
        assert_eq!(encode("AZaz09-._~/*"), "AZaz09-._~/*");
        assert_eq!(encode("a b+c%"), "a%20b%2Bc%25");
        assert_eq!(encode("é"), "%C3%A9");
        assert_eq!(encode(""), "");
    }

    #[test]
    fn a_query_joins_parameters_and_is_left_out_when_empty() {
        assert_eq!(Query::new().url(EVENTS_PATH), "/api/events");
        let query = Query::new().param(TOPIC_PARAM, "a").param(LIMIT_PARAM, "0");
        assert_eq!(query.as_str(), "topic=a&limit=0");
        assert_eq!(query.after(None).url("/x"), "/x?topic=a&limit=0");
    }
}
