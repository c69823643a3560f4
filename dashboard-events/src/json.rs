//! JSON kept as its text: [`Json`] (the `json` kind's `data`) and
//! [`Untyped`] (an event of any other kind).

use herald_wire::Kind;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;

/// Opaque JSON from a program that brings its own schema, kept as its text:
/// key order, repeated keys, big integers and number spellings (`1e2`)
/// arrive as published. Only whitespace between tokens is dropped, so the
/// text is one line.
///
/// # Examples
///
/// ```
/// use herald_dashboard_events::{Json, Payload};
///
/// // Key order and a number no `f64` holds arrive as published.
/// let json = Json::from_text(r#"{ "z": 1, "a": 18446744073709551616123 }"#)?;
/// assert_eq!(json.text(), r#"{"z":1,"a":18446744073709551616123}"#);
/// assert_eq!(json.value()["z"], 1);
///
/// let payload = Payload::Json(json);
/// assert_eq!(
///     serde_json::to_string(&payload)?,
///     r#"{"type":"json","data":{"z":1,"a":18446744073709551616123}}"#
/// );
///
/// let from_value = Json::from_value(&serde_json::json!({ "ok": true }))?;
/// assert_eq!(from_value.text(), r#"{"ok":true}"#);
/// assert!(Json::from_text("{").is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Json {
    /// Any JSON value, as published.
    #[serde(deserialize_with = "compact_raw")]
    #[cfg_attr(feature = "schema", schemars(with = "serde_json::Value"))]
    pub data: Box<RawValue>,
}

impl Json {
    /// Takes `text`, which must be one JSON value, without the whitespace
    /// between its tokens.
    ///
    /// # Errors
    /// When `text` is not JSON.
    pub fn from_text(text: &str) -> Result<Self, serde_json::Error> {
        RawValue::from_string(compact(text)).map(|data| Self { data })
    }

    /// Takes a [`Value`] as its JSON text.
    ///
    /// # Errors
    /// Never for a `Value` that came from JSON; serde_json's own rule.
    pub fn from_value(value: &Value) -> Result<Self, serde_json::Error> {
        serde_json::value::to_raw_value(value).map(|data| Self { data })
    }

    /// The JSON text.
    pub fn text(&self) -> &str {
        self.data.get()
    }

    /// The JSON decoded as a [`Value`], to walk it (repeated keys keep the
    /// last, as in JavaScript's `JSON.parse`).
    pub fn value(&self) -> Value {
        // The text was checked to be JSON when it was taken.
        serde_json::from_str(self.text()).unwrap_or(Value::Null)
    }
}

impl PartialEq for Json {
    fn eq(&self, other: &Self) -> bool {
        self.text() == other.text()
    }
}

/// An event of a kind Herald does not type, kept as its JSON text: the
/// object as published, with its `type`, on one line (whitespace between
/// tokens dropped, as for [`Json`]).
///
/// # Examples
///
/// ```
/// use herald_dashboard_events::Payload;
///
/// let payload = Payload::from_json("{ \"type\": \"order_created\",\n \"id\": 7 }")?;
/// let Payload::Untyped(order) = &payload else {
///     unreachable!("order_created is not one of Herald's kinds");
/// };
/// assert_eq!(order.kind().as_str(), "order_created");
/// assert_eq!(order.text(), r#"{"type":"order_created","id":7}"#);
/// assert_eq!(order.value()["id"], 7);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Untyped {
    pub(crate) kind: Kind,
    pub(crate) json: Json,
}

impl Untyped {
    /// The kind its `type` names.
    pub fn kind(&self) -> &Kind {
        &self.kind
    }

    /// The JSON object, `type` and all.
    pub fn text(&self) -> &str {
        self.json.text()
    }

    /// The JSON decoded as a [`Value`], to walk it.
    pub fn value(&self) -> Value {
        self.json.value()
    }
}

/// Deserializes a raw JSON value without the whitespace between its tokens.
fn compact_raw<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Box<RawValue>, D::Error> {
    let raw = Box::<RawValue>::deserialize(deserializer)?;
    RawValue::from_string(compact(raw.get())).map_err(D::Error::custom)
}

/// `text` without whitespace outside strings; JSON allows none inside them
/// but escaped, so what remains is the same value on one line.
pub(crate) fn compact(text: &str) -> String {
    let mut compacted = String::with_capacity(text.len());
    let mut in_string = false;
    let mut escaped = false;
    for character in text.chars() {
        if in_string {
            compacted.push(character);
            if escaped {
                escaped = false;
            } else if character == '\\' {
                escaped = true;
            } else if character == '"' {
                in_string = false;
            }
        } else if !matches!(character, ' ' | '\t' | '\n' | '\r') {
            if character == '"' {
                in_string = true;
            }
            compacted.push(character);
        }
    }
    compacted
}
