//! Herald's contract for programs in any language: the OpenAPI 3.1
//! document of every route (`GET /api/openapi.json`) and the JSON Schema
//! of what a stream carries (`GET /api/schema/events.json`).
//!
//! Both are generated, never written: each route describes itself beside
//! its handler (`routes::*::operation`), every schema comes from the Rust
//! type the route reads or writes (`schemars`), and every refusal's status
//! from [`ErrorCode::status`](herald_wire::ErrorCode::status), which also
//! answers requests. A hub built for an app's own event type `E` documents
//! `E`. The binary's document is committed (`docs/api/openapi.json`) and a
//! test holds it equal to what the code generates, so a contract change
//! shows in review.
//!
//! OpenAPI 3.1's schemas are JSON Schema 2020-12, which is what `schemars`
//! writes, so the type schemas go into `components/schemas` unchanged.

mod reference;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::IntoResponse;
use axum::routing::get;
use bytes::Bytes;
use herald_wire::protocol::{
    API_PREFIX, CLIENT_PATH, EVENT_SCHEMA_PATH, EVENTS_PATH, HEALTH_PATH, HISTORY_PATH,
    METRICS_PATH, OPENAPI_PATH, READY_PATH, REFERENCE_PATH, TOPICS_PATH,
};
use herald_wire::{Envelope, Event, Gap};
use schemars::generate::SchemaSettings;
use schemars::transform::RecursiveTransform;
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde_json::{Map, Value, json};

pub use crate::openapi::Bounds;
use crate::openapi::Operation;
use crate::routes;

/// Where components live in the document, for `schemars`' references.
const COMPONENTS: &str = "/components/schemas";

fn generator(definitions: &'static str) -> SchemaGenerator {
    SchemaSettings::draft2020_12()
        .with(|settings| {
            settings.definitions_path = definitions.into();
            settings.meta_schema = None;
        })
        .with_transform(RecursiveTransform(plain_description))
        .with_transform(RecursiveTransform(numeric_bounds))
        .into_generator()
}

/// A type's doc comment as a description for readers of the contract: its
/// first sections, before the `# Examples` (Rust code to them), with
/// rustdoc's links written as the code they name.
fn plain_description(schema: &mut Schema) {
    if let Some(Value::String(text)) = schema.get_mut("description") {
        *text = plain(text);
    }
}

/// The range of a Rust number type, which `schemars` names by `format`
/// only: a client (or a fuzzer) reading the bounds does not send `1e300`
/// for an `f32` or `2^64` for a `u64`, which the hub must refuse.
fn numeric_bounds(schema: &mut Schema) {
    const F32_MAX_TEXT: f64 = 3.402_823_5e38;
    let range: (Value, Value) = match schema.get("format").and_then(Value::as_str) {
        // `f32::MAX` as JSON writes it: its shortest text, which reads back
        // as it, though as a double it is a little larger.
        Some("float") => (json!(-F32_MAX_TEXT), json!(F32_MAX_TEXT)),
        Some("uint8") => (json!(0), json!(u8::MAX)),
        Some("uint16") => (json!(0), json!(u16::MAX)),
        Some("uint32") => (json!(0), json!(u32::MAX)),
        Some("uint64" | "uint") => (json!(0), json!(u64::MAX)),
        Some("int32") => (json!(i32::MIN), json!(i32::MAX)),
        Some("int64" | "int") => (json!(i64::MIN), json!(i64::MAX)),
        _ => return,
    };
    let (minimum, maximum) = range;
    if schema.get("minimum").is_none() {
        schema.insert("minimum".into(), minimum);
    }
    if schema.get("maximum").is_none() {
        schema.insert("maximum".into(), maximum);
    }
}

fn plain(doc: &str) -> String {
    let prose = match doc.find("\n# ") {
        Some(heading) => &doc[..heading],
        None => doc.strip_prefix("# ").map_or(doc, |_| ""),
    };
    // `[`Name`](path)` and `[`Name`]` both read `Name`.
    let mut out = String::with_capacity(prose.len());
    let mut rest = prose.trim();
    while let Some(open) = rest.find("[`") {
        let Some(close) = rest[open..].find("`]") else {
            break;
        };
        let close = open + close;
        out.push_str(&rest[..open]);
        out.push_str(&rest[open + 1..close + 1]);
        rest = &rest[close + 2..];
        if rest.starts_with('(')
            && let Some(end) = rest.find(')')
        {
            rest = &rest[end + 1..];
        }
    }
    out.push_str(rest);
    out
}

/// Where a hub's routes are: the `herald` binary's server, or an app that
/// nests [`Herald::router`](crate::Herald::router) below a path of its own.
#[derive(Debug, Clone, Copy)]
pub enum Mount<'a> {
    /// The API below `/api`, and `/healthz`, `/readyz` and `/metrics`.
    Server,
    /// The API below this path (`"/events"`), and nothing else: the app
    /// serves its own health and metrics.
    Nested(&'a str),
}

/// The OpenAPI 3.1 document of a hub for `E` with `bounds`, mounted at
/// `mount`.
pub fn openapi<E: Event + JsonSchema>(bounds: Bounds, mount: Mount<'_>) -> Value {
    let base = match mount {
        Mount::Server => API_PREFIX,
        Mount::Nested(base) => base.trim_end_matches('/'),
    };
    let at = |path: &'static str| format!("{base}{}", routes::below_api(path));
    let mut generator = generator(COMPONENTS);
    let mut paths = Map::new();
    let mut add =
        |path: String, method: &str, operation: Operation, generator: &mut SchemaGenerator| {
            let item = paths
                .entry(path)
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(item) = item {
                item.insert(method.into(), operation.into_value(generator));
            }
        };
    let stream = routes::stream::operation::<E>(&mut generator, bounds);
    add(at(EVENTS_PATH), "get", stream, &mut generator);
    let history = routes::history::operation::<E>(&mut generator, bounds);
    add(at(HISTORY_PATH), "get", history, &mut generator);
    let topics = routes::topics::operation(&mut generator, bounds);
    add(at(TOPICS_PATH), "get", topics, &mut generator);
    let publish = routes::publish::operation::<E>(&mut generator, bounds);
    add(
        format!("{}/{{topic}}", at(TOPICS_PATH)),
        "post",
        publish,
        &mut generator,
    );
    let client = routes::client::operation();
    add(at(CLIENT_PATH), "get", client, &mut generator);
    add(at(OPENAPI_PATH), "get", own_operation(), &mut generator);
    add(
        at(EVENT_SCHEMA_PATH),
        "get",
        schema_operation(),
        &mut generator,
    );
    let reference = reference_operation();
    add(at(REFERENCE_PATH), "get", reference, &mut generator);
    if let Mount::Server = mount {
        let health = routes::health::operation(&mut generator);
        add(HEALTH_PATH.into(), "get", health, &mut generator);
        let ready = routes::health::ready_operation(&mut generator);
        add(READY_PATH.into(), "get", ready, &mut generator);
        add(
            METRICS_PATH.into(),
            "get",
            metrics_operation(),
            &mut generator,
        );
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Herald",
            "version": env!("CARGO_PKG_VERSION"),
            "summary": "Publish typed events to topics over HTTP; read them as Server-Sent Events, resumable with Last-Event-ID.",
            "license": { "name": "MIT OR Apache-2.0", "identifier": "MIT OR Apache-2.0" },
        },
        "paths": paths,
        "components": {
            "schemas": generator.take_definitions(true),
            "securitySchemes": {
                "bearer": { "type": "http", "scheme": "bearer", "bearerFormat": "JWT" },
            },
        },
    })
}

/// The JSON Schema (2020-12) of what a stream of a hub for `E` carries: an
/// event's envelope (its SSE `data:` under the event's kind), or a gap.
pub fn event_schema<E: Event + JsonSchema>() -> Value {
    let mut generator = generator("/$defs");
    let envelope = generator.subschema_for::<Envelope<E>>();
    let gap = generator.subschema_for::<Gap>();
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Herald stream data",
        "description": "The data of one SSE message of a Herald stream: an event's envelope (SSE event name: the event's kind) or a gap (event name `gap`).",
        "oneOf": [envelope, gap],
        "$defs": generator.take_definitions(true),
    })
}

/// `GET /openapi.json`, `GET /schema/events.json` and `GET /reference`
/// (below the API's path) of a hub for `E` mounted at `mount`, generated
/// once here.
pub(crate) fn router<S: Clone + Send + Sync + 'static, E: Event + JsonSchema>(
    bounds: Bounds,
    mount: Mount<'_>,
) -> Router<S> {
    let openapi = openapi::<E>(bounds, mount);
    let page = Bytes::from(reference::page(&openapi));
    let policy = HeaderValue::from_str(&reference::policy()).ok();
    let document = served(&openapi);
    let schema = served(&event_schema::<E>());
    Router::new()
        .route(
            routes::below_api(OPENAPI_PATH),
            get(move || async move { json_reply(document) }),
        )
        .route(
            routes::below_api(EVENT_SCHEMA_PATH),
            get(move || async move { json_reply(schema) }),
        )
        .route(
            routes::below_api(REFERENCE_PATH),
            get(move || async move {
                let mut reply =
                    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], page).into_response();
                if let Some(policy) = policy {
                    reply
                        .headers_mut()
                        .insert(header::CONTENT_SECURITY_POLICY, policy);
                }
                reply
            }),
        )
}

/// `value`'s JSON text, pretty, as it is committed.
pub fn to_text(value: &Value) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    text
}

fn served(value: &Value) -> Bytes {
    Bytes::from(to_text(value))
}

fn json_reply(body: Bytes) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], body)
}

fn metrics_operation() -> Operation {
    Operation::new(
        "metrics",
        "Prometheus metrics",
        "The hub's counters and gauges in Prometheus' text format, for a scraper.",
    )
    .reply(
        200,
        "the metrics",
        "text/plain",
        schemars::json_schema!({ "type": "string" }),
    )
}

fn own_operation() -> Operation {
    Operation::new(
        "openapi",
        "This document",
        "The OpenAPI 3.1 document of this hub, generated from its routes and its event type.",
    )
    .reply(
        200,
        "the document",
        "application/json",
        schemars::json_schema!({ "type": "object" }),
    )
}

fn reference_operation() -> Operation {
    Operation::new(
        "reference",
        "This document as a page",
        "The document written out as HTML, for people: every route, parameter, reply and schema, with no script and nothing fetched from elsewhere.",
    )
    .reply(200, "the page", "text/html", schemars::json_schema!({ "type": "string" }))
}

fn schema_operation() -> Operation {
    Operation::new(
        "eventSchema",
        "JSON Schema of stream data",
        "The JSON Schema (2020-12) of the data of every message a stream carries: an event's envelope or a gap.",
    )
    .reply(200, "the schema", "application/json", schemars::json_schema!({ "type": "object" }))
}

#[cfg(test)]
mod tests;
