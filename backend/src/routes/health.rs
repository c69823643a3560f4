//! `GET /healthz`: answers while the server accepts requests; `GET /readyz`:
//! answers 200 only while the node can serve, so a load balancer drains a
//! cluster node that lost Redis while it stays alive.

use axum::Json;
use axum::extract::State;
use herald_wire::Health;

use crate::error::ApiError;
use crate::state::AppState;

/// Reports that the hub is up.
pub(crate) async fn health() -> Json<Health> {
    Json(Health {
        status: "ok".to_owned(),
    })
}

/// Reports that the hub can serve: always for one process; in a cluster
/// while Redis answers and the node follows the cluster's stream.
///
/// # Errors
/// 503 `unavailable` when it cannot.
pub(crate) async fn ready(State(state): State<AppState>) -> Result<Json<Health>, ApiError> {
    state.broker.ready().await.map_err(ApiError::Unavailable)?;
    Ok(health().await)
}

/// `/healthz` in the hub's OpenAPI document.
pub(crate) fn operation(generator: &mut schemars::SchemaGenerator) -> crate::openapi::Operation {
    let health = generator.subschema_for::<Health>();
    crate::openapi::Operation::new(
        "health",
        "Liveness",
        "200 while the hub accepts requests: for a liveness probe.",
    )
    .reply(200, "The hub is up.", "application/json", health)
}

/// `/readyz` in the hub's OpenAPI document.
pub(crate) fn ready_operation(
    generator: &mut schemars::SchemaGenerator,
) -> crate::openapi::Operation {
    let health = generator.subschema_for::<Health>();
    crate::openapi::Operation::new(
        "ready",
        "Readiness",
        "200 while the hub can serve; in a cluster, while its Redis answers and it follows the cluster's events. For a readiness probe or a load balancer.",
    )
    .reply(200, "The hub can serve.", "application/json", health)
    .refusals(&[herald_wire::ErrorCode::Unavailable])
}
