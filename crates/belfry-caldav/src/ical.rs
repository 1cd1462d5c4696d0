//! iCalendar text (RFC 5545) as this crate reads and rewrites it: content lines unfolded and
//! split into name, parameters and value (double quotes respected), TEXT escaped and
//! unescaped, new lines folded at 75 octets; and [`apply_edit`], which changes an event
//! someone else may have made while keeping every byte it does not change.

use belfry_core::calendar::EventEdit;
use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeDelta, Utc};

/// One content line: the physical lines it was folded into, exactly as they were (line
/// endings included), and its unfolded text (without the line ending).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Line<'a> {
    pub raw: &'a str,
    pub text: String,
}

/// The content lines of `text`: a physical line that starts with a space or a tab continues
/// the one before (the break and that one character are dropped). CRLF and LF both end a
/// line.
pub(crate) fn content_lines(text: &str) -> Vec<Line<'_>> {
    let mut out: Vec<Line<'_>> = Vec::new();
    let mut start = 0;
    for physical in text.split_inclusive('\n') {
        let end = start + physical.len();
        let content = physical
            .strip_suffix('\n')
            .map(|p| p.strip_suffix('\r').unwrap_or(p))
            .unwrap_or(physical);
        match out.last_mut() {
            Some(last) if content.starts_with([' ', '\t']) => {
                last.text.push_str(&content[1..]);
                last.raw = &text[start - last.raw.len()..end];
            }
            _ => out.push(Line {
                raw: &text[start..end],
                text: content.to_owned(),
            }),
        }
        start = end;
    }
    out
}

/// A content line's parts: its name (as written), its parameters (`;K=V;...` as written, or
/// empty) and its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Prop<'a> {
    pub name: &'a str,
    pub params: &'a str,
    pub value: &'a str,
}

impl Prop<'_> {
    /// The name is `name` (names are case-insensitive).
    pub fn is(&self, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name)
    }

    /// The value of parameter `key`, unquoted.
    pub fn param(&self, key: &str) -> Option<&str> {
        split_outside_quotes(self.params, ';')
            .filter_map(|p| p.split_once('='))
            .find(|(k, _)| k.trim().eq_ignore_ascii_case(key))
            .map(|(_, v)| {
                let v = v.trim();
                v.strip_prefix('"')
                    .and_then(|v| v.strip_suffix('"'))
                    .unwrap_or(v)
            })
    }
}

/// `text` cut at every `sep` that is not inside double quotes.
fn split_outside_quotes(text: &str, sep: char) -> impl Iterator<Item = &str> {
    let mut quoted = false;
    text.split(move |c: char| {
        if c == '"' {
            quoted = !quoted;
        }
        c == sep && !quoted
    })
}

/// Splits an unfolded content line at the first colon outside double quotes (a parameter
/// like `CN="Doe: Ana"` may hold one); `None` for a line without a value.
pub(crate) fn split(line: &str) -> Option<Prop<'_>> {
    let mut quoted = false;
    let colon = line.char_indices().find_map(|(i, c)| {
        if c == '"' {
            quoted = !quoted;
        }
        (c == ':' && !quoted).then_some(i)
    })?;
    let head = &line[..colon];
    let name_end = head.find(';').unwrap_or(head.len());
    Some(Prop {
        name: &head[..name_end],
        params: &head[name_end..],
        value: &line[colon + 1..],
    })
}

/// RFC 5545 TEXT unescaping: `\\`, `\;`, `\,`, `\n` and `\N`; any other escaped character
/// stands for itself.
pub(crate) fn unescape_text(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    let mut chars = v.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n' | 'N') => out.push('\n'),
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

/// RFC 5545 TEXT escaping, the counterpart of [`unescape_text`]: the workspace's one
/// escaper ([`belfry_core::ics::text`]: CR and CRLF become newlines, other control
/// characters are dropped, so a value can never start a property of its own).
pub(crate) fn escape_text(v: &str) -> String {
    belfry_core::ics::text(v)
}

/// The address of a `mailto:` URI (`ORGANIZER`, `ATTENDEE`), without the scheme.
pub(crate) fn address(value: &str) -> &str {
    let v = value.trim();
    match v.get(..7) {
        Some(scheme) if scheme.eq_ignore_ascii_case("mailto:") => &v[7..],
        _ => v,
    }
}

/// The attendees of a scheduling object whose RFC 6638 `SCHEDULE-STATUS` (one code or a
/// comma-separated list) holds a 3.x (the request could not be delivered: DAViCal's 3.7 for
/// an address that is not one of its users) or a 5.x (delivery failed), each once, in the
/// order of the object. 1.x (pending, sent, delivered) and 2.x (done) are told.
pub(crate) fn untold(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for line in content_lines(text) {
        let Some(p) = split(&line.text) else {
            continue;
        };
        let Some(status) = p.param("SCHEDULE-STATUS").filter(|_| p.is("ATTENDEE")) else {
            continue;
        };
        let failed = status
            .split(',')
            .any(|code| matches!(code.trim().chars().next(), Some('3' | '5')));
        let attendee = address(p.value);
        if failed && !attendee.is_empty() && !out.iter().any(|o| o.eq_ignore_ascii_case(attendee)) {
            out.push(attendee.to_owned());
        }
    }
    out
}

/// One VEVENT of a calendar object, by indexes into its content lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Vevent {
    /// `BEGIN:VEVENT`.
    pub begin: usize,
    /// `END:VEVENT`, when the object has one.
    pub end: Option<usize>,
    /// The VEVENT's own properties (not those of its VALARMs).
    pub props: Vec<usize>,
    /// Its first sub-component's `BEGIN`, if any.
    pub first_child: Option<usize>,
}

/// The VEVENTs of an object (any not inside another VEVENT), in order.
pub(crate) fn vevents(lines: &[Line<'_>]) -> Vec<Vevent> {
    let mut out = Vec::new();
    let mut current: Option<Vevent> = None;
    let mut depth = 0usize;
    for (i, line) in lines.iter().enumerate() {
        let Some(p) = split(&line.text) else {
            continue;
        };
        let component = p.value.trim();
        match current.as_mut() {
            None => {
                if p.is("BEGIN") && component.eq_ignore_ascii_case("VEVENT") {
                    current = Some(Vevent {
                        begin: i,
                        end: None,
                        props: Vec::new(),
                        first_child: None,
                    });
                    depth = 0;
                }
            }
            Some(event) => {
                if p.is("BEGIN") {
                    depth += 1;
                    event.first_child.get_or_insert(i);
                } else if p.is("END") && depth > 0 {
                    depth -= 1;
                } else if p.is("END") {
                    // An END of nothing open (`END:VALARM` with no BEGIN) is ignored.
                    if component.eq_ignore_ascii_case("VEVENT") {
                        event.end = Some(i);
                        out.extend(current.take());
                    }
                } else if depth == 0 {
                    event.props.push(i);
                }
            }
        }
    }
    out.extend(current);
    out
}

/// `event`'s own properties, split, with their line indexes.
pub(crate) fn props<'l>(
    lines: &'l [Line<'_>],
    event: &'l Vevent,
) -> impl Iterator<Item = (usize, Prop<'l>)> {
    event
        .props
        .iter()
        .filter_map(|&i| split(&lines[i].text).map(|p| (i, p)))
}

/// The first of `event`'s properties called `name`.
pub(crate) fn first<'l>(
    lines: &'l [Line<'_>],
    event: &'l Vevent,
    name: &str,
) -> Option<(usize, Prop<'l>)> {
    props(lines, event).find(|(_, p)| p.is(name))
}

/// The latest instant a DATE-TIME or DATE value can stand for: exact in UTC or in a zone
/// Belfry knows (an IANA name, also at the end of a longer TZID like
/// `/mozilla.org/20050126_1/Europe/Berlin`); a floating time, a date, or a zone it does not
/// know is read in the zone furthest behind UTC (12 hours), so a time never counts as past
/// too early. `None` when the value cannot be read.
fn latest_instant(p: &Prop<'_>) -> Option<DateTime<Utc>> {
    if let Some(t) = exact_instant(p) {
        return Some(t);
    }
    let v = p.value.trim();
    let local = NaiveDateTime::parse_from_str(v, "%Y%m%dT%H%M%S")
        .ok()
        .or_else(|| {
            NaiveDate::parse_from_str(v, "%Y%m%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
        })?;
    zoned(p, local).or_else(|| {
        local
            .checked_add_signed(TimeDelta::hours(12))
            .map(|t| t.and_utc())
    })
}

/// The instant of `local` in the zone the value's TZID names, when Belfry knows it: an IANA
/// name, also at the end of a longer TZID (`/mozilla.org/20050126_1/Europe/Berlin`).
fn zoned(p: &Prop<'_>, local: NaiveDateTime) -> Option<DateTime<Utc>> {
    let tzid = p.param("TZID")?;
    let segments: Vec<&str> = tzid.split('/').collect();
    let tz = (0..segments.len())
        .map(|i| segments[i..].join("/"))
        .find_map(|name| belfry_core::time::parse_zone(&name).ok())?;
    Some(belfry_core::time::resolve(tz, local).at.with_timezone(&Utc))
}

/// The instant a DATE-TIME value names exactly: one in UTC, or in a zone Belfry knows.
/// `None` for a date, a floating time, a zone it does not know, or a value it cannot read.
fn exact_instant(p: &Prop<'_>) -> Option<DateTime<Utc>> {
    let v = p.value.trim();
    if let Some(utc) = v.strip_suffix(['Z', 'z']) {
        let t = NaiveDateTime::parse_from_str(utc, "%Y%m%dT%H%M%S").ok()?;
        return Some(t.and_utc());
    }
    zoned(p, NaiveDateTime::parse_from_str(v, "%Y%m%dT%H%M%S").ok()?)
}

/// Whether a calendar object holds a recurrence (a VEVENT with an RRULE or an RDATE): its
/// occurrences are the server's to work out.
pub(crate) fn repeats(text: &str) -> bool {
    let lines = content_lines(text);
    vevents(&lines).iter().any(|e| {
        ["RRULE", "RDATE"]
            .iter()
            .any(|n| first(&lines, e, n).is_some())
    })
}

/// The start of the earliest occurrence in `text` that starts at or after `from` (as late
/// as its start can be read, as [`in_the_past`] reads it), where every VEVENT of `text` is
/// one occurrence: a single event, an occurrence alone, or the instances of a series as a
/// server expands them (RFC 4791 `expand`). An occurrence starts at its DTSTART, or at its
/// RECURRENCE-ID without one; cancelled ones (`STATUS:CANCELLED`) are left out. The start
/// is written in UTC (`20270322T130000Z`) when its instant is exact (UTC, or a zone Belfry
/// knows: Xandikos keeps an instance's TZID), else as the object writes it (a date, a
/// floating time). `None` when no occurrence starts then, and when `text` still holds a
/// recurrence rule (a server that did not expand it): its own DTSTART is only its first.
pub(crate) fn first_start_from(text: &str, from: DateTime<Utc>) -> Option<String> {
    if repeats(text) {
        return None;
    }
    let lines = content_lines(text);
    vevents(&lines)
        .iter()
        .filter(|e| {
            !first(&lines, e, "STATUS")
                .is_some_and(|(_, p)| p.value.trim().eq_ignore_ascii_case("CANCELLED"))
        })
        .filter_map(|e| {
            let (_, start) =
                first(&lines, e, "DTSTART").or_else(|| first(&lines, e, "RECURRENCE-ID"))?;
            let latest = latest_instant(&start).filter(|t| *t >= from)?;
            let written = match exact_instant(&start) {
                Some(t) => t.format("%Y%m%dT%H%M%SZ").to_string(),
                None => start.value.trim().to_owned(),
            };
            Some((latest, written))
        })
        .min_by_key(|(latest, _)| *latest)
        .map(|(_, written)| written)
}

/// Whether `edit` leaves `event` as it is: an overridden occurrence (or an event that does
/// not repeat) that starts before `edit.from()`. An override starts at its DTSTART (where
/// it was moved to), or at its RECURRENCE-ID without one; one that stands for this and
/// every later occurrence (`RANGE=THISANDFUTURE`) and a series' master are always edited,
/// and so is an event whose start cannot be read.
fn in_the_past(lines: &[Line<'_>], event: &Vevent, from: DateTime<Utc>) -> bool {
    let recurrence_id = first(lines, event, "RECURRENCE-ID");
    let repeats = ["RRULE", "RDATE"]
        .iter()
        .any(|n| first(lines, event, n).is_some());
    if let Some((_, rid)) = &recurrence_id {
        if rid
            .param("RANGE")
            .is_some_and(|r| r.eq_ignore_ascii_case("THISANDFUTURE"))
        {
            return false;
        }
    } else if repeats {
        return false;
    }
    let start = first(lines, event, "DTSTART").or(recurrence_id);
    start
        .and_then(|(_, p)| latest_instant(&p))
        .is_some_and(|t| t < from)
}

/// A new content line `name params:value`, folded, with `eol` line ends.
fn folded(name: &str, params: &str, value: &str, eol: &str) -> String {
    let mut out = String::new();
    belfry_core::ics::fold_into(&mut out, &format!("{name}{params}:{value}"));
    if eol == "\r\n" {
        out
    } else {
        out.replace("\r\n", eol)
    }
}

/// What one TEXT property becomes: `Some(escaped value)` when `change` gives a value that
/// differs from `old` once written (so a value that only looks different, like one with a
/// control character the escaper drops, is no change).
fn changed_text(old: &str, new: Option<String>) -> Option<String> {
    let escaped = escape_text(&new?);
    (unescape_text(&escaped) != old).then_some(escaped)
}

/// `text` (a calendar object) with `edit` applied to every VEVENT in it (a series' master
/// and each overridden occurrence) that [`in_the_past`] does not spare: DESCRIPTION,
/// `X-ALT-DESC;FMTTYPE=text/html` and LOCATION as `edit` answers (added when absent and
/// `edit` gives a value), ATTENDEEs `edit` drops removed; a VEVENT that changed gets its
/// SEQUENCE raised by one (0 when absent), DTSTAMP and LAST-MODIFIED `now`. Every other
/// byte stays as it was: other properties and their parameters, line folding, component
/// order, components Belfry does not know. `Ok(None)` when nothing changes; an error (for
/// the user) when the object holds no complete VEVENT.
pub(crate) fn apply_edit(
    text: &str,
    edit: &dyn EventEdit,
    now: DateTime<Utc>,
) -> Result<Option<String>, String> {
    let lines = content_lines(text);
    let events = vevents(&lines);
    if events.is_empty() {
        return Err("the calendar object holds no event".into());
    }
    if events.iter().any(|e| e.end.is_none()) {
        return Err("the calendar object ends inside an event (no END:VEVENT)".into());
    }
    let eol = if text.contains("\r\n") || !text.contains('\n') {
        "\r\n"
    } else {
        "\n"
    };
    let stamp = now.format("%Y%m%dT%H%M%SZ").to_string();
    // What each line becomes (None: as it was; Some(""): dropped), and what goes before it.
    let mut replaced: Vec<Option<String>> = vec![None; lines.len()];
    let mut inserted: Vec<String> = vec![String::new(); lines.len()];
    let mut any = false;
    for event in &events {
        if in_the_past(&lines, event, edit.from()) {
            continue;
        }
        let mut changed = false;
        let mut seen = [false; 3];
        for &i in &event.props {
            let Some(p) = split(&lines[i].text) else {
                continue;
            };
            let html = p.is("X-ALT-DESC")
                && p.param("FMTTYPE")
                    .is_some_and(|t| t.trim().eq_ignore_ascii_case("text/html"));
            let which = if p.is("DESCRIPTION") {
                Some(0)
            } else if html {
                Some(1)
            } else if p.is("LOCATION") {
                Some(2)
            } else {
                None
            };
            if let Some(which) = which {
                seen[which] = true;
                let old = unescape_text(p.value);
                let new = match which {
                    0 => edit.description(&old),
                    1 => edit.html(&old),
                    _ => edit.location(&old),
                };
                if let Some(value) = changed_text(&old, new) {
                    replaced[i] = Some(folded(p.name, p.params, &value, eol));
                    changed = true;
                }
            } else if p.is("ATTENDEE") && edit.drops_attendee(address(p.value)) {
                replaced[i] = Some(String::new());
                changed = true;
            }
        }
        // Properties go before the sub-components (RFC 5545: eventprop *alarmc).
        let at = event.first_child.or(event.end).unwrap_or(event.begin);
        for (which, (name, params)) in [
            ("DESCRIPTION", ""),
            ("X-ALT-DESC", ";FMTTYPE=text/html"),
            ("LOCATION", ""),
        ]
        .into_iter()
        .enumerate()
        {
            if seen[which] {
                continue;
            }
            let new = match which {
                0 => edit.description(""),
                1 => edit.html(""),
                _ => edit.location(""),
            };
            if let Some(value) = changed_text("", new) {
                inserted[at].push_str(&folded(name, params, &value, eol));
                changed = true;
            }
        }
        if !changed {
            continue;
        }
        any = true;
        let sequence = first(&lines, event, "SEQUENCE");
        let next = sequence
            .and_then(|(_, p)| p.value.trim().parse::<u32>().ok())
            .unwrap_or(0)
            .saturating_add(1)
            .to_string();
        let updates = [
            ("SEQUENCE", sequence, next),
            ("DTSTAMP", first(&lines, event, "DTSTAMP"), stamp.clone()),
            (
                "LAST-MODIFIED",
                first(&lines, event, "LAST-MODIFIED"),
                stamp.clone(),
            ),
        ];
        for (name, held, value) in updates {
            match held {
                Some((i, p)) => replaced[i] = Some(folded(p.name, p.params, &value, eol)),
                None => inserted[at].push_str(&folded(name, "", &value, eol)),
            }
        }
    }
    if !any {
        return Ok(None);
    }
    let mut out = String::with_capacity(text.len() + 256);
    for (i, line) in lines.iter().enumerate() {
        out.push_str(&inserted[i]);
        out.push_str(replaced[i].as_deref().unwrap_or(line.raw));
    }
    Ok(Some(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_attendees_a_scheduling_server_could_not_tell_are_read_from_schedule_status() {
        let text = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:u\r\nORGANIZER;SCHEDULE-STATUS=5.1:mailto:ana@example.com\r\n\
ATTENDEE;SCHEDULE-STATUS=1.2;CN=Bob:mailto:bob@example.com\r\n\
ATTENDEE;CN=\"Pat; far away\";SCHEDULE-STATUS=3.7:mailto:pat@elsewhere.example\r\n\
ATTENDEE;SCHEDULE-STATUS=\"1.1,5.3\":MAILTO:lee@elsewhere.example\r\n\
ATTENDEE;SCHEDULE-STATUS=2.0:mailto:kim@example.com\r\nATTENDEE:mailto:new@example.com\r\n\
ATTENDEE;SCHEDULE-\r\n STATUS=3.7:mailto:meet@chime.aws\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:u\r\n\
RECURRENCE-ID:20270308T100000Z\r\nATTENDEE;SCHEDULE-STATUS=3.7:mailto:PAT@elsewhere.example\r\n\
END:VEVENT\r\nEND:VCALENDAR\r\n";
        assert_eq!(
            untold(text),
            [
                "pat@elsewhere.example",
                "lee@elsewhere.example",
                "meet@chime.aws"
            ]
        );
        assert!(untold("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n").is_empty());
    }

    /// Replaces "OLD" by "NEW" in every text and drops `x@old.example`.
    struct OldToNew {
        from: DateTime<Utc>,
    }

    impl EventEdit for OldToNew {
        fn description(&self, text: &str) -> Option<String> {
            text.contains("OLD").then(|| text.replace("OLD", "NEW"))
        }
        fn html(&self, html: &str) -> Option<String> {
            html.contains("OLD").then(|| html.replace("OLD", "NEW"))
        }
        fn location(&self, location: &str) -> Option<String> {
            location
                .contains("OLD")
                .then(|| location.replace("OLD", "NEW"))
        }
        fn drops_attendee(&self, address: &str) -> bool {
            address.eq_ignore_ascii_case("x@old.example")
        }
        fn from(&self) -> DateTime<Utc> {
            self.from
        }
    }

    fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, 0, 0, 0).unwrap()
    }

    /// 2027-03-10: the series below starts before it, one override is before, one after.
    fn edit() -> OldToNew {
        OldToNew {
            from: at(2027, 3, 10),
        }
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2027, 3, 9, 12, 34, 56).unwrap()
    }

    /// The property lines of each VEVENT of `text`, unfolded.
    fn events(text: &str) -> Vec<Vec<String>> {
        let lines = content_lines(text);
        vevents(&lines)
            .iter()
            .map(|e| e.props.iter().map(|&i| lines[i].text.clone()).collect())
            .collect()
    }

    fn prop<'a>(event: &'a [String], name: &str) -> Option<&'a str> {
        event
            .iter()
            .find(|l| split(l).is_some_and(|p| p.is(name)))
            .map(String::as_str)
    }

    /// The raw lines of `text` that are not among `names` (what must not change).
    fn kept<'a>(text: &'a str, names: &[&str]) -> Vec<&'a str> {
        content_lines(text)
            .into_iter()
            .filter(|l| split(&l.text).is_none_or(|p| !names.iter().any(|n| p.is(n))))
            .map(|l| l.raw)
            .collect()
    }

    const EDITED: [&str; 6] = [
        "DESCRIPTION",
        "X-ALT-DESC",
        "LOCATION",
        "SEQUENCE",
        "DTSTAMP",
        "LAST-MODIFIED",
    ];

    /// A weekly series from 2027-03-01 (Berlin), one EXDATE, an override on 2027-03-08
    /// (before `from`) and one on 2027-03-22 (after), attendees with PARTSTAT, a VALARM, a
    /// VTIMEZONE, an unknown component and X- properties.
    const SERIES: &str = "BEGIN:VCALENDAR\r\n\
VERSION:2.0\r\n\
PRODID:-//Someone else//Their app 1.0//EN\r\n\
BEGIN:VTIMEZONE\r\n\
TZID:Europe/Berlin\r\n\
BEGIN:STANDARD\r\n\
DTSTART:19701025T030000\r\n\
TZOFFSETFROM:+0200\r\n\
TZOFFSETTO:+0100\r\n\
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\n\
END:STANDARD\r\n\
END:VTIMEZONE\r\n\
BEGIN:VEVENT\r\n\
UID:series-1@elsewhere.example\r\n\
DTSTAMP:20270201T120000Z\r\n\
SEQUENCE:2\r\n\
DTSTART;TZID=Europe/Berlin:20270301T100000\r\n\
DTEND;TZID=Europe/Berlin:20270301T110000\r\n\
RRULE:FREQ=WEEKLY;COUNT=10\r\n\
EXDATE;TZID=Europe/Berlin:20270315T100000\r\n\
SUMMARY:Seminar\r\n\
DESCRIPTION;LANGUAGE=en:Join at https://OLD.example/j/1\\, or dial in\\; see\r\n \\nnotes\r\n\
X-ALT-DESC;FMTTYPE=text/html:<p>Join at <a href=\"https://OLD.example/j/1\">OL\r\n D</a></p>\r\n\
LOCATION:OLD room\r\n\
ORGANIZER;CN=Prof:mailto:prof@elsewhere.example\r\n\
ATTENDEE;CN=\"A, B\";PARTSTAT=ACCEPTED:mailto:ab@elsewhere.example\r\n\
ATTENDEE;CN=\"Doe: X\";PARTSTAT=NEEDS-ACTION:MAILTO:x@old.example\r\n\
ATTENDEE;PARTSTAT=DECLINED;X-FOO=\"bar;baz\":mailto:c@elsewhere.example\r\n\
X-THEIR-FLAG;X-P=1:keep me\r\n\
BEGIN:VALARM\r\n\
ACTION:DISPLAY\r\n\
DESCRIPTION:OLD reminder text stays\r\n\
TRIGGER:-PT15M\r\n\
END:VALARM\r\n\
END:VEVENT\r\n\
BEGIN:VEVENT\r\n\
UID:series-1@elsewhere.example\r\n\
RECURRENCE-ID;TZID=Europe/Berlin:20270308T100000\r\n\
DTSTAMP:20270201T120000Z\r\n\
SEQUENCE:2\r\n\
DTSTART;TZID=Europe/Berlin:20270308T120000\r\n\
DTEND;TZID=Europe/Berlin:20270308T130000\r\n\
SUMMARY:Seminar (moved, past)\r\n\
DESCRIPTION:Join at https://OLD.example/j/1\r\n\
ATTENDEE;PARTSTAT=ACCEPTED;CN=Past:mailto:x@old.example\r\n\
END:VEVENT\r\n\
BEGIN:VEVENT\r\n\
UID:series-1@elsewhere.example\r\n\
RECURRENCE-ID;TZID=Europe/Berlin:20270322T100000\r\n\
DTSTAMP:20270201T120000Z\r\n\
DTSTART;TZID=Europe/Berlin:20270322T140000\r\n\
DTEND;TZID=Europe/Berlin:20270322T150000\r\n\
SUMMARY:Seminar (moved, future)\r\n\
DESCRIPTION:Join at https://OLD.example/j/1\r\n\
ATTENDEE;CN=\"A, B\";PARTSTAT=TENTATIVE:mailto:ab@elsewhere.example\r\n\
ATTENDEE;PARTSTAT=ACCEPTED:mailto:x@old.example\r\n\
END:VEVENT\r\n\
BEGIN:X-THEIR-THING\r\n\
X-WHATEVER:OLD\r\n\
END:X-THEIR-THING\r\n\
END:VCALENDAR\r\n";

    #[test]
    fn a_series_changes_in_its_master_and_its_future_override_only() {
        let out = apply_edit(SERIES, &edit(), now()).unwrap().unwrap();
        let ev = events(&out);
        assert_eq!(ev.len(), 3);
        let (master, past, future) = (&ev[0], &ev[1], &ev[2]);

        assert_eq!(
            prop(master, "DESCRIPTION"),
            Some(
                "DESCRIPTION;LANGUAGE=en:Join at https://NEW.example/j/1\\, or dial in\\; see\\nnotes"
            )
        );
        assert_eq!(
            prop(master, "X-ALT-DESC"),
            Some(
                "X-ALT-DESC;FMTTYPE=text/html:<p>Join at <a href=\"https://NEW.example/j/1\">NEW</a></p>"
            )
        );
        assert_eq!(prop(master, "LOCATION"), Some("LOCATION:NEW room"));
        assert_eq!(prop(master, "SEQUENCE"), Some("SEQUENCE:3"));
        assert_eq!(prop(master, "DTSTAMP"), Some("DTSTAMP:20270309T123456Z"));
        assert_eq!(
            prop(master, "LAST-MODIFIED"),
            Some("LAST-MODIFIED:20270309T123456Z")
        );
        let attendees: Vec<&String> = master
            .iter()
            .filter(|l| l.starts_with("ATTENDEE"))
            .collect();
        assert_eq!(
            attendees,
            [
                "ATTENDEE;CN=\"A, B\";PARTSTAT=ACCEPTED:mailto:ab@elsewhere.example",
                "ATTENDEE;PARTSTAT=DECLINED;X-FOO=\"bar;baz\":mailto:c@elsewhere.example",
            ]
        );

        // The override before `from` is exactly as it was.
        assert_eq!(prop(past, "SEQUENCE"), Some("SEQUENCE:2"));
        assert_eq!(
            prop(past, "DESCRIPTION"),
            Some("DESCRIPTION:Join at https://OLD.example/j/1")
        );
        assert!(past.iter().any(|l| l.ends_with("mailto:x@old.example")));
        assert_eq!(prop(past, "LAST-MODIFIED"), None);

        // The one after: changed, its SEQUENCE (absent: 0) raised to 1.
        assert_eq!(
            prop(future, "DESCRIPTION"),
            Some("DESCRIPTION:Join at https://NEW.example/j/1")
        );
        assert_eq!(prop(future, "SEQUENCE"), Some("SEQUENCE:1"));
        assert_eq!(prop(future, "DTSTAMP"), Some("DTSTAMP:20270309T123456Z"));
        assert!(!future.iter().any(|l| l.contains("x@old.example")));
        assert!(
            future.contains(
                &"ATTENDEE;CN=\"A, B\";PARTSTAT=TENTATIVE:mailto:ab@elsewhere.example".to_owned()
            ),
            "{future:?}"
        );

        // Everything else, byte for byte and in order: RRULE, EXDATE, VTIMEZONE, VALARM (its
        // DESCRIPTION is the alarm's, not the event's), other attendees, X- properties, the
        // unknown component.
        let dropped = [
            "ATTENDEE;CN=\"Doe: X\";PARTSTAT=NEEDS-ACTION:MAILTO:x@old.example\r\n",
            "ATTENDEE;PARTSTAT=ACCEPTED:mailto:x@old.example\r\n",
        ];
        let mut before = kept(SERIES, &EDITED);
        let count = before.len();
        before.retain(|l| !dropped.contains(l));
        assert_eq!(before.len(), count - 2);
        assert_eq!(kept(&out, &EDITED), before);
        for whole in [
            "RRULE:FREQ=WEEKLY;COUNT=10\r\n",
            "EXDATE;TZID=Europe/Berlin:20270315T100000\r\n",
            "BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:OLD reminder text stays\r\nTRIGGER:-PT15M\r\nEND:VALARM\r\n",
            "BEGIN:X-THEIR-THING\r\nX-WHATEVER:OLD\r\nEND:X-THEIR-THING\r\n",
            "X-THEIR-FLAG;X-P=1:keep me\r\n",
        ] {
            assert!(out.contains(whole), "{whole:?} in {out}");
        }
        // LAST-MODIFIED was absent: added before the VALARM, not inside it.
        let master_text =
            &out[out.find("BEGIN:VEVENT").unwrap()..out.find("BEGIN:VALARM").unwrap()];
        assert!(master_text.contains("LAST-MODIFIED:"), "{master_text}");
    }

    #[test]
    fn applying_an_edit_again_changes_nothing() {
        let once = apply_edit(SERIES, &edit(), now()).unwrap().unwrap();
        let later = now() + TimeDelta::hours(1);
        assert_eq!(apply_edit(&once, &edit(), later).unwrap(), None);
    }

    #[test]
    fn folded_multibyte_text_is_unfolded_changed_and_folded_at_75_octets() {
        let long = "Über die Brücke — 日本語のテキスト, OLD link: https://OLD.example/j/ß/ü/日本";
        let mut description = String::new();
        belfry_core::ics::fold_into(
            &mut description,
            &format!("DESCRIPTION:{}", escape_text(&format!("{long}\n{long}"))),
        );
        // The fixture's own folding, with a tab continuation too.
        let description = description.replacen("\r\n ", "\r\n\t", 1);
        let text = format!(
            "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:u\r\nDTSTART:20270401T100000Z\r\n{description}END:VEVENT\r\nEND:VCALENDAR\r\n"
        );
        let lines = content_lines(&text);
        let parsed = split(&lines[4].text).unwrap();
        assert_eq!(unescape_text(parsed.value), format!("{long}\n{long}"));
        assert_eq!(lines[4].raw, description, "the raw lines are kept whole");

        let out = apply_edit(&text, &edit(), now()).unwrap().unwrap();
        for physical in out.split("\r\n") {
            assert!(
                physical.len() <= 75,
                "{} octets: {physical}",
                physical.len()
            );
        }
        let lines = content_lines(&out);
        let description = lines
            .iter()
            .filter_map(|l| split(&l.text))
            .find(|p| p.is("DESCRIPTION"))
            .unwrap();
        let expected = format!("{long}\n{long}").replace("OLD", "NEW");
        assert_eq!(unescape_text(description.value), expected);
        assert!(out.matches("\r\n ").count() >= 2, "{out}");
        // Unchanged lines keep their bytes.
        assert!(out.starts_with(
            "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:u\r\nDTSTART:20270401T100000Z\r\n"
        ));
    }

    #[test]
    fn lines_with_quoted_parameters_and_lf_endings() {
        let p = split("ATTENDEE;CN=\"Doe: Ana; B\";PARTSTAT=ACCEPTED:mailto:ana@x.test").unwrap();
        assert_eq!(p.name, "ATTENDEE");
        assert_eq!(p.params, ";CN=\"Doe: Ana; B\";PARTSTAT=ACCEPTED");
        assert_eq!(p.value, "mailto:ana@x.test");
        assert_eq!(p.param("cn"), Some("Doe: Ana; B"));
        assert_eq!(p.param("PARTSTAT"), Some("ACCEPTED"));
        assert_eq!(p.param("RSVP"), None);
        assert_eq!(address(p.value), "ana@x.test");
        assert_eq!(split("no value here"), None);

        // A server that ends lines with LF alone gets LF on the new lines too.
        let text = "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:u\nDTSTART:20270401T100000Z\nLOCATION;ALTREP=\"https://x.test/a\":OLD\nEND:VEVENT\nEND:VCALENDAR\n";
        let out = apply_edit(text, &edit(), now()).unwrap().unwrap();
        assert!(!out.contains('\r'), "{out:?}");
        assert!(
            out.contains("\nLOCATION;ALTREP=\"https://x.test/a\":NEW\n"),
            "{out}"
        );
        assert!(out.contains("\nSEQUENCE:1\n"), "{out}");
    }

    #[test]
    fn an_event_that_does_not_repeat_and_started_before_from_is_left_alone() {
        let event = |start: &str| {
            format!(
                "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:u\r\nSEQUENCE:4\r\n{start}\r\nDESCRIPTION:OLD\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
            )
        };
        for past in [
            "DTSTART:20270309T235959Z",
            "DTSTART;TZID=Europe/Berlin:20270310T005959",
            "DTSTART;TZID=/mozilla.org/20050126_1/Europe/Berlin:20270310T005959",
            "DTSTART;VALUE=DATE:20270308",
            "DTSTART:20270309T115959",
        ] {
            assert_eq!(
                apply_edit(&event(past), &edit(), now()).unwrap(),
                None,
                "{past}"
            );
        }
        for future in [
            "DTSTART:20270310T000000Z",
            "DTSTART;TZID=America/New_York:20270309T190000",
            // A zone Belfry does not know: read as late as any zone could mean it.
            "DTSTART;TZID=Their Zone:20270309T130000",
            "DTSTART;VALUE=DATE:20270310",
            "DTSTART:garbage",
        ] {
            let out = apply_edit(&event(future), &edit(), now()).unwrap();
            assert!(
                out.as_deref().is_some_and(|o| o.contains("SEQUENCE:5")),
                "{future}: {out:?}"
            );
        }
    }

    #[test]
    fn an_override_for_this_and_future_occurrences_is_edited_however_old() {
        let text = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:u\r\nRECURRENCE-ID;RANGE=THISANDFUTURE:20270101T100000Z\r\nDTSTART:20270101T100000Z\r\nLOCATION:OLD\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        let out = apply_edit(text, &edit(), now()).unwrap().unwrap();
        assert!(out.contains("LOCATION:NEW\r\n"), "{out}");
    }

    #[test]
    fn absent_texts_are_added_before_the_alarms_when_the_edit_gives_one() {
        struct Adds;
        impl EventEdit for Adds {
            fn description(&self, text: &str) -> Option<String> {
                text.is_empty()
                    .then(|| "Join: https://new.example/1".to_owned())
            }
            fn html(&self, _: &str) -> Option<String> {
                None
            }
            fn location(&self, location: &str) -> Option<String> {
                Some(location.to_owned()) // the same: no change
            }
            fn drops_attendee(&self, _: &str) -> bool {
                false
            }
            fn from(&self) -> DateTime<Utc> {
                at(2000, 1, 1)
            }
        }
        let text = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:u\r\nDTSTART:20270401T100000Z\r\nBEGIN:VALARM\r\nTRIGGER:-PT5M\r\nEND:VALARM\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        let out = apply_edit(text, &Adds, now()).unwrap().unwrap();
        assert!(
            out.contains("DTSTART:20270401T100000Z\r\nDESCRIPTION:Join: https://new.example/1\r\nSEQUENCE:1\r\nDTSTAMP:20270309T123456Z\r\nLAST-MODIFIED:20270309T123456Z\r\nBEGIN:VALARM\r\n"),
            "{out}"
        );
        assert!(!out.contains("LOCATION"), "{out}");
        assert_eq!(apply_edit(&out, &Adds, now()).unwrap(), None);
    }

    #[test]
    fn a_value_that_is_the_same_once_written_is_no_change() {
        struct Bell;
        impl EventEdit for Bell {
            fn description(&self, text: &str) -> Option<String> {
                Some(format!("{text}\u{7}")) // the escaper drops the control character
            }
            fn html(&self, _: &str) -> Option<String> {
                None
            }
            fn location(&self, _: &str) -> Option<String> {
                None
            }
            fn drops_attendee(&self, _: &str) -> bool {
                false
            }
            fn from(&self) -> DateTime<Utc> {
                at(2000, 1, 1)
            }
        }
        let text = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:u\r\nDESCRIPTION:a\\, b\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        assert_eq!(apply_edit(text, &Bell, now()).unwrap(), None);
    }

    #[test]
    fn an_object_without_a_whole_event_is_refused() {
        for text in [
            "BEGIN:VCALENDAR\r\nBEGIN:VTODO\r\nUID:t\r\nEND:VTODO\r\nEND:VCALENDAR\r\n",
            "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:u\r\nLOCATION:OLD\r\n",
            "",
        ] {
            assert!(apply_edit(text, &edit(), now()).is_err(), "{text:?}");
        }
    }

    /// A calendar object of these VEVENTs, each given as its property lines.
    fn object(events: &[&str]) -> String {
        let mut out = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n".to_owned();
        for e in events {
            out.push_str(&format!("BEGIN:VEVENT\r\nUID:s\r\n{e}END:VEVENT\r\n"));
        }
        out + "END:VCALENDAR\r\n"
    }

    #[test]
    fn the_first_start_from_is_the_earliest_instance_that_has_not_begun() {
        let from = at(2027, 3, 10);
        // Instances as Radicale expands them: in UTC, in no particular order; the moved one
        // (its RECURRENCE-ID still the time it had) is the earliest ahead, the one that
        // began before `from` and still goes on does not count, nor does a cancelled one.
        let radicale = object(&[
            "RECURRENCE-ID:20270329T080000Z\r\nDTSTART:20270329T080000Z\r\n",
            "RECURRENCE-ID:20270322T090000Z\r\nDTSTART:20270322T130000Z\r\n",
            "RECURRENCE-ID:20270315T090000Z\r\nDTSTART:20270312T090000Z\r\nSTATUS:CANCELLED\r\n",
            "RECURRENCE-ID:20270309T230000Z\r\nDTSTART:20270309T230000Z\r\nDTEND:20270310T010000Z\r\n",
        ]);
        assert_eq!(
            first_start_from(&radicale, from).as_deref(),
            Some("20270322T130000Z")
        );
        // As Xandikos expands them: each keeps its TZID, and is written back in UTC.
        let xandikos = object(&[
            "DTSTART;TZID=Europe/Berlin:20270329T100000\r\nRECURRENCE-ID:20270329T080000Z\r\n",
            "DTSTART;TZID=/mozilla.org/20050126_1/Europe/Berlin:20270322T140000\r\nRECURRENCE-ID:20270322T090000Z\r\n",
        ]);
        assert_eq!(
            first_start_from(&xandikos, from).as_deref(),
            Some("20270322T130000Z")
        );
        // An instance at exactly `from` is ahead; one without DTSTART starts at its
        // RECURRENCE-ID; a date or a floating time is read as late as it can be and
        // written as it is.
        for (event, next) in [
            ("DTSTART:20270310T000000Z\r\n", Some("20270310T000000Z")),
            (
                "RECURRENCE-ID:20270311T090000Z\r\n",
                Some("20270311T090000Z"),
            ),
            ("DTSTART;VALUE=DATE:20270309\r\n", None),
            ("DTSTART;VALUE=DATE:20270310\r\n", Some("20270310")),
            ("DTSTART:20270309T115959\r\n", None),
            ("DTSTART:20270309T120000\r\n", Some("20270309T120000")),
            (
                "DTSTART;TZID=Their Zone:20270309T130000\r\n",
                Some("20270309T130000"),
            ),
            ("DTSTART:20270309T235959Z\r\n", None),
            ("DTSTART:garbage\r\n", None),
            ("SUMMARY:no start\r\n", None),
        ] {
            assert_eq!(
                first_start_from(&object(&[event]), from).as_deref(),
                next,
                "{event}"
            );
        }
        assert_eq!(first_start_from("", from), None);
    }

    #[test]
    fn an_object_that_still_repeats_has_no_first_start_from() {
        // A server that ignored `expand`: the master's DTSTART is only its first occurrence,
        // and the override after `from` need not be the next one.
        let master = "DTSTART:20270301T090000Z\r\nRRULE:FREQ=WEEKLY\r\n";
        let moved = "RECURRENCE-ID:20270329T080000Z\r\nDTSTART:20270329T120000Z\r\n";
        let text = object(&[master, moved]);
        assert!(repeats(&text));
        assert_eq!(first_start_from(&text, at(2027, 3, 10)), None);
        let rdate = object(&["DTSTART:20270311T090000Z\r\nRDATE:20270312T090000Z\r\n"]);
        assert!(repeats(&rdate));
        assert_eq!(first_start_from(&rdate, at(2027, 3, 10)), None);
        // An occurrence alone does not repeat: it is its own next start.
        assert!(!repeats(&object(&[moved])));
        assert_eq!(
            first_start_from(&object(&[moved]), at(2027, 3, 10)).as_deref(),
            Some("20270329T120000Z")
        );
    }

    #[test]
    fn text_escaping_round_trips() {
        for v in ["a;b,c\\d", "one\ntwo", "Über 日本, \\n literally", ""] {
            assert_eq!(unescape_text(&escape_text(v)), v, "{v:?}");
        }
        assert_eq!(
            escape_text("x\r\nATTENDEE:mailto:evil@x.test"),
            "x\\nATTENDEE:mailto:evil@x.test"
        );
        assert_eq!(unescape_text("a\\Nb\\\\n"), "a\nb\\n");
    }
}
