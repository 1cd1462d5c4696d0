//! Answers no real service sends: bodies without end, error messages of any length. Served by
//! a loopback fake of a few lines, with a session whose access token is already cached (no
//! sign-in server needed).

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use belfry_cloud::{CloudError, GoogleCalendar, GraphCalendar, list_calendars};
use belfry_core::calendar::Calendar;
use belfry_oauth::{AccessToken, Config, ProviderKind, TokenSession};
use belfry_secrets::{Keyring, SecretStore, Sensitive};

use crate::fast_retry;

/// What the fake answers every request with.
#[derive(Clone, Copy)]
enum Reply {
    /// A 200 whose chunked body never ends.
    Endless,
    /// A 404 whose JSON error message is this many characters long.
    LongError(usize),
}

/// What an endless answer feeds at most before it holds the connection open, unended: a
/// client that reads without a limit fails by its timeout, not by exhausting memory.
const ENDLESS_CEILING: usize = 256 << 20;

/// A server on 127.0.0.1 answering every request with `reply`; its base URL.
fn serve(reply: Reply) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            skip_request(&stream);
            answer(stream, reply);
        }
    });
    url
}

fn skip_request(stream: &TcpStream) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    while reader.read_line(&mut line).unwrap_or(0) > 2 {
        line.clear();
    }
}

fn answer(mut stream: TcpStream, reply: Reply) {
    match reply {
        Reply::Endless => {
            let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n4000\r\n[";
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&[b' '; 0x3fff]);
            let chunk = [b"\r\n4000\r\n".as_slice(), &[b' '; 0x4000]].concat();
            let mut sent = 0;
            while sent < ENDLESS_CEILING {
                if stream.write_all(&chunk).is_err() {
                    return;
                }
                sent += 0x4000;
            }
            std::thread::sleep(Duration::from_secs(40));
        }
        Reply::LongError(length) => {
            let body = serde_json::json!({
                "error": { "code": "ErrorItemNotFound", "message": "x".repeat(length) }
            })
            .to_string();
            let head = format!(
                "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(format!("{head}{body}").as_bytes());
        }
    }
}

/// A session of `kind` holding a fresh access token.
fn session(kind: ProviderKind) -> Arc<TokenSession> {
    let cfg = Config::default().provider(kind).clone();
    let secrets: Arc<dyn SecretStore> = Arc::new(Keyring::mock());
    let hour = Duration::from_secs(3600);
    let access = AccessToken {
        token: Sensitive::new("access-token".to_owned()),
        expires_at: Instant::now() + hour,
        lifetime: hour,
    };
    Arc::new(TokenSession::new(cfg, secrets, "refresh".into()).with_access(access))
}

fn too_large(message: &str) -> bool {
    message.contains("the server's answer is larger than 16 MiB")
}

#[test]
fn an_endless_calendar_list_ends_at_the_limit() {
    let base = serve(Reply::Endless);
    for kind in [ProviderKind::Google, ProviderKind::Microsoft] {
        let err = list_calendars(kind, &base, &session(kind)).unwrap_err();
        assert!(
            matches!(&err, CloudError::BadReply(m) if too_large(m)),
            "{err}"
        );
    }
}

#[test]
fn an_endless_event_answer_ends_at_the_limit() {
    let base = serve(Reply::Endless);
    let google = GoogleCalendar::new(session(ProviderKind::Google), &base, "acct", fast_retry());
    let err = google.read("primary", "1@belfry", None).unwrap_err();
    assert!(too_large(&err.message), "{}", err.message);
    let graph = GraphCalendar::new(
        session(ProviderKind::Microsoft),
        &base,
        "acct",
        fast_retry(),
    );
    let err = graph
        .read("me/calendars/AAMk", "1@belfry", None)
        .unwrap_err();
    assert!(too_large(&err.message), "{}", err.message);
}

#[test]
fn long_error_messages_are_quoted_as_excerpts() {
    let base = serve(Reply::LongError(100_000));
    let short = |message: &str| message.chars().count() < belfry_http::EXCERPT_CHARS + 100;
    let err =
        list_calendars(ProviderKind::Google, &base, &session(ProviderKind::Google)).unwrap_err();
    assert!(
        matches!(&err, CloudError::Http { status: 404, .. }),
        "{err}"
    );
    assert!(
        short(&err.to_string()),
        "{} characters",
        err.to_string().len()
    );
    let google = GoogleCalendar::new(session(ProviderKind::Google), &base, "acct", fast_retry());
    let err = google
        .events_between(
            "primary",
            chrono::DateTime::UNIX_EPOCH,
            chrono::DateTime::UNIX_EPOCH,
        )
        .unwrap_err();
    assert!(short(&err.message), "{} characters", err.message.len());
    let graph = GraphCalendar::new(
        session(ProviderKind::Microsoft),
        &base,
        "acct",
        fast_retry(),
    );
    let err = graph
        .read("me/calendars/AAMk", "1@belfry", None)
        .unwrap_err();
    assert!(short(&err.message), "{} characters", err.message.len());
    assert!(err.message.contains("ErrorItemNotFound"), "{}", err.message);
}
