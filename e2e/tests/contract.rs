//! Herald's contract held against a real hub by the tools people in other
//! languages use: the OpenAPI document a hub serves is the committed one
//! and a valid OpenAPI 3.1 document (`openapi-spec-validator`); Schemathesis
//! generates requests from it, with tokens on and off, and finds no 5xx, no
//! reply its schema refuses, no undocumented status, no schema-breaking
//! request accepted and no schema-keeping one refused; and the JSON Schemas
//! take every golden file and refuse malformed ones (`jsonschema`).
//!
//! The Python tools are those `e2e/python/requirements.txt` pins, installed
//! by `cargo xtask setup`; each run's output is in `target/e2e/*.python.log`.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use anyhow::{Context, ensure};
use clap::Parser;
use e2e::python::{self, OPENAPI_SPEC_VALIDATOR, PYTHON, SCHEMATHESIS};
use herald_hub::auth::mint::{TokenOptions, mint};
use herald_wire::protocol::OPENAPI_PATH;
use testkit::TestApp;

/// The secret of the hub with tokens on.
const SECRET: &str = "contract-test-secret-of-at-least-32-bytes";

/// Examples per operation and phase; a longer run is a flag away
/// (`--max-examples`), reported in the notes of a contract change.
const EXAMPLES: &str = "40";

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn committed(name: &str) -> PathBuf {
    repository().join("docs/api").join(name)
}

/// A hub for Schemathesis: streams end after a second so a generated
/// stream request gets its whole reply, and idempotency keys are not
/// remembered, since Schemathesis sends one key with many bodies and would
/// (rightly) be refused with 422 for the second.
async fn hub(args: &[&str]) -> TestApp {
    let mut flags = vec!["--max-stream-age", "1", "--idempotency-window", "0"];
    flags.extend_from_slice(args);
    TestApp::builder().args(&flags).start().await
}

/// Runs Schemathesis against `app`'s document, with `extra` arguments.
async fn schemathesis(name: &str, app: &TestApp, extra: &[&str]) -> anyhow::Result<()> {
    let config = repository().join("e2e/python/schemathesis.toml");
    let config = config.to_string_lossy();
    let url = app.url(OPENAPI_PATH);
    let mut args = vec![
        "--config-file",
        &config,
        "run",
        &url,
        "--checks",
        "all",
        "--max-examples",
        EXAMPLES,
        "--seed",
        "1",
        "--request-timeout",
        "5",
    ];
    args.extend_from_slice(extra);
    python::run(name, SCHEMATHESIS, &args)
        .await?
        .ensure_success()
        .context("Schemathesis found the hub breaking its contract")
}

#[tokio::test(flavor = "multi_thread")]
async fn the_served_document_is_the_committed_one_and_valid_openapi() -> anyhow::Result<()> {
    let app = TestApp::builder().start().await;
    let served = app.get(OPENAPI_PATH).await.text().await?;
    let on_disk = std::fs::read_to_string(committed("openapi.json"))?;
    ensure!(
        served == on_disk,
        "the hub serves another document than docs/api/openapi.json: run `cargo xtask contract`"
    );
    app.stop().await?;
    let file = committed("openapi.json");
    python::run("openapi-spec-validator", OPENAPI_SPEC_VALIDATOR, [&file])
        .await?
        .ensure_success()
}

#[tokio::test(flavor = "multi_thread")]
async fn schemathesis_finds_no_breach_on_a_hub_without_tokens() -> anyhow::Result<()> {
    let app = hub(&[]).await;
    let outcome = schemathesis("schemathesis-open", &app, &[]).await;
    app.stop().await?;
    outcome
}

#[tokio::test(flavor = "multi_thread")]
async fn schemathesis_finds_no_breach_on_a_hub_with_tokens_and_private_topics() -> anyhow::Result<()>
{
    let app = hub(&["--jwt-secret", SECRET, "--private-topics", "private/*"]).await;
    let token = token(&["--publish", "*", "--subscribe", "*"])?;
    let header = format!("Authorization: Bearer {token}");
    let outcome = schemathesis("schemathesis-tokens", &app, &["--header", &header]).await;
    app.stop().await?;
    outcome
}

/// A token of [`SECRET`] with `grants` (`--publish`, `--subscribe`), made
/// as `herald token` makes one.
fn token(grants: &[&str]) -> anyhow::Result<String> {
    #[derive(Parser)]
    struct Command {
        #[command(flatten)]
        options: TokenOptions,
    }
    let mut args = vec!["token", "--jwt-secret", SECRET];
    args.extend_from_slice(grants);
    let command = Command::try_parse_from(args)?;
    Ok(mint(&command.options, SystemTime::now())?)
}

/// The golden files each in the schema of what it is.
#[tokio::test(flavor = "multi_thread")]
async fn every_golden_file_meets_its_schema() -> anyhow::Result<()> {
    let events = [
        "chat",
        "json",
        "latency_probe",
        "metrics",
        "notice",
        "untyped",
    ]
    .map(|kind| repository().join(format!("dashboard-events/tests/golden/{kind}.json")));
    let gap = repository().join("shared/tests/golden/gap.json");
    let mut stream_data = events.to_vec();
    stream_data.push(gap);
    validate(
        "golden-events",
        "events.schema.json",
        "#",
        "valid",
        &stream_data,
    )
    .await?;
    for (component, file) in [
        ("EventList", "dashboard-events/tests/golden/event_list.json"),
        ("ErrorBody", "shared/tests/golden/error.json"),
        ("Published", "shared/tests/golden/published.json"),
        ("TopicList", "shared/tests/golden/topic_list.json"),
    ] {
        let definition = format!("#/components/schemas/{component}");
        let file = [repository().join(file)];
        validate(
            &format!("golden-{component}"),
            "openapi.json",
            &definition,
            "valid",
            &file,
        )
        .await?;
    }
    Ok(())
}

/// What a stream's data must never be, each refused by the events schema.
const MALFORMED: [(&str, &str); 12] = [
    (
        "id-of-0.1",
        r#"{"id":"7","topic":"chat/lobby","time_us":1,"event":{"type":"chat","author":"a","text":"b"}}"#,
    ),
    (
        "topic-with-space",
        r#"{"id":"1-7","topic":"chat lobby","time_us":1,"event":{"type":"chat","author":"a","text":"b"}}"#,
    ),
    (
        "dot-segment",
        r#"{"id":"1-7","topic":"chat/..","time_us":1,"event":{"type":"chat","author":"a","text":"b"}}"#,
    ),
    (
        "no-event",
        r#"{"id":"1-7","topic":"chat/lobby","time_us":1}"#,
    ),
    (
        "untagged-event",
        r#"{"id":"1-7","topic":"chat/lobby","time_us":1,"event":{"author":"a","text":"b"}}"#,
    ),
    (
        "chat-without-text",
        r#"{"id":"1-7","topic":"chat/lobby","time_us":1,"event":{"type":"chat","author":"a"}}"#,
    ),
    (
        "chat-text-a-number",
        r#"{"id":"1-7","topic":"chat/lobby","time_us":1,"event":{"type":"chat","author":"a","text":5}}"#,
    ),
    (
        "unknown-notice-level",
        r#"{"id":"1-7","topic":"chat/lobby","time_us":1,"event":{"type":"notice","level":"fatal","text":"b"}}"#,
    ),
    (
        "reserved-kind",
        r#"{"id":"1-7","topic":"chat/lobby","time_us":1,"event":{"type":"gap"}}"#,
    ),
    (
        "kind-not-a-name",
        r#"{"id":"1-7","topic":"chat/lobby","time_us":1,"event":{"type":"1st order"}}"#,
    ),
    (
        "negative-time",
        r#"{"id":"1-7","topic":"chat/lobby","time_us":-1,"event":{"type":"chat","author":"a","text":"b"}}"#,
    ),
    ("gap-without-through", r#"{"topic":"chat/*","after":"1-7"}"#),
];

#[tokio::test(flavor = "multi_thread")]
async fn the_events_schema_refuses_malformed_data() -> anyhow::Result<()> {
    let mut files = Vec::with_capacity(MALFORMED.len());
    for (name, json) in MALFORMED {
        let file = e2e::artifact(&format!("malformed-{name}.json"))?;
        std::fs::write(&file, json).with_context(|| format!("cannot write {}", file.display()))?;
        files.push(file);
    }
    validate(
        "malformed-events",
        "events.schema.json",
        "#",
        "invalid",
        &files,
    )
    .await
}

/// Runs `e2e/python/validate.py` on `files` against `definition` of the
/// committed `schema`, expecting each `expect` (`valid` or `invalid`).
async fn validate(
    name: &str,
    schema: &str,
    definition: &str,
    expect: &str,
    files: &[PathBuf],
) -> anyhow::Result<()> {
    let script = repository().join("e2e/python/validate.py");
    let mut args = vec![
        script.into_os_string(),
        committed(schema).into_os_string(),
        definition.into(),
        expect.into(),
    ];
    args.extend(files.iter().map(|file| file.clone().into_os_string()));
    python::run(name, PYTHON, &args).await?.ensure_success()
}
