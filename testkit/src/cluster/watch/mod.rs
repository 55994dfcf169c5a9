//! Watch fan-out: every change is offered to every open watch, in revision
//! order, under the state lock, so a watch sees each change once and in
//! order. Each watch has a bounded buffer; a watch that falls behind is
//! closed (as the real server closes a watch it cannot keep up with) rather
//! than blocking writers or losing an event silently: its client resumes
//! from the last resourceVersion it saw.
//!
//! A watch moves through these states:
//!
//! ```text
//!   Open ──(buffer full)──────────▶ Overflowed ─┐
//!     │ ──(receiver dropped)──────▶ Disconnected├─▶ removed from the hub
//!     │ ──(timeoutSeconds passed)─▶ TimedOut    │
//!     └ ──(fault injected)────────▶ Faulted ────┘
//! ```

pub(super) mod start;

use std::collections::VecDeque;
use std::sync::Arc;

use bytes::Bytes;
use jiff::Timestamp;
use rudder::Status;
use serde_json::{Value, json};
use tokio::sync::mpsc;

use crate::cluster::registry::ResourceKind;
use crate::cluster::request::body::Served;
use crate::cluster::request::selector::ObjectFilter;
use crate::cluster::store::{Change, ChangeType};

/// The annotation of the bookmark that ends `sendInitialEvents`.
pub(crate) const INITIAL_EVENTS_END: &str = "k8s.io/initial-events-end";

/// One line of a watch stream.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum WatchFrame {
    Added(Served),
    Modified(Served),
    Deleted(Served),
    Bookmark(Value),
    Error(Status),
}

impl WatchFrame {
    /// The frame as the server writes it: one JSON object and a newline.
    pub fn to_line(&self) -> Bytes {
        match self {
            WatchFrame::Added(object) => line(EventType::Added.name(), object),
            WatchFrame::Modified(object) => line(EventType::Modified.name(), object),
            WatchFrame::Deleted(object) => line(EventType::Deleted.name(), object),
            WatchFrame::Bookmark(object) => line("BOOKMARK", object),
            WatchFrame::Error(status) => line("ERROR", &status.to_wire_json()),
        }
    }
}

/// One watch line, serialized from a borrowed object (no copy of it).
fn line(event_type: &str, object: &impl serde::Serialize) -> Bytes {
    #[derive(serde::Serialize)]
    struct Line<'a, O> {
        #[serde(rename = "type")]
        event_type: &'a str,
        object: &'a O,
    }
    let mut line = serde_json::to_vec(&Line { event_type, object }).unwrap_or_default();
    line.push(b'\n');
    Bytes::from(line)
}

/// The type of event a change is for one watch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EventType {
    Added,
    Modified,
    Deleted,
}

impl EventType {
    fn name(self) -> &'static str {
        match self {
            EventType::Added => "ADDED",
            EventType::Modified => "MODIFIED",
            EventType::Deleted => "DELETED",
        }
    }

    fn frame(self, object: Served) -> WatchFrame {
        match self {
            EventType::Added => WatchFrame::Added(object),
            EventType::Modified => WatchFrame::Modified(object),
            EventType::Deleted => WatchFrame::Deleted(object),
        }
    }
}

/// What a change means to a watch with a selector: objects moving out of
/// the selection are DELETED for it, objects moving in are ADDED.
fn event_for(filter: &ObjectFilter, kind: &ResourceKind, change: &Change) -> Option<EventType> {
    let now_matches = filter.matches(kind, &change.object);
    let was_matching = change
        .previous
        .as_ref()
        .is_some_and(|previous| filter.matches(kind, previous));
    match change.change_type {
        ChangeType::Added if now_matches => Some(EventType::Added),
        ChangeType::Modified => match (was_matching, now_matches) {
            (true, true) => Some(EventType::Modified),
            (false, true) => Some(EventType::Added),
            (true, false) => Some(EventType::Deleted),
            (false, false) => None,
        },
        ChangeType::Deleted if was_matching => Some(EventType::Deleted),
        _ => None,
    }
}

/// The frame a change is for a watch with `filter` at `version`, if any.
pub(crate) fn frame_for(
    filter: &ObjectFilter,
    kind: &ResourceKind,
    version: &str,
    change: &Change,
) -> Option<WatchFrame> {
    let event_type = event_for(filter, kind, change)?;
    Some(event_type.frame(Served::stored(kind, version, &change.object)))
}

/// A bookmark at `revision`.
pub(crate) fn bookmark(
    kind: &ResourceKind,
    version: &str,
    revision: u64,
    initial_events_end: bool,
) -> WatchFrame {
    let mut metadata = json!({"resourceVersion": revision.to_string(), "creationTimestamp": null});
    if initial_events_end {
        metadata["annotations"] = json!({INITIAL_EVENTS_END: "true"});
    }
    WatchFrame::Bookmark(json!({
        "kind": kind.api.kind,
        "apiVersion": kind.api_version_at(version),
        "metadata": metadata,
    }))
}

/// Why a watch left the hub.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum WatchState {
    Open,
    Overflowed,
    Disconnected,
    TimedOut,
    Faulted,
}

/// One open watch.
#[derive(Debug)]
pub(crate) struct Watcher {
    pub id: u64,
    pub kind: ResourceKind,
    pub version: String,
    pub filter: ObjectFilter,
    sender: mpsc::Sender<Bytes>,
    pub bookmarks: bool,
    pub last_bookmark: Timestamp,
    pub deadline: Option<Timestamp>,
    pub state: WatchState,
}

impl Watcher {
    /// Offers a frame; the watch's state says whether it is still open.
    fn deliver(&mut self, frame: &WatchFrame) {
        if self.state == WatchState::Open {
            self.deliver_line(frame.to_line());
        }
    }

    /// Offers a frame already serialized.
    fn deliver_line(&mut self, line: Bytes) {
        if self.state != WatchState::Open {
            return;
        }
        self.state = match self.sender.try_send(line) {
            Ok(()) => WatchState::Open,
            Err(mpsc::error::TrySendError::Full(_)) => WatchState::Overflowed,
            Err(mpsc::error::TrySendError::Closed(_)) => WatchState::Disconnected,
        };
    }

    /// Ends the watch, sending `error` first when there is room for it.
    fn close(&mut self, state: WatchState, error: Option<&Status>) {
        if let Some(status) = error {
            self.deliver(&WatchFrame::Error(status.clone()));
        }
        self.state = state;
    }
}

/// A fault for the next watches to open.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct PendingFault {
    pub error: Option<Status>,
}

/// Every open watch.
#[derive(Debug)]
pub(crate) struct WatchHub {
    next_id: u64,
    buffer: usize,
    watchers: Vec<Watcher>,
    pub pending_faults: VecDeque<PendingFault>,
}

/// What a new watch starts with.
pub(crate) struct WatchStart {
    pub kind: ResourceKind,
    pub version: String,
    pub filter: ObjectFilter,
    pub bookmarks: bool,
    pub now: Timestamp,
    pub deadline: Option<Timestamp>,
    /// Frames sent before live events (synthetic ADDEDs, replayed history).
    pub initial: Vec<WatchFrame>,
}

impl WatchHub {
    pub fn new(buffer: usize) -> Self {
        WatchHub {
            next_id: 1,
            buffer: buffer.max(1),
            watchers: Vec::new(),
            pending_faults: VecDeque::new(),
        }
    }

    /// Opens a watch; its receiver yields the initial frames, then live ones.
    pub fn open(&mut self, start: WatchStart) -> (u64, mpsc::Receiver<Bytes>) {
        let (sender, receiver) = mpsc::channel(self.buffer + start.initial.len());
        let id = self.next_id;
        self.next_id += 1;
        let mut watcher = Watcher {
            id,
            kind: start.kind,
            version: start.version,
            filter: start.filter,
            sender,
            bookmarks: start.bookmarks,
            last_bookmark: start.now,
            deadline: start.deadline,
            state: WatchState::Open,
        };
        for frame in &start.initial {
            watcher.deliver(frame);
        }
        self.watchers.push(watcher);
        self.sweep();
        (id, receiver)
    }

    /// A watch that ends at once, with `fault`'s error if it has one.
    pub fn faulted(fault: &PendingFault) -> mpsc::Receiver<Bytes> {
        let (sender, receiver) = mpsc::channel(1);
        if let Some(status) = &fault.error {
            let _ = sender.try_send(WatchFrame::Error(status.clone()).to_line());
        }
        receiver
    }

    /// Offers a change to every watch of its resource. The line is rendered
    /// and serialized once per version and event type, not once per watch:
    /// watches that see the same event share its bytes.
    pub fn publish(&mut self, change: &Arc<Change>) {
        let mut lines: Vec<(String, EventType, Bytes)> = Vec::new();
        for watcher in &mut self.watchers {
            if watcher.kind.api.group != change.key.group || watcher.kind.api.plural != change.key.plural {
                continue;
            }
            let Some(event_type) = event_for(&watcher.filter, &watcher.kind, change) else {
                continue;
            };
            let known = lines
                .iter()
                .find(|(version, known_type, _)| *version == watcher.version && *known_type == event_type);
            let line = match known {
                Some((_, _, line)) => line.clone(),
                None => {
                    let object = Served::stored(&watcher.kind, &watcher.version, &change.object);
                    let line = line(event_type.name(), &object);
                    lines.push((watcher.version.clone(), event_type, line.clone()));
                    line
                }
            };
            watcher.deliver_line(line);
        }
        self.sweep();
    }

    /// Sends a bookmark at `revision` to watches that asked for them and
    /// have not had one for `interval`.
    pub fn bookmark_due(&mut self, now: Timestamp, interval: jiff::SignedDuration, revision: u64) {
        for watcher in &mut self.watchers {
            let due = watcher
                .last_bookmark
                .checked_add(interval)
                .is_ok_and(|due| due <= now);
            if watcher.bookmarks && due {
                watcher.last_bookmark = now;
                let frame = bookmark(&watcher.kind, &watcher.version, revision, false);
                watcher.deliver(&frame);
            }
        }
        self.sweep();
    }

    /// Sends a bookmark to one watch (the system clock's timer).
    pub fn bookmark_one(&mut self, id: u64, now: Timestamp, revision: u64) -> bool {
        let Some(watcher) = self.watchers.iter_mut().find(|watcher| watcher.id == id) else {
            return false;
        };
        watcher.last_bookmark = now;
        let frame = bookmark(&watcher.kind, &watcher.version, revision, false);
        watcher.deliver(&frame);
        self.sweep();
        true
    }

    /// Ends watches whose `timeoutSeconds` have passed.
    pub fn expire(&mut self, now: Timestamp) {
        for watcher in &mut self.watchers {
            if watcher.deadline.is_some_and(|deadline| deadline <= now) {
                watcher.close(WatchState::TimedOut, None);
            }
        }
        self.sweep();
    }

    /// Ends one watch (its timeout, on the system clock).
    pub fn end(&mut self, id: u64) {
        for watcher in &mut self.watchers {
            if watcher.id == id {
                watcher.close(WatchState::TimedOut, None);
            }
        }
        self.sweep();
    }

    /// Ends every open watch, with `error` first if given.
    pub fn close_all(&mut self, error: Option<&Status>) {
        for watcher in &mut self.watchers {
            watcher.close(WatchState::Faulted, error);
        }
        self.sweep();
    }

    /// Ends every watch of a resource (its CRD was deleted).
    pub fn close_resource(&mut self, group: &str, plural: &str) {
        for watcher in &mut self.watchers {
            if watcher.kind.api.group == group && watcher.kind.api.plural == plural {
                watcher.close(WatchState::Faulted, None);
            }
        }
        self.sweep();
    }

    /// How many watches are open.
    pub fn open_count(&self) -> usize {
        self.watchers.len()
    }

    /// Drops the watches that are no longer open: dropping the sender is
    /// what ends the client's stream, after what was buffered.
    fn sweep(&mut self) {
        self.watchers.retain(|watcher| {
            if watcher.state != WatchState::Open {
                tracing::debug!(id = watcher.id, state = ?watcher.state, "fake cluster closed a watch");
            }
            watcher.state == WatchState::Open
        });
    }
}
