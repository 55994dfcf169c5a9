//! `Controller`: what to watch, and the run that reconciles through the
//! work queue.

use std::future::Future;
use std::sync::Arc;

use futures::stream::BoxStream;
use futures::{Stream, StreamExt};

use super::action::Action;
use super::runner::{self, BoxFuture, Runner};
use super::triggers::{controller_of, keys_of_changes, touched};
use crate::runtime::reflector::{Store, Writer, reflector};
use crate::runtime::watcher::{self, Event, watcher};
use crate::runtime::{ListWatch, Object, ObjectKey};
use crate::types::Resource;

/// How many reconciles run at once unless [`Controller::concurrency`] says
/// otherwise: sample-controller's two workers.
pub const DEFAULT_CONCURRENCY: usize = 2;

/// What a controller's run yields for each reconcile.
#[derive(Debug, thiserror::Error)]
pub enum ReconcileError<E: std::error::Error + 'static> {
    /// The key was queued, but its object had left the store by the time
    /// its turn came (it was deleted): nothing to reconcile.
    #[error("{0} is no longer in the store")]
    ObjectNotFound(ObjectKey),
    /// The reconcile failed; the error policy chose what happens next.
    #[error("reconciling {key} failed: {source}")]
    Reconcile {
        /// Whose reconcile.
        key: ObjectKey,
        /// Its error.
        #[source]
        source: E,
    },
}

/// A controller of the objects of kind `K`; see the [module](super) for the
/// queue's rules.
///
/// ```no_run
/// # async fn run(client: rudder::Client) {
/// use std::sync::Arc;
/// use futures::StreamExt;
/// use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
/// use rudder::runtime::controller::{Action, Controller};
///
/// #[derive(Debug, thiserror::Error)]
/// #[error("failed")]
/// struct Failed;
///
/// async fn reconcile(deployment: Arc<Deployment>, _: Arc<()>) -> Result<Action, Failed> {
///     println!("{:?}", deployment.metadata.name);
///     Ok(Action::await_change())
/// }
///
/// Controller::new(client.default_namespaced::<Deployment>(), Default::default())
///     .owns(client.default_namespaced::<ReplicaSet>(), Default::default())
///     .graceful_shutdown_on(async { tokio::signal::ctrl_c().await.unwrap_or(()) })
///     .run(reconcile, |_, _, _| Action::backoff(), Arc::new(()))
///     .for_each(|result| async move { if let Err(error) = result { eprintln!("{error}") } })
///     .await;
/// # }
/// ```
pub struct Controller<K> {
    store: Store<K>,
    triggers: Vec<BoxStream<'static, ObjectKey>>,
    concurrency: usize,
    shutdown: BoxFuture<()>,
}

impl<K> Controller<K>
where
    K: Resource + Clone + Send + Sync + 'static,
{
    /// A controller of the objects `api` lists and watches (one namespace or
    /// all, as the handle says), watched with `config` (selectors, page size).
    pub fn new<A: ListWatch<K> + 'static>(api: A, config: watcher::Config) -> Self {
        let writer = Writer::new();
        let store = writer.as_reader();
        Controller::for_stream(reflector(writer, watcher(api, config)), store)
    }

    /// A controller of the objects `events` tells of, read from `store`,
    /// which must be kept from the same events before they arrive here: a
    /// [`SharedWatch`](crate::runtime::SharedWatch)'s `subscribe()` and `store()`, so
    /// that several controllers share one watch, or a [`reflector`] of
    /// your own.
    pub fn for_stream<S>(events: S, store: Store<K>) -> Self
    where
        S: Stream<Item = Result<Event<K>, watcher::Error>> + Send + 'static,
    {
        Controller {
            store,
            triggers: vec![keys_of_changes(events).boxed()],
            concurrency: DEFAULT_CONCURRENCY,
            shutdown: Box::pin(std::future::pending()),
        }
    }

    /// The store of the reconciled objects, shared with the controller: read
    /// it in a reconcile, or before `run` to wait until it is ready.
    pub fn store(&self) -> Store<K> {
        self.store.clone()
    }

    /// Also reconciles a `K` when an object it controls changes or goes
    /// away: a `C` whose ownerReference with `controller: true` names a `K`
    /// (the same group and kind, in the child's namespace).
    pub fn owns<C, A>(self, api: A, config: watcher::Config) -> Self
    where
        C: Object,
        A: ListWatch<C> + 'static,
    {
        self.owns_stream(watcher(api, config))
    }

    /// [`owns`](Self::owns) for the events of a watch already running (a
    /// [`SharedWatch`](crate::runtime::SharedWatch)'s `subscribe()`).
    pub fn owns_stream<C, S>(self, events: S) -> Self
    where
        C: Object,
        S: Stream<Item = Result<Event<C>, watcher::Error>> + Send + 'static,
    {
        self.watches_stream(events, |child: C| {
            controller_of::<K>(child.metadata()).into_iter().collect()
        })
    }

    /// Also reconciles the `K`s `mapper` names when a `C` changes or goes away.
    pub fn watches<C, A, M>(self, api: A, config: watcher::Config, mapper: M) -> Self
    where
        C: Object,
        A: ListWatch<C> + 'static,
        M: Fn(C) -> Vec<ObjectKey> + Send + Sync + 'static,
    {
        self.watches_stream(watcher(api, config), mapper)
    }

    /// [`watches`](Self::watches) for the events of a watch already running.
    pub fn watches_stream<C, S, M>(mut self, events: S, mapper: M) -> Self
    where
        C: Object,
        S: Stream<Item = Result<Event<C>, watcher::Error>> + Send + 'static,
        M: Fn(C) -> Vec<ObjectKey> + Send + Sync + 'static,
    {
        let keys = events
            .filter_map(|event| std::future::ready(touched(event)))
            .flat_map(move |object| futures::stream::iter(mapper(object)));
        self.triggers.push(keys.boxed());
        self
    }

    /// Runs at most `concurrency` reconciles at once (at least one).
    pub fn concurrency(mut self, concurrency: usize) -> Self {
        self.concurrency = concurrency.max(1);
        self
    }

    /// Stops gracefully when `signal` completes: no reconcile is started
    /// after it, the running ones finish, and the run's stream ends.
    /// `tokio::signal::ctrl_c()`, a `CancellationToken`'s `cancelled()`, or
    /// a leader election's token all fit.
    pub fn graceful_shutdown_on(mut self, signal: impl Future<Output = ()> + Send + 'static) -> Self {
        self.shutdown = Box::pin(signal);
        self
    }

    /// Runs the controller: each queued key's object (from the store) is
    /// given to `reconcile` with `context`; when it fails, `error_policy`
    /// chooses the next [`Action`] (usually [`Action::backoff`]). The stream
    /// yields each reconcile's outcome and must be polled for the
    /// controller to make progress; it ends after a graceful shutdown.
    pub fn run<C, E, R, RFut, P>(
        self,
        reconcile: R,
        error_policy: P,
        context: Arc<C>,
    ) -> impl Stream<Item = Result<(ObjectKey, Action), ReconcileError<E>>> + Send
    where
        C: Send + Sync + 'static,
        E: std::error::Error + Send + 'static,
        R: Fn(Arc<K>, Arc<C>) -> RFut + Send + Sync + 'static,
        RFut: Future<Output = Result<Action, E>> + Send + 'static,
        P: Fn(Arc<K>, &E, Arc<C>) -> Action + Send + Sync + 'static,
    {
        let store = self.store;
        let reconcile = Arc::new(reconcile);
        let error_policy = Arc::new(error_policy);
        let run_one = move |key: ObjectKey| -> BoxFuture<runner::Finished<ObjectKey, _>> {
            let store = store.clone();
            let reconcile = reconcile.clone();
            let error_policy = error_policy.clone();
            let context = context.clone();
            Box::pin(async move {
                let Some(object) = store.get_key(&key) else {
                    return (
                        key.clone(),
                        Action::await_change(),
                        Err(ReconcileError::ObjectNotFound(key)),
                    );
                };
                match reconcile(object.clone(), context.clone()).await {
                    Ok(action) => (key.clone(), action, Ok((key, action))),
                    Err(source) => {
                        let action = error_policy(object, &source, context);
                        tracing::debug!(%key, error = %source, ?action, "reconcile failed");
                        (
                            key.clone(),
                            action,
                            Err(ReconcileError::Reconcile { key, source }),
                        )
                    }
                }
            })
        };
        let triggers = futures::stream::select_all(self.triggers).boxed();
        Runner::new(triggers, self.concurrency, self.shutdown, run_one).into_stream()
    }
}
