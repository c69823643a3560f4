//! [`FeedControls`]: pause and resume the list, filter it by kind and text.

use herald_dashboard_events::Payload;
use herald_wire::{Event as _, Kind};
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::filter::Filter;
use crate::state::{Action, FeedContext};

/// `button#pause`, `input#filter-text` and `select#filter-kind`.
#[component]
pub fn FeedControls() -> Html {
    let feed = use_context::<FeedContext>().expect("FeedProvider wraps FeedControls");
    let paused = feed.paused();
    let on_toggle = {
        let dispatcher = feed.dispatcher();
        Callback::from(move |_: MouseEvent| dispatcher.dispatch(Action::SetPaused(!paused)))
    };
    let on_text = {
        let feed = feed.clone();
        Callback::from(move |event: InputEvent| {
            let text = event.target_unchecked_into::<HtmlInputElement>().value();
            feed.dispatch(Action::SetFilter(Filter {
                text,
                ..feed.filter.clone()
            }));
        })
    };
    let on_kind = {
        let feed = feed.clone();
        Callback::from(move |event: Event| {
            let name = event.target_unchecked_into::<HtmlSelectElement>().value();
            feed.dispatch(Action::SetFilter(Filter {
                // "all" has no name.
                kind: Kind::parse(name).ok(),
                ..feed.filter.clone()
            }));
        })
    };
    let pause_label = match (paused, feed.unseen()) {
        (false, _) => "Pause".to_owned(),
        (true, 0) => "Resume".to_owned(),
        (true, unseen) => format!("Resume ({unseen} new)"),
    };
    let selected = feed.filter.kind.as_ref();
    let kinds = Payload::kinds().iter().map(|kind| {
        let name = kind.to_string();
        html! { <option value={name.clone()} selected={selected == Some(kind)}>{ name }</option> }
    });
    html! {
        <div class="controls">
            <button id="pause" type="button" aria-pressed={paused.to_string()} onclick={on_toggle}>
                { pause_label }
            </button>
            <label class="field">
                <span>{ "Kind" }</span>
                <select id="filter-kind" onchange={on_kind}>
                    <option value="" selected={selected.is_none()}>{ "all" }</option>
                    { for kinds }
                </select>
            </label>
            <label class="field grow">
                <span>{ "Filter" }</span>
                <input id="filter-text" type="search" placeholder="text or topic"
                    value={feed.filter.text.clone()} oninput={on_text} />
            </label>
        </div>
    }
}
