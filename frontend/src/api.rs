//! The dashboard's own calls to the hub: publish an event and list topics a
//! page at a time, through [`herald_yew::http`]'s `fetch` helpers, with the
//! reader's [`Token`] when one is set. The history the page shows first is
//! loaded by the stream hook itself.

use herald_dashboard_events::Payload;
use herald_wire::protocol::{publish_path, topics_path};
use herald_wire::{Published, TopicList, TopicPattern};
use herald_yew::Token;
use herald_yew::http::{ApiError, interpret, send};

/// Publishes `payload` to `topic` (the topic is sent as typed, so the hub's
/// own rules and messages apply), with `token` when one is set.
///
/// # Errors
/// [`ApiError::Api`] with the hub's reason when it refuses the event (also
/// a missing or insufficient token: 401 or 403),
/// [`ApiError::Network`] or [`ApiError::Decode`] when there is no usable reply.
pub async fn publish(
    topic: &str,
    payload: &Payload,
    token: Option<&Token>,
) -> Result<Published, ApiError> {
    let body =
        serde_json::to_string(payload).map_err(|error| ApiError::Decode(error.to_string()))?;
    let (status, text) = send("POST", &publish_path(topic), Some(&body), token).await?;
    interpret(status, &text)
}

/// Lists the hub's topics with their subscriber counts, from the first in
/// name order: `pages` pages of `limit` topics, or fewer when the list ends
/// first, as one list whose `next_after` says where the page after them
/// starts. The hub leaves out private topics `token` may not read.
///
/// Reading every page the reader has opened again, rather than only the
/// newest, keeps the counts of all listed topics current and lets a topic
/// that appeared on an earlier page take its place there.
///
/// # Errors
/// As for [`publish`], for the first page that fails.
pub async fn topics(
    pages: usize,
    limit: usize,
    token: Option<&Token>,
) -> Result<TopicList, ApiError> {
    let mut list = TopicList {
        topics: Vec::new(),
        next_after: None,
    };
    for _ in 0..pages.max(1) {
        let path = topics_path(&[] as &[TopicPattern], list.next_after.as_ref(), limit);
        let (status, text) = send("GET", &path, None, token).await?;
        let page: TopicList = interpret(status, &text)?;
        list.topics.extend(page.topics);
        list.next_after = page.next_after;
        if list.next_after.is_none() {
            break;
        }
    }
    Ok(list)
}
