//! The finalizer pattern: keep a finalizer on every object the controller
//! manages, so that deleting one waits for its cleanup; run the cleanup once
//! `deletionTimestamp` is set; then remove the finalizer so the deletion
//! completes.

use std::future::Future;
use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::json;

use super::controller::Action;
use crate::Typed;
use crate::types::{Patch, PatchParams, Resource};

/// What the reconcile passed to [`finalizer`] is asked to do.
#[derive(Debug)]
pub enum FinalizerEvent<K> {
    /// The object is live and carries the finalizer: make the world match it.
    Apply(Arc<K>),
    /// The object is being deleted: clean up what it caused. When this
    /// succeeds the finalizer is removed and the deletion goes on, so it
    /// must be safe to run again (it runs again if removing fails).
    Cleanup(Arc<K>),
}

/// What went wrong in [`finalizer`].
#[derive(Debug, thiserror::Error)]
pub enum FinalizerError<E: std::error::Error + 'static> {
    /// The reconcile failed while applying.
    #[error("apply failed: {0}")]
    Apply(#[source] E),
    /// The reconcile failed while cleaning up; the finalizer stays.
    #[error("cleanup failed: {0}")]
    Cleanup(#[source] E),
    /// The finalizer could not be added (a 409 means the object changed: retry).
    #[error("cannot add finalizer {finalizer}: {source}")]
    AddFinalizer {
        /// The finalizer's name.
        finalizer: String,
        /// The API server's answer.
        #[source]
        source: crate::Error,
    },
    /// The finalizer could not be removed after a cleanup.
    #[error("cannot remove finalizer {finalizer}: {source}")]
    RemoveFinalizer {
        /// The finalizer's name.
        finalizer: String,
        /// The API server's answer.
        #[source]
        source: crate::Error,
    },
    /// The object has no name, so it cannot be patched.
    #[error("the object has no metadata.name")]
    UnnamedObject,
}

/// Runs `reconcile` for `object` under the finalizer `finalizer_name`
/// (a qualified name such as `example.com/cleanup`):
///
/// - live, without the finalizer: adds it and returns
///   [`Action::await_change`] (the write itself triggers the next reconcile);
/// - live, with it: `reconcile(Apply)`;
/// - being deleted, with it: `reconcile(Cleanup)`, then removes it;
/// - being deleted, without it: nothing to do.
///
/// The finalizer list is written with a merge patch that carries the
/// object's resourceVersion, so a concurrent change is a 409 and nothing
/// another writer did is lost.
///
/// # Errors
/// The reconcile's error (as `Apply` or `Cleanup`), or the API server's
/// answer to the patch.
pub async fn finalizer<K, E, F, Fut>(
    api: &dyn Typed<K>,
    finalizer_name: &str,
    object: Arc<K>,
    reconcile: F,
) -> Result<Action, FinalizerError<E>>
where
    K: Resource + Serialize + DeserializeOwned + Send + Sync + 'static,
    E: std::error::Error + 'static,
    F: FnOnce(FinalizerEvent<K>) -> Fut,
    Fut: Future<Output = Result<Action, E>>,
{
    let name = object.name().ok_or(FinalizerError::UnnamedObject)?.to_owned();
    let finalizers = object.meta().finalizers.clone().unwrap_or_default();
    let has_finalizer = finalizers.iter().any(|name| name == finalizer_name);
    match (object.is_terminating(), has_finalizer) {
        (false, true) => reconcile(FinalizerEvent::Apply(object))
            .await
            .map_err(FinalizerError::Apply),
        (false, false) => {
            let mut wanted = finalizers;
            wanted.push(finalizer_name.to_owned());
            write_finalizers(api, &name, object.resource_version(), wanted)
                .await
                .map_err(|source| FinalizerError::AddFinalizer {
                    finalizer: finalizer_name.to_owned(),
                    source,
                })?;
            Ok(Action::await_change())
        }
        (true, true) => {
            let cleaned = reconcile(FinalizerEvent::Cleanup(object.clone()))
                .await
                .map_err(FinalizerError::Cleanup)?;
            let rest: Vec<String> = finalizers
                .into_iter()
                .filter(|name| name != finalizer_name)
                .collect();
            write_finalizers(api, &name, object.resource_version(), rest)
                .await
                .map_err(|source| FinalizerError::RemoveFinalizer {
                    finalizer: finalizer_name.to_owned(),
                    source,
                })?;
            Ok(cleaned)
        }
        (true, false) => Ok(Action::await_change()),
    }
}

async fn write_finalizers<K: Send + Sync + 'static>(
    api: &dyn Typed<K>,
    name: &str,
    resource_version: Option<&str>,
    finalizers: Vec<String>,
) -> crate::Result<()> {
    let patch = Patch::Merge(json!({
        "metadata": {"finalizers": finalizers, "resourceVersion": resource_version}
    }));
    api.patch(name, &PatchParams::default(), &patch).await.map(drop)
}
