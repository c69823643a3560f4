//! Herald's browser client: a live dashboard that follows one or more topics
//! over a single Server-Sent Events stream and shows each event as itself.
//!
//! Layout, in the order an event travels:
//! - [`subscription`]: which topics the page follows (from its URL), the
//!   stream URL that asks the hub for them, and the page URL that keeps them;
//!   the addresses themselves are spelled by [`shared::protocol`].
//! - [`hooks::use_event_stream`](fn@hooks::use_event_stream): the one
//!   `EventSource`, its listeners and retries, carrying out the
//!   [`connection`] state machine and its [`backoff`]; it stamps each
//!   message's arrival with the page's [`time`].
//! - [`inbox`]: the live messages waiting for the next render, bounded,
//!   counting what it drops.
//! - [`decode`]: an SSE message (event name and data) to a typed [`decode::Message`].
//! - [`state`]: the [`state::Feed`] reducer: the newest events, [`filter`]ed
//!   and pausable, and the views derived from them ([`series`] of metrics,
//!   [`latency`] window, the [`hub_reports`] of each node).
//! - [`components`]: one file per component; [`app`] wires them together;
//!   [`plot`] is the charts' geometry, [`chart_line`] a line they draw and
//!   [`axis`] their ticks, [`format`](mod@format) how numbers read on
//!   screen, [`excerpt`] how much of a publisher's text they show.
//! - [`history`]: the recent events shown before the stream opens, which
//!   it then resumes after.
//! - [`api`]: publishing, listing topics and loading history over HTTP,
//!   with the reader's [`token`] when one is set.
//!
//! Everything except the hook, `api`'s `fetch`, the clock in [`time`] and
//! the components is plain Rust with native `#[test]`s; the DOM and
//! `EventSource` parts are tested in a browser (`tests/`, a file per
//! feature).

#![warn(missing_docs)]

pub mod api;
pub mod app;
pub mod axis;
pub mod backoff;
pub mod chart_line;
pub mod components;
pub mod connection;
pub mod decode;
pub mod excerpt;
pub mod filter;
pub mod format;
pub mod history;
pub mod hooks;
pub mod hub_reports;
pub mod inbox;
pub mod latency;
pub mod plot;
pub mod series;
pub mod state;
pub mod subscription;
pub mod time;
pub mod token;

pub use app::App;
