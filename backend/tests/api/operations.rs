//! What operators plug in: `herald --version`, `herald_build_info` and the
//! `process_*` figures, the `--metrics-addr` listener for scrapers that
//! reach the hub by address, and the Grafana dashboard over what `/metrics`
//! exports.

use std::collections::BTreeSet;
use std::net::TcpStream as StdTcpStream;
use std::path::Path;
use std::process::Command;

use herald_wire::ErrorCode;
use herald_wire::protocol::{EVENTS_PATH, METRICS_PATH, TOPICS_PATH, publish_path};
use reqwest::StatusCode;
use reqwest::header::HOST;
use testkit::{TestApp, chat, error_body, query, spawn_app, spawn_node};

use crate::observe::{sample, scrape};
use crate::redis_server::{RedisServer, free_port};

/// What `herald --version` prints: the name, the crate's version and the
/// commit, which in a git checkout is git's own short hash of `HEAD`.
#[test]
fn the_version_names_the_crate_version_and_the_commit() {
    let output = Command::new(env!("CARGO_BIN_EXE_herald"))
        .arg("--version")
        .output()
        .unwrap();
    assert!(output.status.success());
    let printed = String::from_utf8(output.stdout).unwrap();
    let version = env!("CARGO_PKG_VERSION");
    let prefix = format!("herald {version} (commit ");
    let commit = printed
        .trim_end()
        .strip_prefix(&prefix)
        .and_then(|rest| rest.strip_suffix(')'))
        .unwrap_or_else(|| panic!("{printed:?} is `{prefix}COMMIT)`"));
    let head = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()
        .filter(|output| output.status.success())
        .map(|output| String::from_utf8(output.stdout).unwrap().trim().to_owned());
    match head {
        Some(head) => assert_eq!(commit, head, "built from HEAD"),
        None => assert_eq!(commit, "unknown", "no checkout to name"),
    }
}

#[tokio::test]
async fn metrics_name_the_build_and_the_process() {
    let app = spawn_app(&[]).await;
    let before = scrape(&app).await;
    let build = format!(
        "herald_build_info{{version=\"{}\",commit=\"{}\"}}",
        herald_hub::build_info::VERSION,
        herald_hub::build_info::COMMIT
    );
    assert_eq!(sample(&before, &build), Some(1.0), "{before}");
    let resident = sample(&before, "process_resident_memory_bytes").unwrap();
    assert!(
        resident > 1_000_000.0,
        "a hub takes over a megabyte: {resident}"
    );
    assert!(sample(&before, "process_cpu_seconds_total").unwrap() > 0.0);
    assert!(sample(&before, "process_threads").unwrap() >= 1.0);
    let max = sample(&before, "process_max_fds").unwrap();
    let open = sample(&before, "process_open_fds").unwrap();
    assert!(open >= 3.0 && open < max, "{open} of {max}");
    // Every stream is a socket on each side, both in this process.
    let mut streams = Vec::new();
    for room in 0..5 {
        streams.push(
            app.open_stream(&query(&[&format!("room/{room}")]), None)
                .await,
        );
    }
    let after = scrape(&app).await;
    let opened = sample(&after, "process_open_fds").unwrap() - open;
    assert!(
        opened >= 5.0,
        "five streams open five sockets or more: {opened}"
    );
    drop(streams);
}

/// A hub serving `/metrics` on `addr` too, once that listener is up: the
/// hub binds it as it starts serving, after the API's listener the test
/// app already holds.
async fn spawn_with_metrics_on(addr: &str) -> TestApp {
    let app = spawn_app(&["--metrics-addr", addr]).await;
    testkit::eventually("the metrics listener accepts", || async {
        StdTcpStream::connect(addr).is_ok()
    })
    .await;
    app
}

/// `GET path` on `addr`, sent to the host name `host`.
async fn get_as(addr: &str, host: &str, path: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(format!("http://{addr}{path}"))
        .header(HOST, host)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_metrics_listener_answers_a_scraper_by_address_and_nothing_else() {
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let app = spawn_with_metrics_on(&addr).await;
    app.publish(&"room/1", &chat("counted")).await;
    // A scraper that reaches the pod by its address: the API refuses the
    // name, the metrics listener answers it.
    let pod = "10.1.2.3:9090";
    let main = app
        .client
        .get(app.url(METRICS_PATH))
        .header(HOST, pod)
        .send()
        .await
        .unwrap();
    assert_eq!(main.status(), StatusCode::MISDIRECTED_REQUEST);
    let scraped = get_as(&addr, pod, METRICS_PATH).await;
    assert_eq!(scraped.status(), StatusCode::OK);
    let text = scraped.text().await.unwrap();
    assert_eq!(
        sample(&text, "herald_events_published_total"),
        Some(1.0),
        "{text}"
    );
    // Only the metrics: no stream, no page, no API there.
    for path in [&format!("{EVENTS_PATH}?topic=room/1"), "/", TOPICS_PATH] {
        let refused = get_as(&addr, pod, path).await;
        let body = error_body(refused, StatusCode::NOT_FOUND).await;
        assert_eq!(body.code, ErrorCode::NotFound, "{path}");
    }
}

#[tokio::test]
async fn the_metrics_listener_serves_a_bounded_number_of_connections() {
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let app = spawn_with_metrics_on(&addr).await;
    // An anonymous client opens idle connections, one more each time a
    // request on a connection of its own is still served: it is refused
    // once the listener's sixteen are taken (a few more may be open by then,
    // not yet accepted), with a clear answer, while the API's port is
    // untouched.
    let mut held: Vec<StdTcpStream> = Vec::new();
    loop {
        let response = get_as(&addr, "localhost", METRICS_PATH).await;
        if response.status() != StatusCode::OK {
            let body = error_body(response, StatusCode::SERVICE_UNAVAILABLE).await;
            // The listener's own cap, as the API's `--max-connections`.
            assert_eq!(body.code, ErrorCode::Overloaded);
            assert!(body.message.contains("16"), "{}", body.message);
            break;
        }
        assert!(
            held.len() < 24,
            "served with {} connections held",
            held.len()
        );
        held.push(StdTcpStream::connect(&addr).unwrap());
    }
    assert!(held.len() >= 15, "refused with only {} held", held.len());
    assert_eq!(app.get(METRICS_PATH).await.status(), StatusCode::OK);
    drop(held);
    testkit::eventually("a connection is served again once they close", || async {
        get_as(&addr, "localhost", METRICS_PATH).await.status() == StatusCode::OK
    })
    .await;
}

#[tokio::test]
async fn a_metrics_address_in_use_fails_the_start_with_its_flag() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let output = Command::new(env!("CARGO_BIN_EXE_herald"))
        .args(["serve", "--addr", "127.0.0.1:0", "--metrics-addr", &addr])
        .args(["--no-metrics", "--no-hub-stats"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("cannot listen on --metrics-addr {addr}")),
        "{stderr}"
    );
}

/// Every metric name a PromQL expression of the Grafana dashboard reads:
/// the words starting `herald_` or `process_`.
fn dashboard_metrics(dashboard: &serde_json::Value) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut pending = vec![dashboard];
    while let Some(value) = pending.pop() {
        match value {
            serde_json::Value::Object(map) => {
                if let Some(serde_json::Value::String(expr)) = map.get("expr") {
                    for word in expr.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
                        if word.starts_with("herald_") || word.starts_with("process_") {
                            names.insert(word.to_owned());
                        }
                    }
                }
                pending.extend(map.values());
            }
            serde_json::Value::Array(items) => pending.extend(items),
            _ => {}
        }
    }
    names
}

/// The metric names of a scrape, with a histogram's `_bucket`, `_sum` and
/// `_count`.
fn exported(scrape: &str) -> BTreeSet<String> {
    scrape
        .lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.split(['{', ' ']).next())
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn every_metric_the_grafana_dashboard_reads_is_one_a_cluster_node_exports() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/grafana/herald.json");
    let dashboard: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let read = dashboard_metrics(&dashboard);
    assert!(
        read.len() >= 15,
        "the dashboard reads the hub's figures: {read:?}"
    );
    // A cluster node: the Redis figures are exported only there.
    let redis = RedisServer::start().await;
    let node = spawn_node(&redis.url(), &[]).await;
    let text = scrape(&node).await;
    let exported = exported(&text);
    let missing: Vec<&String> = read.difference(&exported).collect();
    assert!(
        missing.is_empty(),
        "the dashboard reads {missing:?}, /metrics has {exported:?}"
    );
    assert_panels_are_whole(&dashboard);
}

/// What Grafana needs of each panel to show it: a unique id, a place on
/// the grid that overlaps no other, and queries with unique refIds against
/// the dashboard's data source variable.
fn assert_panels_are_whole(dashboard: &serde_json::Value) {
    assert_eq!(dashboard["uid"], "herald-hub");
    let variables: Vec<&str> = dashboard["templating"]["list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|variable| variable["name"].as_str().unwrap())
        .collect();
    assert!(variables.contains(&"datasource") && variables.contains(&"instance"));
    let panels = dashboard["panels"].as_array().unwrap();
    let mut ids = BTreeSet::new();
    let mut cells = BTreeSet::new();
    for panel in panels {
        let id = panel["id"].as_u64().unwrap();
        assert!(ids.insert(id), "panel id {id} is unique");
        let grid = &panel["gridPos"];
        let [x, y, w, h] = ["x", "y", "w", "h"].map(|key| grid[key].as_u64().unwrap());
        assert!(x + w <= 24, "panel {id} fits the 24 columns");
        for column in x..x + w {
            for row in y..y + h {
                assert!(cells.insert((column, row)), "panel {id} overlaps another");
            }
        }
        if panel["type"] == "row" {
            continue;
        }
        assert_eq!(panel["datasource"]["uid"], "${datasource}", "panel {id}");
        let targets = panel["targets"].as_array().unwrap();
        assert!(!targets.is_empty(), "panel {id} queries something");
        let refs: BTreeSet<&str> = targets
            .iter()
            .map(|target| target["refId"].as_str().unwrap())
            .collect();
        assert_eq!(refs.len(), targets.len(), "panel {id}'s refIds are unique");
    }
}

#[tokio::test]
async fn a_node_stops_its_metrics_listener_with_the_rest() {
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let mut app = spawn_with_metrics_on(&addr).await;
    assert_eq!(
        get_as(&addr, "localhost", METRICS_PATH).await.status(),
        StatusCode::OK
    );
    app.shutdown().cancel();
    app.ended().await.unwrap();
    assert!(
        StdTcpStream::connect(&addr).is_err(),
        "nothing listens on {addr} after shutdown"
    );
}

#[tokio::test]
async fn a_node_refuses_a_cluster_stored_in_another_format_even_when_waiting() {
    let redis = RedisServer::start().await;
    let first = spawn_node(&redis.url(), &[]).await;
    let mut connection = redis.connection().await;
    let format: String = redis::cmd("GET")
        .arg("herald:format")
        .query_async(&mut connection)
        .await
        .unwrap();
    assert_eq!(
        format,
        herald_hub::cluster::FORMAT.to_string(),
        "the first node wrote it"
    );
    // As a later release that stores events differently would have.
    let () = redis::cmd("SET")
        .arg("herald:format")
        .arg("999")
        .query_async(&mut connection)
        .await
        .unwrap();
    let config = TestApp::builder()
        .redis(&redis.url())
        .args(&["--redis-wait"])
        .config();
    let joined = tokio::time::timeout(
        testkit::PATIENCE,
        herald_hub::connect(&config, tokio_util::sync::CancellationToken::new()),
    )
    .await
    .expect("refused at once: waiting cannot change the format");
    let Err(error) = joined else {
        panic!("a node joined a cluster stored in format 999");
    };
    let message = error.to_string();
    let ours = format!("reads format {}", herald_hub::cluster::FORMAT);
    for part in [
        "herald:format",
        "format 999",
        &ours,
        herald_hub::build_info::VERSION,
    ] {
        assert!(message.contains(part), "{part} in {message}");
    }
    // The cluster is untouched: its node still takes events in.
    first.publish(&"room/1", &chat("still serving")).await;
}

/// A `herald serve` process, killed when dropped.
struct Process(std::process::Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn the_binary_takes_its_options_from_a_config_file_and_flags_win() {
    let port = free_port();
    let dir = std::env::temp_dir().join(format!("herald-config-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("herald.toml");
    std::fs::write(
        &file,
        format!(
            "addr = \"127.0.0.1:{port}\"\nmax-body = 64\nno-metrics = true\n\
             no-hub-stats = true\nallowed-host = [\"push.example\"]\nhistory = 1\n"
        ),
    )
    .unwrap();
    let _hub = Process(
        Command::new(env!("CARGO_BIN_EXE_herald"))
            .args(["serve", "--config"])
            .arg(&file)
            .args(["--history", "2"])
            .env_remove("RUST_LOG")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    testkit::eventually("the hub listens where the file says", || async {
        client.get(format!("{base}/healthz")).send().await.is_ok()
    })
    .await;
    // The file's body limit holds...
    let big = chat(&"x".repeat(100));
    let refused = client
        .post(format!("{base}{}", publish_path("room/1")))
        .json(&big)
        .send()
        .await
        .unwrap();
    let body = error_body(refused, StatusCode::PAYLOAD_TOO_LARGE).await;
    assert_eq!(body.code, ErrorCode::PayloadTooLarge);
    // ...and so does its host list: this machine's names, and its own.
    let addr = format!("127.0.0.1:{port}");
    let named = get_as(&addr, "push.example", TOPICS_PATH).await;
    assert_eq!(named.status(), StatusCode::OK);
    let other = get_as(&addr, "other.example", TOPICS_PATH).await;
    assert_eq!(other.status(), StatusCode::MISDIRECTED_REQUEST);
    // The flag won over the file's `history = 1`: two events are kept.
    for text in ["one", "two"] {
        let published = client
            .post(format!("{base}{}", publish_path("room/1")))
            .json(&chat(text))
            .send()
            .await
            .unwrap();
        assert_eq!(published.status(), StatusCode::ACCEPTED);
    }
    let history: herald_wire::EventList<herald_dashboard_events::Payload> = client
        .get(format!("{base}/api/history?topic=room/1"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(history.events.len(), 2);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_config_file_setting_what_no_option_takes_stops_the_start_with_one_line() {
    let dir = std::env::temp_dir().join(format!("herald-config-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("herald.toml");
    std::fs::write(&file, "histroy = 10\n").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_herald"))
        .args(["serve", "--no-metrics", "--config"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains(&file.display().to_string()), "{stderr}");
    assert!(stderr.contains("`histroy`, which is no option"), "{stderr}");
    std::fs::remove_dir_all(&dir).unwrap();
}
