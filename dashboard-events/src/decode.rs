//! Reading a [`Payload`] from JSON text: its `type` first, then a typed
//! kind's struct ([`decode::fields`](herald_wire::decode::fields)), or any other
//! kind's whole text as [`Untyped`].

#[cfg(test)]
mod tests;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;

use herald_wire::Kind;
use herald_wire::decode::{DecodeError, fields, kind};

use crate::{Json, Payload, Untyped, kinds};

impl Payload {
    /// Decodes a payload from JSON text: the `type` names the kind, and the
    /// kind's struct is read from the same text.
    ///
    /// Takes a request body's bytes as well as a `str`: serde_json checks
    /// that what the payload keeps is UTF-8 as it reads it, so a body needs
    /// no pass of its own for that.
    ///
    /// # Errors
    /// [`DecodeError`]: malformed JSON, no `type`, an unknown `type`, or the
    /// first field that is not the kind's, with its JSON path.
    ///
    /// # Examples
    ///
    /// ```
    /// use herald_dashboard_events::{Chat, Payload};
    /// use herald_wire::DecodeError;
    ///
    /// // A request body's bytes, or a `str`.
    /// let chat = Payload::from_json(br#"{"type":"chat","author":"ada","text":"hi"}"#)?;
    /// assert_eq!(chat, Payload::Chat(Chat { author: "ada".into(), text: "hi".into() }));
    ///
    /// let refused = Payload::from_json(r#"{"type":"metrics","cpu_total":"high"}"#);
    /// assert!(matches!(refused, Err(DecodeError::Field { path, .. }) if path == "cpu_total"));
    /// let untagged = Payload::from_json(r#"{"author":"ada","text":"hi"}"#);
    /// assert!(matches!(untagged, Err(DecodeError::MissingType)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_json(json: impl AsRef<[u8]>) -> Result<Self, DecodeError> {
        let json = json.as_ref();
        let kind = kind(json)?;
        Ok(if kind == kinds::METRICS {
            Self::Metrics(fields(json)?)
        } else if kind == kinds::CHAT {
            Self::Chat(fields(json)?)
        } else if kind == kinds::NOTICE {
            Self::Notice(fields(json)?)
        } else if kind == kinds::LATENCY_PROBE {
            Self::LatencyProbe(fields(json)?)
        } else if kind == kinds::HUB_STATS {
            Self::HubStats(fields(json)?)
        } else if kind == kinds::JSON {
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

/// A payload of a kind Herald does not type: the whole object, on one line.
fn untyped(kind: Kind, json: &[u8]) -> Result<Untyped, DecodeError> {
    // Read as one raw value, which checks that the text is UTF-8.
    let raw = serde_json::from_slice::<Box<RawValue>>(json).map_err(DecodeError::Syntax)?;
    let json = Json::from_text(raw.get()).map_err(DecodeError::Syntax)?;
    Ok(Untyped { kind, json })
}
