//! CustomResourceDefinitions, and custom resources, as
//! apiextensions-apiserver treats them.
//!
//! - [`definition`]: the CRD itself (defaults, validation, establishing, the registry).
//! - [`structural`]: whether a version's schema is structural.
//! - [`schema`]: the schema model the rest reads.
//! - [`pruning`], [`defaulting`], [`validation`] (with [`formats`] and the
//!   server's wording in [`messages`]), [`ratcheting`], [`cel`]: what a
//!   custom resource goes through on every write (and defaulting on every read).
//! - [`selectable`]: `selectableFields` as field selectors.
//!
//! The write path calls [`prepare_write`] before its validation and
//! [`write_errors`] inside it; reads call [`default_on_read`].

mod cel;
mod defaulting;
mod definition;
mod formats;
mod messages;
mod pruning;
mod ratcheting;
mod schema;
mod selectable;
mod structural;
mod validation;

use rudder::Status;
use serde_json::Value;

use crate::cluster::registry::ResourceKind;
use crate::cluster::request::errors::{FieldError, bad_request};

pub(crate) use definition::{
    CLEANUP_FINALIZER, CRD_GROUP, add_cleanup_finalizer, establish, is_crd_key, kind_of, sync_registry,
};
pub(crate) use schema::CrdSchemas;
pub(crate) use selectable::{is_selectable, value_of as selectable_value};

/// Whether `kind` is CustomResourceDefinition.
fn is_definition(kind: &ResourceKind) -> bool {
    kind.api.group == CRD_GROUP && kind.api.plural == "customresourcedefinitions"
}

/// What the server does to a CRD or custom resource on the way in, before
/// validation (`old` is the stored object on update): a CRD gets its
/// defaults and, on update, its storage version among the stored versions;
/// a custom resource loses the fields its schema does not know
/// (`fieldValidation=Strict` refuses them with a 400 instead) and gets the
/// schema's defaults. Returns the warnings to send (`unknown field
/// "spec.x"`, under the default `Warn`).
pub(crate) fn prepare_write(
    kind: &ResourceKind,
    version: &str,
    field_validation: Option<&str>,
    object: &mut Value,
    old: Option<&Value>,
) -> Result<Vec<String>, Status> {
    if is_definition(kind) {
        definition::apply_defaults(object);
        if old.is_some() {
            definition::record_storage_version(object);
        }
        return Ok(Vec::new());
    }
    let Some(schema) = kind.crd_schemas.as_ref().and_then(|schemas| schemas.get(version)) else {
        return Ok(Vec::new());
    };
    let pruned = pruning::prune(schema, object);
    defaulting::apply_defaults(schema, object);
    let unknown: Vec<String> = pruned
        .iter()
        .map(|path| format!("unknown field \"{path}\""))
        .collect();
    match field_validation {
        _ if unknown.is_empty() => Ok(Vec::new()),
        Some("Ignore") => Ok(Vec::new()),
        Some("Strict") => Err(bad_request(format!(
            "{kind_name} in version \"{version}\" cannot be handled as a {kind_name}: strict decoding error: {}",
            unknown.join(", "),
            kind_name = kind.api.kind,
        ))),
        _ => Ok(unknown),
    }
}

/// The validation failures of a CRD (names, structural schemas, CEL rules
/// that do not compile) or of a custom resource (its schema and its
/// `x-kubernetes-validations`, with `old` for transition rules and for
/// ratcheting: failures in parts an update leaves unchanged are forgiven),
/// for the write path to report with its own in one 422.
pub(crate) fn write_errors(
    kind: &ResourceKind,
    version: &str,
    object: &Value,
    old: Option<&Value>,
) -> Vec<FieldError> {
    if is_definition(kind) {
        return definition::validation_errors(object);
    }
    let Some(schema) = kind.crd_schemas.as_ref().and_then(|schemas| schemas.get(version)) else {
        return Vec::new();
    };
    let mut errors = validation::schema_errors(schema, object);
    if let Some(old) = old {
        errors = ratcheting::unforgiven(errors, object, old);
    }
    if !schema.has_rules() {
        return errors;
    }
    if errors.iter().any(blocks_rules) {
        errors.push(FieldError {
            reason: "FieldValueInvalid",
            field: "<nil>".into(),
            message: "Invalid value: \"null\": some validation rules were not checked because the object was invalid; \
                      correct the existing errors to complete validation"
                .into(),
        });
    } else {
        errors.extend(cel::rule_errors(schema, object, old));
    }
    errors
}

/// The schema failures after which the server does not run CEL rules (they
/// could not be evaluated on a value of the wrong shape).
fn blocks_rules(error: &FieldError) -> bool {
    matches!(
        error.reason,
        "FieldValueNotSupported"
            | "FieldValueRequired"
            | "FieldValueTooLong"
            | "FieldValueTooMany"
            | "FieldValueTypeInvalid"
    )
}

/// Schema defaults applied to a stored custom resource as it is read, so a
/// default added to the CRD after the object was written shows up.
pub(crate) fn default_on_read(kind: &ResourceKind, version: &str, object: &mut Value) {
    if let Some(schema) = kind.crd_schemas.as_ref().and_then(|schemas| schemas.get(version)) {
        defaulting::apply_defaults(schema, object);
    }
}

/// Whether [`default_on_read`] would change `object` (if not, a read can
/// serve the stored object without copying it).
pub(crate) fn defaults_on_read(kind: &ResourceKind, version: &str, object: &Value) -> bool {
    kind.crd_schemas
        .as_ref()
        .and_then(|schemas| schemas.get(version))
        .is_some_and(|schema| defaulting::defaults_apply(schema, object))
}
