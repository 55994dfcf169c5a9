//! Opening a watch: where it starts (synthetic ADDEDs for the current
//! state, or the history after a resourceVersion), and its options.

use bytes::Bytes;
use rudder::Status;
use tokio::sync::mpsc;

use crate::cluster::request::body::Served;
use crate::cluster::request::call::Call;
use crate::cluster::request::errors::{self, FieldError};
use crate::cluster::request::query::VersionMatch;
use crate::cluster::request::selector::ObjectFilter;
use crate::cluster::store::state::State;
use crate::cluster::watch::{self, WatchFrame, WatchHub, WatchStart};

/// An opened watch: its id in the hub and the stream of its lines.
pub(crate) struct OpenedWatch {
    pub id: Option<u64>,
    pub lines: mpsc::Receiver<Bytes>,
}

/// Opens a watch as `call` asks.
pub(crate) fn open(state: &mut State, call: &Call) -> Result<OpenedWatch, Status> {
    let kind = &call.kind;
    let filter = ObjectFilter::parse(
        kind,
        call.namespace.as_deref().filter(|_| kind.namespaced()),
        call.options.label_selector.as_deref(),
        call.options.field_selector.as_deref(),
    )?
    .only_named(call.name.as_deref());
    let send_initial_events = call.options.send_initial_events.unwrap_or(false);
    if send_initial_events && call.options.resource_version_match != Some(VersionMatch::NotOlderThan) {
        return Err(errors::invalid(
            "meta.k8s.io",
            "ListOptions",
            "",
            &[FieldError::forbidden(
                "resourceVersionMatch",
                "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan",
            )],
        ));
    }
    if let Some(fault) = state.watches.pending_faults.pop_front() {
        return Ok(OpenedWatch {
            id: None,
            lines: WatchHub::faulted(&fault),
        });
    }
    let current = state.store.revision();
    let asked = call.options.resource_version.as_deref().unwrap_or("");
    let mut initial = Vec::new();
    let starts_now = asked.is_empty() || asked == "0";
    // Without a version, the current state is replayed as synthetic ADDEDs,
    // unless the client said sendInitialEvents=false.
    let replays_state =
        send_initial_events || (starts_now && call.options.send_initial_events != Some(false));
    if replays_state {
        let candidates = state.store.candidates(
            &kind.api.group,
            &kind.api.plural,
            filter.namespace(),
            filter.labels(),
        );
        for (_, object) in candidates {
            if filter.matches(kind, object) {
                initial.push(WatchFrame::Added(Served::stored(kind, &call.version, object)));
            }
        }
        if send_initial_events {
            initial.push(watch::bookmark(kind, &call.version, current, true));
        }
    } else if !starts_now {
        let revision: u64 = asked.parse().map_err(|_| {
            errors::invalid(
                "meta.k8s.io",
                "ListOptions",
                "",
                &[FieldError::invalid(
                    "resourceVersion",
                    asked,
                    "must be a valid resourceVersion",
                )],
            )
        })?;
        if revision > current {
            return Err(errors::too_large_resource_version(revision, current));
        }
        match state.store.changes_since(revision) {
            Ok(changes) => initial.extend(
                changes
                    .iter()
                    .filter(|change| {
                        change.key.group == kind.api.group && change.key.plural == kind.api.plural
                    })
                    .filter_map(|change| watch::frame_for(&filter, kind, &call.version, change)),
            ),
            Err(compacted) => {
                // The real server accepts the watch and sends 410 as its only event.
                let status = errors::expired(format!(
                    "too old resource version: {} ({})",
                    compacted.asked, compacted.oldest
                ));
                let fault = watch::PendingFault { error: Some(status) };
                return Ok(OpenedWatch {
                    id: None,
                    lines: WatchHub::faulted(&fault),
                });
            }
        }
    }
    let now = state.clock.now();
    let deadline = call.options.timeout_seconds.and_then(|seconds| {
        now.checked_add(jiff::SignedDuration::from_secs(seconds as i64))
            .ok()
    });
    let (id, lines) = state.watches.open(WatchStart {
        kind: kind.clone(),
        version: call.version.clone(),
        filter,
        bookmarks: call.options.allow_watch_bookmarks,
        now,
        deadline,
        initial,
    });
    Ok(OpenedWatch { id: Some(id), lines })
}
