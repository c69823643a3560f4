//! Live delivery: one and many topics, headers, keep-alive, bad requests.

use std::time::Duration;

use futures_util::StreamExt;
use herald_dashboard_events::Payload;
use herald_wire::ErrorCode;
use herald_wire::protocol::{LAST_EVENT_ID_HEADER, LAST_EVENT_ID_PARAM, Query, TOPIC_PARAM};
use reqwest::StatusCode;
use testkit::{PATIENCE, TestApp, chat, error_body, query, spawn_app, text_of};

#[tokio::test]
async fn published_event_reaches_a_stream_as_typed_sse() {
    let app = spawn_app(&[]).await;
    let mut stream = app.open_stream(&query(&["chat/lobby"]), None).await;
    let published = app.publish("chat/lobby", &chat("hello")).await;
    let event = stream.next_event().await;
    assert_eq!(event.id, published.id);
    assert_eq!(event.topic.as_str(), "chat/lobby");
    assert_eq!(event.event, chat("hello"));
    assert!(event.time_us > 1_700_000_000_000_000);
}

#[tokio::test]
async fn every_kind_arrives_under_its_own_event_name() {
    let app = spawn_app(&[]).await;
    let mut stream = app.open_stream(&query(&["k"]), None).await;
    let payloads: Vec<Payload> = [
        r#"{"type":"chat","author":"a","text":"b"}"#,
        r#"{"type":"notice","level":"info","text":"n"}"#,
        r#"{"type":"latency_probe","seq":3,"ts":4}"#,
        r#"{"type":"json","data":{"any":["thing",1,null]}}"#,
        r#"{"type":"metrics","cpu_total":1.5,"cpu_per_core":[1.5],"memory_used":1,
            "memory_total":2,"load":{"one":1,"five":2,"fifteen":3},
            "net_rx_per_sec":4,"net_tx_per_sec":5}"#,
    ]
    .iter()
    .map(|body| serde_json::from_str(body).unwrap())
    .collect();
    for payload in &payloads {
        app.publish("k", payload).await;
    }
    for payload in &payloads {
        // `next_event` also checks that the SSE name equals the kind.
        assert_eq!(&stream.next_event().await.event, payload);
    }
}

#[tokio::test]
async fn one_stream_carries_several_topics_in_id_order() {
    let app = spawn_app(&[]).await;
    let mut stream = app.open_stream(&query(&["a", "b/c"]), None).await;
    for (topic, text) in [
        ("a", "1"),
        ("b/c", "2"),
        ("other", "x"),
        ("a", "3"),
        ("b/c", "4"),
    ] {
        app.publish(topic, &chat(text)).await;
    }
    let mut last = None;
    let mut texts = Vec::new();
    for _ in 0..4 {
        let event = stream.next_event().await;
        assert!(last < Some(event.id), "ids must increase");
        last = Some(event.id);
        texts.push(text_of(&event).to_owned());
    }
    assert_eq!(texts, ["1", "2", "3", "4"]);
    stream.assert_silent(Duration::from_millis(200)).await;
}

#[tokio::test]
async fn in_process_publish_reaches_http_streams() {
    let app = spawn_app(&[]).await;
    let mut stream = app.open_stream(&query(&["embedded"]), None).await;
    let topic = herald_wire::Topic::parse("embedded").unwrap();
    let frame = app.hub.publish(topic, &chat("from rust")).unwrap();
    let event = stream.next_event().await;
    assert_eq!(event.id, frame.id());
    assert_eq!(text_of(&event), "from rust");
}

#[tokio::test]
async fn stream_sets_sse_headers_a_retry_hint_and_its_position() {
    let app = spawn_app(&["--retry-ms", "1234"]).await;
    let response = app.get_stream(&query(&["h"]), None).await;
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers();
    assert_eq!(headers["content-type"], "text/event-stream");
    assert_eq!(headers["cache-control"], "no-cache");
    assert_eq!(headers["x-accel-buffering"], "no");
    assert!(headers.get("content-encoding").is_none());
    let mut body = response.bytes_stream();
    let first = tokio::time::timeout(PATIENCE, body.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    // Then where the stream starts, so that a client cut off before its
    // first event resumes from there.
    let position = herald_wire::EventId::new(app.hub.epoch(), 0);
    let opening = format!("retry: 1234\n\nid: {position}\nevent: position\ndata:\n\n");
    assert_eq!(std::str::from_utf8(&first).unwrap(), opening);
}

#[tokio::test]
async fn idle_stream_gets_keep_alive_comments() {
    let app = spawn_app(&["--keepalive", "1"]).await;
    let response = app.get_stream(&query(&["quiet"]), None).await;
    let mut body = response.bytes_stream();
    let mut seen = Vec::new();
    // Two: the timer must be waited on again after each tick.
    tokio::time::timeout(PATIENCE, async {
        while seen.windows(3).filter(|window| *window == b":\n\n").count() < 2 {
            let chunk = body.next().await.expect("stream ended").unwrap();
            seen.extend_from_slice(&chunk);
        }
    })
    .await
    .expect("fewer than two keep-alive comments");
}

#[tokio::test]
async fn bad_stream_requests_get_400_with_json_before_any_stream() {
    let app = spawn_app(&["--max-topics-per-stream", "2"]).await;
    let cases: [(Query, Option<&str>, ErrorCode, &str); 6] = [
        (Query::new(), None, ErrorCode::MissingTopic, TOPIC_PARAM),
        (query(&[""]), None, ErrorCode::InvalidTopic, TOPIC_PARAM),
        (
            query(&["bad name"]),
            None,
            ErrorCode::InvalidTopic,
            TOPIC_PARAM,
        ),
        (
            query(&["a"]).param(LAST_EVENT_ID_PARAM, "abc"),
            None,
            ErrorCode::InvalidLastEventId,
            LAST_EVENT_ID_PARAM,
        ),
        (
            query(&["a"]),
            Some("12ab"),
            ErrorCode::InvalidLastEventId,
            LAST_EVENT_ID_HEADER,
        ),
        (
            query(&["a", "b", "c"]),
            None,
            ErrorCode::InvalidQuery,
            TOPIC_PARAM,
        ),
    ];
    for (query, last_event_id, code, field) in cases {
        let response = app.get_stream(&query, last_event_id).await;
        let body = error_body(response, StatusCode::BAD_REQUEST).await;
        assert_eq!(body.code, code, "{query:?}");
        assert_eq!(body.field.as_deref(), Some(field), "{query:?}");
        assert!(!body.message.is_empty());
    }
    let response = app
        .get_stream(&query(&["a"]).param("since", "4"), None)
        .await;
    let body = error_body(response, StatusCode::BAD_REQUEST).await;
    assert_eq!(body.code, ErrorCode::InvalidQuery);
    assert_eq!(body.field.as_deref(), Some("since"));
    assert!(
        app.topics().await.topics.is_empty(),
        "a refused stream leaves no topic"
    );
}

#[tokio::test]
async fn streams_beyond_the_cap_get_503() {
    let app = spawn_app(&["--max-subscribers", "1"]).await;
    let _held = app.open_stream(&query(&["a"]), None).await;
    let response = app.get_stream(&query(&["a"]), None).await;
    let body = error_body(response, StatusCode::SERVICE_UNAVAILABLE).await;
    assert_eq!(body.code, ErrorCode::TooManySubscribers);
}

#[tokio::test]
async fn the_built_in_source_publishes_real_metrics() {
    let app = TestApp::builder()
        .metrics_every(Duration::from_millis(200))
        .start()
        .await;
    let mut stream = app.open_stream(&query(&["system/metrics"]), None).await;
    for _ in 0..2 {
        let event = stream.next_event().await;
        assert_eq!(event.topic.as_str(), herald_dashboard_events::METRICS_TOPIC);
        let Payload::Metrics(metrics) = event.event else {
            panic!("expected metrics, got {:?}", event.event);
        };
        assert!(!metrics.cpu_per_core.is_empty());
        assert!(metrics.memory_total > 0 && metrics.memory_used <= metrics.memory_total);
    }
}

#[tokio::test]
async fn json_data_arrives_as_published_but_whitespace() {
    let app = spawn_app(&[]).await;
    let mut stream = app.open_stream(&query(&["raw"]), None).await;
    let published = "{\"type\":\"json\",\"data\":{ \"z\": 1,\n \"a\": [1e2, 18446744073709551616123, -0.0], \"a\": \"twice\" }}";
    let kept = r#"{"z":1,"a":[1e2,18446744073709551616123,-0.0],"a":"twice"}"#;
    let response = app
        .publish_raw("raw", Some("application/json"), published)
        .await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let raw = stream.next_raw().await.expect("stream ended");
    assert!(
        raw.data.ends_with(&format!(r#""data":{kept}}}}}"#)),
        "{}",
        raw.data
    );
    let history = app
        .get(&query(&["raw"]).url(herald_wire::protocol::HISTORY_PATH))
        .await
        .text()
        .await
        .unwrap();
    assert!(history.contains(kept), "{history}");
}

#[tokio::test]
async fn a_stream_ends_at_its_maximum_age_and_delivers_until_then() {
    let app = spawn_app(&["--max-stream-age", "1"]).await;
    let response = app.get_stream(&query(&["aged"]), None).await;
    assert_eq!(response.status(), StatusCode::OK);
    let published = app.publish("aged", &chat("before the end")).await;
    let body = tokio::time::timeout(PATIENCE, response.bytes())
        .await
        .expect("the stream outlived its maximum age")
        .unwrap();
    let text = String::from_utf8_lossy(&body);
    assert!(text.starts_with("retry:"), "{text}");
    assert!(text.contains(&format!("id: {}", published.id)), "{text}");
    let metrics = crate::observe::scrape(&app).await;
    let expired = crate::observe::sample(&metrics, "herald_streams_expired_total");
    assert_eq!(expired, Some(1.0), "{metrics}");
}
