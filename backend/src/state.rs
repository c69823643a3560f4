//! The state every handler shares, passed explicitly with `Router::with_state`.

use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use crate::auth::Auth;
use crate::broker::Broker;
use crate::config::Config;

/// Shared application state; cheap to clone.
#[derive(Clone)]
pub(crate) struct AppState {
    /// Where events are published and read: the hub, or a cluster node.
    pub(crate) broker: Broker,
    /// Who may publish and read private topics.
    pub(crate) auth: Arc<Auth>,
    /// The configuration the server started with.
    pub(crate) config: Arc<Config>,
    /// Cancelled when the server shuts down; every open stream ends on it.
    pub(crate) shutdown: CancellationToken,
}
