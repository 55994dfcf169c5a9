//! What the runtime needs of an object: its metadata, and the key a store
//! files it under.

use std::fmt;

use crate::types::{DynamicObject, ObjectMeta, Resource};

/// An object the watcher and the store can handle: anything with an
/// `ObjectMeta`. Every [`Resource`] (k8s-openapi kinds, CRD types) is one,
/// and so is a [`DynamicObject`].
pub trait Object: Clone + Send + Sync + 'static {
    /// The object's metadata.
    fn metadata(&self) -> &ObjectMeta;

    /// The key a store files the object under.
    fn key(&self) -> ObjectKey {
        ObjectKey::of_meta(self.metadata())
    }
}

impl<K: Resource + Clone + Send + Sync + 'static> Object for K {
    fn metadata(&self) -> &ObjectMeta {
        self.meta()
    }
}

impl Object for DynamicObject {
    fn metadata(&self) -> &ObjectMeta {
        &self.metadata
    }
}

/// Where an object lives: its namespace (none for a cluster-scoped one) and name.
///
/// ```
/// use rudder::runtime::ObjectKey;
/// assert_eq!(ObjectKey::new(Some("default"), "web").to_string(), "default/web");
/// assert_eq!(ObjectKey::new(None, "node-1").to_string(), "node-1");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectKey {
    /// The namespace; `None` for a cluster-scoped object.
    pub namespace: Option<String>,
    /// The name.
    pub name: String,
}

impl ObjectKey {
    /// The key of the object `name` in `namespace`.
    pub fn new(namespace: Option<&str>, name: &str) -> Self {
        ObjectKey {
            namespace: namespace
                .filter(|namespace| !namespace.is_empty())
                .map(str::to_owned),
            name: name.to_owned(),
        }
    }

    /// The key of the object `meta` describes.
    pub fn of_meta(meta: &ObjectMeta) -> Self {
        ObjectKey::new(meta.namespace.as_deref(), meta.name.as_deref().unwrap_or(""))
    }
}

/// `namespace/name`, or `name` for a cluster-scoped object: client-go's
/// `MetaNamespaceKeyFunc`.
impl fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.namespace {
            Some(namespace) => write!(f, "{namespace}/{}", self.name),
            None => f.write_str(&self.name),
        }
    }
}
