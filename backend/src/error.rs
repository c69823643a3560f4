//! `ApiError`: the one type that knows about HTTP statuses.
//!
//! Modules report failures as their own `thiserror` enums; this module maps
//! each to a status and a [`herald_wire::ErrorBody`], once. A 500 body says
//! "internal error" and nothing more (its cause is a bug, for the log, not
//! the client); every other refusal, 503 included, tells the client what to
//! do. Logging happens in [`log_errors`], from the response extensions, so
//! the conversion itself has no side effects and each error is logged
//! exactly once.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use herald_dashboard_events::METRICS_TOPIC;
use herald_wire::protocol::{EVENTS_PATH, IDEMPOTENCY_KEY_HEADER, TOPIC_PARAM};
use herald_wire::{ErrorBody, ErrorCode, EventIdError, TopicPatternError};

use crate::auth::AuthError;
use crate::broker;
use crate::broker::ClusterError;
use crate::clients::LimitError;
use crate::hub::{PublishError, SubscribeError};
use crate::idempotency::{InvalidKey, OnceError};
use crate::min_rate::TooSlow;
use crate::throttle::Throttle;

/// Everything a request can fail with.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ApiError {
    /// A topic in the path or query is invalid.
    #[error("invalid topic {value:?}: {source}")]
    InvalidTopic {
        /// Where the topic came from (`path` or `topic`).
        field: &'static str,
        /// The refused value, shortened.
        value: String,
        /// The broken rule.
        source: TopicPatternError,
    },
    /// A stream request without any `topic` parameter.
    #[error("name at least one topic, as in {EVENTS_PATH}?{TOPIC_PARAM}={METRICS_TOPIC}")]
    MissingTopic,
    /// A stream request with more topics than allowed.
    #[error("a stream may follow at most {max} topics")]
    TooManyTopics {
        /// The configured maximum.
        max: usize,
    },
    /// A resume position that is not an event id.
    #[error("{source}")]
    InvalidLastEventId {
        /// `Last-Event-ID` (header) or `lastEventId` (query).
        field: &'static str,
        /// The parse failure.
        source: EventIdError,
    },
    /// An unknown or undecodable query parameter.
    #[error("{message}")]
    InvalidQuery {
        /// The parameter at fault.
        field: String,
        /// What is wrong with it.
        message: String,
    },
    /// The body is not declared as JSON.
    #[error("expected `Content-Type: application/json`, got {0}")]
    UnsupportedMediaType(String),
    /// The body is larger than `--max-body`.
    #[error("body exceeds the limit of {limit} bytes")]
    PayloadTooLarge {
        /// The configured limit.
        limit: usize,
    },
    /// The body could not be read.
    #[error("cannot read the request body: {0}")]
    BodyRead(String),
    /// The body is not well-formed JSON.
    #[error("body is not valid JSON: {0}")]
    MalformedJson(String),
    /// The body is JSON but not an event.
    #[error("{message}")]
    InvalidEvent {
        /// JSON path of the offending value, when known.
        field: Option<String>,
        /// What is wrong with it.
        message: String,
    },
    /// The hub refused the event.
    #[error(transparent)]
    Publish(#[from] PublishError),
    /// The hub refused the subscription.
    #[error(transparent)]
    Subscribe(#[from] SubscribeError),
    /// The request's token is missing or invalid (401), or does not allow
    /// what it asks (403).
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// The cluster's Redis did not answer or failed; the cause is logged,
    /// not sent, since it names Redis.
    #[error("the cluster cannot store or serve events right now; retry shortly")]
    Unavailable(ClusterError),
    /// The client holds its share (429).
    #[error(transparent)]
    Limit(#[from] LimitError),
    /// The server holds its maximum of connections (`--max-connections`).
    #[error("the hub serves its maximum of {max} connections; retry shortly")]
    TooManyConnections {
        /// The cap.
        max: usize,
    },
    /// The hub is shutting down.
    #[error("the hub is shutting down; nothing was published; retry shortly")]
    ShuttingDown,
    /// The `Idempotency-Key` header is malformed.
    #[error(transparent)]
    InvalidIdempotencyKey(#[from] InvalidKey),
    /// The `Idempotency-Key` names another publish.
    #[error("{}", OnceError::Reused)]
    IdempotencyKeyReused,
    /// The `Idempotency-Key`'s publish is being stored.
    #[error("{}", OnceError::InFlight)]
    IdempotencyKeyInFlight,
    /// Too many publishes in flight.
    #[error("the hub is at its limit of concurrent publishes; retry shortly")]
    Overloaded,
    /// The request took longer than allowed.
    #[error("the request took longer than the hub allows")]
    Timeout,
    /// The body arrived slower than `--min-body-rate`.
    #[error(transparent)]
    BodyTooSlow(#[from] TooSlow),
    /// A middleware failed in a way no variant covers; a bug.
    #[error("middleware failed: {0}")]
    Middleware(String),
    /// No route matches the path.
    #[error("no route for this path")]
    NotFound,
    /// The route exists but not with this method.
    #[error("method not allowed for this path")]
    MethodNotAllowed,
    /// The request names a host the hub does not answer for.
    #[error(
        "this hub does not answer for host {host:?}; start it with `--allowed-host NAME` for each name clients use to reach it"
    )]
    HostNotAllowed {
        /// The refused name, shortened; empty when the request named none.
        host: String,
    },
}

impl From<OnceError> for ApiError {
    fn from(error: OnceError) -> Self {
        match error {
            OnceError::Reused => Self::IdempotencyKeyReused,
            OnceError::InFlight => Self::IdempotencyKeyInFlight,
            OnceError::Broker(error) => error.into(),
        }
    }
}

impl From<broker::BrokerError> for ApiError {
    fn from(error: broker::BrokerError) -> Self {
        match error {
            broker::BrokerError::Hub(error) => Self::Publish(error),
            broker::BrokerError::Unavailable(error) => Self::Unavailable(error),
        }
    }
}

/// Marks a response built from an [`ApiError`], for [`log_errors`] and
/// [`refusal`].
#[derive(Debug, Clone)]
struct Logged {
    cause: String,
    code: ErrorCode,
}

/// The error code of a response built from an [`ApiError`]; `None` for any
/// other response.
pub(crate) fn refusal(response: &Response) -> Option<ErrorCode> {
    response
        .extensions()
        .get::<Logged>()
        .map(|logged| logged.code)
}

impl ApiError {
    /// A refused topic from `field`, echoing the start of `value`.
    pub(crate) fn invalid_topic(
        field: &'static str,
        value: &str,
        source: impl Into<TopicPatternError>,
    ) -> Self {
        Self::InvalidTopic {
            field,
            value: ErrorBody::echo(value),
            source: source.into(),
        }
    }

    /// A request sent to `host`, or to no host at all.
    pub(crate) fn host_not_allowed(host: Option<&str>) -> Self {
        Self::HostNotAllowed {
            host: ErrorBody::echo(host.unwrap_or_default()),
        }
    }

    /// A query parameter the route does not take; `accepted` are the ones
    /// it takes besides the topics.
    pub(crate) fn unknown_parameter(name: &str, accepted: &[&str]) -> Self {
        let expected: String = accepted
            .iter()
            .map(|name| format!(" and `{name}`"))
            .collect();
        let name = ErrorBody::echo(name);
        Self::InvalidQuery {
            message: format!(
                "unknown parameter {name:?}; expected `{TOPIC_PARAM}` (repeatable){expected}"
            ),
            field: name,
        }
    }

    /// The status of its code: one mapping, which the contract lists too.
    fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.code().status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn code(&self) -> ErrorCode {
        match self {
            Self::InvalidTopic { .. } => ErrorCode::InvalidTopic,
            Self::MissingTopic => ErrorCode::MissingTopic,
            Self::TooManyTopics { .. } | Self::InvalidQuery { .. } => ErrorCode::InvalidQuery,
            Self::InvalidLastEventId { .. } => ErrorCode::InvalidLastEventId,
            Self::UnsupportedMediaType(_) => ErrorCode::UnsupportedMediaType,
            Self::PayloadTooLarge { .. } => ErrorCode::PayloadTooLarge,
            Self::BodyRead(_) | Self::MalformedJson(_) => ErrorCode::MalformedJson,
            Self::InvalidEvent { .. } | Self::Publish(PublishError::Encode(_)) => {
                ErrorCode::InvalidEvent
            }
            Self::Publish(PublishError::Framing(_) | PublishError::Replica) => ErrorCode::Internal,
            Self::Subscribe(SubscribeError::Full { .. }) => ErrorCode::TooManySubscribers,
            Self::Overloaded | Self::TooManyConnections { .. } => ErrorCode::Overloaded,
            Self::Unavailable(_) => ErrorCode::Unavailable,
            Self::ShuttingDown => ErrorCode::ShuttingDown,
            Self::InvalidIdempotencyKey(_) => ErrorCode::InvalidIdempotencyKey,
            Self::IdempotencyKeyReused => ErrorCode::IdempotencyKeyReused,
            Self::IdempotencyKeyInFlight => ErrorCode::IdempotencyKeyInFlight,
            Self::Timeout | Self::BodyTooSlow(_) => ErrorCode::Timeout,
            Self::Middleware(_) => ErrorCode::Internal,
            Self::NotFound => ErrorCode::NotFound,
            Self::MethodNotAllowed => ErrorCode::MethodNotAllowed,
            Self::HostNotAllowed { .. } => ErrorCode::HostNotAllowed,
            Self::Auth(error) if error.is_forbidden() => ErrorCode::Forbidden,
            Self::Auth(_) => ErrorCode::Unauthorized,
            Self::Limit(LimitError::Connections { .. }) => ErrorCode::TooManyConnections,
            Self::Limit(LimitError::Streams { .. }) => ErrorCode::TooManyStreams,
            Self::Limit(LimitError::Rate { .. } | LimitError::Publishes { .. }) => {
                ErrorCode::RateLimited
            }
        }
    }

    fn field(&self) -> Option<String> {
        match self {
            Self::InvalidTopic { field, .. } | Self::InvalidLastEventId { field, .. } => {
                Some((*field).to_owned())
            }
            Self::MissingTopic | Self::TooManyTopics { .. } => Some(TOPIC_PARAM.to_owned()),
            Self::InvalidQuery { field, .. } => Some(field.clone()),
            Self::UnsupportedMediaType(_) => Some("content-type".to_owned()),
            Self::HostNotAllowed { .. } => Some("host".to_owned()),
            Self::InvalidEvent { field, .. } => field.clone(),
            Self::InvalidIdempotencyKey(_)
            | Self::IdempotencyKeyReused
            | Self::IdempotencyKeyInFlight => Some(IDEMPOTENCY_KEY_HEADER.to_owned()),
            _ => None,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.response()
    }
}

impl ApiError {
    /// The response that says what this error is; the accept loop answers
    /// every request of a refused connection with the same one.
    pub(crate) fn response(&self) -> Response {
        let status = self.status();
        let message = if status == StatusCode::INTERNAL_SERVER_ERROR {
            "internal error".to_owned()
        } else {
            self.to_string()
        };
        let code = self.code();
        let body = ErrorBody {
            code,
            message,
            field: self.field(),
        };
        let cause = match &self {
            Self::Unavailable(error) => format!("{self}: {error}"),
            _ => self.to_string(),
        };
        let mut response = (status, Json(body)).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"herald\""),
            );
        }
        let retry_after = match self {
            Self::Limit(LimitError::Rate { retry_after, .. }) => {
                Some(retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0))
            }
            Self::Limit(
                LimitError::Connections { .. }
                | LimitError::Streams { .. }
                | LimitError::Publishes { .. },
            ) => Some(5),
            // Capacity frees and Redis returns within seconds, usually.
            _ => (status == StatusCode::SERVICE_UNAVAILABLE).then_some(1),
        };
        if let Some(seconds) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds.max(1)));
        }
        response.extensions_mut().insert(Logged { cause, code });
        response
    }
}

/// Middleware that logs each [`ApiError`] response once: a 500 (a bug) at
/// `error`, the other server refusals (overload, a full hub) at `warn` (the
/// operator may need more capacity) but at most once per
/// [`throttle::EVERY`](crate::throttle::EVERY), since a client can cause
/// them at will, and client errors at `debug` (they are the client's
/// problem, and a misbehaving client must not be able to flood the log).
pub(crate) async fn log_errors(
    State(refusals): State<Arc<Throttle>>,
    request: Request,
    next: Next,
) -> Response {
    let response = next.run(request).await;
    if let Some(Logged { cause, .. }) = response.extensions().get::<Logged>() {
        let status = response.status();
        let code = status.as_u16();
        if status == StatusCode::INTERNAL_SERVER_ERROR {
            tracing::error!(status = code, %cause, "request failed");
        } else if status.is_server_error() {
            if let Some(left_out) = refusals.admit() {
                tracing::warn!(status = code, %cause, left_out, "request refused");
            }
        } else {
            tracing::debug!(status = code, %cause, "request refused");
        }
    }
    response
}
