//! Helpers for Herald's end-to-end tests in `tests/`: the real hub started
//! in-process on an ephemeral port ([`Hub`]) and headless Chromium driven over
//! WebDriver ([`Browser`]).
//!
//! The tests need two things they cannot build themselves: the page in
//! `dist/` (built by trunk) and Debian's chromedriver. When either is missing
//! they fail and say to run `cargo xtask test`, which provides both; they
//! never skip.
//!
//! Artifacts (the screenshot, chromedriver's log) go to `target/e2e/`.

mod browser;
mod hub;

use std::{
    fs,
    path::{Path, PathBuf},
};

use anyhow::{Context, ensure};

pub use browser::Browser;
pub use hub::Hub;

/// The built page the hub serves: the repository's `dist/`.
///
/// # Errors
/// Fails, saying how to build it, when `dist/index.html` is missing.
pub fn dist_dir() -> anyhow::Result<PathBuf> {
    let dist = repo_root().join("dist");
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
