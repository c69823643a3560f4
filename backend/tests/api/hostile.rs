//! What an anonymous or hostile client can make the hub do, one test per
//! way found to make it leak, grow or stall; each failed before its fix.

use shared::TopicList;
use shared::protocol::{AFTER_PARAM, LIMIT_PARAM, Query, TOKEN_PARAM, TOPICS_PATH};
use testkit::{TestApp, chat, eventually, query, spawn_app, spawn_node};

use crate::auth::{publish_with, secured, token};
use crate::redis_server::RedisServer;

/// Walks `/api/topics` one name per page from `after`, as far as it goes,
/// and returns every name it saw, listed or as where a page continues.
async fn walk_topics(app: &TestApp, after: &str, token: Option<&str>) -> Vec<String> {
    let mut seen = Vec::new();
    let mut after = after.to_owned();
    loop {
        let mut query = Query::new()
            .param(LIMIT_PARAM, "1")
            .param(AFTER_PARAM, &after);
        if let Some(token) = token {
            query = query.param(TOKEN_PARAM, token);
        }
        let page: TopicList = app.get(&query.url(TOPICS_PATH)).await.json().await.unwrap();
        seen.extend(page.topics.iter().map(|info| info.topic.to_string()));
        let Some(next) = page.next_after else {
            return seen;
        };
        seen.push(next.to_string());
        after = next.to_string();
    }
}

#[tokio::test]
async fn paging_the_topic_list_never_names_a_private_topic_to_who_may_not_read_it() {
    let app = secured().await;
    let publisher = format!("Bearer {}", token(&["*"], &[]));
    for topic in [
        "chat/a",
        "private/alice/inbox",
        "private/bob/inbox",
        "private/carol/inbox",
        "zeta",
    ] {
        publish_with(&app, topic, Some(&publisher)).await;
    }
    // Anonymous, from just before the private range and from its start.
    for after in ["private", "a", "private/alice"] {
        let seen = walk_topics(&app, after, None).await;
        assert!(
            seen.iter().all(|name| !name.starts_with("private/")),
            "after {after}: {seen:?}"
        );
        assert!(seen.contains(&"zeta".to_owned()), "after {after}: {seen:?}");
    }
    // A reader of one private range sees it, and nothing of the others.
    let alice = token(&[], &["private/alice/*"]);
    let mut seen = walk_topics(&app, "a", Some(&alice)).await;
    seen.dedup();
    assert_eq!(seen, ["chat/a", "private/alice/inbox", "zeta"]);
}

#[tokio::test]
async fn a_pattern_stream_pins_no_topic_that_streams_named_and_left() {
    let app = spawn_app(&[]).await;
    let mut watcher = app.open_stream(&query(&["x/*"]), None).await;
    // Streams that each name 64 fresh topics under the pattern, then go.
    for round in 0..20 {
        let names: Vec<String> = (0..64).map(|n| format!("x/{round}/{n}")).collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let stream = app.open_stream(&query(&names), None).await;
        drop(stream);
    }
    eventually("the named topics are forgotten", || async {
        app.hub.counts().topics == 0
    })
    .await;
    // The pattern still sees a topic created afterwards.
    let later = app.publish("x/later", &chat("still watched")).await;
    assert_eq!(watcher.next_event().await.id, later.id);
}

/// Publishes to `count` new topics and returns their ids; each must be
/// taken (202).
async fn publish_new_topics(node: &TestApp, count: usize) -> Vec<shared::EventId> {
    let mut ids = Vec::new();
    for n in 0..count {
        ids.push(node.publish(&format!("new/{n}"), &chat("x")).await.id);
    }
    ids
}

#[tokio::test]
async fn a_stream_of_every_topic_neither_blocks_new_topics_nor_lifts_the_cap() {
    let app = spawn_app(&["--max-topics", "20"]).await;
    let mut everything = app.open_stream(&query(&["*"]), None).await;
    let ids = publish_new_topics(&app, 40).await;
    for id in ids {
        assert_eq!(everything.next_event().await.id, id);
    }
    let with_history = app
        .topics()
        .await
        .topics
        .iter()
        .filter(|info| info.last_id.is_some())
        .count();
    assert!(with_history <= 20, "{with_history} topics kept history");
    assert_eq!(
        app.topics().await.topics[0].subscribers,
        1,
        "the `*` stream counts"
    );
}

#[tokio::test]
async fn a_cluster_node_holds_the_topic_cap_too() {
    let redis = RedisServer::start().await;
    let node = spawn_node(&redis.url(), &["--max-topics", "20"]).await;
    let mut everything = node.open_stream(&query(&["*"]), None).await;
    for id in publish_new_topics(&node, 40).await {
        assert_eq!(everything.next_event().await.id, id);
    }
    let with_history = node
        .topics()
        .await
        .topics
        .iter()
        .filter(|info| info.last_id.is_some())
        .count();
    assert!(with_history <= 20, "{with_history} topics kept history");
}

#[tokio::test]
async fn a_pattern_stream_resumes_over_thousands_of_topics_in_id_order() {
    // Each delivery once looked at every topic with something unread; what
    // that cost is `cargo bench -p backend --bench hub -- pattern_resume`.
    const TOPICS: usize = 5_000;
    let app = spawn_app(&[]).await;
    let ids: Vec<shared::EventId> = (0..TOPICS)
        .map(|n| {
            let topic = shared::Topic::parse(format!("r/{n}")).unwrap();
            app.publish_in_process(&topic, chat("x"))
        })
        .collect();
    let mut stream = app.open_stream(&query(&["r/*"]), Some(ids[0])).await;
    for id in &ids[1..] {
        assert_eq!(stream.next_event().await.id, *id);
    }
}

/// Opens `query` on `app`, reads only the position it opens with, and
/// closes it: a client cut off before its first event.
async fn position_then_cut(app: &TestApp, query: &shared::protocol::Query) -> shared::EventId {
    let mut stream = app.open_stream(query, None).await;
    stream.read_position().await
}

#[tokio::test]
async fn a_stream_cut_before_its_first_event_resumes_from_where_it_opened() {
    let app = spawn_app(&[]).await;
    app.publish("a", &chat("before")).await;
    for topics in [&["a"][..], &["a", "b"], &["*"], &["a", "x/*"]] {
        let position = position_then_cut(&app, &query(topics)).await;
        // Published while the client reconnects.
        let missed = app.publish("a", &chat("while away")).await;
        let mut resumed = app.open_stream(&query(topics), Some(position)).await;
        assert_eq!(resumed.next_event().await.id, missed.id, "{topics:?}");
    }
}

#[tokio::test]
async fn a_stream_owing_another_runs_gaps_gives_no_position_to_skip_them() {
    let app = spawn_app(&[]).await;
    let foreign = shared::EventId::new(7, 7);
    for topics in [&["a"][..], &["*"]] {
        let mut stream = app.open_stream(&query(topics), Some(foreign)).await;
        let first = stream.next_raw().await.expect("the stream opens");
        assert_eq!(first.event, shared::GAP_EVENT, "{topics:?}: {first:?}");
        assert_eq!(stream.position(), None, "{topics:?}");
    }
}

#[tokio::test]
async fn a_cluster_stream_cut_before_its_first_event_resumes_on_another_node() {
    let redis = RedisServer::start().await;
    let a = spawn_node(&redis.url(), &[]).await;
    let b = spawn_node(&redis.url(), &[]).await;
    a.publish("a", &chat("before")).await;
    let position = position_then_cut(&a, &query(&["a"])).await;
    let missed = b.publish("a", &chat("while away")).await;
    let mut resumed = b.open_stream(&query(&["a"]), Some(position)).await;
    assert_eq!(resumed.next_event().await.id, missed.id);
}
