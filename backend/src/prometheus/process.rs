//! The process's own figures under the names every Prometheus client library
//! exports by default (`process_cpu_seconds_total`,
//! `process_resident_memory_bytes`, `process_open_fds`, ...), so the
//! dashboards and alerts written for Go and Java services read Herald's too.
//!
//! Read from `/proc/self` when scraped, on Linux only: elsewhere there is no
//! `/proc`, and the figures are left out rather than written as zeros a
//! dashboard would take for real.

use std::fmt;

use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;

/// One reading of the process's figures.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Process {
    /// User and system CPU time used since the process started.
    cpu_seconds: f64,
    /// Memory resident in RAM.
    resident_bytes: u64,
    /// Address space mapped.
    virtual_bytes: u64,
    /// File descriptors open (every stream is one).
    open_fds: u64,
    /// The soft limit on open file descriptors, if there is one.
    max_fds: Option<u64>,
    /// When the process started, in seconds since the Unix epoch.
    start_time_seconds: f64,
    /// The process's threads.
    threads: u64,
}

impl Process {
    /// The figures as they stand, or `None` off Linux or where `/proc` is
    /// not mounted or reads as something unexpected.
    pub(super) fn read() -> Option<Self> {
        #[cfg(target_os = "linux")]
        {
            linux::read()
        }
        #[cfg(not(target_os = "linux"))]
        {
            None
        }
    }

    /// Writes the figures as their metrics.
    pub(super) fn encode(&self, encoder: &mut DescriptorEncoder) -> fmt::Result {
        let metric = encoder.encode_descriptor(
            "process_cpu_seconds",
            "Total user and system CPU time spent in seconds.",
            None,
            MetricType::Counter,
        )?;
        ConstCounter::new(self.cpu_seconds).encode(metric)?;
        let mut gauges = vec![
            (
                "process_resident_memory_bytes",
                "Resident memory size in bytes.",
                self.resident_bytes as f64,
            ),
            (
                "process_virtual_memory_bytes",
                "Virtual memory size in bytes.",
                self.virtual_bytes as f64,
            ),
            (
                "process_open_fds",
                "Number of open file descriptors.",
                self.open_fds as f64,
            ),
            (
                "process_start_time_seconds",
                "Start time of the process since unix epoch in seconds.",
                self.start_time_seconds,
            ),
            (
                "process_threads",
                "Number of OS threads in the process.",
                self.threads as f64,
            ),
        ];
        if let Some(max) = self.max_fds {
            gauges.push((
                "process_max_fds",
                "Maximum number of open file descriptors.",
                max as f64,
            ));
        }
        for (name, help, value) in gauges {
            let metric = encoder.encode_descriptor(name, help, None, MetricType::Gauge)?;
            ConstGauge::new(value).encode(metric)?;
        }
        Ok(())
    }
}

#[cfg(target_os = "linux")]
mod linux {
    use std::fs;

    use rustix::param::{clock_ticks_per_second, page_size};
    use rustix::process::{Resource, getrlimit};

    use super::Process;

    pub(super) fn read() -> Option<Process> {
        let stat = Stat::parse(&fs::read_to_string("/proc/self/stat").ok()?)?;
        let boot_time = boot_time(&fs::read_to_string("/proc/stat").ok()?)?;
        let ticks = clock_ticks_per_second() as f64;
        let open_fds = fs::read_dir("/proc/self/fd").ok()?.count() as u64;
        Some(Process {
            cpu_seconds: (stat.user_ticks.saturating_add(stat.system_ticks)) as f64 / ticks,
            resident_bytes: stat.resident_pages.saturating_mul(page_size() as u64),
            virtual_bytes: stat.virtual_bytes,
            open_fds,
            max_fds: getrlimit(Resource::Nofile).current,
            start_time_seconds: boot_time as f64 + stat.start_ticks as f64 / ticks,
            threads: stat.threads,
        })
    }

    /// The fields of `/proc/self/stat` (proc(5)) the figures need.
    #[derive(Debug, PartialEq, Eq)]
    pub(super) struct Stat {
        pub(super) user_ticks: u64,
        pub(super) system_ticks: u64,
        pub(super) threads: u64,
        pub(super) start_ticks: u64,
        pub(super) virtual_bytes: u64,
        pub(super) resident_pages: u64,
    }

    impl Stat {
        /// Reads the fields after the command name, which is in parentheses
        /// and may itself hold spaces and parentheses: the fields start after
        /// the last `)`.
        pub(super) fn parse(text: &str) -> Option<Self> {
            let (_, rest) = text.rsplit_once(')')?;
            // Field 3 of proc(5) (the state) is the first word here.
            let fields: Vec<&str> = rest.split_whitespace().collect();
            let field =
                |number: usize| -> Option<u64> { fields.get(number.checked_sub(3)?)?.parse().ok() };
            Some(Self {
                user_ticks: field(14)?,
                system_ticks: field(15)?,
                threads: field(20)?,
                start_ticks: field(22)?,
                virtual_bytes: field(23)?,
                resident_pages: field(24)?,
            })
        }
    }

    /// The boot time, in seconds since the Unix epoch: `/proc/stat`'s
    /// `btime` line.
    pub(super) fn boot_time(proc_stat: &str) -> Option<u64> {
        proc_stat
            .lines()
            .find_map(|line| line.strip_prefix("btime "))?
            .trim()
            .parse()
            .ok()
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::linux::{Stat, boot_time};
    use super::*;

    #[test]
    fn stat_fields_are_read_after_a_command_name_with_spaces_and_parentheses() {
        let text = "4242 (my (odd) name) S 1 4242 4242 0 -1 4194560 1000 0 0 0 \
                    250 75 0 0 20 0 9 0 123456 104857600 2560 18446744073709551615 \
                    1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";
        assert_eq!(
            Stat::parse(text),
            Some(Stat {
                user_ticks: 250,
                system_ticks: 75,
                threads: 9,
                start_ticks: 123_456,
                virtual_bytes: 104_857_600,
                resident_pages: 2_560,
            })
        );
        assert_eq!(Stat::parse("4242 (cut short) S 1 2\n"), None);
        assert_eq!(Stat::parse("no parenthesis at all"), None);
    }

    #[test]
    fn boot_time_is_the_btime_line() {
        let text = "cpu  1 2 3 4\nintr 5\nbtime 1733600000\nprocesses 77\n";
        assert_eq!(boot_time(text), Some(1_733_600_000));
        assert_eq!(boot_time("cpu 1 2 3\n"), None);
    }

    #[test]
    fn this_process_reads_as_running_with_memory_and_files_open() {
        let process = Process::read().expect("/proc is mounted where the tests run");
        assert!(process.resident_bytes > 0, "{process:?}");
        assert!(
            process.virtual_bytes >= process.resident_bytes,
            "{process:?}"
        );
        // stdin, stdout, stderr and the directory being listed at least.
        assert!(process.open_fds >= 3, "{process:?}");
        assert!(process.threads >= 1, "{process:?}");
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs_f64();
        assert!(
            process.start_time_seconds > now - 86_400.0 && process.start_time_seconds <= now + 1.0,
            "started within the last day: {process:?}"
        );
    }
}
