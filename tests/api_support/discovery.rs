//! The real discovery documents served by wiremock, in the aggregated or
//! the legacy form, and a `Rest` with no server behind it.

use rudder::Error;
use rudder::rest::{Request, Response, Rest, StreamResponse};
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

/// The real per-group-version documents: group version and fixture file.
pub const LEGACY_DOCUMENTS: [(&str, &str); 5] = [
    ("v1", "api__v1.json"),
    ("apiextensions.k8s.io/v1", "apis__apiextensions.k8s.io__v1.json"),
    ("apps/v1", "apis__apps__v1.json"),
    ("batch/v1", "apis__batch__v1.json"),
    ("coordination.k8s.io/v1", "apis__coordination.k8s.io__v1.json"),
];

/// The real `apis.json` cut down to the group versions with a real document.
pub fn legacy_apis() -> Value {
    let mut apis = fixture_json("apis.json");
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
    apis
}

/// Mounts the legacy documents: `/api`, an `/apis` listing only the groups
/// with a real per-group-version document (unless `all_groups`, which serves
/// the real `apis.json` whose other groups then 404), and those documents.
pub async fn mount_legacy(server: &MockServer, all_groups: bool) {
    let apis = if all_groups {
        fixture_json("apis.json")
    } else {
        legacy_apis()
    };
    let roots = [
        ("/api".to_owned(), fixture("api.json")),
        ("/apis".to_owned(), apis.to_string()),
    ];
    let documents = LEGACY_DOCUMENTS.map(|(group_version, name)| {
        let prefix = if group_version.contains('/') {
            "/apis"
        } else {
            "/api"
        };
        (format!("{prefix}/{group_version}"), fixture(name))
    });
    for (document_path, body) in roots.into_iter().chain(documents) {
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
