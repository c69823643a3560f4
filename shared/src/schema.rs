//! JSON Schemas of the checked strings (feature `schema`): what a topic, a
//! pattern, an id and a kind name look like to a program that never sees
//! the Rust type, such as an OpenAPI client generator or a fuzzer.
//!
//! Each pattern states the same rules as the type's `parse`, written as a
//! regular expression without lookaround so every JSON Schema tool can
//! read it (and generate values from it). The tests below hold each
//! pattern to its parser over the cases that decide a rule.

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};

use crate::{EventId, Kind, Topic, TopicPattern};

/// One segment of a topic: its characters, but never `.` or `..`.
const SEGMENT: &str =
    r"(?:[A-Za-z0-9_-][A-Za-z0-9_.-]*|\.[A-Za-z0-9_-][A-Za-z0-9_.-]*|\.\.[A-Za-z0-9_.-]+)";

fn topic_pattern() -> String {
    format!("^{SEGMENT}(?:/{SEGMENT})*$")
}

/// A prefix pattern: a topic, then `/*`.
fn prefix_pattern() -> String {
    format!(r"^{SEGMENT}(?:/{SEGMENT})*/\*$")
}

/// Ids a hub writes: two decimal numbers. At most 19 digits each, so every
/// value the pattern admits fits the `u64` the hub reads it into.
const EVENT_ID_PATTERN: &str = "^[0-9]{1,19}-[0-9]{1,19}$";

const KIND_PATTERN: &str = "^[A-Za-z][A-Za-z0-9_.:-]*$";

impl JsonSchema for Topic {
    fn schema_name() -> Cow<'static, str> {
        "Topic".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "description": "A topic: segments of ASCII letters, digits, `_`, `-` and `.` joined by `/`, none empty, `.` or `..`.",
            "minLength": 1,
            "maxLength": Topic::MAX_LEN,
            "pattern": topic_pattern(),
            "examples": ["chat/lobby"],
        })
    }
}

impl JsonSchema for TopicPattern {
    fn schema_name() -> Cow<'static, str> {
        "TopicPattern".into()
    }

    /// Each form with its own bound: a topic is at most [`Topic::MAX_LEN`]
    /// bytes, and a prefix pattern that topic and `/*`.
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let topic = generator.subschema_for::<Topic>();
        json_schema!({
            "description": "A topic, every topic below a prefix (`chat/*`), or every topic (`*`).",
            "anyOf": [
                { "const": "*" },
                topic,
                {
                    "type": "string",
                    "maxLength": Topic::MAX_LEN + 2,
                    "pattern": prefix_pattern(),
                },
            ],
            "examples": ["chat/*"],
        })
    }
}

impl JsonSchema for EventId {
    fn schema_name() -> Cow<'static, str> {
        "EventId".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "description": "An event's position, `{epoch}-{sequence}`: opaque to clients, sent back to resume.",
            "pattern": EVENT_ID_PATTERN,
            "examples": ["1764066000123456-42"],
        })
    }
}

impl JsonSchema for Kind {
    fn schema_name() -> Cow<'static, str> {
        "Kind".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "description": "An event's kind: its `type` and its SSE event name.",
            "minLength": 1,
            "maxLength": Kind::MAX_LEN,
            "pattern": KIND_PATTERN,
            "not": { "enum": Kind::RESERVED },
        })
    }
}

#[cfg(test)]
mod tests {
    use regex::Regex;

    use super::*;

    /// Every string of up to `len` characters over `alphabet`, so the
    /// patterns are held to the parsers on each case that decides a rule
    /// (a dot segment, an empty segment, a misplaced `*`, a leading digit).
    fn strings(alphabet: &[char], len: usize) -> Vec<String> {
        let mut all = vec![String::new()];
        let mut last = vec![String::new()];
        for _ in 0..len {
            last = last
                .iter()
                .flat_map(|prefix| alphabet.iter().map(move |c| format!("{prefix}{c}")))
                .collect();
            all.extend(last.iter().cloned());
        }
        all
    }

    fn agree(pattern: &str, cases: &[String], parses: impl Fn(&str) -> bool) {
        let regex = Regex::new(pattern).unwrap();
        for case in cases {
            assert_eq!(regex.is_match(case), parses(case), "{pattern} on {case:?}");
        }
    }

    #[test]
    fn a_topics_pattern_admits_what_the_parser_does() {
        let cases = strings(&['a', '.', '/', '-', '*', ' '], 4);
        agree(&topic_pattern(), &cases, |text| Topic::parse(text).is_ok());
    }

    #[test]
    fn a_topic_patterns_forms_admit_what_the_parser_does() {
        let mut cases = strings(&['a', '.', '/', '*', '_'], 4);
        let longest = "a".repeat(Topic::MAX_LEN);
        cases.extend([
            longest.clone(),
            format!("{longest}a"),
            format!("{longest}/*"),
        ]);
        cases.push(format!("{longest}a/*"));
        let topic = Regex::new(&topic_pattern()).unwrap();
        let prefix = Regex::new(&prefix_pattern()).unwrap();
        for case in &cases {
            let admitted = case == "*"
                || (topic.is_match(case) && case.len() <= Topic::MAX_LEN)
                || (prefix.is_match(case) && case.len() <= Topic::MAX_LEN + 2);
            assert_eq!(admitted, TopicPattern::parse(case).is_ok(), "{case:?}");
        }
    }

    #[test]
    fn an_ids_pattern_admits_only_what_the_parser_does() {
        let mut cases = strings(&['1', '-', 'x', ' '], 4);
        cases.extend(["1764066000123456-42", "9999999999999999999-1"].map(String::from));
        let regex = Regex::new(EVENT_ID_PATTERN).unwrap();
        for case in &cases {
            if regex.is_match(case) {
                assert!(EventId::parse(case).is_ok(), "{case:?}");
            }
        }
        assert!(regex.is_match("1764066000123456-42"));
        assert!(EventId::parse("99999999999999999999-1").is_err());
        assert!(!regex.is_match("99999999999999999999-1"));
    }

    #[test]
    fn a_kinds_schema_admits_what_the_parser_does() {
        let mut cases = strings(&['a', '1', '_', ':', '/'], 3);
        cases.extend(Kind::RESERVED.map(String::from));
        cases.push("a".repeat(Kind::MAX_LEN));
        cases.push("a".repeat(Kind::MAX_LEN + 1));
        let regex = Regex::new(KIND_PATTERN).unwrap();
        for case in &cases {
            let admitted = regex.is_match(case)
                && case.len() <= Kind::MAX_LEN
                && !Kind::RESERVED.contains(&case.as_str());
            assert_eq!(admitted, Kind::parse(case).is_ok(), "{case:?}");
        }
    }

    #[test]
    fn the_schemas_carry_their_bounds() {
        let mut generator = SchemaGenerator::default();
        let topic = Topic::json_schema(&mut generator);
        assert_eq!(topic.get("maxLength"), Some(&Topic::MAX_LEN.into()));
        let kind = Kind::json_schema(&mut generator);
        assert_eq!(kind.get("maxLength"), Some(&Kind::MAX_LEN.into()));
        assert_eq!(
            kind.get("not").and_then(|not| not.get("enum")),
            Some(&serde_json::json!(Kind::RESERVED))
        );
    }
}
