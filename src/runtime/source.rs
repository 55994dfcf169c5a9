//! `ListWatch<K>`: the two verbs a watcher needs, whichever layer serves them.

use crate::Result;
use crate::dynamic::{Dynamic, DynamicClient};
use crate::typed::{Typed, WatchStream};
use crate::types::{DynamicObject, ListParams, ObjectList, WatchParams};

/// Lists and watches objects of type `K`: what a [`watcher`](super::watcher())
/// is built on, like client-go's `ListerWatcher`.
///
/// Every [`Typed<K>`] is one (`Api<K>`, `MockTyped<K>`, `dyn Typed<K>`), and
/// so is every [`Dynamic`] (`DynamicClient`, `MockDynamic`, `dyn Dynamic`)
/// for `DynamicObject`.
#[async_trait::async_trait]
pub trait ListWatch<K>: Send + Sync {
    /// One page of objects (named apart from `Typed::list`, so both traits
    /// can be in scope).
    async fn list_page(&self, params: &ListParams) -> Result<ObjectList<K>>;

    /// A watch stream.
    async fn watch_events(&self, params: &WatchParams) -> Result<WatchStream<K>>;
}

#[async_trait::async_trait]
impl<K, T> ListWatch<K> for T
where
    K: Send + Sync + 'static,
    T: Typed<K> + ?Sized,
{
    async fn list_page(&self, params: &ListParams) -> Result<ObjectList<K>> {
        Typed::list(self, params).await
    }

    async fn watch_events(&self, params: &WatchParams) -> Result<WatchStream<K>> {
        Typed::watch(self, params).await
    }
}

/// Forwards to any `Dynamic` (a blanket impl would overlap the `Typed` one).
macro_rules! list_watch_for_dynamic {
    ($($dynamic:ty),*) => {$(
        #[async_trait::async_trait]
        impl ListWatch<DynamicObject> for $dynamic {
            async fn list_page(&self, params: &ListParams) -> Result<ObjectList<DynamicObject>> {
                Dynamic::list(self, params).await
            }

            async fn watch_events(&self, params: &WatchParams) -> Result<WatchStream<DynamicObject>> {
                Dynamic::watch(self, params).await
            }
        }
    )*};
}

list_watch_for_dynamic!(DynamicClient, dyn Dynamic);
#[cfg(feature = "mock")]
list_watch_for_dynamic!(crate::dynamic::MockDynamic);
