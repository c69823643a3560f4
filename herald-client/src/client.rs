//! [`Client`]: where the hub is, the token to show it, and how to retry.

use std::time::Duration;

use reqwest::header::{AUTHORIZATION, HeaderValue};

use crate::error::ClientError;
use crate::retry::Retry;

/// A hub's API, at a base URL such as `http://127.0.0.1:3000/api` (the
/// binary's) or `https://shop.example/events` (where an app nests its
/// hub's router). Cheap to clone: clones share one connection pool.
#[derive(Debug, Clone)]
pub struct Client {
    pub(crate) http: reqwest::Client,
    /// The base URL, without a trailing `/`.
    pub(crate) base: String,
    pub(crate) token: Option<String>,
    pub(crate) retry: Retry,
}

/// How long one request may take to connect: a hub that does not answer
/// by then is treated as away, and the request retried.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

impl Client {
    /// A client of the hub whose API is at `base`, with no token and the
    /// default [`Retry`].
    ///
    /// # Errors
    /// [`ClientError::InvalidUrl`] when `base` is not an `http` or `https`
    /// URL.
    pub fn new(base: impl Into<String>) -> Result<Self, ClientError> {
        let base = base.into();
        let parsed = reqwest::Url::parse(&base)
            .map_err(|_| ClientError::InvalidUrl { url: base.clone() })?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.cannot_be_a_base() {
            return Err(ClientError::InvalidUrl { url: base });
        }
        let http = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .build()?;
        Ok(Self {
            http,
            base: base.trim_end_matches('/').to_owned(),
            token: None,
            retry: Retry::default(),
        })
    }

    /// Shows `token` (a JWT the hub's key verifies) as
    /// `Authorization: Bearer`, on publishes and on the stream.
    #[must_use]
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// Retries as `retry` says.
    #[must_use]
    pub fn retry(mut self, retry: Retry) -> Self {
        self.retry = Retry {
            attempts: retry.attempts.max(1),
            ..retry
        };
        self
    }

    /// `path` (starting with `/`) below the base URL.
    pub(crate) fn url(&self, path_and_query: &str) -> String {
        format!("{}{path_and_query}", self.base)
    }

    /// `request` with the token, if any.
    pub(crate) fn authorized(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match self
            .token
            .as_deref()
            .and_then(|token| HeaderValue::from_str(&format!("Bearer {token}")).ok())
        {
            Some(value) => request.header(AUTHORIZATION, value),
            None => request,
        }
    }
}
