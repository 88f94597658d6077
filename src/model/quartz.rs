//! A CronJob schedule as the Quartz expression DolphinScheduler reads (`second minute hour
//! day-of-month month day-of-week year`), meaning the same fire times.
//!
//! Two readings differ. Quartz numbers the days of the week 1-7 from Sunday, cron 0-6 from
//! Sunday, so the day-of-week field is always rewritten as Quartz numbers. And cron runs on a
//! day that matches the day-of-month *or* the day-of-week when both are restricted, which
//! Quartz cannot say: it needs `?` in one of the two. Such a schedule is refused
//! ([`Inexpressible`]). Quartz also refuses steps larger than a field's range (`*/90` in the
//! minutes), which cron reads as "the first value only": those fields are written as lists.

/// Why a valid CronJob schedule has no Quartz equivalent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inexpressible {
    /// The day-of-month field as written.
    pub day_of_month: String,
    /// The day-of-week field as written.
    pub day_of_week: String,
}

const DAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];

/// The bounds of a field, its names (numbered from `min`), and the largest step Quartz takes.
struct Field {
    min: u32,
    max: u32,
    names: &'static [&'static str],
    max_step: u32,
}

const MINUTE: Field = Field {
    min: 0,
    max: 59,
    names: &[],
    max_step: 59,
};
const HOUR: Field = Field {
    min: 0,
    max: 23,
    names: &[],
    max_step: 23,
};
const DAY_OF_MONTH: Field = Field {
    min: 1,
    max: 31,
    names: &[],
    max_step: 31,
};
const MONTH: Field = Field {
    min: 1,
    max: 12,
    names: &MONTHS,
    max_step: 12,
};
const DAY_OF_WEEK: Field = Field {
    min: 0,
    max: 6,
    names: &DAYS,
    max_step: 7,
};

/// The Quartz expression of a schedule the CronJob controller accepts (checked by
/// [`super::schedule::schedule_problem`] first): seven fields, the year `*`.
pub fn to_quartz(schedule: &str) -> Result<String, Inexpressible> {
    let fields: Vec<&str> = super::schedule::five_fields(schedule)
        .split_whitespace()
        .collect();
    let [minute, hour, dom, month, dow] = fields[..] else {
        // Not a valid schedule; validation reports it.
        return Err(Inexpressible {
            day_of_month: String::new(),
            day_of_week: String::new(),
        });
    };
    let (dom_q, dow_q) = match (is_every(dom), is_every(dow)) {
        (_, true) => (plain(dom, &DAY_OF_MONTH), "?".to_string()),
        (true, false) => ("?".to_string(), weekdays(dow)),
        (false, false) => {
            return Err(Inexpressible {
                day_of_month: dom.to_string(),
                day_of_week: dow.to_string(),
            });
        }
    };
    Ok(format!(
        "0 {} {} {dom_q} {} {dow_q} *",
        plain(minute, &MINUTE),
        plain(hour, &HOUR),
        plain(month, &MONTH),
    ))
}

/// Whether a day field leaves the day unrestricted as both the CronJob controller and croner
/// read it: exactly `*` or `?`. (The controller also counts `*/1` and lists holding `*`; croner
/// does not, so those count as restricting.)
fn is_every(field: &str) -> bool {
    field == "*" || field == "?"
}

/// A field Quartz reads as cron does: as written (names upper-cased, `?` as `*`), unless a step
/// is larger than Quartz allows or `?` is part of a list, then as the list of its values.
fn plain(text: &str, field: &Field) -> String {
    if is_every(text) {
        return "*".into();
    }
    let upper = text.to_ascii_uppercase();
    let needs_list = upper.split(',').any(|item| {
        item.contains('?')
            || item
                .split_once('/')
                .is_some_and(|(_, step)| step.parse::<u32>().map_or(true, |s| s > field.max_step))
    });
    if needs_list {
        compress(&values(&upper, field), 0)
    } else {
        upper
    }
}

/// A day-of-week field as Quartz numbers (Sunday 1 ... Saturday 7).
fn weekdays(text: &str) -> String {
    compress(&values(&text.to_ascii_uppercase(), &DAY_OF_WEEK), 1)
}

/// The values a cron field selects, as the CronJob controller (robfig/cron) reads them: `*` and
/// `?` the whole range, `N/S` from N to the end in steps of S.
fn values(text: &str, field: &Field) -> Vec<u32> {
    let number = |s: &str| -> u32 {
        field
            .names
            .iter()
            .position(|n| n.eq_ignore_ascii_case(s))
            .and_then(|i| u32::try_from(i).ok())
            .map(|i| i + field.min)
            .or_else(|| s.parse().ok())
            .unwrap_or(field.min)
    };
    let mut out = std::collections::BTreeSet::new();
    for item in text.split(',') {
        let (range, step) = match item.split_once('/') {
            Some((r, s)) => (r, s.parse::<u32>().unwrap_or(1).max(1)),
            None => (item, 1),
        };
        let (first, last) = if range == "*" || range == "?" {
            (field.min, field.max)
        } else if let Some((a, b)) = range.split_once('-') {
            (number(a), number(b))
        } else if item.contains('/') {
            (number(range), field.max)
        } else {
            let n = number(range);
            (n, n)
        };
        let mut v = first;
        while v <= last.min(field.max) {
            out.insert(v);
            v += step;
        }
    }
    out.into_iter().collect()
}

/// Sorted values as a Quartz list, each shifted by `offset`: runs of three or more as ranges.
fn compress(values: &[u32], offset: u32) -> String {
    let mut parts = Vec::new();
    let mut i = 0;
    while i < values.len() {
        let mut j = i;
        while j + 1 < values.len() && values[j + 1] == values[j] + 1 {
            j += 1;
        }
        let (a, b) = (values[i] + offset, values[j] + offset);
        match j - i {
            0 => parts.push(a.to_string()),
            1 => parts.push(format!("{a},{b}")),
            _ => parts.push(format!("{a}-{b}")),
        }
        i = j + 1;
    }
    parts.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::schedule::{WallClock, schedule_problem};
    use croner::parser::{CronParser, Seconds, Year};

    #[test]
    fn forms() {
        for (cron, quartz) in [
            ("0 2 * * *", "0 0 2 * * ? *"),
            ("30 2 * * *", "0 30 2 * * ? *"),
            ("*/15 * * * *", "0 */15 * * * ? *"),
            ("0 6 * * 1-5", "0 0 6 ? * 2-6 *"),
            ("0 6 * * MON-FRI", "0 0 6 ? * 2-6 *"),
            ("0 0 * * 0", "0 0 0 ? * 1 *"),
            ("0 0 * * sun,sat", "0 0 0 ? * 1,7 *"),
            ("0 0 * * */2", "0 0 0 ? * 1,3,5,7 *"),
            ("0 0 * * 3/2", "0 0 0 ? * 4,6 *"),
            ("0 0 1 * *", "0 0 0 1 * ? *"),
            ("0 0 1,15 jan,jul *", "0 0 0 1,15 JAN,JUL ? *"),
            ("0 0 ? * *", "0 0 0 * * ? *"),
            ("*/90 * * * *", "0 0 * * * ? *"),
            ("0 0 * * ?", "0 0 0 * * ? *"),
            ("@hourly", "0 0 * * * ? *"),
            ("@daily", "0 0 0 * * ? *"),
            ("@midnight", "0 0 0 * * ? *"),
            ("@weekly", "0 0 0 ? * 1 *"),
            ("@monthly", "0 0 0 1 * ? *"),
            ("@yearly", "0 0 0 1 1 ? *"),
            ("@annually", "0 0 0 1 1 ? *"),
        ] {
            assert_eq!(to_quartz(cron).as_deref(), Ok(quartz), "{cron}");
        }
    }

    #[test]
    fn both_day_fields_restricted_is_inexpressible() {
        for cron in ["0 0 1 * 1", "0 0 1-7 * MON", "0 0 */2 * 1", "0 0 */1 * 5"] {
            let err = to_quartz(cron).unwrap_err();
            assert!(!err.day_of_month.is_empty() && !err.day_of_week.is_empty());
        }
    }

    /// The fire times of 2026 (at most 2,000), on the wall clock.
    fn fire_times(cron: &croner::Cron) -> Vec<jiff::civil::DateTime> {
        let start = jiff::civil::date(2025, 12, 31).at(23, 59, 59, 0);
        let end = jiff::civil::date(2027, 1, 1).at(0, 0, 0, 0);
        cron.iter_after(WallClock(start))
            .map(|WallClock(t)| t)
            .take_while(|t| *t < end)
            .take(2_000)
            .collect()
    }

    /// Every schedule form the config accepts, read by croner as cron and its Quartz
    /// equivalent read by croner in Quartz mode (seconds, year, Sunday = 1): the same fire
    /// times over a year.
    #[test]
    fn quartz_fires_when_cron_fires() {
        let cron_parser = CronParser::builder().build();
        let quartz_parser = CronParser::builder()
            .seconds(Seconds::Required)
            .year(Year::Required)
            .alternative_weekdays(true)
            .build();
        let mut compared = 0;
        for schedule in [
            "0 2 * * *",
            "30 2 * * *",
            "*/15 * * * *",
            "10-50/15 3 * * *",
            "0 */6 * * *",
            "0 0-6/2 * * *",
            "0 9-17 * * MON-FRI",
            "0 6 * * 1-5",
            "0 0 * * 0",
            "0 0 * * 6",
            "0 0 * * SUN",
            "0 0 * * sat,sun",
            "0 0 * * */2",
            "0 0 * * 1-5/2",
            "0 0 * * 0,3-4",
            "0 0 1 * *",
            "0 0 31 * *",
            "0 0 28 2 *",
            "0 0 1-7 * *",
            "0 0 */10 * *",
            "0 0 1,15 * *",
            "30 2 1,15 JAN,JUL *",
            "0 0 1 */3 *",
            "0 0 1 JAN-DEC/2 *",
            "0 0 ? * *",
            "0 0 * * ?",
            "0 0 * * *",
            "0 12 * 6 1",
            "*/90 * * * *",
            "0 */30 * * *",
            "0 0 */40 * *",
            "0 0 1 */20 *",
            "0 0 * * */8",
            "@hourly",
            "@daily",
            "@midnight",
            "@weekly",
            "@monthly",
            "@yearly",
            "@annually",
        ] {
            assert_eq!(
                schedule_problem(schedule),
                None,
                "{schedule} is a valid schedule"
            );
            let five = crate::model::schedule::five_fields(schedule);
            let quartz = to_quartz(schedule).unwrap_or_else(|e| panic!("{schedule}: {e:?}"));
            let cron = cron_parser.parse(five).unwrap();
            let q = quartz_parser
                .parse(&quartz)
                .unwrap_or_else(|e| panic!("{schedule} -> {quartz}: {e}"));
            let (want, got) = (fire_times(&cron), fire_times(&q));
            assert!(!want.is_empty(), "{schedule} never fires");
            assert_eq!(want, got, "{schedule} -> {quartz}");
            compared += want.len();
        }
        assert!(compared > 10_000, "{compared} fire times compared");
    }
}
