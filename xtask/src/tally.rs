//! Counting tests across the test commands, for one closing line.
//!
//! `cargo xtask test` runs several test commands, and the last summary they
//! print is usually the doc-tests' empty one (`0 passed`). A tool that judges
//! a run by its closing line would take that for a run without tests, so the
//! xtask reads every summary as it passes through and ends with its own
//! line: `tests: 91 passed, 0 failed`.

use std::fmt;

/// Tests passed and failed so far.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Tally {
    passed: u64,
    failed: u64,
}

impl Tally {
    /// Adds the counts of a summary line, as libtest and
    /// wasm-bindgen-test-runner print it
    /// (`test result: ok. 6 passed; 0 failed; 0 ignored; ...`). Any other
    /// line adds nothing.
    pub(crate) fn add_line(&mut self, line: &str) {
        let Some(counts) = line.trim_start().strip_prefix("test result:") else {
            return;
        };
        let words: Vec<&str> = counts.split_whitespace().collect();
        for pair in words.windows(2) {
            let [count, label] = pair else { continue };
            let Ok(count) = count.parse::<u64>() else {
                continue;
            };
            match label.trim_end_matches([';', ',', '.']) {
                "passed" => self.passed += count,
                "failed" => self.failed += count,
                _ => {}
            }
        }
    }

    /// Adds another step's counts.
    pub(crate) fn add(&mut self, other: Self) {
        self.passed += other.passed;
        self.failed += other.failed;
    }
}

impl fmt::Display for Tally {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} passed, {} failed", self.passed, self.failed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_libtest_and_wasm_runner_summaries() {
        let mut tally = Tally::default();
        for line in [
            "running 23 tests",
            "test stream::idle_stream_gets_keep_alive_comments ... ok",
            "test result: ok. 23 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 9.75s",
            "test result: FAILED. 20 passed; 2 failed; 1 ignored; 0 measured; 0 filtered out; finished in 1.00s",
            "test result: ok. 6 passed; 0 failed; 0 ignored; 0 filtered out; finished in 0.13s",
            "test result: ok. 0 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s",
        ] {
            tally.add_line(line);
        }
        assert_eq!(
            tally,
            Tally {
                passed: 49,
                failed: 2
            }
        );
        assert_eq!(tally.to_string(), "49 passed, 2 failed");
    }

    #[test]
    fn ignores_lines_that_only_mention_results() {
        let mut tally = Tally::default();
        tally.add_line("test a_test_named_3_passed ... ok");
        tally.add_line("error: 1 passed");
        assert_eq!(tally, Tally::default());
    }
}
