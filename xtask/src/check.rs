//! `cargo xtask test` and `cargo xtask ci`: the dependency checks and every
//! test, and for CI the formatting, lint and documentation checks as well.
//!
//! Steps run in order and stop at the first failure, cheapest first: a
//! formatting slip or a module cycle fails CI in seconds rather than after
//! the builds. CI's short fuzz run ([`crate::fuzz`]) comes last.

use std::fs;

use anyhow::Context;

use crate::{
    fuzz, page, serve,
    setup::{self, Scope},
    step::{self, Step},
    tools,
};

/// Installs what is missing, then runs every test. On a fresh machine the
/// tests compile beside the installs. The dependency checks and the fuzz
/// runs are CI's ([`ci`]): they need tools of their own (cargo-deny, a
/// nightly, cargo-fuzz) that took a fresh machine ten minutes to build, and
/// they test no behaviour.
///
/// # Errors
/// Names the step that failed.
pub(crate) fn test() -> anyhow::Result<()> {
    setup::install_beside(Scope::Test, vec![compile_tests()?])?;
    step::run_all(tests()?)
}

/// `cargo test --workspace --no-run`, with the page inside the hub when it
/// is built already (after `cargo xtask run`, say), as the host tests then
/// build it; without one it is built without the page, and the tests
/// rebuild only the hub's crate and what links it.
fn compile_tests() -> anyhow::Result<Step> {
    let step = Step::cargo("compile the tests", ["test", "--workspace", "--no-run"])?;
    let page = serve::embedded_page();
    Ok(if page.join("index.html").is_file() {
        step.env(serve::EMBED_DIR, page)
    } else {
        step
    })
}

/// What `.ci/run` runs: installs, formatting, the module cycle check, the
/// dependency checks, clippy for the host (and for the hub without its
/// default features) and for wasm, the docs, the packages, the page built by
/// trunk, then every test, the release image and a short fuzz run.
///
/// # Errors
/// Names the step that failed.
pub(crate) fn ci() -> anyhow::Result<()> {
    setup::install(Scope::Ci)?;
    let mut steps = vec![
        Step::cargo("check formatting", ["fmt", "--all", "--check"])?,
        module_cycles()?,
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
        hub_features()?,
        // The fuzz targets' entry points build only with this feature, and
        // the fuzz build (nightly, instrumented) comes last: a slip in them
        // fails here in seconds instead.
        Step::cargo(
            "clippy (hub's fuzzing entry points)",
            [
                "clippy",
                "-p",
                "herald-hub",
                "--features",
                "fuzzing",
                "--lib",
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
                "herald-wire",
                "-p",
                "herald-dashboard-events",
                "-p",
                "frontend",
                "-p",
                "herald-yew",
                "-p",
                "shop-frontend",
                "--target",
                "wasm32-unknown-unknown",
                "--",
                "-D",
                "warnings",
            ],
        )?,
        docs()?,
        package()?,
        trunk_build()?,
    ];
    steps.extend(tests()?);
    steps.push(release_image()?);
    steps.extend(fuzz::steps(fuzz::CI_SECONDS)?);
    step::run_all(steps)
}

/// `cargo xtask image` ([`crate::image`]), run by this same binary: the
/// static release binary and the image around it, unpacked and run. What
/// operators download is built and checked on every change, not only at a
/// release.
fn release_image() -> anyhow::Result<Step> {
    Step::xtask("build and check the release image", ["image"])
}

/// `cargo xtask cycles` ([`crate::cycles`]), run by this same binary as a
/// step of its own, so it is timed and named like the others.
fn module_cycles() -> anyhow::Result<Step> {
    Step::xtask("module cycles", ["cycles"])
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

/// The hub library and binary as an embedder that turns the default
/// features off builds them: clippy without them, so code a feature gates
/// cannot leak into the rest (the binary's whole, with them, is the host
/// clippy's). Only the library and binary: the tests' dev-dependencies
/// would bring the default features back.
fn hub_features() -> anyhow::Result<Step> {
    Step::cargo(
        "clippy (hub without default features)",
        [
            "clippy",
            "-p",
            "herald-hub",
            "--no-default-features",
            "--lib",
            "--bins",
            "--",
            "-D",
            "warnings",
        ],
    )
}

/// rustdoc over every crate, its warnings denied: a broken or ambiguous
/// intra-doc link, or a public doc linking to a private item, fails CI like
/// a clippy warning. Binaries are documented with their private items, so
/// the xtask's and the load tool's docs are checked whole.
///
/// For the host only: `herald-wire`, `herald-dashboard-events`, `frontend`
/// and `herald-yew` have no code for one target alone, so their docs for
/// wasm would be the same pages, and the wasm clippy step already proves
/// they build there.
fn docs() -> anyhow::Result<Step> {
    Ok(
        Step::cargo("docs", ["doc", "--workspace", "--no-deps"])?
            .env("RUSTDOCFLAGS", "-D warnings"),
    )
}

/// `cargo publish --dry-run` of every crate people depend on (those whose
/// manifest says `publish = true`), in dependency order, each built from
/// its packaged files as crates.io would build it: a file left out of a
/// package, or a dependency only the workspace provides, fails here rather
/// than at release.
///
/// The dry run builds each packaged crate against the others from a
/// registry of its own, and cargo takes a registry crate it built before by
/// name and version alone (a published version never changes): a crate
/// changed since the last run but still at its version would be taken
/// stale, and its dependents fail on what it gained. So the dry run has a
/// target directory of its own, [`PACKAGE_TARGET`], where Herald's crates
/// are forgotten before every run; the rest stays built.
fn package() -> anyhow::Result<Step> {
    let target = step::cargo_target_dir()?.join(PACKAGE_TARGET);
    let fingerprints = target.join("debug").join(".fingerprint");
    let ours = fs::read_dir(&fingerprints)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|entry| entry.file_name().to_string_lossy().starts_with("herald-"));
    for entry in ours {
        fs::remove_dir_all(entry.path())
            .with_context(|| format!("cannot remove {}", entry.path().display()))?;
    }
    Ok(Step::cargo(
        "package the crates",
        ["publish", "--workspace", "--dry-run", "--allow-dirty"],
    )?
    .env("CARGO_TARGET_DIR", &target))
}

/// The dashboard built by trunk, as `trunk serve` builds it while someone
/// works on it, into a folder of its own below the target directory: the
/// tests run against the page `cargo xtask page` builds from the same
/// `index.html` ([`crate::page`]), and this keeps that file one trunk
/// still builds.
fn trunk_build() -> anyhow::Result<Step> {
    let dist = step::cargo_target_dir()?.join("trunk-dist");
    Step::new(
        "build the page with trunk",
        "trunk",
        [
            "build".into(),
            "--release".into(),
            "--offline".into(),
            "--dist".into(),
            dist.into_os_string(),
        ],
    )
}

/// Where [`package`] builds, below the target directory.
const PACKAGE_TARGET: &str = "package-check";

/// The page builds first: the end-to-end tests among the host tests load
/// `dist/` (and the example shop's `examples/shop/dist/`), and the hub is built with it inside (`HERALD_EMBED_DIR`) for the
/// one that serves the embedded page; they fail (never skip) without it.
fn tests() -> anyhow::Result<Vec<Step>> {
    Ok(vec![
        page::DASHBOARD.build_step()?,
        page::SHOP.build_step()?,
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
                "-p",
                "herald-yew",
                "--target",
                "wasm32-unknown-unknown",
            ],
        )?
        .env("CHROMEDRIVER", tools::CHROMEDRIVER)
        .counting_tests(),
    ])
}
