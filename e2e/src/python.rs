//! Python tools: the packages `e2e/python/requirements.txt` pins
//! (schemathesis and openapi-spec-validator for the OpenAPI contract tests),
//! which `cargo xtask setup` installs into a venv outside the repository, and
//! [`run`], which runs one of its programs to the end.
//!
//! A program's standard output and error both go to
//! `target/e2e/{name}.python.log`, after a first line with the command, so
//! that a test that fails can point at what the tool reported. The program
//! runs in `target/e2e/` too: schemathesis keeps its state there
//! (`.hypothesis/`, `.schemathesis/`) instead of in the repository. Give it
//! its configuration with `--config-file`: without one it uses the first
//! `schemathesis.toml` it finds from there upwards.

use std::{
    env,
    ffi::OsStr,
    fs::File,
    io::Write,
    path::{Path, PathBuf},
    process::{ExitStatus, Stdio},
    time::Duration,
};

use anyhow::{Context, bail};
use tokio::{process::Command, time};

/// The venv's Python.
pub const PYTHON: &str = "python";
/// schemathesis's command line (also installed as `st`).
pub const SCHEMATHESIS: &str = "schemathesis";
/// openapi-spec-validator's command line, which checks a document (a file,
/// or `-` for standard input) against the OpenAPI specification.
pub const OPENAPI_SPEC_VALIDATOR: &str = "openapi-spec-validator";

/// How long [`run`] lets a program take before killing it. The tests bound
/// their own runs (schemathesis's `--max-examples` and `--request-timeout`);
/// this only keeps a hung tool from hanging the test.
const LIMIT: Duration = Duration::from_secs(300);

/// What a program run by [`run`] ended with.
#[derive(Debug)]
pub struct Outcome {
    /// The program's exit status.
    pub status: ExitStatus,
    /// Where its standard output and error are.
    pub log: PathBuf,
}

impl Outcome {
    /// Whether the program exited with status 0.
    #[must_use]
    pub fn success(&self) -> bool {
        self.status.success()
    }

    /// `Ok` when the program succeeded.
    ///
    /// # Errors
    /// Otherwise, with its exit status and where its log is.
    pub fn ensure_success(&self) -> anyhow::Result<()> {
        if !self.success() {
            bail!("it ended with {}; see {}", self.status, self.log.display());
        }
        Ok(())
    }
}

/// Runs the venv's `program` (such as [`SCHEMATHESIS`]) with `args` to the
/// end, its output into `target/e2e/{name}.python.log`. Paths among `args`
/// should be absolute: the program runs in `target/e2e/`.
///
/// # Errors
/// Fails when the program is not installed, when its log cannot be
/// written, when it cannot be started, or when it runs longer than five
/// minutes (it is then killed). A program that runs and fails is an `Ok`
/// [`Outcome`] that says so.
pub async fn run(
    name: &str,
    program: &str,
    args: impl IntoIterator<Item = impl AsRef<OsStr>>,
) -> anyhow::Result<Outcome> {
    let path = self::program(program)?;
    let log = crate::artifact(&format!("{name}.python.log"))?;
    let dir = log.parent().context("the log has no directory")?.to_owned();
    let args: Vec<_> = args.into_iter().collect();
    let mut line = program.to_owned();
    for arg in &args {
        line.push(' ');
        line.push_str(&arg.as_ref().to_string_lossy());
    }
    let cannot_write = || format!("cannot write {}", log.display());
    let mut output = File::create(&log).with_context(cannot_write)?;
    writeln!(output, "$ {line}").with_context(cannot_write)?;
    let errors = output.try_clone().with_context(cannot_write)?;
    let mut process = Command::new(&path)
        .args(&args)
        .current_dir(&dir)
        .stdin(Stdio::null())
        .stdout(output)
        .stderr(errors)
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("cannot start `{line}`"))?;
    let Ok(status) = time::timeout(LIMIT, process.wait()).await else {
        bail!(
            "`{line}` ran longer than {} s and was killed; see {}",
            LIMIT.as_secs(),
            log.display()
        );
    };
    let status = status.with_context(|| format!("cannot watch `{line}`"))?;
    Ok(Outcome { status, log })
}

/// The path of the venv's `program`.
///
/// # Errors
/// Fails, saying how to install it, when it is missing.
pub fn program(program: &str) -> anyhow::Result<PathBuf> {
    let path = venv()?.join("bin").join(program);
    if !path.is_file() {
        bail!(
            "{} is missing: run `cargo xtask setup` (or `cargo xtask test`), which installs \
             the Python tools of e2e/python into that venv with pip",
            path.display()
        );
    }
    Ok(path)
}

/// The venv `cargo xtask setup` installs the tools into:
/// `herald-tools/python` in `XDG_CACHE_HOME`, or else in `~/.cache`, as the
/// xtask's `tools::python_venv` says.
///
/// # Errors
/// Fails when neither `XDG_CACHE_HOME` nor `HOME` is set.
pub fn venv() -> anyhow::Result<PathBuf> {
    let cache = match env::var_os("XDG_CACHE_HOME") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(&env::var_os("HOME").context("HOME is not set")?).join(".cache"),
    };
    Ok(cache.join("herald-tools").join("python"))
}
