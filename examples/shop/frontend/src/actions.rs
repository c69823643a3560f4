//! What the page asks of the shop: place an order, ship one. The events
//! that follow arrive on the stream, like everyone else's.

use shop_shared::EVENTS_BASE;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Request, RequestInit};

/// Posts `body` (JSON) to `path`; whether the shop took it.
async fn post(path: &str, body: Option<String>) -> bool {
    let init = RequestInit::new();
    init.set_method("POST");
    if let Some(body) = body {
        init.set_body(&body.into());
    }
    let Ok(request) = Request::new_with_str_and_init(path, &init) else {
        return false;
    };
    if request
        .headers()
        .set("content-type", "application/json")
        .is_err()
    {
        return false;
    }
    let Some(window) = web_sys::window() else {
        return false;
    };
    match JsFuture::from(window.fetch_with_request(&request)).await {
        Ok(response) => web_sys::Response::from(response).ok(),
        Err(_) => false,
    }
}

/// Places an order of `items` for `customer`.
pub(crate) async fn place(customer: &str, items: &[(&str, u32)]) -> bool {
    let body = serde_json::json!({ "customer": customer, "items": items }).to_string();
    post("/orders", Some(body)).await
}

/// Ships order `id`.
pub(crate) async fn ship(id: u64) -> bool {
    post(&format!("/orders/{id}/ship"), None).await
}

/// The stream's URL for every shop topic.
pub(crate) fn stream_url() -> String {
    herald_wire::protocol::Query::new()
        .topics(["shop/*"])
        .url(&format!("{EVENTS_BASE}/events"))
}

/// The history's URL for every shop topic.
pub(crate) fn history_url() -> String {
    herald_wire::protocol::Query::new()
        .topics(["shop/*"])
        .param(herald_wire::protocol::LIMIT_PARAM, "100")
        .url(&format!("{EVENTS_BASE}/history"))
}
