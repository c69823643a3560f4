//! The example shop's server: an axum app with routes of its own (placing
//! and shipping orders) and a Herald hub of its own event type,
//! [`ShopEvent`], nested at [`EVENTS_BASE`]. Every action publishes the
//! event the page renders; another service may publish the same events over
//! HTTP, checked against the same type.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, Path as UrlPath, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use herald_hub::Herald;
use herald_wire::Topic;
use serde::{Deserialize, Serialize};
use shop_shared::{EVENTS_BASE, Line, ORDERS_TOPIC, Order, STOCK_TOPIC, ShopEvent};
use tower_http::services::{ServeDir, ServeFile};

/// What the shop sells, and how many of each it starts with: the only
/// items an order may name, so a client cannot grow the stock table.
pub const CATALOG: [(&str, u64, u32); 3] = [("tea", 450, 40), ("mug", 1200, 12), ("cake", 300, 8)];

/// Below this many, an item's sale also publishes a [`ShopEvent::StockLow`].
pub const LOW_STOCK: u32 = 5;

/// Most lines an order may hold, and most of one item per line.
const MAX_LINES: usize = 10;
const MAX_QUANTITY: u32 = 20;
/// Longest customer name, in characters.
const MAX_CUSTOMER: usize = 64;

/// The shop's state: its hub, the next order number and the stock.
#[derive(Clone)]
pub struct Shop {
    herald: Herald<ShopEvent>,
    next_order: Arc<AtomicU64>,
    stock: Arc<Mutex<BTreeMap<&'static str, u32>>>,
}

/// What an order took from the stock: its lines, and the items that ran
/// low with how many are left.
struct Taken {
    lines: Vec<Line>,
    low: Vec<(String, u32)>,
}

/// An order as a customer places it: what to buy, by catalog name.
#[derive(Debug, Deserialize)]
pub struct NewOrder {
    /// Who orders.
    pub customer: String,
    /// Item and quantity, each item of [`CATALOG`].
    pub items: Vec<(String, u32)>,
}

/// The reply to a placed order.
#[derive(Debug, Serialize, Deserialize)]
pub struct Placed {
    /// The order's number.
    pub id: u64,
}

/// Why the shop refused a request.
#[derive(Debug, thiserror::Error)]
pub enum ShopError {
    /// The body is not a [`NewOrder`].
    #[error("{0}")]
    Body(#[from] JsonRejection),
    /// The order breaks a rule of the shop.
    #[error("{0}")]
    Order(String),
    /// The hub did not store the event.
    #[error("the event was not published: {0}")]
    Publish(#[from] herald_hub::broker::BrokerError),
}

impl IntoResponse for ShopError {
    fn into_response(self) -> Response {
        let status = match &self {
            Self::Body(rejection) => rejection.status(),
            Self::Order(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Publish(_) => StatusCode::SERVICE_UNAVAILABLE,
        };
        (
            status,
            Json(serde_json::json!({ "message": self.to_string() })),
        )
            .into_response()
    }
}

impl Shop {
    /// A shop with a full stock, publishing through `herald`.
    pub fn new(herald: Herald<ShopEvent>) -> Self {
        let stock = CATALOG
            .iter()
            .map(|(sku, _, count)| (*sku, *count))
            .collect();
        Self {
            herald,
            next_order: Arc::new(AtomicU64::new(1)),
            stock: Arc::new(Mutex::new(stock)),
        }
    }

    /// The shop's routes, Herald's below [`EVENTS_BASE`] with their OpenAPI
    /// document (`/events/openapi.json`, [`ShopEvent`] its event), and the page from
    /// `page` (its `index.html` for every other path) when given.
    pub fn router(self, page: Option<&Path>) -> Router {
        let router = Router::new()
            .route("/orders", post(place))
            .route("/orders/{id}/ship", post(ship))
            .layer(DefaultBodyLimit::max(16 * 1024))
            .with_state(self.clone())
            .nest(
                EVENTS_BASE,
                self.herald
                    .router()
                    .merge(self.herald.contract(EVENTS_BASE)),
            );
        match page {
            Some(dir) => router.fallback_service(
                ServeDir::new(dir).fallback(ServeFile::new(dir.join("index.html"))),
            ),
            None => router,
        }
    }

    async fn publish(&self, topic: &str, event: ShopEvent) -> Result<(), ShopError> {
        let topic = Topic::parse(topic).map_err(|error| ShopError::Order(error.to_string()))?;
        self.herald.publish(&topic, &event).await?;
        Ok(())
    }

    /// The order's lines, with the stock taken, and the items that ran
    /// low; nothing is taken when any line is refused.
    fn take(&self, items: &[(String, u32)]) -> Result<Taken, ShopError> {
        if items.is_empty() || items.len() > MAX_LINES {
            return Err(ShopError::Order(format!(
                "an order holds 1 to {MAX_LINES} lines"
            )));
        }
        let mut stock = self.stock.lock().unwrap_or_else(PoisonError::into_inner);
        let mut wanted = BTreeMap::new();
        let mut lines = Vec::with_capacity(items.len());
        for (sku, quantity) in items {
            let Some((name, cents, _)) = CATALOG.iter().find(|(name, _, _)| name == sku) else {
                return Err(ShopError::Order(format!("the shop sells no {sku:?}")));
            };
            if !(1..=MAX_QUANTITY).contains(quantity) {
                return Err(ShopError::Order(format!(
                    "a line holds 1 to {MAX_QUANTITY} of an item"
                )));
            }
            let total: &mut u32 = wanted.entry(*name).or_default();
            *total = total.saturating_add(*quantity);
            lines.push(Line {
                sku: (*name).to_owned(),
                quantity: *quantity,
                cents: *cents,
            });
        }
        for (name, quantity) in &wanted {
            let left = stock.get(name).copied().unwrap_or_default();
            if left < *quantity {
                return Err(ShopError::Order(format!("only {left} {name} left")));
            }
        }
        let mut low = Vec::new();
        for (name, quantity) in wanted {
            if let Some(left) = stock.get_mut(name) {
                *left -= quantity;
                if *left < LOW_STOCK {
                    low.push((name.to_owned(), *left));
                }
            }
        }
        Ok(Taken { lines, low })
    }
}

/// `POST /orders`: places an order and tells every page.
async fn place(
    State(shop): State<Shop>,
    order: Result<Json<NewOrder>, JsonRejection>,
) -> Result<(StatusCode, Json<Placed>), ShopError> {
    let Json(order) = order?;
    let customer = order.customer.trim();
    if customer.is_empty() || customer.chars().count() > MAX_CUSTOMER {
        return Err(ShopError::Order(format!(
            "a customer's name is 1 to {MAX_CUSTOMER} characters"
        )));
    }
    let Taken { lines, low } = shop.take(&order.items)?;
    let id = shop.next_order.fetch_add(1, Ordering::Relaxed);
    let created = ShopEvent::OrderCreated(Order {
        id,
        customer: customer.to_owned(),
        lines,
    });
    shop.publish(ORDERS_TOPIC, created).await?;
    for (sku, left) in low {
        shop.publish(STOCK_TOPIC, ShopEvent::StockLow { sku, left })
            .await?;
    }
    Ok((StatusCode::CREATED, Json(Placed { id })))
}

/// `POST /orders/{id}/ship`: ships an order placed here.
async fn ship(
    State(shop): State<Shop>,
    UrlPath(id): UrlPath<u64>,
) -> Result<StatusCode, ShopError> {
    if id == 0 || id >= shop.next_order.load(Ordering::Relaxed) {
        return Err(ShopError::Order(format!("there is no order {id}")));
    }
    let tracking = format!("HX{id:06}");
    shop.publish(ORDERS_TOPIC, ShopEvent::OrderShipped { id, tracking })
        .await?;
    Ok(StatusCode::ACCEPTED)
}
