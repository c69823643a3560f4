//! Who may publish and who may read private topics: JWTs whose `herald`
//! claim lists topic patterns.
//!
//! ```json
//! {"herald": {"publish": ["chat/*"], "subscribe": ["private/alice/*"]}, "exp": 1767225600}
//! ```
//!
//! Off unless a key is configured (`--jwt-secret` for HS256,
//! `--jwt-public-key` for RS256 or ES256); then every publish needs
//! `Authorization: Bearer <jwt>` whose publish patterns match its topic,
//! and reading a topic that a `--private-topics` pattern matches needs a
//! token whose subscribe patterns cover what is read. Browsers cannot set
//! headers on an `EventSource`, so reads also take the token from the
//! `herald_token` cookie or the `token` query parameter. Only the configured
//! algorithm verifies (`alg: none` is not one), and `exp` and `nbf` are
//! checked with a small leeway for clocks that disagree.

#[cfg(feature = "jwt")]
mod jwt;
#[cfg(feature = "jwt")]
pub mod mint;

use std::cell::OnceCell;
use std::collections::BTreeSet;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::http::{HeaderMap, header};
use herald_wire::protocol::TOKEN_COOKIE;
use herald_wire::{Topic, TopicPattern};
use serde::{Deserialize, Serialize};

#[cfg(feature = "jwt")]
pub use self::jwt::VerifyingKey;
#[cfg(feature = "jwt")]
use self::jwt::{Verifier, verify};
use crate::hub::Visibility;

/// Seconds a token's `exp` and `nbf` may be off, for clocks that disagree.
const LEEWAY_SECONDS: u64 = 5;

/// Without the `jwt` feature there is no verifier: `Auth`'s is always
/// `None`, and the compiler knows it.
#[cfg(not(feature = "jwt"))]
#[derive(Debug)]
enum Verifier {}

#[cfg(not(feature = "jwt"))]
fn verify(verifier: &Verifier, _token: &str) -> Result<Claims, AuthError> {
    match *verifier {}
}

/// Why a request's token does not let it do what it asks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum AuthError {
    /// No token where one is needed.
    #[error("{0} needs a token: {1}")]
    Missing(String, &'static str),
    /// Not a JWT, or not one this hub can read.
    #[error("the token is not a valid JWT: {0}")]
    #[cfg(feature = "jwt")]
    Malformed(String),
    /// Signed with another algorithm than the configured one.
    #[error("the token is not signed with {0}, the only algorithm this hub accepts")]
    #[cfg(feature = "jwt")]
    WrongAlgorithm(String),
    /// The signature does not verify with the configured key.
    #[error("the token's signature does not verify")]
    #[cfg(feature = "jwt")]
    BadSignature,
    /// Past its `exp`.
    #[error("the token has expired")]
    #[cfg(feature = "jwt")]
    Expired,
    /// Before its `nbf`.
    #[error("the token is not valid yet")]
    #[cfg(feature = "jwt")]
    NotYetValid,
    /// Valid, but its patterns do not allow this.
    #[error("the token does not allow {0}")]
    Forbidden(String),
    /// Its `aud` names none of `--jwt-audience`.
    #[error("the token is for another audience (its `aud` is none of this hub's)")]
    #[cfg(feature = "jwt")]
    WrongAudience,
    /// Its `iss` names none of `--jwt-issuer`.
    #[error("the token is from another issuer (its `iss` is none of this hub's)")]
    #[cfg(feature = "jwt")]
    WrongIssuer,
    /// It lacks a claim this hub requires (`aud`, `iss`).
    #[error("the token has no `{0}` claim, which this hub requires")]
    #[cfg(feature = "jwt")]
    MissingClaim(String),
    /// A topic of the hub's own, on a hub without tokens.
    #[error(
        "topics under {prefix} are the hub's own: publishing to {0} needs a hub with a token key \
         and a token that grants it",
        prefix = herald_wire::SYSTEM_PREFIX
    )]
    Reserved(Topic),
}

impl AuthError {
    /// Whether the token is fine and only its grants fall short (403), not
    /// missing or invalid (401).
    pub(crate) fn is_forbidden(&self) -> bool {
        matches!(self, Self::Forbidden(_) | Self::Reserved(_))
    }
}

/// The claims Herald reads, and `herald token` writes.
#[derive(Debug, Deserialize, Serialize)]
struct Claims {
    #[serde(default)]
    herald: Grants,
    #[serde(skip_serializing_if = "Option::is_none")]
    exp: Option<u64>,
}

/// What a token allows, as topic patterns.
#[derive(Debug, Default, Deserialize, Serialize)]
struct Grants {
    #[serde(default)]
    publish: Vec<TopicPattern>,
    #[serde(default)]
    subscribe: Vec<TopicPattern>,
}

/// The hub's access rules: off, or a key and the private topics.
#[derive(Debug)]
pub(crate) struct Auth {
    verifier: Option<Verifier>,
    private: Vec<TopicPattern>,
}

/// What a read may do, once allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Access {
    /// When the token it read with expires: a stream ends then. `None` for
    /// public topics, tokens without `exp`, and an `exp` past what the
    /// clock can hold.
    pub(crate) until: Option<SystemTime>,
}

impl Auth {
    /// The rules `key` and `private` set, with the `audience` and `issuer`
    /// a token must name when they are not empty; off without a key.
    #[cfg(feature = "jwt")]
    pub(crate) fn new(
        key: Option<&VerifyingKey>,
        private: &[TopicPattern],
        audience: &[String],
        issuer: &[String],
    ) -> Self {
        Self {
            verifier: key.map(|key| Verifier::new(key, audience, issuer)),
            private: private.to_vec(),
        }
    }

    /// Without the `jwt` feature: no token can verify, so every topic is
    /// public and publishing open but for the hub's own topics.
    #[cfg(not(feature = "jwt"))]
    pub(crate) fn open() -> Self {
        Self {
            verifier: None,
            private: Vec::new(),
        }
    }

    /// Whether tokens are checked at all (a key is set).
    pub(crate) fn checks_tokens(&self) -> bool {
        self.verifier.is_some()
    }

    /// Checks that the request's bearer token may publish to `topic`.
    ///
    /// # Errors
    /// [`AuthError`] when auth is on and the token is missing, invalid, or
    /// does not allow the topic; [`AuthError::Reserved`] for a topic under
    /// [`herald_wire::SYSTEM_PREFIX`] when auth is off.
    pub(crate) fn publish(&self, headers: &HeaderMap, topic: &Topic) -> Result<(), AuthError> {
        let Some(verifier) = &self.verifier else {
            if topic.as_str().starts_with(herald_wire::SYSTEM_PREFIX) {
                return Err(AuthError::Reserved(topic.clone()));
            }
            return Ok(());
        };
        let token = bearer(headers).ok_or(AuthError::Missing(
            "publishing".to_owned(),
            "send `Authorization: Bearer <jwt>`",
        ))?;
        let claims = verify(verifier, token)?;
        if claims
            .herald
            .publish
            .iter()
            .any(|allowed| allowed.matches(topic))
        {
            Ok(())
        } else {
            Err(AuthError::Forbidden(format!("publishing to {topic}")))
        }
    }

    /// The reads a request with `token` may make; its token is verified
    /// once, when a private topic first needs it, however many topics the
    /// request asks about.
    pub(crate) fn reader<'a>(&'a self, token: Option<&'a str>) -> Reader<'a> {
        Reader {
            auth: self,
            token,
            claims: OnceCell::new(),
        }
    }
}

/// One request's reads: its token, and the claims it carries once verified.
pub(crate) struct Reader<'a> {
    auth: &'a Auth,
    token: Option<&'a str>,
    claims: OnceCell<Result<Claims, AuthError>>,
}

impl Reader<'_> {
    /// Checks that the request may read `patterns`: always, for patterns
    /// that reach no private topic; otherwise the token's subscribe
    /// patterns must cover every private part of them.
    ///
    /// # Errors
    /// [`AuthError`] naming the first pattern the token does not allow.
    pub(crate) fn read(&self, patterns: &BTreeSet<TopicPattern>) -> Result<Access, AuthError> {
        let Some(verifier) = &self.auth.verifier else {
            return Ok(Access { until: None });
        };
        let private: Vec<(&TopicPattern, TopicPattern)> = patterns
            .iter()
            .flat_map(|pattern| {
                self.auth
                    .private
                    .iter()
                    .filter_map(move |private| Some((pattern, pattern.overlap(private)?)))
            })
            .collect();
        let Some((first, _)) = private.first() else {
            return Ok(Access { until: None });
        };
        let token = self.token.ok_or_else(|| {
            AuthError::Missing(
                format!("reading {first}"),
                "send the herald_token cookie or the token parameter",
            )
        })?;
        let claims = self
            .claims
            .get_or_init(|| verify(verifier, token))
            .as_ref()
            .map_err(Clone::clone)?;
        for (pattern, part) in &private {
            if !claims
                .herald
                .subscribe
                .iter()
                .any(|allowed| allowed.covers(part))
            {
                return Err(AuthError::Forbidden(format!("reading {pattern}")));
            }
        }
        Ok(Access {
            // An `exp` past what the clock can hold is a token without
            // expiry in practice: no stream lives that long.
            until: claims.exp.and_then(|exp| {
                UNIX_EPOCH.checked_add(Duration::from_secs(exp.saturating_add(LEEWAY_SECONDS)))
            }),
        })
    }

    /// Whether the request may see that `topic` exists: public topics
    /// always, private ones with a valid token that may read them.
    pub(crate) fn may_see(&self, topic: &Topic) -> bool {
        let pattern = BTreeSet::from([TopicPattern::Exact(topic.clone())]);
        self.read(&pattern).is_ok()
    }

    /// [`Reader::may_see`] for a list of topics: when the request may not
    /// see `topic`, and its token grants nothing under the private prefix
    /// that hides it, every name under that prefix is hidden too.
    pub(crate) fn visibility(&self, topic: &Topic) -> Visibility {
        if self.may_see(topic) {
            return Visibility::Shown;
        }
        let granted: &[TopicPattern] = match self.claims.get() {
            Some(Ok(claims)) => &claims.herald.subscribe,
            _ => &[],
        };
        self.auth
            .private
            .iter()
            .filter(|private| private.matches(topic))
            .filter(|private| granted.iter().all(|grant| grant.overlap(private).is_none()))
            .find_map(TopicPattern::prefix)
            .map_or(Visibility::Hidden, Visibility::HiddenUnder)
    }
}

/// The token of a read request: the `token` query parameter, the
/// `herald_token` cookie, or a bearer token, in that order.
pub(crate) fn read_token<'a>(
    headers: &'a HeaderMap,
    parameter: Option<&'a str>,
) -> Option<&'a str> {
    parameter
        .or_else(|| cookie(headers))
        .or_else(|| bearer(headers))
}

/// The token of an `Authorization: Bearer` header, unverified.
pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

fn cookie(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .find_map(|pair| {
            let (name, value) = pair.trim().split_once('=')?;
            (name == TOKEN_COOKIE).then_some(value)
        })
}
