//! Helpers for Herald's end-to-end tests in `tests/`: the real hub started
//! in-process on an ephemeral port ([`Hub`]), headless Chromium driven over
//! WebDriver ([`Browser`]), bounded waits on the page ([`wait`]), the
//! page's controls as tests drive them ([`dashboard`]), and
//! [`with_browsers`], which runs a test and always cleans up after it.
//!
//! The tests need two things they cannot build themselves: the page in
//! `dist/` (built by trunk) and Debian's chromedriver; `tests/embedded.rs`
//! also needs the hub built with that page inside (`HERALD_EMBED_DIR`).
//! When one is missing they fail and say to run `cargo xtask test`, which
//! provides them all; they never skip.
//!
//! Artifacts (a screenshot per browser, chromedriver's logs) go to
//! `target/e2e/`.

mod browser;
pub mod dashboard;
mod hub;
pub mod wait;

use std::{
    env, fs,
    path::{Path, PathBuf},
};

use anyhow::{Context, ensure};

pub use browser::Browser;
pub use hub::{Hub, HubBuilder};

/// Runs `test` with `N` fresh browsers on `hub`, then, whatever happened,
/// saves each browser's screenshot, closes the browsers and stops the hub.
///
/// The screenshots show what the page showed at the end, also after a
/// failure: `target/e2e/{name}.png` for the first browser and
/// `target/e2e/{name}-{k}.png` for the `k`-th after it (from 2).
///
/// # Errors
/// The test's error first, else the first failure to clean up.
pub async fn with_browsers<const N: usize>(
    name: &str,
    mut hub: Hub,
    test: impl AsyncFnOnce(&mut Hub, [&Browser; N]) -> anyhow::Result<()>,
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
        outcome = test(&mut hub, each).await;
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
    let stopped = hub.stop().await;
    outcome.and(cleanup).and(stopped)
}

/// `name` for the first browser, `name-2`, `name-3`… for the others.
fn artifact_stem(name: &str, index: usize) -> String {
    match index {
        0 => name.to_owned(),
        _ => format!("{name}-{}", index + 1),
    }
}

/// Overrides [`dist_dir`]: a page built elsewhere, for instance with
/// `trunk build --release --dist <dir>` while `dist/` holds another build.
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
         `trunk build --release` before running the tests",
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
