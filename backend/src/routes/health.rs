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
