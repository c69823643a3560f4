//! [`ChatMessage`]: a chat line, `author: text`.

use herald_dashboard_events::Chat;
use yew::prelude::*;

use crate::components::clipped::clipped;
use crate::excerpt::{NAME_CHARS, TEXT_CHARS};

/// Props of [`ChatMessage`].
#[derive(Properties, PartialEq)]
pub struct ChatMessageProps {
    /// The message.
    pub chat: Chat,
}

/// Shows `author: text`; the text keeps its line breaks. Both are cut
/// ([`NAME_CHARS`], [`TEXT_CHARS`]) with their full size shown.
#[component]
pub fn ChatMessage(props: &ChatMessageProps) -> Html {
    let Chat { author, text } = &props.chat;
    let author = clipped(author, NAME_CHARS);
    let text = clipped(text, TEXT_CHARS);
    html! {
        <p class="chat">
            <span class="author">{ author }</span>{ ": " }<span class="text">{ text }</span>
        </p>
    }
}
