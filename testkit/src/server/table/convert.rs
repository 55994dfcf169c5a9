//! A JSON object, list or watch event turned into a `meta.k8s.io` `Table`.

use bytes::Bytes;
use jiff::Timestamp;
use serde_json::{Map, Value, json};

use super::printer::Printer;
use crate::server::handler::Clock;
use crate::server::negotiate::IncludeObject;

/// How to turn answers to one request into `Table`s.
#[derive(Clone)]
pub(crate) struct TableConversion {
    /// `meta.k8s.io/v1` or `meta.k8s.io/v1beta1`.
    pub api_version: &'static str,
    pub include: IncludeObject,
    pub printer: Printer,
    /// Where the time AGE is measured at comes from: read for each answer,
    /// so the events of a long watch show their own ages.
    pub clock: Clock,
}

impl TableConversion {
    /// The `Table` of an object or a list; `None` for anything else (a `Status`).
    pub fn table_of(&self, body: &Value) -> Option<Value> {
        let kind = body.get("kind").and_then(Value::as_str).unwrap_or("");
        if kind == "Status" || kind == "Table" {
            return None;
        }
        let now = (self.clock)();
        let api_version = body.get("apiVersion").cloned().unwrap_or(Value::Null);
        let (rows, metadata) = match body.get("items").and_then(Value::as_array) {
            Some(items) => {
                let item_kind = kind.strip_suffix("List").unwrap_or(kind);
                let rows = items
                    .iter()
                    .map(|item| self.row(&with_type(item, item_kind, &api_version), now))
                    .collect();
                (rows, list_metadata(body))
            }
            None if body.get("metadata").is_some() => (vec![self.row(body, now)], json!({})),
            None => return None,
        };
        let columns: Vec<Value> = self.printer.columns().iter().map(|c| c.to_json()).collect();
        Some(json!({
            "kind": "Table",
            "apiVersion": self.api_version,
            "metadata": metadata,
            "columnDefinitions": columns,
            "rows": rows,
        }))
    }

    fn row(&self, object: &Value, now: Timestamp) -> Value {
        let mut row = json!({ "cells": self.printer.cells(object, now) });
        let embedded = match self.include {
            IncludeObject::None => None,
            IncludeObject::Object => Some(object.clone()),
            IncludeObject::Metadata => Some(json!({
                "kind": "PartialObjectMetadata",
                "apiVersion": "meta.k8s.io/v1",
                "metadata": object.get("metadata").cloned().unwrap_or_else(|| json!({})),
            })),
        };
        if let Some(embedded) = embedded {
            row["object"] = embedded;
        }
        row
    }

    /// One line of a watch stream with its object turned into a one-row
    /// `Table`; ERROR and BOOKMARK events, and lines that are not JSON, are
    /// passed on as they are.
    pub fn convert_watch_line(&self, line: &[u8]) -> Bytes {
        let Ok(mut event) = serde_json::from_slice::<Value>(line) else {
            return Bytes::copy_from_slice(line);
        };
        let is_change = matches!(
            event.get("type").and_then(Value::as_str),
            Some("ADDED" | "MODIFIED" | "DELETED")
        );
        let table = is_change
            .then(|| event.get("object").and_then(|object| self.table_of(object)))
            .flatten();
        match table {
            Some(table) => {
                event["object"] = table;
                let mut bytes = serde_json::to_vec(&event).unwrap_or_else(|_| line.to_vec());
                bytes.push(b'\n');
                Bytes::from(bytes)
            }
            None => Bytes::copy_from_slice(line),
        }
    }
}

/// A list item with the `kind` and `apiVersion` lists leave out.
fn with_type(item: &Value, kind: &str, api_version: &Value) -> Value {
    let mut item = item.clone();
    if let Some(map) = item.as_object_mut() {
        map.entry("kind").or_insert_with(|| kind.into());
        map.entry("apiVersion").or_insert_with(|| api_version.clone());
    }
    item
}

fn list_metadata(list: &Value) -> Value {
    let mut metadata = Map::new();
    for key in ["resourceVersion", "continue", "remainingItemCount"] {
        if let Some(value) = list.pointer(&format!("/metadata/{key}")) {
            metadata.insert(key.to_owned(), value.clone());
        }
    }
    Value::Object(metadata)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::table::builtin::BuiltinKind;

    fn conversion(include: IncludeObject) -> TableConversion {
        TableConversion {
            api_version: "meta.k8s.io/v1",
            include,
            printer: Printer::Builtin(BuiltinKind::ConfigMap),
            clock: std::sync::Arc::new(|| "2026-01-01T00:01:00Z".parse().unwrap()),
        }
    }

    fn list() -> Value {
        json!({
            "kind": "ConfigMapList", "apiVersion": "v1",
            "metadata": {"resourceVersion": "42", "continue": "next"},
            "items": [{"metadata": {"name": "settings", "namespace": "default",
                "creationTimestamp": "2026-01-01T00:00:00Z"}, "data": {"a": "1", "b": "2"}}]
        })
    }

    #[test]
    fn a_list_becomes_a_table_with_its_paging_metadata() {
        let table = conversion(IncludeObject::Metadata)
            .table_of(&list())
            .expect("a table");
        insta::assert_json_snapshot!(table);
    }

    #[test]
    fn include_object_decides_what_each_row_carries() {
        let whole = conversion(IncludeObject::Object).table_of(&list()).unwrap();
        assert_eq!(whole["rows"][0]["object"]["kind"], "ConfigMap");
        assert_eq!(whole["rows"][0]["object"]["data"]["b"], "2");
        let none = conversion(IncludeObject::None).table_of(&list()).unwrap();
        assert!(none["rows"][0].get("object").is_none());
    }

    #[test]
    fn a_status_is_not_turned_into_a_table() {
        let status = json!({"kind": "Status", "code": 404, "metadata": {}});
        assert_eq!(conversion(IncludeObject::Metadata).table_of(&status), None);
    }

    #[test]
    fn a_watch_event_carries_a_one_row_table_and_errors_pass_through() {
        let event =
            br#"{"type":"ADDED","object":{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"x"}}}"#;
        let converted = conversion(IncludeObject::Object).convert_watch_line(event);
        let converted: Value = serde_json::from_slice(&converted).unwrap();
        assert_eq!(converted["type"], "ADDED");
        assert_eq!(converted["object"]["kind"], "Table");
        assert_eq!(converted["object"]["rows"][0]["cells"][0], "x");
        let error = br#"{"type":"ERROR","object":{"kind":"Status","code":410}}"#;
        assert_eq!(
            conversion(IncludeObject::Object).convert_watch_line(error),
            Bytes::from_static(error)
        );
    }
}
