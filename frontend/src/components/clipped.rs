//! [`clipped`]: a publisher's text as the page shows it, cut to a bound
//! with its full size after the cut (see [`crate::excerpt`]).

use yew::prelude::*;

use crate::excerpt::Excerpt;

/// The first `max_chars` characters of `text`; when that cuts it,
/// followed by `<span class="cut" data-total-bytes="{bytes}">… (60.0 KiB
/// in all)</span>`.
///
/// A function, not a component: a component's props would copy the whole
/// text on every render, which is what the cut is there to avoid.
pub fn clipped(text: &str, max_chars: usize) -> Html {
    let excerpt = Excerpt::new(text, max_chars);
    let shown = excerpt.shown().to_owned();
    match excerpt.note() {
        None => html! { shown },
        Some(note) => {
            let total = excerpt.total_bytes().to_string();
            html! {
                <>
                    { shown }
                    <span class="cut" data-total-bytes={total}>{ note }</span>
                </>
            }
        }
    }
}
