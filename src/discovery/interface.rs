//! The `Discovery` trait: what the server serves, and name → resource.

use std::sync::Arc;

use crate::Result;
use crate::types::{GroupVersionKind, GroupVersionResource};

use super::model::{ServedResource, ServerApis};
use super::version::ServerVersion;

/// Which groups, versions and resources a server has, and which resource a
/// name means.
///
/// [`DiscoveryClient`](super::DiscoveryClient) implements it over any
/// [`Rest`](crate::Rest), with memory, disk and HTTP caches; with the `mock`
/// feature, `MockDiscovery` is a mockall mock of it. It is object-safe:
/// `Arc<dyn Discovery>` works.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait::async_trait]
pub trait Discovery: Send + Sync {
    /// Everything the server serves. A group version that could not be
    /// discovered is listed in [`ServerApis::failures`] and the rest is kept;
    /// use [`ServerApis::ensure_complete`] to require all of them.
    ///
    /// # Errors
    /// When `/api` or `/apis` themselves fail (404 and 403 count as "none").
    async fn server_apis(&self) -> Result<Arc<ServerApis>>;

    /// The resource a kubectl-style resource argument names: a plural,
    /// singular, short name or kind, optionally with `.group` or
    /// `.version.group` (`deploy`, `deployments.apps`, `Deployment`,
    /// `deployment.v1.apps`). Among several matches the server's preferred
    /// one wins. A miss in cached data refreshes discovery once.
    ///
    /// # Errors
    /// [`DiscoveryError::ResourceNotFound`](super::DiscoveryError::ResourceNotFound)
    /// (inside [`Error::Discovery`](crate::Error::Discovery)) listing close
    /// names, when nothing matches even after the refresh.
    async fn resolve(&self, name: &str) -> Result<ServedResource>;

    /// The resource of a kind; an empty version means the preferred one.
    /// Refreshes once on a miss, as [`resolve`](Self::resolve) does.
    async fn resolve_gvk(&self, gvk: &GroupVersionKind) -> Result<ServedResource>;

    /// The resource of a group, version and plural; an empty version means
    /// the preferred one. Refreshes once on a miss.
    async fn resolve_gvr(&self, gvr: &GroupVersionResource) -> Result<ServedResource>;

    /// The server's `/version`.
    async fn server_version(&self) -> Result<ServerVersion>;

    /// Forgets everything cached, in memory and on disk: the next call asks
    /// the server (revalidating through the HTTP cache).
    async fn invalidate(&self);
}

#[async_trait::async_trait]
impl<T: Discovery + ?Sized> Discovery for Arc<T> {
    async fn server_apis(&self) -> Result<Arc<ServerApis>> {
        (**self).server_apis().await
    }

    async fn resolve(&self, name: &str) -> Result<ServedResource> {
        (**self).resolve(name).await
    }

    async fn resolve_gvk(&self, gvk: &GroupVersionKind) -> Result<ServedResource> {
        (**self).resolve_gvk(gvk).await
    }

    async fn resolve_gvr(&self, gvr: &GroupVersionResource) -> Result<ServedResource> {
        (**self).resolve_gvr(gvr).await
    }

    async fn server_version(&self) -> Result<ServerVersion> {
        (**self).server_version().await
    }

    async fn invalidate(&self) {
        (**self).invalidate().await
    }
}
