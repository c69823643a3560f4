//! [`JsonView`]: opaque JSON, collapsible and pretty-printed, at most
//! [`JSON_BYTES`] of it: a `json` event's data, or an event of a kind the
//! page does not type, whole.

use yew::prelude::*;

use crate::excerpt::{Excerpt, JSON_BYTES, pretty_json};
use crate::format;

/// Values with at most this many pretty-printed lines start open.
const OPEN_LINES: usize = 8;

/// The longest one-line preview in the summary, in characters.
const PREVIEW_CHARS: usize = 80;

/// Props of [`JsonView`].
#[derive(Properties, PartialEq)]
pub struct JsonViewProps {
    /// The JSON as published, on one line.
    pub text: AttrValue,
}

/// `<details class="json">`: a one-line preview of the text as published
/// that opens onto the value pretty-printed; small values start open. A
/// value whose printing passes [`JSON_BYTES`] is shown up to there, with
/// `<p class="cut" data-total-bytes="{bytes}">` saying how large it is as
/// published.
#[component]
pub fn JsonView(props: &JsonViewProps) -> Html {
    let compact = props.text.as_str();
    // The text was JSON when the event was decoded.
    let value = serde_json::from_str(compact).unwrap_or_default();
    let (pretty, cut) = pretty_json(&value, JSON_BYTES);
    let open = !cut && pretty.lines().count() <= OPEN_LINES;
    let excerpt = Excerpt::new(compact, PREVIEW_CHARS);
    let mut preview = excerpt.shown().to_owned();
    if excerpt.is_cut() {
        preview.push('…');
    }
    let note = cut.then(|| {
        let total = compact.len();
        let text = format!(
            "… the first {} shown of {} as published",
            format::bytes(pretty.len() as u64),
            format::bytes(total as u64)
        );
        html! { <p class="cut" data-total-bytes={total.to_string()}>{ text }</p> }
    });
    html! {
        <details class="json" {open}>
            <summary>{ preview }</summary>
            <pre>{ pretty }</pre>
            { for note }
        </details>
    }
}
