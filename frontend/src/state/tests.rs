//! Native tests of the [`Feed`] reducer: bounds, duplicates, pause, filters
//! and the derived views.

use herald_dashboard_events::{Chat, LatencyProbe, Notice, NoticeLevel, Payload, kinds};
use herald_wire::{EventId, Topic, TopicPattern};

use super::*;
use crate::series::tests::sample;

fn event(id: u64, topic: &str, payload: Payload) -> Envelope<Payload> {
    Envelope {
        id: EventId::new(1, id),
        topic: Topic::parse(topic).unwrap(),
        time_us: 1_000 + id,
        event: payload,
    }
}

fn chat(id: u64, text: &str) -> Envelope<Payload> {
    event(
        id,
        "chat/lobby",
        Payload::Chat(Chat {
            author: "ada".into(),
            text: text.into(),
        }),
    )
}

fn received(event: Envelope<Payload>) -> Action {
    Action::Received(Received {
        event,
        received_us: 5,
    })
}

fn ids<'a>(entries: impl Iterator<Item = &'a Entry>) -> Vec<u64> {
    entries
        .filter_map(|entry| match &entry.item {
            Item::Event(received) => Some(received.event.id.sequence()),
            Item::Gap(_) | Item::Unknown(_) | Item::DecodeFailed(_) | Item::Dropped(_) => None,
        })
        .collect()
}

/// A gap on a prefix: the hub names the pattern when the topics that lost
/// events are forgotten.
fn gap() -> Gap {
    Gap {
        topic: TopicPattern::parse("chat/*").unwrap(),
        after: EventId::new(1, 1),
        through: EventId::new(1, 9),
    }
}

#[test]
fn keeps_events_newest_first() {
    let feed = Rc::new(Feed::default())
        .reduce(received(chat(1, "a")))
        .reduce(received(chat(2, "b")));
    assert_eq!(ids(feed.entries()), [2, 1]);
}

#[test]
fn drops_the_oldest_beyond_capacity() {
    let mut feed = Rc::new(Feed::new(3));
    for id in 1..=5 {
        feed = feed.reduce(received(chat(id, "x")));
    }
    assert_eq!(ids(feed.entries()), [5, 4, 3]);
}

#[test]
fn the_default_capacity_bounds_the_feed_and_a_batch_too() {
    let batch = (0..(DEFAULT_CAPACITY as u64 + 10))
        .map(|id| Incoming {
            received_us: 1,
            message: Ok(Delivery::Event(chat(id, "x"))),
        })
        .collect();
    let feed = Rc::new(Feed::default()).reduce(Action::Batch(batch));
    assert_eq!(feed.entries().len(), DEFAULT_CAPACITY);
    assert_eq!(feed.chat().len(), CHAT_CAPACITY);
}

#[test]
fn no_op_actions_return_the_same_feed() {
    let feed = Rc::new(Feed::default()).reduce(received(chat(1, "a")));
    for action in [
        received(chat(1, "a")),
        Action::Batch(Vec::new()),
        Action::SetPaused(false),
        Action::SetFilter(Filter::default()),
        Action::Dropped(0),
    ] {
        let again = Rc::clone(&feed).reduce(action.clone());
        assert!(Rc::ptr_eq(&feed, &again), "{action:?} changed the feed");
    }
}

#[test]
fn a_reused_id_with_new_content_is_kept() {
    let feed = Rc::new(Feed::default())
        .reduce(received(chat(1, "before restart")))
        .reduce(received(chat(1, "after restart")));
    assert_eq!(ids(feed.entries()), [1, 1]);
}

#[test]
fn gaps_and_decode_failures_are_entries() {
    let error = DecodeError::UnknownName { name: "x".into() };
    let feed = Rc::new(Feed::default())
        .reduce(Action::Gap(gap()))
        .reduce(Action::DecodeFailed(error.clone()));
    let items: Vec<&Item> = feed.entries().map(|entry| &entry.item).collect();
    assert_eq!(
        items,
        [
            &Item::DecodeFailed(Rc::new(error)),
            &Item::Gap(Rc::new(gap()))
        ]
    );
}

#[test]
fn keys_stay_unique_after_eviction() {
    let mut feed = Rc::new(Feed::new(2));
    for id in 1..=4 {
        feed = feed.reduce(received(chat(id, "x")));
    }
    let keys: Vec<u64> = feed.entries().map(|entry| entry.key).collect();
    assert_eq!(keys, [3, 2]);
}

#[test]
fn pausing_freezes_the_list_but_not_the_views() {
    let feed = Rc::new(Feed::default())
        .reduce(received(chat(1, "a")))
        .reduce(Action::SetPaused(true))
        .reduce(received(chat(2, "b")))
        .reduce(received(event(3, "m", Payload::Metrics(sample(5.0)))));
    assert!(feed.paused());
    assert_eq!(ids(feed.visible()), [1]);
    assert_eq!(feed.unseen(), 2);
    assert_eq!(feed.chat().len(), 2);
    assert_eq!(feed.metrics.samples(), 1);
    let feed = feed.reduce(Action::SetPaused(false));
    assert_eq!(ids(feed.visible()), [3, 2, 1]);
}

#[test]
fn filters_by_kind_and_by_text() {
    let notice = event(
        2,
        "ops",
        Payload::Notice(Notice {
            level: NoticeLevel::Warning,
            text: "Disk full".into(),
        }),
    );
    let feed = Rc::new(Feed::default())
        .reduce(received(chat(1, "hello")))
        .reduce(received(notice))
        .reduce(Action::Gap(gap()));
    let only = |kind, text: &str| {
        let filter = Filter {
            kind,
            text: text.into(),
        };
        ids(Rc::clone(&feed).reduce(Action::SetFilter(filter)).visible())
    };
    assert_eq!(only(None, ""), [2, 1]);
    assert_eq!(only(Some(kinds::CHAT), ""), [1]);
    assert_eq!(only(None, "DISK"), [2]);
    assert_eq!(only(None, "lobby"), [1]);
    assert_eq!(only(Some(kinds::CHAT), "disk"), Vec::<u64>::new());
    let gaps = Rc::clone(&feed).reduce(Action::SetFilter(Filter {
        kind: None,
        text: "gap".into(),
    }));
    assert_eq!(gaps.visible().count(), 1);
    let by_pattern = Rc::clone(&feed).reduce(Action::SetFilter(Filter {
        kind: None,
        text: "chat/*".into(),
    }));
    assert_eq!(by_pattern.visible().count(), 1);
}

#[test]
fn events_feed_the_derived_views() {
    let probe = |id, ts| {
        event(
            id,
            "probe",
            Payload::LatencyProbe(LatencyProbe { seq: id, ts }),
        )
    };
    let mut feed = Rc::new(Feed::default());
    for id in 1..=7 {
        feed = feed.reduce(Action::Received(Received {
            event: probe(id, 1_000),
            received_us: 1_000 + id * 1_000,
        }));
        feed = feed.reduce(received(event(
            100 + id,
            "ops",
            Payload::Notice(Notice {
                level: NoticeLevel::Info,
                text: format!("n{id}"),
            }),
        )));
    }
    let summary = feed.latency.summary().unwrap();
    assert_eq!((summary.count, summary.median_us), (7, 4_000.0));
    assert_eq!(feed.notices().len(), NOTICE_CAPACITY);
    assert_eq!(
        feed.notices().next().map(|n| n.event.id.sequence()),
        Some(107)
    );
}

#[test]
fn a_gap_breaks_the_metrics_series() {
    let metrics = |id| received(event(id, "system/metrics", Payload::Metrics(sample(1.0))));
    let feed = Rc::new(Feed::default())
        .reduce(metrics(1))
        .reduce(Action::Gap(gap()))
        .reduce(metrics(2));
    assert_eq!(feed.metrics.slots().len(), 3);
    assert_eq!(feed.metrics.samples(), 2);
}

#[test]
fn incoming_messages_become_actions() {
    let event = chat(4, "hi");
    let action = Action::from(Incoming {
        received_us: 42,
        message: Ok(Delivery::Event(event.clone())),
    });
    assert_eq!(
        action,
        Action::Received(Received {
            event,
            received_us: 42
        })
    );
    let error = DecodeError::UnknownName { name: "x".into() };
    let action = Action::from(Incoming {
        received_us: 42,
        message: Err(error.clone()),
    });
    assert_eq!(action, Action::DecodeFailed(error));
}

#[test]
fn an_unknown_event_is_a_line_of_its_kind_that_derives_nothing() {
    let unknown = Unknown {
        id: EventId::new(1, 6),
        topic: Topic::parse("chat/lobby").unwrap(),
        kind: kinds::CHAT,
        json: r#"{"id":"1-6","topic":"chat/lobby","event":{"type":"chat","emoji":"x"}}"#.into(),
    };
    let action = Action::from(Incoming {
        received_us: 42,
        message: Ok(Delivery::Unknown(unknown.clone())),
    });
    assert_eq!(action, Action::Unknown(unknown.clone()));
    let feed = Rc::new(Feed::default()).reduce(action);
    let [entry] = feed.entries().collect::<Vec<_>>()[..] else {
        panic!("one line");
    };
    assert_eq!(entry.item, Item::Unknown(Rc::new(unknown)));
    assert_eq!(entry.item.kind(), Some(&kinds::CHAT));
    assert!(entry.haystack.contains("emoji"), "{}", entry.haystack);
    assert_eq!(feed.chat().len(), 0, "not in the conversation");
}

#[test]
fn dropped_messages_are_a_line_that_breaks_the_charts() {
    let metrics = |id| received(event(id, "system/metrics", Payload::Metrics(sample(1.0))));
    let feed = Rc::new(Feed::default())
        .reduce(metrics(1))
        .reduce(Action::Dropped(29_000))
        .reduce(metrics(2));
    let items: Vec<&Item> = feed.entries().map(|entry| &entry.item).collect();
    assert_eq!(items.get(1), Some(&&Item::Dropped(29_000)));
    assert_eq!(items.len(), 3);
    assert_eq!(feed.metrics.slots().len(), 3, "a break between the samples");
    assert_eq!(feed.metrics.samples(), 2);
    let dropped = Rc::clone(&feed).reduce(Action::SetFilter(Filter {
        kind: None,
        text: "dropped".into(),
    }));
    assert_eq!(dropped.visible().count(), 1);
    let chats = feed.reduce(Action::SetFilter(Filter {
        kind: Some(kinds::CHAT),
        text: String::new(),
    }));
    assert_eq!(chats.visible().count(), 0, "a kind shows only its events");
}

#[test]
fn the_filter_searches_only_what_a_long_text_shows() {
    let long = format!("{}needle", "x".repeat(60 * 1024));
    let notice = event(
        1,
        "ops",
        Payload::Notice(Notice {
            level: NoticeLevel::Info,
            text: long,
        }),
    );
    let feed = Rc::new(Feed::default()).reduce(received(notice));
    let entry = feed.entries().next().unwrap();
    assert!(
        entry.haystack.len() < TEXT_CHARS + 64,
        "{}",
        entry.haystack.len()
    );
    let found = feed.reduce(Action::SetFilter(Filter {
        kind: None,
        text: "needle".into(),
    }));
    assert_eq!(
        found.visible().count(),
        0,
        "the needle is past what is shown"
    );
}
