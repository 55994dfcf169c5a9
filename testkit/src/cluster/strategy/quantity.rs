//! Resource quantities (`100m`, `1Gi`, `2e3`) read as numbers, for the
//! rules that compare them (QoS class). Equal quantities written
//! differently (`1` and `1000m`) compare equal.

use serde_json::Value;

const SUFFIXES: [(&str, f64); 13] = [
    ("Ki", 1024.0),
    ("Mi", 1_048_576.0),
    ("Gi", 1_073_741_824.0),
    ("Ti", 1_099_511_627_776.0),
    ("Pi", 1_125_899_906_842_624.0),
    ("Ei", 1_152_921_504_606_846_976.0),
    ("n", 1e-9),
    ("u", 1e-6),
    ("m", 1e-3),
    ("k", 1e3),
    ("M", 1e6),
    ("G", 1e9),
    ("T", 1e12),
];

/// The quantity's value, or `None` when it is absent or not a quantity.
pub(crate) fn parse(value: &Value) -> Option<f64> {
    match value {
        Value::Number(number) => number.as_f64(),
        Value::String(text) => parse_text(text.trim()),
        _ => None,
    }
}

fn parse_text(text: &str) -> Option<f64> {
    let suffixed = [("P", 1e15), ("E", 1e18)].into_iter().chain(SUFFIXES);
    for (suffix, factor) in suffixed {
        if let Some(number) = text.strip_suffix(suffix) {
            return number.parse::<f64>().ok().map(|value| value * factor);
        }
    }
    text.parse::<f64>().ok()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::parse;

    #[test]
    fn suffixes_scale() {
        assert_eq!(parse(&json!("100m")), Some(0.1));
        assert_eq!(parse(&json!("1Gi")), Some(1_073_741_824.0));
        assert_eq!(parse(&json!("2e3")), Some(2000.0));
        assert_eq!(parse(&json!(3)), Some(3.0));
        assert_eq!(parse(&json!("lots")), None);
    }
}
