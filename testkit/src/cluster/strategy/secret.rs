//! Secrets: `type: Opaque` by default, and the strategy's folding of
//! `stringData` into `data` (never stored as such).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value, json};

use super::json::{default_value, object_at};

pub(crate) fn default(secret: &mut Map<String, Value>) {
    default_value(secret, "type", json!("Opaque"));
}

/// Each `stringData` entry is encoded into `data`, winning over the same
/// key there.
pub(crate) fn fold_string_data(secret: &mut Map<String, Value>) {
    let Some(Value::Object(strings)) = secret.remove("stringData") else {
        return;
    };
    if !secret.get("data").is_none_or(Value::is_object) {
        secret.insert("data".into(), json!({}));
    }
    let Some(data) = object_at(secret, "data") else {
        return;
    };
    for (key, value) in strings {
        let text = value.as_str().unwrap_or_default();
        data.insert(key, Value::String(STANDARD.encode(text)));
    }
}
