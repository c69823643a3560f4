//! [`Herald`]: the hub as a library, typed by an app's own [`Event`] type.
//!
//! An app builds one ([`Herald::builder`]), nests its [`Herald::router`]
//! into its own axum `Router`, publishes in process with
//! [`Herald::publish`] and reads typed deliveries with
//! [`Herald::subscribe`]. The `herald` binary is one such app, of the
//! [`Payload`] type, which reads any kind.

mod builder;
mod deliveries;

use std::collections::BTreeSet;
use std::marker::PhantomData;
use std::sync::Arc;

use axum::Router;
use axum::extract::{ConnectInfo, Request};
use axum::middleware::Next;
use axum::response::Response;
use herald_dashboard_events::Payload;
use herald_wire::{Event, EventId, Topic, TopicPattern};
use schemars::JsonSchema;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::broker::{Broker, BrokerError, ClusterError};
use crate::clients::Peer;
#[cfg(feature = "cluster")]
use crate::cluster::Cluster;
use crate::config::Config;
use crate::hub::{Hub, SubscribeError};
use crate::sources::hub_stats;
#[cfg(feature = "system-metrics")]
use crate::sources::system_metrics;
use crate::state::AppState;
use crate::throttle::{self, Throttle};
use crate::{contract, error, routes};

pub use builder::{BuildError, Builder};
pub use deliveries::Deliveries;

/// A running hub for events of type `E`: its broker (in memory or a node
/// of a Redis cluster), its limits and token checks, and its background
/// tasks. Cheap to clone; every clone is the same hub.
///
/// ```no_run
/// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
/// use herald_hub::Herald;
/// use serde::{Deserialize, Serialize};
/// use herald_wire::{Event, Topic};
///
/// #[derive(Serialize, Deserialize, Event)]
/// #[serde(tag = "type", rename_all = "snake_case")]
/// enum ShopEvent {
///     OrderShipped { id: u64 },
/// }
///
/// let herald = Herald::<ShopEvent>::builder().history(100).build().await?;
/// let app = axum::Router::new().nest("/events", herald.router());
/// let topic = Topic::parse("orders")?;
/// herald.publish(&topic, &ShopEvent::OrderShipped { id: 7 }).await?;
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
/// axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>())
///     .with_graceful_shutdown(herald.shutdown().cancelled_owned())
///     .await?;
/// herald.close().await;
/// # Ok(())
/// # }
/// ```
pub struct Herald<E = Payload> {
    state: AppState,
    tasks: TaskTracker,
    event: PhantomData<fn() -> E>,
}

impl<E> Clone for Herald<E> {
    fn clone(&self) -> Self {
        Self {
            state: self.state.clone(),
            tasks: self.tasks.clone(),
            event: PhantomData,
        }
    }
}

impl<E: Event> Herald<E> {
    /// A builder with every option at its default; see [`Builder`].
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use herald_dashboard_events::Payload;
    /// use herald_hub::Herald;
    ///
    /// let herald = Herald::<Payload>::builder().history(100).build().await?;
    /// assert!(herald.ready().await.is_ok(), "in memory, it serves at once");
    /// herald.close().await;
    /// # Ok(())
    /// # }
    /// ```
    pub fn builder() -> Builder<E> {
        Builder::new()
    }

    /// The hub `config` describes, as the binary runs it: in memory, or
    /// joined to its cluster and caught up with the history Redis holds.
    /// Its streams and tasks end when `shutdown` is cancelled.
    ///
    /// # Examples
    ///
    /// The binary's options, as flags; one out of its range is refused,
    /// named.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use herald_dashboard_events::Payload;
    /// use herald_hub::Herald;
    /// use herald_hub::config::Config;
    /// use tokio_util::sync::CancellationToken;
    ///
    /// let config = Config::from_flags(["--history", "64", "--no-hub-stats", "--no-metrics"])?;
    /// assert_eq!(config.limits().history, 64);
    /// let shutdown = CancellationToken::new();
    /// let herald = Herald::<Payload>::from_config(config, shutdown.clone()).await?;
    ///
    /// let Err(refused) = Config::from_flags(["--history", "0"]) else {
    ///     panic!("a history of 0 events was taken");
    /// };
    /// assert!(refused.to_string().contains("--history"), "{refused}");
    ///
    /// shutdown.cancel();
    /// herald.close().await;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    /// [`ClusterError`] when Redis cannot be reached.
    pub async fn from_config(
        config: Config,
        shutdown: CancellationToken,
    ) -> Result<Self, ClusterError> {
        let broker = connect(&config, shutdown.clone()).await?;
        Ok(Self::start(broker, config, shutdown))
    }

    /// The hub over `broker`, with the background tasks `config` asks for
    /// (the system metrics and hub figures it publishes, forgetting idle
    /// clients), until `shutdown` is cancelled.
    pub(crate) fn start(broker: Broker, config: Config, shutdown: CancellationToken) -> Self {
        let tasks = TaskTracker::new();
        #[cfg(feature = "system-metrics")]
        if !config.no_metrics {
            tasks.spawn(system_metrics::sample_every(
                broker.clone(),
                config.metrics_interval(),
                shutdown.clone(),
            ));
        }
        let state = AppState::new(broker, config, shutdown.clone());
        if !state.config.no_hub_stats {
            tasks.spawn(hub_stats::report_every(
                state.broker.clone(),
                Arc::clone(&state.auth),
                state.config.hub_stats_interval(),
                shutdown.clone(),
            ));
        }
        tasks.spawn(Arc::clone(&state.clients).forget_idle(shutdown));
        Self {
            state,
            tasks,
            event: PhantomData,
        }
    }

    /// Publishes `event` to `topic` and returns its id once every stream of
    /// the hub (or of the cluster) can read it.
    ///
    /// # Examples
    ///
    /// Ids follow the hub's one sequence, over all topics.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use herald_dashboard_events::{Chat, Payload};
    /// use herald_hub::Herald;
    /// use herald_wire::Topic;
    ///
    /// let herald = Herald::<Payload>::builder().build().await?;
    /// let chat = Payload::Chat(Chat { author: "ada".into(), text: "hi".into() });
    /// let first = herald.publish(&Topic::parse("chat/lobby")?, &chat).await?;
    /// let second = herald.publish(&Topic::parse("chat/help")?, &chat).await?;
    /// assert!(first < second);
    /// herald.close().await;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    /// [`BrokerError`]: the event's own `Serialize` refused it, or the
    /// cluster's Redis did not store it; nothing is published then.
    pub fn publish(
        &self,
        topic: &Topic,
        event: &E,
    ) -> impl Future<Output = Result<EventId, BrokerError>> + Send + '_ {
        self.state.broker.publish(topic.clone(), event)
    }

    /// Follows `patterns` (topics, or every topic under a prefix), from the
    /// event after `after`, or from now; see
    /// [`Hub::subscribe`](crate::hub::Hub::subscribe).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use herald_hub::Herald;
    /// use herald_wire::{Delivery, Event, Topic, TopicPattern};
    /// use serde::{Deserialize, Serialize};
    ///
    /// #[derive(Debug, PartialEq, Serialize, Deserialize, Event)]
    /// #[serde(tag = "type", rename_all = "snake_case")]
    /// enum Note {
    ///     Posted { text: String },
    /// }
    ///
    /// let herald = Herald::<Note>::builder().build().await?;
    /// let mut notes = herald.subscribe([TopicPattern::parse("notes/*")?], None)?;
    /// let posted = Note::Posted { text: "hello".to_owned() };
    /// let id = herald.publish(&Topic::parse("notes/today")?, &posted).await?;
    /// match notes.next().await {
    ///     Delivery::Event(envelope) => assert_eq!((envelope.id, envelope.event), (id, posted)),
    ///     other => panic!("expected the note, got {other:?}"),
    /// }
    /// herald.close().await;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    /// [`SubscribeError::Full`] when the hub holds its maximum of streams.
    pub fn subscribe(
        &self,
        patterns: impl IntoIterator<Item = TopicPattern>,
        after: Option<EventId>,
    ) -> Result<Deliveries<E>, SubscribeError> {
        let patterns: BTreeSet<TopicPattern> = patterns.into_iter().collect();
        let subscription = self.state.broker.hub().subscribe(patterns, after)?;
        Ok(Deliveries::new(subscription))
    }

    /// The HTTP API, to nest where the app wants it
    /// (`.nest("/events", herald.router())`): `GET /events` (the SSE
    /// stream), `GET /history`, `GET /topics` and `POST /topics/{topic}`,
    /// whose body must be an `E` (a 422 names the JSON path at fault
    /// otherwise), with the limits and token checks the builder set, and
    /// JSON errors for any other path below it.
    ///
    /// Serve the app with
    /// `into_make_service_with_connect_info::<SocketAddr>()` so the
    /// per-address limits know each client's address; without it they
    /// count clients by token only.
    ///
    /// # Examples
    ///
    /// Nested in the app's router and driven here without a server: an
    /// `E` is published, a body that is not one is refused.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use axum::body::Body;
    /// use axum::http::{Request, StatusCode, header};
    /// use herald_hub::Herald;
    /// use herald_wire::{Delivery, Event, Published, TopicPattern};
    /// use http_body_util::BodyExt;
    /// use serde::{Deserialize, Serialize};
    /// use tower::ServiceExt;
    ///
    /// #[derive(Debug, PartialEq, Serialize, Deserialize, Event)]
    /// #[serde(tag = "type", rename_all = "snake_case")]
    /// enum ShopEvent {
    ///     OrderShipped { id: u64 },
    /// }
    ///
    /// let herald = Herald::<ShopEvent>::builder().build().await?;
    /// let mut orders = herald.subscribe([TopicPattern::parse("orders")?], None)?;
    /// let app = axum::Router::new().nest("/events", herald.router());
    /// let post = |body: &'static str| {
    ///     Request::post("/events/topics/orders")
    ///         .header(header::CONTENT_TYPE, "application/json")
    ///         .body(Body::from(body))
    /// };
    ///
    /// let response = app.clone().oneshot(post(r#"{"type":"order_shipped","id":7}"#)?).await?;
    /// assert_eq!(response.status(), StatusCode::ACCEPTED);
    /// let body = response.into_body().collect().await?.to_bytes();
    /// let published: Published = serde_json::from_slice(&body)?;
    /// let refused = app.oneshot(post(r#"{"type":"order_shipped","id":"seven"}"#)?).await?;
    /// assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    ///
    /// match orders.next().await {
    ///     Delivery::Event(envelope) => {
    ///         assert_eq!(envelope.id, published.id);
    ///         assert_eq!(envelope.event, ShopEvent::OrderShipped { id: 7 });
    ///     }
    ///     other => panic!("expected the shipped order, got {other:?}"),
    /// }
    /// herald.close().await;
    /// # Ok(())
    /// # }
    /// ```
    pub fn router<S: Clone + Send + Sync + 'static>(&self) -> Router<S>
    where
        E: Send + 'static,
    {
        routes::api::<E>(&self.state)
            .with_state(self.state.clone())
            .layer(axum::middleware::from_fn_with_state(
                Arc::new(Throttle::new(throttle::EVERY)),
                error::log_errors,
            ))
            .layer(axum::middleware::from_fn(peer_from_connect_info))
    }

    /// The hub's contract, to nest beside [`Herald::router`] at the same
    /// `base` path: `GET {base}/openapi.json`, the OpenAPI 3.1 document of
    /// the routes there with `E`'s own JSON Schema as the event, and
    /// `GET {base}/schema/events.json`, the schema of a stream's data.
    /// `E` derives `schemars::JsonSchema` (`herald_hub::schemars`) to have
    /// one.
    pub fn contract<S: Clone + Send + Sync + 'static>(&self, base: &str) -> Router<S>
    where
        E: JsonSchema,
    {
        contract::router::<S, E>(
            contract::Bounds::of(&self.state.config),
            contract::Mount::Nested(base),
        )
    }

    /// Where the hub's events go and come from: its own hub, or its node
    /// of a cluster.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use std::collections::BTreeSet;
    ///
    /// use herald_dashboard_events::{Chat, Payload};
    /// use herald_hub::Herald;
    /// use herald_wire::{Topic, TopicPattern};
    ///
    /// let herald = Herald::<Payload>::builder().build().await?;
    /// let lobby = Topic::parse("chat/lobby")?;
    /// let chat = Payload::Chat(Chat { author: "ada".into(), text: "hi".into() });
    /// let id = herald.publish(&lobby, &chat).await?;
    /// let history = herald.broker().hub().history(&BTreeSet::from([TopicPattern::Exact(lobby)]), 10);
    /// assert_eq!(history.frames[0].id(), id);
    /// herald.close().await;
    /// # Ok(())
    /// # }
    /// ```
    pub fn broker(&self) -> &Broker {
        &self.state.broker
    }

    /// Whether the hub can serve, for the app's readiness probe: always in
    /// memory, and in a cluster while Redis answers.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let herald = herald_hub::Herald::<herald_dashboard_events::Payload>::builder()
    ///     .build()
    ///     .await?;
    /// herald.ready().await?;
    /// # herald.close().await;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    /// Why it cannot.
    pub async fn ready(&self) -> Result<(), ClusterError> {
        self.state.broker.ready().await
    }

    /// Cancelled when the hub shuts down ([`Herald::close`], or the token
    /// given to [`Builder::shutdown`]): every stream ends on it, so an app
    /// that waits for it before its server's graceful shutdown does not
    /// wait for streams that never end.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use herald_dashboard_events::Payload;
    /// use herald_hub::Herald;
    ///
    /// let herald = Herald::<Payload>::builder().build().await?;
    /// let shutdown = herald.shutdown();
    /// let server = tokio::spawn(async move {
    ///     // An app's `axum::serve(..).with_graceful_shutdown(..)` waits here.
    ///     shutdown.cancelled().await;
    /// });
    /// herald.close().await;
    /// server.await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn shutdown(&self) -> CancellationToken {
        self.state.shutdown.clone()
    }

    /// Ends every stream, stops the background tasks and leaves the
    /// cluster, waiting for each.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use herald_dashboard_events::Payload;
    /// use herald_hub::Herald;
    ///
    /// let herald = Herald::<Payload>::builder().build().await?;
    /// let clone = herald.clone();
    /// herald.close().await;
    /// assert!(clone.shutdown().is_cancelled(), "every clone is the same hub");
    /// # Ok(())
    /// # }
    /// ```
    pub async fn close(&self) {
        self.state.shutdown.cancel();
        self.tasks.close();
        self.tasks.wait().await;
        self.state.broker.close().await;
    }

    /// The state the hub's own server routes with.
    pub(crate) fn state(&self) -> &AppState {
        &self.state
    }
}

/// The broker `config` asks for: a fresh in-memory hub, or, with
/// `--redis-url`, this node's part of the cluster, joined and caught up with
/// the history Redis holds. Cancelling `shutdown` stops a `--redis-wait`.
///
/// # Examples
///
/// In memory without `--redis-url`; with it, a Redis that cannot be
/// reached is an error (unless `--redis-wait`).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use herald_hub::broker::Broker;
/// use herald_hub::config::Config;
/// use herald_hub::connect;
/// use tokio_util::sync::CancellationToken;
///
/// let alone = connect(&Config::from_flags(["--history", "8"])?, CancellationToken::new()).await?;
/// assert!(matches!(alone, Broker::Memory(_)));
///
/// let nowhere = Config::from_flags(["--redis-url", "redis://127.0.0.1:1", "--redis-timeout-ms", "300"])?;
/// assert!(connect(&nowhere, CancellationToken::new()).await.is_err());
/// # Ok(())
/// # }
/// ```
///
/// # Errors
/// [`ClusterError`] when Redis cannot be reached or fails.
#[cfg_attr(
    not(feature = "cluster"),
    expect(
        unused_variables,
        reason = "only joining a cluster waits on `shutdown`"
    )
)]
pub async fn connect(config: &Config, shutdown: CancellationToken) -> Result<Broker, ClusterError> {
    #[cfg(feature = "cluster")]
    if let Some(options) = config.redis() {
        let cluster = Cluster::connect(options, config.limits(), shutdown).await?;
        return Ok(Broker::Cluster(cluster));
    }
    Ok(Broker::Memory(Hub::new(config.limits())))
}

/// Tells the per-address limits who the client is when the app's server
/// knows (`into_make_service_with_connect_info`); Herald's own server
/// sets it as it accepts.
async fn peer_from_connect_info(mut request: Request, next: Next) -> Response {
    if request.extensions().get::<Peer>().is_none()
        && let Some(ConnectInfo(address)) = request
            .extensions()
            .get::<ConnectInfo<std::net::SocketAddr>>()
            .copied()
    {
        request.extensions_mut().insert(Peer(address));
    }
    next.run(request).await
}
