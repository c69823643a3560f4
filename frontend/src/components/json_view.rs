//! [`JsonView`]: opaque JSON, pretty-printed.

use yew::prelude::*;

/// Props of [`JsonView`].
#[derive(Properties, PartialEq)]
pub struct JsonViewProps {
    /// The JSON value as published.
    pub data: serde_json::Value,
}

/// The value pretty-printed in a `<pre>`.
#[component]
pub fn JsonView(props: &JsonViewProps) -> Html {
    let text = format!("{:#}", props.data);
    html! { <pre class="json">{ text }</pre> }
}
