//! The suites every real CalDAV server runs (Radicale and Xandikos in `servers.rs`, Cyrus
//! in `cyrus.rs`): each takes a client or the port over an account on a running server, a
//! calendar of that account (its URL, ending in '/') and, for the independent client (curl)
//! that checks what the server holds, the account's user name and password.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::atomic::{AtomicUsize, Ordering};

use belfry_caldav::{CalDav, CalDavCalendar, CalDavError, EventWrite, Transport, Wrote};
use belfry_core::calendar::{Calendar, EventEdit, Written};
use belfry_secrets::Sensitive;
use chrono::{DateTime, Utc};

use super::OldToNew;

/// A client for `user` on `server` (a URL or just a host).
pub fn client(server: &str, user: &str, password: &str) -> CalDav {
    CalDav::new(
        server,
        user,
        Sensitive::new(password.to_owned()),
        Transport::default(),
    )
    .unwrap()
}

/// Quick retries, for tests.
pub fn fast() -> belfry_caldav::Retry {
    belfry_caldav::Retry {
        attempts: 4,
        base: std::time::Duration::from_millis(20),
        cap: std::time::Duration::from_secs(2),
    }
}

/// Writes version `sequence` of event `uid`.
pub fn put(
    dav: &CalDav,
    cal: &url::Url,
    uid: &str,
    sequence: u32,
    summary: &str,
) -> Result<(url::Url, Wrote), CalDavError> {
    dav.write_event(
        cal,
        &EventWrite {
            uid,
            ics: &event(uid, sequence, summary),
            sequence,
            cancelled: false,
            schedule_address: None,
        },
    )
}

/// A plain event on 2027-03-01, 15:00 to 16:00 UTC.
pub fn event(uid: &str, sequence: u32, summary: &str) -> String {
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Belfry test//EN\r\nBEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20270201T120000Z\r\nSEQUENCE:{sequence}\r\nDTSTART:20270301T150000Z\r\nDTEND:20270301T160000Z\r\nSUMMARY:{summary}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
}

/// A wrong password is refused (401), and the error does not carry it.
pub fn a_wrong_password_is_refused_without_echoing_it(server: &str, user: &str) {
    let err = client(server, user, "wrong-secret-123")
        .discover()
        .unwrap_err();
    assert!(matches!(err, CalDavError::Unauthorized(401)), "{err}");
    assert!(!err.to_string().contains("wrong-secret-123"));
}

/// One event, sent again (a retry), in a newer version, and the older version again late:
/// always one resource, at the UID's href, holding the newest version.
pub fn an_event_is_written_once_however_often_it_is_sent(
    dav: &CalDav,
    cal: &str,
    auth: (&str, &str),
) {
    let (user, password) = auth;
    let cal_url = url::Url::parse(cal).unwrap();
    let (href, first) = put(dav, &cal_url, "0123abcd@belfry", 0, "Physics").unwrap();
    assert_eq!(first, Wrote::Created);
    assert_eq!(href.as_str(), format!("{cal}0123abcd-belfry.ics"));
    // A retry (the answer to the first was lost) and a new version: still one event.
    let (_, again) = put(dav, &cal_url, "0123abcd@belfry", 0, "Physics").unwrap();
    assert_eq!(again, Wrote::AlreadyThere);
    let (_, newer) = put(dav, &cal_url, "0123abcd@belfry", 1, "Physics (room 12)").unwrap();
    assert_eq!(newer, Wrote::Replaced);
    // Version 0, still retrying somewhere, lands after version 1: nothing is overwritten.
    let (_, stale) = put(dav, &cal_url, "0123abcd@belfry", 0, "Physics").unwrap();
    assert_eq!(stale, Wrote::Newer(1));
    let paths = belfry_testkit::ics_paths(cal, user, password);
    assert_eq!(paths.len(), 1, "{paths:?}");
    let stored = belfry_testkit::fetch(href.as_str(), user, password);
    assert!(
        stored.contains("SEQUENCE:1") && stored.contains("Physics (room 12)"),
        "{stored}"
    );
}

/// Of an event in March (moved once) and one in May, a range over March lists the first,
/// with what it holds.
pub fn events_in_a_time_range_are_listed_with_what_they_hold(dav: &CalDav, cal: &str) {
    let cal_url = url::Url::parse(cal).unwrap();
    put(dav, &cal_url, "march@belfry", 0, "Physics").unwrap();
    put(dav, &cal_url, "march@belfry", 1, "Physics (moved)").unwrap();
    let may = event("may@belfry", 0, "Optics").replace("20270301T1", "20270503T1");
    dav.write_event(
        &cal_url,
        &EventWrite {
            uid: "may@belfry",
            ics: &may,
            sequence: 0,
            cancelled: false,
            schedule_address: None,
        },
    )
    .unwrap();
    let listed = dav
        .events_between(&cal_url, "20270301T000000Z", "20270401T000000Z")
        .unwrap();
    assert_eq!(listed.len(), 1, "{listed:?}");
    let facts = belfry_caldav::ics_facts(&listed[0].1);
    assert_eq!(facts.uid.as_deref(), Some("march@belfry"));
    assert_eq!(facts.sequence, Some(1));
    assert_eq!(facts.summary, "Physics (moved)");
    assert!(listed[0].0.ends_with("march-belfry.ics"), "{}", listed[0].0);
    let all = dav
        .events_between(&cal_url, "20270101T000000Z", "20280101T000000Z")
        .unwrap();
    assert_eq!(all.len(), 2);
}

/// Another app's event sits where ours would go: the write is refused and it stays.
pub fn another_event_at_our_place_is_never_overwritten(
    dav: &CalDav,
    cal: &str,
    auth: (&str, &str),
) {
    let (user, password) = auth;
    let cal_url = url::Url::parse(cal).unwrap();
    let status = plain_put(
        &format!("{cal}x-belfry.ics"),
        user,
        password,
        &event("someone-else", 0, "Not ours"),
    );
    assert!(status.starts_with('2'), "PUT: HTTP {status}");
    let err = put(dav, &cal_url, "x@belfry", 0, "Ours").unwrap_err();
    assert!(matches!(err, CalDavError::Occupied { .. }), "{err}");
    assert!(
        belfry_testkit::fetch(&format!("{cal}x-belfry.ics"), user, password).contains("Not ours")
    );
}

/// A delegate (`delegate`, a client of their own account) writes an event on the calendar
/// `shared` another account shares with them, once however often it is sent; its owner
/// (`owner`: user name and password) reads it at `owner_cal`, the calendar's URL in the
/// owner's home (the same as `shared` where the server has one URL for everyone).
pub fn a_delegate_writes_on_a_shared_calendar(
    delegate: &CalDav,
    shared: &str,
    owner: (&str, &str),
    owner_cal: &str,
) {
    let (user, password) = owner;
    let shared_url = url::Url::parse(shared).unwrap();
    // The delegate sees it as a writable calendar of events.
    let listed = delegate.calendars(&shared_url).unwrap();
    let cal = listed
        .iter()
        .find(|c| c.href == shared)
        .unwrap_or_else(|| panic!("{shared} in {listed:?}"));
    assert!(cal.writable && cal.events, "{cal:?}");
    let (href, first) = put(delegate, &shared_url, "delegated@belfry", 0, "Office hour").unwrap();
    assert_eq!(first, Wrote::Created);
    assert_eq!(href.as_str(), format!("{shared}delegated-belfry.ics"));
    let (_, again) = put(delegate, &shared_url, "delegated@belfry", 0, "Office hour").unwrap();
    assert_eq!(again, Wrote::AlreadyThere);
    let (_, newer) = put(
        delegate,
        &shared_url,
        "delegated@belfry",
        1,
        "Office hour (moved)",
    )
    .unwrap();
    assert_eq!(newer, Wrote::Replaced);
    // The owner, with an independent client, finds it in their calendar.
    let paths = belfry_testkit::ics_paths(owner_cal, user, password);
    assert_eq!(paths.len(), 1, "{paths:?}");
    let stored = belfry_testkit::fetch(&format!("{owner_cal}delegated-belfry.ics"), user, password);
    assert!(
        stored.contains("SEQUENCE:1") && stored.contains("Office hour (moved)"),
        "{stored}"
    );
}

/// A weekly series from 2027-03-01 in Berlin as another app writes it: an EXDATE, the
/// occurrence of 2027-03-08 moved (before [`OldToNew::from`]) and the one of 2027-03-22
/// moved (after), an ORGANIZER, attendees with their PARTSTAT, a VALARM, a VTIMEZONE.
fn foreign_series(uid: &str, summary: &str) -> String {
    format!(
        "BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//Someone else//Their app 1.0//EN\r
BEGIN:VTIMEZONE\r
TZID:Europe/Berlin\r
BEGIN:DAYLIGHT\r
TZOFFSETFROM:+0100\r
TZOFFSETTO:+0200\r
TZNAME:CEST\r
DTSTART:19700329T020000\r
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r
END:DAYLIGHT\r
BEGIN:STANDARD\r
TZOFFSETFROM:+0200\r
TZOFFSETTO:+0100\r
TZNAME:CET\r
DTSTART:19701025T030000\r
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r
END:STANDARD\r
END:VTIMEZONE\r
BEGIN:VEVENT\r
UID:{uid}\r
DTSTAMP:20270201T120000Z\r
SEQUENCE:2\r
DTSTART;TZID=Europe/Berlin:20270301T100000\r
DTEND;TZID=Europe/Berlin:20270301T110000\r
RRULE:FREQ=WEEKLY;COUNT=10\r
EXDATE;TZID=Europe/Berlin:20270315T100000\r
SUMMARY:{summary}\r
DESCRIPTION;LANGUAGE=en:Join at https://OLD.example/j/1\\, or dial in: +49 30 \r
 1234 5678 (Überweg 3\\; Raum 2)\r
X-ALT-DESC;FMTTYPE=text/html:<p>Join at <a href=\"https://OLD.example/j/1\">th\r
 e OLD link</a></p>\r
LOCATION:OLD room\r
ORGANIZER;CN=Prof:mailto:prof@elsewhere.example\r
ATTENDEE;CN=\"A, B\";PARTSTAT=ACCEPTED;ROLE=REQ-PARTICIPANT:mailto:ab@elsewhere.example\r
ATTENDEE;PARTSTAT=DECLINED:mailto:c@elsewhere.example\r
ATTENDEE;CN=Old;PARTSTAT=NEEDS-ACTION:mailto:x@old.example\r
X-THEIR-FLAG:keep me\r
BEGIN:VALARM\r
ACTION:DISPLAY\r
DESCRIPTION:Seminar soon\r
TRIGGER:-PT15M\r
END:VALARM\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:{uid}\r
RECURRENCE-ID;TZID=Europe/Berlin:20270308T100000\r
DTSTAMP:20270201T120000Z\r
SEQUENCE:2\r
DTSTART;TZID=Europe/Berlin:20270308T120000\r
DTEND;TZID=Europe/Berlin:20270308T130000\r
SUMMARY:{summary} (moved)\r
DESCRIPTION:Join at https://OLD.example/j/1\r
ORGANIZER;CN=Prof:mailto:prof@elsewhere.example\r
ATTENDEE;CN=\"A, B\";PARTSTAT=ACCEPTED:mailto:ab@elsewhere.example\r
ATTENDEE;CN=Old;PARTSTAT=ACCEPTED:mailto:x@old.example\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:{uid}\r
RECURRENCE-ID;TZID=Europe/Berlin:20270322T100000\r
DTSTAMP:20270201T120000Z\r
DTSTART;TZID=Europe/Berlin:20270322T140000\r
DTEND;TZID=Europe/Berlin:20270322T150000\r
SUMMARY:{summary} (moved)\r
DESCRIPTION:Join at https://OLD.example/j/1\r
LOCATION:OLD room\r
ORGANIZER;CN=Prof:mailto:prof@elsewhere.example\r
ATTENDEE;CN=\"A, B\";PARTSTAT=TENTATIVE:mailto:ab@elsewhere.example\r
ATTENDEE;CN=Old;PARTSTAT=ACCEPTED:mailto:x@old.example\r
END:VEVENT\r
END:VCALENDAR\r
"
    )
}

/// A single event as another app writes it, in UTC.
fn foreign_single(uid: &str, start: &str, end: &str) -> String {
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Someone else//Their app 1.0//EN\r\nBEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20270201T120000Z\r\nDTSTART:{start}\r\nDTEND:{end}\r\nSUMMARY:Office hour\r\nDESCRIPTION:Join at https://OLD.example/j/2\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
}

/// A plain PUT with curl, as another app writes; the HTTP status.
pub fn plain_put(url: &str, user: &str, password: &str, body: &str) -> String {
    let out = std::process::Command::new("curl")
        .args([
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "-X",
            "PUT",
            "-u",
            &format!("{user}:{password}"),
            "-H",
            "Content-Type: text/calendar; charset=utf-8",
            "--data-binary",
            body,
            url,
        ])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The ETag a plain GET answers.
pub fn plain_etag(url: &str, user: &str, password: &str) -> String {
    let out = std::process::Command::new("curl")
        .args([
            "-s",
            "-D",
            "-",
            "-o",
            "/dev/null",
            "-u",
            &format!("{user}:{password}"),
            url,
        ])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("etag")
                .then(|| value.trim().to_owned())
        })
        .unwrap_or_default()
}

/// The VEVENTs of an object, unfolded, each as its lines.
pub fn vevents(text: &str) -> Vec<Vec<String>> {
    let unfolded = text
        .replace("\r\n ", "")
        .replace("\r\n\t", "")
        .replace("\n ", "");
    let mut out = Vec::new();
    let mut current: Option<Vec<String>> = None;
    for line in unfolded.lines().map(|l| l.trim_end_matches('\r')) {
        match line {
            "BEGIN:VEVENT" => current = Some(Vec::new()),
            "END:VEVENT" => out.extend(current.take()),
            l => {
                if let Some(c) = current.as_mut() {
                    c.push(l.to_owned());
                }
            }
        }
    }
    out
}

/// The VEVENT whose RECURRENCE-ID mentions `day` (`None`: the master).
fn part<'a>(events: &'a [Vec<String>], day: Option<&str>) -> &'a [String] {
    events
        .iter()
        .find(|e| {
            let rid = e.iter().find(|l| l.starts_with("RECURRENCE-ID"));
            match day {
                None => rid.is_none(),
                Some(d) => rid.is_some_and(|r| r.contains(d)),
            }
        })
        .unwrap_or_else(|| panic!("no part {day:?} in {events:?}"))
}

/// The event's own property `name` (not its alarm's, wherever the server puts the alarm).
fn own<'a>(event: &'a [String], name: &str) -> Option<&'a str> {
    let mut in_alarm = false;
    event
        .iter()
        .filter(|l| {
            in_alarm = (in_alarm || *l == "BEGIN:VALARM") && *l != "END:VALARM";
            !in_alarm && *l != "END:VALARM"
        })
        .find(|l| is(l, name))
        .map(String::as_str)
}

/// `line` is a property called `name`.
fn is(line: &str, name: &str) -> bool {
    line.strip_prefix(name)
        .is_some_and(|rest| rest.starts_with([':', ';']))
}

/// The lines an edit must keep as they were: all but the edited properties and the
/// dropped attendee.
fn untouched(event: &[String]) -> Vec<&str> {
    let edited = [
        "DESCRIPTION",
        "X-ALT-DESC",
        "LOCATION",
        "SEQUENCE",
        "DTSTAMP",
        "LAST-MODIFIED",
    ];
    let mut in_alarm = false;
    event
        .iter()
        .filter(|l| {
            in_alarm = (in_alarm || *l == "BEGIN:VALARM") && *l != "END:VALARM";
            in_alarm
                || !(edited
                    .iter()
                    .any(|n| own(std::slice::from_ref(l), n).is_some())
                    || l.contains("x@old.example"))
        })
        .map(String::as_str)
        .collect()
}

/// The port over one account, with quick retries.
pub fn port(server: &str, user: &str, password: &str, home: &str) -> CalDavCalendar {
    CalDavCalendar::new(
        client(server, user, password),
        url::Url::parse(home).unwrap(),
        "account",
        false,
        fast(),
    )
}

/// What the port's edit does to a foreign series on `cal`, and that a second edit changes
/// nothing.
pub fn a_foreign_series_is_edited(port: &CalDavCalendar, cal: &str, auth: (&str, &str)) {
    let (user, password) = auth;
    let href = format!("{cal}foreign-series.ics");
    let status = plain_put(
        &href,
        user,
        password,
        &foreign_series("series-1@elsewhere.example", "Seminar"),
    );
    assert!(status.starts_with('2'), "PUT: HTTP {status}");

    // Beside it, two single events: one ahead, one that began before `from` and still goes
    // on.
    for (name, start, end) in [
        ("ahead", "20270312T150000Z", "20270312T160000Z"),
        ("going-on", "20270309T230000Z", "20270310T010000Z"),
    ] {
        let status = plain_put(
            &format!("{cal}{name}.ics"),
            user,
            password,
            &foreign_single(&format!("{name}@elsewhere.example"), start, end),
        );
        assert!(status.starts_with('2'), "PUT {name}: HTTP {status}");
    }

    // The scan sees it whole: a series, with its HTML description, at its own href.
    let from = OldToNew.from();
    let listed = port
        .events_between(cal, from, from + chrono::TimeDelta::days(30))
        .unwrap();
    let held = listed
        .iter()
        .find(|e| e.uid == "series-1@elsewhere.example")
        .unwrap_or_else(|| panic!("{listed:?}"));
    assert!(held.recurring, "{held:?}");
    // Its next occurrence, as the server expands the series: those of 03-01 and 03-08 lie
    // before `from`, 03-15 is an EXDATE, and 03-22 was moved from 10:00 to 14:00 in Berlin
    // (13:00 UTC).
    assert_eq!(held.start, "20270301T100000");
    assert_eq!(
        held.next_start.as_deref(),
        Some("20270322T130000Z"),
        "{held:?}"
    );
    let single = |uid: &str| {
        listed
            .iter()
            .find(|e| e.uid == uid)
            .unwrap_or_else(|| panic!("{uid} in {listed:?}"))
    };
    let ahead = single("ahead@elsewhere.example");
    assert!(!ahead.recurring);
    assert_eq!(ahead.next_start.as_deref(), Some("20270312T150000Z"));
    assert_eq!(single("going-on@elsewhere.example").next_start, None);
    assert_eq!(held.remote_ref, href);
    assert_eq!(
        held.html,
        "<p>Join at <a href=\"https://OLD.example/j/1\">the OLD link</a></p>"
    );
    assert_eq!(held.sequence, Some(2));
    assert!(held.attendees.iter().any(|a| a == "x@old.example"));

    let before = belfry_testkit::fetch(&href, user, password);
    let confirmed = port.edit(cal, &held.remote_ref, &OldToNew).unwrap();
    assert_eq!(confirmed.remote_ref, href);
    assert_eq!(confirmed.written, Written::Updated);

    let after = belfry_testkit::fetch(&href, user, password);
    let (was, now) = (vevents(&before), vevents(&after));
    assert_eq!(now.len(), 3, "{after}");
    let master = part(&now, None);
    assert_eq!(own(master, "SEQUENCE"), Some("SEQUENCE:3"), "{after}");
    assert_eq!(
        own(master, "DESCRIPTION"),
        Some(
            "DESCRIPTION;LANGUAGE=en:Join at https://NEW.example/j/1\\, or dial in: +49 30 1234 5678 (Überweg 3\\; Raum 2)"
        ),
        "{after}"
    );
    assert_eq!(
        own(master, "X-ALT-DESC"),
        Some(
            "X-ALT-DESC;FMTTYPE=text/html:<p>Join at <a href=\"https://NEW.example/j/1\">the NEW link</a></p>"
        ),
        "{after}"
    );
    assert_eq!(own(master, "LOCATION"), Some("LOCATION:NEW room"));
    assert_ne!(own(master, "DTSTAMP"), Some("DTSTAMP:20270201T120000Z"));
    assert!(own(master, "LAST-MODIFIED").is_some(), "{after}");
    // Everything else as it was, in order: RRULE, EXDATE, ORGANIZER, the other attendees
    // and their PARTSTAT, the X- property, the alarm.
    assert_eq!(untouched(master), untouched(part(&was, None)), "{after}");
    for line in [
        "RRULE:FREQ=WEEKLY;COUNT=10",
        "EXDATE;TZID=Europe/Berlin:20270315T100000",
        "ATTENDEE;CN=\"A, B\";PARTSTAT=ACCEPTED;ROLE=REQ-PARTICIPANT:mailto:ab@elsewhere.example",
        "ATTENDEE;PARTSTAT=DECLINED:mailto:c@elsewhere.example",
        "DESCRIPTION:Seminar soon",
    ] {
        assert!(master.iter().any(|l| l == line), "{line} in {after}");
    }
    assert!(
        !master.iter().any(|l| l.contains("x@old.example")),
        "{after}"
    );

    // The occurrence moved before `from` is exactly as it was; the later one is changed and
    // its SEQUENCE (none, so 0) raised.
    assert_eq!(part(&now, Some("20270308")), part(&was, Some("20270308")));
    let later = part(&now, Some("20270322"));
    assert_eq!(own(later, "SEQUENCE"), Some("SEQUENCE:1"), "{after}");
    assert_eq!(
        own(later, "DESCRIPTION"),
        Some("DESCRIPTION:Join at https://NEW.example/j/1")
    );
    assert_eq!(own(later, "LOCATION"), Some("LOCATION:NEW room"));
    assert_eq!(untouched(later), untouched(part(&was, Some("20270322"))));
    assert!(
        later
            .iter()
            .any(|l| l == "ATTENDEE;CN=\"A, B\";PARTSTAT=TENTATIVE:mailto:ab@elsewhere.example"),
        "{after}"
    );
    assert!(
        !later.iter().any(|l| l.contains("x@old.example")),
        "{after}"
    );
    assert!(after.contains("BEGIN:VTIMEZONE"), "{after}");

    // Again: nothing to change, nothing written.
    let etag = plain_etag(&href, user, password);
    assert!(!etag.is_empty());
    let again = port.edit(cal, &href, &OldToNew).unwrap();
    assert_eq!(again.written, Written::AlreadyThere);
    assert_eq!(belfry_testkit::fetch(&href, user, password), after);
    assert_eq!(plain_etag(&href, user, password), etag);
}

/// [`OldToNew`], and the first time it is asked for a description someone else changes the
/// event (its title, and its SEQUENCE) with a plain PUT: between Belfry's read and its write.
struct Interloper {
    href: String,
    auth: (String, String),
    calls: AtomicUsize,
}

impl EventEdit for Interloper {
    fn description(&self, text: &str) -> Option<String> {
        if self.calls.fetch_add(1, Ordering::SeqCst) == 0 {
            let changed = foreign_series("race@elsewhere.example", "Seminar (room 12)").replacen(
                "SEQUENCE:2",
                "SEQUENCE:3",
                1,
            );
            let status = plain_put(&self.href, &self.auth.0, &self.auth.1, &changed);
            assert!(
                status.starts_with('2'),
                "the interloper's PUT: HTTP {status}"
            );
        }
        OldToNew.description(text)
    }
    fn html(&self, html: &str) -> Option<String> {
        OldToNew.html(html)
    }
    fn location(&self, location: &str) -> Option<String> {
        OldToNew.location(location)
    }
    fn drops_attendee(&self, address: &str) -> bool {
        OldToNew.drops_attendee(address)
    }
    fn from(&self) -> DateTime<Utc> {
        OldToNew.from()
    }
}

/// An edit that loses the race to another change reads again and keeps that change.
pub fn a_lost_race_is_read_again(port: &CalDavCalendar, cal: &str, auth: (&str, &str)) {
    let (user, password) = auth;
    let href = format!("{cal}race.ics");
    let status = plain_put(
        &href,
        user,
        password,
        &foreign_series("race@elsewhere.example", "Seminar"),
    );
    assert!(status.starts_with('2'), "PUT: HTTP {status}");
    let interloper = Interloper {
        href: href.clone(),
        auth: (user.to_owned(), password.to_owned()),
        calls: AtomicUsize::new(0),
    };
    let confirmed = port.edit(cal, &href, &interloper).unwrap();
    assert_eq!(confirmed.written, Written::Updated);
    // Two parts edited per read (the master and the later override), read twice.
    assert_eq!(interloper.calls.load(Ordering::SeqCst), 4);
    let after = belfry_testkit::fetch(&href, user, password);
    let now = vevents(&after);
    let master = part(&now, None);
    assert_eq!(
        own(master, "SUMMARY"),
        Some("SUMMARY:Seminar (room 12)"),
        "{after}"
    );
    assert_eq!(own(master, "SEQUENCE"), Some("SEQUENCE:4"), "{after}");
    assert!(
        own(master, "DESCRIPTION").is_some_and(|d| d.contains("https://NEW.example/j/1")),
        "{after}"
    );
    assert_eq!(
        own(part(&now, Some("20270322")), "SEQUENCE"),
        Some("SEQUENCE:1")
    );
}
