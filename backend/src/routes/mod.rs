//! HTTP routes: thin adapters between requests and the [`Hub`](crate::hub::Hub).
//!
//! Architecture invariant: handlers parse and validate input into `shared`
//! types, call the hub, and map results; they hold no state of their own.

mod health;
pub(crate) mod history;
pub(crate) mod publish;
mod query;
pub(crate) mod stream;
mod topics;

use axum::Router;
use axum::error_handling::HandleErrorLayer;
use axum::extract::DefaultBodyLimit;
use axum::routing::{any, get, post};
use shared::protocol::{
    API_PREFIX, EVENTS_PATH, HEALTH_PATH, HISTORY_PATH, READY_PATH, TOPICS_PATH,
};
use tower::ServiceBuilder;
use tower::limit::GlobalConcurrencyLimitLayer;

use crate::error::ApiError;
use crate::state::AppState;

/// The API routes (paths from [`shared::protocol`]), `/healthz` and
/// `/readyz`, with
/// JSON errors for unknown paths under `/api` and unknown methods.
///
/// Publishing is bounded four ways: the body size, the number of publishes
/// in flight (beyond it the hub sheds load with 503 rather than queueing),
/// the time one may take, and the rate its body must arrive at
/// (`publish::publish`), so a client trickling a body cannot hold a slot
/// for long. Reads of history and topics are bounded in number at once the
/// same way: each is bounded in what it reads, not in how many there are.
pub(crate) fn api(state: &AppState) -> Router<AppState> {
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
        .route(EVENTS_PATH, get(stream::stream))
        .route(
            HISTORY_PATH,
            get(history::history).layer(read_limits.clone()),
        )
        .route(TOPICS_PATH, get(topics::topics).layer(read_limits))
        .route(
            &format!("{TOPICS_PATH}/{{*topic}}"),
            post(publish::publish).layer(publish_limits),
        )
        .route(HEALTH_PATH, get(health::health))
        .route(READY_PATH, get(health::ready))
        // Everything else under the prefix is a JSON 404, not the web app.
        .route(API_PREFIX, any(not_found))
        .route(&format!("{API_PREFIX}/"), any(not_found))
        .route(&format!("{API_PREFIX}/{{*path}}"), any(not_found))
        .method_not_allowed_fallback(method_not_allowed)
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

async fn not_found() -> ApiError {
    ApiError::NotFound
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}
