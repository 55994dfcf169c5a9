//! The disk caches written behind discovery's answer: the answer does not
//! wait for them, `flush_cache` does, a later reader in this process sees
//! them whole, they land in the order they were fetched, and a failed write
//! is only a log line.
//!
//! The writes of the whole process go through one queue, drained in order,
//! so a test holds them back by queueing a write that waits (a [`Gate`]);
//! no timers are involved.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, mpsc};

use futures::FutureExt;
use http::header::{CONTENT_TYPE, ETAG};
use serde_json::{Value, json};

use super::*;
use crate::discovery::cache_writes;
use crate::discovery::server_cache_dir;
use crate::discovery::wire::CONTENT_TYPE_AGGREGATED_V2;
use crate::rest::{Request, Response, StreamResponse};

const SERVER: &str = "https://10.0.0.1:6443";

/// The aggregated `/apis` of a real 1.31 server.
fn real_apis() -> Value {
    serde_json::from_str(include_str!("../../fixtures/discovery/aggregated_v2.json")).unwrap()
}

/// A small aggregated `/api`: the core group with pods.
fn core() -> Value {
    json!({
        "kind": "APIGroupDiscoveryList",
        "apiVersion": "apidiscovery.k8s.io/v2",
        "items": [{"metadata": {"name": ""}, "versions": [{"version": "v1", "resources": [{
            "resource": "pods", "scope": "Namespaced", "singularResource": "pod",
            "responseKind": {"group": "", "version": "v1", "kind": "Pod"}, "verbs": ["get", "list"]
        }]}]}]
    })
}

/// `/apis` with one more group, `example.com/v1` serving widgets.
fn apis_with_widgets() -> Value {
    let mut apis = real_apis();
    apis["items"].as_array_mut().unwrap().push(json!({
        "metadata": {"name": "example.com"},
        "versions": [{"version": "v1", "resources": [{
            "resource": "widgets", "scope": "Cluster", "singularResource": "widget",
            "responseKind": {"group": "example.com", "version": "v1", "kind": "Widget"}, "verbs": ["get"]
        }]}]
    }));
    apis
}

/// Holds back every cache write queued after it until it is dropped.
struct Gate {
    _open: mpsc::Sender<()>,
}

impl Gate {
    fn close() -> Self {
        let (open, wait) = mpsc::channel::<()>();
        // Returns when the sender is dropped.
        cache_writes::enqueue(Box::new(move || while wait.recv().is_ok() {}));
        Gate { _open: open }
    }
}

/// A server answering aggregated discovery from documents the test may
/// change, counting requests; it can close a [`Gate`] at its first request
/// (after the client's load has looked at its disk cache).
struct Server {
    apis: Mutex<Value>,
    requests: AtomicUsize,
    gate_on_request: Mutex<Option<mpsc::Sender<Gate>>>,
}

impl Server {
    fn new() -> Arc<Self> {
        Arc::new(Server {
            apis: Mutex::new(real_apis()),
            requests: AtomicUsize::new(0),
            gate_on_request: Mutex::new(None),
        })
    }

    /// A receiver of the gate the next request closes.
    fn gate_at_next_request(&self) -> mpsc::Receiver<Gate> {
        let (send, receive) = mpsc::channel();
        *self.gate_on_request.lock().unwrap() = Some(send);
        receive
    }
}

#[async_trait::async_trait]
impl Rest for Server {
    async fn send(&self, request: Request) -> Result<Response> {
        self.requests.fetch_add(1, Ordering::SeqCst);
        if let Some(gate) = self.gate_on_request.lock().unwrap().take() {
            gate.send(Gate::close()).unwrap();
        }
        let body = match request.uri().path() {
            "/api" => core(),
            "/apis" => self.apis.lock().unwrap().clone(),
            other => panic!("unexpected request for {other}"),
        };
        Ok(http::Response::builder()
            .header(CONTENT_TYPE, CONTENT_TYPE_AGGREGATED_V2)
            .header(ETAG, "\"1\"")
            .body(body.to_string().into())
            .unwrap())
    }

    async fn send_stream(&self, _request: Request) -> Result<StreamResponse> {
        panic!("discovery never streams")
    }
}

fn client(rest: Arc<dyn Rest>, cache: &Path) -> DiscoveryClient {
    DiscoveryClient::builder(rest)
        .disk_cache(SERVER)
        .cache_dir(cache)
        .build()
}

fn groups_file(cache: &Path) -> std::path::PathBuf {
    server_cache_dir(cache, SERVER).join("servergroups.json")
}

#[tokio::test]
async fn discovery_answers_before_its_cache_is_written_and_flush_waits_for_it() {
    let cache = tempfile::tempdir().unwrap();
    let server = Server::new();
    let gate = server.gate_at_next_request();
    let discovery = client(server.clone(), cache.path());

    let apis = discovery.server_apis().await.unwrap();

    assert_eq!(apis.source(), DiscoverySource::Aggregated);
    assert!(
        apis.resources_for("apps", "v1")
            .any(|r| r.resource.plural == "deployments")
    );
    assert!(apis.resources_for("", "v1").any(|r| r.resource.plural == "pods"));
    assert!(
        !groups_file(cache.path()).exists(),
        "nothing is written while the writes are held"
    );
    let gate = gate.recv().unwrap();
    let mut flush = Box::pin(discovery.flush_cache());
    assert!(
        flush.as_mut().now_or_never().is_none(),
        "flush waits for the held write"
    );

    drop(gate);
    flush.await;

    assert!(groups_file(cache.path()).is_file());
    let apps = server_cache_dir(cache.path(), SERVER).join("apps/v1/serverresources.json");
    assert!(apps.is_file());
    assert!(
        std::fs::read_dir(cache.path().join("http")).unwrap().count() >= 2,
        "the HTTP cache entries are written too"
    );
}

#[tokio::test]
async fn a_later_client_waits_for_pending_writes_and_reads_them_with_no_request() {
    let cache = tempfile::tempdir().unwrap();
    let server = Server::new();
    let gate = server.gate_at_next_request();
    let first = client(server.clone(), cache.path());
    let fetched = first.server_apis().await.unwrap();
    let gate = gate.recv().unwrap();

    let offline = Server::new();
    let second = client(offline.clone(), cache.path());
    let reading = tokio::spawn(async move { second.server_apis().await });
    for _ in 0..8 {
        tokio::task::yield_now().await;
    }
    assert!(
        !reading.is_finished(),
        "the read waits for the writes queued before it"
    );
    drop(gate);
    let read = reading.await.unwrap().unwrap();

    assert_eq!(read.source(), DiscoverySource::DiskCache);
    assert_eq!(offline.requests.load(Ordering::SeqCst), 0);
    assert_eq!(read.groups(), fetched.groups());
    assert_eq!(read.resources(), fetched.resources());
}

#[tokio::test]
async fn a_refetch_after_invalidate_lands_after_the_older_pending_write() {
    let cache = tempfile::tempdir().unwrap();
    let server = Server::new();
    let gate = server.gate_at_next_request();
    let discovery = client(server.clone(), cache.path());
    discovery.server_apis().await.unwrap();
    let gate = gate.recv().unwrap();

    *server.apis.lock().unwrap() = apis_with_widgets();
    discovery.invalidate().await;
    let refetched = discovery.server_apis().await.unwrap();
    assert!(refetched.group("example.com").is_some());
    drop(gate);
    discovery.flush_cache().await;

    let offline = Server::new();
    let read = client(offline.clone(), cache.path()).server_apis().await.unwrap();
    assert_eq!(read.source(), DiscoverySource::DiskCache);
    assert_eq!(offline.requests.load(Ordering::SeqCst), 0);
    assert!(
        read.resources_for("example.com", "v1")
            .any(|r| r.resource.plural == "widgets"),
        "the newer discovery is on disk"
    );
}

#[tokio::test]
async fn a_failed_write_is_logged_with_its_file_and_discovery_still_answers() {
    let logs = captured_logs();
    let outer = tempfile::tempdir().unwrap();
    // A folder cannot be made under a file, whoever runs the test.
    let blocked = outer.path().join("a-file");
    std::fs::write(&blocked, b"").unwrap();
    let discovery = client(Server::new(), &blocked.join("cache"));

    let apis = discovery.server_apis().await.unwrap();
    discovery.flush_cache().await;

    assert_eq!(apis.source(), DiscoverySource::Aggregated);
    let logs = String::from_utf8_lossy(&logs.lock().unwrap()).into_owned();
    let groups = groups_file(&blocked.join("cache"));
    let line = logs
        .lines()
        .find(|line| {
            line.contains("cannot write a discovery cache file") && line.contains(&*groups.to_string_lossy())
        })
        .unwrap_or_else(|| panic!("no failed write of {} logged:\n{logs}", groups.display()));
    assert!(line.contains("WARN"), "{line}");
}

/// Everything logged in this test binary, from any thread (the writes log
/// from the blocking pool), by one global subscriber installed once.
fn captured_logs() -> Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let logs = Arc::new(Mutex::new(Vec::new()));
        let writer = logs.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::WARN)
            .with_ansi(false)
            .with_writer(move || Appender(writer.clone()))
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("the only global subscriber");
        logs
    })
    .clone()
}

struct Appender(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Appender {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
