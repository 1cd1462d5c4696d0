//! The SMTP test server (Exim) against an independent client, lettre, as the product uses it:
//! STARTTLS and implicit TLS with the server's certificate as the only root, AUTH PLAIN and
//! LOGIN, what it stores, and its faults.

#![allow(
    clippy::disallowed_methods,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::time::Duration;

use belfry_testkit::smtp::{Smtp, calendar_parts, mime_tree, smtp};
use lettre::Transport;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Message, MultiPart, SinglePart};
use lettre::transport::smtp::SmtpTransport;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{Certificate, CertificateStore, Tls, TlsParameters};

const ICS: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Belfry//self-test//EN\r\n\
    METHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:smtp-self-test@belfry.invalid\r\n\
    DTSTAMP:20261202T120000Z\r\nDTSTART:20261203T090000Z\r\nDTEND:20261203T100000Z\r\n\
    SUMMARY:Planung \u{2013} Q1\r\nORGANIZER:mailto:ana@example.com\r\n\
    ATTENDEE;RSVP=TRUE:mailto:bob@example.org\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

fn transport(
    server: &Smtp,
    implicit_tls: bool,
    password: &str,
    mechanism: Mechanism,
) -> SmtpTransport {
    let pem = std::fs::read(&server.ca_pem).unwrap();
    let tls = TlsParameters::builder(server.host.clone())
        .certificate_store(CertificateStore::None)
        .add_root_certificate(Certificate::from_pem(&pem).unwrap())
        .build()
        .unwrap();
    let (port, tls) = if implicit_tls {
        (server.tls_port, Tls::Wrapper(tls))
    } else {
        (server.starttls_port, Tls::Required(tls))
    };
    SmtpTransport::builder_dangerous(server.host.clone())
        .port(port)
        .tls(tls)
        .credentials(Credentials::new(Smtp::USER.to_owned(), password.to_owned()))
        .authentication(vec![mechanism])
        .timeout(Some(Duration::from_secs(15)))
        .build()
}

fn invitation(subject: &str) -> Message {
    let calendar = SinglePart::builder()
        .header(ContentType::parse("text/calendar; charset=utf-8; method=REQUEST").unwrap())
        .body(ICS.to_owned());
    Message::builder()
        .from("Ana <ana@example.com>".parse().unwrap())
        .to("Bob <bob@example.org>".parse().unwrap())
        .cc("carol@other.test".parse().unwrap())
        .bcc("dave@example.net".parse().unwrap())
        .subject(subject)
        .multipart(
            MultiPart::mixed()
                .multipart(
                    MultiPart::alternative()
                        .singlepart(SinglePart::plain("You are invited.".to_owned()))
                        .singlepart(SinglePart::html("<p>You are invited.</p>".to_owned()))
                        .singlepart(calendar),
                )
                .singlepart(Attachment::new("invite.ics".to_owned()).body(
                    ICS.to_owned(),
                    ContentType::parse("application/ics").unwrap(),
                )),
        )
        .unwrap()
}

fn check_stored(server: &Smtp, subject: &str, index: usize) {
    let got = server.wait_for(index + 1);
    let d = &got[index];
    assert_eq!(
        d.envelope_to,
        ["bob@example.org", "carol@other.test", "dave@example.net"]
    );
    assert_eq!(d.mail_from, "ana@example.com");
    let m = &d.message;
    assert!(m.starts_with("Return-path: <ana@example.com>\r\n"), "{m}");
    assert!(m.contains("\r\nReceived: from "), "{m}");
    assert!(m.contains(&format!("\r\nSubject: {subject}\r\n")), "{m}");
    assert!(!m.contains("Bcc:"), "{m}");
    assert_eq!(
        mime_tree(m),
        [
            "multipart/mixed",
            "multipart/alternative",
            "text/plain",
            "text/html",
            "text/calendar",
            "application/ics"
        ]
    );
    let parts = calendar_parts(m);
    assert_eq!(parts.len(), 2, "{parts:#?}");
    assert_eq!(parts[0].0, "text/calendar; charset=utf-8; method=REQUEST");
    assert!(parts[1].0.starts_with("application/ics"), "{}", parts[1].0);
    for (_, body) in &parts {
        assert_eq!(body, ICS);
    }
}

#[test]
#[ignore = "needs exim4: run scripts/test"]
fn starttls_with_plain_stores_the_message() {
    let server = smtp();
    transport(&server, false, Smtp::PASSWORD, Mechanism::Plain)
        .send(&invitation("Over STARTTLS"))
        .unwrap();
    check_stored(&server, "Over STARTTLS", 0);
}

#[test]
#[ignore = "needs exim4: run scripts/test"]
fn implicit_tls_with_login_stores_messages_in_order() {
    let server = smtp();
    let mailer = transport(&server, true, Smtp::PASSWORD, Mechanism::Login);
    for n in 0..3 {
        mailer
            .send(&invitation(&format!("Implicit TLS {n}")))
            .unwrap();
    }
    for n in 0..3 {
        check_stored(&server, &format!("Implicit TLS {n}"), n);
    }
    assert_eq!(server.delivered().len(), 3);
}

#[test]
#[ignore = "needs exim4: run scripts/test"]
fn a_wrong_password_is_refused() {
    let server = smtp();
    for (implicit, mechanism) in [(false, Mechanism::Plain), (true, Mechanism::Login)] {
        let err = transport(&server, implicit, "not-the-password", mechanism)
            .send(&invitation("Wrong password"))
            .unwrap_err();
        assert!(err.is_permanent(), "{err:?}");
        assert_eq!(err.status().map(u16::from), Some(535), "{err:?}");
    }
    assert!(server.log().contains("535 Incorrect authentication data"));
    assert!(server.delivered().is_empty());
}

/// Reads one (possibly multi-line) SMTP reply.
fn reply(reader: &mut impl BufRead) -> String {
    let mut all = String::new();
    loop {
        let mut line = String::new();
        assert!(
            reader.read_line(&mut line).unwrap() > 0,
            "closed after {all:?}"
        );
        all.push_str(&line);
        if line.as_bytes().get(3) != Some(&b'-') {
            return all;
        }
    }
}

#[test]
#[ignore = "needs exim4: run scripts/test"]
fn no_auth_and_no_mail_before_tls() {
    let server = smtp();
    let stream = TcpStream::connect((server.host.as_str(), server.starttls_port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut w = stream.try_clone().unwrap();
    let mut r = BufReader::new(stream);
    assert!(reply(&mut r).starts_with("220 "));
    w.write_all(b"EHLO client.test\r\n").unwrap();
    let ehlo = reply(&mut r);
    assert!(ehlo.contains("STARTTLS"), "{ehlo}");
    assert!(!ehlo.contains("AUTH"), "{ehlo}");
    // AUTH PLAIN with the right credentials, in the clear.
    w.write_all(b"AUTH PLAIN AGFuYUBleGFtcGxlLmNvbQBhbmEtc210cC1hcHAtcGFzc3dvcmQ=\r\n")
        .unwrap();
    assert!(reply(&mut r).starts_with("503 "));
    w.write_all(b"MAIL FROM:<ana@example.com>\r\n").unwrap();
    assert!(reply(&mut r).starts_with("530 "));
    w.write_all(b"QUIT\r\n").unwrap();
    // lettre refuses by itself to send credentials without TLS when none is offered.
    let plain = SmtpTransport::builder_dangerous(server.host.clone())
        .port(server.starttls_port)
        .tls(Tls::None)
        .credentials(Credentials::new(Smtp::USER.into(), Smtp::PASSWORD.into()))
        .build();
    assert!(plain.send(&invitation("In the clear")).is_err());
    assert!(server.delivered().is_empty());
}

#[test]
#[ignore = "needs exim4: run scripts/test"]
fn fail_next_data_gives_one_transient_then_a_permanent_failure() {
    let server = smtp();
    let mailer = transport(&server, false, Smtp::PASSWORD, Mechanism::Plain);
    server.fail_next_data(451);
    server.fail_next_data(554);
    let err = mailer.send(&invitation("Deferred")).unwrap_err();
    assert!(err.is_transient(), "{err:?}");
    assert_eq!(err.status().map(u16::from), Some(451));
    let err = mailer.send(&invitation("Rejected")).unwrap_err();
    assert!(err.is_permanent(), "{err:?}");
    assert_eq!(err.status().map(u16::from), Some(554));
    mailer.send(&invitation("Accepted")).unwrap();
    check_stored(&server, "Accepted", 0);
    assert_eq!(server.delivered().len(), 1);
}

#[test]
#[ignore = "needs exim4: run scripts/test"]
fn a_dropped_connection_after_data_loses_or_keeps_the_message() {
    let server = smtp();
    for implicit in [false, true] {
        let mailer = transport(&server, implicit, Smtp::PASSWORD, Mechanism::Plain);
        server.drop_next_data(false);
        let err = mailer.send(&invitation("Lost")).unwrap_err();
        assert!(!err.is_transient() && !err.is_permanent(), "{err:?}");
        server.drop_next_data(true);
        let err = mailer.send(&invitation("Kept")).unwrap_err();
        assert!(!err.is_transient() && !err.is_permanent(), "{err:?}");
    }
    let got = server.wait_for(2);
    std::thread::sleep(Duration::from_millis(500));
    let got_later = server.delivered();
    assert_eq!(got, got_later);
    for d in &got {
        assert!(d.message.contains("\r\nSubject: Kept\r\n"), "{}", d.message);
    }
    // The server goes on as usual.
    transport(&server, true, Smtp::PASSWORD, Mechanism::Plain)
        .send(&invitation("After"))
        .unwrap();
    check_stored(&server, "After", 2);
}

#[test]
#[ignore = "needs exim4: run scripts/test"]
fn dropping_the_server_stops_it() {
    let server = smtp();
    let ports = [server.starttls_port, server.tls_port];
    drop(server);
    for port in ports {
        assert!(TcpStream::connect(("127.0.0.1", port)).is_err());
    }
}
