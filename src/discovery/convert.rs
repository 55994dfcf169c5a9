//! Between the wire documents (aggregated and legacy) and the discovery
//! model. The legacy form is also the disk cache's, as in kubectl.

use std::sync::Arc;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{
    APIGroup, APIGroupList, APIResource, APIResourceList, APIVersions, GroupVersionForDiscovery,
};

use crate::Error;
use crate::types::{ApiResource, GroupVersionKind, Scope};

use super::error::DiscoveryError;
use super::model::{GroupVersionFailure, ServedGroup, ServedResource, ServedSubresource};
use super::wire::{ApiGroupDiscoveryList, ApiResourceDiscovery, ResponseKind};

/// What one discovery document (or several) yielded.
#[derive(Debug, Default)]
pub(crate) struct Found {
    pub(crate) groups: Vec<ServedGroup>,
    pub(crate) resources: Vec<ServedResource>,
    pub(crate) failures: Vec<GroupVersionFailure>,
}

impl Found {
    pub(crate) fn extend(&mut self, other: Found) {
        self.groups.extend(other.groups);
        self.resources.extend(other.resources);
        self.failures.extend(other.failures);
    }
}

/// `v1` for core, `apps/v1` otherwise.
pub(crate) fn group_version(group: &str, version: &str) -> String {
    if group.is_empty() {
        version.to_owned()
    } else {
        format!("{group}/{version}")
    }
}

/// An aggregated document: groups, and the resources of every version that
/// is not stale.
pub(crate) fn from_aggregated(list: ApiGroupDiscoveryList) -> Found {
    let mut found = Found::default();
    for group in list.items {
        let name = group.metadata.name;
        let versions: Vec<String> = group.versions.iter().map(|v| v.version.clone()).collect();
        let Some(preferred_version) = versions.first().cloned() else {
            continue;
        };
        for version in group.versions {
            if version.is_stale() {
                let group_version = group_version(&name, &version.version);
                found.failures.push(GroupVersionFailure {
                    error: Arc::new(Error::Discovery(DiscoveryError::Stale {
                        group_version: group_version.clone(),
                    })),
                    group_version,
                });
                continue;
            }
            for resource in version.resources {
                if let Some(served) = from_aggregated_resource(&name, &version.version, resource) {
                    found.resources.push(served);
                }
            }
        }
        found.groups.push(ServedGroup {
            name,
            versions,
            preferred_version,
        });
    }
    found
}

fn from_aggregated_resource(
    group: &str,
    version: &str,
    resource: ApiResourceDiscovery,
) -> Option<ServedResource> {
    let kind = resource.response_kind.map(|k| k.kind).unwrap_or_default();
    if kind.is_empty() {
        // client-go drops a resource without a kind: nothing could address it.
        tracing::debug!(group, version, resource = %resource.resource, "discovery resource without a kind skipped");
        return None;
    }
    let scope = if resource.scope == "Cluster" {
        Scope::Cluster
    } else {
        Scope::Namespaced
    };
    let subresources = resource
        .subresources
        .into_iter()
        .filter_map(|sub| {
            let kind = response_gvk(group, version, sub.response_kind?)?;
            Some(ServedSubresource {
                name: sub.subresource,
                kind,
                verbs: sub.verbs,
            })
        })
        .collect();
    Some(ServedResource {
        singular: singular_or_kind(resource.singular_resource, &kind),
        resource: ApiResource::new(group, version, kind, resource.resource, scope),
        verbs: resource.verbs,
        short_names: resource.short_names,
        categories: resource.categories,
        subresources,
    })
}

fn response_gvk(group: &str, version: &str, kind: ResponseKind) -> Option<GroupVersionKind> {
    if kind.kind.is_empty() {
        return None;
    }
    let group = if kind.group.is_empty() && kind.version.is_empty() {
        group.to_owned()
    } else {
        kind.group
    };
    let version = if kind.version.is_empty() {
        version.to_owned()
    } else {
        kind.version
    };
    Some(GroupVersionKind::new(group, version, kind.kind))
}

/// Old servers leave the singular name empty; kubectl then uses the
/// lowercased kind.
fn singular_or_kind(singular: String, kind: &str) -> String {
    if singular.is_empty() {
        kind.to_lowercase()
    } else {
        singular
    }
}

/// The legacy `/api` document: the core group.
pub(crate) fn core_group(versions: APIVersions) -> Option<ServedGroup> {
    let preferred_version = versions.versions.first()?.clone();
    Some(ServedGroup {
        name: String::new(),
        versions: versions.versions,
        preferred_version,
    })
}

/// The legacy `/apis` document (or the disk cache's `servergroups.json`).
pub(crate) fn groups_of(list: APIGroupList) -> Vec<ServedGroup> {
    list.groups
        .into_iter()
        .filter_map(|group| {
            let versions: Vec<String> = group.versions.into_iter().map(|v| v.version).collect();
            let preferred_version = group
                .preferred_version
                .map(|p| p.version)
                .filter(|p| versions.contains(p))
                .or_else(|| versions.first().cloned())?;
            Some(ServedGroup {
                name: group.name,
                versions,
                preferred_version,
            })
        })
        .collect()
}

/// The legacy per-group-version document: resources, with `pods/status`
/// entries folded into their resource as subresources.
pub(crate) fn resources_of(group: &str, version: &str, list: APIResourceList) -> Vec<ServedResource> {
    let (main, subs): (Vec<APIResource>, Vec<APIResource>) =
        list.resources.into_iter().partition(|r| !r.name.contains('/'));
    let mut resources: Vec<ServedResource> = main
        .into_iter()
        .map(|r| {
            let scope = if r.namespaced {
                Scope::Namespaced
            } else {
                Scope::Cluster
            };
            ServedResource {
                singular: singular_or_kind(r.singular_name, &r.kind),
                resource: ApiResource::new(group, version, r.kind, r.name, scope),
                verbs: r.verbs,
                short_names: r.short_names.unwrap_or_default(),
                categories: r.categories.unwrap_or_default(),
                subresources: Vec::new(),
            }
        })
        .collect();
    for sub in subs {
        let Some((parent, name)) = sub.name.split_once('/') else {
            continue;
        };
        let kind = GroupVersionKind::new(
            sub.group.unwrap_or_else(|| group.to_owned()),
            sub.version.unwrap_or_else(|| version.to_owned()),
            sub.kind,
        );
        if let Some(resource) = resources.iter_mut().find(|r| r.resource.plural == parent) {
            resource.subresources.push(ServedSubresource {
                name: name.to_owned(),
                kind,
                verbs: sub.verbs,
            });
        }
    }
    resources
}

/// `servergroups.json`: every group, core first, as client-go's
/// `ServerGroups` returns them.
pub(crate) fn group_list(groups: &[ServedGroup]) -> APIGroupList {
    APIGroupList {
        groups: groups
            .iter()
            .map(|g| APIGroup {
                name: g.name.clone(),
                preferred_version: Some(discovery_version(&g.name, &g.preferred_version)),
                server_address_by_client_cidrs: None,
                versions: g.versions.iter().map(|v| discovery_version(&g.name, v)).collect(),
            })
            .collect(),
    }
}

fn discovery_version(group: &str, version: &str) -> GroupVersionForDiscovery {
    GroupVersionForDiscovery {
        group_version: group_version(group, version),
        version: version.to_owned(),
    }
}

/// `<group>/<version>/serverresources.json`: the legacy document, with each
/// subresource as its own `resource/subresource` entry.
pub(crate) fn resource_list<'a>(
    group: &str,
    version: &str,
    resources: impl Iterator<Item = &'a ServedResource>,
) -> APIResourceList {
    let mut entries = Vec::new();
    for r in resources {
        let namespaced = r.resource.scope == Scope::Namespaced;
        entries.push(APIResource {
            name: r.resource.plural.clone(),
            singular_name: r.singular.clone(),
            namespaced,
            kind: r.resource.kind.clone(),
            verbs: r.verbs.clone(),
            short_names: non_empty(&r.short_names),
            categories: non_empty(&r.categories),
            ..APIResource::default()
        });
        for sub in &r.subresources {
            let other_group_version = sub.kind.group != group || sub.kind.version != version;
            entries.push(APIResource {
                name: format!("{}/{}", r.resource.plural, sub.name),
                singular_name: r.singular.clone(),
                namespaced,
                kind: sub.kind.kind.clone(),
                verbs: sub.verbs.clone(),
                group: other_group_version.then(|| sub.kind.group.clone()),
                version: other_group_version.then(|| sub.kind.version.clone()),
                ..APIResource::default()
            });
        }
    }
    APIResourceList {
        group_version: group_version(group, version),
        resources: entries,
    }
}

fn non_empty(values: &[String]) -> Option<Vec<String>> {
    (!values.is_empty()).then(|| values.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> String {
        let path = format!("{}/fixtures/discovery/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_to_string(&path).unwrap()
    }

    #[test]
    fn legacy_subresources_fold_into_their_resource() {
        let list: APIResourceList = serde_json::from_str(&fixture("apis__apps__v1.json")).unwrap();
        let resources = resources_of("apps", "v1", list);
        let deployments = resources
            .iter()
            .find(|r| r.resource.plural == "deployments")
            .unwrap();
        let scale = deployments.subresource("scale").unwrap();
        assert_eq!(scale.kind, GroupVersionKind::new("autoscaling", "v1", "Scale"));
        assert!(deployments.subresource("status").is_some());
        assert!(resources.iter().all(|r| !r.resource.plural.contains('/')));
    }

    #[test]
    fn aggregated_and_legacy_agree_on_apps_v1() {
        let aggregated: ApiGroupDiscoveryList = serde_json::from_str(&fixture("aggregated_v2.json")).unwrap();
        let found = from_aggregated(aggregated);
        let agg = found
            .resources
            .iter()
            .find(|r| r.resource.group == "apps" && r.resource.plural == "deployments")
            .unwrap();
        let list: APIResourceList = serde_json::from_str(&fixture("apis__apps__v1.json")).unwrap();
        let legacy = resources_of("apps", "v1", list);
        let leg = legacy
            .iter()
            .find(|r| r.resource.plural == "deployments")
            .unwrap();
        assert_eq!(agg.resource, leg.resource);
        assert_eq!(agg.short_names, leg.short_names);
        assert_eq!(
            agg.subresource("scale").unwrap().kind,
            leg.subresource("scale").unwrap().kind
        );
    }

    #[test]
    fn the_cache_form_round_trips() {
        let list: APIResourceList = serde_json::from_str(&fixture("api__v1.json")).unwrap();
        let resources = resources_of("", "v1", list);
        let written = resource_list("", "v1", resources.iter());
        let json = serde_json::to_string(&written).unwrap();
        let read: APIResourceList = serde_json::from_str(&json).unwrap();
        assert_eq!(resources_of("", "v1", read), resources);
    }

    #[test]
    fn a_stale_aggregated_version_is_a_failure_and_the_rest_is_kept() {
        let list: ApiGroupDiscoveryList = serde_json::from_value(serde_json::json!({
            "kind": "APIGroupDiscoveryList",
            "items": [{
                "metadata": {"name": "metrics.k8s.io"},
                "versions": [{"version": "v1beta1", "freshness": "Stale"}]
            }, {
                "metadata": {"name": "example.com"},
                "versions": [{"version": "v1", "resources": [{
                    "resource": "widgets", "scope": "Cluster", "singularResource": "widget",
                    "responseKind": {"group": "", "version": "", "kind": "Widget"}, "verbs": ["get"]
                }]}]
            }]
        }))
        .unwrap();
        let found = from_aggregated(list);
        assert_eq!(found.failures.len(), 1);
        assert_eq!(found.failures[0].group_version, "metrics.k8s.io/v1beta1");
        assert_eq!(found.resources.len(), 1);
        assert_eq!(found.resources[0].resource.scope, Scope::Cluster);
        assert_eq!(found.groups.len(), 2);
    }
}
