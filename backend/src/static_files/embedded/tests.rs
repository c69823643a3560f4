//! The page built into the binary, served from a table the tests build:
//! content types, ETags, gzip and the fallback to `index.html`.

use axum::http::Request;
use tower::ServiceExt;

use super::*;

const PAGE_TEXT: &str = "<html><head><script type=\"module\">start()</script></head></html>";
const SCRIPT: &str = "frontend-0123456789abcdef.js";

static TABLE: &[Asset] = &[
    Asset {
        path: SCRIPT,
        content_type: "text/javascript; charset=utf-8",
        identity: Encoded {
            bytes: b"start() // long enough to be worth compressing",
            etag: "\"11\"",
        },
        gzip: Some(Encoded {
            bytes: b"GZIPPED",
            etag: "\"22\"",
        }),
    },
    Asset {
        path: "icon.png",
        content_type: "image/png",
        identity: Encoded {
            bytes: b"\x89PNG",
            etag: "\"33\"",
        },
        gzip: None,
    },
    Asset {
        path: INDEX,
        content_type: "text/html; charset=utf-8",
        identity: Encoded {
            bytes: PAGE_TEXT.as_bytes(),
            etag: "\"44\"",
        },
        gzip: None,
    },
];

/// The router's answer to `method path` with `headers`: the response
/// and its body.
async fn answer(method: Method, path: &str, headers: &[(&str, &str)]) -> (Response, Bytes) {
    let mut request = Request::builder().method(method).uri(path);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = page_router::<()>(TABLE)
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap();
    (Response::from_parts(parts, Body::empty()), bytes)
}

fn header(response: &Response, name: header::HeaderName) -> &str {
    response
        .headers()
        .get(name)
        .map_or("", |value| value.to_str().unwrap())
}

#[tokio::test]
async fn each_file_gets_its_type_length_and_etag() {
    let (response, body) = answer(Method::GET, "/icon.png", &[]).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(&body[..], b"\x89PNG");
    assert_eq!(header(&response, header::CONTENT_TYPE), "image/png");
    assert_eq!(header(&response, header::CONTENT_LENGTH), "4");
    assert_eq!(header(&response, header::ETAG), "\"33\"");
    assert_eq!(header(&response, header::VARY), "", "nothing to vary");
    let (response, _) = answer(Method::GET, &format!("/{SCRIPT}"), &[]).await;
    assert_eq!(
        header(&response, header::CONTENT_TYPE),
        "text/javascript; charset=utf-8"
    );
}

#[tokio::test]
async fn a_matching_if_none_match_gets_304_without_a_body() {
    for tag in ["\"33\"", "W/\"33\"", "\"x\", \"33\"", "*"] {
        let (response, body) = answer(Method::GET, "/icon.png", &[("if-none-match", tag)]).await;
        assert_eq!(response.status(), StatusCode::NOT_MODIFIED, "{tag}");
        assert!(body.is_empty(), "{tag}");
        assert_eq!(header(&response, header::ETAG), "\"33\"", "{tag}");
    }
    let (response, body) = answer(Method::GET, "/icon.png", &[("if-none-match", "\"34\"")]).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(&body[..], b"\x89PNG");
}

#[tokio::test]
async fn the_gzip_copy_goes_only_to_clients_that_take_it() {
    let path = format!("/{SCRIPT}");
    for accepted in ["gzip", "br, gzip;q=0.5", "deflate, *", "GZIP;Q=1"] {
        let (response, body) = answer(Method::GET, &path, &[("accept-encoding", accepted)]).await;
        assert_eq!(&body[..], b"GZIPPED", "{accepted}");
        assert_eq!(
            header(&response, header::CONTENT_ENCODING),
            "gzip",
            "{accepted}"
        );
        assert_eq!(header(&response, header::CONTENT_LENGTH), "7", "{accepted}");
        assert_eq!(header(&response, header::ETAG), "\"22\"", "{accepted}");
        assert_eq!(header(&response, header::VARY), "accept-encoding");
    }
    for refused in ["", "gzip;q=0", "br", "*;q=0", "*, gzip;q=0"] {
        let (response, body) = answer(Method::GET, &path, &[("accept-encoding", refused)]).await;
        assert!(body.starts_with(b"start()"), "{refused}");
        assert_eq!(header(&response, header::CONTENT_ENCODING), "", "{refused}");
        assert_eq!(header(&response, header::ETAG), "\"11\"", "{refused}");
        assert_eq!(header(&response, header::VARY), "accept-encoding");
    }
    // Each representation is validated by its own tag.
    let (response, _) = answer(
        Method::GET,
        &path,
        &[("accept-encoding", "gzip"), ("if-none-match", "\"22\"")],
    )
    .await;
    assert_eq!(response.status(), StatusCode::NOT_MODIFIED);
}

#[tokio::test]
async fn hashed_files_are_immutable_and_the_rest_revalidated() {
    let (script, _) = answer(Method::GET, &format!("/{SCRIPT}"), &[]).await;
    assert_eq!(header(&script, header::CACHE_CONTROL), IMMUTABLE);
    for path in ["/", "/index.html", "/icon.png", "/some/view"] {
        let (response, _) = answer(Method::GET, path, &[]).await;
        assert_eq!(
            header(&response, header::CACHE_CONTROL),
            REVALIDATE,
            "{path}"
        );
    }
    assert!(hashed("frontend-2c1d2b1f5a0b3e4d_bg.wasm"));
    assert!(hashed("assets/style-c1d2b1f5a0b3e4.css"));
    assert!(!hashed("frontend-bad.js"));
    assert!(!hashed("frontend-0123456789abcdef0.js"));
    assert!(!hashed("frontend-0123456789abcdef"));
}

#[tokio::test]
async fn unknown_paths_get_the_page_with_its_policy() {
    for path in [
        "/",
        "/index.html",
        "/some/view?topic=a",
        "/missing.js",
        "/%ff",
    ] {
        let (response, body) = answer(Method::GET, path, &[]).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(&body[..], PAGE_TEXT.as_bytes(), "{path}");
        assert_eq!(
            header(&response, header::CONTENT_TYPE),
            "text/html; charset=utf-8"
        );
        let policy = header(&response, header::CONTENT_SECURITY_POLICY);
        assert_eq!(policy, super::policy(PAGE_TEXT), "{path}");
        assert_eq!(policy.matches("'sha256-").count(), 1, "{path}");
    }
    let (script, _) = answer(Method::GET, &format!("/{SCRIPT}"), &[]).await;
    assert_eq!(header(&script, header::CONTENT_SECURITY_POLICY), "");
}

#[tokio::test]
async fn head_has_the_headers_and_no_body_and_other_methods_get_405() {
    let (response, body) = answer(Method::HEAD, "/icon.png", &[]).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(body.is_empty());
    assert_eq!(header(&response, header::CONTENT_LENGTH), "4");
    assert_eq!(header(&response, header::ETAG), "\"33\"");
    let (response, body) = answer(Method::POST, "/icon.png", &[]).await;
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(header(&response, header::ALLOW), "GET,HEAD");
    assert!(body.is_empty());
}
