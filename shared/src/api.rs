//! JSON bodies of the HTTP API and the hub's control events.

use serde::{Deserialize, Serialize};

use crate::{Envelope, EventId, Topic, TopicPattern};

/// Reply to an accepted publish (`202 Accepted`).
///
/// # Examples
///
/// ```
/// use herald_wire::{EventId, Published};
///
/// let reply: Published = serde_json::from_str(r#"{"id":"1-17","topic":"chat/lobby"}"#)?;
/// assert_eq!(reply.id, EventId::new(1, 17));
/// assert_eq!(reply.topic.as_str(), "chat/lobby");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Published {
    /// Id the hub gave the event.
    pub id: EventId,
    /// Topic it was published to.
    pub topic: Topic,
}

/// Reply to an accepted batch, a JSON array of events published to one
/// topic in one request (`202 Accepted`): their ids, in the array's order.
///
/// # Examples
///
/// ```
/// use herald_wire::{EventId, PublishedBatch};
///
/// let reply: PublishedBatch =
///     serde_json::from_str(r#"{"ids":["1-17","1-18"],"topic":"chat/lobby"}"#)?;
/// assert_eq!(reply.ids, [EventId::new(1, 17), EventId::new(1, 18)]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishedBatch {
    /// Ids the hub gave the events, in order.
    pub ids: Vec<EventId>,
    /// Topic they were published to.
    pub topic: Topic,
}

/// Reply to `GET /api/history`: recent events, oldest first, and where to
/// resume the stream after them.
///
/// # Examples
///
/// A page shows the history, then opens the stream after `resume_after`,
/// so it neither repeats nor skips an event:
///
/// ```
/// use herald_wire::protocol::stream_path;
/// use herald_wire::{Event, EventId, EventList, Topic};
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Debug, PartialEq, Serialize, Deserialize, Event)]
/// #[serde(tag = "type", rename_all = "snake_case")]
/// enum ShopEvent {
///     OrderShipped { id: u64 },
/// }
///
/// let body = r#"{
///     "events": [{"id":"1-8","topic":"shop/orders","time_us":5,"event":{"type":"order_shipped","id":7}}],
///     "resume_after": "1-12"
/// }"#;
/// let history: EventList<ShopEvent> = serde_json::from_str(body)?;
/// assert_eq!(history.events[0].event, ShopEvent::OrderShipped { id: 7 });
/// assert_eq!(history.resume_after, EventId::new(1, 12));
///
/// let orders = Topic::parse("shop/orders")?;
/// assert_eq!(
///     stream_path([&orders], Some(history.resume_after)),
///     "/api/events?topic=shop/orders&lastEventId=1-12"
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventList<E> {
    /// The newest events of each requested topic, merged in id order.
    pub events: Vec<Envelope<E>>,
    /// The position to open the stream after (`lastEventId`): the hub's
    /// newest id when it read the history, so every event of these topics
    /// is either in `events`, older than them, or arrives on the stream,
    /// also when `events` is empty or something was published meanwhile.
    pub resume_after: EventId,
}

/// Reply to `GET /api/topics`: one page of the topics with history or
/// subscribers, sorted by name.
///
/// # Examples
///
/// Reading every page, each starting after the last topic of the one
/// before:
///
/// ```
/// use herald_wire::protocol::topics_path;
/// use herald_wire::{EventId, TopicList, TopicPattern};
///
/// let chat = [TopicPattern::parse("chat/*")?];
/// let first_page = r#"{
///     "topics": [
///         {"topic":"chat/eu","subscribers":3,"last_id":"1-40"},
///         {"topic":"chat/lobby","subscribers":0,"last_id":null}
///     ],
///     "next_after": "chat/lobby"
/// }"#;
/// let page: TopicList = serde_json::from_str(first_page)?;
/// assert_eq!(page.topics[0].subscribers, 3);
/// assert_eq!(page.topics[0].last_id, Some(EventId::new(1, 40)));
///
/// let next = page.next_after.as_ref().map(|after| topics_path(&chat, Some(after), 2));
/// assert_eq!(next.as_deref(), Some("/api/topics?topic=chat/*&after=chat/lobby&limit=2"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopicList {
    /// The topics of this page that the request's patterns match, in name
    /// order.
    pub topics: Vec<TopicInfo>,
    /// When more topics follow, the name to send as
    /// [`crate::protocol::AFTER_PARAM`] for the next page; `None` on the last.
    pub next_after: Option<Topic>,
}

/// One topic in a [`TopicList`].
///
/// # Examples
///
/// ```
/// use herald_wire::TopicInfo;
///
/// // A topic that has subscribers but no event yet.
/// let info: TopicInfo =
///     serde_json::from_str(r#"{"topic":"chat/lobby","subscribers":2,"last_id":null}"#)?;
/// assert_eq!(info.subscribers, 2);
/// assert_eq!(info.last_id, None);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopicInfo {
    /// The topic.
    pub topic: Topic,
    /// Open streams that include this topic.
    pub subscribers: u64,
    /// Id of the newest event published to it, if any.
    pub last_id: Option<EventId>,
}

/// Reply to `GET /healthz`.
///
/// # Examples
///
/// ```
/// use herald_wire::Health;
///
/// let health: Health = serde_json::from_str(r#"{"status":"ok"}"#)?;
/// assert_eq!(health.status, "ok");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    /// Always `"ok"` when the hub answers.
    pub status: String,
}

/// Sent on a stream, as SSE event [`crate::GAP_EVENT`], where the hub cannot
/// replay events the client has not seen.
///
/// Events on `topic` with an id after `after` and up to `through` may have been
/// missed: history was evicted before the client read it (it reconnected too
/// late, or read too slowly), or the hub restarted. The stream goes on with
/// the events after `through`; a client that keeps derived state resyncs it.
///
/// # Examples
///
/// ```
/// use herald_wire::{EventId, GAP_EVENT, Gap, Topic};
///
/// // The `data:` of an SSE event named `gap`.
/// assert_eq!(GAP_EVENT, "gap");
/// let gap: Gap = serde_json::from_str(r#"{"topic":"chat/lobby","after":"1-3","through":"1-9"}"#)?;
/// assert!(gap.topic.matches(&Topic::parse("chat/lobby")?));
///
/// // Up to six events may be missing.
/// let missed = gap.through.sequence() - gap.after.sequence();
/// assert_eq!(missed, 6);
/// assert_eq!(gap.after, EventId::new(1, 3));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gap {
    /// Topic with missing events; a pattern of the stream when they were on
    /// topics under it that the hub has forgotten entirely, so it can no
    /// longer name them.
    pub topic: TopicPattern,
    /// The client's position: it has seen everything up to this id.
    pub after: EventId,
    /// The newest id that may be missing.
    pub through: EventId,
}

/// Body of every 4xx and 5xx response.
///
/// # Examples
///
/// ```
/// use herald_wire::{ErrorBody, ErrorCode};
///
/// let body = r#"{"code":"invalid_event","message":"missing field `text`","field":"text"}"#;
/// let error: ErrorBody = serde_json::from_str(body)?;
/// assert_eq!(error.code, ErrorCode::InvalidEvent);
/// assert_eq!(error.field.as_deref(), Some("text"));
///
/// // A body without a field at fault leaves it out.
/// let overloaded = ErrorBody {
///     code: ErrorCode::Overloaded,
///     message: "the hub is busy; retry".into(),
///     field: None,
/// };
/// assert_eq!(
///     serde_json::to_string(&overloaded)?,
///     r#"{"code":"overloaded","message":"the hub is busy; retry"}"#
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// Machine-readable cause.
    pub code: ErrorCode,
    /// Human-readable explanation of what is wrong.
    pub message: String,
    /// The request part at fault (a JSON path, header or parameter), when one is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl ErrorBody {
    /// Longest prefix of a refused value that an error echoes back: enough
    /// to recognise it, never a way to make the hub reflect a large input.
    pub const ECHO_CHARS: usize = 64;

    /// What an error may quote of a refused `value`: at most
    /// [`ErrorBody::ECHO_CHARS`] characters of its start.
    ///
    /// # Examples
    ///
    /// ```
    /// use herald_wire::ErrorBody;
    ///
    /// assert_eq!(ErrorBody::echo("bad topic"), "bad topic");
    /// let huge = "x".repeat(10_000);
    /// assert_eq!(ErrorBody::echo(&huge).chars().count(), ErrorBody::ECHO_CHARS);
    /// ```
    pub fn echo(value: &str) -> String {
        value.chars().take(Self::ECHO_CHARS).collect()
    }
}

/// Machine-readable error causes, one per way a request can fail.
///
/// # Examples
///
/// A client decides by the code, not by the message, which may change:
///
/// ```
/// use herald_wire::ErrorCode;
///
/// fn worth_retrying(code: ErrorCode) -> bool {
///     matches!(
///         code,
///         ErrorCode::Overloaded
///             | ErrorCode::Unavailable
///             | ErrorCode::ShuttingDown
///             | ErrorCode::RateLimited
///             | ErrorCode::IdempotencyKeyInFlight
///     )
/// }
///
/// let code: ErrorCode = serde_json::from_str(r#""rate_limited""#)?;
/// assert!(worth_retrying(code));
/// assert!(!worth_retrying(ErrorCode::Forbidden));
/// assert_eq!(ErrorCode::Forbidden.as_str(), "forbidden");
/// // Every code, for a table of metrics labels, say.
/// assert!(ErrorCode::ALL.iter().any(|code| code.as_str() == "idempotency_key_reused"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// A topic name breaks the topic rules.
    InvalidTopic,
    /// A stream request names no topic.
    MissingTopic,
    /// The body is not JSON.
    MalformedJson,
    /// The body is JSON but not a valid event.
    InvalidEvent,
    /// The body is not declared as `application/json`.
    UnsupportedMediaType,
    /// The body is larger than the hub accepts.
    PayloadTooLarge,
    /// `Last-Event-ID` (or `lastEventId`) is not an event id.
    InvalidLastEventId,
    /// A query parameter is unknown or malformed.
    InvalidQuery,
    /// The hub already serves as many streams as it is configured for.
    TooManySubscribers,
    /// The hub is handling as many publishes as it is configured for; retry.
    Overloaded,
    /// The cluster's store (Redis) is unreachable or failing: nothing was
    /// stored; retry after `Retry-After`.
    Unavailable,
    /// The hub is shutting down: nothing was published, since no stream
    /// would carry it; retry (on another node, or once it is back).
    ShuttingDown,
    /// The request took longer than the hub allows (a body sent too slowly).
    Timeout,
    /// No such route.
    NotFound,
    /// The route exists, but not for this HTTP method.
    MethodNotAllowed,
    /// The request needs a valid token and has none, or one that is
    /// malformed, wrongly signed, expired or not yet valid (401).
    Unauthorized,
    /// The token is valid but does not allow this topic (403).
    Forbidden,
    /// The client's address holds its maximum of connections (429).
    TooManyConnections,
    /// The client's address holds its maximum of streams (429).
    TooManyStreams,
    /// The client publishes faster than the hub allows one client (429);
    /// `Retry-After` says when to try again.
    RateLimited,
    /// The request was sent to a host name this hub does not answer for
    /// (`--allowed-host`), which guards against DNS rebinding.
    HostNotAllowed,
    /// The `Idempotency-Key` header is not 1 to 255 visible ASCII
    /// characters.
    InvalidIdempotencyKey,
    /// The `Idempotency-Key` was used, within the hub's window, for another
    /// topic or body (422): a key names one publish.
    IdempotencyKeyReused,
    /// A publish with this `Idempotency-Key` is still being stored (409);
    /// retry to get its reply.
    IdempotencyKeyInFlight,
    /// The hub failed; the cause is in its log.
    Internal,
}

impl ErrorCode {
    /// Every code, in declaration order.
    pub const ALL: [Self; 25] = [
        Self::InvalidTopic,
        Self::MissingTopic,
        Self::MalformedJson,
        Self::InvalidEvent,
        Self::UnsupportedMediaType,
        Self::PayloadTooLarge,
        Self::InvalidLastEventId,
        Self::InvalidQuery,
        Self::TooManySubscribers,
        Self::Overloaded,
        Self::Unavailable,
        Self::ShuttingDown,
        Self::Timeout,
        Self::NotFound,
        Self::MethodNotAllowed,
        Self::Unauthorized,
        Self::Forbidden,
        Self::TooManyConnections,
        Self::TooManyStreams,
        Self::RateLimited,
        Self::HostNotAllowed,
        Self::InvalidIdempotencyKey,
        Self::IdempotencyKeyReused,
        Self::IdempotencyKeyInFlight,
        Self::Internal,
    ];

    /// The HTTP status a hub answers this code with: each code has one, so
    /// a client may read either, and a contract lists them together.
    ///
    /// ```
    /// use herald_wire::ErrorCode;
    ///
    /// assert_eq!(ErrorCode::RateLimited.status(), 429);
    /// assert_eq!(ErrorCode::InvalidEvent.status(), 422);
    /// ```
    pub const fn status(self) -> u16 {
        match self {
            Self::InvalidTopic
            | Self::MissingTopic
            | Self::MalformedJson
            | Self::InvalidLastEventId
            | Self::InvalidQuery
            | Self::InvalidIdempotencyKey => 400,
            Self::Unauthorized => 401,
            Self::Forbidden => 403,
            Self::NotFound => 404,
            Self::MethodNotAllowed => 405,
            Self::Timeout => 408,
            Self::IdempotencyKeyInFlight => 409,
            Self::PayloadTooLarge => 413,
            Self::UnsupportedMediaType => 415,
            Self::HostNotAllowed => 421,
            Self::InvalidEvent | Self::IdempotencyKeyReused => 422,
            Self::TooManyConnections | Self::TooManyStreams | Self::RateLimited => 429,
            Self::Internal => 500,
            Self::TooManySubscribers
            | Self::Overloaded
            | Self::Unavailable
            | Self::ShuttingDown => 503,
        }
    }

    /// The code as it is written in JSON, for labels and logs.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::InvalidTopic => "invalid_topic",
            Self::MissingTopic => "missing_topic",
            Self::MalformedJson => "malformed_json",
            Self::InvalidEvent => "invalid_event",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::PayloadTooLarge => "payload_too_large",
            Self::InvalidLastEventId => "invalid_last_event_id",
            Self::InvalidQuery => "invalid_query",
            Self::TooManySubscribers => "too_many_subscribers",
            Self::Overloaded => "overloaded",
            Self::Unavailable => "unavailable",
            Self::ShuttingDown => "shutting_down",
            Self::Timeout => "timeout",
            Self::NotFound => "not_found",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::Unauthorized => "unauthorized",
            Self::Forbidden => "forbidden",
            Self::TooManyConnections => "too_many_connections",
            Self::TooManyStreams => "too_many_streams",
            Self::RateLimited => "rate_limited",
            Self::HostNotAllowed => "host_not_allowed",
            Self::InvalidIdempotencyKey => "invalid_idempotency_key",
            Self::IdempotencyKeyReused => "idempotency_key_reused",
            Self::IdempotencyKeyInFlight => "idempotency_key_in_flight",
            Self::Internal => "internal",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_code_names_itself_as_json_does() {
        for code in ErrorCode::ALL {
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
        }
    }
}
