//! Herald's browser client: a live dashboard that follows one or more topics
//! over a single Server-Sent Events stream and shows each event as itself.
//!
//! Layout, in the order an event travels:
//! - [`subscription`]: which topics the page follows (from its URL), the
//!   stream URL that asks the hub for them, and the page URL that keeps them;
//!   the addresses themselves are spelled by [`herald_wire::protocol`].
//! - [`herald_yew::use_event_stream`](fn@herald_yew::use_event_stream),
//!   typed by [`herald_dashboard_events::Payload`]: the one `EventSource`, its history,
//!   listeners and retries, delivering each message as a
//!   [`herald_wire::Delivery`] stamped with its arrival.
//! - [`inbox`]: the live messages waiting for the next render, bounded,
//!   counting what it drops.
//! - [`state`]: the [`state::Feed`] reducer: the newest events, [`filter`]ed
//!   and pausable, and the views derived from them ([`series`] of metrics,
//!   [`latency`] window, the [`hub_reports`] of each node).
//! - [`components`]: one file per component; [`app`] wires them together;
//!   [`plot`] is the charts' geometry, [`chart_line`] a line they draw and
//!   [`axis`] their ticks, [`format`](mod@format) how numbers read on
//!   screen, [`excerpt`] how much of a publisher's text they show.
//! - [`api`]: publishing and listing topics over HTTP, with the reader's
//!   token, which [`token`] keeps for the tab.
//!
//! Everything except `api`'s requests and the components is plain Rust
//! with native `#[test]`s; the DOM parts are tested in a browser (`tests/`,
//! a file per feature).

#![warn(missing_docs)]

pub mod api;
pub mod app;
pub mod axis;
pub mod chart_line;
pub mod components;
pub mod excerpt;
pub mod filter;
pub mod format;
pub mod hub_reports;
pub mod inbox;
pub mod latency;
pub mod plot;
pub mod series;
pub mod state;
pub mod subscription;
pub mod token;

pub use app::App;
