//! Time zone names that are valid but rarely what is meant: fixed offsets (`Etc/GMT+5`,
//! `EST`, `MST`, `HST`) and the legacy POSIX-style names (`EST5EDT`, `CET`), kept in the tz
//! database for compatibility; and the abbreviations people write (`CEST`, `PST`), which
//! are no zone at all. Each maps to the region's zone likely meant.

/// Legacy names of the tz database (its `backward` and old `northamerica`/`europe` rules):
/// the name, what it is, the region zone likely meant.
const LEGACY: [(&str, &str, &str); 14] = [
    (
        "EST",
        "a fixed UTC-5 without daylight saving",
        "America/New_York",
    ),
    (
        "MST",
        "a fixed UTC-7 without daylight saving",
        "America/Denver` (or `America/Phoenix`, which keeps UTC-7 all year",
    ),
    ("HST", "a fixed UTC-10", "Pacific/Honolulu"),
    ("EST5EDT", "a legacy POSIX-style zone", "America/New_York"),
    ("CST6CDT", "a legacy POSIX-style zone", "America/Chicago"),
    ("MST7MDT", "a legacy POSIX-style zone", "America/Denver"),
    (
        "PST8PDT",
        "a legacy POSIX-style zone",
        "America/Los_Angeles",
    ),
    ("CET", "a legacy zone", "Europe/Paris` or `Europe/Berlin"),
    ("MET", "a legacy zone", "Europe/Paris` or `Europe/Berlin"),
    ("EET", "a legacy zone", "Europe/Athens` or `Europe/Helsinki"),
    ("WET", "a legacy zone", "Europe/Lisbon"),
    (
        "GMT0",
        "a legacy alias",
        "Etc/UTC` (or `Europe/London`, which keeps summer time",
    ),
    (
        "Etc/GMT0",
        "a legacy alias",
        "Etc/UTC` (or `Europe/London`, which keeps summer time",
    ),
    (
        "Greenwich",
        "a legacy alias",
        "Etc/UTC` (or `Europe/London`, which keeps summer time",
    ),
];

/// Abbreviations people write for a zone, and the zone likely meant.
const ABBREVIATIONS: [(&str, &str); 16] = [
    ("CEST", "Europe/Paris` or `Europe/Berlin"),
    ("BST", "Europe/London"),
    ("IST", "Asia/Kolkata` or `Europe/Dublin"),
    ("EDT", "America/New_York"),
    ("CDT", "America/Chicago"),
    ("CST", "America/Chicago"),
    ("MDT", "America/Denver"),
    ("PST", "America/Los_Angeles"),
    ("PDT", "America/Los_Angeles"),
    ("AKST", "America/Anchorage"),
    ("AEST", "Australia/Sydney"),
    ("AEDT", "Australia/Sydney"),
    ("JST", "Asia/Tokyo"),
    ("KST", "Asia/Seoul"),
    ("EEST", "Europe/Athens` or `Europe/Helsinki"),
    ("WEST", "Europe/Lisbon"),
];

/// A region zone for each whole-hour offset people mean by `Etc/GMT±N` (UTC sign).
fn region_for_offset(hours: i32) -> Option<&'static str> {
    Some(match hours {
        -10 => "Pacific/Honolulu",
        -9 => "America/Anchorage",
        -8 => "America/Los_Angeles",
        -7 => "America/Denver",
        -6 => "America/Chicago",
        -5 => "America/New_York",
        -3 => "America/Sao_Paulo",
        1 => "Europe/Paris` or `Europe/Berlin",
        2 => "Europe/Athens` or `Europe/Helsinki",
        3 => "Europe/Moscow",
        4 => "Asia/Dubai",
        7 => "Asia/Bangkok",
        8 => "Asia/Shanghai` or `Asia/Singapore",
        9 => "Asia/Tokyo",
        10 => "Australia/Brisbane` or `Australia/Sydney",
        _ => return None,
    })
}

/// For a valid zone that is a fixed offset or a legacy name: what it is, and the zone likely
/// meant (text to put between backquotes).
pub fn fixed(zone: &str) -> Option<(String, String)> {
    if let Some((_, what, meant)) = LEGACY.iter().find(|(n, _, _)| *n == zone) {
        return Some(((*what).to_string(), (*meant).to_string()));
    }
    let offset = zone.strip_prefix("Etc/GMT")?;
    let posix: i32 = offset.parse().ok().filter(|_| !offset.is_empty())?;
    if posix == 0 {
        return None;
    }
    // POSIX signs are inverted: Etc/GMT+5 is five hours behind UTC.
    let utc = -posix;
    let what = format!("a fixed UTC{utc:+} all year (the sign of `Etc/GMT` zones is inverted)");
    let meant = region_for_offset(utc).unwrap_or("Area/City").to_string();
    Some((what, meant))
}

/// For an abbreviation that is no zone (`CEST`): the zone likely meant.
pub fn abbreviation(zone: &str) -> Option<&'static str> {
    ABBREVIATIONS
        .iter()
        .find(|(a, _)| a.eq_ignore_ascii_case(zone))
        .map(|(_, z)| *z)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_and_legacy_zones_name_the_region_meant() {
        for zone in [
            "EST",
            "MST",
            "HST",
            "EST5EDT",
            "CET",
            "Etc/GMT+5",
            "Etc/GMT-1",
        ] {
            assert!(
                crate::model::schedule::is_time_zone(zone),
                "{zone} is in the database"
            );
            assert!(fixed(zone).is_some(), "{zone}");
        }
        assert_eq!(
            fixed("Etc/GMT+5").map(|f| f.1),
            Some("America/New_York".into())
        );
        assert!(fixed("Etc/GMT+5").unwrap().0.contains("UTC-5"));
        for zone in [
            "Etc/UTC",
            "UTC",
            "Europe/London",
            "America/New_York",
            "Etc/GMT",
            "Etc/GMT+0",
        ] {
            assert_eq!(fixed(zone), None, "{zone}");
        }
        assert_eq!(
            abbreviation("cest"),
            Some("Europe/Paris` or `Europe/Berlin")
        );
        for (a, _) in ABBREVIATIONS {
            assert!(
                !crate::model::schedule::is_time_zone(a),
                "{a} is a zone after all"
            );
        }
    }
}
