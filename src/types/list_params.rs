//! Parameters of reads: `GetParams`, `ListParams`, `WatchParams`.

use super::selector::{FieldSelector, LabelSelector};
use crate::rest::{Query, RequestError};

/// How a list's `resourceVersion` is matched.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ResourceVersionMatch {
    /// Data at least as new as the resourceVersion (the server may serve newer).
    NotOlderThan,
    /// Data at exactly the resourceVersion (`410 Gone` if it has been compacted).
    Exact,
}

impl ResourceVersionMatch {
    /// The value the server expects.
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceVersionMatch::NotOlderThan => "NotOlderThan",
            ResourceVersionMatch::Exact => "Exact",
        }
    }
}

/// The selector setters `ListParams`, `WatchParams` and the runtime's
/// watcher `Config` share: each has `label_selector` and `field_selector`
/// fields (and `LabelSelector`/`FieldSelector` in scope).
macro_rules! selector_methods {
    () => {
        /// Only objects whose labels match `selector`.
        pub fn labels(mut self, selector: &str) -> Self {
            self.label_selector = Some(selector.to_owned());
            self
        }

        /// Only objects whose fields match `selector`.
        pub fn fields(mut self, selector: &str) -> Self {
            self.field_selector = Some(selector.to_owned());
            self
        }

        /// Only objects whose labels match a built (or parsed) `selector`; an
        /// empty one selects everything, so nothing is sent.
        pub fn labels_from(mut self, selector: &LabelSelector) -> Self {
            self.label_selector = (!selector.is_empty()).then(|| selector.to_string());
            self
        }

        /// Only objects whose fields match a built (or parsed) `selector`; an
        /// empty one selects everything, so nothing is sent.
        pub fn fields_from(mut self, selector: &FieldSelector) -> Self {
            self.field_selector = (!selector.is_empty()).then(|| selector.to_string());
            self
        }
    };
}
pub(crate) use selector_methods;

/// Parameters of a `get`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct GetParams {
    /// `resourceVersion`: `"0"` lets the server answer from its cache.
    pub resource_version: Option<String>,
}

impl GetParams {
    /// Any version the server has cached (`resourceVersion=0`): cheaper, maybe stale.
    pub fn any() -> Self {
        GetParams {
            resource_version: Some("0".into()),
        }
    }

    /// The query string.
    pub fn to_query(&self) -> Query {
        let mut query = Query::new();
        query.push_opt("resourceVersion", self.resource_version.as_deref());
        query
    }
}

/// Parameters of a `list` (and of `delete_collection`'s selection).
///
/// Selectors are given as strings in the Kubernetes syntax
/// (`app=web,tier!=db`, `status.phase=Running`), or built as a
/// [`LabelSelector`] / [`FieldSelector`].
///
/// ```
/// use rudder::types::{LabelSelector, ListParams};
/// let params = ListParams::default().labels("app=web").limit(500);
/// assert_eq!(params.to_query().unwrap().encode(), "labelSelector=app%3Dweb&limit=500");
///
/// let selector = LabelSelector::new().eq("app", "web").in_("tier", ["api", "cache"]);
/// let params = ListParams::default().labels_from(&selector);
/// assert_eq!(params.label_selector.as_deref(), Some("app=web,tier in (api,cache)"));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListParams {
    /// `labelSelector`.
    pub label_selector: Option<String>,
    /// `fieldSelector`.
    pub field_selector: Option<String>,
    /// `limit`: at most this many items per page.
    pub limit: Option<u32>,
    /// `continue`: the token of the page to fetch.
    pub continue_token: Option<String>,
    /// `resourceVersion`.
    pub resource_version: Option<String>,
    /// `resourceVersionMatch`; needs `resource_version`.
    pub resource_version_match: Option<ResourceVersionMatch>,
    /// `timeoutSeconds`.
    pub timeout_seconds: Option<u32>,
}

impl ListParams {
    selector_methods!();

    /// At most `limit` items per page.
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    /// The page after the one that returned `token`.
    pub fn continue_token(mut self, token: &str) -> Self {
        self.continue_token = Some(token.to_owned());
        self
    }

    /// Data at `resource_version`, matched by `rule`.
    pub fn at(mut self, resource_version: &str, rule: ResourceVersionMatch) -> Self {
        self.resource_version = Some(resource_version.to_owned());
        self.resource_version_match = Some(rule);
        self
    }

    /// Any version the server has cached (`resourceVersion=0`).
    pub fn any_version(mut self) -> Self {
        self.resource_version = Some("0".into());
        self.resource_version_match = None;
        self
    }

    /// The server gives up after `seconds`.
    pub fn timeout(mut self, seconds: u32) -> Self {
        self.timeout_seconds = Some(seconds);
        self
    }

    /// The query string, after the checks the API server would make.
    pub fn to_query(&self) -> Result<Query, RequestError> {
        self.validate()?;
        let mut query = Query::new();
        query.push_opt("labelSelector", self.label_selector.as_deref());
        query.push_opt("fieldSelector", self.field_selector.as_deref());
        query.push_opt("limit", self.limit);
        query.push_opt("continue", self.continue_token.as_deref());
        query.push_opt("resourceVersion", self.resource_version.as_deref());
        query.push_opt(
            "resourceVersionMatch",
            self.resource_version_match.map(ResourceVersionMatch::as_str),
        );
        query.push_opt("timeoutSeconds", self.timeout_seconds);
        Ok(query)
    }

    /// The selection part only (selectors), for `delete_collection`.
    pub(crate) fn selection_query(&self) -> Query {
        let mut query = Query::new();
        query.push_opt("labelSelector", self.label_selector.as_deref());
        query.push_opt("fieldSelector", self.field_selector.as_deref());
        query.push_opt("timeoutSeconds", self.timeout_seconds);
        query
    }

    fn validate(&self) -> Result<(), RequestError> {
        let invalid = |reason: &str| Err(RequestError::InvalidParams(reason.to_owned()));
        if self.limit == Some(0) {
            return invalid("limit must be at least 1 (leave it unset for no limit)");
        }
        let Some(rule) = self.resource_version_match else {
            return Ok(());
        };
        if self.resource_version.is_none() {
            return invalid("resourceVersionMatch needs a resourceVersion");
        }
        if self.continue_token.is_some() {
            return invalid("resourceVersionMatch cannot be combined with a continue token");
        }
        if rule == ResourceVersionMatch::Exact && self.resource_version.as_deref() == Some("0") {
            return invalid("resourceVersionMatch Exact cannot be used with resourceVersion \"0\"");
        }
        Ok(())
    }
}

/// Parameters of a `watch`.
///
/// Bookmarks are asked for by default: they cost little and let a watcher
/// resume from a recent resourceVersion.
///
/// ```
/// use rudder::types::WatchParams;
/// let params = WatchParams::default().from_version("42").labels("app=web");
/// assert_eq!(
///     params.to_query().unwrap().encode(),
///     "watch=true&labelSelector=app%3Dweb&resourceVersion=42&allowWatchBookmarks=true"
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct WatchParams {
    /// `labelSelector`.
    pub label_selector: Option<String>,
    /// `fieldSelector`.
    pub field_selector: Option<String>,
    /// `resourceVersion`: the changes after this one.
    pub resource_version: Option<String>,
    /// `timeoutSeconds`: the server ends the watch after this long.
    pub timeout_seconds: Option<u32>,
    /// `allowWatchBookmarks`. Default true.
    pub allow_watch_bookmarks: bool,
    /// `sendInitialEvents`: start with an `ADDED` for every existing object,
    /// then a bookmark annotated `k8s.io/initial-events-end`.
    pub send_initial_events: bool,
}

impl Default for WatchParams {
    fn default() -> Self {
        WatchParams {
            label_selector: None,
            field_selector: None,
            resource_version: None,
            timeout_seconds: None,
            allow_watch_bookmarks: true,
            send_initial_events: false,
        }
    }
}

impl WatchParams {
    selector_methods!();

    /// The changes after `resource_version`.
    pub fn from_version(mut self, resource_version: &str) -> Self {
        self.resource_version = Some(resource_version.to_owned());
        self
    }

    /// The server ends the watch after `seconds`.
    pub fn timeout(mut self, seconds: u32) -> Self {
        self.timeout_seconds = Some(seconds);
        self
    }

    /// Whether to ask for bookmarks.
    pub fn bookmarks(mut self, allow: bool) -> Self {
        self.allow_watch_bookmarks = allow;
        self
    }

    /// Start with the current objects (the streaming list of KEP-3157).
    pub fn initial_events(mut self) -> Self {
        self.send_initial_events = true;
        self
    }

    /// The query string, `watch=true` first.
    pub fn to_query(&self) -> Result<Query, RequestError> {
        if self.send_initial_events && !self.allow_watch_bookmarks {
            return Err(RequestError::InvalidParams(
                "sendInitialEvents needs allowWatchBookmarks: the end of the initial events is a bookmark"
                    .into(),
            ));
        }
        let mut query = Query::new();
        query.push("watch", "true");
        query.push_opt("labelSelector", self.label_selector.as_deref());
        query.push_opt("fieldSelector", self.field_selector.as_deref());
        query.push_opt("resourceVersion", self.resource_version.as_deref());
        query.push_opt("timeoutSeconds", self.timeout_seconds);
        if self.allow_watch_bookmarks {
            query.push("allowWatchBookmarks", "true");
        }
        if self.send_initial_events {
            query.push("sendInitialEvents", "true");
            query.push(
                "resourceVersionMatch",
                ResourceVersionMatch::NotOlderThan.as_str(),
            );
        }
        Ok(query)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_list_parameter_is_sent() {
        let params = ListParams::default()
            .labels("app in (a,b)")
            .fields("status.phase=Running")
            .limit(500)
            .at("100", ResourceVersionMatch::NotOlderThan)
            .timeout(30);
        assert_eq!(
            params.to_query().unwrap().encode(),
            "labelSelector=app+in+%28a%2Cb%29&fieldSelector=status.phase%3DRunning&limit=500&resourceVersion=100&resourceVersionMatch=NotOlderThan&timeoutSeconds=30"
        );
        let page = ListParams::default()
            .limit(2)
            .continue_token("eyJ2IjoibWV0YS5rOHMuaW8vdjEifQ==");
        assert_eq!(
            page.to_query().unwrap().encode(),
            "limit=2&continue=eyJ2IjoibWV0YS5rOHMuaW8vdjEifQ%3D%3D"
        );
        assert_eq!(ListParams::default().to_query().unwrap().encode(), "");
    }

    #[test]
    fn combinations_the_server_rejects_are_refused() {
        let bad = [
            ListParams {
                resource_version_match: Some(ResourceVersionMatch::Exact),
                ..ListParams::default()
            },
            ListParams::default().at("0", ResourceVersionMatch::Exact),
            ListParams::default()
                .at("5", ResourceVersionMatch::NotOlderThan)
                .continue_token("c"),
            ListParams::default().limit(0),
        ];
        for params in bad {
            let error = params.to_query().unwrap_err();
            assert!(
                matches!(error, RequestError::InvalidParams(_)),
                "{params:?}: {error}"
            );
        }
    }

    #[test]
    fn watch_with_initial_events_asks_for_not_older_than() {
        let params = WatchParams::default().initial_events().timeout(290);
        assert_eq!(
            params.to_query().unwrap().encode(),
            "watch=true&timeoutSeconds=290&allowWatchBookmarks=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan"
        );
        let error = WatchParams::default()
            .initial_events()
            .bookmarks(false)
            .to_query()
            .unwrap_err();
        assert!(error.to_string().contains("allowWatchBookmarks"));
        assert_eq!(
            WatchParams::default()
                .bookmarks(false)
                .fields("metadata.name=a")
                .to_query()
                .unwrap()
                .encode(),
            "watch=true&fieldSelector=metadata.name%3Da"
        );
    }

    #[test]
    fn built_selectors_are_sent_like_their_text() {
        let labels = LabelSelector::new()
            .eq("app", "web")
            .not_in("tier", ["db"])
            .does_not_exist("canary");
        let fields = FieldSelector::new()
            .eq("status.phase", "Running")
            .ne("spec.nodeName", "");
        // Requirements are sorted by key, as apimachinery writes them.
        let expected = "labelSelector=app%3Dweb%2C%21canary%2Ctier+notin+%28db%29&fieldSelector=spec.nodeName%21%3D%2Cstatus.phase%3DRunning";
        let built = ListParams::default().labels_from(&labels).fields_from(&fields);
        let text = ListParams::default()
            .labels("app=web,!canary,tier notin (db)")
            .fields("spec.nodeName!=,status.phase=Running");
        assert_eq!(built, text);
        assert_eq!(built.to_query().unwrap().encode(), expected);
        let parsed = LabelSelector::parse("app=web, tier notin (db), !canary").unwrap();
        assert_eq!(
            ListParams::default().labels_from(&parsed).label_selector,
            text.label_selector
        );
        let everything = ListParams::default()
            .labels_from(&LabelSelector::new())
            .fields_from(&FieldSelector::new());
        assert_eq!(everything.to_query().unwrap().encode(), "");
        let watch = WatchParams::default()
            .bookmarks(false)
            .labels_from(&labels)
            .fields_from(&fields);
        assert_eq!(
            watch.to_query().unwrap().encode(),
            format!("watch=true&{expected}")
        );
    }

    #[test]
    fn get_any_version_reads_the_cache() {
        assert_eq!(GetParams::any().to_query().encode(), "resourceVersion=0");
        assert!(GetParams::default().to_query().is_empty());
    }
}
