//! The connection cap and the open-files limit it stays below.

use std::io::BufRead;

use herald_wire::ErrorCode;
use herald_wire::protocol::{HEALTH_PATH, TOPICS_PATH};
use reqwest::StatusCode;
use testkit::{TestApp, chat, error_body, eventually, query, spawn_app};

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
    eventually("the place was never freed", || async {
        get_alone(&app, TOPICS_PATH).await.status() == StatusCode::OK
    })
    .await;
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

/// Flags that make this machine's own address an ordinary client's, not a
/// proxy's (the default), so the per-address limits apply to the test.
const NOT_A_PROXY: [&str; 2] = ["--proxy-ip", "192.0.2.123"];

#[tokio::test]
async fn one_address_holds_at_most_its_share_of_streams() {
    let mut args = NOT_A_PROXY.to_vec();
    args.extend(["--max-streams-per-ip", "2"]);
    let app = spawn_app(&args).await;
    let first = app.open_stream(&query(&["s"]), None).await;
    let _second = app.open_stream(&query(&["s"]), None).await;
    let refused = app.get_stream(&query(&["s"]), None).await;
    assert_eq!(refused.headers()["retry-after"], "5");
    let body = error_body(refused, StatusCode::TOO_MANY_REQUESTS).await;
    assert_eq!(body.code, ErrorCode::TooManyStreams);
    assert!(
        body.message.contains("maximum of 2 streams"),
        "{}",
        body.message
    );
    drop(first);
    eventually("the closed stream's place was never freed", || async {
        app.get_stream(&query(&["s"]), None).await.status() == StatusCode::OK
    })
    .await;
}

#[tokio::test]
async fn one_address_publishes_at_most_its_rate() {
    let mut args = NOT_A_PROXY.to_vec();
    args.extend(["--publish-rate", "3"]);
    let app = spawn_app(&args).await;
    for n in 0..3 {
        app.publish("fast", &chat(&n.to_string())).await;
    }
    let refused = app.try_publish("fast", &chat("x")).await;
    assert_eq!(refused.headers()["retry-after"], "1");
    let body = error_body(refused, StatusCode::TOO_MANY_REQUESTS).await;
    assert_eq!(body.code, ErrorCode::RateLimited);
    assert!(
        body.message.contains("3 events per second"),
        "{}",
        body.message
    );
    let history = app.hub.history(
        &std::collections::BTreeSet::from([herald_wire::TopicPattern::parse("fast").unwrap()]),
        10,
    );
    assert_eq!(
        history.frames.len(),
        3,
        "the refused publish changed nothing"
    );
}

#[tokio::test]
async fn behind_a_proxy_streams_are_not_limited_per_address_and_publishes_are_per_verified_token() {
    let secret = crate::auth::SECRET;
    let app = spawn_app(&[
        "--max-streams-per-ip",
        "1",
        "--publish-rate",
        "2",
        "--jwt-secret",
        secret,
    ])
    .await;
    let mut streams = Vec::new();
    for _ in 0..3 {
        streams.push(app.open_stream(&query(&["p"]), None).await);
    }
    let publish = |token: String| {
        app.client
            .post(app.url(&herald_wire::protocol::publish_path("p")))
            .json(&chat("x"))
            .bearer_auth(token)
            .send()
    };
    let (a, b) = (
        crate::auth::token(&["p"], &[]),
        crate::auth::token(&["p", "q"], &[]),
    );
    for _ in 0..2 {
        assert_eq!(
            publish(a.clone()).await.unwrap().status(),
            StatusCode::ACCEPTED
        );
    }
    assert_eq!(
        publish(a.clone()).await.unwrap().status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(publish(b).await.unwrap().status(), StatusCode::ACCEPTED);
}

#[tokio::test]
async fn behind_a_proxy_a_bearer_string_no_key_verifies_is_no_allowance() {
    // Without a key nothing verifies a token, so a made-up string keys
    // nothing: each would otherwise be a fresh allowance, and an entry in
    // the hub's table.
    let app = spawn_app(&["--publish-rate", "1"]).await;
    for _ in 0..3 {
        let response = app
            .client
            .post(app.url(&herald_wire::protocol::publish_path("p")))
            .json(&chat("x"))
            .bearer_auth("made-up")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::ACCEPTED);
    }
}
