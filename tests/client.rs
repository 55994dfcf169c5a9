//! `Client` hands out every layer over one transport and one discovery cache.

mod api_support;

use k8s_openapi::api::core::v1::{ConfigMap, Node};
use rudder::types::{GroupVersionResource, ListParams};
use rudder::{Client, Config, Discovery, Dynamic, Typed};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use api_support::discovery::{mount_aggregated, requested_paths};
use api_support::rest_for;

fn empty_list(kind: &str, api_version: &str) -> serde_json::Value {
    json!({"kind": kind, "apiVersion": api_version, "metadata": {"resourceVersion": "7"}, "items": []})
}

async fn mount_list(server: &MockServer, at: &str, kind: &str, api_version: &str) {
    Mock::given(method("GET"))
        .and(path(at))
        .respond_with(ResponseTemplate::new(200).set_body_json(empty_list(kind, api_version)))
        .mount(server)
        .await;
}

#[tokio::test]
async fn typed_handles_use_the_default_namespace_unless_told_otherwise() {
    let server = MockServer::start().await;
    mount_list(
        &server,
        "/api/v1/namespaces/team-a/configmaps",
        "ConfigMapList",
        "v1",
    )
    .await;
    mount_list(
        &server,
        "/api/v1/namespaces/kube-system/configmaps",
        "ConfigMapList",
        "v1",
    )
    .await;
    mount_list(&server, "/api/v1/configmaps", "ConfigMapList", "v1").await;
    mount_list(&server, "/api/v1/nodes", "NodeList", "v1").await;
    let client = Client::new(rest_for(&server), "team-a");
    let params = ListParams::default();

    client
        .default_namespaced::<ConfigMap>()
        .list(&params)
        .await
        .unwrap();
    client
        .namespaced::<ConfigMap>("kube-system")
        .list(&params)
        .await
        .unwrap();
    client.all::<ConfigMap>().list(&params).await.unwrap();
    client.cluster::<Node>().list(&params).await.unwrap();

    assert_eq!(
        requested_paths(&server).await,
        [
            "/api/v1/namespaces/team-a/configmaps",
            "/api/v1/namespaces/kube-system/configmaps",
            "/api/v1/configmaps",
            "/api/v1/nodes",
        ]
    );
}

#[tokio::test]
async fn dynamic_handles_resolve_names_through_one_shared_discovery_cache() {
    let server = MockServer::start().await;
    mount_aggregated(&server).await;
    mount_list(
        &server,
        "/apis/apps/v1/namespaces/team-a/deployments",
        "DeploymentList",
        "apps/v1",
    )
    .await;
    mount_list(&server, "/api/v1/namespaces", "NamespaceList", "v1").await;
    let client = Client::new(rest_for(&server), "team-a");
    let params = ListParams::default();

    let deployments = client.dynamic_for("deploy").await.unwrap();
    deployments.list(&params).await.unwrap();
    let namespaces = client
        .dynamic_for_gvr(&GroupVersionResource::new("", "v1", "namespaces"))
        .await
        .unwrap();
    namespaces.list(&params).await.unwrap();
    // A clone shares the cache: no second discovery round.
    client.clone().dynamic_for("deployments.apps").await.unwrap();

    let paths = requested_paths(&server).await;
    let discovery_requests = paths.iter().filter(|p| *p == "/api" || *p == "/apis").count();
    assert_eq!(
        discovery_requests, 2,
        "one aggregated round for /api and /apis: {paths:?}"
    );
    assert!(paths.contains(&"/apis/apps/v1/namespaces/team-a/deployments".to_owned()));
    assert!(
        paths.contains(&"/api/v1/namespaces".to_owned()),
        "namespaces are cluster-scoped"
    );
}

#[tokio::test]
async fn an_unknown_resource_name_is_a_clear_error() {
    let server = MockServer::start().await;
    mount_aggregated(&server).await;
    let client = Client::new(rest_for(&server), "default");
    let error = client.dynamic_for("no-such-things").await.unwrap_err();
    assert!(error.to_string().contains("no-such-things"), "{error}");
}

#[tokio::test]
async fn a_gvr_gets_its_kind_and_scope_from_discovery() {
    let server = MockServer::start().await;
    mount_aggregated(&server).await;
    let deployment = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "team-a"}, "spec": {"replicas": 3}});
    Mock::given(method("GET"))
        .and(path("/apis/apps/v1/namespaces/team-a/deployments/web"))
        .respond_with(ResponseTemplate::new(200).set_body_json(&deployment))
        .mount(&server)
        .await;
    mount_list(&server, "/apis/apps/v1/deployments", "DeploymentList", "apps/v1").await;
    let client = Client::new(rest_for(&server), "team-a");
    let gvr = GroupVersionResource::new("apps", "v1", "deployments");

    let deployments = client.dynamic_for_gvr(&gvr).await.unwrap();
    assert_eq!(deployments.resource().kind, "Deployment");
    assert_eq!(deployments.namespace(), Some("team-a"));
    let web = deployments.get("web").await.unwrap();
    assert_eq!(web.data["spec"]["replicas"], 3);

    // Another scope for the same GVR: resolve it, then pick the handle.
    let served = client.discovery().resolve_gvr(&gvr).await.unwrap();
    let elsewhere = client
        .dynamic_namespaced(served.resource.clone(), "team-b")
        .unwrap();
    assert_eq!(elsewhere.namespace(), Some("team-b"));
    let everywhere = client.dynamic_all(served.resource);
    assert_eq!(everywhere.namespace(), None);
    assert!(
        everywhere
            .list(&ListParams::default())
            .await
            .unwrap()
            .items
            .is_empty()
    );
}

#[tokio::test]
async fn a_gvr_the_server_does_not_serve_is_an_error_naming_it() {
    let server = MockServer::start().await;
    mount_aggregated(&server).await;
    let client = Client::new(rest_for(&server), "default");
    let error = client
        .dynamic_for_gvr(&GroupVersionResource::new("apps", "v1beta1", "deployments"))
        .await
        .unwrap_err();
    assert!(error.to_string().contains("deployments.v1beta1.apps"), "{error}");
    let paths = requested_paths(&server).await;
    let apis_requests = paths.iter().filter(|p| *p == "/apis").count();
    // Discovery was fetched for this very call, so the miss is not retried.
    assert_eq!(apis_requests, 1, "{paths:?}");
}

#[tokio::test]
async fn a_client_from_a_config_takes_its_default_namespace() {
    let server = MockServer::start().await;
    mount_list(
        &server,
        "/api/v1/namespaces/team-b/configmaps",
        "ConfigMapList",
        "v1",
    )
    .await;
    let mut config = Config::new(server.uri().parse().unwrap());
    config.default_namespace = "team-b".into();

    let client = Client::try_from_config(config).unwrap();

    assert_eq!(client.default_namespace(), "team-b");
    let config_maps = client.default_namespaced::<ConfigMap>();
    assert_eq!(config_maps.namespace(), Some("team-b"));
    config_maps.list(&ListParams::default()).await.unwrap();
    assert_eq!(
        requested_paths(&server).await,
        ["/api/v1/namespaces/team-b/configmaps"]
    );
}
