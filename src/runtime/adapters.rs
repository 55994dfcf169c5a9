//! Stream adapters over a watcher's events: the objects out of them, and
//! only the changes that matter.

use std::collections::{HashMap, HashSet};
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures::{Stream, StreamExt, TryStreamExt};

use super::watcher::{Error, Event};
use super::{Object, ObjectKey};

/// Adapters on a watcher's stream of events.
///
/// ```no_run
/// # async fn run(client: rudder::Client) {
/// use futures::TryStreamExt;
/// use k8s_openapi::api::apps::v1::Deployment;
/// use rudder::runtime::{PredicateExt, WatchStreamExt, predicates, watcher};
///
/// let deployments = client.all::<Deployment>();
/// let mut specs_changed = std::pin::pin!(
///     watcher(deployments, Default::default())
///         .predicate_filter(predicates::generation)
///         .applied_objects()
/// );
/// while let Ok(Some(deployment)) = specs_changed.try_next().await {
///     println!("{:?}: new spec", deployment.metadata.name);
/// }
/// # }
/// ```
pub trait WatchStreamExt<K>: Stream<Item = Result<Event<K>, Error>> + Sized {
    /// The objects created or changed, and those of each (re)list; not the deleted ones.
    fn applied_objects(self) -> impl Stream<Item = Result<K, Error>> {
        self.try_filter_map(|event| async move {
            Ok(match event {
                Event::InitApply(object) | Event::Apply(object) => Some(object),
                Event::Init | Event::InitDone | Event::Delete(_) => None,
            })
        })
    }

    /// Every object an event carries: applied, listed or deleted.
    fn touched_objects(self) -> impl Stream<Item = Result<K, Error>> {
        self.try_filter_map(|event| async move { Ok(event.into_object()) })
    }
}

impl<K, S: Stream<Item = Result<Event<K>, Error>>> WatchStreamExt<K> for S {}

/// Filters a watcher's events down to the objects whose `predicate` value changed.
pub trait PredicateExt<K>: Stream<Item = Result<Event<K>, Error>> + Sized {
    /// Only the `Apply` events whose object's `predicate` value differs
    /// from the last one seen for it (by namespace, name and uid); the
    /// first sight of an object always passes, and so does a `None`.
    /// Lists (`Init`, every `InitApply`, `InitDone`), `Delete` and errors
    /// pass unchanged: a list must stay complete, or a store fed from the
    /// filtered stream (a reflector's, a [`SharedWatch`](super::SharedWatch)'s)
    /// would drop every unchanged object when it swaps a relist in. See
    /// [`predicates`](super::predicates).
    ///
    /// It remembers one number per object: a `Delete` forgets it, and a
    /// completed relist forgets the objects it did not list.
    fn predicate_filter<P>(self, predicate: P) -> PredicateFilter<Self, K, P>
    where
        P: Fn(&K) -> Option<u64>,
    {
        PredicateFilter {
            stream: Box::pin(self),
            predicate,
            seen: HashMap::new(),
            listed: None,
            kind: PhantomData,
        }
    }
}

impl<K, S: Stream<Item = Result<Event<K>, Error>>> PredicateExt<K> for S {}

/// The stream [`predicate_filter`](PredicateExt::predicate_filter) returns.
pub struct PredicateFilter<S, K, P> {
    stream: Pin<Box<S>>,
    predicate: P,
    /// Per object, its uid and the last predicate value.
    seen: HashMap<ObjectKey, (Option<String>, u64)>,
    /// The objects of a list under way.
    listed: Option<HashSet<ObjectKey>>,
    kind: PhantomData<fn() -> K>,
}

impl<S, K, P> PredicateFilter<S, K, P>
where
    K: Object,
    P: Fn(&K) -> Option<u64>,
{
    /// Whether `event` passes, remembering what it says.
    fn passes(&mut self, event: &Event<K>) -> bool {
        match event {
            Event::Init => {
                self.listed = Some(HashSet::new());
                true
            }
            Event::InitDone => {
                if let Some(listed) = self.listed.take() {
                    self.seen.retain(|key, _| listed.contains(key));
                }
                true
            }
            Event::Delete(object) => {
                self.seen.remove(&object.key());
                true
            }
            Event::InitApply(object) => {
                if let Some(listed) = &mut self.listed {
                    listed.insert(object.key());
                }
                self.changed(object);
                true
            }
            Event::Apply(object) => self.changed(object),
        }
    }

    fn changed(&mut self, object: &K) -> bool {
        let Some(value) = (self.predicate)(object) else {
            return true;
        };
        let uid = object.metadata().uid.clone();
        match self.seen.insert(object.key(), (uid.clone(), value)) {
            Some((seen_uid, seen)) => seen_uid != uid || seen != value,
            None => true,
        }
    }
}

impl<S, K, P> Stream for PredicateFilter<S, K, P>
where
    S: Stream<Item = Result<Event<K>, Error>>,
    K: Object,
    P: Fn(&K) -> Option<u64> + Unpin,
{
    type Item = Result<Event<K>, Error>;

    fn poll_next(self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            match futures::ready!(this.stream.poll_next_unpin(context)) {
                Some(Ok(event)) if !this.passes(&event) => continue,
                other => return Poll::Ready(other),
            }
        }
    }
}

/// Ready-made predicates for [`predicate_filter`](PredicateExt::predicate_filter).
pub mod predicates {
    use std::collections::hash_map::DefaultHasher;
    use std::hash::{Hash, Hasher};

    use crate::runtime::Object;

    fn hash(value: &impl Hash) -> u64 {
        let mut hasher = DefaultHasher::new();
        value.hash(&mut hasher);
        hasher.finish()
    }

    /// `metadata.generation`, which the server bumps when the spec changes
    /// (not the status); `None` for kinds without one (ConfigMaps...), which
    /// then always pass.
    pub fn generation<K: Object>(object: &K) -> Option<u64> {
        object.metadata().generation.map(|generation| generation as u64)
    }

    /// The labels.
    pub fn labels<K: Object>(object: &K) -> Option<u64> {
        Some(hash(&object.metadata().labels))
    }

    /// The annotations.
    pub fn annotations<K: Object>(object: &K) -> Option<u64> {
        Some(hash(&object.metadata().annotations))
    }

    /// The finalizers.
    pub fn finalizers<K: Object>(object: &K) -> Option<u64> {
        Some(hash(&object.metadata().finalizers))
    }
}
