//! The strategic-merge schema of the built-in kinds: for each OpenAPI
//! definition, the fields that are objects, lists or maps, with their merge
//! key, patch strategy and list type. The table is extracted from the
//! Kubernetes OpenAPI document by `schema_extract` (see
//! `testkit/data/README.md`) and embedded here; a test keeps it in step with
//! the source.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use rudder::types::GroupVersionKind;
use serde::{Deserialize, Serialize};

use super::error::PatchError;

/// The committed table, extracted from the v1.37 OpenAPI definitions.
pub(crate) const TABLE_JSON: &str = include_str!("../../data/patch-schema-v1.37.json");

/// What kind of value a field holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Shape {
    /// A struct (another definition, named by `ref`).
    Object,
    /// A JSON array.
    List,
    /// A map with free-form keys (`labels`, `data`).
    Map,
    /// A string, number, bool, or an opaque value.
    #[default]
    Scalar,
}

/// One field of a definition, as far as patching is concerned.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct FieldSchema {
    /// Object, list, map or scalar.
    pub shape: Shape,
    /// The definition of the value (object), of each item (list) or of each
    /// value (map), when that is a struct.
    #[serde(rename = "ref", default, skip_serializing_if = "Option::is_none")]
    pub type_ref: Option<String>,
    /// `x-kubernetes-patch-strategy`: `merge`, `replace`, `retainKeys`, or a comma-separated mix.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patch_strategy: Option<String>,
    /// `x-kubernetes-patch-merge-key`: the item field that identifies a list item.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patch_merge_key: Option<String>,
    /// `x-kubernetes-list-type`: `atomic`, `set` or `map`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub list_type: Option<String>,
    /// `x-kubernetes-list-map-keys`: the keys of a `map` list.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub list_map_keys: Vec<String>,
    /// `x-kubernetes-map-type`: `atomic` or `granular`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub map_type: Option<String>,
}

impl FieldSchema {
    /// Whether the patch strategy includes `strategy` (`merge`, `retainKeys`).
    pub fn has_strategy(&self, strategy: &str) -> bool {
        self.patch_strategy
            .as_deref()
            .is_some_and(|s| s.split(',').any(|part| part == strategy))
    }

    /// The keys that identify an item of this list for server-side apply:
    /// the list-map keys, else the patch merge key.
    pub fn item_keys(&self) -> Vec<String> {
        self.item_key_fields().to_vec()
    }

    /// [`item_keys`](Self::item_keys), borrowed from the schema.
    pub(crate) fn item_key_fields(&self) -> &[String] {
        if self.list_map_keys.is_empty() {
            self.patch_merge_key.as_slice()
        } else {
            &self.list_map_keys
        }
    }
}

/// One definition: its own map type and its composite fields.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct TypeEntry {
    /// `x-kubernetes-map-type` of the definition itself (`atomic` structs are replaced whole).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub map_type: Option<String>,
    /// The fields that are not plain scalars, or that carry patch extensions.
    #[serde(default)]
    pub fields: BTreeMap<String, FieldSchema>,
}

/// The whole table: kinds to definitions, definitions to fields.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Table {
    /// Where it was extracted from.
    pub source: String,
    /// `apiVersion/Kind` (`apps/v1/Deployment`, `v1/Pod`) to definition name.
    pub kinds: BTreeMap<String, String>,
    /// Definition name to its entry.
    pub types: BTreeMap<String, TypeEntry>,
}

fn table() -> Result<&'static Table, PatchError> {
    static TABLE: OnceLock<Result<Table, String>> = OnceLock::new();
    TABLE
        .get_or_init(|| serde_json::from_str(TABLE_JSON).map_err(|e| e.to_string()))
        .as_ref()
        .map_err(|e| PatchError::Invalid(format!("the embedded patch schema table is corrupt: {e}")))
}

/// The patch schema of one definition, with access to the others it refers to.
#[derive(Clone, Copy)]
pub struct TypeSchema {
    name: &'static str,
    entry: &'static TypeEntry,
    table: &'static Table,
}

impl std::fmt::Debug for TypeSchema {
    /// Only the definition name: the table behind it is large.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("TypeSchema").field(&self.name).finish()
    }
}

impl TypeSchema {
    /// The OpenAPI definition name, such as `io.k8s.api.apps.v1.Deployment`.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Whether this struct is `x-kubernetes-map-type: atomic` (replaced whole).
    pub fn is_atomic(&self) -> bool {
        self.entry.map_type.as_deref() == Some("atomic")
    }

    /// A field's schema; `None` for a scalar or unknown field.
    pub fn field(&self, name: &str) -> Option<&'static FieldSchema> {
        self.entry.fields.get(name)
    }

    /// The schema of the definition a field's `ref` names.
    pub fn referenced(&self, field: &FieldSchema) -> Option<TypeSchema> {
        let name = field.type_ref.as_deref()?;
        let (name, entry) = self.table.types.get_key_value(name)?;
        Some(TypeSchema {
            name,
            entry,
            table: self.table,
        })
    }
}

/// What is known about a JSON object in a patched or applied document.
#[derive(Clone, Copy)]
pub(crate) enum Node {
    /// A struct with a schema.
    Struct(TypeSchema),
    /// A map with free-form keys whose values may be structs.
    Map(Option<TypeSchema>),
    /// Nothing known: merged as JSON merge patch merges.
    Opaque,
}

impl Node {
    /// A member's schema (for a struct field) and the node of its value (or of its items).
    pub(crate) fn member(self, name: &str) -> (Option<&'static FieldSchema>, Node) {
        match self {
            Node::Struct(schema) => {
                let Some(field) = schema.field(name) else {
                    return (None, Node::Opaque);
                };
                let referenced = schema.referenced(field);
                let node = match field.shape {
                    Shape::Map => Node::Map(referenced),
                    Shape::Object | Shape::List => referenced.map_or(Node::Opaque, Node::Struct),
                    Shape::Scalar => Node::Opaque,
                };
                (Some(field), node)
            }
            Node::Map(values) => (None, values.map_or(Node::Opaque, Node::Struct)),
            Node::Opaque => (None, Node::Opaque),
        }
    }
}

/// The schema of a built-in kind, for [`strategic_merge`](super::strategic_merge)
/// and [`apply`](super::apply).
///
/// # Errors
/// [`PatchError::UnknownKind`] for a kind the table does not have (CRDs);
/// the server answers those strategic merge patches with 415.
pub fn schema_for(gvk: &GroupVersionKind) -> Result<TypeSchema, PatchError> {
    let key = format!("{}/{}", gvk.api_version(), gvk.kind);
    let table = table()?;
    let definition = table
        .kinds
        .get(&key)
        .ok_or_else(|| PatchError::UnknownKind(key.clone()))?;
    schema_for_definition(definition)
}

/// The schema of an OpenAPI definition by name (`io.k8s.api.core.v1.PodSpec`).
///
/// # Errors
/// [`PatchError::UnknownKind`] when the table has no such definition.
pub fn schema_for_definition(name: &str) -> Result<TypeSchema, PatchError> {
    let table = table()?;
    let (name, entry) = table
        .types
        .get_key_value(name)
        .ok_or_else(|| PatchError::UnknownKind(name.to_string()))?;
    Ok(TypeSchema { name, entry, table })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pod_containers_merge_by_name() -> Result<(), PatchError> {
        let pod = schema_for(&GroupVersionKind::new("", "v1", "Pod"))?;
        let spec = pod
            .field("spec")
            .and_then(|f| pod.referenced(f))
            .ok_or(PatchError::Invalid("spec".into()))?;
        let containers = spec
            .field("containers")
            .ok_or(PatchError::Invalid("containers".into()))?;
        assert_eq!(containers.patch_merge_key.as_deref(), Some("name"));
        assert!(containers.has_strategy("merge"));
        assert_eq!(
            spec.field("tolerations").map(|t| t.has_strategy("merge")),
            Some(false)
        );
        Ok(())
    }

    #[test]
    fn debug_shows_only_the_definition_name() -> Result<(), PatchError> {
        let schema = schema_for_definition("io.k8s.api.core.v1.PodSpec")?;
        assert_eq!(
            format!("{schema:?}"),
            r#"TypeSchema("io.k8s.api.core.v1.PodSpec")"#
        );
        Ok(())
    }

    #[test]
    fn crds_and_unknown_kinds_are_refused_by_name() {
        let error = schema_for(&GroupVersionKind::new(
            "samplecontroller.k8s.io",
            "v1alpha1",
            "Foo",
        ))
        .map(|s| s.name());
        assert_eq!(
            error.map_err(|e| e.to_string()),
            Err("no strategic merge patch schema for samplecontroller.k8s.io/v1alpha1/Foo: strategic merge patch is only supported for built-in kinds".to_string())
        );
    }
}
