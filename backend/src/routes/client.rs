//! `GET /api/client/herald.js`: Herald's browser client, one ES module with
//! no dependency (`backend/client/herald.js`), served by the hub it talks
//! to, so a page follows topics with `import { subscribe } from
//! "/api/client/herald.js"` and no build step.
//!
//! The file is built into the hub (`include_str!`, from inside the crate so
//! `cargo publish` packages it): the client a page gets always speaks this
//! hub's protocol. The module finds the other routes relative to its own
//! URL, so it works wherever the API is nested.
//!
//! Its URL names no version, so it is never cached as immutable: it is
//! sent with `no-cache` and a strong ETag, and a browser asks each time and
//! gets a 304 until the hub is upgraded, when it gets the new client at
//! once.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get};
use schemars::json_schema;
use sha2::{Digest, Sha256};

use crate::openapi::Operation;
use crate::static_files::matches_etag;

/// The client's text.
const SCRIPT: &str = include_str!("../../client/herald.js");

/// A module script must be served as JavaScript: browsers refuse a module
/// of another type (and `nosniff`, on every response, stops any guessing).
const CONTENT_TYPE: &str = "text/javascript; charset=utf-8";

/// Use it, but ask first: see the module's doc.
const CACHE_CONTROL: &str = "no-cache";

/// The route, with the client's ETag computed once, when the router is
/// built.
pub(crate) fn route<S: Clone + Send + Sync + 'static>() -> MethodRouter<S> {
    let etag = etag(SCRIPT);
    get(move |headers: HeaderMap| async move { script(&headers, &etag) })
}

/// This route in the hub's OpenAPI document.
pub(crate) fn operation() -> Operation {
    Operation::new(
        "client",
        "Browser client",
        "Herald's browser client, one ES module with no dependency: `import { subscribe } from` this path. It loads the topics' history, then follows one stream, delivers each event once and in order, reopens the stream after any drop (also a hub restart) from the last event it delivered, and stops when the hub refuses the topics or the token. Sent with `no-cache` and an ETag: the path names no version.",
    )
    .parameter(
        "header",
        "If-None-Match",
        false,
        "The ETag of the copy the browser holds: 304 while it is current.",
        json_schema!({ "type": "string" }),
    )
    .reply(
        200,
        "the module",
        "text/javascript",
        json_schema!({ "type": "string" }),
    )
    .empty_reply(304, "The copy the browser holds is current.")
}

/// The client, or a 304 when the browser's copy is this one.
fn script(headers: &HeaderMap, etag: &HeaderValue) -> Response {
    let cached = [
        (header::ETAG, etag.clone()),
        (
            header::CACHE_CONTROL,
            HeaderValue::from_static(CACHE_CONTROL),
        ),
    ];
    if etag.to_str().is_ok_and(|etag| matches_etag(headers, etag)) {
        return (StatusCode::NOT_MODIFIED, cached).into_response();
    }
    let content_type = [(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE))];
    (cached, content_type, SCRIPT).into_response()
}

/// A strong ETag, as the embedded page's (`build.rs`): the first 16 bytes
/// of the SHA-256 of `text`, in hex.
fn etag(text: &str) -> HeaderValue {
    let digest = Sha256::digest(text.as_bytes());
    let hex: String = digest
        .iter()
        .take(16)
        .map(|byte| format!("{byte:02x}"))
        .collect();
    HeaderValue::from_str(&format!("\"{hex}\"")).expect("hex digits in quotes are a header value")
}

#[cfg(test)]
mod tests {
    use axum::Router;
    use axum::body::Body;
    use axum::http::Request;
    use herald_wire::protocol::{
        CLIENT_PATH, EVENTS_PATH, GAP_EVENT, HISTORY_PATH, LAST_EVENT_ID_PARAM, LIMIT_PARAM,
        TOKEN_PARAM, TOPIC_PARAM,
    };
    use tower::ServiceExt;

    use super::*;
    use crate::routes::below_api;

    /// The router's answer to `GET` the client with `headers`: the
    /// response and its body.
    async fn get_client(headers: &[(&str, &str)]) -> (Response, String) {
        let mut request = Request::get(below_api(CLIENT_PATH));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let router: Router = Router::new().route(below_api(CLIENT_PATH), route());
        let response = router
            .oneshot(request.body(Body::empty()).unwrap())
            .await
            .unwrap();
        let (parts, body) = response.into_parts();
        let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap();
        (
            Response::from_parts(parts, Body::empty()),
            String::from_utf8(bytes.to_vec()).unwrap(),
        )
    }

    fn header(response: &Response, name: header::HeaderName) -> &str {
        response
            .headers()
            .get(name)
            .map_or("", |value| value.to_str().unwrap())
    }

    #[tokio::test]
    async fn the_client_is_javascript_revalidated_on_every_use() {
        let (response, body) = get_client(&[]).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(body, SCRIPT);
        assert_eq!(header(&response, header::CONTENT_TYPE), CONTENT_TYPE);
        assert_eq!(header(&response, header::CACHE_CONTROL), "no-cache");
        let etag = header(&response, header::ETAG);
        assert!(
            etag.len() == 34 && etag.starts_with('"') && etag.ends_with('"'),
            "{etag}"
        );
    }

    #[tokio::test]
    async fn a_current_copy_gets_304_without_a_body() {
        let (first, _) = get_client(&[]).await;
        let etag = header(&first, header::ETAG).to_owned();
        for held in [etag.as_str(), &format!("W/{etag}"), "\"other\", *"] {
            let (response, body) = get_client(&[("if-none-match", held)]).await;
            assert_eq!(response.status(), StatusCode::NOT_MODIFIED, "{held}");
            assert!(body.is_empty(), "{held}");
            assert_eq!(header(&response, header::ETAG), etag);
        }
        let (stale, body) = get_client(&[("if-none-match", "\"0123\"")]).await;
        assert_eq!(stale.status(), StatusCode::OK);
        assert_eq!(body, SCRIPT);
    }

    /// The module spells the protocol's names itself (it has no build
    /// step to import them): each must be this crate's, so a renamed
    /// route, parameter or event fails here rather than in a browser.
    #[test]
    fn the_client_speaks_the_protocols_names() {
        let quoted = |name: &str| format!("\"{name}\"");
        for name in [
            below_api(CLIENT_PATH),
            below_api(EVENTS_PATH),
            below_api(HISTORY_PATH),
            herald_wire::protocol::API_PREFIX,
            TOPIC_PARAM,
            LIMIT_PARAM,
            TOKEN_PARAM,
            LAST_EVENT_ID_PARAM,
            GAP_EVENT,
        ] {
            assert!(
                SCRIPT.contains(&quoted(name)),
                "backend/client/herald.js does not name {name:?}"
            );
        }
    }
}
