//! [`TokenField`]: the token the page sends to the hub, entered once per
//! tab and never shown again.
//!
//! The field is a password input read at submit (through a [`NodeRef`]),
//! and emptied once the token is taken, so the token is on screen neither
//! as text nor as a value a re-render could write back. What the page does
//! with it is up to the owner of `on_change`.

use web_sys::HtmlInputElement;
use yew::prelude::*;

use herald_yew::Token;

/// Props of [`TokenField`].
#[derive(Properties, PartialEq)]
pub struct TokenFieldProps {
    /// The token in use, if any.
    pub token: Option<Token>,
    /// Called with the new token, or `None` when the reader clears it.
    pub on_change: Callback<Option<Token>>,
}

/// `form#token`: a password field, Use and Clear, and whether a token is set.
#[component]
pub fn TokenField(props: &TokenFieldProps) -> Html {
    let field = use_node_ref();
    let error = use_state_eq(|| None::<String>);
    let on_submit = {
        let field = field.clone();
        let error = error.setter();
        let on_change = props.on_change.clone();
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let Some(input) = field.cast::<HtmlInputElement>() else {
                return;
            };
            match Token::parse(&input.value()) {
                Ok(token) => {
                    input.set_value("");
                    error.set(None);
                    on_change.emit(Some(token));
                }
                Err(refused) => error.set(Some(refused.to_string())),
            }
        })
    };
    let on_clear = {
        let error = error.setter();
        let on_change = props.on_change.clone();
        Callback::from(move |_: MouseEvent| {
            error.set(None);
            on_change.emit(None);
        })
    };
    let set = props.token.is_some();
    let status = if set {
        "A token is set for this tab."
    } else {
        "No token: private topics and a hub that checks publishers will refuse."
    };
    html! {
        <form id="token" class="panel token-field" onsubmit={on_submit} aria-label="Token"
            data-set={set.to_string()}>
            <h2>{ "Token" }</h2>
            <p id="token-status" class="muted">{ status }</p>
            <div class="row">
                <input name="token" type="password" ref={field}
                    placeholder="paste a JWT" aria-label="Token"
                    autocomplete="off" spellcheck="false" />
                <button type="submit">{ "Use" }</button>
                <button id="clear-token" type="button" onclick={on_clear} disabled={!set}>
                    { "Clear" }
                </button>
            </div>
            if let Some(message) = (*error).clone() {
                <p class="error" role="alert">{ message }</p>
            }
        </form>
    }
}
