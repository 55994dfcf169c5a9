use serde::{Deserialize, Serialize};

/// A kind in a group and version: `apps/v1 Deployment`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct GroupVersionKind {
    /// The API group; empty for the core group.
    pub group: String,
    /// The version.
    pub version: String,
    /// The kind, in CamelCase.
    pub kind: String,
}

impl GroupVersionKind {
    /// `group`/`version` `kind`.
    pub fn new(group: impl Into<String>, version: impl Into<String>, kind: impl Into<String>) -> Self {
        GroupVersionKind {
            group: group.into(),
            version: version.into(),
            kind: kind.into(),
        }
    }

    /// The kind named by an object's `apiVersion` (`v1`, `apps/v1`) and `kind`.
    pub fn from_api_version(api_version: &str, kind: impl Into<String>) -> Self {
        let (group, version) = split_api_version(api_version);
        GroupVersionKind::new(group, version, kind)
    }

    /// `v1` for the core group, `group/version` for the others.
    pub fn api_version(&self) -> String {
        join_api_version(&self.group, &self.version)
    }
}

/// A resource in a group and version: `apps/v1 deployments`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct GroupVersionResource {
    /// The API group; empty for the core group.
    pub group: String,
    /// The version.
    pub version: String,
    /// The plural resource name, in lowercase.
    pub resource: String,
}

impl GroupVersionResource {
    /// `group`/`version` `resource`.
    pub fn new(group: impl Into<String>, version: impl Into<String>, resource: impl Into<String>) -> Self {
        GroupVersionResource {
            group: group.into(),
            version: version.into(),
            resource: resource.into(),
        }
    }

    /// `v1` for the core group, `group/version` for the others.
    pub fn api_version(&self) -> String {
        join_api_version(&self.group, &self.version)
    }
}

/// Whether objects of a resource live in a namespace.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Scope {
    /// In a namespace (pods, configmaps).
    #[default]
    Namespaced,
    /// Cluster-wide (nodes, namespaces, CRDs).
    Cluster,
}

/// Everything needed to address a resource without compiled-in types: its
/// group, version, kind, plural and scope. Discovery produces these; the
/// dynamic layer consumes them.
///
/// ```
/// use rudder::types::{ApiResource, Scope};
/// let foos = ApiResource::new("samplecontroller.k8s.io", "v1alpha1", "Foo", "foos", Scope::Namespaced);
/// assert_eq!(foos.api_version(), "samplecontroller.k8s.io/v1alpha1");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiResource {
    /// The API group; empty for the core group.
    pub group: String,
    /// The version.
    pub version: String,
    /// The kind, in CamelCase.
    pub kind: String,
    /// The plural resource name used in URLs.
    pub plural: String,
    /// Namespaced or cluster-scoped.
    pub scope: Scope,
}

impl ApiResource {
    /// A resource from its parts.
    pub fn new(
        group: impl Into<String>,
        version: impl Into<String>,
        kind: impl Into<String>,
        plural: impl Into<String>,
        scope: Scope,
    ) -> Self {
        ApiResource {
            group: group.into(),
            version: version.into(),
            kind: kind.into(),
            plural: plural.into(),
            scope,
        }
    }

    /// `v1` for the core group, `group/version` for the others.
    pub fn api_version(&self) -> String {
        join_api_version(&self.group, &self.version)
    }

    /// The resource's group, version and kind.
    pub fn gvk(&self) -> GroupVersionKind {
        GroupVersionKind::new(&self.group, &self.version, &self.kind)
    }

    /// The resource's group, version and plural.
    pub fn gvr(&self) -> GroupVersionResource {
        GroupVersionResource::new(&self.group, &self.version, &self.plural)
    }

    /// Whether objects live in a namespace.
    pub fn is_namespaced(&self) -> bool {
        self.scope == Scope::Namespaced
    }
}

/// Splits `apps/v1` into `("apps", "v1")` and `v1` into `("", "v1")`.
pub fn split_api_version(api_version: &str) -> (&str, &str) {
    match api_version.split_once('/') {
        Some((group, version)) => (group, version),
        None => ("", api_version),
    }
}

fn join_api_version(group: &str, version: &str) -> String {
    if group.is_empty() {
        version.to_owned()
    } else {
        format!("{group}/{version}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_version_round_trips_for_core_and_groups() {
        for api_version in ["v1", "apps/v1", "samplecontroller.k8s.io/v1alpha1"] {
            let gvk = GroupVersionKind::from_api_version(api_version, "X");
            assert_eq!(gvk.api_version(), api_version);
        }
        assert_eq!(split_api_version("v1"), ("", "v1"));
        assert_eq!(split_api_version("apps/v1"), ("apps", "v1"));
    }
}
