//! [`Client`]: where the hub is, the token to show it, and how to retry.

use std::time::Duration;

use reqwest::header::{AUTHORIZATION, HeaderValue};

use crate::error::ClientError;
use crate::retry::Retry;

/// A hub's API, at a base URL such as `http://127.0.0.1:3000/api` (the
/// binary's) or `https://shop.example/events` (where an app nests its
/// hub's router). Cheap to clone: clones share one connection pool.
///
/// # Examples
///
/// ```
/// use herald_client::Client;
///
/// // The `herald` binary's API, and a hub an app nests under its own path
/// // (a trailing `/` is the same address).
/// assert!(Client::new("http://127.0.0.1:3000/api").is_ok());
/// assert!(Client::new("https://shop.example/events/").is_ok());
///
/// let hub = Client::new("https://shop.example/events")?.token("eyJ...");
/// let publisher = hub.clone();
/// # Ok::<(), herald_client::ClientError>(())
/// ```
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
    ///
    /// # Examples
    ///
    /// ```
    /// use herald_client::{Client, ClientError};
    ///
    /// let hub = Client::new("http://127.0.0.1:3000/api");
    /// assert!(hub.is_ok());
    ///
    /// // No scheme, another scheme, or no path to put routes below.
    /// for refused in ["127.0.0.1:3000/api", "ws://127.0.0.1:3000/api", "mailto:ops@shop.example"] {
    ///     let error = Client::new(refused).err();
    ///     assert!(matches!(&error, Some(ClientError::InvalidUrl { url }) if url == refused));
    /// }
    /// let error = Client::new("hub").err().map(|error| error.to_string());
    /// assert_eq!(error.as_deref(), Some(r#"the hub's address "hub" is not an http(s) URL"#));
    /// ```
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
    ///
    /// # Examples
    ///
    /// A token the hub does not accept is a refusal no retry passes:
    ///
    /// ```no_run
    /// use herald_client::{Client, ClientError};
    /// use herald_wire::{ErrorCode, Event, Topic};
    /// use serde::{Deserialize, Serialize};
    ///
    /// #[derive(Serialize, Deserialize, Event)]
    /// #[serde(tag = "type", rename_all = "snake_case")]
    /// enum ShopEvent {
    ///     OrderShipped { id: u64 },
    /// }
    ///
    /// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
    /// let token = std::env::var("HERALD_TOKEN")?;
    /// let hub = Client::new("http://127.0.0.1:3000/api")?.token(token);
    /// let orders = Topic::parse("shop/orders")?;
    /// match hub.publish(&orders, &ShopEvent::OrderShipped { id: 7 }).await {
    ///     Ok(published) => println!("stored as {}", published.id),
    ///     Err(ClientError::Refused { body: Some(body), .. })
    ///         if matches!(body.code, ErrorCode::Unauthorized | ErrorCode::Forbidden) =>
    ///     {
    ///         eprintln!("the token may not publish there: {}", body.message);
    ///     }
    ///     Err(other) => return Err(other.into()),
    /// }
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// Retries as `retry` says.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// use herald_client::{Client, Retry};
    ///
    /// // A caller with its own queue of failed publishes tries once.
    /// let once = Client::new("http://127.0.0.1:3000/api")?.retry(Retry::NONE);
    /// assert_eq!(Retry::NONE.attempts, 1);
    ///
    /// // A batch job can wait longer for a hub that restarts.
    /// let patient = Retry {
    ///     attempts: 10,
    ///     max_delay: Duration::from_secs(30),
    ///     ..Retry::default()
    /// };
    /// let batch = Client::new("http://127.0.0.1:3000/api")?.retry(patient);
    /// assert_eq!(patient.ceiling(9), Duration::from_secs(30));
    /// # Ok::<(), herald_client::ClientError>(())
    /// ```
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
