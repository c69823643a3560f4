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

#[cfg(test)]
mod tests;

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::Response;
use bytes::Bytes;
use percent_encoding::percent_decode_str;

use super::{matches_etag, policy};

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
