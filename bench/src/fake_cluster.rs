//! rudder-testkit's `FakeCluster`, in process, through a `rudder::Client` as
//! a test uses it: create 100,000 pods; list 1% of them by label; 100
//! watchers and 10,000 writes, each watcher seeing every event. There is no
//! kube-rs side: each is compared with a floor of one serde round trip
//! (serialize and deserialize, `serde_json::to_vec` + `from_slice`) per
//! object the operation touches, in the same process. A second floor does
//! the same round trips on the objects as the fake serves them (defaulted,
//! with uid, timestamps and managedFields: about 1.8 KB where the pod sent
//! is 0.3 KB), which is what a client of any server decodes.
//!
//! The pods are small (about 0.6 KB, one container): the watch workload
//! delivers a million objects, which at the list workloads' 8.7 KB would
//! take minutes a round.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use futures::TryStreamExt;
use k8s_openapi::api::core::v1::{Namespace, Pod};
use rudder::types::{ListParams, PostParams, WatchEvent, WatchParams};
use rudder::{Api, Typed};
use rudder_testkit::FakeCluster;

use crate::alloc;
use crate::pods;
use crate::workloads::{Decoded, Workload};

type Failure = Box<dyn std::error::Error + Send + Sync>;

/// Pods created by the create workload, and stored before the list.
pub const CREATED: usize = 100_000;
/// Shards of the `shard` label: a selector on one picks 1% of the pods.
const SHARDS: usize = 100;
/// The shard the list selects.
const SELECTED_SHARD: usize = 7;
pub const WATCHERS: usize = 100;
pub const WRITES: usize = 10_000;

const NAMESPACE: &str = pods::NAMESPACE;

/// The `index`th pod as a client sends it (no uid, resourceVersion or status:
/// the server sets those).
pub fn pod(index: usize) -> Pod {
    let mut pod = pods::small_pod();
    let metadata = &mut pod.metadata;
    metadata.name = Some(format!("fake-{index:06}"));
    metadata.uid = None;
    metadata.resource_version = None;
    metadata.creation_timestamp = None;
    metadata.labels = Some(BTreeMap::from([
        ("app".to_owned(), "probe".to_owned()),
        ("shard".to_owned(), shard(index % SHARDS)),
    ]));
    pod.status = None;
    pod
}

fn shard(n: usize) -> String {
    format!("s{n:02}")
}

/// A checksum over what the client sent and must get back (the server adds
/// its own uid, resourceVersion and timestamps, which are left out).
pub fn checksum(pod: &Pod) -> u64 {
    let mut bytes = Vec::with_capacity(256);
    let metadata = &pod.metadata;
    for text in [&metadata.name, &metadata.namespace].into_iter().flatten() {
        bytes.extend_from_slice(text.as_bytes());
        bytes.push(0);
    }
    for (key, value) in metadata.labels.iter().flatten() {
        bytes.extend_from_slice(key.as_bytes());
        bytes.push(b'=');
        bytes.extend_from_slice(value.as_bytes());
        bytes.push(0);
    }
    for container in pod.spec.iter().flat_map(|spec| &spec.containers) {
        bytes.extend_from_slice(container.name.as_bytes());
        bytes.extend_from_slice(container.image.as_deref().unwrap_or("").as_bytes());
        bytes.push(0);
    }
    crate::pods::fnv1a(&bytes)
}

/// What a run of `workload` must have seen.
pub fn expected(workload: Workload) -> Decoded {
    let mut expected = Decoded::default();
    match workload {
        Workload::FakeCreate => (0..CREATED).for_each(|i| expected.add_term(checksum(&pod(i)))),
        Workload::FakeList => (SELECTED_SHARD..CREATED)
            .step_by(SHARDS)
            .for_each(|i| expected.add_term(checksum(&pod(i)))),
        Workload::FakeWatch => {
            for i in 0..WRITES {
                let term = checksum(&pod(i));
                (0..WATCHERS).for_each(|_| expected.add_term(term));
            }
        }
        _ => {}
    }
    expected
}

/// Who runs a fake-cluster workload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// The fake, through a `rudder::Client`.
    Fake,
    /// One serde round trip per object touched.
    RoundTrip,
    /// One serde round trip per object touched, as the fake serves it.
    Served,
}

/// One run: what it saw, how long the measured part took, and its allocations.
pub fn run(workload: Workload, side: Side) -> Result<(Decoded, Duration, alloc::Seen), Failure> {
    match side {
        Side::RoundTrip | Side::Served => {
            let input = match side {
                Side::Served => served(workload)?,
                _ => inputs(workload),
            };
            let window = alloc::Window::open();
            let start = Instant::now();
            let decoded = round_trips(workload, &input)?;
            Ok((decoded, start.elapsed(), window.close()))
        }
        Side::Fake => {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()?;
            runtime.block_on(fake(workload))
        }
    }
}

/// The pods a workload writes or reads, built before the clock starts.
fn inputs(workload: Workload) -> Vec<Pod> {
    match workload {
        Workload::FakeCreate => (0..CREATED).map(pod).collect(),
        Workload::FakeList => (SELECTED_SHARD..CREATED).step_by(SHARDS).map(pod).collect(),
        _ => (0..WRITES).map(pod).collect(),
    }
}

/// The workload's pods as the fake serves them: each created once in a
/// cluster of its own, before the clock starts.
fn served(workload: Workload) -> Result<Vec<Pod>, Failure> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let cluster = FakeCluster::builder().build();
        cluster.seed(&namespace())?;
        let api: Api<Pod> = cluster.client().namespaced(NAMESPACE);
        let params = PostParams::default();
        let mut served = Vec::new();
        for pod in inputs(workload) {
            served.push(api.create(&params, &pod).await?);
        }
        Ok(served)
    })
}

fn round_trip(pod: &Pod) -> Result<Pod, Failure> {
    Ok(serde_json::from_slice(&serde_json::to_vec(pod)?)?)
}

/// The floor: each object touched serialized and deserialized once (for the
/// watch, once for the write and once for each watcher it reaches).
fn round_trips(workload: Workload, input: &[Pod]) -> Result<Decoded, Failure> {
    let mut decoded = Decoded::default();
    for pod in input {
        if workload == Workload::FakeWatch {
            round_trip(pod)?;
            for _ in 0..WATCHERS {
                decoded.add_term(checksum(&round_trip(pod)?));
            }
        } else {
            decoded.add_term(checksum(&round_trip(pod)?));
        }
    }
    Ok(decoded)
}

async fn fake(workload: Workload) -> Result<(Decoded, Duration, alloc::Seen), Failure> {
    let input = inputs(workload);
    // A watch buffer that holds the whole run: 100 watchers decode on 2
    // cores while one writer writes, and a watch that falls further behind
    // than its buffer is closed (as a real server closes it). What is
    // measured is the fan-out, not the clients' pace.
    let cluster = FakeCluster::builder().watch_buffer(WRITES + 16).build();
    cluster.seed(&namespace())?;
    let client = cluster.client();
    let api: Api<Pod> = client.namespaced(NAMESPACE);
    match workload {
        Workload::FakeCreate => {
            let window = alloc::Window::open();
            let start = Instant::now();
            let decoded = create_all(&api, &input).await?;
            Ok((decoded, start.elapsed(), window.close()))
        }
        Workload::FakeList => {
            // One at a time, each answer dropped at once: `seed_all`'s
            // 100,000 answers freed together just before the clock started
            // made the list's first large allocation pay for glibc
            // consolidating them (80% of the measured time).
            for index in 0..CREATED {
                cluster.seed(&pod(index))?;
            }
            let selector = format!("shard={}", shard(SELECTED_SHARD));
            let window = alloc::Window::open();
            let start = Instant::now();
            let mut decoded = Decoded::default();
            let list = Typed::list(&api, &ListParams::default().labels(&selector)).await?;
            list.items.iter().for_each(|pod| decoded.add_term(checksum(pod)));
            Ok((decoded, start.elapsed(), window.close()))
        }
        _ => {
            let mut watchers = Vec::with_capacity(WATCHERS);
            for _ in 0..WATCHERS {
                let events = api.watch(&WatchParams::default()).await?;
                watchers.push(tokio::spawn(see_every_write(events)));
            }
            let window = alloc::Window::open();
            let start = Instant::now();
            create_all(&api, &input).await?;
            let mut decoded = Decoded::default();
            for watcher in watchers {
                let seen = watcher.await??;
                decoded.count += seen.count;
                decoded.checksum = decoded.checksum.wrapping_add(seen.checksum);
            }
            Ok((decoded, start.elapsed(), window.close()))
        }
    }
}

fn namespace() -> Namespace {
    let mut namespace = Namespace::default();
    namespace.metadata.name = Some(NAMESPACE.into());
    namespace
}

async fn create_all(api: &Api<Pod>, pods: &[Pod]) -> Result<Decoded, Failure> {
    let mut decoded = Decoded::default();
    let params = PostParams::default();
    for pod in pods {
        decoded.add_term(checksum(&api.create(&params, pod).await?));
    }
    Ok(decoded)
}

/// One watcher: every write's ADDED event, then it stops.
async fn see_every_write(mut events: rudder::typed::WatchStream<Pod>) -> Result<Decoded, Failure> {
    let mut seen = Decoded::default();
    while seen.count < WRITES {
        match events.try_next().await? {
            Some(WatchEvent::Added(pod)) => seen.add_term(checksum(&pod)),
            Some(WatchEvent::Bookmark(_)) => {}
            Some(other) => return Err(format!("a watcher got {other:?}").into()),
            None => return Err(format!("a watch ended after {} of {WRITES} events", seen.count).into()),
        }
    }
    Ok(seen)
}
