//! The history budgets over a real server: a flood of topics, large
//! events, and a full hub refusing what it cannot keep, each leaving the
//! hub answering and every eviction told to readers as a gap.

use herald_dashboard_events::Payload;
use herald_wire::EventList;
use herald_wire::protocol::{HEALTH_PATH, HISTORY_PATH};
use reqwest::StatusCode;
use testkit::{Message, chat, query, spawn_app};

#[tokio::test]
async fn a_topic_flood_stays_within_the_topic_cap() {
    let app = spawn_app(&["--max-topics", "50"]).await;
    let start = app
        .get(&query(&["flood/0"]).url(HISTORY_PATH))
        .await
        .json::<EventList<Payload>>()
        .await
        .unwrap()
        .resume_after;
    for n in 0..200 {
        app.publish(&format!("flood/{n}"), &chat("x")).await;
    }
    let kept = app.topics().await.topics;
    assert_eq!(kept.len(), 50);
    assert_eq!(kept[0].topic.as_str(), "flood/150", "the newest 50 stay");
    assert_eq!(app.get(HEALTH_PATH).await.status(), StatusCode::OK);
    // A reader who had not seen the first topic's event is told it is gone.
    let mut stream = app
        .open_stream(&query(&["flood/0"]).after(Some(start)), None)
        .await;
    assert!(matches!(stream.next().await, Message::Gap(_)));
}

#[tokio::test]
async fn large_events_stay_within_the_history_bytes() {
    let budget = 1024 * 1024;
    let app = spawn_app(&["--history-bytes", &budget.to_string()]).await;
    // About 60 KB of JSON each, under the default 64 KiB body limit.
    let zeros = vec!["0"; 30_000].join(",");
    let body = format!(r#"{{"type":"json","data":[{zeros}]}}"#);
    for n in 0..64 {
        let response = app
            .publish_raw(
                &format!("big/{}", n % 8),
                Some("application/json"),
                body.clone(),
            )
            .await;
        assert_eq!(response.status(), StatusCode::ACCEPTED);
    }
    let retained = app.hub.retained_bytes();
    assert!(retained <= budget, "{retained} bytes kept, budget {budget}");
    assert!(
        retained > budget / 2,
        "the budget is used, not emptied: {retained}"
    );
}

#[tokio::test]
async fn a_stream_that_names_every_kept_topic_does_not_block_new_ones() {
    let app = spawn_app(&["--max-topics", "1"]).await;
    let mut follower = app.open_stream(&query(&["kept"]), None).await;
    let kept = app.publish("kept", &chat("x")).await;
    assert_eq!(follower.next_event().await.id, kept.id);
    app.publish("new", &chat("y")).await;
    let list = app.topics().await.topics;
    let summary: Vec<(&str, Option<herald_wire::EventId>)> = list
        .iter()
        .map(|info| (info.topic.as_str(), info.last_id))
        .collect();
    // `kept` stays for its stream, without history: the cap holds.
    assert_eq!(
        summary,
        [("kept", None), ("new", Some(list[1].last_id.unwrap()))]
    );
}
