//! [`DecodeErrorItem`]: an SSE message that could not be decoded.

use std::rc::Rc;

use yew::prelude::*;

use herald_yew::DecodeError;

/// Props of [`DecodeErrorItem`].
#[derive(Properties, PartialEq)]
pub struct DecodeErrorItemProps {
    /// Why the message could not be decoded.
    pub error: Rc<DecodeError>,
}

/// `<li class="decode-error">` with the error text.
#[component]
pub fn DecodeErrorItem(props: &DecodeErrorItemProps) -> Html {
    let text = format!("Could not decode: {}", props.error);
    html! { <li class="decode-error">{ text }</li> }
}
