//! `cargo xtask fuzz [--seconds N]`: the fuzz oracles' tests, then every
//! libFuzzer target in `backend/fuzz/` for N seconds each, failing on the
//! first crash with the target's name. `cargo xtask ci` ends
//! with the same steps, [`CI_SECONDS`] a target.
//!
//! The targets build with [`setup::FUZZ_NIGHTLY`] through cargo-fuzz,
//! release with debug assertions (overflow checks on: an overflow the
//! hub's release build would wrap silently is a finding too), into a
//! directory outside the repository (see [`fuzz_target_dir`]). A crash
//! leaves its input in `backend/fuzz/artifacts/TARGET/`, and cargo-fuzz
//! prints the command that replays it; the corpus grows in
//! `backend/fuzz/corpus/`. Neither is committed.

use std::{ffi::OsString, path::PathBuf};

use anyhow::{Context, bail};

use crate::{
    setup,
    step::{self, Step},
    tools,
};

/// Seconds each target runs in `cargo xtask ci`, and by
/// default here: enough to catch a shallow crash that a change brings in,
/// short enough that the six targets add about two minutes to CI. Longer
/// runs are for `--seconds`.
pub(crate) const CI_SECONDS: u64 = 20;

/// The fuzz project, from the repository root.
const FUZZ_DIR: &str = "backend/fuzz";

/// Every target in `backend/fuzz/Cargo.toml`, with the name of its step.
const TARGETS: [(&str, &str); 6] = [
    ("event_id", "fuzz event_id"),
    ("publish_body", "fuzz publish_body"),
    ("read_request", "fuzz read_request"),
    ("sse_frame", "fuzz sse_frame"),
    ("stream_head", "fuzz stream_head"),
    ("topic_pattern", "fuzz topic_pattern"),
];

/// Runs `cargo xtask fuzz` with its arguments.
///
/// # Errors
/// Refuses arguments other than `--seconds N`; otherwise names the step
/// that failed, and so the target that crashed.
pub(crate) fn run(args: &[&str]) -> anyhow::Result<()> {
    let seconds = match args {
        [] => CI_SECONDS,
        ["--seconds", seconds] => seconds
            .parse()
            .ok()
            .filter(|seconds| *seconds > 0)
            .with_context(|| format!("--seconds takes a whole number above 0, not {seconds:?}"))?,
        _ => bail!("usage: cargo xtask fuzz [--seconds N]; got {args:?}"),
    };
    setup::fuzz_tools()?;
    step::run_all(steps(seconds)?)
}

/// The oracles' tests, one build of every target, then each target for
/// `seconds`.
///
/// # Errors
/// As [`Step::new`], or when there is no cache directory to build in.
pub(crate) fn steps(seconds: u64) -> anyhow::Result<Vec<Step>> {
    let mut steps = vec![
        // The oracles decide what a finding is, so they are checked first;
        // they depend on nothing and build in seconds.
        Step::cargo(
            "test the fuzz oracles",
            ["test", "--manifest-path", "backend/fuzz/oracles/Cargo.toml"],
        )?
        .counting_tests(),
        Step::new("build the fuzz targets", "cargo", cargo_fuzz("build")?)?,
    ];
    let limits = [
        format!("-max_total_time={seconds}"),
        // One input that runs this long is a hang, which fails the step
        // like a crash (libFuzzer's default is 20 minutes).
        "-timeout=60".to_owned(),
    ];
    for (target, name) in TARGETS {
        let mut args = cargo_fuzz("run")?;
        args.push(target.into());
        args.push("--".into());
        args.extend(limits.iter().map(OsString::from));
        steps.push(Step::new(name, "cargo", args)?);
    }
    Ok(steps)
}

/// `cargo +NIGHTLY fuzz COMMAND` with the options every command shares;
/// `run` must build as `build` did, or it would build again.
fn cargo_fuzz(command: &str) -> anyhow::Result<Vec<OsString>> {
    let toolchain = format!("+{}", setup::FUZZ_NIGHTLY);
    let mut args: Vec<OsString> = [toolchain.as_str(), "fuzz", command, "--fuzz-dir", FUZZ_DIR]
        .into_iter()
        .map(OsString::from)
        .collect();
    args.extend(["--release", "--debug-assertions", "--target-dir"].map(OsString::from));
    args.push(fuzz_target_dir()?.into());
    Ok(args)
}

/// Where the targets build: beside the installed tools, outside the
/// repository, so that every clone on the machine, CI's fresh one too,
/// reuses the dependencies an earlier run built with the sanitizer (about
/// five minutes of work on two cores); a clone builds only its own crates.
fn fuzz_target_dir() -> anyhow::Result<PathBuf> {
    Ok(tools::npm_prefix()?.join("fuzz-target"))
}
