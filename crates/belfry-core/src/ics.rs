//! iCalendar (RFC 5545) output: one VEVENT with its VTIMEZONE, folded and escaped so that
//! no user text can start a property or a component.

use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::invitation::Invitation;
use crate::meeting::Meeting;
use crate::provider::Provider;
use crate::time::{self, format_offset};

/// The iTIP method of a calendar object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// An invitation: attendees receive it and answer.
    Request,
    /// An event to import into one's own calendar; no attendees.
    Publish,
    /// Calls the meeting off for every attendee.
    Cancel,
}

impl Method {
    fn name(self) -> &'static str {
        match self {
            Method::Request => "REQUEST",
            Method::Publish => "PUBLISH",
            Method::Cancel => "CANCEL",
        }
    }
}

/// How to write the object.
#[derive(Debug, Clone)]
pub struct IcsOptions {
    /// The event's UID; the same for every update and the cancellation.
    pub uid: String,
    /// Goes up by one with every update and the cancellation.
    pub sequence: u32,
    /// When this version was made (`DTSTAMP`).
    pub dtstamp: DateTime<Utc>,
    /// `None` for a calendar resource stored on a server (CalDAV has no METHOD).
    pub method: Option<Method>,
    /// Minutes before the start for a reminder; `None` for none.
    pub reminder_minutes: Option<u32>,
    /// The event is cancelled (`STATUS:CANCELLED`, no reminder). Always so with
    /// [`Method::Cancel`]; set it alone for a cancelled event stored on a server.
    pub cancelled: bool,
}

/// Why no calendar object could be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IcsError {
    /// Attendees, and no organizer.
    #[error("an invitation with attendees needs an organizer: give your email address")]
    MissingOrganizer,
}

/// Writes the calendar object for `meeting`. The description is the invitation's text.
pub fn render_ics(
    meeting: &Meeting,
    invitation: &Invitation,
    provider: &Provider,
    opts: &IcsOptions,
) -> Result<String, IcsError> {
    let with_attendees = opts.method != Some(Method::Publish);
    let organizer = meeting.calendar_organizer();
    if with_attendees && organizer.is_none() {
        return Err(IcsError::MissingOrganizer);
    }
    let tz = meeting.time_zone;
    let start = meeting.resolved_start().at;
    let end = meeting.end();

    let mut w = Writer::default();
    w.line("BEGIN", &[], "VCALENDAR");
    w.line("PRODID", &[], "-//Belfry//Belfry Meeting Scheduler//EN");
    w.line("VERSION", &[], "2.0");
    w.line("CALSCALE", &[], "GREGORIAN");
    if let Some(m) = opts.method {
        w.line("METHOD", &[], m.name());
    }

    let utc = time::is_utc(tz);
    if !utc {
        // Cover the whole series, and at least a year, so clients see both of a zone's
        // observances even for a single meeting.
        let start_utc = start.with_timezone(&Utc);
        let after =
            |t: DateTime<Utc>, days: i64| t.checked_add_signed(TimeDelta::days(days)).unwrap_or(t);
        let open_series_days = 366 * i64::from(crate::limits::MAX_SERIES_YEARS);
        let until = match meeting
            .recurrence
            .as_ref()
            .map(|r| r.last_day(start.date_naive()))
        {
            Some(Some(last)) => after(last.and_time(start.time()).and_utc(), 2),
            Some(None) => after(start_utc, open_series_days),
            None => end.with_timezone(&Utc),
        }
        .max(after(start_utc, 366));
        write_vtimezone(&mut w, tz, start.with_timezone(&Utc), until);
    }

    w.line("BEGIN", &[], "VEVENT");
    w.line("UID", &[], &text(&opts.uid));
    w.line("DTSTAMP", &[], &utc_stamp(opts.dtstamp));
    w.line("SEQUENCE", &[], &opts.sequence.to_string());
    if utc {
        w.line("DTSTART", &[], &utc_stamp(start.with_timezone(&Utc)));
        w.line("DTEND", &[], &utc_stamp(end.with_timezone(&Utc)));
    } else {
        let tzid = [("TZID", tz.name())];
        w.line("DTSTART", &tzid, &local_stamp(start.naive_local()));
        w.line("DTEND", &tzid, &local_stamp(end.naive_local()));
    }
    if let Some(r) = &meeting.recurrence {
        w.line("RRULE", &[], &r.rrule(tz));
    }
    w.line("SUMMARY", &[], &text(&meeting.title));
    w.line("LOCATION", &[], &text(&invitation.location));
    w.line("URL", &[("VALUE", "URI")], &uri(&invitation.join_url));
    w.line("DESCRIPTION", &[], &text(&invitation.text));
    w.line(
        "X-ALT-DESC",
        &[("FMTTYPE", "text/html")],
        &text(&invitation.html),
    );
    if let Some(org) = organizer {
        let mailto = format!("mailto:{}", org.as_str());
        let sent_by = meeting
            .on_behalf_of
            .as_ref()
            .and(meeting.organizer.as_ref())
            .map(|d| format!("mailto:{}", d.as_str()));
        let mut params: Vec<(&str, &str)> = Vec::new();
        if let Some(s) = sent_by.as_deref() {
            params.push(("SENT-BY", s));
        }
        w.line("ORGANIZER", &params, &uri(&mailto));
    }
    if with_attendees {
        for a in &invitation.attendees {
            let provider_address = provider.is_provider_address(a);
            let rsvp = if provider_address { "FALSE" } else { "TRUE" };
            let params = [
                ("CUTYPE", "INDIVIDUAL"),
                ("ROLE", "REQ-PARTICIPANT"),
                ("PARTSTAT", "NEEDS-ACTION"),
                ("RSVP", rsvp),
            ];
            w.line("ATTENDEE", &params, &uri(&format!("mailto:{}", a.as_str())));
        }
    }
    let cancelled = opts.cancelled || opts.method == Some(Method::Cancel);
    w.line(
        "STATUS",
        &[],
        if cancelled { "CANCELLED" } else { "CONFIRMED" },
    );
    w.line("TRANSP", &[], "OPAQUE");
    if let (Some(minutes), false) = (opts.reminder_minutes, cancelled) {
        w.line("BEGIN", &[], "VALARM");
        w.line("ACTION", &[], "DISPLAY");
        w.line("DESCRIPTION", &[], &text(&meeting.title));
        w.line("TRIGGER", &[], &format!("-PT{minutes}M"));
        w.line("END", &[], "VALARM");
    }
    w.line("END", &[], "VEVENT");
    w.line("END", &[], "VCALENDAR");
    Ok(w.out)
}

fn write_vtimezone(w: &mut Writer, tz: Tz, from: DateTime<Utc>, to: DateTime<Utc>) {
    w.line("BEGIN", &[], "VTIMEZONE");
    w.line("TZID", &[], tz.name());
    for o in time::observances(tz, from, to) {
        let kind = if o.daylight { "DAYLIGHT" } else { "STANDARD" };
        w.line("BEGIN", &[], kind);
        w.line("DTSTART", &[], &local_stamp(o.start_local));
        w.line("TZOFFSETFROM", &[], &format_offset(o.offset_from, false));
        w.line("TZOFFSETTO", &[], &format_offset(o.offset_to, false));
        w.line("TZNAME", &[], &text(&o.name));
        w.line("END", &[], kind);
    }
    w.line("END", &[], "VTIMEZONE");
}

fn utc_stamp(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

fn local_stamp(t: NaiveDateTime) -> String {
    t.format("%Y%m%dT%H%M%S").to_string()
}

/// Escapes a TEXT value (RFC 5545 §3.3.11): backslash, semicolon, comma and newline; CR and
/// CRLF become newlines first; other control characters (tab aside) are dropped.
pub fn text(value: &str) -> String {
    let normalised = value.replace("\r\n", "\n").replace('\r', "\n");
    let mut out = String::with_capacity(normalised.len());
    for c in normalised.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push('\t'),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A URI value: controls and spaces never reach the line.
fn uri(value: &str) -> String {
    value
        .chars()
        .filter(|c| !c.is_control() && !c.is_whitespace())
        .collect()
}

/// A parameter value: quoted when it holds `:`, `;` or `,`; double quotes and controls
/// cannot be represented and are dropped.
pub fn param_value(value: &str) -> String {
    let clean: String = value
        .chars()
        .filter(|c| *c != '"' && !c.is_control())
        .collect();
    if clean.contains([':', ';', ',']) {
        format!("\"{clean}\"")
    } else {
        clean
    }
}

#[derive(Default)]
struct Writer {
    out: String,
}

impl Writer {
    fn line(&mut self, name: &str, params: &[(&str, &str)], value: &str) {
        let mut line = String::from(name);
        for (k, v) in params {
            line.push(';');
            line.push_str(k);
            line.push('=');
            line.push_str(&param_value(v));
        }
        line.push(':');
        line.push_str(value);
        fold_into(&mut self.out, &line);
    }
}

/// Appends `line` folded at 75 octets (continuations start with one space, which counts),
/// never inside a UTF-8 character and never right after white space, each physical line
/// ended by CRLF.
pub fn fold_into(out: &mut String, line: &str) {
    let mut rest = line;
    let mut limit = 75;
    loop {
        if rest.len() <= limit {
            out.push_str(rest);
            out.push_str("\r\n");
            return;
        }
        let mut cut = limit;
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        // Never end a physical line with white space: some transports and parsers strip it.
        let mut trimmed = cut;
        while trimmed > 1 && rest[..trimmed].ends_with([' ', '\t']) {
            trimmed -= 1;
        }
        if rest[..trimmed].ends_with([' ', '\t']) {
            trimmed = cut;
        }
        let cut = trimmed;
        out.push_str(&rest[..cut]);
        out.push_str("\r\n ");
        rest = &rest[cut..];
        limit = 74;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_text_and_drops_controls() {
        assert_eq!(text("a;b,c\\d"), "a\\;b\\,c\\\\d");
        assert_eq!(text("one\r\ntwo\rthree\nfour"), "one\\ntwo\\nthree\\nfour");
        assert_eq!(text("bell\u{7}\u{0}\ttab"), "bell\ttab");
        assert_eq!(
            text("x\nATTENDEE:mailto:evil@x.test"),
            "x\\nATTENDEE:mailto:evil@x.test"
        );
    }

    #[test]
    fn folds_at_75_octets_without_splitting_characters() {
        let mut out = String::new();
        let line = format!("SUMMARY:{}", "é".repeat(60));
        fold_into(&mut out, &line);
        for physical in out.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(
                physical.len() <= 75,
                "{} octets: {physical}",
                physical.len()
            );
        }
        let unfolded = out.trim_end_matches("\r\n").replace("\r\n ", "");
        assert_eq!(unfolded, line);
    }

    #[test]
    fn physical_lines_never_end_in_white_space() {
        let mut out = String::new();
        let line = format!("{} {}", "A".repeat(74), "B".repeat(10));
        fold_into(&mut out, &line);
        assert_eq!(
            out,
            format!("{}\r\n  {}\r\n", "A".repeat(74), "B".repeat(10))
        );
    }

    #[test]
    fn short_lines_are_not_folded() {
        let mut out = String::new();
        fold_into(&mut out, &"X".repeat(75));
        assert_eq!(out, format!("{}\r\n", "X".repeat(75)));
        out.clear();
        fold_into(&mut out, &"X".repeat(76));
        assert_eq!(out, format!("{}\r\n X\r\n", "X".repeat(75)));
    }

    #[test]
    fn parameters_are_quoted_or_cleaned() {
        assert_eq!(param_value("America/New_York"), "America/New_York");
        assert_eq!(param_value("mailto:a@b.c"), "\"mailto:a@b.c\"");
        assert_eq!(param_value("a\"b\r\nc"), "abc");
    }
}
