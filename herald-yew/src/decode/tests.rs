//! Native tests of decoding: the dashboard's [`Payload`] as before, and an
//! app's own type, whose unreadable events are [`Delivery::Unknown`].

use herald_dashboard_events::{Chat, Payload, kinds};
use serde::Serialize;

use super::*;

fn envelope<E: Serialize>(id: u64, event: E) -> String {
    serde_json::to_string(&Envelope {
        id: EventId::new(1, id),
        topic: Topic::parse("chat/lobby").unwrap(),
        time_us: 1_700_000_000_000_000,
        event,
    })
    .unwrap()
}

fn chat_json(id: u64) -> String {
    envelope(
        id,
        Payload::Chat(Chat {
            author: "ada".into(),
            text: "hello".into(),
        }),
    )
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, herald_wire::Event)]
#[serde(tag = "type", rename_all = "snake_case")]
enum ShopEvent {
    OrderCreated { order: u64 },
    OrderShipped { order: u64 },
}

#[test]
fn decodes_an_event_named_after_its_kind() {
    let Ok(Delivery::Event(event)) = decode::<Payload>("chat", &chat_json(7)) else {
        panic!("chat did not decode");
    };
    assert_eq!(event.id, EventId::new(1, 7));
    assert!(matches!(event.event, Payload::Chat(chat) if chat.author == "ada"));
}

#[test]
fn decodes_every_golden_event() {
    for (name, json) in [
        (
            "metrics",
            include_str!("../../../dashboard-events/tests/golden/metrics.json"),
        ),
        (
            "chat",
            include_str!("../../../dashboard-events/tests/golden/chat.json"),
        ),
        (
            "notice",
            include_str!("../../../dashboard-events/tests/golden/notice.json"),
        ),
        (
            "latency_probe",
            include_str!("../../../dashboard-events/tests/golden/latency_probe.json"),
        ),
        (
            "json",
            include_str!("../../../dashboard-events/tests/golden/json.json"),
        ),
    ] {
        assert!(
            matches!(decode::<Payload>(name, json), Ok(Delivery::Event(_))),
            "{name} golden did not decode: {:?}",
            decode::<Payload>(name, json)
        );
    }
}

#[test]
fn decodes_a_gap() {
    let json = include_str!("../../../shared/tests/golden/gap.json");
    assert!(matches!(
        decode::<Payload>("gap", json),
        Ok(Delivery::Gap(_))
    ));
}

#[test]
fn malformed_data_is_an_error_with_an_excerpt() {
    let Err(DecodeError::InvalidData { name, excerpt, .. }) =
        decode::<Payload>("chat", "{not json")
    else {
        panic!("malformed data decoded");
    };
    assert_eq!(name, "chat");
    assert_eq!(excerpt, "{not json");
}

#[test]
fn long_data_is_cut_in_the_excerpt() {
    let data = "x".repeat(EXCERPT_CHARS * 2);
    let Err(DecodeError::InvalidData { excerpt, .. }) = decode::<Payload>("json", &data) else {
        panic!("garbage decoded");
    };
    assert_eq!(excerpt.chars().count(), EXCERPT_CHARS + 1);
    assert!(excerpt.ends_with('…'));
}

#[test]
fn a_name_that_disagrees_with_the_payload_is_an_error() {
    assert_eq!(
        decode::<Payload>("notice", &chat_json(3)),
        Err(DecodeError::KindMismatch {
            name: "notice".into(),
            payload: "chat".to_owned(),
            id: EventId::new(1, 3),
        })
    );
}

#[test]
fn a_name_that_is_no_kind_is_an_error() {
    // What an event without a name arrives as.
    assert_eq!(
        decode::<Payload>(herald_wire::protocol::UNNAMED_EVENT, "{}"),
        Err(DecodeError::UnknownName {
            name: "message".into()
        })
    );
}

#[test]
fn an_apps_own_kinds_decode_typed() {
    let json = envelope(4, ShopEvent::OrderShipped { order: 12 });
    let Ok(Delivery::Event(event)) = decode::<ShopEvent>("order_shipped", &json) else {
        panic!("order_shipped did not decode");
    };
    assert_eq!(event.event, ShopEvent::OrderShipped { order: 12 });
    assert_eq!(event.topic.as_str(), "chat/lobby");
}

#[test]
fn a_newer_shape_of_a_kind_is_unknown_with_its_whole_text() {
    let json = r#"{"id":"1-9","topic":"shop/orders","time_us":5,"event":{"type":"order_created","order":"A-12"}}"#;
    assert_eq!(
        decode::<ShopEvent>("order_created", json),
        Ok(Delivery::Unknown(Unknown {
            id: EventId::new(1, 9),
            topic: Topic::parse("shop/orders").unwrap(),
            kind: Kind::of("order_created"),
            json: json.to_owned(),
        }))
    );
    // Without a readable `time_us` or `event` it is still the hub's event.
    let headless = r#"{"id":"1-10","topic":"shop/orders"}"#;
    assert!(matches!(
        decode::<ShopEvent>("order_created", headless),
        Ok(Delivery::Unknown(unknown)) if unknown.id == EventId::new(1, 10)
    ));
}

#[test]
fn an_envelope_without_an_id_is_an_error() {
    let json = r#"{"topic":"shop/orders","time_us":5,"event":{"type":"order_created","order":1}}"#;
    assert!(matches!(
        decode::<ShopEvent>("order_created", json),
        Err(DecodeError::InvalidData { name, .. }) if name == "order_created"
    ));
}

#[test]
fn a_stored_event_of_a_kind_the_type_lacks_is_unknown() {
    let chat = chat_json(5);
    let raw = RawValue::from_string(chat.clone()).unwrap();
    let incoming = stored::<ShopEvent>(&raw, 99);
    assert_eq!(incoming.received_us, 1_700_000_000_000_000);
    let Ok(Delivery::Unknown(unknown)) = incoming.message else {
        panic!("a chat was read as a shop event: {incoming:?}");
    };
    assert_eq!(unknown.kind, kinds::CHAT);
    assert_eq!(unknown.json, chat);
}

#[test]
fn a_stored_event_that_is_no_envelope_is_an_error_stamped_when_it_came() {
    let raw = RawValue::from_string("[1,2]".to_owned()).unwrap();
    let incoming = stored::<ShopEvent>(&raw, 99);
    assert_eq!(incoming.received_us, 99);
    assert!(matches!(
        incoming.message,
        Err(DecodeError::InvalidData { name, .. }) if name == HISTORY_NAME
    ));
}
