//! Discovery documents, generated from the kinds served right now:
//! `/version`, `/api`, `/apis`, `/apis/{group}`, `/api/v1`,
//! `/apis/{group}/{version}`, and aggregated discovery (apidiscovery.k8s.io/v2).

use std::hash::{Hash, Hasher};

use serde_json::{Value, json};

use crate::cluster::registry::{Registry, ResourceKind};
use crate::cluster::request::router::Route;

/// The media type of aggregated discovery.
pub(crate) const AGGREGATED_MEDIA_TYPE: &str =
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

const SUBRESOURCE_VERBS: [&str; 3] = ["get", "patch", "update"];

/// Whether an `Accept` header asks for aggregated discovery.
pub(crate) fn wants_aggregated(accept: &str) -> bool {
    accept.split(',').any(|media_type| {
        let parameters: Vec<&str> = media_type.split(';').map(str::trim).collect();
        parameters.contains(&"g=apidiscovery.k8s.io")
            && parameters.contains(&"v=v2")
            && parameters.contains(&"as=APIGroupDiscoveryList")
    })
}

/// A strong ETag for a document's body.
pub(crate) fn etag(body: &Value) -> String {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    body.to_string().hash(&mut hasher);
    format!("\"{:016X}\"", hasher.finish())
}

/// The groups (non-core) in order of first registration, each with its versions.
fn groups(registry: &Registry) -> Vec<(String, Vec<String>)> {
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for kind in registry.kinds().iter().filter(|kind| !kind.api.group.is_empty()) {
        let index = match groups.iter().position(|(name, _)| *name == kind.api.group) {
            Some(index) => index,
            None => {
                groups.push((kind.api.group.clone(), Vec::new()));
                groups.len() - 1
            }
        };
        for version in &kind.versions {
            if !groups[index].1.contains(version) {
                groups[index].1.push(version.clone());
            }
        }
    }
    groups
}

fn group_document(name: &str, versions: &[String]) -> Value {
    let entries: Vec<Value> = versions
        .iter()
        .map(|version| json!({"groupVersion": format!("{name}/{version}"), "version": version}))
        .collect();
    json!({
        "name": name,
        "versions": entries,
        "preferredVersion": entries.first().cloned().unwrap_or(Value::Null),
    })
}

fn kinds_at<'a>(
    registry: &'a Registry,
    group: &'a str,
    version: &'a str,
) -> impl Iterator<Item = &'a ResourceKind> + 'a {
    registry
        .kinds()
        .iter()
        .filter(move |kind| kind.api.group == group && kind.versions.iter().any(|served| served == version))
}

fn resource_list(registry: &Registry, group: &str, version: &str) -> Option<Value> {
    let mut resources = Vec::new();
    for kind in kinds_at(registry, group, version) {
        let mut entry = json!({
            "name": kind.api.plural,
            "singularName": kind.singular,
            "namespaced": kind.namespaced(),
            "kind": kind.api.kind,
            "verbs": kind.verbs(),
        });
        if !kind.short_names.is_empty() {
            entry["shortNames"] = json!(kind.short_names);
        }
        if !kind.categories.is_empty() {
            entry["categories"] = json!(kind.categories);
        }
        resources.push(entry);
        if kind.status {
            resources.push(json!({
                "name": format!("{}/status", kind.api.plural),
                "singularName": "",
                "namespaced": kind.namespaced(),
                "kind": kind.api.kind,
                "verbs": SUBRESOURCE_VERBS,
            }));
        }
        if kind.scale.is_some() {
            resources.push(json!({
                "name": format!("{}/scale", kind.api.plural),
                "singularName": "",
                "namespaced": kind.namespaced(),
                "group": "autoscaling",
                "version": "v1",
                "kind": "Scale",
                "verbs": SUBRESOURCE_VERBS,
            }));
        }
        if kind.subresources().contains(&"log") {
            resources.push(json!({
                "name": format!("{}/log", kind.api.plural),
                "singularName": "",
                "namespaced": kind.namespaced(),
                "kind": kind.api.kind,
                "verbs": ["get"],
            }));
        }
    }
    if resources.is_empty() {
        return None;
    }
    let group_version = if group.is_empty() {
        version.to_owned()
    } else {
        format!("{group}/{version}")
    };
    Some(json!({
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": group_version,
        "resources": resources,
    }))
}

fn aggregated_group(registry: &Registry, name: &str, versions: &[String]) -> Value {
    let versions: Vec<Value> = versions
        .iter()
        .map(|version| {
            let resources: Vec<Value> = kinds_at(registry, name, version)
                .map(|kind| {
                    let mut subresources = Vec::new();
                    if kind.status {
                        subresources.push(json!({
                            "subresource": "status",
                            "responseKind": {"group": "", "version": "", "kind": kind.api.kind},
                            "verbs": SUBRESOURCE_VERBS,
                        }));
                    }
                    if kind.scale.is_some() {
                        subresources.push(json!({
                            "subresource": "scale",
                            "responseKind": {"group": "autoscaling", "version": "v1", "kind": "Scale"},
                            "verbs": SUBRESOURCE_VERBS,
                        }));
                    }
                    if kind.subresources().contains(&"log") {
                        subresources.push(json!({
                            "subresource": "log",
                            "responseKind": {"group": "", "version": "", "kind": kind.api.kind},
                            "verbs": ["get"],
                        }));
                    }
                    let mut entry = json!({
                        "resource": kind.api.plural,
                        "responseKind": {"group": "", "version": "", "kind": kind.api.kind},
                        "scope": if kind.namespaced() { "Namespaced" } else { "Cluster" },
                        "singularResource": kind.singular,
                        "verbs": kind.verbs(),
                    });
                    if !kind.short_names.is_empty() {
                        entry["shortNames"] = json!(kind.short_names);
                    }
                    if !kind.categories.is_empty() {
                        entry["categories"] = json!(kind.categories);
                    }
                    if !subresources.is_empty() {
                        entry["subresources"] = Value::Array(subresources);
                    }
                    entry
                })
                .collect();
            json!({"version": version, "resources": resources, "freshness": "Current"})
        })
        .collect();
    json!({"metadata": {"name": name, "creationTimestamp": null}, "versions": versions})
}

fn aggregated_list(items: Vec<Value>) -> Value {
    json!({"kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2", "metadata": {}, "items": items})
}

/// The document at `route`, or `None` when the route names no document.
/// `aggregated` picks the apidiscovery.k8s.io/v2 form of `/api` and `/apis`.
pub(crate) fn document(registry: &Registry, route: &Route, aggregated: bool) -> Option<Value> {
    match route {
        // The API the fake serves is k8s-openapi's `latest` (v1.37) and the
        // v1.37 OpenAPI definitions, so it says so.
        Route::Version => Some(json!({
            "major": "1",
            "minor": "37",
            "emulationMajor": "1",
            "emulationMinor": "37",
            "minCompatibilityMajor": "1",
            "minCompatibilityMinor": "36",
            "gitVersion": "v1.37.0-rudder-fake",
            "gitCommit": "0000000000000000000000000000000000000000",
            "gitTreeState": "clean",
            "buildDate": "2026-01-01T00:00:00Z",
            "goVersion": "go1.24",
            "compiler": "gc",
            "platform": "linux/amd64",
        })),
        Route::CoreVersions if aggregated => Some(aggregated_list(vec![aggregated_group(
            registry,
            "",
            &["v1".to_owned()],
        )])),
        Route::CoreVersions => Some(json!({
            "kind": "APIVersions",
            "versions": ["v1"],
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1:6443"}],
        })),
        Route::Groups if aggregated => Some(aggregated_list(
            groups(registry)
                .iter()
                .map(|(name, versions)| aggregated_group(registry, name, versions))
                .collect(),
        )),
        Route::Groups => {
            let groups: Vec<Value> = groups(registry)
                .iter()
                .map(|(name, versions)| group_document(name, versions))
                .collect();
            Some(json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}))
        }
        Route::Group(name) => {
            let (name, versions) = groups(registry).into_iter().find(|(group, _)| group == name)?;
            let mut document = group_document(&name, &versions);
            document["kind"] = json!("APIGroup");
            document["apiVersion"] = json!("v1");
            Some(document)
        }
        Route::GroupVersion { group, version } => resource_list(registry, group, version),
        Route::Resource(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_accept_header_of_kubectl_asks_for_aggregated_discovery() {
        let accept = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";
        assert!(wants_aggregated(accept));
        assert!(!wants_aggregated("application/json"));
    }

    #[test]
    fn apps_v1_lists_deployments_with_status_and_scale() {
        let registry = Registry::with_defaults();
        let route = Route::GroupVersion {
            group: "apps".into(),
            version: "v1".into(),
        };
        let document = document(&registry, &route, false).unwrap();
        let names: Vec<&str> = document["resources"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|resource| resource["name"].as_str())
            .collect();
        assert!(names.contains(&"deployments/scale"));
        assert!(names.contains(&"statefulsets/status"));
    }
}
