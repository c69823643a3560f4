//! Turning Ctrl-C and SIGTERM into the one cancellation token.

use tokio_util::sync::CancellationToken;

/// Cancels `token` on Ctrl-C or, on Unix, SIGTERM.
///
/// Cancelling ends every open stream (each SSE body ends on the token), so
/// graceful shutdown does not wait on browsers that never hang up, and the
/// browsers reconnect and resume once the hub is back.
pub async fn on_signal(token: CancellationToken) {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
        () = token.cancelled() => return,
    }
    tracing::info!("shutting down");
    token.cancel();
}
