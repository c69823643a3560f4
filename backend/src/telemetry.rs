//! Tracing setup, done once by the binary; library code only emits events.

use tracing_subscriber::EnvFilter;

/// Installs a formatting subscriber filtered by `RUST_LOG`, defaulting to
/// `backend=debug,tower_http=info`.
pub fn init() {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("backend=debug,tower_http=info"));
    tracing_subscriber::fmt().with_env_filter(filter).init();
}
