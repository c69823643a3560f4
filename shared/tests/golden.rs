//! Golden files pin the wire format: the gap and every API body that carries
//! no event (those that do, and every kind of the `herald` binary, are
//! pinned in `herald-dashboard-events`). A change to any serde attribute shows up here, in review, as a
//! changed file. Set `HERALD_BLESS=1` to rewrite the files after an intended
//! protocol change.

#![allow(
    clippy::unwrap_used,
    reason = "a test fails loudly on any unexpected error"
)]

use std::path::PathBuf;

use herald_wire::{
    ErrorBody, ErrorCode, EventId, Gap, Published, Topic, TopicInfo, TopicList, TopicPattern,
};
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

#[test]
fn gap_control_event() {
    let gap = Gap {
        topic: TopicPattern::parse("chat/lobby").unwrap(),
        after: EventId::new(EPOCH, 10),
        through: EventId::new(EPOCH, 20),
    };
    check("gap", &gap);
}

#[test]
fn api_bodies() {
    check(
        "published",
        &Published {
            id: EventId::new(EPOCH, 7),
            topic: Topic::parse("chat/lobby").unwrap(),
        },
    );
    check(
        "topic_list",
        &TopicList {
            topics: vec![TopicInfo {
                topic: Topic::parse("system/metrics").unwrap(),
                subscribers: 3,
                last_id: Some(EventId::new(EPOCH, 9)),
            }],
            next_after: Some(Topic::parse("system/metrics").unwrap()),
        },
    );
    check(
        "error",
        &ErrorBody {
            code: ErrorCode::InvalidEvent,
            message: "missing field `text`".into(),
            field: Some("text".into()),
        },
    );
}
