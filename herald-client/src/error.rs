//! [`ClientError`]: why a publish or a subscription failed.

use herald_wire::ErrorBody;
use reqwest::StatusCode;

/// Why a call to the hub failed.
///
/// # Examples
///
/// The client retries what [`ClientError::is_transient`] says by itself;
/// an error that reaches the caller after that has used up its retries,
/// or is one no retry can pass:
///
/// ```
/// use herald_client::ClientError;
/// use herald_wire::{ErrorBody, ErrorCode};
/// use reqwest::StatusCode;
///
/// let busy = ClientError::Refused { status: StatusCode::SERVICE_UNAVAILABLE, body: None };
/// assert!(busy.is_transient());
///
/// let refused = ClientError::Refused {
///     status: StatusCode::UNPROCESSABLE_ENTITY,
///     body: Some(ErrorBody {
///         code: ErrorCode::InvalidEvent,
///         message: "missing field `id`".into(),
///         field: Some("id".into()),
///     }),
/// };
/// assert!(!refused.is_transient());
/// assert_eq!(
///     refused.to_string(),
///     "the hub refused the request (422 Unprocessable Entity): missing field `id`"
/// );
/// ```
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The hub's address is not a URL.
    #[error("the hub's address {url:?} is not an http(s) URL")]
    InvalidUrl {
        /// The address as given.
        url: String,
    },
    /// The event could not be encoded as JSON (its own `Serialize` refused
    /// it).
    #[error("the event cannot be encoded: {0}")]
    Encode(#[from] serde_json::Error),
    /// The hub refused the request, and retrying it cannot help (or every
    /// retry was refused too); its JSON error body says why, when the
    /// answer came from the hub (not from a proxy in front of it).
    #[error("the hub refused the request ({status}){}", body.as_ref().map(|body| format!(": {}", body.message)).unwrap_or_default())]
    Refused {
        /// The HTTP status.
        status: StatusCode,
        /// The hub's error body.
        body: Option<ErrorBody>,
    },
    /// The hub could not be reached, or its reply could not be read, after
    /// every retry.
    #[error("the hub cannot be reached: {0}")]
    Unreachable(#[from] reqwest::Error),
    /// The hub answered something that is not its protocol.
    #[error("the hub's reply is not what Herald sends: {0}")]
    Protocol(String),
}

impl ClientError {
    /// Whether a retry of the same request may succeed.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Refused { status, .. } => retryable(*status),
            Self::Unreachable(_) => true,
            Self::InvalidUrl { .. } | Self::Encode(_) | Self::Protocol(_) => false,
        }
    }
}

/// Statuses a retry of the same request may get past: a timeout, a key
/// still being stored, a rate, and a hub or proxy that is busy or away.
pub(crate) fn retryable(status: StatusCode) -> bool {
    matches!(
        status,
        StatusCode::REQUEST_TIMEOUT
            | StatusCode::CONFLICT
            | StatusCode::TOO_MANY_REQUESTS
            | StatusCode::BAD_GATEWAY
            | StatusCode::SERVICE_UNAVAILABLE
            | StatusCode::GATEWAY_TIMEOUT
    )
}
