//! [`FeedProvider`]: owns the one [`Feed`] reducer and provides it as context.

use yew::prelude::*;

use crate::state::{DEFAULT_CAPACITY, Feed, FeedContext};

/// Props of [`FeedProvider`].
#[derive(Properties, PartialEq)]
pub struct FeedProviderProps {
    /// How many entries the feed keeps.
    #[prop_or(DEFAULT_CAPACITY)]
    pub capacity: usize,
    /// Everything that reads or dispatches to the feed.
    #[prop_or_default]
    pub children: Html,
}

/// Provides a [`FeedContext`] to its children.
#[component]
pub fn FeedProvider(props: &FeedProviderProps) -> Html {
    let capacity = props.capacity;
    let feed = use_reducer(move || Feed::new(capacity));
    html! {
        <ContextProvider<FeedContext> context={feed}>
            { props.children.clone() }
        </ContextProvider<FeedContext>>
    }
}
