//! Discovery and calendar listing against real CalDAV servers on loopback: Radicale (with
//! htpasswd users) and Xandikos. `scripts/setup` installs both into a virtualenv.

#![allow(
    clippy::disallowed_methods,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use belfry_caldav::{CalDavError, EventWrite, Wrote};
use belfry_testkit::{free_port, mkcalendar, radicale, xandikos};

mod support;

use support::suites::{self, client, fast, port, put};

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
    // Nor does it list the user's calendar addresses.
    assert_eq!(found.addresses, Vec::<String>::new());
}

#[test]
#[ignore = "needs Radicale and Xandikos: run scripts/test"]
fn radicale_refuses_a_wrong_password_without_echoing_it() {
    let server = radicale();
    suites::a_wrong_password_is_refused_without_echoing_it(&server.url, "ana");
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

#[test]
#[ignore = "needs Radicale and Xandikos: run scripts/test"]
fn an_event_is_written_once_however_often_it_is_sent() {
    let server = radicale();
    let cal = format!("{}/ana/lectures/", server.url);
    mkcalendar(&cal, "ana", "ana-app-password", "Lectures");
    let dav = client(&server.url, "ana", "ana-app-password");
    suites::an_event_is_written_once_however_often_it_is_sent(
        &dav,
        &cal,
        ("ana", "ana-app-password"),
    );
}

#[test]
#[ignore = "needs Radicale and Xandikos: run scripts/test"]
fn events_in_a_time_range_are_listed_with_what_they_hold() {
    let server = radicale();
    let cal = format!("{}/ana/lectures/", server.url);
    mkcalendar(&cal, "ana", "ana-app-password", "Lectures");
    let dav = client(&server.url, "ana", "ana-app-password");
    suites::events_in_a_time_range_are_listed_with_what_they_hold(&dav, &cal);
}

#[test]
#[ignore = "needs Radicale and Xandikos: run scripts/test"]
fn another_event_at_our_place_is_never_overwritten() {
    let server = radicale();
    let cal = format!("{}/ana/lectures/", server.url);
    mkcalendar(&cal, "ana", "ana-app-password", "Lectures");
    let dav = client(&server.url, "ana", "ana-app-password");
    suites::another_event_at_our_place_is_never_overwritten(
        &dav,
        &cal,
        ("ana", "ana-app-password"),
    );
}

#[test]
#[ignore = "needs Radicale and Xandikos: run scripts/test"]
fn radicale_a_delegate_writes_on_a_shared_calendar() {
    // ana may write lee's lectures (Radicale's from_file rights): one URL for both.
    let server = belfry_testkit::radicale_shared();
    let cal = format!("{}/lee/lectures/", server.url);
    mkcalendar(&cal, "lee", "lee-app-password", "Lectures");
    let ana = client(&server.url, "ana", "ana-app-password");
    suites::a_delegate_writes_on_a_shared_calendar(&ana, &cal, ("lee", "lee-app-password"), &cal);
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
                schedule_address: None,
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
                schedule_address: None,
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
                schedule_address: None,
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
// read back with a plain GET ([`suites::a_foreign_series_is_edited`]).

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
    suites::a_foreign_series_is_edited(&port, &cal, ("ana", "ana-app-password"));
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
    suites::a_foreign_series_is_edited(&port, &cal.href, ("user", "any"));
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
    suites::a_lost_race_is_read_again(&port, &cal, ("ana", "ana-app-password"));
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
    suites::a_lost_race_is_read_again(&port, &cal.href, ("user", "any"));
}
