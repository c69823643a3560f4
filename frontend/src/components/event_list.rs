//! [`EventList`]: the feed, newest first, as `<ol id="events">`.

use yew::prelude::*;

use crate::components::decode_error_item::DecodeErrorItem;
use crate::components::dropped_item::DroppedItem;
use crate::components::event_item::EventItem;
use crate::components::gap_item::GapItem;
use crate::components::unknown_item::UnknownItem;
use crate::state::{FeedContext, Item};

/// Renders the entries the feed context shows (frozen while paused,
/// filtered), newest first.
#[component]
pub fn EventList() -> Html {
    let feed = use_context::<FeedContext>().expect("FeedProvider wraps EventList");
    let empty = feed.entries().len() == 0;
    let items = feed.visible().map(|entry| match &entry.item {
        Item::Event(received) => {
            html! { <EventItem key={entry.key} received={received.clone()} /> }
        }
        Item::Gap(gap) => html! { <GapItem key={entry.key} gap={gap.clone()} /> },
        Item::Unknown(unknown) => {
            html! { <UnknownItem key={entry.key} unknown={unknown.clone()} /> }
        }
        Item::DecodeFailed(error) => {
            html! { <DecodeErrorItem key={entry.key} error={error.clone()} /> }
        }
        Item::Dropped(count) => html! { <DroppedItem key={entry.key} count={*count} /> },
    });
    html! {
        <>
            if empty {
                <p class="empty">{ "Waiting for events…" }</p>
            }
            <ol id="events" aria-live="off">{ for items }</ol>
        </>
    }
}
