//! Cross-origin access for pages served from other origins (`--cors-origin`).
//!
//! Without an origin configured there is no CORS at all: only pages of the
//! hub's own origin may read its responses, as browsers enforce by default.
//! Listed origins may also send credentials (cookies, so an `EventSource`
//! opened `withCredentials` works); `*` lets any origin read, but never
//! with credentials, which browsers would refuse and which would hand a
//! user's cookies to every site.

use std::time::Duration;

use axum::http::{HeaderName, HeaderValue, Method, header};
use tower_http::cors::{AllowOrigin, CorsLayer};

/// What `--cors-origin` takes to let every origin read.
pub(crate) const ANY_ORIGIN: &str = "*";

/// The layer for `origins` (already checked by [`parse_origin`]), or
/// `None` when there are none.
pub(crate) fn layer(origins: &[HeaderValue]) -> Option<CorsLayer> {
    if origins.is_empty() {
        return None;
    }
    let base = CorsLayer::new()
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([
            header::CONTENT_TYPE,
            header::AUTHORIZATION,
            // `herald_wire::protocol::LAST_EVENT_ID_HEADER`, as header names are
            // written here: in lower case.
            HeaderName::from_static("last-event-id"),
        ])
        .max_age(Duration::from_secs(3600));
    Some(if origins.iter().any(|origin| origin == ANY_ORIGIN) {
        base.allow_origin(AllowOrigin::any())
    } else {
        base.allow_origin(AllowOrigin::list(origins.iter().cloned()))
            .allow_credentials(true)
    })
}

/// Checks one `--cors-origin` value: `*`, or an origin as a browser sends
/// it, `scheme://host[:port]` with nothing after.
///
/// # Errors
/// A message naming what is wrong, for the command line.
pub(crate) fn parse_origin(text: &str) -> Result<HeaderValue, String> {
    let valid = text == ANY_ORIGIN
        || text.split_once("://").is_some_and(|(scheme, rest)| {
            matches!(scheme, "http" | "https")
                && !rest.is_empty()
                && !rest.contains(['/', '?', '#', '@', ' '])
        });
    if !valid {
        return Err(format!(
            "{text:?} is not an origin; expected scheme://host[:port] (as in https://app.example.com) or '*'"
        ));
    }
    HeaderValue::from_str(text).map_err(|_| format!("{text:?} is not a valid header value"))
}

#[cfg(test)]
mod tests {
    use herald_wire::protocol::LAST_EVENT_ID_HEADER;

    use super::*;

    #[test]
    fn the_resume_header_is_the_protocols() {
        assert_eq!(
            HeaderName::from_bytes(LAST_EVENT_ID_HEADER.as_bytes()).unwrap(),
            HeaderName::from_static("last-event-id")
        );
    }

    #[test]
    fn takes_origins_and_a_star_and_refuses_the_rest() {
        for origin in ["https://app.example.com", "http://localhost:8080", "*"] {
            assert!(parse_origin(origin).is_ok(), "{origin}");
        }
        for bad in [
            "app.example.com",
            "https://app.example.com/",
            "ftp://x",
            "https://",
            "https://a b",
            "",
        ] {
            assert!(parse_origin(bad).is_err(), "{bad:?}");
        }
    }
}
