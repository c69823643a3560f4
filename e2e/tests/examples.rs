//! The examples in other languages (`examples/clients/`), run as a reader
//! of the README runs them, against a real hub: each publishes a typed
//! `chat` event and reads it back from a stream, and the hub then holds
//! exactly that event on the example's topic. The browser's is served by
//! the hub (`--static-dir`), as its comment says, and clicked in headless
//! Chromium. (The Rust example is run by `herald-client/tests/example.rs`.)

use std::path::{Path, PathBuf};
use std::process::Stdio;

use anyhow::{Context, ensure};
use e2e::python::{self, PYTHON};
use e2e::{Browser, wait};
use herald_dashboard_events::Payload;
use herald_wire::EventList;
use herald_wire::protocol::history_path;
use testkit::{PATIENCE, TestApp};
use tokio::process::Command;

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/clients")
}

/// The one event the example left on `topic`, whose text starts `hello from`.
async fn left_one_chat(app: &TestApp, topic: &str) -> anyhow::Result<()> {
    let reply = app.get(&history_path([topic], 10)).await;
    let history: EventList<Payload> = reply.json().await?;
    let texts: Vec<&str> = history
        .events
        .iter()
        .filter_map(|envelope| match &envelope.event {
            Payload::Chat(chat) => Some(chat.text.as_str()),
            _ => None,
        })
        .collect();
    ensure!(
        history.events.len() == 1
            && texts
                .first()
                .is_some_and(|text| text.starts_with("hello from")),
        "{topic} holds {:?}",
        history.events
    );
    Ok(())
}

/// Runs `program args` in `dir` to its end (bounded), its output kept in
/// `target/e2e/{name}.log`; fails unless it exits 0 saying `received`.
async fn run(name: &str, dir: &Path, program: &str, args: &[&str]) -> anyhow::Result<()> {
    let log = e2e::artifact(&format!("{name}.log"))?;
    let child = Command::new(program)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(PATIENCE * 2, child)
        .await
        .with_context(|| format!("{name} did not finish"))?
        .with_context(|| format!("cannot run {program}"))?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    std::fs::write(&log, &text)?;
    ensure!(output.status.success(), "{name} failed: {text}");
    ensure!(
        text.contains("hello from"),
        "{name} read nothing back: {text}"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn the_curl_example_publishes_and_reads_back() -> anyhow::Result<()> {
    let app = TestApp::builder().start().await;
    let hub = app.url("");
    run(
        "example-curl",
        &examples().join("curl"),
        "bash",
        &["publish_and_follow.sh", &hub],
    )
    .await?;
    left_one_chat(&app, "chat/lobby").await?;
    Ok(app.stop().await?)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_python_example_publishes_and_reads_back() -> anyhow::Result<()> {
    let app = TestApp::builder().start().await;
    let script = examples().join("python/publish_and_follow.py");
    let hub = app.url("");
    python::run("example-python", PYTHON, [script.as_os_str(), hub.as_ref()])
        .await?
        .ensure_success()?;
    left_one_chat(&app, "chat/lobby").await?;
    Ok(app.stop().await?)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_node_example_publishes_and_reads_back() -> anyhow::Result<()> {
    let app = TestApp::builder().start().await;
    let hub = app.url("");
    run(
        "example-node",
        &examples().join("node"),
        "node",
        &["publish_and_follow.mjs", &hub],
    )
    .await?;
    left_one_chat(&app, "chat/lobby").await?;
    Ok(app.stop().await?)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_browser_example_publishes_and_reads_back() -> anyhow::Result<()> {
    let app = TestApp::builder()
        .static_dir(&examples().join("browser"))
        .start()
        .await;
    e2e::with_browsers(
        "example-browser",
        app,
        async |hub, [browser]: [&Browser; 1]| {
            let page = browser.client();
            page.goto(&hub.url("/")).await?;
            wait::text_contains(page, "#status", "live", PATIENCE).await?;
            wait::element(page, "#publish", PATIENCE)
                .await?
                .click()
                .await?;
            wait::text_contains(page, "#received li", "hello from the browser", PATIENCE).await?;
            left_one_chat(hub, "chat/lobby").await
        },
    )
    .await
}

/// What the README promises a Python programmer: with the dashboard open on
/// its default topics, the Python example's chat appears on it.
#[tokio::test(flavor = "multi_thread")]
async fn the_python_examples_chat_appears_on_the_dashboard() -> anyhow::Result<()> {
    let app = e2e::hub()?.start().await;
    e2e::with_browsers(
        "example-python-dashboard",
        app,
        async |hub, [browser]: [&Browser; 1]| {
            let page = browser.client();
            page.goto(&hub.url("/")).await?;
            wait::element(page, "section#chat", PATIENCE).await?;
            let script = examples().join("python/publish_and_follow.py");
            let url = hub.url("");
            python::run(
                "example-python-dashboard",
                PYTHON,
                [script.as_os_str(), url.as_ref()],
            )
            .await?
            .ensure_success()?;
            wait::text_contains(page, "section#chat", "hello from Python", PATIENCE).await?;
            Ok(())
        },
    )
    .await
}
