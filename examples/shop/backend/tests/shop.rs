//! The shop over a real server on an ephemeral port: its own routes
//! publish its own events, which a stream reads under their own names and
//! as its own type; another service's publish is checked against the same
//! type; and the shop's inputs are bounded.

#![allow(
    clippy::unwrap_used,
    reason = "a test fails loudly on any unexpected error"
)]

use herald_hub::Herald;
use herald_wire::Envelope;
use herald_wire::protocol::Query;
use reqwest::StatusCode;
use serde_json::json;
use shop_backend::{CATALOG, Placed, Shop};
use shop_shared::{EVENTS_BASE, ShopEvent};
use testkit::Stream;

async fn open() -> (String, Herald<ShopEvent>) {
    let herald = Herald::builder().build().await.unwrap();
    let app = Shop::new(herald.clone()).router(None);
    let base = testkit::serve_router(app, herald.shutdown()).await;
    (base, herald)
}

async fn stream(base: &str) -> Stream {
    let url = format!(
        "{base}{EVENTS_BASE}/events?{}",
        Query::new().topics(["shop/*"]).as_str()
    );
    let response = reqwest::get(url).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let mut stream = Stream::of(response);
    stream.read_position().await;
    stream
}

async fn next(stream: &mut Stream) -> (String, ShopEvent) {
    let raw = stream.next_raw().await.unwrap();
    let envelope: Envelope<ShopEvent> = serde_json::from_str(&raw.data).unwrap();
    (raw.event, envelope.event)
}

async fn order(base: &str, body: serde_json::Value) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{base}/orders"))
        .json(&body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn an_order_placed_and_shipped_reaches_the_stream_typed() {
    let (base, _herald) = open().await;
    let mut stream = stream(&base).await;
    // Cakes start at 8: taking 4 leaves fewer than 5.
    let placed = order(
        &base,
        json!({"customer": "Ada", "items": [["tea", 2], ["cake", 4]]}),
    )
    .await;
    assert_eq!(placed.status(), StatusCode::CREATED);
    let placed: Placed = placed.json().await.unwrap();

    let (name, created) = next(&mut stream).await;
    assert_eq!(name, "order_created");
    let ShopEvent::OrderCreated(order) = created else {
        panic!("{created:?}");
    };
    assert_eq!((order.id, order.customer.as_str()), (placed.id, "Ada"));
    assert_eq!(order.total_cents(), 2 * 450 + 4 * 300);
    let (name, low) = next(&mut stream).await;
    assert_eq!(name, "stock_low");
    assert_eq!(
        low,
        ShopEvent::StockLow {
            sku: "cake".to_owned(),
            left: 4
        }
    );

    let shipped = reqwest::Client::new()
        .post(format!("{base}/orders/{}/ship", placed.id))
        .send()
        .await
        .unwrap();
    assert_eq!(shipped.status(), StatusCode::ACCEPTED);
    let (name, shipped) = next(&mut stream).await;
    assert_eq!(name, "order_shipped");
    assert!(matches!(shipped, ShopEvent::OrderShipped { id, .. } if id == placed.id));
}

#[tokio::test]
async fn another_service_publishes_the_same_type_over_http() {
    let (base, _herald) = open().await;
    let mut stream = stream(&base).await;
    let client = reqwest::Client::new();
    let url = format!("{base}{EVENTS_BASE}/topics/shop/stock");
    let low = json!({"type": "stock_low", "sku": "mug", "left": 1});
    let response = client.post(&url).json(&low).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    assert_eq!(
        next(&mut stream).await.1,
        ShopEvent::StockLow {
            sku: "mug".to_owned(),
            left: 1
        }
    );

    let wrong = json!({"type": "stock_low", "sku": "mug", "left": "one"});
    let refused = client.post(&url).json(&wrong).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(body["field"], "left");
}

#[tokio::test]
async fn an_order_outside_the_rules_is_refused_and_takes_nothing() {
    let (base, herald) = open().await;
    let mut deliveries = herald
        .subscribe([herald_wire::TopicPattern::parse("shop/*").unwrap()], None)
        .unwrap();
    let eleven: Vec<_> = (0..11).map(|_| json!(["tea", 1])).collect();
    let refused = [
        json!({"customer": "Ada", "items": [["gold", 1]]}),
        json!({"customer": "Ada", "items": [["tea", 0]]}),
        json!({"customer": "Ada", "items": [["tea", 21]]}),
        json!({"customer": "Ada", "items": []}),
        json!({"customer": "Ada", "items": eleven}),
        json!({"customer": " ", "items": [["tea", 1]]}),
        json!({"customer": "x".repeat(65), "items": [["tea", 1]]}),
        // More mugs than there are, over two lines.
        json!({"customer": "Ada", "items": [["mug", 10], ["mug", 10]]}),
    ];
    for body in refused {
        let response = order(&base, body.clone()).await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}"
        );
    }
    let malformed = reqwest::Client::new()
        .post(format!("{base}/orders"))
        .header("content-type", "application/json")
        .body("{")
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status(), StatusCode::BAD_REQUEST);
    assert!(deliveries.try_next().is_none(), "nothing was published");
    // The stock is whole: every mug can still be sold.
    let mugs = CATALOG.iter().find(|(sku, ..)| *sku == "mug").unwrap().2;
    let all = order(&base, json!({"customer": "Ada", "items": [["mug", mugs]]})).await;
    assert_eq!(all.status(), StatusCode::CREATED);
}

/// The shop's hub documents the shop's own events: a client generated from
/// its OpenAPI document publishes and reads `ShopEvent`s, not Herald's.
#[tokio::test]
async fn the_hubs_openapi_document_names_the_shops_events_at_its_paths() {
    let (base, _herald) = open().await;
    let document: serde_json::Value = reqwest::get(format!("{base}{EVENTS_BASE}/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let paths = document["paths"].as_object().unwrap();
    for path in [
        "/events/events",
        "/events/history",
        "/events/topics/{topic}",
    ] {
        assert!(paths.contains_key(path), "{path} in {:?}", paths.keys());
    }
    assert!(
        !paths.contains_key("/healthz"),
        "the shop serves its own health"
    );
    let schemas = document["components"]["schemas"].as_object().unwrap();
    let kinds: Vec<&str> = schemas["ShopEvent"]["oneOf"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|variant| variant["properties"]["type"]["const"].as_str())
        .collect();
    assert_eq!(kinds, ["order_created", "order_shipped", "stock_low"]);
    assert!(
        !schemas.contains_key("Payload"),
        "Herald's own kinds are not the shop's"
    );
    let events: serde_json::Value = reqwest::get(format!("{base}{EVENTS_BASE}/schema/events.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(events["$defs"]["ShopEvent"].is_object());
}
