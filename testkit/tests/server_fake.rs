//! The live client (`HttpRest`) end to end against a served `FakeCluster`:
//! TLS with a token, a client certificate, the in-cluster configuration,
//! a watch, and every patch type.

use std::sync::Arc;

use futures::StreamExt;
use k8s_openapi::api::core::v1::ConfigMap;
use rudder::config::{Config, Environment};
use rudder::types::{Patch, PatchParams, PostParams, WatchEvent, WatchParams};
use rudder::{Api, HttpRest, Rest, Typed};
use rudder_testkit::FakeCluster;
use serde_json::json;

fn config_map(name: &str) -> ConfigMap {
    serde_json::from_value(json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": name},
        "data": {"color": "blue"}
    }))
    .unwrap()
}

fn api(config: Config) -> Api<ConfigMap> {
    let rest: Arc<dyn Rest> = Arc::new(HttpRest::new(config).expect("a client"));
    Api::namespaced(rest, "default")
}

#[tokio::test]
async fn the_live_client_writes_over_tls_with_a_token_and_the_cluster_sees_it() {
    let cluster = FakeCluster::new();
    let server = cluster.server().tls().token("s3cret").start().await.unwrap();
    let live = api(server.config());
    live.create(&PostParams::default(), &config_map("settings"))
        .await
        .expect("created over HTTPS");
    let in_process: Api<ConfigMap> = Api::namespaced(Arc::new(cluster.clone()), "default");
    let stored = in_process.get("settings").await.expect("the cluster holds it");
    assert_eq!(stored.data.unwrap()["color"], "blue");

    let mut anonymous = server.config();
    anonymous.auth = rudder::config::Auth::None;
    let refused = api(anonymous).get("settings").await.expect_err("no token");
    assert!(refused.is_unauthorized(), "{refused}");
}

#[tokio::test]
async fn a_client_certificate_issued_by_the_server_authenticates_the_live_client() {
    let cluster = FakeCluster::new();
    let server = cluster.server().client_certificate().start().await.unwrap();
    let listed = api(server.config())
        .list(&Default::default())
        .await
        .expect("listed");
    assert!(listed.items.is_empty());
}

#[tokio::test]
async fn the_in_cluster_configuration_reaches_the_served_fake() {
    let cluster = FakeCluster::new();
    let server = cluster.server().tls().token("pod-token").start().await.unwrap();
    let folder = tempfile::tempdir().unwrap();
    std::fs::write(folder.path().join("token"), "pod-token").unwrap();
    std::fs::write(folder.path().join("ca.crt"), server.ca_pem().unwrap()).unwrap();
    std::fs::write(folder.path().join("namespace"), "default").unwrap();
    let port = server.address().port().to_string();
    let env = Environment::from_vars([
        ("KUBERNETES_SERVICE_HOST", "127.0.0.1"),
        ("KUBERNETES_SERVICE_PORT", port.as_str()),
    ])
    .with_service_account_dir(folder.path());
    let config = Config::in_cluster_with(&env).expect("an in-cluster configuration");
    assert_eq!(config.default_namespace, "default");
    api(config)
        .create(&PostParams::default(), &config_map("from-a-pod"))
        .await
        .expect("created");
}

#[tokio::test]
async fn a_watch_through_the_live_client_receives_a_write_made_in_process() {
    let cluster = FakeCluster::new();
    let server = cluster.serve().await.unwrap();
    let live = api(server.config());
    let mut events = live.watch(&WatchParams::default()).await.expect("a watch");
    let in_process: Api<ConfigMap> = Api::namespaced(Arc::new(cluster.clone()), "default");
    in_process
        .create(&PostParams::default(), &config_map("watched"))
        .await
        .unwrap();
    loop {
        match events.next().await.expect("an event").expect("a decoded event") {
            WatchEvent::Added(object) => {
                assert_eq!(object.metadata.name.as_deref(), Some("watched"));
                break;
            }
            WatchEvent::Bookmark(_) => continue,
            other => panic!("unexpected event {other:?}"),
        }
    }
}

#[tokio::test]
async fn every_patch_type_goes_through_the_server() {
    let cluster = FakeCluster::new();
    let server = cluster.serve().await.unwrap();
    let live = api(server.config());
    live.create(&PostParams::default(), &config_map("patched"))
        .await
        .unwrap();
    let patches = [
        (
            Patch::Merge(json!({"data": {"merge": "1"}})),
            PatchParams::default(),
            "merge",
        ),
        (
            Patch::Strategic(json!({"data": {"strategic": "1"}})),
            PatchParams::default(),
            "strategic",
        ),
        (
            Patch::Json(json!([{"op": "add", "path": "/data/json", "value": "1"}])),
            PatchParams::default(),
            "json",
        ),
        (
            Patch::Apply(
                json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "patched"}, "data": {"apply": "1"}}),
            ),
            PatchParams::apply("server-test"),
            "apply",
        ),
    ];
    for (patch, params, key) in patches {
        let result = live
            .patch("patched", &params, &patch)
            .await
            .unwrap_or_else(|error| panic!("{key}: {error}"));
        assert_eq!(
            result.data.unwrap().get(key).map(String::as_str),
            Some("1"),
            "{key}"
        );
    }
}

#[tokio::test]
async fn unknown_paths_and_malformed_bodies_get_a_status_not_a_hang() {
    let cluster = FakeCluster::new();
    let server = cluster.serve().await.unwrap();
    let live = HttpRest::new(server.config()).unwrap();
    let send = |method: &str, uri: &str, body: &'static [u8]| {
        http::Request::builder()
            .method(method)
            .uri(uri)
            .header("content-type", "application/json")
            .body(bytes::Bytes::from_static(body))
            .unwrap()
    };
    let unknown = live.send(send("GET", "/no/such/path", b"")).await.unwrap();
    assert_eq!(unknown.status(), 404);
    assert_eq!(
        rudder::Status::from_body(unknown.body())
            .expect("a Status")
            .reason,
        "NotFound"
    );
    let malformed = live
        .send(send(
            "POST",
            "/api/v1/namespaces/default/configmaps",
            b"{not json",
        ))
        .await
        .unwrap();
    assert_eq!(malformed.status(), 400);
    let status = rudder::Status::from_body(malformed.body()).expect("a Status");
    assert!(!status.message.is_empty());
}

#[tokio::test]
async fn openapi_v3_describes_the_built_in_kinds_and_a_crd_created_a_moment_ago() {
    let cluster = FakeCluster::new();
    let server = cluster.serve().await.unwrap();
    let live = HttpRest::new(server.config()).unwrap();
    let get = |uri: String| {
        let request = http::Request::get(uri).body(bytes::Bytes::new()).unwrap();
        let live = live.clone();
        async move {
            let response = live.send(request).await.unwrap();
            assert_eq!(response.status(), 200);
            serde_json::from_slice::<serde_json::Value>(response.body()).unwrap()
        }
    };
    let index = get("/openapi/v3".to_owned()).await;
    let apps = index["paths"]["apis/apps/v1"]["serverRelativeURL"]
        .as_str()
        .expect("apps/v1 is listed")
        .to_owned();
    let document = get(apps).await;
    assert!(document["components"]["schemas"]["io.k8s.api.apps.v1.Deployment"].is_object());
    let path = &document["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"];
    assert_eq!(
        path["get"]["x-kubernetes-group-version-kind"]["kind"],
        "Deployment"
    );

    cluster
        .seed_yaml(include_str!("kubectl_support/foo-crd.yaml"))
        .expect("the CRD is created");
    let index = get("/openapi/v3".to_owned()).await;
    let foos = index["paths"]["apis/samplecontroller.k8s.io/v1alpha1"]["serverRelativeURL"]
        .as_str()
        .expect("the CRD's group-version is listed")
        .to_owned();
    let document = get(foos).await;
    let foo = &document["components"]["schemas"]["io.k8s.samplecontroller.v1alpha1.Foo"];
    assert_eq!(foo["properties"]["spec"]["properties"]["replicas"]["maximum"], 10);
}

#[tokio::test]
async fn a_write_without_a_field_manager_is_owned_by_the_user_agents_program() {
    let cluster = FakeCluster::new();
    let server = cluster.serve().await.unwrap();
    let live = api(server.config());
    let created = live
        .create(&PostParams::default(), &config_map("settings"))
        .await
        .unwrap();
    let managers: Vec<String> = created
        .metadata
        .managed_fields
        .unwrap_or_default()
        .into_iter()
        .filter_map(|entry| entry.manager)
        .collect();
    // HttpRest sends `User-Agent: rudder/<version>`; the API server records
    // the part before the first `/`.
    assert_eq!(managers, ["rudder"]);

    let named = live
        .create(
            &PostParams::default().manager("my-controller"),
            &config_map("named"),
        )
        .await
        .unwrap();
    let manager = named.metadata.managed_fields.unwrap_or_default()[0]
        .manager
        .clone();
    assert_eq!(manager.as_deref(), Some("my-controller"));
}

#[tokio::test]
async fn over_http_a_write_is_defaulted_owned_by_the_user_agent_and_checked_for_its_media_type() {
    use k8s_openapi::api::apps::v1::Deployment;
    use rudder::rest::{RequestBuilder, ResourcePath};

    let cluster = FakeCluster::new();
    let server = cluster.serve().await.unwrap();
    let rest: Arc<dyn Rest> = Arc::new(HttpRest::new(server.config()).expect("a client"));
    let deployments: Api<Deployment> = Api::namespaced(rest.clone(), "default");
    let deployment: Deployment = serde_json::from_value(json!({
        "metadata": {"name": "web"},
        "spec": {"selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}},
                              "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}}}
    }))
    .unwrap();
    let created = deployments
        .create(&PostParams::default(), &deployment)
        .await
        .expect("created over HTTP");
    assert_eq!(created.spec.replicas, Some(1));
    assert!(created.status.is_some(), "status: {{}} over the wire");
    let manager = created.metadata.managed_fields.unwrap_or_default()[0]
        .manager
        .clone();
    assert_eq!(manager.as_deref(), Some("rudder"), "the User-Agent's program");

    let path = ResourcePath::core("v1", "configmaps").namespace("default");
    let plain = RequestBuilder::new(http::Method::POST, &path)
        .unwrap()
        .body(r#"{"metadata":{"name":"x"}}"#, "text/plain")
        .build()
        .unwrap();
    let refused = rest.send(plain).await;
    let status = match refused {
        Ok(response) => response.status().as_u16(),
        Err(error) => error.status().map_or(0, |status| status.code),
    };
    assert_eq!(status, 415);
}
