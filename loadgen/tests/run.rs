//! `herald-load` run as a binary against a real Herald hub started in this
//! process on an ephemeral port, so `--server-pid` is this test's own pid.

// `allow-unwrap-in-tests` covers `#[test]` functions only, not the helpers.
#![allow(
    clippy::unwrap_used,
    reason = "a test fails loudly on any unexpected error"
)]

use std::process::Output;
use std::time::Duration;

use clap::Parser;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

/// Longer than any run below takes, so a hang fails instead of blocking.
const PATIENCE: Duration = Duration::from_secs(60);

/// Starts Herald on `127.0.0.1:0` and returns its base URL and the token
/// that stops it.
async fn spawn_hub() -> (String, CancellationToken) {
    let config = herald_hub::config::Config::try_parse_from([
        "herald",
        "--no-metrics",
        "--static-dir",
        "/nonexistent",
    ])
    .unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let shutdown = CancellationToken::new();
    tokio::spawn(herald_hub::run(listener, config, shutdown.clone()));
    (format!("http://{addr}"), shutdown)
}

async fn herald_load(args: &[&str]) -> Output {
    let run = tokio::process::Command::new(env!("CARGO_BIN_EXE_herald-load"))
        .args(args)
        .kill_on_drop(true)
        .output();
    tokio::time::timeout(PATIENCE, run)
        .await
        .expect("herald-load did not stop by itself")
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fanout_reports_every_delivery_as_one_json_line() {
    let (url, shutdown) = spawn_hub().await;
    let pid = std::process::id().to_string();
    let output = herald_load(&[
        "--url",
        &url,
        "fanout",
        "--streams",
        "20",
        "--rate",
        "50",
        "--seconds",
        "2",
        "--server-pid",
        &pid,
    ])
    .await;
    shutdown.cancel();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 1, "one JSON line on stdout: {stdout}");
    let report: Value = serde_json::from_str(lines[0]).unwrap();
    assert_eq!(report["mode"], "fanout");
    assert_eq!(report["target"], url.as_str());
    assert_eq!(report["streams"], 20);
    assert_eq!(report["published"], 100);
    assert_eq!(report["expected"], 2000);
    assert_eq!(report["delivered"], report["expected"], "{stderr}");
    assert_eq!(report["lost"], 0);
    assert_eq!(report["duplicated"], 0);
    assert_eq!(report["out_of_order"], 0);
    for percentile in ["p50", "p90", "p99", "p999", "max"] {
        assert!(
            report["latency_ms"][percentile].as_f64().is_some(),
            "latency_ms.{percentile} in {report}"
        );
    }
    let server = &report["server"];
    assert_eq!(server["pid"], std::process::id());
    assert!(server["cpu_seconds"].as_f64().is_some(), "{server}");
    assert!(server["cpu_us_per_delivery"].as_f64().is_some(), "{server}");
    assert!(
        server["rss_bytes_after"]
            .as_u64()
            .is_some_and(|rss| rss > 0),
        "{server}"
    );
}

#[tokio::test]
async fn a_url_off_this_machine_is_refused() {
    let output = herald_load(&["--url", "http://10.1.2.3:3000", "fanout", "--seconds", "1"]).await;
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("loopback"), "{stderr}");
    assert!(output.stdout.is_empty());
}
