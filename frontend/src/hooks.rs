//! Custom hooks: the app's side effects, each behind a `use_` function.

pub mod use_event_stream;

pub use use_event_stream::{StreamMessage, StreamSource, StreamStatus, use_event_stream};
