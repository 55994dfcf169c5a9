//! A seeded storm for the watcher's resilience tests: a fake cluster whose
//! objects change while its watches are closed, its history compacted, its
//! API failing and its connections refused, and the check that a store
//! kept by the watcher ends up exactly the server's state.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use futures::StreamExt;
use http::StatusCode;
use k8s_openapi::api::core::v1::ConfigMap;
use rudder::rest::{Request, Response, Rest, StreamResponse};
use rudder::runtime::reflector::{self, Store, Writer};
use rudder::runtime::watcher::{self, Config, Event};
use rudder::runtime::{ListWatch, Object};
use rudder::typed::{Api, Typed};
use rudder::types::{DeleteParams, ListParams, PostParams, Status};
use rudder_testkit::FakeCluster;
use rudder_testkit::cluster::{Reaction, Reactor};
use tokio::time::Instant;

/// Reproducible randomness: the same seed, the same storm.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed ^ 0x5DEE_CE66_D1CE_5EED)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..bound`.
    pub fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound.max(1)
    }

    pub fn millis(&mut self, bound: u64) -> Duration {
        Duration::from_millis(self.below(bound))
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// What the transport in front of the fake is doing to the watcher.
#[derive(Default)]
struct Faults {
    refuse_until: Option<Instant>,
    refused_at: Vec<Instant>,
    refuse_streaming_lists: bool,
}

/// The watcher's transport: the fake cluster, behind a connection that can
/// be refused for a while (a transport error, not an answer), and a server
/// that can be made to refuse streaming lists as one without the
/// `WatchList` feature does (422).
#[derive(Clone)]
pub struct FlakyRest {
    cluster: FakeCluster,
    faults: Arc<Mutex<Faults>>,
}

impl FlakyRest {
    pub fn new(cluster: FakeCluster) -> Self {
        FlakyRest {
            cluster,
            faults: Arc::default(),
        }
    }

    pub fn refuse_connections_for(&self, duration: Duration) {
        self.faults.lock().unwrap().refuse_until = Some(Instant::now() + duration);
    }

    pub fn refuse_streaming_lists(&self) {
        self.faults.lock().unwrap().refuse_streaming_lists = true;
    }

    pub fn heal(&self) {
        self.faults.lock().unwrap().refuse_until = None;
    }

    /// When each refused connection was attempted.
    pub fn refused_at(&self) -> Vec<Instant> {
        self.faults.lock().unwrap().refused_at.clone()
    }

    /// The error or the answer a fault gives instead of the fake's.
    fn fault(&self, request: &Request) -> Option<rudder::Result<Response>> {
        let mut faults = self.faults.lock().unwrap();
        let now = Instant::now();
        if faults.refuse_until.is_some_and(|until| now < until) {
            faults.refused_at.push(now);
            return Some(Err(rudder::Error::Transport {
                verb: request.method().to_string(),
                url: request.uri().to_string(),
                source: Box::new(std::io::Error::from(std::io::ErrorKind::ConnectionRefused)),
            }));
        }
        let query = request.uri().query().unwrap_or("");
        if faults.refuse_streaming_lists && query.contains("sendInitialEvents=true") {
            let status = Status::failure(422, "Invalid", "sendInitialEvents is forbidden for watch");
            let mut response = Response::new(Bytes::from(status.to_wire_json().to_string()));
            *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            return Some(Ok(response));
        }
        None
    }
}

#[async_trait::async_trait]
impl Rest for FlakyRest {
    async fn send(&self, request: Request) -> rudder::Result<Response> {
        match self.fault(&request) {
            Some(answer) => answer,
            None => self.cluster.send(request).await,
        }
    }

    async fn send_stream(&self, request: Request) -> rudder::Result<StreamResponse> {
        match self.fault(&request) {
            Some(answer) => {
                let (parts, body) = answer?.into_parts();
                Ok(StreamResponse::from_parts(
                    parts,
                    futures::stream::once(async move { Ok(body) }).boxed(),
                ))
            }
            None => self.cluster.send_stream(request).await,
        }
    }
}

const NAMESPACES: [&str; 2] = ["default", "kube-public"];
const APPS: [&str; 2] = ["web", "db"];
const NAMES: u64 = 24;

/// The storm: changes to ConfigMaps, and disruptions, drawn from a seed.
pub struct Storm {
    pub rng: Rng,
    pub cluster: FakeCluster,
    pub flaky: FlakyRest,
    api_errors_until: Arc<Mutex<Option<Instant>>>,
    /// Disruptions made, by kind.
    pub disruptions: BTreeMap<&'static str, usize>,
}

impl Storm {
    pub fn new(seed: u64, cluster: FakeCluster) -> Self {
        let api_errors_until: Arc<Mutex<Option<Instant>>> = Arc::default();
        for verb in ["list", "watch"] {
            let until = api_errors_until.clone();
            cluster.react(Reactor::new(verb, "configmaps", move |_, _| {
                match *until.lock().unwrap() {
                    Some(until) if Instant::now() < until => {
                        Reaction::Fail(Status::failure(503, "ServiceUnavailable", "injected outage"))
                    }
                    _ => Reaction::Continue,
                }
            }));
        }
        Storm {
            rng: Rng::new(seed),
            flaky: FlakyRest::new(cluster.clone()),
            cluster,
            api_errors_until,
            disruptions: BTreeMap::new(),
        }
    }

    pub fn total_disruptions(&self) -> usize {
        self.disruptions.values().sum()
    }

    /// Creates, changes (data or label) or deletes a random ConfigMap.
    pub async fn change_something(&mut self) {
        let namespace = *self.rng.pick(&NAMESPACES);
        let name = format!("cm-{}", self.rng.below(NAMES));
        let api: Api<ConfigMap> = self.cluster.client().namespaced(namespace);
        let existing = api
            .get_opt(&name)
            .await
            .expect("the driver reads the fake directly");
        let app = *self.rng.pick(&APPS);
        match (existing, self.rng.below(3)) {
            (None, _) => {
                let mut configmap = ConfigMap::default();
                configmap.metadata.name = Some(name);
                configmap.metadata.labels = Some(BTreeMap::from([("app".to_owned(), app.to_owned())]));
                api.create(&PostParams::default(), &configmap)
                    .await
                    .expect("create");
            }
            (Some(existing), 0) => {
                api.delete(&name, &DeleteParams::default()).await.expect("delete");
                drop(existing);
            }
            (Some(mut existing), _) => {
                let value = self.rng.next().to_string();
                existing.data = Some(BTreeMap::from([("value".to_owned(), value)]));
                if self.rng.below(4) == 0 {
                    existing.metadata.labels = Some(BTreeMap::from([("app".to_owned(), app.to_owned())]));
                }
                api.replace(&name, &PostParams::default(), &existing)
                    .await
                    .expect("replace");
            }
        }
    }

    /// One disruption, drawn at random.
    pub async fn disrupt(&mut self) {
        let kind = match self.rng.below(8) {
            0 => {
                self.cluster.close_watches(None);
                "close watches"
            }
            1 => {
                let gone = Status::failure(410, "Expired", "too old resource version");
                self.cluster.close_watches(Some(gone));
                "410 as a watch event"
            }
            2 => {
                self.cluster.compact();
                self.cluster.close_watches(None);
                "compact and close"
            }
            3 => {
                self.cluster.compact();
                "compact"
            }
            4 => {
                let error = Status::failure(500, "InternalError", "injected");
                self.cluster
                    .fail_next_watches(1 + self.rng.below(2) as usize, Some(error));
                "watches fail as they open"
            }
            5 => {
                self.cluster
                    .fail_next_watches(1 + self.rng.below(2) as usize, None);
                "watches end as they open"
            }
            6 => {
                let outage = self.rng.millis(20_000);
                self.flaky.refuse_connections_for(outage);
                "connections refused"
            }
            _ => {
                let outage = self.rng.millis(20_000);
                *self.api_errors_until.lock().unwrap() = Some(Instant::now() + outage);
                "503 on list and watch"
            }
        };
        *self.disruptions.entry(kind).or_default() += 1;
    }

    /// A round: changes and disruptions interleaved at random moments.
    pub async fn round(&mut self, disruptions: usize) {
        for _ in 0..disruptions {
            for _ in 0..self.rng.below(5) {
                self.change_something().await;
                if self.rng.below(2) == 0 {
                    tokio::time::sleep(self.rng.millis(1_500)).await;
                }
            }
            self.disrupt().await;
            tokio::time::sleep(self.rng.millis(3_000)).await;
        }
    }

    /// Ends the outages. Watches already told to fail will still fail.
    pub fn calm(&self) {
        self.flaky.heal();
        *self.api_errors_until.lock().unwrap() = None;
    }

    /// The server's objects that `selector` selects: `namespace/name` and resourceVersion.
    pub async fn server_state(&self, selector: Option<&str>) -> Vec<(String, String)> {
        let api: Api<ConfigMap> = Api::all(Arc::new(self.cluster.clone()));
        let mut params = ListParams::default();
        if let Some(selector) = selector {
            params = params.labels(selector);
        }
        let listed = api
            .list(&params)
            .await
            .expect("the driver lists the fake directly");
        versions(listed.items.iter())
    }
}

/// `namespace/name` and resourceVersion of each object, sorted.
pub fn versions<'a, K: Object + 'a>(objects: impl Iterator<Item = &'a K>) -> Vec<(String, String)> {
    let mut versions: Vec<(String, String)> = objects
        .map(|object| {
            let version = object.metadata().resource_version.clone().unwrap_or_default();
            (object.key().to_string(), version)
        })
        .collect();
    versions.sort();
    versions
}

/// What the watcher yielded, counted.
#[derive(Clone, Default)]
pub struct Tally {
    pub lists: Arc<AtomicUsize>,
    pub errors: Arc<AtomicUsize>,
}

/// A reflector on `api` in the background: its store and the tally of what it saw.
pub fn reflect<K, A>(api: A, config: Config) -> (Store<K>, Tally)
where
    K: Object,
    A: ListWatch<K> + 'static,
{
    let writer = Writer::new();
    let store = writer.as_reader();
    let tally = Tally::default();
    let counted = tally.clone();
    let events = reflector::reflector(writer, watcher::watcher(api, config));
    tokio::spawn(events.for_each(move |event| {
        match event {
            Ok(Event::Init) => counted.lists.fetch_add(1, Ordering::Relaxed),
            Err(_) => counted.errors.fetch_add(1, Ordering::Relaxed),
            Ok(_) => 0,
        };
        async {}
    }));
    (store, tally)
}

/// Asserts that consecutive refused connections were at least the first backoff apart.
pub fn assert_backed_off(refused_at: &[Instant], initial: Duration) {
    for pair in refused_at.windows(2) {
        let gap = pair[1] - pair[0];
        assert!(gap >= initial, "two refused attempts only {gap:?} apart");
    }
}
