//! Herald's browser client: a yew app that follows one or more topics over a
//! single Server-Sent Events stream and shows each event as it arrives.
//!
//! Layout, in the order an event travels:
//! - [`subscription`]: which topics the page follows (from its URL) and the
//!   stream URL that asks the hub for them.
//! - [`hooks::use_event_stream`]: the one `EventSource`, its listeners and the
//!   connection state.
//! - [`decode`]: an SSE message (event name and data) to a typed [`decode::Message`].
//! - [`state`]: the [`state::Feed`] reducer that keeps the newest events.
//! - [`components`]: one file per component; [`app`] wires them together.
//! - [`format`]: how numbers, sizes and durations read on screen.
//!
//! Everything except the hook and the components is plain Rust with native
//! `#[test]`s; the DOM and `EventSource` parts are tested in a browser
//! (`tests/browser.rs`).

pub mod app;
pub mod components;
pub mod decode;
pub mod format;
pub mod hooks;
pub mod state;
pub mod subscription;

pub use app::App;
