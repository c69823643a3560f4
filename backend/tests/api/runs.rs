//! A cluster whose Redis loses its run (restarted empty, flushed, its
//! stream lost, an older snapshot restored): the nodes stay up and move to
//! the next run, every stream is told of a gap and goes on, and no
//! accepted event is lost or numbered twice.

use std::collections::BTreeSet;
use std::time::Duration;

use herald_wire::EventId;
use herald_wire::protocol::{READY_PATH, publish_path};
use reqwest::StatusCode;
use testkit::{Message, Stream, TestApp, chat, eventually, query, spawn_node};

use crate::cluster::wait_for_status;
use crate::redis_server::{Mode, Proxy, RedisServer};

/// Publishes `text` to `topic` until the cluster takes it (it refuses
/// publishes with 503 while it moves to a new run), and returns its id.
async fn publish_once_taken(node: &TestApp, topic: &str, text: &str) -> EventId {
    let taken = std::sync::Mutex::new(None);
    eventually("publishing resumes", || async {
        let response = node.try_publish(topic, &chat(text)).await;
        if response.status() != StatusCode::ACCEPTED {
            return false;
        }
        let published: herald_wire::Published = response.json().await.unwrap();
        *taken.lock().unwrap() = Some(published.id);
        true
    })
    .await;
    taken.into_inner().unwrap().unwrap()
}

/// Reads `stream` past the gaps a move to a new run tells, checking each
/// is from `before` into the run of `after`, up to the event `after`;
/// returns the patterns the gaps named.
async fn told_of_the_new_run(stream: &mut Stream, before: EventId, after: EventId) -> Vec<String> {
    let mut gaps = Vec::new();
    loop {
        match stream.next().await {
            Message::Gap(gap) => {
                assert_eq!(gap.after, before, "{gap:?}");
                assert_eq!(gap.through, EventId::new(after.epoch(), 0), "{gap:?}");
                gaps.push(gap.topic.to_string());
            }
            Message::Event(event) => {
                assert_eq!(event.id, after);
                return gaps;
            }
        }
    }
}

#[tokio::test]
async fn a_cluster_whose_redis_loses_its_data_moves_to_a_new_run_and_tells_every_stream() {
    let redis = RedisServer::start().await;
    let nodes = [
        spawn_node(&redis.url(), &[]).await,
        spawn_node(&redis.url(), &[]).await,
    ];
    let mut named = nodes[0].open_stream(&query(&["w"]), None).await;
    let mut matched = nodes[1].open_stream(&query(&["w", "x/*"]), None).await;
    let before = nodes[0].publish("w", &chat("before")).await.id;
    assert_eq!(named.next_event().await.id, before);
    assert_eq!(matched.next_event().await.id, before);
    // Restarted without persistence, or flushed: the run is gone.
    let () = redis::cmd("FLUSHALL")
        .query_async(&mut redis.connection().await)
        .await
        .unwrap();
    let after = publish_once_taken(&nodes[1], "w", "after").await;
    assert_ne!(after.epoch(), before.epoch(), "a new run");
    assert_eq!(told_of_the_new_run(&mut named, before, after).await, ["w"]);
    assert_eq!(
        told_of_the_new_run(&mut matched, before, after).await,
        ["w", "x/*"]
    );
    for node in &nodes {
        wait_for_status(node, READY_PATH, StatusCode::OK).await;
        assert_eq!(
            node.publish("w", &chat("on")).await.id.epoch(),
            after.epoch()
        );
    }
}

#[tokio::test]
async fn a_redis_restarted_empty_under_a_steady_publish_rate_loses_no_accepted_event() {
    let mut redis = RedisServer::start().await;
    let nodes = [
        spawn_node(&redis.url(), &[]).await,
        spawn_node(&redis.url(), &[]).await,
    ];
    let mut streams = Vec::new();
    for node in &nodes {
        streams.push(node.open_stream(&query(&["s/*"]), None).await);
    }
    // A publisher at a steady rate, through the first node, keeping the
    // ids of what the cluster accepted.
    let (client, url) = (nodes[0].client.clone(), nodes[0].url(&publish_path("s/1")));
    let accepted = std::sync::Arc::new(std::sync::Mutex::new(Vec::<EventId>::new()));
    let publisher = tokio::spawn({
        let accepted = std::sync::Arc::clone(&accepted);
        async move {
            let mut ticks = tokio::time::interval(Duration::from_millis(10));
            loop {
                ticks.tick().await;
                let Ok(response) = client.post(&url).json(&chat("tick")).send().await else {
                    continue;
                };
                if response.status() == StatusCode::ACCEPTED {
                    let published: herald_wire::Published = response.json().await.unwrap();
                    accepted.lock().unwrap().push(published.id);
                }
            }
        }
    });
    let epochs = |accepted: &[EventId]| {
        accepted
            .iter()
            .map(|id| id.epoch())
            .collect::<BTreeSet<_>>()
    };
    eventually("events flow", || async {
        accepted.lock().unwrap().len() >= 5
    })
    .await;
    redis.stop();
    redis.restart().await;
    eventually("the new run takes publishes", || async {
        let accepted = accepted.lock().unwrap();
        epochs(&accepted).len() == 2 && accepted.last().is_some_and(|id| id.sequence() >= 5)
    })
    .await;
    publisher.abort();
    let accepted = accepted.lock().unwrap().clone();
    let first_run = accepted[0].epoch();
    for stream in &mut streams {
        let mut delivered = Vec::new();
        let mut gaps = Vec::new();
        while delivered.last() != accepted.last() {
            match stream.next().await {
                Message::Event(event) => delivered.push(event.id),
                Message::Gap(gap) => gaps.push((gap.after.epoch(), gap.through)),
            }
        }
        // Every accepted event, in order, once; one gap, at the move.
        assert_eq!(delivered, accepted);
        assert_eq!(gaps.len(), 1, "{gaps:?}");
        assert_eq!(gaps[0].0, first_run);
        assert_ne!(gaps[0].1.epoch(), first_run);
    }
}

#[tokio::test]
async fn a_cluster_whose_events_are_lost_but_not_its_epoch_moves_to_a_new_run() {
    // Numbering on inside the old run would give new events ids that
    // clients already passed.
    let redis = RedisServer::start().await;
    let node = spawn_node(&redis.url(), &[]).await;
    let mut stream = node.open_stream(&query(&["e"]), None).await;
    let mut before = None;
    for n in 0..3 {
        before = Some(node.publish("e", &chat(&n.to_string())).await.id);
        assert_eq!(Some(stream.next_event().await.id), before);
    }
    let before = before.unwrap();
    let () = redis::cmd("DEL")
        .arg("herald:events")
        .query_async(&mut redis.connection().await)
        .await
        .unwrap();
    let after = publish_once_taken(&node, "e", "after").await;
    assert_ne!(after.epoch(), before.epoch(), "a new run");
    assert_eq!(told_of_the_new_run(&mut stream, before, after).await, ["e"]);
}

#[tokio::test]
async fn a_cluster_whose_redis_comes_back_older_than_what_it_served_moves_to_a_new_run() {
    let redis = RedisServer::start().await;
    let proxy = Proxy::start(redis.addr()).await;
    let node = spawn_node(&proxy.url(), &[]).await;
    let mut stream = node.open_stream(&query(&["old"]), None).await;
    let mut before = None;
    for n in 0..3 {
        before = Some(node.publish("old", &chat(&n.to_string())).await.id);
        assert_eq!(Some(stream.next_event().await.id), before);
    }
    let before = before.unwrap();
    proxy.set(Mode::Cut);
    wait_for_status(&node, READY_PATH, StatusCode::SERVICE_UNAVAILABLE).await;
    // What Redis restored from an older snapshot looks like: the same run,
    // its stream back at event 1.
    let mut connection = redis.connection().await;
    let () = redis::pipe()
        .cmd("XTRIM")
        .arg("herald:events")
        .arg("MAXLEN")
        .arg(0)
        .ignore()
        .cmd("XSETID")
        .arg("herald:events")
        .arg("0-1")
        .ignore()
        .query_async(&mut connection)
        .await
        .unwrap();
    proxy.set(Mode::Pass);
    wait_for_status(&node, READY_PATH, StatusCode::OK).await;
    let after = publish_once_taken(&node, "old", "after").await;
    assert_ne!(after.epoch(), before.epoch(), "a new run");
    assert_eq!(
        told_of_the_new_run(&mut stream, before, after).await,
        ["old"]
    );
}
