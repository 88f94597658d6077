//! Durations as platform.toml writes them: a whole number and one unit (`30s`, `10m`, `26h`, `7d`).

/// Seconds in `text`, or why it is not a duration.
pub fn parse_seconds(text: &str) -> Result<u64, String> {
    let hint = "expected a whole number and a unit: s, m, h or d (e.g. `30s`, `10m`, `26h`, `7d`)";
    let Some(unit) = text.chars().last() else {
        return Err(hint.into());
    };
    let factor = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        _ => return Err(hint.into()),
    };
    let number = &text[..text.len() - 1];
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
        return Err(hint.into());
    }
    let n: u64 = number.parse().map_err(|_| "too large".to_string())?;
    if n == 0 {
        return Err("must be longer than zero".into());
    }
    n.checked_mul(factor)
        .filter(|s| *s <= i64::MAX as u64 / 1000)
        .ok_or_else(|| "too large".into())
}

/// `seconds` as a Go duration (`24h`, `90m`, `45s`), the form Go controllers parse
/// (External Secrets Operator's `refreshInterval`); the largest whole unit.
pub fn go(seconds: u64) -> String {
    if seconds.is_multiple_of(3600) {
        format!("{}h", seconds / 3600)
    } else if seconds.is_multiple_of(60) {
        format!("{}m", seconds / 60)
    } else {
        format!("{seconds}s")
    }
}

#[cfg(test)]
mod tests {
    use super::{go, parse_seconds};

    #[test]
    fn go_durations() {
        assert_eq!(go(86_400), "24h");
        assert_eq!(go(5_400), "90m");
        assert_eq!(go(45), "45s");
    }

    #[test]
    fn units() {
        assert_eq!(parse_seconds("30s"), Ok(30));
        assert_eq!(parse_seconds("10m"), Ok(600));
        assert_eq!(parse_seconds("26h"), Ok(93_600));
        assert_eq!(parse_seconds("7d"), Ok(604_800));
        for bad in [
            "",
            "7",
            "d",
            "1.5h",
            "-1h",
            "1w",
            "0s",
            "1h30m",
            " 1h",
            "99999999999999999999d",
        ] {
            assert!(parse_seconds(bad).is_err(), "{bad:?}");
        }
    }
}
