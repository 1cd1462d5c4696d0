//! Discovery and calendar listing against real CalDAV servers on loopback: Radicale (with
//! htpasswd users) and Xandikos. `scripts/setup` installs both into a virtualenv.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use belfry_caldav::{CalDav, CalDavError, EventWrite, Transport, Wrote};
use belfry_secrets::Sensitive;
use belfry_testkit::{free_port, mkcalendar, radicale, xandikos};

fn client(server: &str, user: &str, password: &str) -> CalDav {
    CalDav::new(
        server,
        user,
        Sensitive::new(password.to_owned()),
        Transport::default(),
    )
    .unwrap()
}

#[test]
#[ignore = "needs Radicale and Xandikos: run scripts/test"]
fn radicale_discovery_from_the_host_alone() {
    let server = radicale();
    mkcalendar(
        &format!("{}/ana/lectures/", server.url),
        "ana",
        "ana-app-password",
        "Lectures",
    );
    mkcalendar(
        &format!("{}/ana/office/", server.url),
        "ana",
        "ana-app-password",
        "Office hours",
    );

    // Only the host and port: discovery goes through /.well-known/caldav.
    let host = server.url.trim_start_matches("http://");
    let found = client(&format!("http://{host}"), "ana", "ana-app-password")
        .discover()
        .unwrap();
    assert_eq!(found.principal, format!("{}/ana/", server.url));
    assert_eq!(found.calendar_home, format!("{}/ana/", server.url));
    let names: Vec<&str> = found.calendars.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["Lectures", "Office hours"]);
    assert!(found.calendars.iter().all(|c| c.writable && c.events));
    assert_eq!(
        found.calendars[0].href,
        format!("{}/ana/lectures/", server.url)
    );
    // Radicale does not do RFC 6638 scheduling.
    assert!(!found.auto_schedule);
}

#[test]
#[ignore = "needs Radicale and Xandikos: run scripts/test"]
fn radicale_refuses_a_wrong_password_without_echoing_it() {
    let server = radicale();
    let err = client(&server.url, "ana", "wrong-secret-123")
        .discover()
        .unwrap_err();
    assert!(matches!(err, CalDavError::Unauthorized(401)), "{err}");
    assert!(!err.to_string().contains("wrong-secret-123"));
}

#[test]
#[ignore = "needs Radicale and Xandikos: run scripts/test"]
fn radicale_lists_only_the_users_own_calendars() {
    let server = radicale();
    mkcalendar(
        &format!("{}/bob/private/", server.url),
        "bob",
        "bob-app-password",
        "Bob's",
    );
    let found = client(&server.url, "ana", "ana-app-password")
        .discover()
        .unwrap();
    assert!(found.calendars.is_empty(), "{:?}", found.calendars);
}

#[test]
#[ignore = "needs Radicale and Xandikos: run scripts/test"]
fn xandikos_discovery_and_its_default_calendar() {
    let server = xandikos();
    let found = client(&server.url, "user", "any").discover().unwrap();
    assert!(found.principal.starts_with(&server.url), "{found:?}");
    assert!(!found.calendars.is_empty(), "{found:?}");
    assert!(
        found.calendars.iter().any(|c| c.events && c.writable),
        "{found:?}"
    );
}

#[test]
fn an_unreachable_server_is_named() {
    let port = free_port(); // nothing listens here
    let err = client(&format!("http://127.0.0.1:{port}"), "ana", "pw")
        .discover()
        .unwrap_err();
    assert!(matches!(err, CalDavError::Network { .. }), "{err}");
    assert!(err.to_string().contains(&port.to_string()), "{err}");
}

/// Writes version `sequence` of event `uid`.
fn put(
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
        },
    )
}

fn event(uid: &str, sequence: u32, summary: &str) -> String {
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Belfry test//EN\r\nBEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20270201T120000Z\r\nSEQUENCE:{sequence}\r\nDTSTART:20270301T150000Z\r\nDTEND:20270301T160000Z\r\nSUMMARY:{summary}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
}

#[test]
#[ignore = "needs Radicale and Xandikos: run scripts/test"]
fn an_event_is_written_once_however_often_it_is_sent() {
    let server = radicale();
    let cal = format!("{}/ana/lectures/", server.url);
    mkcalendar(&cal, "ana", "ana-app-password", "Lectures");
    let dav = client(&server.url, "ana", "ana-app-password");
    let cal_url = url::Url::parse(&cal).unwrap();

    let (href, first) = put(&dav, &cal_url, "0123abcd@belfry", 0, "Physics").unwrap();
    assert_eq!(first, Wrote::Created);
    assert_eq!(href.as_str(), format!("{cal}0123abcd-belfry.ics"));
    // A retry (the answer to the first was lost) and a new version: still one event.
    let (_, again) = put(&dav, &cal_url, "0123abcd@belfry", 0, "Physics").unwrap();
    assert_eq!(again, Wrote::AlreadyThere);
    let (_, newer) = put(&dav, &cal_url, "0123abcd@belfry", 1, "Physics (room 12)").unwrap();
    assert_eq!(newer, Wrote::Replaced);
    // Version 0, still retrying somewhere, lands after version 1: nothing is overwritten.
    let (_, stale) = put(&dav, &cal_url, "0123abcd@belfry", 0, "Physics").unwrap();
    assert_eq!(stale, Wrote::Newer(1));
    assert_eq!(
        belfry_testkit::ics_paths(&cal, "ana", "ana-app-password").len(),
        1
    );
    let stored = belfry_testkit::fetch(href.as_str(), "ana", "ana-app-password");
    assert!(
        stored.contains("SEQUENCE:1") && stored.contains("Physics (room 12)"),
        "{stored}"
    );
}

#[test]
#[ignore = "needs Radicale and Xandikos: run scripts/test"]
fn events_in_a_time_range_are_listed_with_what_they_hold() {
    let server = radicale();
    let cal = format!("{}/ana/lectures/", server.url);
    mkcalendar(&cal, "ana", "ana-app-password", "Lectures");
    let dav = client(&server.url, "ana", "ana-app-password");
    let cal_url = url::Url::parse(&cal).unwrap();
    // One in March (moved once), one in May; the range asks for March only.
    put(&dav, &cal_url, "march@belfry", 0, "Physics").unwrap();
    put(&dav, &cal_url, "march@belfry", 1, "Physics (moved)").unwrap();
    let may = event("may@belfry", 0, "Optics").replace("20270301T1", "20270503T1");
    dav.write_event(
        &cal_url,
        &EventWrite {
            uid: "may@belfry",
            ics: &may,
            sequence: 0,
            cancelled: false,
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

#[test]
#[ignore = "needs Radicale and Xandikos: run scripts/test"]
fn another_event_at_our_place_is_never_overwritten() {
    let server = radicale();
    let cal = format!("{}/ana/lectures/", server.url);
    mkcalendar(&cal, "ana", "ana-app-password", "Lectures");
    let dav = client(&server.url, "ana", "ana-app-password");
    let cal_url = url::Url::parse(&cal).unwrap();
    // Another app's event sits where ours would go.
    let foreign = event("someone-else", 0, "Not ours");
    let status = std::process::Command::new("curl")
        .args([
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "-X",
            "PUT",
            "-u",
            "ana:ana-app-password",
            "-H",
            "Content-Type: text/calendar",
            "--data-binary",
            &foreign,
            &format!("{cal}x-belfry.ics"),
        ])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&status.stdout).starts_with('2'));
    let err = put(&dav, &cal_url, "x@belfry", 0, "Ours").unwrap_err();
    assert!(matches!(err, CalDavError::Occupied { .. }), "{err}");
    assert!(
        belfry_testkit::fetch(&format!("{cal}x-belfry.ics"), "ana", "ana-app-password")
            .contains("Not ours")
    );
}

#[test]
#[ignore = "needs Radicale and Xandikos: run scripts/test"]
fn xandikos_takes_events_once_too() {
    let server = xandikos();
    let dav = client(&server.url, "user", "any");
    let found = dav.discover().unwrap();
    let cal = found
        .calendars
        .iter()
        .find(|c| c.writable && c.events)
        .unwrap();
    let cal_url = url::Url::parse(&cal.href).unwrap();
    let (_, first) = put(&dav, &cal_url, "77@belfry", 0, "Lab").unwrap();
    assert_eq!(first, Wrote::Created);
    let (_, second) = put(&dav, &cal_url, "77@belfry", 0, "Lab").unwrap();
    assert_eq!(second, Wrote::AlreadyThere);
    let (_, third) = put(&dav, &cal_url, "77@belfry", 1, "Lab (moved)").unwrap();
    assert_eq!(
        third,
        Wrote::Replaced,
        "Xandikos takes If-Match on its ETag"
    );
    let (_, stale) = put(&dav, &cal_url, "77@belfry", 0, "Lab").unwrap();
    assert_eq!(stale, Wrote::Newer(1));
    assert_eq!(belfry_testkit::ics_paths(&cal.href, "user", "any").len(), 1);
}

fn fast() -> belfry_caldav::Retry {
    belfry_caldav::Retry {
        attempts: 4,
        base: std::time::Duration::from_millis(20),
        cap: std::time::Duration::from_secs(2),
    }
}

fn h(k: &str, v: &str) -> (String, String) {
    (k.to_owned(), v.to_owned())
}

#[test]
fn busy_servers_are_retried_honouring_retry_after() {
    let (url, seen) = belfry_testkit::scripted_server(vec![
        (503, vec![h("Retry-After", "1")]),
        (0, vec![]),
        (201, vec![]),
    ]);
    let cal = url::Url::parse(&format!("{url}/cal/")).unwrap();
    let started = std::time::Instant::now();
    let (href, put) = client(&url, "ana", "pw")
        .write_event_retrying(
            &cal,
            &EventWrite {
                uid: "9@belfry",
                ics: "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
                sequence: 0,
                cancelled: false,
            },
            fast(),
        )
        .unwrap();
    assert_eq!(put, Wrote::Created);
    assert!(
        started.elapsed() >= std::time::Duration::from_secs(1),
        "the server's Retry-After: 1 was waited"
    );
    assert_eq!(href.path(), "/cal/9-belfry.ics");
    let requests = seen.lock().unwrap().clone();
    assert_eq!(
        requests.len(),
        3,
        "a 503, a dropped connection, then success: {requests:?}"
    );
    assert!(
        requests
            .iter()
            .all(|r| r.starts_with("PUT /cal/9-belfry.ics")),
        "{requests:?}"
    );
}

#[test]
fn retries_stop_after_the_last_attempt_and_client_errors_are_not_retried() {
    let (url, seen) = belfry_testkit::scripted_server(vec![(500, vec![])]);
    let cal = url::Url::parse(&format!("{url}/cal/")).unwrap();
    let err = client(&url, "ana", "pw")
        .write_event_retrying(
            &cal,
            &EventWrite {
                uid: "1@belfry",
                ics: "x",
                sequence: 0,
                cancelled: false,
            },
            fast(),
        )
        .unwrap_err();
    assert!(
        matches!(err, CalDavError::Http { status: 500, .. }),
        "{err}"
    );
    assert_eq!(seen.lock().unwrap().len(), 4);

    let (url, seen) = belfry_testkit::scripted_server(vec![(400, vec![])]);
    let cal = url::Url::parse(&format!("{url}/cal/")).unwrap();
    let err = client(&url, "ana", "pw")
        .write_event_retrying(
            &cal,
            &EventWrite {
                uid: "1@belfry",
                ics: "x",
                sequence: 0,
                cancelled: false,
            },
            fast(),
        )
        .unwrap_err();
    assert!(
        matches!(err, CalDavError::Http { status: 400, .. }),
        "{err}"
    );
    assert_eq!(seen.lock().unwrap().len(), 1, "a 400 is final");
}

// Editing an event someone else made: written with a plain PUT, changed through the port,
// read back with a plain GET.

mod support;

use belfry_core::calendar::{Calendar, EventEdit, Written};
use std::sync::atomic::{AtomicUsize, Ordering};
use support::OldToNew;

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
fn plain_put(url: &str, user: &str, password: &str, body: &str) -> String {
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
fn plain_etag(url: &str, user: &str, password: &str) -> String {
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
fn vevents(text: &str) -> Vec<Vec<String>> {
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
fn port(server: &str, user: &str, password: &str, home: &str) -> belfry_caldav::CalDavCalendar {
    belfry_caldav::CalDavCalendar::new(
        client(server, user, password),
        url::Url::parse(home).unwrap(),
        "account",
        false,
        fast(),
    )
}

/// What the port's edit does to a foreign series on `cal`, and that a second edit changes
/// nothing.
fn a_foreign_series_is_edited(port: &belfry_caldav::CalDavCalendar, cal: &str, auth: (&str, &str)) {
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

use chrono::{DateTime, Utc};

/// An edit that loses the race to another change reads again and keeps that change.
fn a_lost_race_is_read_again(port: &belfry_caldav::CalDavCalendar, cal: &str, auth: (&str, &str)) {
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

#[test]
#[ignore = "needs Radicale and Xandikos: run scripts/test"]
fn radicale_a_foreign_series_is_edited_in_its_future_parts_only() {
    let server = radicale();
    let cal = format!("{}/ana/lectures/", server.url);
    mkcalendar(&cal, "ana", "ana-app-password", "Lectures");
    let port = port(
        &server.url,
        "ana",
        "ana-app-password",
        &format!("{}/ana/", server.url),
    );
    a_foreign_series_is_edited(&port, &cal, ("ana", "ana-app-password"));
}

#[test]
#[ignore = "needs Radicale and Xandikos: run scripts/test"]
fn xandikos_a_foreign_series_is_edited_in_its_future_parts_only() {
    let server = xandikos();
    let found = client(&server.url, "user", "any").discover().unwrap();
    let cal = found
        .calendars
        .iter()
        .find(|c| c.writable && c.events)
        .unwrap();
    let port = port(&server.url, "user", "any", &found.calendar_home);
    a_foreign_series_is_edited(&port, &cal.href, ("user", "any"));
}

#[test]
#[ignore = "needs Radicale and Xandikos: run scripts/test"]
fn radicale_an_edit_that_loses_a_race_reads_again() {
    let server = radicale();
    let cal = format!("{}/ana/lectures/", server.url);
    mkcalendar(&cal, "ana", "ana-app-password", "Lectures");
    let port = port(
        &server.url,
        "ana",
        "ana-app-password",
        &format!("{}/ana/", server.url),
    );
    a_lost_race_is_read_again(&port, &cal, ("ana", "ana-app-password"));
}

#[test]
#[ignore = "needs Radicale and Xandikos: run scripts/test"]
fn xandikos_an_edit_that_loses_a_race_reads_again() {
    let server = xandikos();
    let found = client(&server.url, "user", "any").discover().unwrap();
    let cal = found
        .calendars
        .iter()
        .find(|c| c.writable && c.events)
        .unwrap();
    let port = port(&server.url, "user", "any", &found.calendar_home);
    a_lost_race_is_read_again(&port, &cal.href, ("user", "any"));
}
