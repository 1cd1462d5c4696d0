//! Repeating meetings: daily, weekly on chosen weekdays, monthly; ended by a count or a date.

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::time::resolve;

/// How often a series repeats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Frequency {
    /// Every day.
    Daily,
    /// Every week, on the chosen weekdays.
    Weekly,
    /// Every month.
    Monthly,
}

/// When a series stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RepeatEnd {
    /// After this many meetings (the first one included).
    Count(u32),
    /// On this local date, inclusive.
    Until(NaiveDate),
    /// No end.
    Never,
}

/// A checked recurrence rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recurrence {
    /// How often it repeats.
    pub frequency: Frequency,
    /// For weekly series: the weekdays, Monday first, without repeats. Always includes the
    /// start's weekday.
    pub weekdays: Vec<Weekday>,
    /// When it stops.
    pub end: RepeatEnd,
}

use crate::limits::MAX_OCCURRENCES as MAX_COUNT;

/// Why a recurrence was refused. Each variant names the option at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecurrenceError {
    /// Not daily, weekly or monthly.
    #[error("repeat {0:?} is not known: use daily, weekly or monthly")]
    Frequency(String),
    /// A count out of range.
    #[error("the count is a whole number from 1 to {MAX_COUNT}")]
    Count,
    /// An end date before the first meeting.
    #[error("the end date {0} is before the first meeting")]
    UntilBeforeStart(NaiveDate),
    /// Both a count and an end date.
    #[error("give either a count or an end date, not both")]
    CountAndUntil,
    /// Not a weekday name.
    #[error("{0:?} is not a weekday: use mon, tue, wed, thu, fri, sat, sun")]
    Weekday(String),
    /// Weekdays for a series that is not weekly.
    #[error("weekdays apply to weekly meetings only")]
    WeekdaysNotWeekly,
    /// Weekdays without the first meeting's day.
    #[error("the weekdays must include the first meeting's day ({0}), or move the start")]
    StartDayMissing(String),
}

/// Which part of the recurrence an error concerns.
impl RecurrenceError {
    /// The sub-field at fault: `frequency`, `count`, `until` or `weekdays`.
    pub fn part(&self) -> &'static str {
        match self {
            RecurrenceError::Frequency(_) => "frequency",
            RecurrenceError::Count | RecurrenceError::CountAndUntil => "count",
            RecurrenceError::UntilBeforeStart(_) => "until",
            RecurrenceError::Weekday(_)
            | RecurrenceError::WeekdaysNotWeekly
            | RecurrenceError::StartDayMissing(_) => "weekdays",
        }
    }
}

/// Reads a weekday name or its first three letters.
pub fn parse_weekday(text: &str) -> Result<Weekday, RecurrenceError> {
    let t = text.trim().to_ascii_lowercase();
    let day = match t.get(..3).unwrap_or(&t) {
        "mon" => Weekday::Mon,
        "tue" => Weekday::Tue,
        "wed" => Weekday::Wed,
        "thu" => Weekday::Thu,
        "fri" => Weekday::Fri,
        "sat" => Weekday::Sat,
        "sun" => Weekday::Sun,
        _ => {
            return Err(RecurrenceError::Weekday(crate::limits::excerpt(
                text.trim(),
                crate::limits::MAX_ECHO_BYTES,
            )));
        }
    };
    let full = weekday_name(day).to_ascii_lowercase();
    if t.len() >= 3 && full.starts_with(&t) {
        Ok(day)
    } else {
        Err(RecurrenceError::Weekday(text.trim().to_owned()))
    }
}

/// `Monday` etc.
pub fn weekday_name(d: Weekday) -> &'static str {
    match d {
        Weekday::Mon => "Monday",
        Weekday::Tue => "Tuesday",
        Weekday::Wed => "Wednesday",
        Weekday::Thu => "Thursday",
        Weekday::Fri => "Friday",
        Weekday::Sat => "Saturday",
        Weekday::Sun => "Sunday",
    }
}

fn rfc_day(d: Weekday) -> &'static str {
    match d {
        Weekday::Mon => "MO",
        Weekday::Tue => "TU",
        Weekday::Wed => "WE",
        Weekday::Thu => "TH",
        Weekday::Fri => "FR",
        Weekday::Sat => "SA",
        Weekday::Sun => "SU",
    }
}

impl Recurrence {
    /// Checks a recurrence against the first meeting's date.
    pub fn new(
        frequency: Frequency,
        weekdays: &[Weekday],
        end: RepeatEnd,
        start: NaiveDate,
    ) -> Result<Recurrence, RecurrenceError> {
        match end {
            RepeatEnd::Count(n) if n == 0 || n > MAX_COUNT => return Err(RecurrenceError::Count),
            RepeatEnd::Until(d) if d < start => return Err(RecurrenceError::UntilBeforeStart(d)),
            _ => {}
        }
        let weekdays = match frequency {
            Frequency::Weekly if weekdays.is_empty() => vec![start.weekday()],
            Frequency::Weekly => {
                let mut days = weekdays.to_vec();
                days.sort_by_key(|d| d.num_days_from_monday());
                days.dedup();
                if !days.contains(&start.weekday()) {
                    return Err(RecurrenceError::StartDayMissing(
                        weekday_name(start.weekday()).to_owned(),
                    ));
                }
                days
            }
            _ if !weekdays.is_empty() => return Err(RecurrenceError::WeekdaysNotWeekly),
            _ => Vec::new(),
        };
        Ok(Recurrence {
            frequency,
            weekdays,
            end,
        })
    }

    /// The RRULE value (without `RRULE:`). `UNTIL` is the end of the last day, in UTC, as
    /// RFC 5545 requires when DTSTART has a TZID.
    pub fn rrule(&self, tz: Tz) -> String {
        let mut rule = match self.frequency {
            Frequency::Daily => "FREQ=DAILY".to_owned(),
            Frequency::Weekly => {
                let days: Vec<&str> = self.weekdays.iter().map(|d| rfc_day(*d)).collect();
                format!("FREQ=WEEKLY;BYDAY={}", days.join(","))
            }
            Frequency::Monthly => "FREQ=MONTHLY".to_owned(),
        };
        match self.end {
            RepeatEnd::Count(n) => rule.push_str(&format!(";COUNT={n}")),
            RepeatEnd::Until(d) => rule.push_str(&format!(
                ";UNTIL={}",
                until_utc(d, tz).format("%Y%m%dT%H%M%SZ")
            )),
            RepeatEnd::Never => {}
        }
        rule
    }

    /// The series in words: `Every week on Monday and Wednesday, 6 times`.
    pub fn describe(&self, start: NaiveDate) -> String {
        let what = match self.frequency {
            Frequency::Daily => "Every day".to_owned(),
            Frequency::Weekly => {
                let names: Vec<&str> = self.weekdays.iter().map(|d| weekday_name(*d)).collect();
                format!("Every week on {}", join_words(&names))
            }
            Frequency::Monthly => format!("Every month on day {}", start.day()),
        };
        match self.end {
            RepeatEnd::Count(1) => format!("{what}, once"),
            RepeatEnd::Count(n) => format!("{what}, {n} times"),
            RepeatEnd::Until(d) => format!("{what}, until {}", d.format("%a %-d %b %Y")),
            RepeatEnd::Never => what,
        }
    }

    /// The dates of the first `limit` meetings, as RFC 5545 expands the rule (months without
    /// the start's day are skipped).
    pub fn dates(&self, start: NaiveDate, limit: usize) -> Vec<NaiveDate> {
        let max = match self.end {
            RepeatEnd::Count(n) => limit.min(n as usize),
            _ => limit,
        };
        let until = match self.end {
            RepeatEnd::Until(d) => Some(d),
            _ => None,
        };
        let mut out = Vec::new();
        let mut day = start;
        let mut month_index = 0u32;
        // Bounded: every loop either advances day or month_index.
        while out.len() < max {
            if until.is_some_and(|u| day > u) {
                break;
            }
            match self.frequency {
                Frequency::Daily => {
                    out.push(day);
                    day = match day.succ_opt() {
                        Some(d) => d,
                        None => break,
                    };
                }
                Frequency::Weekly => {
                    if self.weekdays.contains(&day.weekday()) {
                        out.push(day);
                    }
                    day = match day.succ_opt() {
                        Some(d) => d,
                        None => break,
                    };
                }
                Frequency::Monthly => {
                    month_index += 1;
                    if month_index > 12 * 200 {
                        break;
                    }
                    out.push(day);
                    // Next month that has this day.
                    let mut k = month_index;
                    loop {
                        match add_months(start, k) {
                            Some(d) => {
                                day = d;
                                break;
                            }
                            None if k > month_index + 12 => return out,
                            None => k += 1,
                        }
                    }
                    month_index = k;
                }
            }
        }
        out
    }

    /// The instant after which no meeting starts, when the series ends.
    pub fn last_day(&self, start: NaiveDate) -> Option<NaiveDate> {
        match self.end {
            RepeatEnd::Until(d) => Some(d),
            RepeatEnd::Count(_) => self.dates(start, MAX_COUNT as usize).last().copied(),
            RepeatEnd::Never => None,
        }
    }
}

fn add_months(start: NaiveDate, k: u32) -> Option<NaiveDate> {
    let months = start.month0() + k;
    let year = start.year() + i32::try_from(months / 12).ok()?;
    NaiveDate::from_ymd_opt(year, months % 12 + 1, start.day())
}

/// The last second of local date `d` in `tz`, in UTC.
fn until_utc(d: NaiveDate, tz: Tz) -> DateTime<Utc> {
    let end = d.and_time(NaiveTime::from_hms_opt(23, 59, 59).unwrap_or_default());
    let at = resolve(tz, end).at;
    Utc.from_utc_datetime(&at.naive_utc())
}

/// `a`, `a and b`, `a, b and c`.
pub fn join_words(words: &[&str]) -> String {
    match words {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn weekly_rule_with_count() {
        // 2027-03-01 is a Monday.
        let r = Recurrence::new(
            Frequency::Weekly,
            &[Weekday::Wed, Weekday::Mon, Weekday::Mon],
            RepeatEnd::Count(6),
            date("2027-03-01"),
        )
        .unwrap();
        assert_eq!(
            r.rrule(Tz::America__New_York),
            "FREQ=WEEKLY;BYDAY=MO,WE;COUNT=6"
        );
        assert_eq!(
            r.describe(date("2027-03-01")),
            "Every week on Monday and Wednesday, 6 times"
        );
        let dates: Vec<String> = r
            .dates(date("2027-03-01"), 100)
            .iter()
            .map(|d| d.to_string())
            .collect();
        assert_eq!(
            dates,
            [
                "2027-03-01",
                "2027-03-03",
                "2027-03-08",
                "2027-03-10",
                "2027-03-15",
                "2027-03-17"
            ]
        );
    }

    #[test]
    fn until_is_end_of_day_in_utc() {
        let r = Recurrence::new(
            Frequency::Daily,
            &[],
            RepeatEnd::Until(date("2027-03-05")),
            date("2027-03-01"),
        )
        .unwrap();
        // 23:59:59 EST is 04:59:59 UTC the next day.
        assert_eq!(
            r.rrule(Tz::America__New_York),
            "FREQ=DAILY;UNTIL=20270306T045959Z"
        );
        assert_eq!(r.dates(date("2027-03-01"), 100).len(), 5);
        assert_eq!(
            r.describe(date("2027-03-01")),
            "Every day, until Fri 5 Mar 2027"
        );
    }

    #[test]
    fn monthly_skips_months_without_the_day() {
        let r = Recurrence::new(
            Frequency::Monthly,
            &[],
            RepeatEnd::Count(4),
            date("2027-01-31"),
        )
        .unwrap();
        let dates: Vec<String> = r
            .dates(date("2027-01-31"), 100)
            .iter()
            .map(|d| d.to_string())
            .collect();
        assert_eq!(
            dates,
            ["2027-01-31", "2027-03-31", "2027-05-31", "2027-07-31"]
        );
        assert_eq!(r.rrule(Tz::UTC), "FREQ=MONTHLY;COUNT=4");
        assert_eq!(r.last_day(date("2027-01-31")), Some(date("2027-07-31")));
    }

    #[test]
    fn refusals_name_their_part() {
        let start = date("2027-03-01");
        let cases = [
            (
                Recurrence::new(Frequency::Daily, &[], RepeatEnd::Count(0), start),
                "count",
            ),
            (
                Recurrence::new(
                    Frequency::Daily,
                    &[],
                    RepeatEnd::Count(MAX_COUNT + 1),
                    start,
                ),
                "count",
            ),
            (
                Recurrence::new(
                    Frequency::Daily,
                    &[],
                    RepeatEnd::Until(date("2027-02-28")),
                    start,
                ),
                "until",
            ),
            (
                Recurrence::new(Frequency::Daily, &[Weekday::Mon], RepeatEnd::Never, start),
                "weekdays",
            ),
            (
                Recurrence::new(Frequency::Weekly, &[Weekday::Tue], RepeatEnd::Never, start),
                "weekdays",
            ),
        ];
        for (result, part) in cases {
            assert_eq!(result.unwrap_err().part(), part);
        }
    }

    #[test]
    fn weekday_names() {
        assert_eq!(parse_weekday("mon"), Ok(Weekday::Mon));
        assert_eq!(parse_weekday("Wednesday"), Ok(Weekday::Wed));
        assert_eq!(parse_weekday(" THU "), Ok(Weekday::Thu));
        assert!(parse_weekday("mo").is_err());
        assert!(parse_weekday("monkey").is_err());
        assert!(parse_weekday("").is_err());
    }

    #[test]
    fn join_words_reads_naturally() {
        assert_eq!(join_words(&["a"]), "a");
        assert_eq!(join_words(&["a", "b"]), "a and b");
        assert_eq!(join_words(&["a", "b", "c"]), "a, b and c");
    }
}
