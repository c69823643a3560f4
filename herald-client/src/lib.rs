//! A Rust client of a Herald hub, typed by an app's own event type: for a
//! service that publishes events, or one that consumes them.
//!
//! ```no_run
//! # async fn example() -> Result<(), herald_client::ClientError> {
//! use futures_util::StreamExt;
//! use herald_client::Client;
//! use serde::{Deserialize, Serialize};
//! use herald_wire::{Delivery, Event, Topic, TopicPattern};
//!
//! #[derive(Debug, Serialize, Deserialize, Event)]
//! #[serde(tag = "type", rename_all = "snake_case")]
//! enum ShopEvent {
//!     OrderShipped { id: u64 },
//! }
//!
//! let hub = Client::new("http://127.0.0.1:3000/api")?.token("eyJ...");
//! let orders = Topic::parse("shop/orders").expect("a topic name");
//! let published = hub.publish(&orders, &ShopEvent::OrderShipped { id: 7 }).await?;
//!
//! let mut deliveries = hub.subscribe::<ShopEvent>([TopicPattern::parse("shop/*").expect("a pattern")], None);
//! while let Some(delivery) = deliveries.next().await {
//!     match delivery? {
//!         Delivery::Event(envelope) => println!("{:?}", envelope.event),
//!         Delivery::Unknown(other) => println!("a kind this build does not know: {}", other.kind),
//!         Delivery::Gap(gap) => println!("missed {} to {}", gap.after, gap.through),
//!     }
//! }
//! # Ok(())
//! # }
//! ```
//!
//! Setting a client up needs no hub: an address that is not one is refused
//! at once, and the retry policy is plain data.
//!
//! ```
//! use std::time::Duration;
//!
//! use herald_client::{Client, ClientError, Retry};
//!
//! let hub = Client::new("http://127.0.0.1:3000/api")?
//!     .token("eyJ...")
//!     .retry(Retry { attempts: 3, ..Retry::default() });
//! // Clones share one connection pool: one per task is fine.
//! let _for_another_task = hub.clone();
//!
//! assert!(matches!(
//!     Client::new("127.0.0.1:3000/api"),
//!     Err(ClientError::InvalidUrl { .. })
//! ));
//! assert_eq!(Retry::default().ceiling(0), Duration::from_millis(200));
//! # Ok::<(), ClientError>(())
//! ```
//!
//! - [`Client::publish`] and [`Client::publish_batch`] send one
//!   `Idempotency-Key` per call and retry, with backoff and jitter, what a
//!   retry can fix (no connection, a timeout, 408, 409, 429, 502 to 504,
//!   after `Retry-After` when the hub says), so a publish whose reply was
//!   lost is stored once.
//! - [`Client::subscribe`] follows topics and patterns as a
//!   [`Stream`](futures_util::Stream) of [`Delivery`](herald_wire::Delivery)
//!   items, reconnecting by itself with `Last-Event-ID`, so it misses
//!   nothing the hub still holds and is told, by a gap, what it no longer
//!   does.
//!
//! Layout: [`client`] (the hub's address, token and retry policy),
//! [`publish`] (publishing with retries), [`subscription`] (the stream and
//! its reconnects), [`retry`] (the backoff), [`error`].

#![warn(missing_docs)]

pub mod client;
pub mod error;
pub mod publish;
pub mod retry;
pub mod subscription;

pub use client::Client;
pub use error::ClientError;
pub use retry::Retry;
pub use subscription::Subscription;
