//! The recent history a page shows before its stream opens, so the charts,
//! the conversation and the latency figure start full rather than empty.
//!
//! [`use_event_stream`](fn@crate::hooks::use_event_stream) loads it with
//! [`crate::api::history_at`] from its source's history URL, turns the reply
//! into a [`Backlog`], hands the events to the page as one batch, and opens
//! the stream where the hub said to resume after them (see
//! [`crate::connection::Connection::after_history`]). A failed load is not
//! shown: the page then simply starts from the live stream.

use shared::{EventId, EventList};

use crate::api::ApiError;
use crate::decode::{Incoming, Message};
use crate::series::METRICS_WINDOW;

/// How many events of each topic the page asks for: enough to fill the
/// metrics charts' five minutes.
pub const HISTORY_LIMIT: usize = METRICS_WINDOW;

/// History ready for the feed and the stream.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Backlog {
    /// The events oldest first, as the stream would have delivered them.
    pub messages: Vec<Incoming>,
    /// Where the stream resumes: the reply's `resume_after`, which is at or
    /// past the newest event and set even when there were none; `None` when
    /// the history did not load.
    pub resume_after: Option<EventId>,
}

impl Backlog {
    /// The backlog of a history reply; empty when the request failed, so a
    /// hub without the history route still serves a working page.
    ///
    /// An event's arrival time is taken to be when the hub accepted it
    /// (`time_us`): the page was not there to see it arrive, and its
    /// latency then reads as the publisher-to-hub time rather than as the
    /// event's age.
    pub fn from_reply(reply: Result<EventList, ApiError>) -> Self {
        let Ok(EventList {
            mut events,
            resume_after,
        }) = reply
        else {
            return Self::default();
        };
        // The hub sends them in id order; sorting (stably, cheap when
        // sorted) keeps the feed right even if one does not.
        events.sort_by_key(|event| event.id);
        let messages = events
            .into_iter()
            .map(|event| Incoming {
                received_us: event.time_us,
                message: Ok(Message::Event(event)),
            })
            .collect();
        Self {
            messages,
            resume_after: Some(resume_after),
        }
    }
}

#[cfg(test)]
mod tests {
    use shared::{Chat, Envelope, ErrorBody, ErrorCode, Payload, Topic};

    use super::*;

    fn chat(id: u64) -> Envelope {
        Envelope {
            id: EventId::new(1, id),
            topic: Topic::parse("chat/lobby").unwrap(),
            time_us: 1_000 + id,
            event: Payload::Chat(Chat {
                author: "ada".into(),
                text: format!("#{id}"),
            }),
        }
    }

    #[test]
    fn history_becomes_messages_oldest_first_resuming_after_the_newest() {
        let backlog = Backlog::from_reply(Ok(EventList {
            events: vec![chat(3), chat(9), chat(5)],
            resume_after: EventId::new(1, 12),
        }));
        assert_eq!(backlog.resume_after, Some(EventId::new(1, 12)));
        let ids: Vec<(u64, u64)> = backlog
            .messages
            .iter()
            .map(|incoming| match &incoming.message {
                Ok(Message::Event(event)) => (event.id.sequence(), incoming.received_us),
                other => panic!("not an event: {other:?}"),
            })
            .collect();
        assert_eq!(ids, [(3, 1_003), (5, 1_005), (9, 1_009)]);
    }

    #[test]
    fn empty_history_resumes_where_the_hub_says_and_failed_from_nothing() {
        let empty = Backlog::from_reply(Ok(EventList {
            events: Vec::new(),
            resume_after: EventId::new(1, 7),
        }));
        assert!(empty.messages.is_empty());
        assert_eq!(empty.resume_after, Some(EventId::new(1, 7)));
        let refused = Backlog::from_reply(Err(ApiError::Api(ErrorBody {
            code: ErrorCode::NotFound,
            message: "no such route".into(),
            field: None,
        })));
        assert_eq!(refused, Backlog::default());
        let down = Backlog::from_reply(Err(ApiError::Network("offline".into())));
        assert_eq!(down, Backlog::default());
    }
}
