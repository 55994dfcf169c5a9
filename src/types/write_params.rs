//! Parameters of writes: `PostParams` (create, replace) and `PatchParams`.

use crate::rest::{Query, RequestError};

use super::patch::Patch;

/// What the server does with fields it does not know or that are duplicated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FieldValidation {
    /// Drop them silently.
    Ignore,
    /// Drop them and warn (a `Warning` header); the server's default.
    Warn,
    /// Fail the request with `400 BadRequest`.
    Strict,
}

impl FieldValidation {
    /// The value the server expects.
    pub fn as_str(self) -> &'static str {
        match self {
            FieldValidation::Ignore => "Ignore",
            FieldValidation::Warn => "Warn",
            FieldValidation::Strict => "Strict",
        }
    }
}

/// Parameters of `create` and `replace`.
///
/// ```
/// use rudder::types::{FieldValidation, PostParams};
/// let params = PostParams::default().dry_run().manager("rudder").validation(FieldValidation::Strict);
/// assert_eq!(params.to_query().encode(), "dryRun=All&fieldManager=rudder&fieldValidation=Strict");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PostParams {
    /// `dryRun=All`: validate and admit, but store nothing.
    pub dry_run: bool,
    /// `fieldManager`: who owns the fields written.
    pub field_manager: Option<String>,
    /// `fieldValidation`.
    pub field_validation: Option<FieldValidation>,
}

impl PostParams {
    /// Validate and admit, but store nothing.
    pub fn dry_run(mut self) -> Self {
        self.dry_run = true;
        self
    }

    /// The field manager that owns the fields written.
    pub fn manager(mut self, field_manager: &str) -> Self {
        self.field_manager = Some(field_manager.to_owned());
        self
    }

    /// How unknown or duplicated fields are handled.
    pub fn validation(mut self, rule: FieldValidation) -> Self {
        self.field_validation = Some(rule);
        self
    }

    /// The query string.
    pub fn to_query(&self) -> Query {
        write_query(
            self.dry_run,
            self.field_manager.as_deref(),
            false,
            self.field_validation,
        )
    }
}

/// Parameters of a `patch`.
///
/// Server-side apply needs a field manager; `force` takes fields over from
/// other managers and is only allowed with apply.
///
/// ```
/// use rudder::types::{Patch, PatchParams};
/// let params = PatchParams::apply("my-controller").force();
/// let patch = Patch::Apply(serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap"}));
/// assert_eq!(params.to_query(&patch).unwrap().encode(), "fieldManager=my-controller&force=true");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PatchParams {
    /// `dryRun=All`.
    pub dry_run: bool,
    /// `fieldManager`; required for apply.
    pub field_manager: Option<String>,
    /// `force=true`: take over conflicting fields (apply only).
    pub force: bool,
    /// `fieldValidation`.
    pub field_validation: Option<FieldValidation>,
}

impl PatchParams {
    /// Parameters for server-side apply as `field_manager`.
    pub fn apply(field_manager: &str) -> Self {
        PatchParams {
            field_manager: Some(field_manager.to_owned()),
            ..PatchParams::default()
        }
    }

    /// Take over fields other managers own (apply only).
    pub fn force(mut self) -> Self {
        self.force = true;
        self
    }

    /// Validate and admit, but store nothing.
    pub fn dry_run(mut self) -> Self {
        self.dry_run = true;
        self
    }

    /// The field manager that owns the fields written.
    pub fn manager(mut self, field_manager: &str) -> Self {
        self.field_manager = Some(field_manager.to_owned());
        self
    }

    /// How unknown or duplicated fields are handled.
    pub fn validation(mut self, rule: FieldValidation) -> Self {
        self.field_validation = Some(rule);
        self
    }

    /// The query string for sending `patch`, after the checks the server would make.
    pub fn to_query(&self, patch: &Patch) -> Result<Query, RequestError> {
        let is_apply = matches!(patch, Patch::Apply(_));
        if is_apply && self.field_manager.as_deref().is_none_or(str::is_empty) {
            return Err(RequestError::InvalidParams(
                "server-side apply needs a field manager (PatchParams::apply(\"name\"))".into(),
            ));
        }
        if self.force && !is_apply {
            return Err(RequestError::InvalidParams(format!(
                "force is only allowed with server-side apply, not with a {} patch",
                patch.name()
            )));
        }
        Ok(write_query(
            self.dry_run,
            self.field_manager.as_deref(),
            self.force,
            self.field_validation,
        ))
    }
}

fn write_query(
    dry_run: bool,
    field_manager: Option<&str>,
    force: bool,
    field_validation: Option<FieldValidation>,
) -> Query {
    let mut query = Query::new();
    if dry_run {
        query.push("dryRun", "All");
    }
    query.push_opt("fieldManager", field_manager);
    if force {
        query.push("force", "true");
    }
    query.push_opt("fieldValidation", field_validation.map(FieldValidation::as_str));
    query
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn apply_without_a_field_manager_is_refused() {
        let error = PatchParams::default()
            .to_query(&Patch::Apply(json!({})))
            .unwrap_err();
        assert!(error.to_string().contains("field manager"), "{error}");
    }

    #[test]
    fn force_on_a_merge_patch_is_refused() {
        let error = PatchParams::default()
            .force()
            .to_query(&Patch::Merge(json!({})))
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "invalid request: force is only allowed with server-side apply, not with a merge patch"
        );
    }

    #[test]
    fn every_patch_parameter_is_sent() {
        let params = PatchParams::apply("rudder")
            .force()
            .dry_run()
            .validation(FieldValidation::Warn);
        assert_eq!(
            params.to_query(&Patch::Apply(json!({}))).unwrap().encode(),
            "dryRun=All&fieldManager=rudder&force=true&fieldValidation=Warn"
        );
        assert_eq!(
            PatchParams::default()
                .to_query(&Patch::Strategic(json!({})))
                .unwrap()
                .encode(),
            ""
        );
    }
}
