//! The API server's rules for names, with its messages.

use rudder::types::LabelSelector;
use serde_json::Value;

use crate::cluster::meta;
use crate::cluster::registry::ResourceKind;
use crate::cluster::request::errors::FieldError;

const SUBDOMAIN_MESSAGE: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_MESSAGE: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const DNS1035_MESSAGE: &str = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

/// Which rule a kind's names follow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum NameRule {
    /// RFC 1123 subdomain: most kinds.
    Subdomain,
    /// RFC 1123 label: namespaces.
    Label,
    /// RFC 1035 label: services.
    Dns1035,
}

fn rule_for(kind: &ResourceKind) -> NameRule {
    match (kind.api.group.as_str(), kind.api.plural.as_str()) {
        ("", "namespaces") => NameRule::Label,
        ("", "services") => NameRule::Dns1035,
        _ => NameRule::Subdomain,
    }
}

fn is_label(name: &str, first_alphabetic: bool) -> bool {
    let bytes = name.as_bytes();
    let valid_inner = bytes
        .iter()
        .all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || *byte == b'-');
    let first_ok = bytes
        .first()
        .is_some_and(|byte| byte.is_ascii_lowercase() || (!first_alphabetic && byte.is_ascii_digit()));
    let last_ok = bytes
        .last()
        .is_some_and(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit());
    valid_inner && first_ok && last_ok
}

/// Validates `name` for `kind`, as `field`.
pub(crate) fn name_errors(kind: &ResourceKind, field: &str, name: &str) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let (max, valid, message) = match rule_for(kind) {
        NameRule::Subdomain => (
            253,
            name.split('.').all(|part| is_label(part, false)),
            SUBDOMAIN_MESSAGE,
        ),
        NameRule::Label => (63, is_label(name, false), LABEL_MESSAGE),
        NameRule::Dns1035 => (63, is_label(name, true), DNS1035_MESSAGE),
    };
    if name.len() > max {
        errors.push(FieldError::invalid(
            field,
            name,
            &format!("must be no more than {max} characters"),
        ));
    }
    if !valid {
        errors.push(FieldError::invalid(field, name, message));
    }
    errors
}

/// Validates the metadata of an object about to be stored.
pub(crate) fn object_errors(kind: &ResourceKind, object: &Value) -> Vec<FieldError> {
    let name = meta::text(object, "name");
    let mut errors = if name.is_empty() {
        vec![FieldError::required(
            "metadata.name",
            "name or generateName is required",
        )]
    } else {
        name_errors(kind, "metadata.name", name)
    };
    let namespace = meta::text(object, "namespace");
    if kind.namespaced() && namespace.is_empty() {
        errors.push(FieldError::required("metadata.namespace", ""));
    }
    if !kind.namespaced() && !namespace.is_empty() {
        errors.push(FieldError::forbidden(
            "metadata.namespace",
            "not allowed on this type",
        ));
    }
    for (key, value) in meta::labels(object) {
        // The SDK's selector rules for keys and values are the server's label rules.
        if let Err(refused) = LabelSelector::check_label(key, value) {
            errors.push(FieldError::invalid("metadata.labels", value, &refused.message));
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::registry::Registry;

    #[test]
    fn names_follow_each_kinds_rule() {
        let registry = Registry::with_defaults();
        let configmaps = registry.by_resource("", "configmaps").unwrap();
        let namespaces = registry.by_resource("", "namespaces").unwrap();
        let services = registry.by_resource("", "services").unwrap();
        let cases = [
            (configmaps, "a.b-c", true),
            (configmaps, "Upper", false),
            (configmaps, "-a", false),
            (namespaces, "a.b", false),
            (namespaces, "team-1", true),
            (services, "1abc", false),
            (services, "abc-1", true),
        ];
        for (kind, name, valid) in cases {
            assert_eq!(
                name_errors(kind, "metadata.name", name).is_empty(),
                valid,
                "{name} as {}",
                kind.api.plural
            );
        }
        assert_eq!(
            name_errors(configmaps, "metadata.name", &"a".repeat(254)).len(),
            1
        );
    }

    #[test]
    fn labels_follow_the_servers_key_and_value_rules() {
        let registry = Registry::with_defaults();
        let configmaps = registry.by_resource("", "configmaps").unwrap();
        let object = |labels: serde_json::Value| serde_json::json!({"metadata": {"name": "a", "namespace": "default", "labels": labels}});
        assert!(
            object_errors(
                configmaps,
                &object(serde_json::json!({"app.kubernetes.io/name": "web"}))
            )
            .is_empty()
        );
        assert_eq!(
            object_errors(configmaps, &object(serde_json::json!({"app": "-bad-"}))).len(),
            1
        );
        assert_eq!(
            object_errors(configmaps, &object(serde_json::json!({"bad key!": "v"}))).len(),
            1
        );
    }
}
