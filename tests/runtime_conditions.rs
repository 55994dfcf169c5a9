//! `await_condition` against the fake cluster, on paused time: it returns
//! as soon as the object is in the state, whether already or later.

use std::time::Duration;

use k8s_openapi::api::core::v1::{Pod, PodStatus};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use rudder::runtime::conditions::{await_condition, is_crd_established, is_deleted, is_pod_running};
use rudder::types::{DeleteParams, PostParams};
use rudder::{Api, Typed};
use rudder_testkit::FakeCluster;

const PATIENCE: Duration = Duration::from_secs(30);

fn pod_yaml() -> &'static str {
    "apiVersion: v1\nkind: Pod\nmetadata: {name: web-0, namespace: default}\nspec:\n  containers: [{name: web, image: nginx}]\n"
}

#[tokio::test(start_paused = true)]
async fn a_pod_is_awaited_until_it_runs() {
    let cluster = FakeCluster::new();
    cluster.seed_yaml(pod_yaml()).unwrap();
    let pods: Api<Pod> = cluster.client().default_namespaced();
    let kubelet = pods.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(5)).await;
        let mut pod = kubelet.get_status("web-0").await.unwrap();
        pod.status = Some(PodStatus {
            phase: Some("Running".into()),
            ..PodStatus::default()
        });
        kubelet
            .replace_status("web-0", &PostParams::default(), &pod)
            .await
            .unwrap();
    });

    let running = tokio::time::timeout(PATIENCE, await_condition(pods, "web-0", is_pod_running()))
        .await
        .expect("the pod runs");

    let phase = running.and_then(|pod| pod.status).and_then(|status| status.phase);
    assert_eq!(phase.as_deref(), Some("Running"));
}

#[tokio::test(start_paused = true)]
async fn a_deletion_is_awaited_and_an_absent_object_is_deleted_already() {
    let cluster = FakeCluster::new();
    cluster.seed_yaml(pod_yaml()).unwrap();
    let pods: Api<Pod> = cluster.client().default_namespaced();
    let uid = pods.get("web-0").await.unwrap().metadata.uid.unwrap();
    let deleter = pods.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(5)).await;
        deleter.delete("web-0", &DeleteParams::default()).await.unwrap();
    });

    let gone = tokio::time::timeout(
        PATIENCE,
        await_condition(pods.clone(), "web-0", is_deleted::<Pod>(&uid)),
    )
    .await
    .expect("the pod is deleted");
    assert!(gone.is_none());

    let never_there = await_condition(pods, "no-such-pod", is_deleted::<Pod>("any-uid"));
    assert!(
        tokio::time::timeout(PATIENCE, never_there)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test(start_paused = true)]
async fn a_created_crd_is_awaited_until_established() {
    let cluster = FakeCluster::new();
    cluster
        .seed_path(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/seed/foo-crd.yaml"))
        .unwrap();
    let crds: Api<CustomResourceDefinition> = cluster.client().cluster();

    let established = tokio::time::timeout(
        PATIENCE,
        await_condition(crds, "foos.samplecontroller.k8s.io", is_crd_established()),
    )
    .await
    .expect("the CRD is established");

    assert!(established.is_some());
}
