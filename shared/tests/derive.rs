//! `#[derive(Event)]` names each kind as serde names its variant in the
//! `type` tag, whatever the renaming, and the hub reads the same kind from
//! the JSON an app's event is written as.

#![allow(
    clippy::unwrap_used,
    reason = "a test fails loudly on any unexpected error"
)]

use serde::{Deserialize, Serialize};
use shared::{Event, Kind, Payload};

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
        // What a hub that does not know the type keeps of it.
        let carried = Payload::from_json(&json).unwrap();
        assert_eq!(carried.kind(), event.kind(), "{json}");
        let text = serde_json::to_string(&carried).unwrap();
        assert_eq!(serde_json::from_str::<ShopEvent>(&text).unwrap(), event);
    }
}
