//! Shared by the discovery integration tests: the real discovery documents
//! served by wiremock, in the aggregated or the legacy form.
#![allow(dead_code)] // each test file uses its own part of this

use std::sync::Arc;

use rudder::rest::{Request, Response, Rest, StreamResponse};
use rudder::{Config, Error, HttpRest};
use serde_json::{Value, json};
use wiremock::matchers::{header_regex, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// `Content-Type` of an aggregated v2 response.
pub const AGGREGATED_CONTENT_TYPE: &str =
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

/// The legacy group versions with a real document in fixtures/discovery.
pub const LEGACY_GROUP_VERSIONS: [&str; 4] = [
    "apiextensions.k8s.io/v1",
    "apps/v1",
    "batch/v1",
    "coordination.k8s.io/v1",
];

/// A real discovery document.
pub fn fixture(name: &str) -> String {
    let path = format!("{}/fixtures/discovery/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{path}: {error}"))
}

/// A real discovery document, parsed.
pub fn fixture_json(name: &str) -> Value {
    serde_json::from_str(&fixture(name)).unwrap()
}

/// The live client against `server`.
pub fn rest(server: &MockServer) -> Arc<dyn Rest> {
    let config = Config::new(server.uri().parse().unwrap());
    Arc::new(HttpRest::new(config).unwrap())
}

/// The core group in the aggregated form, made from the real legacy
/// `api__v1.json` (the fixtures have no aggregated `/api`).
pub fn aggregated_core() -> Value {
    let list = fixture_json("api__v1.json");
    let entries = list["resources"].as_array().unwrap();
    let mut resources = Vec::new();
    for entry in entries
        .iter()
        .filter(|e| !e["name"].as_str().unwrap().contains('/'))
    {
        let name = entry["name"].as_str().unwrap();
        let subresources: Vec<Value> = entries
            .iter()
            .filter_map(|sub| {
                let (parent, sub_name) = sub["name"].as_str()?.split_once('/')?;
                (parent == name).then(|| {
                    json!({
                        "subresource": sub_name,
                        "responseKind": {
                            "group": sub.get("group").cloned().unwrap_or(json!("")),
                            "version": sub.get("version").cloned().unwrap_or(json!("")),
                            "kind": sub["kind"],
                        },
                        "verbs": sub["verbs"],
                    })
                })
            })
            .collect();
        resources.push(json!({
            "resource": name,
            "responseKind": {"group": "", "version": "", "kind": entry["kind"]},
            "scope": if entry["namespaced"].as_bool().unwrap() { "Namespaced" } else { "Cluster" },
            "singularResource": entry["singularName"],
            "verbs": entry["verbs"],
            "shortNames": entry.get("shortNames").cloned().unwrap_or(json!([])),
            "categories": entry.get("categories").cloned().unwrap_or(json!([])),
            "subresources": subresources,
        }));
    }
    json!({
        "kind": "APIGroupDiscoveryList",
        "apiVersion": "apidiscovery.k8s.io/v2",
        "metadata": {},
        "items": [{"metadata": {"name": ""}, "versions": [{"version": "v1", "resources": resources, "freshness": "Current"}]}],
    })
}

fn aggregated_response(body: String) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(body, AGGREGATED_CONTENT_TYPE)
}

fn json_response(body: String) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(body, "application/json")
}

/// Mounts aggregated `/api` and `/apis`, answered only when `Accept` asks
/// for aggregated v2; legacy documents as well when `legacy_too`.
pub async fn mount_aggregated(server: &MockServer) {
    for (prefix, body) in [
        ("/api", aggregated_core().to_string()),
        ("/apis", fixture("aggregated_v2.json")),
    ] {
        Mock::given(method("GET"))
            .and(path(prefix))
            .and(header_regex(
                "accept",
                r"g=apidiscovery\.k8s\.io;v=v2;as=APIGroupDiscoveryList",
            ))
            .respond_with(aggregated_response(body))
            .mount(server)
            .await;
    }
}

/// Mounts the legacy documents: `/api`, `/api/v1`, an `/apis` listing only
/// the groups with a real per-group-version document (unless `all_groups`,
/// which serves the real `apis.json` whose other groups then 404), and those
/// documents.
pub async fn mount_legacy(server: &MockServer, all_groups: bool) {
    let mut apis = fixture_json("apis.json");
    if !all_groups {
        let groups = apis["groups"].as_array_mut().unwrap();
        groups.retain(|g| {
            g["versions"]
                .as_array()
                .unwrap()
                .iter()
                .any(|v| LEGACY_GROUP_VERSIONS.contains(&v["groupVersion"].as_str().unwrap()))
        });
        for group in groups.iter_mut() {
            let versions = group["versions"].as_array_mut().unwrap();
            versions.retain(|v| LEGACY_GROUP_VERSIONS.contains(&v["groupVersion"].as_str().unwrap()));
        }
    }
    let documents = [
        ("/api", fixture("api.json")),
        ("/apis", apis.to_string()),
        ("/api/v1", fixture("api__v1.json")),
        (
            "/apis/apiextensions.k8s.io/v1",
            fixture("apis__apiextensions.k8s.io__v1.json"),
        ),
        ("/apis/apps/v1", fixture("apis__apps__v1.json")),
        ("/apis/batch/v1", fixture("apis__batch__v1.json")),
        (
            "/apis/coordination.k8s.io/v1",
            fixture("apis__coordination.k8s.io__v1.json"),
        ),
    ];
    for (document_path, body) in documents {
        Mock::given(method("GET"))
            .and(path(document_path))
            .respond_with(json_response(body))
            // Below the aggregated mocks (priority 5) when both are mounted.
            .with_priority(10)
            .mount(server)
            .await;
    }
}

/// The paths the server was asked for, in order.
pub async fn requested_paths(server: &MockServer) -> Vec<String> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .map(|r| r.url.path().to_owned())
        .collect()
}

/// A `Rest` with no server behind it: every call fails as a refused
/// connection would.
pub struct NoServer;

#[async_trait::async_trait]
impl Rest for NoServer {
    async fn send(&self, request: Request) -> rudder::Result<Response> {
        Err(refused(&request))
    }

    async fn send_stream(&self, request: Request) -> rudder::Result<StreamResponse> {
        Err(refused(&request))
    }
}

fn refused(request: &Request) -> Error {
    Error::Transport {
        verb: request.method().to_string(),
        url: request.uri().to_string(),
        source: "connection refused (no server in this test)".into(),
    }
}
