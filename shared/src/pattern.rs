//! Topic patterns: the one syntax for naming a topic or every topic under a
//! prefix, wherever a client names what it reads (streams, history, the
//! topic list) or a token names what it may do.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{Topic, TopicError};

/// One topic, or every topic under a prefix.
///
/// - `chat/lobby` (any [`Topic`]) matches that topic only;
/// - `chat/*` matches every topic below `chat`, at any depth (`chat/lobby`,
///   `chat/eu/lobby`), but not `chat` itself;
/// - `*` matches every topic.
///
/// `*` stands only as the whole last segment: `chat/*/typing`, `chat*` and
/// `**` are refused. Topics never contain `*`, so a pattern never reads two
/// ways, and a pattern matches what exists now and what is created later.
///
/// # Examples
///
/// ```
/// use herald_wire::{Topic, TopicPattern, TopicPatternError};
///
/// let chat = TopicPattern::parse("chat/*")?;
/// assert!(chat.matches(&Topic::parse("chat/lobby")?));
/// assert!(chat.matches(&Topic::parse("chat/eu/lobby")?));
/// assert!(!chat.matches(&Topic::parse("chat")?));
/// assert!(!chat.matches(&Topic::parse("chatter/x")?));
///
/// // A topic is a pattern that matches only itself.
/// let lobby = TopicPattern::from(Topic::parse("chat/lobby")?);
/// assert_eq!(lobby, TopicPattern::parse("chat/lobby")?);
/// assert_eq!(TopicPattern::parse("*")?, TopicPattern::All);
///
/// assert_eq!(
///     TopicPattern::parse("chat/*/typing"),
///     Err(TopicPatternError::MisplacedWildcard)
/// );
/// assert_eq!(chat.to_string(), "chat/*");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum TopicPattern {
    /// Exactly this topic.
    Exact(Topic),
    /// Every topic below this one (`chat/*`).
    Under(Topic),
    /// Every topic (`*`).
    All,
}

/// Why a string is not a [`TopicPattern`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TopicPatternError {
    /// The name, or the prefix before `/*`, is not a topic.
    #[error(transparent)]
    Topic(#[from] TopicError),
    /// A `*` that is not the whole last segment.
    #[error(
        "'*' stands only as the whole last segment of a pattern, as in 'chat/*' (every topic below chat) or '*' (every topic)"
    )]
    MisplacedWildcard,
}

/// The segment that makes a pattern match more than one topic.
const WILDCARD: &str = "*";

impl TopicPattern {
    /// Parses a pattern.
    ///
    /// # Errors
    /// [`TopicPatternError::MisplacedWildcard`] for a `*` anywhere but as
    /// the whole last segment, and [`TopicPatternError::Topic`] when what
    /// is left is not a topic.
    pub fn parse(text: &str) -> Result<Self, TopicPatternError> {
        if text == WILDCARD {
            return Ok(Self::All);
        }
        let (name, under) = match text.strip_suffix("/*") {
            Some(prefix) => (prefix, true),
            None => (text, false),
        };
        if name.contains('*') {
            return Err(TopicPatternError::MisplacedWildcard);
        }
        let topic = Topic::parse(name)?;
        Ok(if under {
            Self::Under(topic)
        } else {
            Self::Exact(topic)
        })
    }

    /// Whether `topic` is one this pattern names.
    pub fn matches(&self, topic: &Topic) -> bool {
        match self {
            Self::Exact(exact) => exact == topic,
            Self::Under(prefix) => topic
                .as_str()
                .strip_prefix(prefix.as_str())
                .is_some_and(|rest| rest.starts_with('/')),
            Self::All => true,
        }
    }

    /// Whether this pattern matches every topic `other` matches: what a
    /// token's pattern must do for a pattern a client asks to read.
    ///
    /// # Examples
    ///
    /// ```
    /// use herald_wire::TopicPattern;
    ///
    /// // A token that may read `chat/*` may open a stream on `chat/eu/*`
    /// // or `chat/lobby`, but not on `*`, nor on `chat` itself.
    /// let granted = TopicPattern::parse("chat/*")?;
    /// assert!(granted.covers(&TopicPattern::parse("chat/eu/*")?));
    /// assert!(granted.covers(&TopicPattern::parse("chat/lobby")?));
    /// assert!(!granted.covers(&TopicPattern::parse("*")?));
    /// assert!(!granted.covers(&TopicPattern::parse("chat")?));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn covers(&self, other: &Self) -> bool {
        match (self, other) {
            (_, Self::Exact(topic)) => self.matches(topic),
            (Self::All, _) => true,
            (Self::Under(mine), Self::Under(theirs)) => mine == theirs || self.matches(theirs),
            (Self::Exact(_), Self::Under(_)) | (_, Self::All) => false,
        }
    }

    /// The topics both patterns match, as a pattern, or `None` when they
    /// share none. Two patterns either nest or are disjoint (a prefix is
    /// below another or beside it), so the overlap is always one of them.
    ///
    /// # Examples
    ///
    /// ```
    /// use herald_wire::TopicPattern;
    ///
    /// let chat = TopicPattern::parse("chat/*")?;
    /// let eu = TopicPattern::parse("chat/eu/*")?;
    /// assert_eq!(chat.overlap(&eu), Some(eu.clone()));
    /// assert_eq!(eu.overlap(&chat), Some(eu));
    /// assert_eq!(chat.overlap(&TopicPattern::parse("news/*")?), None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn overlap(&self, other: &Self) -> Option<Self> {
        if self.covers(other) {
            Some(other.clone())
        } else if other.covers(self) {
            Some(self.clone())
        } else {
            None
        }
    }

    /// Where the names this pattern matches begin in byte order, and
    /// whether it may match more than that: every name it matches starts
    /// with the returned text. `None` for [`TopicPattern::Exact`], which
    /// names its one topic.
    ///
    /// # Examples
    ///
    /// ```
    /// use herald_wire::TopicPattern;
    ///
    /// assert_eq!(TopicPattern::parse("chat/*")?.prefix().as_deref(), Some("chat/"));
    /// assert_eq!(TopicPattern::All.prefix().as_deref(), Some(""));
    /// assert_eq!(TopicPattern::parse("chat/lobby")?.prefix(), None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn prefix(&self) -> Option<String> {
        match self {
            Self::Exact(_) => None,
            Self::Under(prefix) => Some(format!("{prefix}/")),
            Self::All => Some(String::new()),
        }
    }
}

impl From<Topic> for TopicPattern {
    fn from(topic: Topic) -> Self {
        Self::Exact(topic)
    }
}

impl TryFrom<String> for TopicPattern {
    type Error = TopicPatternError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::parse(&text)
    }
}

impl From<TopicPattern> for String {
    fn from(pattern: TopicPattern) -> Self {
        pattern.to_string()
    }
}

impl fmt::Display for TopicPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Exact(topic) => write!(f, "{topic}"),
            Self::Under(prefix) => write!(f, "{prefix}/{WILDCARD}"),
            Self::All => f.write_str(WILDCARD),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pattern(text: &str) -> TopicPattern {
        TopicPattern::parse(text).unwrap()
    }

    fn topic(name: &str) -> Topic {
        Topic::parse(name).unwrap()
    }

    #[test]
    fn a_pattern_covers_what_it_matches_all_of() {
        for (wide, narrow, covers) in [
            ("*", "*", true),
            ("*", "chat/*", true),
            ("*", "chat", true),
            ("chat/*", "chat/*", true),
            ("chat/*", "chat/eu/*", true),
            ("chat/*", "chat/eu", true),
            ("chat/*", "chat", false),
            ("chat/*", "*", false),
            ("chat/*", "chatter/*", false),
            ("chat/eu/*", "chat/*", false),
            ("chat", "chat", true),
            ("chat", "chat/*", false),
            ("chat", "chat/eu", false),
        ] {
            assert_eq!(
                pattern(wide).covers(&pattern(narrow)),
                covers,
                "{wide} covers {narrow}"
            );
        }
    }

    #[test]
    fn patterns_overlap_in_the_narrower_or_not_at_all() {
        let overlap = |a: &str, b: &str| pattern(a).overlap(&pattern(b));
        assert_eq!(overlap("chat/*", "chat/eu/*"), Some(pattern("chat/eu/*")));
        assert_eq!(overlap("chat/eu/*", "chat/*"), Some(pattern("chat/eu/*")));
        assert_eq!(overlap("*", "chat"), Some(pattern("chat")));
        assert_eq!(overlap("chat/*", "news/*"), None);
        assert_eq!(overlap("chat", "chat/*"), None);
        assert_eq!(overlap("chat/eu", "chat/eu"), Some(pattern("chat/eu")));
    }

    #[test]
    fn round_trips_each_form() {
        for text in ["chat/lobby", "chat/*", "a.b/c-d/*", "*"] {
            assert_eq!(pattern(text).to_string(), text);
            let json = serde_json::to_string(&pattern(text)).unwrap();
            assert_eq!(
                serde_json::from_str::<TopicPattern>(&json).unwrap(),
                pattern(text)
            );
        }
        assert_eq!(pattern("chat/*"), TopicPattern::Under(topic("chat")));
    }

    #[test]
    fn a_prefix_matches_below_itself_at_any_depth() {
        let chat = pattern("chat/*");
        for name in ["chat/lobby", "chat/eu/lobby"] {
            assert!(chat.matches(&topic(name)), "{name}");
        }
        for name in ["chat", "chatter/x", "chat-x", "other/chat/x"] {
            assert!(!chat.matches(&topic(name)), "{name}");
        }
        assert!(pattern("*").matches(&topic("anything/at/all")));
        assert!(pattern("a/b").matches(&topic("a/b")));
        assert!(!pattern("a/b").matches(&topic("a/b/c")));
    }

    #[test]
    fn every_match_starts_with_the_prefix() {
        assert_eq!(pattern("chat/*").prefix().as_deref(), Some("chat/"));
        assert_eq!(pattern("*").prefix().as_deref(), Some(""));
        assert_eq!(pattern("chat").prefix(), None);
    }

    #[test]
    fn refuses_a_wildcard_anywhere_but_the_last_segment() {
        for text in [
            "chat/*/typing",
            "chat*",
            "*/chat",
            "**",
            "chat/**",
            "ch*t/x",
            "*/*",
        ] {
            assert_eq!(
                TopicPattern::parse(text),
                Err(TopicPatternError::MisplacedWildcard),
                "{text}"
            );
        }
        assert_eq!(
            TopicPattern::parse("/*"),
            Err(TopicPatternError::Topic(TopicError::Empty))
        );
        assert_eq!(
            TopicPattern::parse("a b/*"),
            Err(TopicPatternError::Topic(TopicError::InvalidChar(' ')))
        );
        assert!(serde_json::from_str::<TopicPattern>("\"a/*/b\"").is_err());
    }
}
