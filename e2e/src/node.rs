//! Clients that run under Node: the npm project in `e2e/node`, whose
//! packages its `package-lock.json` pins and `cargo xtask setup` installs
//! (`npm ci`), and its scripts, each run as a `node` process whose standard
//! output a test reads line by line as it comes.
//!
//! A script's standard error goes to `target/e2e/{name}.node.log`, like
//! chromedriver's log, so that its complaints do not mix with the test's
//! output and outlive the run.

use std::{
    fs::{self, File},
    path::{Path, PathBuf},
    process::Stdio,
    time::Duration,
};

use anyhow::{Context, bail};
use tokio::{
    io::{AsyncBufReadExt, BufReader, Lines},
    process::{Child, ChildStdout, Command},
    time,
};

/// The Node program, found on `PATH`.
const NODE: &str = "node";

/// A script of `e2e/node` running under Node.
///
/// Call [`Script::stop`] at the end. If a test fails or panics before,
/// dropping the script still kills its process.
pub struct Script {
    process: Child,
    lines: Lines<BufReader<ChildStdout>>,
    log: PathBuf,
}

impl Script {
    /// Runs `node {script} {args}` in `e2e/node`, its standard error into
    /// `target/e2e/{name}.node.log`.
    ///
    /// # Errors
    /// Fails when the log cannot be created or node cannot be started.
    pub fn start(name: &str, script: &str, args: &[&str]) -> anyhow::Result<Self> {
        let log = crate::artifact(&format!("{name}.node.log"))?;
        let errors =
            File::create(&log).with_context(|| format!("cannot create {}", log.display()))?;
        let mut process = Command::new(NODE)
            .arg(script)
            .args(args)
            .current_dir(project_dir())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(errors)
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("cannot start `{NODE} {script}` (is Node installed?)"))?;
        let stdout = process
            .stdout
            .take()
            .context("node's standard output is not piped")?;
        Ok(Self {
            process,
            lines: BufReader::new(stdout).lines(),
            log,
        })
    }

    /// The next line the script prints, waiting at most `timeout` for it.
    ///
    /// # Errors
    /// Fails after `timeout`, or when the script has ended, with its exit
    /// status and where its log is.
    pub async fn next_line(&mut self, timeout: Duration) -> anyhow::Result<String> {
        let line = time::timeout(timeout, self.lines.next_line())
            .await
            .with_context(|| {
                format!(
                    "the script printed nothing for {:.1} s; see {}",
                    timeout.as_secs_f64(),
                    self.log.display()
                )
            })?
            .context("cannot read the script's output")?;
        match line {
            Some(line) => Ok(line),
            None => {
                let status = self
                    .process
                    .wait()
                    .await
                    .context("cannot watch the script")?;
                bail!("the script ended ({status}); see {}", self.log.display())
            }
        }
    }

    /// Kills the script, which runs until killed, and waits for it to end.
    ///
    /// # Errors
    /// Fails when the process cannot be killed.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        self.process.kill().await.context("cannot kill the script")
    }
}

/// The version of `package` installed in `e2e/node`, read from its
/// `package.json`, for a test to name the client it ran.
///
/// # Errors
/// Fails, saying how to install it, when the package is missing.
pub fn installed(package: &str) -> anyhow::Result<String> {
    installed_in(project_dir(), package)
}

/// The version of `package` installed in the npm project at `project`.
///
/// # Errors
/// Fails, saying how to install it, when the package is missing.
pub(crate) fn installed_in(project: &Path, package: &str) -> anyhow::Result<String> {
    let path = project
        .join("node_modules")
        .join(package)
        .join("package.json");
    let Ok(text) = fs::read_to_string(&path) else {
        bail!(
            "{} is missing: run `cargo xtask setup` (or `cargo xtask test`), which installs \
             the packages of {} with `npm ci`",
            path.display(),
            project.display()
        );
    };
    let manifest: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))?;
    manifest["version"]
        .as_str()
        .map(str::to_owned)
        .with_context(|| format!("{} names no version", path.display()))
}

/// `e2e/node`: the npm project the scripts belong to.
fn project_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/node"))
}
