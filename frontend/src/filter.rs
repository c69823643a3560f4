//! Which feed entries the reader wants to see: one kind or all, and a text
//! to look for.

use shared::{Kind, Payload};

use crate::state::{Entry, Item};

/// What the feed shows.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Filter {
    /// Only events of this kind; `None` shows every entry.
    pub kind: Option<Kind>,
    /// Only entries whose topic or content contains this, ignoring case.
    pub text: String,
}

impl Filter {
    /// Whether `entry` passes.
    pub fn matches(&self, entry: &Entry) -> bool {
        let kind_ok = match (&entry.item, self.kind) {
            (_, None) => true,
            (Item::Event(received), Some(kind)) => received.event.event.kind() == kind,
            (Item::Gap(_) | Item::DecodeFailed(_), Some(_)) => false,
        };
        let needle = self.text.trim().to_lowercase();
        kind_ok && (needle.is_empty() || entry.haystack.contains(&needle))
    }
}

/// The lower-case text an entry is searched by: its topic and what it says.
pub fn haystack(item: &Item) -> String {
    let text = match item {
        Item::Event(received) => {
            let event = &received.event;
            let content = match &event.event {
                Payload::Chat(chat) => format!("{} {}", chat.author, chat.text),
                Payload::Notice(notice) => notice.text.clone(),
                Payload::Json(json) => json.data.to_string(),
                Payload::Metrics(_) | Payload::LatencyProbe(_) => String::new(),
            };
            format!("{} {} {content}", event.topic, event.event.kind().name())
        }
        Item::Gap(gap) => format!("{} gap", gap.topic),
        Item::DecodeFailed(error) => error.to_string(),
    };
    text.to_lowercase()
}
