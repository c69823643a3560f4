//! The hub's own cost, without HTTP: publish and delivery on one and on two
//! threads over distinct topics (does it scale with cores?), one event
//! fanned out to 10,000 subscriptions, and a pattern stream resumed over
//! 20,000 topics of one event each (does a delivery cost the same however
//! many topics have something unread?).
//!
//! `cargo bench -p herald-hub --bench hub`. The HTTP path, with real sockets
//! and SSE parsing, is the load tool's (`loadgen/`, `herald-load`).

use std::collections::BTreeSet;
use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use herald_dashboard_events::{Chat, Payload};
use herald_hub::hub::{Framed, Hub, Limits, Subscription};
use herald_wire::{Topic, TopicPattern};

fn hub() -> Hub {
    Hub::new(Limits {
        history: 1_000,
        topic_bytes: 16 << 20,
        total_bytes: 256 << 20,
        max_topics: 100_000,
        max_subscribers: 100_000,
    })
}

fn topic(name: &str) -> Topic {
    Topic::parse(name).expect("a valid topic")
}

fn follow(hub: &Hub, name: &str) -> Subscription {
    let topics = BTreeSet::from([TopicPattern::Exact(topic(name))]);
    hub.subscribe(topics, None)
        .expect("room for a subscription")
}

fn chat() -> Payload {
    Payload::Chat(Chat {
        author: "bench".into(),
        text: "a short line of chat, as most events are".into(),
    })
}

/// Publishes `count` events to `name` and delivers each to one subscriber.
fn publish_and_deliver(hub: &Hub, name: &str, count: u64) {
    let topic = topic(name);
    let mut subscription = follow(hub, name);
    for _ in 0..count {
        hub.publish(topic.clone(), &chat()).expect("published");
        match subscription.try_next() {
            Some(Framed::Event(frame)) => {
                black_box(frame.sse());
            }
            other => panic!("expected the event, got {other:?}"),
        }
    }
}

fn threads(c: &mut Criterion) {
    let mut group = c.benchmark_group("publish_and_deliver");
    for threads in [1_u64, 2] {
        group.throughput(Throughput::Elements(threads));
        group.bench_function(format!("{threads}_threads"), |b| {
            b.iter_custom(|iterations| {
                let hub = hub();
                let start = Instant::now();
                std::thread::scope(|scope| {
                    for thread in 0..threads {
                        let hub = &hub;
                        scope.spawn(move || {
                            publish_and_deliver(hub, &format!("bench/{thread}"), iterations);
                        });
                    }
                });
                start.elapsed()
            });
        });
    }
    group.finish();
}

fn fan_out(c: &mut Criterion) {
    const SUBSCRIBERS: u64 = 10_000;
    let mut group = c.benchmark_group("fan_out");
    group.throughput(Throughput::Elements(SUBSCRIBERS));
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("10000_subscribers", |b| {
        let hub = hub();
        let mut subscriptions: Vec<Subscription> = (0..SUBSCRIBERS)
            .map(|_| follow(&hub, "bench/fan"))
            .collect();
        let topic = topic("bench/fan");
        b.iter(|| {
            hub.publish(topic.clone(), &chat()).expect("published");
            for subscription in &mut subscriptions {
                black_box(subscription.try_next());
            }
        });
    });
    group.finish();
}

fn pattern_resume(c: &mut Criterion) {
    const TOPICS: u64 = 20_000;
    let mut group = c.benchmark_group("pattern_resume");
    group.throughput(Throughput::Elements(TOPICS));
    group.sample_size(10);
    group.bench_function("20000_topics", |b| {
        let hub = hub();
        let first = hub.publish(topic("r/0"), &chat()).expect("published").id();
        for n in 1..TOPICS {
            hub.publish(topic(&format!("r/{n}")), &chat())
                .expect("published");
        }
        let pattern = BTreeSet::from([TopicPattern::parse("r/*").expect("a valid pattern")]);
        b.iter(|| {
            let mut subscription = hub
                .subscribe(pattern.clone(), Some(first))
                .expect("room for a subscription");
            let mut delivered = 0;
            while let Some(delivery) = subscription.try_next() {
                black_box(delivery);
                delivered += 1;
            }
            assert_eq!(delivered, TOPICS - 1);
        });
    });
    group.finish();
}

criterion_group!(benches, threads, fan_out, pattern_resume);
criterion_main!(benches);
