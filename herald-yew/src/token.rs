//! [`Token`]: what a reader sends so the hub lets it read private topics
//! (and publish), as it travels.
//!
//! It goes to the hub as `Authorization: Bearer` on `fetch` requests
//! ([`crate::http::send`], the history) and as the
//! [`TOKEN_PARAM`](herald_wire::protocol::TOKEN_PARAM) query parameter on the
//! stream URL, because an `EventSource` cannot send headers (the app puts
//! it there when it builds the URL, with [`herald_wire::protocol`]).
//!
//! A site that logs its readers in may instead set the
//! [`TOKEN_COOKIE`](herald_wire::protocol::TOKEN_COOKIE) cookie, `HttpOnly`, and
//! send no token: every request of the hook (the stream, the check of a
//! refused stream, the history) goes to the page's own origin, where the
//! browser sends the cookie by itself (`EventSource` and `fetch` send
//! same-origin cookies by default), so the page needs no code for it.

use std::fmt;

/// A token as the reader entered it: non-empty, without whitespace (a JWT
/// has none, so any is a paste mistake).
///
/// # Examples
///
/// ```
/// use herald_wire::protocol::{EVENTS_PATH, Query, TOKEN_PARAM};
/// use herald_yew::{Token, TokenError};
///
/// // What a reader pasted, with the line break of the copy.
/// let token = Token::parse("  eyJhbGciOi.eyJzdWIi.c2lnbmF0dXJl\n")?;
/// assert_eq!(token.as_str(), "eyJhbGciOi.eyJzdWIi.c2lnbmF0dXJl");
/// assert_eq!(token.bearer(), "Bearer eyJhbGciOi.eyJzdWIi.c2lnbmF0dXJl");
///
/// // An `EventSource` cannot send headers: the stream URL carries it.
/// let url = Query::new()
///     .topics(["private/orders"])
///     .param(TOKEN_PARAM, token.as_str())
///     .url(EVENTS_PATH);
/// assert_eq!(url, "/api/events?topic=private/orders&token=eyJhbGciOi.eyJzdWIi.c2lnbmF0dXJl");
///
/// // It never shows in a log.
/// assert_eq!(format!("{token:?}"), "Token(..)");
/// assert_eq!(Token::parse("  "), Err(TokenError::Empty));
/// assert_eq!(Token::parse("eyJ abc"), Err(TokenError::Whitespace));
/// # Ok::<(), TokenError>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

/// Why a text is not a [`Token`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Nothing but whitespace was entered.
    #[error("the token is empty")]
    Empty,
    /// The text has whitespace inside it.
    #[error("a token has no spaces or line breaks")]
    Whitespace,
}

impl Token {
    /// The token in `text`, ignoring whitespace around it.
    ///
    /// # Errors
    /// [`TokenError::Empty`] for blank text, [`TokenError::Whitespace`]
    /// when whitespace remains inside it.
    pub fn parse(text: &str) -> Result<Self, TokenError> {
        let text = text.trim();
        if text.is_empty() {
            Err(TokenError::Empty)
        } else if text.contains(char::is_whitespace) {
            Err(TokenError::Whitespace)
        } else {
            Ok(Self(text.to_owned()))
        }
    }

    /// The token's text, as sent to the hub.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The `Authorization` header value that carries it.
    pub fn bearer(&self) -> String {
        format!("Bearer {}", self.0)
    }
}

/// Never shows the token itself, so it cannot end up in a log or a panic
/// message.
impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_trimmed_and_must_be_one_word() {
        let token = Token::parse("  eyJ.abc.def\n").unwrap();
        assert_eq!(token.as_str(), "eyJ.abc.def");
        assert_eq!(token.bearer(), "Bearer eyJ.abc.def");
        assert_eq!(Token::parse(" \t"), Err(TokenError::Empty));
        assert_eq!(Token::parse("eyJ.abc def"), Err(TokenError::Whitespace));
    }

    #[test]
    fn debug_hides_the_token() {
        let token = Token::parse("secret.value.here").unwrap();
        assert_eq!(format!("{token:?}"), "Token(..)");
    }
}
