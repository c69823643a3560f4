//! [`DroppedItem`]: messages the page dropped because they arrived faster
//! than it renders, shown as a warning line where they would have been.

use yew::prelude::*;

use crate::inbox::{FLUSH_MS, INBOX_CAPACITY};

/// Props of [`DroppedItem`].
#[derive(Properties, PartialEq)]
pub struct DroppedItemProps {
    /// How many messages were dropped.
    pub count: usize,
}

/// `<li class="dropped" data-count="{count}">` saying how many and why.
#[component]
pub fn DroppedItem(props: &DroppedItemProps) -> Html {
    let count = props.count;
    let noun = if count == 1 { "event" } else { "events" };
    let text = format!(
        "{count} {noun} dropped by the page: more than {INBOX_CAPACITY} arrived within \
         {FLUSH_MS} ms, and the page keeps the newest."
    );
    html! {
        <li class="dropped" role="status" data-count={count.to_string()}>{ text }</li>
    }
}
