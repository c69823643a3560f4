//! What an anonymous or hostile client can make the hub do, one test per
//! way found to make it leak, grow or stall; each failed before its fix.

use eventsource_stream::Eventsource;
use futures_util::StreamExt;
use herald_wire::protocol::{
    AFTER_PARAM, EVENTS_PATH, HEALTH_PATH, HISTORY_PATH, LIMIT_PARAM, METRICS_PATH, Query,
    TOKEN_PARAM, TOPICS_PATH, publish_path,
};
use herald_wire::{ErrorCode, TopicList};
use http_body_util::{BodyDataStream, BodyExt};
use hyper::Version;
use reqwest::StatusCode;
use testkit::{PATIENCE, TestApp, chat, eventually, query, spawn_app, spawn_node};
use tokio::io::AsyncReadExt;

use crate::auth::{publish_with, secured, token};
use crate::observe::sample;
use crate::redis_server::RedisServer;
use crate::tls::{Certificate, get, h2, h2_stream};

/// Walks `/api/topics` one name per page from `after`, as far as it goes,
/// and returns every name it saw, listed or as where a page continues.
async fn walk_topics(app: &TestApp, after: &str, token: Option<&str>) -> Vec<String> {
    let mut seen = Vec::new();
    let mut after = after.to_owned();
    loop {
        let mut query = Query::new()
            .param(LIMIT_PARAM, "1")
            .param(AFTER_PARAM, &after);
        if let Some(token) = token {
            query = query.param(TOKEN_PARAM, token);
        }
        let page: TopicList = app.get(&query.url(TOPICS_PATH)).await.json().await.unwrap();
        seen.extend(page.topics.iter().map(|info| info.topic.to_string()));
        let Some(next) = page.next_after else {
            return seen;
        };
        seen.push(next.to_string());
        after = next.to_string();
    }
}

#[tokio::test]
async fn paging_the_topic_list_never_names_a_private_topic_to_who_may_not_read_it() {
    let app = secured().await;
    let publisher = format!("Bearer {}", token(&["*"], &[]));
    for topic in [
        "chat/a",
        "private/alice/inbox",
        "private/bob/inbox",
        "private/carol/inbox",
        "zeta",
    ] {
        publish_with(&app, topic, Some(&publisher)).await;
    }
    // Anonymous, from just before the private range and from its start.
    for after in ["private", "a", "private/alice"] {
        let seen = walk_topics(&app, after, None).await;
        assert!(
            seen.iter().all(|name| !name.starts_with("private/")),
            "after {after}: {seen:?}"
        );
        assert!(seen.contains(&"zeta".to_owned()), "after {after}: {seen:?}");
    }
    // A reader of one private range sees it, and nothing of the others.
    let alice = token(&[], &["private/alice/*"]);
    let mut seen = walk_topics(&app, "a", Some(&alice)).await;
    seen.dedup();
    assert_eq!(seen, ["chat/a", "private/alice/inbox", "zeta"]);
}

#[tokio::test]
async fn a_pattern_stream_pins_no_topic_that_streams_named_and_left() {
    let app = spawn_app(&[]).await;
    let mut watcher = app.open_stream(&query(&["x/*"]), None).await;
    // Streams that each name 64 fresh topics under the pattern, then go.
    for round in 0..20 {
        let names: Vec<String> = (0..64).map(|n| format!("x/{round}/{n}")).collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let stream = app.open_stream(&query(&names), None).await;
        drop(stream);
    }
    eventually("the named topics are forgotten", || async {
        app.hub.counts().topics == 0
    })
    .await;
    // The pattern still sees a topic created afterwards.
    let later = app.publish("x/later", &chat("still watched")).await;
    assert_eq!(watcher.next_event().await.id, later.id);
}

/// Publishes to `count` new topics and returns their ids; each must be
/// taken (202).
async fn publish_new_topics(node: &TestApp, count: usize) -> Vec<herald_wire::EventId> {
    let mut ids = Vec::new();
    for n in 0..count {
        ids.push(node.publish(&format!("new/{n}"), &chat("x")).await.id);
    }
    ids
}

/// How many topics `app` lists with history.
async fn topics_with_history(app: &TestApp) -> usize {
    let list = app.topics().await;
    list.topics
        .iter()
        .filter(|info| info.last_id.is_some())
        .count()
}

#[tokio::test]
async fn a_stream_of_every_topic_neither_blocks_new_topics_nor_lifts_the_cap() {
    let app = spawn_app(&["--max-topics", "20"]).await;
    let mut everything = app.open_stream(&query(&["*"]), None).await;
    let ids = publish_new_topics(&app, 40).await;
    for id in ids {
        assert_eq!(everything.next_event().await.id, id);
    }
    let with_history = topics_with_history(&app).await;
    assert!(with_history <= 20, "{with_history} topics kept history");
    assert_eq!(
        app.topics().await.topics[0].subscribers,
        1,
        "the `*` stream counts"
    );
}

#[tokio::test]
async fn a_cluster_node_holds_the_topic_cap_too() {
    let redis = RedisServer::start().await;
    let node = spawn_node(&redis.url(), &["--max-topics", "20"]).await;
    let mut everything = node.open_stream(&query(&["*"]), None).await;
    for id in publish_new_topics(&node, 40).await {
        assert_eq!(everything.next_event().await.id, id);
    }
    let with_history = topics_with_history(&node).await;
    assert!(with_history <= 20, "{with_history} topics kept history");
}

#[tokio::test]
async fn a_pattern_stream_resumes_over_thousands_of_topics_in_id_order() {
    // Each delivery once looked at every topic with something unread; what
    // that cost is `cargo bench -p herald-hub --bench hub -- pattern_resume`.
    const TOPICS: usize = 5_000;
    let app = spawn_app(&[]).await;
    let ids: Vec<herald_wire::EventId> = (0..TOPICS)
        .map(|n| {
            let topic = herald_wire::Topic::parse(format!("r/{n}")).unwrap();
            app.publish_in_process(&topic, chat("x"))
        })
        .collect();
    let mut stream = app.open_stream(&query(&["r/*"]), Some(ids[0])).await;
    for id in &ids[1..] {
        assert_eq!(stream.next_event().await.id, *id);
    }
}

/// Opens `query` on `app`, reads only the position it opens with, and
/// closes it: a client cut off before its first event.
async fn position_then_cut(
    app: &TestApp,
    query: &herald_wire::protocol::Query,
) -> herald_wire::EventId {
    let mut stream = app.open_stream(query, None).await;
    stream.read_position().await
}

#[tokio::test]
async fn a_stream_cut_before_its_first_event_resumes_from_where_it_opened() {
    let app = spawn_app(&[]).await;
    app.publish("a", &chat("before")).await;
    for topics in [&["a"][..], &["a", "b"], &["*"], &["a", "x/*"]] {
        let position = position_then_cut(&app, &query(topics)).await;
        // Published while the client reconnects.
        let missed = app.publish("a", &chat("while away")).await;
        let mut resumed = app.open_stream(&query(topics), Some(position)).await;
        assert_eq!(resumed.next_event().await.id, missed.id, "{topics:?}");
    }
}

#[tokio::test]
async fn a_stream_owing_another_runs_gaps_gives_no_position_to_skip_them() {
    let app = spawn_app(&[]).await;
    let foreign = herald_wire::EventId::new(7, 7);
    for topics in [&["a"][..], &["*"]] {
        let mut stream = app.open_stream(&query(topics), Some(foreign)).await;
        let first = stream.next_raw().await.expect("the stream opens");
        assert_eq!(first.event, herald_wire::GAP_EVENT, "{topics:?}: {first:?}");
        assert_eq!(stream.position(), None, "{topics:?}");
    }
}

#[tokio::test]
async fn a_cluster_stream_cut_before_its_first_event_resumes_on_another_node() {
    let redis = RedisServer::start().await;
    let a = spawn_node(&redis.url(), &[]).await;
    let b = spawn_node(&redis.url(), &[]).await;
    a.publish("a", &chat("before")).await;
    let position = position_then_cut(&a, &query(&["a"])).await;
    let missed = b.publish("a", &chat("while away")).await;
    let mut resumed = b.open_stream(&query(&["a"]), Some(position)).await;
    assert_eq!(resumed.next_event().await.id, missed.id);
}

#[tokio::test]
async fn idle_http2_connections_are_closed_and_free_their_places() {
    let certificate = Certificate::new("idle");
    let app = certificate
        .spawn_app_with(&["--max-connections", "3", "--idle-timeout", "1"])
        .await;
    // One that chose h2 and never sends its preface, one that sends it and
    // no request, and one with a stream open.
    let mut silent = certificate.connect(&app, &[b"h2"]).await;
    let (_idle, idle_connection) = h2(&certificate, &app).await;
    let idle_connection = tokio::spawn(idle_connection);
    let (_streaming, stream) = h2_stream(&certificate, &app, "/api/events?topic=kept").await;
    let topics = || async {
        let (mut sender, connection) = h2(&certificate, &app).await;
        tokio::spawn(connection);
        let response = sender.send_request(get(&app, TOPICS_PATH, Version::HTTP_2));
        response.await.map(|response| response.status())
    };
    assert_eq!(topics().await.unwrap(), 503, "every place is taken");
    eventually("the idle connections are closed", || async {
        matches!(topics().await, Ok(status) if status == 200)
    })
    .await;
    // The hub's SETTINGS and GOAWAY, then the end.
    let mut sent = Vec::new();
    let read = tokio::time::timeout(PATIENCE, silent.read_to_end(&mut sent)).await;
    assert!(read.is_ok(), "the silent connection is closed");
    tokio::time::timeout(PATIENCE, idle_connection)
        .await
        .expect("the idle connection ends")
        .unwrap()
        .unwrap();
    let (mut sender, connection) = h2(&certificate, &app).await;
    tokio::spawn(connection);
    let metrics = sender
        .send_request(get(&app, METRICS_PATH, Version::HTTP_2))
        .await
        .unwrap();
    let metrics = metrics.into_body().collect().await.unwrap().to_bytes();
    let metrics = String::from_utf8_lossy(&metrics);
    let closed = sample(&metrics, "herald_connections_closed_idle_total");
    assert!(closed >= Some(2.0), "{metrics}");
    // The stream's connection stays, and delivers.
    let kept = herald_wire::Topic::parse("kept").unwrap();
    let published = app.publish_in_process(&kept, chat("still here"));
    let mut events = BodyDataStream::new(stream.into_body()).eventsource();
    let delivered = loop {
        let raw = tokio::time::timeout(PATIENCE, events.next())
            .await
            .expect("an event in time")
            .expect("the stream stays open")
            .unwrap();
        if raw.event != herald_wire::protocol::POSITION_EVENT {
            break raw;
        }
    };
    assert_eq!(delivered.id, published.to_string());
}

#[tokio::test]
async fn one_address_cannot_take_every_connection() {
    // Loopback is not a proxy here, so it is limited like any client.
    let app = spawn_app(&["--max-connections-per-ip", "3", "--proxy-ip", "192.0.2.1"]).await;
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(tokio::net::TcpStream::connect(app.address).await.unwrap());
    }
    let (status, body) = app.get_refused(TOPICS_PATH).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(body.code, ErrorCode::TooManyConnections);
    assert!(
        body.message.contains("maximum of 3 connections"),
        "{}",
        body.message
    );
    assert_eq!(
        app.get(HEALTH_PATH).await.status(),
        StatusCode::OK,
        "health passes"
    );
    held.pop();
    eventually("a place is free again", || async {
        app.get(TOPICS_PATH).await.status() == StatusCode::OK
    })
    .await;
}

/// Sends `request` as a proxy on loopback does for `client`.
fn forwarded_for(request: reqwest::RequestBuilder, client: &str) -> reqwest::RequestBuilder {
    request.header("x-forwarded-for", format!("198.51.100.1, {client}"))
}

#[tokio::test]
async fn behind_a_proxy_each_forwarded_client_is_limited_on_its_own() {
    // Loopback is a proxy by default; the first entry is what the client
    // claimed, the last what the proxy saw.
    let app = spawn_app(&["--max-streams-per-ip", "1", "--publish-rate", "1"]).await;
    let stream = |client: &'static str| {
        let request = app.client.get(app.url(&query(&["a"]).url(EVENTS_PATH)));
        forwarded_for(request, client).send()
    };
    let first = stream("203.0.113.5").await.unwrap();
    assert_eq!(first.status(), StatusCode::OK);
    let refused = stream("203.0.113.5").await.unwrap();
    let body = testkit::error_body(refused, StatusCode::TOO_MANY_REQUESTS).await;
    assert_eq!(body.code, ErrorCode::TooManyStreams);
    assert_eq!(
        stream("203.0.113.6").await.unwrap().status(),
        StatusCode::OK
    );
    let publish = |client: &'static str| {
        let request = app
            .client
            .post(app.url(&publish_path("a")))
            .json(&chat("x"));
        forwarded_for(request, client).send()
    };
    assert_eq!(
        publish("203.0.113.5").await.unwrap().status(),
        StatusCode::ACCEPTED
    );
    let refused = publish("203.0.113.5").await.unwrap();
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        publish("203.0.113.6").await.unwrap().status(),
        StatusCode::ACCEPTED
    );
}

#[tokio::test]
async fn a_client_trickling_bodies_holds_only_its_share_of_publish_slots() {
    use tokio::io::AsyncWriteExt;
    // A quarter of 4 slots: one per address. Loopback is limited here.
    let app = spawn_app(&["--max-concurrent-publishes", "4", "--proxy-ip", "192.0.2.1"]).await;
    let mut slow = tokio::net::TcpStream::connect(app.address).await.unwrap();
    let head = format!(
        "POST {} HTTP/1.1\r\nhost: {}\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{{",
        publish_path("a"),
        app.address
    );
    slow.write_all(head.as_bytes()).await.unwrap();
    eventually(
        "the trickling publish holds its address's share",
        || async {
            app.try_publish("a", &chat("x")).await.status() == StatusCode::TOO_MANY_REQUESTS
        },
    )
    .await;
    let refused = app.try_publish("a", &chat("x")).await;
    let body = testkit::error_body(refused, StatusCode::TOO_MANY_REQUESTS).await;
    assert_eq!(body.code, ErrorCode::RateLimited);
    assert!(body.message.contains("in flight"), "{}", body.message);
    drop(slow);
    eventually("the share is free again", || async {
        app.try_publish("a", &chat("x")).await.status() == StatusCode::ACCEPTED
    })
    .await;
}

// Threads of its own, so the held read goes on while the test looks.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_at_once_are_bounded_and_past_the_bound_shed_with_503() {
    // A stalled Redis holds a cluster node's topic list in flight.
    let redis = RedisServer::start().await;
    let proxy = crate::redis_server::Proxy::start(redis.addr()).await;
    let node = spawn_node(
        &proxy.url(),
        &["--max-concurrent-reads", "1", "--redis-timeout-ms", "8000"],
    )
    .await;
    // A topic to list, whose subscribers over the cluster are asked of Redis.
    node.publish("a", &chat("x")).await;
    proxy.set(crate::redis_server::Mode::Stall);
    // A topic-list read that waits on the stalled Redis; one that got
    // through before the stall took hold is sent again.
    let hold = || {
        let (client, url) = (node.client.clone(), node.url(TOPICS_PATH));
        tokio::spawn(async move {
            client
                .get(url)
                .send()
                .await
                .map(|response| response.status())
        })
    };
    let held = std::sync::Mutex::new(hold());
    eventually("a held read takes the one place", || async {
        {
            let mut held = held.lock().unwrap();
            if held.is_finished() {
                *held = hold();
            }
        }
        node.get(&query(&["a"]).url(HISTORY_PATH)).await.status() == StatusCode::SERVICE_UNAVAILABLE
    })
    .await;
    let held = held.into_inner().unwrap();
    let refused = node.get(&query(&["a"]).url(HISTORY_PATH)).await;
    let body = testkit::error_body(refused, StatusCode::SERVICE_UNAVAILABLE).await;
    assert_eq!(body.code, ErrorCode::Overloaded);
    proxy.set(crate::redis_server::Mode::Pass);
    held.await.unwrap().unwrap();
    assert_eq!(
        node.get(&query(&["a"]).url(HISTORY_PATH)).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn redis_keeps_the_cluster_stream_within_its_bytes() {
    const BUDGET: usize = 4_000;
    let redis = RedisServer::start().await;
    let node = spawn_node(&redis.url(), &["--redis-max-bytes", &BUDGET.to_string()]).await;
    let large = "x".repeat(900);
    let mut newest = None;
    for _ in 0..30 {
        newest = Some(node.publish("big", &chat(&large)).await.id);
    }
    let mut connection = redis.connection().await;
    let entries: redis::streams::StreamRangeReply = redis::cmd("XRANGE")
        .arg("herald:events")
        .arg("-")
        .arg("+")
        .query_async(&mut connection)
        .await
        .unwrap();
    let kept: usize = entries
        .ids
        .iter()
        .flat_map(|entry| entry.map.values())
        .map(|value| match value {
            redis::Value::BulkString(bytes) => bytes.len(),
            other => panic!("a field that is no string: {other:?}"),
        })
        .sum();
    assert!(kept <= BUDGET, "{kept} bytes kept, budget {BUDGET}");
    assert!(
        entries.ids.len() >= 3,
        "the budget is used: {}",
        entries.ids.len()
    );
    let last = entries.ids.last().unwrap();
    assert_eq!(
        Some(&format!("0-{}", newest.unwrap().sequence())),
        Some(&last.id)
    );
    let counted: usize = redis::cmd("GET")
        .arg("herald:bytes")
        .query_async(&mut connection)
        .await
        .unwrap();
    assert_eq!(counted, kept, "the counter counts what the stream holds");
}
