//! `cargo xtask dist [--target TRIPLE]`: the release binary, the page inside,
//! as one file to download, with its SHA-256.
//!
//! The hub is built with the `dist` profile (whole-program LTO), for the
//! host or for `TRIPLE`: `x86_64-unknown-linux-musl` gives a static binary
//! that runs on any x86-64 Linux, and in an image `FROM scratch`
//! ([`crate::image`]). Its one C dependency (ring, under rustls) is
//! compiled by Debian's `musl-gcc` (package `musl-tools`), which this
//! installs when missing, with the target's standard library from rustup.
//!
//! The file is copied to `target/artifacts/herald-VERSION-TRIPLE` beside
//! `herald-VERSION-TRIPLE.sha256` (`sha256sum -c` reads it), and the binary
//! is checked to be what was asked: a musl build with no program
//! interpreter (a dynamic loader) is static.

use std::{fs, path::PathBuf};

use anyhow::{Context, bail};

use crate::{
    serve, setup,
    step::{self, Step},
};

/// The musl target a static x86-64 binary is built for.
pub(crate) const MUSL: &str = "x86_64-unknown-linux-musl";

/// Where the release files go, below the target directory.
const ARTIFACTS: &str = "artifacts";

/// A release binary `dist` built.
pub(crate) struct Artifact {
    /// The binary, named with its version and target.
    pub(crate) binary: PathBuf,
    /// Its target triple.
    pub(crate) target: String,
    /// The hub's version.
    pub(crate) version: String,
}

/// Runs `cargo xtask dist` with its arguments.
///
/// # Errors
/// Refuses arguments other than `--target TRIPLE`; otherwise names the step
/// that failed.
pub(crate) fn run(args: &[&str]) -> anyhow::Result<()> {
    let target = match args {
        [] => None,
        ["--target", target] => Some(*target),
        _ => bail!("usage: cargo xtask dist [--target TRIPLE]; got {args:?}"),
    };
    let artifact = build(target)?;
    let size = fs::metadata(&artifact.binary)
        .with_context(|| format!("cannot read {}", artifact.binary.display()))?
        .len();
    print_artifact(&artifact, size);
    Ok(())
}

/// Builds the release binary for `target` (the host's when `None`), copies
/// it to `target/artifacts/` and writes its SHA-256 beside it.
///
/// # Errors
/// Names the step that failed, or says a musl binary came out dynamic.
pub(crate) fn build(target: Option<&str>) -> anyhow::Result<Artifact> {
    if let Some(target) = target {
        target_tools(target)?;
    }
    serve::build(serve::DIST_PROFILE, target)?;
    let target_dir = step::cargo_target_dir()?;
    let built = match target {
        Some(target) => target_dir.join(target),
        None => target_dir.clone(),
    }
    .join(serve::DIST_PROFILE)
    .join("herald");
    let triple = match target {
        Some(target) => target.to_owned(),
        None => host_triple()?,
    };
    let version = hub_version()?;
    let dir = target_dir.join(ARTIFACTS);
    fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let name = format!("herald-{version}-{triple}");
    let binary = dir.join(&name);
    fs::copy(&built, &binary)
        .with_context(|| format!("cannot copy {} to {}", built.display(), binary.display()))?;
    let interpreter = has_interpreter(
        &fs::read(&binary).with_context(|| format!("cannot read {}", binary.display()))?,
    )
    .with_context(|| format!("{} is not a 64-bit ELF file", binary.display()))?;
    if triple.ends_with("-musl") && interpreter {
        bail!(
            "{} asks for a dynamic loader: a musl build must be static",
            binary.display()
        );
    }
    // `sha256sum NAME` run in the folder prints `HASH  NAME`, the line
    // `sha256sum -c` checks a download against.
    let line = Step::new("sum the binary", "sha256sum", [&name])?
        .in_dir(&dir)
        .output()?;
    let sums = dir.join(format!("{name}.sha256"));
    fs::write(&sums, &line).with_context(|| format!("cannot write {}", sums.display()))?;
    Ok(Artifact {
        binary,
        target: triple,
        version,
    })
}

/// What building for `target` needs besides the pinned toolchain: its
/// standard library, and for musl a C compiler for it.
fn target_tools(target: &str) -> anyhow::Result<()> {
    let installed = step::probe("rustup", &["target", "list", "--installed"]);
    if !installed.is_some_and(|list| list.lines().any(|line| line.trim() == target)) {
        Step::new(
            "install the target's standard library",
            "rustup",
            ["target", "add", target],
        )?
        .run()?;
    }
    match target {
        MUSL => setup::debian(&[("musl-tools", "/usr/bin/musl-gcc")]),
        _ if target.ends_with("-musl") => bail!(
            "{target}: ring needs a C compiler for it, and Debian packages musl-gcc for \
             x86-64 only; build on a machine of that architecture with musl-tools"
        ),
        _ => Ok(()),
    }
}

/// The host's target triple, as rustc names it.
fn host_triple() -> anyhow::Result<String> {
    let version = Step::new("read the host's triple", "rustc", ["-vV"])?.output()?;
    version
        .lines()
        .find_map(|line| line.strip_prefix("host: "))
        .map(str::to_owned)
        .context("`rustc -vV` names no host")
}

/// The hub's version, from its manifest.
pub(crate) fn hub_version() -> anyhow::Result<String> {
    let pkgid = Step::cargo("read the hub's version", ["pkgid", "-p", "herald-hub"])?.output()?;
    setup::pkgid_version(&pkgid)
        .map(str::to_owned)
        .with_context(|| format!("no version in {pkgid:?}"))
}

/// Whether a 64-bit little-endian ELF file asks for a program interpreter
/// (`PT_INTERP`, the dynamic loader); `None` when it is not such a file.
fn has_interpreter(elf: &[u8]) -> Option<bool> {
    if elf.get(..6)? != b"\x7fELF\x02\x01" {
        return None;
    }
    let u64_at = |at: usize| Some(u64::from_le_bytes(elf.get(at..at + 8)?.try_into().ok()?));
    let u16_at = |at: usize| Some(u16::from_le_bytes(elf.get(at..at + 2)?.try_into().ok()?));
    let table = usize::try_from(u64_at(0x20)?).ok()?;
    let entry_size = usize::from(u16_at(0x36)?);
    let entries = usize::from(u16_at(0x38)?);
    const PT_INTERP: u32 = 3;
    for index in 0..entries {
        let at = table.checked_add(index.checked_mul(entry_size)?)?;
        let kind = u32::from_le_bytes(elf.get(at..at + 4)?.try_into().ok()?);
        if kind == PT_INTERP {
            return Some(true);
        }
    }
    Some(false)
}

#[expect(
    clippy::print_stdout,
    reason = "the binary's path, size and sum are the command's answer"
)]
fn print_artifact(artifact: &Artifact, size: u64) {
    let mebibytes = size as f64 / (1024.0 * 1024.0);
    println!(
        "{} ({mebibytes:.1} MiB, herald {} for {}, the page inside; SHA-256 in {}.sha256)",
        artifact.binary.display(),
        artifact.version,
        artifact.target,
        artifact.binary.display()
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_test_binary_is_read_as_the_elf_file_it_is() {
        let me = fs::read(std::env::current_exe().unwrap()).unwrap();
        // Built for the host, a gnu target: dynamic, with its loader.
        assert_eq!(has_interpreter(&me), Some(true));
        assert_eq!(has_interpreter(b"#!/bin/sh\n"), None);
        assert_eq!(
            has_interpreter(&me[..64]),
            None,
            "cut before its program headers"
        );
    }
}
