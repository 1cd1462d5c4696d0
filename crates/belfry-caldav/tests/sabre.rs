//! Belfry's CalDAV client against sabre/dav (Debian's php-sabre-dav 1.8, the library under
//! Nextcloud and Baïkal), run by `belfry_testkit::sabre` with `php -S` on SQLite.
//! `scripts/setup` installs it.

#![allow(
    clippy::disallowed_methods,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use belfry_caldav::{CalDav, CalDavError, EventWrite, Wrote};
use belfry_testkit::sabre::{Sabre, sabre};

mod support;

use support::suites::{self, client, event, put};

fn as_user(server: &Sabre, user: &str) -> CalDav {
    client(&server.url, user, server.password(user))
}

/// A meeting ana organizes, with a Chime dial-in and someone elsewhere as attendees.
fn meeting(uid: &str) -> String {
    event(uid, 0, "Physics").replace(
        "SUMMARY:Physics\r\n",
        "SUMMARY:Physics\r\nORGANIZER;CN=Ana:mailto:ana@example.com\r\nATTENDEE;RSVP=TRUE;PARTSTAT=NEEDS-ACTION:mailto:meet@chime.aws\r\nATTENDEE;RSVP=TRUE;PARTSTAT=NEEDS-ACTION:mailto:pat@elsewhere.example\r\n",
    )
}

fn url(s: &str) -> url::Url {
    url::Url::parse(s).unwrap()
}

#[test]
#[ignore = "needs sabre/dav: run scripts/test"]
fn sabre_discovery_from_the_host_alone() {
    let server = sabre();
    server.calendar("ana", "lectures", "Lectures");
    server.calendar("ana", "office", "Office hours");
    server.calendar("bob", "private", "Bob's");

    let host = server.url.trim_start_matches("http://");
    let found = client(&format!("http://{host}"), "ana", "ana-app-password")
        .discover()
        .unwrap();
    assert_eq!(found.principal, format!("{}/principals/ana/", server.url));
    assert_eq!(found.calendar_home, server.home("ana"));
    let names: Vec<&str> = found.calendars.iter().map(|c| c.name.as_str()).collect();
    // The home's outbox (a schedule-outbox, not a calendar) and bob's calendar are not
    // listed.
    assert_eq!(names, ["Default calendar", "Lectures", "Office hours"]);
    assert!(found.calendars.iter().all(|c| c.writable && c.events));
    assert_eq!(
        found.calendars[1].href,
        format!("{}/calendars/ana/lectures/", server.url)
    );
    // sabre/dav 1.8 does not do RFC 6638 scheduling.
    assert!(!found.auto_schedule);
    // Its calendar-user-address-set: the mailto: of the principal's address, and the
    // principal's own URL.
    assert_eq!(found.addresses, [server.address("ana")]);
}

#[test]
#[ignore = "needs sabre/dav: run scripts/test"]
fn sabre_discovery_from_a_server_url() {
    let server = sabre();
    server.calendar("ana", "lectures", "Lectures");
    // What a user may paste: the principal, the calendar home, a calendar; and a path with
    // nothing there, from which discovery goes through /.well-known/caldav.
    for start in [
        format!("{}/principals/ana/", server.url),
        server.home("ana"),
        format!("{}/calendars/ana/lectures/", server.url),
        format!("{}/no/such/path/", server.url),
        format!("{}/.well-known/caldav", server.url),
    ] {
        let found = client(&start, "ana", "ana-app-password")
            .discover()
            .unwrap_or_else(|e| panic!("from {start}: {e}"));
        assert_eq!(found.principal, format!("{}/principals/ana/", server.url));
        assert_eq!(found.calendar_home, server.home("ana"), "from {start}");
        let names: Vec<&str> = found.calendars.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["Default calendar", "Lectures"], "from {start}");
        assert!(!found.auto_schedule);
    }
}

#[test]
#[ignore = "needs sabre/dav: run scripts/test"]
fn sabre_refuses_a_wrong_password_without_echoing_it() {
    let server = sabre();
    suites::a_wrong_password_is_refused_without_echoing_it(&server.url, "ana");
    // Another user's password is wrong too.
    let err = client(&server.url, "ana", server.password("bob"))
        .discover()
        .unwrap_err();
    assert!(matches!(err, CalDavError::Unauthorized(401)), "{err}");
}

#[test]
#[ignore = "needs sabre/dav: run scripts/test"]
fn sabre_an_event_is_written_once_however_often_it_is_sent() {
    let server = sabre();
    let cal = server.calendar("ana", "lectures", "Lectures");
    let dav = as_user(&server, "ana");

    suites::an_event_is_written_once_however_often_it_is_sent(
        &dav,
        &cal,
        ("ana", server.password("ana")),
    );
    let href = url(&format!("{cal}0123abcd-belfry.ics"));
    // sabre/dav gives a strong ETag with the object.
    let held = dav.get_event(&href).unwrap().unwrap();
    let etag = held.etag.unwrap();
    assert!(etag.starts_with('"') && etag.ends_with('"'), "{etag}");
}

#[test]
#[ignore = "needs sabre/dav: run scripts/test"]
fn sabre_another_event_at_our_place_is_never_overwritten() {
    let server = sabre();
    let cal = server.calendar("ana", "lectures", "Lectures");
    let dav = as_user(&server, "ana");
    suites::another_event_at_our_place_is_never_overwritten(
        &dav,
        &cal,
        ("ana", server.password("ana")),
    );
}

#[test]
#[ignore = "needs sabre/dav: run scripts/test"]
fn sabre_events_in_a_time_range_are_listed_with_what_they_hold() {
    let server = sabre();
    let cal = server.calendar("ana", "lectures", "Lectures");
    let dav = as_user(&server, "ana");
    let cal_url = url(&cal);
    suites::events_in_a_time_range_are_listed_with_what_they_hold(&dav, &cal);
    let listed = dav
        .events_between(&cal_url, "20270301T000000Z", "20270401T000000Z")
        .unwrap();
    assert_eq!(listed[0].0, format!("{cal}march-belfry.ics"));
    // The default calendar holds none of them.
    let default = url(&format!("{}default/", server.home("ana")));
    assert!(
        dav.events_between(&default, "20270101T000000Z", "20280101T000000Z")
            .unwrap()
            .is_empty()
    );
}

#[test]
#[ignore = "needs sabre/dav: run scripts/test"]
fn sabre_a_series_is_expanded_by_the_server() {
    let server = sabre();
    let cal = server.calendar("ana", "lectures", "Lectures");
    let weekly = event("weekly@belfry", 0, "Seminar").replace(
        "SUMMARY:Seminar\r\n",
        "SUMMARY:Seminar\r\nRRULE:FREQ=WEEKLY;COUNT=4\r\n",
    );
    belfry_testkit::put_foreign(
        &format!("{cal}weekly.ics"),
        "ana",
        "ana-app-password",
        &weekly,
    );
    let dav = as_user(&server, "ana");
    let expanded = dav
        .expanded_between(&url(&cal), "20270307T000000Z", "20270320T000000Z")
        .unwrap()
        .expect("sabre/dav expands");
    assert_eq!(expanded.len(), 1, "{expanded:?}");
    let text = &expanded[0].1;
    assert!(text.contains("RECURRENCE-ID:20270308T150000Z"), "{text}");
    assert!(text.contains("RECURRENCE-ID:20270315T150000Z"), "{text}");
    assert!(!text.contains("RRULE"), "{text}");
}

#[test]
#[ignore = "needs sabre/dav: run scripts/test"]
fn sabre_does_not_schedule_a_put_and_mails_only_what_is_posted_to_the_outbox() {
    let server = sabre();
    let cal = server.calendar("ana", "lectures", "Lectures");
    let dav = as_user(&server, "ana");
    assert!(!dav.auto_schedule(&url(&server.home("ana"))).unwrap());
    let ics = meeting("meet-1@belfry");
    let (href, wrote) = dav
        .write_event(
            &url(&cal),
            &EventWrite {
                uid: "meet-1@belfry",
                ics: &ics,
                sequence: 0,
                cancelled: false,
                schedule_address: None,
            },
        )
        .unwrap();
    assert_eq!(wrote, Wrote::Created);
    // The server stored the meeting as it was sent and mailed no one: Belfry must send the
    // invitations itself.
    let stored = belfry_testkit::fetch(href.as_str(), "ana", "ana-app-password");
    assert!(stored.contains("mailto:meet@chime.aws"), "{stored}");
    assert!(!stored.contains("SCHEDULE-STATUS"), "{stored}");
    assert_eq!(server.sent_mail(), []);

    // The draft-desruisseaux-caldav-sched-04 outbox POST is what sabre/dav 1.8 mails: one
    // message per Recipient, sent from its own address with the organizer as Reply-To.
    let request = dav.request_of(&url(&cal), &href).unwrap().unwrap();
    let resp = reqwest::blocking::Client::new()
        .post(format!("{}outbox", server.home("ana")))
        .basic_auth("ana", Some("ana-app-password"))
        .header("Content-Type", "text/calendar; charset=utf-8")
        .header("Originator", "mailto:ana@example.com")
        .header(
            "Recipient",
            "mailto:meet@chime.aws, mailto:pat@elsewhere.example",
        )
        .body(request)
        .send()
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let answer = resp.text().unwrap();
    assert_eq!(answer.matches("2.0;Success").count(), 2, "{answer}");
    let sent = server.sent_mail();
    let to: Vec<&[String]> = sent.iter().map(|m| m.recipients.as_slice()).collect();
    assert_eq!(
        to,
        [
            ["meet@chime.aws".to_owned()],
            ["pat@elsewhere.example".to_owned()]
        ]
    );
    for mail in &sent {
        let m = &mail.message;
        assert!(m.contains("Subject: Invitation for: Physics\r\n"), "{m}");
        assert!(m.contains("Reply-To: ana@example.com\r\n"), "{m}");
        assert!(m.contains("From: sabre@example.com\r\n"), "{m}");
        assert!(
            m.contains("Content-Type: text/calendar; method=REQUEST; charset=utf-8\r\n"),
            "{m}"
        );
        assert!(
            m.contains("METHOD:REQUEST\r\n") && m.contains("UID:meet-1@belfry"),
            "{m}"
        );
    }
}

#[test]
#[ignore = "needs sabre/dav: run scripts/test"]
fn sabre_a_delegate_writes_on_the_owners_calendar() {
    let server = sabre();
    let cal = server.calendar("ana", "lectures", "Lectures");
    let cal_url = url(&cal);
    let bob = as_user(&server, "bob");

    // Not shared yet: bob may neither see nor write it, and is told so as a matter of
    // rights (sabre/dav's 403 names need-privileges), not of a UID elsewhere.
    // sabre/dav 1.8 answers the PROPFIND with a 207 whose every property is 403 Forbidden
    // (Radicale: a 403): no calendar is listed.
    assert_eq!(bob.calendars(&cal_url).unwrap(), []);
    let err = put(&bob, &cal_url, "bob-1@belfry", 0, "Office hour").unwrap_err();
    assert!(matches!(err, CalDavError::NotAllowed { .. }), "{err}");
    assert!(err.to_string().contains(&cal), "{err}");

    server.share("ana", &cal, "bob");
    // How Belfry checks a shared calendar: listed at its own URL, writable for bob.
    let listed = bob.calendars(&cal_url).unwrap();
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0].href, cal);
    assert_eq!(listed[0].name, "Lectures");
    assert!(listed[0].writable && listed[0].events, "{listed:?}");

    let (href, first) = put(&bob, &cal_url, "bob-1@belfry", 0, "Office hour").unwrap();
    assert_eq!(first, Wrote::Created);
    let (_, again) = put(&bob, &cal_url, "bob-1@belfry", 0, "Office hour").unwrap();
    assert_eq!(again, Wrote::AlreadyThere);
    let (_, newer) = put(&bob, &cal_url, "bob-1@belfry", 1, "Office hour (moved)").unwrap();
    assert_eq!(newer, Wrote::Replaced);
    assert!(
        belfry_testkit::fetch(href.as_str(), "ana", "ana-app-password")
            .contains("Office hour (moved)")
    );
    let listed = bob
        .events_between(&cal_url, "20270101T000000Z", "20280101T000000Z")
        .unwrap();
    assert_eq!(listed.len(), 1);

    // Bob's own discovery still lists his calendars only.
    let found = bob.discover().unwrap();
    assert_eq!(found.calendar_home, server.home("bob"));
    let names: Vec<&str> = found.calendars.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["Default calendar"]);

    // Carol, not a delegate, still may not.
    let carol = as_user(&server, "carol");
    let err = put(&carol, &cal_url, "carol-1@belfry", 0, "No").unwrap_err();
    assert!(matches!(err, CalDavError::NotAllowed { .. }), "{err}");

    // A second delegate joins the first.
    server.share("ana", &cal, "lee");
    let lee = as_user(&server, "lee");
    assert_eq!(
        put(&lee, &cal_url, "lee-1@belfry", 0, "Lab").unwrap().1,
        Wrote::Created
    );
    assert_eq!(
        put(&bob, &cal_url, "bob-2@belfry", 0, "Lab").unwrap().1,
        Wrote::Created
    );
}

#[test]
#[ignore = "needs sabre/dav: run scripts/test"]
fn sabre_a_foreign_series_is_edited_in_its_future_parts_only() {
    let server = sabre();
    let cal = server.calendar("ana", "lectures", "Lectures");
    let port = suites::port(
        &server.url,
        "ana",
        server.password("ana"),
        &server.home("ana"),
    );
    suites::a_foreign_series_is_edited(&port, &cal, ("ana", server.password("ana")));
}

#[test]
#[ignore = "needs sabre/dav: run scripts/test"]
fn sabre_an_edit_that_loses_a_race_reads_again() {
    let server = sabre();
    let cal = server.calendar("ana", "lectures", "Lectures");
    let port = suites::port(
        &server.url,
        "ana",
        server.password("ana"),
        &server.home("ana"),
    );
    suites::a_lost_race_is_read_again(&port, &cal, ("ana", server.password("ana")));
}
