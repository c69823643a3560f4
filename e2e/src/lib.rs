//! Helpers for Herald's end-to-end tests in `tests/`: the real hub serving
//! the built page ([`hub`], a `testkit::TestApp`, the hub the backend's
//! integration tests start too), headless Chromium driven over WebDriver
//! ([`Browser`]), bounded waits on the page ([`wait`]), the page's controls
//! as tests drive them ([`dashboard`]), the test page of herald.js, the
//! hub's browser client ([`herald_js`]), a stand-in answering 503 for a
//! stopped hub ([`unavailable`]), clients run under Node ([`node`]), the
//! Python tools of the contract tests ([`python`]), TypeScript generated
//! from the contract and compiled ([`typescript`]), and [`with_browsers`],
//! which runs a test and always cleans up after it.
//!
//! The tests need what they cannot build themselves: the page in `dist/`
//! (built by trunk), Debian's chromedriver, for `tests/clients.rs` Node with
//! the npm packages of `e2e/node` installed, for `tests/typescript.rs` those
//! of `e2e/typescript`, for [`python`] the venv of `e2e/python`;
//! `tests/embedded.rs` also needs the hub built with that page inside
//! (`HERALD_EMBED_DIR`). When one is missing they fail and say to run
//! `cargo xtask test` (or `cargo xtask setup`, for what is installed rather
//! than built), which provides them all; they never skip.
//!
//! Artifacts (a screenshot per browser, chromedriver's, Node's and the
//! Python tools' logs, the generated TypeScript) go to `target/e2e/`.

#![warn(missing_docs)]

mod browser;
pub mod dashboard;
pub mod herald_js;
pub mod node;
pub mod python;
pub mod typescript;
pub mod unavailable;
pub mod wait;

use std::{
    any::Any,
    env, fs,
    panic::AssertUnwindSafe,
    path::{Path, PathBuf},
};

use anyhow::{Context, anyhow, ensure};
use futures_util::FutureExt;
use testkit::{Builder, TestApp};

pub use browser::Browser;

/// A hub serving the page built in [`dist_dir`], to configure further and
/// start. Like every `testkit` hub it runs without the metrics source and
/// the hub's reports unless asked, so the page shows only what the test
/// published.
///
/// # Errors
/// Fails, saying how to build it, when the page is missing.
pub fn hub() -> anyhow::Result<Builder> {
    Ok(TestApp::builder().static_dir(&dist_dir()?))
}

/// Runs `test` with `N` fresh browsers on `hub`, then, whatever happened,
/// saves each browser's screenshot, closes the browsers and stops the hub.
///
/// The screenshots show what the page showed at the end, also after a
/// failure: `target/e2e/{name}.png` for the first browser and
/// `target/e2e/{name}-{k}.png` for the `k`-th after it (from 2). A failure
/// is the test's error or a panic, which is how `testkit`'s helpers fail:
/// the panic is caught, so the screenshots are still taken, and returned
/// as the test's error.
///
/// # Errors
/// The test's error first, else the first failure to clean up.
pub async fn with_browsers<const N: usize>(
    name: &str,
    mut hub: TestApp,
    test: impl AsyncFnOnce(&mut TestApp, [&Browser; N]) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let mut browsers = Vec::with_capacity(N);
    let mut outcome = Ok(());
    for index in 0..N {
        match Browser::start(&artifact_stem(name, index)).await {
            Ok(browser) => browsers.push(browser),
            Err(error) => {
                outcome = Err(error);
                break;
            }
        }
    }
    if outcome.is_ok() {
        let each: [&Browser; N] = std::array::from_fn(|index| &browsers[index]);
        // Unwind safety: after a panic the hub and the browsers are only
        // screenshotted, closed and stopped, which needs nothing the test
        // left half done.
        outcome = AssertUnwindSafe(test(&mut hub, each))
            .catch_unwind()
            .await
            .unwrap_or_else(|panic| Err(anyhow!("the test panicked: {}", panic_message(&*panic))));
    }
    let mut cleanup = Ok(());
    for (index, browser) in browsers.into_iter().enumerate() {
        let screenshot = match artifact(&format!("{}.png", artifact_stem(name, index))) {
            Ok(path) => browser.save_screenshot(&path).await,
            Err(error) => Err(error),
        };
        let closed = browser.close().await;
        cleanup = cleanup.and(screenshot).and(closed);
    }
    let stopped = hub.stop().await.context("the hub failed");
    outcome.and(cleanup).and(stopped)
}

/// What a panic said, when it said it with a string (as `panic!` does).
fn panic_message(panic: &(dyn Any + Send)) -> &str {
    panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("a panic without a message")
}

/// `name` for the first browser, `name-2`, `name-3`… for the others.
fn artifact_stem(name: &str, index: usize) -> String {
    match index {
        0 => name.to_owned(),
        _ => format!("{name}-{}", index + 1),
    }
}

/// Overrides [`dist_dir`]: a page built elsewhere, for instance with
/// `trunk build --release --dist <dir>` (the development server's build)
/// while `dist/` holds another one.
pub const DIST_ENV: &str = "HERALD_E2E_DIST";

/// The built page the hub serves: the repository's `dist/`, or the
/// directory named by [`DIST_ENV`].
///
/// # Errors
/// Fails, saying how to build it, when `index.html` is missing there.
pub fn dist_dir() -> anyhow::Result<PathBuf> {
    let dist = env::var_os(DIST_ENV).map_or_else(|| repo_root().join("dist"), PathBuf::from);
    ensure!(
        dist.join("index.html").is_file(),
        "{} is missing: run `cargo xtask test`, which builds the page with \
         `cargo xtask page` before running the tests",
        dist.join("index.html").display()
    );
    Ok(dist)
}

/// Path of the artifact `name` in `target/e2e/`, creating the directory.
///
/// # Errors
/// Fails when the directory cannot be created.
pub fn artifact(name: &str) -> anyhow::Result<PathBuf> {
    let dir = repo_root().join("target").join("e2e");
    fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    Ok(dir.join(name))
}

/// The workspace root: the parent of this crate's directory.
fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("e2e/ lies inside the workspace root")
}
