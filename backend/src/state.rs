//! The state every handler shares, passed explicitly with `Router::with_state`.

use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use crate::config::Config;
use crate::hub::Hub;

/// Shared application state; cheap to clone.
#[derive(Clone)]
pub(crate) struct AppState {
    /// The event hub.
    pub(crate) hub: Hub,
    /// The configuration the server started with.
    pub(crate) config: Arc<Config>,
    /// Cancelled when the server shuts down; every open stream ends on it.
    pub(crate) shutdown: CancellationToken,
}
