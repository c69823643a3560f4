//! What a publish body holds: one event (a JSON object), or a batch of
//! them (a JSON array of objects), each decoded as the hub's event type.

use herald_wire::protocol::MAX_BATCH;
use herald_wire::{DecodeError, Event};
use serde_json::Value;
use serde_json::value::RawValue;

use crate::error::ApiError;

/// A publish body, decoded.
#[derive(Debug)]
pub(crate) enum Body<E> {
    /// One event, answered with `Published`.
    One(E),
    /// Events in order, answered with `PublishedBatch`.
    Batch(Vec<E>),
}

impl<E> Body<E> {
    pub(crate) fn events(&self) -> &[E] {
        match self {
            Self::One(event) => std::slice::from_ref(event),
            Self::Batch(events) => events,
        }
    }
}

/// Decodes a body: an object as one `E` ([`Event::from_json`]), an array
/// as a batch of 1 to `max` (at most [`MAX_BATCH`]) of them, each at its
/// index in a refusal's path (`[2].lines[0].sku`). Malformed JSON is a 400;
/// JSON that is not an event, or a batch of none or too many, a 422.
pub(crate) fn decode<E: Event>(body: &[u8], max: usize) -> Result<Body<E>, ApiError> {
    if body.trim_ascii_start().first() != Some(&b'[') {
        return one(body).map(Body::One);
    }
    let items: Vec<&RawValue> =
        serde_json::from_slice(body).map_err(|error| ApiError::MalformedJson(error.to_string()))?;
    let max = max.clamp(1, MAX_BATCH);
    if items.is_empty() || items.len() > max {
        return Err(ApiError::InvalidEvent {
            field: Some(".".to_owned()),
            message: format!(
                "a batch holds 1 to {max} events; this one holds {}",
                items.len()
            ),
        });
    }
    items
        .iter()
        .enumerate()
        .map(|(index, item)| {
            one(item.get().as_bytes()).map_err(|error| match error {
                ApiError::InvalidEvent { field, message } => ApiError::InvalidEvent {
                    field: Some(match field.as_deref() {
                        None | Some(".") => format!("[{index}]"),
                        Some(path) if path.starts_with('[') => format!("[{index}]{path}"),
                        Some(path) => format!("[{index}].{path}"),
                    }),
                    message,
                },
                other => other,
            })
        })
        .collect::<Result<Vec<E>, ApiError>>()
        .map(Body::Batch)
}

/// Decodes one `E` with [`Event::from_json`], the decoder every reader of
/// an event shares: malformed JSON is a 400, and JSON that is not an `E` a
/// 422 that names the JSON path at fault.
///
/// A whole number written with a fraction (`3.0`, as Python's `json`
/// writes a float) is that integer, as JSON Schema and JavaScript read it:
/// a body an integer field refuses only for that is read again with such
/// numbers as integers. Only a refused body pays for the second reading.
pub(crate) fn one<E: Event>(body: &[u8]) -> Result<E, ApiError> {
    let refused = match E::from_json(body) {
        Ok(event) => return Ok(event),
        Err(refused @ DecodeError::Field { .. }) => refused,
        Err(other) => return Err(refusal(other)),
    };
    whole_numbers_as_integers(body)
        .and_then(|again| E::from_json(&again).ok())
        .ok_or_else(|| refusal(refused))
}

/// `json` with every number that is a whole float within `±2^53` (where a
/// float holds each integer exactly) written as an integer; `None` when it
/// has none, or is not JSON.
fn whole_numbers_as_integers(json: &[u8]) -> Option<Vec<u8>> {
    fn rewrite(value: &mut Value) -> bool {
        match value {
            Value::Number(number) if number.is_f64() => {
                let Some(float) = number.as_f64() else {
                    return false;
                };
                if float.fract() != 0.0 || float.abs() > EXACT {
                    return false;
                }
                // Within ±2^53 and whole, so the cast is exact.
                #[allow(clippy::cast_possible_truncation, reason = "whole and within ±2^53")]
                let integer = float as i64;
                *value = Value::from(integer);
                true
            }
            Value::Array(items) => items
                .iter_mut()
                .fold(false, |any, item| rewrite(item) | any),
            Value::Object(members) => members
                .values_mut()
                .fold(false, |any, member| rewrite(member) | any),
            _ => false,
        }
    }
    /// 2^53: past it a float no longer holds every integer.
    const EXACT: f64 = 9_007_199_254_740_992.0;
    let mut value: Value = serde_json::from_slice(json).ok()?;
    rewrite(&mut value)
        .then(|| serde_json::to_vec(&value).ok())
        .flatten()
}

fn refusal(error: DecodeError) -> ApiError {
    match error {
        DecodeError::Syntax(syntax) => ApiError::MalformedJson(syntax.to_string()),
        refusal @ (DecodeError::NotAnObject
        | DecodeError::MissingType
        | DecodeError::TypeNotString { .. }
        | DecodeError::InvalidKind { .. }
        | DecodeError::UnknownKind { .. }
        | DecodeError::Field { .. }) => ApiError::InvalidEvent {
            field: refusal.path().map(str::to_owned),
            message: refusal.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use herald_dashboard_events::Payload;

    use super::*;

    fn refusal(body: &str) -> ApiError {
        one::<Payload>(body.as_bytes()).unwrap_err()
    }

    #[test]
    fn a_whole_number_with_a_fraction_is_that_integer_and_a_fraction_is_refused() {
        let probe =
            one::<Payload>(br#"{"type":"latency_probe","seq":3.0,"ts":1764066000000000.0}"#);
        let Ok(Payload::LatencyProbe(probe)) = probe else {
            panic!("read as a probe: {probe:?}");
        };
        assert_eq!((probe.seq, probe.ts), (3, 1_764_066_000_000_000));
        let half = refusal(r#"{"type":"latency_probe","seq":3.5,"ts":1}"#);
        assert!(
            matches!(half, ApiError::InvalidEvent { field: Some(ref f), .. } if f == "seq"),
            "{half:?}"
        );
        let negative = refusal(r#"{"type":"latency_probe","seq":-1.0,"ts":1}"#);
        assert!(
            matches!(negative, ApiError::InvalidEvent { field: Some(ref f), .. } if f == "seq"),
            "{negative:?}"
        );
    }

    #[test]
    fn names_the_field_at_fault() {
        let cases = [
            (r#"{"type":"chat","author":"a"}"#, Some("text")),
            (r#"{"type":"no pe"}"#, Some("type")),
            (r#"{"author":"a","text":"b"}"#, Some("type")),
            (
                r#"{"type":"notice","level":"loud","text":"x"}"#,
                Some("level"),
            ),
            (
                r#"{"type":"metrics","cpu_total":1,"cpu_per_core":[1,"x"]}"#,
                Some("cpu_per_core[1]"),
            ),
            (r#"{"type":"latency_probe","seq":-1,"ts":2}"#, Some("seq")),
            (r#"{"type":7}"#, Some("type")),
            ("[1]", Some(".")),
        ];
        for (body, expected) in cases {
            match refusal(body) {
                ApiError::InvalidEvent { field, .. } => {
                    assert_eq!(field.as_deref(), expected, "{body}")
                }
                other => panic!("{body}: {other:?}"),
            }
        }
    }

    #[test]
    fn malformed_json_is_not_an_invalid_event() {
        for body in ["{", "", r#"{"type":"json","data":1} trailing"#, "nul"] {
            assert!(
                matches!(refusal(body), ApiError::MalformedJson(_)),
                "{body:?}"
            );
        }
    }

    #[test]
    fn decodes_like_the_tagged_enum() {
        let bodies = [
            r#"{"type":"latency_probe","seq":1,"ts":2}"#,
            r#"{"type":"chat","author":"a","text":"b"}"#,
            r#"{"type":"notice","level":"error","text":"b"}"#,
            r#"{"type":"json","data":{"k":[1,null]}}"#,
            r#"{"type":"metrics","cpu_total":1.5,"cpu_per_core":[1.5],"memory_used":1,
                "memory_total":2,"load":{"one":1,"five":2,"fifteen":3},
                "net_rx_per_sec":4,"net_tx_per_sec":5}"#,
        ];
        for body in bodies {
            let expected: Payload = serde_json::from_str(body).unwrap();
            assert_eq!(one::<Payload>(body.as_bytes()).unwrap(), expected);
        }
    }

    fn batch_refusal(body: &str) -> (Option<String>, String) {
        match decode::<Payload>(body.as_bytes(), MAX_BATCH) {
            Err(ApiError::InvalidEvent { field, message }) => (field, message),
            other => panic!("{body}: {other:?}"),
        }
    }

    #[test]
    fn a_batch_names_the_index_and_path_at_fault() {
        let cases = [
            (
                r#"[{"type":"chat","author":"a","text":"b"},{"type":"chat","author":"a"}]"#,
                "[1].text",
            ),
            (r#"[{"type":"chat","author":"a","text":"b"}, 7]"#, "[1]"),
            (r#"[[{"type":"chat"}]]"#, "[0]"),
            (
                r#"[{"type":"metrics","cpu_total":1,"cpu_per_core":[1,"x"]}]"#,
                "[0].cpu_per_core[1]",
            ),
            ("[]", "."),
        ];
        for (body, path) in cases {
            assert_eq!(batch_refusal(body).0.as_deref(), Some(path), "{body}");
        }
        let too_many = format!("[{}]", [r#"{"type":"a"}"#; 4].join(","));
        let refused = decode::<Payload>(too_many.as_bytes(), 3).unwrap_err();
        assert!(refused.to_string().contains("1 to 3 events"), "{refused}");
        assert!(matches!(
            decode::<Payload>(b"[{\"type\":\"a\"}", MAX_BATCH),
            Err(ApiError::MalformedJson(_))
        ));
    }

    #[test]
    fn a_batch_decodes_each_event_in_order() {
        let body = r#" [{"type":"chat","author":"a","text":"1"},{"type":"order_created","id":2}]"#;
        let Ok(Body::Batch(events)) = decode::<Payload>(body.as_bytes(), MAX_BATCH) else {
            panic!("not a batch");
        };
        assert_eq!(events.len(), 2);
        assert_eq!(events[1].kind().as_str(), "order_created");
        assert!(matches!(
            decode::<Payload>(br#"{"type":"a"}"#, MAX_BATCH),
            Ok(Body::One(_))
        ));
    }
}
