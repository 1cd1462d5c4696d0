//! Microsoft Graph's shapes for what iCalendar says with TZID and RRULE: Windows time zone
//! names (from CLDR's windowsZones) and `patternedRecurrence`. Pure data, no I/O.

use std::collections::HashMap;
use std::sync::OnceLock;

use chrono::{Datelike, NaiveDate, Weekday};
use chrono_tz::Tz;
use serde_json::{Value, json};

use crate::{Frequency, Recurrence, RepeatEnd};

/// IANA -> Windows, generated from CLDR by `data/windows-zones.py`.
const WINDOWS_ZONES: &str = include_str!("../data/windows-zones.tsv");

fn windows_zones() -> &'static HashMap<&'static str, &'static str> {
    static MAP: OnceLock<HashMap<&'static str, &'static str>> = OnceLock::new();
    MAP.get_or_init(|| {
        WINDOWS_ZONES
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| l.split_once('\t'))
            .collect()
    })
}

/// The Windows name of an IANA time zone (`America/New_York` -> `Eastern Standard Time`), as
/// Graph and Outlook want it. `None` for the few zones CLDR maps to no Windows zone.
pub fn windows_zone(tz: Tz) -> Option<&'static str> {
    windows_zones().get(tz.name()).copied()
}

/// Why a series cannot be written as a Graph recurrence.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GraphRecurrenceError {
    /// A monthly series on day 29, 30 or 31 (the day).
    #[error(
        "Outlook moves a monthly meeting on day {0} to the last day of shorter months, which the invitation would not say: start the series on a day from 1 to 28"
    )]
    MonthEnd(u32),
}

fn graph_day(d: Weekday) -> &'static str {
    match d {
        Weekday::Mon => "monday",
        Weekday::Tue => "tuesday",
        Weekday::Wed => "wednesday",
        Weekday::Thu => "thursday",
        Weekday::Fri => "friday",
        Weekday::Sat => "saturday",
        Weekday::Sun => "sunday",
    }
}

/// A Graph `patternedRecurrence` for a series starting on the local date `start`, with its
/// range in `windows_zone` so the meetings keep their local time across DST.
pub fn patterned_recurrence(
    recurrence: &Recurrence,
    start: NaiveDate,
    windows_zone: &str,
) -> Result<Value, GraphRecurrenceError> {
    let pattern = match recurrence.frequency {
        Frequency::Daily => json!({ "type": "daily", "interval": 1 }),
        Frequency::Weekly => json!({
            "type": "weekly",
            "interval": 1,
            "daysOfWeek": recurrence.weekdays.iter().map(|d| graph_day(*d)).collect::<Vec<_>>(),
            "firstDayOfWeek": "monday",
        }),
        Frequency::Monthly if start.day() > 28 => {
            return Err(GraphRecurrenceError::MonthEnd(start.day()));
        }
        Frequency::Monthly => {
            json!({ "type": "absoluteMonthly", "interval": 1, "dayOfMonth": start.day() })
        }
    };
    let start_date = start.format("%Y-%m-%d").to_string();
    let range = match recurrence.end {
        RepeatEnd::Count(n) => json!({
            "type": "numbered",
            "startDate": start_date,
            "numberOfOccurrences": n,
            "recurrenceTimeZone": windows_zone,
        }),
        RepeatEnd::Until(d) => json!({
            "type": "endDate",
            "startDate": start_date,
            "endDate": d.format("%Y-%m-%d").to_string(),
            "recurrenceTimeZone": windows_zone,
        }),
        RepeatEnd::Never => json!({
            "type": "noEnd",
            "startDate": start_date,
            "recurrenceTimeZone": windows_zone,
        }),
    };
    Ok(json!({ "pattern": pattern, "range": range }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_zones_have_their_windows_names() {
        for (iana, windows) in [
            (Tz::America__New_York, "Eastern Standard Time"),
            (Tz::Europe__Berlin, "W. Europe Standard Time"),
            (Tz::Asia__Kolkata, "India Standard Time"),
            (Tz::Asia__Calcutta, "India Standard Time"),
            (Tz::Europe__Kyiv, "FLE Standard Time"),
            (Tz::Australia__Sydney, "AUS Eastern Standard Time"),
            (Tz::UTC, "UTC"),
        ] {
            assert_eq!(windows_zone(iana), Some(windows), "{}", iana.name());
        }
    }

    #[test]
    fn only_known_zones_lack_a_windows_name() {
        // Zones newer than the CLDR release, or that CLDR leaves unmapped. Belfry writes their
        // one-time meetings in UTC and asks for another zone for a series; a tz database
        // update that adds to this list must be looked at, so the list is exact.
        let missing: Vec<&str> = chrono_tz::TZ_VARIANTS
            .iter()
            .filter(|tz| windows_zone(**tz).is_none())
            .map(|tz| tz.name())
            .collect();
        assert_eq!(
            missing,
            [
                "America/Ciudad_Juarez",
                "America/Coyhaique",
                "Antarctica/Troll",
                "CET",
                "EET",
                "MET",
                "WET"
            ]
        );
    }

    #[test]
    fn series_become_patterned_recurrences() {
        use chrono::Weekday::{Mon, Wed};
        let start = NaiveDate::from_ymd_opt(2027, 3, 1).unwrap();
        let weekly = Recurrence {
            frequency: Frequency::Weekly,
            weekdays: vec![Mon, Wed],
            end: RepeatEnd::Count(6),
        };
        assert_eq!(
            patterned_recurrence(&weekly, start, "Eastern Standard Time").unwrap(),
            json!({
                "pattern": {"type": "weekly", "interval": 1, "daysOfWeek": ["monday", "wednesday"], "firstDayOfWeek": "monday"},
                "range": {"type": "numbered", "startDate": "2027-03-01", "numberOfOccurrences": 6, "recurrenceTimeZone": "Eastern Standard Time"},
            })
        );
        let monthly = Recurrence {
            frequency: Frequency::Monthly,
            weekdays: vec![],
            end: RepeatEnd::Until(NaiveDate::from_ymd_opt(2027, 12, 31).unwrap()),
        };
        assert_eq!(
            patterned_recurrence(&monthly, start, "UTC").unwrap(),
            json!({
                "pattern": {"type": "absoluteMonthly", "interval": 1, "dayOfMonth": 1},
                "range": {"type": "endDate", "startDate": "2027-03-01", "endDate": "2027-12-31", "recurrenceTimeZone": "UTC"},
            })
        );
        let day_31 = NaiveDate::from_ymd_opt(2027, 1, 31).unwrap();
        assert_eq!(
            patterned_recurrence(&monthly, day_31, "UTC"),
            Err(GraphRecurrenceError::MonthEnd(31))
        );
        let daily = Recurrence {
            frequency: Frequency::Daily,
            weekdays: vec![],
            end: RepeatEnd::Never,
        };
        assert_eq!(
            patterned_recurrence(&daily, start, "UTC").unwrap()["range"],
            json!({"type": "noEnd", "startDate": "2027-03-01", "recurrenceTimeZone": "UTC"})
        );
    }
}
