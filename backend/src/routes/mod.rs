//! HTTP routes: thin adapters between requests and the [`Hub`](crate::hub::Hub).
//!
//! Architecture invariant: handlers parse and validate input into `shared`
//! types, call the hub, and map results; they hold no state of their own.

pub mod health;
pub mod history;
pub mod publish;
pub mod stream;
pub mod topics;

use axum::Router;
use axum::error_handling::HandleErrorLayer;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use tower::ServiceBuilder;

use crate::error::ApiError;
use crate::state::AppState;

/// The `/api` routes, with JSON errors for unknown paths and methods.
///
/// Publishing is bounded three ways: the body size, the number of publishes
/// in flight (beyond it the hub sheds load with 503 rather than queueing),
/// and the time one may take, so a client trickling a body cannot hold a
/// slot forever.
pub fn api(state: &AppState) -> Router<AppState> {
    let config = &state.config;
    let publish_limits = ServiceBuilder::new()
        .layer(HandleErrorLayer::new(publish_refused))
        .load_shed()
        .concurrency_limit(config.max_concurrent_publishes as usize)
        .timeout(config.publish_timeout())
        .layer(DefaultBodyLimit::max(config.max_body));
    Router::new()
        .route("/events", get(stream::stream))
        .route("/history", get(history::history))
        .route("/topics", get(topics::topics))
        .route(
            "/topics/{*topic}",
            post(publish::publish).layer(publish_limits),
        )
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
}

async fn publish_refused(error: tower::BoxError) -> ApiError {
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
