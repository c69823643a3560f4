//! Installs what Herald's build and tests need on a fresh Debian machine that
//! has rustup, cargo, node and npm, each piece only when it is missing or at
//! another version, so that a second run takes about a second.
//!
//! `rust-toolchain.toml` pins the Rust toolchain with its wasm target, rustfmt
//! and clippy, so rustup, editors and plain cargo use the same one; setup only
//! makes sure the target is there (see [`toolchain`]). The machines reach
//! package registries and nothing else, so every other tool comes from a
//! registry and trunk must never download one itself:
//! - trunk, the development server (`trunk serve`), is pinned to 0.21.14,
//!   the newest release that builds on rustc 1.95 (0.22 needs 1.96.1). Only
//!   CI installs it: `run`, `dist` and `test` build the pages without it
//!   ([`crate::page`]).
//! - wasm-bindgen-cli must equal the `wasm-bindgen` in `Cargo.lock` exactly,
//!   or the page's bindings would not fit its code (and trunk would try to
//!   download the matching one). It is installed without
//!   `--locked`: its own lock file pins a webpki-roots the registry no longer
//!   serves.
//! - wasm-opt comes from npm's `binaryen`: Debian's binaryen 108 cannot parse
//!   what rustc 1.95 and wasm-bindgen 0.2.130 emit.
//! - Chromium and chromedriver come from Debian, for the wasm tests and the
//!   end-to-end test, and so does `redis-server`, which the cluster tests
//!   start their own instances of.
//! - The npm packages of `e2e/node` (the `eventsource` client the
//!   end-to-end tests run under Node) and of `e2e/typescript` (the
//!   generators of TypeScript from the contract, and `tsc`) come from their
//!   `package-lock.json` with `npm ci`, so every machine tests the same
//!   client and the same generated types.
//! - The Python tools of `e2e/python` (schemathesis and
//!   openapi-spec-validator for the OpenAPI contract tests, httpx and
//!   httpx-sse for the Python example) come from PyPI with pip, into a venv
//!   of the system's `python3` beside npm's packages. Its `requirements.txt`
//!   pins the tools and everything they pull in, for the reason the lock
//!   file pins the npm tree: a seeded schemathesis run repeats its cases only
//!   under the same hypothesis.
//! - cargo-deny checks the dependency tree against `deny.toml`.
//! - The fuzz targets build with a dated nightly (libFuzzer's instrumentation
//!   needs `-Z` flags) and cargo-fuzz, which itself builds with the pinned
//!   toolchain; see [`crate::fuzz`].

use std::{collections::HashSet, ffi::OsStr, fs, time::Instant};

use anyhow::{Context, bail};

use crate::{
    step::{self, Step},
    tools,
};

/// Must match `targets` in `rust-toolchain.toml`.
const WASM_TARGET: &str = "wasm32-unknown-unknown";
const TRUNK_VERSION: &str = "0.21.14";
/// Major version of npm's `binaryen`, which is also wasm-opt's version.
const BINARYEN_VERSION: &str = "132";
/// cargo-deny's newest release; it needs rustc 1.88, so it builds on the
/// pinned 1.95 (in about six minutes on two cores).
const CARGO_DENY_VERSION: &str = "0.20.2";
/// The nightly the fuzz targets build with: dated, so every machine fuzzes
/// with the same compiler (rustc 1.97.0-nightly e50aa6fba 2026-05-19); its
/// minimal profile is enough, as cargo-fuzz needs no other component.
pub(crate) const FUZZ_NIGHTLY: &str = "nightly-2026-05-20";
/// cargo-fuzz's newest release; it builds on the pinned 1.95 in about a
/// minute and a half on two cores.
const CARGO_FUZZ_VERSION: &str = "0.13.2";

/// How much to install.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Scope {
    /// What `cargo xtask run` needs: the wasm target and the page build's
    /// tools (wasm-bindgen-cli, wasm-opt; see [`crate::page`]).
    Run,
    /// What `cargo xtask test` needs besides: Chromium, chromedriver,
    /// redis-server and `ss` from Debian, the npm packages of `e2e/node`,
    /// `e2e/typescript` and the Node example, and the Python tools of
    /// `e2e/python`.
    Test,
    /// Everything: what testing needs, and for CI's checks trunk (the
    /// development server, whose build of the page CI checks), cargo-deny,
    /// and the nightly and cargo-fuzz of the fuzz runs.
    Ci,
}

/// Fetches the crates (so offline builds find them), then installs
/// whatever `scope` needs and is missing. The installs run beside
/// each other ([`step::run_together`]).
///
/// # Errors
/// Names the install that failed.
pub(crate) fn install(scope: Scope) -> anyhow::Result<()> {
    install_beside(scope, Vec::new())
}

/// As [`install`], with `builds` running beside the installs when there
/// are any: on a fresh machine the hub's dependencies compile while trunk
/// does. When nothing is missing the builds are left to the caller, which
/// runs them in their place (a build beside nothing gains nothing, and
/// shows its progress only when run alone).
///
/// # Errors
/// Names the install or build that failed.
pub(crate) fn install_beside(scope: Scope, builds: Vec<Step>) -> anyhow::Result<()> {
    let started = Instant::now();
    eprintln!("==> setup: checking tools");
    toolchain()?;
    // Before the rest: every cargo build below then finds its crates, and
    // the downloads do not contend for cargo's package lock.
    Step::cargo("fetch crates", ["fetch"])?.run()?;
    let installs = missing(scope)?;
    if !installs.is_empty() {
        step::run_together(installs.into_iter().chain(builds).collect())?;
    }
    eprintln!("<== setup: ok in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}

/// The installs `scope` needs whose tool is missing or at another version.
fn missing(scope: Scope) -> anyhow::Result<Vec<Step>> {
    let mut steps = Vec::new();
    steps.extend(wasm_bindgen()?);
    steps.extend(wasm_opt()?);
    if scope >= Scope::Test {
        steps.extend(debian_install(
            "install Debian's packages",
            &DEBIAN_PACKAGES,
        )?);
        steps.extend(npm_installs()?);
        steps.extend(python_tools()?);
    }
    if scope >= Scope::Ci {
        steps.extend(locked_crate("install trunk", "trunk", TRUNK_VERSION)?);
        steps.extend(locked_crate(
            "install cargo-deny",
            "cargo-deny",
            CARGO_DENY_VERSION,
        )?);
        steps.extend(fuzz_installs()?);
    }
    Ok(steps)
}

/// The wasm target of the pinned toolchain.
///
/// rustup installs what `rust-toolchain.toml` lists by itself on the first
/// cargo command, except where auto-install is off (`RUSTUP_AUTO_INSTALL=0`,
/// as on Herald's build machines). Then the toolchain must already be there
/// for this xtask to run at all, but the target may be missing:
/// `rustup toolchain install` without arguments installs what the file lists.
fn toolchain() -> anyhow::Result<()> {
    let installed = step::probe("rustup", &["target", "list", "--installed"]);
    if installed.is_some_and(|targets| targets.lines().any(|line| line.trim() == WASM_TARGET)) {
        return present(&format!("the pinned toolchain with {WASM_TARGET}"));
    }
    // rustup's proxy sets `RUSTUP_TOOLCHAIN` for the commands cargo runs, and
    // with it set rustup installs the bare toolchain and ignores the file's
    // targets and components. Installing the toolchain is no reason to
    // replace rustup itself.
    Step::new(
        "install the pinned toolchain",
        "rustup",
        ["toolchain", "install", "--no-self-update"],
    )?
    .env_remove("RUSTUP_TOOLCHAIN")
    .run()?;
    Ok(())
}

/// The nightly and cargo-fuzz that `cargo xtask fuzz` runs the targets
/// with, each only when missing, installed beside each other.
///
/// # Errors
/// Names the install that failed.
pub(crate) fn fuzz_tools() -> anyhow::Result<()> {
    step::run_together(fuzz_installs()?)
}

fn fuzz_installs() -> anyhow::Result<Vec<Step>> {
    let mut steps = Vec::new();
    let toolchains = step::probe("rustup", &["toolchain", "list"]);
    let prefix = format!("{FUZZ_NIGHTLY}-");
    if toolchains.is_some_and(|list| list.lines().any(|line| line.starts_with(&prefix))) {
        present(FUZZ_NIGHTLY)?;
    } else {
        steps.push(Step::new(
            "install the fuzzing nightly",
            "rustup",
            [
                "toolchain",
                "install",
                FUZZ_NIGHTLY,
                "--profile",
                "minimal",
                "--no-self-update",
            ],
        )?);
    }
    steps.extend(locked_crate(
        "install cargo-fuzz",
        "cargo-fuzz",
        CARGO_FUZZ_VERSION,
    )?);
    Ok(steps)
}

/// `cargo install` of a tool, built light: the release profile of the
/// tool's own manifest is overridden (cargo's `CARGO_PROFILE_RELEASE_*`
/// settings apply to `cargo install`) with no LTO, sixteen codegen units
/// and `opt-level` 1. The tools transform a page or read a lock file in a
/// second either way; built as their manifests say, trunk alone took ten
/// minutes of a fresh machine's two cores.
fn light_install(
    name: &'static str,
    args: impl IntoIterator<Item = impl AsRef<OsStr>>,
) -> anyhow::Result<Step> {
    Ok(Step::cargo(name, args)?
        .env("CARGO_PROFILE_RELEASE_LTO", "false")
        .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16")
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "1")
        .env("CARGO_PROFILE_RELEASE_DEBUG", "false"))
}

/// The install of `krate` at `version` with `cargo install --locked` (the
/// step `name`), unless its binary of the same name already prints `krate
/// version` for `--version`, as trunk and cargo-deny do.
fn locked_crate(name: &'static str, krate: &str, version: &str) -> anyhow::Result<Option<Step>> {
    let found = step::probe(krate, &["--version"]);
    if version_word(found.as_deref(), 1) == Some(version) {
        present(&format!("{krate} {version}"))?;
        return Ok(None);
    }
    Ok(Some(light_install(
        name,
        ["install", krate, "--version", version, "--locked"],
    )?))
}

fn wasm_bindgen() -> anyhow::Result<Option<Step>> {
    // Prints `registry+https://github.com/rust-lang/crates.io-index#wasm-bindgen@0.2.130`,
    // and fails when the tree holds several versions: one of them would not
    // match the CLI. Not `--locked`: after an edit to a manifest, cargo
    // resolves the tree here as the page build then will.
    let pkgid =
        Step::cargo("read the wasm-bindgen version", ["pkgid", "wasm-bindgen"])?.output()?;
    let Some(wanted) = pkgid_version(&pkgid) else {
        bail!("step `read the wasm-bindgen version`: no version in {pkgid:?}");
    };
    // One crate installs both; the test runner is what `cargo test --target
    // wasm32-unknown-unknown` calls.
    let cli = step::probe("wasm-bindgen", &["--version"]);
    let runner = step::probe("wasm-bindgen-test-runner", &["--version"]);
    if version_word(cli.as_deref(), 1) == Some(wanted)
        && version_word(runner.as_deref(), 1) == Some(wanted)
    {
        present(&format!("wasm-bindgen-cli {wanted}"))?;
        return Ok(None);
    }
    Ok(Some(light_install(
        "install wasm-bindgen-cli",
        ["install", "wasm-bindgen-cli", "--version", wanted],
    )?))
}

fn wasm_opt() -> anyhow::Result<Option<Step>> {
    // Prints `wasm-opt version 132 (version_132)`.
    let found = step::probe(tools::npm_bin()?.join("wasm-opt"), &["--version"]);
    if version_word(found.as_deref(), 2) == Some(BINARYEN_VERSION) {
        present(&format!("wasm-opt {BINARYEN_VERSION}"))?;
        return Ok(None);
    }
    let prefix = tools::npm_prefix()?;
    fs::create_dir_all(&prefix).with_context(|| format!("cannot create {}", prefix.display()))?;
    let prefix = prefix.to_string_lossy().into_owned();
    let package = format!("binaryen@{BINARYEN_VERSION}");
    Ok(Some(Step::new(
        "install wasm-opt",
        "npm",
        [
            "install",
            "--prefix",
            &prefix,
            &package,
            "--no-audit",
            "--no-fund",
        ],
    )?))
}

/// The npm projects the tests run, from the repository root, each with
/// what its install step is called: the Node clients of the streams, the
/// TypeScript generators and compiler, and the Node example, run as a
/// reader of the README runs it.
const NPM_PROJECTS: [(&str, &str); 3] = [
    ("e2e/node", "install the npm packages of e2e/node"),
    (
        "e2e/typescript",
        "install the npm packages of e2e/typescript",
    ),
    (
        "examples/clients/node",
        "install the npm packages of examples/clients/node",
    ),
];

/// Installs the packages of each of [`NPM_PROJECTS`] that needs it (see
/// [`npm_installs`]), beside each other.
///
/// # Errors
/// Names the install that failed.
pub(crate) fn npm_projects() -> anyhow::Result<()> {
    step::run_together(npm_installs()?)
}

/// The packages of each of [`NPM_PROJECTS`] as its lock file pins them,
/// unless they are there already at the versions its `package.json`
/// names: `npm ls` fails when one is missing or at another version, as
/// after a pull that moved the pin.
fn npm_installs() -> anyhow::Result<Vec<Step>> {
    let mut steps = Vec::new();
    for (project, install) in NPM_PROJECTS {
        if step::probe("npm", &["ls", "--prefix", project]).is_some() {
            present(&format!("the npm packages of {project}"))?;
            continue;
        }
        steps.push(Step::new(
            install,
            "npm",
            ["ci", "--prefix", project, "--no-audit", "--no-fund"],
        )?);
    }
    Ok(steps)
}

/// The Python tools' requirements, from the repository root: one exact pin
/// (`name==version`, as `pip freeze` prints it) a line, for every package
/// of the tree but pip and setuptools, which `pip freeze` leaves out.
const PYTHON_REQUIREMENTS: &str = "e2e/python/requirements.txt";

/// The packages [`PYTHON_REQUIREMENTS`] pins, installed with pip into the
/// venv at [`tools::python_venv`], unless that venv's `pip freeze` already
/// lists every pin. Like `npm ls` for the npm packages, the probe reads what
/// is installed (in about half a second), so it notices a pin a pull moved
/// as well as a package removed by hand, which a stamp file written after
/// the install would not. When the venv's Python does not run at all
/// (no venv yet, or its interpreter gone with a Python upgrade) the venv is
/// created afresh first (`--clear` empties one whose interpreter no longer
/// runs), in the same step.
fn python_tools() -> anyhow::Result<Option<Step>> {
    let path = step::project_root().join(PYTHON_REQUIREMENTS);
    let requirements =
        fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
    let pins = exact_pins(&requirements).with_context(|| format!("in {PYTHON_REQUIREMENTS}"))?;
    let venv = tools::python_venv()?;
    let python = venv.join("bin").join("python");
    let create = match step::probe(&python, &["-m", "pip", "freeze"]) {
        Some(freeze) if missing_pins(&pins, &freeze).is_empty() => {
            present(&format!("the Python packages of {PYTHON_REQUIREMENTS}"))?;
            return Ok(None);
        }
        Some(_) => false,
        None => true,
    };
    // Arguments of the script, not words in it: the paths need no quoting.
    let script = if create {
        r#"python3 -m venv --clear "$1" && "$1/bin/python" -m pip install --requirement "$2" --disable-pip-version-check"#
    } else {
        r#""$1/bin/python" -m pip install --requirement "$2" --disable-pip-version-check"#
    };
    Ok(Some(Step::new(
        "install the Python packages of e2e/python",
        "sh",
        [
            OsStr::new("-c"),
            OsStr::new(script),
            OsStr::new("sh"),
            venv.as_os_str(),
            OsStr::new(PYTHON_REQUIREMENTS),
        ],
    )?))
}

/// The pins of a requirements file, each as `name==version` with the name
/// [normalized](normalized_name); comments and blank lines are skipped.
///
/// # Errors
/// Names the first line that is not an exact pin: a range or an option
/// would leave the probe unable to tell whether the venv satisfies it.
fn exact_pins(requirements: &str) -> anyhow::Result<Vec<String>> {
    let mut pins = Vec::new();
    for (index, line) in requirements.lines().enumerate() {
        let line = line.split('#').next().unwrap_or_default().trim();
        if line.is_empty() {
            continue;
        }
        let pin = line
            .split_once("==")
            .map(|(name, version)| (name.trim(), version.trim()));
        match pin {
            Some((name, version)) if is_plain(name) && is_plain(version) => {
                pins.push(format!("{}=={version}", normalized_name(name)));
            }
            _ => bail!(
                "line {} `{line}` is not an exact pin `name==version`",
                index + 1
            ),
        }
    }
    Ok(pins)
}

/// Whether a requirement's name or version is one word of letters, digits,
/// `.`, `_`, `-` and `+` (a local version), without extras, markers or
/// further comparisons.
fn is_plain(word: &str) -> bool {
    !word.is_empty()
        && word
            .chars()
            .all(|char| char.is_ascii_alphanumeric() || matches!(char, '.' | '_' | '-' | '+'))
}

/// Those of `pins` (from [`exact_pins`]) that `pip freeze` did not list.
fn missing_pins<'a>(pins: &'a [String], freeze: &str) -> Vec<&'a str> {
    let installed: HashSet<String> = freeze
        .lines()
        .filter_map(|line| line.split_once("=="))
        .map(|(name, version)| format!("{}=={}", normalized_name(name), version.trim()))
        .collect();
    pins.iter()
        .map(String::as_str)
        .filter(|pin| !installed.contains(*pin))
        .collect()
}

/// A package name as PyPI compares them (PEP 503): lower case, each run of
/// `-`, `_` and `.` one `-`. `pip freeze` prints names as their packages
/// spell them (`PyYAML`, `typing_extensions`).
fn normalized_name(name: &str) -> String {
    let mut normalized = String::with_capacity(name.len());
    for part in name
        .trim()
        .split(['-', '_', '.'])
        .filter(|part| !part.is_empty())
    {
        if !normalized.is_empty() {
            normalized.push('-');
        }
        normalized.push_str(&part.to_ascii_lowercase());
    }
    normalized
}

/// Debian's packages the tests use, by the file each installs.
const DEBIAN_PACKAGES: [(&str, &str); 4] = [
    ("chromium", tools::CHROMIUM),
    ("chromium-driver", tools::CHROMEDRIVER),
    ("redis-server", tools::REDIS_SERVER),
    ("iproute2", tools::SS),
];

/// Installs those of Debian's `packages`, each named with a file it
/// installs, whose file is missing.
///
/// # Errors
/// Names the apt-get step that failed.
pub(crate) fn debian(packages: &[(&str, &str)]) -> anyhow::Result<()> {
    match debian_install("install Debian's packages", packages)? {
        Some(install) => install.run().map(drop),
        None => Ok(()),
    }
}

/// The step `name` that installs those of Debian's `packages` whose file is
/// missing (the package lists updated first), or none when all are there.
fn debian_install(name: &'static str, packages: &[(&str, &str)]) -> anyhow::Result<Option<Step>> {
    let missing: Vec<&str> = packages
        .iter()
        .filter(|(_, path)| fs::metadata(path).is_err())
        .map(|(package, _)| *package)
        .collect();
    if missing.is_empty() {
        let names: Vec<&str> = packages.iter().map(|(package, _)| *package).collect();
        present(&names.join(", "))?;
        return Ok(None);
    }
    // apt-get needs root; a developer who is not root gets a sudo prompt.
    // The package names are the script's arguments, not words in it.
    let is_root = step::probe("id", &["-u"]).is_some_and(|uid| uid.trim() == "0");
    let script = r#"apt-get update && apt-get install -y "$@""#;
    let mut args = vec!["sh", "-c", script, "sh"];
    args.extend(missing);
    let step = if is_root {
        Step::new(name, "env", args)?
    } else {
        Step::new(name, "sudo", ["env"].into_iter().chain(args))?
    };
    Ok(Some(step.env("DEBIAN_FRONTEND", "noninteractive")))
}

fn present(what: &str) -> anyhow::Result<()> {
    eprintln!("    ok: {what}");
    Ok(())
}

/// The `index`th whitespace-separated word of a tool's first output line,
/// such as `0.21.14` in `trunk 0.21.14`.
fn version_word(output: Option<&str>, index: usize) -> Option<&str> {
    output?.lines().next()?.split_whitespace().nth(index)
}

/// The version in what `cargo pkgid` prints: the end of the URL fragment,
/// after the `@` that follows the name (`...#wasm-bindgen@0.2.130`), or the
/// whole fragment where the URL already names the package
/// (`path+file:///work/shared#0.1.0`).
pub(crate) fn pkgid_version(pkgid: &str) -> Option<&str> {
    let (_, fragment) = pkgid.trim().rsplit_once('#')?;
    let version = fragment
        .rsplit_once('@')
        .map_or(fragment, |(_, version)| version);
    version
        .starts_with(|first: char| first.is_ascii_digit())
        .then_some(version)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkgid_version_reads_registry_and_path_ids() {
        assert_eq!(
            pkgid_version(
                "registry+https://github.com/rust-lang/crates.io-index#wasm-bindgen@0.2.130\n"
            ),
            Some("0.2.130")
        );
        assert_eq!(
            pkgid_version("path+file:///work/main/shared#0.1.0"),
            Some("0.1.0")
        );
    }

    #[test]
    fn pkgid_version_refuses_output_without_a_version() {
        assert_eq!(pkgid_version(""), None);
        assert_eq!(
            pkgid_version("registry+https://github.com/rust-lang/crates.io-index"),
            None
        );
        assert_eq!(
            pkgid_version("registry+https://github.com/rust-lang/crates.io-index#wasm-bindgen"),
            None
        );
        assert_eq!(
            pkgid_version("registry+https://github.com/rust-lang/crates.io-index#wasm-bindgen@"),
            None
        );
    }

    #[test]
    fn exact_pins_normalize_names_and_skip_comments() {
        let requirements = "# what uses them\nschemathesis == 4.32.5\n\n  PyYAML==6.0.4  # tree\n\
                            typing_extensions==4.16.0\njsonschema.rs==0.60.3\n";
        assert_eq!(
            exact_pins(requirements).unwrap(),
            [
                "schemathesis==4.32.5",
                "pyyaml==6.0.4",
                "typing-extensions==4.16.0",
                "jsonschema-rs==0.60.3"
            ]
        );
        assert!(exact_pins("# nothing yet\n").unwrap().is_empty());
    }

    #[test]
    fn exact_pins_refuse_what_is_not_an_exact_pin() {
        for line in [
            "httpx>=0.28",
            "httpx",
            "httpx==",
            "==0.28.1",
            "httpx===0.28.1",
            "httpx==0.28.1,<1",
            "httpx[http2]==0.28.1",
            "typing-extensions==4.16.0; python_version < '3.13'",
            "-r other.txt",
        ] {
            let error = exact_pins(&format!("jsonschema==4.26.0\n{line}\n")).unwrap_err();
            assert!(error.to_string().starts_with("line 2 "), "{line}: {error}");
        }
    }

    #[test]
    fn missing_pins_compare_normalized_names_and_exact_versions() {
        let pins = exact_pins("PyYAML==6.0.4\ntyping-extensions==4.16.0\nhttpx==0.29.0\n").unwrap();
        let freeze = "pyyaml==6.0.4\ntyping_extensions==4.16.0\nhttpx==0.28.1\n\
                      -e git+https://example.org/x#egg=x\n";
        assert_eq!(missing_pins(&pins, freeze), ["httpx==0.29.0"]);
        assert_eq!(
            missing_pins(&pins, ""),
            [
                "pyyaml==6.0.4",
                "typing-extensions==4.16.0",
                "httpx==0.29.0"
            ]
        );
        let all = "httpx==0.29.0\nTyping_Extensions==4.16.0\nPyYAML==6.0.4\nextra==1\n";
        assert!(missing_pins(&pins, all).is_empty());
    }

    #[test]
    fn version_word_picks_the_version_from_tool_output() {
        assert_eq!(version_word(Some("trunk 0.21.14\n"), 1), Some("0.21.14"));
        assert_eq!(
            version_word(Some("wasm-opt version 132 (version_132)\n"), 2),
            Some("132")
        );
        assert_eq!(version_word(Some("cargo-deny 0.20.2\n"), 1), Some("0.20.2"));
        assert_eq!(version_word(Some("cargo-fuzz 0.13.2\n"), 1), Some("0.13.2"));
        assert_eq!(version_word(None, 1), None);
        assert_eq!(version_word(Some(""), 1), None);
    }
}
