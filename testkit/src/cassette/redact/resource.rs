//! Which resource a body is about: read from its `kind`, its list's kind,
//! or the structure of the request path.

use serde_json::Value;

/// What the request path says the objects in a body are, for bodies that do
/// not say it themselves (list items, patches).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Resource {
    Secret,
    TokenRequest,
    CertificateSigningRequest,
    Other,
}

impl Resource {
    pub(super) fn from_path(path: &str) -> Resource {
        let (resource, rest) = resource_of(path);
        match resource {
            "secrets" => Resource::Secret,
            "certificatesigningrequests" => Resource::CertificateSigningRequest,
            "serviceaccounts" if rest.last() == Some(&"token") => Resource::TokenRequest,
            _ => Resource::Other,
        }
    }

    pub(super) fn from_kind(object: &Value) -> Option<Resource> {
        match object.get("kind")?.as_str()? {
            "Secret" => Some(Resource::Secret),
            "TokenRequest" => Some(Resource::TokenRequest),
            "CertificateSigningRequest" => Some(Resource::CertificateSigningRequest),
            _ => None,
        }
    }
}

/// The resource a request path names and the segments after it:
/// `/api/v1/namespaces/ns/secrets/db` is `secrets`, `["db"]`;
/// `/api/v1/namespaces/secrets` is the namespace named `secrets`.
fn resource_of(path: &str) -> (&str, Vec<&str>) {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let mut rest: &[&str] = match segments.as_slice() {
        ["api", _version, rest @ ..] => rest,
        ["apis", _group, _version, rest @ ..] => rest,
        _ => &[],
    };
    if let ["watch", after @ ..] = rest {
        rest = after;
    }
    if let ["namespaces", _namespace, after @ ..] = rest
        && !after.is_empty()
    {
        rest = after;
    }
    match rest {
        [resource, after @ ..] => (resource, after.to_vec()),
        [] => ("", Vec::new()),
    }
}

/// What the items of a list are: `SecretList` says it, else the path does.
pub(super) fn list_item_resource(document: &Value, resource: Resource) -> Resource {
    let kind = document.get("kind").and_then(Value::as_str).unwrap_or_default();
    match kind.strip_suffix("List") {
        Some("Secret") => Resource::Secret,
        Some("CertificateSigningRequest") => Resource::CertificateSigningRequest,
        _ => resource,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_resource_is_read_from_the_path_not_from_any_segment() {
        assert!(Resource::from_path("/api/v1/namespaces/d/secrets/db") == Resource::Secret);
        assert!(Resource::from_path("/api/v1/watch/namespaces/d/secrets") == Resource::Secret);
        assert!(Resource::from_path("/api/v1/secrets") == Resource::Secret);
        assert!(Resource::from_path("/api/v1/namespaces/secrets/configmaps") == Resource::Other);
        assert!(Resource::from_path("/api/v1/namespaces/secrets") == Resource::Other);
        assert!(
            Resource::from_path("/apis/certificates.k8s.io/v1/certificatesigningrequests/x/status")
                == Resource::CertificateSigningRequest
        );
        assert!(
            Resource::from_path("/api/v1/namespaces/d/serviceaccounts/x/token") == Resource::TokenRequest
        );
        assert!(Resource::from_path("/api/v1/namespaces/d/serviceaccounts/x") == Resource::Other);
    }
}
