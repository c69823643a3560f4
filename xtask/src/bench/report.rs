//! What `cargo xtask bench` writes from the load tool's results: the
//! results file (`docs/bench.json`) and the table (`docs/bench.md`), as
//! pure functions of the runs.
//!
//! The load tool prints one flat JSON object per run. The xtask builds with
//! std and anyhow only, so instead of a JSON parser it reads the few
//! numbers it needs by key ([`json_number`]), and writes the results file
//! by concatenating the lines it was given.

use std::fmt::Write as _;

/// One run of the load tool against one server.
pub(crate) struct Run {
    /// The server's name in the table and the chart.
    pub(crate) server: &'static str,
    /// Whether the server is a baseline (not Herald).
    pub(crate) baseline: bool,
    /// The publish rate of a `fanout` run; `None` for `idle`.
    pub(crate) rate: Option<u32>,
    /// Which round of the same scenario, from 1.
    pub(crate) round: u32,
    /// The load tool's JSON line.
    pub(crate) json: String,
}

/// The machine and the command, for the table's heading.
pub(crate) struct Machine {
    pub(crate) cores: usize,
    pub(crate) cpu: String,
    pub(crate) kernel: String,
    pub(crate) date: String,
    pub(crate) command: String,
}

impl Run {
    /// The number at `key` of this run's JSON, if there is one.
    pub(crate) fn get(&self, key: &str) -> Option<f64> {
        json_number(&self.json, key)
    }
}

/// The number after the first `"key":` in `json`, at any depth; `None`
/// when the key is absent or its value is not a number (`null`).
///
/// This is enough for the load tool's output, whose keys are unique
/// across its nesting and whose strings (a URL, a topic) hold no quoted
/// keys; it is no JSON parser.
pub(crate) fn json_number(json: &str, key: &str) -> Option<f64> {
    let pattern = format!("\"{key}\":");
    let start = json.find(&pattern)? + pattern.len();
    let value = json[start..].trim_start();
    let end = value
        .find(|character: char| !matches!(character, '0'..='9' | '-' | '+' | '.' | 'e' | 'E'))
        .unwrap_or(value.len());
    value[..end].parse().ok()
}

/// `docs/bench.json`: an array of every run, each with its server, rate
/// (`null` for idle) and round, and the load tool's object as it printed it.
pub(crate) fn results_json(runs: &[Run]) -> String {
    let mut out = String::from("[\n");
    for (index, run) in runs.iter().enumerate() {
        let rate = run
            .rate
            .map_or_else(|| "null".to_owned(), |rate| rate.to_string());
        let separator = if index + 1 < runs.len() { "," } else { "" };
        // Writing into a String cannot fail.
        let _ = writeln!(
            out,
            "  {{\"server\":\"{}\",\"rate\":{rate},\"round\":{},\"result\":{}}}{separator}",
            run.server,
            run.round,
            run.json.trim()
        );
    }
    out.push_str("]\n");
    out
}

/// `docs/bench.md`: the machine, the command, and one row per `fanout`
/// run, with the server's `idle` memory per stream on each of its rows.
pub(crate) fn markdown(runs: &[Run], machine: &Machine) -> String {
    let mut out = String::from("# Herald against baselines\n\n");
    // Writing into a String cannot fail.
    let _ = writeln!(
        out,
        "{} cores ({}), Linux {}, {}; the servers and the load tool on the same machine.\n",
        machine.cores, machine.cpu, machine.kernel, machine.date
    );
    let _ = writeln!(out, "Command: `{}`\n", machine.command);
    out.push_str(
        "| Server | Rate/s | Delivered/s | Lost | p50 ms | p99 ms | p99.9 ms | max ms \
         | CPU µs/delivery | × lowest baseline | Idle KiB/stream |\n\
         |---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n",
    );
    for run in runs {
        let Some(rate) = run.rate else { continue };
        let cpu = run.get("cpu_us_per_delivery");
        let ratio = match (cpu, lowest_baseline_cpu(runs, rate)) {
            (Some(cpu), Some(lowest)) if lowest > 0.0 => format!("{:.2}×", cpu / lowest),
            _ => "–".to_owned(),
        };
        let idle = runs
            .iter()
            .find(|idle| idle.server == run.server && idle.rate.is_none())
            .and_then(|idle| idle.get("rss_bytes_per_stream"))
            .map_or_else(|| "–".to_owned(), |bytes| format!("{:.1}", bytes / 1024.0));
        let _ = writeln!(
            out,
            "| {} | {rate} | {} | {} | {} | {} | {} | {} | {} | {ratio} | {idle} |",
            run.server,
            run.get("delivered_per_sec")
                .map_or_else(|| "–".to_owned(), thousands),
            run.get("lost").map_or_else(|| "–".to_owned(), thousands),
            millis(run.get("p50")),
            millis(run.get("p99")),
            millis(run.get("p999")),
            millis(run.get("max")),
            cpu.map_or_else(|| "–".to_owned(), |cpu| format!("{cpu:.2}")),
        );
    }
    out
}

/// The least server CPU per delivery of any baseline at `rate`, over all
/// rounds: what "× lowest baseline" divides by.
fn lowest_baseline_cpu(runs: &[Run], rate: u32) -> Option<f64> {
    runs.iter()
        .filter(|run| run.baseline && run.rate == Some(rate))
        .filter_map(|run| run.get("cpu_us_per_delivery"))
        .min_by(f64::total_cmp)
}

/// Milliseconds with two significant decimals below 10, one below 100.
fn millis(value: Option<f64>) -> String {
    match value {
        Some(ms) if ms < 10.0 => format!("{ms:.2}"),
        Some(ms) if ms < 100.0 => format!("{ms:.1}"),
        Some(ms) => format!("{ms:.0}"),
        None => "–".to_owned(),
    }
}

/// A count rounded to a whole number, with thousands separated by commas.
fn thousands(value: f64) -> String {
    let digits = format!("{:.0}", value.max(0.0));
    let mut out = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const FANOUT: &str = r#"{"mode":"fanout","target":"http://127.0.0.1:1","streams":1000,"rate":200,"seconds":20,"published":4000,"delivered":4000000,"expected":4000000,"delivered_per_sec":199000.4,"lost":0,"duplicated":0,"out_of_order":0,"latency_ms":{"p50":3.61,"p90":5.2,"p99":10.4,"p999":18.26,"max":120.0},"server":{"pid":123,"cpu_seconds":17.2,"cpu_us_per_delivery":4.3,"rss_bytes_before":1,"rss_bytes_after":2}}"#;

    fn run(server: &'static str, baseline: bool, rate: Option<u32>, json: &str) -> Run {
        Run {
            server,
            baseline,
            rate,
            round: 1,
            json: json.to_owned(),
        }
    }

    #[test]
    fn json_number_reads_top_level_and_nested_keys_exactly() {
        assert_eq!(json_number(FANOUT, "delivered"), Some(4_000_000.0));
        assert_eq!(json_number(FANOUT, "delivered_per_sec"), Some(199_000.4));
        assert_eq!(json_number(FANOUT, "p999"), Some(18.26));
        assert_eq!(json_number(FANOUT, "cpu_us_per_delivery"), Some(4.3));
        assert_eq!(json_number(FANOUT, "lost"), Some(0.0));
    }

    #[test]
    fn json_number_reads_signs_exponents_and_spaces() {
        assert_eq!(json_number(r#"{"a": -1.5e3}"#, "a"), Some(-1500.0));
        assert_eq!(json_number(r#"{"a":2E-2,"b":1}"#, "a"), Some(0.02));
    }

    #[test]
    fn json_number_is_none_for_null_strings_and_missing_keys() {
        assert_eq!(json_number(r#"{"latency_ms":null}"#, "latency_ms"), None);
        assert_eq!(json_number(r#"{"mode":"fanout"}"#, "mode"), None);
        assert_eq!(json_number(FANOUT, "p95"), None);
        assert_eq!(json_number("", "a"), None);
    }

    #[test]
    fn results_json_wraps_each_line_with_its_server_rate_and_round() {
        let runs = [
            run("herald", false, Some(200), "{\"a\":1}\n"),
            run("herald", false, None, "{\"b\":2}"),
        ];
        assert_eq!(
            results_json(&runs),
            "[\n  {\"server\":\"herald\",\"rate\":200,\"round\":1,\"result\":{\"a\":1}},\n  \
             {\"server\":\"herald\",\"rate\":null,\"round\":1,\"result\":{\"b\":2}}\n]\n"
        );
        assert_eq!(results_json(&[]), "[\n]\n");
    }

    #[test]
    fn markdown_has_a_row_per_fanout_run_with_the_ratio_to_the_lowest_baseline() {
        let slower = FANOUT.replace("\"cpu_us_per_delivery\":4.3", "\"cpu_us_per_delivery\":8.6");
        let runs = [
            run("herald", false, Some(200), FANOUT),
            run(
                "herald",
                false,
                None,
                r#"{"mode":"idle","rss_bytes_per_stream":14438.4}"#,
            ),
            run("bench-raw", true, Some(200), &slower),
            run(
                "bench-naive",
                true,
                Some(200),
                r#"{"latency_ms":null,"server":null}"#,
            ),
        ];
        let machine = Machine {
            cores: 2,
            cpu: "Some CPU".into(),
            kernel: "6.1.0".into(),
            date: "2026-12-02".into(),
            command: "cargo xtask bench".into(),
        };
        let table = markdown(&runs, &machine);
        assert!(table.contains("2 cores (Some CPU), Linux 6.1.0, 2026-12-02"));
        assert!(table.contains("Command: `cargo xtask bench`"));
        assert!(table.contains(
            "| herald | 200 | 199,000 | 0 | 3.61 | 10.4 | 18.3 | 120 | 4.30 | 0.50× | 14.1 |"
        ));
        assert!(table.contains(
            "| bench-raw | 200 | 199,000 | 0 | 3.61 | 10.4 | 18.3 | 120 | 8.60 | 1.00× | – |"
        ));
        assert!(table.contains("| bench-naive | 200 | – | – | – | – | – | – | – | – | – |"));
        assert_eq!(table.matches("\n| ").count(), 4, "a header and three rows");
    }

    #[test]
    fn thousands_groups_digits() {
        assert_eq!(thousands(0.0), "0");
        assert_eq!(thousands(999.4), "999");
        assert_eq!(thousands(1000.0), "1,000");
        assert_eq!(thousands(4_000_000.0), "4,000,000");
    }
}
