//! `cargo xtask bench`: Herald against three baselines under the same load,
//! written to `docs/bench.json`, `docs/bench.md` and `docs/bench.svg`.
//!
//! The servers, in turn, each started fresh on a free loopback port:
//! - `herald`: the hub in release, in memory, without its metrics source.
//! - `herald-nagle`: the same with `--no-tcp-nodelay`, so the kernel
//!   coalesces small writes as it does for the baselines, which leave
//!   Nagle's algorithm on: the comparison on equal socket options.
//! - `bench-raw`: the practical limit, tokio + hyper + a broadcast channel
//!   of pre-framed bytes (`bench/raw`).
//! - `bench-naive`: the axum SSE handler most tutorials write, serialising
//!   per subscriber (`bench/naive`).
//! - `nchan`: nginx with the Nchan module, from Debian's packages
//!   ([`nchan`]).
//!
//! Against each, `herald-load fanout` runs at every rate of `--rates`, for
//! `--rounds` rounds, and then `idle` once; the load tool reads the server's
//! CPU and memory from `/proc/PID` itself. The results of a server that
//! fails are left out and the command fails at the end, after writing what
//! the others gave.
//!
//! Everything shares the machine: the numbers are comparable with each
//! other, not with another machine's.

mod chart;
mod nchan;
mod report;

use std::{
    fs,
    net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream},
    path::Path,
    process::{Child, Command, Stdio},
    thread,
    time::{Duration, Instant},
};

use anyhow::{Context, bail};

use crate::{
    serve, setup,
    step::{self, Step},
};
use report::{Machine, Run};

/// How long a server may take to accept connections once started.
const START_PATIENCE: Duration = Duration::from_secs(20);
/// How long a server may take to exit after SIGTERM before it is killed.
const STOP_PATIENCE: Duration = Duration::from_secs(10);

/// Runs `cargo xtask bench` with `args` (the options after `bench`).
///
/// # Errors
/// On a malformed option, a failed install or build, or when any server's
/// runs failed (after writing the others' results).
pub(crate) fn run(args: &[&str]) -> anyhow::Result<()> {
    let options = Options::parse(args)?;
    if options.servers.contains(&Server::Nchan) {
        setup::debian(&nchan::PACKAGES)?;
    }
    Step::cargo(
        "build the servers and the load tool",
        [
            "build",
            "--profile",
            serve::DIST_PROFILE,
            "-p",
            "herald-hub",
            "-p",
            "loadgen",
            "-p",
            "bench-raw",
            "-p",
            "bench-naive",
        ],
    )?
    .run()?;
    let release = step::cargo_target_dir()?.join(serve::DIST_PROFILE);
    let scratch = std::env::temp_dir().join(format!("herald-bench-{}", std::process::id()));
    let mut runs = Vec::new();
    let mut failures = Vec::new();
    for &server in &options.servers {
        let dir = scratch.join(server.name());
        fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
        if let Err(error) = measure(server, &options, &release, &dir, &mut runs) {
            eprintln!(
                "\n!!! {}: {error:#} (its logs are in {})",
                server.name(),
                dir.display()
            );
            runs.retain(|run: &Run| run.server != server.name());
            failures.push(server.name());
        }
    }
    write(&runs, &machine(args))?;
    if failures.is_empty() {
        // The servers' logs are kept only when they may explain a failure.
        let _ = fs::remove_dir_all(&scratch);
    } else {
        bail!(
            "the runs against {} failed; the others' results are written",
            failures.join(", ")
        );
    }
    Ok(())
}

/// The command line after `bench`.
struct Options {
    rates: Vec<u32>,
    streams: u32,
    seconds: u32,
    rounds: u32,
    idle_streams: u32,
    servers: Vec<Server>,
}

/// A server the benchmark runs.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Server {
    Herald,
    HeraldNagle,
    Raw,
    Naive,
    Nchan,
}

/// A started server, stopped when dropped.
struct Running {
    child: Child,
    url: String,
}

impl Options {
    fn parse(args: &[&str]) -> anyhow::Result<Self> {
        let mut options = Self {
            rates: vec![200, 500],
            streams: 1000,
            seconds: 20,
            rounds: 1,
            idle_streams: 10_000,
            servers: Server::ALL.to_vec(),
        };
        let mut args = args.iter();
        while let Some(&flag) = args.next() {
            let value = args
                .next()
                .with_context(|| format!("{flag} needs a value"))?;
            let whole = |value: &str| {
                value
                    .parse::<u32>()
                    .ok()
                    .filter(|number| *number > 0)
                    .with_context(|| format!("{flag} takes a positive whole number, not {value:?}"))
            };
            match flag {
                "--rates" => {
                    options.rates = value.split(',').map(whole).collect::<Result<_, _>>()?
                }
                "--streams" => options.streams = whole(value)?,
                "--seconds" => options.seconds = whole(value)?,
                "--rounds" => options.rounds = whole(value)?,
                "--idle-streams" => options.idle_streams = whole(value)?,
                "--servers" => {
                    options.servers = value
                        .split(',')
                        .map(Server::parse)
                        .collect::<Result<_, _>>()?;
                }
                _ => bail!("unknown option {flag:?}"),
            }
        }
        Ok(options)
    }
}

impl Server {
    const ALL: [Self; 5] = [
        Self::Herald,
        Self::HeraldNagle,
        Self::Raw,
        Self::Naive,
        Self::Nchan,
    ];

    fn name(self) -> &'static str {
        match self {
            Self::Herald => "herald",
            Self::HeraldNagle => "herald-nagle",
            Self::Raw => "bench-raw",
            Self::Naive => "bench-naive",
            Self::Nchan => "nchan",
        }
    }

    fn parse(name: &str) -> anyhow::Result<Self> {
        Self::ALL
            .into_iter()
            .find(|server| server.name() == name)
            .with_context(|| {
                format!(
                    "no server {name:?}; the servers are herald, herald-nagle, bench-raw, \
                     bench-naive and nchan"
                )
            })
    }

    /// The command that starts the server on `port`, its files in `dir`.
    fn command(self, release: &Path, port: u16, dir: &Path) -> anyhow::Result<Command> {
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port)).to_string();
        Ok(match self {
            Self::Herald | Self::HeraldNagle => {
                let mut command = Command::new(release.join("herald"));
                command.args(["serve", "--no-metrics", "--addr", &addr]);
                if self == Self::HeraldNagle {
                    command.arg("--no-tcp-nodelay");
                }
                command
            }
            Self::Raw | Self::Naive => {
                let mut command = Command::new(release.join(self.name()));
                command.args(["--addr", &addr]);
                command
            }
            Self::Nchan => {
                let config = dir.join("nginx.conf");
                fs::write(&config, nchan::config(dir, port))
                    .with_context(|| format!("cannot write {}", config.display()))?;
                let mut command = Command::new(crate::tools::NGINX);
                // `-e` sends the log of reading the configuration, before
                // its `error_log` applies, to the same file.
                command
                    .arg("-p")
                    .arg(dir)
                    .arg("-c")
                    .arg(&config)
                    .arg("-e")
                    .arg(dir.join("error.log"));
                command
            }
        })
    }
}

impl Running {
    /// Starts `server` on a free port, its output in `dir`, and waits until
    /// it accepts connections.
    fn start(server: Server, release: &Path, dir: &Path) -> anyhow::Result<Self> {
        let port = free_port()?;
        let log =
            fs::File::create(dir.join("server.log")).context("cannot create the server log")?;
        let mut command = server.command(release, port, dir)?;
        command
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log);
        eprintln!("\n==> start {}: {command:?}", server.name());
        let child = command
            .spawn()
            .with_context(|| format!("cannot start {command:?}"))?;
        let mut running = Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        let started = Instant::now();
        while TcpStream::connect_timeout(
            &SocketAddr::from((Ipv4Addr::LOCALHOST, port)),
            Duration::from_secs(1),
        )
        .is_err()
        {
            if let Some(status) = running.child.try_wait()? {
                bail!("it exited ({status}) before it listened");
            }
            if started.elapsed() > START_PATIENCE {
                bail!("it did not listen within {} s", START_PATIENCE.as_secs());
            }
            thread::sleep(Duration::from_millis(50));
        }
        Ok(running)
    }

    /// Runs the load tool with `args` against this server and returns its
    /// one JSON line.
    fn load(&self, release: &Path, args: &[String]) -> anyhow::Result<String> {
        let mut command = Command::new(release.join("herald-load"));
        command
            .args([
                "--url",
                &self.url,
                "--server-pid",
                &self.child.id().to_string(),
            ])
            .args(args)
            .stdin(Stdio::null())
            .stderr(Stdio::inherit());
        eprintln!("\n==> herald-load {}", args.join(" "));
        let output = command
            .output()
            .with_context(|| format!("cannot start {command:?}"))?;
        if !output.status.success() {
            bail!("herald-load {} failed ({})", args.join(" "), output.status);
        }
        let stdout = String::from_utf8_lossy(&output.stdout);
        let line = stdout
            .lines()
            .rev()
            .find(|line| line.trim_start().starts_with('{'));
        line.map(str::to_owned)
            .context("herald-load printed no JSON result")
    }
}

impl Drop for Running {
    /// SIGTERM, which every server takes as the signal to stop (nginx: a
    /// fast shutdown, its workers with it), then SIGKILL after
    /// [`STOP_PATIENCE`].
    fn drop(&mut self) {
        let pid = self.child.id().to_string();
        let _ = step::probe("kill", &["-TERM", &pid]);
        let started = Instant::now();
        while started.elapsed() < STOP_PATIENCE {
            if matches!(self.child.try_wait(), Ok(Some(_)) | Err(_)) {
                return;
            }
            thread::sleep(Duration::from_millis(50));
        }
        eprintln!(
            "    {pid} did not stop within {} s; killed",
            STOP_PATIENCE.as_secs()
        );
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Every run against `server`, appended to `runs`.
fn measure(
    server: Server,
    options: &Options,
    release: &Path,
    dir: &Path,
    runs: &mut Vec<Run>,
) -> anyhow::Result<()> {
    let running = Running::start(server, release, dir)?;
    let record = |rate, round, json| Run {
        server: server.name(),
        baseline: !matches!(server, Server::Herald | Server::HeraldNagle),
        rate,
        round,
        json,
    };
    for round in 1..=options.rounds {
        for &rate in &options.rates {
            let args = [
                "fanout".to_owned(),
                "--streams".to_owned(),
                options.streams.to_string(),
                "--rate".to_owned(),
                rate.to_string(),
                "--seconds".to_owned(),
                options.seconds.to_string(),
            ];
            runs.push(record(Some(rate), round, running.load(release, &args)?));
        }
    }
    let args = [
        "idle".to_owned(),
        "--streams".to_owned(),
        options.idle_streams.to_string(),
    ];
    runs.push(record(None, 1, running.load(release, &args)?));
    Ok(())
}

/// Writes the results, the table and the chart into `docs/`.
fn write(runs: &[Run], machine: &Machine) -> anyhow::Result<()> {
    let docs = step::project_root().join("docs");
    let mut series: Vec<chart::Series> = Vec::new();
    for run in runs {
        let (Some(_), Some(delivered_per_sec)) = (run.rate, run.get("delivered_per_sec")) else {
            continue;
        };
        let latency = chart::PERCENTILES.map(|(_, key, _)| run.get(key));
        let [Some(p50), Some(p90), Some(p99), Some(p999)] = latency else {
            continue;
        };
        let point = chart::Point {
            delivered_per_sec,
            latency_ms: [p50, p90, p99, p999],
        };
        match series.iter_mut().find(|series| series.name == run.server) {
            Some(series) => series.points.push(point),
            None => series.push(chart::Series {
                name: run.server,
                points: vec![point],
            }),
        }
    }
    for series in &mut series {
        series
            .points
            .sort_by(|a, b| a.delivered_per_sec.total_cmp(&b.delivered_per_sec));
    }
    for (name, text) in [
        ("bench.json", report::results_json(runs)),
        ("bench.md", report::markdown(runs, machine)),
        ("bench.svg", chart::svg(&series)),
    ] {
        let path = docs.join(name);
        fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
        eprintln!("    wrote {}", path.display());
    }
    Ok(())
}

/// The machine the runs took place on, and the command that ran them.
fn machine(args: &[&str]) -> Machine {
    let cpuinfo = fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu = cpuinfo
        .lines()
        .find_map(|line| line.strip_prefix("model name")?.split_once(':'))
        .map_or_else(
            || "unknown CPU".to_owned(),
            |(_, model)| model.trim().to_owned(),
        );
    let kernel = fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let date = step::probe("date", &["-u", "+%Y-%m-%d %H:%M UTC"]).unwrap_or_default();
    Machine {
        cores: thread::available_parallelism().map_or(1, usize::from),
        cpu,
        kernel: kernel.trim().to_owned(),
        date: date.trim().to_owned(),
        command: ["cargo xtask bench"]
            .iter()
            .chain(args)
            .copied()
            .collect::<Vec<_>>()
            .join(" "),
    }
}

/// A loopback port nothing listens on now.
fn free_port() -> anyhow::Result<u16> {
    let listener =
        TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).context("cannot find a free port")?;
    Ok(listener.local_addr()?.port())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_default_to_the_published_benchmark() {
        let options = Options::parse(&[]).unwrap();
        assert_eq!(options.rates, [200, 500]);
        assert_eq!(
            (options.streams, options.seconds, options.rounds),
            (1000, 20, 1)
        );
        assert_eq!(options.idle_streams, 10_000);
        assert!(options.servers == Server::ALL);
    }

    #[test]
    fn options_take_lists_and_refuse_nonsense() {
        let options = Options::parse(&[
            "--rates",
            "100,1000",
            "--rounds",
            "3",
            "--servers",
            "herald,nchan",
        ])
        .unwrap();
        assert_eq!(options.rates, [100, 1000]);
        assert_eq!(options.rounds, 3);
        assert!(options.servers == [Server::Herald, Server::Nchan]);
        assert!(Options::parse(&["--rates", "0"]).is_err());
        assert!(Options::parse(&["--streams"]).is_err());
        assert!(Options::parse(&["--servers", "redis"]).is_err());
        assert!(Options::parse(&["--loud", "1"]).is_err());
    }
}
