//! What a watcher watches, and how it lists and recovers.

use crate::runtime::BackoffConfig;
use crate::types::{FieldSelector, LabelSelector, ListParams, WatchParams};

/// How a watcher gets its initial list (and every relist).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum InitialList {
    /// A watch with `sendInitialEvents=true` (KEP-3157 streaming lists): the
    /// server sends the current objects as events, then a bookmark
    /// annotated `k8s.io/initial-events-end`. The server keeps no whole list
    /// in memory. A server that refuses it (400, 403 or 422, as servers
    /// without the `WatchList` feature do) is listed in pages from then on.
    #[default]
    Streaming,
    /// `list` in pages of [`Config::page_size`], then a watch from the list's resourceVersion.
    Paged,
}

/// What a [`watcher`](super::watcher()) watches and how.
///
/// ```
/// use rudder::runtime::watcher::{Config, InitialList};
/// let config = Config::default().labels("app=web").initial_list(InitialList::Paged);
/// assert_eq!(config.page_size, 500);
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Config {
    /// Only objects whose labels match (`app=web,tier!=db`).
    pub label_selector: Option<String>,
    /// Only objects whose fields match (`status.phase=Running`).
    pub field_selector: Option<String>,
    /// Items per page of a paged list. Default 500, client-go's.
    pub page_size: u32,
    /// The server ends each watch after this long; the watcher then resumes.
    /// Default 290 s, under the API server's usual minimum request timeout.
    pub timeout_seconds: u32,
    /// Ask for bookmarks, so a resumed watch starts from a recent
    /// resourceVersion and a quiet resource does not need a relist. Default true.
    pub bookmarks: bool,
    /// How the initial list and every relist are made. Default streaming,
    /// falling back to paged.
    pub initial_list: InitialList,
    /// How long to wait after a failure.
    pub backoff: BackoffConfig,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            label_selector: None,
            field_selector: None,
            page_size: 500,
            timeout_seconds: 290,
            bookmarks: true,
            initial_list: InitialList::default(),
            backoff: BackoffConfig::default(),
        }
    }
}

impl Config {
    crate::types::selector_methods!();

    /// Items per page of a paged list.
    pub fn page_size(mut self, page_size: u32) -> Self {
        self.page_size = page_size;
        self
    }

    /// How long each watch lasts on the server.
    pub fn timeout(mut self, seconds: u32) -> Self {
        self.timeout_seconds = seconds;
        self
    }

    /// Whether to ask for bookmarks (a streaming list needs them).
    pub fn bookmarks(mut self, allow: bool) -> Self {
        self.bookmarks = allow;
        self
    }

    /// How the initial list is made.
    pub fn initial_list(mut self, initial_list: InitialList) -> Self {
        self.initial_list = initial_list;
        self
    }

    /// How long to wait after a failure.
    pub fn backoff(mut self, backoff: BackoffConfig) -> Self {
        self.backoff = backoff;
        self
    }

    /// Whether the initial list is streamed: asked for, and possible
    /// (the end of a streaming list is a bookmark).
    pub(super) fn streams_initial_list(&self) -> bool {
        self.initial_list == InitialList::Streaming && self.bookmarks
    }

    /// One page of the list, after `continue_token`.
    pub(super) fn list_page(&self, continue_token: Option<&str>) -> ListParams {
        ListParams {
            label_selector: self.label_selector.clone(),
            field_selector: self.field_selector.clone(),
            limit: Some(self.page_size.max(1)),
            continue_token: continue_token.map(str::to_owned),
            ..ListParams::default()
        }
    }

    /// A watch of the changes after `resource_version`.
    pub(super) fn watch_from(&self, resource_version: &str) -> WatchParams {
        WatchParams {
            resource_version: Some(resource_version.to_owned()).filter(|version| !version.is_empty()),
            ..self.watch_base()
        }
    }

    /// A streaming list: the current objects, then the changes.
    pub(super) fn streaming_list(&self) -> WatchParams {
        WatchParams {
            send_initial_events: true,
            ..self.watch_base()
        }
    }

    fn watch_base(&self) -> WatchParams {
        WatchParams {
            label_selector: self.label_selector.clone(),
            field_selector: self.field_selector.clone(),
            resource_version: None,
            timeout_seconds: Some(self.timeout_seconds),
            allow_watch_bookmarks: self.bookmarks,
            send_initial_events: false,
        }
    }
}
