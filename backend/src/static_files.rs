//! The built web app, with every unknown path falling back to its
//! `index.html` (the app routes in the browser): from `--static-dir` when
//! given, else the page built into the binary ([`embedded`]) when it has
//! one, else from `dist` in the working directory.
//!
//! `ServeDir` already refuses `..` segments, but it follows symbolic links,
//! so a link inside the static root (left by a build, or planted) would
//! serve any file the hub may read. Before a file is served, its real
//! location, links resolved, must lie inside the real static root; what
//! does not is answered 404, as if it were not there.
//!
//! Every HTML page gets a Content-Security-Policy built from the page
//! itself ([`policy`]): trunk inlines the page's style and the module that
//! loads the wasm, so those are allowed by their hashes, and nothing else
//! inline, nor anything from another origin, runs.

mod embedded;

use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use percent_encoding::percent_decode_str;
use sha2::{Digest, Sha256};
use tower_http::services::{ServeDir, ServeFile};

use crate::error::ApiError;

/// Where the page comes from without `--static-dir` or an embedded page.
const DEFAULT_DIR: &str = "dist";

/// The fallback router serving the page: from `static_dir` when given, else
/// the embedded one, else from [`DEFAULT_DIR`]. Says which once, at start.
pub(crate) fn router<S: Clone + Send + Sync + 'static>(static_dir: Option<&Path>) -> Router<S> {
    match static_dir {
        None if embedded() => {
            tracing::info!("serving the embedded page");
            embedded::page_router(embedded::PAGE)
        }
        static_dir => {
            let dir = static_dir.unwrap_or(Path::new(DEFAULT_DIR));
            tracing::info!(dir = %dir.display(), "serving the page from a directory");
            directory(dir)
        }
    }
}

/// Whether this binary was built with the page inside (see `build.rs`).
pub(crate) fn embedded() -> bool {
    !embedded::PAGE.is_empty()
}

/// Whether `If-None-Match` names `etag` (compared weakly, as the header
/// asks) or is `*`: the file the client holds is still the one served.
/// The client script's route (`routes::client`) asks it too.
pub(crate) fn matches_etag(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == etag)
}

/// The router serving the page in `root`.
fn directory<S: Clone + Send + Sync + 'static>(root: &Path) -> Router<S> {
    let spa = ServeDir::new(root).fallback(ServeFile::new(root.join("index.html")));
    Router::new()
        .fallback_service(spa)
        .layer(axum::middleware::from_fn_with_state(
            Arc::new(root.to_path_buf()),
            confine,
        ))
}

/// Refuses a request whose file, or the `index.html` it falls back to,
/// resolves outside the static root.
async fn confine(State(root): State<Arc<PathBuf>>, request: Request, next: Next) -> Response {
    let Ok(real_root) = tokio::fs::canonicalize(root.as_path()).await else {
        // No static root: nothing to serve, and nothing to leak.
        return next.run(request).await;
    };
    let requested = relative(request.uri().path()).map(|path| root.join(path));
    // What `ServeDir` answers with: the file, a directory's `index.html`,
    // or the fallback `index.html` of the root.
    let served = match requested {
        Some(path) => match tokio::fs::metadata(&path).await {
            Ok(metadata) if metadata.is_dir() => path.join("index.html"),
            Ok(_) => path,
            Err(_) => root.join("index.html"),
        },
        None => root.join("index.html"),
    };
    match tokio::fs::canonicalize(&served).await {
        Ok(real) if !real.starts_with(&real_root) => {
            tracing::warn!(path = %served.display(), "refused a static file that resolves outside the static root");
            ApiError::NotFound.into_response()
        }
        _ => {
            let mut response = next.run(request).await;
            let html = response
                .headers()
                .get(header::CONTENT_TYPE)
                .and_then(|value| value.to_str().ok())
                .is_some_and(|value| value.starts_with("text/html"));
            if html
                && let Ok(page) = tokio::fs::read_to_string(&served).await
                && let Ok(value) = HeaderValue::from_str(&policy(&page))
            {
                response
                    .headers_mut()
                    .insert(header::CONTENT_SECURITY_POLICY, value);
            }
            response
        }
    }
}

/// The Content-Security-Policy for `page`: scripts, styles, images and
/// connections from this origin only, the page's own inline scripts and
/// styles by their SHA-256, `'wasm-unsafe-eval'` so the app's wasm may be
/// compiled, and no framing, plugins, `<base>` or foreign form targets.
fn policy(page: &str) -> String {
    let hashes = |tag: &str| -> String {
        inline(page, tag)
            .map(|content| {
                let digest = Sha256::digest(content.as_bytes());
                format!(" 'sha256-{}'", STANDARD.encode(digest))
            })
            .collect()
    };
    format!(
        "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'{}; style-src 'self'{}; \
         img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; \
         frame-ancestors 'none'",
        hashes("script"),
        hashes("style")
    )
}

/// The text of each inline `<tag>` element of `page` (those without a
/// `src`), exactly as a browser hashes it for CSP.
fn inline<'a>(page: &'a str, tag: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    let open = format!("<{tag}");
    let close = format!("</{tag}>");
    let mut rest = page;
    std::iter::from_fn(move || {
        loop {
            let start = rest.find(&open)?;
            let after = &rest[start + open.len()..];
            // `<scripts>` or `<styled>` are other tags.
            if !after.starts_with(|c: char| c == '>' || c.is_ascii_whitespace()) {
                rest = after;
                continue;
            }
            let tag_end = after.find('>')?;
            let attributes = &after[..tag_end];
            let body = &after[tag_end + 1..];
            let end = body.find(&close)?;
            rest = &body[end + close.len()..];
            if !attributes.contains("src=") {
                return Some(&body[..end]);
            }
        }
    })
}

/// The request path as a path below the root: percent-decoded, and `None`
/// when a segment would step out of it (which `ServeDir` refuses too).
fn relative(path: &str) -> Option<PathBuf> {
    let decoded = percent_decode_str(path).decode_utf8().ok()?;
    let mut relative = PathBuf::new();
    for component in Path::new(decoded.trim_start_matches('/')).components() {
        match component {
            Component::Normal(segment) => relative.push(segment),
            Component::CurDir => {}
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(relative)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_allows_the_pages_own_inline_code_by_hash_and_nothing_else() {
        let page = "<html><head><style>p{}</style><script type=\"module\">go()</script>\
                    <script src=\"/x.js\"></script><scripts>no</scripts></head></html>";
        let inline: Vec<&str> = inline(page, "script").collect();
        assert_eq!(inline, ["go()"]);
        let policy = policy(page);
        let sha = |text: &str| STANDARD.encode(Sha256::digest(text.as_bytes()));
        assert!(
            policy.contains(&format!(
                "script-src 'self' 'wasm-unsafe-eval' 'sha256-{}';",
                sha("go()")
            )),
            "{policy}"
        );
        assert!(
            policy.contains(&format!("style-src 'self' 'sha256-{}';", sha("p{}"))),
            "{policy}"
        );
        assert!(policy.starts_with("default-src 'none';"), "{policy}");
        assert!(policy.ends_with("frame-ancestors 'none'"), "{policy}");
    }

    #[test]
    fn a_path_below_the_root_is_decoded_and_one_out_of_it_is_none() {
        assert_eq!(relative("/app.js"), Some(PathBuf::from("app.js")));
        assert_eq!(relative("/a%20b/./c.css"), Some(PathBuf::from("a b/c.css")));
        assert_eq!(relative("/"), Some(PathBuf::new()));
        for escaping in ["/../etc/passwd", "/a/%2e%2e/%2e%2e/etc", "/a/..%2f..%2fetc"] {
            assert_eq!(relative(escaping), None, "{escaping}");
        }
    }
}
