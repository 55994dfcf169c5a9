//! `Api<K>`: the live [`Typed`] implementation over any [`Rest`].

use std::fmt::Debug;
use std::marker::PhantomData;
use std::sync::Arc;

use futures::stream::BoxStream;
use k8s_openapi::api::autoscaling::v1::Scale;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::Result;
use crate::rest::Rest;
use crate::types::{
    DeleteParams, Deletion, GetParams, ListParams, ObjectList, Patch, PatchParams, PostParams, Resource,
    Scope, WatchParams,
};

use super::interface::Typed;
use super::pager::{all_pages, item_stream, page_stream};
use super::requests::ResourceRequests;
use super::resource_client::{ResourceClient, WatchStream};

/// The verbs on kind `K` over any [`Rest`]: the live client, the fake cluster, a cassette.
///
/// ```no_run
/// # async fn run(rest: std::sync::Arc<dyn rudder::Rest>) -> rudder::Result<()> {
/// use k8s_openapi::api::core::v1::Pod;
/// use rudder::typed::{Api, Typed};
///
/// let pods: Api<Pod> = Api::namespaced(rest, "default");
/// if let Some(pod) = pods.get_opt("web").await? {
///     println!("{:?}", pod.status.and_then(|status| status.phase));
/// }
/// # Ok(())
/// # }
/// ```
///
/// A handle's scope is checked when the program is built (`cargo build`;
/// `cargo check` stops before this check): a namespaced handle on a
/// cluster-scoped kind does not build.
///
/// ```compile_fail,E0080
/// # let config = rudder::Config::new("http://127.0.0.1:8001".parse().unwrap());
/// # let rest: std::sync::Arc<dyn rudder::Rest> = std::sync::Arc::new(rudder::HttpRest::new(config).unwrap());
/// let nodes = rudder::typed::Api::<k8s_openapi::api::core::v1::Node>::namespaced(rest, "default");
/// ```
pub struct Api<K> {
    client: ResourceClient,
    kind: PhantomData<fn() -> K>,
}

impl<K> Clone for Api<K> {
    fn clone(&self) -> Self {
        Api {
            client: self.client.clone(),
            kind: PhantomData,
        }
    }
}

impl<K> Debug for Api<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Api").field("client", &self.client).finish()
    }
}

impl<K: Resource> Api<K> {
    /// A handle on the objects of a namespaced kind in `namespace`.
    pub fn namespaced(rest: Arc<dyn Rest>, namespace: &str) -> Self {
        const {
            assert!(
                matches!(K::SCOPE, Scope::Namespaced),
                "Api::namespaced needs a namespaced kind; use Api::cluster for a cluster-scoped one"
            )
        };
        Api::with_namespace(rest, Some(namespace))
    }

    /// A handle on the objects of a namespaced kind in every namespace (list,
    /// watch, delete_collection), or of a cluster-scoped kind.
    pub fn all(rest: Arc<dyn Rest>) -> Self {
        Api::with_namespace(rest, None)
    }

    /// A handle on a cluster-scoped kind (nodes, namespaces, CRDs...).
    pub fn cluster(rest: Arc<dyn Rest>) -> Self {
        const {
            assert!(
                matches!(K::SCOPE, Scope::Cluster),
                "Api::cluster needs a cluster-scoped kind; use Api::namespaced or Api::all for a namespaced one"
            )
        };
        Api::with_namespace(rest, None)
    }

    fn with_namespace(rest: Arc<dyn Rest>, namespace: Option<&str>) -> Self {
        let requests = ResourceRequests::scoped(K::api_resource(), namespace.map(str::to_owned));
        Api {
            client: ResourceClient::new(rest, requests),
            kind: PhantomData,
        }
    }
}

impl<K> Api<K> {
    /// Watch and log lines longer than `max_line` bytes end the stream with an
    /// error (default 16 MiB).
    pub fn with_max_line(mut self, max_line: usize) -> Self {
        self.client = self.client.with_max_line(max_line);
        self
    }

    /// The namespace of the handle, if it has one.
    pub fn namespace(&self) -> Option<&str> {
        self.client.requests().namespace()
    }

    /// The untyped client underneath, for subresources this type has no method for.
    pub fn resource_client(&self) -> &ResourceClient {
        &self.client
    }
}

impl<K> Api<K>
where
    K: DeserializeOwned + Send + 'static,
{
    /// The object `name`, read as `params` asks (`GetParams::any()` reads the server's cache).
    pub async fn get_with(&self, name: &str, params: &GetParams) -> Result<K> {
        self.client.get(name, params).await
    }

    /// Every object, listed in pages of `params.limit` (500 when unset), in one list.
    ///
    /// # Errors
    /// A `410 Gone` when a continue token expired mid-way: the list must restart.
    pub async fn list_all(&self, params: &ListParams) -> Result<ObjectList<K>> {
        all_pages(params, |page| async move { self.client.list(&page).await }).await
    }

    /// Every object, fetched a page at a time as the stream is read, each
    /// handed out as soon as it is decoded from the page's body: only the
    /// object and the chunk of body being read are held in memory.
    pub fn list_stream(&self, params: &ListParams) -> BoxStream<'_, Result<K>> {
        item_stream(params, move |page| async move {
            self.client.list_page_items(&page).await
        })
    }
}

#[async_trait::async_trait]
impl<K> Typed<K> for Api<K>
where
    K: Resource + Serialize + DeserializeOwned + Send + Sync + 'static,
{
    async fn get(&self, name: &str) -> Result<K> {
        self.client.get(name, &GetParams::default()).await
    }

    async fn get_opt(&self, name: &str) -> Result<Option<K>> {
        self.client.get_opt(name, &GetParams::default()).await
    }

    async fn list(&self, params: &ListParams) -> Result<ObjectList<K>> {
        self.client.list(params).await
    }

    async fn create(&self, params: &PostParams, object: &K) -> Result<K> {
        self.client.create(params, object).await
    }

    async fn replace(&self, name: &str, params: &PostParams, object: &K) -> Result<K> {
        self.client.replace(name, params, object).await
    }

    async fn patch(&self, name: &str, params: &PatchParams, patch: &Patch) -> Result<K> {
        self.client.patch(name, params, patch).await
    }

    async fn delete(&self, name: &str, params: &DeleteParams) -> Result<Deletion<K>> {
        self.client.delete(name, params).await
    }

    async fn delete_collection(
        &self,
        params: &DeleteParams,
        selection: &ListParams,
    ) -> Result<Deletion<ObjectList<K>>> {
        self.client.delete_collection(params, selection).await
    }

    async fn watch(&self, params: &WatchParams) -> Result<WatchStream<K>> {
        self.client.watch(params).await
    }

    async fn get_status(&self, name: &str) -> Result<K> {
        self.client.get_subresource("status", name).await
    }

    async fn replace_status(&self, name: &str, params: &PostParams, object: &K) -> Result<K> {
        self.client
            .replace_subresource("status", name, params, object)
            .await
    }

    async fn patch_status(&self, name: &str, params: &PatchParams, patch: &Patch) -> Result<K> {
        self.client.patch_subresource("status", name, params, patch).await
    }

    async fn get_scale(&self, name: &str) -> Result<Scale> {
        self.client.get_subresource("scale", name).await
    }

    async fn replace_scale(&self, name: &str, params: &PostParams, scale: &Scale) -> Result<Scale> {
        self.client
            .replace_subresource("scale", name, params, scale)
            .await
    }

    async fn patch_scale(&self, name: &str, params: &PatchParams, patch: &Patch) -> Result<Scale> {
        self.client.patch_subresource("scale", name, params, patch).await
    }
}

/// Every object `api` lists, in pages of `params.limit` (500 when unset):
/// the pager for any [`Typed`] implementation, a mock included.
pub async fn list_all<K, A>(api: &A, params: &ListParams) -> Result<ObjectList<K>>
where
    K: Send + Sync + 'static,
    A: Typed<K> + ?Sized,
{
    all_pages(params, |page| async move { api.list(&page).await }).await
}

/// Every object `api` lists, fetched a page at a time as the stream is read.
pub fn list_stream<'a, K, A>(api: &'a A, params: &ListParams) -> BoxStream<'a, Result<K>>
where
    K: Send + Sync + 'static,
    A: Typed<K> + ?Sized,
{
    page_stream(params, move |page| async move { api.list(&page).await })
}
