//! The board the page shows: orders with their shipping, stock warnings,
//! and what arrived that this build does not know. Plain Rust, a reducer
//! over [`Delivery`], tested without a browser.

use std::collections::BTreeMap;
use std::rc::Rc;

use herald_wire::Delivery;
use herald_yew::DecodeError;
use shop_shared::{Order, ShopEvent};
use yew::Reducible;

/// An order as the board shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Placed {
    /// The order.
    pub order: Order,
    /// Its tracking code, once shipped.
    pub tracking: Option<String>,
}

/// Everything the page shows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Board {
    /// Orders by number.
    pub orders: BTreeMap<u64, Placed>,
    /// The newest count of each item that ran low.
    pub low: BTreeMap<String, u32>,
    /// Events of kinds this page does not know, or that it could not
    /// read: counted, never a failure.
    pub unknown: usize,
    /// Gaps the hub reported.
    pub gaps: usize,
}

impl Board {
    /// The board after `delivery`.
    pub fn apply(&mut self, delivery: Delivery<ShopEvent>) {
        let envelope = match delivery {
            Delivery::Event(envelope) => envelope,
            Delivery::Unknown(_) => {
                self.unknown = self.unknown.saturating_add(1);
                return;
            }
            Delivery::Gap(_) => {
                self.gaps = self.gaps.saturating_add(1);
                return;
            }
        };
        match envelope.event {
            ShopEvent::OrderCreated(order) => {
                self.orders.insert(
                    order.id,
                    Placed {
                        order,
                        tracking: None,
                    },
                );
            }
            ShopEvent::OrderShipped { id, tracking } => {
                if let Some(placed) = self.orders.get_mut(&id) {
                    placed.tracking = Some(tracking);
                }
            }
            ShopEvent::StockLow { sku, left } => {
                self.low.insert(sku, left);
            }
        }
    }
}

/// What the stream delivered: each message, or why it could not be read
/// (counted with the unknown).
impl Reducible for Board {
    type Action = Vec<Result<Delivery<ShopEvent>, DecodeError>>;

    fn reduce(self: Rc<Self>, deliveries: Self::Action) -> Rc<Self> {
        let mut board = (*self).clone();
        for delivery in deliveries {
            match delivery {
                Ok(delivery) => board.apply(delivery),
                Err(_) => board.unknown = board.unknown.saturating_add(1),
            }
        }
        Rc::new(board)
    }
}

/// Cents as dollars: `1234` is `$12.34`.
pub fn dollars(cents: u64) -> String {
    format!("${}.{:02}", cents / 100, cents % 100)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "a test fails loudly")]

    use herald_wire::{Envelope, EventId, Topic};
    use shop_shared::Line;

    use super::*;

    fn event(event: ShopEvent) -> Delivery<ShopEvent> {
        Delivery::Event(Envelope {
            id: EventId::new(1, 1),
            topic: Topic::parse("shop/orders").unwrap(),
            time_us: 0,
            event,
        })
    }

    #[test]
    fn an_order_is_shown_then_shipped_and_a_warning_kept() {
        let mut board = Board::default();
        let order = Order {
            id: 3,
            customer: "Ada".to_owned(),
            lines: vec![Line {
                sku: "tea".to_owned(),
                quantity: 2,
                cents: 450,
            }],
        };
        board.apply(event(ShopEvent::OrderCreated(order.clone())));
        board.apply(event(ShopEvent::OrderShipped {
            id: 3,
            tracking: "HX3".to_owned(),
        }));
        board.apply(event(ShopEvent::StockLow {
            sku: "tea".to_owned(),
            left: 2,
        }));
        assert_eq!(board.orders[&3].tracking.as_deref(), Some("HX3"));
        assert_eq!(board.low["tea"], 2);
        assert_eq!(dollars(order.total_cents()), "$9.00");
    }
}
