//! The router: the API, `/metrics`, `/healthz` and the web app, behind the
//! Host guard, the security headers, CORS, and the layers that log, trace
//! and count every response.

use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderName, HeaderValue};
use herald_dashboard_events::Payload;
use herald_wire::protocol::API_PREFIX;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::allowed_host::{self, AllowedHosts};
use crate::prometheus::{self, Meters};
use crate::state::AppState;
use crate::throttle::{self, Throttle};
use crate::{contract, cors, error, routes, static_files, telemetry};

/// The whole HTTP surface: the API, `/healthz`, and the single-page app
/// (from `--static-dir`, else the binary's own) with every other path
/// falling back to its `index.html`,
/// answered only for the hosts in `allowed`, each response with the
/// [`SECURITY_HEADERS`].
pub(crate) fn app(state: AppState, allowed: AllowedHosts) -> Router {
    let cors_layer = cors::layer(&state.config.cors_origins);
    let meters = Arc::clone(&state.meters);
    let mut router = Router::new()
        .nest(
            API_PREFIX,
            routes::api::<Payload>(&state).merge(contract::router::<AppState, Payload>(
                contract::Bounds::of(&state.config),
                contract::Mount::Server,
            )),
        )
        // The nest takes `/api` and what is below it, not `/api/`.
        .route(
            &format!("{API_PREFIX}/"),
            axum::routing::any(routes::not_found),
        )
        .merge(routes::health())
        .merge(prometheus::router(&meters, state.broker.clone()))
        .merge(static_files::router(state.config.static_dir.as_deref()))
        .with_state(state)
        .layer(axum::middleware::from_fn_with_state(
            Arc::new(allowed),
            allowed_host::guard,
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
/// [`prometheus::count`] is outermost, so it counts what the client gets, the
/// Host guard's and CORS's answers included.
fn observe(router: Router, meters: Arc<Meters>) -> Router {
    router
        .layer(axum::middleware::from_fn_with_state(
            Arc::new(Throttle::new(throttle::EVERY)),
            error::log_errors,
        ))
        .layer(axum::middleware::from_fn(telemetry::request_span))
        .layer(axum::middleware::from_fn_with_state(
            meters,
            prometheus::count,
        ))
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::extract::Request;
    use axum::routing::get;
    use tower::ServiceExt;

    use axum::http::StatusCode;
    use herald_wire::{ErrorBody, ErrorCode};

    use tokio_util::sync::CancellationToken;

    use super::*;
    use crate::config::Config;
    use crate::error::ApiError;
    use crate::hub::Hub;
    use crate::telemetry::capture::{self, Logs};

    /// Answers a request with `error` through the hub's logging layers.
    async fn refuse(error: fn() -> ApiError) -> (StatusCode, ErrorBody, Logs) {
        let (logs, _guard) = capture::start();
        let router = observe(
            Router::new().route("/", get(move || async move { error() })),
            Arc::new(Meters::new()),
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
    async fn refusals_a_client_can_pace_are_logged_once_per_interval() {
        let (logs, _guard) = capture::start();
        let router = observe(
            Router::new().route("/", get(|| async { ApiError::Overloaded })),
            Arc::new(Meters::new()),
        );
        for _ in 0..50 {
            let request = Request::get("/").body(Body::empty()).unwrap();
            let response = router.clone().oneshot(request).await.unwrap();
            assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        }
        assert_eq!(logs.at("WARN").len(), 1, "{:?}", logs.events());
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
        assert_eq!(
            body.field.as_deref(),
            Some(herald_wire::protocol::TOPIC_PARAM)
        );
        assert_eq!(logs.hub_at("DEBUG").len(), 1, "{:?}", logs.events());
        assert!(logs.hub_at("INFO").is_empty(), "{:?}", logs.events());
        for level in ["WARN", "ERROR"] {
            assert!(logs.at(level).is_empty(), "{level}: {:?}", logs.events());
        }
    }
}
