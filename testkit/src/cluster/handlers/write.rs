//! Create and update (PUT), with the API server's system metadata,
//! validation, optimistic concurrency, generation and status isolation.
//! Patches and the scale subresource end up here as updates.

use rudder::Status;
use serde_json::{Value, json};

use crate::cluster::controls::clock::rfc3339;
use crate::cluster::crd;
use crate::cluster::gc;
use crate::cluster::meta;
use crate::cluster::registry::ResourceKind;
use crate::cluster::request::body::Served;
use crate::cluster::request::call::{Call, Reply};
use crate::cluster::request::errors::{self, FieldError, bad_request};
use crate::cluster::store::state::State;
use crate::cluster::strategy::spec_rules;
use crate::cluster::strategy::validation;
use crate::cluster::strategy::{self, immutable};

/// How many characters of `generateName` the server keeps before the suffix.
const GENERATE_NAME_PREFIX_LIMIT: usize = 58;

/// Whether the server tracks `metadata.generation` for this kind.
fn tracks_generation(kind: &ResourceKind) -> bool {
    kind.custom
        || matches!(
            kind.api.group.as_str(),
            "apps" | "batch" | "apiextensions.k8s.io" | "networking.k8s.io" | "policy" | "autoscaling"
        )
        || kind.api.plural == "pods"
}

/// Checks the body's `apiVersion` and `kind` against the path, filling them when absent.
fn check_type(call: &Call, object: &mut Value) -> Result<(), Status> {
    let expected_version = call.kind.api_version_at(&call.version);
    let kind_name = &call.kind.api.kind;
    let api_version = object
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    let kind = object
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    if !kind.is_empty() && kind != *kind_name {
        return Err(bad_request(format!(
            "{kind} in version \"{}\" cannot be handled as a {kind_name}: the kind in the body does not match the resource in the path",
            call.version
        )));
    }
    if !api_version.is_empty() && api_version != expected_version {
        return Err(bad_request(format!(
            "the API version in the data ({api_version}) does not match the expected API version ({expected_version})"
        )));
    }
    if let Some(map) = object.as_object_mut() {
        map.insert("apiVersion".into(), Value::String(expected_version));
        map.insert("kind".into(), Value::String(kind_name.clone()));
    }
    Ok(())
}

/// Checks the body's namespace against the path's, filling it when absent.
fn check_namespace(call: &Call, object: &mut Value) -> Result<(), Status> {
    let body_namespace = meta::text(object, "namespace").to_owned();
    if call.kind.namespaced() {
        if !body_namespace.is_empty() && body_namespace != call.namespace() {
            return Err(bad_request(
                "the namespace of the provided object does not match the namespace sent on the request",
            ));
        }
        meta::set(
            object,
            "namespace",
            Some(Value::String(call.namespace().to_owned())),
        );
    } else {
        meta::set(object, "namespace", None);
    }
    Ok(())
}

fn invalid(kind: &ResourceKind, name: &str, errors: &[FieldError]) -> Status {
    errors::invalid(&kind.api.group, &kind.api.kind, name, errors)
}

/// The decoder's check that the body is a valid value of its kind's type,
/// made before anything else, as the real server decodes first.
fn decode(kind: &ResourceKind, object: &Value) -> Result<(), Status> {
    match &kind.type_check {
        Some(check) => check.run(object).map_err(|message| undecodable(kind, &message)),
        None => Ok(()),
    }
}

/// Validation shared by create and update (and so every patch): the
/// per-field rules and, on update (`old` is the stored object), the
/// immutable fields and the kind's update rules, all reported together as
/// the server does.
fn validate(kind: &ResourceKind, version: &str, object: &Value, old: Option<&Value>) -> Result<(), Status> {
    let mut errors = validation::object_errors(kind, object);
    errors.extend(spec_rules::spec_errors(kind, object));
    if let Some(old) = old {
        errors.extend(immutable::errors(kind, old, object));
        errors.extend(strategy::update_errors(kind, old, object));
    }
    errors.extend(crd::write_errors(kind, version, object, old));
    refuse_if_any(kind, object, &errors)
}

fn refuse_if_any(kind: &ResourceKind, object: &Value, errors: &[FieldError]) -> Result<(), Status> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(invalid(kind, meta::text(object, "name"), errors))
    }
}

/// The allocations a Service write checks against (none for other kinds).
fn service_allocations(state: &State, kind: &ResourceKind) -> strategy::ServiceAllocations {
    if !strategy::is_service(kind) {
        return strategy::ServiceAllocations::default();
    }
    let services = state.store.objects_of(&kind.api.group, &kind.api.plural);
    strategy::ServiceAllocations::of(services.map(|(_, service)| service.as_ref()))
}

/// A body that does not decode as its kind (a string where a number goes):
/// the decoder's 400 `Deployment in version "v1" cannot be handled as a
/// Deployment: ...`. (Missing required fields decode as their defaults, as in
/// Go; the per-kind validation rules catch the ones the server requires.)
fn undecodable(kind: &ResourceKind, message: &str) -> Status {
    errors::bad_request(format!(
        "{kind_name} in version \"{version}\" cannot be handled as a {kind_name}: {message}",
        kind_name = kind.api.kind,
        version = kind.api.version,
    ))
}

/// POST: creates an object.
pub(crate) fn create(state: &mut State, call: &Call) -> Result<Reply, Status> {
    create_object(state, call, call.body_object()?)
}

/// Creates `object` (from a POST body or an apply that found nothing).
pub(crate) fn create_object(state: &mut State, call: &Call, mut created: Value) -> Result<Reply, Status> {
    let kind = &call.kind;
    let object = &mut created;
    check_type(call, object)?;
    check_namespace(call, object)?;
    if !meta::text(object, "resourceVersion").is_empty() {
        return Err(errors::internal(
            "resourceVersion should not be set on objects to be created",
        ));
    }
    if meta::text(object, "name").is_empty() {
        let prefix = meta::text(object, "generateName");
        if !prefix.is_empty() {
            let prefix: String = prefix.chars().take(GENERATE_NAME_PREFIX_LIMIT).collect();
            let name = format!("{prefix}{}", state.ids.name_suffix());
            meta::set(object, "name", Some(Value::String(name)));
        }
    }
    decode(kind, object)?;
    strategy::default(kind, object);
    let warnings = crd::prepare_write(
        kind,
        &call.version,
        call.options.field_validation.as_deref(),
        object,
        None,
    )?;
    validate(kind, &call.version, object, None)?;
    let name = meta::text(object, "name").to_owned();
    let namespace = meta::text(object, "namespace").to_owned();
    if kind.namespaced() {
        match state.namespace_phase(&namespace) {
            None => {
                let namespaces = errors::QualifiedResource {
                    group: "",
                    plural: "namespaces",
                };
                return Err(errors::not_found(&namespaces, &namespace));
            }
            Some(true) => {
                return Err(errors::forbidden(
                    &kind.qualified(),
                    &name,
                    &format!(
                        "unable to create new content in namespace {namespace} because it is being terminated"
                    ),
                ));
            }
            Some(false) => {}
        }
    }
    let key = State::key(kind, &namespace, &name);
    if state.store.get(&key).is_some() {
        return Err(errors::already_exists(&kind.qualified(), &name));
    }
    let now = state.clock.now();
    meta::set(object, "uid", Some(Value::String(state.ids.uid())));
    meta::set(object, "creationTimestamp", Some(Value::String(rfc3339(now))));
    for field in ["deletionTimestamp", "deletionGracePeriodSeconds", "selfLink"] {
        meta::set(object, field, None);
    }
    if tracks_generation(kind) {
        meta::set(object, "generation", Some(json!(1)));
    } else {
        meta::set(object, "generation", None);
    }
    let allocations = service_allocations(state, kind);
    let refused = strategy::prepare_for_create(kind, object, &allocations);
    refuse_if_any(kind, object, &refused)?;
    record_managed_fields(state, call, None, object)?;
    if key.group == crd::CRD_GROUP && key.plural == "customresourcedefinitions" {
        crd::establish(object, now);
    }
    if call.options.dry_run {
        return Ok(Reply::created(Served::owned(kind, &call.version, created)).with_warnings(warnings));
    }
    let change = state.put(key, created);
    gc::settle(state);
    Ok(Reply::created(Served::stored(kind, &call.version, &change.object)).with_warnings(warnings))
}

/// Which part of the object an update may change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum UpdateTarget {
    /// The main resource: everything but `status` (for kinds with a status subresource).
    Main,
    /// The `status` subresource: only `status`.
    Status,
}

/// PUT: replaces an object (or its status).
pub(crate) fn update(state: &mut State, call: &Call, target: UpdateTarget) -> Result<Reply, Status> {
    let object = call.body_object()?;
    update_object(state, call, target, object)
}

/// Replaces the stored object with `object`, as a PUT of it would.
pub(crate) fn update_object(
    state: &mut State,
    call: &Call,
    target: UpdateTarget,
    mut object: Value,
) -> Result<Reply, Status> {
    let kind = &call.kind;
    check_type(call, &mut object)?;
    decode(kind, &object)?;
    let body_name = meta::text(&object, "name").to_owned();
    if body_name.is_empty() {
        meta::set(&mut object, "name", Some(Value::String(call.name().to_owned())));
    } else if body_name != call.name() {
        return Err(bad_request(format!(
            "the name of the object ({body_name}) does not match the name on the URL ({})",
            call.name()
        )));
    }
    check_namespace(call, &mut object)?;
    let key = State::key(kind, call.namespace(), call.name());
    let Some(existing) = state.store.get(&key).cloned() else {
        return Err(errors::not_found(&kind.qualified(), call.name()));
    };
    let asked_version = meta::text(&object, "resourceVersion");
    if !asked_version.is_empty() && asked_version != meta::text(&existing, "resourceVersion") {
        return Err(errors::conflict(&kind.qualified(), call.name()));
    }
    let asked_uid = meta::text(&object, "uid");
    let stored_uid = meta::text(&existing, "uid");
    if !asked_uid.is_empty() && asked_uid != stored_uid {
        return Err(errors::conflict_because(
            &kind.qualified(),
            call.name(),
            &format!(
                "Precondition failed: UID in precondition: {asked_uid}, UID in object meta: {stored_uid}"
            ),
        ));
    }
    let mut updated = match target {
        UpdateTarget::Main => {
            let mut updated = object;
            if kind.status {
                match existing.get("status") {
                    Some(status) => updated["status"] = status.clone(),
                    None => {
                        if let Some(map) = updated.as_object_mut() {
                            map.remove("status");
                        }
                    }
                }
            }
            updated
        }
        UpdateTarget::Status => {
            let mut updated = (*existing).clone();
            match object.get("status") {
                Some(status) => updated["status"] = status.clone(),
                None => {
                    if let Some(map) = updated.as_object_mut() {
                        map.remove("status");
                    }
                }
            }
            updated
        }
    };
    keep_system_metadata(&existing, &mut updated);
    let warnings = crd::prepare_write(
        kind,
        &call.version,
        call.options.field_validation.as_deref(),
        &mut updated,
        Some(&existing),
    )?;
    match target {
        UpdateTarget::Main => {
            let allocations = service_allocations(state, kind);
            let refused = strategy::prepare_for_update(kind, &mut updated, &existing, &allocations);
            refuse_if_any(kind, &updated, &refused)?;
        }
        UpdateTarget::Status => strategy::default(kind, &mut updated),
    }
    if meta::is_deleting(&existing) {
        let before = meta::finalizers(&existing);
        if meta::finalizers(&updated)
            .iter()
            .any(|finalizer| !before.contains(finalizer))
        {
            return Err(invalid(
                kind,
                call.name(),
                &[FieldError::forbidden(
                    "metadata.finalizers",
                    "no new finalizers can be added if the object is being deleted",
                )],
            ));
        }
    }
    let generation = existing.pointer("/metadata/generation").and_then(Value::as_i64);
    if let Some(generation) = generation {
        let next = if generation_changes(kind, &existing, &updated) {
            generation + 1
        } else {
            generation
        };
        meta::set(&mut updated, "generation", Some(json!(next)));
    }
    record_managed_fields(state, call, Some(&existing), &mut updated)?;
    validate(kind, &call.version, &updated, Some(&existing))?;
    if updated == *existing {
        // A write that changes nothing is not a write: no new resourceVersion, no event.
        return Ok(Reply::ok(Served::stored(kind, &call.version, &existing)).with_warnings(warnings));
    }
    if call.options.dry_run {
        return Ok(Reply::ok(Served::owned(kind, &call.version, updated)).with_warnings(warnings));
    }
    let change = state.put(key, updated);
    gc::settle(state);
    Ok(Reply::ok(Served::stored(kind, &call.version, &change.object)).with_warnings(warnings))
}

/// Fields only the server sets: copied from the stored object whatever the body says.
fn keep_system_metadata(existing: &Value, updated: &mut Value) {
    for field in [
        "uid",
        "creationTimestamp",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
        "generation",
        "resourceVersion",
        "namespace",
    ] {
        let value = existing
            .get("metadata")
            .and_then(|metadata| metadata.get(field))
            .cloned();
        meta::set(updated, field, value);
    }
}

/// Records an `Update` in `managedFields`, as the server does for creates,
/// updates and non-apply patches (apply records its own ownership): the
/// manager is the `fieldManager` parameter, else the User-Agent's program
/// (`unknown` without one; set by the request handler), one entry per
/// manager, apiVersion and subresource.
///
/// Entries the body carries replace the stored ones, as the server lets a
/// client reset them (`managedFields: [{}]` clears them all); entries that
/// do not decode are ignored in favour of the stored ones.
fn record_managed_fields(
    state: &State,
    call: &Call,
    old: Option<&Value>,
    new: &mut Value,
) -> Result<(), Status> {
    let manager = call
        .options
        .field_manager
        .as_deref()
        .or(call.user_agent_manager.as_deref());
    let Some(manager) = manager else {
        return Ok(());
    };
    if call.content_type.starts_with("application/apply-patch") {
        return Ok(());
    }
    let invalid = |error: crate::patch::PatchError| bad_request(error.to_string());
    let stored = || match old {
        Some(old) => crate::patch::ManagedFieldsEntry::from_object(old).map_err(invalid),
        None => Ok(Vec::new()),
    };
    let owners = match new.pointer("/metadata/managedFields").and_then(Value::as_array) {
        Some(entries) if !entries.is_empty() && entries.iter().all(|entry| entry == &json!({})) => Vec::new(),
        Some(entries) if !entries.is_empty() => match crate::patch::ManagedFieldsEntry::from_object(new) {
            Ok(requested) => requested,
            Err(_) => stored()?,
        },
        _ => stored()?,
    };
    let schema = if call.kind.custom {
        None
    } else {
        crate::patch::schema_for(&call.kind.api.gvk()).ok()
    };
    let time = rfc3339(state.clock.now());
    let subresource = call.subresource.as_deref();
    let entries =
        crate::patch::record_subresource_update(old, new, manager, subresource, &time, schema, &owners)
            .map_err(invalid)?;
    crate::patch::ManagedFieldsEntry::write_owned(new, entries);
    Ok(())
}

/// Whether an update bumps `metadata.generation`: a change outside
/// `metadata` (and outside `status` where status is a subresource), or
/// the start of a graceful deletion.
fn generation_changes(kind: &ResourceKind, old: &Value, new: &Value) -> bool {
    let deletion_started = !meta::is_deleting(old) && meta::is_deleting(new);
    if deletion_started {
        return true;
    }
    if kind.status {
        return meta::spec_changed(old, new);
    }
    let without_metadata = |object: &Value| {
        let mut object = object.clone();
        if let Some(map) = object.as_object_mut() {
            map.remove("metadata");
        }
        object
    };
    without_metadata(old) != without_metadata(new)
}
