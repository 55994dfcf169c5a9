//! `WatchEvent<K>`: one line of a watch stream.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::status::Status;

/// One event of a watch: `{"type":"ADDED","object":{...}}`.
///
/// ```
/// use k8s_openapi::api::core::v1::Pod;
/// use rudder::types::WatchEvent;
/// let event: WatchEvent<Pod> =
///     serde_json::from_str(r#"{"type":"ADDED","object":{"kind":"Pod","apiVersion":"v1","metadata":{"name":"a"}}}"#).unwrap();
/// assert!(matches!(event, WatchEvent::Added(pod) if pod.metadata.name.as_deref() == Some("a")));
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "object", rename_all = "UPPERCASE")]
#[serde(bound(deserialize = "K: Deserialize<'de>", serialize = "K: Serialize"))]
pub enum WatchEvent<K> {
    /// An object was created (or, on a watch that lists first, already existed).
    Added(K),
    /// An object changed.
    Modified(K),
    /// An object was deleted; this is its last state.
    Deleted(K),
    /// The server's progress marker: every change up to its resourceVersion
    /// has been sent. Only metadata comes with it, so it is not a `K`.
    Bookmark(Bookmark),
    /// The watch failed, such as 410 Expired when the resourceVersion is too old.
    Error(Status),
}

/// The object of a `BOOKMARK` event: a kind with only a resourceVersion and annotations.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Bookmark {
    /// The object's apiVersion.
    #[serde(default)]
    pub api_version: String,
    /// The object's kind.
    #[serde(default)]
    pub kind: String,
    /// The resourceVersion and annotations.
    #[serde(default)]
    pub metadata: BookmarkMeta,
}

/// A bookmark's metadata.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BookmarkMeta {
    /// Every change up to this resourceVersion has been sent.
    #[serde(default)]
    pub resource_version: String,
    /// `k8s.io/initial-events-end: "true"` marks the end of the initial events
    /// of a watch with `sendInitialEvents`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

impl Bookmark {
    /// Whether this bookmark ends the initial events of a `sendInitialEvents` watch.
    pub fn is_initial_events_end(&self) -> bool {
        self.metadata
            .annotations
            .get("k8s.io/initial-events-end")
            .is_some_and(|value| value == "true")
    }
}

#[cfg(test)]
mod tests {
    use k8s_openapi::api::core::v1::Pod;

    use super::*;

    #[test]
    fn bookmark_and_error_events_decode() {
        let bookmark: WatchEvent<Pod> = serde_json::from_str(
            r#"{"type":"BOOKMARK","object":{"kind":"Pod","apiVersion":"v1","metadata":{"resourceVersion":"12746","annotations":{"k8s.io/initial-events-end":"true"}}}}"#,
        )
        .unwrap();
        let WatchEvent::Bookmark(bookmark) = bookmark else {
            panic!("not a bookmark: {bookmark:?}");
        };
        assert_eq!(bookmark.metadata.resource_version, "12746");
        assert!(bookmark.is_initial_events_end());

        let error: WatchEvent<Pod> = serde_json::from_str(
            r#"{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 1 (12746)","reason":"Expired","code":410}}"#,
        )
        .unwrap();
        assert!(
            matches!(error, WatchEvent::Error(status) if status.code == 410 && status.reason == "Expired")
        );
    }

    #[test]
    fn an_unknown_type_is_a_decode_error() {
        let result = serde_json::from_str::<WatchEvent<Pod>>(r#"{"type":"RENAMED","object":{}}"#);
        assert!(result.is_err());
    }
}
