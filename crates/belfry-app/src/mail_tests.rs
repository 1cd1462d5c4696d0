//! Invitations by email against a recording mail server, in plain `cargo test`: one message
//! per attendee per version, CANCELs to whoever may have been told, a kill after the server
//! took a message, an answer that never came, a server that says "later", and the calendars
//! whose own servers tell the attendees (no email from Belfry).
//!
//! The recording server keeps every message it accepted (a duplicate would show), and
//! follows SMTP's rule that a transaction cut off before its end keeps nothing.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::VecDeque;
use std::sync::Mutex;

use belfry_core::email::MailSecurity;
use belfry_mail::{Failure, MailError, MailServer};
use belfry_secrets::Sensitive;
use belfry_store::mail::MailState;
use belfry_store::{AccountConfig, AccountRecord, SmtpConfig};
use chrono::TimeZone;
use mail_parser::{MessageParser, MimeHeaders};

use super::*;
use crate::mail::{InvitationSender, Outgoing, OutgoingSession};
use crate::outbox_tests::{Memory, app_on};

/// What the server does with the next message.
#[derive(Debug, Clone, Copy)]
enum Step {
    /// Takes it and says so.
    Accept,
    /// Takes it; the process dies before it hears so.
    DieAfterAccept,
    /// Takes it; the answer never comes.
    NoAnswer,
    /// Says "451 later" to the content: not taken.
    Later,
}

#[derive(Default)]
struct Postbox {
    /// (recipient, raw message) of every message taken.
    taken: Mutex<Vec<(String, String)>>,
    script: Mutex<VecDeque<Step>>,
}

impl Postbox {
    fn then(&self, step: Step) {
        self.script.lock().unwrap().push_back(step);
    }
    fn taken(&self) -> Vec<(String, String)> {
        self.taken.lock().unwrap().clone()
    }
    /// (recipient, METHOD, SEQUENCE) of each message taken, read with `mail-parser`.
    fn itip(&self) -> Vec<(String, String, u32)> {
        self.taken()
            .into_iter()
            .map(|(to, raw)| {
                let parsed = MessageParser::default().parse(raw.as_bytes()).unwrap();
                let part = parsed
                    .parts
                    .iter()
                    .find(|p| {
                        p.content_type()
                            .is_some_and(|c| c.subtype() == Some("calendar"))
                    })
                    .unwrap();
                let method = part
                    .content_type()
                    .unwrap()
                    .attribute("method")
                    .unwrap()
                    .to_owned();
                let text = String::from_utf8(part.contents().to_vec()).unwrap();
                assert!(text.contains(&format!("METHOD:{method}\r\n")), "{text}");
                let seq = text
                    .lines()
                    .find_map(|l| l.strip_prefix("SEQUENCE:"))
                    .unwrap()
                    .trim()
                    .parse()
                    .unwrap();
                (to, method, seq)
            })
            .collect()
    }
}

struct Recording(Arc<Postbox>);

impl Outgoing for Recording {
    fn connect(
        &self,
        _server: &MailServer,
        password: &Sensitive<String>,
    ) -> Result<Box<dyn OutgoingSession>, MailError> {
        if password.expose() != "smtp-app-password" {
            return Err(MailError {
                failure: Failure::Unauthorized,
                message: "535 refused".into(),
            });
        }
        Ok(Box::new(Session(self.0.clone())))
    }
}

struct Session(Arc<Postbox>);

impl OutgoingSession for Session {
    fn send(
        &mut self,
        _from: &str,
        to: &str,
        message: &[u8],
        leaving: &mut dyn FnMut() -> Result<(), String>,
    ) -> Result<(), MailError> {
        let step = self
            .0
            .script
            .lock()
            .unwrap()
            .pop_front()
            .unwrap_or(Step::Accept);
        if let Step::Later = step {
            return Err(MailError {
                failure: Failure::Transient,
                message: "451 try later".into(),
            });
        }
        // Cut off here, the transaction keeps nothing.
        leaving().map_err(|message| MailError {
            failure: Failure::Transient,
            message,
        })?;
        let text = String::from_utf8(message.to_vec()).unwrap();
        self.0.taken.lock().unwrap().push((to.to_owned(), text));
        match step {
            Step::Accept | Step::Later => Ok(()),
            Step::DieAfterAccept => panic!("killed after the server took the message"),
            Step::NoAnswer => Err(MailError {
                failure: Failure::InDoubt,
                message: "no answer after the content".into(),
            }),
        }
    }
    fn broken(&self) -> bool {
        false
    }
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 2, 1, 12, 0, 0).unwrap()
}

/// A Belfry over `dir` with the CalDAV account "School" on `memory` (a server that tells
/// nobody unless `auto_schedule`) and, when `with_mail`, the mail account "Mail".
fn open(
    dir: &std::path::Path,
    memory: &Arc<Memory>,
    postbox: &Arc<Postbox>,
    with_mail: bool,
) -> App {
    let app = app_on(dir, memory.clone(), t0(), 11, "ana")
        .with_outgoing(Arc::new(Recording(postbox.clone())));
    app.secrets_store()
        .unwrap()
        .set(
            "account/mail-1/password",
            &Sensitive::new("smtp-app-password".to_owned()),
        )
        .unwrap();
    if with_mail && app.store().account("Mail").unwrap().is_none() {
        app.store()
            .insert_account(&AccountRecord {
                id: "mail-1".into(),
                name: "Mail".into(),
                identity: "prof@example.com".into(),
                config: AccountConfig::Smtp(SmtpConfig {
                    host: "127.0.0.1".into(),
                    port: 587,
                    security: MailSecurity::Starttls,
                    address: "prof@example.com".into(),
                    ca_file: None,
                }),
                default_calendar: None,
                created_at: t0(),
            })
            .unwrap();
    }
    app
}

fn class(title: &str, attendees: &[&str]) -> MeetingForm {
    MeetingForm {
        title: title.into(),
        start: "2027-03-01T10:00".into(),
        attendees: attendees.iter().map(|a| (*a).to_owned()).collect(),
        organizer: "prof@example.com".into(),
        ..MeetingForm::default()
    }
}

fn r(to: &str, method: &str, seq: u32) -> (String, String, u32) {
    (to.to_owned(), method.to_owned(), seq)
}

#[test]
fn each_attendee_is_emailed_once_per_version_and_told_of_the_cancellation() {
    let dir = tempfile::tempdir().unwrap();
    let (memory, postbox) = (Arc::new(Memory::default()), Arc::new(Postbox::default()));
    let app = open(dir.path(), &memory, &postbox, true);
    let school = app.store().account("School").unwrap().unwrap();
    assert_eq!(
        app.invitation_sender(&school).unwrap(),
        InvitationSender::BelfryByMail
    );
    let form = class("Physics", &["pat@example.org", "Lee@Example.org"]);
    let done = app.schedule(&form, "School", None).unwrap();
    let states: Vec<MailState> = done.mail.iter().map(|m| m.state).collect();
    assert_eq!(
        states,
        [MailState::Sent, MailState::Sent],
        "{:?}",
        done.mail
    );
    // The same form again (a rerun after a kill): the same meeting, nobody mailed twice.
    let again = app.schedule(&form, "School", None).unwrap();
    assert!(again.again);
    assert_eq!(postbox.taken().len(), 2);
    // A change without Lee: Pat gets the update, Lee a CANCEL; then the cancellation.
    let changed = MeetingForm {
        meeting_id: done.meeting_id.clone(),
        ..class("Physics (room 12)", &["pat@example.org"])
    };
    app.reschedule_uid(&done.uid, &changed).unwrap();
    app.cancel_uid(&done.uid).unwrap();
    assert_eq!(
        postbox.itip(),
        [
            r("lee@example.org", "REQUEST", 0),
            r("pat@example.org", "REQUEST", 0),
            r("lee@example.org", "CANCEL", 1),
            r("pat@example.org", "REQUEST", 1),
            // Lee had the CANCEL of version 1 already.
            r("pat@example.org", "CANCEL", 2),
        ]
    );
    // The organizer is never emailed, and one message names one attendee.
    assert!(
        postbox
            .taken()
            .iter()
            .all(|(to, _)| to != "prof@example.com")
    );
    let (_, update) = &postbox.taken()[3];
    assert!(
        update.contains("Subject: Updated invitation: Physics (room 12)"),
        "{update}"
    );
}

#[test]
fn a_kill_after_the_server_took_a_message_never_mails_it_twice() {
    let dir = tempfile::tempdir().unwrap();
    let (memory, postbox) = (Arc::new(Memory::default()), Arc::new(Postbox::default()));
    postbox.then(Step::DieAfterAccept);
    let uid = {
        let app = open(dir.path(), &memory, &postbox, true);
        let form = class("Physics", &["pat@example.org", "lee@example.org"]);
        let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            app.schedule(&form, "School", None)
        }));
        assert!(run.is_err(), "the process died");
        app.store().history("", 10).unwrap()[0].uid.clone()
    };
    // The next start: the interrupted message may be out, so it is never sent again on its
    // own; the one not yet begun is sent.
    let app = open(dir.path(), &memory, &postbox, true);
    let resumed = app.resume_mail(std::time::Duration::from_secs(60)).unwrap();
    assert_eq!(resumed.len(), 1, "{resumed:?}");
    assert_eq!(resumed[0].state, MailState::Sent);
    assert_eq!(
        postbox.itip(),
        [
            r("lee@example.org", "REQUEST", 0),
            r("pat@example.org", "REQUEST", 0)
        ]
    );
    assert!(
        app.resume_mail(std::time::Duration::from_secs(60))
            .unwrap()
            .is_empty()
    );
    let unsent = app.unsent_mail().unwrap();
    assert_eq!(unsent.len(), 1);
    assert_eq!(
        (unsent[0].attendee.as_str(), unsent[0].state),
        ("lee@example.org", MailState::Unknown)
    );
    assert!(unsent[0].message.contains("may have arrived"), "{unsent:?}");
    // The next version reaches both, once.
    let form = MeetingForm {
        meeting_id: String::new(),
        ..class("Physics (moved)", &["pat@example.org", "lee@example.org"])
    };
    app.reschedule_uid(&uid, &form).unwrap();
    assert_eq!(postbox.itip().len(), 4);
    assert_eq!(
        postbox.itip()[2..]
            .iter()
            .filter(|(_, _, s)| *s == 1)
            .count(),
        2
    );
}

#[test]
fn an_answer_that_never_came_is_sent_again_only_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let (memory, postbox) = (Arc::new(Memory::default()), Arc::new(Postbox::default()));
    postbox.then(Step::NoAnswer);
    let app = open(dir.path(), &memory, &postbox, true);
    let done = app
        .schedule(&class("Physics", &["pat@example.org"]), "School", None)
        .unwrap();
    assert_eq!(done.mail[0].state, MailState::Unknown);
    assert!(
        app.resume_mail(std::time::Duration::from_secs(60))
            .unwrap()
            .is_empty()
    );
    let again = app.resend_mail(&done.uid, 0, "PAT@example.org").unwrap();
    assert_eq!(again[0].state, MailState::Sent);
    assert_eq!(
        postbox.taken().len(),
        2,
        "sent again because the user asked"
    );
    assert!(
        app.resend_mail(&done.uid, 0, "pat@example.org").is_err(),
        "sent stays sent"
    );
}

#[test]
fn a_server_that_says_later_is_tried_again_after_the_wait() {
    let dir = tempfile::tempdir().unwrap();
    let (memory, postbox) = (Arc::new(Memory::default()), Arc::new(Postbox::default()));
    postbox.then(Step::Later);
    let app = open(dir.path(), &memory, &postbox, true);
    let done = app
        .schedule(&class("Physics", &["pat@example.org"]), "School", None)
        .unwrap();
    assert_eq!(done.mail[0].state, MailState::Pending);
    assert!(done.mail[0].message.contains("451"), "{:?}", done.mail);
    assert!(postbox.taken().is_empty());
    // Not before its time.
    assert!(
        app.resume_mail(std::time::Duration::from_secs(60))
            .unwrap()
            .is_empty()
    );
    let later = app_on(
        dir.path(),
        memory.clone(),
        t0() + chrono::TimeDelta::hours(1),
        11,
        "ana",
    )
    .with_outgoing(Arc::new(Recording(postbox.clone())));
    later
        .secrets_store()
        .unwrap()
        .set(
            "account/mail-1/password",
            &Sensitive::new("smtp-app-password".to_owned()),
        )
        .unwrap();
    assert_eq!(
        later
            .resume_mail(std::time::Duration::from_secs(60))
            .unwrap()[0]
            .state,
        MailState::Sent
    );
    assert_eq!(postbox.taken().len(), 1);
}

#[test]
fn where_a_server_tells_the_attendees_or_no_mail_account_exists_belfry_sends_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (memory, postbox) = (Arc::new(Memory::default()), Arc::new(Postbox::default()));
    let app = open(dir.path(), &memory, &postbox, false);
    let school = app.store().account("School").unwrap().unwrap();
    assert_eq!(
        app.invitation_sender(&school).unwrap(),
        InvitationSender::Nobody
    );
    let done = app
        .schedule(&class("Physics", &["pat@example.org"]), "School", None)
        .unwrap();
    assert!(done.mail.is_empty());
    // A scheduling server (RFC 6638) emails them itself.
    let app = open(dir.path(), &memory, &postbox, true);
    let mut school = app.store().account("School").unwrap().unwrap();
    if let AccountConfig::Caldav(c) = &mut school.config {
        c.auto_schedule = true;
    }
    app.store().update_account(&school).unwrap();
    assert_eq!(
        app.invitation_sender(&school).unwrap(),
        InvitationSender::Server
    );
    app.schedule(&class("Optics", &["pat@example.org"]), "School", None)
        .unwrap();
    assert!(postbox.taken().is_empty());
    // It tells the attendees only of what one of the account's addresses organizes: with
    // none named, the first organizes; another organizer's meeting is Belfry's to email.
    if let AccountConfig::Caldav(c) = &mut school.config {
        c.addresses = vec!["ana@example.com".into()];
    }
    app.store().update_account(&school).unwrap();
    let own = MeetingForm {
        organizer: String::new(),
        ..class("Acoustics", &["pat@example.org"])
    };
    let done = app.schedule(&own, "School", None).unwrap();
    assert!(done.mail.is_empty(), "{:?}", done.mail);
    let organized = app.store().meeting_by_uid(&done.uid).unwrap().unwrap();
    assert_eq!(
        organized.meeting.unwrap().organizer.unwrap().as_str(),
        "ana@example.com"
    );
    let hosted = app
        .schedule(
            &class("Thermodynamics", &["pat@example.org"]),
            "School",
            None,
        )
        .unwrap();
    assert_eq!(
        hosted.mail.len(),
        1,
        "prof@example.com is not the account's"
    );
    postbox.taken.lock().unwrap().clear();
    // A meeting made as an .ics only is emailed when the user asks.
    let file = app
        .ics(&class("Seminar", &["pat@example.org"]), Method::Request)
        .unwrap();
    let sent = app.email_invitations(&file.prepared.record.uid).unwrap();
    assert_eq!(sent[0].state, MailState::Sent);
    assert_eq!(postbox.itip(), [r("pat@example.org", "REQUEST", 0)]);
}

#[test]
fn on_a_scheduling_server_a_hosts_meeting_is_the_servers_to_send_and_only_on_the_hosts_calendar() {
    let dir = tempfile::tempdir().unwrap();
    let (memory, postbox) = (Arc::new(Memory::default()), Arc::new(Postbox::default()));
    memory.hers.store(true, std::sync::atomic::Ordering::SeqCst);
    let app = open(dir.path(), &memory, &postbox, true);
    let mut school = app.store().account("School").unwrap().unwrap();
    if let AccountConfig::Caldav(c) = &mut school.config {
        c.auto_schedule = true;
        c.addresses = vec!["ana@example.com".into()];
    }
    app.store().update_account(&school).unwrap();
    let mine = |title: &str| MeetingForm {
        organizer: String::new(),
        ..class(title, &["pat@example.org"])
    };
    // Another person's calendar: whose meeting it is must be said.
    let err = app
        .schedule(&mine("Optics"), "School", Some("Hers"))
        .unwrap_err();
    assert_eq!(err.first_field(), Some(Field::OnBehalfOf), "{err:?}");
    // Said: the server sends it as the host (the calendar port names the host to it), and
    // Belfry emails nobody.
    let hosted = MeetingForm {
        on_behalf_of: "lee@example.com".into(),
        ..mine("Optics")
    };
    let done = app.schedule(&hosted, "School", Some("Hers")).unwrap();
    assert!(done.mail.is_empty(), "{:?}", done.mail);
    let moved = MeetingForm {
        title: "Optics (room 2)".into(),
        ..hosted.clone()
    };
    let again = app.reschedule_uid(&done.uid, &moved).unwrap();
    assert!(again.mail.is_empty(), "{:?}", again.mail);
    // On the account's own calendar the server would send it as nobody: refused.
    let err = app
        .schedule(&hosted, "School", Some("Lectures"))
        .unwrap_err();
    assert_eq!(err.first_field(), Some(Field::OnBehalfOf), "{err:?}");
    assert!(err.message.contains("yours"), "{}", err.message);
    assert!(postbox.taken().is_empty());
    // A meeting on the account's own calendar that a change puts on the host's behalf: the
    // server would tell nobody (it invites only as the calendar's owner), so Belfry emails.
    let own = app
        .schedule(&mine("Acoustics"), "School", Some("Lectures"))
        .unwrap();
    assert!(own.mail.is_empty(), "the server sends the first version");
    let handed = app.reschedule_uid(&own.uid, &hosted).unwrap();
    assert_eq!(handed.mail.len(), 1, "{:?}", handed.mail);
    postbox.taken.lock().unwrap().clear();
    assert_eq!(
        memory.events().iter().filter(|e| e.uid == done.uid).count(),
        1
    );
}

#[test]
fn the_attendees_a_scheduling_server_could_not_tell_are_emailed_by_belfry_and_only_they() {
    let dir = tempfile::tempdir().unwrap();
    let (memory, postbox) = (Arc::new(Memory::default()), Arc::new(Postbox::default()));
    *memory.untold.lock().unwrap() = vec!["pat@example.org".into()];
    let scheduling = |app: &App| {
        let mut school = app.store().account("School").unwrap().unwrap();
        if let AccountConfig::Caldav(c) = &mut school.config {
            c.auto_schedule = true;
            c.addresses = vec!["ana@example.com".into()];
        }
        app.store().update_account(&school).unwrap();
    };
    // No mail account: the delivery says who was not told.
    let app = open(dir.path(), &memory, &postbox, false);
    scheduling(&app);
    let form = MeetingForm {
        organizer: String::new(),
        ..class("Optics", &["pat@example.org", "bob@example.com"])
    };
    let done = app.schedule(&form, "School", None).unwrap();
    assert!(done.mail.is_empty());
    let said = &done.deliveries[0].message;
    assert!(
        said.contains("could not tell pat@example.org") && said.contains("mail account"),
        "{said}"
    );
    assert!(!said.contains("bob@"), "{said}");
    // With one, Belfry emails them (and not those the server told), each version once.
    let app = open(dir.path(), &memory, &postbox, true);
    let done = app.schedule(&form, "School", None).unwrap();
    assert!(
        done.mail.is_empty(),
        "that version was written already: {:?}",
        done.mail
    );
    let moved = MeetingForm {
        title: "Optics (room 2)".into(),
        ..form.clone()
    };
    let again = app.reschedule_uid(&done.uid, &moved).unwrap();
    assert_eq!(again.mail.len(), 1, "{:?}", again.mail);
    assert_eq!(again.deliveries[0].message, "");
    app.cancel_uid(&done.uid).unwrap();
    assert_eq!(
        postbox.itip(),
        [
            r("pat@example.org", "REQUEST", 1),
            r("pat@example.org", "CANCEL", 2)
        ]
    );
}
