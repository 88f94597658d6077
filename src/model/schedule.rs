//! Cron schedules as the CronJob controller reads them, and IANA time zones.

use croner::parser::{CronParser, Seconds, Year};

const MACROS: [&str; 7] = [
    "@yearly",
    "@annually",
    "@monthly",
    "@weekly",
    "@daily",
    "@midnight",
    "@hourly",
];

/// Why `schedule` is not a schedule the CronJob controller accepts, or `None`.
pub fn schedule_problem(schedule: &str) -> Option<String> {
    let trimmed = schedule.trim();
    if trimmed.starts_with('@') {
        return (!MACROS.contains(&trimmed)).then(|| {
            format!(
                "unknown macro `{trimmed}`; valid macros: {}",
                MACROS.join(", ")
            )
        });
    }
    if trimmed.contains("TZ=") {
        return Some("set the time zone with `time_zone`, not `TZ=` in the schedule".into());
    }
    let fields: Vec<&str> = trimmed.split_whitespace().collect();
    if fields.len() != 5 {
        return Some(format!(
            "has {} fields; a schedule has 5: minute hour day-of-month month day-of-week",
            fields.len()
        ));
    }
    // The controller (robfig/cron) has no `L`, `W` or `#`; croner would accept them.
    for (field, name) in
        fields
            .iter()
            .zip(["minute", "hour", "day-of-month", "month", "day-of-week"])
    {
        let upper = field.to_ascii_uppercase();
        let stripped = [
            "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
            "SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT",
        ]
        .iter()
        .fold(upper, |acc, n| acc.replace(n, ""));
        if let Some(c) = stripped
            .chars()
            .find(|c| !(c.is_ascii_digit() || "*/,-?".contains(*c)))
        {
            return Some(format!(
                "the {name} field `{field}` contains `{c}`, which CronJob does not support"
            ));
        }
    }
    let parser = CronParser::builder()
        .seconds(Seconds::Disallowed)
        .year(Year::Disallowed)
        .build();
    match parser.parse(trimmed) {
        Ok(_) => None,
        Err(e) => Some(describe(&e.to_string())),
    }
}

fn describe(croner: &str) -> String {
    let text = croner.trim_end_matches('.');
    format!("{}{}", text[..1].to_lowercase(), &text[1..])
}

/// Whether `zone` is in the IANA time zone database (bundled, the same on every machine).
pub fn is_time_zone(zone: &str) -> bool {
    !zone.is_empty() && !zone.starts_with('/') && jiff::tz::TimeZone::get(zone).is_ok()
}

/// Known zone names close to `zone`, for a hint.
pub fn similar_time_zones(zone: &str) -> Vec<String> {
    let db = jiff::tz::db();
    let mut scored: Vec<(f64, String)> = db
        .available()
        .map(|n| n.as_str().to_string())
        .map(|n| {
            (
                strsim::jaro_winkler(&zone.to_ascii_lowercase(), &n.to_ascii_lowercase()),
                n,
            )
        })
        .filter(|(s, _)| *s > 0.85)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    scored.into_iter().take(3).map(|(_, n)| n).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules() {
        for ok in [
            "0 2 * * *",
            "*/15 * * * *",
            "0 0-6/2 * * MON-FRI",
            "30 2 1,15 JAN,JUL *",
            "@daily",
            "@hourly",
            "0 0 * * 0",
            "5 4 * * sun",
        ] {
            assert_eq!(schedule_problem(ok), None, "{ok}");
        }
        for bad in [
            "",
            "0 2 * *",
            "0 0 2 * * *",
            "61 2 * * *",
            "0 25 * * *",
            "@often",
            "0 2 L * *",
            "0 2 * * 5#3",
            "TZ=UTC 0 2 * * *",
            "a b c d e",
            "0 2 32 * *",
        ] {
            assert!(schedule_problem(bad).is_some(), "{bad:?}");
        }
    }

    #[test]
    fn time_zones() {
        assert!(is_time_zone("Etc/UTC"));
        assert!(is_time_zone("Europe/London"));
        assert!(!is_time_zone("Europe/Londn"));
        assert!(!is_time_zone("Mars/Olympus"));
        assert!(!is_time_zone("/etc/localtime"));
        assert!(similar_time_zones("Europe/Londn").contains(&"Europe/London".to_string()));
    }
}
