//! The `Dynamic` trait: the verbs on a resource known only at run time.

use crate::Result;
use crate::typed::WatchStream;
use crate::types::{
    ApiResource, DeleteParams, Deletion, DynamicObject, ListParams, ObjectList, Patch, PatchParams,
    PostParams, WatchParams,
};

/// The verbs on one resource, named by an [`ApiResource`] at run time, with
/// objects as [`DynamicObject`]s.
///
/// [`DynamicClient`](super::DynamicClient) implements it over any
/// [`Rest`](crate::Rest); `MockDynamic` (feature `mock`) mocks it.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait::async_trait]
pub trait Dynamic: Send + Sync {
    /// The resource this handle is for.
    fn resource(&self) -> &ApiResource;

    /// The object `name`.
    ///
    /// # Errors
    /// `404 NotFound` when there is none: use [`get_opt`](Self::get_opt) to get `None` instead.
    async fn get(&self, name: &str) -> Result<DynamicObject>;

    /// The object `name`, or `None` when the server answers 404.
    async fn get_opt(&self, name: &str) -> Result<Option<DynamicObject>>;

    /// One page of objects.
    async fn list(&self, params: &ListParams) -> Result<ObjectList<DynamicObject>>;

    /// Creates `object`.
    async fn create(&self, params: &PostParams, object: &DynamicObject) -> Result<DynamicObject>;

    /// Replaces the object `name`.
    async fn replace(&self, name: &str, params: &PostParams, object: &DynamicObject)
    -> Result<DynamicObject>;

    /// Patches the object `name`.
    async fn patch(&self, name: &str, params: &PatchParams, patch: &Patch) -> Result<DynamicObject>;

    /// Server-side applies `object` as `params.field_manager` (the object's
    /// name is the target; it needs `apiVersion` and `kind`).
    async fn apply(&self, params: &PatchParams, object: &DynamicObject) -> Result<DynamicObject>;

    /// Deletes the object `name`: the object while it is still terminating, else the `Status`.
    async fn delete(&self, name: &str, params: &DeleteParams) -> Result<Deletion<DynamicObject>>;

    /// Deletes every object `selection` matches.
    async fn delete_collection(
        &self,
        params: &DeleteParams,
        selection: &ListParams,
    ) -> Result<Deletion<ObjectList<DynamicObject>>>;

    /// Watches the objects.
    async fn watch(&self, params: &WatchParams) -> Result<WatchStream<DynamicObject>>;

    /// The subresource `subresource` (`status`, `scale`...) of the object `name`.
    async fn get_subresource(&self, subresource: &str, name: &str) -> Result<DynamicObject>;

    /// Replaces the subresource `subresource` of the object `name`.
    async fn replace_subresource(
        &self,
        subresource: &str,
        name: &str,
        params: &PostParams,
        object: &DynamicObject,
    ) -> Result<DynamicObject>;

    /// Patches the subresource `subresource` of the object `name`.
    async fn patch_subresource(
        &self,
        subresource: &str,
        name: &str,
        params: &PatchParams,
        patch: &Patch,
    ) -> Result<DynamicObject>;
}
