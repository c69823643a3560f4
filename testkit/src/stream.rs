//! An open SSE stream, read as a browser reads it: parsed by
//! `eventsource-stream`, a spec-conformant parser, over the response's
//! bytes, and decoded into `shared` types by each event's name.

use bytes::Bytes;
use eventsource_stream::{Event as SseEvent, EventStream, Eventsource};
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use shared::{Event, Gap};

use crate::PATIENCE;

/// An open SSE stream, from [`crate::TestApp::open_stream`].
pub struct Stream {
    events: EventStream<BoxStream<'static, reqwest::Result<Bytes>>>,
}

/// One message read from a [`Stream`], decoded into `shared` types.
#[derive(Debug)]
pub enum Message {
    /// A published event.
    Event(Event),
    /// Events the hub could no longer replay.
    Gap(Gap),
}

impl Stream {
    /// Parses the SSE in `body`.
    pub(crate) fn new(body: BoxStream<'static, reqwest::Result<Bytes>>) -> Self {
        Self {
            events: body.eventsource(),
        }
    }

    /// The next message.
    ///
    /// # Panics
    /// When none comes within [`PATIENCE`], or the stream ends or fails.
    pub async fn next(&mut self) -> Message {
        let raw = self.next_raw().await.expect("stream ended");
        decode(&raw)
    }

    /// The next SSE event as parsed, or `None` when the stream ended.
    ///
    /// # Panics
    /// When nothing comes within [`PATIENCE`], or the stream fails.
    pub async fn next_raw(&mut self) -> Option<SseEvent> {
        tokio::time::timeout(PATIENCE, self.events.next())
            .await
            .expect("no event in time")
            .map(|parsed| parsed.expect("stream failed"))
    }

    /// The next message, expected to be an event.
    ///
    /// # Panics
    /// As [`Stream::next`], and on a gap.
    pub async fn next_event(&mut self) -> Event {
        match self.next().await {
            Message::Event(event) => event,
            Message::Gap(gap) => panic!("expected an event, got {gap:?}"),
        }
    }

    /// Checks that nothing arrives within `quiet`: there is no event to
    /// wait for when none must come, so the test watches for a bounded time.
    ///
    /// # Panics
    /// When something does.
    pub async fn assert_silent(&mut self, quiet: std::time::Duration) {
        if let Ok(Some(extra)) = tokio::time::timeout(quiet, self.events.next()).await {
            panic!("expected silence, got {extra:?}");
        }
    }
}

/// Decodes a parsed SSE event the way the page does: by its name.
///
/// # Panics
/// When its data does not decode as its name says, or an event's SSE name
/// and id differ from its kind and id.
pub fn decode(raw: &SseEvent) -> Message {
    if raw.event == shared::GAP_EVENT {
        return Message::Gap(
            serde_json::from_str(&raw.data)
                .unwrap_or_else(|error| panic!("a gap that is not a `Gap`: {error}: {raw:?}")),
        );
    }
    let event: Event = serde_json::from_str(&raw.data)
        .unwrap_or_else(|error| panic!("an event that is not an `Event`: {error}: {raw:?}"));
    assert_eq!(raw.event, event.event.kind().name(), "SSE name is the kind");
    assert_eq!(raw.id, event.id.to_string(), "SSE id is the event id");
    Message::Event(event)
}
