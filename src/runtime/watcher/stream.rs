//! The watcher as a `Stream`: its state machine, stepped as it is read.

use futures::Stream;

use super::config::Config;
use super::event::{Error, Event};
use super::state::Machine;
use crate::runtime::{ListWatch, Object};

/// Watches the objects `api` serves, as [`Event`]s, for as long as the
/// stream is read.
///
/// It lists the objects (a streaming list where the server supports it,
/// else pages of 500), yielding each as an [`Event::InitApply`] between
/// [`Event::Init`] and [`Event::InitDone`], then watches from the list's
/// resourceVersion, yielding [`Event::Apply`] and [`Event::Delete`]. It
/// never holds more than a page: a store that wants the whole list
/// collects it (see [`reflector`](crate::runtime::reflector())).
///
/// `api` is anything that lists and watches ([`ListWatch`]): an `Api<K>`,
/// a `DynamicClient`, a mock; each on the live client, the fake cluster
/// or a cassette.
///
/// ```no_run
/// # async fn run(client: rudder::Client) {
/// use futures::StreamExt;
/// use k8s_openapi::api::core::v1::Pod;
/// use rudder::runtime::watcher::{self, Event};
///
/// let pods = client.namespaced::<Pod>("default");
/// let mut events = std::pin::pin!(watcher::watcher(pods, watcher::Config::default().labels("app=web")));
/// while let Some(event) = events.next().await {
///     match event {
///         Ok(Event::Apply(pod)) => println!("{:?} changed", pod.metadata.name),
///         Ok(_) => {}
///         Err(error) => eprintln!("{error}"), // it recovers on its own
///     }
/// }
/// # }
/// ```
///
/// # Recovery
///
/// The stream never ends; failures are yielded as [`Error`]s and the
/// watcher recovers on its own:
///
/// - A watch that ends (its timeout, a dropped connection) is opened again
///   from the last resourceVersion seen, which bookmarks keep recent; no
///   event is lost or repeated.
/// - `410 Gone`, as the answer to a watch or a continue token or as a
///   watch's `ERROR` event, means the changes since that version cannot be
///   replayed: the watcher lists again, which a store turns into one atomic
///   swap ([`Event::Init`] ... [`Event::InitDone`]).
/// - A streaming list the server refuses (400, 403, 422) falls back to
///   paged lists for the life of the watcher. One that ends before its
///   closing bookmark starts again.
/// - Any other failure (a refused connection, a 5xx, an `ERROR` event)
///   waits for the [backoff](crate::runtime::BackoffConfig) before the
///   request is tried again: 800 ms doubling up to 30 s, with jitter,
///   forgotten after 2 minutes without failure. A watch that ends within a
///   second having delivered nothing counts as a failure too.
/// - An undecodable line is yielded as [`Error::Watch`] and the watch goes
///   on; that object is missed until it next changes or the next relist.
pub fn watcher<K, A>(api: A, config: Config) -> impl Stream<Item = Result<Event<K>, Error>> + Send + 'static
where
    K: Object,
    A: ListWatch<K> + 'static,
{
    let machine = Machine::new(api, config);
    futures::stream::unfold(machine, |mut machine| async move {
        let output = machine.next().await;
        Some((output, machine))
    })
}
