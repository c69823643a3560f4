//! What this build is: the version of the crate and the commit it was built
//! from, as `herald --version` prints them and `/metrics` exports them
//! (`herald_build_info`), so an operator can tell which build each node of a
//! cluster runs.

/// The crate's version, `0.2.0`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The commit the build is from: git's short hash of `HEAD` when built in a
/// checkout, what `HERALD_COMMIT` said when set, else `unknown` (see
/// `backend/build.rs`).
pub const COMMIT: &str = env!("HERALD_COMMIT");

/// `0.2.0 (commit 0123456789ab)`: what `herald --version` prints after the
/// program's name.
pub const LONG_VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("HERALD_COMMIT"),
    ")"
);
