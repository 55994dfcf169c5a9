//! The built-in kinds' OpenAPI v3 documents, one per group-version, made
//! once from the shipped JSON Schema definitions.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};

/// The shipped definitions (JSON Schema 2020-12 form, refs as `#/$defs/`).
const DEFINITIONS: &str = include_str!("definitions-v1.37.json");

/// A group-version's key in the `/openapi/v3` index: `api/v1`, `apis/apps/v1`.
pub(crate) fn group_version_key(group: &str, version: &str) -> String {
    if group.is_empty() {
        format!("api/{version}")
    } else {
        format!("apis/{group}/{version}")
    }
}

/// Every definition as an OpenAPI v3 schema (refs as `#/components/schemas/`,
/// `type: [T, "null"]` as `type: T`).
pub(crate) fn schemas() -> Map<String, Value> {
    let parsed: Value = serde_json::from_str(DEFINITIONS).unwrap_or_default();
    let Some(Value::Object(definitions)) = parsed.get("$defs").cloned() else {
        return Map::new();
    };
    definitions
        .into_iter()
        .map(|(name, mut schema)| {
            to_openapi_v3(&mut schema);
            (name, schema)
        })
        .collect()
}

fn to_openapi_v3(schema: &mut Value) {
    match schema {
        Value::Object(map) => {
            if let Some(Value::String(reference)) = map.get_mut("$ref")
                && let Some(name) = reference.strip_prefix("#/$defs/")
            {
                *reference = format!("#/components/schemas/{name}");
            }
            if let Some(Value::Array(types)) = map.get("type") {
                let first = types.iter().find(|t| *t != "null").cloned();
                match first {
                    Some(single) => map.insert("type".to_owned(), single),
                    None => map.remove("type"),
                };
            }
            for value in map.values_mut() {
                to_openapi_v3(value);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(to_openapi_v3),
        _ => {}
    }
}

/// The `(group, version, kind)`s a schema says it is.
pub(crate) fn kinds_of(schema: &Value) -> Vec<(String, String, String)> {
    schema
        .get("x-kubernetes-group-version-kind")
        .and_then(Value::as_array)
        .map(|entries| {
            entries
                .iter()
                .map(|gvk| {
                    let field = |key: &str| gvk[key].as_str().unwrap_or("").to_owned();
                    (field("group"), field("version"), field("kind"))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The names of `roots` and of every schema they refer to, transitively.
pub(crate) fn closure(
    schemas: &Map<String, Value>,
    roots: impl IntoIterator<Item = String>,
) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut pending: Vec<String> = roots.into_iter().collect();
    while let Some(name) = pending.pop() {
        if !seen.insert(name.clone()) {
            continue;
        }
        if let Some(schema) = schemas.get(&name) {
            collect_refs(schema, &mut pending);
        }
    }
    seen
}

fn collect_refs(schema: &Value, into: &mut Vec<String>) {
    match schema {
        Value::Object(map) => {
            if let Some(name) = map
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|reference| reference.strip_prefix("#/components/schemas/"))
            {
                into.push(name.to_owned());
            }
            map.values().for_each(|value| collect_refs(value, into));
        }
        Value::Array(items) => items.iter().for_each(|item| collect_refs(item, into)),
        _ => {}
    }
}

/// A PATCH operation for a kind that says the server honours
/// `fieldValidation`: kubectl reads this to validate on the server rather
/// than on the client.
pub(crate) fn patch_operation(group: &str, version: &str, kind: &str) -> Value {
    let query =
        |name: &str| json!({"name": name, "in": "query", "schema": {"type": "string", "uniqueItems": true}});
    json!({
        "patch": {
            "operationId": format!("patch{kind}"),
            "x-kubernetes-action": "patch",
            "x-kubernetes-group-version-kind": {"group": group, "version": version, "kind": kind},
            "parameters": [query("dryRun"), query("fieldManager"), query("fieldValidation"), query("force")],
            "responses": {"200": {"description": "OK"}},
        }
    })
}

/// The built-in group-versions and their documents.
pub(crate) fn documents() -> BTreeMap<String, Value> {
    let schemas = schemas();
    let mut roots: BTreeMap<String, Vec<(String, String, String, String)>> = BTreeMap::new();
    for (name, schema) in &schemas {
        for (group, version, kind) in kinds_of(schema) {
            roots
                .entry(group_version_key(&group, &version))
                .or_default()
                .push((name.clone(), group, version, kind));
        }
    }
    roots
        .into_iter()
        .map(|(key, kinds)| {
            let included = closure(&schemas, kinds.iter().map(|(name, ..)| name.clone()));
            let components: Map<String, Value> = included
                .iter()
                .filter_map(|name| schemas.get(name).map(|schema| (name.clone(), schema.clone())))
                .collect();
            let mut paths = Map::new();
            for (name, group, version, kind) in &kinds {
                // Only the kinds of this group-version are resources with a PATCH
                // (DeleteOptions and friends are listed under every group).
                if name.starts_with("io.k8s.apimachinery") || kind.ends_with("List") {
                    continue;
                }
                paths.insert(
                    format!("/{key}/{}", kind.to_lowercase()),
                    patch_operation(group, version, kind),
                );
            }
            (key, document(paths, components))
        })
        .collect()
}

/// An OpenAPI v3 document with these paths and schemas.
pub(crate) fn document(paths: Map<String, Value>, schemas: Map<String, Value>) -> Value {
    json!({
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes (rudder-testkit)", "version": "v1.37.0"},
        "paths": paths,
        "components": {"schemas": schemas},
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_apps_document_describes_deployments_with_their_dependencies() {
        let documents = documents();
        let apps = &documents["apis/apps/v1"];
        let schemas = apps["components"]["schemas"].as_object().expect("schemas");
        let deployment = &schemas["io.k8s.api.apps.v1.Deployment"];
        assert_eq!(deployment["type"], "object");
        assert_eq!(
            deployment["properties"]["metadata"]["$ref"],
            "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
        );
        assert!(schemas.contains_key("io.k8s.api.core.v1.Container"));
        let patch = &apps["paths"]["/apis/apps/v1/deployment"]["patch"];
        assert_eq!(patch["x-kubernetes-group-version-kind"]["kind"], "Deployment");
        assert!(documents.contains_key("api/v1"));
    }
}
