//! Discovery documents of the fake cluster, compared in shape with those of
//! a real API server (fixtures-real), with ETag revalidation.

mod cluster_support;

use cluster_support::*;
use http::Method;
use http::header::{ETAG, IF_NONE_MATCH};
use rudder::Rest;
use rudder::rest::RequestBuilder;
use rudder_testkit::FakeCluster;
use serde_json::Value;

const AGGREGATED: &str = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

fn real(name: &str) -> Value {
    // The real documents, copied unmodified into the repository's fixtures.
    let path = format!("{}/../fixtures/discovery/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{path}: {error}"));
    serde_json::from_str(&text).unwrap_or_else(|error| panic!("{path}: {error}"))
}

fn resource<'a>(list: &'a Value, name: &str) -> &'a Value {
    list["resources"]
        .as_array()
        .and_then(|resources| resources.iter().find(|resource| resource["name"] == name))
        .unwrap_or(&Value::Null)
}

#[tokio::test]
async fn group_version_documents_match_the_real_server_for_the_kinds_served() {
    let cluster = FakeCluster::new();
    let cases = [
        (
            "/api/v1",
            "api__v1.json",
            ["pods", "configmaps", "namespaces", "pods/status"],
        ),
        (
            "/apis/apps/v1",
            "apis__apps__v1.json",
            [
                "deployments",
                "deployments/scale",
                "deployments/status",
                "statefulsets",
            ],
        ),
    ];
    for (path, fixture, names) in cases {
        let fake = send_request(&cluster, RequestBuilder::raw(Method::GET, path))
            .await
            .body;
        let real = real(fixture);
        assert_eq!(fake["kind"], "APIResourceList");
        assert_eq!(fake["groupVersion"], real["groupVersion"], "{path}");
        for name in names {
            let (fake, real) = (resource(&fake, name), resource(&real, name));
            if real.is_null() {
                continue;
            }
            for field in ["kind", "namespaced", "shortNames", "group", "version"] {
                assert_eq!(fake[field], real[field], "{path} {name} {field}");
            }
            // The fake serves every verb the real document lists (some
            // recorded documents omit watch, which real servers serve).
            let fake_verbs = fake["verbs"].as_array().unwrap();
            for verb in real["verbs"].as_array().unwrap() {
                assert!(fake_verbs.contains(verb), "{path} {name} lacks {verb}");
            }
            if name == "namespaces" {
                assert!(!fake_verbs.contains(&"deletecollection".into()));
            }
        }
    }
}

#[tokio::test]
async fn aggregated_discovery_is_served_when_asked_for() {
    let cluster = FakeCluster::new();
    let response = cluster
        .send(
            RequestBuilder::raw(Method::GET, "/apis")
                .accept(AGGREGATED)
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.headers()["content-type"], AGGREGATED);
    let document: Value = serde_json::from_slice(response.body()).unwrap();
    assert_eq!(document["kind"], "APIGroupDiscoveryList");
    let apps = document["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|group| group["metadata"]["name"] == "apps")
        .expect("apps");
    let deployments = apps["versions"][0]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|resource| resource["resource"] == "deployments")
        .expect("deployments");
    assert_eq!(deployments["scope"], "Namespaced");
    assert_eq!(deployments["subresources"][1]["responseKind"]["kind"], "Scale");
    let real = real("aggregated_v2.json");
    let real_apps = real["items"]
        .as_array()
        .and_then(|items| items.iter().find(|group| group["metadata"]["name"] == "apps"));
    if let Some(real_apps) = real_apps {
        let real_deployments = real_apps["versions"][0]["resources"]
            .as_array()
            .and_then(|resources| {
                resources
                    .iter()
                    .find(|resource| resource["resource"] == "deployments")
            })
            .expect("the real document has deployments");
        for field in [
            "scope",
            "singularResource",
            "verbs",
            "shortNames",
            "categories",
            "responseKind",
        ] {
            assert_eq!(deployments[field], real_deployments[field], "{field}");
        }
    }
}

#[tokio::test]
async fn documents_carry_an_etag_that_revalidates() {
    let cluster = FakeCluster::new();
    let first = cluster
        .send(RequestBuilder::raw(Method::GET, "/apis").build().unwrap())
        .await
        .unwrap();
    let etag = first.headers()[ETAG].to_str().unwrap().to_owned();
    let again = RequestBuilder::raw(Method::GET, "/apis").header(IF_NONE_MATCH, etag.clone());
    let revalidated = cluster.send(again.build().unwrap()).await.unwrap();
    assert_eq!(revalidated.status(), 304);
    assert!(revalidated.body().is_empty());

    let crd: Value = serde_saphyr::from_str(include_str!("../../fixtures/seed/foo-crd.yaml")).unwrap();
    create(
        &cluster,
        &rudder::rest::ResourcePath::new("apiextensions.k8s.io", "v1", "customresourcedefinitions"),
        &crd,
    )
    .await;
    let changed = RequestBuilder::raw(Method::GET, "/apis").header(IF_NONE_MATCH, etag);
    assert_eq!(
        cluster.send(changed.build().unwrap()).await.unwrap().status(),
        200,
        "a new group changes the document"
    );
}

#[tokio::test]
async fn version_and_core_versions() {
    let cluster = FakeCluster::new();
    let version = send_request(&cluster, RequestBuilder::raw(Method::GET, "/version"))
        .await
        .body;
    assert_eq!(version["major"], "1");
    assert!(version["gitVersion"].as_str().unwrap().starts_with("v1."));
    let api = send_request(&cluster, RequestBuilder::raw(Method::GET, "/api"))
        .await
        .body;
    assert_eq!(api["kind"], "APIVersions");
    assert_eq!(api["versions"], serde_json::json!(["v1"]));
    let unknown = send_request(
        &cluster,
        RequestBuilder::raw(Method::GET, "/apis/nothing.example.com/v1"),
    )
    .await;
    assert_eq!(unknown.code, 404);
}
