//! `reflector`: a stream adapter that keeps a store from the events it passes on.

use futures::{Stream, StreamExt};

use super::store::Writer;
use crate::runtime::Object;
use crate::runtime::watcher::{Error, Event};

/// Applies every event of `events` to `writer`'s store, then passes it on.
///
/// The store is only as fresh as the stream is read: drive the returned
/// stream (a controller does; alone, `events.for_each(|_| ready(()))`).
///
/// ```no_run
/// # async fn run(client: rudder::Client) {
/// use futures::StreamExt;
/// use k8s_openapi::api::core::v1::Pod;
/// use rudder::runtime::{reflector, watcher};
///
/// let writer = reflector::Writer::<Pod>::new().index_by_label("app");
/// let store = writer.as_reader();
/// let events = reflector::reflector(writer, watcher::watcher(client.all::<Pod>(), Default::default()));
/// tokio::spawn(events.for_each(|_| async {}));
/// store.wait_until_ready().await.unwrap();
/// println!("{} web pods", store.by_index("label:app", "web").len());
/// # }
/// ```
pub fn reflector<K, S>(mut writer: Writer<K>, events: S) -> impl Stream<Item = Result<Event<K>, Error>>
where
    K: Object,
    S: Stream<Item = Result<Event<K>, Error>>,
{
    events.map(move |event| {
        if let Ok(event) = &event {
            writer.apply(event.clone());
        }
        event
    })
}
