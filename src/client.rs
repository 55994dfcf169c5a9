//! `Client`: the ClientSet analogue. One handle holding the transport, the
//! default namespace and the discovery cache, handing out every layer.

use std::sync::Arc;

use crate::discovery::{Discovery, DiscoveryClient};
use crate::dynamic::DynamicClient;
use crate::typed::Api;
use crate::types::{ApiResource, GroupVersionResource, Resource, Scope};
use crate::{Config, HttpRest, Rest, Result};

/// The entry point: holds an `Arc<dyn Rest>`, the default namespace and one
/// shared discovery cache, and hands out [`Api<K>`], [`DynamicClient`] and
/// [`DiscoveryClient`]. Cheap to clone; clones share the transport and cache.
///
/// Build it from a [`Config`] for a real cluster, or from any [`Rest`] (the
/// testkit's fake cluster, a cassette replayer, a mock) for tests.
///
/// ```no_run
/// # async fn run() -> rudder::Result<()> {
/// use k8s_openapi::api::core::v1::Pod;
/// use rudder::{Client, Typed};
/// use rudder::types::ListParams;
///
/// let client = Client::try_default()?;
/// let pods = client.default_namespaced::<Pod>();
/// for pod in pods.list(&ListParams::default()).await?.items {
///     println!("{}", pod.metadata.name.unwrap_or_default());
/// }
/// let foos = client.dynamic_for("foos.samplecontroller.k8s.io").await?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Client {
    rest: Arc<dyn Rest>,
    default_namespace: String,
    discovery: Arc<DiscoveryClient>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("default_namespace", &self.default_namespace)
            .field("discovery", &self.discovery)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client over any transport, with discovery cached in memory only.
    /// This is how tests build one over the fake cluster or a mock.
    pub fn new(rest: Arc<dyn Rest>, default_namespace: impl Into<String>) -> Self {
        let discovery = Arc::new(DiscoveryClient::new(rest.clone()));
        Client {
            rest,
            default_namespace: default_namespace.into(),
            discovery,
        }
    }

    /// A live client for the server and user `config` describes, with
    /// discovery cached in memory and on disk in kubectl's layout.
    pub fn try_from_config(config: Config) -> Result<Self> {
        let default_namespace = config.default_namespace.clone();
        let rest: Arc<dyn Rest> = Arc::new(HttpRest::new(config.clone())?);
        let discovery = Arc::new(DiscoveryClient::for_config(rest.clone(), &config));
        Ok(Client {
            rest,
            default_namespace,
            discovery,
        })
    }

    /// A live client from the inferred configuration ([`Config::infer`]):
    /// `KUBECONFIG`, `~/.kube/config`, then the pod's service account.
    pub fn try_default() -> Result<Self> {
        Client::try_from_config(Config::infer()?)
    }

    /// The transport every layer uses.
    pub fn rest(&self) -> &Arc<dyn Rest> {
        &self.rest
    }

    /// The namespace [`Client::default_namespaced`] uses.
    pub fn default_namespace(&self) -> &str {
        &self.default_namespace
    }

    /// The shared discovery client and its cache.
    pub fn discovery(&self) -> &DiscoveryClient {
        &self.discovery
    }

    /// Typed verbs on a namespaced kind in the default namespace.
    pub fn default_namespaced<K: Resource>(&self) -> Api<K> {
        Api::namespaced(self.rest.clone(), &self.default_namespace)
    }

    /// Typed verbs on a namespaced kind in `namespace`.
    pub fn namespaced<K: Resource>(&self, namespace: &str) -> Api<K> {
        Api::namespaced(self.rest.clone(), namespace)
    }

    /// Typed verbs on a namespaced kind across all namespaces.
    pub fn all<K: Resource>(&self) -> Api<K> {
        Api::all(self.rest.clone())
    }

    /// Typed verbs on a cluster-scoped kind (nodes, namespaces, CRDs).
    pub fn cluster<K: Resource>(&self) -> Api<K> {
        Api::cluster(self.rest.clone())
    }

    /// Dynamic verbs on `resource`: in the default namespace when it is
    /// namespaced, cluster-wide otherwise.
    pub fn dynamic(&self, resource: ApiResource) -> Result<DynamicClient> {
        match resource.scope {
            Scope::Namespaced => {
                DynamicClient::namespaced(self.rest.clone(), resource, &self.default_namespace)
            }
            Scope::Cluster => DynamicClient::cluster(self.rest.clone(), resource),
        }
    }

    /// Dynamic verbs on a namespaced `resource` in `namespace`.
    pub fn dynamic_namespaced(&self, resource: ApiResource, namespace: &str) -> Result<DynamicClient> {
        DynamicClient::namespaced(self.rest.clone(), resource, namespace)
    }

    /// Dynamic verbs on `resource` across all namespaces (or, for a
    /// cluster-scoped one, cluster-wide).
    pub fn dynamic_all(&self, resource: ApiResource) -> DynamicClient {
        DynamicClient::all(self.rest.clone(), resource)
    }

    /// Dynamic verbs on a resource named as kubectl names it (`deploy`,
    /// `foos.samplecontroller.k8s.io`, `Deployment`), resolved through
    /// discovery; scoped as [`Client::dynamic`] scopes.
    pub async fn dynamic_for(&self, name: &str) -> Result<DynamicClient> {
        let served = self.discovery.resolve(name).await?;
        self.dynamic(served.resource)
    }

    /// Dynamic verbs on a group/version/resource, resolved through discovery
    /// (which supplies its kind and scope).
    pub async fn dynamic_for_gvr(&self, gvr: &GroupVersionResource) -> Result<DynamicClient> {
        let served = self.discovery.resolve_gvr(gvr).await?;
        self.dynamic(served.resource)
    }
}
