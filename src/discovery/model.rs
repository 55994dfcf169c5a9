//! What discovery found: the server's groups and versions, and the resources
//! of each group version with what they can do.

use std::sync::Arc;

use serde::Serialize;

use crate::Error;
use crate::types::{ApiResource, GroupVersionKind};

use super::error::DiscoveryError;

/// An API group the server serves, with its versions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ServedGroup {
    /// The group's name; empty for the core group.
    pub name: String,
    /// Its versions, preferred first.
    pub versions: Vec<String>,
    /// The version the server prefers.
    pub preferred_version: String,
}

/// A subresource of a served resource (`pods/status`, `deployments/scale`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ServedSubresource {
    /// Its name (`status`, `scale`, `log`).
    pub name: String,
    /// The kind it takes and returns (`autoscaling/v1 Scale` for `scale`).
    pub kind: GroupVersionKind,
    /// The verbs it supports.
    pub verbs: Vec<String>,
}

/// A resource the server serves at one group version, and what it can do:
/// the [`ApiResource`] the dynamic layer needs, plus verbs, names and
/// subresources.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ServedResource {
    /// Group, version, kind, plural and scope.
    pub resource: ApiResource,
    /// The singular name (`deployment`).
    pub singular: String,
    /// The verbs (`get`, `list`, `watch`, `create`, ...).
    pub verbs: Vec<String>,
    /// Short names (`deploy`).
    pub short_names: Vec<String>,
    /// Categories (`all`).
    pub categories: Vec<String>,
    /// Subresources (`status`, `scale`, ...).
    pub subresources: Vec<ServedSubresource>,
}

impl ServedResource {
    /// A resource with no singular name, verbs, short names, categories or
    /// subresources; set the fields it needs (a mock's answer, say).
    ///
    /// ```
    /// use rudder::discovery::ServedResource;
    /// use rudder::types::{ApiResource, Scope};
    ///
    /// let mut deployments = ServedResource::new(ApiResource::new("apps", "v1", "Deployment", "deployments", Scope::Namespaced));
    /// deployments.verbs = vec!["get".into(), "list".into()];
    /// assert!(deployments.supports("list"));
    /// ```
    pub fn new(resource: ApiResource) -> Self {
        ServedResource {
            resource,
            singular: String::new(),
            verbs: Vec::new(),
            short_names: Vec::new(),
            categories: Vec::new(),
            subresources: Vec::new(),
        }
    }

    /// Whether the resource supports `verb` (`list`, `watch`, `patch`, ...).
    pub fn supports(&self, verb: &str) -> bool {
        self.verbs.iter().any(|v| v == verb)
    }

    /// The subresource called `name`, if the resource has it.
    pub fn subresource(&self, name: &str) -> Option<&ServedSubresource> {
        self.subresources.iter().find(|s| s.name == name)
    }

    /// `deployments.apps`, or `pods` for the core group: how kubectl names a
    /// resource type.
    pub fn qualified_name(&self) -> String {
        if self.resource.group.is_empty() {
            self.resource.plural.clone()
        } else {
            format!("{}.{}", self.resource.plural, self.resource.group)
        }
    }
}

/// A group version whose resources could not be discovered; the others were
/// kept (client-go's `ErrGroupDiscoveryFailed`).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct GroupVersionFailure {
    /// `metrics.k8s.io/v1beta1`, or `v1` for the core group.
    pub group_version: String,
    /// Why: the server's error, a decode error, or a stale aggregated API.
    pub error: Arc<Error>,
}

/// Where a [`ServerApis`] came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum DiscoverySource {
    /// The aggregated documents of `/api` and `/apis` (two requests).
    Aggregated,
    /// The legacy documents: `/api`, `/apis` and one per group version (at
    /// least one of `/api` and `/apis` was not aggregated).
    Legacy,
    /// The disk cache (with, perhaps, a few group versions refetched).
    DiskCache,
}

/// Everything discovery found on a server: its groups in priority order and
/// the resources of every group version, preferred versions first, and the
/// group versions that failed.
#[derive(Clone, Debug)]
pub struct ServerApis {
    groups: Vec<ServedGroup>,
    resources: Vec<ServedResource>,
    failures: Vec<GroupVersionFailure>,
    source: DiscoverySource,
}

impl ServerApis {
    /// Assembles what was discovered. Resources are reordered to follow the
    /// groups' order with each group's versions in preference order, which is
    /// the order [`resolve`](super::Discovery::resolve) picks by.
    pub fn new(
        groups: Vec<ServedGroup>,
        mut resources: Vec<ServedResource>,
        failures: Vec<GroupVersionFailure>,
        source: DiscoverySource,
    ) -> Self {
        let rank = |resource: &ServedResource| {
            groups
                .iter()
                .position(|g| g.name == resource.resource.group)
                .map(|group_index| {
                    let version_index = groups[group_index]
                        .versions
                        .iter()
                        .position(|v| *v == resource.resource.version)
                        .unwrap_or(usize::MAX);
                    (group_index, version_index)
                })
                .unwrap_or((usize::MAX, usize::MAX))
        };
        // Stable: the server's order of resources inside a version is kept.
        resources.sort_by_key(rank);
        ServerApis {
            groups,
            resources,
            failures,
            source,
        }
    }

    /// The groups, in the server's priority order (core first).
    pub fn groups(&self) -> &[ServedGroup] {
        &self.groups
    }

    /// The group called `name` (empty for core).
    pub fn group(&self, name: &str) -> Option<&ServedGroup> {
        self.groups.iter().find(|g| g.name == name)
    }

    /// Every resource of every group version, in priority order.
    pub fn resources(&self) -> &[ServedResource] {
        &self.resources
    }

    /// The resources of one group version.
    pub fn resources_for<'a>(
        &'a self,
        group: &'a str,
        version: &'a str,
    ) -> impl Iterator<Item = &'a ServedResource> + 'a {
        self.resources
            .iter()
            .filter(move |r| r.resource.group == group && r.resource.version == version)
    }

    /// The resources at each group's preferred version (what
    /// `kubectl api-resources` lists).
    pub fn preferred_resources(&self) -> impl Iterator<Item = &ServedResource> {
        self.resources.iter().filter(|r| {
            self.group(&r.resource.group)
                .is_some_and(|g| g.preferred_version == r.resource.version)
        })
    }

    /// The group versions that could not be discovered.
    pub fn failures(&self) -> &[GroupVersionFailure] {
        &self.failures
    }

    /// Whether every group version was discovered.
    pub fn is_complete(&self) -> bool {
        self.failures.is_empty()
    }

    /// `Ok` when every group version was discovered; otherwise an error
    /// naming those that were not, for callers that cannot work with a part.
    pub fn ensure_complete(&self) -> Result<(), DiscoveryError> {
        if self.failures.is_empty() {
            return Ok(());
        }
        Err(DiscoveryError::Incomplete {
            failed: self.failures.iter().map(|f| f.group_version.clone()).collect(),
            first_error: self.failures[0].error.to_string(),
        })
    }

    /// Where this came from.
    pub fn source(&self) -> DiscoverySource {
        self.source
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Scope;

    fn resource(group: &str, version: &str, plural: &str) -> ServedResource {
        ServedResource {
            resource: ApiResource::new(group, version, "K", plural, Scope::Namespaced),
            singular: String::new(),
            verbs: vec!["get".into()],
            short_names: vec![],
            categories: vec![],
            subresources: vec![],
        }
    }

    #[test]
    fn resources_follow_group_order_then_version_preference() {
        let groups = vec![
            ServedGroup {
                name: String::new(),
                versions: vec!["v1".into()],
                preferred_version: "v1".into(),
            },
            ServedGroup {
                name: "autoscaling".into(),
                versions: vec!["v2".into(), "v1".into()],
                preferred_version: "v2".into(),
            },
        ];
        let apis = ServerApis::new(
            groups,
            vec![
                resource("autoscaling", "v1", "hpa1"),
                resource("autoscaling", "v2", "hpa2"),
                resource("", "v1", "pods"),
            ],
            vec![],
            DiscoverySource::Legacy,
        );
        let order: Vec<_> = apis
            .resources()
            .iter()
            .map(|r| r.resource.plural.as_str())
            .collect();
        assert_eq!(order, ["pods", "hpa2", "hpa1"]);
        let preferred: Vec<_> = apis
            .preferred_resources()
            .map(|r| r.resource.plural.as_str())
            .collect();
        assert_eq!(preferred, ["pods", "hpa2"]);
        assert!(apis.ensure_complete().is_ok());
    }
}
