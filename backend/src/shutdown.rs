//! Turning Ctrl-C and SIGTERM into the one cancellation token.
//!
//! The first signal starts a graceful shutdown: the token is cancelled,
//! which ends every open stream (each SSE body ends on it), so it does not
//! wait on browsers that never hang up; they reconnect and resume once the
//! hub is back. Requests in flight get `--shutdown-grace-ms` to finish. A
//! second signal exits at once, for an operator who will not wait.

use tokio::signal::unix::{Signal, SignalKind, signal};
use tokio_util::sync::CancellationToken;

/// The exit status after a second signal: 128 + SIGINT, what a shell
/// reports for a process stopped by Ctrl-C.
pub const FORCED_EXIT: i32 = 130;

/// The shutdown signals, listened for from the moment they are installed:
/// one that arrives before [`Signals::run`] is polled is kept, not lost
/// (nor does it kill the process with the default action).
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use herald_hub::shutdown::Signals;
/// use rustix::process::{Signal, getpid, kill_process};
/// use tokio_util::sync::CancellationToken;
///
/// let shutdown = CancellationToken::new();
/// tokio::spawn(Signals::install()?.run(shutdown.clone()));
/// // What `kill` or a container runtime sends.
/// kill_process(getpid(), Signal::TERM)?;
/// shutdown.cancelled().await;
/// # Ok(())
/// # }
/// ```
pub struct Signals {
    interrupt: Signal,
    terminate: Signal,
}

impl Signals {
    /// Starts listening for SIGINT (Ctrl-C) and SIGTERM; call it inside the
    /// runtime, before the hub says it listens.
    ///
    /// # Errors
    /// When the signal handlers cannot be installed.
    pub fn install() -> std::io::Result<Self> {
        Ok(Self {
            interrupt: signal(SignalKind::interrupt())?,
            terminate: signal(SignalKind::terminate())?,
        })
    }

    /// Cancels `token` on the first signal, and exits the process with
    /// [`FORCED_EXIT`] on the second.
    pub async fn run(mut self, token: CancellationToken) {
        tokio::select! {
            () = self.next() => {}
            () = token.cancelled() => {}
        }
        tracing::info!("shutting down; a second Ctrl-C stops at once");
        token.cancel();
        self.next().await;
        tracing::warn!("stopping at once");
        std::process::exit(FORCED_EXIT);
    }

    async fn next(&mut self) {
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
        }
    }
}
