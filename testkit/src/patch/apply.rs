//! Server-side apply and the ownership bookkeeping of other writes.
//!
//! What is simplified compared with the API server (structured-merge-diff):
//! no defaulting or conversion before comparing, so a field the server would
//! default counts as changed; `apiVersion` of entries is recorded but fields
//! are not converted between versions; a manager that applied and also
//! updated keeps two entries, as on the server, but the Update entry is
//! never treated as the applier's; lists without schema (CRDs) are atomic;
//! removal of a field no longer applied does not prune parents left empty.

use serde_json::Value;

use super::depth;
use super::error::PatchError;
use super::field_set::{
    Element, FieldSet, ListKind, describe, fields_of, item_key, list_kind, remove_at, value_at,
};
use super::fields_v1::fields_v1_of;
use super::managed_fields::{Conflict, ManagedFieldsEntry};
use super::schema::{FieldSchema, Node, TypeSchema};

/// Who applies, and how.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct ApplyRequest<'a> {
    /// The field manager (`fieldManager=`); required by the API server for apply.
    pub manager: &'a str,
    /// `force=true`: take fields owned by others instead of failing.
    pub force: bool,
    /// The time to record in `managedFields` (RFC 3339), from the caller's clock.
    pub time: &'a str,
    /// The kind's schema; `None` for CRDs, whose lists are then atomic.
    pub schema: Option<TypeSchema>,
}

impl<'a> ApplyRequest<'a> {
    /// An apply by `manager` at `time` (RFC 3339), without force and
    /// without a schema (lists atomic, as for a CRD).
    pub fn new(manager: &'a str, time: &'a str) -> Self {
        ApplyRequest {
            manager,
            force: false,
            time,
            schema: None,
        }
    }

    /// Takes the fields other managers own (`force=true`).
    pub fn force(mut self) -> Self {
        self.force = true;
        self
    }

    /// Merges with the kind's schema (keyed lists, sets, atomic structs).
    pub fn schema(mut self, schema: Option<TypeSchema>) -> Self {
        self.schema = schema;
        self
    }
}

/// The result of an apply: the object to store and its ownership.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Applied {
    /// The merged object, with `metadata.managedFields` set to `managed_fields`.
    pub object: Value,
    /// The new ownership entries.
    pub managed_fields: Vec<ManagedFieldsEntry>,
}

const APPLY: &str = "Apply";
const UPDATE: &str = "Update";
const BEFORE_FIRST_APPLY: &str = "before-first-apply";

/// Server-side apply of `applied` (the manager's whole intent) to `live`
/// (`None` to create): the fields `applied` sets become the manager's; the
/// fields it set last time and omits now are removed unless another
/// manager owns them; a field another manager owns with a different value
/// is a conflict unless `force`.
///
/// ```
/// use rudder_testkit::patch::{ApplyRequest, PatchError, apply};
/// use serde_json::json;
///
/// let request = |manager| ApplyRequest::new(manager, "2026-01-01T00:00:00Z");
/// let first = apply(None, &json!({"apiVersion": "v1", "kind": "ConfigMap", "data": {"a": "1"}}), &request("alice"), &[])?;
/// let second = apply(Some(&first.object), &json!({"apiVersion": "v1", "kind": "ConfigMap", "data": {"a": "2"}}), &request("bob"), &first.managed_fields);
/// assert!(matches!(second, Err(PatchError::Conflicts { .. })));
/// # Ok::<(), PatchError>(())
/// ```
///
/// # Errors
/// [`PatchError::Conflicts`] (the server's 409) listing each field and its
/// owner; [`PatchError::Invalid`] when `applied` is not an object;
/// [`PatchError::ManagedFields`] when the existing entries cannot be read;
/// [`PatchError::TooDeep`] when an input nests deeper than [`MAX_DEPTH`](super::MAX_DEPTH).
pub fn apply(
    live: Option<&Value>,
    applied: &Value,
    request: &ApplyRequest<'_>,
    managed_fields: &[ManagedFieldsEntry],
) -> Result<Applied, PatchError> {
    depth::check_all(live, applied, managed_fields)?;
    if !applied.is_object() {
        return Err(PatchError::Invalid(
            "an apply configuration must be a JSON object".into(),
        ));
    }
    let root = request.schema.map_or(Node::Opaque, Node::Struct);
    let api_version = applied
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let is_mine = |entry: &ManagedFieldsEntry| entry.manager == request.manager && entry.operation == APPLY;
    let mut previous = FieldSet::default();
    let mut others: Vec<(ManagedFieldsEntry, FieldSet)> = Vec::new();
    for entry in managed_fields {
        if is_mine(entry) {
            previous = entry.field_set()?;
        } else {
            others.push((entry.clone(), entry.field_set()?));
        }
    }
    if let (Some(live), true) = (live, managed_fields.is_empty()) {
        // An object nobody has managed yet: the API server gives its
        // current fields to "before-first-apply", so a first apply that
        // changes them conflicts instead of silently taking them.
        let owned = fields_of(live, root);
        if !owned.is_empty() {
            let version = live.get("apiVersion").and_then(Value::as_str).unwrap_or_default();
            let entry = ManagedFieldsEntry::new(BEFORE_FIRST_APPLY, UPDATE, version, request.time, &owned);
            others.push((entry, owned));
        }
    }
    let wanted = fields_of(applied, root);

    let mut conflicts = Vec::new();
    if let Some(live) = live {
        for (key, path) in wanted
            .entries()
            .filter(|(_, p)| !matches!(p.last(), Some(Element::Key(_))))
        {
            let differs = value_at(live, path) != value_at(applied, path);
            for (entry, owned) in &mut others {
                if owned.contains_key(key) && differs {
                    if request.force {
                        owned.remove_key(key);
                    } else {
                        conflicts.push(Conflict {
                            manager: entry.manager.clone(),
                            api_version: entry.api_version.clone(),
                            field: describe(path),
                        });
                    }
                }
            }
        }
    }
    if !conflicts.is_empty() {
        return Err(PatchError::Conflicts(conflicts));
    }

    let mut object = match live {
        Some(live) => merge(live, applied, root),
        None => applied.clone(),
    };
    for (_, path) in previous.entries().filter(|(key, _)| !wanted.contains_key(key)) {
        let kept_by_others = others.iter().any(|(_, owned)| owned.covers(path));
        let still_wanted = wanted.covers(path);
        if !kept_by_others && !still_wanted {
            remove_at(&mut object, path);
        }
    }

    let mut entries: Vec<ManagedFieldsEntry> = others
        .into_iter()
        .filter(|(_, owned)| !owned.is_empty())
        .map(|(mut entry, owned)| {
            entry.fields_v1 = Some(owned.to_fields_v1());
            entry
        })
        .collect();
    let position = managed_fields
        .iter()
        .position(is_mine)
        .unwrap_or(entries.len())
        .min(entries.len());
    entries.insert(
        position,
        ManagedFieldsEntry::new(request.manager, APPLY, &api_version, request.time, &wanted),
    );
    ManagedFieldsEntry::write_to(&mut object, &entries);
    Ok(Applied {
        object,
        managed_fields: entries,
    })
}

/// The ownership after a create, update or patch (`operation: Update`):
/// `manager` takes every field that `new` sets differently from `old`
/// (all of them on create, `old = None`), other managers lose those fields
/// and any field that was removed.
pub fn record_update(
    old: Option<&Value>,
    new: &Value,
    manager: &str,
    time: &str,
    schema: Option<TypeSchema>,
    managed_fields: &[ManagedFieldsEntry],
) -> Result<Vec<ManagedFieldsEntry>, PatchError> {
    record_subresource_update(old, new, manager, None, time, schema, managed_fields)
}

/// [`record_update`] of a write through a subresource (`status`, `scale`)
/// or, with `None`, the main resource. A manager has one `Update` entry per
/// apiVersion and subresource, as the API server keys them.
pub fn record_subresource_update(
    old: Option<&Value>,
    new: &Value,
    manager: &str,
    subresource: Option<&str>,
    time: &str,
    schema: Option<TypeSchema>,
    managed_fields: &[ManagedFieldsEntry],
) -> Result<Vec<ManagedFieldsEntry>, PatchError> {
    depth::check_all(old, new, managed_fields)?;
    let root = schema.map_or(Node::Opaque, Node::Struct);
    let api_version = new.get("apiVersion").and_then(Value::as_str).unwrap_or_default();
    if old.is_none() && managed_fields.is_empty() {
        // A creation that no one owns yet: its manager takes every field
        // it sets, with nothing to compare or take from others.
        return Ok(created_entry(new, manager, subresource, api_version, time, root)
            .into_iter()
            .collect());
    }
    let now = fields_of(new, root);
    let before = old.map(|old| fields_of(old, root)).unwrap_or_default();
    // Members with their keys, so that each set is asked by key.
    let changed: Vec<(&str, &Vec<Element>)> = now
        .entries()
        .filter(|(key, p)| {
            old.is_none_or(|old| !before.contains_key(key) || value_at(old, p) != value_at(new, p))
        })
        .collect();
    let removed: Vec<(&str, &Vec<Element>)> = before
        .entries()
        .filter(|(key, _)| !now.contains_key(key))
        .collect();

    let mut entries = Vec::new();
    let mut mine: Option<FieldSet> = None;
    for entry in managed_fields {
        let mut owned = entry.field_set()?;
        if entry.manager == manager
            && entry.operation == UPDATE
            && entry.api_version.as_deref() == Some(api_version)
            && entry.subresource.as_deref() == subresource
        {
            mine = Some(owned);
            continue;
        }
        for (key, _) in changed.iter().chain(&removed) {
            owned.remove_key(key);
        }
        if !owned.is_empty() {
            let mut entry = entry.clone();
            entry.fields_v1 = Some(owned.to_fields_v1());
            entries.push(entry);
        }
    }
    let mut mine = mine.unwrap_or_default();
    match old {
        // A creation changes every field it sets and removes none.
        None => mine.absorb(now),
        Some(_) => {
            for (key, _) in &removed {
                mine.remove_key(key);
            }
            for (key, path) in changed {
                mine.insert_keyed(key.to_owned(), path.clone());
            }
        }
    }
    if !mine.is_empty() {
        let mut entry = ManagedFieldsEntry::new(manager, UPDATE, api_version, time, &mine);
        entry.subresource = subresource.map(str::to_owned);
        entries.push(entry);
    }
    Ok(entries)
}

/// The one entry of a creation's manager: every field `new` sets, or no
/// entry when it sets none.
fn created_entry(
    new: &Value,
    manager: &str,
    subresource: Option<&str>,
    api_version: &str,
    time: &str,
    root: Node,
) -> Option<ManagedFieldsEntry> {
    let fields_v1 = fields_v1_of(new, root);
    if fields_v1.as_object().is_some_and(serde_json::Map::is_empty) {
        return None;
    }
    let mut entry = ManagedFieldsEntry::with_fields_v1(manager, UPDATE, api_version, time, fields_v1);
    entry.subresource = subresource.map(str::to_owned);
    Some(entry)
}

/// Merges an apply configuration into the live object: objects merge
/// member by member, keyed lists by key, sets by value; atomic lists and
/// atomic structs are replaced.
fn merge(live: &Value, applied: &Value, node: Node) -> Value {
    let (Value::Object(live_members), Value::Object(applied_members)) = (live, applied) else {
        return applied.clone();
    };
    if matches!(node, Node::Struct(s) if s.is_atomic()) {
        return applied.clone();
    }
    let mut merged = live_members.clone();
    for (name, value) in applied_members {
        let (field, child) = node.member(name);
        let next = match (merged.get(name), value) {
            (Some(existing @ Value::Object(_)), Value::Object(_)) if !is_atomic_field(field) => {
                merge(existing, value, child)
            }
            (Some(Value::Array(existing)), Value::Array(items)) => {
                Value::Array(merge_list(existing, items, field, child))
            }
            _ => value.clone(),
        };
        merged.insert(name.clone(), next);
    }
    Value::Object(merged)
}

fn is_atomic_field(field: Option<&FieldSchema>) -> bool {
    field.is_some_and(|f| f.map_type.as_deref() == Some("atomic"))
}

fn merge_list(live: &[Value], applied: &[Value], field: Option<&FieldSchema>, item_node: Node) -> Vec<Value> {
    match list_kind(field) {
        ListKind::Atomic => applied.to_vec(),
        ListKind::Set => {
            let mut merged = live.to_vec();
            merged.extend(applied.iter().filter(|v| !live.contains(v)).cloned());
            merged
        }
        ListKind::Keyed(keys) => {
            let mut merged = live.to_vec();
            for item in applied {
                let key = item_key(item, keys);
                let position = key.as_ref().and_then(|key| {
                    merged
                        .iter()
                        .position(|m| item_key(m, keys).as_ref() == Some(key))
                });
                match position {
                    Some(p) => merged[p] = merge(&merged[p], item, item_node),
                    None => merged.push(item.clone()),
                }
            }
            merged
        }
    }
}
