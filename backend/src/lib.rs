//! Herald's hub as a library: an app embeds a [`Herald`] of its own event
//! type in its axum app, or runs the whole server as the binary does
//! ([`run`], which only adds the flags).
//!
//! Layout, in the order an event travels:
//! - `routes::publish` accepts `POST /api/topics/{topic}`;
//! - [`broker`] sends it to this process's hub, or through Redis to every
//!   node of a [`cluster`], whose one stream reader per node feeds its hub;
//! - [`hub`] assigns the id (or takes the cluster's), frames the event once
//!   (`sse`), keeps it in the topic's history and wakes subscribers;
//! - `routes::stream` turns a [`hub::Subscription`] into an SSE body;
//! - `server` accepts connections and writes that body to the socket
//!   (`server::direct` for an HTTP/1.1 stream, hyper for the rest).
//!
//! Around them: `herald` ([`Herald`], the hub an app embeds, typed by its
//! event type), `startup` ([`run`], [`connect`], [`serve`]), `app` (the
//! router and its layers), [`config`] (flags), [`auth`] (tokens),
//! `allowed_host` (the `Host` guard), `cors`, `clients` (limits per
//! client), `idempotency` (publishing once per `Idempotency-Key`),
//! `min_rate` (slow publish bodies), `static_files` (the web app,
//! from its directory or built in), `error` (HTTP mapping), `state`,
//! `prometheus` (`/metrics`), `sources` (the built-in publishers),
//! [`open_files`], [`shutdown`], [`telemetry`] and [`tls`].
//!
//! Public are only what an embedding program or the binary uses: [`Herald`]
//! and its [`Builder`], [`run`],
//! [`connect`], [`serve`], [`embeds_page`], [`auth`], [`broker`],
//! [`cluster`], [`hub`], [`config`], [`open_files`], [`shutdown`],
//! [`telemetry`] and [`tls`]; the rest is private, so the compiler reports
//! what nothing uses.
//!
//! Features, all on by default (the binary's whole); an embedder that sets
//! `default-features = false` names those it uses:
//! - `cluster`: nodes that serve one sequence of events over Redis
//!   (`--redis-url`, [`Builder::redis`], [`cluster`]); without it the hub is
//!   one process, in memory.
//! - `jwt`: publish rights and private topics by JWT (`--jwt-secret`,
//!   `--jwt-public-key`, `--private-topics`; `herald token`); without it
//!   every topic is public and anyone may publish, but not to the hub's own
//!   `system/` topics.
//! - `system-metrics`: the host's CPU, memory, load and network figures
//!   published to `system/metrics` (sysinfo), [`Builder::system_metrics`].
//! - `tls`: HTTPS with rustls, HTTP/2 offered by ALPN (`--tls-cert`,
//!   `--tls-key`, [`tls`]); without it the server speaks plain HTTP/1.1,
//!   as it does without a certificate.
//!
//! # Examples
//!
//! The [`hub`] alone, in process: publish to a topic, show its history,
//! then follow it from where the history ends, missing nothing. An app
//! that serves it over HTTP embeds a [`Herald`] instead.
//!
//! ```
//! use std::collections::BTreeSet;
//!
//! use herald_dashboard_events::{Chat, Payload};
//! use herald_hub::hub::{Framed, Hub, Limits};
//! use herald_wire::{Topic, TopicPattern};
//!
//! let hub = Hub::new(Limits {
//!     history: 100,
//!     topic_bytes: 1 << 20,
//!     total_bytes: 16 << 20,
//!     max_topics: 1_000,
//!     max_subscribers: 1_000,
//! });
//! let chat = |text: &str| Payload::Chat(Chat { author: "ada".into(), text: text.into() });
//! let lobby = Topic::parse("chat/lobby")?;
//! let first = hub.publish(lobby.clone(), &chat("hello"))?;
//!
//! let patterns = BTreeSet::from([TopicPattern::parse("chat/*")?]);
//! let history = hub.history(&patterns, 10);
//! assert_eq!(history.frames.len(), 1);
//! assert_eq!(history.frames[0].id(), first.id());
//! let mut stream = hub.subscribe(patterns, Some(history.resume_after))?;
//! assert!(stream.try_next().is_none(), "nothing after the history yet");
//!
//! let second = hub.publish(lobby, &chat("again"))?;
//! match stream.try_next() {
//!     Some(Framed::Event(frame)) => {
//!         assert_eq!(frame.id(), second.id());
//!         assert_eq!(frame.envelope::<Payload>()?.event, chat("again"));
//!     }
//!     other => panic!("expected the second chat, got {other:?}"),
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(missing_docs)]

mod allowed_host;
mod app;
pub mod auth;
pub mod broker;
pub mod build_info;
mod clients;
#[cfg(feature = "cluster")]
pub mod cluster;
pub mod config;
pub mod contract;
mod cors;
mod error;
#[cfg(feature = "fuzzing")]
pub mod fuzzing;
mod herald;
pub mod hub;
mod idempotency;
mod min_rate;
pub mod open_files;
mod openapi;
mod prometheus;
mod routes;
mod server;
pub mod shutdown;
mod sources;
mod sse;
mod startup;
mod state;
mod static_files;
pub mod telemetry;
mod throttle;
#[cfg(feature = "tls")]
pub mod tls;

pub use herald::{BuildError, Builder, Deliveries, Herald, connect};
/// The JSON Schema derive an app's event type needs for [`Herald::contract`].
pub use schemars;
pub use startup::{embeds_page, listen, run, serve};
