//! Replaying a cassette of 10 000 interactions against decoding the same
//! response bodies from memory: the replayer's own cost (matching,
//! building the response) as a ratio, measured in one process. The target
//! is at most 1.5×.
//!
//! `cargo bench -p rudder-testkit --bench cassette_replay`

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use k8s_openapi::api::core::v1::ConfigMap;
use rudder::{Api, Rest, Typed};
use rudder_testkit::cassette::{
    Body, Cassette, Interaction, Query, RecordedRequest, RecordedResponse, Replayer,
};
use serde_json::json;

const INTERACTIONS: usize = 10_000;
const ROUNDS: usize = 7;

fn path(index: usize) -> String {
    format!("/api/v1/namespaces/default/configmaps/settings-{index:05}")
}

/// A ConfigMap of about a kilobyte, like a controller reads.
fn config_map(index: usize) -> serde_json::Value {
    let data: BTreeMap<String, String> = (0..12)
        .map(|key| {
            (
                format!("key-{key}"),
                format!("value {key} of object {index} ").repeat(2),
            )
        })
        .collect();
    json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {
            "name": format!("settings-{index:05}"), "namespace": "default",
            "uid": format!("00000000-0000-4000-8000-{index:012}"),
            "resourceVersion": (1000 + index).to_string(),
            "creationTimestamp": "2024-01-01T00:00:00Z",
            "labels": {"app": "web", "tier": "front"},
            "managedFields": [{"manager": "rudder", "operation": "Update", "apiVersion": "v1",
                "time": "2024-01-01T00:00:00Z", "fieldsType": "FieldsV1",
                "fieldsV1": {"f:data": {"f:key-0": {}, "f:key-1": {}}}}]
        },
        "data": data
    })
}

fn cassette() -> Cassette {
    let interactions = (0..INTERACTIONS)
        .map(|index| Interaction {
            request: RecordedRequest {
                method: "GET".to_owned(),
                path: path(index),
                query: Query::default(),
                headers: BTreeMap::from([("accept".to_owned(), "application/json".to_owned())]),
                body: Body::Empty,
            },
            response: RecordedResponse {
                status: 200,
                headers: BTreeMap::from([("content-type".to_owned(), "application/json".to_owned())]),
                body: Body::Json(config_map(index)),
                stream: None,
            },
        })
        .collect();
    Cassette { interactions }
}

fn best_of(mut run: impl FnMut() -> Duration) -> Duration {
    (0..ROUNDS).map(|_| run()).min().unwrap_or_default()
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let cassette = cassette();
    let bodies: Vec<Bytes> = cassette
        .interactions
        .iter()
        .map(|interaction| interaction.response.body.to_bytes())
        .collect();
    let folder = tempfile::tempdir().unwrap();
    let file = folder.path().join("bench.yaml");
    cassette.save(&file).unwrap();

    let decode = best_of(|| {
        let started = Instant::now();
        for body in &bodies {
            let object: ConfigMap = serde_json::from_slice(body).unwrap();
            std::hint::black_box(object);
        }
        started.elapsed()
    });

    let replay_rest = best_of(|| {
        let replayer = Replayer::new(cassette.clone(), "bench.yaml");
        let started = Instant::now();
        runtime.block_on(async {
            for index in 0..INTERACTIONS {
                let request = http::Request::get(path(index))
                    .header("accept", "application/json")
                    .body(Bytes::new())
                    .unwrap();
                let response = replayer.send(request).await.unwrap();
                let object: ConfigMap = serde_json::from_slice(response.body()).unwrap();
                std::hint::black_box(object);
            }
        });
        started.elapsed()
    });

    let replay_api = best_of(|| {
        let replayer: Arc<dyn Rest> = Arc::new(Replayer::new(cassette.clone(), "bench.yaml"));
        let api: Api<ConfigMap> = Api::namespaced(replayer, "default");
        let started = Instant::now();
        runtime.block_on(async {
            for index in 0..INTERACTIONS {
                std::hint::black_box(api.get(&format!("settings-{index:05}")).await.unwrap());
            }
        });
        started.elapsed()
    });

    let open = best_of(|| {
        let started = Instant::now();
        std::hint::black_box(Replayer::open(&file).unwrap());
        started.elapsed()
    });

    let ratio = |replay: Duration| replay.as_secs_f64() / decode.as_secs_f64();
    println!("cassette replay, {INTERACTIONS} interactions of ~1 KiB ConfigMaps (best of {ROUNDS}):");
    println!("  decode the bodies from memory:      {decode:>10.2?}");
    println!(
        "  replay through Rest::send + decode: {replay_rest:>10.2?}  ratio {:.2}x (target <= 1.5x)",
        ratio(replay_rest)
    );
    println!(
        "  replay through Api<ConfigMap>::get: {replay_api:>10.2?}  ratio {:.2}x (includes the SDK's request building)",
        ratio(replay_api)
    );
    println!(
        "  open the {} KiB cassette file:      {open:>10.2?}  (once per test, not per request)",
        std::fs::metadata(&file).unwrap().len() / 1024
    );
}
