//! `#[derive(Event)]` names each kind as serde names its variant in the
//! `type` tag, whatever the renaming, and the hub reads the same kind from
//! the JSON an app's event is written as.

#![allow(
    clippy::unwrap_used,
    reason = "a test fails loudly on any unexpected error"
)]

use herald_wire::{Event, Kind};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Order {
    id: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Event)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
enum ShopEvent {
    OrderCreated(Order),
    OrderShipped {
        id: u64,
    },
    #[serde(rename = "refund.issued", alias = "refund")]
    RefundIssued {
        id: u64,
    },
    StockOut,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Event)]
#[serde(tag = "type", rename_all = "camelCase")]
enum Renamed {
    PriceChanged { cents: i64 },
}

/// A type of one kind, named as serde tags the struct.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Event)]
#[serde(tag = "type", rename = "ping")]
struct Ping {
    seq: u64,
}

fn samples() -> Vec<ShopEvent> {
    vec![
        ShopEvent::OrderCreated(Order { id: 1 }),
        ShopEvent::OrderShipped { id: 2 },
        ShopEvent::RefundIssued { id: 3 },
        ShopEvent::StockOut,
    ]
}

#[test]
fn each_kind_is_named_as_serde_tags_its_variant() {
    let names: Vec<&str> = ShopEvent::kinds().iter().map(Kind::as_str).collect();
    assert_eq!(
        names,
        [
            "order_created",
            "order_shipped",
            "refund.issued",
            "stock_out"
        ]
    );
    for event in samples() {
        let json = serde_json::to_value(&event).unwrap();
        assert_eq!(json["type"], event.kind().as_str(), "{event:?}");
    }
    assert_eq!(Renamed::kinds(), [Kind::of("priceChanged")]);
    let ping = Ping { seq: 1 };
    assert_eq!(ping.kind(), &Kind::of("ping"));
    assert_eq!(
        serde_json::to_string(&ping).unwrap(),
        r#"{"type":"ping","seq":1}"#
    );
}

#[test]
fn the_hub_reads_the_same_kind_and_a_page_gets_the_event_back() {
    for event in samples() {
        let json = serde_json::to_string(&event).unwrap();
        // What a hub that does not know the type reads of it: the kind,
        // which names the SSE event; the text it carries as published.
        assert_eq!(
            &herald_wire::decode::kind(json.as_bytes()).unwrap(),
            event.kind(),
            "{json}"
        );
        assert_eq!(ShopEvent::from_json(json.as_bytes()).unwrap(), event);
    }
}

/// An order whose lines a refusal can point into.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Cart {
    id: u64,
    lines: Vec<Line>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Line {
    sku: String,
    quantity: u32,
}

/// An inner struct that refuses unknown members, the `type` among them
/// when read on its own.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Strict {
    id: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Event)]
#[serde(tag = "type", rename_all = "snake_case")]
enum CartEvent {
    Filled(Cart),
    Strict(Strict),
    Emptied {
        id: u64,
    },
    #[serde(rename = "paid.in.full", alias = "paid")]
    Paid {
        id: u64,
    },
}

fn path_of(json: &str) -> Option<String> {
    let error = CartEvent::from_json(json.as_bytes()).unwrap_err();
    error.path().map(str::to_owned)
}

#[test]
fn from_json_reads_what_serde_reads() {
    let events = [
        CartEvent::Filled(Cart {
            id: 1,
            lines: vec![Line {
                sku: "a-1".to_owned(),
                quantity: 2,
            }],
        }),
        CartEvent::Strict(Strict { id: 2 }),
        CartEvent::Emptied { id: 3 },
        CartEvent::Paid { id: 4 },
    ];
    for event in events {
        let json = serde_json::to_string(&event).unwrap();
        assert_eq!(CartEvent::from_json(json.as_bytes()).unwrap(), event);
    }
    // An alias serde accepts is accepted, and written back by its name.
    let paid = CartEvent::from_json(br#"{"type":"paid","id":4}"#).unwrap();
    assert_eq!(paid.kind().as_str(), "paid.in.full");
}

#[test]
fn a_refusal_names_the_path_inside_a_newtype_variant() {
    let cases = [
        (
            r#"{"type":"filled","id":1,"lines":[{"sku":"a","quantity":"x"}]}"#,
            "lines[0].quantity",
        ),
        (
            r#"{"type":"filled","id":1,"lines":[{"sku":"a","quantity":1},{"quantity":1}]}"#,
            "lines[1].sku",
        ),
        (r#"{"type":"filled","lines":[]}"#, "id"),
        (r#"{"type":"strict","id":"x"}"#, "id"),
        // A struct variant's fields are found at their paths too.
        (r#"{"type":"emptied"}"#, "id"),
        (r#"{"type":"emptied","id":-1}"#, "id"),
        (r#"{"type":"paid","id":"x"}"#, "id"),
        (r#"{"type":"lost","id":1}"#, "type"),
        (r#"{"id":1}"#, "type"),
        ("[1]", "."),
    ];
    for (json, path) in cases {
        assert_eq!(path_of(json).as_deref(), Some(path), "{json}");
    }
}

#[test]
fn an_unknown_kind_is_refused_naming_the_kinds_there_are() {
    let error = CartEvent::from_json(br#"{"type":"lost","id":1}"#).unwrap_err();
    assert!(
        matches!(&error, herald_wire::DecodeError::UnknownKind { found, .. } if found == "lost"),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        r#"event type "lost" is not one of this hub's kinds: filled, strict, emptied, paid.in.full"#
    );
    assert!(matches!(
        CartEvent::from_json(b"{").unwrap_err(),
        herald_wire::DecodeError::Syntax(_)
    ));
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Event)]
#[serde(tag = "type", rename_all_fields = "camelCase")]
enum Camel {
    Moved {
        from_place: Vec<u32>,
        #[serde(rename = "when")]
        at: u64,
    },
}

#[test]
fn a_struct_variants_path_follows_its_field_names() {
    let moved = Camel::from_json(br#"{"type":"Moved","fromPlace":[1,"x"],"when":2}"#);
    assert_eq!(moved.unwrap_err().path(), Some("fromPlace[1]"));
    let moved = Camel::from_json(br#"{"type":"Moved","fromPlace":[1]}"#);
    assert_eq!(moved.unwrap_err().path(), Some("when"));
    let moved = Camel::from_json(br#"{"type":"Moved","fromPlace":[1],"when":2}"#).unwrap();
    assert_eq!(
        moved,
        Camel::Moved {
            from_place: vec![1],
            at: 2
        }
    );
}
