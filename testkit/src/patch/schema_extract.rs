//! Extracts the patch schema table from the Kubernetes OpenAPI definitions.
//! Test-only: the test below regenerates the table from
//! `testkit/data/openapi-definitions-v1.37.json` (the same file the HTTP
//! server embeds for `/openapi/v3`) and fails when the committed file differs; run it with
//! `RUDDER_UPDATE_PATCH_SCHEMA=1` to rewrite the committed file.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::schema::{FieldSchema, Shape, Table, TypeEntry};

/// How `$ref`s start in the OpenAPI document (2020-12 and Swagger 2 forms).
const TYPE_DEFS_PREFIXES: [&str; 2] = ["#/$defs/", "#/definitions/"];

/// Builds the table from an OpenAPI document with `$defs` (JSON Schema
/// 2020-12 form) or `definitions` (Swagger 2 form).
pub(crate) fn extract(openapi: &Value, source: &str) -> Result<Table, String> {
    let definitions = openapi
        .get("$defs")
        .or_else(|| openapi.get("definitions"))
        .and_then(Value::as_object)
        .ok_or("the document has neither $defs nor definitions")?;
    let structs: BTreeSet<&str> = definitions
        .iter()
        .filter(|(_, def)| def.get("properties").is_some())
        .map(|(name, _)| name.as_str())
        .collect();
    let mut table = Table {
        source: source.to_string(),
        ..Table::default()
    };
    for (name, def) in definitions {
        for gvk in def
            .get("x-kubernetes-group-version-kind")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let part = |key: &str| gvk.get(key).and_then(Value::as_str).unwrap_or_default();
            let api_version = match part("group") {
                "" => part("version").to_string(),
                group => format!("{group}/{}", part("version")),
            };
            table
                .kinds
                .insert(format!("{api_version}/{}", part("kind")), name.clone());
        }
        let Some(properties) = def.get("properties").and_then(Value::as_object) else {
            continue;
        };
        let mut entry = TypeEntry {
            map_type: text(def, "x-kubernetes-map-type"),
            fields: BTreeMap::new(),
        };
        for (field, property) in properties {
            if let Some(schema) = field_schema(property, &structs) {
                entry.fields.insert(field.clone(), schema);
            }
        }
        table.types.insert(name.clone(), entry);
    }
    Ok(table)
}

fn text(value: &Value, key: &str) -> Option<String> {
    value.get(key).and_then(Value::as_str).map(str::to_string)
}

/// The definition a `$ref` names, when it is a struct.
fn struct_ref(value: &Value, structs: &BTreeSet<&str>) -> Option<String> {
    let reference = value.get("$ref").and_then(Value::as_str)?;
    let name = TYPE_DEFS_PREFIXES
        .iter()
        .find_map(|prefix| reference.strip_prefix(prefix))?;
    structs.contains(name).then(|| name.to_string())
}

fn field_schema(property: &Value, structs: &BTreeSet<&str>) -> Option<FieldSchema> {
    let types: Vec<&str> = match property.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let (shape, type_ref) = if types.contains(&"array") {
        (
            Shape::List,
            property.get("items").and_then(|items| struct_ref(items, structs)),
        )
    } else if let Some(values) = property.get("additionalProperties").filter(|v| v.is_object()) {
        (Shape::Map, struct_ref(values, structs))
    } else if let Some(reference) = struct_ref(property, structs) {
        (Shape::Object, Some(reference))
    } else {
        (Shape::Scalar, None)
    };
    let schema = FieldSchema {
        shape,
        type_ref,
        patch_strategy: text(property, "x-kubernetes-patch-strategy"),
        patch_merge_key: text(property, "x-kubernetes-patch-merge-key"),
        list_type: text(property, "x-kubernetes-list-type"),
        list_map_keys: property
            .get("x-kubernetes-list-map-keys")
            .and_then(Value::as_array)
            .map(|keys| {
                keys.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default(),
        map_type: text(property, "x-kubernetes-map-type"),
    };
    let plain_scalar = schema == FieldSchema::default();
    (!plain_scalar).then_some(schema)
}

/// Renders the table with one line per kind and per definition, so a
/// Kubernetes upgrade shows as a readable diff.
pub(crate) fn render(table: &Table) -> Result<String, String> {
    let json = |v: &dyn erased::Serialize| v.to_json();
    let mut out = String::from("{\n");
    out.push_str(&format!("\"source\": {},\n\"kinds\": {{\n", json(&table.source)?));
    let kinds: Vec<String> = table
        .kinds
        .iter()
        .map(|(k, v)| Ok(format!("  {}: {}", json(k)?, json(v)?)))
        .collect::<Result<_, String>>()?;
    out.push_str(&kinds.join(",\n"));
    out.push_str("\n},\n\"types\": {\n");
    let types: Vec<String> = table
        .types
        .iter()
        .map(|(k, v)| Ok(format!("  {}: {}", json(k)?, json(v)?)))
        .collect::<Result<_, String>>()?;
    out.push_str(&types.join(",\n"));
    out.push_str("\n}\n}\n");
    Ok(out)
}

mod erased {
    /// Serialization to compact JSON through one non-generic signature.
    pub(super) trait Serialize {
        fn to_json(&self) -> Result<String, String>;
    }

    impl<T: serde::Serialize> Serialize for T {
        fn to_json(&self) -> Result<String, String> {
            serde_json::to_string(self).map_err(|e| e.to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::patch::schema::TABLE_JSON;

    const SOURCE: &str = "data/openapi-definitions-v1.37.json";

    fn crate_root() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
    }

    #[test]
    fn committed_table_is_what_the_openapi_definitions_give() -> Result<(), String> {
        let source_path = crate_root().join(SOURCE);
        let text =
            std::fs::read_to_string(&source_path).map_err(|e| format!("{}: {e}", source_path.display()))?;
        let openapi: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
        let rendered = render(&extract(&openapi, "openapi-definitions-v1.37.json")?)?;
        if std::env::var_os("RUDDER_UPDATE_PATCH_SCHEMA").is_some() {
            let target = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/patch-schema-v1.37.json");
            std::fs::write(&target, &rendered).map_err(|e| format!("{}: {e}", target.display()))?;
            return Ok(());
        }
        if rendered != TABLE_JSON {
            return Err("testkit/data/patch-schema-v1.37.json is out of date: rerun this test with RUDDER_UPDATE_PATCH_SCHEMA=1".into());
        }
        Ok(())
    }

    #[test]
    fn extension_fields_are_read_from_properties() -> Result<(), String> {
        let openapi = serde_json::json!({"$defs": {
            "a.Spec": {"properties": {
                "items": {"type": ["array", "null"], "items": {"$ref": "#/$defs/a.Item"},
                          "x-kubernetes-patch-merge-key": "name", "x-kubernetes-patch-strategy": "merge",
                          "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"]},
                "plain": {"type": "string"},
                "when": {"$ref": "#/$defs/a.Time"}
            }},
            "a.Item": {"properties": {"name": {"type": "string"}}, "x-kubernetes-map-type": "atomic"},
            "a.Time": {"type": "string"}
        }});
        let table = extract(&openapi, "test")?;
        let spec = &table.types["a.Spec"];
        assert_eq!(spec.fields.keys().collect::<Vec<_>>(), vec!["items"]);
        assert_eq!(spec.fields["items"].type_ref.as_deref(), Some("a.Item"));
        assert_eq!(table.types["a.Item"].map_type.as_deref(), Some("atomic"));
        Ok(())
    }
}
