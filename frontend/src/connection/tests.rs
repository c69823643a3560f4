//! Native tests of the [`Connection`] state machine: transitions, retries
//! and giving up.

use super::*;

fn failed(closed: bool) -> Signal {
    Signal::Failed { closed }
}

fn message(id: Option<u64>) -> Signal {
    Signal::Message {
        id: id.map(|id| EventId::new(1, id)),
    }
}

#[test]
fn opens_then_goes_live() {
    let mut connection = Connection::new(StreamOptions::default());
    assert_eq!(connection.state(), ConnectionState::Connecting);
    assert_eq!(connection.on(Signal::Opened, 0.0), Command::Nothing);
    assert_eq!(connection.state(), ConnectionState::Live);
}

#[test]
fn the_browser_retrying_counts_attempts_and_schedules_nothing() {
    let mut connection = Connection::new(StreamOptions::default());
    connection.on(Signal::Opened, 0.0);
    assert_eq!(connection.on(failed(false), 0.0), Command::Nothing);
    assert_eq!(connection.on(failed(false), 0.0), Command::Nothing);
    assert_eq!(
        connection.state(),
        ConnectionState::Reconnecting { attempt: 2 }
    );
    connection.on(Signal::Opened, 0.0);
    assert_eq!(connection.state(), ConnectionState::Live);
    connection.on(failed(false), 0.0);
    assert_eq!(
        connection.state(),
        ConnectionState::Reconnecting { attempt: 1 }
    );
}

#[test]
fn a_closed_stream_is_retried_with_backoff_and_resumed() {
    let mut connection = Connection::new(StreamOptions::default());
    connection.on(message(Some(41)), 0.0);
    connection.on(message(None), 0.0);
    assert_eq!(
        connection.on(failed(true), 0.0),
        Command::RetryAfter { delay_ms: 250 }
    );
    assert_eq!(connection.on(Signal::RetryDue, 0.0), Command::Reopen);
    assert_eq!(
        connection.on(failed(true), 0.0),
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
    assert_eq!(connection.state(), stopped);
    assert_eq!(connection.on(Signal::Opened, 0.0), Command::Nothing);
    assert_eq!(connection.state(), stopped);
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
        connection.state(),
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
    assert_eq!(connection.state(), ConnectionState::Connecting);
    assert_eq!(connection.on(history(Some(42)), 0.0), Command::Reopen);
    assert_eq!(connection.state(), ConnectionState::Connecting);
    assert_eq!(
        connection.resume_url("/api/events?topic=a"),
        "/api/events?topic=a&lastEventId=1-42"
    );
    connection.on(Signal::Opened, 0.0);
    assert_eq!(connection.state(), ConnectionState::Live);
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
    assert!(matches!(
        connection.on(failed(true), 0.0),
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
