//! [`FeedProvider`]: owns the one [`Feed`] reducer and provides it as context.

use yew::prelude::*;

use crate::state::{Feed, FeedContext};

/// Props of [`FeedProvider`].
#[derive(Properties, PartialEq)]
pub struct FeedProviderProps {
    /// Everything that reads or dispatches to the feed.
    #[prop_or_default]
    pub children: Html,
}

/// Provides a [`FeedContext`] to its children.
#[component]
pub fn FeedProvider(props: &FeedProviderProps) -> Html {
    let feed = use_reducer(Feed::default);
    html! {
        <ContextProvider<FeedContext> context={feed}>
            { props.children.clone() }
        </ContextProvider<FeedContext>>
    }
}
