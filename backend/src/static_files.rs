//! The built web app, served from `--static-dir` with every unknown path
//! falling back to its `index.html` (the app routes in the browser).
//!
//! `ServeDir` already refuses `..` segments, but it follows symbolic links,
//! so a link inside the static root (left by a build, or planted) would
//! serve any file the hub may read. Before a file is served, its real
//! location, links resolved, must lie inside the real static root; what
//! does not is answered 404, as if it were not there.

use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use percent_encoding::percent_decode_str;
use tower_http::services::{ServeDir, ServeFile};

use crate::error::ApiError;

/// The fallback router serving `root`.
pub(crate) fn router<S: Clone + Send + Sync + 'static>(root: &Path) -> Router<S> {
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
    let served = match requested {
        Some(path) if tokio::fs::metadata(&path).await.is_ok() => path,
        _ => root.join("index.html"),
    };
    match tokio::fs::canonicalize(&served).await {
        Ok(real) if !real.starts_with(&real_root) => {
            tracing::warn!(path = %served.display(), "refused a static file that resolves outside the static root");
            ApiError::NotFound.into_response()
        }
        _ => next.run(request).await,
    }
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
    fn a_path_below_the_root_is_decoded_and_one_out_of_it_is_none() {
        assert_eq!(relative("/app.js"), Some(PathBuf::from("app.js")));
        assert_eq!(relative("/a%20b/./c.css"), Some(PathBuf::from("a b/c.css")));
        assert_eq!(relative("/"), Some(PathBuf::new()));
        for escaping in ["/../etc/passwd", "/a/%2e%2e/%2e%2e/etc", "/a/..%2f..%2fetc"] {
            assert_eq!(relative(escaping), None, "{escaping}");
        }
    }
}
