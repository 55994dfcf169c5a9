//! GET and LIST: one object, or a consistent, paginated list at a
//! resourceVersion, with selectors.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rudder::Status;
use serde_json::{Value, json};

use crate::cluster::request::body::{ListBody, Served};
use crate::cluster::request::call::{Call, Reply};
use crate::cluster::request::errors::{self, FieldError, bad_request};
use crate::cluster::request::query::VersionMatch;
use crate::cluster::request::selector::ObjectFilter;
use crate::cluster::store::state::State;

/// GET of one object (or its status, which is the same object).
pub(crate) fn get(state: &State, call: &Call) -> Result<Reply, Status> {
    let key = State::key(&call.kind, call.namespace(), call.name());
    let object = state
        .store
        .get(&key)
        .ok_or_else(|| errors::not_found(&call.kind.qualified(), call.name()))?;
    Ok(Reply::ok(Served::stored(&call.kind, &call.version, object)))
}

/// What a continue token carries: the snapshot's revision and the last key served.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct ContinueToken {
    v: String,
    rv: u64,
    start: String,
}

impl ContinueToken {
    fn encode(&self) -> String {
        STANDARD.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    fn decode(text: &str) -> Result<Self, Status> {
        let invalid = || bad_request(format!("continue key is not valid: {text:?}"));
        let bytes = STANDARD.decode(text).map_err(|_| invalid())?;
        let token: ContinueToken = serde_json::from_slice(&bytes).map_err(|_| invalid())?;
        if token.v != "meta.k8s.io/v1" {
            return Err(invalid());
        }
        Ok(token)
    }
}

fn list_options_invalid(errors: &[FieldError]) -> Status {
    errors::invalid("meta.k8s.io", "ListOptions", "", errors)
}

/// The revision a list reads at, as `resourceVersion` and its match rule ask.
pub(crate) fn read_revision(state: &State, call: &Call) -> Result<u64, Status> {
    let current = state.store.revision();
    let asked = call.options.resource_version.as_deref();
    let matching = call.options.resource_version_match;
    let parsed = match asked {
        None => None,
        Some(text) => Some(text.parse::<u64>().map_err(|_| {
            list_options_invalid(&[FieldError::invalid(
                "resourceVersion",
                text,
                "must be a valid resourceVersion",
            )])
        })?),
    };
    match (parsed, matching) {
        (None, Some(_)) => Err(list_options_invalid(&[FieldError::forbidden(
            "resourceVersionMatch",
            "resourceVersionMatch is forbidden unless resourceVersion is provided",
        )])),
        (Some(0), Some(VersionMatch::Exact)) => Err(list_options_invalid(&[FieldError::forbidden(
            "resourceVersionMatch",
            "resourceVersionMatch \"exact\" is forbidden for resourceVersion \"0\"",
        )])),
        (None, None) | (Some(0), _) => Ok(current),
        (Some(asked), _) if asked > current => Err(errors::too_large_resource_version(asked, current)),
        // A legacy paginated list at a revision reads exactly at it.
        (Some(asked), Some(VersionMatch::Exact)) => Ok(asked),
        (Some(asked), None) if call.options.limit.is_some() => Ok(asked),
        (Some(_), _) => Ok(current),
    }
}

/// LIST: the selected objects of a snapshot, a page at a time.
pub(crate) fn list(state: &State, call: &Call) -> Result<Reply, Status> {
    let kind = &call.kind;
    let filter = ObjectFilter::parse(
        kind,
        call.namespace.as_deref().filter(|_| kind.namespaced()),
        call.options.label_selector.as_deref(),
        call.options.field_selector.as_deref(),
    )?;
    let (revision, start) = match &call.options.continue_token {
        Some(token) => {
            if call
                .options
                .resource_version
                .as_deref()
                .is_some_and(|version| version != "0")
            {
                return Err(bad_request(
                    "specifying resource version is not allowed when using continue",
                ));
            }
            let token = ContinueToken::decode(token)?;
            if token.rv < state.store.oldest() {
                return Err(errors::continue_expired());
            }
            (token.rv, Some(token.start))
        }
        None => (read_revision(state, call)?, None),
    };
    let snapshot = state
        .store
        .snapshot(&kind.api.group, &kind.api.plural, revision)
        .map_err(|compacted| {
            errors::expired(format!(
                "too old resource version: {} ({})",
                compacted.asked, compacted.oldest
            ))
        })?;
    let mut selected = snapshot
        .candidates(filter.namespace(), filter.labels())
        .filter(|(key, _)| start.as_ref().is_none_or(|start| key.is_after(start)))
        .filter(|(_, object)| filter.matches(kind, object));
    // resourceVersion=0 is served from the watch cache, which does not paginate.
    let from_watch_cache =
        call.options.continue_token.is_none() && call.options.resource_version.as_deref() == Some("0");
    let limit = call
        .options
        .limit
        .filter(|_| !from_watch_cache)
        .unwrap_or(usize::MAX);
    let mut items = Vec::new();
    let mut last = None;
    for (key, object) in selected.by_ref().take(limit) {
        items.push(Served::stored(kind, &call.version, object));
        last = Some(key);
    }
    let remaining = selected.count();
    let mut metadata = json!({"resourceVersion": revision.to_string()});
    if remaining > 0
        && let Some(last) = last
    {
        let token = ContinueToken {
            v: "meta.k8s.io/v1".into(),
            rv: revision,
            start: last.position(),
        };
        metadata["continue"] = Value::String(token.encode());
        if call.options.label_selector.is_none() && call.options.field_selector.is_none() {
            metadata["remainingItemCount"] = json!(remaining);
        }
    }
    let head = json!({
        "kind": kind.list_kind(),
        "apiVersion": kind.api_version_at(&call.version),
        "metadata": metadata,
    });
    // Built-in kinds' list items carry no apiVersion or kind on the wire.
    Ok(Reply::ok(ListBody::new(head, items, !kind.custom)))
}
