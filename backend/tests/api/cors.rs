//! Cross-origin access: none by default, listed origins with credentials,
//! `*` without.

use herald_wire::protocol::{TOPICS_PATH, publish_path};
use reqwest::header::{
    ACCESS_CONTROL_ALLOW_CREDENTIALS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN,
    ACCESS_CONTROL_REQUEST_HEADERS, ACCESS_CONTROL_REQUEST_METHOD, ORIGIN,
};
use reqwest::{Method, StatusCode};
use testkit::{TestApp, spawn_app};

const APP: &str = "https://app.example.com";

/// A browser's preflight for a JSON publish from `origin`.
async fn preflight(app: &TestApp, origin: &str) -> reqwest::Response {
    app.client
        .request(Method::OPTIONS, app.url(&publish_path("chat/lobby")))
        .header(ORIGIN, origin)
        .header(ACCESS_CONTROL_REQUEST_METHOD, "POST")
        .header(ACCESS_CONTROL_REQUEST_HEADERS, "content-type")
        .send()
        .await
        .unwrap()
}

async fn read_from(app: &TestApp, origin: &str) -> reqwest::Response {
    app.client
        .get(app.url(TOPICS_PATH))
        .header(ORIGIN, origin)
        .send()
        .await
        .unwrap()
}

fn header<'a>(
    response: &'a reqwest::Response,
    name: &reqwest::header::HeaderName,
) -> Option<&'a str> {
    response
        .headers()
        .get(name)
        .and_then(|value| value.to_str().ok())
}

#[tokio::test]
async fn without_an_origin_configured_no_other_origin_may_read() {
    let app = spawn_app(&[]).await;
    assert_eq!(
        header(&read_from(&app, APP).await, &ACCESS_CONTROL_ALLOW_ORIGIN),
        None
    );
    assert_eq!(
        header(&preflight(&app, APP).await, &ACCESS_CONTROL_ALLOW_ORIGIN),
        None
    );
}

#[tokio::test]
async fn a_listed_origin_is_answered_with_credentials_and_others_are_not() {
    let app = spawn_app(&[
        "--cors-origin",
        APP,
        "--cors-origin",
        "http://localhost:8080",
    ])
    .await;
    let answered = preflight(&app, APP).await;
    assert_eq!(answered.status(), StatusCode::OK);
    assert_eq!(header(&answered, &ACCESS_CONTROL_ALLOW_ORIGIN), Some(APP));
    assert_eq!(
        header(&answered, &ACCESS_CONTROL_ALLOW_CREDENTIALS),
        Some("true")
    );
    let methods = header(&answered, &ACCESS_CONTROL_ALLOW_METHODS).unwrap_or_default();
    assert!(methods.contains("POST"), "{methods}");
    let read = read_from(&app, APP).await;
    assert_eq!(read.status(), StatusCode::OK);
    assert_eq!(header(&read, &ACCESS_CONTROL_ALLOW_ORIGIN), Some(APP));
    for other in [
        "https://evil.example",
        "https://app.example.com.evil.example",
    ] {
        assert_eq!(
            header(&preflight(&app, other).await, &ACCESS_CONTROL_ALLOW_ORIGIN),
            None,
            "{other}"
        );
        assert_eq!(
            header(&read_from(&app, other).await, &ACCESS_CONTROL_ALLOW_ORIGIN),
            None,
            "{other}"
        );
    }
}

#[tokio::test]
async fn a_star_lets_every_origin_read_but_never_with_credentials() {
    let app = spawn_app(&["--cors-origin", "*"]).await;
    let read = read_from(&app, "https://anyone.example").await;
    assert_eq!(header(&read, &ACCESS_CONTROL_ALLOW_ORIGIN), Some("*"));
    assert_eq!(header(&read, &ACCESS_CONTROL_ALLOW_CREDENTIALS), None);
}
