//! The query parameters the fake understands, parsed once per request.

use rudder::Status;

use crate::cluster::request::errors::bad_request;

/// `resourceVersionMatch`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum VersionMatch {
    NotOlderThan,
    Exact,
}

/// Every query parameter a request may carry.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct QueryOptions {
    pub watch: bool,
    pub label_selector: Option<String>,
    pub field_selector: Option<String>,
    pub limit: Option<usize>,
    pub continue_token: Option<String>,
    pub resource_version: Option<String>,
    pub resource_version_match: Option<VersionMatch>,
    pub allow_watch_bookmarks: bool,
    pub send_initial_events: Option<bool>,
    pub timeout_seconds: Option<u64>,
    pub dry_run: bool,
    pub field_manager: Option<String>,
    pub force: bool,
    pub grace_period_seconds: Option<i64>,
    pub propagation_policy: Option<String>,
    /// `fieldValidation`: Ignore, Warn (the server's default) or Strict.
    pub field_validation: Option<String>,
}

impl QueryOptions {
    /// Parses the query string of a request (without `?`).
    pub fn parse(query: Option<&str>) -> Result<Self, Status> {
        let mut options = QueryOptions::default();
        for (key, value) in url::form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
            let value = value.into_owned();
            match key.as_ref() {
                "watch" => options.watch = parse_bool(&key, &value)?,
                "labelSelector" => options.label_selector = non_empty(value),
                "fieldSelector" => options.field_selector = non_empty(value),
                "limit" => {
                    let limit: i64 = parse_number(&key, &value)?;
                    options.limit = usize::try_from(limit).ok().filter(|limit| *limit > 0);
                }
                "continue" => options.continue_token = non_empty(value),
                "resourceVersion" => options.resource_version = non_empty(value),
                "resourceVersionMatch" => {
                    options.resource_version_match = match value.as_str() {
                        "" => None,
                        "NotOlderThan" => Some(VersionMatch::NotOlderThan),
                        "Exact" => Some(VersionMatch::Exact),
                        other => {
                            return Err(bad_request(format!(
                                "resourceVersionMatch: Unsupported value: \"{other}\": supported values: \"Exact\", \"NotOlderThan\""
                            )));
                        }
                    }
                }
                "allowWatchBookmarks" => options.allow_watch_bookmarks = parse_bool(&key, &value)?,
                "sendInitialEvents" => options.send_initial_events = Some(parse_bool(&key, &value)?),
                "timeoutSeconds" => options.timeout_seconds = Some(parse_number(&key, &value)?),
                "dryRun" => options.dry_run = value == "All",
                "fieldManager" => options.field_manager = non_empty(value),
                "force" => options.force = parse_bool(&key, &value)?,
                "gracePeriodSeconds" => options.grace_period_seconds = Some(parse_number(&key, &value)?),
                "propagationPolicy" => options.propagation_policy = non_empty(value),
                "fieldValidation" => options.field_validation = non_empty(value),
                // Parameters the fake accepts and ignores (pretty, ...).
                _ => {}
            }
        }
        Ok(options)
    }
}

fn non_empty(value: String) -> Option<String> {
    (!value.is_empty()).then_some(value)
}

fn parse_bool(key: &str, value: &str) -> Result<bool, Status> {
    match value {
        "" | "true" | "1" | "True" | "TRUE" | "t" | "T" => Ok(true),
        "false" | "0" | "False" | "FALSE" | "f" | "F" => Ok(false),
        _ => Err(bad_request(format!("{key}: invalid boolean value {value:?}"))),
    }
}

fn parse_number<T: std::str::FromStr>(key: &str, value: &str) -> Result<T, Status> {
    value
        .parse()
        .map_err(|_| bad_request(format!("{key}: invalid value {value:?}: not an integer")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_list_and_watch_parameters() {
        let options = QueryOptions::parse(Some(
            "labelSelector=app%3Dweb&limit=2&watch=true&resourceVersionMatch=NotOlderThan&timeoutSeconds=5&dryRun=All",
        ))
        .unwrap();
        assert_eq!(options.label_selector.as_deref(), Some("app=web"));
        assert_eq!(options.limit, Some(2));
        assert!(options.watch && options.dry_run);
        assert_eq!(options.resource_version_match, Some(VersionMatch::NotOlderThan));
        assert_eq!(options.timeout_seconds, Some(5));
    }

    #[test]
    fn bad_values_are_bad_requests() {
        assert_eq!(QueryOptions::parse(Some("limit=x")).unwrap_err().code, 400);
        assert_eq!(
            QueryOptions::parse(Some("resourceVersionMatch=Soon"))
                .unwrap_err()
                .code,
            400
        );
    }
}
