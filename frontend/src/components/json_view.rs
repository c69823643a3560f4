//! [`JsonView`]: opaque JSON, collapsible and pretty-printed.

use shared::Json;
use yew::prelude::*;

/// Values with at most this many pretty-printed lines start open.
const OPEN_LINES: usize = 8;

/// The longest one-line preview in the summary, in characters.
const PREVIEW_CHARS: usize = 80;

/// Props of [`JsonView`].
#[derive(Properties, PartialEq)]
pub struct JsonViewProps {
    /// The JSON as published.
    pub data: Json,
}

/// `<details class="json">`: a one-line preview of the text as published
/// that opens onto the value pretty-printed; small values start open.
#[component]
pub fn JsonView(props: &JsonViewProps) -> Html {
    let pretty = format!("{:#}", props.data.value());
    let open = pretty.lines().count() <= OPEN_LINES;
    let compact = props.data.text();
    let mut preview: String = compact.chars().take(PREVIEW_CHARS).collect();
    if compact.chars().nth(PREVIEW_CHARS).is_some() {
        preview.push('…');
    }
    html! {
        <details class="json" {open}>
            <summary>{ preview }</summary>
            <pre>{ pretty }</pre>
        </details>
    }
}
