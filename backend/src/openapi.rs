//! The words a route describes itself in for the OpenAPI document
//! ([`crate::contract`] assembles it): one [`Operation`] (parameters,
//! body, replies and refusals, each schema taken from the Rust type the
//! route reads or writes) and the hub's [`Bounds`] it states.
//!
//! A refusal is named by its [`ErrorCode`]; the status comes from
//! [`ErrorCode::status`], the same mapping that answers requests, so the
//! document cannot list a code under a status the hub never sends it with.

use std::collections::BTreeMap;

use herald_wire::protocol::{TOKEN_PARAM, TOPIC_PARAM};
use herald_wire::{ErrorBody, ErrorCode, TopicPattern};
use schemars::{Schema, SchemaGenerator, json_schema};
use serde_json::{Map, Value, json};

use crate::config::Config;

/// The bounds of this hub that its document states, so a client (or a
/// fuzzer) knows them before it is refused.
#[derive(Debug, Clone, Copy)]
pub struct Bounds {
    /// Distinct topics and patterns one stream or read may name.
    pub topics_per_request: usize,
    /// Largest publish body, in bytes.
    pub max_body: usize,
}

impl Bounds {
    /// The bounds `config` sets.
    pub fn of(config: &Config) -> Self {
        Self {
            topics_per_request: config.max_topics_per_stream,
            max_body: config.max_body,
        }
    }
}

/// An operation being described; [`Operation::into_value`] gives its JSON.
pub(crate) struct Operation {
    value: Map<String, Value>,
    parameters: Vec<Value>,
    responses: BTreeMap<u16, Value>,
    refusals: BTreeMap<u16, Vec<ErrorCode>>,
}

impl Operation {
    /// An operation named `id` (unique in the document, the name a client
    /// generator gives its method), with a one-line summary and the why.
    pub(crate) fn new(id: &str, summary: &str, description: &str) -> Self {
        let mut value = Map::new();
        value.insert("operationId".into(), id.into());
        value.insert("summary".into(), summary.into());
        value.insert("description".into(), description.into());
        Self {
            value,
            parameters: Vec::new(),
            responses: BTreeMap::new(),
            refusals: BTreeMap::new(),
        }
    }

    /// A parameter `name` in `place` (`query`, `header` or `path`).
    pub(crate) fn parameter(
        mut self,
        place: &str,
        name: &str,
        required: bool,
        description: &str,
        schema: Schema,
    ) -> Self {
        self.parameters.push(json!({
            "name": name,
            "in": place,
            "required": required,
            "description": description,
            "schema": schema,
        }));
        self
    }

    /// The repeatable `topic` parameter of the read routes: one pattern, or
    /// several, at most `max`; at least one when `required`.
    pub(crate) fn topics(
        self,
        generator: &mut SchemaGenerator,
        required: bool,
        max: usize,
        description: &str,
    ) -> Self {
        let pattern = generator.subschema_for::<TopicPattern>();
        let min = usize::from(required);
        let schema = json_schema!({
            "anyOf": [
                pattern.clone(),
                { "type": "array", "items": pattern, "minItems": min, "maxItems": max },
            ],
        });
        self.parameter("query", TOPIC_PARAM, required, description, schema)
    }

    /// The `token` parameter, for clients that cannot send a header
    /// (EventSource), and the optional bearer token.
    pub(crate) fn token(self, description: &str) -> Self {
        self.parameter(
            "query",
            TOKEN_PARAM,
            false,
            description,
            json_schema!({ "type": "string" }),
        )
        .bearer()
    }

    /// The request body, JSON of `schema`.
    pub(crate) fn body(mut self, description: &str, schema: Schema) -> Self {
        self.value.insert(
            "requestBody".into(),
            json!({
                "required": true,
                "description": description,
                "content": { "application/json": { "schema": schema } },
            }),
        );
        self
    }

    /// A reply with `status`, whose body is `media` of `schema`.
    pub(crate) fn reply(
        mut self,
        status: u16,
        description: &str,
        media: &str,
        schema: Schema,
    ) -> Self {
        self.responses.insert(
            status,
            json!({
                "description": description,
                "content": { media: { "schema": schema } },
            }),
        );
        self
    }

    /// A reply with `status` and no body (a 304).
    pub(crate) fn empty_reply(mut self, status: u16, description: &str) -> Self {
        self.responses
            .insert(status, json!({ "description": description }));
        self
    }

    /// The codes this route can refuse with, each under its status.
    pub(crate) fn refusals(mut self, codes: &[ErrorCode]) -> Self {
        for code in codes {
            let listed = self.refusals.entry(code.status()).or_default();
            if !listed.contains(code) {
                listed.push(*code);
            }
        }
        self
    }

    /// Reads a bearer token when the hub verifies tokens: optional, since a
    /// hub without a key, or a public topic, needs none.
    pub(crate) fn bearer(mut self) -> Self {
        self.value
            .insert("security".into(), json!([{}, { "bearer": [] }]));
        self
    }

    /// The operation's JSON; refusal bodies are [`ErrorBody`] with `code`
    /// narrowed to the codes listed under their status.
    pub(crate) fn into_value(mut self, generator: &mut SchemaGenerator) -> Value {
        let error_body = generator.subschema_for::<ErrorBody>();
        for (status, codes) in &self.refusals {
            let names: Vec<&str> = codes.iter().map(|code| code.as_str()).collect();
            let description = names.join(", ");
            self.responses.insert(
                *status,
                json!({
                    "description": description,
                    "content": { "application/json": { "schema": {
                        "allOf": [
                            error_body,
                            { "properties": { "code": { "enum": names } } },
                        ],
                    } } },
                }),
            );
        }
        // hyper's own answer, before any route: no body.
        self.responses.insert(
            431,
            json!({ "description": "The request's head (its URL and headers) is larger than the hub reads." }),
        );
        if !self.parameters.is_empty() {
            self.value
                .insert("parameters".into(), Value::Array(self.parameters));
        }
        let responses: Map<String, Value> = self
            .responses
            .into_iter()
            .map(|(status, response)| (status.to_string(), response))
            .collect();
        self.value.insert("responses".into(), responses.into());
        Value::Object(self.value)
    }
}
