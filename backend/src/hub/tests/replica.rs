//! A hub fed by a cluster: numbers given in order, envelopes checked again,
//! positions of other nodes, losses, and the move to the cluster's next run.

use super::*;

/// An event as the node that published it sends it to the cluster.
fn prepared(name: &str, seq: u64) -> Prepared {
    Prepared::new(topic(name), &probe(seq)).unwrap()
}

fn apply(hub: &Hub, sequence: u64, event: &Prepared) -> Result<Frame, ApplyError> {
    hub.apply(
        sequence,
        event.topic.clone(),
        event.kind().as_str(),
        &event.envelope,
    )
}

#[test]
fn a_replica_takes_the_clusters_numbers_in_order_and_no_replay() {
    let hub = Hub::replica(limits(8), 7);
    let mut all = hub.subscribe(topics(&["a", "b"]), None).unwrap();
    let first = apply(&hub, 3, &prepared("a", 1)).unwrap();
    assert_eq!(first.id(), EventId::new(7, 3));
    apply(&hub, 4, &prepared("b", 2)).unwrap();
    assert!(matches!(
        apply(&hub, 4, &prepared("a", 3)),
        Err(ApplyError::Replayed(4))
    ));
    assert!(matches!(
        apply(&hub, 2, &prepared("a", 3)),
        Err(ApplyError::Replayed(2))
    ));
    assert_eq!([seq(all.try_next()), seq(all.try_next())], [1, 2]);
    assert!(all.try_next().is_none(), "a replay changes nothing");
    assert!(matches!(
        hub.publish(topic("a"), &probe(9)),
        Err(PublishError::Replica)
    ));
}

#[test]
fn a_replica_refuses_an_envelope_it_cannot_serve_and_changes_nothing() {
    let hub = Hub::replica(limits(8), 1);
    let event = prepared("a", 1);
    let refuse = |kind: &str, envelope: &str| hub.apply(1, topic("a"), kind, envelope).unwrap_err();
    assert!(matches!(
        refuse("no pe", &event.envelope),
        ApplyError::InvalidKind(_)
    ));
    assert!(matches!(
        refuse("chat", "{not json"),
        ApplyError::Malformed(_)
    ));
    assert!(matches!(
        refuse("chat", "{\"a\":\"line\\nbreak\"}\n"),
        ApplyError::Malformed(_) | ApplyError::Framing(_)
    ));
    assert!(listed(&hub).is_empty());
    // The number was not used up: it can still come.
    apply(&hub, 1, &event).unwrap();
}

#[test]
fn a_replica_resumes_after_a_number_it_has_not_taken_in_yet() {
    let hub = Hub::replica(limits(8), 5);
    apply(&hub, 1, &prepared("a", 1)).unwrap();
    let mut ahead = hub
        .subscribe(topics(&["a"]), Some(EventId::new(5, 3)))
        .unwrap();
    assert!(ahead.try_next().is_none(), "no gap: it waits");
    apply(&hub, 3, &prepared("a", 3)).unwrap();
    assert!(ahead.try_next().is_none(), "3 was seen on another node");
    apply(&hub, 4, &prepared("a", 4)).unwrap();
    assert_eq!(seq(ahead.try_next()), 4);
}

#[test]
fn events_the_cluster_no_longer_has_reach_readers_as_a_gap() {
    let hub = Hub::replica(limits(8), 2);
    apply(&hub, 1, &prepared("a", 1)).unwrap();
    let mut reader = hub.subscribe(topics(&["a"]), None).unwrap();
    let mut pattern = hub.subscribe(topics(&["a", "b/*"]), None).unwrap();
    hub.lose_through(9);
    apply(&hub, 10, &prepared("a", 10)).unwrap();
    for subscription in [&mut reader, &mut pattern] {
        match subscription.try_next() {
            Some(Framed::Gap(gap)) => {
                assert_eq!(
                    (gap.after, gap.through),
                    (EventId::new(2, 1), EventId::new(2, 9))
                );
            }
            other => panic!("expected a gap, got {other:?}"),
        }
        assert_eq!(seq(subscription.try_next()), 10);
    }
    // A pattern resumed from before the loss hears of it too.
    let mut later = hub
        .subscribe(topics(&["b/*"]), Some(EventId::new(2, 1)))
        .unwrap();
    assert!(matches!(later.try_next(), Some(Framed::Gap(_))));
}

#[test]
fn a_retired_replica_hands_every_subscription_to_the_next_run_with_a_gap() {
    let old = Hub::replica(limits(8), 1);
    let envelope = |text: &str| {
        Prepared::new(topic("a"), &chat(text))
            .unwrap()
            .envelope
            .clone()
    };
    old.apply(1, topic("a"), "chat", &envelope("old")).unwrap();
    let mut named = old.subscribe(topics(&["a"]), None).unwrap();
    let mut matched = old.subscribe(topics(&["a", "b/*"]), None).unwrap();
    let next = Hub::replica(limits(8), 2);
    next.apply(1, topic("a"), "chat", &envelope("new")).unwrap();
    old.retire(next.clone());
    for (subscription, patterns) in [(&mut named, vec!["a"]), (&mut matched, vec!["a", "b/*"])] {
        for pattern in patterns {
            match subscription.try_next() {
                Some(Framed::Gap(gap)) => {
                    assert_eq!(gap.topic.to_string(), pattern);
                    assert_eq!(gap.after, EventId::new(1, 1));
                    assert_eq!(gap.through, EventId::new(2, 0));
                }
                other => panic!("expected a gap on {pattern}, got {other:?}"),
            }
        }
        // The next run from its start.
        match subscription.try_next() {
            Some(Framed::Event(frame)) => assert_eq!(frame.id(), EventId::new(2, 1)),
            other => panic!("expected the next run's first event, got {other:?}"),
        }
        assert_eq!(subscription.try_next().map(|_| ()), None);
    }
    assert_eq!(old.subscriptions(), 0, "every subscription left");
    assert_eq!(next.subscriptions(), 2, "and moved on");
}
