//! [`ChatPanel`]: the chat events as a conversation, oldest at the top.

use yew::prelude::*;

use herald_dashboard_events::Payload;

use crate::components::clipped::clipped;
use crate::components::event_item::clock;
use crate::excerpt::{NAME_CHARS, TEXT_CHARS};
use crate::state::FeedContext;

/// `section#chat` with one `li.chat-message` per message, in a fixed-height
/// box that stays scrolled to the newest; authors and texts are cut
/// ([`NAME_CHARS`], [`TEXT_CHARS`]) with their full size shown.
#[component]
pub fn ChatPanel() -> Html {
    let feed = use_context::<FeedContext>().expect("FeedProvider wraps ChatPanel");
    let empty = feed.chat().len() == 0;
    let messages = feed.chat().filter_map(|received| {
        let Payload::Chat(chat) = &received.event.event else {
            return None;
        };
        let id = received.event.id.to_string();
        let time = clock(received.event.time_us);
        let title = received.event.topic.to_string();
        let author = clipped(&chat.author, NAME_CHARS);
        let text = clipped(&chat.text, TEXT_CHARS);
        Some(html! {
            <li class="chat-message" key={id.clone()} data-id={id} {title}>
                <span class="author">{ author }</span>
                <span class="text">{ text }</span>
                <time>{ time }</time>
            </li>
        })
    });
    html! {
        <section id="chat" class="panel chat-panel" aria-label="Chat">
            <h2>{ "Chat" }</h2>
            <div class="chat-scroll">
                if empty {
                    <p class="muted">{ "No messages yet" }</p>
                }
                <ol class="chat-log">{ for messages }</ol>
            </div>
        </section>
    }
}
