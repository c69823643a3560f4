//! [`TopicsPanel`]: the hub's topics with their subscriber counts, each with
//! a checkbox to follow it.
//!
//! The list is fetched from [`shared::protocol::TOPICS_PATH`] on mount and
//! every [`REFRESH_MS`]; the interval is dropped on unmount.

use std::rc::Rc;

use gloo_timers::callback::Interval;
use shared::{Topic, TopicList};
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::api;
use crate::components::follow_topic::FollowTopic;
use crate::subscription::Subscription;

/// How often the topic list is refreshed, in milliseconds.
pub const REFRESH_MS: u32 = 5_000;

/// Props of [`TopicsPanel`].
#[derive(Properties, PartialEq)]
pub struct TopicsPanelProps {
    /// The followed topics and the names set aside.
    pub subscription: Rc<Subscription>,
    /// Follow (`true`) or stop following a topic.
    pub on_follow: Callback<(Topic, bool)>,
}

/// `#topics` with one `li[data-topic][data-subscribers]` per topic.
#[component]
pub fn TopicsPanel(props: &TopicsPanelProps) -> Html {
    let list = use_state_eq(|| None::<Result<TopicList, String>>);
    {
        let list = list.setter();
        use_effect_with((), move |()| {
            let refresh = move || {
                let list = list.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    list.set(Some(api::topics().await.map_err(|error| error.to_string())));
                });
            };
            refresh();
            let interval = Interval::new(REFRESH_MS, refresh);
            move || drop(interval)
        });
    }
    // Topics followed during this visit stay listed after being unfollowed,
    // even when the hub does not list them, so a checkbox never vanishes
    // under the pointer.
    let visited = use_mut_ref(Vec::<Topic>::new);
    for topic in &props.subscription.topics {
        if !visited.borrow().contains(topic) {
            visited.borrow_mut().push(topic.clone());
        }
    }
    let mut rows: Vec<(Topic, u64)> = match &*list {
        Some(Ok(list)) => list
            .topics
            .iter()
            .map(|info| (info.topic.clone(), info.subscribers))
            .collect(),
        _ => Vec::new(),
    };
    for topic in visited.borrow().iter() {
        if !rows.iter().any(|(name, _)| name == topic) {
            rows.push((topic.clone(), 0));
        }
    }
    let items = rows.into_iter().map(|(topic, subscribers)| {
        let checked = props.subscription.topics.contains(&topic);
        let on_change = {
            let on_follow = props.on_follow.clone();
            let topic = topic.clone();
            Callback::from(move |event: Event| {
                let follow = event.target_unchecked_into::<HtmlInputElement>().checked();
                on_follow.emit((topic.clone(), follow));
            })
        };
        let name = topic.to_string();
        html! {
            <li key={name.clone()} data-topic={name.clone()} data-subscribers={subscribers.to_string()}>
                <label>
                    <input type="checkbox" name="follow" {checked} onchange={on_change} />
                    <span class="topic-name">{ name }</span>
                    <span class="count" title="subscribers">{ subscribers }</span>
                </label>
            </li>
        }
    });
    let rejected = props.subscription.rejected.iter().map(|(name, error)| {
        let text = format!("ignored {name:?}: {error}");
        html! { <p class="rejected">{ text }</p> }
    });
    let error = match &*list {
        Some(Err(error)) => Some(format!("Could not list topics: {error}")),
        _ => None,
    };
    html! {
        <section class="panel topics-panel" aria-label="Topics">
            <h2>{ "Topics" }</h2>
            <ul id="topics">{ for items }</ul>
            <FollowTopic on_follow={props.on_follow.clone()} />
            { for rejected }
            if let Some(error) = error {
                <p class="error">{ error }</p>
            }
        </section>
    }
}
