//! The connection cap and the open-files limit it stays below.

use std::io::BufRead;
use std::time::Duration;

use reqwest::StatusCode;
use shared::ErrorCode;
use shared::protocol::{HEALTH_PATH, TOPICS_PATH};

use crate::helpers::{PATIENCE, TestApp, error_body, query, spawn_app};

/// `GET path` on a connection of its own.
async fn get_alone(app: &TestApp, path: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(app.url(path))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn past_the_connection_cap_requests_get_503_and_healthz_still_answers() {
    let app = spawn_app(&["--max-connections", "2"]).await;
    let first = app.open_stream(&query(&["held"]), None).await;
    let _second = app.open_stream(&query(&["held"]), None).await;

    let refused = get_alone(&app, TOPICS_PATH).await;
    assert_eq!(refused.headers()["retry-after"], "1");
    assert_eq!(refused.headers()["connection"], "close");
    let body = error_body(refused, StatusCode::SERVICE_UNAVAILABLE).await;
    assert_eq!(body.code, ErrorCode::Overloaded);
    assert!(
        body.message.contains("maximum of 2 connections"),
        "{}",
        body.message
    );
    assert_eq!(get_alone(&app, HEALTH_PATH).await.status(), StatusCode::OK);

    // A stream that ends frees its place.
    drop(first);
    tokio::time::timeout(PATIENCE, async {
        while get_alone(&app, TOPICS_PATH).await.status() != StatusCode::OK {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("the place was never freed");
}

#[test]
fn the_binary_raises_its_open_files_limit_to_the_hard_limit() {
    let herald = env!("CARGO_BIN_EXE_herald");
    let mut child = std::process::Command::new("bash")
        .args(["-c", r#"ulimit -Sn 512 && exec "$0" serve --no-metrics --addr 127.0.0.1:0 --static-dir /nonexistent --log-format json"#])
        .arg(herald)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let fields = stderr
        .lines()
        .map_while(Result::ok)
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(&line).ok())
        .map(|line| line["fields"].clone())
        .find(|fields| fields["message"] == "open files limit")
        .expect("the limit is logged at start");
    child.kill().unwrap();
    child.wait().unwrap();
    let hard = std::process::Command::new("bash")
        .args(["-c", "ulimit -Hn"])
        .output()
        .unwrap();
    let hard = String::from_utf8(hard.stdout).unwrap();
    assert_eq!(fields["was"], "512", "{fields}");
    assert_eq!(fields["soft"], hard.trim(), "{fields}");
    assert_eq!(fields["hard"], hard.trim(), "{fields}");
}
