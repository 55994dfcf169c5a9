//! A `Table` column definition (`meta.k8s.io/v1` `TableColumnDefinition`).

use serde_json::{Value, json};

/// One column of a `Table`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Column {
    pub name: String,
    /// The OpenAPI type of its cells: `string`, `integer`, `number`, `boolean`, `date`.
    pub kind: String,
    /// `name` for the column that identifies the object.
    pub format: String,
    pub description: String,
    /// 0 for the default columns, more for those only `-o wide` shows.
    pub priority: i64,
}

impl Column {
    /// A column of type `kind` shown by default.
    pub fn new(name: &str, kind: &str, description: &str) -> Self {
        Column {
            name: name.to_owned(),
            kind: kind.to_owned(),
            format: String::new(),
            description: description.to_owned(),
            priority: 0,
        }
    }

    /// The NAME column.
    pub fn name() -> Self {
        Column {
            format: "name".to_owned(),
            ..Column::new("Name", "string", "Name must be unique within a namespace.")
        }
    }

    /// The AGE column.
    pub fn age() -> Self {
        Column::new(
            "Age",
            "string",
            "How long ago the object was created (metadata.creationTimestamp).",
        )
    }

    /// This column, shown by `-o wide` only.
    pub fn wide(mut self) -> Self {
        self.priority = 1;
        self
    }

    /// The column definition as the API server serializes it.
    pub fn to_json(&self) -> Value {
        json!({
            "name": self.name,
            "type": self.kind,
            "format": self.format,
            "description": self.description,
            "priority": self.priority,
        })
    }
}
