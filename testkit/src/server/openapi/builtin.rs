//! The built-in kinds' OpenAPI v3 documents, one per group-version, made
//! once from the shipped JSON Schema definitions.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

/// The shipped definitions (JSON Schema 2020-12 form, refs as `#/$defs/`).
const DEFINITIONS: &str = include_str!("../../../data/openapi-definitions-v1.37.json");

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

/// The schemas of each built-in group-version (its kinds and all they
/// refer to), and the schema name of each kind.
pub(crate) struct BuiltinSchemas {
    /// Keyed by [`group_version_key`].
    pub by_group_version: BTreeMap<String, Map<String, Value>>,
    /// `(group, version, kind)` → schema name.
    pub names: BTreeMap<(String, String, String), String>,
    /// Every schema, for CRD documents that refer to `ObjectMeta`.
    pub all: Map<String, Value>,
}

/// Reads the shipped definitions into [`BuiltinSchemas`].
pub(crate) fn builtin_schemas() -> BuiltinSchemas {
    let all = schemas();
    let mut roots: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut names = BTreeMap::new();
    for (name, schema) in &all {
        for (group, version, kind) in kinds_of(schema) {
            roots
                .entry(group_version_key(&group, &version))
                .or_default()
                .push(name.clone());
            // The definition named after its own group-version wins over the
            // shared ones (DeleteOptions is listed under every group).
            names
                .entry((group, version, kind))
                .or_insert_with(|| name.clone());
        }
    }
    let by_group_version = roots
        .into_iter()
        .map(|(key, roots)| {
            let components: Map<String, Value> = closure(&all, roots)
                .into_iter()
                .filter_map(|name| all.get(&name).map(|schema| (name, schema.clone())))
                .collect();
            (key, components)
        })
        .collect();
    BuiltinSchemas {
        by_group_version,
        names,
        all,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_apps_schemas_describe_deployments_with_their_dependencies() {
        let builtin = builtin_schemas();
        let schemas = &builtin.by_group_version["apis/apps/v1"];
        let deployment = &schemas["io.k8s.api.apps.v1.Deployment"];
        assert_eq!(deployment["type"], "object");
        assert_eq!(
            deployment["properties"]["metadata"]["$ref"],
            "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
        );
        assert!(schemas.contains_key("io.k8s.api.core.v1.Container"));
        let key = ("apps".to_owned(), "v1".to_owned(), "Deployment".to_owned());
        assert_eq!(builtin.names[&key], "io.k8s.api.apps.v1.Deployment");
        assert!(builtin.by_group_version.contains_key("api/v1"));
    }
}
