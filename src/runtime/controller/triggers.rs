//! What queues which key: the reconciled objects' own changes, and the
//! objects that belong to them (by controller ownerReference or a mapper).

use futures::{Stream, StreamExt};

use crate::runtime::watcher::{self, Event};
use crate::runtime::{Object, ObjectKey};
use crate::types::{Resource, Scope};

/// The keys of the reconciled objects as they change. An initial list's (or
/// relist's) keys come at its end, once the store holds the whole list, so
/// that each reconcile finds its object. Deletions queue nothing: the
/// object is gone from the store (finalizers are how to act on a deletion).
pub(crate) fn keys_of_changes<K: Object>(
    events: impl Stream<Item = Result<Event<K>, watcher::Error>> + Send + 'static,
) -> impl Stream<Item = ObjectKey> + Send + 'static {
    events
        .scan(Vec::new(), |listed: &mut Vec<ObjectKey>, event| {
            let keys = match event {
                Ok(Event::Init) => {
                    listed.clear();
                    Vec::new()
                }
                Ok(Event::InitApply(object)) => {
                    listed.push(object.key());
                    Vec::new()
                }
                Ok(Event::InitDone) => std::mem::take(listed),
                Ok(Event::Apply(object)) => vec![object.key()],
                Ok(Event::Delete(_)) => Vec::new(),
                Err(error) => {
                    tracing::warn!(%error, "controller watch (it recovers on its own)");
                    Vec::new()
                }
            };
            std::future::ready(Some(keys))
        })
        .flat_map(futures::stream::iter)
}

/// The object an event is about, whatever happened to it; errors are logged
/// (the watcher recovers on its own).
pub(crate) fn touched<C: Object>(event: Result<Event<C>, watcher::Error>) -> Option<C> {
    match event {
        Ok(event) => event.into_object(),
        Err(error) => {
            tracing::warn!(%error, "controller watch (it recovers on its own)");
            None
        }
    }
}

/// The key of the `K` that controls the object `meta` describes, if any.
pub(crate) fn controller_of<K: Resource>(meta: &crate::types::ObjectMeta) -> Option<ObjectKey> {
    let owner = meta
        .owner_references
        .as_ref()?
        .iter()
        .find(|owner| owner.controller == Some(true))?;
    let (group, _) = crate::types::split_api_version(&owner.api_version);
    if owner.kind != K::KIND || group != K::GROUP {
        return None;
    }
    let namespace = match K::SCOPE {
        Scope::Namespaced => meta.namespace.as_deref(),
        Scope::Cluster => None,
    };
    Some(ObjectKey::new(namespace, &owner.name))
}

#[cfg(test)]
mod tests {
    use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
    use k8s_openapi::api::core::v1::Namespace;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference;

    use super::*;
    use crate::types::ObjectMeta;

    fn owned_by(api_version: &str, kind: &str, controller: bool) -> ObjectMeta {
        ObjectMeta {
            name: Some("web-abc".into()),
            namespace: Some("prod".into()),
            owner_references: Some(vec![OwnerReference {
                api_version: api_version.into(),
                kind: kind.into(),
                name: "web".into(),
                uid: "u1".into(),
                controller: Some(controller),
                ..OwnerReference::default()
            }]),
            ..ObjectMeta::default()
        }
    }

    #[test]
    fn the_controller_owner_of_the_kind_is_found_in_the_childs_namespace() {
        let meta = owned_by("apps/v1", "Deployment", true);
        assert_eq!(
            controller_of::<Deployment>(&meta),
            Some(ObjectKey::new(Some("prod"), "web"))
        );
    }

    #[test]
    fn an_owner_that_is_not_the_controller_or_of_another_kind_is_not() {
        assert_eq!(
            controller_of::<Deployment>(&owned_by("apps/v1", "Deployment", false)),
            None
        );
        assert_eq!(
            controller_of::<Deployment>(&owned_by("apps/v1", "ReplicaSet", true)),
            None
        );
        assert_eq!(
            controller_of::<ReplicaSet>(&owned_by("extensions/v1beta1", "ReplicaSet", true)),
            None
        );
        assert_eq!(controller_of::<Deployment>(&ObjectMeta::default()), None);
    }

    #[test]
    fn a_cluster_scoped_owner_has_no_namespace() {
        let meta = owned_by("v1", "Namespace", true);
        assert_eq!(
            controller_of::<Namespace>(&meta),
            Some(ObjectKey::new(None, "web"))
        );
    }
}
