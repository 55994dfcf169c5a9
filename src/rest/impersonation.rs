//! The `Impersonate-*` headers that make the API server treat a request as
//! another user's.

use http::{HeaderName, HeaderValue};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::config::{ConfigError, Impersonation};

/// What is escaped in an `Impersonate-Extra-<key>` header name: everything
/// but the characters the API server leaves as they are.
const EXTRA_KEY_ESCAPES: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// The headers for `impersonation`, in order; `Impersonate-Group` and each
/// extra key repeat once per value.
pub(crate) fn impersonation_headers(
    impersonation: &Impersonation,
) -> Result<Vec<(HeaderName, HeaderValue)>, ConfigError> {
    let mut headers = Vec::new();
    if !impersonation.user.is_empty() {
        headers.push((
            HeaderName::from_static("impersonate-user"),
            value("user", &impersonation.user)?,
        ));
    }
    for group in &impersonation.groups {
        headers.push((
            HeaderName::from_static("impersonate-group"),
            value("groups", group)?,
        ));
    }
    if let Some(uid) = &impersonation.uid {
        headers.push((HeaderName::from_static("impersonate-uid"), value("uid", uid)?));
    }
    for (key, values) in &impersonation.extra {
        let name = format!(
            "impersonate-extra-{}",
            utf8_percent_encode(key, EXTRA_KEY_ESCAPES)
        );
        let name = HeaderName::try_from(name.to_ascii_lowercase())
            .map_err(|error| ConfigError::invalid_in_memory("impersonate.extra", error))?;
        for extra in values {
            headers.push((name.clone(), value("extra", extra)?));
        }
    }
    Ok(headers)
}

fn value(field: &str, text: &str) -> Result<HeaderValue, ConfigError> {
    HeaderValue::from_str(text)
        .map_err(|error| ConfigError::invalid_in_memory(format!("impersonate.{field}"), error))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_becomes_a_header_and_extra_keys_are_escaped() {
        let impersonation = Impersonation {
            user: "jane".into(),
            groups: vec!["devs".into(), "ops".into()],
            uid: Some("42".into()),
            extra: [("example.com/scopes".to_owned(), vec!["a".into(), "b".into()])].into(),
        };
        let headers: Vec<(String, String)> = impersonation_headers(&impersonation)
            .unwrap()
            .into_iter()
            .map(|(name, value)| (name.to_string(), value.to_str().unwrap().to_owned()))
            .collect();
        insta::assert_yaml_snapshot!(headers);
    }
}
