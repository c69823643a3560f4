//! [`ChatMessage`]: a chat line, `author: text`.

use shared::Chat;
use yew::prelude::*;

/// Props of [`ChatMessage`].
#[derive(Properties, PartialEq)]
pub struct ChatMessageProps {
    /// The message.
    pub chat: Chat,
}

/// Shows `author: text`; the text keeps its line breaks.
#[component]
pub fn ChatMessage(props: &ChatMessageProps) -> Html {
    let Chat { author, text } = &props.chat;
    html! {
        <p class="chat">
            <span class="author">{ author }</span>{ ": " }<span class="text">{ text }</span>
        </p>
    }
}
