//! Watching the hub: `GET /metrics` and the `system/hub` reports.

use std::time::Duration;

use herald_dashboard_events::{HUB_TOPIC, HubStats, Payload};
use herald_wire::protocol::{METRICS_PATH, TOKEN_PARAM, publish_path};
use reqwest::StatusCode;
use testkit::{TestApp, chat, error_body, query, spawn_app};

use crate::auth::{SECRET, token};

/// The value of the sample `name` (with its labels) in a scrape.
pub(crate) fn sample(text: &str, name: &str) -> Option<f64> {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
}

pub(crate) async fn scrape(app: &TestApp) -> String {
    let response = app.get(METRICS_PATH).await;
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response.headers()["content-type"].to_str().unwrap();
    assert_eq!(content_type, "text/plain; version=0.0.4; charset=utf-8");
    response.text().await.unwrap()
}

#[tokio::test]
async fn metrics_count_streams_events_deliveries_responses_and_refusals() {
    let app = spawn_app(&[]).await;
    let mut stream = app.open_stream(&query(&["room/1"]), None).await;
    for text in ["a", "b", "c"] {
        app.publish("room/1", &chat(text)).await;
    }
    for _ in 0..3 {
        stream.next_event().await;
    }
    let refused = app.try_publish("bad topic", &chat("x")).await;
    error_body(refused, StatusCode::BAD_REQUEST).await;
    let text = scrape(&app).await;
    for (name, value) in [
        ("herald_streams_open", 1.0),
        ("herald_streams_opened_total", 1.0),
        ("herald_events_published_total", 3.0),
        ("herald_events_delivered_total", 3.0),
        ("herald_gaps_total", 0.0),
        ("herald_streams_expired_total", 0.0),
        ("herald_connections_closed_idle_total", 0.0),
        ("herald_topics", 1.0),
        ("herald_connections_open", 2.0),
        ("herald_refusals_total{reason=\"invalid_topic\"}", 1.0),
        ("herald_refusals_total{reason=\"overloaded\"}", 0.0),
        ("herald_http_responses_total{class=\"4xx\"}", 1.0),
        ("herald_publish_duration_seconds_count", 4.0),
    ] {
        assert_eq!(sample(&text, name), Some(value), "{name} in\n{text}");
    }
    // The stream's 200 and three 202s.
    let ok = sample(&text, "herald_http_responses_total{class=\"2xx\"}").unwrap();
    assert!(ok >= 4.0, "{text}");
    assert!(
        sample(&text, "herald_history_bytes").unwrap() > 0.0,
        "{text}"
    );
    assert!(
        !text.contains("room/1"),
        "no topic name is a label:\n{text}"
    );
    assert!(
        !text.contains("redis"),
        "no Redis figures without Redis:\n{text}"
    );

    drop(stream);
    testkit::eventually("the stream is counted closed", || {
        let app = &app;
        async move { sample(&scrape(app).await, "herald_streams_open") == Some(0.0) }
    })
    .await;
}

/// The next report on `stream` that `check` accepts, failing after
/// [`testkit::PATIENCE`].
async fn report_where(stream: &mut testkit::Stream, check: impl Fn(&HubStats) -> bool) -> HubStats {
    loop {
        let event = stream.next_event().await;
        assert_eq!(event.topic.as_str(), HUB_TOPIC);
        let Payload::HubStats(stats) = event.event else {
            panic!("expected hub stats, got {:?}", event.event);
        };
        if check(&stats) {
            return stats;
        }
    }
}

#[tokio::test]
async fn the_hub_reports_itself_on_system_hub_with_public_topic_counts() {
    let app = TestApp::builder()
        .hub_stats_every(Duration::from_millis(200))
        .tokens(SECRET, "private/*")
        .start()
        .await;
    let mut reports = app.open_stream(&query(&[HUB_TOPIC]), None).await;
    let _first = app.open_stream(&query(&["room/1"]), None).await;
    let _second = app.open_stream(&query(&["room/1", "room/2"]), None).await;
    let secret = token(&[], &["private/*"]);
    let private = query(&["private/alice"]).param(TOKEN_PARAM, &secret);
    let _private = app.open_stream(&private, None).await;
    let stats = report_where(&mut reports, |stats| stats.streams_open == 4).await;
    assert_eq!(stats.node, None);
    assert!(stats.interval_s > 0.0);
    let followed: Vec<(&str, u64)> = stats
        .followed
        .iter()
        .map(|count| (count.topic.as_str(), count.subscribers))
        .collect();
    assert_eq!(
        followed,
        [("room/1", 2), ("room/2", 1), (HUB_TOPIC, 1)],
        "most followed first, then by name, and no private topic"
    );
    assert_eq!(stats.followed_topics, 3);

    // Reports are events too: one taken after these two publishes counts
    // them, and at least the report `stats` itself.
    let before = stats;
    let publisher = token(&["room/*"], &[]);
    for text in ["a", "b"] {
        let response = app
            .client
            .post(app.url(&publish_path("room/2")))
            .bearer_auth(&publisher)
            .json(&chat(text))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::ACCEPTED);
    }
    let stats = report_where(&mut reports, |stats| stats.events >= before.events + 3).await;
    assert!(stats.deliveries >= before.deliveries + 2, "{stats:?}");
    assert!(stats.history_bytes > 0, "{stats:?}");
}
