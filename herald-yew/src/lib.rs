//! A yew hook that follows a Herald hub's Server-Sent Events stream, typed
//! by an app's own event type.
//!
//! An app describes its events as one enum tagged by `type`, derives
//! [`herald_wire::Event`] for it, and calls [`use_event_stream`] with it: the
//! hook opens one `EventSource` for the page, listens for exactly the
//! enum's kinds (and the hub's `gap`), and hands the page each message as a
//! [`herald_wire::Delivery`] of that enum. It first loads the recent history when
//! the source names one, then resumes the stream after it; when the browser
//! gives up on the stream it checks whether the hub refused the reader
//! (401 or 403, which stops it) and otherwise retries with a jittered
//! [`Backoff`], resuming after the last event seen.
//!
//! A hub carries any kind, and a newer publisher may send a kind's fields
//! in a shape the page's enum cannot read: such an event arrives as
//! [`herald_wire::Delivery::Unknown`], with its id, topic and JSON, and the
//! stream goes on. Only a message that is not a Herald envelope at all is a
//! [`DecodeError`].
//!
//! ```no_run
//! use herald_yew::{StreamMessage, StreamOptions, StreamSource, use_event_stream};
//! use serde::{Deserialize, Serialize};
//! use herald_wire::Delivery;
//! use yew::prelude::*;
//!
//! #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, herald_wire::Event)]
//! #[serde(tag = "type", rename_all = "snake_case")]
//! enum ShopEvent {
//!     OrderCreated { order: u64 },
//!     OrderShipped { order: u64 },
//! }
//!
//! #[component]
//! fn Orders() -> Html {
//!     let shipped = use_state(Vec::<u64>::new);
//!     let on_message = {
//!         let shipped = shipped.clone();
//!         Callback::from(move |message: StreamMessage<ShopEvent>| {
//!             let batch = match message {
//!                 StreamMessage::History(batch) => batch,
//!                 StreamMessage::Live(incoming) => vec![incoming],
//!             };
//!             let mut orders = (*shipped).clone();
//!             for incoming in batch {
//!                 match incoming.message {
//!                     Ok(Delivery::Event(envelope)) => {
//!                         if let ShopEvent::OrderShipped { order } = envelope.event {
//!                             orders.push(order);
//!                         }
//!                     }
//!                     // A kind's newer shape, kept as JSON (`unknown.json`).
//!                     Ok(Delivery::Unknown(_unknown)) => {}
//!                     // Events the hub no longer had: a page may reload here.
//!                     Ok(Delivery::Gap(_gap)) => {}
//!                     // Not a Herald message at all; `error` says why.
//!                     Err(_error) => {}
//!                 }
//!             }
//!             shipped.set(orders);
//!         })
//!     };
//!     let source = StreamSource {
//!         url: "/api/events?topic=shop/orders".into(),
//!         history: Some("/api/history?topic=shop/orders".into()),
//!         token: None,
//!     };
//!     let status = use_event_stream::<ShopEvent>(Some(source), StreamOptions::default(), on_message);
//!     html! {
//!         <p data-state={status.state.name()}>{ format!("{} shipped", shipped.len()) }</p>
//!     }
//! }
//! ```
//!
//! Build the URLs with [`herald_wire::protocol`] (`stream_path`, `history_path`)
//! rather than by hand, as the example does for brevity:
//!
//! ```
//! use herald_wire::TopicPattern;
//! use herald_wire::protocol::{history_path, stream_path};
//! use herald_yew::{Backoff, StreamOptions, StreamSource};
//!
//! let shop = [TopicPattern::parse("shop/*")?];
//! let source = StreamSource {
//!     url: stream_path(&shop, None).into(),
//!     history: Some(history_path(&shop, 100).into()),
//!     token: None,
//! };
//! assert_eq!(source.url, "/api/events?topic=shop/*");
//! assert_eq!(source.history.as_deref(), Some("/api/history?topic=shop/*&limit=100"));
//!
//! // A page that should give up rather than retry for ever.
//! let options = StreamOptions { max_attempts: Some(10), ..StreamOptions::default() };
//! assert_eq!(options.backoff, Backoff::DEFAULT);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Layout, in the order a message travels:
//! - [`use_event_stream`](fn@use_event_stream): the `EventSource`, its
//!   listeners, the history load and the retries, carrying out the
//!   `connection` state machine (plain Rust) and its [`Backoff`].
//! - `decode`: an SSE message, or a history event, to an [`Incoming`]
//!   delivery, stamped with the page's clock ([`now_us`]).
//! - `backlog`: a history reply turned into the first batch and the id
//!   the stream resumes after.
//! - [`http`]: the requests the hook makes with `fetch` (the history, the
//!   check of a refused stream), and the request helpers an app's own calls
//!   to the hub can share, with the reader's [`Token`].

#![warn(missing_docs)]

mod backlog;
mod backoff;
mod connection;
mod decode;
pub mod http;
mod time;
mod token;
mod use_event_stream;

pub use backoff::Backoff;
pub use connection::{ConnectionState, StopReason, StreamOptions};
pub use decode::{DecodeError, Incoming};
pub use time::now_us;
pub use token::{Token, TokenError};
pub use use_event_stream::{StreamMessage, StreamSource, StreamStatus, use_event_stream};
