//! Reading a [`Payload`] from JSON text: the one decoder that the publish
//! route, the [`Envelope`](crate::Envelope) and every client use, and
//! [`PayloadError`], which says what is wrong with a text that is not a
//! payload.
//!
//! A payload is read in two passes over the same text: its `type`, then the
//! kind's own struct. serde's internally tagged enum reads it in one, but
//! buffers the content to do so, which would lose a [`Json`](super::Json)
//! payload's text and the path to a field at fault. Only a refused text
//! costs more: a syntax check tells malformed JSON from JSON that is not an
//! event, and a refused kind is read once more with its path tracked, so a
//! payload that decodes pays for neither.

#[cfg(test)]
mod tests;

use serde::de::{Error as _, IgnoredAny};
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;

use super::{Json, Payload, Untyped};
use crate::{ErrorBody, Kind, KindError};

/// The member of a payload's JSON object that names its kind.
const TAG: &str = "type";

/// The path serde_path_to_error gives the object itself.
const TOP: &str = ".";

/// Why a text is not a [`Payload`].
#[derive(Debug, thiserror::Error)]
pub enum PayloadError {
    /// The text is not one well-formed JSON value.
    #[error(transparent)]
    Syntax(serde_json::Error),
    /// The text is JSON, but not an object.
    #[error("an event is a JSON object with a `type` naming its kind")]
    NotAnObject,
    /// The object has no `type`, or more than one.
    #[error("missing field `type` naming the event kind")]
    MissingType,
    /// The `type` is not a string.
    #[error("event type {found} is not a string")]
    TypeNotString {
        /// The `type` as published, in JSON: `7`, or `["a"]`.
        found: String,
    },
    /// The `type` is a string, but not a [`Kind`] name.
    #[error("event type {found:?} is not a kind name: {error}")]
    InvalidKind {
        /// The `type` as published.
        found: String,
        /// The rule it breaks.
        error: KindError,
    },
    /// The kind's fields are not right: one is missing, repeated, or not of
    /// its type.
    #[error("{message}")]
    Field {
        /// JSON path of the first field at fault (`text`, `load.one`,
        /// `cpu_per_core[1]`, or `.` for the object itself); for a missing
        /// field, the path it belongs at.
        path: String,
        /// serde's message, with the line and column.
        message: String,
    },
}

impl PayloadError {
    /// The JSON path at fault: `.` when the text is not an object, `type`
    /// when the kind is missing or not a name, the field's path for a field
    /// error, and none for malformed JSON.
    pub fn path(&self) -> Option<&str> {
        match self {
            Self::Syntax(_) => None,
            Self::NotAnObject => Some(TOP),
            Self::MissingType | Self::TypeNotString { .. } | Self::InvalidKind { .. } => Some(TAG),
            Self::Field { path, .. } => Some(path),
        }
    }
}

impl Payload {
    /// Decodes a payload from JSON text: the `type` names the kind, and the
    /// kind's struct is read from the same text.
    ///
    /// Takes a request body's bytes as well as a `str`: serde_json checks
    /// that what the payload keeps is UTF-8 as it reads it, so a body needs
    /// no pass of its own for that.
    ///
    /// # Errors
    /// [`PayloadError`]: malformed JSON, no `type`, an unknown `type`, or the
    /// first field that is not the kind's, with its JSON path.
    pub fn from_json(json: impl AsRef<[u8]>) -> Result<Self, PayloadError> {
        let json = json.as_ref();
        let kind = kind(json)?;
        Ok(if kind == Kind::METRICS {
            Self::Metrics(fields(json)?)
        } else if kind == Kind::CHAT {
            Self::Chat(fields(json)?)
        } else if kind == Kind::NOTICE {
            Self::Notice(fields(json)?)
        } else if kind == Kind::LATENCY_PROBE {
            Self::LatencyProbe(fields(json)?)
        } else if kind == Kind::HUB_STATS {
            Self::HubStats(fields(json)?)
        } else if kind == Kind::JSON {
            Self::Json(fields(json)?)
        } else {
            Self::Untyped(untyped(kind, json)?)
        })
    }
}

impl<'de> Deserialize<'de> for Payload {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = Box::<RawValue>::deserialize(deserializer)?;
        Self::from_json(raw.get()).map_err(D::Error::custom)
    }
}

/// The kind the text's `type` names.
///
/// Reading the tag parses the whole text, so a text whose tag is read is
/// well-formed JSON, and only one whose tag is not needs the syntax check.
fn kind(json: &[u8]) -> Result<Kind, PayloadError> {
    #[derive(Deserialize)]
    struct Tag<'a> {
        // Any JSON, so a `type` that is not a string is refused naming it,
        // rather than with serde's message about its type.
        #[serde(rename = "type", borrow)]
        kind: Option<&'a RawValue>,
    }
    let refused = |json: &[u8]| match serde_json::from_slice::<IgnoredAny>(json) {
        Err(syntax) => PayloadError::Syntax(syntax),
        Ok(_) => PayloadError::NotAnObject,
    };
    // serde reads a struct from an array too, by position.
    if json.trim_ascii_start().first() != Some(&b'{') {
        return Err(refused(json));
    }
    let tag = match serde_json::from_slice::<Tag<'_>>(json) {
        Ok(Tag { kind: Some(tag) }) => tag,
        Ok(Tag { kind: None }) => return Err(PayloadError::MissingType),
        Err(_) => {
            return Err(match refused(json) {
                PayloadError::NotAnObject => PayloadError::MissingType,
                syntax => syntax,
            });
        }
    };
    let Ok(name) = serde_json::from_str::<String>(tag.get()) else {
        return Err(PayloadError::TypeNotString {
            found: ErrorBody::echo(tag.get()),
        });
    };
    Kind::parse(name.as_str()).map_err(|error| PayloadError::InvalidKind {
        found: ErrorBody::echo(&name),
        error,
    })
}

/// A payload of a kind Herald does not type: the whole object, on one line.
fn untyped(kind: Kind, json: &[u8]) -> Result<Untyped, PayloadError> {
    // Read as one raw value, which checks that the text is UTF-8.
    let raw = serde_json::from_slice::<Box<RawValue>>(json).map_err(PayloadError::Syntax)?;
    let json = Json::from_text(raw.get()).map_err(PayloadError::Syntax)?;
    Ok(Untyped { kind, json })
}

/// The kind's struct, read from the whole text, where `type` is one more
/// member that the struct ignores.
fn fields<'de, T: Deserialize<'de>>(json: &'de [u8]) -> Result<T, PayloadError> {
    serde_json::from_slice(json).map_err(|error| at_fault::<T>(json, &error))
}

/// The refusal of a kind's struct, at its path: the text is read once more
/// with the path tracked, which a payload that decodes does not pay for.
fn at_fault<'de, T: Deserialize<'de>>(json: &'de [u8], error: &serde_json::Error) -> PayloadError {
    let mut deserializer = serde_json::Deserializer::from_slice(json);
    let path = match serde_path_to_error::deserialize::<_, T>(&mut deserializer) {
        Err(tracked) => tracked.path().to_string(),
        // The same read refuses the same text, tracked or not; were the two
        // ever to differ, the refusal is the object's.
        Ok(_) => TOP.to_owned(),
    };
    let message = error.to_string();
    let path = match missing_field(&message) {
        Some(name) => below(&path, name),
        None => path,
    };
    PayloadError::Field {
        path: bounded(path),
        message: bounded(message),
    }
}

/// Longest path or serde message a refusal carries. serde quotes a refused
/// string whole, and a path holds whole keys, so a longer one keeps its
/// start and its end (what was expected, and where) around an ellipsis.
const BOUNDED_CHARS: usize = 4 * ErrorBody::ECHO_CHARS;

fn bounded(text: String) -> String {
    let count = text.chars().count();
    if count <= BOUNDED_CHARS {
        return text;
    }
    let head: String = text.chars().take(3 * ErrorBody::ECHO_CHARS).collect();
    let tail: String = text.chars().skip(count - ErrorBody::ECHO_CHARS).collect();
    format!("{head}…{tail}")
}

/// The field a refusal says is missing.
///
/// serde reports a missing field at the object that lacks it, and names it
/// only in text: `de::Error::missing_field` formats "missing field `name`"
/// into the format's own error, which has no place for it. So the name is
/// read back from that text, here only; a test pins the wording.
fn missing_field(message: &str) -> Option<&str> {
    message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split('`').next())
}

/// The path of member `name` of the object at `path`.
fn below(path: &str, name: &str) -> String {
    if path == TOP {
        name.to_owned()
    } else {
        format!("{path}.{name}")
    }
}
