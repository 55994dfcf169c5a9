//! JSON engines side by side on the same bytes in memory: the decode floors
//! of issue 12 for each candidate engine, into the types rudder decodes.
//!
//! ```sh
//! cargo run --release --manifest-path bench/Cargo.toml -- engines [--rounds N]
//! ```
//!
//! Every engine decodes every document of a case once per round (rounds
//! interleaved, engine order rotated); the table gives the median time of a
//! round and its ratio to `from_utf8` + `serde_json::from_str`, which is what
//! `rudder::rest::decode_json` does. Each engine's values are compared with
//! serde_json's first, so a fast engine that decodes differently fails loudly.

use std::fmt::Debug;
use std::time::{Duration, Instant};

use bytes::Bytes;
use k8s_openapi::api::core::v1::Pod;
use serde::de::DeserializeOwned;

use crate::alloc;
use crate::pods;
use crate::workloads::{list_body, watch_line};

type Failure = Box<dyn std::error::Error + Send + Sync>;

/// Pods per case: enough for a stable round, small enough for many rounds.
const PODS: usize = 2_000;
/// Pods in the one list body of the list case.
const LIST_ITEMS: usize = 500;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Engine {
    /// `serde_json::from_slice` (kube-rs).
    Slice,
    /// `std::str::from_utf8` then `serde_json::from_str` (rudder today).
    Str,
    /// `sonic_rs::from_slice`.
    Sonic,
    /// `simd_json::serde::from_slice` on a copy (it parses in place).
    SimdJson,
}

const ENGINES: [Engine; 4] = [Engine::Slice, Engine::Str, Engine::Sonic, Engine::SimdJson];

impl Engine {
    fn name(self) -> &'static str {
        match self {
            Engine::Slice => "from_slice",
            Engine::Str => "from_str",
            Engine::Sonic => "sonic-rs",
            Engine::SimdJson => "simd-json",
        }
    }

    /// `scratch` is reused between documents, as a decoder that parses in
    /// place would reuse its buffer.
    fn decode<T: DeserializeOwned>(self, bytes: &[u8], scratch: &mut Vec<u8>) -> Result<T, Failure> {
        Ok(match self {
            Engine::Slice => serde_json::from_slice(bytes)?,
            Engine::Str => serde_json::from_str(std::str::from_utf8(bytes)?)?,
            Engine::Sonic => sonic_rs::from_slice(bytes)?,
            Engine::SimdJson => {
                scratch.clear();
                scratch.extend_from_slice(bytes);
                simd_json::serde::from_slice(scratch)?
            }
        })
    }
}

/// One row: the median time and allocations of a round, per engine.
struct Row {
    case: String,
    documents: usize,
    bytes: usize,
    medians: Vec<(Engine, Duration, usize)>,
}

pub fn run(args: &[String]) -> Result<(), Failure> {
    let rounds = match args {
        [] => 7,
        [flag, n] if flag == "--rounds" => n.parse()?,
        _ => return Err("engines [--rounds N]".into()),
    };
    let pods: Vec<Bytes> = (0..PODS)
        .map(|index| Bytes::from(serde_json::to_vec(&pods::pod(index)).expect("a pod serializes")))
        .collect();
    let watch: Vec<Bytes> = pods.iter().map(|pod| watch_line(pod)).collect();
    let lists: Vec<Bytes> = pods
        .chunks(LIST_ITEMS)
        .map(|items| list_body(items, None))
        .collect();
    let small = vec![Bytes::from(serde_json::to_vec(&pods::small_pod())?); PODS];

    let rows = vec![
        case::<Pod>("Pod (8.7 KB)", &pods, rounds)?,
        case::<rudder::types::WatchEvent<Pod>>("rudder WatchEvent<Pod>", &watch, rounds)?,
        case::<k8s_openapi::apimachinery::pkg::apis::meta::v1::WatchEvent<Pod>>(
            "k8s-openapi WatchEvent<Pod>",
            &watch,
            rounds,
        )?,
        case::<k8s_openapi::List<Pod>>("List<Pod> (500 items)", &lists, rounds)?,
        case::<Pod>("small Pod (GET)", &small, rounds)?,
        case::<serde_json::Value>("serde_json::Value (pod)", &pods, rounds)?,
        case::<rudder::types::DynamicObject>("DynamicObject (pod)", &pods, rounds)?,
    ];
    println!("{}", table(&rows, rounds));
    Ok(())
}

/// Times every engine decoding `documents` as `T`, after checking that each
/// decodes the first document as serde_json does.
fn case<T: DeserializeOwned + PartialEq + Debug>(
    name: &str,
    documents: &[Bytes],
    rounds: usize,
) -> Result<Row, Failure> {
    let mut scratch = Vec::new();
    let reference: T = Engine::Slice.decode(&documents[0], &mut scratch)?;
    for engine in ENGINES {
        let value: T = engine.decode(&documents[0], &mut scratch)?;
        if value != reference {
            return Err(format!("{} decodes {name} differently from serde_json", engine.name()).into());
        }
    }
    let mut samples: Vec<(Engine, Vec<(Duration, usize)>)> =
        ENGINES.iter().map(|e| (*e, Vec::new())).collect();
    for round in 0..rounds {
        for turn in 0..ENGINES.len() {
            let index = (turn + round) % ENGINES.len();
            let engine = ENGINES[index];
            let window = alloc::Window::open();
            let start = Instant::now();
            for document in documents {
                let value: T = engine.decode(document, &mut scratch)?;
                drop(std::hint::black_box(value));
            }
            let elapsed = start.elapsed();
            samples[index].1.push((elapsed, window.close().allocations));
        }
    }
    let medians = samples
        .into_iter()
        .map(|(engine, mut runs)| {
            runs.sort();
            let (time, allocations) = runs[runs.len() / 2];
            (engine, time, allocations)
        })
        .collect();
    eprintln!("{name}: done");
    Ok(Row {
        case: name.to_owned(),
        documents: documents.len(),
        bytes: documents.iter().map(Bytes::len).sum(),
        medians,
    })
}

fn table(rows: &[Row], rounds: usize) -> String {
    let mut out = format!(
        "Median of {rounds} rounds; time of a round (ratio to from_str), allocations per document.\n\n\
         | case | documents | MB | {} |\n|---|---:|---:|{}\n",
        ENGINES.map(Engine::name).join(" | "),
        "---:|".repeat(ENGINES.len()),
    );
    for row in rows {
        let baseline = row
            .medians
            .iter()
            .find(|(engine, ..)| *engine == Engine::Str)
            .map_or(1.0, |(_, time, _)| time.as_secs_f64());
        let cells: Vec<String> = row
            .medians
            .iter()
            .map(|(_, time, allocations)| {
                format!(
                    "{:.1} ms ({:.2}×), {:.0}",
                    time.as_secs_f64() * 1e3,
                    time.as_secs_f64() / baseline,
                    *allocations as f64 / row.documents as f64
                )
            })
            .collect();
        out.push_str(&format!(
            "| {} | {} | {:.1} | {} |\n",
            row.case,
            row.documents,
            row.bytes as f64 / 1e6,
            cells.join(" | ")
        ));
    }
    out
}
