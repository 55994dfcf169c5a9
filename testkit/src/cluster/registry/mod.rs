//! The kinds the fake cluster serves: their names, scope, versions and
//! subresources. Built-in kinds come from k8s-openapi; CRDs add theirs.

pub(super) mod discovery;

use k8s_openapi::{
    ClusterResourceScope, ListableResource, NamespaceResourceScope, Resource, SubResourceScope,
};
use rudder::types::{ApiResource, Scope};
use serde_json::Value;

use crate::cluster::request::errors::QualifiedResource;

/// Where a scale subresource reads and writes replicas in the object.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ScalePaths {
    /// JSON path of the desired replicas (`.spec.replicas`).
    pub spec_replicas: String,
    /// JSON path of the observed replicas (`.status.replicas`).
    pub status_replicas: String,
    /// JSON path of the label selector string, if any.
    pub label_selector: Option<String>,
}

impl ScalePaths {
    /// The paths every built-in scalable kind uses.
    pub fn built_in() -> Self {
        ScalePaths {
            spec_replicas: ".spec.replicas".into(),
            status_replicas: ".status.replicas".into(),
            label_selector: None,
        }
    }
}

/// Whether a JSON object decodes as a built-in kind's Rust (and so Go) type.
///
/// The real API server decodes every body into its Go type before anything
/// else, so a wrong type (`replicas: "two"`) never gets stored; a fake that stored it would hand typed clients an object they
/// cannot read back.
#[derive(Clone, Copy)]
pub(crate) struct TypeCheck {
    type_name: &'static str,
    check: fn(&Value) -> Result<(), String>,
}

impl TypeCheck {
    fn of<K: serde::de::DeserializeOwned>() -> Self {
        TypeCheck {
            type_name: std::any::type_name::<K>(),
            check: |object| {
                K::deserialize(object)
                    .map(drop)
                    .map_err(|error| error.to_string())
            },
        }
    }

    /// What the decoder said, when `object` is not a valid value of the type.
    pub(crate) fn run(&self, object: &Value) -> Result<(), String> {
        (self.check)(object)
    }
}

impl PartialEq for TypeCheck {
    fn eq(&self, other: &Self) -> bool {
        self.type_name == other.type_name
    }
}

impl Eq for TypeCheck {}

impl std::fmt::Debug for TypeCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.type_name)
    }
}

/// One resource the fake serves, with everything discovery reports about it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ResourceKind {
    /// Group, storage version, kind, plural and scope.
    pub api: ApiResource,
    /// Every served version, the storage version first.
    pub versions: Vec<String>,
    /// The singular name (`pod`).
    pub singular: String,
    /// `kubectl get` short names (`po`).
    pub short_names: Vec<String>,
    /// Categories (`all`).
    pub categories: Vec<String>,
    /// Whether it has a `status` subresource (and so status isolation).
    pub status: bool,
    /// Its scale subresource, if any.
    pub scale: Option<ScalePaths>,
    /// Whether a CRD defines it (strategic merge patch is refused).
    pub custom: bool,
    /// Whether deleting it orphans dependents unless asked otherwise (batch/v1 Jobs).
    pub orphans_by_default: bool,
    /// For a built-in kind, the check that a body decodes as its type.
    pub(crate) type_check: Option<TypeCheck>,
    /// For a custom kind, its CRD's schemas by version.
    pub(crate) crd_schemas: Option<super::crd::CrdSchemas>,
    /// For a custom kind, the CRD's `selectableFields` (`spec.color`) of its storage version.
    pub selectable_fields: Vec<String>,
}

impl ResourceKind {
    /// A kind from its `ApiResource`, with no subresource, short name or category.
    pub fn new(api: ApiResource) -> Self {
        ResourceKind {
            versions: vec![api.version.clone()],
            singular: api.kind.to_lowercase(),
            api,
            short_names: Vec::new(),
            categories: Vec::new(),
            status: false,
            scale: None,
            custom: false,
            orphans_by_default: false,
            type_check: None,
            crd_schemas: None,
            selectable_fields: Vec::new(),
        }
    }

    /// The kind of a k8s-openapi type.
    pub fn of<K>() -> Self
    where
        K: Resource + ListableResource + serde::de::DeserializeOwned,
        K::Scope: ScopeOf,
    {
        let mut kind = ResourceKind::new(ApiResource::new(
            K::GROUP,
            K::VERSION,
            K::KIND,
            K::URL_PATH_SEGMENT,
            <K::Scope as ScopeOf>::SCOPE,
        ));
        kind.type_check = Some(TypeCheck::of::<K>());
        kind
    }

    /// With a `status` subresource.
    pub fn with_status(mut self) -> Self {
        self.status = true;
        self
    }

    /// With the built-in `scale` subresource.
    pub fn with_scale(mut self) -> Self {
        self.scale = Some(ScalePaths::built_in());
        self
    }

    /// With these short names.
    pub fn with_short_names(mut self, names: &[&str]) -> Self {
        self.short_names = names.iter().map(|name| (*name).to_owned()).collect();
        self
    }

    /// In these categories.
    pub fn with_categories(mut self, categories: &[&str]) -> Self {
        self.categories = categories.iter().map(|category| (*category).to_owned()).collect();
        self
    }

    /// `pods`, `deployments.apps`: how error messages name it.
    pub(crate) fn qualified(&self) -> QualifiedResource<'_> {
        QualifiedResource {
            group: &self.api.group,
            plural: &self.api.plural,
        }
    }

    /// Whether objects live in a namespace.
    pub fn namespaced(&self) -> bool {
        self.api.scope == Scope::Namespaced
    }

    /// The `apiVersion` of objects served at `version`.
    pub fn api_version_at(&self, version: &str) -> String {
        if self.api.group.is_empty() {
            version.to_owned()
        } else {
            format!("{}/{version}", self.api.group)
        }
    }

    /// The list kind (`PodList`).
    pub fn list_kind(&self) -> String {
        format!("{}List", self.api.kind)
    }

    /// The verbs it serves, as discovery lists them. Namespaces have no
    /// deletecollection on the real server.
    pub fn verbs(&self) -> Vec<&'static str> {
        let all = [
            "create",
            "delete",
            "deletecollection",
            "get",
            "list",
            "patch",
            "update",
            "watch",
        ];
        let namespaces = self.api.group.is_empty() && self.api.plural == "namespaces";
        all.into_iter()
            .filter(|verb| !(namespaces && *verb == "deletecollection"))
            .collect()
    }

    /// The subresources it serves.
    pub fn subresources(&self) -> Vec<&'static str> {
        let mut names = Vec::new();
        if self.status {
            names.push("status");
        }
        if self.scale.is_some() {
            names.push("scale");
        }
        if self.api.group.is_empty() && self.api.plural == "pods" {
            names.push("log");
        }
        names
    }
}

/// Maps k8s-openapi's scope marker types to [`Scope`].
pub trait ScopeOf {
    /// The scope.
    const SCOPE: Scope;
}

impl ScopeOf for NamespaceResourceScope {
    const SCOPE: Scope = Scope::Namespaced;
}

impl ScopeOf for ClusterResourceScope {
    const SCOPE: Scope = Scope::Cluster;
}

impl ScopeOf for SubResourceScope {
    const SCOPE: Scope = Scope::Namespaced;
}

/// Every kind the fake serves right now.
#[derive(Clone, Debug, Default)]
pub struct Registry {
    kinds: Vec<ResourceKind>,
}

impl Registry {
    /// The common built-in kinds.
    pub fn with_defaults() -> Self {
        use k8s_openapi::api::{apps, batch, coordination, core, events};
        use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
        let mut jobs = ResourceKind::of::<batch::v1::Job>()
            .with_status()
            .with_categories(&["all"]);
        jobs.orphans_by_default = true;
        // core/v1 keeps the orphaning default it had before garbage collection.
        let mut replication_controllers = ResourceKind::of::<core::v1::ReplicationController>()
            .with_status()
            .with_short_names(&["rc"])
            .with_categories(&["all"]);
        replication_controllers.orphans_by_default = true;
        let kinds = vec![
            ResourceKind::of::<core::v1::Namespace>()
                .with_status()
                .with_short_names(&["ns"]),
            ResourceKind::of::<core::v1::Pod>()
                .with_status()
                .with_short_names(&["po"])
                .with_categories(&["all"]),
            ResourceKind::of::<core::v1::Service>()
                .with_status()
                .with_short_names(&["svc"])
                .with_categories(&["all"]),
            replication_controllers,
            ResourceKind::of::<core::v1::PodTemplate>(),
            ResourceKind::of::<core::v1::ConfigMap>().with_short_names(&["cm"]),
            ResourceKind::of::<core::v1::Secret>(),
            ResourceKind::of::<core::v1::ServiceAccount>().with_short_names(&["sa"]),
            ResourceKind::of::<core::v1::Node>()
                .with_status()
                .with_short_names(&["no"]),
            ResourceKind::of::<core::v1::Event>().with_short_names(&["ev"]),
            ResourceKind::of::<core::v1::Endpoints>().with_short_names(&["ep"]),
            ResourceKind::of::<core::v1::PersistentVolume>()
                .with_status()
                .with_short_names(&["pv"]),
            ResourceKind::of::<core::v1::PersistentVolumeClaim>()
                .with_status()
                .with_short_names(&["pvc"]),
            ResourceKind::of::<events::v1::Event>().with_short_names(&["ev"]),
            ResourceKind::of::<apps::v1::Deployment>()
                .with_status()
                .with_scale()
                .with_short_names(&["deploy"])
                .with_categories(&["all"]),
            ResourceKind::of::<apps::v1::ReplicaSet>()
                .with_status()
                .with_scale()
                .with_short_names(&["rs"])
                .with_categories(&["all"]),
            ResourceKind::of::<apps::v1::StatefulSet>()
                .with_status()
                .with_scale()
                .with_short_names(&["sts"])
                .with_categories(&["all"]),
            ResourceKind::of::<apps::v1::DaemonSet>()
                .with_status()
                .with_short_names(&["ds"])
                .with_categories(&["all"]),
            jobs,
            ResourceKind::of::<batch::v1::CronJob>()
                .with_status()
                .with_short_names(&["cj"])
                .with_categories(&["all"]),
            ResourceKind::of::<coordination::v1::Lease>(),
            ResourceKind::of::<CustomResourceDefinition>()
                .with_status()
                .with_short_names(&["crd", "crds"])
                .with_categories(&["api-extensions"]),
        ];
        Registry { kinds }
    }

    /// Adds `kind`, replacing one with the same group and plural.
    pub fn register(&mut self, kind: ResourceKind) {
        self.remove(&kind.api.group, &kind.api.plural);
        self.kinds.push(kind);
    }

    /// Removes the kind with this group and plural.
    pub fn remove(&mut self, group: &str, plural: &str) -> Option<ResourceKind> {
        let index = self
            .kinds
            .iter()
            .position(|kind| kind.api.group == group && kind.api.plural == plural)?;
        Some(self.kinds.remove(index))
    }

    /// The kind served at `group`/`version` as `plural`.
    pub fn by_path(&self, group: &str, version: &str, plural: &str) -> Option<&ResourceKind> {
        self.kinds.iter().find(|kind| {
            kind.api.group == group
                && kind.api.plural == plural
                && kind.versions.iter().any(|served| served == version)
        })
    }

    /// The kind stored under `group` and `plural`, whatever its version.
    pub fn by_resource(&self, group: &str, plural: &str) -> Option<&ResourceKind> {
        self.kinds
            .iter()
            .find(|kind| kind.api.group == group && kind.api.plural == plural)
    }

    /// The kind an object's `apiVersion` and `kind` name.
    pub fn by_kind(&self, group: &str, version: &str, kind_name: &str) -> Option<&ResourceKind> {
        self.kinds.iter().find(|kind| {
            kind.api.group == group
                && kind.api.kind == kind_name
                && kind.versions.iter().any(|served| served == version)
        })
    }

    /// Every kind, in registration order.
    pub fn kinds(&self) -> &[ResourceKind] {
        &self.kinds
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_kinds_come_from_k8s_openapi() {
        let registry = Registry::with_defaults();
        let deployments = registry
            .by_path("apps", "v1", "deployments")
            .expect("deployments");
        assert_eq!(deployments.api.kind, "Deployment");
        assert_eq!(deployments.subresources(), ["status", "scale"]);
        let nodes = registry.by_kind("", "v1", "Node").expect("nodes");
        assert!(!nodes.namespaced());
        assert!(registry.by_path("events.k8s.io", "v1", "events").is_some());
        assert!(registry.by_path("apps", "v2", "deployments").is_none());
    }
}
