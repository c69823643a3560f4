//! Kind names: the one place their syntax is decided.

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::protocol::{GAP_EVENT, POSITION_EVENT, UNNAMED_EVENT};

/// The name of an event's kind, such as `chat` or `order_created`: its
/// JSON `type` and its SSE `event:` field, so a browser listens per kind
/// with `addEventListener(kind, …)`.
///
/// The hub carries any kind; it only checks the name. A name is 1 to
/// [`Kind::MAX_LEN`] ASCII letters, digits, `_`, `-`, `.` and `:`, starting
/// with a letter, so it is safe in an SSE field, a log line and a Redis
/// entry without escaping; snake_case (`order_created`), camelCase and
/// dotted names (`order.created`) all fit. The names the protocol or
/// `EventSource` itself uses are [`Kind::RESERVED`].
///
/// # Examples
///
/// ```
/// use herald_wire::{Kind, KindError};
///
/// // A name known when the program is written, checked as it compiles.
/// const SHIPPED: Kind = Kind::of("order_shipped");
/// assert_eq!(SHIPPED.as_str(), "order_shipped");
///
/// // A name read at run time.
/// let created = Kind::parse("order.created")?;
/// assert_eq!(created.to_string(), "order.created");
///
/// assert_eq!(Kind::parse("1st"), Err(KindError::FirstChar));
/// assert_eq!(Kind::parse("order created"), Err(KindError::InvalidChar(' ')));
/// assert_eq!(Kind::parse("gap"), Err(KindError::Reserved("gap")));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Kind(Cow<'static, str>);

/// Why a string is not a [`Kind`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KindError {
    /// The name is empty.
    #[error("the kind name is empty")]
    Empty,
    /// The name is longer than [`Kind::MAX_LEN`] bytes.
    #[error("the kind name is {len} bytes long; the maximum is {max}", max = Kind::MAX_LEN)]
    TooLong {
        /// Length of the refused name in bytes.
        len: usize,
    },
    /// The name does not start with an ASCII letter.
    #[error("a kind name starts with an ASCII letter")]
    FirstChar,
    /// A character outside `[A-Za-z0-9_.:-]`.
    #[error(
        "the kind name contains {0:?}; allowed are ASCII letters, digits, '_', '-', '.' and ':'"
    )]
    InvalidChar(char),
    /// The name is one of [`Kind::RESERVED`].
    #[error("the kind name {0:?} is reserved for the protocol")]
    Reserved(&'static str),
}

impl Kind {
    /// Longest kind name accepted, in bytes.
    pub const MAX_LEN: usize = 64;

    /// Names no kind may take: the hub's own control events (`gap`,
    /// `position`), the name `EventSource` gives an event without one
    /// (`message`, so `onmessage` never sees a published event), and the
    /// events `EventSource` fires itself (`open`, `error`).
    pub const RESERVED: [&'static str; 5] =
        [GAP_EVENT, POSITION_EVENT, UNNAMED_EVENT, "open", "error"];

    /// A kind whose name is known when the program is written, such as a
    /// variant of the app's own event type; checked when it is compiled
    /// where it is a constant.
    ///
    /// # Panics
    /// When `name` breaks a rule of [`Kind::parse`]: a bug in the program,
    /// never input.
    pub const fn of(name: &'static str) -> Self {
        if check(name).is_err() {
            panic!("not a kind name");
        }
        Self(Cow::Borrowed(name))
    }

    /// Parses and validates a kind name.
    ///
    /// # Errors
    /// Returns a [`KindError`] naming the first rule the input breaks.
    pub fn parse(name: impl Into<String>) -> Result<Self, KindError> {
        let name = name.into();
        match check(&name) {
            Ok(()) => Ok(Self(Cow::Owned(name))),
            Err(Broken::Rule(error)) => Err(error),
            // Every byte before `at` is ASCII, so a character starts there.
            Err(Broken::CharAt(at)) => Err(KindError::InvalidChar(
                name[at..]
                    .chars()
                    .next()
                    .unwrap_or(char::REPLACEMENT_CHARACTER),
            )),
        }
    }

    /// The name as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A rule [`check`] found broken: the error, or the byte where a character
/// that is not allowed starts, which a `const fn` cannot decode.
enum Broken {
    Rule(KindError),
    CharAt(usize),
}

/// The rules of [`Kind::parse`], as a `const fn` so [`Kind::of`] checks its
/// constants when they are compiled.
const fn check(name: &str) -> Result<(), Broken> {
    let bytes = name.as_bytes();
    if bytes.is_empty() {
        return Err(Broken::Rule(KindError::Empty));
    }
    if bytes.len() > Kind::MAX_LEN {
        return Err(Broken::Rule(KindError::TooLong { len: bytes.len() }));
    }
    if !bytes[0].is_ascii_alphabetic() {
        return Err(Broken::Rule(KindError::FirstChar));
    }
    let mut at = 0;
    while at < bytes.len() {
        let byte = bytes[at];
        if !(byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'-' | b'.' | b':')) {
            return Err(Broken::CharAt(at));
        }
        at += 1;
    }
    let mut reserved = 0;
    while reserved < Kind::RESERVED.len() {
        if same(bytes, Kind::RESERVED[reserved].as_bytes()) {
            return Err(Broken::Rule(KindError::Reserved(Kind::RESERVED[reserved])));
        }
        reserved += 1;
    }
    Ok(())
}

/// Whether two byte strings are equal, in a `const fn`.
const fn same(left: &[u8], right: &[u8]) -> bool {
    if left.len() != right.len() {
        return false;
    }
    let mut at = 0;
    while at < left.len() {
        if left[at] != right[at] {
            return false;
        }
        at += 1;
    }
    true
}

impl TryFrom<String> for Kind {
    type Error = KindError;

    fn try_from(name: String) -> Result<Self, Self::Error> {
        Self::parse(name)
    }
}

impl From<Kind> for String {
    fn from(kind: Kind) -> Self {
        kind.0.into_owned()
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_names_in_the_usual_cases() {
        for name in [
            "chat",
            "order_created",
            "orderCreated",
            "OrderCreated",
            "order.created",
            "shop:order-created",
            "v2",
        ] {
            assert_eq!(Kind::parse(name).unwrap().as_str(), name);
        }
        assert!(Kind::parse("a".repeat(Kind::MAX_LEN)).is_ok());
    }

    #[test]
    fn refuses_each_broken_rule() {
        assert_eq!(Kind::parse(""), Err(KindError::Empty));
        assert_eq!(
            Kind::parse("a".repeat(65)),
            Err(KindError::TooLong { len: 65 })
        );
        assert_eq!(Kind::parse("1st"), Err(KindError::FirstChar));
        assert_eq!(Kind::parse("_x"), Err(KindError::FirstChar));
        assert_eq!(Kind::parse("a b"), Err(KindError::InvalidChar(' ')));
        assert_eq!(Kind::parse("a\nb"), Err(KindError::InvalidChar('\n')));
        assert_eq!(Kind::parse("aé"), Err(KindError::InvalidChar('é')));
        for reserved in Kind::RESERVED {
            assert_eq!(Kind::parse(reserved), Err(KindError::Reserved(reserved)));
        }
        // `EventSource` tells names apart by case, and so does the hub.
        assert!(Kind::parse("Error").is_ok());
    }

    #[test]
    fn constants_are_checked_like_parsed_names() {
        const CHAT: Kind = Kind::of("chat");
        assert_eq!(CHAT, Kind::parse("chat").unwrap());
        assert!(std::panic::catch_unwind(|| Kind::of("no spaces")).is_err());
    }

    #[test]
    fn deserializing_validates() {
        assert!(serde_json::from_str::<Kind>("\"order_created\"").is_ok());
        assert!(serde_json::from_str::<Kind>("\"gap\"").is_err());
    }
}
