//! Resume with `Last-Event-ID`: replay in order without duplicates, then
//! live with no gap; a `gap` event when history no longer reaches back.

use herald_wire::EventId;
use testkit::{Message, TestApp, chat, query, spawn_app, text_of};

#[tokio::test]
async fn resume_with_last_event_id_replays_missed_events_then_goes_live() {
    let app = spawn_app(&[]).await;
    let mut ids = Vec::new();
    for n in 0..5 {
        ids.push(app.publish("r", &chat(&n.to_string())).await.id);
    }
    let mut stream = app.open_stream(&query(&["r"]), Some(ids[1])).await;
    for expected in &ids[2..] {
        assert_eq!(stream.next_event().await.id, *expected);
    }
    let live = app.publish("r", &chat("live")).await;
    let event = stream.next_event().await;
    assert_eq!(event.id, live.id);
    assert_eq!(text_of(&event), "live");
}

#[tokio::test]
async fn resume_with_the_query_parameter_works_for_clients_without_headers() {
    let app = spawn_app(&[]).await;
    let first = app.publish("q", &chat("seen")).await.id;
    let missed = app.publish("q", &chat("missed")).await.id;
    let mut stream = app
        .open_stream(&query(&["q"]).after(Some(first)), None)
        .await;
    assert_eq!(stream.next_event().await.id, missed);
}

#[tokio::test]
async fn resume_on_a_multi_topic_stream_replays_all_topics_in_order() {
    let app = spawn_app(&[]).await;
    let start = app.publish("x", &chat("before")).await.id;
    let mut expected = Vec::new();
    for (topic, text) in [
        ("x", "1"),
        ("y", "2"),
        ("z", "skip"),
        ("y", "3"),
        ("x", "4"),
    ] {
        let id = app.publish(topic, &chat(text)).await.id;
        if topic != "z" {
            expected.push(id);
        }
    }
    let mut stream = app.open_stream(&query(&["y", "x"]), Some(start)).await;
    for id in expected {
        assert_eq!(stream.next_event().await.id, id);
    }
    let live = app.publish("y", &chat("live")).await.id;
    assert_eq!(stream.next_event().await.id, live);
}

#[tokio::test]
async fn resume_beyond_history_sends_a_gap_then_what_is_left() {
    let app = spawn_app(&["--history", "3"]).await;
    let mut ids = Vec::new();
    for n in 0..6 {
        ids.push(app.publish("g", &chat(&n.to_string())).await.id);
    }
    let mut stream = app.open_stream(&query(&["g"]), Some(ids[0])).await;
    match stream.next().await {
        Message::Gap(gap) => {
            assert_eq!(gap.topic.to_string(), "g");
            assert_eq!(gap.after, ids[0]);
            assert_eq!(gap.through, ids[2]);
        }
        other => panic!("expected a gap, got {other:?}"),
    }
    for expected in &ids[3..] {
        assert_eq!(stream.next_event().await.id, *expected);
    }
}

#[tokio::test]
async fn an_id_from_before_a_restart_gets_a_gap_and_the_new_history() {
    let app = spawn_app(&[]).await;
    let after_restart = app.publish("restart", &chat("new run")).await.id;
    let old_run = EventId::new(1, 42);
    let mut stream = app.open_stream(&query(&["restart"]), Some(old_run)).await;
    assert!(matches!(stream.next().await, Message::Gap(gap) if gap.after == old_run));
    assert_eq!(stream.next_event().await.id, after_restart);
}

#[tokio::test]
async fn a_restart_with_the_clock_stepped_back_replays_the_new_run_after_a_gap() {
    // The first run's clock read later than the second's, and its client
    // saw more events than the second run has published when it resumes.
    let first = TestApp::builder().epoch(2_000_000).start().await;
    let mut seen = None;
    for n in 0..8 {
        seen = Some(first.publish("clock", &chat(&format!("old {n}"))).await.id);
    }
    first.shutdown().cancel();
    let second = TestApp::builder().epoch(1_000_000).start().await;
    let mut published = Vec::new();
    for n in 0..12 {
        published.push(second.publish("clock", &chat(&format!("new {n}"))).await.id);
    }
    let mut stream = second.open_stream(&query(&["clock"]), seen).await;
    assert!(matches!(stream.next().await, Message::Gap(gap) if Some(gap.after) == seen));
    for expected in &published {
        assert_eq!(stream.next_event().await.id, *expected, "none skipped");
    }
    stream
        .assert_silent(std::time::Duration::from_millis(100))
        .await;
}
