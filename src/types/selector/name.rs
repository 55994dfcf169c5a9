//! The API server's rules for label keys and values (apimachinery
//! `validation.IsQualifiedName` and `IsValidLabelValue`), as plain checks
//! returning what is wrong.

const NAME_MAX: usize = 63;
const PREFIX_MAX: usize = 253;

/// Checks a label key: an optional DNS-subdomain prefix and `/`, then a name
/// of at most 63 characters, alphanumeric at both ends, `-_.` inside.
pub(crate) fn check_label_key(key: &str) -> Result<(), String> {
    let (prefix, name) = match key.rsplit_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, key),
    };
    if let Some(prefix) = prefix {
        check_dns_subdomain(prefix).map_err(|why| format!("key {key:?}: prefix {why}"))?;
    }
    if name.is_empty() {
        return Err(format!("key {key:?}: name part must not be empty"));
    }
    check_name_chars(name).map_err(|why| format!("key {key:?}: name part {why}"))
}

/// Checks a label value: empty, or at most 63 characters, alphanumeric at
/// both ends, `-_.` inside.
pub(crate) fn check_label_value(value: &str) -> Result<(), String> {
    if value.is_empty() {
        return Ok(());
    }
    check_name_chars(value).map_err(|why| format!("value {value:?} {why}"))
}

fn check_name_chars(name: &str) -> Result<(), String> {
    if name.len() > NAME_MAX {
        return Err(format!("must be no more than {NAME_MAX} characters"));
    }
    let ok_inside = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    let first_last_ok = name.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && name.chars().last().is_some_and(|c| c.is_ascii_alphanumeric());
    if !name.chars().all(ok_inside) || !first_last_ok {
        return Err("must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character".into());
    }
    Ok(())
}

fn check_dns_subdomain(prefix: &str) -> Result<(), String> {
    if prefix.is_empty() || prefix.len() > PREFIX_MAX {
        return Err(format!("must be 1 to {PREFIX_MAX} characters"));
    }
    let label_ok = |label: &str| {
        !label.is_empty()
            && label
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    };
    if !prefix.split('.').all(label_ok) {
        return Err(format!(
            "{prefix:?} must be a DNS subdomain: lowercase alphanumeric characters, '-' or '.', starting and ending with an alphanumeric character"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_with_and_without_dns_prefix_are_accepted() {
        for key in ["app", "app.kubernetes.io/name", "a_b.c-d", "x/y", "A1"] {
            assert_eq!(check_label_key(key), Ok(()), "{key}");
        }
    }

    #[test]
    fn bad_keys_are_rejected() {
        for key in [
            "",
            "-a",
            "a-",
            "Upper.Case/x",
            "x/",
            "/x",
            "a b",
            &"a".repeat(64),
            "x..y/z",
        ] {
            assert!(check_label_key(key).is_err(), "{key}");
        }
    }

    #[test]
    fn label_values_follow_the_63_character_rule() {
        assert_eq!(check_label_value(""), Ok(()));
        assert_eq!(check_label_value(&"v".repeat(63)), Ok(()));
        assert!(check_label_value(&"v".repeat(64)).is_err());
        assert!(check_label_value("a/b").is_err());
        assert!(check_label_value("_a").is_err());
    }
}
