//! The shop's events, defined once: its backend publishes them, Herald
//! carries them under their own names, and its page renders each kind its
//! own way. This is the whole contract between the two sides.

use herald_wire::Event;
use serde::{Deserialize, Serialize};

/// The topic every shop event goes to; the page follows `shop/*`.
pub const ORDERS_TOPIC: &str = "shop/orders";

/// The topic of stock warnings.
pub const STOCK_TOPIC: &str = "shop/stock";

/// Where the backend nests Herald's routes, and the page reads them.
pub const EVENTS_BASE: &str = "/events";

/// Something that happened in the shop. Each variant is a kind, named as
/// serde names it: `order_created`, `order_shipped`, `stock_low`.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Event)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ShopEvent {
    /// A customer placed an order.
    OrderCreated(Order),
    /// An order left the warehouse.
    OrderShipped {
        /// The order's number.
        id: u64,
        /// The carrier's tracking code.
        tracking: String,
    },
    /// An item runs short.
    StockLow {
        /// The item.
        sku: String,
        /// How many are left.
        left: u32,
    },
}

/// An order as placed.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Order {
    /// The order's number, from 1.
    pub id: u64,
    /// Who placed it.
    pub customer: String,
    /// What it holds.
    pub lines: Vec<Line>,
}

/// One line of an order.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Line {
    /// The item.
    pub sku: String,
    /// How many.
    pub quantity: u32,
    /// The price of one, in cents.
    pub cents: u64,
}

impl Order {
    /// The order's total in cents, saturating (a page never overflows on a
    /// hostile order).
    pub fn total_cents(&self) -> u64 {
        self.lines.iter().fold(0, |total: u64, line| {
            total.saturating_add(line.cents.saturating_mul(u64::from(line.quantity)))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_is_named_as_the_page_listens_for_it() {
        let names: Vec<&str> = ShopEvent::kinds()
            .iter()
            .map(|kind| kind.as_str())
            .collect();
        assert_eq!(names, ["order_created", "order_shipped", "stock_low"]);
        let shipped = ShopEvent::OrderShipped {
            id: 1,
            tracking: "ZX1".to_owned(),
        };
        let json = serde_json::to_string(&shipped).unwrap();
        assert_eq!(json, r#"{"type":"order_shipped","id":1,"tracking":"ZX1"}"#);
    }

    #[test]
    fn a_total_never_overflows() {
        let order = Order {
            id: 1,
            customer: "a".to_owned(),
            lines: vec![Line {
                sku: "x".to_owned(),
                quantity: u32::MAX,
                cents: u64::MAX,
            }],
        };
        assert_eq!(order.total_cents(), u64::MAX);
    }
}
