//! Medians, ratios, the table, and `bench/RESULTS.md`.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use crate::server::TrafficCount;
use crate::workloads::Workload;

/// One child's measurement.
#[derive(Clone, Copy, Debug)]
pub struct Sample {
    pub nanos: u64,
    pub peak_bytes: u64,
    pub allocations: u64,
    /// What the server saw during the run.
    pub traffic: TrafficCount,
}

/// Every sample of one workload, by runner.
pub struct Summary {
    workload: Workload,
    samples: BTreeMap<&'static str, Vec<Sample>>,
}

impl Summary {
    pub fn new(workload: Workload) -> Self {
        Summary {
            workload,
            samples: BTreeMap::new(),
        }
    }

    pub fn add(&mut self, runner: &'static str, sample: Sample) {
        self.samples.entry(runner).or_default().push(sample);
    }

    /// What the server saw in a run of `runner` (medians): requests, and
    /// connections by protocol, such as `20000 req, 1 h2` or `2 req, 2 h1`.
    fn server_saw(&self, runner: &str) -> String {
        let Some(requests) = self.median(runner, |sample| sample.traffic.requests) else {
            return "–".into();
        };
        let mut seen = format!("{requests} req");
        for (protocol, field) in [
            (
                "h1",
                (|sample: &Sample| sample.traffic.http1_connections) as fn(&Sample) -> u64,
            ),
            ("h2", |sample: &Sample| sample.traffic.http2_connections),
        ] {
            let connections = self.median(runner, field).unwrap_or(0);
            if connections > 0 {
                seen.push_str(&format!(", {connections} {protocol}"));
            }
        }
        seen
    }

    fn median(&self, runner: &str, field: fn(&Sample) -> u64) -> Option<u64> {
        let mut values: Vec<u64> = self.samples.get(runner)?.iter().map(field).collect();
        values.sort_unstable();
        values.get(values.len() / 2).copied()
    }
}

fn seconds(nanos: u64) -> String {
    let duration = Duration::from_nanos(nanos);
    if duration >= Duration::from_secs(1) {
        format!("{:.2} s", duration.as_secs_f64())
    } else {
        format!("{:.1} ms", duration.as_secs_f64() * 1e3)
    }
}

fn mebibytes(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

fn ratio(ours: Option<u64>, theirs: Option<u64>) -> String {
    match (ours, theirs) {
        (Some(ours), Some(theirs)) if theirs > 0 => format!("{:.2}×", ours as f64 / theirs as f64),
        _ => "–".into(),
    }
}

fn or_dash(value: Option<u64>, show: fn(u64) -> String) -> String {
    value.map_or_else(|| "–".into(), show)
}

/// The Markdown table: medians of every round, and the ratios rudder / kube-rs
/// and rudder / the faster floor.
pub fn table(summaries: &[Summary]) -> String {
    let mut out = String::from(
        "| workload | rudder | kube-rs | time ratio | rudder peak | kube-rs peak | peak ratio | allocs/op rudder | allocs/op kube-rs | floor from_slice | floor from_str | floor serde round trip | rudder / best floor | floor: round trip as served | rudder / as served | server saw: rudder | server saw: kube-rs |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for summary in summaries {
        let time = |runner| summary.median(runner, |sample| sample.nanos);
        let peak = |runner| summary.median(runner, |sample| sample.peak_bytes);
        let operations = summary.workload.operations() as u64;
        let per_op = |runner| {
            summary
                .median(runner, |sample| sample.allocations)
                .map(|allocations| format!("{:.1}", allocations as f64 / operations as f64))
                .unwrap_or_else(|| "–".into())
        };
        let best_floor = [time("from_slice"), time("from_str"), time("roundtrip")]
            .into_iter()
            .flatten()
            .min();
        // In-process workloads have no server: nothing to show.
        let server_saw = |runner| {
            if summary.workload.is_in_process() {
                "–".into()
            } else {
                summary.server_saw(runner)
            }
        };
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
            summary.workload.title(),
            or_dash(time("rudder"), seconds),
            or_dash(time("kube"), seconds),
            ratio(time("rudder"), time("kube")),
            or_dash(peak("rudder"), mebibytes),
            or_dash(peak("kube"), mebibytes),
            ratio(peak("rudder"), peak("kube")),
            per_op("rudder"),
            per_op("kube"),
            or_dash(time("from_slice"), seconds),
            or_dash(time("from_str"), seconds),
            or_dash(time("roundtrip"), seconds),
            ratio(time("rudder"), best_floor),
            or_dash(time("served"), seconds),
            ratio(time("rudder"), time("served")),
            server_saw("rudder"),
            server_saw("kube"),
        ));
    }
    out
}

const TABLE_START: &str = "<!-- bench table: start (written by the harness) -->";
const TABLE_END: &str = "<!-- bench table: end -->";

/// Writes the table, the date and the machine into `path`, between the
/// markers; whatever is written by hand around them is kept.
pub fn write_results(path: &Path, table: &str, rounds: usize, took: Duration) -> std::io::Result<()> {
    let generated = format!(
        "{TABLE_START}\nMeasured {} on {}; medians of {rounds} interleaved rounds, each client in its own process; the whole run took {:.0} s.\n\n{table}{TABLE_END}",
        command_output("date", &["-u", "+%Y-%m-%d %H:%M UTC"]),
        machine(),
        took.as_secs_f64(),
    );
    let existing = std::fs::read_to_string(path).unwrap_or_default();
    let updated = match (existing.find(TABLE_START), existing.find(TABLE_END)) {
        (Some(start), Some(end)) if start < end => {
            format!(
                "{}{generated}{}",
                &existing[..start],
                &existing[end + TABLE_END.len()..]
            )
        }
        _ => format!("# Benchmark results\n\n{generated}\n"),
    };
    std::fs::write(path, updated)
}

fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|line| {
            line.strip_prefix("model name")?
                .split_once(':')
                .map(|(_, model)| model.trim().to_owned())
        })
        .unwrap_or_else(|| "an unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let memory_kib: u64 = meminfo
        .lines()
        .find_map(|line| line.strip_prefix("MemTotal:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0);
    format!(
        "{model}, {cores} cores, {:.0} GiB, {} ({})",
        memory_kib as f64 / (1024.0 * 1024.0),
        std::env::consts::OS,
        command_output("rustc", &["--version"])
    )
}

fn command_output(program: &str, args: &[&str]) -> String {
    std::process::Command::new(program)
        .args(args)
        .output()
        .map(|output| String::from_utf8_lossy(&output.stdout).trim().to_owned())
        .unwrap_or_default()
}
