//! The payload decoder's refusals: each names what is wrong and where.

use super::*;
use herald_wire::{Event as _, KindError};

fn refusal(json: &str) -> DecodeError {
    Payload::from_json(json).unwrap_err()
}

#[test]
fn malformed_json_is_a_syntax_error_at_no_path() {
    for json in [
        "{",
        "",
        "nul",
        r#"{"type":"json","data":1} trailing"#,
        // Wrong at `author`, but the text is not JSON at all.
        r#"{"type":"chat","author":1,"#,
    ] {
        let error = refusal(json);
        assert!(
            matches!(error, DecodeError::Syntax(_)),
            "{json:?}: {error:?}"
        );
        assert_eq!(error.path(), None);
    }
    let error = Payload::from_json(b"\xff").unwrap_err();
    assert!(matches!(error, DecodeError::Syntax(_)), "{error:?}");
}

#[test]
fn json_without_a_single_type_is_missing_its_type() {
    for json in [
        r#"{"author":"a","text":"b"}"#,
        r#"{"type":null}"#,
        r#"{"type":"chat","type":"chat","author":"a","text":"b"}"#,
    ] {
        let error = refusal(json);
        assert!(
            matches!(error, DecodeError::MissingType),
            "{json}: {error:?}"
        );
        assert_eq!(error.path(), Some("type"));
        assert_eq!(
            error.to_string(),
            "missing field `type` naming the event kind"
        );
    }
}

#[test]
fn json_that_is_not_an_object_is_refused_at_its_top() {
    for json in ["7", r#""chat""#, r#"["chat","a","b"]"#, " [] ", "null"] {
        let error = refusal(json);
        assert!(
            matches!(error, DecodeError::NotAnObject),
            "{json}: {error:?}"
        );
        assert_eq!(error.path(), Some("."));
    }
}

#[test]
fn a_type_that_is_not_a_kind_name_is_named() {
    for (json, found) in [
        (r#"{"type":7}"#, "7"),
        (r#"{"type":["chat"]}"#, r#"["chat"]"#),
    ] {
        let error = refusal(json);
        assert_eq!(error.path(), Some("type"));
        match error {
            DecodeError::TypeNotString { found: named } => assert_eq!(named, found),
            other => panic!("{json}: {other:?}"),
        }
    }
    let error = refusal(r#"{"type":"gap"}"#);
    assert_eq!(
        error.to_string(),
        r#"event type "gap" is not a kind name: the kind name "gap" is reserved for the protocol"#
    );
    assert!(matches!(
        refusal(r#"{"type":"two words"}"#),
        DecodeError::InvalidKind {
            error: KindError::InvalidChar(' '),
            ..
        }
    ));
    // What is echoed back is bounded, however long the type.
    let long = format!(r#"{{"type":"{}"}}"#, "a".repeat(64 * 1024));
    assert!(refusal(&long).to_string().len() < 256);
    // A name is compared as the string it decodes to.
    let chat = Payload::from_json(r#"{"type":"ch\u0061t","author":"a","text":"b"}"#);
    assert_eq!(chat.unwrap().kind(), &kinds::CHAT);
}

#[test]
fn a_field_error_names_its_path_and_keeps_serdes_message() {
    let cases = [
        (r#"{"type":"chat","author":"a"}"#, "text"),
        (r#"{"type":"json"}"#, "data"),
        (r#"{"type":"latency_probe","seq":-1,"ts":2}"#, "seq"),
        (r#"{"type":"notice","level":"loud","text":"x"}"#, "level"),
        (
            r#"{"type":"metrics","cpu_total":1,"cpu_per_core":[1,"x"]}"#,
            "cpu_per_core[1]",
        ),
        (
            r#"{"type":"metrics","cpu_total":1,"cpu_per_core":[],"memory_used":1,
                "memory_total":2,"load":{"one":1,"five":2},"net_rx_per_sec":4}"#,
            "load.fifteen",
        ),
        (
            r#"{"type":"hub_stats","node":null,"interval_s":1,"streams_open":0,
                "streams_opened":0,"events":0,"events_per_s":0,"deliveries":0,
                "deliveries_per_s":0,"gaps":0,"history_bytes":0,"topics":1,
                "followed_topics":1,"followed":[{"topic":"a"}]}"#,
            "followed[0].subscribers",
        ),
        // serde refuses a repeated field at the object that repeats it.
        (
            r#"{"type":"chat","author":"a","author":"b","text":"c"}"#,
            ".",
        ),
    ];
    for (json, expected) in cases {
        let error = refusal(json);
        match &error {
            DecodeError::Field { path, message } => {
                assert_eq!(path, expected, "{json}: {message}");
            }
            other => panic!("{json}: {other:?}"),
        }
        assert_eq!(error.path(), Some(expected));
    }
    for json in [
        r#"{"type":"chat","author":"a"}"#,
        r#"{"type":"chat","author":7,"text":"b"}"#,
    ] {
        let serde = serde_json::from_str::<crate::Chat>(json).unwrap_err();
        assert_eq!(refusal(json).to_string(), serde.to_string(), "{json}");
    }
    assert_eq!(
        refusal(r#"{"type":"chat","author":"a"}"#).to_string(),
        "missing field `text` at line 1 column 28"
    );
}

#[test]
fn text_and_bytes_decode_alike_and_as_the_envelope_does() {
    let json = r#"{"type":"notice","level":"warning","text":"b"}"#;
    let payload = Payload::from_json(json).unwrap();
    assert_eq!(Payload::from_json(json.as_bytes()).unwrap(), payload);
    assert_eq!(serde_json::from_str::<Payload>(json).unwrap(), payload);
    // Inside other JSON a refusal is that JSON's error, with the
    // payload's message.
    let error = serde_json::from_str::<Vec<Payload>>(r#"[{"type":"gap"}]"#).unwrap_err();
    assert!(
        error.to_string().starts_with(r#"event type "gap" is not"#),
        "{error}"
    );
}
