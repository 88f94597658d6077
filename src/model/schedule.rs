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

/// Why `schedule` is not a schedule the CronJob controller accepts, or `None`. Large platforms
/// repeat a few schedules thousands of times and parsing one is the costly part of checking a
/// pipeline, so each thread remembers the answers it gave.
pub fn schedule_problem(schedule: &str) -> Option<String> {
    thread_local! {
        static SEEN: std::cell::RefCell<std::collections::HashMap<String, Option<String>>> =
            std::cell::RefCell::default();
    }
    if let Some(known) = SEEN.with_borrow(|seen| seen.get(schedule).cloned()) {
        return known;
    }
    let problem = check(schedule);
    SEEN.with_borrow_mut(|seen| seen.insert(schedule.to_string(), problem.clone()));
    problem
}

fn check(schedule: &str) -> Option<String> {
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
    for (field, name) in fields.iter().zip(FIELD_NAMES) {
        if let Some(c) = unsupported_char(field) {
            return Some(format!(
                "the {name} field `{field}` contains `{c}`, which CronJob does not support"
            ));
        }
    }
    for ((field, name), (min, max, names)) in fields.iter().zip(FIELD_NAMES).zip(BOUNDS) {
        if let Err((token, why)) = check_field(field, min, max, names) {
            return Some(if token == *field {
                format!("the {name} field `{field}` {why}")
            } else {
                format!("the {name} field `{field}`: `{token}` {why}")
            });
        }
    }
    croner_problem(trimmed)
}

/// The bytes of `schedule` holding the field its problem is about (`61` in `61 2 * * *`),
/// when the problem is one field's.
pub fn faulty_field(schedule: &str) -> Option<std::ops::Range<usize>> {
    let trimmed = schedule.trim();
    if trimmed.starts_with('@') || trimmed.contains("TZ=") {
        return None;
    }
    let fields: Vec<(usize, &str)> = schedule
        .split_whitespace()
        .map(|f| (f.as_ptr() as usize - schedule.as_ptr() as usize, f))
        .collect();
    if fields.len() != 5 {
        return None;
    }
    fields
        .iter()
        .zip(BOUNDS)
        .find(|((_, field), (min, max, names))| {
            unsupported_char(field).is_some() || check_field(field, *min, *max, *names).is_err()
        })
        .map(|((at, field), _)| *at..*at + field.len())
}

/// The first character of `field` the controller (robfig/cron) does not support, if any: it
/// has no `L`, `W` or `#`, which croner would accept.
fn unsupported_char(field: &str) -> Option<char> {
    let upper = field.to_ascii_uppercase();
    let stripped = MONTHS
        .iter()
        .chain(DAYS.iter())
        .fold(upper, |acc, n| acc.replace(n, ""));
    stripped
        .chars()
        .find(|c| !(c.is_ascii_digit() || "*/,-?".contains(*c)))
}

/// What croner says of a five-field schedule.
///
/// croner always reads a year field, and for a schedule without one it sets all 5,000 years one
/// by one: most of the cost of checking a schedule (at 10 tenants, 14 % of the instructions of a
/// whole `platc check`). One year reads the same five fields for a fraction of it; seconds come
/// with it (a year needs all seven fields), and `0` is what croner puts there for five. A test
/// holds the answers to croner's own reading of the five fields.
fn croner_problem(schedule: &str) -> Option<String> {
    let parser = CronParser::builder()
        .seconds(Seconds::Required)
        .year(Year::Required)
        .build();
    match parser.parse(&format!("0 {schedule} 2000")) {
        Ok(_) => None,
        Err(e) => Some(describe(&e.to_string())),
    }
}

const FIELD_NAMES: [&str; 5] = ["minute", "hour", "day-of-month", "month", "day-of-week"];

const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const DAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/// Names a field accepts, and the number of the first.
type Names = (&'static [&'static str], u32);

/// Bounds of each field as the CronJob controller (robfig/cron) reads them, with the names it
/// accepts and the number of the first name. Day-of-week is 0-6: `7` is not Sunday there.
const BOUNDS: [(u32, u32, Names); 5] = [
    (0, 59, (&[], 0)),
    (0, 23, (&[], 0)),
    (1, 31, (&[], 0)),
    (1, 12, (&MONTHS, 1)),
    (0, 6, (&DAYS, 0)),
];

/// Checks the numbers of one field (lists, ranges, steps) against its bounds, so an error names
/// the field and the valid range instead of croner's "Number out of bounds". The error is the
/// offending part of the field and what is wrong with it.
fn check_field<'f>(
    field: &'f str,
    min: u32,
    max: u32,
    names: Names,
) -> Result<(), (&'f str, String)> {
    let value = |v: &'f str| -> Result<u32, (&'f str, String)> {
        let n = if let Some(i) = names.0.iter().position(|n| n.eq_ignore_ascii_case(v)) {
            u32::try_from(i).unwrap_or(u32::MAX).saturating_add(names.1)
        } else {
            v.parse::<u32>()
                .map_err(|_| (v, format!("is not a number; valid values are {min}-{max}")))?
        };
        if (min..=max).contains(&n) {
            Ok(n)
        } else {
            Err((v, format!("is out of range; valid values are {min}-{max}")))
        }
    };
    for item in field.split(',') {
        let (range, step) = match item.split_once('/') {
            Some((r, s)) => (r, Some(s)),
            None => (item, None),
        };
        if let Some(step) = step
            && !step.parse::<u32>().is_ok_and(|s| s > 0)
        {
            return Err((
                step,
                "is not a step; a step is a whole number above 0".into(),
            ));
        }
        if range == "*" || range == "?" {
            continue;
        }
        if range.is_empty() {
            return Err((field, "has an empty list item".into()));
        }
        let (first, last) = range.split_once('-').unwrap_or((range, range));
        let (first, last) = (value(first)?, value(last)?);
        if first > last {
            return Err((
                range,
                "runs backwards; write the smaller number first".into(),
            ));
        }
    }
    Ok(())
}

fn describe(croner: &str) -> String {
    let text = croner.trim_end_matches('.');
    format!("{}{}", text[..1].to_lowercase(), &text[1..])
}

/// How many runs [`gap_longer_than`] looks at: a year of an hourly schedule, two of a daily one.
const RUNS_SCANNED: usize = 10_000;

/// A wall-clock time for croner to step through (jiff's civil time; croner's own jiff support
/// is for another jiff version).
#[derive(Clone, Copy)]
pub(crate) struct WallClock(pub(crate) jiff::civil::DateTime);

impl croner::CronDateTime for WallClock {
    fn to_civil(&self) -> croner::CivilDateTime {
        let t = self.0;
        let part = |n: i8| u32::try_from(n).unwrap_or(0);
        croner::CivilDateTime::new(
            croner::CivilDate::from_parts_unchecked(
                i32::from(t.year()),
                part(t.month()),
                part(t.day()),
            ),
            croner::CivilTime::from_parts_unchecked(
                part(t.hour()),
                part(t.minute()),
                part(t.second()),
            ),
        )
    }

    fn civil_weekday(&self) -> croner::Weekday {
        let days = u32::try_from(self.0.weekday().to_sunday_zero_offset()).unwrap_or(0);
        croner::Weekday::from_days_from_sunday(days)
    }

    fn resolve_civil(
        &self,
        civil: croner::CivilDateTime,
    ) -> Result<croner::Resolution<Self>, croner::errors::CronError> {
        let part = |n: u32| i8::try_from(n).map_err(|_| croner::errors::CronError::InvalidDate);
        let year =
            i16::try_from(civil.year()).map_err(|_| croner::errors::CronError::InvalidDate)?;
        jiff::civil::DateTime::new(
            year,
            part(civil.month())?,
            part(civil.day())?,
            part(civil.hour())?,
            part(civil.minute())?,
            part(civil.second())?,
            0,
        )
        .map(|t| croner::Resolution::Single(WallClock(t)))
        .map_err(|_| croner::errors::CronError::InvalidDate)
    }

    fn checked_add_seconds(&self, seconds: i64) -> Option<Self> {
        self.0
            .checked_add(jiff::SignedDuration::from_secs(seconds))
            .ok()
            .map(WallClock)
    }

    fn cmp_instant(&self, other: &Self) -> std::cmp::Ordering {
        self.0.cmp(&other.0)
    }
}

/// The longest wait between two consecutive runs of a valid `schedule`, when it is longer than
/// `seconds`: looked for over the runs after 2026-01-01 00:00 (at most [`RUNS_SCANNED`], over
/// at most a year). Counted on the wall clock of the schedule's zone: a daylight-saving shift
/// is not seen. The same answer on every machine and day.
pub fn gap_longer_than(schedule: &str, seconds: u64) -> Option<u64> {
    longest_gap(schedule).filter(|gap| *gap > seconds)
}

/// The longest wait between two consecutive runs of `schedule` (see [`gap_longer_than`]),
/// computed once per schedule: a platform of many tenants has few distinct schedules, and
/// walking a year of runs costs ~20,000 instructions a run.
pub fn longest_gap(schedule: &str) -> Option<u64> {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static KNOWN: OnceLock<Mutex<HashMap<String, Option<u64>>>> = OnceLock::new();
    let known = KNOWN.get_or_init(Mutex::default);
    if let Some(gap) = known.lock().ok().and_then(|k| k.get(schedule).copied()) {
        return gap;
    }
    let gap = walk_gaps(schedule);
    if let Ok(mut k) = known.lock() {
        k.insert(schedule.to_string(), gap);
    }
    gap
}

fn walk_gaps(schedule: &str) -> Option<u64> {
    let five = five_fields(schedule);
    let cron = CronParser::builder().build().parse(five).ok()?;
    // A schedule that names no day of the month, month or weekday repeats every day, one
    // that names only weekdays every week: two periods hold every gap there is.
    let fields: Vec<&str> = five.split_whitespace().collect();
    let days = match fields.as_slice() {
        [_, _, "*", "*", "*"] => 2,
        [_, _, "*", "*", _] => 15,
        _ => 366,
    };
    let start = jiff::civil::date(2026, 1, 1).at(0, 0, 0, 0);
    let end = start
        .checked_add(jiff::SignedDuration::from_hours(days * 24))
        .ok()?;
    let mut previous: Option<jiff::civil::DateTime> = None;
    let mut longest: Option<u64> = None;
    for WallClock(at) in cron.iter_after(WallClock(start)).take(RUNS_SCANNED) {
        if let Some(before) = previous
            && let Ok(gap) = u64::try_from(before.duration_until(at).as_secs())
        {
            longest = Some(longest.map_or(gap, |l| l.max(gap)));
        }
        if at > end {
            break;
        }
        previous = Some(at);
    }
    longest
}

/// A schedule's five fields: a macro (`@daily`) spelled out, as the controller reads it.
pub fn five_fields(schedule: &str) -> &str {
    match schedule.trim() {
        "@hourly" => "0 * * * *",
        "@daily" | "@midnight" => "0 0 * * *",
        "@weekly" => "0 0 * * 0",
        "@monthly" => "0 0 1 * *",
        "@yearly" | "@annually" => "0 0 1 1 *",
        other => other,
    }
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
    fn gaps_between_runs() {
        let day = 86_400;
        assert_eq!(gap_longer_than("@daily", day - 1), Some(day));
        assert_eq!(gap_longer_than("@daily", day), None);
        // Weekdays only: the weekend is the longest wait.
        assert_eq!(gap_longer_than("0 6 * * 1-5", day), Some(3 * day));
        assert_eq!(gap_longer_than("*/5 * * * *", 300), None);
        assert_eq!(gap_longer_than("0 0 1 * *", 28 * day), Some(31 * day));
        // Day-of-month and day-of-week both set: either matches, as in the controller.
        assert_eq!(gap_longer_than("0 0 1 * 1", 7 * day), None);
    }

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
            "0 2 * * 7",
            "*/0 * * * *",
            "0 5-2 * * *",
        ] {
            assert!(schedule_problem(bad).is_some(), "{bad:?}");
        }
        // Every out-of-range error names its field and the valid range.
        for (bad, field, range) in [
            ("61 2 * * *", "minute", "0-59"),
            ("0 24 * * *", "hour", "0-23"),
            ("0 2 0 * *", "day-of-month", "1-31"),
            ("0 2 1 13 *", "month", "1-12"),
            ("0 2 * * 8", "day-of-week", "0-6"),
            ("0 1-30/2,99 * * *", "hour", "0-23"),
        ] {
            let problem = schedule_problem(bad).unwrap_or_default();
            assert!(
                problem.contains(field) && problem.contains(range),
                "{bad:?}: {problem}"
            );
        }
    }

    /// croner's answer through [`croner_problem`] is its answer for the five fields alone, good
    /// or bad, message included.
    #[test]
    fn croner_reads_five_fields_as_with_every_year() {
        let five_fields = |schedule: &str| {
            let parser = CronParser::builder()
                .seconds(Seconds::Disallowed)
                .year(Year::Disallowed)
                .build();
            parser
                .parse(schedule)
                .err()
                .map(|e| describe(&e.to_string()))
        };
        let mut bad = 0;
        for schedule in [
            "0 2 * * *",
            "*/15 * * * *",
            "0 0-6/2 * * MON-FRI",
            "30 2 1,15 JAN,JUL *",
            "0 0 * * 0",
            "5 4 * * sun",
            "0 0 ? * ?",
            "0 0 L * *",
            "0 0 * * 5#3",
            "0 0 * * 5L",
            "0 0 15W * *",
            "61 2 * * *",
            "0 25 * * *",
            "0 2 32 * *",
            "0 2 * * 8",
            "0 2 1 13 *",
            "*/0 * * * *",
            "0 5-2 * * *",
            "a b c d e",
            "0 2 * * MON-",
            "0 2 * * -MON",
            "1-2-3 * * * *",
            "5/2/3 * * * *",
            ",, * * * *",
            "0 2 * JAN-DEC/2 *",
            "0 2 * * +MON",
            "0 2 1-31/7 * *",
            "0 2 * * 7",
            "0 2 * * 0-7",
            "0 0 29 2 *",
            "0 0 31 4 *",
            "0 0 * * SUN#6",
            "* * * * * ",
            "0 2 * * 1,,2",
            "0 0 1 1 MON-SUN",
        ] {
            let theirs = five_fields(schedule);
            bad += usize::from(theirs.is_some());
            assert_eq!(croner_problem(schedule), theirs, "{schedule:?}");
        }
        assert!(bad >= 10, "{bad} of the schedules are bad");
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

    #[test]
    fn the_faulty_field_is_located() {
        for (schedule, field) in [
            ("61 2 * * *", Some("61")),
            (" 0 25 * * *", Some("25")),
            ("0 2 * * 7", Some("7")),
            ("0 2 L * *", Some("L")),
            ("0 2 * JAN-FOO *", Some("JAN-FOO")),
            ("@daly", None),
            ("0 2 * *", None),
        ] {
            let got = super::faulty_field(schedule).map(|r| &schedule[r]);
            assert_eq!(got, field, "{schedule}");
        }
    }
}
