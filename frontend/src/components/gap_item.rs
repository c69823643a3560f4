//! [`GapItem`]: events the hub could not replay, shown as a warning line.

use std::rc::Rc;

use herald_wire::Gap;
use yew::prelude::*;

/// Props of [`GapItem`].
#[derive(Properties, PartialEq)]
pub struct GapItemProps {
    /// The range that may be missing.
    pub gap: Rc<Gap>,
}

/// `<li class="gap">` naming the topic and the id range that may be missing.
#[component]
pub fn GapItem(props: &GapItemProps) -> Html {
    let Gap {
        topic,
        after,
        through,
    } = &*props.gap;
    let text =
        format!("Missed events on {topic}: after #{after} up to #{through} could not be replayed.");
    html! { <li class="gap" role="alert">{ text }</li> }
}
