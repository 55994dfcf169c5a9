//! `DynamicClient`: the live [`Dynamic`] implementation over any [`Rest`].

use std::sync::Arc;

use futures::stream::BoxStream;
use futures::{StreamExt, TryStreamExt};

use crate::rest::{RequestError, Rest};
use crate::typed::pager::{all_pages, item_stream, page_stream};
use crate::typed::{ResourceClient, ResourceRequests, WatchStream};
use crate::types::{
    ApiResource, DeleteParams, Deletion, DynamicObject, GetParams, ListParams, ObjectList, Patch,
    PatchParams, PostParams, Scope, WatchParams,
};
use crate::{Error, Result};

use super::interface::Dynamic;

/// The verbs on any resource, given its [`ApiResource`] (from discovery, or
/// written out), over any [`Rest`].
///
/// ```no_run
/// # async fn run(rest: std::sync::Arc<dyn rudder::Rest>) -> rudder::Result<()> {
/// use rudder::dynamic::{Dynamic, DynamicClient};
/// use rudder::types::{ApiResource, ListParams, Scope};
///
/// let foos = ApiResource::new("samplecontroller.k8s.io", "v1alpha1", "Foo", "foos", Scope::Namespaced);
/// let client = DynamicClient::namespaced(rest, foos, "default")?;
/// for foo in client.list(&ListParams::default()).await? {
///     println!("{:?} wants {}", foo.name(), foo.data["spec"]["replicas"]);
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct DynamicClient {
    client: ResourceClient,
}

impl DynamicClient {
    /// A handle on a namespaced resource in `namespace`.
    ///
    /// # Errors
    /// [`RequestError::InvalidParams`] when the resource is cluster-scoped.
    pub fn namespaced(rest: Arc<dyn Rest>, resource: ApiResource, namespace: &str) -> Result<Self> {
        if resource.scope == Scope::Cluster {
            return Err(RequestError::InvalidParams(format!(
                "{} is cluster-scoped; use DynamicClient::cluster",
                resource.plural
            ))
            .into());
        }
        DynamicClient::new(rest, resource, Some(namespace))
    }

    /// A handle on a namespaced resource in every namespace, or on a cluster-scoped one.
    pub fn all(rest: Arc<dyn Rest>, resource: ApiResource) -> Self {
        let requests = ResourceRequests::scoped(resource, None);
        DynamicClient {
            client: ResourceClient::new(rest, requests),
        }
    }

    /// A handle on a cluster-scoped resource.
    ///
    /// # Errors
    /// [`RequestError::InvalidParams`] when the resource is namespaced.
    pub fn cluster(rest: Arc<dyn Rest>, resource: ApiResource) -> Result<Self> {
        if resource.scope == Scope::Namespaced {
            return Err(RequestError::InvalidParams(format!(
                "{} is namespaced; use DynamicClient::namespaced or DynamicClient::all",
                resource.plural
            ))
            .into());
        }
        DynamicClient::new(rest, resource, None)
    }

    fn new(rest: Arc<dyn Rest>, resource: ApiResource, namespace: Option<&str>) -> Result<Self> {
        let requests = ResourceRequests::new(resource, namespace).map_err(Error::Request)?;
        Ok(DynamicClient {
            client: ResourceClient::new(rest, requests),
        })
    }

    /// Watch lines longer than `max_line` bytes end the stream with an error (default 16 MiB).
    pub fn with_max_line(mut self, max_line: usize) -> Self {
        self.client = self.client.with_max_line(max_line);
        self
    }

    /// The namespace of the handle, if it has one.
    pub fn namespace(&self) -> Option<&str> {
        self.client.requests().namespace()
    }

    /// The untyped client underneath.
    pub fn resource_client(&self) -> &ResourceClient {
        &self.client
    }

    /// Every object, listed in pages of `params.limit` (500 when unset).
    pub async fn list_all(&self, params: &ListParams) -> Result<ObjectList<DynamicObject>> {
        all_pages(params, |page| async move { self.list_page(&page).await }).await
    }

    /// Every object, fetched a page at a time as the stream is read, each
    /// handed out as soon as it is decoded from the page's body.
    pub fn list_stream(&self, params: &ListParams) -> BoxStream<'_, Result<DynamicObject>> {
        let items = item_stream(params, move |page| async move {
            self.client.list_page_items(&page).await
        });
        items
            .map_ok(move |mut item| {
                self.fill_type_meta(&mut item);
                item
            })
            .boxed()
    }

    /// One page, each item with its `apiVersion` and `kind`.
    async fn list_page(&self, params: &ListParams) -> Result<ObjectList<DynamicObject>> {
        let mut list = self.client.list(params).await?;
        self.fill_list_type_meta(&mut list);
        Ok(list)
    }

    /// The API server leaves `apiVersion` and `kind` out of the items of a
    /// list of a built-in kind (the list itself says them). A dynamic object
    /// without them cannot be told apart or sent back (`replace`, `apply`),
    /// so they are filled in from the resource, as client-go's unstructured
    /// lists do.
    fn fill_list_type_meta(&self, list: &mut ObjectList<DynamicObject>) {
        for item in &mut list.items {
            self.fill_type_meta(item);
        }
    }

    /// One item's `apiVersion` and `kind`, as [`DynamicClient::fill_list_type_meta`].
    fn fill_type_meta(&self, item: &mut DynamicObject) {
        let resource = self.client.requests().resource();
        if item.api_version.is_empty() {
            item.api_version = resource.api_version();
        }
        if item.kind.is_empty() {
            item.kind.clone_from(&resource.kind);
        }
    }
}

/// The name apply targets: the object's own.
fn apply_target(object: &DynamicObject) -> Result<&str> {
    object
        .name()
        .ok_or_else(|| RequestError::InvalidParams("an object to apply needs metadata.name".into()).into())
}

#[async_trait::async_trait]
impl Dynamic for DynamicClient {
    fn resource(&self) -> &ApiResource {
        self.client.requests().resource()
    }

    async fn get(&self, name: &str) -> Result<DynamicObject> {
        self.client.get(name, &GetParams::default()).await
    }

    async fn get_opt(&self, name: &str) -> Result<Option<DynamicObject>> {
        self.client.get_opt(name, &GetParams::default()).await
    }

    async fn list(&self, params: &ListParams) -> Result<ObjectList<DynamicObject>> {
        self.list_page(params).await
    }

    async fn create(&self, params: &PostParams, object: &DynamicObject) -> Result<DynamicObject> {
        self.client.create(params, object).await
    }

    async fn replace(
        &self,
        name: &str,
        params: &PostParams,
        object: &DynamicObject,
    ) -> Result<DynamicObject> {
        self.client.replace(name, params, object).await
    }

    async fn patch(&self, name: &str, params: &PatchParams, patch: &Patch) -> Result<DynamicObject> {
        self.client.patch(name, params, patch).await
    }

    async fn apply(&self, params: &PatchParams, object: &DynamicObject) -> Result<DynamicObject> {
        let name = apply_target(object)?;
        let patch = Patch::apply(object)?;
        self.client.patch(name, params, &patch).await
    }

    async fn delete(&self, name: &str, params: &DeleteParams) -> Result<Deletion<DynamicObject>> {
        self.client.delete(name, params).await
    }

    async fn delete_collection(
        &self,
        params: &DeleteParams,
        selection: &ListParams,
    ) -> Result<Deletion<ObjectList<DynamicObject>>> {
        let deletion = self.client.delete_collection(params, selection).await?;
        Ok(deletion.map(|mut list| {
            self.fill_list_type_meta(&mut list);
            list
        }))
    }

    async fn watch(&self, params: &WatchParams) -> Result<WatchStream<DynamicObject>> {
        self.client.watch(params).await
    }

    async fn get_subresource(&self, subresource: &str, name: &str) -> Result<DynamicObject> {
        self.client.get_subresource(subresource, name).await
    }

    async fn replace_subresource(
        &self,
        subresource: &str,
        name: &str,
        params: &PostParams,
        object: &DynamicObject,
    ) -> Result<DynamicObject> {
        self.client
            .replace_subresource(subresource, name, params, object)
            .await
    }

    async fn patch_subresource(
        &self,
        subresource: &str,
        name: &str,
        params: &PatchParams,
        patch: &Patch,
    ) -> Result<DynamicObject> {
        self.client
            .patch_subresource(subresource, name, params, patch)
            .await
    }
}

/// Every object `api` lists, in pages of `params.limit` (500 when unset):
/// the pager for any [`Dynamic`] implementation, a mock included.
pub async fn list_all<D: Dynamic + ?Sized>(
    api: &D,
    params: &ListParams,
) -> Result<ObjectList<DynamicObject>> {
    all_pages(params, |page| async move { api.list(&page).await }).await
}

/// Every object `api` lists, fetched a page at a time as the stream is read.
pub fn list_stream<'a, D: Dynamic + ?Sized>(
    api: &'a D,
    params: &ListParams,
) -> BoxStream<'a, Result<DynamicObject>> {
    page_stream(params, move |page| async move { api.list(&page).await })
}
