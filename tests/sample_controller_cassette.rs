//! The sample-controller replayed from a cassette, with no cluster at all.
//!
//! The session (the fake-cluster test's scenarios, one reconcile at a time)
//! was recorded through the live HTTP client against the served,
//! deterministic fake cluster into `fixtures/cassettes/sample_controller.yaml`;
//! replaying it answers each request the reconcile makes from the file.
//! Reconciles are driven one by one rather than by the controller's
//! concurrent loop, so the requests come in the same order on every run;
//! the loop itself is what `sample_controller_fake.rs` tests.
//!
//! Re-record with `RUDDER_CASSETTE=record cargo test --test sample_controller_cassette`.

#[path = "../examples/shared/foo.rs"]
mod foo;
#[path = "../examples/shared/sample_controller.rs"]
mod sample_controller;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use foo::Foo;
use k8s_openapi::api::apps::v1::{Deployment, DeploymentStatus};
use k8s_openapi::api::events::v1::Event;
use rudder::runtime::events::Recorder;
use rudder::types::{DeleteParams, Patch, PatchParams, PostParams};
use rudder::{Api, Client, HttpRest, Rest, Status, Typed};
use rudder_testkit::FakeCluster;
use rudder_testkit::cassette::{Recorder as CassetteRecorder, Replayer};
use rudder_testkit::cluster::Reactor;
use sample_controller::Context;
use serde_json::json;

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/cassettes/sample_controller.yaml")
}

/// The Foo CRD, as the served fake needs it before the session.
const FOO_CRD: &str = include_str!("../fixtures/seed/foo-crd.yaml");

/// The reconcile's context on `client`, writing Events with a clock that
/// ticks a second per Event, so their times and names are the same on
/// every run.
fn context(client: &Client) -> Arc<Context> {
    let ticks = AtomicI64::new(0);
    let start = jiff::Timestamp::from_second(1_767_225_600).expect("2026-01-01 is a timestamp");
    let clock = move || {
        let tick = ticks.fetch_add(1, Ordering::SeqCst);
        start
            .checked_add(jiff::SignedDuration::from_secs(tick))
            .unwrap_or(start)
    };
    let events: Api<Event> = client.default_namespaced();
    Arc::new(Context {
        foos: Arc::new(client.default_namespaced::<Foo>()),
        deployments: Arc::new(client.default_namespaced::<Deployment>()),
        recorder: Recorder::with_api(Arc::new(events), sample_controller::reporter()).with_clock(clock),
    })
}

/// One reconcile of the Foo `name` as it is now; its outcome in a word.
async fn reconcile(client: &Client, context: &Arc<Context>, name: &str) -> String {
    let foos: Api<Foo> = client.default_namespaced();
    let current = match foos.get(name).await {
        Ok(current) => current,
        Err(error) => return format!("get {name}: {error}"),
    };
    match sample_controller::reconcile(Arc::new(current), context.clone()).await {
        Ok(_) => format!("reconciled {name}"),
        Err(error) => format!("{name}: {error}"),
    }
}

/// The scenarios of the fake-cluster test, reconcile by reconcile; what
/// was seen at each step. `conflict_next_update` injects the 409 when
/// recording (a replay has the 409 in the cassette).
async fn session(client: &Client, conflict_next_update: &dyn Fn()) -> Vec<String> {
    let context = context(client);
    let foos: Api<Foo> = client.default_namespaced();
    let deployments: Api<Deployment> = client.default_namespaced();
    let mut seen = Vec::new();
    let replicas = |deployment: rudder::Result<Deployment>| match deployment {
        Ok(deployment) => format!("deployment replicas {:?}", deployment.spec.replicas),
        Err(error) => format!(
            "deployment: {}",
            error.status().map_or(String::new(), |s| s.reason.clone())
        ),
    };

    foos.create(&PostParams::default(), &Foo::new("example", "example-web", 1))
        .await
        .unwrap();
    seen.push(reconcile(client, &context, "example").await);
    seen.push(replicas(deployments.get("example-web").await));

    let scale = |to: i32| Patch::Merge(json!({"spec": {"replicas": to}}));
    foos.patch("example", &PatchParams::default(), &scale(3))
        .await
        .unwrap();
    seen.push(reconcile(client, &context, "example").await);
    seen.push(replicas(deployments.get("example-web").await));

    let mut reported = deployments.get_status("example-web").await.unwrap();
    reported.status = Some(DeploymentStatus {
        available_replicas: Some(3),
        ..DeploymentStatus::default()
    });
    deployments
        .replace_status("example-web", &PostParams::default(), &reported)
        .await
        .unwrap();
    seen.push(reconcile(client, &context, "example").await);
    let status = foos.get_status("example").await.unwrap().status;
    seen.push(format!("foo status {status:?}"));

    conflict_next_update();
    foos.patch("example", &PatchParams::default(), &scale(4))
        .await
        .unwrap();
    seen.push(reconcile(client, &context, "example").await);
    seen.push(reconcile(client, &context, "example").await);
    seen.push(replicas(deployments.get("example-web").await));

    let mut theirs = sample_controller::new_deployment(&Foo::new("unrelated", "not-mine", 1));
    theirs.metadata.owner_references = None;
    deployments.create(&PostParams::default(), &theirs).await.unwrap();
    foos.create(&PostParams::default(), &Foo::new("squatter", "not-mine", 5))
        .await
        .unwrap();
    seen.push(reconcile(client, &context, "squatter").await);
    seen.push(replicas(deployments.get("not-mine").await));

    foos.delete("example", &DeleteParams::default()).await.unwrap();
    seen.push(replicas(deployments.get("example-web").await));
    seen
}

fn expected() -> Vec<String> {
    [
        "reconciled example",
        "deployment replicas Some(1)",
        "reconciled example",
        "deployment replicas Some(3)",
        "reconciled example",
        "foo status Some(FooStatus { available_replicas: 3 })",
        "example: PUT /apis/apps/v1/namespaces/default/deployments/example-web?fieldManager=sample-controller: 409 Conflict: injected",
        "reconciled example",
        "deployment replicas Some(4)",
        "squatter: Resource \"not-mine\" already exists and is not managed by Foo",
        "deployment replicas Some(1)",
        "deployment: NotFound",
    ]
    .map(String::from)
    .to_vec()
}

/// Records the session through the live HTTP client against the served
/// deterministic fake.
async fn record(path: &Path) -> Vec<String> {
    let cluster = FakeCluster::builder().deterministic().build();
    cluster.seed_yaml(FOO_CRD).unwrap();
    let server = cluster.server().start().await.unwrap();
    let recorder = Arc::new(CassetteRecorder::new(
        HttpRest::new(server.config()).unwrap(),
        path,
    ));
    let client = Client::new(recorder.clone() as Arc<dyn Rest>, "default");
    let conflict = Status::failure(409, "Conflict", "injected");
    let inject = || cluster.react(Reactor::fail("update", "deployments", conflict.clone()).once());
    let seen = session(&client, &inject).await;
    recorder.finish().unwrap();
    drop(server);
    seen
}

#[tokio::test]
async fn the_session_recorded_against_the_served_fake_replays_identically() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("sample_controller.yaml");
    let live = record(&path).await;
    assert_eq!(live, expected());

    let replayer = Arc::new(Replayer::open(&path).unwrap());
    let replayed = session(&Client::new(replayer.clone() as Arc<dyn Rest>, "default"), &|| {}).await;
    assert_eq!(replayed, live);
    replayer.assert_all_used();

    let checked_in = fixture();
    if std::env::var("RUDDER_CASSETTE").as_deref() == Ok("record") || !checked_in.exists() {
        std::fs::create_dir_all(checked_in.parent().unwrap()).unwrap();
        std::fs::copy(&path, &checked_in).unwrap();
    }
    // The fake is deterministic and the session sequential: the same bytes
    // every run, so a change in what the reconcile sends shows up here.
    assert!(
        std::fs::read(&checked_in).unwrap() == std::fs::read(&path).unwrap(),
        "{} is stale: re-record with RUDDER_CASSETTE=record",
        checked_in.display()
    );
}

#[tokio::test]
async fn the_checked_in_cassette_replays_with_no_cluster() {
    if std::env::var("RUDDER_CASSETTE").as_deref() == Ok("record") {
        return; // The other test is re-recording the fixture.
    }
    let replayer = Replayer::open(fixture()).unwrap_or_else(|error| panic!("{error}"));
    let replayer = Arc::new(replayer);
    let seen = session(&Client::new(replayer.clone() as Arc<dyn Rest>, "default"), &|| {}).await;
    assert_eq!(seen, expected());
    replayer.assert_all_used();
}
