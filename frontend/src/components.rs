//! The page's components, one per file, each named after what it shows.
//!
//! [`live_feed::LiveFeed`] owns the stream and lays out the page; the panels
//! read the feed context ([`metrics_panel`], [`hub_panel`], [`latency_figure`],
//! [`chat_panel`], [`notice_panel`], [`event_list`], [`feed_controls`]);
//! [`topics_panel`] and [`publish_form`] talk to the hub's HTTP API, and
//! [`topic_rows`] draws the topic list the panel reads; [`token_field`]
//! takes the token all of them send.

pub mod chart;
pub mod chart_legend;
pub mod chat_message;
pub mod chat_panel;
pub mod clipped;
pub mod connection_indicator;
pub mod decode_error_item;
pub mod dropped_item;
pub mod event_item;
pub mod event_list;
pub mod feed_controls;
pub mod feed_provider;
pub mod follow_topic;
pub mod gap_item;
pub mod hub_panel;
pub mod hub_summary;
pub mod json_view;
pub mod latency_figure;
pub mod latency_reading;
pub mod live_feed;
pub mod metrics_panel;
pub mod metrics_summary;
pub mod notice_banner;
pub mod notice_panel;
pub mod publish_form;
pub mod token_field;
pub mod topic_rows;
pub mod topics_panel;
pub mod unknown_item;
