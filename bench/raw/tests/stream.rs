//! The baseline must serve what Herald serves, or the comparison is void:
//! a published probe reaches an open stream framed as Herald frames it.

use std::time::Duration;

use eventsource_stream::Eventsource;
use futures_util::StreamExt;
use herald_dashboard_events::{LatencyProbe, Payload};
use herald_wire::protocol::{publish_path, stream_path};
use herald_wire::{Envelope, Published, Topic};
use reqwest::StatusCode;
use tokio::net::TcpListener;

#[tokio::test]
async fn a_published_probe_arrives_with_herald_id_event_and_data() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(bench_raw::serve(listener, std::future::pending()));
    let client = reqwest::Client::new();
    let topic = Topic::parse("bench/test").unwrap();

    let response = client
        .get(format!("{url}{}", stream_path([&topic], None)))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let mut events = response.bytes_stream().eventsource();

    let probe = Payload::LatencyProbe(LatencyProbe { seq: 7, ts: 42 });
    let published = client
        .post(format!("{url}{}", publish_path(topic.as_str())))
        .json(&probe)
        .send()
        .await
        .unwrap();
    assert_eq!(published.status(), StatusCode::ACCEPTED);
    let published: Published = published.json().await.unwrap();

    let received = tokio::time::timeout(Duration::from_secs(5), events.next())
        .await
        .expect("no event in time")
        .expect("stream ended")
        .unwrap();
    assert_eq!(received.id, published.id.to_string());
    assert_eq!(received.event, "latency_probe");
    let event: Envelope<Payload> = serde_json::from_str(&received.data).unwrap();
    assert_eq!(event.id, published.id);
    assert_eq!(event.topic, topic);
    assert_eq!(event.event, probe);
}
