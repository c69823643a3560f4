//! Where the installed tools live, and the `PATH` every step runs with.
//!
//! A leaf module: [`crate::setup`] installs into these places and
//! [`crate::step`] puts them first on `PATH`, and neither needs the other for
//! that. They come first because trunk picks `wasm-bindgen` and `wasm-opt`
//! from `PATH` and would try to download them otherwise, which fails on a
//! closed network.

use std::{env, ffi::OsString, path::PathBuf};

use anyhow::Context;

/// Debian's Chromium, which the wasm tests and the end-to-end test drive.
pub(crate) const CHROMIUM: &str = "/usr/bin/chromium";
/// Where the end-to-end and wasm tests find chromedriver.
pub(crate) const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// Debian's Redis server, which the cluster tests start instances of.
pub(crate) const REDIS_SERVER: &str = "/usr/bin/redis-server";
/// What a test reads a socket's kernel buffers with.
pub(crate) const SS: &str = "/usr/bin/ss";
/// Debian's nginx (`nginx-light`), which runs Nchan for the benchmark.
pub(crate) const NGINX: &str = "/usr/sbin/nginx";
/// The Nchan module `libnginx-mod-nchan` installs, which the benchmark's
/// nginx configuration loads.
pub(crate) const NCHAN_MODULE: &str = "/usr/lib/nginx/modules/ngx_nchan_module.so";

/// The npm prefix wasm-opt is installed into. It lives outside the repository
/// so that every clone on the machine (CI's fresh one too) shares it.
///
/// # Errors
/// Fails when neither `XDG_CACHE_HOME` nor `HOME` is set.
pub(crate) fn npm_prefix() -> anyhow::Result<PathBuf> {
    let cache = match env::var_os("XDG_CACHE_HOME") {
        Some(dir) => PathBuf::from(dir),
        None => home()?.join(".cache"),
    };
    Ok(cache.join("herald-tools"))
}

/// The folder npm puts the installed packages' programs in.
///
/// # Errors
/// As [`npm_prefix`].
pub(crate) fn npm_bin() -> anyhow::Result<PathBuf> {
    Ok(npm_prefix()?.join("node_modules").join(".bin"))
}

/// The virtual environment `setup` installs the Python tools of
/// `e2e/python` into: beside npm's packages in [`npm_prefix`], shared by
/// every clone the same way. The end-to-end tests look for it at the same
/// place (`e2e/src/python.rs`). It is not on [`search_path`]: its `python3`
/// would stand in for the system's in every step.
///
/// # Errors
/// As [`npm_prefix`].
pub(crate) fn python_venv() -> anyhow::Result<PathBuf> {
    Ok(npm_prefix()?.join("python"))
}

/// `PATH` with the tool directories first: npm's bin folder in
/// [`npm_prefix`], then cargo's bin folder (a fresh rustup install may not
/// have put it on `PATH` for this shell yet).
///
/// # Errors
/// Fails when `HOME` is needed but not set, or a tool directory contains the
/// `PATH` separator.
pub(crate) fn search_path() -> anyhow::Result<OsString> {
    let mut dirs = vec![npm_bin()?, cargo_bin()?];
    dirs.extend(env::split_paths(&env::var_os("PATH").unwrap_or_default()));
    env::join_paths(dirs).context("a tool directory contains the PATH separator `:`")
}

/// Where `cargo install` puts programs.
fn cargo_bin() -> anyhow::Result<PathBuf> {
    let cargo_home = match env::var_os("CARGO_HOME") {
        Some(dir) => PathBuf::from(dir),
        None => home()?.join(".cargo"),
    };
    Ok(cargo_home.join("bin"))
}

fn home() -> anyhow::Result<PathBuf> {
    env::var_os("HOME")
        .map(PathBuf::from)
        .context("HOME is not set, so there is nowhere to install tools")
}
