//! The oracles the fuzz targets in `backend/fuzz/` hold the hub to,
//! written from the specs rather than from the hub's code, and depending on
//! nothing: [`event_stream`], a WHATWG `text/event-stream` parser, and
//! [`topic_syntax`], the topic and pattern rules as docs/api.md states them.

pub mod event_stream;
pub mod topic_syntax;
