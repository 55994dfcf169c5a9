//! The watcher's state machine: where it is between lists and watches, and
//! the one step that moves it on.

use std::time::Duration;

use futures::StreamExt;
use tokio::time::Instant;

use crate::runtime::{Backoff, ListWatch, Object};
use crate::typed::WatchStream;
use crate::types::{Status, WatchEvent};

use super::config::Config;
use super::event::{Error, Event};

/// A watch that ends this soon having delivered nothing counts as a
/// failure, so a server that closes every watch at once is not hammered.
const SHORTEST_HEALTHY_WATCH: Duration = Duration::from_secs(1);

/// Where the watcher is.
pub(super) enum State<K> {
    /// Nothing is known: the next step begins a list.
    Empty,
    /// A paged list is under way; the page after `continue_token` is next.
    ListPage { continue_token: Option<String> },
    /// Handing out the items of a page, one event each.
    Paging {
        items: std::vec::IntoIter<K>,
        continue_token: Option<String>,
        resource_version: String,
    },
    /// A streaming list: the watch's initial events, until the bookmark that ends them.
    StreamingList { stream: WatchStream<K> },
    /// Up to date at `resource_version`; the next step opens a watch from it.
    StartWatch { resource_version: String },
    /// Watching; `resource_version` is the last one seen.
    Watching {
        resource_version: String,
        stream: WatchStream<K>,
        opened: Instant,
        delivered: bool,
    },
}

/// The watcher: its source, settings, state and backoff.
pub(super) struct Machine<K, A> {
    api: A,
    config: Config,
    state: State<K>,
    backoff: Backoff,
    /// The wait owed before the next request, after a failure.
    owed_delay: Option<Duration>,
    /// Cleared when the server refuses a streaming list.
    streaming: bool,
}

/// What one step produced: an event to yield, or nothing yet.
type Step<K> = Option<Result<Event<K>, Error>>;

impl<K: Object, A: ListWatch<K>> Machine<K, A> {
    pub(super) fn new(api: A, config: Config) -> Self {
        Machine {
            backoff: config.backoff.start(),
            streaming: config.streams_initial_list(),
            api,
            config,
            state: State::Empty,
            owed_delay: None,
        }
    }

    /// Steps until there is something to yield. The stream never ends: it
    /// recovers from every failure.
    pub(super) async fn next(&mut self) -> Result<Event<K>, Error> {
        loop {
            if let Some(delay) = self.owed_delay.take() {
                tracing::debug!(?delay, "watcher: backing off");
                tokio::time::sleep(delay).await;
            }
            let state = std::mem::replace(&mut self.state, State::Empty);
            let (output, state) = self.step(state).await;
            self.state = state;
            if let Some(output) = output {
                return output;
            }
        }
    }

    /// One transition; a failure also sets the backoff owed before the next request.
    async fn step(&mut self, state: State<K>) -> (Step<K>, State<K>) {
        match state {
            State::Empty if self.streaming => self.open_streaming_list().await,
            State::Empty => (Some(Ok(Event::Init)), State::ListPage { continue_token: None }),
            State::ListPage { continue_token } => self.list_page(continue_token).await,
            State::Paging {
                mut items,
                continue_token,
                resource_version,
            } => match items.next() {
                Some(object) => {
                    let event = Event::InitApply(object);
                    let state = State::Paging {
                        items,
                        continue_token,
                        resource_version,
                    };
                    (Some(Ok(event)), state)
                }
                None if continue_token.is_some() => (None, State::ListPage { continue_token }),
                None => (Some(Ok(Event::InitDone)), State::StartWatch { resource_version }),
            },
            State::StreamingList { stream } => self.streaming_list_event(stream).await,
            State::StartWatch { resource_version } => self.open_watch(resource_version).await,
            State::Watching {
                resource_version,
                stream,
                opened,
                delivered,
            } => {
                self.watch_event(resource_version, stream, opened, delivered)
                    .await
            }
        }
    }

    /// Starts the list again after the backoff: client-go waits before
    /// every relist, so a server that keeps answering 410 is not listed in
    /// full back to back. After a long healthy watch the wait is the
    /// initial one (the backoff has reset).
    fn relist(&mut self) -> (Step<K>, State<K>) {
        self.owed_delay = Some(self.backoff.next_delay());
        (None, State::Empty)
    }

    fn fail(&mut self, error: Error, then: State<K>) -> (Step<K>, State<K>) {
        self.owed_delay = Some(self.backoff.next_delay());
        (Some(Err(error)), then)
    }

    async fn open_streaming_list(&mut self) -> (Step<K>, State<K>) {
        match self.api.watch_events(&self.config.streaming_list()).await {
            Ok(stream) => (Some(Ok(Event::Init)), State::StreamingList { stream }),
            Err(error) if refuses_streaming_lists(&error) => {
                tracing::info!(%error, "watcher: the server refuses streaming lists; listing in pages");
                self.streaming = false;
                (None, State::Empty)
            }
            // A 410 cannot mean "too old" here (no version was asked for), so
            // it is a failure like any other, not a reason to try again at once.
            Err(error) => self.fail(Error::WatchStart(error), State::Empty),
        }
    }

    async fn list_page(&mut self, continue_token: Option<String>) -> (Step<K>, State<K>) {
        let params = self.config.list_page(continue_token.as_deref());
        match self.api.list_page(&params).await {
            Ok(page) => {
                let next = page.continue_token().map(str::to_owned);
                let resource_version = page.resource_version().unwrap_or_default().to_owned();
                let state = State::Paging {
                    items: page.items.into_iter(),
                    continue_token: next,
                    resource_version,
                };
                (None, state)
            }
            // The continue token expired: the list starts again from the top.
            Err(error) if error.is_gone() && continue_token.is_some() => self.relist(),
            Err(error) => self.fail(Error::List(error), State::ListPage { continue_token }),
        }
    }

    async fn streaming_list_event(&mut self, mut stream: WatchStream<K>) -> (Step<K>, State<K>) {
        match stream.next().await {
            Some(Ok(WatchEvent::Added(object) | WatchEvent::Modified(object))) => (
                Some(Ok(Event::InitApply(object))),
                State::StreamingList { stream },
            ),
            Some(Ok(WatchEvent::Deleted(_))) => (None, State::StreamingList { stream }),
            Some(Ok(WatchEvent::Bookmark(bookmark))) if bookmark.is_initial_events_end() => {
                let state = State::Watching {
                    resource_version: bookmark.metadata.resource_version,
                    stream,
                    opened: Instant::now(),
                    delivered: true,
                };
                (Some(Ok(Event::InitDone)), state)
            }
            Some(Ok(WatchEvent::Bookmark(_))) => (None, State::StreamingList { stream }),
            Some(Ok(WatchEvent::Error(status))) if is_gone(&status) => self.relist(),
            Some(Ok(WatchEvent::Error(status))) => {
                self.fail(Error::WatchStatus(Box::new(status)), State::Empty)
            }
            Some(Err(error)) => (Some(Err(Error::Watch(error))), State::StreamingList { stream }),
            // Ended before the list was complete: start it again.
            None => {
                self.owed_delay = Some(self.backoff.next_delay());
                (None, State::Empty)
            }
        }
    }

    async fn open_watch(&mut self, resource_version: String) -> (Step<K>, State<K>) {
        match self
            .api
            .watch_events(&self.config.watch_from(&resource_version))
            .await
        {
            Ok(stream) => {
                let state = State::Watching {
                    resource_version,
                    stream,
                    opened: Instant::now(),
                    delivered: false,
                };
                (None, state)
            }
            Err(error) if error.is_gone() => self.relist(),
            Err(error) => self.fail(Error::WatchStart(error), State::StartWatch { resource_version }),
        }
    }

    async fn watch_event(
        &mut self,
        mut resource_version: String,
        mut stream: WatchStream<K>,
        opened: Instant,
        delivered: bool,
    ) -> (Step<K>, State<K>) {
        let event = stream.next().await;
        let output = match event {
            Some(Ok(WatchEvent::Added(object) | WatchEvent::Modified(object))) => {
                remember_version(&mut resource_version, &object);
                Event::Apply(object)
            }
            Some(Ok(WatchEvent::Deleted(object))) => {
                remember_version(&mut resource_version, &object);
                Event::Delete(object)
            }
            Some(Ok(WatchEvent::Bookmark(bookmark))) => {
                if !bookmark.metadata.resource_version.is_empty() {
                    resource_version = bookmark.metadata.resource_version;
                }
                let state = State::Watching {
                    resource_version,
                    stream,
                    opened,
                    delivered: true,
                };
                return (None, state);
            }
            // Too old: what changed since cannot be replayed, so list again.
            Some(Ok(WatchEvent::Error(status))) if is_gone(&status) => return self.relist(),
            Some(Ok(WatchEvent::Error(status))) => {
                return self.fail(
                    Error::WatchStatus(Box::new(status)),
                    State::StartWatch { resource_version },
                );
            }
            Some(Err(error)) => {
                let state = State::Watching {
                    resource_version,
                    stream,
                    opened,
                    delivered,
                };
                return (Some(Err(Error::Watch(error))), state);
            }
            None => {
                if !delivered && opened.elapsed() < SHORTEST_HEALTHY_WATCH {
                    self.owed_delay = Some(self.backoff.next_delay());
                }
                return (None, State::StartWatch { resource_version });
            }
        };
        let state = State::Watching {
            resource_version,
            stream,
            opened,
            delivered: true,
        };
        (Some(Ok(output)), state)
    }
}

fn remember_version<K: Object>(resource_version: &mut String, object: &K) {
    if let Some(version) = object
        .metadata()
        .resource_version
        .as_deref()
        .filter(|v| !v.is_empty())
    {
        version.clone_into(resource_version);
    }
}

fn is_gone(status: &Status) -> bool {
    status.code == 410 || status.reason == "Expired" || status.reason == "Gone"
}

/// What a server says when it does not do streaming lists: 422 (the
/// `WatchList` feature is off: "sendInitialEvents is forbidden"), 400 (an
/// older server rejects `resourceVersionMatch` on a watch), 403 from a
/// proxy that filters parameters.
fn refuses_streaming_lists(error: &crate::Error) -> bool {
    error.is_invalid() || error.is_bad_request() || error.is_forbidden()
}
