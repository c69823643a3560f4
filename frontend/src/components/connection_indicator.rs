//! [`ConnectionIndicator`]: where the stream stands, as a coloured badge.

use yew::prelude::*;

use crate::hooks::ConnectionState;

/// Props of [`ConnectionIndicator`].
#[derive(Properties, PartialEq)]
pub struct ConnectionIndicatorProps {
    /// The state to show.
    pub state: ConnectionState,
}

/// Shows the connection state; `data-state` carries its machine name.
#[component]
pub fn ConnectionIndicator(props: &ConnectionIndicatorProps) -> Html {
    let name = props.state.name();
    let label = props.state.label();
    html! {
        <span id="connection" class="connection" data-state={name} role="status">
            { label }
        </span>
    }
}
