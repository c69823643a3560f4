//! [`TopicsPanel`]: the hub's topics with their subscriber counts, the
//! followed prefixes, a checkbox on each to follow it, and a field to follow
//! a topic or prefix by name.
//!
//! The list is read from [`herald_wire::protocol::TOPICS_PATH`] a page of
//! [`PAGE_SIZE`] at a time, from the first: one page on mount, and one page
//! more than before each time the reader asks for more. A new token
//! restarts the read at once, since it changes which private topics the hub
//! lists.
//!
//! The subscriber counts are live: while the hub's reports arrive (the page
//! follows [`herald_dashboard_events::HUB_TOPIC`]), each count shown is the reports' own, and
//! the list is read again only when they say the number of topics changed.
//! Without reports (the page follows other topics, or the hub does not
//! report), the read repeats every [`REFRESH_MS`] instead; the interval is
//! dropped on unmount.

use std::cell::Cell;
use std::rc::Rc;

use gloo_timers::callback::Interval;
use herald_wire::{TopicInfo, TopicList, TopicPattern};
use herald_yew::{Token, now_us};
use yew::prelude::*;

use crate::api;
use crate::components::follow_topic::FollowTopic;
use crate::components::topic_rows::TopicRows;
use crate::hub_reports::HubReports;
use crate::state::FeedContext;
use crate::subscription::Subscription;

/// How often the topic list is refreshed while no hub report arrives, in
/// milliseconds.
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
    let feed = use_context::<FeedContext>().expect("FeedProvider wraps TopicsPanel");
    let list = use_state_eq(|| None::<Result<Rc<TopicList>, String>>);
    let pages = use_state_eq(|| 1_usize);
    // Read by the interval, which outlives this render.
    let live = use_mut_ref(|| false);
    *live.borrow_mut() = feed.hub.is_live(now_us());
    let topic_count = feed.hub.topics();
    {
        let list = list.setter();
        let live = Rc::clone(&live);
        let deps = (*pages, props.token.clone(), topic_count);
        use_effect_with(deps, move |(pages, token, _)| {
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
            let interval = Interval::new(REFRESH_MS, move || {
                if !*live.borrow() {
                    refresh();
                }
            });
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
    let listed = match &*list {
        Some(Ok(list)) => Some(Rc::clone(list)),
        _ => None,
    };
    let shown = use_memo((listed, feed.hub.newest_us()), {
        let hub = feed.hub.clone();
        move |(listed, _)| match listed {
            Some(list) => Rc::new(with_live_counts(list, &hub)),
            None => Rc::new(TopicList {
                topics: Vec::new(),
                next_after: None,
            }),
        }
    });
    let shown = Rc::clone(&*shown);
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

/// `list` with each subscriber count the hub's reports know replaced by
/// theirs, which is newer.
fn with_live_counts(list: &TopicList, hub: &HubReports) -> TopicList {
    TopicList {
        topics: list
            .topics
            .iter()
            .map(|info| TopicInfo {
                subscribers: hub.subscribers(&info.topic).unwrap_or(info.subscribers),
                ..info.clone()
            })
            .collect(),
        next_after: list.next_after.clone(),
    }
}
