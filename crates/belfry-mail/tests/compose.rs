//! The composed invitation, read back with an independent MIME parser (`mail-parser`).

#![allow(
    clippy::disallowed_methods,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use belfry_mail::{InvitationMail, ItipMethod, compose, message_id};
use chrono::TimeZone;
use mail_parser::{MessageParser, MimeHeaders, PartType};

const ICS: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:abc@belfry\r\nSEQUENCE:1\r\nSUMMARY:Physik für Anfänger\r\nDESCRIPTION:a line long enough to be folded by the writer of the calendar\r\n  and its continuation\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

fn mail(method: ItipMethod) -> Vec<u8> {
    let id = message_id("abc@belfry", 1, "Pat@Elsewhere.example", "ana@example.com");
    compose(&InvitationMail {
        from: "ana@example.com",
        from_name: "Ana Lima",
        to: "pat@elsewhere.example",
        subject: "Updated invitation: Physik für Anfänger",
        text: "Join: https://meet.example/123\nPasscode 4455",
        html: "<p>Join: <a href=\"https://meet.example/123\">meet</a></p>",
        ics: ICS,
        method,
        message_id: &id,
        date: chrono::Utc.with_ymd_and_hms(2027, 2, 1, 12, 0, 0).unwrap(),
    })
    .unwrap()
}

#[test]
fn an_invitation_is_text_html_and_calendar_beside_an_attachment() {
    let raw = mail(ItipMethod::Request);
    assert!(
        raw.windows(2).all(|w| w[1] != b'\n' || w[0] == b'\r'),
        "bare LF"
    );
    let parsed = MessageParser::default().parse(&raw).unwrap();
    assert_eq!(
        parsed.subject(),
        Some("Updated invitation: Physik für Anfänger")
    );
    assert_eq!(
        parsed.from().unwrap().first().unwrap().address(),
        Some("ana@example.com")
    );
    assert_eq!(
        parsed.from().unwrap().first().unwrap().name(),
        Some("Ana Lima")
    );
    assert_eq!(
        parsed.to().unwrap().first().unwrap().address(),
        Some("pat@elsewhere.example")
    );
    assert_eq!(
        parsed.message_id(),
        Some(
            message_id("abc@belfry", 1, "pat@elsewhere.example", "ana@example.com")
                .trim_matches(['<', '>'])
        )
    );
    let types: Vec<String> = parsed
        .parts
        .iter()
        .map(|p| {
            let ct = p.content_type().unwrap();
            format!("{}/{}", ct.ctype(), ct.subtype().unwrap_or(""))
        })
        .collect();
    assert_eq!(
        types,
        [
            "multipart/mixed",
            "multipart/alternative",
            "text/plain",
            "text/html",
            "text/calendar",
            "application/ics"
        ]
    );
    let calendar = &parsed.parts[4];
    let ct = calendar.content_type().unwrap();
    assert_eq!(ct.attribute("method"), Some("REQUEST"));
    assert_eq!(
        ct.attribute("charset")
            .map(str::to_ascii_lowercase)
            .as_deref(),
        Some("utf-8")
    );
    let body = match &calendar.body {
        PartType::Text(t) => t.to_string(),
        PartType::Binary(b) => String::from_utf8(b.to_vec()).unwrap(),
        other => panic!("{other:?}"),
    };
    // Byte for byte, CRLFs and folding as the calendar writer made them.
    assert_eq!(body, ICS);
    let attachment = &parsed.parts[5];
    assert_eq!(attachment.attachment_name(), Some("invite.ics"));
    assert_eq!(attachment.contents(), ICS.as_bytes());
    assert!(parsed.body_text(0).unwrap().contains("Passcode 4455"));
    assert!(
        parsed
            .body_html(0)
            .unwrap()
            .contains("https://meet.example/123")
    );
}

#[test]
fn a_cancellation_says_cancel_in_the_part_header() {
    let raw = mail(ItipMethod::Cancel);
    let parsed = MessageParser::default().parse(&raw).unwrap();
    assert_eq!(
        parsed.parts[4].content_type().unwrap().attribute("method"),
        Some("CANCEL")
    );
}

#[test]
fn message_ids_are_stable_per_attendee_and_version() {
    let a = message_id("abc@belfry", 1, "pat@elsewhere.example", "ana@example.com");
    assert_eq!(
        a,
        message_id("abc@belfry", 1, " PAT@elsewhere.example", "ana@example.com")
    );
    assert_ne!(
        a,
        message_id("abc@belfry", 2, "pat@elsewhere.example", "ana@example.com")
    );
    assert_ne!(
        a,
        message_id("abc@belfry", 1, "lee@elsewhere.example", "ana@example.com")
    );
    assert!(
        a.starts_with("<abcbelfry.1.") && a.ends_with("@example.com>"),
        "{a}"
    );
    // A hostile sender domain does not reach the header.
    assert!(message_id("x", 0, "p@q", "ana@exa>mple").ends_with("@belfry.invalid>"));
}

#[test]
fn a_password_never_crosses_the_network_in_clear() {
    let server = belfry_mail::MailServer {
        host: "mail.example.com".into(),
        port: 25,
        security: belfry_mail::Security::None,
        user: "ana".into(),
        ca_pem: None,
        timeout: belfry_mail::TIMEOUT,
    };
    let err = server.validate().unwrap_err();
    assert!(err.message.contains("clear text"), "{err}");
    let local = belfry_mail::MailServer {
        host: "127.0.0.1".into(),
        ..server
    };
    local.validate().unwrap();
}
