//! From a request path to what it addresses: a discovery document or a
//! resource (group, version, plural, namespace, name, subresource).

use percent_encoding::percent_decode_str;

/// What a path addresses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Route {
    /// `/version`.
    Version,
    /// `/api`.
    CoreVersions,
    /// `/apis`.
    Groups,
    /// `/apis/{group}`.
    Group(String),
    /// `/api/v1` or `/apis/{group}/{version}`.
    GroupVersion { group: String, version: String },
    /// A resource, a collection of it, or a subresource.
    Resource(ResourcePath),
}

/// The resource part of a path.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct ResourcePath {
    pub group: String,
    pub version: String,
    pub plural: String,
    pub namespace: Option<String>,
    pub name: Option<String>,
    pub subresource: Option<String>,
    /// The deprecated `/watch/` path form.
    pub watch: bool,
}

/// Splits a path; `is_namespaced(group, plural)` settles
/// `/api/v1/namespaces/x/status`-like ambiguities as the server does, by
/// whether a namespaced resource of that name exists.
pub(crate) fn route(path: &str, is_namespaced: impl Fn(&str, &str) -> bool) -> Option<Route> {
    let segments: Vec<String> = path
        .trim_end_matches('/')
        .split('/')
        .skip(1)
        .map(decode_segment)
        .collect::<Option<_>>()?;
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    let (group, version, rest) = match segments.as_slice() {
        ["version"] => return Some(Route::Version),
        ["api"] => return Some(Route::CoreVersions),
        ["apis"] => return Some(Route::Groups),
        ["apis", group] => return Some(Route::Group((*group).to_owned())),
        ["api", version, rest @ ..] => ("", *version, rest),
        ["apis", group, version, rest @ ..] => (*group, *version, rest),
        _ => return None,
    };
    let (watch, rest) = match rest {
        ["watch", rest @ ..] => (true, rest),
        _ => (false, rest),
    };
    let mut resource = ResourcePath {
        group: group.to_owned(),
        version: version.to_owned(),
        watch,
        ..ResourcePath::default()
    };
    let rest = match rest {
        [] if !watch => {
            return Some(Route::GroupVersion {
                group: group.to_owned(),
                version: version.to_owned(),
            });
        }
        ["namespaces", namespace, plural, rest @ ..] if is_namespaced(group, plural) => {
            resource.namespace = Some((*namespace).to_owned());
            resource.plural = (*plural).to_owned();
            rest
        }
        [plural, rest @ ..] => {
            resource.plural = (*plural).to_owned();
            rest
        }
        [] => return None,
    };
    match rest {
        [] => {}
        [name] => resource.name = Some((*name).to_owned()),
        [name, subresource] => {
            resource.name = Some((*name).to_owned());
            resource.subresource = Some((*subresource).to_owned());
        }
        _ => return None,
    }
    Some(Route::Resource(resource))
}

/// Why a decoded path segment cannot be a name or namespace, in the words
/// of apimachinery's `IsValidPathSegmentName` (empty when it can).
pub(crate) fn path_segment_problems(segment: &str) -> Vec<&'static str> {
    let mut problems = Vec::new();
    match segment {
        "." => problems.push("may not be '.'"),
        ".." => problems.push("may not be '..'"),
        _ => {}
    }
    if segment.contains('/') {
        problems.push("may not contain '/'");
    }
    if segment.contains('%') {
        problems.push("may not contain '%'");
    }
    problems
}

/// A path segment with its percent-escapes decoded; `None` when the result
/// is not UTF-8. A malformed escape (`%zz`) is kept as it is, so the name
/// check refuses it with a 400 rather than the path matching nothing.
fn decode_segment(segment: &str) -> Option<String> {
    percent_decode_str(segment)
        .decode_utf8()
        .ok()
        .map(|text| text.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn namespaced(_group: &str, plural: &str) -> bool {
        plural != "namespaces" && plural != "nodes" && plural != "status"
    }

    fn resource(path: &str) -> ResourcePath {
        match route(path, namespaced) {
            Some(Route::Resource(resource)) => resource,
            other => panic!("{path} routed to {other:?}"),
        }
    }

    #[test]
    fn discovery_paths() {
        assert_eq!(route("/version", namespaced), Some(Route::Version));
        assert_eq!(route("/api", namespaced), Some(Route::CoreVersions));
        assert_eq!(route("/apis", namespaced), Some(Route::Groups));
        assert_eq!(
            route("/apis/apps/v1", namespaced),
            Some(Route::GroupVersion {
                group: "apps".into(),
                version: "v1".into()
            })
        );
        assert_eq!(route("/healthz/x/y", namespaced), None);
    }

    #[test]
    fn resource_paths() {
        let cases = [
            ("/api/v1/pods", None, None, None, false),
            (
                "/api/v1/namespaces/default/pods/web",
                Some("default"),
                Some("web"),
                None,
                false,
            ),
            ("/api/v1/namespaces/default", None, Some("default"), None, false),
            (
                "/api/v1/namespaces/default/status",
                None,
                Some("default"),
                Some("status"),
                false,
            ),
            (
                "/apis/apps/v1/namespaces/a/deployments/d/scale",
                Some("a"),
                Some("d"),
                Some("scale"),
                false,
            ),
            ("/api/v1/watch/namespaces/a/pods", Some("a"), None, None, true),
            ("/api/v1/nodes/n%3A1", None, Some("n:1"), None, false),
        ];
        for (path, namespace, name, subresource, watch) in cases {
            let resource = resource(path);
            assert_eq!(resource.namespace.as_deref(), namespace, "{path}");
            assert_eq!(resource.name.as_deref(), name, "{path}");
            assert_eq!(resource.subresource.as_deref(), subresource, "{path}");
            assert_eq!(resource.watch, watch, "{path}");
        }
    }
}
