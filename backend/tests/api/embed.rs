//! Herald embedded in an app's own axum server, typed by the app's own
//! event type: the app's routes and Herald's side by side, typed publishes
//! in process and over HTTP, bodies that are not the app's type refused
//! with the path at fault, and typed subscriptions in process.

use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode as AxumStatus;
use axum::routing::post;
use herald_dashboard_events::{Payload, kinds};
use herald_hub::{BuildError, Herald};
use herald_wire::TopicPattern;
use herald_wire::protocol::{CLIENT_PATH, Query, TOPICS_PATH};
use herald_wire::{Delivery, Envelope, ErrorCode, Event, EventList, Published, Topic};
use reqwest::StatusCode;
use serde::{Deserialize, Serialize};
use testkit::{PATIENCE, Stream, error_body};
use tokio_util::sync::CancellationToken;

/// The app's own event type, as it lives in the app's shared crate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Event)]
#[serde(tag = "type", rename_all = "snake_case")]
enum ShopEvent {
    OrderCreated(Order),
    OrderShipped { id: u64 },
    StockLow { sku: String, left: u32 },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Order {
    id: u64,
    lines: Vec<Line>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Line {
    sku: String,
    quantity: u32,
}

/// Where the app nests Herald's routes.
const EVENTS: &str = "/events";

/// The app: one route of its own, which publishes as it works, and
/// Herald's routes below [`EVENTS`].
struct Shop {
    herald: Herald<ShopEvent>,
    base: String,
    client: reqwest::Client,
    stop: CancellationToken,
}

/// The app's own route: ships order 1 and tells every page.
async fn ship(State(herald): State<Herald<ShopEvent>>) -> AxumStatus {
    let orders = Topic::parse("shop/orders").unwrap();
    match herald
        .publish(&orders, &ShopEvent::OrderShipped { id: 1 })
        .await
    {
        Ok(_) => AxumStatus::NO_CONTENT,
        Err(_) => AxumStatus::SERVICE_UNAVAILABLE,
    }
}

impl Shop {
    async fn start(builder: herald_hub::Builder<ShopEvent>) -> Self {
        let herald = builder.build().await.unwrap();
        let app = Router::new()
            .route("/ship", post(ship))
            .with_state(herald.clone())
            .nest(EVENTS, herald.router());
        let stop = herald.shutdown();
        let base = testkit::serve_router(app, stop.clone()).await;
        Self {
            herald,
            base,
            client: reqwest::Client::new(),
            stop,
        }
    }

    /// `path` below Herald's routes, as the protocol names it below `/api`.
    fn url(&self, api_path: &str) -> String {
        let below = api_path.strip_prefix("/api").unwrap();
        format!("{}{EVENTS}{below}", self.base)
    }

    async fn open_stream(&self, topics: &[&str]) -> reqwest::Response {
        let query = Query::new().topics(topics);
        self.client
            .get(self.url(&query.url(herald_wire::protocol::EVENTS_PATH)))
            .header("accept", "text/event-stream")
            .send()
            .await
            .unwrap()
    }

    /// The history of `topics`, read as `T`.
    async fn history<T: serde::de::DeserializeOwned>(&self, topics: &[&str]) -> T {
        let query = Query::new().topics(topics);
        self.client
            .get(self.url(&query.url(herald_wire::protocol::HISTORY_PATH)))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    async fn publish(&self, topic: &str, body: &str) -> reqwest::Response {
        self.client
            .post(self.url(&format!("{TOPICS_PATH}/{topic}")))
            .header("content-type", "application/json")
            .body(body.to_owned())
            .send()
            .await
            .unwrap()
    }
}

impl Drop for Shop {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

/// The next event on `stream`, as a page of the app reads it: by its SSE
/// name, decoded as the app's own type.
async fn next_order(stream: &mut Stream) -> (String, Envelope<ShopEvent>) {
    let raw = stream.next_raw().await.unwrap();
    let envelope = serde_json::from_str(&raw.data).unwrap();
    (raw.event, envelope)
}

fn order(id: u64) -> ShopEvent {
    ShopEvent::OrderCreated(Order {
        id,
        lines: vec![Line {
            sku: "a-1".to_owned(),
            quantity: 2,
        }],
    })
}

#[tokio::test]
async fn an_apps_own_events_reach_its_page_under_their_own_names() {
    let shop = Shop::start(Herald::builder().history(16)).await;
    let mut stream = Stream::of(shop.open_stream(&["shop/orders"]).await);
    stream.read_position().await;

    // Over HTTP, as another service publishes.
    let body = serde_json::to_string(&order(7)).unwrap();
    let response = shop.publish("shop/orders", &body).await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let published: Published = response.json().await.unwrap();
    // From the app's own route, in process.
    let shipped = shop.client.post(format!("{}/ship", shop.base)).send().await;
    assert_eq!(shipped.unwrap().status(), StatusCode::NO_CONTENT);

    let (name, created) = next_order(&mut stream).await;
    assert_eq!((name.as_str(), created.id), ("order_created", published.id));
    assert_eq!(created.event, order(7));
    let (name, shipped) = next_order(&mut stream).await;
    assert_eq!(name, "order_shipped");
    assert_eq!(shipped.event, ShopEvent::OrderShipped { id: 1 });

    // History reads the same typed events.
    let history: EventList<ShopEvent> = shop.history(&["shop/orders"]).await;
    assert_eq!(history.events, [created, shipped]);
}

#[tokio::test]
async fn a_body_that_is_not_the_apps_type_is_refused_at_its_path_and_publishes_nothing() {
    let shop = Shop::start(Herald::builder()).await;
    let mut deliveries = shop
        .herald
        .subscribe([TopicPattern::parse("shop/*").unwrap()], None)
        .unwrap();
    let cases = [
        (
            r#"{"type":"order_created","id":1,"lines":[{"sku":"a","quantity":-1}]}"#,
            "lines[0].quantity",
        ),
        (r#"{"type":"order_created","lines":[]}"#, "id"),
        (r#"{"type":"order_shipped","id":"seven"}"#, "id"),
        (r#"{"type":"stock_low","sku":"a"}"#, "left"),
        // A kind the binary would carry, but not one of the app's.
        (r#"{"type":"chat","author":"a","text":"b"}"#, "type"),
        (r#"{"id":1}"#, "type"),
    ];
    for (body, path) in cases {
        let refused = error_body(
            shop.publish("shop/orders", body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(refused.code, ErrorCode::InvalidEvent, "{body}");
        assert_eq!(refused.field.as_deref(), Some(path), "{body}: {refused:?}");
    }
    let refused = error_body(
        shop.publish("shop/orders", r#"{"type":"chat""#).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(refused.code, ErrorCode::MalformedJson);
    assert!(deliveries.try_next().is_none(), "nothing was published");
}

#[tokio::test]
async fn an_in_process_subscriber_reads_the_apps_type_and_is_told_of_what_it_cannot_read() {
    let shop = Shop::start(Herald::builder()).await;
    let orders = Topic::parse("shop/orders").unwrap();
    let first = shop.herald.publish(&orders, &order(1)).await.unwrap();
    let mut deliveries = shop
        .herald
        .subscribe([TopicPattern::parse("shop/*").unwrap()], Some(first))
        .unwrap();

    let body = serde_json::to_string(&ShopEvent::StockLow {
        sku: "a-1".to_owned(),
        left: 3,
    })
    .unwrap();
    let published: Published = shop
        .publish("shop/stock", &body)
        .await
        .json()
        .await
        .unwrap();
    // Another program publishes a kind the app does not have, in process.
    let chat = testkit::chat("hello");
    let foreign = shop
        .herald
        .broker()
        .publish(orders.clone(), &chat)
        .await
        .unwrap();

    let next = tokio::time::timeout(PATIENCE, deliveries.next())
        .await
        .unwrap();
    let Delivery::Event(stock) = next else {
        panic!("expected the app's event, got {next:?}");
    };
    assert_eq!(stock.id, published.id);
    assert!(matches!(stock.event, ShopEvent::StockLow { left: 3, .. }));
    let next = tokio::time::timeout(PATIENCE, deliveries.next())
        .await
        .unwrap();
    let Delivery::Unknown(unknown) = next else {
        panic!("expected an unknown kind, got {next:?}");
    };
    assert_eq!((unknown.id, &unknown.kind), (foreign, &kinds::CHAT));
    let envelope: Envelope<Payload> = serde_json::from_str(&unknown.json).unwrap();
    assert_eq!(envelope.event, chat);
    assert_eq!(deliveries.position(), Some(foreign));

    // A position of another run: a gap first, then what is new.
    let other_run = herald_wire::EventId::new(1, 5);
    let mut resumed = shop
        .herald
        .subscribe([TopicPattern::parse("shop/*").unwrap()], Some(other_run))
        .unwrap();
    let next = tokio::time::timeout(PATIENCE, futures_util::StreamExt::next(&mut resumed))
        .await
        .unwrap();
    assert!(matches!(next, Some(Delivery::Gap(_))), "{next:?}");
}

#[tokio::test]
async fn below_the_nest_every_other_path_and_method_is_a_json_refusal() {
    let shop = Shop::start(Herald::builder()).await;
    let missing = shop
        .client
        .get(format!("{}{EVENTS}/nope", shop.base))
        .send();
    let refused = error_body(missing.await.unwrap(), StatusCode::NOT_FOUND).await;
    assert_eq!(refused.code, ErrorCode::NotFound);
    let wrong = shop.client.delete(shop.url(TOPICS_PATH)).send();
    let refused = error_body(wrong.await.unwrap(), StatusCode::METHOD_NOT_ALLOWED).await;
    assert_eq!(refused.code, ErrorCode::MethodNotAllowed);
    // The app's own paths are the app's.
    let own = shop.client.get(format!("{}/ship", shop.base)).send();
    assert_eq!(own.await.unwrap().status(), StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn the_browser_client_is_served_beside_the_nested_routes() {
    let shop = Shop::start(Herald::builder()).await;
    let response = shop.client.get(shop.url(CLIENT_PATH)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response.headers()[reqwest::header::CONTENT_TYPE].clone();
    assert_eq!(content_type, "text/javascript; charset=utf-8");
    let script = response.text().await.unwrap();
    assert!(script.contains("export function subscribe("), "{script}");
}

#[tokio::test]
async fn one_address_holds_no_more_streams_than_the_builder_allows() {
    // Loopback is a proxy by default (a dev server in front); here it is
    // the client.
    let proxy = std::net::IpAddr::from([192, 0, 2, 1]);
    let builder = Herald::builder().max_streams_per_ip(2).proxy_ips([proxy]);
    let shop = Shop::start(builder).await;
    let held = [
        shop.open_stream(&["shop/orders"]).await,
        shop.open_stream(&["shop/orders"]).await,
    ];
    for response in &held {
        assert_eq!(response.status(), StatusCode::OK);
    }
    let refused = error_body(
        shop.open_stream(&["shop/orders"]).await,
        StatusCode::TOO_MANY_REQUESTS,
    )
    .await;
    assert_eq!(refused.code, ErrorCode::TooManyStreams);
    drop(held);
}

#[tokio::test]
async fn an_option_out_of_range_is_refused_naming_its_flag() {
    let refused = Herald::<ShopEvent>::builder().history(0).build().await;
    let Err(BuildError::Option(message)) = refused else {
        panic!("a history of 0 was accepted");
    };
    assert!(message.contains("--history"), "{message}");
    let refused = Herald::<ShopEvent>::builder()
        .jwt_secret("short")
        .build()
        .await;
    assert!(matches!(refused, Err(BuildError::Option(_))));
}

#[tokio::test]
async fn closing_the_hub_ends_its_streams() {
    let shop = Shop::start(Herald::builder().keepalive(Duration::from_secs(60))).await;
    let mut stream = Stream::of(shop.open_stream(&["shop/orders"]).await);
    stream.read_position().await;
    shop.herald.close().await;
    assert!(stream.next_raw().await.is_none(), "the stream ended");
}

/// A newer publisher's field that the hub's type lacks is not stored: the
/// hub keeps each event as its own type writes it, so a type's new fields
/// reach pages only once the hub has the new type (docs/schema-evolution.md).
#[tokio::test]
async fn a_field_the_hubs_type_lacks_is_not_stored() {
    let shop = Shop::start(Herald::builder()).await;
    let newer = r#"{"type":"order_shipped","id":4,"carrier":"post"}"#;
    let response = shop.publish("shop/orders", newer).await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);

    let history: serde_json::Value = shop.history(&["shop/orders"]).await;
    assert_eq!(
        history["events"][0]["event"],
        serde_json::json!({"type": "order_shipped", "id": 4}),
        "{history}"
    );
}
