//! Streams through the recorder and the replayer: chunks reach the caller
//! live, lines are stored with their offsets and the way the stream ended,
//! and replay ends a stream the way it ended.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use futures::channel::mpsc;
use futures::{StreamExt, stream::BoxStream};
use rudder::Rest;
use rudder::rest::{Request, Response, StreamResponse};
use rudder_testkit::cassette::{Body, Pace, Recorder, Replayer, StreamEnd};
use serde_json::json;
use tokio::time::Instant;

type Chunks = mpsc::UnboundedSender<rudder::Result<Bytes>>;

/// A `Rest` whose stream bodies the test feeds chunk by chunk.
#[derive(Default)]
struct Fed {
    bodies: Mutex<Vec<BoxStream<'static, rudder::Result<Bytes>>>>,
}

impl Fed {
    fn with_stream() -> (Fed, Chunks) {
        let (sender, receiver) = mpsc::unbounded();
        let fed = Fed::default();
        fed.bodies.lock().unwrap().push(receiver.boxed());
        (fed, sender)
    }
}

#[async_trait::async_trait]
impl Rest for Fed {
    async fn send(&self, request: Request) -> rudder::Result<Response> {
        let body = json!({"path": request.uri().path()}).to_string();
        Ok(http::Response::builder()
            .header("content-type", "application/json")
            .body(Bytes::from(body))
            .unwrap())
    }

    async fn send_stream(&self, _request: Request) -> rudder::Result<StreamResponse> {
        let body = self.bodies.lock().unwrap().pop().expect("a body to stream");
        Ok(http::Response::builder()
            .header("content-type", "application/json")
            .body(body)
            .unwrap())
    }
}

fn watch_request() -> Request {
    http::Request::get("/api/v1/namespaces/default/configmaps?watch=true&timeoutSeconds=290")
        .body(Bytes::new())
        .unwrap()
}

fn event(kind: &str, name: &str) -> String {
    format!(
        "{}\n",
        json!({"type": kind, "object": {"kind": "ConfigMap", "metadata": {"name": name}}})
    )
}

fn send(chunks: &Chunks, text: &str) {
    chunks.unbounded_send(Ok(Bytes::from(text.to_owned()))).unwrap();
}

fn temporary_path() -> (tempfile::TempDir, std::path::PathBuf) {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("stream.yaml");
    (folder, path)
}

#[tokio::test(start_paused = true)]
async fn chunks_reach_the_caller_as_they_arrive_and_lines_are_stored_with_offsets() {
    let (fed, chunks) = Fed::with_stream();
    let (_folder, path) = temporary_path();
    let recorder = Recorder::new(fed, &path);
    let mut body = recorder.send_stream(watch_request()).await.unwrap().into_body();

    let first = event("ADDED", "a");
    send(&chunks, &first);
    assert_eq!(body.next().await.unwrap().unwrap(), first.as_bytes());
    tokio::time::advance(Duration::from_millis(1500)).await;
    let second = event("MODIFIED", "a");
    let (head, tail) = second.split_at(10);
    send(&chunks, head);
    assert_eq!(
        body.next().await.unwrap().unwrap(),
        head.as_bytes(),
        "a partial line is passed on at once"
    );
    tokio::time::advance(Duration::from_millis(250)).await;
    send(&chunks, tail);
    assert_eq!(body.next().await.unwrap().unwrap(), tail.as_bytes());
    drop(chunks);
    assert!(body.next().await.is_none());

    let stream = recorder.cassette().interactions[0]
        .response
        .stream
        .clone()
        .unwrap();
    let offsets: Vec<u64> = stream.events.iter().map(|event| event.offset_ms).collect();
    assert_eq!(offsets, [0, 1750]);
    assert_eq!(stream.events[1].data.as_json().unwrap()["type"], "MODIFIED");
    assert_eq!(stream.end, StreamEnd::ServerClosed);
}

#[tokio::test]
async fn a_stream_the_caller_drops_is_stored_as_dropped_with_its_unfinished_line() {
    let (fed, chunks) = Fed::with_stream();
    let (_folder, path) = temporary_path();
    let recorder = Recorder::new(fed, &path);
    let mut body = recorder.send_stream(watch_request()).await.unwrap().into_body();
    send(&chunks, &event("ADDED", "a"));
    send(&chunks, "{\"type\":\"MOD");
    body.next().await.unwrap().unwrap();
    body.next().await.unwrap().unwrap();
    drop(body);

    let stream = recorder.cassette().interactions[0]
        .response
        .stream
        .clone()
        .unwrap();
    assert_eq!(stream.end, StreamEnd::ClientDropped);
    assert_eq!(stream.events[1].data, Body::Text("{\"type\":\"MOD".to_owned()));
}

#[tokio::test]
async fn a_transport_error_is_stored_without_the_server_address_and_replayed_as_an_error() {
    let (fed, chunks) = Fed::with_stream();
    let (_folder, path) = temporary_path();
    let recorder = Recorder::new(fed, &path);
    let mut body = recorder.send_stream(watch_request()).await.unwrap().into_body();
    send(&chunks, &event("ADDED", "a"));
    chunks
        .unbounded_send(Err(rudder::Error::Transport {
            verb: "GET".into(),
            url: "https://10.1.2.3:6443/api/v1/namespaces/default/configmaps?watch=true".into(),
            source: "connection reset by peer".into(),
        }))
        .unwrap();
    body.next().await.unwrap().unwrap();
    assert!(body.next().await.unwrap().is_err());
    drop(body);
    recorder.finish().unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(!text.contains("10.1.2.3"), "{text}");
    assert!(
        text.contains("transport-error: \"GET <server>/api/v1/namespaces/default/configmaps"),
        "{text}"
    );

    let replayer = Replayer::open(&path).unwrap();
    let mut replayed = replayer.send_stream(watch_request()).await.unwrap().into_body();
    assert_eq!(
        replayed.next().await.unwrap().unwrap(),
        event("ADDED", "a").as_bytes()
    );
    let error = replayed.next().await.unwrap().unwrap_err();
    assert!(error.to_string().contains("connection reset by peer"), "{error}");
    assert!(replayed.next().await.is_none());
}

#[tokio::test(start_paused = true)]
async fn replay_keeps_the_recorded_pace_scaled_and_a_dropped_stream_stays_open() {
    let (fed, chunks) = Fed::with_stream();
    let (_folder, path) = temporary_path();
    let recorder = Recorder::new(fed, &path);
    let mut body = recorder.send_stream(watch_request()).await.unwrap().into_body();
    send(&chunks, &event("ADDED", "a"));
    body.next().await.unwrap().unwrap();
    tokio::time::advance(Duration::from_secs(4)).await;
    send(&chunks, &event("DELETED", "a"));
    body.next().await.unwrap().unwrap();
    drop(body);
    recorder.finish().unwrap();

    let replayer = Replayer::open(&path).unwrap().pace(Pace::Recorded(0.5));
    let started = Instant::now();
    let mut replayed = replayer.send_stream(watch_request()).await.unwrap().into_body();
    replayed.next().await.unwrap().unwrap();
    assert_eq!(started.elapsed(), Duration::ZERO);
    replayed.next().await.unwrap().unwrap();
    assert_eq!(
        started.elapsed(),
        Duration::from_secs(2),
        "4 s recorded, at twice the pace"
    );
    let after = tokio::time::timeout(Duration::from_secs(3600), replayed.next()).await;
    assert!(
        after.is_err(),
        "the client dropped it when recording: it stays open"
    );
}

/// A `Rest` whose answers to each path wait until the test releases them.
type Gates = Arc<Mutex<Vec<(String, tokio::sync::oneshot::Receiver<()>)>>>;

struct Gated {
    gates: Gates,
}

#[async_trait::async_trait]
impl Rest for Gated {
    async fn send(&self, request: Request) -> rudder::Result<Response> {
        let path = request.uri().path().to_owned();
        let gate = {
            let mut gates = self.gates.lock().unwrap();
            let index = gates.iter().position(|(gated, _)| *gated == path).unwrap();
            gates.remove(index).1
        };
        gate.await.unwrap();
        Ok(http::Response::new(Bytes::from(
            json!({"path": path}).to_string(),
        )))
    }

    async fn send_stream(&self, _request: Request) -> rudder::Result<StreamResponse> {
        unreachable!("no streams in this test")
    }
}

#[tokio::test]
async fn concurrent_requests_are_stored_in_the_order_they_started() {
    let (first_gate, first) = tokio::sync::oneshot::channel();
    let (second_gate, second) = tokio::sync::oneshot::channel();
    let gates: Gates = Arc::new(Mutex::new(vec![
        ("/first".to_owned(), first),
        ("/second".to_owned(), second),
    ]));
    let gated = Gated { gates: gates.clone() };
    let (_folder, path) = temporary_path();
    let recorder = Arc::new(Recorder::new(gated, &path));
    let get = |path: &str| http::Request::get(path).body(Bytes::new()).unwrap();
    let slow = tokio::spawn({
        let recorder = recorder.clone();
        let request = get("/first");
        async move { recorder.send(request).await.unwrap() }
    });
    // The first request is in flight (it took its gate) before the second starts.
    while gates.lock().unwrap().len() == 2 {
        tokio::task::yield_now().await;
    }
    let fast = tokio::spawn({
        let recorder = recorder.clone();
        let request = get("/second");
        async move { recorder.send(request).await.unwrap() }
    });
    tokio::task::yield_now().await;
    second_gate.send(()).unwrap();
    fast.await.unwrap();
    first_gate.send(()).unwrap();
    slow.await.unwrap();

    let paths: Vec<String> = recorder
        .cassette()
        .interactions
        .iter()
        .map(|interaction| interaction.request.path.clone())
        .collect();
    assert_eq!(paths, ["/first", "/second"]);
}

#[tokio::test]
async fn a_dropped_recorder_writes_its_cassette() {
    let (_folder, path) = temporary_path();
    let recorder = Recorder::new(Fed::default(), &path);
    recorder
        .send(http::Request::get("/api/v1/pods").body(Bytes::new()).unwrap())
        .await
        .unwrap();
    drop(recorder);
    let replayer = Replayer::open(&path).unwrap();
    let answer = replayer
        .send(http::Request::get("/api/v1/pods").body(Bytes::new()).unwrap())
        .await
        .unwrap();
    assert_eq!(answer.body().as_ref(), br#"{"path":"/api/v1/pods"}"#);
}

/// A `Rest` streaming protobuf chunks.
struct Protobuf;

#[async_trait::async_trait]
impl Rest for Protobuf {
    async fn send(&self, _request: Request) -> rudder::Result<Response> {
        unreachable!("only a stream in this test")
    }

    async fn send_stream(&self, _request: Request) -> rudder::Result<StreamResponse> {
        let chunks = vec![
            Ok(Bytes::from_static(b"k8s\x00\x0a\x02\xff")),
            Ok(Bytes::from_static(b"\x00\x00\x10")),
        ];
        Ok(http::Response::builder()
            .header("content-type", "application/vnd.kubernetes.protobuf;stream=watch")
            .body(futures::stream::iter(chunks).boxed())
            .unwrap())
    }
}

/// Every chunk of a watch through `rest`, read to its end.
async fn watched_chunks(rest: &impl Rest) -> Vec<Bytes> {
    let body = rest.send_stream(watch_request()).await.unwrap().into_body();
    body.map(Result::unwrap).collect().await
}

#[tokio::test]
async fn a_binary_stream_is_stored_chunk_by_chunk_as_base64_and_replayed_byte_for_byte() {
    let (_folder, path) = temporary_path();
    let recorder = Recorder::new(Protobuf, &path);
    let recorded = watched_chunks(&recorder).await;
    recorder.finish().unwrap();
    let cassette = rudder_testkit::cassette::Cassette::load(&path).unwrap();
    let events = &cassette.interactions[0].response.stream.as_ref().unwrap().events;
    assert!(events.iter().all(|event| matches!(event.data, Body::Base64(_))));

    let replayer = Replayer::open(&path).unwrap();
    let replayed = watched_chunks(&replayer).await;
    assert_eq!(replayed, recorded);
}

#[tokio::test]
async fn a_list_read_as_it_arrives_is_stored_as_a_body_and_replayed_through_either_method() {
    use k8s_openapi::api::core::v1::ConfigMap;
    use rudder::typed::{Api, Typed};
    use rudder::types::{ListParams, PostParams};

    let (_folder, path) = temporary_path();
    let cluster = Arc::new(rudder_testkit::FakeCluster::new());
    let config_map: ConfigMap = serde_json::from_value(json!({"metadata": {"name": "web"}})).unwrap();
    Api::<ConfigMap>::namespaced(cluster.clone(), "default")
        .create(&PostParams::default(), &config_map)
        .await
        .unwrap();
    let recorder = Arc::new(Recorder::new(cluster, &path));
    let recorded: Api<ConfigMap> = Api::namespaced(recorder.clone(), "default");
    assert_eq!(
        recorded.list(&ListParams::default()).await.unwrap().items.len(),
        1
    );

    let response = &recorder.cassette().interactions[0].response;
    assert!(response.stream.is_none(), "a list is one document, not a stream");
    assert_eq!(
        response.body.as_json().unwrap()["items"][0]["metadata"]["name"],
        "web"
    );
    recorder.finish().unwrap();

    let replayer = Arc::new(Replayer::open(&path).unwrap().allow_playback_repeats(true));
    let replayed: Api<ConfigMap> = Api::namespaced(replayer.clone(), "default");
    let list = replayed.list(&ListParams::default()).await.unwrap();
    assert_eq!(list.items[0].metadata.name.as_deref(), Some("web"));
    let whole = replayer
        .send(
            http::Request::get("/api/v1/namespaces/default/configmaps")
                .body(Bytes::new())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(whole.body()).unwrap()["items"][0]["metadata"]["name"],
        "web"
    );
}
