//! Local times in IANA zones: parsing, DST gaps and overlaps (resolved as RFC 5545 says),
//! and the transitions a VTIMEZONE needs.

use chrono::{DateTime, LocalResult, NaiveDate, NaiveDateTime, Offset, TimeDelta, TimeZone, Utc};
use chrono_tz::{OffsetComponents, OffsetName, Tz};
use serde::Serialize;

/// Why a zone or a time could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimeError {
    /// Not a known IANA zone name.
    #[error("{0:?} is not an IANA time zone; write it like Europe/Berlin or America/New_York")]
    UnknownZone(String),
    /// A start not written `YYYY-MM-DDTHH:MM`.
    #[error("write the start as YYYY-MM-DDTHH:MM, for example 2027-03-02T10:00")]
    StartFormat,
    /// A date not written `YYYY-MM-DD`.
    #[error("write the date as YYYY-MM-DD, for example 2027-06-30")]
    DateFormat,
}

/// Reads an IANA zone name (`Europe/Berlin`), case-insensitively.
pub fn parse_zone(text: &str) -> Result<Tz, TimeError> {
    let text = text.trim();
    text.parse::<Tz>()
        .ok()
        .or_else(|| Tz::from_str_insensitive(text).ok())
        .ok_or_else(|| {
            TimeError::UnknownZone(crate::limits::excerpt(text, crate::limits::MAX_ECHO_BYTES))
        })
}

/// Reads `YYYY-MM-DDTHH:MM` (a space instead of `T` and `:SS` are accepted too).
pub fn parse_local(text: &str) -> Result<NaiveDateTime, TimeError> {
    let text = text.trim();
    [
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M:%S",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
    .ok_or(TimeError::StartFormat)
}

/// Reads `YYYY-MM-DD`.
pub fn parse_date(text: &str) -> Result<NaiveDate, TimeError> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| TimeError::DateFormat)
}

/// Something the user should know about how their local time was read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TimeNotice {
    /// The time does not exist (clocks jump forward); the time after the gap is used.
    Gap {
        /// The local time asked for.
        requested: NaiveDateTime,
        /// The local time used.
        effective: NaiveDateTime,
        /// The zone's IANA name.
        zone: String,
    },
    /// The time happens twice (clocks go back); the first occurrence is used.
    Ambiguous {
        /// The local time asked for.
        requested: NaiveDateTime,
        /// The zone's IANA name.
        zone: String,
        /// The first occurrence's abbreviation and offset: the one used.
        first: String,
        /// The second occurrence's abbreviation and offset.
        second: String,
    },
}

impl TimeNotice {
    /// The notice in words.
    pub fn message(&self) -> String {
        match self {
            TimeNotice::Gap {
                requested,
                effective,
                zone,
            } => format!(
                "{} does not exist in {zone} (the clocks jump forward); the meeting starts at {}",
                requested.format("%H:%M on %-d %b %Y"),
                effective.format("%H:%M"),
            ),
            TimeNotice::Ambiguous {
                requested,
                zone,
                first,
                second,
            } => format!(
                "{} happens twice in {zone} (the clocks go back); the first one ({first}, not \
                 {second}) is used",
                requested.format("%H:%M on %-d %b %Y"),
            ),
        }
    }
}

/// A local time placed on the timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The instant, in the zone.
    pub at: DateTime<Tz>,
    /// Set when the local time was in a gap or an overlap.
    pub notice: Option<TimeNotice>,
}

/// Places `local` in `tz` as RFC 5545 does: a time in a gap is read with the offset in force
/// before the gap (02:30 on spring-forward day is 03:30 summer time); an ambiguous time is
/// its first occurrence.
pub fn resolve(tz: Tz, local: NaiveDateTime) -> Resolved {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(at) => Resolved { at, notice: None },
        LocalResult::Ambiguous(first, second) => Resolved {
            notice: Some(TimeNotice::Ambiguous {
                requested: local,
                zone: tz.name().to_owned(),
                first: offset_label(&first),
                second: offset_label(&second),
            }),
            at: first,
        },
        LocalResult::None => {
            let before = offset_before_gap(tz, local);
            let utc = local
                .checked_sub_signed(TimeDelta::seconds(i64::from(before)))
                .unwrap_or(local);
            let at = tz.from_utc_datetime(&utc);
            Resolved {
                notice: Some(TimeNotice::Gap {
                    requested: local,
                    effective: at.naive_local(),
                    zone: tz.name().to_owned(),
                }),
                at,
            }
        }
    }
}

/// The UTC offset (seconds) of the last valid local time before `local`.
fn offset_before_gap(tz: Tz, local: NaiveDateTime) -> i32 {
    // Gaps are at most a day long (Pacific/Apia skipped 30 Dec 2011).
    for minutes_back in 1..=(26 * 60) {
        let Some(probe) = local.checked_sub_signed(TimeDelta::minutes(minutes_back)) else {
            break;
        };
        match tz.from_local_datetime(&probe) {
            LocalResult::Single(t) | LocalResult::Ambiguous(_, t) => {
                return t.offset().fix().local_minus_utc();
            }
            LocalResult::None => {}
        }
    }
    tz.offset_from_utc_datetime(&local).fix().local_minus_utc()
}

fn offset_label(t: &DateTime<Tz>) -> String {
    format!(
        "{} {}",
        abbreviation(t),
        format_offset(t.offset().fix().local_minus_utc(), true)
    )
}

/// The zone's abbreviation at `t` (`EST`), or its numeric offset where it has none.
pub fn abbreviation(t: &DateTime<Tz>) -> String {
    match t.offset().abbreviation() {
        Some(a) => a.to_owned(),
        None => format_offset(t.offset().fix().local_minus_utc(), true),
    }
}

/// `+0530`, `-0230`, `+054500` (seconds only when present); with `human`, `UTC+05:30`.
pub fn format_offset(seconds: i32, human: bool) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let s = seconds.unsigned_abs();
    let (h, m, sec) = (s / 3600, (s / 60) % 60, s % 60);
    if human {
        if m == 0 {
            format!("UTC{sign}{h}")
        } else {
            format!("UTC{sign}{h}:{m:02}")
        }
    } else if sec == 0 {
        format!("{sign}{h:02}{m:02}")
    } else {
        format!("{sign}{h:02}{m:02}{sec:02}")
    }
}

/// One change of a zone's rules, as a VTIMEZONE observance describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observance {
    /// Local wall time at which it starts, read with `offset_from`.
    pub start_local: NaiveDateTime,
    /// The UTC offset before it, in seconds (`TZOFFSETFROM`).
    pub offset_from: i32,
    /// The UTC offset from it on, in seconds (`TZOFFSETTO`).
    pub offset_to: i32,
    /// It is daylight saving time, not standard time.
    pub daylight: bool,
    /// The zone's abbreviation from it on (`TZNAME`).
    pub name: String,
}

/// The observances of `tz` in force from `from` to `to`: first the one in force at `from`
/// (starting at the last transition before it, when one is found in the preceding year),
/// then every transition up to `to`.
pub fn observances(tz: Tz, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Observance> {
    let state = |t: DateTime<Utc>| {
        let local = t.with_timezone(&tz);
        let off = *local.offset();
        (
            off.fix().local_minus_utc(),
            !off.dst_offset().is_zero(),
            abbreviation(&local),
        )
    };
    let step = TimeDelta::hours(12);
    let scan_start = from
        .checked_sub_signed(TimeDelta::days(366))
        .unwrap_or(from);
    let mut transitions = Vec::new();
    let mut t = scan_start;
    let mut prev = state(t);
    while t < to {
        let next = t.checked_add_signed(step).map_or(to, |n| n.min(to));
        let cur = state(next);
        if cur != prev {
            // Bisect to the first second with the new state.
            let (mut lo, mut hi) = (t, next);
            while hi - lo > TimeDelta::seconds(1) {
                let mid = lo + (hi - lo) / 2;
                if state(mid) == prev {
                    lo = mid
                } else {
                    hi = mid
                }
            }
            transitions.push((hi, prev.0, state(hi)));
            prev = state(hi);
        }
        t = next;
    }
    let observance =
        |(at, off_from, (off_to, daylight, name)): (DateTime<Utc>, i32, (i32, bool, String))| {
            Observance {
                start_local: at.naive_utc() + TimeDelta::seconds(i64::from(off_from)),
                offset_from: off_from,
                offset_to: off_to,
                daylight,
                name,
            }
        };
    let last_before = transitions.iter().rposition(|(at, _, _)| *at <= from);
    let mut out = Vec::new();
    match last_before {
        Some(i) => out.push(observance(transitions[i].clone())),
        None => {
            // No change in the year before: the rules in force then, since the epoch.
            let (off, daylight, name) = state(from);
            out.push(Observance {
                start_local: NaiveDate::from_ymd_opt(1970, 1, 1)
                    .and_then(|d| d.and_hms_opt(0, 0, 0))
                    .unwrap_or_default(),
                offset_from: off,
                offset_to: off,
                daylight,
                name,
            });
        }
    }
    let first_after = last_before.map_or(0, |i| i + 1);
    out.extend(transitions.into_iter().skip(first_after).map(observance));
    out
}

/// Zones written without a VTIMEZONE: their times go out in UTC.
pub fn is_utc(tz: Tz) -> bool {
    matches!(
        tz,
        Tz::UTC
            | Tz::Etc__UTC
            | Tz::Etc__UCT
            | Tz::Etc__Universal
            | Tz::Etc__Zulu
            | Tz::Zulu
            | Tz::UCT
            | Tz::Universal
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local(s: &str) -> NaiveDateTime {
        parse_local(s).unwrap()
    }

    fn utc(s: &str) -> DateTime<Utc> {
        local(s).and_utc()
    }

    /// Transitions and offsets below are the published rules of each zone, worked out by
    /// hand (US: second Sunday of March and first of November; EU: last Sunday of March at
    /// 01:00 UTC; Lord Howe: 30-minute DST from the first Sunday of October; St John's:
    /// UTC-3:30; Kathmandu: UTC+5:45 all year; Chatham: UTC+12:45, DST from the last Sunday
    /// of September at 02:45).
    #[test]
    fn dst_table() {
        struct Case {
            zone: &'static str,
            local: &'static str,
            utc: &'static str,
            notice: Option<&'static str>,
        }
        let cases = [
            Case {
                zone: "America/New_York",
                local: "2027-03-02T10:00",
                utc: "2027-03-02T15:00",
                notice: None,
            },
            Case {
                zone: "America/New_York",
                local: "2027-03-14T02:30",
                utc: "2027-03-14T07:30",
                notice: Some("gap"),
            },
            Case {
                zone: "America/New_York",
                local: "2027-03-14T03:00",
                utc: "2027-03-14T07:00",
                notice: None,
            },
            Case {
                zone: "America/New_York",
                local: "2027-11-07T01:30",
                utc: "2027-11-07T05:30",
                notice: Some("ambiguous"),
            },
            Case {
                zone: "America/New_York",
                local: "2027-11-07T02:00",
                utc: "2027-11-07T07:00",
                notice: None,
            },
            Case {
                zone: "Europe/London",
                local: "2027-03-28T01:30",
                utc: "2027-03-28T01:30",
                notice: Some("gap"),
            },
            Case {
                zone: "Europe/London",
                local: "2027-10-31T01:30",
                utc: "2027-10-31T00:30",
                notice: Some("ambiguous"),
            },
            Case {
                zone: "Europe/Berlin",
                local: "2027-03-28T02:15",
                utc: "2027-03-28T01:15",
                notice: Some("gap"),
            },
            Case {
                zone: "America/St_Johns",
                local: "2027-01-15T09:00",
                utc: "2027-01-15T12:30",
                notice: None,
            },
            Case {
                zone: "America/St_Johns",
                local: "2027-07-15T09:00",
                utc: "2027-07-15T11:30",
                notice: None,
            },
            Case {
                zone: "America/St_Johns",
                local: "2027-03-14T02:30",
                utc: "2027-03-14T06:00",
                notice: Some("gap"),
            },
            Case {
                zone: "Asia/Kathmandu",
                local: "2027-06-01T09:00",
                utc: "2027-06-01T03:15",
                notice: None,
            },
            Case {
                zone: "Asia/Kolkata",
                local: "2027-06-01T09:00",
                utc: "2027-06-01T03:30",
                notice: None,
            },
            Case {
                zone: "Australia/Lord_Howe",
                local: "2027-07-01T09:00",
                utc: "2027-06-30T22:30",
                notice: None,
            },
            Case {
                zone: "Australia/Lord_Howe",
                local: "2027-12-01T09:00",
                utc: "2027-11-30T22:00",
                notice: None,
            },
            Case {
                zone: "Australia/Lord_Howe",
                local: "2027-10-03T02:15",
                utc: "2027-10-02T15:45",
                notice: Some("gap"),
            },
            Case {
                zone: "Australia/Adelaide",
                local: "2027-07-01T09:00",
                utc: "2027-06-30T23:30",
                notice: None,
            },
            Case {
                zone: "Pacific/Chatham",
                local: "2027-07-01T09:00",
                utc: "2027-06-30T20:15",
                notice: None,
            },
            Case {
                zone: "Pacific/Chatham",
                local: "2027-09-26T03:00",
                utc: "2027-09-25T14:15",
                notice: Some("gap"),
            },
            Case {
                zone: "UTC",
                local: "2027-03-14T02:30",
                utc: "2027-03-14T02:30",
                notice: None,
            },
        ];
        for c in cases {
            let tz = parse_zone(c.zone).unwrap();
            let r = resolve(tz, local(c.local));
            assert_eq!(
                r.at.with_timezone(&Utc),
                utc(c.utc),
                "{} {}",
                c.zone,
                c.local
            );
            let kind = r.notice.as_ref().map(|n| match n {
                TimeNotice::Gap { .. } => "gap",
                TimeNotice::Ambiguous { .. } => "ambiguous",
            });
            assert_eq!(kind, c.notice, "{} {}", c.zone, c.local);
        }
    }

    #[test]
    fn gap_notice_names_the_new_time() {
        let tz = parse_zone("America/New_York").unwrap();
        let r = resolve(tz, local("2027-03-14T02:30"));
        assert_eq!(r.at.naive_local(), local("2027-03-14T03:30"));
        let msg = r.notice.unwrap().message();
        assert!(msg.contains("02:30 on 14 Mar 2027 does not exist"), "{msg}");
        assert!(msg.contains("starts at 03:30"), "{msg}");
    }

    #[test]
    fn ambiguous_notice_names_both_offsets() {
        let tz = parse_zone("America/New_York").unwrap();
        let msg = resolve(tz, local("2027-11-07T01:30"))
            .notice
            .unwrap()
            .message();
        assert!(msg.contains("EDT UTC-4"), "{msg}");
        assert!(msg.contains("EST UTC-5"), "{msg}");
    }

    #[test]
    fn zones_are_read_case_insensitively_and_unknown_ones_named() {
        assert_eq!(parse_zone("europe/berlin").unwrap(), Tz::Europe__Berlin);
        assert_eq!(
            parse_zone("Mars/Olympus"),
            Err(TimeError::UnknownZone("Mars/Olympus".into()))
        );
    }

    #[test]
    fn start_formats() {
        assert_eq!(
            parse_local("2027-03-02 10:00"),
            Ok(local("2027-03-02T10:00"))
        );
        assert_eq!(
            parse_local("2027-03-02T10:00:00"),
            Ok(local("2027-03-02T10:00"))
        );
        assert_eq!(parse_local("2027-02-30T10:00"), Err(TimeError::StartFormat));
        assert_eq!(parse_local("10:00"), Err(TimeError::StartFormat));
    }

    #[test]
    fn observances_of_new_york_around_2027() {
        let tz = parse_zone("America/New_York").unwrap();
        let obs = observances(tz, utc("2027-03-02T15:00"), utc("2027-12-31T00:00"));
        let got: Vec<(String, i32, i32, bool, &str)> = obs
            .iter()
            .map(|o| {
                (
                    o.start_local.format("%Y%m%dT%H%M%S").to_string(),
                    o.offset_from,
                    o.offset_to,
                    o.daylight,
                    o.name.as_str(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("20261101T020000".into(), -4 * 3600, -5 * 3600, false, "EST"),
                ("20270314T020000".into(), -5 * 3600, -4 * 3600, true, "EDT"),
                ("20271107T020000".into(), -4 * 3600, -5 * 3600, false, "EST"),
            ]
        );
    }

    #[test]
    fn observances_of_a_zone_without_dst() {
        let tz = parse_zone("Asia/Kathmandu").unwrap();
        let obs = observances(tz, utc("2027-06-01T03:15"), utc("2027-06-01T04:15"));
        assert_eq!(obs.len(), 1);
        assert_eq!(obs[0].offset_from, 5 * 3600 + 45 * 60);
        assert_eq!(obs[0].offset_to, 5 * 3600 + 45 * 60);
        assert!(!obs[0].daylight);
    }

    #[test]
    fn offsets_format_both_ways() {
        assert_eq!(format_offset(19_800, false), "+0530");
        assert_eq!(format_offset(-9_000, false), "-0230");
        assert_eq!(format_offset(-17_762, false), "-045602");
        assert_eq!(format_offset(20_700, true), "UTC+5:45");
        assert_eq!(format_offset(-18_000, true), "UTC-5");
    }
}
