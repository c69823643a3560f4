//! HTTP routes: thin adapters between requests and the [`Hub`](crate::hub::Hub).
//!
//! Architecture invariant: handlers parse and validate input into `herald-wire`
//! types, call the hub, and map results; they hold no state of their own.

pub(crate) mod client;
pub(crate) mod health;
pub(crate) mod history;
pub(crate) mod publish;
mod query;
pub(crate) mod stream;
pub(crate) mod topics;

use axum::Router;
use axum::error_handling::HandleErrorLayer;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use herald_wire::Event;
use herald_wire::protocol::{
    API_PREFIX, CLIENT_PATH, EVENTS_PATH, HEALTH_PATH, HISTORY_PATH, READY_PATH, TOPICS_PATH,
};
use tower::ServiceBuilder;
use tower::limit::GlobalConcurrencyLimitLayer;

use crate::error::ApiError;
use crate::state::AppState;

/// The API routes (paths from [`herald_wire::protocol`], below
/// [`API_PREFIX`], where the hub nests them and an embedding app may nest
/// them elsewhere), with JSON errors for unknown paths and methods; a
/// published body must be an `E`. The browser client is among them, so it
/// is served beside the routes it calls wherever they are.
///
/// Publishing is bounded four ways: the body size, the number of publishes
/// in flight (beyond it the hub sheds load with 503 rather than queueing),
/// the time one may take, and the rate its body must arrive at
/// (`publish::publish`), so a client trickling a body cannot hold a slot
/// for long. Reads of history and topics are bounded in number at once the
/// same way: each is bounded in what it reads, not in how many there are.
pub(crate) fn api<E: Event + Send + 'static>(state: &AppState) -> Router<AppState> {
    let config = &state.config;
    let publish_limits = ServiceBuilder::new()
        .layer(HandleErrorLayer::new(refused))
        .load_shed()
        .concurrency_limit(config.max_concurrent_publishes as usize)
        .timeout(config.publish_timeout())
        .layer(DefaultBodyLimit::max(config.max_body));
    // One limit over both routes: clones of the layer share its permits.
    let read_limits = ServiceBuilder::new()
        .layer(HandleErrorLayer::new(refused))
        .load_shed()
        .layer(GlobalConcurrencyLimitLayer::new(
            config.max_concurrent_reads as usize,
        ));
    Router::new()
        .route(below_api(EVENTS_PATH), get(stream::stream))
        .route(
            below_api(HISTORY_PATH),
            get(history::history).layer(read_limits.clone()),
        )
        .route(
            below_api(TOPICS_PATH),
            get(topics::topics).layer(read_limits),
        )
        .route(
            &format!("{}/{{*topic}}", below_api(TOPICS_PATH)),
            post(publish::publish::<E>).layer(publish_limits),
        )
        .route(below_api(CLIENT_PATH), client::route())
        // Everything else below the prefix is a JSON 404, not the web app.
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
}

/// `/healthz` and `/readyz`, for the hub's own server: an embedding app
/// has its own, and asks [`Broker::ready`](crate::broker::Broker::ready).
pub(crate) fn health() -> Router<AppState> {
    Router::new()
        .route(HEALTH_PATH, get(health::health))
        .route(READY_PATH, get(health::ready))
        .method_not_allowed_fallback(method_not_allowed)
}

/// A path of the API below [`API_PREFIX`].
pub(crate) fn below_api(path: &'static str) -> &'static str {
    path.strip_prefix(API_PREFIX).unwrap_or(path)
}

/// What a limit of publishes or reads refused with.
async fn refused(error: tower::BoxError) -> ApiError {
    if error.is::<tower::timeout::error::Elapsed>() {
        ApiError::Timeout
    } else if error.is::<tower::load_shed::error::Overloaded>() {
        ApiError::Overloaded
    } else {
        ApiError::Middleware(error.to_string())
    }
}

/// A JSON 404: no route of the API has this path.
pub(crate) async fn not_found() -> ApiError {
    ApiError::NotFound
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}
