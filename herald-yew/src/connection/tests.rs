//! Native tests of the [`Connection`] state machine: transitions, retries,
//! refusals and giving up.

use herald_wire::ErrorCode;

use super::*;

fn failed(closed: bool) -> Signal {
    Signal::Failed { closed }
}

/// The hub's answer to a [`Command::Check`] that found no refusal.
const NOT_REFUSED: Signal = Signal::Checked { refusal: None };

fn refusal(code: ErrorCode, message: &str) -> ErrorBody {
    ErrorBody {
        code,
        message: message.to_owned(),
        field: None,
    }
}

fn message(id: Option<u64>) -> Signal {
    Signal::Message {
        id: id.map(|id| EventId::new(1, id)),
    }
}

#[test]
fn opens_then_goes_live() {
    let mut connection = Connection::new(StreamOptions::default());
    assert_eq!(*connection.state(), ConnectionState::Connecting);
    assert_eq!(connection.on(Signal::Opened, 0.0), Command::Nothing);
    assert_eq!(*connection.state(), ConnectionState::Live);
}

#[test]
fn the_browser_retrying_counts_attempts_and_schedules_nothing() {
    let mut connection = Connection::new(StreamOptions::default());
    connection.on(Signal::Opened, 0.0);
    assert_eq!(connection.on(failed(false), 0.0), Command::Nothing);
    assert_eq!(connection.on(failed(false), 0.0), Command::Nothing);
    assert_eq!(
        *connection.state(),
        ConnectionState::Reconnecting { attempt: 2 }
    );
    connection.on(Signal::Opened, 0.0);
    assert_eq!(*connection.state(), ConnectionState::Live);
    connection.on(failed(false), 0.0);
    assert_eq!(
        *connection.state(),
        ConnectionState::Reconnecting { attempt: 1 }
    );
}

#[test]
fn a_closed_stream_is_retried_with_backoff_and_resumed() {
    let mut connection = Connection::new(StreamOptions::default());
    connection.on(message(Some(41)), 0.0);
    connection.on(message(None), 0.0);
    assert_eq!(connection.on(failed(true), 0.0), Command::Check);
    assert_eq!(
        connection.on(NOT_REFUSED, 0.0),
        Command::RetryAfter { delay_ms: 250 }
    );
    assert_eq!(connection.on(Signal::RetryDue, 0.0), Command::Reopen);
    assert_eq!(connection.on(failed(true), 0.0), Command::Check);
    assert_eq!(
        connection.on(NOT_REFUSED, 0.0),
        Command::RetryAfter { delay_ms: 500 }
    );
    assert_eq!(
        connection.resume_url("/api/events?topic=a"),
        "/api/events?topic=a&lastEventId=1-41"
    );
}

#[test]
fn a_late_retry_after_going_live_does_nothing() {
    let mut connection = Connection::new(StreamOptions::default());
    connection.on(failed(true), 0.0);
    connection.on(Signal::Opened, 0.0);
    assert_eq!(connection.on(Signal::RetryDue, 0.0), Command::Nothing);
}

#[test]
fn gives_up_after_the_maximum_and_stays_stopped() {
    let mut connection = Connection::new(StreamOptions {
        max_attempts: Some(2),
        ..StreamOptions::default()
    });
    connection.on(failed(true), 0.0);
    connection.on(failed(false), 0.0);
    assert_eq!(connection.on(failed(true), 0.0), Command::Close);
    let stopped = ConnectionState::Stopped {
        reason: StopReason::GaveUp { attempts: 2 },
    };
    assert_eq!(*connection.state(), stopped);
    assert_eq!(connection.on(Signal::Opened, 0.0), Command::Nothing);
    assert_eq!(*connection.state(), stopped);
    assert_eq!(
        stopped.name(),
        "stopped",
        "the indicator's data-state for {stopped:?}"
    );
}

#[test]
fn a_refused_url_stops_at_once() {
    let mut connection = Connection::new(StreamOptions::default());
    assert_eq!(connection.on(Signal::Refused, 0.0), Command::Close);
    assert_eq!(
        *connection.state(),
        ConnectionState::Stopped {
            reason: StopReason::Refused
        }
    );
}

fn history(resume_after: Option<u64>) -> Signal {
    Signal::History {
        resume_after: resume_after.map(|id| EventId::new(1, id)),
    }
}

#[test]
fn history_opens_the_stream_after_its_newest_event() {
    let mut connection = Connection::after_history(StreamOptions::default());
    assert_eq!(*connection.state(), ConnectionState::Connecting);
    assert_eq!(connection.on(history(Some(42)), 0.0), Command::Reopen);
    assert_eq!(*connection.state(), ConnectionState::Connecting);
    assert_eq!(
        connection.resume_url("/api/events?topic=a"),
        "/api/events?topic=a&lastEventId=1-42"
    );
    connection.on(Signal::Opened, 0.0);
    assert_eq!(*connection.state(), ConnectionState::Live);
}

#[test]
fn empty_or_failed_history_opens_the_stream_from_now() {
    let mut connection = Connection::after_history(StreamOptions::default());
    assert_eq!(connection.on(history(None), 0.0), Command::Reopen);
    assert_eq!(
        connection.resume_url("/api/events?topic=a"),
        "/api/events?topic=a"
    );
}

#[test]
fn a_stale_history_is_ignored() {
    let mut connection = Connection::after_history(StreamOptions::default());
    connection.on(history(Some(7)), 0.0);
    connection.on(message(Some(9)), 0.0);
    assert_eq!(connection.on(history(Some(3)), 0.0), Command::Nothing);
    assert_eq!(connection.resume_url("/e"), "/e?lastEventId=1-9");
    let mut plain = Connection::new(StreamOptions::default());
    assert_eq!(plain.on(history(Some(3)), 0.0), Command::Nothing);
    assert_eq!(plain.resume_url("/e"), "/e");
}

#[test]
fn reconnecting_after_history_resumes_from_the_newest_id_seen() {
    let mut connection = Connection::after_history(StreamOptions::default());
    connection.on(history(Some(7)), 0.0);
    connection.on(Signal::Opened, 0.0);
    assert_eq!(connection.on(failed(true), 0.0), Command::Check);
    assert!(matches!(
        connection.on(NOT_REFUSED, 0.0),
        Command::RetryAfter { .. }
    ));
    assert_eq!(connection.on(Signal::RetryDue, 0.0), Command::Reopen);
    assert_eq!(
        connection.resume_url("/e?topic=a"),
        "/e?topic=a&lastEventId=1-7"
    );
    connection.on(message(Some(8)), 0.0);
    assert_eq!(
        connection.resume_url("/e?topic=a"),
        "/e?topic=a&lastEventId=1-8"
    );
}

#[test]
fn a_refused_stream_stops_with_the_hubs_reason() {
    let mut connection = Connection::new(StreamOptions::default());
    connection.on(message(Some(5)), 0.0);
    assert_eq!(connection.on(failed(true), 0.0), Command::Check);
    let body = refusal(ErrorCode::Unauthorized, "the token has expired");
    let checked = Signal::Checked {
        refusal: Some(body.clone()),
    };
    assert_eq!(connection.on(checked, 0.0), Command::Close);
    let stopped = ConnectionState::Stopped {
        reason: StopReason::NotAuthorised(body),
    };
    assert_eq!(*connection.state(), stopped);
    assert_eq!(connection.on(Signal::RetryDue, 0.0), Command::Nothing);
    assert_eq!(connection.on(failed(true), 0.0), Command::Nothing);
    assert_eq!(*connection.state(), stopped);
    let ConnectionState::Stopped { reason } = stopped else {
        unreachable!("built as stopped above");
    };
    assert_eq!(reason.name(), "not-authorised");
    assert_eq!(reason.to_string(), "not authorised: the token has expired");
}

#[test]
fn a_forbidden_stream_stops_too() {
    let mut connection = Connection::after_history(StreamOptions::default());
    connection.on(history(None), 0.0);
    connection.on(failed(true), 0.0);
    let body = refusal(ErrorCode::Forbidden, "the token may not read private/a");
    let checked = Signal::Checked {
        refusal: Some(body.clone()),
    };
    assert_eq!(connection.on(checked, 0.0), Command::Close);
    assert_eq!(
        *connection.state(),
        ConnectionState::Stopped {
            reason: StopReason::NotAuthorised(body)
        }
    );
}

#[test]
fn a_check_nobody_asked_for_changes_nothing() {
    let mut connection = Connection::new(StreamOptions::default());
    connection.on(Signal::Opened, 0.0);
    let checked = Signal::Checked {
        refusal: Some(refusal(ErrorCode::Unauthorized, "stale")),
    };
    assert_eq!(connection.on(checked.clone(), 0.0), Command::Nothing);
    assert_eq!(*connection.state(), ConnectionState::Live);
    // A check answered after the stream came back is stale as well.
    connection.on(failed(true), 0.0);
    connection.on(Signal::Opened, 0.0);
    assert_eq!(connection.on(checked, 0.0), Command::Nothing);
    assert_eq!(*connection.state(), ConnectionState::Live);
}

#[test]
fn a_check_that_finds_no_refusal_backs_off_as_before() {
    let mut connection = Connection::new(StreamOptions::default());
    connection.on(failed(true), 0.0);
    assert_eq!(
        connection.on(NOT_REFUSED, 0.0),
        Command::RetryAfter { delay_ms: 250 }
    );
    assert_eq!(
        *connection.state(),
        ConnectionState::Reconnecting { attempt: 1 }
    );
    assert_eq!(connection.on(NOT_REFUSED, 0.0), Command::Nothing);
}

#[test]
fn a_resumed_connection_opens_after_the_id_it_was_given() {
    let mut connection = Connection::resuming(StreamOptions::default(), EventId::new(1, 12));
    assert_eq!(*connection.state(), ConnectionState::Connecting);
    assert_eq!(connection.last_id(), Some(EventId::new(1, 12)));
    assert_eq!(
        connection.resume_url("/e?topic=a&token=t"),
        "/e?topic=a&token=t&lastEventId=1-12"
    );
    // It waits for no history: a late one is stale.
    assert_eq!(connection.on(history(Some(3)), 0.0), Command::Nothing);
    connection.on(message(Some(13)), 0.0);
    assert_eq!(connection.last_id(), Some(EventId::new(1, 13)));
}

#[test]
fn the_last_event_id_is_a_query_parameter() {
    assert_eq!(
        with_last_event_id("/api/events?topic=a", EventId::new(1, 17)),
        "/api/events?topic=a&lastEventId=1-17"
    );
    assert_eq!(
        with_last_event_id("/x", EventId::new(1, 5)),
        "/x?lastEventId=1-5"
    );
}
