//! The kinds' JSON: tags, finiteness, kept text.

use super::*;
use crate::json::compact;

#[test]
fn kind_name_matches_the_json_tag() {
    let samples = [
        Payload::Chat(Chat {
            author: "a".into(),
            text: "b".into(),
        }),
        Payload::Notice(Notice {
            level: NoticeLevel::Info,
            text: "t".into(),
        }),
        Payload::LatencyProbe(LatencyProbe { seq: 1, ts: 2 }),
        Payload::Json(Json::from_text("[1]").unwrap()),
        Payload::Metrics(idle()),
        Payload::from_json(
            r#"{"type":"hub_stats","node":null,"interval_s":1,"streams_open":0,
            "streams_opened":0,"events":0,"events_per_s":0,"deliveries":0,
            "deliveries_per_s":0,"gaps":0,"history_bytes":0,"topics":0,
            "followed_topics":0,"followed":[]}"#,
        )
        .unwrap(),
    ];
    assert_eq!(samples.len(), Payload::kinds().len());
    for payload in samples {
        let json = serde_json::to_value(&payload).unwrap();
        assert_eq!(json["type"], payload.kind().as_str());
        assert!(Payload::kinds().contains(payload.kind()));
    }
}

/// A sample of an idle host with two cores.
fn idle() -> Metrics {
    Metrics {
        cpu_total: 1.0,
        cpu_per_core: vec![1.0, 2.0],
        memory_used: 0,
        memory_total: 0,
        load: LoadAverage {
            one: 0.0,
            five: 0.0,
            fifteen: 0.0,
        },
        net_rx_per_sec: 0,
        net_tx_per_sec: 0,
    }
}

#[test]
fn metrics_must_be_finite() {
    let mut metrics = idle();
    assert_eq!(metrics.check_finite(), Ok(()));
    metrics.load.five = f64::INFINITY;
    assert_eq!(
        metrics.check_finite(),
        Err(NotFinite { field: "load.five" })
    );
    metrics.load.five = 0.0;
    metrics.cpu_per_core[1] = f32::NAN;
    assert_eq!(
        metrics.check_finite(),
        Err(NotFinite {
            field: "cpu_per_core"
        })
    );
}

#[test]
fn json_keeps_its_text_as_published_but_whitespace() {
    let published = r#"{"type":"json","data":{ "z": 1, "a" : [1e2, 18446744073709551616123, -0.0],
        "a": "repeated \" key\n", "n": null }}"#;
    let Payload::Json(json) = Payload::from_json(published).unwrap() else {
        panic!("not json");
    };
    let kept = r#"{"z":1,"a":[1e2,18446744073709551616123,-0.0],"a":"repeated \" key\n","n":null}"#;
    assert_eq!(json.text(), kept);
    let event = serde_json::to_string(&Payload::Json(json.clone())).unwrap();
    assert_eq!(event, format!(r#"{{"type":"json","data":{kept}}}"#));
    // Decoding the envelope again keeps the same text.
    assert_eq!(
        Payload::from_json(&event).unwrap(),
        Payload::Json(json.clone())
    );
    assert_eq!(
        json.value()["a"],
        "repeated \" key\n",
        "the last repeated key wins"
    );
}

#[test]
fn compacting_keeps_whitespace_inside_strings() {
    assert_eq!(compact("{ \"a b\" :\t[ 1 ,\r\n 2 ] }"), r#"{"a b":[1,2]}"#);
    assert_eq!(compact(r#"[" \\", " x "]"#), r#"[" \\"," x "]"#);
    assert!(Json::from_text("{").is_err());
}

#[test]
fn a_missing_or_invalid_type_is_refused() {
    for text in [
        r#"{"author":"a"}"#,
        r#"["chat"]"#,
        r#""chat""#,
        r#"{"type":7}"#,
        r#"{"type":"two words"}"#,
        r#"{"type":"gap"}"#,
    ] {
        assert!(Payload::from_json(text).is_err(), "{text}");
    }
    let chat = Payload::from_json(r#"{"text":"b","type":"chat","author":"a"}"#).unwrap();
    assert_eq!(chat.kind(), &kinds::CHAT);
}

#[test]
fn any_other_kind_is_kept_as_published_but_whitespace() {
    let published =
        "{ \"type\": \"order_created\", \"id\": 18446744073709551616123,\n \"lines\": [] }";
    let payload = Payload::from_json(published).unwrap();
    let Payload::Untyped(untyped) = &payload else {
        panic!("typed as {payload:?}");
    };
    let kept = r#"{"type":"order_created","id":18446744073709551616123,"lines":[]}"#;
    assert_eq!(untyped.kind().as_str(), "order_created");
    assert_eq!(untyped.text(), kept);
    assert_eq!(serde_json::to_string(&payload).unwrap(), kept);
    assert_eq!(Payload::from_json(kept).unwrap(), payload);
    assert_eq!(untyped.value()["lines"], serde_json::json!([]));
}
