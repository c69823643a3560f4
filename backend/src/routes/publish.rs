//! `POST /api/topics/{topic}`: publish one event.

use axum::Extension;
use axum::Json;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, Path, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use bytes::Bytes;
use shared::{DecodeError, Event, Published, Topic};

use crate::auth;
use crate::clients::Peer;
use crate::error::ApiError;
use crate::min_rate::{self, TooSlow};
use crate::state::AppState;

/// Publishes the JSON event in the body, an `E`, to the topic in the path.
///
/// The body is read as bytes, after the topic, the token and the content
/// type are checked, and decoded by [`decode`] rather than through axum's
/// `Json`, so a refusal can name the JSON path at fault and the hub's own
/// [`Payload`](shared::Payload) keeps an untyped kind's text.
///
/// # Errors
/// 429 for a client publishing faster than `--publish-rate`; 401 without
/// a valid bearer token and 403 with one that does not allow
/// the topic, when tokens are on; 415 unless the body is declared JSON, 413 over `--max-body`, 400 for an
/// invalid topic or malformed JSON, 422 for JSON that is not an event, 503
/// when a cluster's Redis did not store it or the hub is shutting down,
/// 408 for a body slower than `--min-body-rate`.
pub(crate) async fn publish<E: Event + Send>(
    State(state): State<AppState>,
    Path(topic): Path<String>,
    peer: Option<Extension<Peer>>,
    headers: HeaderMap,
    request: Request,
) -> Result<(StatusCode, Json<Published>), ApiError> {
    let _timer = state.meters.time_publish();
    let topic = Topic::parse(topic.as_str())
        .map_err(|source| ApiError::invalid_topic("path", &topic, source))?;
    // A known client is counted before its token costs a check; one
    // behind a proxy that does not say who, by its token once verified:
    // an unverified string keys no allowance.
    let client = state
        .clients
        .client(peer.map(|Extension(peer)| peer), &headers);
    if client.is_some() {
        state.clients.publish(client, None)?;
    }
    // Held until the publish is answered, body upload included.
    let _in_flight = state.clients.start_publish(client)?;
    state.auth.publish(&headers, &topic)?;
    if client.is_none() {
        let verified = auth::bearer(&headers).filter(|_| state.auth.checks_tokens());
        state.clients.publish(None, verified)?;
    }
    check_json_content_type(&headers)?;
    // Only now is the body read: a refused publisher costs no upload.
    let request = request.map(|body| min_rate::limit(body, state.config.min_body_rate));
    let body = Bytes::from_request(request, &state).await;
    let body = body.map_err(|rejection| match rejection {
        BytesRejection::FailedToBufferBody(_)
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE =>
        {
            ApiError::PayloadTooLarge {
                limit: state.config.max_body,
            }
        }
        other => match too_slow(&other) {
            Some(rate) => ApiError::BodyTooSlow(TooSlow { rate }),
            None => ApiError::BodyRead(other.body_text()),
        },
    })?;
    let event = decode::<E>(&body)?;
    // Streams end on shutdown, so an event accepted now would reach no one
    // before the hub stops.
    if state.shutdown.is_cancelled() {
        return Err(ApiError::ShuttingDown);
    }
    let id = state.broker.publish(topic.clone(), &event).await?;
    let kind = event.kind();
    tracing::debug!(%topic, %id, %kind, "published");
    Ok((StatusCode::ACCEPTED, Json(Published { id, topic })))
}

/// The minimum rate a body fell behind, if that is why it failed.
fn too_slow(rejection: &BytesRejection) -> Option<u64> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(rejection);
    while let Some(error) = source {
        if let Some(slow) = error.downcast_ref::<TooSlow>() {
            return Some(slow.rate);
        }
        source = error.source();
    }
    None
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

/// Decodes an `E` from the body's own text with [`Event::from_json`], the
/// decoder every reader of an event shares: malformed JSON is a 400, and
/// JSON that is not an `E` a 422 that names the JSON path at fault.
pub(crate) fn decode<E: Event>(body: &[u8]) -> Result<E, ApiError> {
    E::from_json(body).map_err(|error| match error {
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
    })
}

#[cfg(test)]
mod tests {
    use shared::Payload;

    use super::*;

    fn refusal(body: &str) -> ApiError {
        decode::<Payload>(body.as_bytes()).unwrap_err()
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
            assert_eq!(decode::<Payload>(body.as_bytes()).unwrap(), expected);
        }
    }
}
