//! Answering `/openapi/v3` (the index) and `/openapi/v3/{api|apis/g}/{v}`.
//!
//! A document's schemas are the built-in definitions (or a CRD's schema);
//! its paths are made from the discovery document the `Rest` serves for that
//! group-version, so they name the real plurals and scopes. kubectl reads a
//! resource's GET operation to find its schema (`explain`), and its PATCH
//! operation's `fieldValidation` parameter to validate on the server (`apply`,
//! `create`).

use std::collections::BTreeMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use rudder::Rest;
use serde_json::{Map, Value, json};

use super::builtin::{BuiltinSchemas, builtin_schemas, closure, group_version_key};
use crate::server::response::{ServerBody, failure, ok};

const OBJECT_META: &str = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";

/// The OpenAPI documents of a server. The built-in schemas are read once, on
/// first use (parsing the definitions takes a moment).
#[derive(Clone, Default)]
pub(crate) struct OpenApi {
    builtin: Arc<OnceLock<BuiltinSchemas>>,
}

impl OpenApi {
    fn builtin(&self) -> &BuiltinSchemas {
        self.builtin.get_or_init(builtin_schemas)
    }

    /// The answer to a GET of `path` (which starts with `/openapi/`).
    pub async fn answer(&self, rest: &dyn Rest, path: &str) -> http::Response<ServerBody> {
        if path == "/openapi/v2" {
            return failure(
                404,
                "the server serves OpenAPI v3 only (/openapi/v3); kubectl uses it for validation and explain",
            );
        }
        let builtin = self.builtin();
        let crds = list(rest, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions")
            .await
            .unwrap_or_default();
        let key = path.trim_start_matches("/openapi/v3").trim_matches('/');
        if key.is_empty() {
            return self.index(rest, builtin, &crds).await;
        }
        let Some(discovery) = get(rest, &format!("/{key}")).await else {
            return failure(404, format!("the server has no OpenAPI document for {key:?}"));
        };
        let custom = crd_schemas(&crds, key, builtin);
        let schemas = match builtin.by_group_version.get(key) {
            Some(schemas) => {
                let mut schemas = schemas.clone();
                schemas.extend(custom.schemas);
                schemas
            }
            None => custom.schemas,
        };
        let mut names = builtin.names.clone();
        names.extend(custom.names);
        let document = json!({
            "openapi": "3.0.0",
            "info": {"title": "Kubernetes (rudder-testkit)", "version": "v1.37.0"},
            "paths": paths(key, &discovery, &names),
            "components": {"schemas": schemas},
        });
        ok(
            "application/json",
            serde_json::to_vec(&document).unwrap_or_default(),
        )
    }

    async fn index(
        &self,
        rest: &dyn Rest,
        builtin: &BuiltinSchemas,
        crds: &[Value],
    ) -> http::Response<ServerBody> {
        let mut keys: Vec<String> = builtin.by_group_version.keys().cloned().collect();
        for crd in crds {
            let group = crd.pointer("/spec/group").and_then(Value::as_str).unwrap_or("");
            for version in crd
                .pointer("/spec/versions")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(name) = version["name"].as_str() {
                    keys.push(group_version_key(group, name));
                }
            }
        }
        keys.sort();
        keys.dedup();
        let mut paths = Map::new();
        for key in keys {
            // Only what the Rest serves; the hash changes when its resources
            // (or the CRDs) do, so kubectl's cache never serves a stale document.
            let Some(discovery) = get(rest, &format!("/{key}")).await else {
                continue;
            };
            let mut hasher = DefaultHasher::new();
            discovery.to_string().hash(&mut hasher);
            crds.iter().for_each(|crd| crd.to_string().hash(&mut hasher));
            let url = format!("/openapi/v3/{key}?hash={:016X}", hasher.finish());
            paths.insert(key, json!({ "serverRelativeURL": url }));
        }
        ok(
            "application/json",
            serde_json::to_vec(&json!({ "paths": paths })).unwrap_or_default(),
        )
    }
}

/// The GET and PATCH operations of each resource a discovery document lists.
fn paths(
    key: &str,
    discovery: &Value,
    names: &BTreeMap<(String, String, String), String>,
) -> Map<String, Value> {
    let (group, version) = match key.split('/').collect::<Vec<_>>().as_slice() {
        ["api", version] => (String::new(), (*version).to_owned()),
        ["apis", group, version] => ((*group).to_owned(), (*version).to_owned()),
        _ => return Map::new(),
    };
    let mut paths = Map::new();
    for resource in discovery
        .get("resources")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let plural = resource["name"].as_str().unwrap_or("");
        let kind = resource["kind"].as_str().unwrap_or("");
        if plural.is_empty() || plural.contains('/') {
            continue;
        }
        let Some(schema) = names.get(&(group.clone(), version.clone(), kind.to_owned())) else {
            continue;
        };
        let path = if resource["namespaced"] == true {
            format!("/{key}/namespaces/{{namespace}}/{plural}/{{name}}")
        } else {
            format!("/{key}/{plural}/{{name}}")
        };
        let gvk = json!({"group": group, "version": version, "kind": kind});
        let response = json!({"200": {"description": "OK", "content": {
            "application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}
        }}});
        let query = |name: &str| json!({"name": name, "in": "query", "schema": {"type": "string", "uniqueItems": true}});
        paths.insert(
            path,
            json!({
                "get": {
                    "operationId": format!("read{kind}"),
                    "x-kubernetes-action": "get",
                    "x-kubernetes-group-version-kind": gvk,
                    "responses": response,
                },
                "patch": {
                    "operationId": format!("patch{kind}"),
                    "x-kubernetes-action": "patch",
                    "x-kubernetes-group-version-kind": gvk,
                    "parameters": [query("dryRun"), query("fieldManager"), query("fieldValidation"), query("force")],
                    "responses": response,
                },
            }),
        );
    }
    paths
}

/// The schemas (and kind → schema names) of the CRDs served at `key`.
#[derive(Default)]
struct CrdSchemas {
    schemas: Map<String, Value>,
    names: BTreeMap<(String, String, String), String>,
}

fn crd_schemas(crds: &[Value], key: &str, builtin: &BuiltinSchemas) -> CrdSchemas {
    let mut found = CrdSchemas::default();
    for crd in crds {
        let group = crd.pointer("/spec/group").and_then(Value::as_str).unwrap_or("");
        let kind = crd
            .pointer("/spec/names/kind")
            .and_then(Value::as_str)
            .unwrap_or("");
        for version in crd
            .pointer("/spec/versions")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(name) = version["name"].as_str() else {
                continue;
            };
            if group_version_key(group, name) != key || kind.is_empty() {
                continue;
            }
            let mut schema = version
                .pointer("/schema/openAPIV3Schema")
                .cloned()
                .unwrap_or_else(|| json!({"type": "object", "x-kubernetes-preserve-unknown-fields": true}));
            if let Some(map) = schema.as_object_mut() {
                map.insert(
                    "x-kubernetes-group-version-kind".to_owned(),
                    json!([{"group": group, "version": name, "kind": kind}]),
                );
                if let Some(properties) = map
                    .entry("properties")
                    .or_insert_with(|| json!({}))
                    .as_object_mut()
                {
                    properties.insert(
                        "metadata".to_owned(),
                        json!({"$ref": format!("#/components/schemas/{OBJECT_META}")}),
                    );
                }
            }
            let schema_name = format!("{}.{name}.{kind}", reversed_domain(group));
            found.schemas.insert(schema_name.clone(), schema);
            found
                .names
                .insert((group.to_owned(), name.to_owned(), kind.to_owned()), schema_name);
        }
    }
    if !found.schemas.is_empty() {
        // ObjectMeta and what it refers to, for `explain foo.metadata`.
        for name in closure(&builtin.all, [OBJECT_META.to_owned()]) {
            if let Some(schema) = builtin.all.get(&name) {
                found.schemas.insert(name, schema.clone());
            }
        }
    }
    found
}

/// `samplecontroller.k8s.io` → `io.k8s.samplecontroller`, as kube-apiserver names CRD schemas.
fn reversed_domain(group: &str) -> String {
    group.split('.').rev().collect::<Vec<_>>().join(".")
}

/// The JSON body of a successful GET of `uri`, asked of the `Rest`.
async fn get(rest: &dyn Rest, uri: &str) -> Option<Value> {
    let request = http::Request::get(uri)
        .header(http::header::ACCEPT, "application/json")
        .body(Bytes::new())
        .ok()?;
    let response = rest.send(request).await.ok()?;
    if !response.status().is_success() {
        return None;
    }
    serde_json::from_slice(response.body()).ok()
}

async fn list(rest: &dyn Rest, uri: &str) -> Option<Vec<Value>> {
    get(rest, uri)
        .await?
        .get("items")
        .and_then(Value::as_array)
        .cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crd_schemas_are_named_by_reversed_group() {
        assert_eq!(
            reversed_domain("samplecontroller.k8s.io"),
            "io.k8s.samplecontroller"
        );
    }

    #[test]
    fn each_listed_resource_gets_a_get_and_a_patch_with_field_validation() {
        let discovery = json!({"resources": [
            {"name": "deployments", "kind": "Deployment", "namespaced": true},
            {"name": "deployments/scale", "kind": "Scale", "namespaced": true}
        ]});
        let mut names = BTreeMap::new();
        names.insert(
            ("apps".to_owned(), "v1".to_owned(), "Deployment".to_owned()),
            "io.k8s.api.apps.v1.Deployment".to_owned(),
        );
        let paths = paths("apis/apps/v1", &discovery, &names);
        assert_eq!(paths.len(), 1);
        let item = &paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"];
        assert_eq!(
            item["get"]["x-kubernetes-group-version-kind"]["kind"],
            "Deployment"
        );
        let parameters = item["patch"]["parameters"].as_array().unwrap();
        assert!(parameters.iter().any(|p| p["name"] == "fieldValidation"));
    }
}
