//! What a run tells: a progress line on stderr once a second while it runs,
//! then a summary for people on stderr and exactly one JSON line on stdout
//! for programs. Each mode defines its result as a `Serialize` struct whose
//! `Display` is the summary; the JSON field names are read by
//! `cargo xtask bench`, so renaming one breaks it.

use std::fmt;
use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::task::JoinHandle;

/// The progress line, rewritten once a second.
pub(crate) struct Progress {
    task: JoinHandle<()>,
    terminal: bool,
}

impl Progress {
    /// Writes `line(elapsed)` to stderr once a second until [`finish`]: in
    /// place (`\r`) on a terminal, one line each time otherwise, so a log
    /// file stays readable.
    ///
    /// [`finish`]: Progress::finish
    pub(crate) fn start(line: impl Fn(Duration) -> String + Send + 'static) -> Self {
        let terminal = std::io::stderr().is_terminal();
        let started = Instant::now();
        let task = tokio::spawn(async move {
            let mut ticker = tokio::time::interval(Duration::from_secs(1));
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
            // The first tick is immediate; the first line comes after a second.
            ticker.tick().await;
            loop {
                ticker.tick().await;
                let text = line(started.elapsed());
                let mut stderr = std::io::stderr().lock();
                // Progress is a courtesy: a closed stderr must not stop the run.
                let _ = if terminal {
                    write!(stderr, "\r{text}\x1b[K")
                } else {
                    writeln!(stderr, "{text}")
                };
                let _ = stderr.flush();
            }
        });
        Self { task, terminal }
    }

    /// Stops the line, ending it on a terminal so the summary starts on a
    /// line of its own.
    pub(crate) async fn finish(self) {
        self.task.abort();
        let _ = self.task.await;
        if self.terminal {
            eprint!("\r\x1b[K");
        }
    }
}

/// Writes the summary (`report`'s `Display`) to stderr and `report` as one
/// JSON line to stdout.
///
/// # Errors
/// When the report cannot be serialized.
#[expect(
    clippy::print_stdout,
    reason = "the JSON line on stdout is the tool's output, read by `cargo xtask bench`"
)]
pub(crate) fn emit<R: Serialize + fmt::Display>(report: &R) -> anyhow::Result<()> {
    let line = serde_json::to_string(report)?;
    eprintln!("{report}");
    println!("{line}");
    Ok(())
}

/// `count` with thousands separated by commas, as people read it:
/// `2,400,000`.
pub(crate) fn count(count: u64) -> String {
    let digits = count.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// `bytes` in MiB with one decimal, for the progress line and summaries.
pub(crate) fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_grouped_by_thousands() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1000), "1,000");
        assert_eq!(count(2_400_000), "2,400,000");
        assert_eq!(count(12_345_678), "12,345,678");
    }

    #[test]
    fn memory_reads_in_mebibytes() {
        assert_eq!(mib(47_290_777), "45.1 MiB");
    }
}
