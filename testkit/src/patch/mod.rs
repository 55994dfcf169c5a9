//! The four patch types of the API server, as pure functions on
//! `serde_json::Value`: JSON patch (RFC 6902), JSON merge patch (RFC 7386),
//! strategic merge patch (with the merge keys and strategies of the
//! built-in kinds, from the Kubernetes OpenAPI data) and server-side apply
//! (with `managedFields`). No store, no IO: the fake cluster calls these.
//! Each refuses inputs nested deeper than [`MAX_DEPTH`] with
//! [`PatchError::TooDeep`] rather than risk the caller's stack.
//!
//! How a server uses them, per `Content-Type` of a PATCH:
//!
//! | content type | call |
//! |---|---|
//! | `application/json-patch+json` | [`json_patch`]`(&live, &patch)` |
//! | `application/merge-patch+json` | [`merge_patch`]`(&live, &patch)?` |
//! | `application/strategic-merge-patch+json` | [`strategic_merge`]`(&live, &patch, `[`schema_for`]`(&gvk)?)`; a [`PatchError::UnknownKind`] (CRDs) is a 415 |
//! | `application/apply-patch+yaml` | [`apply`]`(live, &applied, &request, &`[`ManagedFieldsEntry::from_object`]`(live)?)`; [`PatchError::Conflicts`] is a 409 |
//!
//! A [`PatchError::TooDeep`] is a 422 that names the limit.
//!
//! After a create, update or non-apply patch, [`record_update`] gives the new
//! `managedFields` (operation `Update`), to be stored with
//! [`ManagedFieldsEntry::write_to`].
//!
//! ```
//! use rudder::types::GroupVersionKind;
//! use rudder_testkit::patch::{ManagedFieldsEntry, record_update, schema_for, strategic_merge};
//! use serde_json::json;
//!
//! let gvk = GroupVersionKind::new("", "v1", "Pod");
//! let schema = schema_for(&gvk)?;
//! let live = json!({"apiVersion": "v1", "kind": "Pod", "spec": {"containers": [{"name": "app", "image": "a:1"}]}});
//! let mut patched = strategic_merge(&live, &json!({"spec": {"containers": [{"name": "app", "image": "a:2"}]}}), schema)?;
//! let owners = record_update(Some(&live), &patched, "my-controller", "2026-01-01T00:00:00Z", Some(schema), &ManagedFieldsEntry::from_object(&live)?)?;
//! ManagedFieldsEntry::write_to(&mut patched, &owners);
//! assert_eq!(patched["metadata"]["managedFields"][0]["manager"], "my-controller");
//! # Ok::<(), rudder_testkit::patch::PatchError>(())
//! ```

mod apply;
mod depth;
mod error;
mod field_set;
mod fields_v1;
mod json_patch;
mod managed_fields;
mod merge_patch;
mod pointer;
mod schema;
#[cfg(test)]
mod schema_extract;
mod strategic;

pub use apply::{Applied, ApplyRequest, apply, record_subresource_update, record_update};
pub use depth::MAX_DEPTH;
pub use error::PatchError;
pub use json_patch::json_patch;
pub use managed_fields::{Conflict, ManagedFieldsEntry};
pub use merge_patch::merge_patch;
pub use schema::{FieldSchema, Shape, TypeEntry, TypeSchema, schema_for, schema_for_definition};
pub use strategic::strategic_merge;
