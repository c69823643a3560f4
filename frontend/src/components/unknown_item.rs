//! [`UnknownItem`]: an event the page cannot read, shown as an undecodable
//! message is, with the start of its JSON.

use std::rc::Rc;

use herald_wire::Unknown;
use yew::prelude::*;

use crate::excerpt::{Excerpt, TEXT_CHARS};

/// Props of [`UnknownItem`].
#[derive(Properties, PartialEq)]
pub struct UnknownItemProps {
    /// The event, as the hub sent it.
    pub unknown: Rc<Unknown>,
}

/// `<li class="decode-error">` naming the event's kind, id and topic, and
/// the start of its JSON: it looks like a message that could not be
/// decoded, which to the reader it is, and keeps the event's kind and id
/// as `data-kind` and `data-id`, as an event line does.
#[component]
pub fn UnknownItem(props: &UnknownItemProps) -> Html {
    let Unknown {
        id,
        topic,
        kind,
        json,
    } = &*props.unknown;
    let excerpt = Excerpt::new(json, TEXT_CHARS);
    let cut = if excerpt.is_cut() { "…" } else { "" };
    let text = format!(
        "Could not read `{kind}` event {id} on {topic}: {}{cut}",
        excerpt.shown()
    );
    html! {
        <li class="decode-error" data-kind={kind.to_string()} data-id={id.to_string()}>
            { text }
        </li>
    }
}
