//! The aggregated discovery documents (`apidiscovery.k8s.io/v2`, and the
//! identical `v2beta1`) the API server sends for `/api` and `/apis` when asked,
//! and how a response says it is one.
//!
//! k8s-openapi has the legacy documents (`APIVersions`, `APIGroupList`,
//! `APIResourceList`) but not these, so they are written here. They are public
//! so a fake server can serve them too.

use serde::{Deserialize, Serialize};

/// The `Accept` header for `/api` and `/apis`: aggregated v2, then v2beta1,
/// then the legacy documents — the order client-go asks in.
pub const ACCEPT_DISCOVERY: &str = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";

/// The `Content-Type` of an aggregated v2 discovery response.
pub const CONTENT_TYPE_AGGREGATED_V2: &str =
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

/// The `kind` of an aggregated discovery document.
pub const AGGREGATED_KIND: &str = "APIGroupDiscoveryList";

/// `/api` or `/apis` in the aggregated form: every group, version and
/// resource in one document.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiGroupDiscoveryList {
    /// `apidiscovery.k8s.io/v2` (or `v2beta1`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    /// `APIGroupDiscoveryList`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// The groups, in the server's priority order.
    #[serde(default)]
    pub items: Vec<ApiGroupDiscovery>,
}

/// One group and the versions it serves, preferred version first.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiGroupDiscovery {
    /// Only `name` is set; it is empty for the core group.
    #[serde(default)]
    pub metadata: GroupMetadata,
    /// The versions, in descending order of preference.
    #[serde(default)]
    pub versions: Vec<ApiVersionDiscovery>,
}

/// The part of `ObjectMeta` aggregated discovery fills.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupMetadata {
    /// The group's name; empty for the core group.
    #[serde(default)]
    pub name: String,
}

/// One version of a group and its resources.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiVersionDiscovery {
    /// The version (`v1`).
    pub version: String,
    /// The resources served at this version.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<ApiResourceDiscovery>,
    /// `Current`, or `Stale` when an aggregated API server could not be
    /// reached and the resources may be out of date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub freshness: Option<String>,
}

impl ApiVersionDiscovery {
    /// Whether the server marked this version stale.
    pub fn is_stale(&self) -> bool {
        self.freshness.as_deref() == Some("Stale")
    }
}

/// One resource of a group version.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiResourceDiscovery {
    /// The plural name (`deployments`).
    pub resource: String,
    /// The kind the resource returns; empty group and version mean the
    /// containing group version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_kind: Option<ResponseKind>,
    /// `Namespaced` or `Cluster`.
    #[serde(default)]
    pub scope: String,
    /// The singular name (`deployment`).
    #[serde(default)]
    pub singular_resource: String,
    /// The verbs (`get`, `list`, `watch`, ...).
    #[serde(default)]
    pub verbs: Vec<String>,
    /// Short names (`deploy`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub short_names: Vec<String>,
    /// Categories (`all`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<String>,
    /// Subresources (`status`, `scale`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subresources: Vec<ApiSubresourceDiscovery>,
}

/// One subresource of a resource.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiSubresourceDiscovery {
    /// The subresource's name (`status`).
    pub subresource: String,
    /// The kind it returns (`autoscaling/v1 Scale` for `scale`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_kind: Option<ResponseKind>,
    /// The verbs.
    #[serde(default)]
    pub verbs: Vec<String>,
}

/// A group, version and kind where empty means "the containing one".
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResponseKind {
    /// The group, or empty.
    #[serde(default)]
    pub group: String,
    /// The version, or empty.
    #[serde(default)]
    pub version: String,
    /// The kind.
    #[serde(default)]
    pub kind: String,
}

/// Whether a `Content-Type` names an aggregated discovery document
/// (`g=apidiscovery.k8s.io`, `v=v2` or `v2beta1`, `as=APIGroupDiscoveryList`),
/// whatever the order of its parameters.
pub fn is_aggregated_content_type(content_type: &str) -> bool {
    let mut parts = content_type.split(';').map(str::trim);
    let media_type = parts.next().unwrap_or_default();
    if !media_type.eq_ignore_ascii_case("application/json") {
        return false;
    }
    let (mut group, mut version, mut as_kind) = (false, false, false);
    for parameter in parts {
        match parameter.split_once('=').map(|(k, v)| (k.trim(), v.trim())) {
            Some(("g", "apidiscovery.k8s.io")) => group = true,
            Some(("v", "v2" | "v2beta1")) => version = true,
            Some(("as", AGGREGATED_KIND)) => as_kind = true,
            _ => {}
        }
    }
    group && version && as_kind
}

/// Just the `kind` of a document, to tell the forms apart when a server
/// sends an aggregated body as plain `application/json`.
#[derive(Deserialize)]
pub(crate) struct KindOnly {
    #[serde(default)]
    pub(crate) kind: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aggregated_content_types_are_recognised_in_any_parameter_order() {
        assert!(is_aggregated_content_type(CONTENT_TYPE_AGGREGATED_V2));
        assert!(is_aggregated_content_type(
            "application/json;as=APIGroupDiscoveryList;v=v2beta1;g=apidiscovery.k8s.io"
        ));
        assert!(is_aggregated_content_type(
            "application/json; g=apidiscovery.k8s.io; v=v2; as=APIGroupDiscoveryList; charset=utf-8"
        ));
    }

    #[test]
    fn plain_json_and_other_lists_are_not_aggregated() {
        assert!(!is_aggregated_content_type("application/json"));
        assert!(!is_aggregated_content_type(
            "application/json;g=apidiscovery.k8s.io;v=v1;as=APIGroupDiscoveryList"
        ));
        assert!(!is_aggregated_content_type(
            "application/yaml;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
        ));
        assert!(!is_aggregated_content_type(""));
    }

    #[test]
    fn the_real_aggregated_document_decodes() {
        let body = include_str!("../../fixtures/discovery/aggregated_v2.json");
        let list: ApiGroupDiscoveryList = serde_json::from_str(body).unwrap();
        assert_eq!(list.kind.as_deref(), Some(AGGREGATED_KIND));
        let apps = list.items.iter().find(|g| g.metadata.name == "apps").unwrap();
        let deployments = apps.versions[0]
            .resources
            .iter()
            .find(|r| r.resource == "deployments")
            .unwrap();
        assert_eq!(deployments.short_names, ["deploy"]);
        assert!(deployments.subresources.iter().any(|s| s.subresource == "scale"));
    }
}
