//! The recent history a page shows before its stream opens, so its views
//! start full rather than empty.
//!
//! [`use_event_stream`](fn@crate::use_event_stream) loads it from its
//! source's history URL (`crate::http::history_at`), turns the reply into
//! a [`Backlog`], hands the events to the page as one batch, and opens the
//! stream where the hub said to resume after them (see
//! `Connection::after_history`). A failed load is not shown: the page then
//! simply starts from the live stream.
//!
//! The reply is a [`herald_wire::EventList`], read with each event still JSON
//! (`HistoryReply`):
//! a history holds every kind published to its topics, so an event the
//! app's type cannot read becomes a [`herald_wire::Delivery::Unknown`] of its
//! own rather than failing the whole list.

use herald_wire::EventId;

use crate::decode::{Incoming, stored};
use crate::http::{ApiError, HistoryReply};

/// History ready for the page and the stream.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Backlog<E> {
    /// The events oldest first, as the stream would have delivered them.
    pub(crate) messages: Vec<Incoming<E>>,
    /// Where the stream resumes: the reply's `resume_after`, which is at or
    /// past the newest event and set even when there were none; `None` when
    /// the history did not load.
    pub(crate) resume_after: Option<EventId>,
}

impl<E: herald_wire::Event> Backlog<E> {
    /// The backlog of a history reply; empty when the request failed, so a
    /// hub without the history route still serves a working page.
    ///
    /// An event's arrival time is taken to be when the hub accepted it
    /// (`time_us`): the page was not there to see it arrive, and its
    /// latency then reads as the publisher-to-hub time rather than as the
    /// event's age. One whose time does not read is stamped `now_us`,
    /// when the history arrived.
    pub(crate) fn from_reply(reply: Result<HistoryReply, ApiError>, now_us: u64) -> Self {
        let Ok(HistoryReply {
            events,
            resume_after,
        }) = reply
        else {
            return Self {
                messages: Vec::new(),
                resume_after: None,
            };
        };
        let mut messages: Vec<Incoming<E>> =
            events.iter().map(|event| stored(event, now_us)).collect();
        // The hub sends them in id order; sorting (stably, cheap when
        // sorted) keeps the page right even if one does not. What did not
        // read has no id and goes first, before the events it came with.
        messages.sort_by_key(|incoming| match &incoming.message {
            Ok(herald_wire::Delivery::Event(envelope)) => Some(envelope.id),
            Ok(herald_wire::Delivery::Unknown(unknown)) => Some(unknown.id),
            Ok(herald_wire::Delivery::Gap(_)) | Err(_) => None,
        });
        Self {
            messages,
            resume_after: Some(resume_after),
        }
    }
}

#[cfg(test)]
mod tests {
    use herald_dashboard_events::{Chat, Payload};
    use herald_wire::{Delivery, Envelope, ErrorBody, ErrorCode, EventList, Topic};

    use super::*;

    fn chat(id: u64) -> Envelope<Payload> {
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

    /// `list` as the hub sends it, read as the hook reads it.
    fn reply(list: &EventList<Payload>) -> Result<HistoryReply, ApiError> {
        Ok(serde_json::from_str(&serde_json::to_string(list).unwrap()).unwrap())
    }

    #[test]
    fn history_becomes_messages_oldest_first_resuming_after_the_newest() {
        let backlog = Backlog::<Payload>::from_reply(
            reply(&EventList {
                events: vec![chat(3), chat(9), chat(5)],
                resume_after: EventId::new(1, 12),
            }),
            0,
        );
        assert_eq!(backlog.resume_after, Some(EventId::new(1, 12)));
        let ids: Vec<(u64, u64)> = backlog
            .messages
            .iter()
            .map(|incoming| match &incoming.message {
                Ok(Delivery::Event(event)) => (event.id.sequence(), incoming.received_us),
                other => panic!("not an event: {other:?}"),
            })
            .collect();
        assert_eq!(ids, [(3, 1_003), (5, 1_005), (9, 1_009)]);
    }

    #[test]
    fn empty_history_resumes_where_the_hub_says_and_failed_from_nothing() {
        let empty = Backlog::<Payload>::from_reply(
            reply(&EventList {
                events: Vec::new(),
                resume_after: EventId::new(1, 7),
            }),
            0,
        );
        assert!(empty.messages.is_empty());
        assert_eq!(empty.resume_after, Some(EventId::new(1, 7)));
        let refused = Backlog::<Payload>::from_reply(
            Err(ApiError::Api(ErrorBody {
                code: ErrorCode::NotFound,
                message: "no such route".into(),
                field: None,
            })),
            0,
        );
        assert!(refused.messages.is_empty());
        assert_eq!(refused.resume_after, None);
        let down = Backlog::<Payload>::from_reply(Err(ApiError::Network("offline".into())), 0);
        assert!(down.messages.is_empty() && down.resume_after.is_none());
    }

    #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, herald_wire::Event)]
    #[serde(tag = "type", rename_all = "snake_case")]
    enum ShopEvent {
        OrderCreated { order: u64 },
    }

    #[test]
    fn a_kind_the_type_lacks_is_unknown_and_the_rest_still_reads() {
        let order = r#"{"id":"1-4","topic":"shop/orders","time_us":7,"event":{"type":"order_created","order":3}}"#;
        let body = format!(
            r#"{{"events":[{},{order}],"resume_after":"1-4"}}"#,
            serde_json::to_string(&chat(2)).unwrap()
        );
        let backlog = Backlog::<ShopEvent>::from_reply(Ok(serde_json::from_str(&body).unwrap()), 0);
        let [first, second] = backlog.messages.as_slice() else {
            panic!("two messages: {:?}", backlog.messages);
        };
        assert!(
            matches!(&first.message, Ok(Delivery::Unknown(unknown)) if unknown.kind.as_str() == "chat")
        );
        assert!(matches!(
            &second.message,
            Ok(Delivery::Event(envelope)) if envelope.event == ShopEvent::OrderCreated { order: 3 }
        ));
        assert_eq!(second.received_us, 7);
    }
}
