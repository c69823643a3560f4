//! Topic patterns (`chat/*`, `*`) in streams, history and the topic list.

use herald_dashboard_events::Payload;
use herald_wire::protocol::{TOPICS_PATH, history_path, topics_path};
use herald_wire::{ErrorCode, EventId, EventList, Topic, TopicList, TopicPattern};
use reqwest::StatusCode;
use testkit::{Message, chat, error_body, query, spawn_app, text_of};

#[tokio::test]
async fn a_prefix_stream_follows_topics_created_later_in_id_order() {
    let app = spawn_app(&[]).await;
    app.publish("chat/old", &chat("before")).await;
    let mut stream = app.open_stream(&query(&["chat/*", "ops"]), None).await;
    // Every topic but `ops` and the first is created after the stream opened.
    let mut expected = Vec::new();
    for (topic, text) in [
        ("chat/a", "1"),
        ("ops", "2"),
        ("chatter", "not under chat"),
        ("chat", "not below chat"),
        ("chat/b/deep", "3"),
        ("chat/old", "4"),
        ("other/chat/x", "elsewhere"),
        ("chat/a", "5"),
    ] {
        let published = app.publish(topic, &chat(text)).await;
        if text.len() == 1 {
            expected.push((published.id, topic, text));
        }
    }
    for (id, topic, text) in expected {
        let event = stream.next_event().await;
        assert_eq!(
            (event.id, event.topic.as_str(), text_of(&event)),
            (id, topic, text)
        );
    }
    stream
        .assert_silent(std::time::Duration::from_millis(100))
        .await;
}

#[tokio::test]
async fn a_prefix_stream_resumes_with_one_id() {
    let app = spawn_app(&[]).await;
    let mut ids = Vec::new();
    for n in 0..6 {
        let topic = format!("room/{}", n % 3);
        ids.push(app.publish(&topic, &chat(&n.to_string())).await.id);
    }
    let mut stream = app.open_stream(&query(&["room/*"]), Some(ids[2])).await;
    for expected in &ids[3..] {
        assert_eq!(stream.next_event().await.id, *expected);
    }
    let live = app.publish("room/new", &chat("live")).await;
    assert_eq!(stream.next_event().await.id, live.id, "then live, no gap");
}

#[tokio::test]
async fn every_topic_pattern_also_sees_an_id_of_another_run_as_a_gap() {
    let app = spawn_app(&[]).await;
    app.publish("a", &chat("before")).await;
    let mut stream = app
        .open_stream(&query(&["*"]), Some(EventId::new(7, 7)))
        .await;
    // Nothing of this run can be placed after another run's id: the
    // pattern says so once, and the stream goes on from now instead of
    // replaying every topic it matches.
    let Message::Gap(gap) = stream.next().await else {
        panic!("a gap comes first");
    };
    assert_eq!(gap.topic.to_string(), "*");
    assert_eq!(gap.after, EventId::new(7, 7));
    let after = app.publish("b", &chat("after")).await;
    assert_eq!(stream.next_event().await.id, after.id);
}

#[tokio::test]
async fn a_misplaced_wildcard_is_refused_on_every_read_route() {
    let app = spawn_app(&[]).await;
    let bad = query(&["chat/*/typing"]);
    let stream = app.get_stream(&bad, None).await;
    let body = error_body(stream, StatusCode::BAD_REQUEST).await;
    assert_eq!(body.code, ErrorCode::InvalidTopic);
    assert!(body.message.contains("last segment"), "{}", body.message);
    for path in [
        bad.url(herald_wire::protocol::HISTORY_PATH),
        bad.url(TOPICS_PATH),
    ] {
        let body = error_body(app.get(&path).await, StatusCode::BAD_REQUEST).await;
        assert_eq!(body.code, ErrorCode::InvalidTopic, "{path}");
    }
    assert!(app.topics().await.topics.is_empty(), "nothing was created");
}

#[tokio::test]
async fn history_takes_patterns() {
    let app = spawn_app(&[]).await;
    let mut under = Vec::new();
    for topic in ["s/a", "t", "s/b", "s/a/x"] {
        let id = app.publish(topic, &chat(topic)).await.id;
        if topic.starts_with("s/") {
            under.push(id);
        }
    }
    let patterns = [TopicPattern::parse("s/*").unwrap()];
    let list: EventList<Payload> = app
        .get(&history_path(&patterns, 10))
        .await
        .json()
        .await
        .unwrap();
    let ids: Vec<EventId> = list.events.iter().map(|event| event.id).collect();
    assert_eq!(ids, under);
}

fn names(list: &TopicList) -> Vec<&str> {
    list.topics.iter().map(|info| info.topic.as_str()).collect()
}

#[tokio::test]
async fn the_topic_list_is_paged_by_name_and_filtered_by_patterns() {
    let app = spawn_app(&[]).await;
    for topic in ["b", "a/2", "c/1", "a/1", "a"] {
        app.publish(topic, &chat("x")).await;
    }
    let page = |patterns: &[&str], after: Option<&str>, limit: usize| {
        let patterns: Vec<TopicPattern> = patterns
            .iter()
            .map(|text| TopicPattern::parse(text).unwrap())
            .collect();
        let after = after.map(|name| Topic::parse(name).unwrap());
        topics_path(&patterns, after.as_ref(), limit)
    };
    let list = async |path: String| -> TopicList { app.get(&path).await.json().await.unwrap() };
    let first = list(page(&[], None, 2)).await;
    assert_eq!(names(&first), ["a", "a/1"]);
    assert_eq!(first.next_after.as_ref().map(Topic::as_str), Some("a/1"));
    let second = list(page(&[], Some("a/1"), 2)).await;
    assert_eq!(names(&second), ["a/2", "b"]);
    let last: TopicList = app
        .get(&page(&[], Some("b"), 2))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(names(&last), ["c/1"]);
    assert_eq!(last.next_after, None);
    let filtered = list(page(&["a/*", "c/1"], None, 10)).await;
    assert_eq!(names(&filtered), ["a/1", "a/2", "c/1"]);
    let refused = app.get(&format!("{TOPICS_PATH}?limit=0")).await;
    let body = error_body(refused, StatusCode::BAD_REQUEST).await;
    assert_eq!(body.code, ErrorCode::InvalidQuery);
}
