//! [`LiveFeed`]: opens the stream for a [`Subscription`] and lays out the page.

use std::rc::Rc;

use yew::prelude::*;

use crate::components::connection_indicator::ConnectionIndicator;
use crate::components::event_list::EventList;
use crate::components::topic_bar::TopicBar;
use crate::decode::Incoming;
use crate::hooks::use_event_stream;
use crate::state::{Action, FeedContext};
use crate::subscription::Subscription;

/// Props of [`LiveFeed`].
#[derive(Properties, PartialEq)]
pub struct LiveFeedProps {
    /// The topics to follow.
    pub subscription: Rc<Subscription>,
}

/// Follows the subscription's topics and shows the feed as it fills.
#[component]
pub fn LiveFeed(props: &LiveFeedProps) -> Html {
    let feed = use_context::<FeedContext>().expect("FeedProvider wraps LiveFeed");
    let url = use_memo(Rc::clone(&props.subscription), |subscription| {
        AttrValue::from(subscription.stream_url())
    });
    let on_message = {
        let dispatcher = feed.dispatcher();
        Callback::from(move |incoming: Incoming| dispatcher.dispatch(Action::from(incoming)))
    };
    let state = use_event_stream((*url).clone(), on_message);
    let subscription = Rc::clone(&props.subscription);

    html! {
        <>
            <header class="bar">
                <h1>{ "Herald" }</h1>
                <ConnectionIndicator {state} />
            </header>
            <TopicBar {subscription} />
            <main>
                <EventList />
            </main>
        </>
    }
}
