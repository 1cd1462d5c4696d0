//! Belfry's CalDAV client against Cyrus IMAP (Debian's cyrus-imapd and cyrus-caldav 3.6, the
//! server Fastmail runs), started privately by `belfry_testkit::cyrus`: the suites every real
//! server runs, and Cyrus's own scheduling (RFC 6638), whose iMIP messages are captured.
//! `scripts/setup` installs it.
//!
//! Where Cyrus differs from Radicale and Xandikos, as these tests find it:
//! - principal `/dav/principals/user/<user>/`, home `/dav/calendars/user/<user>/`, address
//!   `mailto:<user>@<servername>`; `/.well-known/caldav` redirects (301) to `/dav/calendars`,
//!   and the server root answers `current-user-principal` itself;
//! - every user has a calendar already, `Default` ("personal"), beside the scheduling Inbox
//!   and Outbox (which are no calendars);
//! - a PUT of an object the organizer's scheduling changes (it adds SCHEDULE-STATUS) answers
//!   a `Schedule-Tag` and no ETag; a plain one answers its ETag;
//! - a UID is one user's once: the same UID in another of their calendars is refused (403
//!   `CALDAV:unique-scheduling-object-resource`);
//! - a delegate reaches a shared calendar in their own home (`<owner>.<slug>`): the owner's URL
//!   redirects them (and any other user) there (301), for a PUT as well; a write without the
//!   right is a 403 with `DAV:need-privileges`;
//! - preconditions fail as RFC 9110 says: 412 for `If-None-Match: *` over an event and for an
//!   `If-Match` that no longer matches;
//! - it schedules only for an organizer among the user's `calendar-user-address-set`; another
//!   organizer's event is stored as sent, and nobody is emailed. Its iTIP SEQUENCEs are its own:
//!   the first invitation to version 0 says 1, a cancellation by STATUS:CANCELLED carries the
//!   SEQUENCE of the version it cancels, one by DELETE the stored one;
//! - a delegate's write is scheduled for the addresses of the user in its path (the
//!   delegate's, in their view of the shared calendar): a meeting the owner organizes is
//!   stored and nobody is emailed, unless the PUT names the owner's address in Fastmail's own
//!   `Schedule-Address` header.

#![allow(
    clippy::disallowed_methods,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use belfry_caldav::{CalDavError, EventWrite, Wrote};
use belfry_testkit::cyrus::{Captured, Cyrus, cyrus, itip};

mod support;

use support::suites::{self, client, port, put};

fn as_user(server: &Cyrus, user: &str) -> belfry_caldav::CalDav {
    client(&server.url, user, server.password(user))
}

fn auth<'a>(server: &'a Cyrus, user: &'a str) -> (&'a str, &'a str) {
    (user, server.password(user))
}

#[test]
#[ignore = "needs Cyrus: run scripts/test"]
fn cyrus_discovery_from_the_host_alone() {
    let server = cyrus();
    let lectures = server.calendar("ana", "lectures", "Lectures");
    let office = server.calendar("ana", "office", "Office hours");
    // Only the host and port.
    let host = server.url.trim_start_matches("http://");
    let found = client(&format!("http://{host}"), "ana", server.password("ana"))
        .discover()
        .unwrap();
    assert_eq!(found.principal, server.principal("ana"));
    assert_eq!(found.calendar_home, server.home("ana"));
    let names: Vec<&str> = found.calendars.iter().map(|c| c.name.as_str()).collect();
    // Cyrus provisions a calendar of its own, "Default", named "personal".
    assert_eq!(names, ["Lectures", "Office hours", "personal"]);
    let hrefs: Vec<&str> = found.calendars.iter().map(|c| c.href.as_str()).collect();
    let default = format!("{}Default/", server.home("ana"));
    assert_eq!(
        hrefs,
        [lectures.as_str(), office.as_str(), default.as_str()]
    );
    assert!(found.calendars.iter().all(|c| c.writable && c.events));
    // Cyrus schedules itself (RFC 6638), for an organizer at the user's address only.
    assert!(found.auto_schedule);
    assert_eq!(found.addresses, [server.address("ana")]);
}

#[test]
#[ignore = "needs Cyrus: run scripts/test"]
fn cyrus_discovery_from_the_well_known_url() {
    let server = cyrus();
    // /.well-known/caldav redirects to /dav/calendars, which names the principal.
    let found = client(
        &format!("{}/.well-known/caldav", server.url),
        "bob",
        server.password("bob"),
    )
    .discover()
    .unwrap();
    assert_eq!(found.principal, server.principal("bob"));
    assert_eq!(found.calendar_home, server.home("bob"));
    assert!(found.auto_schedule);
}

#[test]
#[ignore = "needs Cyrus: run scripts/test"]
fn cyrus_refuses_a_wrong_password_without_echoing_it() {
    let server = cyrus();
    suites::a_wrong_password_is_refused_without_echoing_it(&server.url, "ana");
}

#[test]
#[ignore = "needs Cyrus: run scripts/test"]
fn cyrus_lists_only_the_users_own_calendars() {
    let server = cyrus();
    server.calendar("bob", "private", "Bob's");
    let found = as_user(&server, "ana").discover().unwrap();
    let hrefs: Vec<&str> = found.calendars.iter().map(|c| c.href.as_str()).collect();
    assert_eq!(hrefs, [format!("{}Default/", server.home("ana"))]);
}

#[test]
#[ignore = "needs Cyrus: run scripts/test"]
fn cyrus_an_event_is_written_once_however_often_it_is_sent() {
    let server = cyrus();
    let cal = server.calendar("ana", "lectures", "Lectures");
    suites::an_event_is_written_once_however_often_it_is_sent(
        &as_user(&server, "ana"),
        &cal,
        auth(&server, "ana"),
    );
}

#[test]
#[ignore = "needs Cyrus: run scripts/test"]
fn cyrus_events_in_a_time_range_are_listed_with_what_they_hold() {
    let server = cyrus();
    let cal = server.calendar("ana", "lectures", "Lectures");
    suites::events_in_a_time_range_are_listed_with_what_they_hold(&as_user(&server, "ana"), &cal);
}

#[test]
#[ignore = "needs Cyrus: run scripts/test"]
fn cyrus_another_event_at_our_place_is_never_overwritten() {
    let server = cyrus();
    let cal = server.calendar("ana", "lectures", "Lectures");
    suites::another_event_at_our_place_is_never_overwritten(
        &as_user(&server, "ana"),
        &cal,
        auth(&server, "ana"),
    );
}

#[test]
#[ignore = "needs Cyrus: run scripts/test"]
fn cyrus_refuses_a_uid_another_of_the_users_calendars_holds() {
    // Radicale and Xandikos take one UID in two calendars; Cyrus keeps a UID one user's once.
    let server = cyrus();
    let lectures = url::Url::parse(&server.calendar("ana", "lectures", "Lectures")).unwrap();
    let default = url::Url::parse(&format!("{}Default/", server.home("ana"))).unwrap();
    let dav = as_user(&server, "ana");
    let (_, first) = put(&dav, &lectures, "twice@belfry", 0, "Physics").unwrap();
    assert_eq!(first, Wrote::Created);
    let err = put(&dav, &default, "twice@belfry", 0, "Physics").unwrap_err();
    assert!(
        matches!(&err, CalDavError::UidElsewhere(s) if s == "HTTP 403"),
        "{err}"
    );
}

#[test]
#[ignore = "needs Cyrus: run scripts/test"]
fn cyrus_a_foreign_series_is_edited_in_its_future_parts_only() {
    let server = cyrus();
    let cal = server.calendar("ana", "lectures", "Lectures");
    let port = port(
        &server.url,
        "ana",
        server.password("ana"),
        &server.home("ana"),
    );
    suites::a_foreign_series_is_edited(&port, &cal, auth(&server, "ana"));
    // Not ana's meeting (a professor organizes it, ana does not attend): Cyrus sent nothing.
    assert_eq!(server.sent_mail(), []);
}

#[test]
#[ignore = "needs Cyrus: run scripts/test"]
fn cyrus_an_edit_that_loses_a_race_reads_again() {
    let server = cyrus();
    let cal = server.calendar("ana", "lectures", "Lectures");
    let port = port(
        &server.url,
        "ana",
        server.password("ana"),
        &server.home("ana"),
    );
    suites::a_lost_race_is_read_again(&port, &cal, auth(&server, "ana"));
}

#[test]
#[ignore = "needs Cyrus: run scripts/test"]
fn cyrus_a_delegate_writes_on_a_shared_calendar() {
    let server = cyrus();
    let cal = server.calendar("ana", "lectures", "Lectures");
    server.share("ana", &cal, "bob");
    let shared = server.shared_url("ana", &cal, "bob");
    let bob = as_user(&server, "bob");
    // bob's discovery lists it, in his own home, with ana's name for it.
    let found = bob.discover().unwrap();
    let listed = found
        .calendars
        .iter()
        .find(|c| c.href == shared)
        .unwrap_or_else(|| panic!("{shared} in {:?}", found.calendars));
    assert_eq!(listed.name, "Lectures");
    assert!(listed.writable && listed.events, "{listed:?}");
    // It is ana's: Cyrus names her principal its owner, in bob's home as in hers.
    let ana = server.principal("ana");
    assert_eq!(listed.owner.as_deref(), Some(ana.as_str()));
    assert!(listed.owned_by_another(&server.principal("bob"), &found.calendar_home));
    let own = as_user(&server, "ana").discover().unwrap();
    let hers = own.calendars.iter().find(|c| c.href == cal).unwrap();
    assert!(!hers.owned_by_another(&ana, &own.calendar_home), "{hers:?}");
    // ana's URL for it leads bob there (a 301 that the listing follows).
    let via_owner = bob.calendars(&url::Url::parse(&cal).unwrap()).unwrap();
    let hrefs: Vec<&str> = via_owner.iter().map(|c| c.href.as_str()).collect();
    assert_eq!(hrefs, [shared.as_str()]);
    let at = bob.calendar_at(&url::Url::parse(&cal).unwrap()).unwrap();
    assert_eq!(at.as_ref(), Some(listed), "{at:?}");
    suites::a_delegate_writes_on_a_shared_calendar(&bob, &shared, auth(&server, "ana"), &cal);
    // Not shared with lee: nothing of it in lee's home, and lee cannot write it.
    let lee = as_user(&server, "lee");
    assert!(
        !lee.discover()
            .unwrap()
            .calendars
            .iter()
            .any(|c| c.name == "Lectures")
    );
    let err = put(
        &lee,
        &url::Url::parse(&cal).unwrap(),
        "lee@belfry",
        0,
        "Not lee's",
    )
    .unwrap_err();
    // Cyrus sends every other user to their own view of it (301), which Belfry does not
    // follow for a write.
    assert!(
        matches!(err, CalDavError::Http { status: 301, .. }),
        "{err}"
    );
    assert_eq!(
        belfry_testkit::ics_paths(&cal, "ana", server.password("ana")).len(),
        1
    );
}

#[test]
#[ignore = "needs Cyrus: run scripts/test"]
fn cyrus_a_read_only_share_is_listed_read_only_and_refuses_a_write_as_a_right() {
    let server = cyrus();
    let cal = server.calendar("ana", "lectures", "Lectures");
    server.share_read_only("ana", &cal, "carol");
    let shared = server.shared_url("ana", &cal, "carol");
    let carol = as_user(&server, "carol");
    let found = carol.discover().unwrap();
    let listed = found
        .calendars
        .iter()
        .find(|c| c.href == shared)
        .unwrap_or_else(|| panic!("{shared} in {:?}", found.calendars));
    assert!(!listed.writable && listed.events, "{listed:?}");
    // Cyrus answers 403 with DAV:need-privileges: the account's rights, not a UID elsewhere.
    let err = put(
        &carol,
        &url::Url::parse(&shared).unwrap(),
        "ro@belfry",
        0,
        "Not carol's",
    )
    .unwrap_err();
    assert!(matches!(err, CalDavError::NotAllowed { .. }), "{err}");
    assert!(belfry_testkit::ics_paths(&cal, "ana", server.password("ana")).is_empty());
}

/// The status and headers (lower-case names) of a curl PUT of `body` at `url`.
fn put_headers(url: &str, user: &str, password: &str, body: &str, extra: &[&str]) -> Vec<String> {
    let mut args = vec![
        "-s".to_owned(),
        "-D".to_owned(),
        "-".to_owned(),
        "-o".to_owned(),
        "/dev/null".to_owned(),
        "-X".to_owned(),
        "PUT".to_owned(),
        "-u".to_owned(),
        format!("{user}:{password}"),
        "-H".to_owned(),
        "Content-Type: text/calendar; charset=utf-8".to_owned(),
    ];
    for h in extra {
        args.extend(["-H".to_owned(), (*h).to_owned()]);
    }
    args.extend(["--data-binary".to_owned(), body.to_owned(), url.to_owned()]);
    let out = std::process::Command::new("curl")
        .args(&args)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.trim().to_ascii_lowercase())
        .filter(|l| !l.is_empty())
        .collect()
}

#[test]
#[ignore = "needs Cyrus: run scripts/test"]
fn cyrus_answers_a_put_it_schedules_with_a_schedule_tag_and_no_etag() {
    let server = cyrus();
    let cal = server.calendar("ana", "lectures", "Lectures");
    let pw = server.password("ana");
    let has =
        |headers: &[String], name: &str| headers.iter().any(|h| h.starts_with(&format!("{name}:")));
    // A plain event is stored as sent, and the answer has its ETag.
    let plain = put_headers(
        &format!("{cal}plain.ics"),
        "ana",
        pw,
        &suites::event("plain@belfry", 0, "Physics"),
        &["If-None-Match: *"],
    );
    assert!(plain[0].starts_with("http/1.1 201"), "{plain:?}");
    assert!(has(&plain, "etag"), "{plain:?}");
    // A meeting ana organizes: Cyrus rewrites it (SCHEDULE-STATUS on each attendee) and
    // answers a Schedule-Tag instead.
    let href = format!("{cal}meeting.ics");
    let meeting_put = put_headers(
        &href,
        "ana",
        pw,
        &meeting(&server, "meeting@belfry", 0, "Seminar", false),
        &["If-None-Match: *"],
    );
    assert!(
        meeting_put[0].starts_with("http/1.1 201"),
        "{meeting_put:?}"
    );
    assert!(!has(&meeting_put, "etag"), "{meeting_put:?}");
    assert!(has(&meeting_put, "schedule-tag"), "{meeting_put:?}");
    let stored = belfry_testkit::fetch(&href, "ana", pw).replace("\r\n ", "");
    assert!(stored.contains("SCHEDULE-STATUS=1.1"), "{stored}");
    // Preconditions: 412 both ways.
    let again = put_headers(
        &href,
        "ana",
        pw,
        &meeting(&server, "meeting@belfry", 0, "Seminar", false),
        &["If-None-Match: *"],
    );
    assert!(again[0].starts_with("http/1.1 412"), "{again:?}");
    let stale = put_headers(
        &href,
        "ana",
        pw,
        &meeting(&server, "meeting@belfry", 1, "Seminar", false),
        &["If-Match: \"not-the-etag\""],
    );
    assert!(stale[0].starts_with("http/1.1 412"), "{stale:?}");
    // The GET gives a strong ETag, which an If-Match takes.
    let etag = suites::plain_etag(&href, "ana", pw);
    assert!(etag.starts_with('"'), "{etag}");
    let fresh = put_headers(
        &href,
        "ana",
        pw,
        &meeting(&server, "meeting@belfry", 1, "Seminar", false),
        &[&format!("If-Match: {etag}")],
    );
    assert!(fresh[0].starts_with("http/1.1 204"), "{fresh:?}");
}

// Scheduling: Cyrus sends the invitations itself, one iMIP message per attendee.

/// A meeting ana organizes with a Chime dial-in and someone elsewhere as attendees.
fn meeting(server: &Cyrus, uid: &str, sequence: u32, summary: &str, cancelled: bool) -> String {
    let status = if cancelled {
        "STATUS:CANCELLED\r\n"
    } else {
        ""
    };
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Belfry test//EN\r\nBEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20270201T120000Z\r\nSEQUENCE:{sequence}\r\nDTSTART:20270301T150000Z\r\nDTEND:20270301T160000Z\r\nSUMMARY:{summary}\r\n{status}ORGANIZER;CN=Ana:mailto:{ana}\r\nATTENDEE;CN=Chime;CUTYPE=RESOURCE;ROLE=NON-PARTICIPANT;RSVP=FALSE:mailto:meet@chime.aws\r\nATTENDEE;CN=Pat;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:pat@elsewhere.example\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        ana = server.address("ana")
    )
}

/// The messages to `address`, each as (method, UID, SEQUENCE) of its iTIP.
fn to(mail: &[Captured], address: &str) -> Vec<(String, String, u32)> {
    mail.iter()
        .filter(|m| m.recipients == [address])
        .flat_map(|m| itip(&m.message))
        .collect()
}

/// No message comes after the `n` already there (Cyrus sends as it answers the PUT; a
/// moment more lets a straggler show).
fn no_more_than(server: &Cyrus, n: usize) -> Vec<Captured> {
    std::thread::sleep(std::time::Duration::from_millis(300));
    let mail = server.sent_mail();
    assert_eq!(mail.len(), n, "{mail:?}");
    mail
}

#[test]
#[ignore = "needs Cyrus: run scripts/test"]
fn cyrus_sends_one_invitation_per_attendee_per_version_and_one_cancellation() {
    let server = cyrus();
    let found = as_user(&server, "ana").discover().unwrap();
    assert!(found.auto_schedule, "{found:?}");
    let cal = url::Url::parse(&server.calendar("ana", "lectures", "Lectures")).unwrap();
    let dav = as_user(&server, "ana");
    let uid = "sched@belfry";
    let write = |sequence: u32, summary: &str, cancelled: bool| {
        dav.write_event(
            &cal,
            &EventWrite {
                uid,
                ics: &meeting(&server, uid, sequence, summary, cancelled),
                sequence,
                cancelled,
                schedule_address: None,
            },
        )
        .unwrap()
        .1
    };

    assert_eq!(write(0, "Physics", false), Wrote::Created);
    server.wait_for_mail(2);
    // Sent again (a retry): nothing is written, nobody is invited twice.
    assert_eq!(write(0, "Physics", false), Wrote::AlreadyThere);
    no_more_than(&server, 2);
    // Cyrus notes each delivery on the stored attendee (SCHEDULE-STATUS), not on the organizer.
    let href = format!("{cal}sched-belfry.ics");
    let stored = belfry_testkit::fetch(&href, "ana", server.password("ana")).replace("\r\n ", "");
    assert_eq!(stored.matches("SCHEDULE-STATUS=1.1").count(), 2, "{stored}");

    assert_eq!(write(1, "Physics (room 12)", false), Wrote::Replaced);
    server.wait_for_mail(4);
    no_more_than(&server, 4);
    assert_eq!(write(2, "Physics (room 12)", true), Wrote::Replaced);
    server.wait_for_mail(6);
    let mail = no_more_than(&server, 6);

    // One message per attendee and version, to that attendee alone, never to the organizer.
    for m in &mail {
        assert_eq!(m.recipients.len(), 1, "{m:?}");
        assert_ne!(m.recipients[0], server.address("ana"));
        assert!(
            m.message
                .contains(&format!("From: Ana <{}>", server.address("ana"))),
            "{}",
            m.message
        );
    }
    let request = |sequence| ("REQUEST".to_owned(), uid.to_owned(), sequence);
    let cancel = |sequence| ("CANCEL".to_owned(), uid.to_owned(), sequence);
    for attendee in ["meet@chime.aws", "pat@elsewhere.example"] {
        // The SEQUENCEs are Cyrus 3.6's: the first invitation raises version 0 to 1 (it
        // counts the attendee's first invitation as a change needing action), the update
        // keeps 1, and the cancellation of version 2 carries the version it cancels, 1.
        assert_eq!(
            to(&mail, attendee),
            [request(1), request(1), cancel(1)],
            "{attendee}: {mail:?}"
        );
    }
    // Nothing else: six messages, three to each.
    assert_eq!(
        to(&mail, "meet@chime.aws").len() + to(&mail, "pat@elsewhere.example").len(),
        6
    );
}

#[test]
#[ignore = "needs Cyrus: run scripts/test"]
fn cyrus_cancels_a_deleted_meeting_itself() {
    // Belfry cancels by writing STATUS:CANCELLED; another app may DELETE the event instead.
    let server = cyrus();
    let cal = server.calendar("ana", "lectures", "Lectures");
    let href = format!("{cal}gone.ics");
    let status = suites::plain_put(
        &href,
        "ana",
        server.password("ana"),
        &meeting(&server, "gone@belfry", 0, "Seminar", false),
    );
    assert_eq!(status, "201");
    server.wait_for_mail(2);
    let out = std::process::Command::new("curl")
        .args([
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "-X",
            "DELETE",
            "-u",
            &format!("ana:{}", server.password("ana")),
            &href,
        ])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "204");
    server.wait_for_mail(4);
    let mail = no_more_than(&server, 4);
    for attendee in ["meet@chime.aws", "pat@elsewhere.example"] {
        // The CANCEL carries the stored SEQUENCE (0), below the 1 of the invitation Cyrus
        // sent: a strict attendee's client may take it as stale.
        let methods: Vec<(String, u32)> = to(&mail, attendee)
            .into_iter()
            .map(|(m, _, s)| (m, s))
            .collect();
        assert_eq!(
            methods,
            [("REQUEST".to_owned(), 1), ("CANCEL".to_owned(), 0)],
            "{attendee}"
        );
    }
}

#[test]
#[ignore = "needs Cyrus: run scripts/test"]
fn cyrus_takes_an_organizer_that_is_not_the_user_and_schedules_nothing() {
    // Cyrus neither refuses nor rewrites it: it stores the event as sent and emails nobody,
    // for an organizer elsewhere and for another user of the server alike.
    let server = cyrus();
    let cal = url::Url::parse(&server.calendar("ana", "lectures", "Lectures")).unwrap();
    let dav = as_user(&server, "ana");
    for (uid, organizer) in [
        ("prof@belfry", "prof@elsewhere.example".to_owned()),
        ("lee@belfry", server.address("lee")),
    ] {
        let ics =
            meeting(&server, uid, 0, "Seminar", false).replace(&server.address("ana"), &organizer);
        let (href, wrote) = dav
            .write_event(
                &cal,
                &EventWrite {
                    uid,
                    ics: &ics,
                    sequence: 0,
                    cancelled: false,
                    schedule_address: None,
                },
            )
            .unwrap();
        assert_eq!(wrote, Wrote::Created);
        let stored = belfry_testkit::fetch(href.as_str(), "ana", server.password("ana"));
        assert_eq!(
            stored.replace("\r\n ", ""),
            ics.replace("\r\n ", ""),
            "{organizer}"
        );
    }
    no_more_than(&server, 0);
}

#[test]
#[ignore = "needs Cyrus: run scripts/test"]
fn cyrus_schedules_a_delegates_meeting_only_when_told_whose_it_is() {
    // bob writes, on ana's calendar shared with him, a meeting ana organizes. Cyrus schedules
    // for the addresses of the user in the path (bob, in his view of ana's calendar), so it
    // stores the meeting and emails nobody, though its DAV header says calendar-auto-schedule.
    let server = cyrus();
    let cal = server.calendar("ana", "lectures", "Lectures");
    server.share("ana", &cal, "bob");
    let shared = server.shared_url("ana", &cal, "bob");
    let bob = as_user(&server, "bob");
    assert!(bob.discover().unwrap().auto_schedule);
    let uid = "delegated-meeting@belfry";
    let (_, wrote) = bob
        .write_event(
            &url::Url::parse(&shared).unwrap(),
            &EventWrite {
                uid,
                ics: &meeting(&server, uid, 0, "Seminar", false),
                sequence: 0,
                cancelled: false,
                schedule_address: None,
            },
        )
        .unwrap();
    assert_eq!(wrote, Wrote::Created);
    no_more_than(&server, 0);
    // Fastmail's own header (`Schedule-Address`) names whose meeting it is: then Cyrus
    // invites, as ana.
    let other = "header-meeting@belfry";
    let ana = server.address("ana");
    let (_, wrote) = bob
        .write_event(
            &url::Url::parse(&shared).unwrap(),
            &EventWrite {
                uid: other,
                ics: &meeting(&server, other, 0, "Seminar", false),
                sequence: 0,
                cancelled: false,
                schedule_address: Some(&ana),
            },
        )
        .unwrap();
    assert_eq!(wrote, Wrote::Created);
    let mail = server.wait_for_mail(2);
    let mail = no_more_than(&server, mail.len());
    for attendee in ["meet@chime.aws", "pat@elsewhere.example"] {
        assert_eq!(
            to(&mail, attendee),
            [("REQUEST".to_owned(), other.to_owned(), 1)],
            "{attendee}"
        );
    }
    assert!(
        mail.iter().all(|m| m
            .message
            .contains(&format!("From: Ana <{}>", server.address("ana")))),
        "{mail:?}"
    );
}
