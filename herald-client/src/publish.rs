//! Publishing: one event or a batch, named by one `Idempotency-Key` per
//! call and retried while a retry can help, so a publish whose reply was
//! lost is stored once.

use std::time::Duration;

use herald_wire::protocol::{IDEMPOTENCY_KEY_HEADER, encode};
use herald_wire::{ErrorBody, Event, Published, PublishedBatch, Topic};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, HeaderMap, RETRY_AFTER};
use serde::de::DeserializeOwned;

use crate::client::Client;
use crate::error::ClientError;

impl Client {
    /// Publishes `event` to `topic` and returns its id.
    ///
    /// # Errors
    /// [`ClientError::Refused`] for an event or token the hub refuses (or
    /// the last refusal after every retry), [`ClientError::Unreachable`]
    /// when no retry reached it, [`ClientError::Encode`] for an event its
    /// `Serialize` refuses.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use herald_client::Client;
    /// use herald_wire::{Event, Topic};
    /// use serde::{Deserialize, Serialize};
    ///
    /// #[derive(Serialize, Deserialize, Event)]
    /// #[serde(tag = "type", rename_all = "snake_case")]
    /// enum ShopEvent {
    ///     OrderShipped { id: u64 },
    /// }
    ///
    /// #[tokio::main]
    /// async fn main() -> Result<(), Box<dyn std::error::Error>> {
    ///     let hub = Client::new("http://127.0.0.1:3000/api")?;
    ///     let orders = Topic::parse("shop/orders")?;
    ///     // Retried with one key, so stored once even if a reply is lost.
    ///     let published = hub.publish(&orders, &ShopEvent::OrderShipped { id: 7 }).await?;
    ///     assert_eq!(published.topic, orders);
    ///     println!("order 7 shipped as event {}", published.id);
    ///     Ok(())
    /// }
    /// ```
    pub async fn publish<E: Event>(
        &self,
        topic: &Topic,
        event: &E,
    ) -> Result<Published, ClientError> {
        let body = serde_json::to_vec(event)?;
        self.post(topic, body).await
    }

    /// Publishes `events` to `topic`, in order, all or none, in one request
    /// (at most [`MAX_BATCH`](herald_wire::protocol::MAX_BATCH), and at most the
    /// hub's `--publish-rate`), and returns their ids.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use herald_client::Client;
    /// use herald_wire::protocol::MAX_BATCH;
    /// use herald_wire::{Event, Topic};
    /// use serde::{Deserialize, Serialize};
    ///
    /// #[derive(Serialize, Deserialize, Event)]
    /// #[serde(tag = "type", rename_all = "snake_case")]
    /// enum ShopEvent {
    ///     OrderShipped { id: u64 },
    /// }
    ///
    /// #[tokio::main]
    /// async fn main() -> Result<(), Box<dyn std::error::Error>> {
    ///     let hub = Client::new("http://127.0.0.1:3000/api")?;
    ///     let orders = Topic::parse("shop/orders")?;
    ///     let shipped: Vec<ShopEvent> = (1..=2_500).map(|id| ShopEvent::OrderShipped { id }).collect();
    ///     // Each chunk is stored whole or not at all, its ids in order.
    ///     for chunk in shipped.chunks(MAX_BATCH) {
    ///         let published = hub.publish_batch(&orders, chunk).await?;
    ///         assert_eq!(published.ids.len(), chunk.len());
    ///     }
    ///     Ok(())
    /// }
    /// ```
    ///
    /// # Errors
    /// As [`Client::publish`].
    pub async fn publish_batch<E: Event>(
        &self,
        topic: &Topic,
        events: &[E],
    ) -> Result<PublishedBatch, ClientError> {
        let body = serde_json::to_vec(events)?;
        self.post(topic, body).await
    }

    /// Posts `body` to `topic` under one new key, retrying what may pass.
    async fn post<T: DeserializeOwned>(
        &self,
        topic: &Topic,
        body: Vec<u8>,
    ) -> Result<T, ClientError> {
        let key = idempotency_key();
        let url = self.url(&format!("/topics/{}", encode(topic.as_str())));
        let mut retry = 0;
        loop {
            let request = self
                .http
                .post(&url)
                .header(CONTENT_TYPE, "application/json")
                .header(IDEMPOTENCY_KEY_HEADER, &key)
                .body(body.clone());
            let (error, retry_after) = match self.authorized(request).send().await {
                Ok(response) if response.status() == StatusCode::ACCEPTED => {
                    return response
                        .json()
                        .await
                        .map_err(|error| ClientError::Protocol(error.to_string()));
                }
                Ok(response) => {
                    let retry_after = retry_after(response.headers());
                    (refusal(response).await, retry_after)
                }
                Err(error) => (ClientError::Unreachable(error), None),
            };
            retry += 1;
            if !error.is_transient() || retry >= self.retry.attempts {
                return Err(error);
            }
            let delay = self.retry.delay(retry - 1, retry_after);
            tracing::debug!(%error, ?delay, retry, "publish failed; retrying with the same key");
            tokio::time::sleep(delay).await;
        }
    }
}

/// A refusal, with the hub's error body when it sent one.
pub(crate) async fn refusal(response: reqwest::Response) -> ClientError {
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    ClientError::Refused {
        status,
        body: serde_json::from_str::<ErrorBody>(&text).ok(),
    }
}

/// The `Retry-After` a refusal carries, in seconds (a date is not used).
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let seconds = headers
        .get(RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    Some(Duration::from_secs(seconds))
}

/// A key no one else chooses: 128 random bits as 32 hex digits.
fn idempotency_key() -> String {
    let mut bytes = [0_u8; 16];
    if getrandom::fill(&mut bytes).is_err() {
        // Without the system's randomness the key is still unique to this
        // process and moment, if not secret.
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        bytes = now.as_nanos().to_le_bytes();
    }
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}
