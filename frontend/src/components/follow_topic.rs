//! [`FollowTopic`]: follow a topic, or every topic under a prefix, by name,
//! before anything is published to it.

use herald_wire::TopicPattern;
use web_sys::HtmlInputElement;
use yew::prelude::*;

/// Props of [`FollowTopic`].
#[derive(Properties, PartialEq)]
pub struct FollowTopicProps {
    /// Called with the topic or prefix to follow.
    pub on_follow: Callback<(TopicPattern, bool)>,
}

/// A name field and a Follow button. The field takes what the page's URL
/// takes (`chat/lobby`, `chat/*`, `*`); a name that is neither a topic nor a
/// pattern is explained under the field instead of being sent to the hub.
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
            match TopicPattern::parse(input.value().trim()) {
                Ok(pattern) => {
                    input.set_value("");
                    error.set(None);
                    on_follow.emit((pattern, true));
                }
                Err(refused) => error.set(Some(refused.to_string())),
            }
        })
    };
    html! {
        <form class="follow-topic" onsubmit={on_submit}>
            <input id="follow-topic" name="follow-topic" type="text" ref={field}
                placeholder="topic/name or prefix/*" aria-label="Topic or prefix to follow"
                autocomplete="off" spellcheck="false" />
            <button type="submit">{ "Follow" }</button>
            if let Some(message) = (*error).clone() {
                <p class="error" role="alert">{ message }</p>
            }
        </form>
    }
}
