//! Topic and pattern syntax as docs/api.md states it, written apart from
//! `herald_wire::topic` and `herald_wire::pattern` so the `topic_pattern` target can
//! hold them to it: segments of ASCII letters, digits, `_`, `-` and `.`,
//! never `.` or `..` alone, joined by `/`, at most 128 bytes; a pattern is a
//! topic, a topic followed by `/*`, or `*`. This works on segments where
//! `herald-wire` works on text, so the two do not share a mistake.

/// The longest topic, in bytes.
pub const MAX_LEN: usize = 128;

/// What a text names, by this module's reading of the syntax.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Named<'a> {
    /// A topic: its segments.
    Topic(Vec<&'a str>),
    /// Every topic below these segments (`a/b/*`).
    Under(Vec<&'a str>),
    /// Every topic (`*`).
    All,
}

/// The segments of `text` if it is a topic.
pub fn topic(text: &str) -> Option<Vec<&str>> {
    let segments: Vec<&str> = text.split('/').collect();
    let valid = text.len() <= MAX_LEN && segments.iter().all(|segment| is_segment(segment));
    valid.then_some(segments)
}

/// What `text` names as a pattern, if it is one.
pub fn pattern(text: &str) -> Option<Named<'_>> {
    let segments: Vec<&str> = text.split('/').collect();
    match segments.split_last() {
        Some((&"*", [])) => Some(Named::All),
        Some((&"*", prefix)) => {
            // The prefix is a topic: the text but for its last two bytes.
            let valid =
                text.len() - 2 <= MAX_LEN && prefix.iter().all(|segment| is_segment(segment));
            valid.then(|| Named::Under(prefix.to_vec()))
        }
        _ => topic(text).map(Named::Topic),
    }
}

/// Whether the pattern `named` names the topic `segments`: the same
/// segments, or more segments that begin with the prefix's.
pub fn matches(named: &Named<'_>, segments: &[&str]) -> bool {
    match named {
        Named::Topic(topic) => topic.as_slice() == segments,
        Named::Under(prefix) => segments.len() > prefix.len() && segments.starts_with(prefix),
        Named::All => true,
    }
}

fn is_segment(segment: &str) -> bool {
    !segment.is_empty()
        && segment != "."
        && segment != ".."
        && segment
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'-' | b'.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topics_are_segments_of_the_allowed_bytes() {
        assert_eq!(topic("chat/lobby"), Some(vec!["chat", "lobby"]));
        assert_eq!(
            topic("orders.eu/new_1-x"),
            Some(vec!["orders.eu", "new_1-x"])
        );
        assert_eq!(topic("..."), Some(vec!["..."]));
        for refused in [
            "", "/", "a/", "/a", "a//b", ".", "a/../b", "a b", "é", "a/*", "*",
        ] {
            assert_eq!(topic(refused), None, "{refused:?}");
        }
        assert!(topic(&"a".repeat(MAX_LEN)).is_some());
        assert_eq!(topic(&"a".repeat(MAX_LEN + 1)), None);
    }

    #[test]
    fn a_wildcard_is_only_the_whole_last_segment() {
        assert_eq!(pattern("*"), Some(Named::All));
        assert_eq!(pattern("a/b/*"), Some(Named::Under(vec!["a", "b"])));
        assert_eq!(pattern("a/b"), Some(Named::Topic(vec!["a", "b"])));
        for refused in ["**", "a*", "*/a", "a/*/b", "*/*", "/*", "a//*", "./*"] {
            assert_eq!(pattern(refused), None, "{refused:?}");
        }
        let longest = format!("{}/*", "a".repeat(MAX_LEN));
        assert!(pattern(&longest).is_some());
        assert_eq!(pattern(&format!("a{longest}")), None);
    }

    #[test]
    fn a_prefix_matches_strictly_below_itself() {
        let chat = pattern("chat/*").unwrap();
        assert!(matches(&chat, &["chat", "lobby"]));
        assert!(matches(&chat, &["chat", "eu", "lobby"]));
        assert!(!matches(&chat, &["chat"]));
        assert!(!matches(&chat, &["chatter", "x"]));
        assert!(matches(&Named::All, &["x"]));
        assert!(!matches(&pattern("a/b").unwrap(), &["a", "b", "c"]));
    }
}
