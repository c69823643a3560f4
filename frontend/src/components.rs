//! The page's components, one per file, each named after what it shows.
//!
//! [`live_feed::LiveFeed`] owns the stream; the rest only render what they
//! are given (or, for [`event_list::EventList`], what the feed context holds).

pub mod chat_message;
pub mod connection_indicator;
pub mod decode_error_item;
pub mod event_item;
pub mod event_list;
pub mod feed_provider;
pub mod gap_item;
pub mod json_view;
pub mod latency_reading;
pub mod live_feed;
pub mod metrics_summary;
pub mod notice_banner;
pub mod topic_bar;
