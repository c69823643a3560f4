//! Golden files pin the wire format of the `herald` binary's kinds: one
//! JSON file per kind, in its envelope, and a history reply that carries one. A change to any serde attribute shows up here, in review, as a
//! changed file. Set `HERALD_BLESS=1` to rewrite the files after an intended
//! protocol change.

#![allow(
    clippy::unwrap_used,
    reason = "a test fails loudly on any unexpected error"
)]

use std::path::PathBuf;

use herald_dashboard_events::{
    Chat, Json, LatencyProbe, LoadAverage, Metrics, Notice, NoticeLevel, Payload,
};
use herald_wire::{Envelope, EventId, EventList, Topic};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// The epoch of the run that published the examples: a hub's start, in unix
/// microseconds.
const EPOCH: u64 = 1_764_625_080_123_456;

fn check<T>(name: &str, value: &T)
where
    T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(format!("{name}.json"));
    let actual = serde_json::to_string_pretty(value).unwrap() + "\n";
    if std::env::var_os("HERALD_BLESS").is_some() {
        std::fs::write(&path, &actual).unwrap();
    }
    let golden = std::fs::read_to_string(&path)
        .unwrap_or_else(|err| panic!("{}: {err} (run with HERALD_BLESS=1)", path.display()));
    assert_eq!(actual, golden, "{name}: wire format changed");
    let decoded: T = serde_json::from_str(&golden).unwrap();
    assert_eq!(&decoded, value, "{name}: golden does not decode back");
}

fn envelope(id: u64, topic: &str, event: Payload) -> Envelope<Payload> {
    Envelope {
        id: EventId::new(EPOCH, id),
        topic: Topic::parse(topic).unwrap(),
        time_us: 1_764_066_000_000_000,
        event,
    }
}

#[test]
fn metrics_event() {
    let metrics = Metrics {
        cpu_total: 12.5,
        cpu_per_core: vec![10.0, 15.0],
        memory_used: 4_294_967_296,
        memory_total: 25_769_803_776,
        load: LoadAverage {
            one: 0.5,
            five: 0.25,
            fifteen: 0.125,
        },
        net_rx_per_sec: 2048,
        net_tx_per_sec: 1024,
    };
    check(
        "metrics",
        &envelope(1, "system/metrics", Payload::Metrics(metrics)),
    );
}

#[test]
fn chat_event() {
    let chat = Chat {
        author: "ada".into(),
        text: "hello, \"world\"\nsecond line".into(),
    };
    check("chat", &envelope(2, "chat/lobby", Payload::Chat(chat)));
}

#[test]
fn notice_event() {
    let notice = Notice {
        level: NoticeLevel::Warning,
        text: "disk 91% full".into(),
    };
    check("notice", &envelope(3, "ops", Payload::Notice(notice)));
}

#[test]
fn latency_probe_event() {
    let probe = LatencyProbe {
        seq: 42,
        ts: 1_764_065_999_999_000,
    };
    check(
        "latency_probe",
        &envelope(4, "probe", Payload::LatencyProbe(probe)),
    );
}

#[test]
fn json_event() {
    let json = Json::from_text(r#"{"order": 17, "items": ["a", "b"], "paid": true, "total": 1e2}"#)
        .unwrap();
    check("json", &envelope(5, "shop/orders", Payload::Json(json)));
}

#[test]
fn an_apps_own_kind() {
    let order = Payload::from_json(
        r#"{"type": "order_created", "order": 17, "items": ["a", "b"], "total": 1e2}"#,
    )
    .unwrap();
    check("untyped", &envelope(6, "shop/orders", order));
}

#[test]
fn history_reply() {
    check(
        "event_list",
        &EventList {
            events: vec![envelope(
                8,
                "chat/lobby",
                Payload::Chat(Chat {
                    author: "ada".into(),
                    text: "earlier".into(),
                }),
            )],
            resume_after: EventId::new(EPOCH, 9),
        },
    );
}

#[test]
fn publish_body_is_the_bare_payload() {
    let body = r#"{"type":"chat","author":"ada","text":"hi"}"#;
    let payload: Payload = serde_json::from_str(body).unwrap();
    assert_eq!(
        payload,
        Payload::Chat(Chat {
            author: "ada".into(),
            text: "hi".into()
        })
    );
    assert!(serde_json::from_str::<Payload>(r#"{"type":"gap"}"#).is_err());
}

/// Every float comes back as the value that was sent, not one unit in the
/// last place off: serde_json reads its own shortest spelling exactly only
/// with `float_roundtrip`. The load average here is the one the `sse_frame`
/// fuzz target found read back wrong without it.
#[test]
fn floats_come_back_exactly() {
    let load = LoadAverage {
        one: 1.765_818_668_434_410_5e-304,
        five: 0.1 + 0.2,
        fifteen: f64::MAX,
    };
    let metrics = Metrics {
        cpu_total: f32::MIN_POSITIVE,
        cpu_per_core: vec![0.1, 33.333_332],
        memory_used: 1,
        memory_total: 2,
        load,
        net_rx_per_sec: 0,
        net_tx_per_sec: 0,
    };
    let event = envelope(1, "system/metrics", Payload::Metrics(metrics));
    let text = serde_json::to_string(&event).unwrap();
    let back: Envelope<Payload> = serde_json::from_str(&text).unwrap();
    let Payload::Metrics(back) = back.event else {
        panic!("{text}")
    };
    assert_eq!(back.load.one.to_bits(), load.one.to_bits(), "{text}");
    assert_eq!(back.load.five.to_bits(), load.five.to_bits(), "{text}");
    assert_eq!(
        back.load.fifteen.to_bits(),
        load.fifteen.to_bits(),
        "{text}"
    );
}
