//! Topic names: the one place their syntax is decided.

use std::borrow::Borrow;
use std::fmt;

use serde::{Deserialize, Serialize};

/// A validated topic name such as `system/metrics` or `chat/lobby`.
///
/// Topics are hierarchical: one or more segments joined by `/`. A segment is
/// made of ASCII letters, digits, `_`, `-` and `.`, and is never `.` or `..`,
/// so a topic is safe in a URL path, a log line, a Redis key and an SSE field
/// without escaping. The whole name is at most [`Topic::MAX_LEN`] bytes.
///
/// # Examples
///
/// ```
/// use herald_wire::{Topic, TopicError};
///
/// let lobby = Topic::parse("chat/lobby")?;
/// assert_eq!(lobby.as_str(), "chat/lobby");
/// assert_eq!(lobby.to_string(), "chat/lobby");
///
/// // Each refusal names the rule the name breaks.
/// assert_eq!(Topic::parse("chat//lobby"), Err(TopicError::EmptySegment));
/// assert_eq!(Topic::parse("chat/../admin"), Err(TopicError::DotSegment("..".into())));
/// assert_eq!(Topic::parse("chat lobby"), Err(TopicError::InvalidChar(' ')));
///
/// // Deserializing checks the same rules, so a `Topic` field is always valid.
/// let topic: Topic = serde_json::from_str(r#""shop/orders""#)?;
/// assert_eq!(topic.as_str(), "shop/orders");
/// assert!(serde_json::from_str::<Topic>(r#""shop orders""#).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Topic(String);

/// Why a string is not a [`Topic`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TopicError {
    /// The name is empty.
    #[error("topic is empty")]
    Empty,
    /// The name is longer than [`Topic::MAX_LEN`] bytes.
    #[error("topic is {len} bytes long; the maximum is {max}", max = Topic::MAX_LEN)]
    TooLong {
        /// Length of the refused name in bytes.
        len: usize,
    },
    /// A segment between two `/` is empty, or the name starts or ends with `/`.
    #[error("topic has an empty segment (leading, trailing or doubled '/')")]
    EmptySegment,
    /// A segment is `.` or `..`, which would read as a path step.
    #[error("topic segment {0:?} is not allowed")]
    DotSegment(String),
    /// A character outside `[A-Za-z0-9_.-]` and `/`.
    #[error("topic contains {0:?}; allowed are ASCII letters, digits, '_', '-', '.' and '/'")]
    InvalidChar(char),
}

impl Topic {
    /// Longest topic name accepted, in bytes.
    pub const MAX_LEN: usize = 128;

    /// Parses and validates a topic name.
    ///
    /// # Errors
    /// Returns a [`TopicError`] naming the first rule the input breaks.
    pub fn parse(name: impl Into<String>) -> Result<Self, TopicError> {
        let name = name.into();
        if name.is_empty() {
            return Err(TopicError::Empty);
        }
        if name.len() > Self::MAX_LEN {
            return Err(TopicError::TooLong { len: name.len() });
        }
        if let Some(invalid) = name
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/')))
        {
            return Err(TopicError::InvalidChar(invalid));
        }
        for segment in name.split('/') {
            match segment {
                "" => return Err(TopicError::EmptySegment),
                "." | ".." => return Err(TopicError::DotSegment(segment.to_owned())),
                _ => {}
            }
        }
        Ok(Self(name))
    }

    /// The name as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Topic {
    type Error = TopicError;

    fn try_from(name: String) -> Result<Self, Self::Error> {
        Self::parse(name)
    }
}

impl From<Topic> for String {
    fn from(topic: Topic) -> Self {
        topic.0
    }
}

/// Lets a map keyed by topics be looked up and ranged by plain text (a
/// pattern's prefix); the order and equality are those of the text.
impl Borrow<str> for Topic {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Topic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_hierarchical_names() {
        for name in ["system/metrics", "chat", "a.b_c-d/E9", "x/y/z/w"] {
            assert_eq!(Topic::parse(name).unwrap().as_str(), name);
        }
    }

    #[test]
    fn refuses_each_broken_rule() {
        assert_eq!(Topic::parse(""), Err(TopicError::Empty));
        assert_eq!(
            Topic::parse("a".repeat(129)),
            Err(TopicError::TooLong { len: 129 })
        );
        assert!(Topic::parse("a".repeat(128)).is_ok());
        assert_eq!(Topic::parse("/a"), Err(TopicError::EmptySegment));
        assert_eq!(Topic::parse("a/"), Err(TopicError::EmptySegment));
        assert_eq!(Topic::parse("a//b"), Err(TopicError::EmptySegment));
        assert_eq!(
            Topic::parse("a/../b"),
            Err(TopicError::DotSegment("..".into()))
        );
        assert_eq!(Topic::parse("a b"), Err(TopicError::InvalidChar(' ')));
        assert_eq!(Topic::parse("a\nb"), Err(TopicError::InvalidChar('\n')));
        assert_eq!(Topic::parse("é"), Err(TopicError::InvalidChar('é')));
    }

    #[test]
    fn deserializing_validates() {
        assert!(serde_json::from_str::<Topic>("\"ok/topic\"").is_ok());
        assert!(serde_json::from_str::<Topic>("\"bad topic\"").is_err());
    }
}
