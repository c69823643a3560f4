//! `cargo xtask run`: build the page and the hub in release, then start the
//! hub, which logs the URL to open once it listens (`herald is listening
//! url=http://127.0.0.1:3000/`) and serves until Ctrl-C.
//!
//! The last step replaces this process with `cargo run`, which in turn
//! replaces itself with the hub, rather than spawning the hub and waiting for
//! it. std cannot catch signals, so a waiting parent would die on Ctrl-C or
//! SIGTERM before its child; on SIGTERM, which reaches only the parent, the
//! hub would be left holding the port. After the exec, the process the user
//! started *is* the hub: it gets every signal and shuts down gracefully, and
//! its exit status is the command's.

use std::{env, net::TcpListener};

use anyhow::bail;

use crate::{
    setup::{self, Scope},
    step::{self, Step},
};

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
    setup::install(Scope::Run)?;
    step::run_all(vec![
        Step::build_page()?,
        Step::cargo("build the hub", ["build", "--release", "-p", "backend"])?,
    ])?;
    // Already built above, so cargo starts the hub at once.
    Err(Step::cargo(
        "run the hub",
        ["run", "--release", "-p", "backend", "--", "serve"],
    )?
    .exec())
}
