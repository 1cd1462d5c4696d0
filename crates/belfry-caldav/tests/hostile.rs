//! Servers that try to have the password sent somewhere else, or to make Belfry read without
//! end, and servers that answer an edit in every way it must handle (no ETag, a deleted
//! event, lost races): small CalDAV fakes on loopback, each recording every request it gets.

#![allow(
    clippy::disallowed_methods,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use belfry_caldav::{CalDav, CalDavError, EventWrite, Transport};
use belfry_secrets::Sensitive;
use url::Url;

/// A request as a fake received it.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: String,
}

impl Seen {
    fn authorized(&self) -> bool {
        self.headers
            .iter()
            .any(|(name, _)| name.eq_ignore_ascii_case("authorization"))
    }
}

/// What a fake answers to one request.
enum Answer {
    Full {
        status: u16,
        headers: Vec<(&'static str, String)>,
        body: String,
    },
    /// A 207 whose chunked body never ends.
    Endless,
}

fn answer(status: u16, body: impl Into<String>) -> Answer {
    Answer::Full {
        status,
        headers: Vec::new(),
        body: body.into(),
    }
}

/// A server on 127.0.0.1 that answers with `respond` and records what it receives.
struct Fake {
    url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    /// Body bytes written by [`Answer::Endless`] so far.
    streamed: Arc<AtomicUsize>,
}

/// What an endless answer feeds at most, then it holds the connection open without ending
/// the body: a client that reads without a limit fails by its timeout instead of exhausting
/// the machine's memory.
const ENDLESS_CEILING: usize = 256 << 20;

impl Fake {
    fn start(respond: impl Fn(&Seen) -> Answer + Send + 'static) -> Fake {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let streamed = Arc::new(AtomicUsize::new(0));
        let (log, counter) = (seen.clone(), streamed.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let Some(request) = read_request(&stream) else {
                    continue;
                };
                log.lock().unwrap().push(request.clone());
                write_answer(stream, respond(&request), &counter);
            }
        });
        Fake {
            url,
            seen,
            streamed,
        }
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    fn port(&self) -> String {
        self.url.rsplit(':').next().unwrap().to_owned()
    }
}

fn read_request(stream: &TcpStream) -> Option<Seen> {
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let (method, path) = (parts.next()?.to_owned(), parts.next()?.to_owned());
    let mut headers = Vec::new();
    loop {
        line.clear();
        if reader.read_line(&mut line).ok()? <= 2 {
            break;
        }
        if let Some((name, value)) = line.trim_end().split_once(':') {
            headers.push((name.trim().to_owned(), value.trim().to_owned()));
        }
    }
    let length = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0u8; length];
    reader.read_exact(&mut body).ok()?;
    Some(Seen {
        method,
        path,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

fn write_answer(mut stream: TcpStream, answer: Answer, streamed: &AtomicUsize) {
    match answer {
        Answer::Full {
            status,
            headers,
            body,
        } => {
            let mut head = format!(
                "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n",
                body.len()
            );
            for (name, value) in headers {
                head.push_str(&format!("{name}: {value}\r\n"));
            }
            let _ = stream.write_all(format!("{head}\r\n{body}").as_bytes());
        }
        Answer::Endless => {
            let head = "HTTP/1.1 207 Multi-Status\r\nContent-Type: text/xml\r\nTransfer-Encoding: chunked\r\n\r\n";
            if stream.write_all(head.as_bytes()).is_err() {
                return;
            }
            let chunk = [b"4000\r\n".as_slice(), &[b' '; 0x4000], b"\r\n"].concat();
            while streamed.load(Ordering::Relaxed) < ENDLESS_CEILING {
                if stream.write_all(&chunk).is_err() {
                    return;
                }
                streamed.fetch_add(0x4000, Ordering::Relaxed);
            }
            std::thread::sleep(Duration::from_secs(40));
        }
    }
}

fn multistatus(href: &str, props: &str) -> String {
    format!(
        r#"<?xml version="1.0"?><d:multistatus xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:response><d:href>{href}</d:href><d:propstat><d:prop>{props}</d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response></d:multistatus>"#
    )
}

fn calendar_entry(href: &str) -> String {
    format!(
        r#"<d:response><d:href>{href}</d:href><d:propstat><d:prop><d:resourcetype><d:collection/><c:calendar/></d:resourcetype><d:displayname>Work</d:displayname></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>"#
    )
}

/// A CalDAV server that answers these hrefs for the principal, the calendar home and its
/// one calendar (relative ones are on the server itself).
fn caldav(principal: String, home: String, calendar: String) -> impl Fn(&Seen) -> Answer {
    move |r: &Seen| match r.method.as_str() {
        "PROPFIND" if r.body.contains("current-user-principal") => answer(
            207,
            multistatus(
                &r.path,
                &format!(
                    "<d:current-user-principal><d:href>{principal}</d:href></d:current-user-principal>"
                ),
            ),
        ),
        "PROPFIND" if r.body.contains("calendar-home-set") => answer(
            207,
            multistatus(
                &r.path,
                &format!("<c:calendar-home-set><d:href>{home}</d:href></c:calendar-home-set>"),
            ),
        ),
        "PROPFIND" => answer(
            207,
            multistatus(&r.path, "<d:resourcetype><d:collection/></d:resourcetype>").replace(
                "</d:multistatus>",
                &format!("{}</d:multistatus>", calendar_entry(&calendar)),
            ),
        ),
        "OPTIONS" => Answer::Full {
            status: 200,
            headers: vec![("DAV", "1, calendar-access".to_owned())],
            body: String::new(),
        },
        "PUT" => answer(201, ""),
        _ => answer(404, ""),
    }
}

/// A CalDAV server whose every href is its own.
fn honest() -> impl Fn(&Seen) -> Answer {
    caldav("/ana/".into(), "/ana/".into(), "/ana/work/".into())
}

fn client(server: &str) -> CalDav {
    CalDav::new(
        server,
        "ana",
        Sensitive::new("ana-app-password".to_owned()),
        Transport::default(),
    )
    .unwrap()
}

/// `elsewhere` received no request, and certainly none with the password.
fn untouched(elsewhere: &Fake) {
    let seen = elsewhere.seen();
    assert!(
        seen.iter().all(|r| !r.authorized()),
        "the password went to the other port: {seen:?}"
    );
    assert!(seen.is_empty(), "{seen:?}");
}

/// Discovery on a server that answers these hrefs ends in the error naming what it answered,
/// and the other server gets nothing.
fn refused(hrefs: impl Fn(&str) -> (String, String, String), answered: &str) {
    let elsewhere = Fake::start(honest());
    let (principal, home, calendar) = hrefs(&elsewhere.url);
    let server = Fake::start(caldav(principal, home, calendar));
    let found = client(&server.url).discover();
    untouched(&elsewhere);
    let err = found.unwrap_err();
    assert!(
        matches!(&err, CalDavError::OtherServer { what, .. } if what.contains(answered)),
        "{err}"
    );
    let message = err.to_string();
    assert!(message.contains(answered), "{message}");
    assert!(message.contains(&elsewhere.url), "{message}");
    assert!(
        message.contains("Belfry refuses to send the password there"),
        "{message}"
    );
    assert!(!message.contains("ana-app-password"), "{message}");
    assert!(!server.seen().is_empty());
}

#[test]
fn a_principal_on_another_port_gets_no_password() {
    refused(
        |other| (format!("{other}/ana/"), "/ana/".into(), "/ana/work/".into()),
        "current-user-principal",
    );
}

#[test]
fn a_calendar_home_on_another_port_gets_no_password() {
    refused(
        |other| ("/ana/".into(), format!("{other}/ana/"), "/ana/work/".into()),
        "calendar-home-set",
    );
}

#[test]
fn a_calendar_listed_on_another_port_is_an_error_not_a_skip() {
    refused(
        |other| ("/ana/".into(), "/ana/".into(), format!("{other}/ana/work/")),
        "listed a calendar",
    );
}

#[test]
fn a_well_known_redirect_to_another_port_gets_no_password() {
    let elsewhere = Fake::start(honest());
    let target = format!("{}/", elsewhere.url);
    let server = Fake::start(move |r: &Seen| match r.path.as_str() {
        "/.well-known/caldav" => Answer::Full {
            status: 301,
            headers: vec![("Location", target.clone())],
            body: String::new(),
        },
        _ => answer(404, ""),
    });
    let found = client(&server.url).discover();
    untouched(&elsewhere);
    let err = found.unwrap_err();
    assert!(err.to_string().contains("another server"), "{err}");
}

#[test]
fn addresses_on_another_port_are_never_sent_the_password() {
    // What a damaged store or an earlier answer could hand the client.
    let server = Fake::start(honest());
    let elsewhere = Fake::start(honest());
    let dav = client(&server.url);
    let calendar = Url::parse(&format!("{}/ana/work/", elsewhere.url)).unwrap();
    let event = EventWrite {
        uid: "1@belfry",
        ics: "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
        sequence: 0,
        cancelled: false,
        schedule_address: None,
    };
    let results = [
        dav.write_event(&calendar, &event).map(|_| ()),
        dav.get_event(&calendar).map(|_| ()),
        dav.calendars(&calendar).map(|_| ()),
        dav.events_between(&calendar, "20270101T000000Z", "20280101T000000Z")
            .map(|_| ()),
        dav.auto_schedule(&calendar).map(|_| ()),
    ];
    untouched(&elsewhere);
    for result in results {
        let err = result.unwrap_err();
        assert!(matches!(err, CalDavError::OtherServer { .. }), "{err}");
    }
    assert!(server.seen().is_empty());
}

#[test]
fn an_honest_server_is_discovered() {
    let server = Fake::start(honest());
    let found = client(&server.url).discover().unwrap();
    assert_eq!(found.principal, format!("{}/ana/", server.url));
    assert_eq!(found.calendars.len(), 1);
    assert_eq!(found.calendars[0].href, format!("{}/ana/work/", server.url));
    assert!(server.seen().iter().all(Seen::authorized));
}

#[test]
fn plain_http_to_another_machine_is_refused_without_the_flag() {
    let err = CalDav::new(
        "http://calendar.example.com/dav/",
        "ana",
        Sensitive::new("pw".to_owned()),
        Transport::default(),
    )
    .unwrap_err();
    assert!(matches!(err, CalDavError::InsecureHttp(_)), "{err}");
    let message = err.to_string();
    assert!(
        message.contains("server URL http://calendar.example.com/dav/"),
        "{message}"
    );
    assert!(message.contains("use https://"), "{message}");
    assert!(message.contains("allow insecure http"), "{message}");
}

/// `0.0.0.0` is not a loopback address, yet connecting to it reaches this machine on Linux
/// and macOS: a host the policy treats as another machine, that a test can still serve.
#[test]
#[cfg(any(target_os = "linux", target_os = "macos"))]
fn plain_http_to_another_machine_is_used_only_with_the_flag() {
    let server = Fake::start(honest());
    let address = format!("http://0.0.0.0:{}", server.port());
    let connect = |transport| {
        CalDav::new(
            &address,
            "ana",
            Sensitive::new("ana-app-password".to_owned()),
            transport,
        )
    };
    let err = connect(Transport::default()).unwrap_err();
    assert!(matches!(err, CalDavError::InsecureHttp(_)), "{err}");
    assert!(server.seen().is_empty(), "no request was made");

    let found = connect(Transport::AllowInsecureHttp)
        .unwrap()
        .discover()
        .unwrap();
    assert_eq!(found.calendars.len(), 1);
    assert!(!server.seen().is_empty());
}

#[test]
fn an_endless_answer_ends_at_the_limit() {
    let server = Fake::start(|_| Answer::Endless);
    let err = client(&server.url).discover().unwrap_err();
    assert!(
        matches!(&err, CalDavError::BadReply { reason, .. } if reason.contains("larger than 16 MiB")),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains("the server's answer is larger than 16 MiB"),
        "{err}"
    );
    // Read up to the limit and stopped: what got out is the limit and the sockets' buffers,
    // for each of the two addresses discovery tries.
    let streamed = server.streamed.load(Ordering::Relaxed);
    assert!(streamed < 96 << 20, "{streamed} bytes were streamed");
}

// Editing an event through the port, against fakes that answer as servers can.

mod support;

use belfry_caldav::{CalDavCalendar, Retry};
use belfry_core::calendar::{Calendar, Failure, Written};
use support::OldToNew;

/// An event after [`OldToNew::from`] whose description an edit changes.
const FOREIGN: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:f@elsewhere.example\r\nDTSTAMP:20270201T120000Z\r\nSEQUENCE:1\r\nDTSTART:20270401T100000Z\r\nDESCRIPTION:Join at https://OLD.example/j/1\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

fn edit_port(server: &Fake) -> CalDavCalendar {
    CalDavCalendar::new(
        client(&server.url),
        Url::parse(&format!("{}/ana/", server.url)).unwrap(),
        "ana",
        false,
        Retry {
            attempts: 2,
            base: Duration::from_millis(1),
            cap: Duration::from_millis(5),
        },
    )
}

fn with_etag(etag: &str, body: &str) -> Answer {
    Answer::Full {
        status: 200,
        headers: vec![("ETag", etag.to_owned())],
        body: body.to_owned(),
    }
}

fn methods(server: &Fake) -> Vec<String> {
    server.seen().into_iter().map(|r| r.method).collect()
}

fn header<'a>(r: &'a Seen, name: &str) -> Option<&'a str> {
    r.headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

#[test]
fn an_edit_writes_only_over_what_it_read() {
    let server = Fake::start(|r: &Seen| match r.method.as_str() {
        "GET" => with_etag("\"v1\"", FOREIGN),
        "PUT" => answer(204, ""),
        _ => answer(405, ""),
    });
    let calendar = format!("{}/ana/work/", server.url);
    let href = format!("{calendar}f.ics");
    let confirmed = edit_port(&server)
        .edit(&calendar, &href, &OldToNew)
        .unwrap();
    assert_eq!(confirmed.remote_ref, href);
    assert_eq!(confirmed.written, Written::Updated);
    let seen = server.seen();
    assert_eq!(methods(&server), ["GET", "PUT"]);
    let put = &seen[1];
    assert_eq!(put.path, "/ana/work/f.ics");
    assert_eq!(header(put, "If-Match"), Some("\"v1\""));
    assert_eq!(header(put, "If-None-Match"), None);
    assert!(
        put.body
            .contains("DESCRIPTION:Join at https://NEW.example/j/1\r\n"),
        "{}",
        put.body
    );
    assert!(put.body.contains("SEQUENCE:2\r\n"), "{}", put.body);
    assert!(put.authorized());
}

#[test]
fn an_edit_that_changes_nothing_writes_nothing() {
    let done = FOREIGN.replace("OLD", "NEW");
    let server = Fake::start(move |r: &Seen| match r.method.as_str() {
        "GET" => with_etag("\"v2\"", &done),
        _ => answer(204, ""),
    });
    let calendar = format!("{}/ana/work/", server.url);
    let confirmed = edit_port(&server)
        .edit(&calendar, &format!("{calendar}f.ics"), &OldToNew)
        .unwrap();
    assert_eq!(confirmed.written, Written::AlreadyThere);
    assert_eq!(methods(&server), ["GET"]);
}

#[test]
fn an_edit_without_a_strong_etag_is_refused_not_written_blindly() {
    for etag in [None, Some("W/\"v1\"")] {
        let server = Fake::start(move |r: &Seen| match (r.method.as_str(), etag) {
            ("GET", Some(tag)) => with_etag(tag, FOREIGN),
            ("GET", None) => answer(200, FOREIGN),
            _ => answer(204, ""),
        });
        let calendar = format!("{}/ana/work/", server.url);
        let err = edit_port(&server)
            .edit(&calendar, &format!("{calendar}f.ics"), &OldToNew)
            .unwrap_err();
        assert_eq!(err.failure, Failure::Permanent, "{etag:?}");
        assert!(err.message.contains("gave no ETag"), "{}", err.message);
        assert!(err.message.contains("changed nothing"), "{}", err.message);
        assert_eq!(methods(&server), ["GET"], "{etag:?}");
    }
}

#[test]
fn an_edit_of_a_deleted_event_says_so() {
    let server = Fake::start(|_: &Seen| answer(404, ""));
    let calendar = format!("{}/ana/work/", server.url);
    let err = edit_port(&server)
        .edit(&calendar, &format!("{calendar}f.ics"), &OldToNew)
        .unwrap_err();
    assert_eq!(err.failure, Failure::Permanent);
    assert_eq!(err.message, "the event was deleted from the calendar");
    assert_eq!(methods(&server), ["GET"]);
}

#[test]
fn only_events_in_the_calendar_on_the_account_server_are_edited() {
    let server = Fake::start(|_: &Seen| with_etag("\"v1\"", FOREIGN));
    let elsewhere = Fake::start(|_: &Seen| with_etag("\"v1\"", FOREIGN));
    let calendar = format!("{}/ana/work/", server.url);
    let port = edit_port(&server);
    for href in [
        format!("{}/ana/other/f.ics", server.url),
        format!("{}/ana/work-2/f.ics", server.url),
        format!("{}/ana/work/sub/f.ics", server.url),
        format!("{}/ana/work/../other/f.ics", server.url),
        format!("{}/ana/work/f.ics?x=1", server.url),
        calendar.clone(),
    ] {
        let err = port.edit(&calendar, &href, &OldToNew).unwrap_err();
        assert_eq!(err.failure, Failure::Permanent, "{href}");
        assert!(
            err.message.contains("is not in the calendar"),
            "{href}: {}",
            err.message
        );
    }
    let err = port
        .edit(
            &calendar,
            &format!("{}/ana/work/f.ics", elsewhere.url),
            &OldToNew,
        )
        .unwrap_err();
    assert!(
        err.message
            .contains("Belfry refuses to send the password there"),
        "{}",
        err.message
    );
    let err = port
        .edit(&calendar, "not an address", &OldToNew)
        .unwrap_err();
    assert_eq!(err.failure, Failure::Permanent);
    untouched(&elsewhere);
    assert!(server.seen().is_empty(), "{:?}", server.seen());
}

#[test]
fn a_busy_server_is_asked_again() {
    let gets = Arc::new(AtomicUsize::new(0));
    let server = Fake::start(move |r: &Seen| match r.method.as_str() {
        "GET" if gets.fetch_add(1, Ordering::SeqCst) == 0 => answer(503, ""),
        "GET" => with_etag("\"v1\"", FOREIGN),
        _ => answer(204, ""),
    });
    let calendar = format!("{}/ana/work/", server.url);
    let confirmed = edit_port(&server)
        .edit(&calendar, &format!("{calendar}f.ics"), &OldToNew)
        .unwrap();
    assert_eq!(confirmed.written, Written::Updated);
    assert_eq!(methods(&server), ["GET", "GET", "PUT"]);
}

#[test]
fn a_refusal_over_an_unchanged_etag_is_not_taken_for_a_race() {
    let server = Fake::start(|r: &Seen| match r.method.as_str() {
        "GET" => with_etag("\"v1\"", FOREIGN),
        _ => answer(412, ""),
    });
    let calendar = format!("{}/ana/work/", server.url);
    let err = edit_port(&server)
        .edit(&calendar, &format!("{calendar}f.ics"), &OldToNew)
        .unwrap_err();
    assert_eq!(err.failure, Failure::Permanent, "{}", err.message);
    assert!(err.message.contains("HTTP 412"), "{}", err.message);
    assert_eq!(methods(&server), ["GET", "PUT", "GET"]);
}

#[test]
fn an_event_that_keeps_changing_is_left_for_a_later_try() {
    let gets = Arc::new(AtomicUsize::new(0));
    let server = Fake::start(move |r: &Seen| match r.method.as_str() {
        "GET" => {
            let n = gets.fetch_add(1, Ordering::SeqCst);
            with_etag(&format!("\"v{n}\""), FOREIGN)
        }
        _ => answer(412, ""),
    });
    let calendar = format!("{}/ana/work/", server.url);
    let err = edit_port(&server)
        .edit(&calendar, &format!("{calendar}f.ics"), &OldToNew)
        .unwrap_err();
    assert!(
        matches!(err.failure, Failure::Transient { .. }),
        "{:?}: {}",
        err.failure,
        err.message
    );
    assert!(err.message.contains("kept changing"), "{}", err.message);
    let seen = server.seen();
    let puts: Vec<&Seen> = seen.iter().filter(|r| r.method == "PUT").collect();
    // A bounded number of races in each of the two attempts, each PUT over what it read.
    assert_eq!(puts.len(), 8, "{:?}", methods(&server));
    for (n, put) in puts.iter().enumerate() {
        assert_eq!(header(put, "If-Match"), Some(format!("\"v{n}\"").as_str()));
    }
}

// The next occurrence of each listed event: a series' from a second query the server
// expands (RFC 4791 `expand`), which is only ever a help.

/// A weekly series from 2027-03-01 (so its first occurrences lie before 2027-03-10).
const SERIES: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:s@elsewhere.example\r\nDTSTART:20270301T090000Z\r\nRRULE:FREQ=WEEKLY\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:s@elsewhere.example\r\nRECURRENCE-ID:20270322T090000Z\r\nDTSTART:20270322T130000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

/// The series as a server expands it between 2027-03-10 and 2027-04-09.
const EXPANDED: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:s@elsewhere.example\r\nRECURRENCE-ID:20270315T090000Z\r\nDTSTART:20270315T090000Z\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:s@elsewhere.example\r\nRECURRENCE-ID:20270322T090000Z\r\nDTSTART:20270322T130000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

/// A multistatus of calendar objects, by href.
fn objects(objects: &[(&str, &str)]) -> String {
    let responses: String = objects
        .iter()
        .map(|(href, data)| {
            format!(
                r#"<d:response><d:href>{href}</d:href><d:propstat><d:prop><c:calendar-data>{data}</c:calendar-data></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>"#
            )
        })
        .collect();
    format!(
        r#"<?xml version="1.0"?><d:multistatus xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">{responses}</d:multistatus>"#
    )
}

/// A calendar holding [`SERIES`] and [`FOREIGN`] (a single event on 2027-04-01), whose
/// `expand` queries `expanded` answers.
fn expanding(expanded: impl Fn() -> Answer + Send + 'static) -> Fake {
    Fake::start(move |r: &Seen| match r.method.as_str() {
        "REPORT" if r.body.contains("expand") => expanded(),
        "REPORT" => answer(
            207,
            objects(&[("/ana/work/s.ics", SERIES), ("/ana/work/f.ics", FOREIGN)]),
        ),
        _ => answer(405, ""),
    })
}

fn next_starts(
    server: &Fake,
) -> Result<Vec<(String, Option<String>)>, belfry_core::calendar::PortError> {
    let from = chrono::DateTime::parse_from_rfc3339("2027-03-10T00:00:00Z")
        .unwrap()
        .to_utc();
    let calendar = format!("{}/ana/work/", server.url);
    Ok(edit_port(server)
        .events_between(&calendar, from, from + chrono::TimeDelta::days(30))?
        .into_iter()
        .map(|e| (e.uid, e.next_start))
        .collect())
}

#[test]
fn a_series_next_start_is_asked_of_the_server_with_the_listings_range() {
    let server = expanding(|| answer(207, objects(&[("/ana/work/s.ics", EXPANDED)])));
    assert_eq!(
        next_starts(&server).unwrap(),
        [
            (
                "s@elsewhere.example".to_owned(),
                Some("20270315T090000Z".to_owned())
            ),
            (
                "f@elsewhere.example".to_owned(),
                Some("20270401T100000Z".to_owned())
            ),
        ]
    );
    let seen = server.seen();
    assert_eq!(methods(&server), ["REPORT", "REPORT"]);
    let expand = &seen[1];
    assert!(
        expand.body.contains(
            r#"<c:calendar-data><c:expand start="20270310T000000Z" end="20270409T000000Z"/></c:calendar-data>"#
        ),
        "{}",
        expand.body
    );
    assert!(
        expand
            .body
            .contains(r#"<c:time-range start="20270310T000000Z" end="20270409T000000Z"/>"#),
        "{}",
        expand.body
    );
    assert_eq!(header(expand, "Depth"), Some("1"));
    assert!(expand.authorized());
}

#[test]
fn without_a_series_nothing_is_expanded() {
    let server = Fake::start(|r: &Seen| match r.method.as_str() {
        "REPORT" => answer(207, objects(&[("/ana/work/f.ics", FOREIGN)])),
        _ => answer(405, ""),
    });
    assert_eq!(
        next_starts(&server).unwrap(),
        [(
            "f@elsewhere.example".to_owned(),
            Some("20270401T100000Z".to_owned())
        )]
    );
    assert_eq!(methods(&server), ["REPORT"]);
}

#[test]
fn a_server_that_will_not_expand_leaves_the_series_without_a_next_start() {
    /// What a server answers an `expand` query.
    type Expansion = fn() -> Answer;
    let answers: Vec<(&str, Expansion)> = vec![
        ("refused", || answer(403, "<d:error/>")),
        ("not implemented", || answer(501, "")),
        ("failed", || answer(500, "")),
        ("not a multistatus", || answer(207, "<html>no</html>")),
        // What a server that ignores `expand` answers: the series as it is stored, whose
        // override after `from` is not its next occurrence.
        ("not expanded", || {
            answer(207, objects(&[("/ana/work/s.ics", SERIES)]))
        }),
        ("without the series", || answer(207, objects(&[]))),
        ("endless", || Answer::Endless),
    ];
    for (what, expanded) in answers {
        let server = expanding(expanded);
        assert_eq!(
            next_starts(&server).unwrap_or_else(|e| panic!("{what}: {e}")),
            [
                ("s@elsewhere.example".to_owned(), None),
                (
                    "f@elsewhere.example".to_owned(),
                    Some("20270401T100000Z".to_owned())
                ),
            ],
            "{what}"
        );
        assert_eq!(methods(&server), ["REPORT", "REPORT"], "{what}");
    }
}

#[test]
fn an_expansion_naming_an_event_on_another_server_is_refused_as_the_listing_is() {
    let elsewhere = Fake::start(honest());
    let href = format!("{}/ana/work/s.ics", elsewhere.url);
    let server = expanding(move || answer(207, objects(&[(&href, EXPANDED)])));
    let err = next_starts(&server).unwrap_err();
    assert_eq!(err.failure, Failure::Permanent);
    assert!(
        err.message.contains("the server listed an event at"),
        "{}",
        err.message
    );
    assert!(err.message.contains(&elsewhere.url), "{}", err.message);
    untouched(&elsewhere);
}
