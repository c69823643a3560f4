//! Server-Sent Events framing: the only place that writes SSE bytes.
//!
//! Every event is framed once, when it is published, and the same [`Bytes`]
//! go to every subscriber. The WHATWG parser splits fields on CR, LF and
//! CRLF, so a value holding one of them would inject fields or end an event
//! early; each writer here refuses such values (and NUL, which the spec drops
//! from ids) instead of escaping them, because Herald's own values — decimal
//! ids, kind names and compact JSON — never contain them.

use std::fmt::Write as _;
use std::ops::Range;

use bytes::Bytes;
use herald_wire::protocol::{GAP_EVENT, POSITION_EVENT};
use herald_wire::{EventId, Gap, Kind};

/// A field value that would break SSE framing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("SSE {field} contains CR, LF or NUL")]
pub struct FramingError {
    /// Which field was refused.
    pub field: &'static str,
}

/// One event framed for SSE, and where its `data:` value lies in the
/// frame, so the same bytes also serve the value on its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct EventFrame {
    /// The whole frame, as sent to a stream.
    pub(crate) bytes: Bytes,
    /// The `data:` value's range in `bytes`.
    pub(crate) data: Range<usize>,
}

/// An event framed but for its id: what costs time (encoding, the framing
/// check) done before the hub gives the event its place in the sequence,
/// outside any lock; [`Unnumbered::number`] then only writes the id.
#[derive(Debug)]
pub(crate) struct Unnumbered {
    name: Kind,
    /// The envelope JSON's members after `id`, and its closing brace.
    rest: String,
}

/// Prepares the frame of an event named `name` whose envelope JSON, but
/// for its `id`, is `envelope` (an object with at least one member). A
/// kind's name never needs checking: [`Kind`] holds no CR, LF or NUL.
///
/// # Errors
/// Returns [`FramingError`] if the JSON contains CR, LF or NUL.
pub(crate) fn unnumbered(name: Kind, envelope: &str) -> Result<Unnumbered, FramingError> {
    check_field("data", envelope)?;
    let rest = envelope
        .strip_prefix('{')
        .filter(|rest| !rest.starts_with('}'))
        .ok_or(FramingError { field: "data" })?;
    Ok(Unnumbered {
        name,
        rest: rest.to_owned(),
    })
}

impl Unnumbered {
    #[cfg(feature = "cluster")]
    /// The event's kind, its SSE name.
    pub(crate) fn kind(&self) -> &Kind {
        &self.name
    }

    /// The frame with `id` as its SSE `id:` field and as the envelope's
    /// first member; an id's text never needs checking.
    pub(crate) fn number(&self, id: EventId) -> EventFrame {
        let id = id.to_string();
        let mut frame =
            String::with_capacity(2 * id.len() + self.name.as_str().len() + self.rest.len() + 32);
        // Writing into a String cannot fail.
        let _ = write!(frame, "id: {id}\nevent: {}\ndata: ", self.name);
        let start = frame.len();
        let _ = write!(frame, "{{\"id\":\"{id}\",{}", self.rest);
        let end = frame.len();
        frame.push_str("\n\n");
        EventFrame {
            bytes: Bytes::from(frame),
            data: start..end,
        }
    }
}

/// The kind an event frame of [`Unnumbered::number`] names in its
/// `event:` line, read back from the frame's head (what precedes its
/// data): the hub keeps no other copy of it.
pub(crate) fn event_name(head: &[u8]) -> Kind {
    let name = head
        .split(|&byte| byte == b'\n')
        .find_map(|line| line.strip_prefix(b"event: "))
        .and_then(|name| std::str::from_utf8(name).ok());
    name.and_then(|name| Kind::parse(name).ok())
        .expect("an event frame names the kind it was framed with")
}

/// Frames a [`Gap`] as the `gap` event, without an id, so the client's
/// `Last-Event-ID` stays at the last event it got.
///
/// Infallible where [`event`] is not: a gap is a validated topic and two
/// ids, and serde_json writes strings and integers without failing and
/// compact JSON without line breaks (it escapes them inside strings), so
/// there is nothing to refuse.
pub(crate) fn gap(gap: &Gap) -> Bytes {
    let data =
        serde_json::to_string(gap).expect("a gap is strings and integers, which always serialize");
    Bytes::from(format!("event: {GAP_EVENT}\ndata: {data}\n\n"))
}

/// Frames what a stream opens with: the `retry:` hint (how long the
/// browser waits before reconnecting) and, when it has one, the stream's
/// `position` ([`POSITION_EVENT`]), so that a client cut off before its
/// first event resumes where the stream started.
pub(crate) fn opening(retry_millis: u64, position: Option<EventId>) -> Bytes {
    let mut frame = format!("retry: {retry_millis}\n\n");
    if let Some(id) = position {
        let _ = write!(frame, "id: {id}\nevent: {POSITION_EVENT}\ndata:\n\n");
    }
    Bytes::from(frame)
}

/// The keep-alive comment: ignored by parsers, but it keeps proxies from
/// closing an idle connection and lets the server notice a dead peer.
pub(crate) fn keep_alive() -> Bytes {
    Bytes::from_static(b":\n\n")
}

fn check_field(field: &'static str, value: &str) -> Result<(), FramingError> {
    if value.bytes().any(|b| matches!(b, b'\r' | b'\n' | 0)) {
        Err(FramingError { field })
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use eventsource_stream::Eventsource;
    use futures_util::StreamExt;
    use herald_dashboard_events::kinds;
    use herald_dashboard_events::{
        Chat, Json, LatencyProbe, LoadAverage, Metrics, Notice, NoticeLevel, Payload,
    };
    use herald_wire::{Envelope, Event as _, EventId, Kind, Topic};

    use super::*;

    /// Parses bytes the way a browser does, with a spec-conformant parser.
    async fn parse(chunks: Vec<Bytes>) -> Vec<eventsource_stream::Event> {
        let stream = futures_util::stream::iter(chunks.into_iter().map(Ok::<_, std::io::Error>));
        stream
            .eventsource()
            .map(|parsed| parsed.unwrap())
            .collect()
            .await
    }

    fn samples() -> Vec<Payload> {
        vec![
            Payload::Metrics(Metrics {
                cpu_total: 3.5,
                cpu_per_core: vec![1.0, 6.0],
                memory_used: 1,
                memory_total: 2,
                load: LoadAverage {
                    one: 0.1,
                    five: 0.2,
                    fifteen: 0.3,
                },
                net_rx_per_sec: 4,
                net_tx_per_sec: 5,
            }),
            Payload::Chat(Chat {
                author: "eve\r\nid: 666".into(),
                text: "line one\nline two\r\ndata: injected\n\n".into(),
            }),
            Payload::Notice(Notice {
                level: NoticeLevel::Error,
                text: ": not a comment\u{0}".into(),
            }),
            Payload::LatencyProbe(LatencyProbe { seq: 9, ts: 10 }),
            // Keys in order, as the test's envelope goes through a `Value`.
            Payload::from_json(r#"{"id":7,"note":"a\nb","type":"order.created"}"#).unwrap(),
            Payload::Json(
                Json::from_value(
                    &serde_json::json!({"nested": {"text": "a\nb"}, "list": [1, "\r"]}),
                )
                .unwrap(),
            ),
        ]
    }

    /// The frame of an event numbered `1-{sequence}` with `envelope`.
    fn frame(sequence: u64, name: Kind, envelope: &str) -> EventFrame {
        unnumbered(name, envelope)
            .unwrap()
            .number(EventId::new(1, sequence))
    }

    #[tokio::test]
    async fn every_kind_round_trips_through_a_spec_parser() {
        let events: Vec<Envelope<Payload>> = samples()
            .into_iter()
            .enumerate()
            .map(|(index, payload)| Envelope {
                id: EventId::new(1, 100 + index as u64),
                topic: Topic::parse("t/x").unwrap(),
                time_us: 1,
                event: payload,
            })
            .collect();
        let mut chunks = vec![opening(1500, None), keep_alive()];
        for event in &events {
            // The envelope without its id, as the hub encodes it.
            let mut envelope = serde_json::to_value(event).unwrap();
            envelope.as_object_mut().unwrap().remove("id");
            let framed = frame(
                event.id.sequence(),
                event.event.kind().clone(),
                &envelope.to_string(),
            );
            let data: Envelope<Payload> =
                serde_json::from_slice(&framed.bytes[framed.data.clone()]).unwrap();
            assert_eq!(&data, event, "the data range holds the envelope");
            chunks.push(framed.bytes);
        }
        let parsed = parse(chunks).await;
        assert_eq!(parsed.len(), events.len());
        for (sent, received) in events.iter().zip(parsed) {
            assert_eq!(received.id, sent.id.to_string());
            assert_eq!(received.event, sent.event.kind().as_str());
            let decoded: Envelope<Payload> = serde_json::from_str(&received.data).unwrap();
            assert_eq!(&decoded, sent);
        }
    }

    #[tokio::test]
    async fn frames_survive_arbitrary_chunk_boundaries() {
        let bytes = frame(7, kinds::CHAT, r#"{"a":"b"}"#).bytes;
        let chunks: Vec<Bytes> = bytes.iter().map(|byte| Bytes::from(vec![*byte])).collect();
        let parsed = parse(chunks).await;
        assert_eq!(parsed.len(), 1);
        assert_eq!(parsed[0].data, r#"{"id":"1-7","a":"b"}"#);
        assert_eq!(parsed[0].id, "1-7");
    }

    #[tokio::test]
    async fn a_gap_carries_no_id_and_decodes_as_a_gap() {
        let sent = Gap {
            topic: Topic::parse("a/b").unwrap().into(),
            after: EventId::new(1, 3),
            through: EventId::new(1, 9),
        };
        let parsed = parse(vec![frame(5, kinds::CHAT, r#"{"a":1}"#).bytes, gap(&sent)]).await;
        assert_eq!(parsed[1].event, GAP_EVENT);
        // The parser keeps the last id seen: a gap does not move it.
        assert_eq!(parsed[1].id, "1-5");
        let received: Gap = serde_json::from_str(&parsed[1].data).unwrap();
        assert_eq!(received, sent);
    }

    #[test]
    fn values_that_would_break_framing_are_refused() {
        // A kind's name cannot hold a line break; only the envelope can.
        for (envelope, field) in [
            ("{\"a\":1}\n\ndata: x", "data"),
            ("{\"a\":\"\0\"}", "data"),
            // Not an object with a member for the id to go before.
            ("{}", "data"),
            ("[1]", "data"),
        ] {
            assert_eq!(
                unnumbered(kinds::CHAT, envelope).map(|_| ()),
                Err(FramingError { field }),
                "{envelope:?}"
            );
        }
    }
}
