//! What a watcher yields: events, and the errors it recovers from.

use crate::types::Status;

/// One step of a watcher's view of the objects.
///
/// An initial list, and every relist, is `Init`, an `InitApply` per object,
/// then `InitDone`: the objects that were not in it are gone, so a store
/// swaps the listed objects in as a whole at `InitDone`. Between lists
/// come `Apply` and `Delete` as the objects change.
#[derive(Clone, Debug, PartialEq)]
pub enum Event<K> {
    /// A list (or relist) begins; whatever an earlier unfinished one sent is void.
    Init,
    /// An object of the list.
    InitApply(K),
    /// The list is complete.
    InitDone,
    /// An object was created or changed.
    Apply(K),
    /// An object was deleted; this is its last state.
    Delete(K),
}

impl<K> Event<K> {
    /// The object the event carries, if any.
    pub fn object(&self) -> Option<&K> {
        match self {
            Event::InitApply(object) | Event::Apply(object) | Event::Delete(object) => Some(object),
            Event::Init | Event::InitDone => None,
        }
    }

    /// The object, if the event carries one.
    pub fn into_object(self) -> Option<K> {
        match self {
            Event::InitApply(object) | Event::Apply(object) | Event::Delete(object) => Some(object),
            Event::Init | Event::InitDone => None,
        }
    }

    /// The event with its object changed by `f`.
    pub fn map<T>(self, f: impl FnOnce(K) -> T) -> Event<T> {
        match self {
            Event::Init => Event::Init,
            Event::InitApply(object) => Event::InitApply(f(object)),
            Event::InitDone => Event::InitDone,
            Event::Apply(object) => Event::Apply(f(object)),
            Event::Delete(object) => Event::Delete(f(object)),
        }
    }
}

/// A failure the watcher met and is recovering from: it is yielded so it
/// can be logged or counted, and the watcher goes on after its backoff.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A page of the initial list (or a relist) failed.
    #[error("watcher: listing failed: {0}")]
    List(#[source] crate::Error),
    /// A watch could not be opened.
    #[error("watcher: opening a watch failed: {0}")]
    WatchStart(#[source] crate::Error),
    /// A watch delivered something unusable (an undecodable line, a broken connection).
    #[error("watcher: the watch failed: {0}")]
    Watch(#[source] crate::Error),
    /// The server ended a watch with an `ERROR` event other than 410 Gone.
    #[error("watcher: the watch ended with {} {}: {}", .0.code, .0.reason, .0.message)]
    WatchStatus(Box<Status>),
}
