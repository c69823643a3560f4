//! [`TopicsPanel`]: the hub's topics with their subscriber counts, the
//! followed prefixes, a checkbox on each to follow it, and a field to follow
//! a topic or prefix by name.
//!
//! The list is read from [`shared::protocol::TOPICS_PATH`] a page of
//! [`PAGE_SIZE`] at a time, from the first: one page on mount, and one page
//! more than before each time the reader asks for more. The same read
//! repeats every [`REFRESH_MS`], so every count shown stays current; the
//! interval is dropped on unmount. A new token restarts the read at once,
//! since it changes which private topics the hub lists.

use std::cell::Cell;
use std::rc::Rc;

use gloo_timers::callback::Interval;
use shared::{TopicList, TopicPattern};
use yew::prelude::*;

use crate::api;
use crate::components::follow_topic::FollowTopic;
use crate::components::topic_rows::TopicRows;
use crate::subscription::Subscription;
use crate::token::Token;

/// How often the topic list is refreshed, in milliseconds.
pub const REFRESH_MS: u32 = 5_000;

/// How many topics one request lists: enough for a working hub to fit on
/// one page, few enough that a hub with many thousands stays quick to list
/// and to draw.
pub const PAGE_SIZE: usize = 200;

/// Props of [`TopicsPanel`].
#[derive(Properties, PartialEq)]
pub struct TopicsPanelProps {
    /// The followed topics and prefixes and the names set aside.
    pub subscription: Rc<Subscription>,
    /// Follow (`true`) or stop following a topic or prefix.
    pub on_follow: Callback<(TopicPattern, bool)>,
    /// The token the list is read with, if any.
    pub token: Option<Token>,
}

/// `section.topics-panel` around [`TopicRows`] and [`FollowTopic`].
#[component]
pub fn TopicsPanel(props: &TopicsPanelProps) -> Html {
    let list = use_state_eq(|| None::<Result<Rc<TopicList>, String>>);
    let pages = use_state_eq(|| 1_usize);
    {
        let list = list.setter();
        use_effect_with((*pages, props.token.clone()), move |(pages, token)| {
            let pages = *pages;
            let token = token.clone();
            // Cleared when the page count or the token changes or the panel
            // unmounts, so a reply to an older read cannot replace one that
            // was asked for after it.
            let current = Rc::new(Cell::new(true));
            let refresh = {
                let current = Rc::clone(&current);
                move || {
                    let list = list.clone();
                    let current = Rc::clone(&current);
                    let token = token.clone();
                    wasm_bindgen_futures::spawn_local(async move {
                        let reply = api::topics(pages, PAGE_SIZE, token.as_ref()).await;
                        if current.get() {
                            list.set(Some(reply.map(Rc::new).map_err(|error| error.to_string())));
                        }
                    });
                }
            };
            refresh();
            let interval = Interval::new(REFRESH_MS, refresh);
            move || {
                current.set(false);
                drop(interval);
            }
        });
    }
    let on_more = {
        let pages = pages.clone();
        Callback::from(move |()| pages.set(*pages + 1))
    };
    let shown = match &*list {
        Some(Ok(list)) => Rc::clone(list),
        _ => Rc::new(TopicList {
            topics: Vec::new(),
            next_after: None,
        }),
    };
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
            <TopicRows subscription={Rc::clone(&props.subscription)} list={shown}
                on_follow={props.on_follow.clone()} {on_more} />
            <FollowTopic on_follow={props.on_follow.clone()} />
            { for rejected }
            if let Some(error) = error {
                <p class="error">{ error }</p>
            }
        </section>
    }
}
