//! [`TopicBar`]: the followed topics, and any URL names that are not topics.

use std::rc::Rc;

use yew::prelude::*;

use crate::subscription::Subscription;

/// Props of [`TopicBar`].
#[derive(Properties, PartialEq)]
pub struct TopicBarProps {
    /// The followed topics and the names set aside.
    pub subscription: Rc<Subscription>,
}

/// Lists the followed topics; names rejected from the URL follow, with why.
#[component]
pub fn TopicBar(props: &TopicBarProps) -> Html {
    let topics = props.subscription.topics.iter().map(|topic| {
        html! { <li class="topic" key={topic.as_str()}>{ topic.as_str() }</li> }
    });
    let rejected = props.subscription.rejected.iter().map(|(name, error)| {
        let text = format!("ignored {name:?}: {error}");
        html! { <li class="topic rejected">{ text }</li> }
    });
    html! {
        <nav class="topics" aria-label="Followed topics">
            <ul id="topics">
                { for topics }
                { for rejected }
            </ul>
        </nav>
    }
}
