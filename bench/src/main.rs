//! rudder and kube-rs side by side on the work a client does most (issue 12).
//!
//! ```sh
//! cargo run --release --manifest-path bench/Cargo.toml            # everything, 7 rounds
//! cargo run --release --manifest-path bench/Cargo.toml -- --only list,watch --rounds 3 --no-floors
//! cargo run --release --manifest-path bench/Cargo.toml -- engines   # JSON engines on the same bytes
//! ```
//!
//! The parent process generates the pods, serves them from a loopback server
//! and runs every measurement in a child process (this binary, re-invoked with
//! `child ...`), alternating the clients round by round. Each child reports its
//! time, its peak memory and allocations (from a counting allocator), and what
//! it decoded, which must match exactly.

#![recursion_limit = "512"]

mod alloc;
mod discovery;
mod engines;
mod fake_cluster;
mod pods;
mod report;
mod runs;
mod server;
mod tls;
mod workloads;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

use report::{Sample, Summary};
use runs::Floor;
use workloads::{Corpus, Decoded, Workload};

#[global_allocator]
static ALLOCATOR: alloc::Counting = alloc::Counting;

type Failure = Box<dyn std::error::Error + Send + Sync>;

/// Who decodes, in a child.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Runner {
    Rudder,
    Kube,
    Floor(Floor),
    /// One serde round trip per object: the FakeCluster workloads' floor.
    RoundTrip,
    /// The same round trips of the objects as the fake serves them
    /// (defaulted, with server metadata and managedFields).
    Served,
}

impl Runner {
    fn name(self) -> &'static str {
        match self {
            Runner::Rudder => "rudder",
            Runner::Kube => "kube",
            Runner::Floor(Floor::Slice) => "from_slice",
            Runner::Floor(Floor::Str) => "from_str",
            Runner::RoundTrip => "roundtrip",
            Runner::Served => "served",
        }
    }

    fn parse(name: &str) -> Option<Runner> {
        [
            Runner::Rudder,
            Runner::Kube,
            Runner::Floor(Floor::Slice),
            Runner::Floor(Floor::Str),
            Runner::RoundTrip,
            Runner::Served,
        ]
        .into_iter()
        .find(|runner| runner.name() == name)
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let outcome = match args.first().map(String::as_str) {
        Some("child") => child(&args[1..]),
        Some("engines") => engines::run(&args[1..]),
        _ => parent(&args),
    };
    if let Err(error) = outcome {
        eprintln!("error: {error}");
        std::process::exit(1);
    }
}

/// Rounds of the floors (the clients run every round).
const FLOOR_ROUNDS: usize = 3;

/// Rounds of the FakeCluster workloads: about a minute a round for the three,
/// with no second client to alternate with, so three rounds keep the whole
/// run near ten minutes on 2 cores.
const IN_PROCESS_ROUNDS: usize = 3;

struct Options {
    rounds: usize,
    floors: bool,
    workloads: Vec<Workload>,
}

fn options(args: &[String]) -> Result<Options, Failure> {
    let mut options = Options {
        rounds: 7,
        floors: true,
        workloads: Workload::ALL.to_vec(),
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--rounds" => options.rounds = args.next().ok_or("--rounds needs a number")?.parse()?,
            "--no-floors" => options.floors = false,
            "--only" => {
                let names = args.next().ok_or("--only needs workload names")?;
                options.workloads = names
                    .split(',')
                    .map(|name| Workload::parse(name).ok_or_else(|| format!("no workload {name:?}")))
                    .collect::<Result<_, _>>()?;
            }
            other => {
                return Err(format!(
                    "unknown argument {other:?} (--rounds N, --only {}, --no-floors)",
                    Workload::ALL.map(Workload::name).join(",")
                )
                .into());
            }
        }
    }
    Ok(options)
}

fn parent(args: &[String]) -> Result<(), Failure> {
    let options = options(args)?;
    let started = Instant::now();
    let needed = options
        .workloads
        .iter()
        .map(|workload| workload.pods_served())
        .max()
        .unwrap_or(0);
    let corpus = Corpus::generate(needed);
    eprintln!(
        "generated {needed} pods, {} bytes each on average",
        corpus.mean_pod_bytes()
    );
    let data_dir = floor_data_dir();
    std::fs::create_dir_all(&data_dir)?;
    let measured = measure(&options, &corpus, &data_dir, started);
    // Hundreds of MiB in memory: removed whether or not every run passed.
    std::fs::remove_dir_all(&data_dir)?;
    let summaries = measured?;
    let table = report::table(&summaries);
    println!("{table}");
    let full_run = options.workloads.len() == Workload::ALL.len() && options.rounds >= 7 && options.floors;
    if full_run {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("RESULTS.md");
        report::write_results(&path, &table, options.rounds, started.elapsed())?;
        eprintln!("wrote {}", path.display());
    } else {
        eprintln!(
            "(a partial run: bench/RESULTS.md is written only by a full run of every workload, 7 rounds or more)"
        );
    }
    Ok(())
}

/// Every round of every workload chosen, each run in a child process.
fn measure(
    options: &Options,
    corpus: &Corpus,
    data_dir: &Path,
    started: Instant,
) -> Result<Vec<Summary>, Failure> {
    let server = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let mut summaries = Vec::new();
    for workload in &options.workloads {
        let prepared = workloads::prepare(*workload, corpus);
        let decode_floors = options.floors && workload.has_decode_floors();
        let floor_file = data_dir.join(format!("{}.bin", workload.name()));
        if decode_floors {
            workloads::write_floor_file(&prepared.bodies, &floor_file)?;
        }
        let bodies = Arc::new(prepared.bodies);
        // What every child of this workload is given besides its target.
        let mut environment: Vec<(&'static str, String)> = Vec::new();
        let url = if workload.is_in_process() {
            String::new()
        } else if workload.is_tls() {
            let (tls, ca) = tls::server()?;
            environment.push(ca);
            format!(
                "https://{}",
                server.block_on(server::serve_tls(bodies.clone(), tls))?
            )
        } else {
            format!("http://{}", server.block_on(server::serve(bodies.clone()))?)
        };
        let warm_cache = data_dir.join(format!("{}-cache", workload.name()));
        if *workload == Workload::DiscoveryWarm {
            // The cache a previous run left: one cold run of rudder's, not measured.
            let fill = [environment.clone(), vec![cache_variable(&warm_cache)]].concat();
            run_child(
                Workload::DiscoveryCold,
                Runner::Rudder,
                &url,
                prepared.expected,
                &fill,
            )?;
        }
        let mut summary = Summary::new(*workload);
        let rounds = if workload.is_in_process() {
            options.rounds.min(IN_PROCESS_ROUNDS)
        } else {
            options.rounds
        };
        for round in 0..rounds {
            let mut clients = if workload.is_in_process() {
                vec![Runner::Rudder, Runner::RoundTrip, Runner::Served]
            } else {
                vec![Runner::Rudder, Runner::Kube]
            };
            if round % 2 == 1 {
                clients.reverse();
            }
            // A floor decodes bytes already in memory, with no network or
            // scheduling in between: three rounds settle its median.
            let floors = if decode_floors && round < FLOOR_ROUNDS {
                vec![Runner::Floor(Floor::Slice), Runner::Floor(Floor::Str)]
            } else {
                vec![]
            };
            for runner in clients.into_iter().chain(floors) {
                let target = if matches!(runner, Runner::Floor(_)) {
                    floor_file.display().to_string()
                } else {
                    url.clone()
                };
                // Cold discovery gets an empty cache folder each run; warm, the filled one.
                let cold_cache = data_dir.join(format!("cold-cache-{round}-{}", runner.name()));
                let mut env = environment.clone();
                match workload {
                    Workload::DiscoveryCold => env.push(cache_variable(&cold_cache)),
                    Workload::DiscoveryWarm => env.push(cache_variable(&warm_cache)),
                    _ => {}
                }
                let before = bodies.traffic.now();
                let mut sample = run_child(*workload, runner, &target, prepared.expected, &env)?;
                sample.traffic = bodies.traffic.now().since(before);
                if cold_cache.exists() {
                    std::fs::remove_dir_all(&cold_cache)?;
                }
                summary.add(runner.name(), sample);
            }
            eprintln!(
                "{:<8} round {}/{} done ({:.0?} in all)",
                workload.name(),
                round + 1,
                rounds,
                started.elapsed()
            );
        }
        if decode_floors {
            std::fs::remove_file(&floor_file)?;
        }
        if warm_cache.exists() {
            std::fs::remove_dir_all(&warm_cache)?;
        }
        summaries.push(summary);
    }
    Ok(summaries)
}

/// Where the floors' bodies are written: memory (`/dev/shm`) where there is
/// one, so that reading them back costs little and fills no disk.
fn floor_data_dir() -> PathBuf {
    let shared_memory = Path::new("/dev/shm");
    let base = if shared_memory.is_dir() {
        shared_memory.to_path_buf()
    } else {
        std::env::temp_dir()
    };
    base.join(format!("rudder-bench-{}", std::process::id()))
}

/// rudder's discovery cache root (`$KUBECACHEDIR`), for a child.
fn cache_variable(dir: &Path) -> (&'static str, String) {
    ("KUBECACHEDIR", dir.display().to_string())
}

/// Runs `runner` on `workload` in a child process (with `environment` added
/// to its own) and checks what it decoded.
fn run_child(
    workload: Workload,
    runner: Runner,
    target: &str,
    expected: Decoded,
    environment: &[(&'static str, String)],
) -> Result<Sample, Failure> {
    let output = Command::new(std::env::current_exe()?)
        .args(["child", workload.name(), runner.name(), target])
        .envs(environment.iter().map(|(name, value)| (name, value)))
        .output()?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let Some(line) = stdout.lines().find_map(|line| line.strip_prefix("RESULT ")) else {
        return Err(format!(
            "{} on {} failed ({}): {}",
            runner.name(),
            workload.name(),
            output.status,
            String::from_utf8_lossy(&output.stderr)
        )
        .into());
    };
    let fields: Vec<u64> = line.split(' ').map(str::parse).collect::<Result<_, _>>()?;
    let [nanos, peak_bytes, allocations, count, checksum] = fields[..] else {
        return Err(format!("a malformed result line: {line}").into());
    };
    let decoded = Decoded {
        count: count as usize,
        checksum,
    };
    if decoded != expected {
        return Err(format!(
            "{} on {} decoded {decoded:?}, expected {expected:?}",
            runner.name(),
            workload.name()
        )
        .into());
    }
    Ok(Sample {
        nanos,
        peak_bytes,
        allocations,
        traffic: server::TrafficCount::default(),
    })
}

/// In the child: one run, its result on stdout as `RESULT nanos peak allocations count checksum`.
fn child(args: &[String]) -> Result<(), Failure> {
    let [workload, runner, target] = args else {
        return Err("child <workload> <runner> <url or file>".into());
    };
    let workload = Workload::parse(workload).ok_or("no such workload")?;
    let runner = Runner::parse(runner).ok_or("no such runner")?;
    let (decoded, elapsed, seen) = match runner {
        Runner::Floor(floor) => {
            let window = alloc::Window::open();
            let (decoded, elapsed) = runs::floor(workload, floor, &PathBuf::from(target))?;
            (decoded, elapsed, window.close())
        }
        Runner::RoundTrip => fake_cluster::run(workload, fake_cluster::Side::RoundTrip)?,
        Runner::Served => fake_cluster::run(workload, fake_cluster::Side::Served)?,
        Runner::Rudder if workload.is_in_process() => fake_cluster::run(workload, fake_cluster::Side::Fake)?,
        Runner::Rudder | Runner::Kube => {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()?;
            runtime.block_on(async {
                // Each client is built (and its TLS/config set up) before the clock starts.
                enum Built {
                    Rudder(rudder::Client),
                    Kube(kube::Client),
                }
                let built = match runner {
                    Runner::Rudder => Built::Rudder(runs::rudder_client::client(target)?),
                    _ => Built::Kube(runs::kube_client::client(target)?),
                };
                // rudder writes its discovery cache behind the answer: kept
                // to wait for that write once the clock has stopped.
                let discovery_client = match &built {
                    Built::Rudder(client) if workload.is_discovery() => Some(client.clone()),
                    _ => None,
                };
                let window = alloc::Window::open();
                let start = Instant::now();
                let warm = workload == Workload::DiscoveryWarm;
                let decoded = match built {
                    Built::Rudder(client) if workload.is_discovery() => {
                        discovery::rudder_run(client, warm).await?
                    }
                    Built::Kube(client) if workload.is_discovery() => discovery::kube_run(client).await?,
                    Built::Rudder(client) => runs::rudder_client::run(workload, client).await?,
                    Built::Kube(client) => runs::kube_client::run(workload, client).await?,
                };
                // The time is what the caller waits for; the allocations and
                // the peak include the cache write behind the answer (and the
                // next process, a warm run, needs it whole).
                let elapsed = start.elapsed();
                if let Some(client) = discovery_client {
                    client.discovery().flush_cache().await;
                }
                Ok::<_, Failure>((decoded, elapsed, window.close()))
            })?
        }
    };
    println!(
        "RESULT {} {} {} {} {}",
        elapsed.as_nanos(),
        seen.peak_bytes,
        seen.allocations,
        decoded.count,
        decoded.checksum
    );
    Ok(())
}
