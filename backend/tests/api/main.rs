//! Integration tests: a real server on an ephemeral port, real HTTP, and
//! SSE parsed by a spec-conformant parser, as a browser would.

// `allow-unwrap-in-tests` covers `#[test]` functions only, not the functions
// the tests of a file share.
#![allow(
    clippy::unwrap_used,
    reason = "a test fails loudly on any unexpected error"
)]

mod auth;
mod budget;
mod cluster;
mod contract;
mod cors;
mod embed;
mod history;
mod hostile;
mod hosts;
mod kinds;
mod limits;
mod observe;
mod once;
mod operations;
mod patterns;
mod publish;
mod redis_server;
mod redis_tls;
mod resume;
mod runs;
mod shutdown;
mod slow;
mod spa;
mod stream;
mod tls;
mod tls_reload;
mod topics;
