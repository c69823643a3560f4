//! The connection state machine behind
//! [`use_event_stream`](fn@crate::use_event_stream): what the stream
//! does next after each thing the browser reports.
//!
//! The browser's `EventSource` reconnects by itself after a network error
//! (its ready state stays `CONNECTING`), but gives up for good (`CLOSED`)
//! after an HTTP error status or a wrong content type. An `EventSource`
//! cannot tell which status it got, so the machine first asks the hook to
//! [`Command::Check`] the same URL over `fetch`: a 401 or 403 stops the
//! stream with the hub's reason ([`StopReason::NotAuthorised`]), since
//! retrying with the same token would only be refused again; anything else
//! asks for a retry after a [`Backoff`] delay, and the reopened stream
//! resumes from the last event id through the
//! [`LAST_EVENT_ID_PARAM`](herald_wire::protocol::LAST_EVENT_ID_PARAM) query
//! parameter. It is plain Rust: the hook feeds it [`Signal`]s and carries
//! out [`Command`]s.

use std::fmt;

use herald_wire::protocol::Query;
use herald_wire::{ErrorBody, EventId};

use crate::backoff::Backoff;

/// Where the stream stands.
///
/// # Examples
///
/// ```
/// use herald_yew::ConnectionState;
///
/// fn label(state: &ConnectionState) -> String {
///     match state {
///         ConnectionState::Connecting => "connecting…".into(),
///         ConnectionState::Live => "live".into(),
///         ConnectionState::Reconnecting { attempt } => format!("reconnecting (try {attempt})"),
///         ConnectionState::Stopped { reason } => format!("stopped: {reason}"),
///     }
/// }
///
/// let state = ConnectionState::Reconnecting { attempt: 2 };
/// assert_eq!(label(&state), "reconnecting (try 2)");
/// // The name is stable, for a `data-state` attribute and CSS.
/// assert_eq!(state.name(), "reconnecting");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectionState {
    /// Opening the stream for the first time.
    Connecting,
    /// The stream is open and delivering events.
    Live,
    /// The stream dropped; this is the `attempt`-th try to get it back.
    Reconnecting {
        /// Failed tries since the stream was last live, counted from 1.
        attempt: u32,
    },
    /// No stream, and none is coming until the followed topics (or the
    /// token) change.
    Stopped {
        /// Why.
        reason: StopReason,
    },
}

/// Why a stream stopped.
///
/// # Examples
///
/// ```
/// use herald_wire::{ErrorBody, ErrorCode};
/// use herald_yew::StopReason;
///
/// let expired = StopReason::NotAuthorised(ErrorBody {
///     code: ErrorCode::Unauthorized,
///     message: "the token expired".into(),
///     field: None,
/// });
/// assert_eq!(expired.name(), "not-authorised");
/// assert_eq!(expired.to_string(), "not authorised: the token expired");
///
/// let gave_up = StopReason::GaveUp { attempts: 10 };
/// assert_eq!(gave_up.to_string(), "gave up after 10 failed attempts");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StopReason {
    /// The page follows no topic.
    NoTopics,
    /// The browser refused to open the stream URL.
    Refused,
    /// Reconnecting failed `attempts` times in a row, the configured maximum.
    GaveUp {
        /// How many tries failed.
        attempts: u32,
    },
    /// The hub refused the stream with 401 or 403: no token, or one that
    /// is invalid, expired or may not read a followed topic. The body is
    /// the hub's, whose message says which.
    NotAuthorised(ErrorBody),
}

impl StopReason {
    /// The machine-readable name, used as the indicator's `data-reason`.
    pub const fn name(&self) -> &'static str {
        match self {
            Self::NoTopics => "no-topics",
            Self::Refused => "refused",
            Self::GaveUp { .. } => "gave-up",
            Self::NotAuthorised(_) => "not-authorised",
        }
    }
}

impl fmt::Display for StopReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoTopics => f.write_str("no topic followed"),
            Self::Refused => f.write_str("the browser refused the stream URL"),
            Self::GaveUp { attempts } => write!(f, "gave up after {attempts} failed attempts"),
            Self::NotAuthorised(body) => write!(f, "not authorised: {}", body.message),
        }
    }
}

impl ConnectionState {
    /// The machine-readable name, used as the indicator's `data-state`.
    pub const fn name(&self) -> &'static str {
        match self {
            Self::Connecting => "connecting",
            Self::Live => "live",
            Self::Reconnecting { .. } => "reconnecting",
            Self::Stopped { .. } => "stopped",
        }
    }
}

/// How a stream retries.
///
/// # Examples
///
/// ```
/// use herald_yew::{Backoff, StreamOptions};
///
/// // A dashboard retries for as long as it is open.
/// let dashboard = StreamOptions::default();
/// assert_eq!(dashboard.max_attempts, None);
/// assert_eq!(dashboard.backoff, Backoff::DEFAULT);
///
/// // A checkout page gives up within a minute of waits, and says so.
/// let checkout = StreamOptions {
///     backoff: Backoff { base_ms: 1_000, max_ms: 10_000 },
///     max_attempts: Some(8),
/// };
/// let worst_ms: u32 = (1..=8).map(|attempt| checkout.backoff.ceiling_ms(attempt)).sum();
/// assert_eq!(worst_ms, 55_000);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StreamOptions {
    /// Delays between the tries to reopen a stream the browser closed.
    pub backoff: Backoff,
    /// Failed tries in a row after which the stream stops; `None` retries
    /// for as long as the page is open, which suits a dashboard.
    pub max_attempts: Option<u32>,
}

/// Something the browser reported about the stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Signal {
    /// The stream opened (`open`).
    Opened,
    /// A message arrived, with its SSE id when it had one.
    Message {
        /// The message's `lastEventId`, parsed where it arrived; `None` when
        /// the stream never sent an id (or sent one that is not Herald's).
        id: Option<EventId>,
    },
    /// The stream failed (`error`); `closed` when the browser gave up.
    Failed {
        /// Whether the ready state is `CLOSED` rather than `CONNECTING`.
        closed: bool,
    },
    /// The stream could not be created at all.
    Refused,
    /// The answer to [`Command::Check`]: the hub's refusal when it answered
    /// the stream URL with 401 or 403, `None` for any other answer or none.
    Checked {
        /// The hub's error body for a 401 or 403.
        refusal: Option<ErrorBody>,
    },
    /// The retry delay asked for by [`Command::RetryAfter`] has passed.
    RetryDue,
    /// The history a connection made by [`Connection::after_history`] waits
    /// for has been shown (or failed to load: then `resume_after` is `None`).
    History {
        /// Where the hub said to resume the stream after its history.
        resume_after: Option<EventId>,
    },
}

/// What the hook does next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Command {
    /// Nothing.
    Nothing,
    /// Request [`Connection::resume_url`] once over `fetch`, read its status
    /// and send [`Signal::Checked`].
    Check,
    /// Send [`Signal::RetryDue`] after this many milliseconds.
    RetryAfter {
        /// The delay.
        delay_ms: u32,
    },
    /// Replace the stream with a new one at [`Connection::resume_url`].
    Reopen,
    /// Close the stream for good.
    Close,
}

/// The state machine of one stream URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Connection {
    state: ConnectionState,
    last_id: Option<EventId>,
    options: StreamOptions,
    /// Whether the stream waits for [`Signal::History`] before it opens.
    awaiting_history: bool,
    /// Whether a [`Command::Check`] is out, so a [`Signal::Checked`] is due.
    checking: bool,
}

impl Connection {
    /// A connection that is opening for the first time.
    pub(crate) fn new(options: StreamOptions) -> Self {
        Self {
            state: ConnectionState::Connecting,
            last_id: None,
            options,
            awaiting_history: false,
            checking: false,
        }
    }

    /// A connection that opens only once the history before it is shown:
    /// [`Signal::History`] answers [`Command::Reopen`], whose URL resumes
    /// after the history's `resume_after` so the stream neither repeats nor
    /// skips one. Any later `History` is stale and answers
    /// [`Command::Nothing`]: its events must not be shown.
    pub(crate) fn after_history(options: StreamOptions) -> Self {
        Self {
            awaiting_history: true,
            ..Self::new(options)
        }
    }

    /// A connection that opens at once, resuming after `last_id`: a stream
    /// replaced by one for the same topics (with another token) carries on
    /// where the old one was, without showing its history again.
    pub(crate) fn resuming(options: StreamOptions, last_id: EventId) -> Self {
        Self {
            last_id: Some(last_id),
            ..Self::new(options)
        }
    }

    /// The id of the newest event seen (or the history's `resume_after`).
    pub(crate) fn last_id(&self) -> Option<EventId> {
        self.last_id
    }

    /// The current state.
    pub(crate) fn state(&self) -> &ConnectionState {
        &self.state
    }

    /// The URL a reopened stream uses: `url` resuming after the last id.
    pub(crate) fn resume_url(&self, url: &str) -> String {
        match self.last_id {
            Some(id) => with_last_event_id(url, id),
            None => url.to_owned(),
        }
    }

    /// Moves on `signal`; `random` in `[0, 1)` jitters a retry delay.
    pub(crate) fn on(&mut self, signal: Signal, random: f64) -> Command {
        if let ConnectionState::Stopped { .. } = self.state {
            return Command::Nothing;
        }
        match signal {
            Signal::Opened => {
                self.state = ConnectionState::Live;
                Command::Nothing
            }
            Signal::Message { id } => {
                self.last_id = id.or(self.last_id);
                self.state = ConnectionState::Live;
                Command::Nothing
            }
            Signal::Failed { closed } => {
                let attempt = match self.state {
                    ConnectionState::Reconnecting { attempt } => attempt.saturating_add(1),
                    _ => 1,
                };
                if self.options.max_attempts.is_some_and(|max| attempt > max) {
                    self.state = ConnectionState::Stopped {
                        reason: StopReason::GaveUp {
                            attempts: attempt - 1,
                        },
                    };
                    return Command::Close;
                }
                self.state = ConnectionState::Reconnecting { attempt };
                if closed {
                    self.checking = true;
                    Command::Check
                } else {
                    Command::Nothing
                }
            }
            Signal::Checked { refusal } if self.checking => {
                self.checking = false;
                // Only a stream still down is stopped or retried: one that
                // came back meanwhile needs neither.
                let ConnectionState::Reconnecting { attempt } = self.state else {
                    return Command::Nothing;
                };
                match refusal {
                    Some(body) => {
                        self.state = ConnectionState::Stopped {
                            reason: StopReason::NotAuthorised(body),
                        };
                        Command::Close
                    }
                    None => {
                        let delay_ms = self.options.backoff.delay_ms(attempt, random);
                        Command::RetryAfter { delay_ms }
                    }
                }
            }
            Signal::Checked { .. } => Command::Nothing,
            Signal::Refused => {
                self.state = ConnectionState::Stopped {
                    reason: StopReason::Refused,
                };
                Command::Close
            }
            Signal::RetryDue => match self.state {
                ConnectionState::Reconnecting { .. } => Command::Reopen,
                _ => Command::Nothing,
            },
            Signal::History { resume_after } if self.awaiting_history => {
                self.awaiting_history = false;
                self.last_id = resume_after.or(self.last_id);
                Command::Reopen
            }
            Signal::History { .. } => Command::Nothing,
        }
    }
}

/// `url` with a [`LAST_EVENT_ID_PARAM`](herald_wire::protocol::LAST_EVENT_ID_PARAM)
/// parameter, so a stream the hook reopens itself resumes where the last one
/// stopped (a browser only sends the
/// [`LAST_EVENT_ID_HEADER`](herald_wire::protocol::LAST_EVENT_ID_HEADER) on its
/// own reconnects).
fn with_last_event_id(url: &str, id: EventId) -> String {
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}{}", Query::new().after(Some(id)).as_str())
}

#[cfg(test)]
mod tests;
