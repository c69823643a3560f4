//! Which feed entries the reader wants to see: one kind or all, and a text
//! to look for.
//!
//! A filter judges an entry by what it is given (the entry's kind and its
//! searchable text), not by the feed's own types: the feed holds a filter,
//! and a filter that knew the feed would tie the two modules into a cycle.

use herald_wire::Kind;

/// What the feed shows.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Filter {
    /// Only events of this kind; `None` shows every entry.
    pub kind: Option<Kind>,
    /// Only entries whose topic or content contains this, ignoring case.
    pub text: String,
}

impl Filter {
    /// Whether an entry passes, given the kind of its event (`None` for an
    /// entry that is not an event) and the lower-case text it is searched by.
    pub fn matches(&self, kind: Option<&Kind>, haystack: &str) -> bool {
        let kind_ok = self.kind.as_ref().is_none_or(|wanted| kind == Some(wanted));
        let needle = self.text.trim().to_lowercase();
        kind_ok && (needle.is_empty() || haystack.contains(&needle))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use herald_dashboard_events::kinds;

    #[test]
    fn a_kind_admits_only_its_events_and_the_text_ignores_case() {
        let chats = Filter {
            kind: Some(kinds::CHAT),
            text: " Hello ".into(),
        };
        assert!(chats.matches(Some(&kinds::CHAT), "chat/lobby chat ada hello"));
        assert!(!chats.matches(Some(&kinds::CHAT), "chat/lobby chat ada bye"));
        assert!(!chats.matches(Some(&kinds::NOTICE), "ops notice hello"));
        assert!(!chats.matches(None, "chat/lobby gap hello"));
        assert!(Filter::default().matches(None, "anything"));
    }
}
