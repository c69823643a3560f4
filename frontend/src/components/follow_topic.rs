//! [`FollowTopic`]: follow a topic by name, before anything is published to it.

use shared::Topic;
use web_sys::HtmlInputElement;
use yew::prelude::*;

/// Props of [`FollowTopic`].
#[derive(Properties, PartialEq)]
pub struct FollowTopicProps {
    /// Called with the topic to follow.
    pub on_follow: Callback<(Topic, bool)>,
}

/// A name field and a Follow button; a name that is not a topic is
/// explained under the field instead of being sent to the hub.
#[component]
pub fn FollowTopic(props: &FollowTopicProps) -> Html {
    let field = use_node_ref();
    let error = use_state_eq(|| None::<String>);
    let on_submit = {
        let field = field.clone();
        let error = error.setter();
        let on_follow = props.on_follow.clone();
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let Some(input) = field.cast::<HtmlInputElement>() else {
                return;
            };
            match Topic::parse(input.value().trim()) {
                Ok(topic) => {
                    input.set_value("");
                    error.set(None);
                    on_follow.emit((topic, true));
                }
                Err(refused) => error.set(Some(refused.to_string())),
            }
        })
    };
    html! {
        <form class="follow-topic" onsubmit={on_submit}>
            <input id="follow-topic" name="follow-topic" type="text" ref={field}
                placeholder="topic/name" aria-label="Topic to follow"
                autocomplete="off" spellcheck="false" />
            <button type="submit">{ "Follow" }</button>
            if let Some(message) = (*error).clone() {
                <p class="error" role="alert">{ message }</p>
            }
        </form>
    }
}
