//! The sample-controller against the testkit's `FakeCluster`: the real
//! controller loop, watches, store and work queue against an in-memory API
//! server with resourceVersions, conflicts, the status subresource and
//! garbage collection. Slower than mocks and blind to the exact calls, but
//! it tests behaviour, survives refactoring, and can inject faults.

#[path = "../examples/shared/foo.rs"]
mod foo;
#[path = "../examples/shared/sample_controller.rs"]
mod sample_controller;
mod sample_controller_support;

use std::time::Duration;

use foo::Foo;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::events::v1::Event;
use rudder::runtime::conditions::{await_condition, is_deleted};
use rudder::types::{DeleteParams, ListParams, Patch, PatchParams, PostParams};
use rudder::{Api, Client, Status, Typed};
use rudder_testkit::FakeCluster;
use rudder_testkit::cluster::Reactor;
use sample_controller_support::{
    RunningController, deployment_where, event_about, foo_where, report_available, within,
};
use serde_json::json;

fn cluster() -> (FakeCluster, Client) {
    let cluster = FakeCluster::new();
    cluster
        .seed_path(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/seed/foo-crd.yaml"))
        .expect("the Foo CRD seeds");
    let client = cluster.client();
    (cluster, client)
}

async fn create_foo(client: &Client, name: &str, deployment: &str, replicas: i32) -> Foo {
    let foos: Api<Foo> = client.default_namespaced();
    foos.create(&PostParams::default(), &Foo::new(name, deployment, replicas))
        .await
        .expect("Foo created")
}

async fn scale_foo(client: &Client, name: &str, replicas: i32) {
    let foos: Api<Foo> = client.default_namespaced();
    let patch = Patch::Merge(json!({"spec": {"replicas": replicas}}));
    foos.patch(name, &PatchParams::default(), &patch)
        .await
        .expect("Foo scaled");
}

#[tokio::test(start_paused = true)]
async fn a_new_foo_gets_its_deployment_controlled_by_it() {
    let (_cluster, client) = cluster();
    let controller = RunningController::start(&client);

    let example = create_foo(&client, "example", "example-web", 2).await;
    let deployment = deployment_where(&client, "example-web", "create the Deployment", |_| true).await;

    assert_eq!(deployment.spec.replicas, Some(2));
    let owners = deployment.metadata.owner_references.unwrap();
    assert_eq!(owners.len(), 1);
    assert_eq!(owners[0].kind, "Foo");
    assert_eq!(owners[0].uid, example.metadata.uid.unwrap());
    assert_eq!(owners[0].controller, Some(true));
    controller.stop().await;
}

#[tokio::test(start_paused = true)]
async fn a_replica_change_on_the_foo_updates_the_deployment() {
    let (_cluster, client) = cluster();
    let controller = RunningController::start(&client);
    create_foo(&client, "example", "example-web", 1).await;
    deployment_where(&client, "example-web", "create the Deployment", |_| true).await;

    scale_foo(&client, "example", 4).await;

    deployment_where(&client, "example-web", "scale the Deployment", |d| {
        d.spec.replicas == Some(4)
    })
    .await;
    controller.stop().await;
}

#[tokio::test(start_paused = true)]
async fn the_foo_status_follows_the_deployments_available_replicas() {
    let (_cluster, client) = cluster();
    let controller = RunningController::start(&client);
    create_foo(&client, "example", "example-web", 3).await;
    deployment_where(&client, "example-web", "create the Deployment", |_| true).await;

    report_available(&client, "example-web", 3).await;

    let example = foo_where(&client, "example", "copy the status", |f| {
        f.status.as_ref().is_some_and(|s| s.available_replicas == 3)
    })
    .await;
    assert_eq!(example.spec.replicas, Some(3), "only the status changed");
    controller.stop().await;
}

#[tokio::test(start_paused = true)]
async fn deleting_the_foo_garbage_collects_its_deployment() {
    let (_cluster, client) = cluster();
    let controller = RunningController::start(&client);
    create_foo(&client, "example", "example-web", 1).await;
    let deployment = deployment_where(&client, "example-web", "create the Deployment", |_| true).await;
    let uid = deployment.metadata.uid.unwrap();

    let foos: Api<Foo> = client.default_namespaced();
    foos.delete("example", &DeleteParams::default()).await.unwrap();

    let deployments: Api<Deployment> = client.default_namespaced();
    within(
        "see the Deployment collected",
        await_condition(deployments, "example-web", is_deleted::<Deployment>(&uid)),
    )
    .await;
    // The controller does not bring it back: its Foo is gone.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let deployments: Api<Deployment> = client.default_namespaced();
    assert!(deployments.get_opt("example-web").await.unwrap().is_none());
    controller.stop().await;
}

#[tokio::test(start_paused = true)]
async fn a_conflict_on_the_deployment_update_is_retried() {
    let (cluster, client) = cluster();
    let controller = RunningController::start(&client);
    create_foo(&client, "example", "example-web", 1).await;
    deployment_where(&client, "example-web", "create the Deployment", |_| true).await;
    let conflict = Status::failure(409, "Conflict", "injected: the object has been modified");
    cluster.react(
        Reactor::fail("update", "deployments", conflict)
            .named("example-web")
            .once(),
    );

    scale_foo(&client, "example", 3).await;

    deployment_where(&client, "example-web", "retry the scale", |d| {
        d.spec.replicas == Some(3)
    })
    .await;
    assert_eq!(
        controller.outcomes_with("injected"),
        1,
        "{:?}",
        controller.outcomes.lock().unwrap()
    );
    let updates = cluster.actions().count("update", "deployments");
    assert!(updates >= 2, "the failed update and its retry, got {updates}");
    controller.stop().await;
}

#[tokio::test(start_paused = true)]
async fn a_deployment_the_foo_does_not_own_is_left_alone_with_a_warning() {
    let (_cluster, client) = cluster();
    let deployments: Api<Deployment> = client.default_namespaced();
    let mut theirs = sample_controller::new_deployment(&Foo::new("unrelated", "not-mine", 1));
    theirs.metadata.owner_references = None;
    let theirs = deployments.create(&PostParams::default(), &theirs).await.unwrap();
    let controller = RunningController::start(&client);

    create_foo(&client, "squatter", "not-mine", 5).await;

    let warning = event_about(&client, "squatter", "ErrResourceExists").await;
    assert_eq!(warning.type_.as_deref(), Some("Warning"));
    assert_eq!(
        warning.note.as_deref(),
        Some("Resource \"not-mine\" already exists and is not managed by Foo")
    );
    // The controller keeps retrying with backoff; the repeats fold into one
    // Event's series, and the Deployment is never touched.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let events: Api<Event> = client.default_namespaced();
    let warnings: Vec<Event> = events
        .list(&ListParams::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .filter(|event| event.reason.as_deref() == Some("ErrResourceExists"))
        .collect();
    assert_eq!(warnings.len(), 1);
    let repeats = warnings[0].series.as_ref().map_or(1, |series| series.count);
    assert!(repeats > 1, "the retries were counted in the series");
    let after = deployments.get("not-mine").await.unwrap();
    assert_eq!(after.metadata.resource_version, theirs.metadata.resource_version);
    assert_eq!(after.metadata.owner_references, None);
    controller.stop().await;
}
