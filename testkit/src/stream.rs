//! An open SSE stream, read as a browser reads it: parsed by
//! `eventsource-stream`, a spec-conformant parser, over the response's
//! bytes, and decoded into `herald-wire` types by each event's name.

use bytes::Bytes;
use eventsource_stream::{Event as SseEvent, EventStream, Eventsource};
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use herald_wire::protocol::POSITION_EVENT;
use herald_wire::{Envelope, Event as _, EventId, Gap};

use crate::PATIENCE;
use herald_dashboard_events::Payload;

/// An open SSE stream, from [`crate::TestApp::open_stream`].
pub struct Stream {
    events: EventStream<BoxStream<'static, reqwest::Result<Bytes>>>,
    /// The id of the last `position` block read, which [`Stream::next_raw`]
    /// and the rest read past.
    position: Option<EventId>,
}

/// One message read from a [`Stream`], decoded into `herald-wire` types.
#[derive(Debug)]
pub enum Message {
    /// A published event.
    Event(Envelope<Payload>),
    /// Events the hub could no longer replay.
    Gap(Gap),
}

impl Stream {
    /// Reads the SSE of a stream's `response`, from
    /// [`crate::TestApp::get_stream`], from where it has got to.
    pub fn of(response: reqwest::Response) -> Self {
        Self::new(response.bytes_stream().boxed())
    }

    /// Parses the SSE in `body`.
    pub(crate) fn new(body: BoxStream<'static, reqwest::Result<Bytes>>) -> Self {
        Self {
            events: body.eventsource(),
            position: None,
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
        tokio::time::timeout(PATIENCE, self.next_unpositioned())
            .await
            .expect("no event in time")
    }

    /// The id of the last `position` block read so far.
    pub fn position(&self) -> Option<EventId> {
        self.position
    }

    /// Reads the stream's opening `position` block, which must come next:
    /// where the stream started, the id to resume after when it has
    /// delivered nothing yet.
    ///
    /// # Panics
    /// When something else comes first, or nothing within [`PATIENCE`].
    pub async fn read_position(&mut self) -> EventId {
        let first = tokio::time::timeout(PATIENCE, self.events.next())
            .await
            .expect("no position in time")
            .map(|parsed| parsed.expect("stream failed"));
        match first {
            Some(raw) if raw.event == POSITION_EVENT => self.remember(&raw),
            other => panic!("expected the stream's position first, got {other:?}"),
        }
    }

    /// The next SSE event that is not a `position` block, remembering those.
    async fn next_unpositioned(&mut self) -> Option<SseEvent> {
        loop {
            let raw = self.events.next().await?.expect("stream failed");
            if raw.event != POSITION_EVENT {
                return Some(raw);
            }
            self.remember(&raw);
        }
    }

    fn remember(&mut self, raw: &SseEvent) -> EventId {
        assert!(raw.data.is_empty(), "a position carries no data: {raw:?}");
        let id = EventId::parse(&raw.id)
            .unwrap_or_else(|error| panic!("a position that is no id: {error}: {raw:?}"));
        self.position = Some(id);
        id
    }

    /// The next message, expected to be an event.
    ///
    /// # Panics
    /// As [`Stream::next`], and on a gap.
    pub async fn next_event(&mut self) -> Envelope<Payload> {
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
        if let Ok(Some(extra)) = tokio::time::timeout(quiet, self.next_unpositioned()).await {
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
    if raw.event == herald_wire::GAP_EVENT {
        return Message::Gap(
            serde_json::from_str(&raw.data)
                .unwrap_or_else(|error| panic!("a gap that is not a `Gap`: {error}: {raw:?}")),
        );
    }
    let event: Envelope<Payload> = serde_json::from_str(&raw.data)
        .unwrap_or_else(|error| panic!("an event that is not an `Envelope`: {error}: {raw:?}"));
    assert_eq!(
        raw.event,
        event.event.kind().as_str(),
        "SSE name is the kind"
    );
    assert_eq!(raw.id, event.id.to_string(), "SSE id is the event id");
    Message::Event(event)
}
