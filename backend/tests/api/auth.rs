//! Tokens: who may publish, who may read private topics, and how each
//! refusal reads. Tokens are signed here with the test keys in
//! `tests/fixtures/`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use herald_wire::protocol::{HISTORY_PATH, TOKEN_COOKIE, TOKEN_PARAM, TOPICS_PATH, publish_path};
use herald_wire::{ErrorCode, TopicList};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::StatusCode;
use serde_json::json;
use testkit::{TestApp, chat, error_body, query, spawn_app, text_of};

pub(crate) const SECRET: &str = "a test secret of at least thirty-two bytes";

fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// An HS256 token signed with `secret` carrying `claims`.
fn token_with(secret: &str, claims: &serde_json::Value) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()).unwrap(),
    )
    .unwrap()
}

/// A token of the test secret that may publish and subscribe to these
/// patterns, valid for an hour.
pub(crate) fn token(publish: &[&str], subscribe: &[&str]) -> String {
    token_with(
        SECRET,
        &json!({"herald": {"publish": publish, "subscribe": subscribe}, "exp": now() + 3600}),
    )
}

/// A hub with tokens on, `private/*` private.
pub(crate) async fn secured() -> TestApp {
    spawn_app(&["--jwt-secret", SECRET, "--private-topics", "private/*"]).await
}

/// Publishes a chat to `topic` with `authorization` as the header, if any.
pub(crate) async fn publish_with(
    app: &TestApp,
    topic: &str,
    authorization: Option<&str>,
) -> reqwest::Response {
    let mut request = app
        .client
        .post(app.url(&publish_path(topic)))
        .json(&chat("hi"));
    if let Some(value) = authorization {
        request = request.header("authorization", value);
    }
    request.send().await.unwrap()
}

/// Expects a 401 whose message says `reason`.
async fn unauthorized(response: reqwest::Response, reason: &str) {
    assert_eq!(
        response.headers()["www-authenticate"],
        r#"Bearer realm="herald""#
    );
    let body = error_body(response, StatusCode::UNAUTHORIZED).await;
    assert_eq!(body.code, ErrorCode::Unauthorized);
    assert!(body.message.contains(reason), "{}", body.message);
}

#[tokio::test]
async fn the_hubs_own_topics_take_publishes_only_from_a_token_that_grants_them() {
    // No token key: anyone may publish, but not as the hub.
    let open = spawn_app(&[]).await;
    for topic in [
        herald_dashboard_events::METRICS_TOPIC,
        herald_dashboard_events::HUB_TOPIC,
        "system/other",
    ] {
        let body = error_body(
            publish_with(&open, topic, None).await,
            StatusCode::FORBIDDEN,
        )
        .await;
        assert_eq!(body.code, ErrorCode::Forbidden, "{topic}");
        assert!(body.message.contains("system/"), "{}", body.message);
    }
    assert_eq!(
        publish_with(&open, "systems/a", None).await.status(),
        StatusCode::ACCEPTED
    );
    // With tokens: only one whose grants name them.
    let app = secured().await;
    let bearer = |token: String| format!("Bearer {token}");
    let chat_only = bearer(token(&["chat/*"], &[]));
    let response = publish_with(&app, herald_dashboard_events::HUB_TOPIC, Some(&chat_only)).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let operator = bearer(token(&["system/*"], &[]));
    let response = publish_with(&app, herald_dashboard_events::HUB_TOPIC, Some(&operator)).await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
}

#[tokio::test]
async fn a_configured_audience_and_issuer_are_required_of_every_token() {
    let app = spawn_app(&[
        "--jwt-secret",
        SECRET,
        "--jwt-audience",
        "herald-test",
        "--jwt-issuer",
        "issuer-a,issuer-b",
    ])
    .await;
    let signed = |extra: serde_json::Value| {
        let mut claims = json!({"herald": {"publish": ["*"]}, "exp": now() + 60});
        claims
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        format!("Bearer {}", token_with(SECRET, &claims))
    };
    for (extra, reason) in [
        (json!({"aud": "elsewhere", "iss": "issuer-a"}), "audience"),
        (json!({"aud": "herald-test", "iss": "issuer-z"}), "issuer"),
        (json!({"iss": "issuer-a"}), "`aud`"),
        (json!({"aud": "herald-test"}), "`iss`"),
    ] {
        unauthorized(
            publish_with(&app, "chat/a", Some(&signed(extra.clone()))).await,
            reason,
        )
        .await;
    }
    for extra in [
        json!({"aud": "herald-test", "iss": "issuer-b"}),
        json!({"aud": ["other", "herald-test"], "iss": "issuer-a"}),
    ] {
        let response = publish_with(&app, "chat/a", Some(&signed(extra.clone()))).await;
        assert_eq!(response.status(), StatusCode::ACCEPTED, "{extra}");
    }
    // Unconfigured, neither is looked at.
    let open = secured().await;
    let response = publish_with(
        &open,
        "chat/a",
        Some(&signed(json!({"aud": "elsewhere", "iss": "anyone"}))),
    )
    .await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
}

#[tokio::test]
async fn publishing_needs_a_valid_token_that_allows_the_topic() {
    let app = secured().await;
    let bearer = |token: String| format!("Bearer {token}");
    unauthorized(
        publish_with(&app, "chat/a", None).await,
        "Authorization: Bearer",
    )
    .await;
    unauthorized(
        publish_with(&app, "chat/a", Some("Bearer not.a.jwt")).await,
        "not a valid JWT",
    )
    .await;
    let other_secret = token_with(
        "another secret, also thirty-two bytes long",
        &json!({"herald": {"publish": ["*"]}}),
    );
    unauthorized(
        publish_with(&app, "chat/a", Some(&bearer(other_secret))).await,
        "signature",
    )
    .await;
    let expired = token_with(
        SECRET,
        &json!({"herald": {"publish": ["*"]}, "exp": now() - 60}),
    );
    unauthorized(
        publish_with(&app, "chat/a", Some(&bearer(expired))).await,
        "expired",
    )
    .await;
    let early = token_with(
        SECRET,
        &json!({"herald": {"publish": ["*"]}, "nbf": now() + 60}),
    );
    unauthorized(
        publish_with(&app, "chat/a", Some(&bearer(early))).await,
        "not valid yet",
    )
    .await;

    let narrow = bearer(token(&["news/*"], &[]));
    let refused = publish_with(&app, "chat/a", Some(&narrow)).await;
    let body = error_body(refused, StatusCode::FORBIDDEN).await;
    assert_eq!(body.code, ErrorCode::Forbidden);
    assert!(
        body.message.contains("publishing to chat/a"),
        "{}",
        body.message
    );
    assert!(
        app.hub
            .history(&query_set(&["chat/a"]), 10)
            .frames
            .is_empty()
    );

    let allowed = publish_with(&app, "news/today", Some(&narrow)).await;
    assert_eq!(allowed.status(), StatusCode::ACCEPTED);
}

fn query_set(names: &[&str]) -> std::collections::BTreeSet<herald_wire::TopicPattern> {
    names
        .iter()
        .map(|name| herald_wire::TopicPattern::parse(name).unwrap())
        .collect()
}

#[tokio::test]
async fn an_unsigned_token_or_another_algorithm_is_refused() {
    let app = secured().await;
    // `alg: none`, an empty signature: what a forger sends.
    let header = base64_url(br#"{"alg":"none","typ":"JWT"}"#);
    let claims = base64_url(br#"{"herald":{"publish":["*"]}}"#);
    let unsigned = format!("Bearer {header}.{claims}.");
    unauthorized(
        publish_with(&app, "t", Some(&unsigned)).await,
        "not a valid JWT",
    )
    .await;
    let es256 = jsonwebtoken::encode(
        &Header::new(Algorithm::ES256),
        &json!({"herald": {"publish": ["*"]}}),
        &EncodingKey::from_ec_pem(&std::fs::read(fixture("es256-private.pem")).unwrap()).unwrap(),
    )
    .unwrap();
    unauthorized(
        publish_with(&app, "t", Some(&format!("Bearer {es256}"))).await,
        "HS256",
    )
    .await;
}

fn base64_url(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

#[tokio::test]
async fn tokens_signed_with_a_public_key_pair_verify() {
    for (algorithm, private, public) in [
        (Algorithm::ES256, "es256-private.pem", "es256-public.pem"),
        (Algorithm::RS256, "rs256-private.pem", "rs256-public.pem"),
    ] {
        let app = spawn_app(&["--jwt-public-key", &fixture(public)]).await;
        let pem = std::fs::read(fixture(private)).unwrap();
        let key = match algorithm {
            Algorithm::ES256 => EncodingKey::from_ec_pem(&pem),
            _ => EncodingKey::from_rsa_pem(&pem),
        }
        .unwrap();
        let claims = json!({"herald": {"publish": ["t"]}, "exp": now() + 60});
        let token = jsonwebtoken::encode(&Header::new(algorithm), &claims, &key).unwrap();
        let published = publish_with(&app, "t", Some(&format!("Bearer {token}"))).await;
        assert_eq!(published.status(), StatusCode::ACCEPTED, "{algorithm:?}");
        let forged = token_with(SECRET, &claims);
        let refused = publish_with(&app, "t", Some(&format!("Bearer {forged}"))).await;
        assert_eq!(refused.status(), StatusCode::UNAUTHORIZED, "{algorithm:?}");
    }
}

#[tokio::test]
async fn public_topics_need_no_token_to_read_and_private_ones_a_token_that_covers_them() {
    let app = secured().await;
    let publisher = format!("Bearer {}", token(&["*"], &[]));
    for topic in ["chat/a", "private/alice/inbox", "private/bob/inbox"] {
        assert_eq!(
            publish_with(&app, topic, Some(&publisher)).await.status(),
            StatusCode::ACCEPTED
        );
    }
    assert_eq!(
        app.get_stream(&query(&["chat/a"]), None).await.status(),
        StatusCode::OK
    );
    for names in [
        &["private/alice/inbox"][..],
        &["private/*"],
        &["*"],
        &["chat/a", "private/alice/inbox"],
    ] {
        let refused = app.get_stream(&query(names), None).await;
        let body = error_body(refused, StatusCode::UNAUTHORIZED).await;
        assert!(body.message.contains("herald_token"), "{}", body.message);
    }
    let alice = token(&[], &["private/alice/*"]);
    let stream = |names: &'static [&'static str], token: &str| {
        let url = app.url(
            &query(names)
                .param(TOKEN_PARAM, token)
                .url(herald_wire::protocol::EVENTS_PATH),
        );
        app.client.get(url).send()
    };
    assert_eq!(
        stream(&["private/alice/inbox"], &alice)
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        stream(&["private/alice/*"], &alice).await.unwrap().status(),
        StatusCode::OK
    );
    for names in [&["private/bob/inbox"][..], &["private/*"], &["*"]] {
        let refused = stream(names, &alice).await.unwrap();
        let body = error_body(refused, StatusCode::FORBIDDEN).await;
        assert!(body.message.contains("reading"), "{}", body.message);
    }
    // History is read the same way, here with the cookie.
    let history = |names: &[&str], cookie: Option<&str>| {
        let mut request = app.client.get(app.url(&query(names).url(HISTORY_PATH)));
        if let Some(token) = cookie {
            request = request.header("cookie", format!("theme=dark; {TOKEN_COOKIE}={token}"));
        }
        request.send()
    };
    assert_eq!(
        history(&["private/alice/inbox"], None)
            .await
            .unwrap()
            .status(),
        StatusCode::UNAUTHORIZED
    );
    let events: herald_wire::EventList<herald_dashboard_events::Payload> =
        history(&["private/alice/inbox"], Some(&alice))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    assert_eq!(events.events.len(), 1);
    assert_eq!(text_of(&events.events[0]), "hi");
}

#[tokio::test]
async fn the_topic_list_names_private_topics_only_to_who_may_read_them() {
    let app = secured().await;
    let publisher = format!("Bearer {}", token(&["*"], &[]));
    for topic in ["chat/a", "private/alice/inbox", "private/bob/inbox"] {
        publish_with(&app, topic, Some(&publisher)).await;
    }
    let names = |list: TopicList| -> Vec<String> {
        list.topics
            .into_iter()
            .map(|info| info.topic.to_string())
            .collect()
    };
    let anonymous: TopicList = app.get(TOPICS_PATH).await.json().await.unwrap();
    assert_eq!(names(anonymous), ["chat/a"]);
    let alice = token(&[], &["private/alice/*"]);
    let url = herald_wire::protocol::Query::new()
        .param(TOKEN_PARAM, &alice)
        .url(TOPICS_PATH);
    let hers: TopicList = app.get(&url).await.json().await.unwrap();
    assert_eq!(names(hers), ["chat/a", "private/alice/inbox"]);
}

#[tokio::test]
async fn a_stream_ends_when_its_token_expires() {
    let app = secured().await;
    // Expired four seconds ago, within the five-second leeway: it opens,
    // and has about a second left.
    let token = token_with(
        SECRET,
        &json!({"herald": {"subscribe": ["private/*"]}, "exp": now() - 4}),
    );
    let url = app.url(
        &query(&["private/x"])
            .param(TOKEN_PARAM, &token)
            .url(herald_wire::protocol::EVENTS_PATH),
    );
    let response = app.client.get(url).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body = tokio::time::timeout(Duration::from_secs(10), response.bytes())
        .await
        .expect("the stream outlived its token")
        .unwrap();
    assert!(body.starts_with(b"retry:"), "{body:?}");
}

#[tokio::test]
async fn a_token_that_expires_past_what_a_clock_can_hold_reads_like_one_without_expiry() {
    let app = secured().await;
    let topic = herald_wire::Topic::parse("private/far").unwrap();
    // Validly signed, and valid: the largest `exp` a signer's 64-bit clock
    // writes, far past what `SystemTime` holds, and one in the year 3000,
    // which it holds but a timer does not.
    for exp in [i64::MAX, 32_503_680_000] {
        let token = token_with(
            SECRET,
            &json!({"herald": {"subscribe": ["private/*"]}, "exp": exp}),
        );
        let mut stream = app
            .open_stream(&query(&["private/far"]).param(TOKEN_PARAM, &token), None)
            .await;
        let id = app.publish_in_process(&topic, chat("still here"));
        assert_eq!(stream.next_event().await.id, id, "exp {exp}");
    }
}

/// Runs `herald serve` with `args` and `env` until it exits (they are all
/// refused at start), returning its exit code and stderr.
fn refused_at_start(args: &[&str], env: &[(&str, &str)]) -> (Option<i32>, String) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_herald"))
        .arg("serve")
        .args(args)
        .envs(env.iter().copied())
        .output()
        .unwrap();
    (
        output.status.code(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

#[test]
fn bad_key_settings_are_refused_by_the_command_line() {
    let (code, stderr) = refused_at_start(&["--jwt-secret", "short"], &[]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("at least 32 bytes"), "{stderr}");
    // The secret the deployment example ships, left unedited.
    let example = std::fs::read_to_string(format!(
        "{}/../deploy/herald.env",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let placeholder = example
        .lines()
        .find_map(|line| line.strip_prefix("HERALD_JWT_SECRET="))
        .expect("the example sets a secret");
    let (code, stderr) = refused_at_start(&[], &[("HERALD_JWT_SECRET", placeholder)]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("placeholder"), "{stderr}");
    let (code, stderr) = refused_at_start(&["--jwt-public-key", &fixture("README.md")], &[]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("no RSA or EC"), "{stderr}");
    let (code, stderr) = refused_at_start(&["--private-topics", "private/*"], &[]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("--jwt"), "{stderr}");
    let (code, stderr) = refused_at_start(
        &["--jwt-public-key", &fixture("es256-public.pem")],
        &[("HERALD_JWT_SECRET", SECRET)],
    );
    assert_eq!(code, Some(2));
    assert!(stderr.contains("cannot be used with"), "{stderr}");
    assert!(!stderr.contains(SECRET), "{stderr}");
}

#[test]
fn the_secret_never_shows_in_help() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_herald"))
        .args(["serve", "--help"])
        .env("HERALD_JWT_SECRET", SECRET)
        .output()
        .unwrap();
    let help = String::from_utf8(output.stdout).unwrap();
    assert!(help.contains("--jwt-secret"), "{help}");
    assert!(!help.contains(SECRET), "{help}");
}

#[tokio::test]
async fn a_publisher_without_a_token_is_refused_before_its_body_is_read() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_app(&["--jwt-secret", SECRET, "--publish-timeout-ms", "60000"]).await;
    let addr = app.address;
    let mut socket = tokio::net::TcpStream::connect(addr).await.unwrap();
    // Headers promising a body that never comes: reading it would wait
    // for the publish timeout.
    let head = format!(
        "POST {} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n",
        publish_path("t")
    );
    socket.write_all(head.as_bytes()).await.unwrap();
    let mut reply = vec![0; 1024];
    let read = tokio::time::timeout(testkit::PATIENCE, socket.read(&mut reply))
        .await
        .expect("the hub waited for the body")
        .unwrap();
    let reply = String::from_utf8_lossy(&reply[..read]);
    assert!(reply.starts_with("HTTP/1.1 401"), "{reply}");
}

#[tokio::test]
async fn herald_token_mints_a_token_the_hub_accepts() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_herald"))
        .args([
            "token",
            "--subscribe",
            "private/alice/*",
            "--publish",
            "private/alice/*",
        ])
        .env("HERALD_JWT_SECRET", SECRET)
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let token = String::from_utf8(output.stdout).unwrap().trim().to_owned();
    let app = secured().await;
    let bearer = format!("Bearer {token}");
    let published = publish_with(&app, "private/alice/inbox", Some(&bearer)).await;
    assert_eq!(published.status(), StatusCode::ACCEPTED);
    let read = |topic: &str| {
        let path = query(&[topic]).param(TOKEN_PARAM, &token).url(HISTORY_PATH);
        app.client.get(app.url(&path)).send()
    };
    assert_eq!(
        read("private/alice/inbox").await.unwrap().status(),
        StatusCode::OK
    );
    assert_eq!(
        read("private/bob/inbox").await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn a_stream_of_a_private_topic_refuses_every_bad_token_before_any_byte() {
    let app = secured().await;
    let claims = |extra: serde_json::Value| {
        let mut claims = json!({"herald": {"subscribe": ["private/*"]}});
        if let (Some(claims), Some(extra)) = (claims.as_object_mut(), extra.as_object()) {
            claims.extend(extra.clone());
        }
        claims
    };
    let unsigned = format!(
        "{}.{}.",
        base64_url(br#"{"alg":"none","typ":"JWT"}"#),
        base64_url(br#"{"herald":{"subscribe":["private/*"]}}"#)
    );
    let es256 = jsonwebtoken::encode(
        &Header::new(Algorithm::ES256),
        &claims(json!({})),
        &EncodingKey::from_ec_pem(&std::fs::read(fixture("es256-private.pem")).unwrap()).unwrap(),
    )
    .unwrap();
    let cases = [
        ("not.a.jwt".to_owned(), "not a valid JWT"),
        (
            token_with(
                "another secret, also thirty-two bytes long",
                &claims(json!({})),
            ),
            "signature",
        ),
        (es256, "HS256"),
        (unsigned, "not a valid JWT"),
        (
            token_with(SECRET, &claims(json!({"exp": now() - 60}))),
            "expired",
        ),
        (
            token_with(SECRET, &claims(json!({"nbf": now() + 60}))),
            "not valid yet",
        ),
    ];
    let path = query(&["private/x"]).url(herald_wire::protocol::EVENTS_PATH);
    for (token, reason) in &cases {
        // As the `token` parameter and as the `herald_token` cookie.
        let by_param = query(&["private/x"])
            .param(TOKEN_PARAM, token)
            .url(herald_wire::protocol::EVENTS_PATH);
        let by_cookie = app
            .client
            .get(app.url(&path))
            .header("cookie", format!("{TOKEN_COOKIE}={token}"));
        for request in [app.client.get(app.url(&by_param)), by_cookie] {
            let response = request.send().await.unwrap();
            assert_ne!(response.headers()["content-type"], "text/event-stream");
            unauthorized(response, reason).await;
        }
    }
    let narrow = token(&[], &["private/alice/*"]);
    let refused = app
        .client
        .get(app.url(&path))
        .header("cookie", format!("{TOKEN_COOKIE}={narrow}"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_body(refused, StatusCode::FORBIDDEN).await.code,
        ErrorCode::Forbidden
    );
    let right = token(&[], &["private/*"]);
    let opened = app
        .client
        .get(app.url(&path))
        .header("cookie", format!("{TOKEN_COOKIE}={right}"))
        .send()
        .await
        .unwrap();
    assert_eq!(opened.status(), StatusCode::OK);
}
