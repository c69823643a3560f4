//! What an anonymous or hostile client can make the hub do, one test per
//! way found to make it leak, grow or stall; each failed before its fix.

use shared::TopicList;
use shared::protocol::{AFTER_PARAM, LIMIT_PARAM, Query, TOKEN_PARAM, TOPICS_PATH};
use testkit::TestApp;

use crate::auth::{publish_with, secured, token};

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
