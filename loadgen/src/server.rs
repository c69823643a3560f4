//! The server's own figures, read from `/proc/PID`: CPU time (`stat`),
//! resident memory and threads (`status`), open files (`fd/`). Reading them
//! from outside works for any server, Herald or not, and costs the server
//! nothing.
//!
//! A server may be several processes (nginx: a master and its workers,
//! which do the work): the figures are those of the process and all its
//! descendants, added up.

use std::time::Duration;

use anyhow::Context;
use serde::Serialize;

/// How long the open files may take to come back down after the last
/// stream closed.
const SETTLE: Duration = Duration::from_secs(10);

/// A process to read figures of.
pub(crate) struct Server {
    pid: u32,
    /// The clock tick `/proc/PID/stat` counts CPU time in, per second.
    ticks_per_second: u64,
}

/// The server's figures at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub(crate) struct Reading {
    /// User and system CPU time since the process started.
    pub(crate) cpu_seconds: f64,
    /// Resident memory (`VmRSS`).
    pub(crate) rss_bytes: u64,
    /// Open file descriptors: every connection is one.
    pub(crate) fds: u64,
    pub(crate) threads: u64,
}

/// What `/proc/PID/status` says that the tool reports.
#[derive(Debug, PartialEq)]
struct Status {
    rss_bytes: u64,
    threads: u64,
}

impl Server {
    /// The process `pid`, which must exist and be readable now.
    pub(crate) fn new(pid: u32) -> anyhow::Result<Self> {
        let server = Self {
            pid,
            ticks_per_second: rustix::param::clock_ticks_per_second().max(1),
        };
        server
            .read()
            .with_context(|| format!("--server-pid {pid}: cannot read its figures"))?;
        Ok(server)
    }

    pub(crate) fn pid(&self) -> u32 {
        self.pid
    }

    /// The figures now, of the process and its descendants.
    pub(crate) fn read(&self) -> anyhow::Result<Reading> {
        let mut total = self.read_one(self.pid)?;
        for pid in descendants(self.pid) {
            // A child may exit between listing and reading: skip it.
            if let Ok(reading) = self.read_one(pid) {
                total.cpu_seconds += reading.cpu_seconds;
                total.rss_bytes += reading.rss_bytes;
                total.fds += reading.fds;
                total.threads += reading.threads;
            }
        }
        Ok(total)
    }

    /// The figures of the one process `pid`.
    fn read_one(&self, pid: u32) -> anyhow::Result<Reading> {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .with_context(|| format!("no process {pid}"))?;
        let ticks = cpu_ticks(&stat).with_context(|| format!("/proc/{pid}/stat: no CPU times"))?;
        let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
            .with_context(|| format!("no process {pid}"))?;
        let Status { rss_bytes, threads } = parse_status(&status)
            .with_context(|| format!("/proc/{pid}/status: no VmRSS or Threads"))?;
        let fds = std::fs::read_dir(format!("/proc/{pid}/fd"))
            .with_context(|| format!("cannot list the open files of {pid}"))?
            .count();
        Ok(Reading {
            cpu_seconds: ticks as f64 / self.ticks_per_second as f64,
            rss_bytes,
            fds: fds as u64,
            threads,
        })
    }

    /// Waits until the server holds no more open files than `before`, as it
    /// did before the run's connections, for [`SETTLE`] at most, and returns
    /// the figures then: closing is asynchronous on the server's side, and a
    /// fixed sleep would either waste time or read too early.
    pub(crate) async fn settled(&self, before: &Reading) -> anyhow::Result<(Reading, Duration)> {
        let started = tokio::time::Instant::now();
        loop {
            let reading = self.read()?;
            if reading.fds <= before.fds || started.elapsed() >= SETTLE {
                return Ok((reading, started.elapsed()));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// The descendants of `pid`, from each of its threads' `children` files,
/// then theirs; empty where the kernel does not list children.
fn descendants(pid: u32) -> Vec<u32> {
    let mut found = Vec::new();
    let mut parents = vec![pid];
    while let Some(parent) = parents.pop() {
        let Ok(tasks) = std::fs::read_dir(format!("/proc/{parent}/task")) else {
            continue;
        };
        for task in tasks.flatten() {
            let Ok(children) = std::fs::read_to_string(task.path().join("children")) else {
                continue;
            };
            for child in children
                .split_whitespace()
                .filter_map(|pid| pid.parse().ok())
            {
                if !found.contains(&child) {
                    found.push(child);
                    parents.push(child);
                }
            }
        }
    }
    found
}

/// User plus system CPU time in clock ticks, fields 14 and 15 of
/// `/proc/PID/stat`. The command name (field 2) is in parentheses and may
/// itself hold spaces and parentheses, so fields are counted from the last
/// `)`.
fn cpu_ticks(stat: &str) -> Option<u64> {
    let (_, after_name) = stat.rsplit_once(')')?;
    // Field 3 (state) is the first after the name.
    let mut fields = after_name.split_whitespace().skip(14 - 3);
    let user: u64 = fields.next()?.parse().ok()?;
    let system: u64 = fields.next()?.parse().ok()?;
    Some(user + system)
}

fn parse_status(status: &str) -> Option<Status> {
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|value| value.parse::<u64>().ok())
    };
    Some(Status {
        rss_bytes: field("VmRSS:")? * 1024,
        threads: field("Threads:")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_servers_figures_include_its_descendants() {
        // A shell with two children, like nginx's master and workers: three
        // processes of one thread each.
        let mut shell = std::process::Command::new("sh")
            .args(["-c", "sleep 30 & sleep 30 & wait"])
            .spawn()
            .unwrap();
        let pid = shell.id();
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while descendants(pid).len() < 2 {
            assert!(
                std::time::Instant::now() < deadline,
                "the children never started"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        let server = Server::new(pid).unwrap();
        assert_eq!(server.read().unwrap().threads, 3);
        assert_eq!(server.read_one(pid).unwrap().threads, 1);
        let children = descendants(pid);
        shell.kill().unwrap();
        shell.wait().unwrap();
        for child in children {
            let _ = std::process::Command::new("kill")
                .arg(child.to_string())
                .status();
        }
    }

    #[test]
    fn cpu_time_is_read_after_a_name_with_spaces_and_parentheses() {
        let stat = "4242 (her ald) (x)) S 1 4242 4242 0 -1 4194560 1234 0 0 0 \
                    150 37 0 0 20 0 3 0 123456 1000000 2000 18446744073709551615";
        assert_eq!(cpu_ticks(stat), Some(187));
    }

    #[test]
    fn a_truncated_stat_reads_as_nothing() {
        assert_eq!(cpu_ticks("4242 (herald) S 1 2 3"), None);
        assert_eq!(cpu_ticks("garbage"), None);
    }

    #[test]
    fn status_gives_resident_memory_in_bytes_and_threads() {
        let status = "Name:\therald\nVmPeak:\t  99999 kB\nVmRSS:\t   14336 kB\nThreads:\t3\n";
        assert_eq!(
            parse_status(status),
            Some(Status {
                rss_bytes: 14336 * 1024,
                threads: 3
            })
        );
        assert_eq!(parse_status("Name:\therald\n"), None);
    }

    #[test]
    fn this_process_can_be_read() {
        let server = Server::new(std::process::id()).unwrap();
        let reading = server.read().unwrap();
        assert!(reading.rss_bytes > 0);
        assert!(reading.threads >= 1);
        assert!(reading.fds >= 3);
    }
}
