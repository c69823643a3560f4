//! TypeScript from Herald's contract, with the npm project in
//! `e2e/typescript`, whose `package-lock.json` pins the standard generators
//! (json-schema-to-typescript, openapi-typescript) and TypeScript itself,
//! and which `cargo xtask setup` installs (`npm ci`) like `e2e/node`.
//!
//! Its `generate.mjs` writes what a generator makes of the committed
//! `docs/api` (each with the options it sets once, for `npm run events`
//! and these tests alike) into `generated_dir`; `tsc` then compiles its
//! `usage.ts`, a page's use of `backend/client/herald.d.ts` with those
//! types, strictly. Each command's output is kept in the error when it
//! fails.

use std::{
    fs,
    path::{Path, PathBuf},
    process::{Command, Output},
};

use anyhow::{Context, ensure};

use crate::node::installed_in;

/// What `generate.mjs` can write.
#[derive(Debug, Clone, Copy)]
pub enum Generated {
    /// `events.d.ts`, from `events.schema.json` by json-schema-to-typescript.
    Events,
    /// `openapi.d.ts`, from `openapi.json` by openapi-typescript.
    OpenApi,
}

impl Generated {
    /// The name `generate.mjs` knows it by.
    fn name(self) -> &'static str {
        match self {
            Self::Events => "events",
            Self::OpenApi => "openapi",
        }
    }

    /// The generator's npm package.
    pub fn package(self) -> &'static str {
        match self {
            Self::Events => "json-schema-to-typescript",
            Self::OpenApi => "openapi-typescript",
        }
    }

    /// Where it is written: `generated_dir``/{name}.d.ts`.
    pub fn path(self) -> anyhow::Result<PathBuf> {
        Ok(generated_dir()?.join(format!("{}.d.ts", self.name())))
    }
}

/// The `events.d.ts` committed beside herald.js, for pages of the `herald`
/// binary to type its events with.
pub fn committed_events() -> PathBuf {
    crate::repo_root().join("backend/client/events.d.ts")
}

/// Writes `what` from the committed contract, fresh, and returns its path.
///
/// # Errors
/// Fails, with the generator's output, when it does not succeed, or, saying
/// how to install it, when it is missing.
pub fn generate(what: Generated) -> anyhow::Result<PathBuf> {
    installed(what.package())?;
    let path = what.path()?;
    let mut command = Command::new("node");
    command.arg("generate.mjs").arg(what.name()).arg(&path);
    run(&mut command, &format!("node generate.mjs {}", what.name()))?;
    Ok(path)
}

/// Compiles `usage.ts` with `tsc --noEmit --strict`; it reads the OpenAPI
/// types from [`Generated::OpenApi`]'s path (its `tsconfig.json` names it),
/// so generate those first.
///
/// # Errors
/// Fails with the compiler's complaints.
pub fn check() -> anyhow::Result<()> {
    let version = installed("typescript")?;
    let mut command = Command::new("node");
    command.args([
        "node_modules/typescript/bin/tsc",
        "-p",
        ".",
        "--noEmit",
        "--strict",
    ]);
    run(&mut command, "tsc --noEmit --strict")
        .with_context(|| format!("TypeScript {version} refused e2e/typescript/usage.ts"))
}

/// The version of `package` installed in `e2e/typescript`.
///
/// # Errors
/// Fails, saying how to install it, when the package is missing.
pub fn installed(package: &str) -> anyhow::Result<String> {
    installed_in(&project_dir(), package)
}

/// `target/e2e/typescript`, created if need be: where generated types go.
/// `e2e/typescript/tsconfig.json` names it too.
fn generated_dir() -> anyhow::Result<PathBuf> {
    let dir = crate::artifact("typescript")?;
    fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    Ok(dir)
}

/// Runs `command` in `e2e/typescript`; `what` names it in an error.
fn run(command: &mut Command, what: &str) -> anyhow::Result<()> {
    let Output {
        status,
        stdout,
        stderr,
    } = command
        .current_dir(project_dir())
        .output()
        .with_context(|| format!("cannot start `{what}` (is Node installed?)"))?;
    ensure!(
        status.success(),
        "`{what}` failed ({status}):\n{}{}",
        String::from_utf8_lossy(&stdout),
        String::from_utf8_lossy(&stderr)
    );
    Ok(())
}

/// `e2e/typescript`: the npm project.
fn project_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("typescript")
}
