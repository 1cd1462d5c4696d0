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
