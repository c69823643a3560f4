//! [`PublishForm`]: publish a chat message or a notice to any topic.
//!
//! The fields are read when the form is submitted (through [`NodeRef`]s),
//! so typing re-renders nothing. A refusal shows the hub's own message; a
//! missing or insufficient token says so first, since the fix is in the
//! token field rather than in this form.

use herald_dashboard_events::{Chat, Notice, NoticeLevel, Payload};
use herald_wire::ErrorCode;
use herald_yew::Token;
use herald_yew::http::ApiError;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::api;

/// The topic the form suggests.
const DEFAULT_TOPIC: &str = "chat/lobby";

/// The form's fields, read at submit.
#[derive(Default, Clone, PartialEq)]
struct Fields {
    kind: NodeRef,
    topic: NodeRef,
    author: NodeRef,
    level: NodeRef,
    text: NodeRef,
}

fn input(node: &NodeRef) -> String {
    node.cast::<HtmlInputElement>()
        .map(|input| input.value())
        .unwrap_or_default()
}

fn select(node: &NodeRef) -> String {
    node.cast::<HtmlSelectElement>()
        .map(|select| select.value())
        .unwrap_or_default()
}

impl Fields {
    /// The payload the fields describe.
    fn payload(&self) -> Payload {
        let text = input(&self.text);
        if select(&self.kind) == "notice" {
            let level = match select(&self.level).as_str() {
                "warning" => NoticeLevel::Warning,
                "error" => NoticeLevel::Error,
                _ => NoticeLevel::Info,
            };
            Payload::Notice(Notice { level, text })
        } else {
            let author = input(&self.author);
            Payload::Chat(Chat { author, text })
        }
    }
}

/// Props of [`PublishForm`].
#[derive(Properties, PartialEq)]
pub struct PublishFormProps {
    /// The token publishes are sent with, if any.
    pub token: Option<Token>,
}

/// What the form says when a publish fails: the hub's own message, after
/// "Not authorised" or "Not allowed" when the token is the cause, or with
/// the field it names; any other failure as itself.
fn error_text(error: &ApiError) -> String {
    match error {
        ApiError::Api(body) if body.code == ErrorCode::Unauthorized => {
            format!("Not authorised: {}", body.message)
        }
        ApiError::Api(body) if body.code == ErrorCode::Forbidden => {
            format!("Not allowed: {}", body.message)
        }
        ApiError::Api(body) => match &body.field {
            Some(field) => format!("{} (field: {field})", body.message),
            None => body.message.clone(),
        },
        other => other.to_string(),
    }
}

/// `form#publish`: kind, topic, author, level and text, then Publish.
#[component]
pub fn PublishForm(props: &PublishFormProps) -> Html {
    let fields = use_memo((), |()| Fields::default());
    let error = use_state_eq(|| None::<String>);
    let busy = use_state_eq(|| false);
    {
        // Set once on mount rather than with `value=`: yew re-applies a
        // `value` attribute on every render, which would overwrite what the
        // user typed whenever the form re-renders (as after a refusal).
        let topic = fields.topic.clone();
        use_effect_with((), move |()| {
            if let Some(input) = topic.cast::<HtmlInputElement>() {
                input.set_value(DEFAULT_TOPIC);
            }
        });
    }
    let on_submit = {
        let fields = fields.clone();
        let error = error.setter();
        let busy = busy.setter();
        let token = props.token.clone();
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let payload = fields.payload();
            let topic = input(&fields.topic);
            let fields = fields.clone();
            let error = error.clone();
            let busy = busy.clone();
            let token = token.clone();
            busy.set(true);
            wasm_bindgen_futures::spawn_local(async move {
                match api::publish(&topic, &payload, token.as_ref()).await {
                    Ok(_) => {
                        if let Some(text) = fields.text.cast::<HtmlInputElement>() {
                            text.set_value("");
                        }
                        error.set(None);
                    }
                    Err(refused) => error.set(Some(error_text(&refused))),
                }
                busy.set(false);
            });
        })
    };
    html! {
        <form id="publish" class="panel publish" onsubmit={on_submit} aria-label="Publish">
            <h2>{ "Publish" }</h2>
            <div class="row">
                <label class="field">
                    <span>{ "Kind" }</span>
                    <select name="kind" ref={fields.kind.clone()}>
                        <option value="chat" selected=true>{ "chat" }</option>
                        <option value="notice">{ "notice" }</option>
                    </select>
                </label>
                <label class="field">
                    <span>{ "Level" }</span>
                    <select name="level" ref={fields.level.clone()}>
                        <option value="info" selected=true>{ "info" }</option>
                        <option value="warning">{ "warning" }</option>
                        <option value="error">{ "error" }</option>
                    </select>
                </label>
            </div>
            <label class="field">
                <span>{ "Topic" }</span>
                <input name="topic" type="text" ref={fields.topic.clone()}
                    autocomplete="off" spellcheck="false" />
            </label>
            <label class="field">
                <span>{ "Author" }</span>
                <input name="author" type="text" placeholder="your name" ref={fields.author.clone()} />
            </label>
            <label class="field">
                <span>{ "Text" }</span>
                <input name="text" type="text" placeholder="say something" ref={fields.text.clone()}
                    autocomplete="off" />
            </label>
            <button type="submit" disabled={*busy}>{ "Publish" }</button>
            if let Some(message) = (*error).clone() {
                <p id="publish-error" class="error" role="alert">{ message }</p>
            }
        </form>
    }
}
