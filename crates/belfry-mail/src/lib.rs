//! Belfry's outgoing mail: meeting invitations by email (iMIP, RFC 6047) for calendars whose
//! server tells nobody.
//!
//! [`compose`] builds one message per attendee the way Thunderbird sends them: a
//! `multipart/mixed` holding a `multipart/alternative` (the invitation's text, its HTML, and
//! the `text/calendar; method=...` part) and the same calendar as an `invite.ics` attachment.
//!
//! [`MailServer::connect`] opens an authenticated SMTP submission session (STARTTLS or
//! implicit TLS; plain text only to this machine), and [`Session::send`] sends one message
//! in one transaction, calling back at the one moment after which the message may have been
//! accepted: the caller records that before the content leaves, so a crash at any point
//! leaves either a message the server never took or one the caller knows may be out.

#![warn(missing_docs)]
// Unit tests may read the clock, the environment and files; the code under test may not.
#![cfg_attr(test, allow(clippy::disallowed_methods))]

use std::net::{Ipv4Addr, ToSocketAddrs};
use std::time::{Duration, SystemTime};

pub use belfry_core::email::MailSecurity as Security;
use belfry_secrets::Sensitive;
use chrono::{DateTime, Utc};
use lettre::address::{Address, Envelope};
use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Attachment, Mailbox, Message, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{Certificate, SmtpConnection, TlsParameters};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt};
use lettre::transport::smtp::extension::ClientId;

/// What went wrong, and whether the message may have gone out anyway.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// Not sent; a later try may work (4xx, the network, a timeout before the content).
    Transient,
    /// Not sent, and trying again will not help (5xx, a refused address).
    Permanent,
    /// The user name or password was refused, or the server wants authentication.
    Unauthorized,
    /// The content left but no answer came back: the server may have accepted it.
    InDoubt,
}

/// An error of composing or sending; its message names no secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct MailError {
    /// What kind of failure, and whether the message may be out.
    pub failure: Failure,
    /// What went wrong, in words for the user.
    pub message: String,
}

impl MailError {
    fn new(failure: Failure, message: impl Into<String>) -> MailError {
        MailError {
            failure,
            message: message.into(),
        }
    }
}

/// The iTIP method of an invitation (RFC 5546).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItipMethod {
    /// An invitation, new or changed (`REQUEST`).
    Request,
    /// A cancellation (`CANCEL`).
    Cancel,
}

impl ItipMethod {
    /// The method's name as iCalendar writes it: `REQUEST` or `CANCEL`.
    pub fn as_str(self) -> &'static str {
        match self {
            ItipMethod::Request => "REQUEST",
            ItipMethod::Cancel => "CANCEL",
        }
    }
}

/// One invitation email to one attendee.
#[derive(Debug, Clone)]
pub struct InvitationMail<'a> {
    /// The sender: the mail account's address, with the organizer's name.
    pub from: &'a str,
    /// The sender's display name; empty for none.
    pub from_name: &'a str,
    /// The attendee's address.
    pub to: &'a str,
    /// The subject line.
    pub subject: &'a str,
    /// The invitation as plain text.
    pub text: &'a str,
    /// The invitation as HTML.
    pub html: &'a str,
    /// The iCalendar object, with the same `METHOD` as `method`.
    pub ics: &'a str,
    /// The iTIP method, named in the calendar part's content type.
    pub method: ItipMethod,
    /// Stable for one attendee and one version: a copy sent again is recognisably the same
    /// message.
    pub message_id: &'a str,
    /// The message's `Date` header.
    pub date: DateTime<Utc>,
}

fn address(value: &str, what: &str) -> Result<Address, MailError> {
    value.trim().parse::<Address>().map_err(|_| {
        MailError::new(
            Failure::Permanent,
            format!("{what} {:?} is not an email address", value.trim()),
        )
    })
}

/// The message as it goes on the wire (CRLF line ends, long lines encoded).
pub fn compose(mail: &InvitationMail<'_>) -> Result<Vec<u8>, MailError> {
    let from = Mailbox::new(
        Some(mail.from_name.trim().to_owned()).filter(|n| !n.is_empty()),
        address(mail.from, "the sender")?,
    );
    let to = Mailbox::new(None, address(mail.to, "the attendee")?);
    let bad = |e: lettre::message::header::ContentTypeErr| {
        MailError::new(Failure::Permanent, format!("a content type: {e}"))
    };
    let calendar_type = ContentType::parse(&format!(
        "text/calendar; charset=utf-8; method={}",
        mail.method.as_str()
    ))
    .map_err(bad)?;
    let attachment_type =
        ContentType::parse("application/ics; name=\"invite.ics\"").map_err(bad)?;
    // Base64 keeps the calendar's own line folding and CRLFs exactly as written.
    let calendar = SinglePart::builder()
        .header(calendar_type)
        .header(ContentTransferEncoding::Base64)
        .body(mail.ics.to_owned());
    let body = MultiPart::mixed()
        .multipart(
            MultiPart::alternative()
                .singlepart(SinglePart::plain(mail.text.to_owned()))
                .singlepart(SinglePart::html(mail.html.to_owned()))
                .singlepart(calendar),
        )
        .singlepart(
            Attachment::new("invite.ics".to_owned()).body(mail.ics.to_owned(), attachment_type),
        );
    let message = Message::builder()
        .from(from)
        .to(to)
        .subject(mail.subject)
        .message_id(Some(mail.message_id.to_owned()))
        .date(SystemTime::from(mail.date))
        .multipart(body)
        .map_err(|e| MailError::new(Failure::Permanent, format!("the message: {e}")))?;
    Ok(message.formatted())
}

/// An outgoing mail server and the account on it. The password is handed in per session.
#[derive(Debug, Clone)]
pub struct MailServer {
    /// The server's host name or address.
    pub host: String,
    /// The server's port.
    pub port: u16,
    /// How the connection is secured: STARTTLS, implicit TLS or none (this machine only).
    pub security: Security,
    /// The user name to sign in with.
    pub user: String,
    /// Extra certificate authorities (PEM) to trust for this server: a private server's own.
    pub ca_pem: Option<Vec<u8>>,
    /// How long connecting, a command or an answer may take.
    pub timeout: Duration,
}

/// How long a connection, a command or an answer may take.
pub const TIMEOUT: Duration = Duration::from_secs(30);

/// Whether `host` is this machine (where a connection without TLS stays).
pub fn is_loopback(host: &str) -> bool {
    let host = host.trim().trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

impl MailServer {
    /// Checks what can be checked without a connection.
    pub fn validate(&self) -> Result<(), MailError> {
        let host = self.host.trim();
        if host.is_empty() || host.contains(|c: char| c.is_whitespace() || c == '/') {
            return Err(MailError::new(
                Failure::Permanent,
                format!("the mail server {host:?} is not a host name"),
            ));
        }
        if self.port == 0 {
            return Err(MailError::new(
                Failure::Permanent,
                "the mail server's port must be 1 to 65535",
            ));
        }
        if self.security == Security::None && !is_loopback(host) {
            return Err(MailError::new(
                Failure::Permanent,
                format!(
                    "the password would cross the network in clear text to {host}: use STARTTLS or TLS (only a server on this machine may go without)"
                ),
            ));
        }
        Ok(())
    }

    fn tls(&self) -> Result<TlsParameters, MailError> {
        let tls = |e: lettre::transport::smtp::Error| {
            MailError::new(Failure::Permanent, format!("TLS setup: {e}"))
        };
        let mut builder = TlsParameters::builder(self.host.trim().to_owned());
        if let Some(pem) = &self.ca_pem {
            builder = builder.add_root_certificate(Certificate::from_pem(pem).map_err(tls)?);
        }
        builder.build_rustls().map_err(tls)
    }

    /// Connects, secures the connection and signs in.
    pub fn connect(&self, password: &Sensitive<String>) -> Result<Session, MailError> {
        self.validate()?;
        let host = self.host.trim();
        let addr = (host, self.port)
            .to_socket_addrs()
            .map_err(|e| {
                MailError::new(
                    Failure::Transient,
                    format!("the mail server {host} was not found: {e}"),
                )
            })?
            .collect::<Vec<_>>();
        // Like Thunderbird: the greeting names no host, so this machine's name stays here.
        let hello = ClientId::Ipv4(Ipv4Addr::LOCALHOST);
        let at = format!("{host}:{}", self.port);
        let tls_on_connect = match self.security {
            Security::Tls => Some(self.tls()?),
            Security::Starttls | Security::None => None,
        };
        let mut conn = SmtpConnection::connect(
            addr.as_slice(),
            Some(self.timeout),
            &hello,
            tls_on_connect.as_ref(),
            None,
        )
        .map_err(|e| before_content(e, &at))?;
        if self.security == Security::Starttls {
            if !conn.can_starttls() {
                conn.abort();
                return Err(MailError::new(
                    Failure::Permanent,
                    format!(
                        "{at} does not offer STARTTLS: choose TLS (usually port 465) or another server"
                    ),
                ));
            }
            conn.starttls(&self.tls()?, &hello)
                .map_err(|e| before_content(e, &at))?;
        }
        let credentials = Credentials::new(self.user.clone(), password.expose().clone());
        if let Err(e) = conn.auth(&[Mechanism::Plain, Mechanism::Login], &credentials) {
            conn.abort();
            let refused = e.status().map(|c| c.to_string());
            return Err(match refused.as_deref() {
                Some("535" | "534" | "530" | "538") => MailError::new(
                    Failure::Unauthorized,
                    format!(
                        "{at} refused the user name or password of {}",
                        self.user.trim()
                    ),
                ),
                _ if e.is_client() => MailError::new(
                    Failure::Permanent,
                    format!("{at} offers no way to sign in that Belfry knows (PLAIN, LOGIN)"),
                ),
                _ => before_content(e, &at),
            });
        }
        Ok(Session { conn, at })
    }
}

/// An error before any content left: the message was not sent.
fn before_content(e: lettre::transport::smtp::Error, at: &str) -> MailError {
    let failure = if e.is_permanent() {
        Failure::Permanent
    } else {
        Failure::Transient
    };
    MailError::new(failure, format!("{at}: {e}"))
}

/// A signed-in SMTP session.
pub struct Session {
    conn: SmtpConnection,
    at: String,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session").field("at", &self.at).finish()
    }
}

impl Session {
    /// Sends `message` from `from` to `to` in one SMTP transaction. `committing` runs after
    /// the server agreed to take the content (354) and before its first byte leaves: it
    /// records that the message may now be out. When it fails, the transaction is abandoned
    /// by closing the connection, and a server keeps nothing of an unfinished transaction
    /// (RFC 5321 §4.1.1.4). An error after the content left and before the answer is
    /// [`Failure::InDoubt`].
    pub fn send(
        &mut self,
        from: &str,
        to: &str,
        message: &[u8],
        committing: impl FnOnce() -> Result<(), String>,
    ) -> Result<(), MailError> {
        let envelope = Envelope::new(
            Some(address(from, "the sender")?),
            vec![address(to, "the attendee")?],
        )
        .map_err(|e| MailError::new(Failure::Permanent, format!("the envelope: {e}")))?;
        let at = self.at.clone();
        let step = |r: Result<_, lettre::transport::smtp::Error>, conn: &mut SmtpConnection| {
            r.map_err(|e| {
                conn.abort();
                before_content(e, &at)
            })
        };
        let mut options = Vec::new();
        if !message.is_ascii() {
            options.push(lettre::transport::smtp::extension::MailParameter::Body(
                lettre::transport::smtp::extension::MailBodyParameter::EightBitMime,
            ));
        }
        let r = self
            .conn
            .command(Mail::new(envelope.from().cloned(), options));
        step(r, &mut self.conn)?;
        for rcpt in envelope.to() {
            let r = self.conn.command(Rcpt::new(rcpt.clone(), vec![]));
            step(r, &mut self.conn).map_err(|e| MailError {
                message: format!("{} refused {rcpt}: {}", self.at, e.message),
                ..e
            })?;
        }
        let r = self.conn.command(Data);
        step(r, &mut self.conn)?;
        if let Err(why) = committing() {
            self.conn.abort();
            return Err(MailError::new(
                Failure::Transient,
                format!("not sent: {why}"),
            ));
        }
        match self.conn.message(message) {
            Ok(_) => Ok(()),
            // The server answered: it did not take the message.
            Err(e) if e.is_transient() || e.is_permanent() => {
                let failure = if e.is_permanent() {
                    Failure::Permanent
                } else {
                    Failure::Transient
                };
                self.conn.abort();
                Err(MailError::new(failure, format!("{}: {e}", self.at)))
            }
            Err(e) => {
                self.conn.abort();
                Err(MailError::new(
                    Failure::InDoubt,
                    format!(
                        "{} took the message but did not say whether it accepted it ({e})",
                        self.at
                    ),
                ))
            }
        }
    }

    /// Ends the session politely.
    pub fn quit(mut self) {
        let _ = self.conn.quit();
    }

    /// Whether the connection broke (a new session is needed for the next message).
    pub fn broken(&self) -> bool {
        self.conn.has_broken()
    }
}

/// The Message-ID of the invitation of version `sequence` of meeting `uid` to `attendee`:
/// the same every time that one message is composed.
pub fn message_id(uid: &str, sequence: u32, attendee: &str, sender: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in attendee.trim().to_ascii_lowercase().bytes() {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    let local: String = uid
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'))
        .take(64)
        .collect();
    let domain = sender
        .rsplit_once('@')
        .map(|(_, d)| d)
        .filter(|d| {
            !d.is_empty()
                && d.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.'))
        })
        .unwrap_or("belfry.invalid");
    format!("<{local}.{sequence}.{hash:016x}@{domain}>")
}
