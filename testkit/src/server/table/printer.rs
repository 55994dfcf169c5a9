//! What decides a `Table`'s columns and cells for one resource.

use jiff::Timestamp;
use serde_json::{Value, json};

use super::age::{age, human_duration};
use super::builtin::BuiltinKind;
use super::column::Column;
use super::jsonpath;

/// The columns of one resource, and how to fill them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Printer {
    /// A built-in kind with its own columns.
    Builtin(BuiltinKind),
    /// A custom resource: NAME, then its CRD's `additionalPrinterColumns`.
    Custom(Vec<CustomColumn>),
    /// Anything else: NAME and AGE.
    Generic,
}

/// One `additionalPrinterColumns` entry of a CRD version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CustomColumn {
    pub column: Column,
    pub json_path: String,
}

impl CustomColumn {
    /// The entry as the CRD spells it; `None` when it has no name or path.
    pub fn from_crd(entry: &Value) -> Option<Self> {
        let text = |key: &str| entry.get(key).and_then(Value::as_str).unwrap_or("").to_owned();
        let name = text("name");
        let json_path = text("jsonPath");
        if name.is_empty() || json_path.is_empty() {
            return None;
        }
        Some(CustomColumn {
            column: Column {
                name,
                kind: text("type"),
                format: text("format"),
                description: text("description"),
                priority: entry.get("priority").and_then(Value::as_i64).unwrap_or(0),
            },
            json_path,
        })
    }
}

impl Printer {
    /// The printer of a CRD version: its `additionalPrinterColumns`, or NAME
    /// and AGE when it declares none.
    pub fn for_crd(crd: &Value, version: &str) -> Self {
        let versions = crd.pointer("/spec/versions").and_then(Value::as_array);
        let columns: Vec<CustomColumn> = versions
            .and_then(|versions| versions.iter().find(|v| v["name"] == version))
            .and_then(|v| v.get("additionalPrinterColumns"))
            .and_then(Value::as_array)
            .map(|entries| entries.iter().filter_map(CustomColumn::from_crd).collect())
            .unwrap_or_default();
        if columns.is_empty() {
            Printer::Generic
        } else {
            Printer::Custom(columns)
        }
    }

    pub fn columns(&self) -> Vec<Column> {
        match self {
            Printer::Builtin(kind) => kind.columns(),
            Printer::Custom(columns) => std::iter::once(Column::name())
                .chain(columns.iter().map(|custom| custom.column.clone()))
                .collect(),
            Printer::Generic => vec![Column::name(), Column::age()],
        }
    }

    pub fn cells(&self, object: &Value, now: Timestamp) -> Vec<Value> {
        let name = || {
            json!(
                object
                    .pointer("/metadata/name")
                    .and_then(Value::as_str)
                    .unwrap_or("")
            )
        };
        match self {
            Printer::Builtin(kind) => kind.cells(object, now),
            Printer::Custom(columns) => std::iter::once(name())
                .chain(columns.iter().map(|custom| custom_cell(custom, object, now)))
                .collect(),
            Printer::Generic => {
                let created = object
                    .pointer("/metadata/creationTimestamp")
                    .and_then(Value::as_str);
                vec![name(), json!(age(created, now))]
            }
        }
    }
}

fn custom_cell(custom: &CustomColumn, object: &Value, now: Timestamp) -> Value {
    let Some(value) = jsonpath::evaluate(object, &custom.json_path) else {
        return Value::Null;
    };
    match (custom.column.kind.as_str(), value) {
        ("date", Value::String(text)) => match text.parse::<Timestamp>() {
            Ok(then) => json!(human_duration(now.as_second() - then.as_second())),
            Err(_) => json!(text),
        },
        (_, Value::Array(_) | Value::Object(_)) => json!(value.to_string()),
        _ => value.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_crd_without_printer_columns_prints_name_and_age() {
        let crd = json!({"spec": {"versions": [{"name": "v1alpha1"}]}});
        assert_eq!(Printer::for_crd(&crd, "v1alpha1"), Printer::Generic);
    }

    #[test]
    fn a_crd_with_printer_columns_prints_them_after_the_name() {
        let crd = json!({"spec": {"versions": [{"name": "v1", "additionalPrinterColumns": [
            {"name": "Replicas", "type": "integer", "jsonPath": ".spec.replicas"},
            {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"},
            {"name": "Ready", "type": "string", "jsonPath": ".status.ready", "priority": 1}
        ]}]}});
        let printer = Printer::for_crd(&crd, "v1");
        let names: Vec<String> = printer.columns().into_iter().map(|c| c.name).collect();
        assert_eq!(names, ["Name", "Replicas", "Age", "Ready"]);
        let foo = json!({"metadata": {"name": "a", "creationTimestamp": "2026-01-01T00:00:00Z"}, "spec": {"replicas": 2}});
        let now: Timestamp = "2026-01-01T00:00:30Z".parse().unwrap();
        assert_eq!(
            printer.cells(&foo, now),
            vec![json!("a"), json!(2), json!("30s"), Value::Null]
        );
    }
}
