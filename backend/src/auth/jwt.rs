//! Verifying JWTs: the key of `--jwt-secret` or `--jwt-public-key`, and
//! the checks every token passes (the configured algorithm only, `exp` and
//! `nbf` with a leeway, `aud` and `iss` when configured).

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};

use super::{AuthError, Claims, LEEWAY_SECONDS};

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
pub(super) fn check_secret(text: &str) -> Result<(), String> {
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
    ///
    /// # Examples
    ///
    /// ```
    /// use herald_hub::auth::VerifyingKey;
    ///
    /// let key = VerifyingKey::secret("a secret of at least thirty-two bytes")?;
    /// assert_eq!(format!("{key:?}"), "VerifyingKey(HS256)", "the secret is not shown");
    /// assert!(VerifyingKey::secret("hunter2").is_err(), "too short to be one");
    /// # Ok::<(), String>(())
    /// ```
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
    ///
    /// # Examples
    ///
    /// ```
    /// let missing = herald_hub::auth::VerifyingKey::public_key_file("/nonexistent/key.pem");
    /// assert!(missing.is_err_and(|message| message.contains("/nonexistent/key.pem")));
    /// ```
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

/// A key and the checks a token must pass with it.
#[derive(Debug)]
pub(super) struct Verifier {
    key: VerifyingKey,
    validation: Validation,
}

impl Verifier {
    /// Checks by `key`, requiring `audience` and `issuer` when they are
    /// not empty.
    pub(super) fn new(key: &VerifyingKey, audience: &[String], issuer: &[String]) -> Self {
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
        Self {
            key: key.clone(),
            validation,
        }
    }
}

/// The claims of `token`, once it verifies.
pub(super) fn verify(verifier: &Verifier, token: &str) -> Result<Claims, AuthError> {
    let Verifier { key, validation } = verifier;
    jsonwebtoken::decode::<Claims>(token, &key.key, validation)
        .map(|data| data.claims)
        .map_err(|error| match error.kind() {
            ErrorKind::InvalidSignature => AuthError::BadSignature,
            ErrorKind::InvalidAlgorithm => {
                AuthError::WrongAlgorithm(format!("{:?}", key.algorithm))
            }
            ErrorKind::ExpiredSignature => AuthError::Expired,
            ErrorKind::ImmatureSignature => AuthError::NotYetValid,
            ErrorKind::InvalidAudience => AuthError::WrongAudience,
            ErrorKind::InvalidIssuer => AuthError::WrongIssuer,
            ErrorKind::MissingRequiredClaim(claim) => AuthError::MissingClaim(claim.clone()),
            _ => AuthError::Malformed(error.to_string()),
        })
}
