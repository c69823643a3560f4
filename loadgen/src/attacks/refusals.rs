//! The flood of requests the hub refuses: each must cost it little, and
//! its refusals must not fill its log.

use std::sync::Arc;

use herald_wire::protocol::{
    API_PREFIX, EVENTS_PATH, HISTORY_PATH, Query, TOPIC_PARAM, publish_path,
};

use super::{Arena, Counter, Sent, chat, send};

/// Connections sending requests the hub refuses, each as fast as it
/// answers.
pub(super) const REFUSERS: usize = 4;

/// Requests the hub must refuse, in turn: a publish to an invalid topic, a
/// stream of one, a history request with an unknown parameter, and paths
/// under the API that do not exist (`/api/topics/..` goes out as `/api/`,
/// as every URL parser resolves it).
pub(super) async fn refuser(arena: Arc<Arena>, counter: Arc<Counter>) {
    let invalid = "not a topic!";
    let stream = Query::new().param(TOPIC_PARAM, invalid).url(EVENTS_PATH);
    let history = Query::new()
        .param(TOPIC_PARAM, "a")
        .param("no-such-parameter", "1")
        .url(HISTORY_PATH);
    let chat = chat();
    let requests = [
        arena
            .requests
            .post(arena.url(&publish_path(invalid)))
            .json(&chat),
        arena.requests.get(arena.url(&stream)),
        arena.requests.get(arena.url(&history)),
        arena
            .requests
            .get(arena.url(&format!("{API_PREFIX}/topics/.."))),
        arena
            .requests
            .get(arena.url(&format!("{API_PREFIX}/no/such/route"))),
    ];
    for request in requests.iter().cycle() {
        let Some(request) = request.try_clone() else {
            return;
        };
        match send(&arena.stop, &counter, request).await {
            Sent::Accepted(response) => {
                let _ = response.bytes().await;
            }
            Sent::Refused => {}
            Sent::Failed => arena.pause().await,
            Sent::Stopped => return,
        }
    }
}
