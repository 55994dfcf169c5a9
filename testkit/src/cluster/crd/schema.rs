//! A CRD version's `openAPIV3Schema`, read once into the parts the API
//! server acts on: types and value validations, the Kubernetes extensions,
//! `default`s and `x-kubernetes-validations` rules.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::Value;

use crate::cluster::meta;

/// One node of a schema.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Schema {
    /// `type`: object, array, string, integer, number or boolean (empty when unset).
    pub type_name: String,
    pub format: String,
    pub nullable: bool,
    pub int_or_string: bool,
    pub preserve_unknown_fields: bool,
    pub embedded_resource: bool,
    pub properties: BTreeMap<String, Schema>,
    /// `additionalProperties` as a schema (`true` is an empty schema).
    pub additional_properties: Option<Box<Schema>>,
    pub items: Option<Box<Schema>>,
    pub required: Vec<String>,
    pub enumeration: Option<Vec<Value>>,
    pub pattern: Option<String>,
    pub minimum: Option<Value>,
    pub maximum: Option<Value>,
    pub exclusive_minimum: bool,
    pub exclusive_maximum: bool,
    pub multiple_of: Option<f64>,
    pub min_length: Option<u64>,
    pub max_length: Option<u64>,
    pub min_items: Option<u64>,
    pub max_items: Option<u64>,
    pub min_properties: Option<u64>,
    pub max_properties: Option<u64>,
    pub unique_items: bool,
    pub default: Option<Value>,
    /// `x-kubernetes-list-type`: atomic, set or map.
    pub list_type: Option<String>,
    pub list_map_keys: Vec<String>,
    pub all_of: Vec<Schema>,
    pub any_of: Vec<Schema>,
    pub one_of: Vec<Schema>,
    pub not: Option<Box<Schema>>,
    pub rules: Vec<Rule>,
    /// What the document said, for the structural check of what the model does not keep.
    pub raw: Value,
}

/// One `x-kubernetes-validations` entry.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Rule {
    pub rule: String,
    pub message: Option<String>,
    pub message_expression: Option<String>,
    /// `reason`: FieldValueInvalid (the default), FieldValueForbidden, FieldValueRequired or FieldValueDuplicate.
    pub reason: Option<String>,
    /// `fieldPath`, relative to the schema node (`.spec.x`).
    pub field_path: Option<String>,
    pub optional_old_self: bool,
}

impl Schema {
    /// Reads a schema from its JSON; parts of the wrong JSON type are ignored
    /// here (the CRD's own validation reports them).
    pub fn parse(value: &Value) -> Schema {
        let text = |field: &str| value.get(field).and_then(Value::as_str).unwrap_or("").to_owned();
        let flag = |field: &str| value.get(field).and_then(Value::as_bool).unwrap_or(false);
        let count = |field: &str| value.get(field).and_then(Value::as_u64);
        let list = |field: &str| {
            value
                .get(field)
                .and_then(Value::as_array)
                .map(|items| items.iter().map(Schema::parse).collect())
                .unwrap_or_default()
        };
        let strings = |field: &str| meta::strings(value.get(field));
        let properties = value
            .get("properties")
            .and_then(Value::as_object)
            .map(|map| {
                map.iter()
                    .map(|(name, schema)| (name.clone(), Schema::parse(schema)))
                    .collect()
            })
            .unwrap_or_default();
        let additional_properties = match value.get("additionalProperties") {
            Some(Value::Bool(true)) => Some(Box::default()),
            Some(schema @ Value::Object(_)) => Some(Box::new(Schema::parse(schema))),
            _ => None,
        };
        Schema {
            type_name: text("type"),
            format: text("format"),
            nullable: flag("nullable"),
            int_or_string: flag("x-kubernetes-int-or-string"),
            preserve_unknown_fields: flag("x-kubernetes-preserve-unknown-fields"),
            embedded_resource: flag("x-kubernetes-embedded-resource"),
            properties,
            additional_properties,
            items: value
                .get("items")
                .filter(|items| items.is_object())
                .map(|items| Box::new(Schema::parse(items))),
            required: strings("required"),
            enumeration: value.get("enum").and_then(Value::as_array).cloned(),
            pattern: value.get("pattern").and_then(Value::as_str).map(str::to_owned),
            minimum: value.get("minimum").filter(|number| number.is_number()).cloned(),
            maximum: value.get("maximum").filter(|number| number.is_number()).cloned(),
            exclusive_minimum: flag("exclusiveMinimum"),
            exclusive_maximum: flag("exclusiveMaximum"),
            multiple_of: value.get("multipleOf").and_then(Value::as_f64),
            min_length: count("minLength"),
            max_length: count("maxLength"),
            min_items: count("minItems"),
            max_items: count("maxItems"),
            min_properties: count("minProperties"),
            max_properties: count("maxProperties"),
            unique_items: flag("uniqueItems"),
            default: value.get("default").cloned(),
            list_type: value
                .get("x-kubernetes-list-type")
                .and_then(Value::as_str)
                .map(str::to_owned),
            list_map_keys: strings("x-kubernetes-list-map-keys"),
            all_of: list("allOf"),
            any_of: list("anyOf"),
            one_of: list("oneOf"),
            not: value
                .get("not")
                .filter(|not| not.is_object())
                .map(|not| Box::new(Schema::parse(not))),
            rules: value
                .get("x-kubernetes-validations")
                .and_then(Value::as_array)
                .map(|rules| rules.iter().filter_map(Rule::parse).collect())
                .unwrap_or_default(),
            raw: value.clone(),
        }
    }

    /// The schema of the field `name` of an object of this schema, if it is known.
    pub fn field(&self, name: &str) -> Option<&Schema> {
        self.properties
            .get(name)
            .or(self.additional_properties.as_deref())
    }

    /// Whether this node or one below it has `x-kubernetes-validations`.
    pub fn has_rules(&self) -> bool {
        !self.rules.is_empty()
            || self.properties.values().any(Schema::has_rules)
            || self.items.as_deref().is_some_and(Schema::has_rules)
            || self
                .additional_properties
                .as_deref()
                .is_some_and(Schema::has_rules)
    }

    /// Whether unknown fields under this node are kept.
    pub fn keeps_unknown_fields(&self) -> bool {
        self.preserve_unknown_fields
    }
}

impl Rule {
    fn parse(value: &Value) -> Option<Rule> {
        let text = |field: &str| value.get(field).and_then(Value::as_str).map(str::to_owned);
        Some(Rule {
            rule: text("rule")?,
            message: text("message").filter(|message| !message.is_empty()),
            message_expression: text("messageExpression").filter(|expression| !expression.is_empty()),
            reason: text("reason"),
            field_path: text("fieldPath").filter(|path| !path.is_empty()),
            optional_old_self: value
                .get("optionalOldSelf")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        })
    }

    /// Whether the rule reads `oldSelf`, and so is checked only on update (a transition rule).
    pub fn is_transition(&self) -> bool {
        mentions_identifier(&self.rule, "oldSelf")
    }
}

/// Whether `identifier` appears in `expression` as a whole word.
fn mentions_identifier(expression: &str, identifier: &str) -> bool {
    expression.match_indices(identifier).any(|(at, _)| {
        let before = expression[..at].chars().next_back();
        let after = expression[at + identifier.len()..].chars().next();
        let is_word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
        !is_word(before) && !is_word(after)
    })
}

/// A CRD's schemas as its served kind carries them (shared, compared by content).
#[derive(Clone, Debug)]
pub(crate) struct CrdSchemas(Arc<VersionSchemas>);

impl CrdSchemas {
    pub fn of_crd(crd: &Value) -> CrdSchemas {
        CrdSchemas(Arc::new(VersionSchemas::of_crd(crd)))
    }

    /// The schema of `version`, if the CRD gives one.
    pub fn get(&self, version: &str) -> Option<&Schema> {
        self.0.by_version.get(version)
    }

    /// The selectable fields' JSON paths of `version`.
    pub fn selectable_fields(&self, version: &str) -> &[String] {
        self.0
            .selectable_fields
            .get(version)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }
}

impl PartialEq for CrdSchemas {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || self.0 == other.0
    }
}

// Schemas hold JSON numbers as f64; equality of two parsed CRDs is still total here.
impl Eq for CrdSchemas {}

/// The schemas of a CRD, by version name.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct VersionSchemas {
    pub by_version: BTreeMap<String, Schema>,
    /// The CRD's `spec.selectableFields` per version (JSON paths like `.spec.color`).
    pub selectable_fields: BTreeMap<String, Vec<String>>,
}

impl VersionSchemas {
    /// Reads every version's schema and selectable fields from a CRD.
    pub fn of_crd(crd: &Value) -> VersionSchemas {
        let mut schemas = VersionSchemas::default();
        let versions = crd.pointer("/spec/versions").and_then(Value::as_array);
        for version in versions.into_iter().flatten() {
            let Some(name) = version.get("name").and_then(Value::as_str) else {
                continue;
            };
            if let Some(schema) = version.pointer("/schema/openAPIV3Schema") {
                schemas.by_version.insert(name.to_owned(), Schema::parse(schema));
            }
            let fields = version
                .get("selectableFields")
                .and_then(Value::as_array)
                .map(|fields| {
                    fields
                        .iter()
                        .filter_map(|field| field.get("jsonPath").and_then(Value::as_str))
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default();
            schemas.selectable_fields.insert(name.to_owned(), fields);
        }
        schemas
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_types_extensions_and_rules() {
        let schema = Schema::parse(&json!({
            "type": "object",
            "properties": {"port": {"x-kubernetes-int-or-string": true},
                           "tags": {"type": "array", "items": {"type": "string"}, "x-kubernetes-list-type": "set"}},
            "additionalProperties": true,
            "x-kubernetes-validations": [{"rule": "self.port != oldSelf.port", "message": "m"}, {"no": "rule"}]
        }));
        assert!(schema.properties["port"].int_or_string);
        assert_eq!(schema.properties["tags"].list_type.as_deref(), Some("set"));
        assert!(
            schema.field("anything").is_some(),
            "additionalProperties: true knows every field"
        );
        assert_eq!(schema.rules.len(), 1);
        assert!(schema.rules[0].is_transition());
    }

    #[test]
    fn transition_rules_are_those_naming_old_self() {
        let rule = |text: &str| Rule {
            rule: text.into(),
            ..Rule::default()
        };
        assert!(rule("oldSelf == self").is_transition());
        assert!(!rule("self.oldSelfish == 1").is_transition());
    }
}
