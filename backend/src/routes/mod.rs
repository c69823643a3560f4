//! HTTP routes: thin adapters between requests and the [`Hub`](crate::hub::Hub).
//!
//! Architecture invariant: handlers parse and validate input into `shared`
//! types, call the hub, and map results; they hold no state of their own.

pub mod health;
pub mod publish;
pub mod stream;
pub mod topics;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use crate::error::ApiError;
use crate::state::AppState;

/// The `/api` routes, with JSON errors for unknown paths and methods.
pub fn api(state: &AppState) -> Router<AppState> {
    Router::new()
        .route("/events", get(stream::stream))
        .route("/topics", get(topics::topics))
        .route(
            "/topics/{*topic}",
            post(publish::publish).layer(DefaultBodyLimit::max(state.config.max_body)),
        )
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
}

async fn not_found() -> ApiError {
    ApiError::NotFound
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}
