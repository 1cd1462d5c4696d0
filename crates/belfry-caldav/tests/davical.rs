//! Belfry's CalDAV client against DAViCal (Debian's davical 1.1, PHP on PostgreSQL), started
//! privately by `belfry_testkit::davical`: a PostgreSQL cluster of its own and `php -S`.
//! `scripts/setup` installs it.
//!
//! Where DAViCal differs from the other servers, as these tests find it:
//! - principal and calendar home are one, `/caldav.php/<user>/`; `/.well-known/caldav`
//!   redirects (301) to `/caldav.php/`, which answers `current-user-principal`; the address
//!   is the user's email, `mailto:<user>@example.com`;
//! - every user has a calendar already, `calendar` ("<Name> calendar"), and DAViCal 1.1.12
//!   makes the scheduling inbox `.in` and outbox `.out` as plain calendars ("<Name> Inbox",
//!   "<Name> Outbox"), which the principal (the home) names as its `schedule-inbox-URL` and
//!   `schedule-outbox-URL`, so Belfry leaves them out;
//! - its `DAV` header comes as two header lines; it has `calendar-auto-schedule`: a PUT by
//!   the organizer delivers to the attendees on this server (calendar and inbox,
//!   `SCHEDULE-STATUS=1.2`), nobody else hears of it (`SCHEDULE-STATUS=3.7`, no mail), and the
//!   201 of a PUT it so changes has no ETag (a plain one has a strong ETag); iMIP mail goes
//!   out only for the organizer's DELETE (a CANCEL, with no METHOD in its object);
//! - preconditions fail as RFC 9110 says (412 with `DAV:if-none-match` / `DAV:if-match`);
//!   one UID in two calendars of a user is taken;
//! - a write without the right is a 403 whose body is the plain text "No write permission"
//!   (no `DAV:need-privileges`), which Belfry reads as a want of rights (a UID elsewhere is
//!   a 403 only where the server names `no-uid-conflict`);
//! - a share is an ACL on the calendar; DAV:read does not hold
//!   DAV:read-current-user-privilege-set, so a delegate granted read (and write) only gets a
//!   403 propstat for `current-user-privilege-set`, and Belfry assumes the calendar writable.

#![allow(
    clippy::disallowed_methods,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use belfry_caldav::{CalDav, CalDavError, EventWrite, Wrote};
use belfry_testkit::davical::{Davical, davical};

mod support;

use support::suites::{self, client, event, put};

fn as_user(server: &Davical, user: &str) -> CalDav {
    client(&server.url, user, server.password(user))
}

fn auth<'a>(server: &'a Davical, user: &'a str) -> (&'a str, &'a str) {
    (user, server.password(user))
}

fn url(s: &str) -> url::Url {
    url::Url::parse(s).unwrap()
}

/// Belfry's write of version 0 of `ics` (UID `uid`) on `cal`.
fn write(dav: &CalDav, cal: &str, uid: &str, ics: &str) -> Result<(url::Url, Wrote), CalDavError> {
    dav.write_event(
        &url(cal),
        &EventWrite {
            uid,
            ics,
            sequence: 0,
            cancelled: false,
            schedule_address: None,
        },
    )
}

#[test]
#[ignore = "needs DAViCal: run scripts/test"]
fn davical_discovery_from_the_host_alone() {
    let server = davical();
    let lectures = server.calendar("ana", "lectures", "Lectures");
    let office = server.calendar("ana", "office", "Office hours");
    server.calendar("bob", "private", "Bob's");

    // Only the host and port: its root is DAViCal's admin page (no 207), then
    // /.well-known/caldav redirects to /caldav.php/.
    let host = server.url.trim_start_matches("http://");
    let found = client(&format!("http://{host}"), "ana", server.password("ana"))
        .discover()
        .unwrap();
    assert_eq!(found.principal, server.principal("ana"));
    // The principal is the home.
    assert_eq!(found.calendar_home, server.home("ana"));
    let calendars = &found.calendars;
    let names: Vec<&str> = calendars.iter().map(|c| c.name.as_str()).collect();
    // DAViCal makes a calendar for each new user, "<Name> calendar"; bob's are not listed.
    assert_eq!(names, ["Ana calendar", "Lectures", "Office hours"]);
    let hrefs: Vec<&str> = calendars.iter().map(|c| c.href.as_str()).collect();
    let default = server.default_calendar("ana");
    assert_eq!(
        hrefs,
        [default.as_str(), lectures.as_str(), office.as_str()]
    );
    assert!(calendars.iter().all(|c| c.writable && c.events));
    // DAViCal schedules itself (RFC 6638), and says so on two DAV header lines.
    assert!(found.auto_schedule);
    assert_eq!(found.addresses, [server.address("ana")]);
}

#[test]
#[ignore = "needs DAViCal: run scripts/test"]
fn davical_discovery_from_a_server_url() {
    let server = davical();
    let lectures = server.calendar("ana", "lectures", "Lectures");
    // What a user may paste: DAViCal's root, the principal (= home), a calendar, the
    // well-known URL, and a path with nothing there.
    for start in [
        format!("{}/caldav.php/", server.url),
        server.principal("ana"),
        lectures.clone(),
        format!("{}/.well-known/caldav", server.url),
        format!("{}/no/such/path/", server.url),
    ] {
        let found = client(&start, "ana", server.password("ana"))
            .discover()
            .unwrap_or_else(|e| panic!("from {start}: {e}"));
        assert_eq!(found.principal, server.principal("ana"), "from {start}");
        assert_eq!(found.calendar_home, server.home("ana"), "from {start}");
        let names: Vec<&str> = found.calendars.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["Ana calendar", "Lectures"], "from {start}");
        assert!(found.auto_schedule);
    }
}

/// DAViCal 1.1.12 makes a new user's scheduling inbox `.in` and outbox `.out` as plain
/// calendars (resourcetype `<C:calendar/>`, no `C:schedule-inbox`); they are the principal's
/// `schedule-inbox-URL` and `schedule-outbox-URL` (RFC 6638), which Belfry leaves out.
#[test]
#[ignore = "needs DAViCal: run scripts/test"]
fn davical_discovery_does_not_offer_the_scheduling_inbox_and_outbox() {
    let server = davical();
    let found = as_user(&server, "ana").discover().unwrap();
    let names: Vec<&str> = found.calendars.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["Ana calendar"], "{:?}", found.calendars);
}

#[test]
#[ignore = "needs DAViCal: run scripts/test"]
fn davical_refuses_a_wrong_password_without_echoing_it() {
    let server = davical();
    suites::a_wrong_password_is_refused_without_echoing_it(&server.url, "ana");
    // Another user's password is wrong too.
    let err = client(&server.url, "ana", server.password("bob"))
        .discover()
        .unwrap_err();
    assert!(matches!(err, CalDavError::Unauthorized(401)), "{err}");
}

#[test]
#[ignore = "needs DAViCal: run scripts/test"]
fn davical_an_event_is_written_once_however_often_it_is_sent() {
    let server = davical();
    let cal = server.calendar("ana", "lectures", "Lectures");
    let dav = as_user(&server, "ana");
    suites::an_event_is_written_once_however_often_it_is_sent(&dav, &cal, auth(&server, "ana"));
    // DAViCal gives a strong ETag with the object.
    let held = dav
        .get_event(&url(&format!("{cal}0123abcd-belfry.ics")))
        .unwrap()
        .unwrap();
    let etag = held.etag.unwrap();
    assert!(etag.starts_with('"') && etag.ends_with('"'), "{etag}");
}

#[test]
#[ignore = "needs DAViCal: run scripts/test"]
fn davical_takes_one_uid_in_two_calendars_of_a_user() {
    // Cyrus refuses this (a UID is one user's once); DAViCal, like Radicale, takes it.
    let server = davical();
    let lectures = server.calendar("ana", "lectures", "Lectures");
    let dav = as_user(&server, "ana");
    let ics = event("twice@belfry", 0, "Physics");
    assert_eq!(
        write(&dav, &lectures, "twice@belfry", &ics).unwrap().1,
        Wrote::Created
    );
    assert_eq!(
        write(&dav, &server.default_calendar("ana"), "twice@belfry", &ics)
            .unwrap()
            .1,
        Wrote::Created
    );
}

#[test]
#[ignore = "needs DAViCal: run scripts/test"]
fn davical_another_event_at_our_place_is_never_overwritten() {
    let server = davical();
    let cal = server.calendar("ana", "lectures", "Lectures");
    suites::another_event_at_our_place_is_never_overwritten(
        &as_user(&server, "ana"),
        &cal,
        auth(&server, "ana"),
    );
}

#[test]
#[ignore = "needs DAViCal: run scripts/test"]
fn davical_events_in_a_time_range_are_listed_with_what_they_hold() {
    let server = davical();
    let cal = server.calendar("ana", "lectures", "Lectures");
    let dav = as_user(&server, "ana");
    suites::events_in_a_time_range_are_listed_with_what_they_hold(&dav, &cal);
    // The calendar DAViCal made holds none of them.
    let default = url(&server.default_calendar("ana"));
    assert!(
        dav.events_between(&default, "20270101T000000Z", "20280101T000000Z")
            .unwrap()
            .is_empty()
    );
}

#[test]
#[ignore = "needs DAViCal: run scripts/test"]
fn davical_a_delegate_writes_on_a_shared_calendar() {
    let server = davical();
    let cal = server.calendar("ana", "lectures", "Lectures");
    let cal_url = url(&cal);
    let bob = as_user(&server, "bob");
    // Not shared yet: bob may not write it (how Belfry names that: see
    // davical_a_write_without_the_right_is_refused_as_a_right).
    assert!(put(&bob, &cal_url, "bob-1@belfry", 0, "Office hour").is_err());

    server.share("ana", &cal, "bob");
    // At the owner's URL, for the delegate too.
    suites::a_delegate_writes_on_a_shared_calendar(&bob, &cal, auth(&server, "ana"), &cal);

    // Bob's own discovery still lists his calendars only: DAViCal does not put a shared
    // calendar in the delegate's home.
    let found = bob.discover().unwrap();
    assert_eq!(found.calendar_home, server.home("bob"));
    let names: Vec<&str> = found.calendars.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["Bob calendar"]);

    // Lee, not a delegate, still may not.
    let lee = as_user(&server, "lee");
    assert!(put(&lee, &cal_url, "lee-1@belfry", 0, "No").is_err());
    assert_eq!(
        belfry_testkit::ics_paths(&cal, "ana", server.password("ana")).len(),
        1
    );
}

#[test]
#[ignore = "needs DAViCal: run scripts/test"]
fn davical_a_share_without_read_current_user_privilege_set_is_assumed_writable() {
    // Granted DAV:read and DAV:write only (as RFC 3744 names them), the delegate may not read
    // their own privileges: a 403 propstat, which Belfry takes as "not reported".
    let server = davical();
    let cal = server.calendar("ana", "lectures", "Lectures");
    server.grant("ana", &cal, "bob", &["read", "write"]);
    let bob = as_user(&server, "bob");
    let listed = bob.calendars(&url(&cal)).unwrap();
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert!(listed[0].writable && listed[0].events, "{listed:?}");
    assert_eq!(
        put(&bob, &url(&cal), "bob-1@belfry", 0, "Office hour")
            .unwrap()
            .1,
        Wrote::Created
    );
}

#[test]
#[ignore = "needs DAViCal: run scripts/test"]
fn davical_a_read_only_share_is_listed_read_only() {
    let server = davical();
    let cal = server.calendar("ana", "lectures", "Lectures");
    server.share_read_only("ana", &cal, "carol");
    let carol = as_user(&server, "carol");
    let listed = carol.calendars(&url(&cal)).unwrap();
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0].name, "Lectures");
    assert!(!listed[0].writable && listed[0].events, "{listed:?}");
    assert!(put(&carol, &url(&cal), "ro@belfry", 0, "Not carol's").is_err());
    assert!(belfry_testkit::ics_paths(&cal, "ana", server.password("ana")).is_empty());
}

/// DAViCal refuses a write without the right with a 403 whose body is the plain text "No
/// write permission" (no RFC 3744 `DAV:need-privileges`): Belfry reads it as a want of
/// rights, not a UID elsewhere, so the user asks the owner for the right.
#[test]
#[ignore = "needs DAViCal: run scripts/test"]
fn davical_a_write_without_the_right_is_refused_as_a_right() {
    let server = davical();
    let cal = server.calendar("ana", "lectures", "Lectures");
    // Not shared at all.
    let bob = as_user(&server, "bob");
    let err = put(&bob, &url(&cal), "bob-1@belfry", 0, "Office hour").unwrap_err();
    assert!(matches!(err, CalDavError::NotAllowed { .. }), "{err}");
    assert!(err.to_string().contains(&cal), "{err}");
    // Shared read-only.
    server.share_read_only("ana", &cal, "carol");
    let carol = as_user(&server, "carol");
    let err = put(&carol, &url(&cal), "ro@belfry", 0, "Not carol's").unwrap_err();
    assert!(matches!(err, CalDavError::NotAllowed { .. }), "{err}");
}

#[test]
#[ignore = "needs DAViCal: run scripts/test"]
fn davical_a_foreign_series_is_edited_in_its_future_parts_only() {
    let server = davical();
    let cal = server.calendar("ana", "lectures", "Lectures");
    let port = suites::port(
        &server.url,
        "ana",
        server.password("ana"),
        &server.home("ana"),
    );
    suites::a_foreign_series_is_edited(&port, &cal, auth(&server, "ana"));
    // A professor elsewhere organizes it: DAViCal sent nothing.
    assert_eq!(server.sent_mail(), []);
}

#[test]
#[ignore = "needs DAViCal: run scripts/test"]
fn davical_an_edit_that_loses_a_race_reads_again() {
    let server = davical();
    let cal = server.calendar("ana", "lectures", "Lectures");
    let port = suites::port(
        &server.url,
        "ana",
        server.password("ana"),
        &server.home("ana"),
    );
    suites::a_lost_race_is_read_again(&port, &cal, auth(&server, "ana"));
}

/// A meeting ana organizes, with a Chime dial-in and someone elsewhere as attendees (and
/// `more` attendee lines).
fn meeting(uid: &str, more: &str) -> String {
    event(uid, 0, "Physics").replace(
        "SUMMARY:Physics\r\n",
        &format!(
            "SUMMARY:Physics\r\nORGANIZER;CN=Ana:mailto:ana@example.com\r\nATTENDEE;RSVP=TRUE;PARTSTAT=NEEDS-ACTION:mailto:meet@chime.aws\r\nATTENDEE;RSVP=TRUE;PARTSTAT=NEEDS-ACTION:mailto:pat@elsewhere.example\r\n{more}"
        ),
    )
}

#[test]
#[ignore = "needs DAViCal: run scripts/test"]
fn davical_schedules_a_put_for_its_own_users_only_and_mails_no_invitation() {
    let server = davical();
    let cal = server.calendar("ana", "lectures", "Lectures");
    let dav = as_user(&server, "ana");
    assert!(dav.auto_schedule(&url(&server.home("ana"))).unwrap());
    let ics = meeting(
        "meet-1@belfry",
        "ATTENDEE;RSVP=TRUE;PARTSTAT=NEEDS-ACTION:mailto:bob@example.com\r\n",
    );
    let (href, wrote) = write(&dav, &cal, "meet-1@belfry", &ics).unwrap();
    assert_eq!(wrote, Wrote::Created);
    let stored = belfry_testkit::fetch(href.as_str(), "ana", server.password("ana"));
    let unfolded = stored.replace("\r\n ", "");
    // Bob is on this server: delivered (1.2), into his calendar and his inbox. The others
    // are not: 3.7 ("invalid calendar user"), and no mail.
    assert!(
        unfolded.contains("SCHEDULE-STATUS=1.2:mailto:bob@example.com"),
        "{stored}"
    );
    assert!(
        unfolded.contains("SCHEDULE-STATUS=3.7:mailto:meet@chime.aws"),
        "{stored}"
    );
    let pw = server.password("bob");
    assert_eq!(
        belfry_testkit::ics_paths(&server.default_calendar("bob"), "bob", pw),
        ["/caldav.php/bob/calendar/meet-1%40belfry.ics"]
    );
    assert_eq!(
        belfry_testkit::ics_paths(&format!("{}.in/", server.home("bob")), "bob", pw).len(),
        1
    );
    assert_eq!(server.sent_mail(), []);
    // Writing it again changes nothing.
    assert_eq!(
        write(&dav, &cal, "meet-1@belfry", &ics).unwrap().1,
        Wrote::AlreadyThere
    );
    assert_eq!(server.sent_mail(), []);
}

#[test]
#[ignore = "needs DAViCal: run scripts/test"]
fn davical_answers_a_put_it_schedules_without_an_etag() {
    let server = davical();
    let cal = server.calendar("ana", "lectures", "Lectures");
    let http = reqwest::blocking::Client::new();
    let put = |name: &str, ics: &str| {
        http.put(format!("{cal}{name}"))
            .basic_auth("ana", Some(server.password("ana")))
            .header("Content-Type", "text/calendar; charset=utf-8")
            .header("If-None-Match", "*")
            .body(ics.to_owned())
            .send()
            .unwrap()
    };
    // A plain event: 201 with its (strong) ETag.
    let plain = put("plain.ics", &event("plain@belfry", 0, "Physics"));
    assert_eq!(plain.status().as_u16(), 201);
    let etag = plain.headers().get("etag").unwrap().to_str().unwrap();
    assert!(etag.starts_with('"'), "{etag}");
    // A meeting of ana's: DAViCal adds SCHEDULE-STATUS, and answers no ETag (nor a
    // Schedule-Tag).
    let scheduled = put("meeting.ics", &meeting("meet-2@belfry", ""));
    assert_eq!(scheduled.status().as_u16(), 201);
    assert!(scheduled.headers().get("etag").is_none(), "{scheduled:?}");
    assert!(scheduled.headers().get("schedule-tag").is_none());
    // Belfry reads it back with its ETag.
    let held = as_user(&server, "ana")
        .get_event(&url(&format!("{cal}meeting.ics")))
        .unwrap()
        .unwrap();
    assert!(held.etag.is_some_and(|t| t.starts_with('"')));
    assert!(held.body.contains("SCHEDULE-STATUS=3.7"), "{}", held.body);
}

#[test]
#[ignore = "needs DAViCal: run scripts/test"]
fn davical_mails_a_cancellation_when_the_organizer_deletes_a_meeting() {
    let server = davical();
    let cal = server.calendar("ana", "lectures", "Lectures");
    let dav = as_user(&server, "ana");
    let (href, _) = write(&dav, &cal, "meet-3@belfry", &meeting("meet-3@belfry", "")).unwrap();
    assert_eq!(server.sent_mail(), []);
    let resp = reqwest::blocking::Client::new()
        .delete(href.as_str())
        .basic_auth("ana", Some(server.password("ana")))
        .send()
        .unwrap();
    assert_eq!(resp.status().as_u16(), 204, "{}", server.log());
    // One iMIP message per attendee elsewhere, from the organizer, with an empty Subject and
    // an object that has no METHOD property (only the MIME type says CANCEL) and no
    // STATUS:CANCELLED.
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
        assert!(m.contains("From: ana@example.com"), "{m}");
        assert!(
            m.contains("Content-Type: text/calendar; charset=UTF-8; method=CANCEL"),
            "{m}"
        );
        assert!(
            m.contains("Subject: \n") || m.contains("Subject: \r\n"),
            "{m}"
        );
        assert_eq!(
            belfry_testkit::cyrus::itip(m),
            [(String::new(), "meet-3@belfry".to_owned(), 0)],
            "{m}"
        );
    }
    // The organizer's copy is gone.
    assert_eq!(as_user(&server, "ana").get_event(&href).unwrap(), None);
}
