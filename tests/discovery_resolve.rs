//! `resolve`: kubectl-style resource arguments against the real documents,
//! the preferred version on ambiguity, and one refresh on a miss.

mod api_support;

use api_support::discovery::*;
use api_support::rest_for;
use rudder::discovery::{Discovery, DiscoveryClient};
use rudder::types::{GroupVersionKind, GroupVersionResource};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn aggregated_discovery() -> (MockServer, DiscoveryClient) {
    let server = MockServer::start().await;
    mount_aggregated(&server).await;
    let discovery = DiscoveryClient::new(rest_for(&server));
    (server, discovery)
}

#[tokio::test]
async fn resource_arguments_resolve_like_kubectl() {
    let (_server, discovery) = aggregated_discovery().await;
    // (argument, expected group/version, plural)
    let cases = [
        ("deploy", "apps/v1", "deployments"),
        ("deployments", "apps/v1", "deployments"),
        ("deployment", "apps/v1", "deployments"),
        ("Deployment", "apps/v1", "deployments"),
        ("DEPLOYMENTS", "apps/v1", "deployments"),
        ("deployments.apps", "apps/v1", "deployments"),
        ("deploy.apps", "apps/v1", "deployments"),
        ("deployment.v1.apps", "apps/v1", "deployments"),
        ("Deployment.v1.apps", "apps/v1", "deployments"),
        ("po", "v1", "pods"),
        ("pod", "v1", "pods"),
        ("pods.v1.", "v1", "pods"),
        ("svc", "v1", "services"),
        ("ns", "v1", "namespaces"),
        ("cm", "v1", "configmaps"),
        // Ambiguous: core events and events.k8s.io events; the core group is first.
        ("events", "v1", "events"),
        ("ev", "v1", "events"),
        ("events.events.k8s.io", "events.k8s.io/v1", "events"),
        ("Event.v1.events.k8s.io", "events.k8s.io/v1", "events"),
        // Two versions: the preferred one unless a version is given.
        ("hpa", "autoscaling/v2", "horizontalpodautoscalers"),
        (
            "horizontalpodautoscalers.autoscaling",
            "autoscaling/v2",
            "horizontalpodautoscalers",
        ),
        (
            "horizontalpodautoscalers.v1.autoscaling",
            "autoscaling/v1",
            "horizontalpodautoscalers",
        ),
        ("crd", "apiextensions.k8s.io/v1", "customresourcedefinitions"),
        ("cj", "batch/v1", "cronjobs"),
        ("cronjob.batch", "batch/v1", "cronjobs"),
        ("NetworkPolicy", "networking.k8s.io/v1", "networkpolicies"),
        ("netpol", "networking.k8s.io/v1", "networkpolicies"),
        ("lease", "coordination.k8s.io/v1", "leases"),
    ];
    for (argument, api_version, plural) in cases {
        let resolved = discovery
            .resolve(argument)
            .await
            .unwrap_or_else(|error| panic!("{argument}: {error}"));
        assert_eq!(
            (
                resolved.resource.api_version().as_str(),
                resolved.resource.plural.as_str()
            ),
            (api_version, plural),
            "{argument}"
        );
    }
}

#[tokio::test]
async fn resolve_carries_capabilities() {
    let (_server, discovery) = aggregated_discovery().await;
    let deployments = discovery.resolve("deploy").await.unwrap();
    assert!(deployments.resource.is_namespaced());
    assert_eq!(deployments.resource.kind, "Deployment");
    assert!(deployments.supports("patch") && deployments.supports("watch"));
    let subresources: Vec<&str> = deployments.subresources.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(subresources, ["scale", "status"]);
    let nodes = discovery.resolve("no").await.unwrap();
    assert!(!nodes.resource.is_namespaced());
}

#[tokio::test]
async fn kinds_and_resources_resolve_with_the_preferred_version_when_none_is_given() {
    let (_server, discovery) = aggregated_discovery().await;
    let by_kind = discovery
        .resolve_gvk(&GroupVersionKind::new(
            "autoscaling",
            "",
            "HorizontalPodAutoscaler",
        ))
        .await
        .unwrap();
    assert_eq!(by_kind.resource.version, "v2");
    let pinned = discovery
        .resolve_gvk(&GroupVersionKind::new(
            "autoscaling",
            "v1",
            "HorizontalPodAutoscaler",
        ))
        .await
        .unwrap();
    assert_eq!(pinned.resource.version, "v1");
    let by_resource = discovery
        .resolve_gvr(&GroupVersionResource::new("apps", "v1", "deployments"))
        .await
        .unwrap();
    assert_eq!(by_resource.resource.kind, "Deployment");
    let error = discovery
        .resolve_gvk(&GroupVersionKind::new("apps", "v1beta1", "Deployment"))
        .await
        .unwrap_err();
    insta::assert_snapshot!("gvk_miss", error.to_string());
}

#[tokio::test]
async fn misses_name_close_resources() {
    let (_server, discovery) = aggregated_discovery().await;
    let cases = [
        ("typo", "deploymnt"),
        ("wrong_group", "deployments.extensions"),
        ("nothing_close", "zzzzzzzzzz"),
        ("short_typo", "pdo"),
    ];
    for (case, argument) in cases {
        let error = discovery.resolve(argument).await.unwrap_err();
        let rudder::Error::Discovery(discovery_error) = &error else {
            panic!("{argument}: {error}");
        };
        assert!(discovery_error.is_not_found());
        insta::assert_snapshot!(format!("miss_{case}"), error.to_string());
    }
}

#[tokio::test]
async fn names_that_cannot_be_resource_types_are_refused_without_a_request() {
    let server = MockServer::start().await;
    let discovery = DiscoveryClient::new(rest_for(&server));
    for argument in ["", "pods/web"] {
        let error = discovery.resolve(argument).await.unwrap_err();
        assert!(error.to_string().starts_with("invalid resource name"), "{error}");
    }
    assert!(requested_paths(&server).await.is_empty());
}

fn with_foos() -> serde_json::Value {
    let mut apis = fixture_json("aggregated_v2.json");
    apis["items"].as_array_mut().unwrap().push(json!({
        "metadata": {"name": "samplecontroller.k8s.io"},
        "versions": [{"version": "v1alpha1", "freshness": "Current", "resources": [{
            "resource": "foos",
            "responseKind": {"group": "", "version": "", "kind": "Foo"},
            "scope": "Namespaced",
            "singularResource": "foo",
            "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"],
            "subresources": [{"subresource": "status", "responseKind": {"group": "", "version": "", "kind": "Foo"}, "verbs": ["get", "patch", "update"]}]
        }]}]
    }));
    apis
}

async fn apis_requests(server: &MockServer) -> usize {
    requested_paths(server)
        .await
        .iter()
        .filter(|p| *p == "/apis")
        .count()
}

#[tokio::test]
async fn a_miss_in_cached_discovery_refreshes_once_and_finds_a_new_crd() {
    let (server, discovery) = aggregated_discovery().await;
    discovery.resolve("pods").await.unwrap();
    assert_eq!(apis_requests(&server).await, 1);
    // The CRD is created after discovery was cached.
    Mock::given(method("GET"))
        .and(path("/apis"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(with_foos().to_string(), AGGREGATED_CONTENT_TYPE),
        )
        .with_priority(1)
        .mount(&server)
        .await;

    let foo = discovery.resolve("foo").await.unwrap();

    assert_eq!(foo.resource.api_version(), "samplecontroller.k8s.io/v1alpha1");
    assert!(foo.subresource("status").is_some());
    assert_eq!(apis_requests(&server).await, 2);
    // Now cached: no more requests.
    discovery.resolve("foos.samplecontroller.k8s.io").await.unwrap();
    assert_eq!(apis_requests(&server).await, 2);
}

#[tokio::test]
async fn a_miss_refreshes_exactly_once_before_failing() {
    let (server, discovery) = aggregated_discovery().await;
    discovery.resolve("pods").await.unwrap();
    assert!(
        discovery
            .resolve("widgets")
            .await
            .unwrap_err()
            .to_string()
            .contains("widgets")
    );
    assert_eq!(apis_requests(&server).await, 2, "one load, one refresh");
}

#[tokio::test]
async fn a_miss_just_after_fetching_does_not_fetch_again() {
    let (server, discovery) = aggregated_discovery().await;
    discovery.resolve("widgets").await.unwrap_err();
    assert_eq!(apis_requests(&server).await, 1);
}
