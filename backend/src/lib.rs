//! Herald's hub as a library: the binary only parses flags and calls [`run`],
//! so tests and embedding programs start the same server.
//!
//! Layout, in the order an event travels:
//! - `routes::publish` accepts `POST /api/topics/{topic}`;
//! - [`broker`] sends it to this process's hub, or through Redis to every
//!   node of a [`cluster`], whose one stream reader per node feeds its hub;
//! - [`hub`] assigns the id (or takes the cluster's), frames the event once
//!   (`sse`), keeps it in the topic's history and wakes subscribers;
//! - `routes::stream` turns a [`hub::Subscription`] into an SSE body.
//!
//! Around them: `server` (the connection loop: HTTP/1.1, and HTTP/2 over
//! [`tls`]), [`config`] (flags), [`auth`] (tokens), `allowed_host` (the `Host` guard), `cors`, `static_files` (the web
//! app, from its directory or built in), `error` (HTTP mapping), `state`,
//! `metrics` (the built-in source), [`shutdown`] and [`telemetry`].
//!
//! Public are only what an embedding program or the binary uses: [`run`],
//! [`connect`], [`serve`], [`embeds_page`], [`broker`], [`cluster`], [`hub`], [`config`],
//! [`open_files`], [`shutdown`], [`telemetry`] and [`tls`]; the rest
//! is private, so the compiler reports what nothing uses.

mod allowed_host;
pub mod auth;
pub mod broker;
mod clients;
pub mod cluster;
pub mod config;
mod cors;
mod error;
#[cfg(feature = "fuzzing")]
pub mod fuzzing;
pub mod hub;
mod hub_stats;
mod meters;
mod metrics;
mod min_rate;
pub mod open_files;
mod routes;
mod server;
pub mod shutdown;
mod sse;
mod state;
mod static_files;
pub mod telemetry;
pub mod tls;

use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderName, HeaderValue};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::allowed_host::AllowedHosts;
use crate::broker::Broker;
use crate::clients::Clients;
use crate::cluster::{Cluster, ClusterError};
use crate::config::Config;
use crate::hub::Hub;
use crate::state::AppState;

/// The whole HTTP surface: the API, `/healthz`, and the single-page app
/// (from `--static-dir`, else the binary's own) with every other path
/// falling back to its `index.html`,
/// answered only for the hosts in `allowed`, each response with the
/// [`SECURITY_HEADERS`].
fn app(state: AppState, allowed: AllowedHosts) -> Router {
    let cors_layer = cors::layer(&state.config.cors_origins);
    let meters = Arc::clone(&state.meters);
    let registry = Arc::new(meters.registry(state.broker.clone()));
    let mut router = Router::new()
        .merge(routes::api(&state))
        .route(
            shared::protocol::METRICS_PATH,
            axum::routing::get(meters::scrape).with_state(registry),
        )
        .merge(static_files::router(state.config.static_dir.as_deref()))
        .with_state(state)
        .layer(axum::middleware::from_fn_with_state(
            Arc::new(allowed),
            allowed_host::check,
        ));
    for (name, value) in SECURITY_HEADERS {
        router = router.layer(SetResponseHeaderLayer::if_not_present(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        ));
    }
    // Outside the routes, so a preflight is answered before any of them.
    if let Some(cors) = cors_layer {
        router = router.layer(cors);
    }
    observe(router, meters)
}

/// Every minute, drops the publish-rate state of clients that have been
/// quiet long enough to have their whole burst back, so the table holds
/// recent publishers only.
async fn forget_idle_clients(clients: Arc<Clients>, shutdown: CancellationToken) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(60));
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            _ = every.tick() => clients.forget_idle(),
        }
    }
}

/// The connection cap: `--max-connections`, but never more than the
/// open-files limit leaves room for, which is also the default.
fn max_connections(config: &Config) -> usize {
    let room = open_files::connection_room();
    match config.max_connections {
        None => room,
        Some(asked) => {
            let asked = usize::try_from(asked).unwrap_or(usize::MAX);
            if asked > room {
                tracing::warn!(
                    asked,
                    allowed = room,
                    "--max-connections is above what the open files limit leaves room for"
                );
            }
            asked.min(room)
        }
    }
}

/// Headers on every response, the web app's and the API's alike: no
/// guessing of content types, no referrer sent on, and no framing by other
/// sites (the page has buttons worth clickjacking).
const SECURITY_HEADERS: [(&str, &str); 4] = [
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
    ("x-frame-options", "DENY"),
    ("content-security-policy", "frame-ancestors 'none'"),
];

/// Wraps `router` in the request span, the error log and the response
/// count.
///
/// [`error::log_errors`] logs each refusal once, at a level set by its
/// status, inside the request's span ([`telemetry::request_span`]).
/// [`meters::count`] is outermost, so it counts what the client gets, the
/// Host guard's and CORS's answers included.
fn observe(router: Router, meters: Arc<meters::Meters>) -> Router {
    router
        .layer(axum::middleware::from_fn(error::log_errors))
        .layer(axum::middleware::from_fn(telemetry::request_span))
        .layer(axum::middleware::from_fn_with_state(meters, meters::count))
}

/// Whether this build carries the web app (built with `HERALD_EMBED_DIR`,
/// see `backend/build.rs`), which the hub serves when no `--static-dir` is
/// given; without it the hub serves `dist` from the working directory.
pub fn embeds_page() -> bool {
    static_files::embedded()
}

/// Serves Herald on `listener` with the broker `config` asks for until
/// `shutdown` is cancelled; see [`connect`] and [`serve`].
///
/// # Errors
/// Returns why the cluster could not be joined, or the I/O error that
/// stopped the server.
pub async fn run(
    listener: TcpListener,
    config: Config,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    let broker = connect(&config, shutdown.clone())
        .await
        .map_err(std::io::Error::other)?;
    serve(listener, broker, config, shutdown).await
}

/// The broker `config` asks for: a fresh in-memory hub, or, with
/// `--redis-url`, this node's part of the cluster, joined and caught up with
/// the history Redis holds. Cancelling `shutdown` stops a `--redis-wait`.
///
/// # Errors
/// [`ClusterError`] when Redis cannot be reached or fails.
pub async fn connect(config: &Config, shutdown: CancellationToken) -> Result<Broker, ClusterError> {
    Ok(match config.redis() {
        None => Broker::Memory(Hub::new(config.limits())),
        Some(options) => {
            Broker::Cluster(Cluster::connect(options, config.limits(), shutdown).await?)
        }
    })
}

/// Serves `broker` on `listener` until `shutdown` is cancelled, then waits
/// for open streams to end and background tasks to stop.
///
/// Passing a hub in lets an embedding program publish in-process (with
/// [`Hub::publish`], or [`Broker::publish`] for a cluster) to the same
/// streams that browsers read over HTTP.
///
/// # Errors
/// Returns the I/O error that stopped the server, or what made a cluster
/// node leave its cluster.
pub async fn serve(
    listener: TcpListener,
    broker: impl Into<Broker>,
    config: Config,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    let broker = broker.into();
    let tls = match config.tls() {
        Some(tls) => Some(tls.acceptor().map_err(std::io::Error::other)?),
        None => None,
    };
    let tasks = TaskTracker::new();
    // A node that left its cluster for good stops serving.
    tasks.spawn({
        let (broker, shutdown) = (broker.clone(), shutdown.clone());
        async move {
            tokio::select! {
                () = broker.stopped() => shutdown.cancel(),
                () = shutdown.cancelled() => {}
            }
        }
    });
    if !config.no_metrics {
        tasks.spawn(metrics::run(
            broker.clone(),
            config.metrics_interval(),
            shutdown.clone(),
        ));
    }
    let addr = listener.local_addr()?;
    let allowed = AllowedHosts::new(addr, &config.allowed_hosts);
    if allowed.only_local(addr) {
        tracing::warn!(
            %addr,
            "listening on every interface, but answering only requests for this machine's own names; \
             pass --allowed-host NAME for each name clients use (or '*')"
        );
    }
    if !config.addr.ip().is_loopback() && config.jwt_key().is_none() {
        tracing::warn!(
            %addr,
            "serving the network with no token key: anyone who reaches the hub may publish \
             and read every topic; pass --jwt-secret or --jwt-public-key"
        );
    }
    let limits = server::Limits {
        max_connections: max_connections(&config),
        write_timeout: config.write_timeout(),
        grace: config.shutdown_grace(),
        nodelay: !config.no_tcp_nodelay,
    };
    let state = AppState::new(broker.clone(), config, shutdown.clone());
    let meters = Arc::clone(&state.meters);
    if !state.config.no_hub_stats {
        tasks.spawn(hub_stats::run(
            broker.clone(),
            Arc::clone(&state.auth),
            state.config.hub_stats_interval(),
            shutdown.clone(),
        ));
    }
    tasks.spawn(forget_idle_clients(
        Arc::clone(&state.clients),
        shutdown.clone(),
    ));
    let served = server::accept(
        listener,
        app(state, allowed),
        shutdown.clone(),
        limits,
        tls,
        meters,
    )
    .await;
    // Whatever stopped the server, stop the background tasks with it.
    shutdown.cancel();
    tasks.close();
    tasks.wait().await;
    broker.close().await;
    match broker.fatal() {
        Some(fatal) => Err(std::io::Error::other(fatal)),
        None => served,
    }
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::extract::Request;
    use axum::routing::get;
    use tower::ServiceExt;

    use axum::http::StatusCode;
    use shared::{ErrorBody, ErrorCode};

    use super::*;
    use crate::error::ApiError;
    use crate::telemetry::capture::{self, Logs};

    /// Answers a request with `error` through the hub's logging layers.
    async fn refuse(error: fn() -> ApiError) -> (StatusCode, ErrorBody, Logs) {
        let (logs, _guard) = capture::start();
        let router = observe(
            Router::new().route("/", get(move || async move { error() })),
            Arc::new(meters::Meters::new()),
        );
        let request = Request::get("/").body(Body::empty()).unwrap();
        let response = router.oneshot(request).await.unwrap();
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        (status, serde_json::from_slice(&bytes).unwrap(), logs)
    }

    #[tokio::test]
    async fn a_500_hides_its_cause_and_is_logged_once_at_error() {
        let (status, body, logs) = refuse(|| ApiError::Middleware("boom".to_owned())).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(body.message, "internal error");
        let errors = logs.at("ERROR");
        assert_eq!(errors.len(), 1, "{:?}", logs.events());
        assert_eq!(errors[0]["fields"]["cause"], "middleware failed: boom");
        assert!(logs.at("WARN").is_empty(), "{:?}", logs.events());
    }

    #[tokio::test]
    async fn an_overload_tells_the_client_and_warns_once() {
        let (status, body, logs) = refuse(|| ApiError::Overloaded).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(body.code, ErrorCode::Overloaded);
        assert_eq!(body.message, ApiError::Overloaded.to_string());
        assert_eq!(logs.at("WARN").len(), 1, "{:?}", logs.events());
        assert!(logs.at("ERROR").is_empty(), "{:?}", logs.events());
    }

    #[tokio::test]
    async fn no_token_reaches_the_log_at_any_level() {
        const TOKEN: &str = "the-token-value-that-must-not-be-logged";
        let (logs, _guard) = capture::start();
        let config = <Config as clap::Parser>::try_parse_from([
            "herald",
            "--no-metrics",
            "--jwt-secret",
            "a test secret of at least thirty-two bytes",
            "--private-topics",
            "p/*",
        ])
        .unwrap();
        let addr: std::net::SocketAddr = "127.0.0.1:3000".parse().unwrap();
        let broker = Hub::new(config.limits()).into();
        let state = AppState::new(broker, config, CancellationToken::new());
        let app = app(state, AllowedHosts::new(addr, &[]));
        for request in [
            Request::get(format!("/api/events?topic=p/x&token={TOKEN}")),
            Request::get(format!("/api/history?topic=p/x&token={TOKEN}")),
            Request::post("/api/topics/p/x").header("authorization", format!("Bearer {TOKEN}")),
            Request::get("/api/events?topic=p/x").header("cookie", format!("herald_token={TOKEN}")),
        ] {
            let request = request.header("host", "127.0.0.1:3000").body(Body::empty());
            let response = app.clone().oneshot(request.unwrap()).await.unwrap();
            assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        }
        let logged = logs.events();
        assert!(logged.len() >= 4, "the refusals are logged: {logged:?}");
        let text = serde_json::to_string(&logged).unwrap();
        assert!(!text.contains(TOKEN), "{text}");
    }

    #[tokio::test]
    async fn a_client_error_is_logged_at_debug_only() {
        let (status, body, logs) = refuse(|| ApiError::MissingTopic).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body.field.as_deref(), Some(shared::protocol::TOPIC_PARAM));
        assert_eq!(logs.hub_at("DEBUG").len(), 1, "{:?}", logs.events());
        assert!(logs.hub_at("INFO").is_empty(), "{:?}", logs.events());
        for level in ["WARN", "ERROR"] {
            assert!(logs.at(level).is_empty(), "{level}: {:?}", logs.events());
        }
    }
}
