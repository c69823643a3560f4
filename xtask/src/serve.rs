//! `cargo xtask run`: build the page and the hub in release, with the page
//! inside the binary, then start the hub, which logs the URL to open once it
//! listens (`herald is listening url=http://127.0.0.1:3000/`) and serves
//! until Ctrl-C. `cargo xtask shop` does the same for the example shop.
//! [`build`] is also the build of `cargo xtask dist` ([`crate::dist`]).
//!
//! The last step replaces this process with `cargo run`, which in turn
//! replaces itself with the hub, rather than spawning the hub and waiting for
//! it. std cannot catch signals, so a waiting parent would die on Ctrl-C or
//! SIGTERM before its child; on SIGTERM, which reaches only the parent, the
//! hub would be left holding the port. After the exec, the process the user
//! started *is* the hub: it gets every signal and shuts down gracefully, and
//! its exit status is the command's.

use std::{env, net::TcpListener, path::PathBuf};

use anyhow::bail;

use crate::{
    page,
    setup::{self, Scope},
    step::{self, Step},
};

/// What `backend/build.rs` reads: the directory whose page it builds into
/// the binary.
pub(crate) const EMBED_DIR: &str = "HERALD_EMBED_DIR";

/// Where the hub listens unless `HERALD_ADDR` says otherwise.
const DEFAULT_ADDRESS: &str = "127.0.0.1:3000";

/// Runs `cargo xtask run`; returns only on failure.
///
/// # Errors
/// Names the step that failed, or says the port is taken.
pub(crate) fn run() -> anyhow::Result<()> {
    // The hub reads `HERALD_ADDR` too, so the port check follows it.
    let address = env::var("HERALD_ADDR").unwrap_or_else(|_| DEFAULT_ADDRESS.to_owned());
    // Checked before installing and building, which take minutes on a fresh
    // machine: the hub would only fail to bind after them.
    if let Err(error) = TcpListener::bind(&address) {
        bail!("cannot listen on {address} ({error}): is Herald already running? Stop it first");
    }
    build(RUN_PROFILE, None)?;
    // Already built above (with the same variable, or cargo would build the
    // hub again without the page), so cargo starts the hub at once.
    Err(Step::cargo(
        "run the hub",
        [
            "run",
            "--profile",
            RUN_PROFILE,
            "-p",
            "herald-hub",
            "--",
            "serve",
        ],
    )?
    .env(EMBED_DIR, embedded_page())
    .exec())
}

/// Where the example shop listens unless `SHOP_ADDR` says otherwise.
const SHOP_ADDRESS: &str = "127.0.0.1:3001";

/// Runs `cargo xtask shop`: installs what the page needs, builds the
/// example shop's page, then runs its server (which serves the page) in
/// place of this process, as [`run`] does the hub; returns only on failure.
///
/// # Errors
/// Names the step that failed, or says the port is taken.
pub(crate) fn shop() -> anyhow::Result<()> {
    let address = env::var("SHOP_ADDR").unwrap_or_else(|_| SHOP_ADDRESS.to_owned());
    if let Err(error) = TcpListener::bind(&address) {
        bail!("cannot listen on {address} ({error}): is the shop already running? Stop it first");
    }
    setup::install(Scope::Run)?;
    step::run_all(vec![page::SHOP.build_step()?])?;
    Err(Step::cargo("run the shop", ["run", "--release", "-p", "shop-backend"])?.exec())
}

/// Installs what is missing, then builds the page and the hub in release
/// with the page inside.
///
/// On a fresh machine the hub and the page's wasm first compile beside the
/// installs, the hub without the page (wasm-bindgen is not there yet to
/// finish it): the second build then compiles the hub's crate again with
/// the page, and none of its dependencies.
///
/// `target`, when given, is the target triple the hub is built for
/// (`cargo xtask dist --target`); the page is wasm either way.
pub(crate) fn build(profile: &str, target: Option<&str>) -> anyhow::Result<()> {
    let mut hub = vec!["build", "--profile", profile, "-p", "herald-hub"];
    hub.extend(
        target
            .map(|target| ["--target", target])
            .into_iter()
            .flatten(),
    );
    let early = vec![
        Step::cargo("build the hub before its page", &hub)?,
        page::DASHBOARD.compile_step()?,
    ];
    setup::install_beside(Scope::Run, early)?;
    step::run_all(vec![
        page::DASHBOARD.build_step()?,
        Step::cargo("build the hub", &hub)?.env(EMBED_DIR, embedded_page()),
    ])
}

/// The cargo profile `cargo xtask run` builds with: cargo's release,
/// quick to build.
const RUN_PROFILE: &str = "release";

/// The cargo profile of what ships and what is measured (`Cargo.toml`
/// says why): `cargo xtask dist` and `cargo xtask bench`.
pub(crate) const DIST_PROFILE: &str = "dist";

/// The page `cargo xtask page` writes, which the hub is built with.
pub(crate) fn embedded_page() -> PathBuf {
    page::DASHBOARD.dist()
}
