//! `GET /api/topics`: the hub's topics with subscriber counts and last ids.

use axum::Json;
use axum::extract::State;
use shared::TopicList;

use crate::state::AppState;

/// Lists every topic with history or subscribers.
pub(crate) async fn topics(State(state): State<AppState>) -> Json<TopicList> {
    Json(TopicList {
        topics: state.hub.topics(),
    })
}
