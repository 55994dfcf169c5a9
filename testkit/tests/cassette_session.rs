//! A session recorded against the served fake cluster through the live
//! client replays, with no cluster, through every layer of the SDK
//! (`Client`, `Api<K>`, `DynamicClient`, `DiscoveryClient`) with identical
//! results; the recorded cassette is checked in and snapshot-tested.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use futures::StreamExt;
use k8s_openapi::api::core::v1::ConfigMap;
use rudder::types::{ListParams, Patch, PatchParams, PostParams, WatchEvent, WatchParams};
use rudder::{Client, Discovery, Dynamic, HttpRest, Rest, Typed};
use rudder_testkit::FakeCluster;
use rudder_testkit::cassette::{Cassette, Recorder, Replayer};
use serde_json::{Value, json};

const SEED: &str = "apiVersion: v1
kind: ConfigMap
metadata:
  name: seeded
  namespace: default
data:
  color: blue
";

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/cassettes/fake_cluster_session.yaml")
}

fn config_map(name: &str, value: &str) -> ConfigMap {
    serde_json::from_value(json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": name}, "data": {"value": value}
    }))
    .unwrap()
}

fn outcome<T: serde::Serialize>(result: rudder::Result<T>) -> Value {
    match result {
        Ok(value) => json!({"ok": value}),
        Err(error) => json!({"error": error.to_string()}),
    }
}

/// What a program does against the API, through every layer; returns what
/// it saw.
async fn session(client: &Client) -> Vec<Value> {
    let mut seen = Vec::new();
    let version = client
        .discovery()
        .server_version()
        .await
        .map(|version| version.git_version);
    seen.push(outcome(version));
    let api = client.default_namespaced::<ConfigMap>();
    let list = api.list(&ListParams::default()).await;
    let start = list
        .as_ref()
        .ok()
        .and_then(|list| list.metadata.resource_version.clone())
        .unwrap_or_default();
    seen.push(outcome(list));
    seen.push(outcome(api.get("seeded").await));
    seen.push(outcome(
        api.create(&PostParams::default(), &config_map("web", "1")).await,
    ));
    let strategic = Patch::Strategic(json!({"data": {"value": "2"}}));
    seen.push(outcome(
        api.patch("web", &PatchParams::default(), &strategic).await,
    ));
    let applied = Patch::Apply(json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "applied", "namespace": "default"}, "data": {"by": "apply"}
    }));
    seen.push(outcome(
        api.patch("applied", &PatchParams::apply("cassette-test"), &applied)
            .await,
    ));
    let params = WatchParams {
        allow_watch_bookmarks: false,
        ..WatchParams::default()
    }
    .from_version(&start);
    match api.watch(&params).await {
        Ok(mut events) => {
            for _ in 0..3 {
                let event = events.next().await.expect("three events");
                seen.push(outcome(event.map(|event| match event {
                    WatchEvent::Added(object) => ("ADDED", object.metadata.name),
                    WatchEvent::Modified(object) => ("MODIFIED", object.metadata.name),
                    WatchEvent::Deleted(object) => ("DELETED", object.metadata.name),
                    other => panic!("unexpected {other:?}"),
                })));
            }
        }
        Err(error) => seen.push(outcome::<()>(Err(error))),
    }
    match client.dynamic_for("configmaps").await {
        Ok(dynamic) => seen.push(outcome(dynamic.get("web").await)),
        Err(error) => seen.push(outcome::<()>(Err(error))),
    }
    seen.push(outcome(api.get("missing").await));
    seen.push(outcome(
        api.create(&PostParams::default(), &config_map("web", "again"))
            .await,
    ));
    seen
}

/// Records the session against a served deterministic fake cluster; returns
/// what it saw and the cassette.
async fn record(path: &Path) -> (Vec<Value>, Cassette) {
    let cluster = FakeCluster::builder().deterministic().build();
    cluster.seed_yaml(SEED).unwrap();
    let server = cluster.server().start().await.unwrap();
    let recorder = Arc::new(Recorder::new(HttpRest::new(server.config()).unwrap(), path));
    let seen = session(&Client::new(recorder.clone() as Arc<dyn Rest>, "default")).await;
    recorder.finish().unwrap();
    drop(server);
    (seen, Cassette::load(path).unwrap())
}

/// The cassette without what changes between runs: the arrival times of
/// watch events.
fn normalised(mut cassette: Cassette) -> Cassette {
    for interaction in &mut cassette.interactions {
        if let Some(stream) = &mut interaction.response.stream {
            for event in &mut stream.events {
                event.offset_ms = 0;
            }
        }
    }
    cassette
}

#[tokio::test]
async fn a_recorded_session_replays_identically_through_every_layer() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("session.yaml");
    let (live, cassette) = record(&path).await;
    assert!(
        live.iter()
            .any(|outcome| outcome["error"].as_str().is_some_and(|e| e.contains("404"))),
        "{live:#?}"
    );
    assert!(
        live.iter()
            .any(|outcome| outcome["error"].as_str().is_some_and(|e| e.contains("409"))),
        "{live:#?}"
    );

    let replayer = Arc::new(Replayer::open(&path).unwrap());
    let replayed = session(&Client::new(replayer.clone() as Arc<dyn Rest>, "default")).await;
    assert_eq!(replayed, live);
    replayer.assert_all_used();

    let yaml = normalised(cassette).to_yaml().unwrap();
    insta::assert_snapshot!("fake_cluster_session", yaml);
    let checked_in = fixture();
    if std::env::var("RUDDER_CASSETTE").as_deref() == Ok("record") || !checked_in.exists() {
        std::fs::create_dir_all(checked_in.parent().unwrap()).unwrap();
        std::fs::write(&checked_in, &yaml).unwrap();
    }
    assert_eq!(
        std::fs::read_to_string(&checked_in).unwrap(),
        yaml,
        "{} is stale: re-record with RUDDER_CASSETTE=record",
        checked_in.display()
    );
}

#[tokio::test]
async fn the_checked_in_cassette_replays_with_no_cluster() {
    let rest = Cassette::rest(fixture(), || -> Arc<dyn Rest> {
        panic!("an existing cassette is replayed, never recorded again")
    });
    let rest = match rest {
        Ok(rest) if !rest.is_recording() => Arc::new(rest),
        // RUDDER_CASSETTE=record: the other test re-records the fixture.
        Ok(_) => return,
        Err(error) => panic!("{error}"),
    };
    let seen = session(&Client::new(rest.clone() as Arc<dyn Rest>, "default")).await;
    insta::assert_json_snapshot!("fake_cluster_session_outcomes", seen);
}

#[tokio::test]
async fn the_checked_in_cassette_served_over_http_answers_the_live_client_alike() {
    let server = rudder_testkit::server::Server::builder(Replayer::open(fixture()).unwrap())
        .start()
        .await
        .unwrap();
    let live = Arc::new(HttpRest::new(server.config()).unwrap()) as Arc<dyn Rest>;
    let seen = session(&Client::new(live, "default")).await;
    insta::assert_json_snapshot!("fake_cluster_session_outcomes", seen);
}

#[tokio::test]
async fn cassette_rest_records_when_the_file_is_missing_then_replays() {
    if std::env::var("RUDDER_CASSETTE").is_ok() {
        return; // The mode is forced; this test is about `auto`.
    }
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("auto.yaml");
    let cluster = FakeCluster::builder().deterministic().build();
    cluster.seed_yaml(SEED).unwrap();
    let live_cluster = cluster.clone();
    let recording = Cassette::rest(&path, move || live_cluster).unwrap();
    assert!(recording.is_recording());
    let api = Client::new(Arc::new(recording) as Arc<dyn Rest>, "default").default_namespaced::<ConfigMap>();
    let live = api.get("seeded").await.unwrap();
    drop(api); // The last handle: the cassette is written on drop.

    let replaying = Cassette::rest(&path, || -> FakeCluster {
        panic!("replay builds no live client")
    })
    .unwrap();
    assert!(!replaying.is_recording());
    let api = Client::new(Arc::new(replaying) as Arc<dyn Rest>, "default").default_namespaced::<ConfigMap>();
    assert_eq!(api.get("seeded").await.unwrap(), live);
}
