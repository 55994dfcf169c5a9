//! The AGE column: how long ago a timestamp was, in kubectl's short form
//! (`45s`, `5m30s`, `3h`, `2d4h`, `1y30d`).

use jiff::Timestamp;

/// The age of `created` at `now`, as kubectl shows it; `<unknown>` for a
/// missing or unreadable timestamp.
pub(crate) fn age(created: Option<&str>, now: Timestamp) -> String {
    match created.and_then(|text| text.parse::<Timestamp>().ok()) {
        Some(created) => human_duration(now.as_second() - created.as_second()),
        None => "<unknown>".to_owned(),
    }
}

/// A duration in seconds in the short form, more precise when it is short.
pub(crate) fn human_duration(seconds: i64) -> String {
    // A little clock skew between writer and reader still reads as "now".
    if seconds < -1 {
        return "<invalid>".to_owned();
    }
    let seconds = seconds.max(0);
    let minutes = seconds / 60;
    let hours = seconds / 3600;
    let days = hours / 24;
    let years = days / 365;
    let pair = |big: i64, big_unit: &str, small: i64, small_unit: &str| {
        if small == 0 {
            format!("{big}{big_unit}")
        } else {
            format!("{big}{big_unit}{small}{small_unit}")
        }
    };
    match () {
        () if seconds < 120 => format!("{seconds}s"),
        () if minutes < 10 => pair(minutes, "m", seconds % 60, "s"),
        () if minutes < 180 => format!("{minutes}m"),
        () if hours < 8 => pair(hours, "h", minutes % 60, "m"),
        () if hours < 48 => format!("{hours}h"),
        () if hours < 24 * 8 => pair(days, "d", hours % 24, "h"),
        () if years < 2 => format!("{days}d"),
        () if years < 8 => pair(years, "y", days % 365, "d"),
        () => format!("{years}y"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_range_has_its_precision() {
        let cases = [
            (-5, "<invalid>"),
            (-1, "0s"),
            (0, "0s"),
            (119, "119s"),
            (120, "2m"),
            (330, "5m30s"),
            (600, "10m"),
            (3 * 3600, "3h"),
            (3 * 3600 + 15 * 60, "3h15m"),
            (47 * 3600, "47h"),
            (2 * 86400 + 4 * 3600, "2d4h"),
            (3 * 86400, "3d"),
            (30 * 86400, "30d"),
            (3 * 365 * 86400 + 30 * 86400, "3y30d"),
            (9 * 365 * 86400, "9y"),
        ];
        for (seconds, expected) in cases {
            assert_eq!(human_duration(seconds), expected, "{seconds}s");
        }
    }

    #[test]
    fn a_missing_timestamp_is_unknown() {
        assert_eq!(age(None, Timestamp::UNIX_EPOCH), "<unknown>");
        assert_eq!(age(Some("yesterday"), Timestamp::UNIX_EPOCH), "<unknown>");
        assert_eq!(
            age(Some("1970-01-01T00:00:00Z"), Timestamp::from_second(90).unwrap()),
            "90s"
        );
    }
}
