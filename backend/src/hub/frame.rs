//! An event as the hub keeps it: encoded once at publish ([`Prepared`],
//! before it has a number) and framed for SSE once it has one ([`Frame`]),
//! the only copy every subscriber and every history read shares.

use std::ops::Range;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use herald_wire::{Envelope, Event, EventId, Kind, Topic};
use serde::Serialize;

use super::PublishError;
use crate::sse;

/// A published event, framed for SSE once and shared by every subscriber.
///
/// The frame is the only copy the hub keeps: its envelope JSON is a slice
/// of the SSE bytes ([`Frame::json`]), and nothing is kept decoded.
///
/// # Examples
///
/// ```
/// use herald_dashboard_events::{Chat, Payload};
/// use herald_hub::hub::Hub;
/// use herald_wire::Topic;
///
/// # let limits = herald_hub::hub::Limits {
/// #     history: 100, topic_bytes: 1 << 20, total_bytes: 1 << 24, max_topics: 100, max_subscribers: 100,
/// # };
/// let hub = Hub::with_epoch(limits, 7);
/// let chat = Payload::Chat(Chat { author: "ada".into(), text: "hi".into() });
/// let frame = hub.publish(Topic::parse("chat/lobby")?, &chat)?;
/// assert_eq!((frame.id().epoch(), frame.topic().as_str()), (7, "chat/lobby"));
/// assert_eq!(frame.kind().as_str(), "chat");
/// assert_eq!(frame.envelope::<Payload>()?.event, chat);
/// // What every stream writes: the SSE frame, its data the envelope.
/// let sse = String::from_utf8(frame.sse().to_vec())?;
/// assert!(sse.starts_with(&format!("id: {}\nevent: chat\n", frame.id())), "{sse}");
/// assert!(sse.contains(std::str::from_utf8(&frame.json())?));
/// assert_eq!(frame.size(), sse.len());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Frame(Arc<FrameInner>);

/// An event encoded once and checked for SSE framing, without its number
/// yet: what [`Hub::publish`](super::Hub::publish) appends at once, and what
/// a cluster carries to every node, which numbers it there
/// ([`Hub::apply`](super::Hub::apply)).
pub(crate) struct Prepared {
    pub(crate) topic: Topic,
    #[cfg(feature = "cluster")]
    /// The envelope's JSON but for its id: [`herald_wire::Envelope`]'s other fields.
    pub(crate) envelope: String,
    pub(super) unnumbered: sse::Unnumbered,
}

#[derive(Debug)]
struct FrameInner {
    id: EventId,
    topic: Topic,
    sse: Bytes,
    /// Where the envelope JSON lies in `sse`.
    json: Range<usize>,
}

/// The envelope of an event but for its id, which is written once the event
/// has its place in the sequence ([`sse::Unnumbered`]). Its fields, in this
/// order, are those of [`herald_wire::Envelope`] after `id`.
#[derive(Serialize)]
struct EnvelopeAfterId<'a, E> {
    topic: &'a Topic,
    time_us: u64,
    event: &'a E,
}

impl Frame {
    /// `unnumbered` framed with its `id`, for `topic`.
    pub(super) fn new(id: EventId, topic: Topic, unnumbered: &sse::Unnumbered) -> Self {
        let framed = unnumbered.number(id);
        Self(Arc::new(FrameInner {
            id,
            topic,
            sse: framed.bytes,
            json: framed.data,
        }))
    }

    /// The event's id.
    pub fn id(&self) -> EventId {
        self.0.id
    }

    /// The topic it was published to.
    pub fn topic(&self) -> &Topic {
        &self.0.topic
    }

    /// The event's kind, its SSE `event:` name.
    pub fn kind(&self) -> Kind {
        sse::event_name(&self.0.sse[..self.0.json.start])
    }

    /// The event's envelope as JSON (a [`herald_wire::Envelope`]), sharing the SSE
    /// frame's bytes.
    pub fn json(&self) -> Bytes {
        self.0.sse.slice(self.0.json.clone())
    }

    /// The event as the type `E` it was published as (or any type that
    /// reads the same JSON, such as [`herald_dashboard_events::Payload`]), as a page or a
    /// client decodes it.
    ///
    /// # Errors
    /// When the event's JSON is not an `E`: another type's event on a topic
    /// both publish to.
    pub fn envelope<E: Event>(&self) -> Result<Envelope<E>, serde_json::Error> {
        serde_json::from_slice(&self.json())
    }

    /// The event framed as SSE bytes, shared with every other subscriber.
    pub fn sse(&self) -> Bytes {
        self.0.sse.clone()
    }

    /// What the frame counts against the history budgets: its SSE bytes.
    pub fn size(&self) -> usize {
        self.0.sse.len()
    }

    /// The id's position within the hub's run, what the hub orders by.
    pub(super) fn sequence(&self) -> u64 {
        self.0.id.sequence()
    }
}

impl Prepared {
    /// Encodes `event` for `topic` and checks it, stamped with the time now,
    /// without numbering it.
    ///
    /// # Errors
    /// [`PublishError::Encode`] when the event's own `Serialize` refuses it
    /// (a metrics sample with a NaN or infinite value); framing errors,
    /// which are bugs.
    pub(crate) fn new<E: Event>(topic: Topic, event: &E) -> Result<Self, PublishError> {
        let envelope = serde_json::to_string(&EnvelopeAfterId {
            topic: &topic,
            time_us: now_micros(),
            event,
        })?;
        let unnumbered = sse::unnumbered(event.kind().clone(), &envelope)?;
        Ok(Self {
            topic,
            #[cfg(feature = "cluster")]
            envelope,
            unnumbered,
        })
    }

    #[cfg(feature = "cluster")]
    /// The event's kind, which names its SSE event.
    pub(crate) fn kind(&self) -> &Kind {
        self.unnumbered.kind()
    }
}

/// The unix time in microseconds: event times, and the epoch of a new run.
pub(crate) fn now_micros() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_micros() as u64)
}
