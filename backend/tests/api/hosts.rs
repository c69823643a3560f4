//! The `Host` guard against DNS rebinding, and the security headers on
//! every response.

use herald_wire::protocol::{HEALTH_PATH, TOPICS_PATH, publish_path};
use herald_wire::{ErrorCode, Topic};
use reqwest::StatusCode;
use reqwest::header::HOST;
use testkit::{TestApp, chat, error_body, spawn_app};

/// `GET path` as sent to the host name `host`.
async fn get_as(app: &TestApp, host: &str, path: &str) -> reqwest::Response {
    app.client
        .get(app.url(path))
        .header(HOST, host)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_request_for_another_host_is_refused_and_changes_nothing() {
    let app = spawn_app(&[]).await;
    let refused = app
        .client
        .post(app.url(&publish_path("rebound")))
        .header(HOST, "evil.example")
        .json(&chat("from a rebinding page"))
        .send()
        .await
        .unwrap();
    let body = error_body(refused, StatusCode::MISDIRECTED_REQUEST).await;
    assert_eq!(body.code, ErrorCode::HostNotAllowed);
    assert_eq!(body.field.as_deref(), Some("host"));
    assert!(body.message.contains("evil.example"), "{}", body.message);
    for path in [TOPICS_PATH, "/", "/some/view"] {
        let response = get_as(&app, "evil.example:3000", path).await;
        assert_eq!(response.status(), StatusCode::MISDIRECTED_REQUEST, "{path}");
    }
    let topics: Vec<Topic> = app
        .topics()
        .await
        .topics
        .into_iter()
        .map(|info| info.topic)
        .collect();
    assert!(topics.is_empty(), "{topics:?}");
}

#[tokio::test]
async fn this_machines_names_are_answered_and_health_answers_any_name() {
    let app = spawn_app(&[]).await;
    for host in ["localhost:8080", "127.0.0.1", "[::1]:3000"] {
        let response = get_as(&app, host, TOPICS_PATH).await;
        assert_eq!(response.status(), StatusCode::OK, "{host}");
    }
    let health = get_as(&app, "10.9.9.9:3000", HEALTH_PATH).await;
    assert_eq!(health.status(), StatusCode::OK);
}

#[tokio::test]
async fn allowed_hosts_are_answered_and_a_star_answers_every_name() {
    let named = spawn_app(&["--allowed-host", "hub.example.com,status.example.com"]).await;
    for host in ["hub.example.com", "Status.Example.com:443"] {
        let response = get_as(&named, host, TOPICS_PATH).await;
        assert_eq!(response.status(), StatusCode::OK, "{host}");
    }
    let other = get_as(&named, "other.example.com", TOPICS_PATH).await;
    assert_eq!(other.status(), StatusCode::MISDIRECTED_REQUEST);
    let any = spawn_app(&["--allowed-host", "*"]).await;
    let response = get_as(&any, "whatever.example", TOPICS_PATH).await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = spawn_app(&[]).await;
    let refused = get_as(&app, "evil.example", TOPICS_PATH).await;
    for response in [app.get(TOPICS_PATH).await, app.get("/").await, refused] {
        let headers = response.headers();
        for (name, value) in [
            ("x-content-type-options", "nosniff"),
            ("referrer-policy", "no-referrer"),
            ("x-frame-options", "DENY"),
            ("content-security-policy", "frame-ancestors 'none'"),
        ] {
            assert_eq!(
                headers.get(name).and_then(|value| value.to_str().ok()),
                Some(value),
                "{name} on {}",
                response.url()
            );
        }
    }
}
