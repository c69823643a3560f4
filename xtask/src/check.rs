//! `cargo xtask test` and `cargo xtask ci`: the dependency checks and every
//! test, and for CI the formatting and lint checks as well.
//!
//! Steps run in order and stop at the first failure, cheapest first: a
//! formatting slip fails CI in seconds rather than after the builds. The
//! short fuzz run ([`crate::fuzz`]) comes last.

use crate::{
    fuzz, serve,
    setup::{self, Scope},
    step::{self, Step},
    tools,
};

/// Installs what is missing, checks the dependencies, then runs every test
/// and a short fuzz run.
///
/// # Errors
/// Names the step that failed.
pub(crate) fn test() -> anyhow::Result<()> {
    setup::install(Scope::All)?;
    let mut steps = vec![check_dependencies()?];
    steps.extend(tests()?);
    steps.extend(fuzz::steps(fuzz::CI_SECONDS)?);
    step::run_all(steps)
}

/// What `.ci/run` runs: installs, formatting, the dependency checks, clippy
/// for the host and for wasm, then every test and a short fuzz run.
///
/// # Errors
/// Names the step that failed.
pub(crate) fn ci() -> anyhow::Result<()> {
    setup::install(Scope::All)?;
    let mut steps = vec![
        Step::cargo("check formatting", ["fmt", "--all", "--check"])?,
        check_dependencies()?,
        Step::cargo(
            "clippy (host)",
            [
                "clippy",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ],
        )?,
        Step::cargo(
            "clippy (wasm)",
            [
                "clippy",
                "-p",
                "shared",
                "-p",
                "frontend",
                "--target",
                "wasm32-unknown-unknown",
                "--",
                "-D",
                "warnings",
            ],
        )?,
    ];
    steps.extend(tests()?);
    steps.extend(fuzz::steps(fuzz::CI_SECONDS)?);
    step::run_all(steps)
}

/// cargo-deny against `deny.toml`: bans (duplicate versions), licenses and
/// sources. Not advisories: that check needs the RustSec advisory database,
/// which cargo-deny fetches from GitHub, and Herald's machines reach package
/// registries only.
fn check_dependencies() -> anyhow::Result<Step> {
    Step::cargo(
        "check dependencies",
        ["deny", "check", "bans", "licenses", "sources"],
    )
}

/// The page build first: the end-to-end tests among the host tests load
/// `dist/`, and the hub is built with it inside (`HERALD_EMBED_DIR`) for the
/// one that serves the embedded page; they fail (never skip) without it.
fn tests() -> anyhow::Result<Vec<Step>> {
    Ok(vec![
        Step::build_page()?,
        Step::cargo("host tests", ["test", "--workspace"])?
            .env(serve::EMBED_DIR, serve::embedded_page())
            .counting_tests(),
        // The runner, wasm-bindgen-test-runner, is set in .cargo/config.toml.
        Step::cargo(
            "wasm tests",
            [
                "test",
                "-p",
                "frontend",
                "--target",
                "wasm32-unknown-unknown",
            ],
        )?
        .env("CHROMEDRIVER", tools::CHROMEDRIVER)
        .counting_tests(),
    ])
}
