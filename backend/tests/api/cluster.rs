//! Several nodes over one real Redis: one order of events on every node,
//! resume on any node, history that outlives every node, and Redis faults
//! (down, cut off, stalled, wiped) met as docs/cluster.md says.

use std::collections::BTreeSet;
use std::time::Duration;

use herald_wire::protocol::{EVENTS_PATH, HEALTH_PATH, HISTORY_PATH, READY_PATH, publish_path};
use herald_wire::{Envelope, ErrorCode, EventId, Gap};
use reqwest::StatusCode;
use testkit::{
    Message, PATIENCE, Stream, TestApp, chat, error_body, eventually, query, spawn_node, text_of,
};

use crate::redis_server::{Mode, Proxy, RedisServer, free_port};
use herald_dashboard_events::Payload;

/// Reads `count` events, failing on a gap.
async fn events(stream: &mut Stream, count: usize) -> Vec<Envelope<Payload>> {
    let mut events = Vec::with_capacity(count);
    for _ in 0..count {
        events.push(stream.next_event().await);
    }
    events
}

fn ids_of(events: &[Envelope<Payload>]) -> Vec<EventId> {
    events.iter().map(|event| event.id).collect()
}

/// Waits until `path` answers `status`.
pub(crate) async fn wait_for_status(app: &TestApp, path: &str, status: StatusCode) {
    let what = format!("{path} never answered {status}");
    eventually(&what, || async { app.get(path).await.status() == status }).await;
}

#[tokio::test]
async fn every_node_delivers_every_event_in_one_order_with_the_same_ids() {
    let redis = RedisServer::start().await;
    let nodes = [
        spawn_node(&redis.url(), &[]).await,
        spawn_node(&redis.url(), &[]).await,
        spawn_node(&redis.url(), &[]).await,
    ];
    // One stream per node: a prefix pattern with an exact topic beside it.
    let mut streams = Vec::new();
    for node in &nodes {
        streams.push(node.open_stream(&query(&["chat/*", "ops"]), None).await);
    }
    let mut published = Vec::new();
    for n in 0..30 {
        let node = &nodes[n % nodes.len()];
        let topic = ["chat/a", "ops", "chat/b/c", "elsewhere"][n % 4];
        let id = node.publish(topic, &chat(&n.to_string())).await.id;
        if topic != "elsewhere" {
            published.push(id);
        }
    }
    assert!(
        published.windows(2).all(|pair| pair[0] < pair[1]),
        "ids grow across nodes"
    );
    for stream in &mut streams {
        assert_eq!(ids_of(&events(stream, published.len()).await), published);
    }
    // History on any node holds the same events.
    for node in &nodes {
        let history: herald_wire::EventList<Payload> = node
            .get(&query(&["chat/*", "ops"]).url(HISTORY_PATH))
            .await
            .json()
            .await
            .unwrap();
        let history_ids: Vec<EventId> = history.events.iter().map(|event| event.id).collect();
        assert_eq!(history_ids, published);
    }
}

#[tokio::test]
async fn a_prefix_stream_moving_to_another_node_misses_and_repeats_nothing() {
    move_a_client_between_nodes(&["feed/*"]).await;
}

#[tokio::test]
async fn a_multi_topic_stream_moving_to_another_node_misses_and_repeats_nothing() {
    move_a_client_between_nodes(&["feed/x", "feed/y/z"]).await;
}

/// Publishes 2,000 events to two topics at 2,000/s through two nodes in
/// turn, while a client following `topics` reads 500 on one node and then
/// resumes on the other: it must see every event from its first once, in
/// order.
async fn move_a_client_between_nodes(topics: &[&str]) {
    let redis = RedisServer::start().await;
    let a = spawn_node(&redis.url(), &[]).await;
    let b = spawn_node(&redis.url(), &[]).await;
    const EVENTS: usize = 2_000;
    let publisher = {
        let (a, b) = (a.address, b.address);
        tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut interval = tokio::time::interval(Duration::from_micros(500));
            for n in 0..EVENTS {
                interval.tick().await;
                let addr = if n % 2 == 0 { &a } else { &b };
                let topic = if n % 3 == 0 { "feed/x" } else { "feed/y/z" };
                let response = client
                    .post(format!("http://{addr}{}", publish_path(topic)))
                    .json(&chat(&n.to_string()))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(response.status(), StatusCode::ACCEPTED);
            }
        })
    };
    let mut on_a = a.open_stream(&query(topics), None).await;
    let first = events(&mut on_a, 500).await;
    drop(on_a);
    let last = first.last().unwrap().id;
    let mut on_b = b.open_stream(&query(topics), Some(last)).await;
    // Events before the stream opened on A are not its to see: count from
    // the first it got, through the last one published.
    let first_sequence = first[0].id.sequence();
    let rest = events(
        &mut on_b,
        EVENTS - first_sequence as usize + 1 - first.len(),
    )
    .await;
    publisher.await.unwrap();
    let sequences: Vec<u64> = first.iter().chain(&rest).map(|e| e.id.sequence()).collect();
    let expected: Vec<u64> = (first_sequence..=EVENTS as u64).collect();
    assert_eq!(sequences, expected, "every event once, in order");
    on_b.assert_silent(Duration::from_millis(200)).await;
}

#[tokio::test]
async fn a_stream_resuming_on_a_node_that_lags_waits_instead_of_reporting_a_gap() {
    let redis = RedisServer::start().await;
    let a = spawn_node(&redis.url(), &[]).await;
    let seen = a.publish("t", &chat("seen")).await.id;
    // An id this node's cluster gave, beyond what a node has taken in, is
    // where a client left off on a faster node.
    let ahead = EventId::new(seen.epoch(), seen.sequence() + 2);
    let mut stream = a.open_stream(&query(&["t"]), Some(ahead)).await;
    for text in ["one", "two", "three"] {
        a.publish("t", &chat(text)).await;
    }
    let event = stream.next_event().await;
    assert_eq!(
        (event.id, text_of(&event)),
        (EventId::new(seen.epoch(), seen.sequence() + 3), "three")
    );
}

#[tokio::test]
async fn history_outlives_a_restart_of_every_node() {
    let redis = RedisServer::start().await;
    let first = spawn_node(&redis.url(), &[]).await;
    let mut ids = Vec::new();
    for n in 0..5 {
        ids.push(first.publish("kept", &chat(&n.to_string())).await.id);
    }
    first.stop().await.unwrap();

    let again = spawn_node(&redis.url(), &[]).await;
    let mut stream = again.open_stream(&query(&["kept"]), Some(ids[1])).await;
    assert_eq!(ids_of(&events(&mut stream, 3).await), ids[2..]);
    let live = again.publish("kept", &chat("live")).await.id;
    assert_eq!(live.epoch(), ids[0].epoch(), "the same run goes on");
    assert_eq!(stream.next_event().await.id, live);
}

#[tokio::test]
async fn a_node_that_joins_after_redis_trimmed_events_reports_the_gap() {
    let redis = RedisServer::start().await;
    let mut connection = redis.connection().await;
    // Small stream nodes, so approximate trimming trims at all here.
    let () = redis::cmd("CONFIG")
        .arg("SET")
        .arg("stream-node-max-entries")
        .arg(2)
        .query_async(&mut connection)
        .await
        .unwrap();
    let first = spawn_node(&redis.url(), &["--redis-max-events", "4"]).await;
    let mut ids = Vec::new();
    for n in 0..20 {
        ids.push(first.publish("trim", &chat(&n.to_string())).await.id);
    }
    let length: u64 = redis::cmd("XLEN")
        .arg("herald:events")
        .query_async(&mut connection)
        .await
        .unwrap();
    assert!(
        length < 10,
        "Redis keeps about --redis-max-events: {length}"
    );
    first.stop().await.unwrap();

    let later = spawn_node(&redis.url(), &[]).await;
    let mut stream = later.open_stream(&query(&["trim"]), Some(ids[0])).await;
    let Message::Gap(Gap { after, through, .. }) = stream.next().await else {
        panic!("expected a gap first");
    };
    assert_eq!(after, ids[0]);
    let next = stream.next_event().await;
    assert_eq!(next.id.sequence(), through.sequence() + 1);
    assert!(through.sequence() >= ids.len() as u64 - length - 1);
}

#[tokio::test]
async fn a_node_cut_off_from_redis_refuses_publishes_then_catches_up_when_it_returns() {
    let redis = RedisServer::start().await;
    let proxy = Proxy::start(redis.addr()).await;
    let cut_off = spawn_node(&proxy.url(), &["--redis-timeout-ms", "500"]).await;
    let other = spawn_node(&redis.url(), &[]).await;
    let mut stream = cut_off.open_stream(&query(&["news"]), None).await;
    let before = other.publish("news", &chat("before")).await.id;
    assert_eq!(stream.next_event().await.id, before);
    wait_for_status(&cut_off, READY_PATH, StatusCode::OK).await;

    proxy.set(Mode::Cut);
    let refused = cut_off.try_publish("news", &chat("lost")).await;
    assert_eq!(refused.headers()["retry-after"], "1");
    assert_eq!(
        error_body(refused, StatusCode::SERVICE_UNAVAILABLE)
            .await
            .code,
        ErrorCode::Unavailable
    );
    wait_for_status(&cut_off, READY_PATH, StatusCode::SERVICE_UNAVAILABLE).await;
    assert_eq!(cut_off.get(HEALTH_PATH).await.status(), StatusCode::OK);
    let mut meanwhile = Vec::new();
    for n in 0..5 {
        meanwhile.push(other.publish("news", &chat(&n.to_string())).await.id);
    }

    proxy.set(Mode::Pass);
    assert_eq!(
        ids_of(&events(&mut stream, 5).await),
        meanwhile,
        "in order, once"
    );
    wait_for_status(&cut_off, READY_PATH, StatusCode::OK).await;
    let after = cut_off.publish("news", &chat("after")).await.id;
    assert_eq!(stream.next_event().await.id, after);
    let published: BTreeSet<EventId> = meanwhile.into_iter().chain([before, after]).collect();
    assert_eq!(published.len(), 7, "nothing stored for the refused publish");
}

#[tokio::test]
async fn a_stalled_redis_times_publishes_out_without_holding_up_streams() {
    let redis = RedisServer::start().await;
    let proxy = Proxy::start(redis.addr()).await;
    let node = spawn_node(&proxy.url(), &["--redis-timeout-ms", "300"]).await;
    let mut stream = node.open_stream(&query(&["s"]), None).await;
    proxy.set(Mode::Stall);
    let refused = node.try_publish("s", &chat("x")).await;
    assert_eq!(
        error_body(refused, StatusCode::SERVICE_UNAVAILABLE)
            .await
            .code,
        ErrorCode::Unavailable
    );
    // The node still answers, and another stream still opens.
    assert_eq!(node.get(HEALTH_PATH).await.status(), StatusCode::OK);
    let _other = node.open_stream(&query(&["s"]), None).await;
    proxy.set(Mode::Pass);
    wait_for_status(&node, READY_PATH, StatusCode::OK).await;
    let id = node.publish("s", &chat("through")).await.id;
    assert_eq!(stream.next_event().await.id, id);
}

#[tokio::test]
async fn a_node_comes_back_after_redis_restarts_with_its_data() {
    let mut redis = RedisServer::start_persistent().await;
    let node = spawn_node(&redis.url(), &[]).await;
    let mut stream = node.open_stream(&query(&["p"]), None).await;
    let before = node.publish("p", &chat("before")).await.id;
    assert_eq!(stream.next_event().await.id, before);
    redis.stop();
    wait_for_status(&node, READY_PATH, StatusCode::SERVICE_UNAVAILABLE).await;
    redis.restart().await;
    wait_for_status(&node, READY_PATH, StatusCode::OK).await;
    let after = node.publish("p", &chat("after")).await.id;
    assert_eq!(after.sequence(), before.sequence() + 1);
    assert_eq!(stream.next_event().await.id, after);
}

#[tokio::test]
async fn waiting_for_redis_at_start_joins_once_it_answers() {
    let port = free_port();
    let url = format!("redis://127.0.0.1:{port}/0");
    let config = TestApp::builder()
        .redis(&url)
        .args(&["--redis-wait"])
        .config();
    let joining = tokio::spawn(async move {
        herald_hub::connect(&config, tokio_util::sync::CancellationToken::new()).await
    });
    let _redis = RedisServer::start_on(port).await;
    let broker = tokio::time::timeout(PATIENCE, joining)
        .await
        .expect("the node did not join")
        .unwrap()
        .unwrap();
    tokio::time::timeout(PATIENCE, async {
        while broker.ready().await.is_err() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("the node never got ready");
}

/// Runs `herald serve` on a Redis URL nobody answers at, logging at `log`;
/// its exit code and what it wrote to stderr.
fn serve_unreachable(url: &str, log: &str) -> (Option<i32>, String) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_herald"))
        .args([
            "serve",
            "--no-metrics",
            "--no-hub-stats",
            "--addr",
            "127.0.0.1:0",
        ])
        .args(["--redis-url", url])
        .env("RUST_LOG", log)
        .output()
        .unwrap();
    (
        output.status.code(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

#[test]
fn a_node_that_cannot_reach_redis_exits_with_one_clear_line() {
    let url = format!("redis://127.0.0.1:{}/0", free_port());
    let (code, stderr) = serve_unreachable(&url, "off");
    assert_eq!(code, Some(1));
    assert!(
        stderr.starts_with("herald: cannot join the cluster: Redis at redis://127.0.0.1:"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

#[test]
fn a_redis_password_never_reaches_the_log_or_the_error() {
    let url = format!("redis://:hunter2@127.0.0.1:{}/0", free_port());
    let (code, stderr) = serve_unreachable(&url, "debug");
    assert_eq!(code, Some(1));
    assert!(stderr.contains("redis://***@127.0.0.1:"), "{stderr}");
    assert!(!stderr.contains("hunter2"), "{stderr}");
}

#[test]
fn a_malformed_redis_url_is_refused_by_the_command_line() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_herald"))
        .args(["serve", "--redis-url", "http://nope"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("--redis-url"), "{stderr}");
    assert!(stderr.contains("not a Redis URL"), "{stderr}");
}

/// Waits until `app` lists `topic` with `count` subscribers over the cluster.
async fn wait_for_subscribers(app: &TestApp, topic: &str, count: u64) {
    app.wait_for_topics(|list| {
        list.topics
            .iter()
            .any(|info| info.topic.as_str() == topic && info.subscribers == count)
    })
    .await;
}

#[tokio::test]
async fn subscriber_counts_add_up_over_the_cluster_and_a_node_that_stops_counts_no_more() {
    let redis = RedisServer::start().await;
    let a = spawn_node(&redis.url(), &["--redis-node-ttl-ms", "300"]).await;
    let b = spawn_node(&redis.url(), &["--redis-node-ttl-ms", "300"]).await;
    let last = a.publish("room", &chat("hello")).await.id;
    let _on_a = a.open_stream(&query(&["room"]), None).await;
    let _on_b = [
        b.open_stream(&query(&["room"]), None).await,
        b.open_stream(&query(&["room/*"]), None).await,
        b.open_stream(&query(&["room", "other"]), None).await,
    ];
    wait_for_subscribers(&a, "room", 3).await;
    wait_for_subscribers(&b, "room", 3).await;
    let listed = a.topics().await;
    let room = listed
        .topics
        .iter()
        .find(|info| info.topic.as_str() == "room");
    assert_eq!(room.and_then(|info| info.last_id), Some(last));
    // A node that stops withdraws its counts as it goes, before its last
    // report would expire.
    b.stop().await.unwrap();
    let listed = a.topics().await;
    let room = listed
        .topics
        .iter()
        .find(|info| info.topic.as_str() == "room");
    assert_eq!(room.map(|info| info.subscribers), Some(1));
}

/// A `herald serve` process on the cluster at `redis_url`, killed when
/// dropped: a node that can die without saying goodbye.
struct NodeProcess {
    child: std::process::Child,
    base: String,
}

impl NodeProcess {
    fn start(redis_url: &str, args: &[&str]) -> Self {
        use std::io::BufRead;
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_herald"))
            .args([
                "serve",
                "--no-metrics",
                "--no-hub-stats",
                "--addr",
                "127.0.0.1:0",
            ])
            .args(["--static-dir", "/nonexistent", "--log-format", "json"])
            .args(["--redis-url", redis_url])
            .args(args)
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = std::io::BufReader::new(child.stderr.take().unwrap());
        let mut lines = stderr.lines();
        let addr = lines
            .by_ref()
            .find_map(|line| {
                let line: serde_json::Value = serde_json::from_str(&line.unwrap()).ok()?;
                let fields = &line["fields"];
                (fields["message"] == "herald is listening")
                    .then(|| fields["addr"].as_str().unwrap().to_owned())
            })
            .expect("the node never listened");
        // Keep reading, so the node never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        Self {
            child,
            base: format!("http://{addr}"),
        }
    }
}

impl Drop for NodeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn a_node_that_dies_stops_counting_within_its_ttl() {
    let redis = RedisServer::start().await;
    let a = spawn_node(&redis.url(), &["--redis-node-ttl-ms", "600"]).await;
    a.publish("watched", &chat("hello")).await;
    let mut doomed = NodeProcess::start(&redis.url(), &["--redis-node-ttl-ms", "600"]);
    let response = reqwest::get(format!(
        "{}{}",
        doomed.base,
        query(&["watched"]).url(EVENTS_PATH)
    ))
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let _on_a = a.open_stream(&query(&["watched"]), None).await;
    wait_for_subscribers(&a, "watched", 2).await;
    // SIGKILL: no goodbye, so only the report's expiry takes it out.
    doomed.child.kill().unwrap();
    doomed.child.wait().unwrap();
    wait_for_subscribers(&a, "watched", 1).await;
    drop(response);
}

#[tokio::test]
async fn clusters_with_different_prefixes_share_one_redis_without_meeting() {
    let redis = RedisServer::start().await;
    let blue = spawn_node(&redis.url(), &["--redis-prefix", "blue"]).await;
    let green = spawn_node(&redis.url(), &["--redis-prefix", "green"]).await;
    let mut on_green = green.open_stream(&query(&["t"]), None).await;
    let blue_id = blue.publish("t", &chat("blue")).await.id;
    let green_id = green.publish("t", &chat("green")).await.id;
    let event = on_green.next_event().await;
    assert_eq!((event.id, text_of(&event)), (green_id, "green"));
    assert_ne!(blue_id.epoch(), green_id.epoch(), "two runs");
    on_green.assert_silent(Duration::from_millis(200)).await;
}

/// Connections Redis has open, `asking` among them.
async fn redis_clients(asking: &mut redis::aio::MultiplexedConnection) -> usize {
    let list: String = redis::cmd("CLIENT")
        .arg("LIST")
        .query_async(asking)
        .await
        .unwrap();
    list.lines().count()
}

#[tokio::test]
async fn a_node_reads_redis_once_however_many_streams_it_serves() {
    let redis = RedisServer::start().await;
    let node = spawn_node(&redis.url(), &[]).await;
    wait_for_status(&node, READY_PATH, StatusCode::OK).await;
    let mut asking = redis.connection().await;
    let before = redis_clients(&mut asking).await;
    let mut streams = Vec::new();
    for n in 0..20 {
        let topics = [format!("many/{n}"), "many/all".to_owned()];
        let names: Vec<&str> = topics.iter().map(String::as_str).collect();
        streams.push(node.open_stream(&query(&names), None).await);
    }
    let id = node.publish("many/all", &chat("to all")).await.id;
    for stream in &mut streams {
        assert_eq!(stream.next_event().await.id, id);
    }
    assert_eq!(
        redis_clients(&mut asking).await,
        before,
        "no connection per stream"
    );
}
