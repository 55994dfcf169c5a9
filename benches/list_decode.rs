//! How fast `Api<Pod>::list` turns a large list response into typed pods,
//! against the baseline of decoding through an intermediate
//! `serde_json::Value` (what a client that first parses "some JSON" does).
//!
//! ```sh
//! cargo bench --bench list_decode
//! ```
//!
//! Both run in this process on the same bytes; the result is their ratio,
//! so machine noise affects both alike.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use k8s_openapi::api::core::v1::Pod;
use rudder::rest::{Request, Response, StreamResponse};
use rudder::types::{ListParams, ObjectList};
use rudder::{Api, Rest, Typed};
use serde::de::IgnoredAny;

const PODS: usize = 5_000;
const ROUNDS: u32 = 20;
const CHUNK: usize = 16 * 1024;

/// A `Rest` that answers every request with the same list body.
struct CannedList(Bytes);

#[async_trait::async_trait]
impl Rest for CannedList {
    async fn send(&self, _request: Request) -> rudder::Result<Response> {
        Ok(http::Response::new(self.0.clone()))
    }

    /// Lists come through here: the body in chunks of [`CHUNK`] bytes, as
    /// a connection delivers it.
    async fn send_stream(&self, _request: Request) -> rudder::Result<StreamResponse> {
        let body = self.0.clone();
        let chunks: Vec<rudder::Result<Bytes>> = (0..body.len())
            .step_by(CHUNK)
            .map(|start| Ok(body.slice(start..(start + CHUNK).min(body.len()))))
            .collect();
        Ok(http::Response::new(Box::pin(futures::stream::iter(chunks))))
    }
}

fn pod_list_body(count: usize) -> Bytes {
    let items: Vec<serde_json::Value> = (0..count)
        .map(|i| {
            serde_json::json!({
                "metadata": {
                    "name": format!("web-{i}"), "namespace": "shop", "uid": format!("uid-{i}"),
                    "resourceVersion": format!("{i}"), "labels": {"app": "web", "tier": "front"},
                    "creationTimestamp": "2026-01-01T00:00:00Z"
                },
                "spec": {"nodeName": "node-1", "containers": [{
                    "name": "web", "image": "nginx:1.27",
                    "ports": [{"containerPort": 80, "protocol": "TCP"}],
                    "env": [{"name": "MODE", "value": "production"}],
                    "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}}
                }]},
                "status": {"phase": "Running", "podIP": "10.0.0.7", "conditions": [
                    {"type": "Ready", "status": "True", "lastTransitionTime": "2026-01-01T00:00:00Z"}
                ]}
            })
        })
        .collect();
    let list = serde_json::json!({
        "kind": "PodList", "apiVersion": "v1", "metadata": {"resourceVersion": "9"}, "items": items
    });
    Bytes::from(serde_json::to_vec(&list).expect("a list serializes"))
}

fn time<F: FnMut()>(mut round: F) -> Duration {
    round(); // warm up
    let start = Instant::now();
    for _ in 0..ROUNDS {
        round();
    }
    start.elapsed() / ROUNDS
}

fn main() {
    let body = pod_list_body(PODS);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime");
    let pods: Api<Pod> = Api::all(Arc::new(CannedList(body.clone())));

    let through_value = time(|| {
        let value: serde_json::Value = serde_json::from_slice(&body).expect("valid JSON");
        let list: ObjectList<Pod> = serde_json::from_value(value).expect("a pod list");
        assert_eq!(list.items.len(), PODS);
    });
    let whole = time(|| {
        let text = std::str::from_utf8(&body).expect("UTF-8");
        let list: ObjectList<Pod> = serde_json::from_str(text).expect("a pod list");
        assert_eq!(list.items.len(), PODS);
    });
    // The cost of reading the body as it arrives, apart from decoding pods:
    // items skipped (`IgnoredAny`) whole, and through the list decoder.
    let skipped_whole = time(|| {
        let text = std::str::from_utf8(&body).expect("UTF-8");
        let list: ObjectList<IgnoredAny> = serde_json::from_str(text).expect("a list");
        assert_eq!(list.items.len(), PODS);
    });
    let skipped_streamed = time(|| {
        let list = runtime
            .block_on(pods.resource_client().list::<IgnoredAny>(&ListParams::default()))
            .expect("a list");
        assert_eq!(list.items.len(), PODS);
    });
    let rudder_list = time(|| {
        let list = runtime
            .block_on(pods.list(&ListParams::default()))
            .expect("a pod list");
        assert_eq!(list.items.len(), PODS);
    });

    println!(
        "  items skipped (IgnoredAny): whole body {skipped_whole:?}, read as it arrives {skipped_streamed:?} \
         (the scan and chunk handling: {:?} a list, {:.1}% of the pod decode)",
        skipped_streamed.saturating_sub(skipped_whole),
        100.0 * skipped_streamed.saturating_sub(skipped_whole).as_secs_f64() / whole.as_secs_f64()
    );
    println!(
        "list of {PODS} pods ({} KiB), mean of {ROUNDS} rounds",
        body.len() / 1024
    );
    println!("  baseline, bytes -> Value -> ObjectList<Pod>: {through_value:?}");
    println!("  the whole body at once, from_utf8 + from_str -> ObjectList<Pod>: {whole:?}");
    println!(
        "  rudder Api<Pod>::list (chunks of {CHUNK} bytes, items decoded as they complete): {rudder_list:?}"
    );
    println!(
        "  rudder takes {:.2}x the whole-body decode's time",
        rudder_list.as_secs_f64() / whole.as_secs_f64()
    );
    println!(
        "  rudder takes {:.2}x the baseline's time",
        rudder_list.as_secs_f64() / through_value.as_secs_f64()
    );
}
