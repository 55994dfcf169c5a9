//! The API server's failures, as the `Status` bodies it really sends: the
//! same codes, reasons, messages and details, so code that branches on them
//! behaves as it would against a cluster.

use rudder::types::{Status, StatusCause, StatusDetails};

/// A resource as error messages name it: `pods`, `deployments.apps`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct QualifiedResource<'a> {
    pub group: &'a str,
    pub plural: &'a str,
}

impl std::fmt::Display for QualifiedResource<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.group.is_empty() {
            write!(f, "{}", self.plural)
        } else {
            write!(f, "{}.{}", self.plural, self.group)
        }
    }
}

fn details(resource: &QualifiedResource<'_>, name: &str) -> StatusDetails {
    StatusDetails {
        name: name.to_owned(),
        group: resource.group.to_owned(),
        kind: resource.plural.to_owned(),
        ..StatusDetails::default()
    }
}

/// 404 `pods "x" not found`.
pub(crate) fn not_found(resource: &QualifiedResource<'_>, name: &str) -> Status {
    Status::failure(404, "NotFound", format!("{resource} \"{name}\" not found"))
        .with_details(details(resource, name))
}

/// 404 for a path that names no resource: the real server's bare answer.
pub(crate) fn path_not_found() -> Status {
    Status::failure(
        404,
        "NotFound",
        "the server could not find the requested resource",
    )
    .with_details(StatusDetails::default())
}

/// 409 `pods "x" already exists`.
pub(crate) fn already_exists(resource: &QualifiedResource<'_>, name: &str) -> Status {
    Status::failure(
        409,
        "AlreadyExists",
        format!("{resource} \"{name}\" already exists"),
    )
    .with_details(details(resource, name))
}

/// 409 on a stale resourceVersion.
pub(crate) fn conflict(resource: &QualifiedResource<'_>, name: &str) -> Status {
    conflict_because(
        resource,
        name,
        "the object has been modified; please apply your changes to the latest version and try again",
    )
}

/// 409 `Operation cannot be fulfilled on pods "x": {why}`.
pub(crate) fn conflict_because(resource: &QualifiedResource<'_>, name: &str, why: &str) -> Status {
    Status::failure(
        409,
        "Conflict",
        format!("Operation cannot be fulfilled on {resource} \"{name}\": {why}"),
    )
    .with_details(details(resource, name))
}

/// One field that failed validation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct FieldError {
    pub reason: &'static str,
    pub field: String,
    pub message: String,
}

impl FieldError {
    /// `field: Invalid value: "value": why`.
    pub fn invalid(field: &str, value: &str, why: &str) -> Self {
        FieldError {
            reason: "FieldValueInvalid",
            field: field.to_owned(),
            message: format!("Invalid value: \"{value}\": {why}"),
        }
    }

    /// `field: Invalid value: value: why`, for a value the server prints
    /// unquoted (a number, or Go's `[]string{"a"}`).
    pub fn invalid_unquoted(field: &str, value: &str, why: &str) -> Self {
        FieldError {
            reason: "FieldValueInvalid",
            field: field.to_owned(),
            message: format!("Invalid value: {value}: {why}"),
        }
    }

    /// `field: Required value: why`.
    pub fn required(field: &str, why: &str) -> Self {
        let message = if why.is_empty() {
            "Required value".to_owned()
        } else {
            format!("Required value: {why}")
        };
        FieldError {
            reason: "FieldValueRequired",
            field: field.to_owned(),
            message,
        }
    }

    /// `field: Forbidden: why`.
    pub fn forbidden(field: &str, why: &str) -> Self {
        FieldError {
            reason: "FieldValueForbidden",
            field: field.to_owned(),
            message: format!("Forbidden: {why}"),
        }
    }
}

/// 422 `Pod "x" is invalid: metadata.name: Invalid value: ...`, one cause per field.
pub(crate) fn invalid(group: &str, kind: &str, name: &str, errors: &[FieldError]) -> Status {
    let summary: Vec<String> = errors
        .iter()
        .map(|error| format!("{}: {}", error.field, error.message))
        .collect();
    let summary = match summary.as_slice() {
        [one] => one.clone(),
        many => format!("[{}]", many.join(", ")),
    };
    let qualified_kind = if group.is_empty() {
        kind.to_owned()
    } else {
        format!("{kind}.{group}")
    };
    Status::failure(
        422,
        "Invalid",
        format!("{qualified_kind} \"{name}\" is invalid: {summary}"),
    )
    .with_details(StatusDetails {
        name: name.to_owned(),
        group: group.to_owned(),
        kind: kind.to_owned(),
        causes: errors
            .iter()
            .map(|error| StatusCause {
                reason: error.reason.to_owned(),
                message: error.message.clone(),
                field: error.field.clone(),
            })
            .collect(),
        ..StatusDetails::default()
    })
}

/// 400 with the server's message.
pub(crate) fn bad_request(message: impl Into<String>) -> Status {
    Status::failure(400, "BadRequest", message)
}

/// 403 `pods "x" is forbidden: why`.
pub(crate) fn forbidden(resource: &QualifiedResource<'_>, name: &str, why: &str) -> Status {
    Status::failure(
        403,
        "Forbidden",
        format!("{resource} \"{name}\" is forbidden: {why}"),
    )
    .with_details(details(resource, name))
}

/// 405 for a verb the resource does not serve.
pub(crate) fn method_not_allowed() -> Status {
    Status::failure(
        405,
        "MethodNotAllowed",
        "the server does not allow this method on the requested resource",
    )
    .with_details(StatusDetails::default())
}

/// 410 Expired with the server's message (`too old resource version: 3 (7)`).
pub(crate) fn expired(message: impl Into<String>) -> Status {
    Status::failure(410, "Expired", message)
}

/// 410 for a continue token whose snapshot left the history window.
pub(crate) fn continue_expired() -> Status {
    expired(
        "The provided continue parameter is too old to display a consistent list result. \
         You can start a new list without the continue parameter, or use the continue token \
         in this response to retrieve the remainder of the results. Continuing with the \
         provided token results in an inconsistent list - objects that were created, modified, \
         or deleted between the time the first chunk was returned and now may show up in the list.",
    )
}

/// 504 for a resourceVersion newer than the store's.
pub(crate) fn too_large_resource_version(asked: u64, current: u64) -> Status {
    Status::failure(
        504,
        "Timeout",
        format!("Too large resource version: {asked}, current: {current}"),
    )
    .with_details(StatusDetails {
        causes: vec![StatusCause {
            reason: "ResourceVersionTooLarge".into(),
            message: "Too large resource version".into(),
            field: String::new(),
        }],
        retry_after_seconds: Some(1),
        ..StatusDetails::default()
    })
}

/// 415 for a body the resource cannot take.
pub(crate) fn unsupported_media_type(content_type: &str) -> Status {
    Status::failure(
        415,
        "UnsupportedMediaType",
        format!(
            "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json; got {content_type:?}"
        ),
    )
}

/// 415 for a POST or PUT body in a format the server does not decode.
pub(crate) fn unsupported_body_type() -> Status {
    Status::failure(
        415,
        "UnsupportedMediaType",
        "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf",
    )
}

/// 400 for a name in the path that cannot be a stored key (`..`, `a/b`),
/// as the registry's key function refuses it.
pub(crate) fn invalid_name_parameter(name: &str, problems: &[&str]) -> Status {
    bad_request(format!(
        "Name parameter invalid: {name:?}: {}",
        problems.join(";")
    ))
}

/// 500 for a failure inside the fake itself (never expected).
pub(crate) fn internal(message: impl Into<String>) -> Status {
    Status::failure(500, "InternalError", message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_match_the_real_server() {
        let pods = QualifiedResource {
            group: "",
            plural: "pods",
        };
        let deployments = QualifiedResource {
            group: "apps",
            plural: "deployments",
        };
        assert_eq!(not_found(&pods, "x").message, "pods \"x\" not found");
        assert_eq!(
            not_found(&deployments, "web").message,
            "deployments.apps \"web\" not found"
        );
        assert_eq!(
            conflict(
                &QualifiedResource {
                    group: "",
                    plural: "configmaps"
                },
                "x"
            )
            .message,
            "Operation cannot be fulfilled on configmaps \"x\": the object has been modified; please apply your changes to the latest version and try again"
        );
        let status = invalid(
            "",
            "Pod",
            "A",
            &[FieldError::invalid("metadata.name", "A", "bad")],
        );
        assert_eq!(status.code, 422);
        assert_eq!(
            status.message,
            "Pod \"A\" is invalid: metadata.name: Invalid value: \"A\": bad"
        );
    }
}
