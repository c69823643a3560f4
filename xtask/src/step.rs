//! Running the commands a chore is made of.
//!
//! Every command runs from the repository root with the installed tools
//! first on `PATH` (see [`crate::tools`]). A [`Step`] has a name so that a
//! failure says which part of the chore broke, not only which exit status a
//! command had.

use std::{
    env,
    ffi::{OsStr, OsString},
    fs,
    io::{self, BufRead, BufReader, Write},
    os::unix::process::CommandExt,
    path::{Path, PathBuf},
    process::{Child, ChildStdout, Command, Stdio},
    sync::mpsc,
    thread,
    time::{Duration, Instant},
};

use anyhow::{Context, bail};

use crate::{tally::Tally, tools};

/// One named command of a chore.
pub(crate) struct Step {
    name: &'static str,
    command: Command,
    counts_tests: bool,
}

/// What a step that succeeded reports.
pub(crate) struct Report {
    /// How long it ran.
    pub(crate) took: Duration,
    /// The tests it ran, if it [counts tests](Step::counting_tests).
    pub(crate) tests: Option<Tally>,
}

impl Step {
    /// Runs `program` with `args` from the repository root.
    ///
    /// # Errors
    /// Fails when the tool directories cannot be put on `PATH`.
    pub(crate) fn new(
        name: &'static str,
        program: impl AsRef<OsStr>,
        args: impl IntoIterator<Item = impl AsRef<OsStr>>,
    ) -> anyhow::Result<Self> {
        let mut command = Command::new(program);
        command
            .args(args)
            .current_dir(project_root())
            .env("PATH", tools::search_path()?);
        Ok(Self {
            name,
            command,
            counts_tests: false,
        })
    }

    /// Runs the cargo that runs this xtask, so both use one toolchain.
    ///
    /// # Errors
    /// As [`Step::new`].
    pub(crate) fn cargo(
        name: &'static str,
        args: impl IntoIterator<Item = impl AsRef<OsStr>>,
    ) -> anyhow::Result<Self> {
        Self::new(name, cargo(), args)
    }

    /// Runs the command in `dir` rather than the repository root.
    pub(crate) fn in_dir(mut self, dir: &Path) -> Self {
        self.command.current_dir(dir);
        self
    }

    /// Runs this xtask binary itself with `args`, for a chore that is a
    /// step of another (`cycles`, `page`, `image`), so it is timed and named
    /// like the others.
    ///
    /// # Errors
    /// When the running binary cannot be found, or as [`Step::new`].
    pub(crate) fn xtask(
        name: &'static str,
        args: impl IntoIterator<Item = impl AsRef<OsStr>>,
    ) -> anyhow::Result<Self> {
        let xtask = env::current_exe().context("cannot find the running xtask binary")?;
        Self::new(name, xtask, args)
    }

    /// Sets an environment variable for the command.
    pub(crate) fn env(mut self, key: &str, value: impl AsRef<OsStr>) -> Self {
        self.command.env(key, value);
        self
    }

    /// Removes an environment variable from the command's environment.
    pub(crate) fn env_remove(mut self, key: &str) -> Self {
        self.command.env_remove(key);
        self
    }

    /// Counts the tests in the command's summary lines (see [`Tally`]).
    ///
    /// The command's standard output then goes through this process, line
    /// by line, instead of straight to the terminal.
    pub(crate) fn counting_tests(mut self) -> Self {
        self.counts_tests = true;
        self
    }

    /// Runs the command to the end.
    ///
    /// # Errors
    /// Names the step when the command cannot start or exits unsuccessfully.
    pub(crate) fn run(mut self) -> anyhow::Result<Report> {
        let (name, line) = (self.name, self.command_line());
        eprintln!("\n==> {name}: {line}");
        let started = Instant::now();
        let cannot_start = || format!("step `{name}`: cannot start {line}");
        let (status, tests) = if self.counts_tests {
            let mut child = self
                .command
                .stdout(Stdio::piped())
                .spawn()
                .with_context(cannot_start)?;
            let output = child.stdout.take().expect("stdout is piped above");
            let tests = relay_counting(output);
            (child.wait().with_context(cannot_start)?, Some(tests))
        } else {
            (self.command.status().with_context(cannot_start)?, None)
        };
        let took = started.elapsed();
        if !status.success() {
            bail!(
                "step `{name}` failed ({status}) after {:.1} s: {line}",
                took.as_secs_f64()
            );
        }
        eprintln!("<== {name}: ok in {:.1} s", took.as_secs_f64());
        Ok(Report { took, tests })
    }

    /// Starts the command with its output into `log` (created, or emptied),
    /// for a step that runs beside others: their progress bars would
    /// garble each other on one terminal. [`Started::wait`] waits for it.
    ///
    /// # Errors
    /// Names the step when the log cannot be created or the command cannot
    /// start.
    pub(crate) fn start(mut self, log: &Path) -> anyhow::Result<Started> {
        let (name, line) = (self.name, self.command_line());
        let file = fs::File::create(log)
            .with_context(|| format!("step `{name}`: cannot create {}", log.display()))?;
        let err = file
            .try_clone()
            .with_context(|| format!("step `{name}`: cannot share {}", log.display()))?;
        eprintln!(
            "==> {name} (beside the others; log {}): {line}",
            log.display()
        );
        let child = self
            .command
            .stdin(Stdio::null())
            .stdout(file)
            .stderr(err)
            .spawn()
            .with_context(|| format!("step `{name}`: cannot start {line}"))?;
        Ok(Started {
            name,
            line,
            log: log.to_path_buf(),
            child,
            started: Instant::now(),
        })
    }

    /// Runs the command quietly and returns its standard output, for a
    /// step whose answer the chore needs rather than the user.
    ///
    /// # Errors
    /// Names the step, with what the command wrote to stderr, when it cannot
    /// start, fails, or prints something other than UTF-8.
    pub(crate) fn output(mut self) -> anyhow::Result<String> {
        let (name, line) = (self.name, self.command_line());
        let output = self
            .command
            .stdin(Stdio::null())
            .output()
            .with_context(|| format!("step `{name}`: cannot start {line}"))?;
        if !output.status.success() {
            bail!(
                "step `{name}` failed ({}): {line}\n{}",
                output.status,
                String::from_utf8_lossy(&output.stderr).trim_end()
            );
        }
        String::from_utf8(output.stdout)
            .with_context(|| format!("step `{name}`: {line} printed something other than UTF-8"))
    }

    /// Replaces this process with the command, so that the command receives
    /// every signal sent to this process and its exit status becomes ours.
    ///
    /// Returns only if the command could not be started.
    pub(crate) fn exec(mut self) -> anyhow::Error {
        eprintln!("\n==> {}: {}", self.name, self.command_line());
        let error = self.command.exec();
        anyhow::Error::new(error).context(format!(
            "step `{}`: cannot start {}",
            self.name,
            self.command_line()
        ))
    }

    fn command_line(&self) -> String {
        let program = Path::new(self.command.get_program());
        let program = program.file_name().unwrap_or(program.as_os_str());
        let mut line = program.to_string_lossy().into_owned();
        for arg in self.command.get_args() {
            line.push(' ');
            line.push_str(&arg.to_string_lossy());
        }
        line
    }
}

/// A step [started](Step::start) beside others.
pub(crate) struct Started {
    name: &'static str,
    line: String,
    log: PathBuf,
    child: Child,
    started: Instant,
}

/// How many of a failed step's last log lines [`Started::wait`] prints.
const LOG_TAIL: usize = 40;

impl Started {
    /// Waits for the command to end.
    ///
    /// # Errors
    /// Names the step, with the end of its log, when it failed.
    pub(crate) fn wait(mut self) -> anyhow::Result<Report> {
        let name = self.name;
        let status = self
            .child
            .wait()
            .with_context(|| format!("step `{name}`: lost {}", self.line))?;
        let took = self.started.elapsed();
        if !status.success() {
            let log = fs::read_to_string(&self.log).unwrap_or_default();
            let lines: Vec<&str> = log.lines().collect();
            let tail = lines
                .get(lines.len().saturating_sub(LOG_TAIL)..)
                .unwrap_or_default();
            bail!(
                "step `{name}` failed ({status}) after {:.1} s: {}\n{}\n(the whole log is {})",
                took.as_secs_f64(),
                self.line,
                tail.join("\n"),
                self.log.display()
            );
        }
        eprintln!("<== {name}: ok in {:.1} s", took.as_secs_f64());
        Ok(Report { took, tests: None })
    }
}

/// Runs `steps` all at once, each with its output into a log of its own in
/// the target directory's `xtask/`, and waits for all of them: for
/// installs and builds that do not wait on each other, which on a fresh
/// machine overlap one's download and single-threaded link with another's
/// compiling. Every step runs to its end even when one fails, so no
/// half-installed tool is left behind by a kill.
///
/// # Errors
/// The error of the first step (in `steps`' order) that failed.
pub(crate) fn run_together(steps: Vec<Step>) -> anyhow::Result<()> {
    if steps.is_empty() {
        return Ok(());
    }
    let logs = cargo_target_dir()?.join("xtask");
    fs::create_dir_all(&logs).with_context(|| format!("cannot create {}", logs.display()))?;
    let started = Instant::now();
    // One thread waits on each command, so each is reported when it ends,
    // not when those before it in `steps` have; the results end when the
    // last thread drops its sender.
    let (done, finished) = mpsc::channel();
    for (index, step) in steps.into_iter().enumerate() {
        let file: String = step
            .name
            .chars()
            .map(|char| {
                if char.is_ascii_alphanumeric() {
                    char
                } else {
                    '-'
                }
            })
            .collect();
        let log = logs.join(format!("{file}.log"));
        let running = step.start(&log)?;
        let done = done.clone();
        thread::spawn(move || done.send((index, running.wait())));
    }
    drop(done);
    let mut errors: Vec<(usize, anyhow::Error)> = Vec::new();
    for (index, result) in finished {
        if let Err(error) = result {
            eprintln!("!!! {error:#}");
            errors.push((index, error));
        }
    }
    if let Some((_, error)) = errors.into_iter().min_by_key(|(index, _)| *index) {
        return Err(error);
    }
    eprintln!(
        "<== together: ok in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Runs `steps` in order, stopping at the first failure, then prints how long
/// each step took and, when steps counted tests, a closing `tests: N passed,
/// N failed` line.
///
/// # Errors
/// The error of the first step that failed.
pub(crate) fn run_all(steps: Vec<Step>) -> anyhow::Result<()> {
    let started = Instant::now();
    let mut timings = Vec::new();
    let mut tests: Option<Tally> = None;
    for step in steps {
        let name = step.name;
        let report = step.run()?;
        timings.push((name, report.took));
        if let Some(counted) = report.tests {
            tests.get_or_insert_default().add(counted);
        }
    }
    eprintln!("\nall {} steps passed:", timings.len());
    for (name, took) in timings {
        eprintln!("  {:>7.1} s  {name}", took.as_secs_f64());
    }
    eprintln!("  {:>7.1} s  total", started.elapsed().as_secs_f64());
    if let Some(tests) = tests {
        print_closing_line(tests);
    }
    Ok(())
}

#[expect(
    clippy::print_stdout,
    reason = "the closing line goes to stdout, after the test summaries it sums"
)]
fn print_closing_line(tests: Tally) {
    println!("tests: {tests}");
}

/// Copies a command's output to ours line by line, counting the tests in
/// its summary lines.
fn relay_counting(output: ChildStdout) -> Tally {
    let mut tally = Tally::default();
    let mut reader = BufReader::new(output);
    let mut stdout = io::stdout();
    let mut line = Vec::new();
    // Reading stops at the end of the output or on a read error; the exit
    // status then tells whether the command succeeded.
    while reader
        .read_until(b'\n', &mut line)
        .is_ok_and(|read| read > 0)
    {
        tally.add_line(&String::from_utf8_lossy(&line));
        // A closed stdout (`| head`) must not stop the reading, or the
        // command would block on a full pipe; the line is dropped instead.
        let _ = stdout.write_all(&line);
        line.clear();
    }
    let _ = stdout.flush();
    tally
}

/// Runs `program` quietly and returns what it printed, or `None` when it is
/// not installed or fails: that is how `setup` asks a tool for its version.
pub(crate) fn probe(program: impl AsRef<OsStr>, args: &[&str]) -> Option<String> {
    let output = Command::new(program)
        .args(args)
        .current_dir(project_root())
        .env("PATH", tools::search_path().ok()?)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
}

/// The workspace root: the parent of this crate's directory.
pub(crate) fn project_root() -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir
        .parent()
        .expect("xtask/ lies inside the workspace root")
        .to_path_buf()
}

/// Where cargo puts what it builds, as `cargo metadata` says, so that
/// `CARGO_TARGET_DIR` and cargo's own config count as they do for the
/// build.
///
/// # Errors
/// Names the step when `cargo metadata` fails or names no target
/// directory.
pub(crate) fn cargo_target_dir() -> anyhow::Result<PathBuf> {
    let metadata = Step::cargo(
        "find the target directory",
        ["metadata", "--format-version", "1", "--no-deps"],
    )?
    .output()?;
    let key = "\"target_directory\":\"";
    let start = metadata
        .find(key)
        .context("`cargo metadata` names no target_directory")?
        + key.len();
    let target = metadata
        .get(start..)
        .and_then(|rest| rest.split('"').next())
        .context("`cargo metadata` printed an unterminated target_directory")?;
    Ok(PathBuf::from(target))
}

/// The cargo that started this xtask (cargo sets `CARGO` for what it runs),
/// or plain `cargo` when the binary was started by hand.
fn cargo() -> OsString {
    env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}
