//! [`App`]: reads the followed topics from the page URL and wires the feed
//! provider around the live view.

use yew::prelude::*;

use crate::components::feed_provider::FeedProvider;
use crate::components::live_feed::LiveFeed;
use crate::subscription::Subscription;

/// The whole page.
#[component]
pub fn App() -> Html {
    let subscription = use_memo((), |()| Subscription::from_query(&page_query()));
    html! {
        <FeedProvider>
            <LiveFeed {subscription} />
        </FeedProvider>
    }
}

/// The page URL's query (`location.search`), empty when there is none.
fn page_query() -> String {
    web_sys::window()
        .and_then(|window| window.location().search().ok())
        .unwrap_or_default()
}
