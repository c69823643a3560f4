//! Tracing setup, done once by the binary; library code only emits events,
//! inside the span each request gets here.

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use tracing::{Instrument, Subscriber};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::filter::{FromEnvError, LevelFilter};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::util::SubscriberInitExt;

/// Middleware: the request's span (`method`, and the route's `path`)
/// around everything that makes its response, so what the handler and the
/// layers inside it log (a refusal, a stream opened) says which request.
///
/// The span covers making the response, not the polls of its body: a
/// stream's body is polled once per delivery for as long as it lives, and
/// entering a span on each poll (as tower-http's `TraceLayer` does) cost
/// the hub a few percent of its CPU per delivery.
pub(crate) async fn request_span(request: Request, next: Next) -> Response {
    let path = request
        .extensions()
        .get::<MatchedPath>()
        .map_or(request.uri().path(), MatchedPath::as_str);
    let span = tracing::info_span!("request", method = %request.method(), path);
    next.run(request).instrument(span).await
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum LogFormat {
    /// One human-readable line per event.
    #[default]
    Text,
    /// One JSON object per line (tracing-subscriber's JSON format), for log
    /// pipelines: `timestamp`, `level`, `target`, `fields` (with `message`)
    /// and the open `span`s.
    Json,
}

/// Installs the process's subscriber: `format` lines on stderr, filtered by
/// `RUST_LOG`, which defaults to `info`.
///
/// `info` says what the hub does (listening, shutting down, refusals an
/// operator must act on, errors); per-request lines (each publish, stream
/// and client refusal) are at `debug`, for `RUST_LOG=herald_hub=debug`.
///
/// # Errors
/// A `RUST_LOG` that is not a valid filter.
///
/// # Panics
/// When a global subscriber is already installed: call it once, from `main`.
///
/// # Examples
///
/// ```
/// use clap::ValueEnum;
/// use herald_hub::telemetry::{self, LogFormat};
///
/// // As `--log-format json` reads it.
/// let format = LogFormat::from_str("json", false)?;
/// assert_eq!(format, LogFormat::Json);
/// telemetry::init(format)?;
/// tracing::info!(topic = "chat/lobby", "published");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn init(format: LogFormat) -> Result<(), FromEnvError> {
    let filter = default_filter().from_env()?;
    subscriber(format, filter, std::io::stderr).init();
    Ok(())
}

/// A filter that keeps `info` and above unless its directives say otherwise.
fn default_filter() -> tracing_subscriber::filter::Builder {
    EnvFilter::builder().with_default_directive(LevelFilter::INFO.into())
}

/// The subscriber [`init`] installs, writing to `writer`.
fn subscriber<W>(
    format: LogFormat,
    filter: EnvFilter,
    writer: W,
) -> Box<dyn Subscriber + Send + Sync>
where
    W: for<'writer> MakeWriter<'writer> + Send + Sync + 'static,
{
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer);
    match format {
        LogFormat::Text => Box::new(builder.finish()),
        LogFormat::Json => Box::new(builder.json().finish()),
    }
}

/// Log capture for tests that assert what the hub logs.
#[cfg(test)]
pub(crate) mod capture {
    use std::io;
    use std::sync::{Arc, Mutex, PoisonError};

    use tracing::subscriber::DefaultGuard;
    use tracing_subscriber::EnvFilter;

    use super::LogFormat;

    /// The JSON lines logged on this thread since [`start`], every level.
    #[derive(Clone, Default)]
    pub(crate) struct Logs(Arc<Mutex<Vec<u8>>>);

    /// Captures this thread's events (a current-thread runtime's tasks
    /// included) until the guard drops.
    pub(crate) fn start() -> (Logs, DefaultGuard) {
        let logs = Logs::default();
        let writer = logs.clone();
        let subscriber = super::subscriber(LogFormat::Json, EnvFilter::new("trace"), move || {
            writer.clone()
        });
        (logs, tracing::subscriber::set_default(subscriber))
    }

    impl Logs {
        /// Every captured event, decoded.
        pub(crate) fn events(&self) -> Vec<serde_json::Value> {
            let bytes = self.0.lock().unwrap_or_else(PoisonError::into_inner);
            String::from_utf8_lossy(&bytes)
                .lines()
                .map(|line| serde_json::from_str(line).expect("each line is one JSON event"))
                .collect()
        }

        /// The captured events at `level` (`"ERROR"`, `"WARN"`, ...), from
        /// any crate.
        pub(crate) fn at(&self, level: &str) -> Vec<serde_json::Value> {
            self.events()
                .into_iter()
                .filter(|event| event["level"] == level)
                .collect()
        }

        /// The captured events at `level` from the hub's own code, leaving
        /// out the per-request lines of tower-http and an HTTP client's.
        pub(crate) fn hub_at(&self, level: &str) -> Vec<serde_json::Value> {
            self.at(level)
                .into_iter()
                .filter(|event| {
                    event["target"]
                        .as_str()
                        .is_some_and(|target| target.starts_with("herald"))
                })
                .collect()
        }
    }

    impl io::Write for Logs {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            self.0
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_lines_carry_level_fields_and_message() {
        let (logs, _guard) = capture::start();
        tracing::info!(topic = "chat/lobby", subscribers = 3, "published");
        let events = logs.events();
        assert_eq!(events.len(), 1, "{events:?}");
        let event = &events[0];
        assert_eq!(event["level"], "INFO");
        assert_eq!(event["fields"]["message"], "published");
        assert_eq!(event["fields"]["topic"], "chat/lobby");
        assert_eq!(event["fields"]["subscribers"], 3);
        assert!(event["timestamp"].is_string());
    }

    #[test]
    fn the_default_filter_keeps_info_and_drops_debug() {
        let logs = capture::Logs::default();
        let writer = logs.clone();
        // What `init` builds when `RUST_LOG` is unset.
        let filter = default_filter().parse_lossy("");
        let subscriber = subscriber(LogFormat::Json, filter, move || writer.clone());
        tracing::subscriber::with_default(subscriber, || {
            tracing::debug!("stream opened");
            tracing::info!("herald is listening");
        });
        let messages: Vec<serde_json::Value> = logs
            .events()
            .into_iter()
            .map(|event| event["fields"]["message"].clone())
            .collect();
        assert_eq!(messages, ["herald is listening"]);
    }
}
