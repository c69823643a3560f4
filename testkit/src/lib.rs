//! Herald's hub for tests: started in-process on `127.0.0.1:0` with the
//! flags a test asks for, served by `herald_hub::serve` as `herald serve`
//! serves it, with a `reqwest` client and typed helpers so that a test reads
//! like the HTTP API.
//!
//! Both suites that need a real hub use this crate: the hub's integration
//! tests (`backend/tests/api`) and the browser tests (`e2e/`). Each used to
//! wrap `herald_hub::serve` in its own helpers, which drifted apart in how they
//! configured the hub, stopped it and read its refusals. A module under
//! `backend/tests` cannot be shared with another crate, so this is a small
//! crate of its own. `herald-hub` depends on it for its tests only; cargo
//! allows that cycle, and the integration tests link the same `herald-hub`
//! library that this crate does, so its types are theirs.
//!
//! # Layout
//!
//! - [`Builder`] (`builder.rs`): the hub's configuration, as the flags of
//!   `herald serve` parsed by the hub's own `Config`, so a test runs what an
//!   operator could; [`spawn_app`] and [`spawn_node`] start the usual ones.
//! - [`TestApp`] (`app.rs`): one hub, its address, its client, its shutdown
//!   token, a server that can be stopped and served again on the same port,
//!   and the requests tests make.
//! - [`Stream`] (`stream.rs`): an open SSE stream, read with
//!   `eventsource-stream` (a spec-conformant parser, as a browser reads it)
//!   and decoded into `herald-wire` types.
//! - `reply.rs`: the hub's refusals, status and JSON error body.
//!
//! # Failures and waits
//!
//! A helper that finds the hub not doing what the test expects panics, with
//! the request and the answer in its message: a test fails where the hub
//! misbehaved, and a test body stays free of `.unwrap()` on every request.
//! (The browser tests return errors instead, to clean up; `e2e` turns such
//! a panic into an error before it takes its screenshots.)
//!
//! Every wait is bounded by [`PATIENCE`] with `tokio::time::timeout`. What
//! has an event to wait for (a stream's next message, a server's end) is
//! awaited; only a state with no event of its own (a count at the hub) is
//! looked at again, every 20 ms, by [`eventually`].
//!
//! The hub's log stays quiet unless `TEST_LOG` is set.
//!
//! # What is not here
//!
//! What only one suite needs stays with it: the cluster tests' own
//! `redis-server` processes and fault-injecting proxy
//! (`backend/tests/api/redis_server.rs`), and the browser, the built page
//! and the artifacts of the end-to-end tests (`e2e/src`).

#![warn(missing_docs)]

mod app;
mod builder;
mod reply;
mod stream;

use std::time::Duration;

use herald_dashboard_events::Payload;
use herald_wire::Envelope;
use herald_wire::protocol::{Query, TOPIC_PARAM};

pub use app::TestApp;
pub use builder::Builder;
pub use reply::error_body;
pub use stream::{Message, Stream, decode};

/// How long a test waits for something that should happen at once: long
/// enough for a loaded machine running tests in parallel, short enough that
/// a hang fails the test rather than the whole run.
pub const PATIENCE: Duration = Duration::from_secs(10);

/// How often [`eventually`] and [`TestApp::wait_for_topics`] look again.
const POLL_INTERVAL: Duration = Duration::from_millis(20);

/// Starts a hub alone, in memory, with `args` added to the command line
/// of `herald serve` (see [`Builder`] for what every test hub runs with).
pub async fn spawn_app(args: &[&str]) -> TestApp {
    TestApp::builder().args(args).start().await
}

/// Starts a node of the cluster on the Redis at `redis_url`, with `args`
/// added to the command line; it has joined the cluster when this returns.
pub async fn spawn_node(redis_url: &str, args: &[&str]) -> TestApp {
    TestApp::builder().redis(redis_url).args(args).start().await
}

/// Serves an app's own `router` (one that nests a `herald_hub::Herald`'s) on
/// an ephemeral loopback port until `stop` is cancelled, telling its
/// handlers each client's address as `axum::serve` does; its base URL.
///
/// # Panics
/// When no loopback port can be bound.
pub async fn serve_router(
    router: axum::Router,
    stop: tokio_util::sync::CancellationToken,
) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a loopback port");
    let base = format!("http://{}", listener.local_addr().expect("a bound address"));
    let app = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
    tokio::spawn(
        axum::serve(listener, app)
            .with_graceful_shutdown(stop.cancelled_owned())
            .into_future(),
    );
    base
}

/// Waits until `check` holds, looking again every 20 ms, for a state that
/// has no event to await (a count at the hub, a freed place).
///
/// # Panics
/// With `what` when `check` still fails after [`PATIENCE`].
pub async fn eventually<F: Future<Output = bool>>(what: &str, mut check: impl FnMut() -> F) {
    let waited = tokio::time::timeout(PATIENCE, async {
        while !check().await {
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    });
    waited.await.unwrap_or_else(|_| panic!("{what}"));
}

/// A query naming `topics` (topics or patterns), to add the route's own
/// parameters to.
pub fn query(topics: &[&str]) -> Query {
    topics
        .iter()
        .fold(Query::new(), |query, topic| query.param(TOPIC_PARAM, topic))
}

/// A chat message with `text`, by `tester`.
pub fn chat(text: &str) -> Payload {
    Payload::Chat(herald_dashboard_events::Chat {
        author: "tester".into(),
        text: text.into(),
    })
}

/// The text of a chat `event`.
///
/// # Panics
/// When `event` is not a chat message.
pub fn text_of(event: &Envelope<Payload>) -> &str {
    match &event.event {
        Payload::Chat(chat) => &chat.text,
        other => panic!("expected chat, got {other:?}"),
    }
}
