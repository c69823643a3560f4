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

pub mod mint;

use std::cell::OnceCell;
use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::http::{HeaderMap, header};
use herald_wire::protocol::TOKEN_COOKIE;
use herald_wire::{Topic, TopicPattern};
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::{Deserialize, Serialize};

use crate::hub::Visibility;

/// The shortest HS256 secret taken: fewer bytes are guessable offline
/// (RFC 7518 3.2).
const MIN_SECRET_BYTES: usize = 32;

/// How the placeholder secrets of examples begin (`deploy/herald.env`
/// ships `change-me-to-at-least-thirty-two-random-bytes`): long enough to
/// pass as a secret, and known to everyone who read the example.
const PLACEHOLDER: &str = "change-me";

/// Checks that `text` can be an HS256 secret: long enough, and not an
/// example's placeholder left unedited.
///
/// # Errors
/// A message for the command line saying which.
pub(crate) fn check_secret(text: &str) -> Result<(), String> {
    if text.len() < MIN_SECRET_BYTES {
        return Err(format!(
            "an HS256 secret needs at least {MIN_SECRET_BYTES} bytes"
        ));
    }
    let start = text.get(..PLACEHOLDER.len()).unwrap_or_default();
    if start.eq_ignore_ascii_case(PLACEHOLDER) {
        return Err(
            "this is an example's placeholder, not a secret; make one with `openssl rand -hex 32`"
                .to_owned(),
        );
    }
    Ok(())
}

/// Seconds a token's `exp` and `nbf` may be off, for clocks that disagree.
const LEEWAY_SECONDS: u64 = 5;

/// The key tokens are verified with; its `Debug` shows no secret.
#[derive(Clone)]
pub struct VerifyingKey {
    key: DecodingKey,
    algorithm: Algorithm,
}

impl std::fmt::Debug for VerifyingKey {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "VerifyingKey({:?})", self.algorithm)
    }
}

impl VerifyingKey {
    /// An HS256 key from a shared secret, for `--jwt-secret`.
    ///
    /// # Errors
    /// A message for the command line when the secret is too short to be
    /// one, or a placeholder (`check_secret`).
    pub fn secret(text: &str) -> Result<Self, String> {
        check_secret(text)?;
        let key = DecodingKey::from_secret(text.as_bytes()).map_err(|error| error.to_string())?;
        Ok(Self {
            key,
            algorithm: Algorithm::HS256,
        })
    }

    /// An RS256 or ES256 (P-256) public key from a PEM file, for
    /// `--jwt-public-key`; the algorithm follows from the key.
    ///
    /// # Errors
    /// A message for the command line when the file cannot be read or holds
    /// neither kind of key.
    pub fn public_key_file(path: &str) -> Result<Self, String> {
        let path = PathBuf::from(path);
        let pem = std::fs::read(&path)
            .map_err(|error| format!("cannot read {}: {error}", path.display()))?;
        Self::public_key(&pem).map_err(|()| not_a_key(&path))
    }

    fn public_key(pem: &[u8]) -> Result<Self, ()> {
        if let Ok(key) = DecodingKey::from_rsa_pem(pem) {
            return Ok(Self {
                key,
                algorithm: Algorithm::RS256,
            });
        }
        DecodingKey::from_ec_pem(pem)
            .map(|key| Self {
                key,
                algorithm: Algorithm::ES256,
            })
            .map_err(drop)
    }
}

fn not_a_key(path: &Path) -> String {
    format!(
        "{} holds no RSA or EC (P-256) public key in PEM",
        path.display()
    )
}

/// Why a request's token does not let it do what it asks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum AuthError {
    /// No token where one is needed.
    #[error("{0} needs a token: {1}")]
    Missing(String, &'static str),
    /// Not a JWT, or not one this hub can read.
    #[error("the token is not a valid JWT: {0}")]
    Malformed(String),
    /// Signed with another algorithm than the configured one.
    #[error("the token is not signed with {0:?}, the only algorithm this hub accepts")]
    WrongAlgorithm(Algorithm),
    /// The signature does not verify with the configured key.
    #[error("the token's signature does not verify")]
    BadSignature,
    /// Past its `exp`.
    #[error("the token has expired")]
    Expired,
    /// Before its `nbf`.
    #[error("the token is not valid yet")]
    NotYetValid,
    /// Valid, but its patterns do not allow this.
    #[error("the token does not allow {0}")]
    Forbidden(String),
    /// Its `aud` names none of `--jwt-audience`.
    #[error("the token is for another audience (its `aud` is none of this hub's)")]
    WrongAudience,
    /// Its `iss` names none of `--jwt-issuer`.
    #[error("the token is from another issuer (its `iss` is none of this hub's)")]
    WrongIssuer,
    /// It lacks a claim this hub requires (`aud`, `iss`).
    #[error("the token has no `{0}` claim, which this hub requires")]
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

#[derive(Debug)]
struct Verifier {
    key: VerifyingKey,
    validation: Validation,
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
    pub(crate) fn new(
        key: Option<&VerifyingKey>,
        private: &[TopicPattern],
        audience: &[String],
        issuer: &[String],
    ) -> Self {
        let verifier = key.map(|key| {
            let mut validation = Validation::new(key.algorithm);
            validation.leeway = LEEWAY_SECONDS;
            validation.validate_nbf = true;
            validation.required_spec_claims = HashSet::new();
            // Checked only when configured, and then required: a token
            // without the claim is not one for this hub either.
            validation.validate_aud = !audience.is_empty();
            if !audience.is_empty() {
                validation.set_audience(audience);
                validation.required_spec_claims.insert("aud".to_owned());
            }
            if !issuer.is_empty() {
                validation.set_issuer(issuer);
                validation.required_spec_claims.insert("iss".to_owned());
            }
            Verifier {
                key: key.clone(),
                validation,
            }
        });
        Self {
            verifier,
            private: private.to_vec(),
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

fn verify(verifier: &Verifier, token: &str) -> Result<Claims, AuthError> {
    let Verifier { key, validation } = verifier;
    jsonwebtoken::decode::<Claims>(token, &key.key, validation)
        .map(|data| data.claims)
        .map_err(|error| match error.kind() {
            ErrorKind::InvalidSignature => AuthError::BadSignature,
            ErrorKind::InvalidAlgorithm => AuthError::WrongAlgorithm(key.algorithm),
            ErrorKind::ExpiredSignature => AuthError::Expired,
            ErrorKind::ImmatureSignature => AuthError::NotYetValid,
            ErrorKind::InvalidAudience => AuthError::WrongAudience,
            ErrorKind::InvalidIssuer => AuthError::WrongIssuer,
            ErrorKind::MissingRequiredClaim(claim) => AuthError::MissingClaim(claim.clone()),
            _ => AuthError::Malformed(error.to_string()),
        })
}
