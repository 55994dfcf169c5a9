//! Answering `/openapi/v3` (the index) and `/openapi/v3/{api|apis/g}/{v}`.

use std::collections::BTreeMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use rudder::Rest;
use serde_json::{Map, Value, json};

use super::builtin::{self, group_version_key};
use crate::server::response::{ServerBody, failure, ok};

/// A served document: its JSON and the hash its index entry carries.
#[derive(Clone)]
struct Served {
    body: Bytes,
    hash: String,
}

impl Served {
    fn new(document: &Value) -> Self {
        let body = Bytes::from(serde_json::to_vec(document).unwrap_or_default());
        let mut hasher = DefaultHasher::new();
        body.hash(&mut hasher);
        Served {
            body,
            hash: format!("{:016X}", hasher.finish()),
        }
    }
}

/// The OpenAPI documents of a server: the built-in ones, made once on first
/// use (parsing the definitions takes a moment), and those of the CRDs the
/// `Rest` serves at the time of the request.
#[derive(Clone, Default)]
pub(crate) struct OpenApi {
    builtin: Arc<OnceLock<BTreeMap<String, Served>>>,
}

impl OpenApi {
    fn builtin(&self) -> &BTreeMap<String, Served> {
        self.builtin.get_or_init(|| {
            builtin::documents()
                .iter()
                .map(|(key, document)| (key.clone(), Served::new(document)))
                .collect()
        })
    }

    /// The answer to a GET of `path` (which starts with `/openapi/`).
    pub async fn answer(
        &self,
        rest: &dyn Rest,
        path: &str,
        _query: Option<&str>,
    ) -> http::Response<ServerBody> {
        if path == "/openapi/v2" {
            return failure(
                404,
                "the server serves OpenAPI v3 only (/openapi/v3); kubectl uses it for validation and explain",
            );
        }
        let builtin = self.builtin();
        let custom = custom_documents(rest, builtin).await;
        let key = path.trim_start_matches("/openapi/v3").trim_matches('/');
        if key.is_empty() {
            let mut paths = Map::new();
            for (key, served) in builtin.iter().chain(custom.iter()) {
                paths.insert(
                    key.clone(),
                    json!({"serverRelativeURL": format!("/openapi/v3/{key}?hash={}", served.hash)}),
                );
            }
            let index = serde_json::to_vec(&json!({ "paths": paths })).unwrap_or_default();
            return ok("application/json", index);
        }
        match custom.get(key).or_else(|| builtin.get(key)) {
            Some(served) => ok("application/json", served.body.clone()),
            None => failure(404, format!("the server has no OpenAPI document for {key:?}")),
        }
    }
}

/// The documents of the group-versions custom resources are served at.
async fn custom_documents(rest: &dyn Rest, builtin: &BTreeMap<String, Served>) -> BTreeMap<String, Served> {
    let Some(crds) = list_crds(rest).await else {
        return BTreeMap::new();
    };
    let mut by_key: BTreeMap<String, Parts> = BTreeMap::new();
    for crd in &crds {
        let group = crd.pointer("/spec/group").and_then(Value::as_str).unwrap_or("");
        let kind = crd
            .pointer("/spec/names/kind")
            .and_then(Value::as_str)
            .unwrap_or("");
        let versions = crd.pointer("/spec/versions").and_then(Value::as_array);
        for version in versions.map(Vec::as_slice).unwrap_or_default() {
            let Some(name) = version["name"].as_str() else {
                continue;
            };
            if group.is_empty() || kind.is_empty() || version["served"] == false {
                continue;
            }
            let key = group_version_key(group, name);
            let Parts { paths, schemas } = by_key.entry(key.clone()).or_default();
            let mut schema = version
                .pointer("/schema/openAPIV3Schema")
                .cloned()
                .unwrap_or_else(|| json!({"type": "object", "x-kubernetes-preserve-unknown-fields": true}));
            if let Some(map) = schema.as_object_mut() {
                map.insert(
                    "x-kubernetes-group-version-kind".to_owned(),
                    json!([{"group": group, "version": name, "kind": kind}]),
                );
                let properties = map.entry("properties").or_insert_with(|| json!({}));
                if let Some(properties) = properties.as_object_mut() {
                    properties.insert(
                        "metadata".to_owned(),
                        json!({"$ref": "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"}),
                    );
                }
            }
            let schema_name = format!("{}.{name}.{kind}", reversed_domain(group));
            schemas.insert(schema_name, schema);
            paths.insert(
                format!("/{key}/{}", kind.to_lowercase()),
                builtin::patch_operation(group, name, kind),
            );
        }
    }
    let meta = builtin
        .get("api/v1")
        .and_then(|served| serde_json::from_slice::<Value>(&served.body).ok());
    by_key
        .into_iter()
        .filter(|(key, _)| !builtin.contains_key(key))
        .map(|(key, Parts { paths, mut schemas })| {
            // ObjectMeta and what it refers to, for `explain foo.metadata`.
            if let Some(all) = meta
                .as_ref()
                .and_then(|meta| meta.pointer("/components/schemas"))
                .and_then(Value::as_object)
            {
                let all: Map<String, Value> = all.clone();
                let names = builtin::closure(
                    &all,
                    ["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta".to_owned()],
                );
                for name in names {
                    if let Some(schema) = all.get(&name) {
                        schemas.insert(name, schema.clone());
                    }
                }
            }
            (key, Served::new(&builtin::document(paths, schemas)))
        })
        .collect()
}

/// The paths and schemas of one group-version's document.
#[derive(Default)]
struct Parts {
    paths: Map<String, Value>,
    schemas: Map<String, Value>,
}

/// `samplecontroller.k8s.io` → `io.k8s.samplecontroller`, as kube-apiserver names CRD schemas.
fn reversed_domain(group: &str) -> String {
    group.split('.').rev().collect::<Vec<_>>().join(".")
}

async fn list_crds(rest: &dyn Rest) -> Option<Vec<Value>> {
    let request = http::Request::get("/apis/apiextensions.k8s.io/v1/customresourcedefinitions")
        .header(http::header::ACCEPT, "application/json")
        .body(Bytes::new())
        .ok()?;
    let response = rest.send(request).await.ok()?;
    if !response.status().is_success() {
        return None;
    }
    let list: Value = serde_json::from_slice(response.body()).ok()?;
    list.get("items").and_then(Value::as_array).cloned()
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
}
