//! Discovery and calendar listing against real CalDAV servers on loopback: Radicale (with
//! htpasswd users) and Xandikos. `scripts/setup` installs both into a virtualenv.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use belfry_caldav::{CalDav, CalDavError};
use belfry_secrets::Sensitive;
use belfry_testkit::{free_port, mkcalendar, radicale, xandikos};

fn client(user: &str, password: &str) -> CalDav {
    CalDav::new(user, Sensitive::new(password.to_owned()))
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
    let found = client("ana", "ana-app-password")
        .discover(&format!("http://{host}"))
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
    let err = client("ana", "wrong-secret-123")
        .discover(&server.url)
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
    let found = client("ana", "ana-app-password")
        .discover(&server.url)
        .unwrap();
    assert!(found.calendars.is_empty(), "{:?}", found.calendars);
}

#[test]
#[ignore = "needs Radicale and Xandikos: run scripts/test"]
fn xandikos_discovery_and_its_default_calendar() {
    let server = xandikos();
    let found = client("user", "any").discover(&server.url).unwrap();
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
    let err = client("ana", "pw")
        .discover(&format!("http://127.0.0.1:{port}"))
        .unwrap_err();
    assert!(matches!(err, CalDavError::Network { .. }), "{err}");
    assert!(err.to_string().contains(&port.to_string()), "{err}");
}
