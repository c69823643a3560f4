//! [`ConnectionIndicator`]: where the stream stands, as a coloured badge
//! with the attempt count and the time since the last event, or why it
//! stopped (the hub's own words when it refused the token).

use herald_yew::{ConnectionState, StopReason, StreamStatus};
use yew::prelude::*;

/// Props of [`ConnectionIndicator`].
#[derive(Properties, PartialEq)]
pub struct ConnectionIndicatorProps {
    /// The status to show.
    pub status: StreamStatus,
    /// `Date.now()` when rendered, to say how long ago the last event was.
    pub now_ms: f64,
}

/// `#connection` with `data-state` (and `data-attempt` while reconnecting,
/// `data-reason` once stopped).
#[component]
pub fn ConnectionIndicator(props: &ConnectionIndicatorProps) -> Html {
    let state = &props.status.state;
    let since = props.status.last_event_ms.map(|last| {
        let seconds = ((props.now_ms - last) / 1000.0).max(0.0).floor();
        format!("last event {seconds} s ago")
    });
    let mut text = match state {
        ConnectionState::Connecting => "Connecting…".to_owned(),
        ConnectionState::Live => "Live".to_owned(),
        ConnectionState::Reconnecting { attempt } => format!("Reconnecting, attempt {attempt}"),
        // Not "Stopped": the reader can do something about this one.
        ConnectionState::Stopped {
            reason: StopReason::NotAuthorised(body),
        } => format!("Not authorised: {}", body.message),
        ConnectionState::Stopped { reason } => format!("Stopped: {reason}"),
    };
    if let (Some(since), false) = (since, matches!(state, ConnectionState::Stopped { .. })) {
        text.push_str(" · ");
        text.push_str(&since);
    }
    let attempt = match state {
        ConnectionState::Reconnecting { attempt } => Some(attempt.to_string()),
        _ => None,
    };
    let reason = match state {
        ConnectionState::Stopped { reason } => Some(reason.name()),
        _ => None,
    };
    html! {
        <span id="connection" class="connection" data-state={state.name()}
            data-attempt={attempt} data-reason={reason} role="status">
            { text }
        </span>
    }
}
