//! The state every handler shares, passed explicitly with `Router::with_state`.

use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use crate::auth::Auth;
use crate::broker::Broker;
use crate::clients::{Clients, PerAddress};
use crate::config::Config;
use crate::idempotency::Ledger;
use crate::prometheus::Meters;

/// Shared application state; cheap to clone.
#[derive(Clone)]
pub(crate) struct AppState {
    /// Where events are published and read: the hub, or a cluster node.
    pub(crate) broker: Broker,
    /// Who may publish and read private topics.
    pub(crate) auth: Arc<Auth>,
    /// What each client holds, against the per-client limits.
    pub(crate) clients: Arc<Clients>,
    /// The `Idempotency-Key`s a hub alone remembers.
    pub(crate) ledger: Arc<Ledger>,
    /// What the HTTP side counts, for `/metrics`.
    pub(crate) meters: Arc<Meters>,
    /// The configuration the server started with.
    pub(crate) config: Arc<Config>,
    /// Cancelled when the server shuts down; every open stream ends on it.
    pub(crate) shutdown: CancellationToken,
}

/// The access rules `config` sets; open without the `jwt` feature.
#[cfg_attr(
    not(feature = "jwt"),
    expect(unused_variables, reason = "only token options set access rules")
)]
fn auth(config: &Config) -> Auth {
    #[cfg(feature = "jwt")]
    return Auth::new(
        config.jwt_key(),
        &config.private_topics,
        &config.jwt_audience,
        &config.jwt_issuer,
    );
    #[cfg(not(feature = "jwt"))]
    Auth::open()
}

impl AppState {
    /// The state `config` asks for, around `broker`.
    pub(crate) fn new(broker: Broker, config: Config, shutdown: CancellationToken) -> Self {
        Self {
            auth: Arc::new(auth(&config)),
            clients: Arc::new(Clients::new(
                PerAddress {
                    connections: usize::try_from(config.max_connections_per_ip)
                        .unwrap_or(usize::MAX),
                    streams: usize::try_from(config.max_streams_per_ip).unwrap_or(usize::MAX),
                    publishes: config.publishes_per_client(),
                },
                config.publish_rate,
                &config.proxy_ips,
            )),
            ledger: Arc::new(Ledger::new(
                config.idempotency_window(),
                usize::try_from(config.idempotency_keys).unwrap_or(usize::MAX),
            )),
            broker,
            meters: Arc::new(Meters::new()),
            config: Arc::new(config),
            shutdown,
        }
    }
}
