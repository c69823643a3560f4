//! Publishing: the accepted reply, and a table of refusals that publish nothing.

use herald_wire::ErrorCode;
use herald_wire::protocol::{API_PREFIX, publish_path};
use reqwest::StatusCode;
use testkit::{PATIENCE, chat, error_body, eventually, query, spawn_app};

const VALID: &str = r#"{"type":"chat","author":"a","text":"b"}"#;

/// A publish request and how the hub must refuse it.
struct Refusal {
    topic: &'static str,
    content_type: Option<&'static str>,
    body: String,
    status: StatusCode,
    code: ErrorCode,
    field: Option<&'static str>,
}

#[tokio::test]
async fn publish_returns_202_with_id_and_topic() {
    let app = spawn_app(&[]).await;
    let first = app.publish("orders/eu", &chat("a")).await;
    let second = app.publish("orders/eu", &chat("b")).await;
    assert_eq!(first.topic.as_str(), "orders/eu");
    assert!(first.id < second.id);
}

#[tokio::test]
async fn bad_publishes_get_4xx_with_json_and_publish_nothing() {
    let app = spawn_app(&["--max-body", "1024"]).await;
    let mut stream = app.open_stream(&query(&["t"]), None).await;
    let json = Some("application/json");
    let valid = r#"{"type":"chat","author":"a","text":"b"}"#;
    let refusal = |topic: &'static str,
                   content_type: Option<&'static str>,
                   body: String,
                   status: StatusCode,
                   code: ErrorCode,
                   field: Option<&'static str>| Refusal {
        topic,
        content_type,
        body,
        status,
        code,
        field,
    };
    let cases = vec![
        refusal(
            "t",
            json,
            "{".into(),
            StatusCode::BAD_REQUEST,
            ErrorCode::MalformedJson,
            None,
        ),
        refusal(
            "t",
            json,
            "".into(),
            StatusCode::BAD_REQUEST,
            ErrorCode::MalformedJson,
            None,
        ),
        refusal(
            "t",
            json,
            r#"{"type":"gap","text":"x"}"#.into(),
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::InvalidEvent,
            Some("type"),
        ),
        refusal(
            "t",
            json,
            r#"{"type":"chat","author":"a"}"#.into(),
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::InvalidEvent,
            Some("text"),
        ),
        refusal(
            "t",
            json,
            r#"{"type":"latency_probe","seq":"one","ts":1}"#.into(),
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::InvalidEvent,
            Some("seq"),
        ),
        refusal(
            "t",
            json,
            r#"{"type":"notice","level":"panic","text":"x"}"#.into(),
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::InvalidEvent,
            Some("level"),
        ),
        refusal(
            "t",
            json,
            format!(r#"{{"type":"json","data":"{}"}}"#, "x".repeat(2048)),
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::PayloadTooLarge,
            None,
        ),
        refusal(
            "t",
            Some("text/plain"),
            valid.into(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::UnsupportedMediaType,
            Some("content-type"),
        ),
        refusal(
            "t",
            None,
            valid.into(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::UnsupportedMediaType,
            Some("content-type"),
        ),
        refusal(
            "bad%20topic",
            json,
            valid.into(),
            StatusCode::BAD_REQUEST,
            ErrorCode::InvalidTopic,
            Some("path"),
        ),
        refusal(
            "a//b",
            json,
            valid.into(),
            StatusCode::BAD_REQUEST,
            ErrorCode::InvalidTopic,
            Some("path"),
        ),
    ];
    for Refusal {
        topic,
        content_type,
        body,
        status,
        code,
        field,
    } in cases
    {
        let response = app.publish_raw(topic, content_type, body.clone()).await;
        let error = error_body(response, status).await;
        assert_eq!(error.code, code, "{topic} {body}");
        assert_eq!(
            error.field.as_deref(),
            field,
            "{topic} {body}: {}",
            error.message
        );
        assert!(!error.message.is_empty());
    }
    // Nothing reached a topic: the list holds only the stream's empty topic,
    // and the stream's first event is the one published now.
    let topics = app.topics().await.topics;
    assert_eq!(topics.len(), 1);
    assert_eq!(topics[0].last_id, None);
    let marker = app.publish("t", &chat("after the refusals")).await;
    assert_eq!(stream.next_event().await.id, marker.id);
}

#[tokio::test]
async fn a_refused_event_names_the_json_path_at_fault_and_what_is_wrong() {
    let app = spawn_app(&[]).await;
    let metrics = r#"{"type":"metrics","cpu_total":1,"cpu_per_core":[],"memory_used":1,
        "memory_total":2,"load":{"one":1,"five":2},"net_rx_per_sec":4,"net_tx_per_sec":5}"#;
    let hub_stats = r#"{"type":"hub_stats","node":null,"interval_s":1,"streams_open":0,
        "streams_opened":0,"events":0,"events_per_s":0,"deliveries":0,"deliveries_per_s":0,
        "gaps":0,"history_bytes":0,"topics":1,"followed_topics":1,
        "followed":[{"topic":"a","subscribers":"many"}]}"#;
    let cases = [
        (
            metrics,
            "load.fifteen",
            "missing field `fifteen` at line 2 ",
        ),
        (
            hub_stats,
            "followed[0].subscribers",
            r#"invalid type: string "many", expected u64 at line 4 "#,
        ),
        (
            r#"{"type":"shout out","text":"x"}"#,
            "type",
            r#"event type "shout out" is not a kind name: the kind name contains ' '"#,
        ),
        (
            r#"{"type":"position"}"#,
            "type",
            r#"event type "position" is not a kind name: the kind name "position" is reserved"#,
        ),
        // An array is a batch: its first item is not an event.
        (r#"["chat"]"#, "[0]", "an event is a JSON object"),
        ("7", ".", "an event is a JSON object"),
        (
            r#"{"text":"x"}"#,
            "type",
            "missing field `type` naming the event kind",
        ),
    ];
    for (body, field, message) in cases {
        let response = app.publish_raw("t", Some("application/json"), body).await;
        let error = error_body(response, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(error.code, ErrorCode::InvalidEvent, "{body}");
        assert_eq!(error.field.as_deref(), Some(field), "{body}");
        assert!(
            error.message.starts_with(message),
            "{body}: {}",
            error.message
        );
    }
    let response = app
        .publish_raw("t", Some("application/json"), r#"{"type":"chat","#)
        .await;
    let error = error_body(response, StatusCode::BAD_REQUEST).await;
    assert_eq!(error.code, ErrorCode::MalformedJson);
    assert_eq!(error.field, None);
    assert_eq!(
        error.message,
        "body is not valid JSON: EOF while parsing an object at line 1 column 15"
    );
    assert!(
        app.topics().await.topics.is_empty(),
        "nothing was published"
    );
}

#[tokio::test]
async fn a_refused_event_echoes_only_a_bounded_prefix_of_what_it_refused() {
    let app = spawn_app(&[]).await;
    let huge = "a".repeat(60 * 1024);
    let metrics = format!(
        r#"{{"type":"metrics","cpu_total":"{huge}","cpu_per_core":[],"memory_used":1,
        "memory_total":2,"load":{{"one":1,"five":2,"fifteen":3}},"net_rx_per_sec":4,"net_tx_per_sec":5}}"#
    );
    let cases = [
        (format!(r#"{{"type":"{huge}"}}"#), "type"),
        (metrics, "cpu_total"),
    ];
    for (body, field) in cases {
        let response = app.publish_raw("t", Some("application/json"), body).await;
        let error = error_body(response, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(error.field.as_deref(), Some(field));
        assert!(error.message.contains("aaaa"), "{}", error.message);
        assert!(
            error.message.len() < 400,
            "{field}: {} bytes echoed",
            error.message.len()
        );
    }
}

#[tokio::test]
async fn charset_parameter_and_json_suffix_are_accepted() {
    let app = spawn_app(&[]).await;
    let body = r#"{"type":"chat","author":"a","text":"b"}"#;
    for content_type in [
        "application/json; charset=utf-8",
        "application/vnd.herald+json",
    ] {
        let response = app.publish_raw("t", Some(content_type), body).await;
        assert_eq!(response.status(), StatusCode::ACCEPTED, "{content_type}");
    }
}

#[tokio::test]
async fn unknown_api_paths_and_methods_get_json_errors() {
    let app = spawn_app(&[]).await;
    let response = app.get(&format!("{API_PREFIX}/nope")).await;
    assert_eq!(
        error_body(response, StatusCode::NOT_FOUND).await.code,
        ErrorCode::NotFound
    );
    let response = app.get(&publish_path("a")).await;
    let body = error_body(response, StatusCode::METHOD_NOT_ALLOWED).await;
    assert_eq!(body.code, ErrorCode::MethodNotAllowed);
}

/// A JSON body that sends its first half, then waits until the sender drops.
pub(crate) fn held_body() -> (tokio::sync::mpsc::Sender<()>, reqwest::Body) {
    let (release, released) = tokio::sync::mpsc::channel::<()>(1);
    let chunks =
        futures_util::stream::unfold((true, released), |(first, mut released)| async move {
            if first {
                let half = bytes::Bytes::from_static(br#"{"type":"chat","#);
                return Some((Ok::<_, std::io::Error>(half), (false, released)));
            }
            // Ends the body (unfinished) once the sender is dropped.
            released.recv().await;
            None
        });
    (release, reqwest::Body::wrap_stream(chunks))
}

#[tokio::test]
async fn publishes_beyond_the_concurrency_limit_are_shed_with_503() {
    let app = spawn_app(&["--max-concurrent-publishes", "1"]).await;
    let (release, body) = held_body();
    let slow = {
        let request = app
            .client
            .post(app.url(&publish_path("t")))
            .header("content-type", "application/json")
            .body(body);
        tokio::spawn(request.send())
    };
    // Once the slow publish holds the only slot, the next one is shed.
    let shed = tokio::time::timeout(PATIENCE, async {
        loop {
            let response = app.publish_raw("t", Some("application/json"), VALID).await;
            if response.status() == StatusCode::SERVICE_UNAVAILABLE {
                return response;
            }
            assert_eq!(response.status(), StatusCode::ACCEPTED);
        }
    })
    .await
    .expect("a publish beyond the limit is shed");
    assert_eq!(
        error_body(shed, StatusCode::SERVICE_UNAVAILABLE).await.code,
        ErrorCode::Overloaded
    );
    drop(release);
    let finished = slow.await.unwrap().unwrap();
    assert!(
        finished.status().is_client_error(),
        "the truncated body is refused"
    );
    let response = app.publish_raw("t", Some("application/json"), VALID).await;
    assert_eq!(
        response.status(),
        StatusCode::ACCEPTED,
        "the slot is free again"
    );
}

#[tokio::test]
async fn a_publish_slower_than_the_timeout_gets_408() {
    let app = spawn_app(&["--publish-timeout-ms", "200"]).await;
    let (_release, body) = held_body();
    let response = app.publish_raw("t", Some("application/json"), body).await;
    let error = error_body(response, StatusCode::REQUEST_TIMEOUT).await;
    assert_eq!(error.code, ErrorCode::Timeout);
    assert!(
        app.topics().await.topics.is_empty(),
        "nothing was published"
    );
}

#[tokio::test]
async fn a_body_slower_than_the_minimum_rate_is_cut_off_and_frees_its_slot() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_app(&[
        "--min-body-rate",
        "1000",
        "--max-concurrent-publishes",
        "1",
        "--publish-timeout-ms",
        "600000",
    ])
    .await;
    let addr = app.address;
    let (mut reader, mut writer) = tokio::net::TcpStream::connect(&addr)
        .await
        .unwrap()
        .into_split();
    let head = format!(
        "POST {} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n",
        publish_path("t")
    );
    writer.write_all(head.as_bytes()).await.unwrap();
    // The client trickles its body at 10 bytes/s, as a slowloris does.
    let trickle = tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_millis(100));
        loop {
            every.tick().await;
            if writer.write_all(b" ").await.is_err() {
                break;
            }
        }
    });
    // Meanwhile it holds the one publish slot.
    eventually("the trickling publish never held the slot", || async {
        app.try_publish("t", &chat("waits")).await.status() == StatusCode::SERVICE_UNAVAILABLE
    })
    .await;

    let mut reply = vec![0; 2048];
    let read = tokio::time::timeout(PATIENCE, reader.read(&mut reply))
        .await
        .expect("the trickling body was never cut off")
        .unwrap();
    let reply = String::from_utf8_lossy(&reply[..read]);
    assert!(reply.starts_with("HTTP/1.1 408"), "{reply}");
    assert!(reply.contains("slower than 1000 bytes/s"), "{reply}");
    trickle.abort();
    let published = app.try_publish("t", &chat("served")).await;
    assert_eq!(published.status(), StatusCode::ACCEPTED);
}
