//! [`App`]: reads the followed topics and prefixes and the feed bound from the page URL,
//! keeps the URL in step when the reader follows other topics, holds the
//! reader's token (kept in session storage, never in the URL), and wires
//! the feed provider around the dashboard.

use std::rc::Rc;

use herald_wire::TopicPattern;
use herald_yew::Token;
use wasm_bindgen::JsValue;
use yew::prelude::*;

use crate::components::feed_provider::FeedProvider;
use crate::components::live_feed::LiveFeed;
use crate::subscription::{Subscription, limit_from_query};
use crate::token;

/// The whole page.
#[component]
pub fn App() -> Html {
    let limit = *use_memo((), |()| limit_from_query(&page_query()));
    let subscription = use_state(|| Rc::new(Subscription::from_query(&page_query())));
    let on_follow = {
        let subscription = subscription.clone();
        Callback::from(move |(pattern, follow): (TopicPattern, bool)| {
            let next = subscription.toggled(&pattern, follow);
            replace_query(&next.page_query(limit));
            subscription.set(Rc::new(next));
        })
    };
    let token = use_state_eq(token::load);
    let on_token = {
        let token = token.setter();
        Callback::from(move |next: Option<Token>| {
            token::save(next.as_ref());
            token.set(next);
        })
    };
    html! {
        <FeedProvider capacity={limit}>
            <LiveFeed subscription={(*subscription).clone()} {on_follow}
                token={(*token).clone()} {on_token} />
        </FeedProvider>
    }
}

/// The page URL's query (`location.search`), empty when there is none.
fn page_query() -> String {
    web_sys::window()
        .and_then(|window| window.location().search().ok())
        .unwrap_or_default()
}

/// Rewrites the page URL's query without a navigation, so a reload or a
/// shared link follows the same topics.
fn replace_query(query: &str) {
    if let Some(history) = web_sys::window().and_then(|window| window.history().ok()) {
        // Failing only leaves the old query; the page itself is unaffected.
        let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(query));
    }
}
