//! `POST /api/topics/{topic}`: publish one event, or a batch of them, once
//! per `Idempotency-Key` when one is sent.

pub(crate) mod body;

use axum::Extension;
use axum::Json;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, Path, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use herald_wire::{Event, Published, PublishedBatch, Topic};
use std::num::NonZeroU32;

use crate::auth;
use crate::clients::Peer;
use crate::error::ApiError;
use crate::hub::Prepared;
use crate::idempotency::{self, Fingerprint, IdempotencyKey, Once};
use crate::min_rate::{self, TooSlow};
use crate::state::AppState;
use herald_wire::ErrorCode;
use herald_wire::protocol::{IDEMPOTENCY_KEY_HEADER, MAX_BATCH};
use schemars::json_schema;

/// Publishes the JSON event in the body, an `E`, to the topic in the path;
/// or a JSON array of them in order, all or none, counted against the
/// client's rate as that many publishes. With an `Idempotency-Key`, a retry
/// within `--idempotency-window` is answered with the first reply's ids and
/// stores nothing.
///
/// The body is read as bytes, after the topic, the token and the content
/// type are checked, and decoded by [`decode`] rather than through axum's
/// `Json`, so a refusal can name the JSON path at fault and the hub's own
/// [`Payload`](herald_dashboard_events::Payload) keeps an untyped kind's text.
///
/// # Errors
/// 429 for a client publishing faster than `--publish-rate`; 401 without
/// a valid bearer token and 403 with one that does not allow
/// the topic, when tokens are on; 415 unless the body is declared JSON, 413 over `--max-body`, 400 for an
/// invalid topic, malformed JSON or a malformed `Idempotency-Key`, 422 for
/// JSON that is not an event (or a batch of none or too many) and for a
/// key used by another publish, 409 while the key's first publish is being
/// stored, 503
/// when a cluster's Redis did not store it or the hub is shutting down,
/// 408 for a body slower than `--min-body-rate`.
pub(crate) async fn publish<E: Event + Send>(
    State(state): State<AppState>,
    Path(topic): Path<String>,
    peer: Option<Extension<Peer>>,
    headers: HeaderMap,
    request: Request,
) -> Result<Response, ApiError> {
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
    // The token, once verified: what keys a client no proxy names.
    let verified = auth::bearer(&headers).filter(|_| state.auth.checks_tokens());
    if client.is_none() {
        state.clients.publish(None, verified)?;
    }
    check_json_content_type(&headers)?;
    let key = IdempotencyKey::of(&headers)?;
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
    let rate = usize::try_from(state.config.publish_rate.get()).unwrap_or(usize::MAX);
    let decoded = body::decode::<E>(&body, rate)?;
    let events = decoded.events();
    // The first event was counted before the body was read.
    if let Some(more) = u32::try_from(events.len().saturating_sub(1))
        .ok()
        .and_then(NonZeroU32::new)
    {
        state.clients.publish_events(client, verified, more)?;
    }
    let prepared = events
        .iter()
        .map(|event| Prepared::new(topic.clone(), event))
        .collect::<Result<Vec<_>, _>>()?;
    // Streams end on shutdown, so an event accepted now would reach no one
    // before the hub stops.
    if state.shutdown.is_cancelled() {
        return Err(ApiError::ShuttingDown);
    }
    let once = key.map(|key| Once {
        key,
        fingerprint: Fingerprint::of(&topic, &body),
    });
    let ids = idempotency::publish(&state.broker, &state.ledger, prepared, once).await?;
    tracing::debug!(%topic, events = ids.len(), first = ?ids.first(), "published");
    let reply = match decoded {
        body::Body::One(_) => {
            let id = ids.first().copied().ok_or(ApiError::Middleware(
                "a publish of one event got no id".to_owned(),
            ))?;
            Json(Published { id, topic }).into_response()
        }
        body::Body::Batch(_) => Json(PublishedBatch { ids, topic }).into_response(),
    };
    Ok((StatusCode::ACCEPTED, reply).into_response())
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

/// This route in the hub's OpenAPI document: the body is an `E`, or an
/// array of them.
pub(crate) fn operation<E: Event + schemars::JsonSchema>(
    generator: &mut schemars::SchemaGenerator,
    bounds: crate::openapi::Bounds,
) -> crate::openapi::Operation {
    let topic = generator.subschema_for::<Topic>();
    let event = generator.subschema_for::<E>();
    let published = generator.subschema_for::<Published>();
    let batch = generator.subschema_for::<PublishedBatch>();
    crate::openapi::Operation::new(
        "publish",
        "Publish an event, or a batch",
        &format!(
            "Publishes the event in the body to the topic in the path (its `/`s kept), or a JSON array of 1 to {MAX_BATCH} events in order, all or none, with consecutive ids. The body is at most {} bytes. With an `Idempotency-Key`, a retry of the same topic and body within the hub's window stores nothing and gets the first reply.",
            bounds.max_body
        ),
    )
    .parameter("path", "topic", true, "The topic to publish to.", topic)
    .parameter(
        "header",
        IDEMPOTENCY_KEY_HEADER,
        false,
        "Names this publish, so a retry is stored once: 1 to 255 visible ASCII characters.",
        json_schema!({ "type": "string", "pattern": "^[!-~]{1,255}$" }),
    )
    .bearer()
    .body(
        "One event, or an array of events published in order, all or none.",
        json_schema!({
            "oneOf": [
                event.clone(),
                { "type": "array", "items": event, "minItems": 1, "maxItems": MAX_BATCH },
            ],
        }),
    )
    .reply(
        202,
        "Stored: the event's id (or the batch's ids, in order) and topic.",
        "application/json",
        json_schema!({ "oneOf": [published, batch] }),
    )
    .refusals(&[
        ErrorCode::InvalidTopic,
        ErrorCode::MalformedJson,
        ErrorCode::InvalidIdempotencyKey,
        ErrorCode::Unauthorized,
        ErrorCode::Forbidden,
        ErrorCode::Timeout,
        ErrorCode::IdempotencyKeyInFlight,
        ErrorCode::PayloadTooLarge,
        ErrorCode::UnsupportedMediaType,
        ErrorCode::HostNotAllowed,
        ErrorCode::InvalidEvent,
        ErrorCode::IdempotencyKeyReused,
        ErrorCode::RateLimited,
        ErrorCode::Overloaded,
        ErrorCode::Unavailable,
        ErrorCode::ShuttingDown,
    ])
}
