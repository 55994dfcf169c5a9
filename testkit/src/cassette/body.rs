//! A body as a cassette stores it: JSON as structured YAML, other text as a
//! block scalar, binary (protobuf) as base64.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A request or response body, or one event of a stream.
///
/// ```yaml
/// body:
///   json: {kind: Pod, metadata: {name: web}}
/// body:
///   text: |
///     log line one
/// body:
///   base64: azhzAAo...
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Body {
    /// No body.
    #[default]
    Empty,
    /// A JSON document, stored as YAML and sent back as compact JSON.
    Json(serde_json::Value),
    /// UTF-8 text that is not JSON, stored exactly.
    Text(#[serde(serialize_with = "text_as_block")] String),
    /// Bytes that are not UTF-8 (protobuf), stored as base64.
    Base64(#[serde(serialize_with = "to_base64", deserialize_with = "from_base64")] Vec<u8>),
}

impl Body {
    /// Classifies `bytes` by their content type and content: JSON when it
    /// parses as a JSON object or array, text when UTF-8, else binary.
    pub fn from_bytes(content_type: Option<&str>, bytes: &[u8]) -> Body {
        if bytes.is_empty() {
            return Body::Empty;
        }
        let declared_binary = content_type.is_some_and(|value| value.contains("protobuf"));
        if !declared_binary
            && looks_like_json_document(bytes)
            && let Ok(value) = serde_json::from_slice(bytes)
        {
            return Body::Json(value);
        }
        match std::str::from_utf8(bytes) {
            Ok(text) if !declared_binary => Body::Text(text.to_owned()),
            _ => Body::Base64(bytes.to_vec()),
        }
    }

    /// The bytes to send: JSON compact, text and binary as stored.
    pub fn to_bytes(&self) -> Bytes {
        match self {
            Body::Empty => Bytes::new(),
            Body::Json(value) => Bytes::from(serde_json::to_vec(value).unwrap_or_default()),
            Body::Text(text) => Bytes::from(text.clone()),
            Body::Base64(bytes) => Bytes::from(bytes.clone()),
        }
    }

    /// True for [`Body::Empty`].
    pub fn is_empty(&self) -> bool {
        matches!(self, Body::Empty)
    }

    /// The JSON document, when the body is one.
    pub fn as_json(&self) -> Option<&serde_json::Value> {
        match self {
            Body::Json(value) => Some(value),
            _ => None,
        }
    }
}

/// Only objects and arrays are stored as JSON: a bare `123` or `"x"` body is
/// kept as the text it was.
fn looks_like_json_document(bytes: &[u8]) -> bool {
    matches!(
        bytes.iter().find(|byte| !byte.is_ascii_whitespace()),
        Some(b'{' | b'[')
    )
}

/// Multi-line text as a literal block scalar (`|`) a reviewer can read; text
/// a block scalar cannot hold exactly is written as a quoted scalar.
fn text_as_block<S: Serializer>(text: &str, serializer: S) -> Result<S::Ok, S::Error> {
    if text.contains('\n') && fits_block_scalar(text) {
        serde_saphyr::LitStr(text).serialize(serializer)
    } else {
        serializer.serialize_str(text)
    }
}

/// A literal block scalar cannot start with a space on its first line, holds
/// no control characters but newlines, and loses trailing spaces on a line
/// only in some readers: all of those go quoted.
fn fits_block_scalar(text: &str) -> bool {
    let clean_chars = text.chars().all(|c| {
        c == '\n'
            || !(c.is_control() || c == '\u{feff}' || c == '\u{2028}' || c == '\u{2029}' || c == '\u{85}')
    });
    let clean_lines = text
        .split('\n')
        .all(|line| !line.ends_with(' ') && !line.starts_with(' '));
    clean_chars && clean_lines && !text.starts_with('\n')
}

fn to_base64<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&STANDARD.encode(bytes))
}

fn from_base64<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
    let text = String::deserialize(deserializer)?;
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    STANDARD
        .decode(compact.as_bytes())
        .map_err(|error| serde::de::Error::custom(format!("expected base64 bytes: {error}")))
}
