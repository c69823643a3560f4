//! Reading an event from JSON text, and [`DecodeError`], which says what
//! is wrong with a text that is not one: the one decoder the publish route,
//! every derived [`Event`] and hand-written ones (the `herald` binary's
//! `Payload`) share.
//!
//! An event is read in two passes over the same text: its `type`, then the
//! kind's own struct. serde's internally tagged enum reads it in one, but
//! buffers the content to do so, which loses the path to a field at fault
//! (and would lose an untyped payload's text). Only a refused text costs
//! more: a syntax check tells malformed JSON from JSON that is not an
//! event, and a refused kind is read once more with its path tracked, so an
//! event that decodes pays for neither.
//!
//! `#[derive(Event)]` reads each newtype variant (`OrderCreated(Order)`)
//! as its own struct ([`newtype`]) and the others as the whole type
//! ([`whole`]), after reading the [`kind`].

use serde::Deserialize;
use serde::de::{DeserializeOwned, IgnoredAny};
use serde_json::value::RawValue;

use crate::{ErrorBody, Event, Kind, KindError};

/// The member of an event's JSON object that names its kind.
const TAG: &str = "type";

/// The path serde_path_to_error gives the object itself.
const TOP: &str = ".";

/// Why a text is not an event of the type it was read as.
///
/// # Examples
///
/// ```
/// use herald_wire::{DecodeError, Event};
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Debug, Serialize, Deserialize, Event)]
/// #[serde(tag = "type", rename_all = "snake_case")]
/// enum ShopEvent {
///     OrderShipped { id: u64 },
/// }
///
/// let refusal = |json: &str| ShopEvent::from_json(json.as_bytes()).err();
/// let path = |refusal: &Option<DecodeError>| refusal.as_ref().and_then(DecodeError::path).map(str::to_owned);
///
/// // Malformed JSON has no path; everything else names where it is wrong.
/// let malformed = refusal("{");
/// assert!(matches!(malformed, Some(DecodeError::Syntax(_))));
/// assert_eq!(path(&malformed), None);
///
/// let not_an_object = refusal("[1]");
/// assert!(matches!(not_an_object, Some(DecodeError::NotAnObject)));
/// assert_eq!(path(&not_an_object).as_deref(), Some("."));
///
/// let unknown = refusal(r#"{"type":"order_lost","id":1}"#);
/// assert!(matches!(&unknown, Some(DecodeError::UnknownKind { found, .. }) if found == "order_lost"));
/// assert_eq!(path(&unknown).as_deref(), Some("type"));
///
/// let missing = refusal(r#"{"type":"order_shipped"}"#);
/// assert!(matches!(missing, Some(DecodeError::Field { .. })));
/// assert_eq!(path(&missing).as_deref(), Some("id"));
/// ```
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
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
    /// The `type` is a kind name, but not one of the type's kinds.
    #[error("event type {found:?} is not one of this hub's kinds: {known}")]
    UnknownKind {
        /// The `type` as published.
        found: String,
        /// The kinds the type has, comma-separated.
        known: String,
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

impl DecodeError {
    /// The JSON path at fault: `.` when the text is not an object, `type`
    /// when the kind is missing, not a name or not the type's, the field's path for a field
    /// error, and none for malformed JSON.
    pub fn path(&self) -> Option<&str> {
        match self {
            Self::Syntax(_) => None,
            Self::NotAnObject => Some(TOP),
            Self::MissingType
            | Self::TypeNotString { .. }
            | Self::InvalidKind { .. }
            | Self::UnknownKind { .. } => Some(TAG),
            Self::Field { path, .. } => Some(path),
        }
    }
}

/// The kind the text's `type` names, whatever the type.
///
/// # Errors
/// [`DecodeError`]: malformed JSON, not an object, or no `type` that is a
/// kind name.
///
/// Reading the tag parses the whole text, so a text whose tag is read is
/// well-formed JSON, and only one whose tag is not needs the syntax check.
///
/// # Examples
///
/// ```
/// use herald_wire::{DecodeError, Kind, decode};
///
/// let kind = decode::kind(br#"{"type":"order_created","id":7}"#)?;
/// assert_eq!(kind, Kind::of("order_created"));
///
/// assert!(matches!(decode::kind(br#"{"id":7}"#), Err(DecodeError::MissingType)));
/// assert!(matches!(
///     decode::kind(br#"{"type":7}"#),
///     Err(DecodeError::TypeNotString { found }) if found == "7"
/// ));
/// assert!(matches!(
///     decode::kind(br#"{"type":"gap"}"#),
///     Err(DecodeError::InvalidKind { .. })
/// ));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn kind(json: &[u8]) -> Result<Kind, DecodeError> {
    #[derive(Deserialize)]
    struct Tag<'a> {
        // Any JSON, so a `type` that is not a string is refused naming it,
        // rather than with serde's message about its type.
        #[serde(rename = "type", borrow)]
        kind: Option<&'a RawValue>,
    }
    let refused = |json: &[u8]| match serde_json::from_slice::<IgnoredAny>(json) {
        Err(syntax) => DecodeError::Syntax(syntax),
        Ok(_) => DecodeError::NotAnObject,
    };
    // serde reads a struct from an array too, by position.
    if json.trim_ascii_start().first() != Some(&b'{') {
        return Err(refused(json));
    }
    let tag = match serde_json::from_slice::<Tag<'_>>(json) {
        Ok(Tag { kind: Some(tag) }) => tag,
        Ok(Tag { kind: None }) => return Err(DecodeError::MissingType),
        Err(_) => {
            return Err(match refused(json) {
                DecodeError::NotAnObject => DecodeError::MissingType,
                syntax => syntax,
            });
        }
    };
    let Ok(name) = serde_json::from_str::<String>(tag.get()) else {
        return Err(DecodeError::TypeNotString {
            found: ErrorBody::echo(tag.get()),
        });
    };
    Kind::parse(name.as_str()).map_err(|error| DecodeError::InvalidKind {
        found: ErrorBody::echo(&name),
        error,
    })
}

/// An event of type `E` read from `json`: what [`Event::from_json`] does
/// unless the type says otherwise.
///
/// # Examples
///
/// ```
/// use herald_wire::{Event, decode};
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Debug, PartialEq, Serialize, Deserialize, Event)]
/// #[serde(tag = "type", rename_all = "snake_case")]
/// enum ShopEvent {
///     OrderShipped { id: u64 },
/// }
///
/// let shipped: ShopEvent = decode::event(br#"{"type":"order_shipped","id":7}"#)?;
/// assert_eq!(shipped, ShopEvent::OrderShipped { id: 7 });
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`DecodeError`], as [`kind`] and [`whole`] say.
pub fn event<E: Event>(json: &[u8]) -> Result<E, DecodeError> {
    whole(json, &kind(json)?)
}

/// `E` read from `json` through its own `Deserialize`, whose `type` names
/// `kind`. serde decides what it accepts (an alias of a kind included);
/// a kind it refuses that is not one of `E`'s is named as such rather than
/// with serde's message.
///
/// # Examples
///
/// ```
/// use herald_wire::{DecodeError, Event, decode};
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Debug, PartialEq, Serialize, Deserialize, Event)]
/// #[serde(tag = "type", rename_all = "snake_case")]
/// enum ShopEvent {
///     OrderShipped { id: u64 },
///     // serde reads the old name too.
///     #[serde(alias = "refund")]
///     RefundIssued { id: u64 },
/// }
///
/// let json = br#"{"type":"refund","id":3}"#;
/// let refund: ShopEvent = decode::whole(json, &decode::kind(json)?)?;
/// assert_eq!(refund, ShopEvent::RefundIssued { id: 3 });
///
/// let json = br#"{"type":"order_lost","id":3}"#;
/// let lost = decode::whole::<ShopEvent>(json, &decode::kind(json)?);
/// assert!(matches!(
///     lost,
///     Err(DecodeError::UnknownKind { found, known })
///         if found == "order_lost" && known == "order_shipped, refund_issued"
/// ));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`DecodeError::UnknownKind`] for a kind `E` does not have, else as
/// [`fields`].
pub fn whole<E: Event>(json: &[u8], kind: &Kind) -> Result<E, DecodeError> {
    fields(json).map_err(|refusal| {
        if E::kinds().contains(kind) {
            return refusal;
        }
        let known: Vec<&str> = E::kinds().iter().map(Kind::as_str).collect();
        DecodeError::UnknownKind {
            found: ErrorBody::echo(kind.as_str()),
            known: bounded(known.join(", ")),
        }
    })
}

/// `E` read through its own `Deserialize` ([`whole`]), and when refused,
/// the refusal found by reading the variant's fields alone as `T`, which
/// names the path within them that serde's tagged enum loses.
///
/// # Examples
///
/// What `#[derive(Event)]` does for a struct variant, by hand: the
/// variant's fields as a struct of their own locate the refusal.
///
/// ```
/// use herald_wire::{Event, decode};
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Debug, Serialize, Deserialize, Event)]
/// #[serde(tag = "type", rename_all = "snake_case")]
/// enum ShopEvent {
///     OrderCreated { id: u64, lines: Vec<u32> },
/// }
///
/// #[derive(Deserialize)]
/// struct OrderCreatedFields {
///     id: u64,
///     lines: Vec<u32>,
/// }
///
/// let json = br#"{"type":"order_created","id":1,"lines":[2,"x"]}"#;
/// let kind = decode::kind(json)?;
/// let refused = decode::located::<ShopEvent, OrderCreatedFields>(json, &kind);
/// assert_eq!(refused.err().as_ref().and_then(|e| e.path()), Some("lines[1]"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// As [`whole`], at the path `T` names.
pub fn located<E: Event, T: DeserializeOwned>(json: &[u8], kind: &Kind) -> Result<E, DecodeError> {
    whole(json, kind).map_err(|refusal| match fields::<T>(json) {
        Err(found @ DecodeError::Field { .. }) => found,
        _ => refusal,
    })
}

/// The variant `wrap` makes of its struct `T`, read from the whole text as
/// `T`, so that a refusal names the field's path within it. A text serde
/// reads as the whole enum but not as `T` is read as the enum; a `T` that
/// refuses unknown members, which the `type` is to it, is refused at the
/// first of its own fields at fault.
///
/// # Examples
///
/// A hand-written [`Event::from_json`] that reads its newtype variant's
/// struct, as `#[derive(Event)]` writes it:
///
/// ```
/// use herald_wire::{DecodeError, Event, Kind, decode};
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Debug, PartialEq, Serialize, Deserialize)]
/// #[serde(tag = "type", rename_all = "snake_case")]
/// enum ShopEvent {
///     OrderCreated(Order),
/// }
///
/// #[derive(Debug, PartialEq, Serialize, Deserialize)]
/// struct Order {
///     id: u64,
///     lines: Vec<u32>,
/// }
///
/// impl Event for ShopEvent {
///     fn kinds() -> &'static [Kind] {
///         static KINDS: [Kind; 1] = [Kind::of("order_created")];
///         &KINDS
///     }
///
///     fn kind(&self) -> &Kind {
///         &Self::kinds()[0]
///     }
///
///     fn from_json(json: &[u8]) -> Result<Self, DecodeError> {
///         let kind = decode::kind(json)?;
///         match kind.as_str() {
///             "order_created" => decode::newtype(json, ShopEvent::OrderCreated),
///             _ => decode::whole(json, &kind),
///         }
///     }
/// }
///
/// let created = ShopEvent::from_json(br#"{"type":"order_created","id":1,"lines":[2]}"#)?;
/// assert_eq!(created, ShopEvent::OrderCreated(Order { id: 1, lines: vec![2] }));
///
/// let refused = ShopEvent::from_json(br#"{"type":"order_created","id":1,"lines":["x"]}"#);
/// assert_eq!(refused.err().as_ref().and_then(|e| e.path()), Some("lines[0]"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// As [`fields`], for `T`.
pub fn newtype<T: DeserializeOwned, E: Event>(
    json: &[u8],
    wrap: fn(T) -> E,
) -> Result<E, DecodeError> {
    match fields::<T>(json) {
        Ok(inner) => Ok(wrap(inner)),
        Err(refusal) => serde_json::from_slice(json).map_err(|_| match refusal.path() {
            Some(TAG) => untagged::<T>(json).unwrap_or(refusal),
            _ => refusal,
        }),
    }
}

/// The refusal of `T` read from the object without its `type`, if it
/// refuses that too.
fn untagged<T: DeserializeOwned>(json: &[u8]) -> Option<DecodeError> {
    let mut object =
        serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(json).ok()?;
    object.remove(TAG);
    let error =
        serde_path_to_error::deserialize::<_, T>(serde_json::Value::Object(object)).err()?;
    Some(field(error.path().to_string(), error.inner().to_string()))
}

/// `T` read from the whole text: a kind's own struct, where `type` is one
/// more member that it ignores, or a whole event type.
///
/// # Examples
///
/// ```
/// use herald_wire::{DecodeError, decode};
/// use serde::Deserialize;
///
/// #[derive(Debug, PartialEq, Deserialize)]
/// struct Load {
///     one: f64,
///     five: f64,
/// }
///
/// #[derive(Debug, PartialEq, Deserialize)]
/// struct Sample {
///     load: Load,
/// }
///
/// let sample: Sample = decode::fields(br#"{"type":"sample","load":{"one":0.5,"five":0.25}}"#)?;
/// assert_eq!(sample.load, Load { one: 0.5, five: 0.25 });
///
/// // A refusal names the field at fault, a missing one where it belongs.
/// let missing = decode::fields::<Sample>(br#"{"type":"sample","load":{"one":0.5}}"#);
/// assert!(matches!(missing, Err(DecodeError::Field { path, .. }) if path == "load.five"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`DecodeError::Syntax`] for malformed JSON, else
/// [`DecodeError::Field`] at the first field at fault.
pub fn fields<'de, T: Deserialize<'de>>(json: &'de [u8]) -> Result<T, DecodeError> {
    serde_json::from_slice(json).map_err(|error| at_fault::<T>(json, &error))
}

/// The refusal of a kind's struct, at its path: the text is read once more
/// with the path tracked, which a payload that decodes does not pay for.
fn at_fault<'de, T: Deserialize<'de>>(json: &'de [u8], error: &serde_json::Error) -> DecodeError {
    let mut deserializer = serde_json::Deserializer::from_slice(json);
    let path = match serde_path_to_error::deserialize::<_, T>(&mut deserializer) {
        Err(tracked) => tracked.path().to_string(),
        // The same read refuses the same text, tracked or not; were the two
        // ever to differ, the refusal is the object's.
        Ok(_) => TOP.to_owned(),
    };
    field(path, error.to_string())
}

/// A refusal at `path` with serde's `message`; a missing field is named
/// below the object that lacks it.
fn field(path: String, message: String) -> DecodeError {
    let path = match missing_field(&message) {
        Some(name) => below(&path, name),
        None => path,
    };
    DecodeError::Field {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_field_is_read_from_serdes_wording() {
        // serde's `missing_field` is the only place the name is given.
        let error = <serde_json::Error as serde::de::Error>::missing_field("level");
        assert_eq!(missing_field(&error.to_string()), Some("level"));
        assert_eq!(missing_field("invalid type: string \"x\""), None);
        assert_eq!(below(TOP, "text"), "text");
        assert_eq!(below("load", "one"), "load.one");
    }
}
