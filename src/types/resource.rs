//! The `Resource` trait: what the typed layer needs to know about a kind.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::gvk::{ApiResource, GroupVersionKind, Scope};

/// A kind the typed layer can address: its group, version, kind, plural and
/// scope, and access to its `ObjectMeta`.
///
/// Every k8s-openapi type is a `Resource` through a blanket impl. A custom
/// resource type implements it with [`resource!`](crate::resource) (or by
/// hand, the same few lines):
///
/// ```
/// use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
/// use rudder::types::{Resource, Scope};
///
/// #[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
/// struct Foo {
///     metadata: ObjectMeta,
///     spec: serde_json::Value,
/// }
///
/// rudder::resource!(Foo {
///     group: "samplecontroller.k8s.io",
///     version: "v1alpha1",
///     kind: "Foo",
///     plural: "foos",
///     scope: Namespaced,
/// });
///
/// assert_eq!(Foo::api_version(), "samplecontroller.k8s.io/v1alpha1");
/// assert_eq!(Foo::SCOPE, Scope::Namespaced);
/// assert_eq!(<k8s_openapi::api::apps::v1::Deployment as Resource>::PLURAL, "deployments");
/// ```
pub trait Resource {
    /// The API group; empty for the core group.
    const GROUP: &'static str;
    /// The version.
    const VERSION: &'static str;
    /// The kind, in CamelCase.
    const KIND: &'static str;
    /// The plural resource name used in URLs.
    const PLURAL: &'static str;
    /// Namespaced or cluster-scoped.
    const SCOPE: Scope;

    /// The object's metadata.
    fn meta(&self) -> &ObjectMeta;

    /// The object's metadata, to change.
    fn meta_mut(&mut self) -> &mut ObjectMeta;

    /// `v1` for the core group, `group/version` for the others.
    fn api_version() -> String {
        GroupVersionKind::new(Self::GROUP, Self::VERSION, Self::KIND).api_version()
    }

    /// The kind's identity as the dynamic layer and discovery describe it.
    fn api_resource() -> ApiResource {
        ApiResource::new(Self::GROUP, Self::VERSION, Self::KIND, Self::PLURAL, Self::SCOPE)
    }

    /// The kind's group, version and kind.
    fn gvk() -> GroupVersionKind {
        GroupVersionKind::new(Self::GROUP, Self::VERSION, Self::KIND)
    }

    /// `metadata.name`.
    fn name(&self) -> Option<&str> {
        self.meta().name.as_deref()
    }

    /// `metadata.namespace`.
    fn namespace(&self) -> Option<&str> {
        self.meta().namespace.as_deref()
    }

    /// `metadata.resourceVersion`: what a replace sends back to guard against lost updates.
    fn resource_version(&self) -> Option<&str> {
        self.meta().resource_version.as_deref()
    }

    /// `metadata.uid`.
    fn uid(&self) -> Option<&str> {
        self.meta().uid.as_deref()
    }

    /// The value of label `key`.
    fn label(&self, key: &str) -> Option<&str> {
        self.meta().labels.as_ref()?.get(key).map(String::as_str)
    }

    /// The value of annotation `key`.
    fn annotation(&self, key: &str) -> Option<&str> {
        self.meta().annotations.as_ref()?.get(key).map(String::as_str)
    }

    /// Whether the object is being deleted (it has a `deletionTimestamp`).
    fn is_terminating(&self) -> bool {
        self.meta().deletion_timestamp.is_some()
    }
}

/// How k8s-openapi's scope marker types map to [`Scope`]. Subresource types
/// (`Scale`, `TokenRequest`...) have no scope of their own and are not
/// [`Resource`]s.
pub trait ScopeMarker {
    /// The scope the marker stands for.
    const SCOPE: Scope;
}

impl ScopeMarker for k8s_openapi::NamespaceResourceScope {
    const SCOPE: Scope = Scope::Namespaced;
}

impl ScopeMarker for k8s_openapi::ClusterResourceScope {
    const SCOPE: Scope = Scope::Cluster;
}

impl<K> Resource for K
where
    K: k8s_openapi::Resource + k8s_openapi::Metadata<Ty = ObjectMeta>,
    <K as k8s_openapi::Resource>::Scope: ScopeMarker,
{
    const GROUP: &'static str = <K as k8s_openapi::Resource>::GROUP;
    const VERSION: &'static str = <K as k8s_openapi::Resource>::VERSION;
    const KIND: &'static str = <K as k8s_openapi::Resource>::KIND;
    const PLURAL: &'static str = <K as k8s_openapi::Resource>::URL_PATH_SEGMENT;
    const SCOPE: Scope = <<K as k8s_openapi::Resource>::Scope as ScopeMarker>::SCOPE;

    fn meta(&self) -> &ObjectMeta {
        self.metadata()
    }

    fn meta_mut(&mut self) -> &mut ObjectMeta {
        self.metadata_mut()
    }

    fn api_version() -> String {
        <K as k8s_openapi::Resource>::API_VERSION.to_owned()
    }
}

/// Implements [`Resource`](crate::types::Resource) for a custom resource
/// type whose `ObjectMeta` is in a field named `metadata`.
///
/// `scope` is `Namespaced` or `Cluster`. See [`Resource`](crate::types::Resource)
/// for an example.
#[macro_export]
macro_rules! resource {
    ($type:ty {
        group: $group:expr,
        version: $version:expr,
        kind: $kind:expr,
        plural: $plural:expr,
        scope: $scope:ident $(,)?
    }) => {
        impl $crate::types::Resource for $type {
            const GROUP: &'static str = $group;
            const VERSION: &'static str = $version;
            const KIND: &'static str = $kind;
            const PLURAL: &'static str = $plural;
            const SCOPE: $crate::types::Scope = $crate::types::Scope::$scope;

            fn meta(&self) -> &$crate::k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
                &self.metadata
            }

            fn meta_mut(
                &mut self,
            ) -> &mut $crate::k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
                &mut self.metadata
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use k8s_openapi::api::core::v1::{Node, Pod};
    use k8s_openapi::api::rbac::v1::ClusterRole;

    use super::*;

    #[test]
    fn k8s_openapi_types_carry_their_identity_and_scope() {
        assert_eq!(
            Pod::api_resource(),
            ApiResource::new("", "v1", "Pod", "pods", Scope::Namespaced)
        );
        assert_eq!(<Pod as Resource>::api_version(), "v1");
        assert_eq!(Node::SCOPE, Scope::Cluster);
        assert_eq!(
            <ClusterRole as Resource>::api_version(),
            "rbac.authorization.k8s.io/v1"
        );
        assert_eq!(ClusterRole::PLURAL, "clusterroles");
    }

    #[test]
    fn meta_reaches_the_object_metadata() {
        let mut pod = Pod::default();
        pod.meta_mut().name = Some("web".into());
        pod.meta_mut().labels = Some([("app".to_owned(), "web".to_owned())].into());
        assert_eq!(pod.name(), Some("web"));
        assert_eq!(pod.label("app"), Some("web"));
        assert_eq!(pod.label("tier"), None);
        assert_eq!(pod.annotation("a"), None);
        assert!(!pod.is_terminating());
    }
}
