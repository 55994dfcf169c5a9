//! The SDK's `DiscoveryClient` on the fake cluster: aggregated discovery,
//! kubectl-style name resolution, CRDs appearing and disappearing.

use std::sync::Arc;

use rudder::discovery::DiscoverySource;
use rudder::types::{DeleteParams, GroupVersionKind};
use rudder::{Discovery, DiscoveryClient, Dynamic, DynamicClient, Rest};
use rudder_testkit::FakeCluster;

fn rest(cluster: &FakeCluster) -> Arc<dyn Rest> {
    Arc::new(cluster.clone())
}

#[tokio::test]
async fn discovery_is_aggregated_and_resolves_kubectl_names() {
    let cluster = FakeCluster::new();
    let discovery = DiscoveryClient::new(rest(&cluster));
    let apis = discovery.server_apis().await.unwrap();
    assert_eq!(apis.source(), DiscoverySource::Aggregated);
    assert!(apis.is_complete());
    let cases = [
        ("deploy", "apps", "deployments"),
        ("deployments.apps", "apps", "deployments"),
        ("Deployment", "apps", "deployments"),
        ("po", "", "pods"),
        ("cm", "", "configmaps"),
        ("crd", "apiextensions.k8s.io", "customresourcedefinitions"),
    ];
    for (name, group, plural) in cases {
        let served = discovery.resolve(name).await.unwrap();
        assert_eq!(
            (served.resource.group.as_str(), served.resource.plural.as_str()),
            (group, plural),
            "{name}"
        );
    }
    let deployments = discovery.resolve("deploy").await.unwrap();
    let scale = deployments.subresource("scale").expect("scale");
    assert_eq!(scale.kind, GroupVersionKind::new("autoscaling", "v1", "Scale"));
    assert!(deployments.supports("watch"));
    let version = discovery.server_version().await.unwrap();
    assert_eq!(version.major, "1");
}

#[tokio::test]
async fn a_crd_appears_in_discovery_and_leaves_with_its_deletion() {
    let cluster = FakeCluster::new();
    let discovery = DiscoveryClient::new(rest(&cluster));
    assert!(discovery.resolve("fo").await.is_err());
    cluster
        .seed_yaml(include_str!("../../fixtures/seed/foo-crd.yaml"))
        .unwrap();
    let foos = discovery.resolve("fo").await.expect("a miss refreshes discovery");
    assert_eq!(foos.resource.kind, "Foo");
    assert_eq!(
        foos.resource.version, "v1alpha1",
        "the storage version is preferred"
    );
    assert!(foos.subresource("status").is_some() && foos.subresource("scale").is_some());

    let crds = discovery.resolve("crd").await.unwrap();
    let client = DynamicClient::cluster(rest(&cluster), crds.resource).unwrap();
    client
        .delete("foos.samplecontroller.k8s.io", &DeleteParams::default())
        .await
        .unwrap();
    discovery.invalidate().await;
    assert!(discovery.resolve("foos").await.is_err());
}
