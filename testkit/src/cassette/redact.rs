//! Redaction: what never reaches a cassette file. Credentials in headers,
//! `Secret` values, issued tokens and certificates, and every string the
//! user names are replaced by stable placeholders (`<redacted:secret-data:0>`):
//! the same value always gets the same placeholder, so a replayed session
//! still hangs together, and the replayer treats a placeholder as matching
//! any value.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;

use super::body::Body;
use super::format::{Cassette, Interaction, StreamEnd};

/// Headers whose values are credentials.
const CREDENTIAL_HEADERS: [&str; 4] = ["authorization", "proxy-authorization", "cookie", "set-cookie"];

/// The annotation `kubectl apply` keeps the whole applied object in.
const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// Replaces what must not be stored, giving each distinct value its own
/// numbered placeholder per kind.
#[derive(Default)]
pub(crate) struct Redactor {
    user_strings: Vec<String>,
    placeholders: BTreeMap<(&'static str, String), String>,
    counts: BTreeMap<&'static str, usize>,
}

/// What the request path says the objects in a body are, for bodies that do
/// not say it themselves (list items, patches).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Resource {
    Secret,
    TokenRequest,
    CertificateSigningRequest,
    Other,
}

impl Redactor {
    /// A redactor that also replaces every string in `user_strings`.
    pub(crate) fn new(user_strings: &[String]) -> Self {
        let mut user_strings: Vec<String> = user_strings
            .iter()
            .filter(|value| !value.is_empty())
            .cloned()
            .collect();
        // Longest first, so a secret containing another is replaced whole.
        user_strings.sort_by_key(|value| std::cmp::Reverse(value.len()));
        Redactor {
            user_strings,
            ..Redactor::default()
        }
    }

    /// Redacts every interaction of `cassette` in place.
    pub(crate) fn cassette(&mut self, cassette: &mut Cassette) {
        for interaction in &mut cassette.interactions {
            self.interaction(interaction);
        }
    }

    fn interaction(&mut self, interaction: &mut Interaction) {
        let resource = Resource::from_path(&interaction.request.path);
        let request = &mut interaction.request;
        request.path = self.user_text(&request.path);
        for values in request.query.0.values_mut() {
            for value in values {
                *value = self.user_text(value);
            }
        }
        self.headers(&mut request.headers);
        self.body(&mut request.body, resource);
        let response = &mut interaction.response;
        self.headers(&mut response.headers);
        self.body(&mut response.body, resource);
        if let Some(stream) = &mut response.stream {
            for event in &mut stream.events {
                self.body(&mut event.data, resource);
            }
            if let StreamEnd::TransportError(message) = &mut stream.end {
                *message = self.user_text(message);
            }
        }
    }

    fn headers(&mut self, headers: &mut BTreeMap<String, String>) {
        for (name, value) in headers.iter_mut() {
            *value = if CREDENTIAL_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
                self.placeholder("header", value)
            } else {
                self.user_text(value)
            };
        }
    }

    fn body(&mut self, body: &mut Body, resource: Resource) {
        match body {
            Body::Json(document) => {
                self.document(document, resource);
                self.user_strings_in(document);
            }
            Body::Text(text) => *text = self.user_text(text),
            Body::Empty | Body::Base64(_) => {}
        }
    }

    /// A single object, a list, or a watch event.
    fn document(&mut self, document: &mut Value, resource: Resource) {
        if let Some(object) = watch_event_object(document) {
            return self.document(object, resource);
        }
        let list_item_resource = list_item_resource(document, resource);
        if let Some(Value::Array(items)) = document.get_mut("items") {
            for item in items {
                self.object(item, list_item_resource);
            }
            return;
        }
        self.object(document, resource);
    }

    fn object(&mut self, object: &mut Value, resource: Resource) {
        match Resource::from_kind(object).unwrap_or(resource) {
            Resource::Secret => self.secret(object),
            Resource::TokenRequest => {
                if let Some(token) = object.pointer_mut("/status/token") {
                    self.replace_string(token, "token", false);
                }
            }
            Resource::CertificateSigningRequest => {
                if let Some(certificate) = object.pointer_mut("/status/certificate") {
                    self.replace_string(certificate, "certificate", true);
                }
            }
            Resource::Other => {}
        }
    }

    fn secret(&mut self, secret: &mut Value) {
        if let Some(Value::Object(data)) = secret.get_mut("data") {
            for value in data.values_mut() {
                self.replace_string(value, "secret-data", true);
            }
        }
        if let Some(Value::Object(data)) = secret.get_mut("stringData") {
            for value in data.values_mut() {
                self.replace_string(value, "secret-data", false);
            }
        }
        let last_applied = secret
            .pointer_mut("/metadata/annotations")
            .and_then(|annotations| annotations.get_mut(LAST_APPLIED));
        if let Some(Value::String(applied)) = last_applied
            && let Ok(mut inner) = serde_json::from_str::<Value>(applied)
        {
            self.secret(&mut inner);
            *applied = inner.to_string();
        }
    }

    /// Replaces a string value by its placeholder; `base64` values are keyed
    /// by what they decode to (so `data` and `stringData` of one secret
    /// agree) and get the placeholder base64-encoded, so the field still
    /// decodes as bytes.
    fn replace_string(&mut self, value: &mut Value, kind: &'static str, base64: bool) {
        let Value::String(text) = value else { return };
        if is_placeholder(text) {
            return;
        }
        if base64 {
            let plain = decode_base64_text(text).unwrap_or_else(|| text.clone());
            *text = STANDARD.encode(self.placeholder(kind, &plain));
        } else {
            *text = self.placeholder(kind, text);
        }
    }

    fn placeholder(&mut self, kind: &'static str, value: &str) -> String {
        let key = (kind, value.to_owned());
        if let Some(existing) = self.placeholders.get(&key) {
            return existing.clone();
        }
        let count = self.counts.entry(kind).or_default();
        let placeholder = format!("<redacted:{kind}:{count}>");
        *count += 1;
        self.placeholders.insert(key, placeholder.clone());
        placeholder
    }

    fn user_strings_in(&mut self, value: &mut Value) {
        if self.user_strings.is_empty() {
            return;
        }
        match value {
            Value::String(text) => *text = self.user_text(text),
            Value::Array(items) => items.iter_mut().for_each(|item| self.user_strings_in(item)),
            Value::Object(map) => {
                let entries = std::mem::take(map);
                for (key, mut item) in entries {
                    self.user_strings_in(&mut item);
                    map.insert(self.user_text(&key), item);
                }
            }
            Value::Null | Value::Bool(_) | Value::Number(_) => {}
        }
    }

    /// `text` with every user string replaced, also inside a value that is
    /// base64 of text.
    fn user_text(&mut self, text: &str) -> String {
        if self.user_strings.is_empty() {
            return text.to_owned();
        }
        let replaced = self.replace_user_strings(text);
        if replaced != text {
            return replaced;
        }
        match decode_base64_text(text) {
            Some(decoded) => {
                let inner = self.replace_user_strings(&decoded);
                if inner == decoded {
                    replaced
                } else {
                    STANDARD.encode(inner)
                }
            }
            None => replaced,
        }
    }

    fn replace_user_strings(&mut self, text: &str) -> String {
        let mut text = text.to_owned();
        for secret in self.user_strings.clone() {
            if text.contains(&secret) {
                let placeholder = self.placeholder("user", &secret);
                text = text.replace(&secret, &placeholder);
            }
        }
        text
    }
}

impl Resource {
    fn from_path(path: &str) -> Resource {
        let (resource, rest) = resource_of(path);
        match resource {
            "secrets" => Resource::Secret,
            "certificatesigningrequests" => Resource::CertificateSigningRequest,
            "serviceaccounts" if rest.last() == Some(&"token") => Resource::TokenRequest,
            _ => Resource::Other,
        }
    }

    fn from_kind(object: &Value) -> Option<Resource> {
        match object.get("kind")?.as_str()? {
            "Secret" => Some(Resource::Secret),
            "TokenRequest" => Some(Resource::TokenRequest),
            "CertificateSigningRequest" => Some(Resource::CertificateSigningRequest),
            _ => None,
        }
    }
}

/// The resource a request path names and the segments after it:
/// `/api/v1/namespaces/ns/secrets/db` is `secrets`, `["db"]`;
/// `/api/v1/namespaces/secrets` is the namespace named `secrets`.
fn resource_of(path: &str) -> (&str, Vec<&str>) {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let mut rest: &[&str] = match segments.as_slice() {
        ["api", _version, rest @ ..] => rest,
        ["apis", _group, _version, rest @ ..] => rest,
        _ => &[],
    };
    if let ["watch", after @ ..] = rest {
        rest = after;
    }
    if let ["namespaces", _namespace, after @ ..] = rest
        && !after.is_empty()
    {
        rest = after;
    }
    match rest {
        [resource, after @ ..] => (resource, after.to_vec()),
        [] => ("", Vec::new()),
    }
}

/// The `object` of a watch event (`{type, object}`).
fn watch_event_object(document: &mut Value) -> Option<&mut Value> {
    let map = document.as_object_mut()?;
    if map.len() == 2 && map.contains_key("type") {
        return map.get_mut("object").filter(|object| object.is_object());
    }
    None
}

/// What the items of a list are: `SecretList` says it, else the path does.
fn list_item_resource(document: &Value, resource: Resource) -> Resource {
    let kind = document.get("kind").and_then(Value::as_str).unwrap_or_default();
    match kind.strip_suffix("List") {
        Some("Secret") => Resource::Secret,
        Some("CertificateSigningRequest") => Resource::CertificateSigningRequest,
        _ => resource,
    }
}

/// True for a redaction placeholder, plain or base64-encoded.
pub(crate) fn is_placeholder(text: &str) -> bool {
    let plain = |text: &str| {
        text.strip_prefix("<redacted:")
            .and_then(|rest| rest.strip_suffix('>'))
            .is_some_and(|inner| inner.split(':').count() == 2)
    };
    plain(text) || decode_base64_text(text).is_some_and(|decoded| plain(&decoded))
}

fn decode_base64_text(text: &str) -> Option<String> {
    if text.len() < 4 {
        return None;
    }
    let bytes = STANDARD.decode(text.as_bytes()).ok()?;
    String::from_utf8(bytes).ok()
}

/// `text` without `scheme://host:port` in any URL it quotes: transport
/// errors name the server, which a cassette never stores.
pub(crate) fn without_server_addresses(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = ["https://", "http://"]
        .iter()
        .filter_map(|scheme| rest.find(scheme))
        .min()
    {
        out.push_str(&rest[..start]);
        let after_scheme = &rest[start..];
        let scheme_end = after_scheme.find("://").map_or(0, |index| index + 3);
        let authority_end = after_scheme[scheme_end..]
            .find(|c: char| c == '/' || c.is_whitespace() || c == '"' || c == '\'')
            .map_or(after_scheme.len(), |index| scheme_end + index);
        out.push_str("<server>");
        rest = &after_scheme[authority_end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn redacted(path: &str, mut document: Value) -> Value {
        Redactor::new(&[]).document(&mut document, Resource::from_path(path));
        document
    }

    #[test]
    fn secret_values_in_lists_and_watch_events_are_replaced() {
        let list = redacted(
            "/api/v1/secrets",
            json!({"kind": "SecretList", "items": [{"data": {"a": "czNjcmV0"}, "stringData": {"b": "s3cret"}}]}),
        );
        let placeholder = STANDARD.encode("<redacted:secret-data:0>");
        assert_eq!(list["items"][0]["data"]["a"], json!(placeholder));
        assert_eq!(
            list["items"][0]["stringData"]["b"],
            json!("<redacted:secret-data:0>")
        );
        let event = redacted(
            "/api/v1/watch/secrets",
            json!({"type": "ADDED", "object": {"kind": "Secret", "data": {"a": "czNjcmV0"}}}),
        );
        assert_eq!(event["object"]["data"]["a"], json!(placeholder));
    }

    #[test]
    fn tokens_and_certificates_are_replaced() {
        let token = redacted(
            "/api/v1/namespaces/d/serviceaccounts/x/token",
            json!({"status": {"token": "eyJhbGciOi"}}),
        );
        assert_eq!(token["status"]["token"], json!("<redacted:token:0>"));
        let csr = redacted(
            "/apis/certificates.k8s.io/v1/certificatesigningrequests/x",
            json!({"kind": "CertificateSigningRequest", "status": {"certificate": "LS0tLS1CRUdJTg=="}}),
        );
        assert!(is_placeholder(csr["status"]["certificate"].as_str().unwrap()));
    }

    #[test]
    fn the_resource_is_read_from_the_path_not_from_any_segment() {
        assert!(Resource::from_path("/api/v1/namespaces/d/secrets/db") == Resource::Secret);
        assert!(Resource::from_path("/api/v1/watch/namespaces/d/secrets") == Resource::Secret);
        assert!(Resource::from_path("/api/v1/secrets") == Resource::Secret);
        assert!(Resource::from_path("/api/v1/namespaces/secrets/configmaps") == Resource::Other);
        assert!(Resource::from_path("/api/v1/namespaces/secrets") == Resource::Other);
        assert!(
            Resource::from_path("/apis/certificates.k8s.io/v1/certificatesigningrequests/x/status")
                == Resource::CertificateSigningRequest
        );
        assert!(
            Resource::from_path("/api/v1/namespaces/d/serviceaccounts/x/token") == Resource::TokenRequest
        );
        assert!(Resource::from_path("/api/v1/namespaces/d/serviceaccounts/x") == Resource::Other);
    }

    #[test]
    fn user_strings_are_replaced_anywhere_also_in_base64() {
        let mut redactor = Redactor::new(&["hunter2".to_owned()]);
        assert_eq!(redactor.user_text("pw=hunter2;"), "pw=<redacted:user:0>;");
        let encoded = redactor.user_text(&STANDARD.encode("pw=hunter2"));
        assert_eq!(encoded, STANDARD.encode("pw=<redacted:user:0>"));
    }

    #[test]
    fn server_addresses_leave_transport_messages() {
        assert_eq!(
            without_server_addresses("GET https://10.0.0.1:6443/api/v1/pods: reset"),
            "GET <server>/api/v1/pods: reset"
        );
    }
}
