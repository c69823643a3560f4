//! The `Host` guard against DNS rebinding.
//!
//! A page on any site can point its own domain name at 127.0.0.1 and then
//! have the visitor's browser talk to a hub listening there as if it were
//! that site: same origin, no CORS check. The browser still sends the name
//! it thinks it is talking to in `Host`, so a hub that answers only for
//! the names it is really reached by (by default this machine's own names)
//! cannot be used that way. `/healthz` answers whatever the name, so load
//! balancers that probe by address keep working.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use herald_wire::protocol::{HEALTH_PATH, READY_PATH};

use crate::error::ApiError;

/// What `--allowed-host` takes to switch the guard off, for a hub behind a
/// proxy that checks names itself.
pub(crate) const ANY_HOST: &str = "*";

/// The host names a hub answers for, lower case and without a port.
#[derive(Debug, Clone)]
pub(crate) struct AllowedHosts {
    any: bool,
    names: HashSet<String>,
}

impl AllowedHosts {
    /// This machine's own names (`localhost`, `127.0.0.1`, `::1`), the
    /// address the hub listens on unless it is the unspecified one, and
    /// `extra` (`*` allows every name).
    pub(crate) fn new(addr: SocketAddr, extra: &[String]) -> Self {
        let mut names: HashSet<String> = ["localhost", "127.0.0.1", "::1"]
            .into_iter()
            .map(str::to_owned)
            .collect();
        if !addr.ip().is_unspecified() {
            names.insert(addr.ip().to_string());
        }
        names.extend(extra.iter().map(|name| normalize(name)));
        Self {
            any: extra.iter().any(|name| name == ANY_HOST),
            names,
        }
    }

    /// Whether a request sent to `authority` (a `Host` value, with or
    /// without a port) is one to answer.
    pub(crate) fn allows(&self, authority: &str) -> bool {
        self.any || self.names.contains(&normalize(authority))
    }

    /// Whether only this machine's own names are allowed, although the hub
    /// listens on every interface: then clients on the network are refused.
    pub(crate) fn only_local(&self, addr: SocketAddr) -> bool {
        addr.ip().is_unspecified() && !self.any && self.names.len() == 3
    }
}

/// `host` without its port, brackets and trailing dot, in lower case.
fn normalize(host: &str) -> String {
    let host = match host.strip_prefix('[') {
        // An IPv6 literal: `[::1]:3000`.
        Some(rest) => rest.split(']').next().unwrap_or_default(),
        None => match host.rsplit_once(':') {
            Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
            _ => host,
        },
    };
    host.trim_end_matches('.').to_ascii_lowercase()
}

/// Refuses, with 421 and a JSON body, a request sent to a name the hub
/// does not answer for, or without a name at all.
pub(crate) async fn guard(
    State(allowed): State<Arc<AllowedHosts>>,
    request: Request,
    next: Next,
) -> Response {
    if matches!(request.uri().path(), HEALTH_PATH | READY_PATH) {
        return next.run(request).await;
    }
    // HTTP/1.1 sends `Host`; HTTP/2 the authority of the URI.
    let authority = request
        .headers()
        .get(header::HOST)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned)
        .or_else(|| request.uri().authority().map(ToString::to_string));
    match authority {
        Some(authority) if allowed.allows(&authority) => next.run(request).await,
        authority => ApiError::host_not_allowed(authority.as_deref()).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hosts(addr: &str, extra: &[&str]) -> AllowedHosts {
        let extra: Vec<String> = extra.iter().map(|name| (*name).to_owned()).collect();
        AllowedHosts::new(addr.parse().unwrap(), &extra)
    }

    #[test]
    fn this_machine_is_allowed_by_any_port_and_spelling() {
        let local = hosts("127.0.0.1:3000", &[]);
        for authority in [
            "localhost",
            "localhost:8080",
            "LOCALHOST.",
            "127.0.0.1:3000",
            "[::1]:3000",
        ] {
            assert!(local.allows(authority), "{authority}");
        }
        for authority in [
            "evil.example",
            "evil.example:3000",
            "127.0.0.2",
            "localhost.evil.example",
            "",
        ] {
            assert!(!local.allows(authority), "{authority}");
        }
    }

    #[test]
    fn the_listen_address_and_named_hosts_are_allowed_and_star_allows_all() {
        let network = hosts("10.1.2.3:3000", &["hub.example.com"]);
        assert!(network.allows("10.1.2.3:3000"));
        assert!(network.allows("Hub.Example.com:443"));
        assert!(!network.allows("other.example.com"));
        assert!(hosts("0.0.0.0:3000", &[ANY_HOST]).allows("anything.example"));
        assert!(hosts("0.0.0.0:3000", &[]).only_local("0.0.0.0:3000".parse().unwrap()));
        assert!(!network.only_local("10.1.2.3:3000".parse().unwrap()));
    }
}
