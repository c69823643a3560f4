//! `GET /healthz`: answers while the server accepts requests.

use axum::Json;
use shared::Health;

/// Reports that the hub is up.
pub(crate) async fn health() -> Json<Health> {
    Json(Health {
        status: "ok".to_owned(),
    })
}
