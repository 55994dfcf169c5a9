//! The four patch types of the API server, as pure functions on
//! `serde_json::Value`: JSON patch (RFC 6902), JSON merge patch (RFC 7386),
//! strategic merge patch (with the merge keys and strategies of the
//! built-in kinds, from the Kubernetes OpenAPI data) and server-side apply
//! (with `managedFields`). No store, no IO: the fake cluster calls these.

mod apply;
mod error;
mod field_set;
mod json_patch;
mod managed_fields;
mod merge_patch;
mod pointer;
mod schema;
#[cfg(test)]
mod schema_extract;
mod strategic;

pub use apply::{Applied, ApplyRequest, apply, record_update};
pub use error::PatchError;
pub use json_patch::json_patch;
pub use managed_fields::{Conflict, ManagedFieldsEntry};
pub use merge_patch::merge_patch;
pub use schema::{FieldSchema, Shape, TypeEntry, TypeSchema, schema_for, schema_for_definition};
pub use strategic::strategic_merge;
