//! The `Typed<K>` trait: the verbs on one compiled-in kind.

use k8s_openapi::api::autoscaling::v1::Scale;

use crate::Result;
use crate::types::{
    DeleteParams, Deletion, ListParams, ObjectList, Patch, PatchParams, PostParams, WatchParams,
};

use super::resource_client::WatchStream;

/// The verbs on one kind `K`, in the namespace (or cluster scope) of the handle.
///
/// [`Api<K>`](super::Api) implements it over any [`Rest`](crate::Rest).
/// Code written against `&dyn Typed<K>` (or a generic `T: Typed<K>`) can be
/// tested with `MockTyped<K>` (feature `mock`) or the testkit's fake cluster.
///
/// Every non-2xx answer is an [`Error::Api`](crate::Error::Api) with the
/// server's `Status`; check it with `is_not_found()`, `is_conflict()`...
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait::async_trait]
pub trait Typed<K: Send + Sync + 'static>: Send + Sync {
    /// The object `name`.
    ///
    /// # Errors
    /// `404 NotFound` when there is none: use [`get_opt`](Self::get_opt) to get `None` instead.
    async fn get(&self, name: &str) -> Result<K>;

    /// The object `name`, or `None` when the server answers 404.
    ///
    /// A resource the server does not serve (a CRD not installed) is a 404
    /// too, and so also `None`; `get` tells them apart by the error's `Status`.
    async fn get_opt(&self, name: &str) -> Result<Option<K>>;

    /// One page of objects (all of them when `params.limit` is unset).
    async fn list(&self, params: &ListParams) -> Result<ObjectList<K>>;

    /// Creates `object`; returns it as stored (uid, resourceVersion...).
    ///
    /// # Errors
    /// `409 AlreadyExists`, `422 Invalid` with the fields in `details.causes`.
    async fn create(&self, params: &PostParams, object: &K) -> Result<K>;

    /// Replaces the object `name`.
    ///
    /// # Errors
    /// `409 Conflict` when `object`'s resourceVersion is not the stored one.
    async fn replace(&self, name: &str, params: &PostParams, object: &K) -> Result<K>;

    /// Patches the object `name` (JSON, merge, strategic or apply).
    async fn patch(&self, name: &str, params: &PatchParams, patch: &Patch) -> Result<K>;

    /// Deletes the object `name`: the object while it is still terminating,
    /// else the `Status`.
    ///
    /// # Errors
    /// `404 NotFound` unless `params.ignore_not_found`.
    async fn delete(&self, name: &str, params: &DeleteParams) -> Result<Deletion<K>>;

    /// Deletes every object `selection` matches.
    async fn delete_collection(
        &self,
        params: &DeleteParams,
        selection: &ListParams,
    ) -> Result<Deletion<ObjectList<K>>>;

    /// Watches the objects: a stream of events decoded line by line as they arrive.
    ///
    /// The stream ends when the server closes the watch (its timeout); a
    /// `WatchEvent::Error` with 410 means the resourceVersion is too old and
    /// the caller must list again. A line that cannot be decoded is an
    /// [`Error::Stream`](crate::Error::Stream) item naming the line's start,
    /// and the watch goes on; a line over the limit (16 MiB unless
    /// `with_max_line` says otherwise) or a broken connection ends it after
    /// its error.
    async fn watch(&self, params: &WatchParams) -> Result<WatchStream<K>>;

    /// The object `name` through its `status` subresource.
    async fn get_status(&self, name: &str) -> Result<K>;

    /// Replaces the object's status (the rest of `object` is ignored by the server).
    async fn replace_status(&self, name: &str, params: &PostParams, object: &K) -> Result<K>;

    /// Patches the object's status.
    async fn patch_status(&self, name: &str, params: &PatchParams, patch: &Patch) -> Result<K>;

    /// The object's `scale` subresource.
    async fn get_scale(&self, name: &str) -> Result<Scale>;

    /// Replaces the object's scale.
    async fn replace_scale(&self, name: &str, params: &PostParams, scale: &Scale) -> Result<Scale>;

    /// Patches the object's scale.
    async fn patch_scale(&self, name: &str, params: &PatchParams, patch: &Patch) -> Result<Scale>;
}
