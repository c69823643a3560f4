//! Any run of what the hub writes to a stream — events of every kind, an
//! app's own kinds among them, with
//! any strings (CR, LF, NUL, U+2028 and the rest), any JSON and topics,
//! envelopes as a cluster node takes them in, gaps, openings (the retry
//! hint and the stream's position) and keep-alives — encoded by the hub's own SSE writers and read back, all
//! frames concatenated, with the WHATWG parser in `fuzz_oracles`: every
//! event arrives once, in order, with its id, its name, and data that is
//! the envelope the hub encoded and decodes to the event published.
#![no_main]

use herald_hub::fuzzing;
use herald_hub::hub::{Hub, Limits, PublishError};
use fuzz_oracles::event_stream::{self, Dispatched};
use libfuzzer_sys::arbitrary::{self, Arbitrary};
use herald_wire::protocol::{GAP_EVENT, POSITION_EVENT};
use herald_dashboard_events::{Chat, Json, LatencyProbe, LoadAverage, Metrics, Notice, NoticeLevel, Payload};
use herald_wire::{Envelope, Event as _, EventId, Gap, Kind, Topic, TopicPattern};

libfuzzer_sys::fuzz_target!(|input: Input| check(input));

#[derive(Debug, Arbitrary)]
struct Input {
    /// The run's epoch, the first half of every id the hub gives.
    epoch: u64,
    chunks: Vec<Chunk>,
}

/// One piece of a stream, as its writer is asked for it.
#[derive(Debug, Arbitrary)]
enum Chunk {
    /// A payload published to the hub, which frames it.
    Publish {
        topic: String,
        payload: PayloadInput,
    },
    /// An envelope framed as a cluster node frames what it reads from Redis.
    Envelope {
        kind: String,
        envelope: String,
        sequence: u64,
    },
    Gap {
        topic: String,
        after: (u64, u64),
        through: (u64, u64),
    },
    /// What a stream opens with: the retry hint, and its position.
    Opening {
        retry: u64,
        position: Option<(u64, u64)>,
    },
    KeepAlive,
}

#[derive(Debug, Arbitrary)]
enum PayloadInput {
    Metrics {
        cpu_total: f32,
        cpu_per_core: Vec<f32>,
        memory_used: u64,
        memory_total: u64,
        load: (f64, f64, f64),
        net_rx_per_sec: u64,
        net_tx_per_sec: u64,
    },
    Chat {
        author: String,
        text: String,
    },
    Notice {
        level: u8,
        text: String,
    },
    LatencyProbe {
        seq: u64,
        ts: u64,
    },
    /// JSON as a publisher writes it; not JSON is no payload.
    JsonText(String),
    /// JSON built from values, so every input is a payload.
    JsonValue {
        members: Vec<(String, Leaf)>,
        list: Vec<Leaf>,
    },
    /// An object of any kind but Herald's own; not a kind name is no
    /// payload.
    Untyped {
        kind: String,
        members: Vec<(String, Leaf)>,
    },
}

#[derive(Debug, Arbitrary)]
enum Leaf {
    Null,
    Bool(bool),
    Signed(i64),
    Unsigned(u64),
    Float(f64),
    Text(String),
}

/// What the browser must see for one frame.
struct Expected {
    event: String,
    data: String,
    last_event_id: String,
    /// Whether the data must decode as an [`Envelope`] equal to this one but
    /// for its time, which the hub stamps.
    published: Option<Envelope<Payload>>,
}

fn check(input: Input) {
    let hub = Hub::with_epoch(
        Limits {
            history: input.chunks.len().max(1),
            topic_bytes: usize::MAX,
            total_bytes: usize::MAX,
            max_topics: usize::MAX,
            max_subscribers: 1,
        },
        input.epoch,
    );
    let mut stream = Vec::new();
    let mut expected = Vec::new();
    let mut last_event_id = String::new();
    let mut retry = None;
    for chunk in input.chunks {
        match chunk {
            Chunk::Publish { topic, payload } => {
                let (Ok(topic), Some(payload)) = (Topic::parse(topic), payload.build()) else {
                    continue;
                };
                let frame = match hub.publish(topic.clone(), &payload) {
                    Ok(frame) => frame,
                    Err(PublishError::Encode(_)) => {
                        assert!(!is_finite(&payload), "refused as not finite: {payload:?}");
                        continue;
                    }
                    Err(error) => panic!("publishing {payload:?} failed: {error}"),
                };
                let frame_bytes = frame.sse();
                let json = frame.json();
                stream.extend_from_slice(&frame_bytes);
                last_event_id = frame.id().to_string();
                expected.push(Expected {
                    event: payload.kind().to_string(),
                    data: String::from_utf8(json.to_vec()).expect("the envelope is UTF-8"),
                    last_event_id: last_event_id.clone(),
                    published: Some(Envelope {
                        id: frame.id(),
                        topic,
                        time_us: 0,
                        event: payload,
                    }),
                });
            }
            Chunk::Envelope {
                kind,
                envelope,
                sequence,
            } => {
                let Ok(kind) = Kind::parse(kind) else {
                    continue;
                };
                let id = EventId::new(input.epoch, sequence);
                let Ok(frame) = fuzzing::sse_event(kind.clone(), &envelope, id) else {
                    assert!(
                        envelope.contains(['\r', '\n', '\0'])
                            || !envelope.starts_with('{')
                            || envelope.starts_with("{}"),
                        "refused a harmless envelope {envelope:?}"
                    );
                    continue;
                };
                stream.extend_from_slice(&frame);
                last_event_id = id.to_string();
                expected.push(Expected {
                    event: kind.to_string(),
                    data: format!("{{\"id\":\"{id}\",{}", &envelope[1..]),
                    last_event_id: last_event_id.clone(),
                    published: None,
                });
            }
            Chunk::Gap {
                topic,
                after,
                through,
            } => {
                let Ok(topic) = TopicPattern::parse(&topic) else {
                    continue;
                };
                let gap = Gap {
                    topic,
                    after: EventId::new(after.0, after.1),
                    through: EventId::new(through.0, through.1),
                };
                stream.extend_from_slice(&fuzzing::sse_gap(&gap));
                let data = serde_json::to_string(&gap).expect("a gap serializes");
                let decoded: Gap = serde_json::from_str(&data).expect("a gap decodes");
                assert_eq!(decoded, gap);
                expected.push(Expected {
                    event: GAP_EVENT.to_owned(),
                    data,
                    last_event_id: last_event_id.clone(),
                    published: None,
                });
            }
            Chunk::Opening {
                retry: millis,
                position,
            } => {
                let position = position.map(|(epoch, sequence)| EventId::new(epoch, sequence));
                stream.extend_from_slice(&fuzzing::sse_opening(millis, position));
                retry = Some(millis);
                if let Some(position) = position {
                    last_event_id = position.to_string();
                    // Dispatched with empty data, under a name no page
                    // listens to.
                    expected.push(Expected {
                        event: POSITION_EVENT.to_owned(),
                        data: String::new(),
                        last_event_id: last_event_id.clone(),
                        published: None,
                    });
                }
            }
            Chunk::KeepAlive => stream.extend_from_slice(&fuzzing::sse_keep_alive()),
        }
    }

    let parsed = event_stream::parse(&stream);
    let shown = String::from_utf8_lossy(&stream);
    assert_eq!(parsed.events.len(), expected.len(), "events in {shown:?}");
    for (received, sent) in parsed.events.iter().zip(&expected) {
        assert_eq!(
            received,
            &Dispatched {
                event: sent.event.clone(),
                data: sent.data.clone(),
                last_event_id: sent.last_event_id.clone(),
            },
            "in {shown:?}"
        );
        if let Some(published) = &sent.published {
            let decoded: Envelope<Payload> =
                serde_json::from_str(&received.data).expect("the data is an envelope");
            let published = Envelope {
                time_us: decoded.time_us,
                ..published.clone()
            };
            let encoded = serde_json::to_string(&published).expect("an event serializes");
            assert_eq!(received.data, encoded, "the data is the event's JSON");
            // Floats included: `herald-wire` reads them with serde_json's
            // `float_roundtrip` (this target found `1.7658186684344105e-304`
            // read back one unit in the last place off without it).
            assert_eq!(decoded, published, "the data decodes to the event");
        }
    }
    assert_eq!(parsed.retry, retry, "the reconnection time");
    assert_eq!(parsed.last_event_id, last_event_id, "the id to resume from");
}

impl PayloadInput {
    fn build(self) -> Option<Payload> {
        Some(match self {
            Self::Metrics {
                cpu_total,
                cpu_per_core,
                memory_used,
                memory_total,
                load,
                net_rx_per_sec,
                net_tx_per_sec,
            } => Payload::Metrics(Metrics {
                cpu_total,
                cpu_per_core,
                memory_used,
                memory_total,
                load: LoadAverage {
                    one: load.0,
                    five: load.1,
                    fifteen: load.2,
                },
                net_rx_per_sec,
                net_tx_per_sec,
            }),
            Self::Chat { author, text } => Payload::Chat(Chat { author, text }),
            Self::Notice { level, text } => Payload::Notice(Notice {
                level: [NoticeLevel::Info, NoticeLevel::Warning, NoticeLevel::Error]
                    [usize::from(level) % 3],
                text,
            }),
            Self::LatencyProbe { seq, ts } => Payload::LatencyProbe(LatencyProbe { seq, ts }),
            Self::JsonText(text) => Payload::Json(Json::from_text(&text).ok()?),
            Self::JsonValue { members, list } => {
                let mut object: serde_json::Map<String, serde_json::Value> = members
                    .into_iter()
                    .map(|(key, leaf)| (key, leaf.value()))
                    .collect();
                object.insert(
                    "list".to_owned(),
                    list.into_iter().map(Leaf::value).collect(),
                );
                let value = serde_json::Value::Object(object);
                Payload::Json(Json::from_value(&value).expect("a Value is JSON"))
            }
            Self::Untyped { kind, members } => {
                let mut object: serde_json::Map<String, serde_json::Value> = members
                    .into_iter()
                    .map(|(key, leaf)| (key, leaf.value()))
                    .collect();
                object.insert("type".to_owned(), kind.into());
                let payload = Payload::from_json(serde_json::Value::Object(object).to_string()).ok()?;
                // Herald's own kinds are built above, from their fields.
                if !matches!(payload, Payload::Untyped(_)) {
                    return None;
                }
                payload
            }
        })
    }
}

impl Leaf {
    fn value(self) -> serde_json::Value {
        match self {
            Self::Null => serde_json::Value::Null,
            Self::Bool(value) => value.into(),
            Self::Signed(value) => value.into(),
            Self::Unsigned(value) => value.into(),
            // NaN and the infinities are no JSON number: `null`.
            Self::Float(value) => serde_json::Number::from_f64(value)
                .map_or(serde_json::Value::Null, serde_json::Value::Number),
            Self::Text(value) => value.into(),
        }
    }
}

/// Whether every float of a metrics sample is finite, from the fields
/// themselves rather than `Metrics::check_finite`.
fn is_finite(payload: &Payload) -> bool {
    let Payload::Metrics(metrics) = payload else {
        return true;
    };
    metrics.cpu_total.is_finite()
        && metrics.cpu_per_core.iter().all(|value| value.is_finite())
        && [metrics.load.one, metrics.load.five, metrics.load.fifteen]
            .iter()
            .all(|value| value.is_finite())
}
