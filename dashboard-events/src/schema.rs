//! The JSON Schema of a [`Payload`] (feature `schema`): one of Herald's
//! kinds, each its struct under its `type`, or an object of any other kind.
//!
//! `Payload` reads and writes itself by hand (an untyped kind keeps its
//! text), so its schema is written here from the same parts: the kinds of
//! [`Payload::kinds`] and each kind's derived struct schema.

use std::borrow::Cow;

use herald_wire::{Event, Kind};
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};

use crate::{Chat, HubStats, Json, LatencyProbe, Metrics, Notice, Payload, kinds};

/// A typed kind: its struct's schema, with `type` naming it.
fn typed<T: JsonSchema>(generator: &mut SchemaGenerator, kind: &Kind) -> Schema {
    let fields = generator.subschema_for::<T>();
    json_schema!({
        "allOf": [
            fields,
            {
                "type": "object",
                "properties": { "type": { "const": kind.as_str() } },
                "required": ["type"],
            },
        ],
    })
}

impl JsonSchema for Payload {
    fn schema_name() -> Cow<'static, str> {
        "Payload".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let known: Vec<&str> = Payload::kinds().iter().map(Kind::as_str).collect();
        let kind = generator.subschema_for::<Kind>();
        json_schema!({
            "description": "An event of the `herald` binary: one of its kinds, or any other kind carried as published.",
            "oneOf": [
                typed::<Metrics>(generator, &kinds::METRICS),
                typed::<Chat>(generator, &kinds::CHAT),
                typed::<Notice>(generator, &kinds::NOTICE),
                typed::<LatencyProbe>(generator, &kinds::LATENCY_PROBE),
                typed::<HubStats>(generator, &kinds::HUB_STATS),
                typed::<Json>(generator, &kinds::JSON),
                {
                    "description": "An event of any other kind, such as an app's own `order_created`: any object whose `type` is a kind name.",
                    "type": "object",
                    "properties": {
                        "type": { "allOf": [kind, { "not": { "enum": known } }] },
                    },
                    "required": ["type"],
                },
            ],
        })
    }
}

#[cfg(test)]
mod tests {
    use schemars::SchemaGenerator;

    use super::*;

    /// Every typed kind has its branch, in the order of `kinds()`, and the
    /// untyped branch excludes exactly them.
    #[test]
    fn each_kind_has_its_branch_and_any_other_kind_the_last() {
        let schema = SchemaGenerator::default().into_root_schema_for::<Payload>();
        let branches = schema.get("oneOf").and_then(|one| one.as_array()).unwrap();
        assert_eq!(branches.len(), Payload::kinds().len() + 1);
        for (branch, kind) in branches.iter().zip(Payload::kinds()) {
            assert_eq!(
                branch["allOf"][1]["properties"]["type"]["const"],
                kind.as_str()
            );
        }
        let excluded =
            &branches[Payload::kinds().len()]["properties"]["type"]["allOf"][1]["not"]["enum"];
        assert_eq!(excluded.as_array().unwrap().len(), Payload::kinds().len());
    }
}
