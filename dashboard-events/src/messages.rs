//! The dashboard's own messages: [`Chat`] and [`Notice`].

use serde::{Deserialize, Serialize};

/// A chat message.
///
/// # Examples
///
/// ```
/// use herald_dashboard_events::{Chat, Payload};
///
/// let chat = Payload::Chat(Chat { author: "ada".into(), text: "hi".into() });
/// assert_eq!(serde_json::to_string(&chat)?, r#"{"type":"chat","author":"ada","text":"hi"}"#);
///
/// // Both fields are needed; the refusal names the missing one.
/// let refused = Payload::from_json(r#"{"type":"chat","author":"ada"}"#);
/// assert_eq!(refused.err().as_ref().and_then(|e| e.path()), Some("text"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Chat {
    /// Who wrote it.
    pub author: String,
    /// What they wrote.
    pub text: String,
}

/// A notice for whoever is watching.
///
/// # Examples
///
/// ```
/// use herald_dashboard_events::{Notice, NoticeLevel, Payload};
///
/// let notice = Payload::Notice(Notice {
///     level: NoticeLevel::Warning,
///     text: "restarting in 5 minutes".into(),
/// });
/// assert_eq!(
///     serde_json::to_string(&notice)?,
///     r#"{"type":"notice","level":"warning","text":"restarting in 5 minutes"}"#
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    /// How serious it is.
    pub level: NoticeLevel,
    /// What to tell.
    pub text: String,
}

/// Severity of a [`Notice`].
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeLevel {
    /// For information.
    Info,
    /// Something needs attention.
    Warning,
    /// Something failed.
    Error,
}
