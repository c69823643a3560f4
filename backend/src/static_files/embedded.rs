//! The page built into the binary: the table `build.rs` writes when the
//! hub is built with `HERALD_EMBED_DIR`, served from memory.
//!
//! Everything a response needs was settled at build time (content type,
//! ETag, the gzip copy) or at start (each page's Content-Security-Policy),
//! so a request is a lookup and a few header comparisons:
//! - a path that names no asset gets `index.html` (the app routes in the
//!   browser), as the directory's `ServeDir` does, and only GET and HEAD
//!   are answered, with the same bare 405 otherwise;
//! - `If-None-Match` matching the ETag gets 304 and no body;
//! - the gzip copy goes to a client whose `Accept-Encoding` takes gzip,
//!   with its own ETag (it is another representation), and
//!   `Vary: Accept-Encoding` tells caches that the answer depends on it;
//! - trunk's hashed files (`frontend-<hex>_bg.wasm`) never change under
//!   their name, so they are cached for a year; `index.html` and other
//!   files are revalidated on every use (`no-cache`).
//!
//! Nothing else is compressed: the API and the SSE stream are other routes,
//! and the hub has no compression layer.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::Response;
use bytes::Bytes;
use percent_encoding::percent_decode_str;

use super::policy;

/// The page `build.rs` embedded; empty when built without
/// `HERALD_EMBED_DIR`.
pub(crate) static PAGE: &[Asset] = include!(concat!(env!("OUT_DIR"), "/embedded.rs"));

/// One file of the page.
pub(crate) struct Asset {
    /// Below the page's root, `/`-separated, without a leading `/`.
    pub(crate) path: &'static str,
    pub(crate) content_type: &'static str,
    /// The file as it is.
    pub(crate) identity: Encoded,
    /// A gzip copy, when the type compresses and the copy is smaller.
    pub(crate) gzip: Option<Encoded>,
}

/// One representation of an [`Asset`]: its bytes and their strong ETag
/// (quoted, as the header carries it).
pub(crate) struct Encoded {
    pub(crate) bytes: &'static [u8],
    pub(crate) etag: &'static str,
}

/// What the hub sends for a file whose name carries its content hash.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// What the hub sends for every other file: use it, but ask first.
const REVALIDATE: &str = "no-cache";
/// The fallback of every path that names no asset.
const INDEX: &str = "index.html";

/// The router serving `assets` at `/`.
pub(crate) fn page_router<S: Clone + Send + Sync + 'static>(assets: &'static [Asset]) -> Router<S> {
    Router::new()
        .fallback(serve_asset)
        .with_state(Arc::new(Site::new(assets)))
}

/// The assets with the Content-Security-Policy of each HTML one, computed
/// once when the hub starts.
struct Site {
    assets: &'static [Asset],
    policies: Vec<Option<HeaderValue>>,
}

impl Site {
    fn new(assets: &'static [Asset]) -> Self {
        let policies = assets
            .iter()
            .map(|asset| {
                let page = std::str::from_utf8(asset.identity.bytes).ok()?;
                is_html(asset)
                    .then(|| HeaderValue::from_str(&policy(page)).ok())
                    .flatten()
            })
            .collect();
        Self { assets, policies }
    }

    /// The asset `uri_path` names, else `index.html`, with its policy.
    fn find(&self, uri_path: &str) -> Option<(&'static Asset, Option<&HeaderValue>)> {
        let decoded = percent_decode_str(uri_path).decode_utf8().ok();
        let wanted = decoded.as_deref().map(|path| path.trim_start_matches('/'));
        let position = |path: &str| self.assets.iter().position(|asset| asset.path == path);
        let found = match wanted {
            // A directory's `index.html`, as `ServeDir` serves it.
            Some(path) if path.is_empty() || path.ends_with('/') => {
                position(&format!("{path}{INDEX}"))
            }
            Some(path) => position(path),
            None => None,
        };
        let index = found.or_else(|| position(INDEX))?;
        let asset = self.assets.get(index)?;
        Some((asset, self.policies.get(index).and_then(Option::as_ref)))
    }
}

/// Answers one request for a file of the page.
async fn serve_asset(
    State(site): State<Arc<Site>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    if method != Method::GET && method != Method::HEAD {
        let mut response = bare(StatusCode::METHOD_NOT_ALLOWED);
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET,HEAD"));
        return response;
    }
    let Some((asset, policy)) = site.find(uri.path()) else {
        return bare(StatusCode::NOT_FOUND);
    };
    let gzip = asset.gzip.as_ref().filter(|_| accepts_gzip(&headers));
    let encoded = gzip.unwrap_or(&asset.identity);
    let unchanged = matches_etag(&headers, encoded.etag);
    let mut response = if unchanged {
        bare(StatusCode::NOT_MODIFIED)
    } else if method == Method::HEAD {
        Response::new(Body::empty())
    } else {
        Response::new(Body::from(Bytes::from_static(encoded.bytes)))
    };
    let response_headers = response.headers_mut();
    response_headers.insert(header::ETAG, HeaderValue::from_static(encoded.etag));
    response_headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(cache_control(asset)),
    );
    if asset.gzip.is_some() {
        response_headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    if unchanged {
        return response;
    }
    response_headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(asset.content_type),
    );
    response_headers.insert(header::CONTENT_LENGTH, encoded.bytes.len().into());
    if gzip.is_some() {
        response_headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    if let Some(policy) = policy {
        response_headers.insert(header::CONTENT_SECURITY_POLICY, policy.clone());
    }
    response
}

/// A response with `status` and no body.
fn bare(status: StatusCode) -> Response {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = status;
    response
}

fn is_html(asset: &Asset) -> bool {
    asset.content_type.starts_with("text/html")
}

/// How long a cache may keep `asset` without asking.
fn cache_control(asset: &Asset) -> &'static str {
    if !is_html(asset) && hashed(asset.path) {
        IMMUTABLE
    } else {
        REVALIDATE
    }
}

/// Whether the file name in `path` carries trunk's content hash: a `-`, then
/// the hash in lowercase hex (`{:x}` of a 64-bit hash: 16 digits, fewer
/// when it starts with zeros; 8 at least is taken as one), then `.` or `_`
/// (`frontend-<hash>_bg.wasm`, `frontend-<hash>.js`). A name this misses is
/// only revalidated more often than it needs.
fn hashed(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.match_indices('-').any(|(at, _)| {
        let after = name.get(at + 1..).unwrap_or_default().as_bytes();
        let digits = after
            .iter()
            .take_while(|byte| byte.is_ascii_digit() || (b'a'..=b'f').contains(byte))
            .count();
        (8..=16).contains(&digits) && matches!(after.get(digits), Some(b'.' | b'_'))
    })
}

/// Whether the request's `Accept-Encoding` takes gzip: named (or as
/// `x-gzip`), else through `*`, with a q-value above 0.
fn accepts_gzip(headers: &HeaderMap) -> bool {
    let mut gzip = None;
    let mut any = None;
    let codings = headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','));
    for coding in codings {
        let mut parts = coding.split(';');
        let name = parts.next().unwrap_or_default().trim();
        let weight = parts
            .filter_map(|parameter| {
                let (key, value) = parameter.split_once('=')?;
                key.trim()
                    .eq_ignore_ascii_case("q")
                    .then(|| value.trim().parse::<f32>().unwrap_or(0.0))
            })
            .next()
            .unwrap_or(1.0);
        if name.eq_ignore_ascii_case("gzip") || name.eq_ignore_ascii_case("x-gzip") {
            gzip = Some(weight);
        } else if name == "*" {
            any = Some(weight);
        }
    }
    gzip.or(any).is_some_and(|weight| weight > 0.0)
}

/// Whether `If-None-Match` names `etag` (compared weakly, as the header
/// asks) or is `*`.
fn matches_etag(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == etag)
}

#[cfg(test)]
mod tests {
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
            let (response, body) =
                answer(Method::GET, "/icon.png", &[("if-none-match", tag)]).await;
            assert_eq!(response.status(), StatusCode::NOT_MODIFIED, "{tag}");
            assert!(body.is_empty(), "{tag}");
            assert_eq!(header(&response, header::ETAG), "\"33\"", "{tag}");
        }
        let (response, body) =
            answer(Method::GET, "/icon.png", &[("if-none-match", "\"34\"")]).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(&body[..], b"\x89PNG");
    }

    #[tokio::test]
    async fn the_gzip_copy_goes_only_to_clients_that_take_it() {
        let path = format!("/{SCRIPT}");
        for accepted in ["gzip", "br, gzip;q=0.5", "deflate, *", "GZIP;Q=1"] {
            let (response, body) =
                answer(Method::GET, &path, &[("accept-encoding", accepted)]).await;
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
            let (response, body) =
                answer(Method::GET, &path, &[("accept-encoding", refused)]).await;
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
}
