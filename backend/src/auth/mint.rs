//! `herald token`: mints an HS256 token for a hub started with
//! `--jwt-secret`, so an operator can try private topics, or hand a program
//! its publish rights, with one command and no other tool.
//!
//! A site that signs in its users mints tokens in its own login service
//! instead (any JWT library; RS256 or ES256 with `--jwt-public-key` keeps
//! the signing key off the hub). Herald reads the same claims from both.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use herald_wire::TopicPattern;
use jsonwebtoken::{Algorithm, EncodingKey, Header};

use super::jwt::check_secret;
use super::{Claims, Grants};

/// Options of `herald token`.
///
/// Parsed as part of a program's own command line; see [`mint`].
#[derive(Debug, Clone, clap::Args)]
pub struct TokenOptions {
    /// The secret the hub verifies tokens with (its `--jwt-secret`).
    #[arg(long, env = "HERALD_JWT_SECRET", hide_env_values = true,
          value_parser = Secret::parse)]
    jwt_secret: Secret,

    /// A topic or pattern the token may publish to (repeatable).
    #[arg(long, value_parser = |text: &str| TopicPattern::parse(text))]
    publish: Vec<TopicPattern>,

    /// A topic or pattern the token may read, private ones included
    /// (repeatable).
    #[arg(long, value_parser = |text: &str| TopicPattern::parse(text))]
    subscribe: Vec<TopicPattern>,

    /// Seconds the token is valid for.
    #[arg(long, default_value_t = 3600,
          value_parser = clap::value_parser!(u64).range(1..=366 * 24 * 3600))]
    expires_in: u64,
}

/// A signing secret; its `Debug` shows nothing of it.
#[derive(Clone)]
struct Secret(String);

impl fmt::Debug for Secret {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("Secret(..)")
    }
}

impl Secret {
    fn parse(text: &str) -> Result<Self, String> {
        check_secret(text)?;
        Ok(Self(text.to_owned()))
    }
}

/// Why no token could be made.
#[derive(Debug, thiserror::Error)]
#[error("cannot sign the token: {0}")]
pub struct MintError(#[from] jsonwebtoken::errors::Error);

/// The token `options` ask for, valid from `now` for their `expires_in`.
///
/// # Errors
/// [`MintError`] if signing fails.
///
/// # Examples
///
/// A token that may publish to `chat/*`, for a hub with the same secret:
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use std::time::SystemTime;
///
/// use axum::body::Body;
/// use axum::http::{Request, StatusCode, header};
/// use clap::Parser;
/// use herald_dashboard_events::Payload;
/// use herald_hub::Herald;
/// use herald_hub::auth::mint::{TokenOptions, mint};
/// use tower::ServiceExt;
///
/// #[derive(Parser)]
/// struct Token {
///     #[command(flatten)]
///     options: TokenOptions,
/// }
///
/// const SECRET: &str = "a secret of at least thirty-two bytes";
/// let token = Token::try_parse_from(["token", "--jwt-secret", SECRET, "--publish", "chat/*"])?;
/// let token = mint(&token.options, SystemTime::now())?;
///
/// let herald = Herald::<Payload>::builder().jwt_secret(SECRET).build().await?;
/// let publish = |bearer: Option<&str>| {
///     let request = Request::post("/topics/chat/lobby")
///         .header(header::CONTENT_TYPE, "application/json");
///     let request = match bearer {
///         Some(token) => request.header(header::AUTHORIZATION, format!("Bearer {token}")),
///         None => request,
///     };
///     request.body(Body::from(r#"{"type":"chat","author":"ada","text":"hi"}"#))
/// };
/// let app = axum::Router::new().merge(herald.router());
/// let with = app.clone().oneshot(publish(Some(&token))?).await?;
/// assert_eq!(with.status(), StatusCode::ACCEPTED);
/// let without = app.oneshot(publish(None)?).await?;
/// assert_eq!(without.status(), StatusCode::UNAUTHORIZED);
/// herald.close().await;
/// # Ok(())
/// # }
/// ```
pub fn mint(options: &TokenOptions, now: SystemTime) -> Result<String, MintError> {
    let expires = now + Duration::from_secs(options.expires_in);
    let claims = Claims {
        herald: Grants {
            publish: options.publish.clone(),
            subscribe: options.subscribe.clone(),
        },
        exp: Some(unix_seconds(expires)),
    };
    let key = EncodingKey::from_secret(options.jwt_secret.0.as_bytes())?;
    Ok(jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &key,
    )?)
}

fn unix_seconds(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs())
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::auth::{Auth, VerifyingKey};

    const SECRET: &str = "a test secret of at least thirty-two bytes";

    #[derive(Parser)]
    struct Command {
        #[command(flatten)]
        options: TokenOptions,
    }

    fn options(args: &[&str]) -> Result<TokenOptions, clap::Error> {
        let argv = ["token", "--jwt-secret", SECRET].iter().chain(args);
        Command::try_parse_from(argv).map(|command| command.options)
    }

    #[test]
    fn a_minted_token_grants_what_it_names_until_it_expires() {
        let options = options(&["--publish", "chat/*", "--subscribe", "private/alice/*"]).unwrap();
        let token = mint(&options, SystemTime::now()).unwrap();
        let private = [TopicPattern::parse("private/*").unwrap()];
        let auth = Auth::new(
            Some(&VerifyingKey::secret(SECRET).unwrap()),
            &private,
            &[],
            &[],
        );
        let patterns = |names: &[&str]| {
            names
                .iter()
                .map(|name| TopicPattern::parse(name).unwrap())
                .collect()
        };
        let reader = auth.reader(Some(&token));
        let access = reader.read(&patterns(&["private/alice/inbox"])).unwrap();
        let until = access.until.expect("the token expires");
        let left = until.duration_since(SystemTime::now()).unwrap();
        // An hour from now, and the hub's leeway for clocks that disagree.
        let hour = Duration::from_secs(3600);
        assert!(
            left > hour - Duration::from_secs(60) && left <= hour + Duration::from_secs(5),
            "{left:?}"
        );
        assert!(reader.read(&patterns(&["private/bob/inbox"])).is_err());

        let expired = mint(&options, SystemTime::now() - Duration::from_secs(7200)).unwrap();
        let reader = auth.reader(Some(&expired));
        assert!(reader.read(&patterns(&["private/alice/inbox"])).is_err());
    }

    #[test]
    fn a_short_secret_or_a_bad_pattern_is_refused() {
        let short = Command::try_parse_from(["token", "--jwt-secret", "short"]);
        assert!(short.is_err());
        assert!(options(&["--subscribe", "chat/*/x"]).is_err());
        assert!(options(&["--expires-in", "0"]).is_err());
    }

    #[test]
    fn the_secret_is_never_shown() {
        let shown = format!("{:?}", options(&[]).unwrap());
        assert!(!shown.contains(SECRET), "{shown}");
    }
}
