//! [`Subscription`]: a hub's stream read as an app's event type, resumed by
//! itself after every cut with `Last-Event-ID`.

use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use eventsource_stream::{Event as SseEvent, Eventsource};
use futures_util::StreamExt;
use herald_wire::protocol::{GAP_EVENT, LAST_EVENT_ID_HEADER, POSITION_EVENT, Query};
use herald_wire::{Delivery, Envelope, Event, EventId, Gap, Kind, Topic, TopicPattern, Unknown};
use reqwest::header::ACCEPT;
use serde::Deserialize;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::client::Client;
use crate::error::ClientError;
use crate::publish::{refusal, retry_after};

/// Deliveries read ahead of the caller at most: past them the reader stops
/// reading the socket, and the hub's write timeout, not this process's
/// memory, bounds a caller that stops.
const READ_AHEAD: usize = 64;

/// A subscription's deliveries, in id order, as a
/// [`Stream`](futures_util::Stream): each an `Ok` [`Delivery`], or an
/// `Err` for what the hub sent that is not its protocol (the stream goes
/// on) or a refusal no retry can pass (a 401, 403 or 400; the stream then
/// ends). A cut stream is reopened after the newest id read, with backoff,
/// for as long as the subscription lives; dropping it closes the stream.
///
/// # Examples
///
/// Waiting a bounded time for one event, then closing the stream:
///
/// ```no_run
/// use std::time::Duration;
///
/// use futures_util::StreamExt;
/// use herald_client::Client;
/// use herald_wire::{Delivery, Event, TopicPattern};
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Debug, Serialize, Deserialize, Event)]
/// #[serde(tag = "type", rename_all = "snake_case")]
/// enum ShopEvent {
///     OrderShipped { id: u64 },
/// }
///
/// #[tokio::main]
/// async fn main() -> Result<(), Box<dyn std::error::Error>> {
///     let hub = Client::new("http://127.0.0.1:3000/api")?;
///     let mut orders = hub.subscribe::<ShopEvent>([TopicPattern::parse("shop/orders")?], None);
///     let first = tokio::time::timeout(Duration::from_secs(30), async {
///         while let Some(delivery) = orders.next().await {
///             if let Delivery::Event(envelope) = delivery? {
///                 return Ok(Some(envelope));
///             }
///         }
///         Ok::<_, herald_client::ClientError>(None)
///     })
///     .await??;
///     drop(orders);
///     println!("{first:?}");
///     Ok(())
/// }
/// ```
pub struct Subscription<E> {
    deliveries: mpsc::Receiver<Result<Delivery<E>, ClientError>>,
    reader: JoinHandle<()>,
    event: PhantomData<fn() -> E>,
}

impl Client {
    /// Follows `patterns` (topics, or every topic under a prefix) from the
    /// event after `after`, or from now; see [`Subscription`]. Must be
    /// called within a tokio runtime, which runs its reader.
    ///
    /// # Examples
    ///
    /// A consumer that keeps its place: it resumes after the last id it
    /// handled, so a restart misses nothing the hub still holds, and a gap
    /// tells it what the hub no longer does.
    ///
    /// ```no_run
    /// use futures_util::StreamExt;
    /// use herald_client::Client;
    /// use herald_wire::{Delivery, Event, EventId, TopicPattern};
    /// use serde::{Deserialize, Serialize};
    ///
    /// #[derive(Debug, Serialize, Deserialize, Event)]
    /// #[serde(tag = "type", rename_all = "snake_case")]
    /// enum ShopEvent {
    ///     OrderCreated { id: u64 },
    ///     OrderShipped { id: u64 },
    /// }
    ///
    /// # fn load_position() -> Option<EventId> { None }
    /// # fn save_position(_: EventId) {}
    /// # fn rebuild_from_database() {}
    /// #[tokio::main]
    /// async fn main() -> Result<(), Box<dyn std::error::Error>> {
    ///     let hub = Client::new("http://127.0.0.1:3000/api")?.token("eyJ...");
    ///     let shop = TopicPattern::parse("shop/*")?;
    ///     let mut deliveries = hub.subscribe::<ShopEvent>([shop], load_position());
    ///     while let Some(delivery) = deliveries.next().await {
    ///         match delivery? {
    ///             Delivery::Event(envelope) => {
    ///                 println!("{}: {:?}", envelope.topic, envelope.event);
    ///                 save_position(envelope.id);
    ///             }
    ///             Delivery::Unknown(other) => save_position(other.id),
    ///             Delivery::Gap(gap) => {
    ///                 rebuild_from_database();
    ///                 save_position(gap.through);
    ///             }
    ///         }
    ///     }
    ///     Ok(())
    /// }
    /// ```
    pub fn subscribe<E: Event + Send + 'static>(
        &self,
        patterns: impl IntoIterator<Item = TopicPattern>,
        after: Option<EventId>,
    ) -> Subscription<E> {
        let query = Query::new().topics(patterns);
        let (sender, deliveries) = mpsc::channel(READ_AHEAD);
        let reader = tokio::spawn(follow(self.clone(), query, after, sender));
        Subscription {
            deliveries,
            reader,
            event: PhantomData,
        }
    }
}

impl<E> futures_util::Stream for Subscription<E> {
    type Item = Result<Delivery<E>, ClientError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.deliveries.poll_recv(cx)
    }
}

impl<E> Drop for Subscription<E> {
    fn drop(&mut self) {
        self.reader.abort();
    }
}

type Sender<E> = mpsc::Sender<Result<Delivery<E>, ClientError>>;

/// Reads the stream, reopening it after each cut, until the caller drops
/// the subscription or the hub refuses it for good.
async fn follow<E: Event>(
    client: Client,
    query: Query,
    mut after: Option<EventId>,
    sender: Sender<E>,
) {
    let url = client.url(&query.url("/events"));
    // Consecutive failures, for the backoff; reset by any event read.
    let mut failures = 0;
    loop {
        let mut request = client.http.get(&url).header(ACCEPT, "text/event-stream");
        if let Some(id) = after {
            request = request.header(LAST_EVENT_ID_HEADER, id.to_string());
        }
        let mut wait_at_least = None;
        match client.authorized(request).send().await {
            Ok(response) if response.status().is_success() => {
                let mut events = response.bytes_stream().eventsource();
                while let Some(Ok(event)) = events.next().await {
                    failures = 0;
                    if let Ok(id) = EventId::parse(&event.id) {
                        after = Some(id);
                    }
                    let delivery = match event.event.as_str() {
                        POSITION_EVENT => continue,
                        GAP_EVENT => serde_json::from_str::<Gap>(&event.data)
                            .map(Delivery::Gap)
                            .map_err(|error| ClientError::Protocol(format!("a gap: {error}"))),
                        _ => typed(&event),
                    };
                    if sender.send(delivery).await.is_err() {
                        return;
                    }
                }
                tracing::debug!(?after, "the stream ended; resuming");
            }
            Ok(response) => {
                wait_at_least = retry_after(response.headers());
                let refused = refusal(response).await;
                if !refused.is_transient() {
                    let _ = sender.send(Err(refused)).await;
                    return;
                }
                tracing::debug!(error = %refused, "the stream was refused for now");
            }
            Err(error) => tracing::debug!(%error, "the hub cannot be reached"),
        }
        let delay = client
            .retry
            .delay(failures, wait_at_least)
            .max(MIN_RECONNECT);
        failures = failures.saturating_add(1);
        tokio::select! {
            () = tokio::time::sleep(delay) => {}
            () = sender.closed() => return,
        }
    }
}

/// The shortest wait before reopening a stream, so a hub that ends streams
/// at once (shutting down) is not asked again in a tight loop.
const MIN_RECONNECT: Duration = Duration::from_millis(50);

/// An event of a kind the stream named, as `E`, or, when it is not one, as
/// [`Delivery::Unknown`].
fn typed<E: Event>(event: &SseEvent) -> Result<Delivery<E>, ClientError> {
    if let Ok(envelope) = serde_json::from_str::<Envelope<E>>(&event.data) {
        return Ok(Delivery::Event(envelope));
    }
    #[derive(Deserialize)]
    struct Head {
        id: EventId,
        topic: Topic,
    }
    let head: Head = serde_json::from_str(&event.data)
        .map_err(|error| ClientError::Protocol(format!("an event that is no envelope: {error}")))?;
    let kind = Kind::parse(event.event.as_str()).map_err(|error| {
        ClientError::Protocol(format!("an event named {:?}: {error}", event.event))
    })?;
    Ok(Delivery::Unknown(Unknown {
        id: head.id,
        topic: head.topic,
        kind,
        json: event.data.clone(),
    }))
}
