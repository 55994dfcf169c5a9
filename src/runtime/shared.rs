//! `SharedWatch`: one watcher whose events many consumers read, each from
//! a complete view.

use futures::{Stream, StreamExt};
use tokio::sync::mpsc;

use super::reflector::{Store, Writer};
use super::watcher::{self, Config, Error, Event};
use super::{ListWatch, Object};

/// One watch of a resource, shared: every [`subscribe`](Self::subscribe)r
/// gets its own stream of events, and the shared store is kept once.
///
/// A subscriber that joins late is not left with half a view: it starts
/// with `Init`, an `InitApply` per object held, and `InitDone`, then
/// follows the live events. One that joins during a relist starts when
/// the relist completes.
///
/// Each subscriber has a buffer of `capacity` events; a full buffer holds
/// the others back (no event is dropped), so every subscriber must be read.
/// The watcher's errors go to the log (`tracing`, warn level): it recovers
/// from them on its own, and subscribers only see events.
///
/// ```no_run
/// # async fn run(client: rudder::Client) {
/// use k8s_openapi::api::core::v1::Pod;
/// use rudder::runtime::SharedWatch;
///
/// let pods = SharedWatch::watch(client.all::<Pod>(), Default::default(), 256);
/// let for_one_controller = pods.subscribe();
/// let for_another = pods.subscribe();
/// let cache = pods.store();
/// # }
/// ```
pub struct SharedWatch<K> {
    store: Store<K>,
    subscriptions: mpsc::UnboundedSender<mpsc::Sender<Event<K>>>,
    capacity: usize,
}

impl<K> Clone for SharedWatch<K> {
    fn clone(&self) -> Self {
        SharedWatch {
            store: self.store.clone(),
            subscriptions: self.subscriptions.clone(),
            capacity: self.capacity,
        }
    }
}

impl<K: Object> SharedWatch<K> {
    /// Starts a [`watcher`](watcher::watcher) on `api` in a task of its own and shares it.
    ///
    /// # Panics
    /// Outside a Tokio runtime, which runs the task.
    pub fn watch<A: ListWatch<K> + 'static>(api: A, config: Config, capacity: usize) -> Self {
        SharedWatch::new(watcher::watcher(api, config), capacity)
    }

    /// Shares `events` (a watcher's, maybe adapted), read in a task of its own.
    ///
    /// The task ends when `events` does, or when every handle and every
    /// subscriber is gone.
    ///
    /// # Panics
    /// Outside a Tokio runtime, which runs the task.
    pub fn new<S>(events: S, capacity: usize) -> Self
    where
        S: Stream<Item = Result<Event<K>, Error>> + Send + 'static,
    {
        let writer = Writer::new();
        let store = writer.as_reader();
        let (subscriptions, requests) = mpsc::unbounded_channel();
        tokio::spawn(Fanout::new(writer).run(events, requests));
        SharedWatch {
            store,
            subscriptions,
            capacity: capacity.max(1),
        }
    }

    /// A new consumer's stream of events, starting with a complete list.
    pub fn subscribe(&self) -> impl Stream<Item = Result<Event<K>, Error>> + Send + 'static {
        let (sender, mut receiver) = mpsc::channel(self.capacity);
        // When the task has ended the stream simply ends: nothing more will come.
        let _ = self.subscriptions.send(sender);
        futures::stream::poll_fn(move |context| receiver.poll_recv(context)).map(Ok)
    }

    /// The shared store, kept from the same events.
    pub fn store(&self) -> Store<K> {
        self.store.clone()
    }
}

/// The task behind a shared watch: keeps the store and hands each event on.
struct Fanout<K> {
    writer: Writer<K>,
    store: Store<K>,
    /// Subscribers receiving live events.
    active: Vec<mpsc::Sender<Event<K>>>,
    /// Subscribers waiting for the list under way to complete.
    waiting: Vec<mpsc::Sender<Event<K>>>,
    listing: bool,
}

impl<K: Object> Fanout<K> {
    fn new(writer: Writer<K>) -> Self {
        Fanout {
            store: writer.as_reader(),
            writer,
            active: Vec::new(),
            waiting: Vec::new(),
            listing: false,
        }
    }

    async fn run<S>(mut self, events: S, mut requests: mpsc::UnboundedReceiver<mpsc::Sender<Event<K>>>)
    where
        S: Stream<Item = Result<Event<K>, Error>>,
    {
        let mut events = std::pin::pin!(events);
        let mut handles_alive = true;
        loop {
            // Once no handle can add a subscriber, the last subscriber to
            // go ends the task, even if the resource is quiet and no send
            // would notice it.
            let subscribers_gone = (!handles_alive).then(|| self.all_closed());
            // Subscriptions first: one made before an event reached this task
            // is admitted before that event, so it never starts a list late.
            tokio::select! {
                biased;
                request = requests.recv(), if handles_alive => match request {
                    Some(subscriber) => self.admit(subscriber).await,
                    None => handles_alive = false,
                },
                () = wait_for(subscribers_gone) => return,
                event = events.next() => match event {
                    Some(Ok(event)) => self.publish(event).await,
                    Some(Err(error)) => tracing::warn!(%error, "shared watch: the watcher is recovering"),
                    None => return,
                },
            }
            if !handles_alive && self.active.is_empty() && self.waiting.is_empty() {
                return;
            }
        }
    }

    /// Completes when every subscriber has dropped its stream.
    fn all_closed(&self) -> impl std::future::Future<Output = ()> + use<K> {
        let subscribers: Vec<_> = self.active.iter().chain(&self.waiting).cloned().collect();
        async move {
            futures::future::join_all(subscribers.iter().map(mpsc::Sender::closed)).await;
        }
    }

    async fn admit(&mut self, subscriber: mpsc::Sender<Event<K>>) {
        if self.listing || !self.store.is_ready() {
            self.waiting.push(subscriber);
        } else if self.send_snapshot(&subscriber).await {
            self.active.push(subscriber);
        }
    }

    async fn publish(&mut self, event: Event<K>) {
        match event {
            Event::Init => self.listing = true,
            Event::InitDone => self.listing = false,
            _ => {}
        }
        self.writer.apply(event.clone());
        let mut delivered = Vec::with_capacity(self.active.len());
        for subscriber in std::mem::take(&mut self.active) {
            if subscriber.send(event.clone()).await.is_ok() {
                delivered.push(subscriber);
            }
        }
        self.active = delivered;
        if !self.listing && self.store.is_ready() {
            for subscriber in std::mem::take(&mut self.waiting) {
                if self.send_snapshot(&subscriber).await {
                    self.active.push(subscriber);
                }
            }
        }
    }

    /// Sends the store's objects as a list; false when the subscriber is gone.
    async fn send_snapshot(&self, subscriber: &mpsc::Sender<Event<K>>) -> bool {
        let objects = self.store.state();
        let listed = objects.iter().map(|object| Event::InitApply(K::clone(object)));
        for event in std::iter::once(Event::Init)
            .chain(listed)
            .chain([Event::InitDone])
        {
            if subscriber.send(event).await.is_err() {
                return false;
            }
        }
        true
    }
}

/// Completes with `wait`; never without one.
async fn wait_for(wait: Option<impl std::future::Future<Output = ()>>) {
    match wait {
        Some(wait) => wait.await,
        None => std::future::pending().await,
    }
}
