//! `POST /api/topics/{topic}`: publish one event.

use axum::Json;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use bytes::Bytes;
use shared::{Kind, Payload, Published, Topic};

use crate::error::ApiError;
use crate::state::AppState;

/// Publishes the JSON [`Payload`] in the body to the topic in the path.
///
/// The body is read as bytes and decoded here rather than through axum's
/// `Json` so a refusal can name the JSON path at fault.
///
/// # Errors
/// 415 unless the body is declared JSON, 413 over `--max-body`, 400 for an
/// invalid topic or malformed JSON, 422 for JSON that is not an event.
pub(crate) async fn publish(
    State(state): State<AppState>,
    Path(topic): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<Published>), ApiError> {
    let topic = Topic::parse(topic.as_str())
        .map_err(|source| ApiError::invalid_topic("path", &topic, source))?;
    check_json_content_type(&headers)?;
    let body = body.map_err(|rejection| match rejection {
        BytesRejection::FailedToBufferBody(_)
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE =>
        {
            ApiError::PayloadTooLarge {
                limit: state.config.max_body,
            }
        }
        other => ApiError::BodyRead(other.body_text()),
    })?;
    let payload = decode(&body)?;
    let kind = payload.kind();
    let frame = state.hub.publish(topic, payload)?;
    tracing::debug!(topic = %frame.topic(), id = %frame.id(), kind = kind.name(), "published");
    Ok((
        StatusCode::ACCEPTED,
        Json(Published {
            id: frame.id(),
            topic: frame.topic().clone(),
        }),
    ))
}

fn check_json_content_type(headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(value) = headers.get(header::CONTENT_TYPE) else {
        return Err(ApiError::UnsupportedMediaType("none".to_owned()));
    };
    let declared = value.to_str().unwrap_or_default();
    let essence = declared
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    if essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
    {
        Ok(())
    } else {
        Err(ApiError::UnsupportedMediaType(format!("{declared:?}")))
    }
}

/// Decodes a payload, naming the JSON path of the first problem.
///
/// Decoding goes through a `Value` and then the kind's own struct because
/// serde buffers an internally tagged enum before decoding it, which loses
/// the path to the offending field; decoding the struct directly keeps it.
fn decode(body: &[u8]) -> Result<Payload, ApiError> {
    let value: serde_json::Value =
        serde_json::from_slice(body).map_err(|error| ApiError::MalformedJson(error.to_string()))?;
    let Some(tag) = value.get("type") else {
        return Err(invalid(
            Some("type"),
            "missing field `type` naming the event kind",
        ));
    };
    let Some(kind) = tag.as_str().and_then(Kind::from_name) else {
        let known: Vec<&str> = Kind::ALL.iter().map(|kind| kind.name()).collect();
        return Err(invalid(
            Some("type"),
            &format!(
                "unknown event type {tag}; expected one of {}",
                known.join(", ")
            ),
        ));
    };
    Ok(match kind {
        Kind::Metrics => Payload::Metrics(fields(&value)?),
        Kind::Chat => Payload::Chat(fields(&value)?),
        Kind::Notice => Payload::Notice(fields(&value)?),
        Kind::LatencyProbe => Payload::LatencyProbe(fields(&value)?),
        // From the body's own text: a `Value` would sort the keys and
        // round big numbers.
        Kind::Json => {
            let mut text = serde_json::Deserializer::from_slice(body);
            Payload::Json(serde_path_to_error::deserialize(&mut text).map_err(invalid_at)?)
        }
    })
}

fn fields<T: serde::de::DeserializeOwned>(value: &serde_json::Value) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(value).map_err(invalid_at)
}

/// The refusal of a payload, naming the JSON path at fault.
fn invalid_at(error: serde_path_to_error::Error<serde_json::Error>) -> ApiError {
    let path = error.path().to_string();
    let message = error.into_inner().to_string();
    // A missing field is reported at the parent, so take its name from serde's message.
    let field = message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split('`').next())
        .map(|name| {
            if path == "." {
                name.to_owned()
            } else {
                format!("{path}.{name}")
            }
        })
        .or(Some(path));
    ApiError::InvalidEvent { field, message }
}

fn invalid(field: Option<&str>, message: &str) -> ApiError {
    ApiError::InvalidEvent {
        field: field.map(str::to_owned),
        message: message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(body: &str) -> ApiError {
        decode(body.as_bytes()).unwrap_err()
    }

    #[test]
    fn names_the_field_at_fault() {
        let cases = [
            (r#"{"type":"chat","author":"a"}"#, Some("text")),
            (r#"{"type":"nope"}"#, Some("type")),
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
            ("[1]", Some("type")),
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
            assert_eq!(decode(body.as_bytes()).unwrap(), expected);
        }
    }
}
