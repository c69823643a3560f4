//! The hub through its own interface: ordering, resume, gaps, budgets,
//! patterns, replicas, and floods from several threads.

use herald_dashboard_events::{Chat, LatencyProbe, Payload};

use super::*;

#[cfg(feature = "cluster")]
mod replica;

/// Limits that bound only what a test sets.
fn limits(history: usize) -> Limits {
    Limits {
        history,
        topic_bytes: usize::MAX,
        total_bytes: usize::MAX,
        max_topics: usize::MAX,
        max_subscribers: 8,
    }
}

fn hub(history: usize) -> Hub {
    Hub::new(limits(history))
}

fn topic(name: &str) -> Topic {
    Topic::parse(name).unwrap()
}

/// Topics or patterns, as a stream names them.
fn topics(names: &[&str]) -> BTreeSet<TopicPattern> {
    names
        .iter()
        .map(|name| TopicPattern::parse(name).unwrap())
        .collect()
}

/// Every topic the hub lists, on one page.
fn listed(hub: &Hub) -> Vec<TopicInfo> {
    let list = hub.topics(&BTreeSet::new(), None, 1_000, &|_| Visibility::Shown);
    assert_eq!(list.next_after, None);
    list.topics
}

fn probe(seq: u64) -> Payload {
    Payload::LatencyProbe(LatencyProbe { seq, ts: 0 })
}

/// The frame's event, read back from its stored JSON.
fn decoded(frame: &Frame) -> herald_wire::Envelope<Payload> {
    let event: herald_wire::Envelope<Payload> = serde_json::from_slice(&frame.json()).unwrap();
    assert_eq!((event.id, &event.topic), (frame.id(), frame.topic()));
    assert_eq!(
        frame.json(),
        serde_json::to_vec(&event).unwrap(),
        "the hub writes an event as serde does"
    );
    event
}

fn seq(delivery: Option<Framed>) -> u64 {
    match delivery {
        Some(Framed::Event(frame)) => match decoded(&frame).event {
            Payload::LatencyProbe(probe) => probe.seq,
            ref other => panic!("unexpected payload {other:?}"),
        },
        other => panic!("expected an event, got {other:?}"),
    }
}

#[test]
fn ids_increase_across_topics() {
    let hub = hub(4);
    let a = hub.publish(topic("a"), &probe(1)).unwrap().id();
    let b = hub.publish(topic("b"), &probe(2)).unwrap().id();
    let c = hub.publish(topic("a"), &probe(3)).unwrap().id();
    assert!(a < b && b < c);
}

#[test]
fn a_new_subscription_sees_only_new_events() {
    let hub = hub(4);
    hub.publish(topic("a"), &probe(1)).unwrap();
    let mut subscription = hub.subscribe(topics(&["a"]), None).unwrap();
    assert!(subscription.try_next().is_none());
    hub.publish(topic("a"), &probe(2)).unwrap();
    assert_eq!(seq(subscription.try_next()), 2);
    assert!(subscription.try_next().is_none());
}

#[test]
fn multi_topic_delivery_follows_id_order() {
    let hub = hub(8);
    let mut subscription = hub.subscribe(topics(&["b", "a", "a"]), None).unwrap();
    for (index, name) in ["a", "b", "b", "c", "a"].into_iter().enumerate() {
        hub.publish(topic(name), &probe(index as u64)).unwrap();
    }
    let received: Vec<u64> = (0..4).map(|_| seq(subscription.try_next())).collect();
    assert_eq!(received, [0, 1, 2, 4]);
    assert!(subscription.try_next().is_none());
}

#[test]
fn resuming_replays_after_the_given_id() {
    let hub = hub(8);
    let ids: Vec<EventId> = (0..5)
        .map(|n| hub.publish(topic("a"), &probe(n)).unwrap().id())
        .collect();
    let mut subscription = hub.subscribe(topics(&["a"]), Some(ids[1])).unwrap();
    let replayed: Vec<u64> = (0..3).map(|_| seq(subscription.try_next())).collect();
    assert_eq!(replayed, [2, 3, 4]);
    assert!(subscription.try_next().is_none());
}

#[test]
fn evicted_history_is_reported_once_as_a_gap() {
    let hub = hub(2);
    let first = hub.publish(topic("a"), &probe(0)).unwrap().id();
    let mut evicted = first;
    for n in 1..4 {
        let id = hub.publish(topic("a"), &probe(n)).unwrap().id();
        if n == 1 {
            evicted = id;
        }
    }
    let mut subscription = hub.subscribe(topics(&["a"]), Some(first)).unwrap();
    match subscription.try_next() {
        Some(Framed::Gap(gap)) => {
            assert_eq!(gap.after, first);
            assert_eq!(gap.through, evicted);
        }
        other => panic!("expected a gap, got {other:?}"),
    }
    assert_eq!(seq(subscription.try_next()), 2);
    assert_eq!(seq(subscription.try_next()), 3);
    assert!(subscription.try_next().is_none());
}

/// What a subscription after `after` on `name` delivers at once, as
/// `None` for a gap and the probe's `seq` for an event.
fn drain(hub: &Hub, name: &str, after: EventId) -> Vec<Option<u64>> {
    let mut subscription = hub.subscribe(topics(&[name]), Some(after)).unwrap();
    std::iter::from_fn(|| subscription.try_next())
        .map(|delivery| match delivery {
            Framed::Gap(gap) => {
                assert_eq!(gap.after, after, "the gap starts at the client's id");
                None
            }
            event => Some(seq(Some(event))),
        })
        .collect()
}

#[test]
fn an_id_from_another_run_reports_a_gap_then_replays_everything() {
    let hub = Hub::with_epoch(limits(4), 1_000);
    hub.publish(topic("a"), &probe(0)).unwrap();
    hub.publish(topic("a"), &probe(1)).unwrap();
    for unknown in [
        EventId::new(1_000, 3),
        EventId::new(999, 1),
        EventId::new(1_001, 1),
        EventId::new(u64::MAX, u64::MAX),
    ] {
        assert_eq!(
            drain(&hub, "a", unknown),
            [None, Some(0), Some(1)],
            "{unknown}"
        );
    }
    assert_eq!(drain(&hub, "a", EventId::new(1_000, 1)), [Some(1)]);
}

#[test]
fn a_clock_stepped_back_across_a_restart_skips_nothing() {
    // The first run started later by the clock than the one after it,
    // and its client saw more events than the new run has yet.
    let first = Hub::with_epoch(limits(16), 2_000);
    let mut seen = EventId::start(2_000);
    for n in 0..8 {
        seen = first.publish(topic("a"), &probe(n)).unwrap().id();
    }
    let restarted = Hub::with_epoch(limits(16), 1_000);
    for n in 100..110 {
        restarted.publish(topic("a"), &probe(n)).unwrap();
    }
    let expected: Vec<Option<u64>> = std::iter::once(None).chain((100..110).map(Some)).collect();
    assert_eq!(drain(&restarted, "a", seen), expected);
}

#[test]
fn ids_are_counted_not_read_from_the_clock() {
    let hub = Hub::with_epoch(limits(4), 7);
    let ids: Vec<EventId> = (0..3)
        .map(|n| hub.publish(topic("a"), &probe(n)).unwrap().id())
        .collect();
    assert_eq!(
        ids,
        [EventId::new(7, 1), EventId::new(7, 2), EventId::new(7, 3)]
    );
}

#[test]
fn history_merges_the_newest_of_each_topic_in_id_order() {
    let hub = hub(8);
    let mut newest = EventId::start(0);
    for (index, name) in ["a", "b", "a", "c", "b", "a"].into_iter().enumerate() {
        newest = hub.publish(topic(name), &probe(index as u64)).unwrap().id();
    }
    let seqs = |history: History| -> Vec<u64> {
        assert_eq!(history.resume_after, newest, "resume after everything read");
        history
            .frames
            .into_iter()
            .map(|frame| seq(Some(Framed::Event(frame))))
            .collect()
    };
    let both = topics(&["b", "a", "a"]);
    assert_eq!(seqs(hub.history(&both, 2)), [1, 2, 4, 5]);
    assert_eq!(seqs(hub.history(&both, 10)), [0, 1, 2, 4, 5]);
    assert!(seqs(hub.history(&topics(&["none"]), 10)).is_empty());
    assert!(seqs(hub.history(&both, 0)).is_empty());
}

#[test]
fn resuming_after_an_empty_history_misses_nothing() {
    let hub = hub(8);
    hub.publish(topic("other"), &probe(0)).unwrap();
    let history = hub.history(&topics(&["quiet"]), 10);
    assert!(history.frames.is_empty());
    // Published between reading the history and opening the stream.
    hub.publish(topic("quiet"), &probe(1)).unwrap();
    let mut subscription = hub
        .subscribe(topics(&["quiet"]), Some(history.resume_after))
        .unwrap();
    assert_eq!(seq(subscription.try_next()), 1);
    assert!(subscription.try_next().is_none());
}

#[test]
fn dropping_the_last_subscription_forgets_an_empty_topic() {
    let hub = hub(4);
    hub.publish(topic("kept"), &probe(0)).unwrap();
    let first = hub.subscribe(topics(&["kept", "empty"]), None);
    let second = hub.subscribe(topics(&["empty"]), None);
    assert_eq!(listed(&hub).len(), 2);
    assert_eq!(hub.subscriptions(), 2);
    drop(first);
    assert_eq!(listed(&hub).len(), 2);
    drop(second);
    let topics = listed(&hub);
    assert_eq!(topics.len(), 1);
    assert_eq!(topics[0].topic, topic("kept"));
    assert_eq!(topics[0].subscribers, 0);
    assert_eq!(hub.subscriptions(), 0);
}

#[test]
fn subscriptions_are_capped() {
    let hub = Hub::new(Limits {
        max_subscribers: 1,
        ..limits(1)
    });
    let held = hub.subscribe(topics(&["a"]), None).unwrap();
    assert!(matches!(
        hub.subscribe(topics(&["a"]), None),
        Err(SubscribeError::Full { max: 1 })
    ));
    drop(held);
    assert!(hub.subscribe(topics(&["a"]), None).is_ok());
}

#[test]
fn non_finite_metrics_are_refused() {
    let hub = hub(1);
    let metrics = herald_dashboard_events::Metrics {
        cpu_total: f32::NAN,
        cpu_per_core: vec![],
        memory_used: 0,
        memory_total: 0,
        load: herald_dashboard_events::LoadAverage {
            one: 0.0,
            five: 0.0,
            fifteen: 0.0,
        },
        net_rx_per_sec: 0,
        net_tx_per_sec: 0,
    };
    let refused = hub.publish(topic("m"), &Payload::Metrics(metrics));
    let Err(PublishError::Encode(error)) = refused else {
        panic!("published: {refused:?}");
    };
    assert!(error.to_string().contains("cpu_total"), "{error}");
    assert!(listed(&hub).is_empty());
}

fn chat(text: &str) -> Payload {
    Payload::Chat(Chat {
        author: "a".into(),
        text: text.into(),
    })
}

/// The size of one frame of `chat("x")` on a one-letter topic.
fn chat_size() -> usize {
    hub(1).publish(topic("z"), &chat("x")).unwrap().size()
}

/// Opens a subscription after `after` and returns what it delivers at once.
fn replay(hub: &Hub, name: &str, after: EventId) -> Vec<Framed> {
    let mut subscription = hub.subscribe(topics(&[name]), Some(after)).unwrap();
    std::iter::from_fn(|| subscription.try_next()).collect()
}

#[test]
fn the_byte_budget_evicts_the_oldest_history_first_and_tells_readers() {
    let size = chat_size();
    let hub = Hub::new(Limits {
        total_bytes: 3 * size,
        ..limits(8)
    });
    let before = hub.history(&topics(&["a"]), 1).resume_after;
    let ids: Vec<EventId> = ["a", "b", "c", "b"]
        .iter()
        .map(|name| hub.publish(topic(name), &chat("x")).unwrap().id())
        .collect();
    assert_eq!(hub.retained_bytes(), 3 * size);
    // `a` lost its only event and, followed by nobody, is forgotten.
    let names: Vec<Topic> = listed(&hub).into_iter().map(|info| info.topic).collect();
    assert_eq!(names, [topic("b"), topic("c")]);
    let replayed = replay(&hub, "a", before);
    assert!(
        matches!(&replayed[..], [Framed::Gap(gap)] if gap.through >= ids[0]),
        "{replayed:?}"
    );
    // `b` keeps both its events: the oldest history went, not the busiest topic's.
    let replayed = replay(&hub, "b", before);
    let kept: Vec<EventId> = replayed
        .iter()
        .filter_map(|delivery| match delivery {
            Framed::Event(frame) => Some(frame.id()),
            Framed::Gap(_) => None,
        })
        .collect();
    assert_eq!(kept, [ids[1], ids[3]]);
}

#[test]
fn a_topic_keeps_its_byte_cap_and_always_its_newest_event() {
    let size = chat_size();
    let hub = Hub::new(Limits {
        topic_bytes: 2 * size,
        ..limits(8)
    });
    let start = hub.history(&topics(&["t"]), 1).resume_after;
    for _ in 0..3 {
        hub.publish(topic("t"), &chat("x")).unwrap();
    }
    assert_eq!(hub.retained_bytes(), 2 * size);
    let replayed = replay(&hub, "t", start);
    assert!(matches!(replayed[0], Framed::Gap(_)), "{replayed:?}");
    assert_eq!(replayed.len(), 3, "a gap, then the two newest");
    // An event larger than the cap is still kept, alone.
    let big = hub
        .publish(topic("t"), &chat(&"x".repeat(3 * size)))
        .unwrap();
    assert_eq!(hub.retained_bytes(), big.size());
}

#[test]
fn past_the_topic_cap_the_oldest_unfollowed_topic_makes_room() {
    let hub = Hub::new(Limits {
        max_topics: 2,
        ..limits(8)
    });
    let start = hub.history(&topics(&["a"]), 1).resume_after;
    hub.publish(topic("a"), &chat("x")).unwrap();
    hub.publish(topic("b"), &chat("x")).unwrap();
    let followed = hub.subscribe(topics(&["b"]), None).unwrap();
    hub.publish(topic("c"), &chat("x")).unwrap();
    let names: Vec<Topic> = listed(&hub).into_iter().map(|info| info.topic).collect();
    assert_eq!(
        names,
        [topic("b"), topic("c")],
        "`a` went, though older than nothing else"
    );
    assert!(matches!(&replay(&hub, "a", start)[..], [Framed::Gap(_)]));
    // With both remaining topics named by streams, the oldest of them
    // makes room: its stream had read it, so it is told of nothing.
    let mut also_followed = hub.subscribe(topics(&["c"]), None).unwrap();
    let mut followed = followed;
    hub.publish(topic("d"), &chat("x")).unwrap();
    let names: Vec<Topic> = listed(&hub).into_iter().map(|info| info.topic).collect();
    assert_eq!(
        names,
        [topic("b"), topic("c"), topic("d")],
        "`b` stays, named"
    );
    assert!(
        hub.history(&topics(&["b"]), 8).frames.is_empty(),
        "`b` lost its history"
    );
    assert!(followed.try_next().is_none(), "nothing unread was lost");
    // A stream that had not read what went is told.
    let _named_too = hub.subscribe(topics(&["d"]), None).unwrap();
    hub.publish(topic("c"), &chat("unread")).unwrap();
    hub.publish(topic("e"), &chat("x")).unwrap();
    assert!(matches!(also_followed.try_next(), Some(Framed::Gap(_))));
}

#[test]
fn a_prefix_subscriber_that_falls_behind_is_told_per_topic() {
    let hub = hub(2);
    let mut subscription = hub.subscribe(topics(&["p/*"]), None).unwrap();
    for n in 0..4 {
        hub.publish(topic("p/a"), &probe(n)).unwrap();
    }
    hub.publish(topic("q"), &probe(9)).unwrap();
    let deliveries: Vec<Framed> = std::iter::from_fn(|| subscription.try_next()).collect();
    assert!(
        matches!(&deliveries[0], Framed::Gap(gap) if gap.topic.to_string() == "p/a"),
        "{deliveries:?}"
    );
    let seqs: Vec<u64> = deliveries[1..]
        .iter()
        .map(|delivery| seq(Some(delivery.clone())))
        .collect();
    assert_eq!(seqs, [2, 3], "the two kept, nothing of `q`");
}

#[test]
fn a_forgotten_topic_under_a_pattern_is_reported_on_the_pattern() {
    let hub = Hub::new(Limits {
        max_topics: 1,
        ..limits(4)
    });
    let start = hub.history(&topics(&["x"]), 1).resume_after;
    hub.publish(topic("p/old"), &probe(0)).unwrap();
    // `p/old` is idle, so the next new topic drops it entirely.
    hub.publish(topic("q"), &probe(1)).unwrap();
    assert_eq!(listed(&hub).len(), 1);
    let mut subscription = hub.subscribe(topics(&["p/*"]), Some(start)).unwrap();
    match subscription.try_next() {
        Some(Framed::Gap(gap)) => assert_eq!(gap.topic.to_string(), "p/*"),
        other => panic!("expected a gap on the pattern, got {other:?}"),
    }
    assert!(subscription.try_next().is_none());
}

#[test]
fn a_dropped_prefix_subscription_follows_nothing_more() {
    let hub = hub(4);
    let subscription = hub.subscribe(topics(&["p/*"]), None).unwrap();
    hub.publish(topic("p/a"), &probe(0)).unwrap();
    drop(subscription);
    hub.publish(topic("p/b"), &probe(1)).unwrap();
    let counts: Vec<u64> = listed(&hub).iter().map(|info| info.subscribers).collect();
    assert_eq!(counts, [0, 0]);
    assert_eq!(hub.subscriptions(), 0);
}

/// Publishers on several threads, each on its own topics, and readers
/// over all of them: every reader gets every event once, in id order.
#[test]
fn concurrent_publishers_reach_every_reader_in_one_order() {
    const THREADS: u64 = 4;
    const EACH: u64 = 2_000;
    let hub = Hub::new(Limits {
        max_subscribers: 8,
        ..limits(usize::MAX)
    });
    let names: Vec<String> = (0..THREADS).map(|n| format!("t/{n}")).collect();
    let named: Vec<&str> = names.iter().map(String::as_str).collect();
    let mut readers = [
        hub.subscribe(topics(&named), None).unwrap(),
        hub.subscribe(topics(&["t/*"]), None).unwrap(),
        hub.subscribe(topics(&["*"]), None).unwrap(),
    ];
    let publishers: Vec<_> = (0..THREADS)
        .map(|thread| {
            let hub = hub.clone();
            std::thread::spawn(move || {
                for n in 0..EACH {
                    hub.publish(topic(&format!("t/{thread}")), &probe(n))
                        .unwrap();
                }
            })
        })
        .collect();
    let mut received: Vec<Vec<EventId>> = vec![Vec::new(); readers.len()];
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while received
        .iter()
        .any(|ids| (ids.len() as u64) < THREADS * EACH)
    {
        assert!(std::time::Instant::now() < deadline, "events went missing");
        for (reader, ids) in readers.iter_mut().zip(&mut received) {
            while let Some(delivery) = reader.try_next() {
                match delivery {
                    Framed::Event(frame) => ids.push(frame.id()),
                    Framed::Gap(gap) => panic!("unexpected {gap:?}"),
                }
            }
        }
        std::thread::yield_now();
    }
    for publisher in publishers {
        publisher.join().unwrap();
    }
    for ids in &received {
        assert_eq!(ids.len() as u64, THREADS * EACH);
        assert!(ids.windows(2).all(|pair| pair[0] < pair[1]), "in id order");
    }
    assert_eq!(received[0], received[1]);
    assert_eq!(received[1], received[2]);
}

/// Publishers flooding new topics on several threads, while streams
/// come and go: nothing deadlocks, and the caps hold once they are done.
#[test]
fn concurrent_floods_stay_within_the_caps() {
    const THREADS: usize = 4;
    const MAX_TOPICS: usize = 16;
    let size = chat_size();
    let hub = Hub::new(Limits {
        max_topics: MAX_TOPICS,
        total_bytes: 40 * size,
        max_subscribers: 64,
        ..limits(4)
    });
    let workers: Vec<_> = (0..THREADS)
        .map(|thread| {
            let hub = hub.clone();
            std::thread::spawn(move || {
                for n in 0..2_000 {
                    let name = format!("flood/{thread}/{n}");
                    // Every few topics a stream opens on one of them and
                    // on the whole flood, and closes again.
                    let streams = (n % 5 == 0).then(|| {
                        (
                            hub.subscribe(topics(&[&name]), None).unwrap(),
                            hub.subscribe(topics(&["flood/*"]), None).unwrap(),
                        )
                    });
                    hub.publish(topic(&name), &chat("x")).unwrap();
                    drop(streams);
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().unwrap();
    }
    let kept = listed(&hub);
    assert!(kept.len() <= MAX_TOPICS + THREADS, "{} topics", kept.len());
    assert!(kept.iter().all(|info| info.subscribers == 0));
    assert!(hub.retained_bytes() <= 40 * size + THREADS * size);
    assert_eq!(hub.subscriptions(), 0);
}

#[tokio::test]
async fn next_wakes_on_publish() {
    let hub = hub(4);
    let mut subscription = hub.subscribe(topics(&["chat"]), None).unwrap();
    let publisher = hub.clone();
    tokio::spawn(async move {
        let chat = Chat {
            author: "a".into(),
            text: "b".into(),
        };
        publisher
            .publish(topic("chat"), &Payload::Chat(chat))
            .unwrap();
    });
    let delivery = subscription.next().await;
    assert!(matches!(delivery, Framed::Event(frame) if frame.topic() == &topic("chat")));
}

#[test]
fn history_of_more_than_the_cap_is_the_newest_events_in_id_order() {
    const TOPICS: usize = 3_000;
    const EACH: usize = 4;
    let hub = hub(EACH);
    let mut published = Vec::new();
    for round in 0..EACH {
        for n in 0..TOPICS {
            let frame = hub
                .publish(topic(&format!("t/{n}")), &probe(round as u64))
                .unwrap();
            published.push(frame.id());
        }
    }
    let history = hub.history(&topics(&["t/*"]), EACH);
    let ids: Vec<EventId> = history.frames.iter().map(Frame::id).collect();
    let newest = &published[published.len() - Hub::HISTORY_MAX_EVENTS..];
    assert_eq!(ids, newest);
}
