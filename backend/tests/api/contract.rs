//! Every client error the OpenAPI document lists is one the hub gives: for
//! each route and each 4xx code its document names, a request here gets
//! exactly that status and code from a real hub. A code documented but
//! never given has no request below and fails the test by name, so the
//! document cannot promise refusals the hub does not make. (Schemathesis,
//! in `e2e/tests/contract.rs`, checks the other way: nothing undocumented.)

use herald_wire::protocol::{
    EVENTS_PATH, HISTORY_PATH, IDEMPOTENCY_KEY_HEADER, LAST_EVENT_ID_HEADER, OPENAPI_PATH,
    REFERENCE_PATH, TOPICS_PATH, publish_path,
};
use herald_wire::{ErrorBody, ErrorCode};
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HOST};
use reqwest::{RequestBuilder, Response, StatusCode};
use serde_json::Value;
use testkit::{TestApp, chat, spawn_app};

use crate::auth::{secured, token};
use crate::publish::held_body;

/// A client that is not a `--proxy-ip`, so per-address limits apply to it.
const NOT_A_PROXY: [&str; 2] = ["--proxy-ip", "192.0.2.1"];

/// Each `(operationId, code)` of the document's 4xx replies.
fn client_errors(document: &Value) -> Vec<(String, ErrorCode)> {
    let mut pairs = Vec::new();
    for item in document["paths"].as_object().unwrap().values() {
        for operation in item.as_object().unwrap().values() {
            let id = operation["operationId"].as_str().unwrap();
            for (status, reply) in operation["responses"].as_object().unwrap() {
                if !status.starts_with('4') || status == "431" {
                    continue;
                }
                let codes = &reply["content"]["application/json"]["schema"]["allOf"][1]["properties"]
                    ["code"]["enum"];
                for code in codes.as_array().unwrap() {
                    let code = serde_json::from_value(code.clone()).unwrap();
                    pairs.push((id.to_owned(), code));
                }
            }
        }
    }
    pairs
}

#[tokio::test]
async fn every_client_error_the_document_lists_is_one_the_hub_gives() {
    let app = secured().await;
    let document: Value = app.get(OPENAPI_PATH).await.json().await.unwrap();
    let pairs = client_errors(&document);
    assert!(
        pairs.len() > 20,
        "the document lists the refusals: {pairs:?}"
    );
    for (operation, code) in pairs {
        let Some((response, hub)) = provoke(&app, &operation, code).await else {
            continue;
        };
        let status = StatusCode::from_u16(code.status()).unwrap();
        let got = response.status();
        let body: ErrorBody = response.json().await.unwrap();
        assert_eq!(
            (got, body.code),
            (status, code),
            "{operation}: {}",
            body.message
        );
        drop(hub);
    }
}

/// A request to `operation` that `app` (tokens on, `private/*` private)
/// or a hub of its own answers with `code`, and that hub, kept until the
/// answer is read; `None` only for a refusal no request can force.
async fn provoke(
    app: &TestApp,
    operation: &str,
    code: ErrorCode,
) -> Option<(Response, Option<TestApp>)> {
    let on = |request: RequestBuilder| async move { Some((request.send().await.unwrap(), None)) };
    let get = |path: &str| app.client.get(app.url(path));
    let post = |topic: &str| app.client.post(app.url(&publish_path(topic)));
    let read = |path: &str| match operation {
        "stream" => format!("{EVENTS_PATH}{path}"),
        "history" => format!("{HISTORY_PATH}{path}"),
        _ => format!("{TOPICS_PATH}{path}"),
    };
    let stranger = token(&["elsewhere/*"], &["elsewhere/*"]);
    use ErrorCode as C;
    match (operation, code) {
        ("stream" | "history" | "topics", C::InvalidTopic) => on(get(&read("?topic=a%20b"))).await,
        ("stream" | "history", C::MissingTopic) => on(get(&read(""))).await,
        ("stream" | "history" | "topics", C::InvalidQuery) => {
            on(get(&read("?topic=a&nonsense=1"))).await
        }
        ("stream", C::InvalidLastEventId) => {
            on(get(&read("?topic=a")).header(LAST_EVENT_ID_HEADER, "seven")).await
        }
        ("stream" | "history", C::Unauthorized) => {
            on(get(&read("?topic=private/a")).header(AUTHORIZATION, "Bearer not-a-token")).await
        }
        ("stream" | "history", C::Forbidden) => {
            let bearer = format!("Bearer {stranger}");
            on(get(&read("?topic=private/a")).header(AUTHORIZATION, bearer)).await
        }
        (_, C::HostNotAllowed) => {
            let request = match operation {
                "publish" => post("a").json(&chat("hi")),
                _ => get(&read("?topic=a")),
            };
            on(request.header(HOST, "rebinding.example")).await
        }
        ("stream", C::TooManyStreams) => {
            let mut flags = NOT_A_PROXY.to_vec();
            flags.extend(["--max-streams-per-ip", "1"]);
            let hub = spawn_app(&flags).await;
            let first = hub.get(&format!("{EVENTS_PATH}?topic=a")).await;
            assert_eq!(first.status(), StatusCode::OK);
            let second = hub.get(&format!("{EVENTS_PATH}?topic=a")).await;
            drop(first);
            Some((second, Some(hub)))
        }
        ("publish", C::InvalidTopic) => on(post("a%20b").json(&chat("hi"))).await,
        ("publish", C::MalformedJson) => on(authorised(json_body(post("a"), "{"))).await,
        ("publish", C::InvalidIdempotencyKey) => {
            let request = post("a").json(&chat("hi"));
            on(authorised(
                request.header(IDEMPOTENCY_KEY_HEADER, "two words"),
            ))
            .await
        }
        ("publish", C::Unauthorized) => on(post("a").json(&chat("hi"))).await,
        ("publish", C::Forbidden) => {
            let bearer = format!("Bearer {stranger}");
            on(post("a").json(&chat("hi")).header(AUTHORIZATION, bearer)).await
        }
        ("publish", C::InvalidEvent) => {
            on(authorised(json_body(post("a"), r#"{"type":"chat"}"#))).await
        }
        ("publish", C::UnsupportedMediaType) => {
            on(authorised(
                post("a").header(CONTENT_TYPE, "text/plain").body("hi"),
            ))
            .await
        }
        ("publish", C::PayloadTooLarge) => {
            let hub = spawn_app(&["--max-body", "1024"]).await;
            let text = "x".repeat(2048);
            let request = hub
                .client
                .post(hub.url(&publish_path("a")))
                .json(&chat(&text));
            Some((request.send().await.unwrap(), Some(hub)))
        }
        ("publish", C::Timeout) => {
            let hub = spawn_app(&["--publish-timeout-ms", "200"]).await;
            let (held, body) = held_body();
            let response = json_body(hub.client.post(hub.url(&publish_path("a"))), body)
                .send()
                .await
                .unwrap();
            drop(held);
            Some((response, Some(hub)))
        }
        ("publish", C::IdempotencyKeyReused) => {
            let hub = spawn_app(&[]).await;
            let keyed = |text: &str| {
                hub.client
                    .post(hub.url(&publish_path("a")))
                    .header(IDEMPOTENCY_KEY_HEADER, "order-7")
                    .json(&chat(text))
            };
            assert_eq!(
                keyed("first").send().await.unwrap().status(),
                StatusCode::ACCEPTED
            );
            let response = keyed("second").send().await.unwrap();
            Some((response, Some(hub)))
        }
        ("publish", C::RateLimited) => {
            let mut flags = NOT_A_PROXY.to_vec();
            flags.extend(["--publish-rate", "1"]);
            let hub = spawn_app(&flags).await;
            let mut response = hub.try_publish(&"a", &chat("hi")).await;
            for _ in 0..10 {
                if response.status() == StatusCode::TOO_MANY_REQUESTS {
                    break;
                }
                response = hub.try_publish(&"a", &chat("hi")).await;
            }
            Some((response, Some(hub)))
        }
        // Only while the key's first publish is being stored, which on one
        // node is the few microseconds the hub takes to append it, and in a
        // cluster never (Redis decides in the same call that stores): a
        // retry that races its own first attempt.
        ("publish", C::IdempotencyKeyInFlight) => None,
        _ => panic!("no request here provokes {code:?} from {operation}, which the document lists"),
    }
}

/// `request` with a token that may publish anywhere.
fn authorised(request: RequestBuilder) -> RequestBuilder {
    request.header(AUTHORIZATION, format!("Bearer {}", token(&["*"], &[])))
}

fn json_body(request: RequestBuilder, body: impl Into<reqwest::Body>) -> RequestBuilder {
    request.header(CONTENT_TYPE, "application/json").body(body)
}

/// The reference page is the served document as HTML: a section for every
/// operation, and a policy that runs no script and loads nothing else.
#[tokio::test]
async fn the_reference_page_has_a_section_for_every_operation_and_runs_nothing() {
    let app = spawn_app(&[]).await;
    let document: Value = app.get(OPENAPI_PATH).await.json().await.unwrap();
    let page = app.get(REFERENCE_PATH).await;
    assert_eq!(page.status(), StatusCode::OK);
    let policy = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        policy.starts_with("default-src 'none'; style-src 'sha256-"),
        "{policy}"
    );
    let html = page.text().await.unwrap();
    for item in document["paths"].as_object().unwrap().values() {
        for operation in item.as_object().unwrap().values() {
            let id = operation["operationId"].as_str().unwrap();
            assert!(
                html.contains(&format!("id=\"{id}\"")),
                "no section for {id}"
            );
        }
    }
    assert!(!html.contains("<script"));
}
