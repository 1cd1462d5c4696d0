//! Invitations by email (iMIP, RFC 6047) where no calendar server tells the attendees: an
//! outgoing mail account, and the emails of each meeting version, each recorded before it
//! is composed and sent at most once (`belfry_store::mail`).

use std::sync::Arc;
use std::time::{Duration, Instant};

use belfry_core::email::MailSecurity;
use belfry_core::{EmailAddress, Meeting, Method};
use belfry_mail::{Failure as MailFailure, InvitationMail, ItipMethod, MailError, MailServer};
use belfry_secrets::Sensitive;
use belfry_store::mail::{MailEnd, MailKey, MailState, Mailing};
use belfry_store::{AccountConfig, AccountRecord, Delivery, MeetingRecord, SmtpConfig};
use serde::Serialize;

use crate::accounts::{AccountKind, AccountView, secret_key};
use crate::schedule::next_try;
use crate::{App, AppError, ErrorCode};

/// Who tells a meeting's attendees about it, for a calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum InvitationSender {
    /// Google Calendar or Microsoft 365 email the attendees.
    Provider,
    /// The CalDAV server schedules (RFC 6638) and emails them.
    Server,
    /// Belfry emails them through the outgoing mail account.
    BelfryByMail,
    /// Nobody: the user sends the invitation (an .ics) themselves.
    Nobody,
}

/// One invitation email as front ends show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MailView {
    /// The meeting's UID.
    pub uid: String,
    /// The version of the meeting it carries.
    pub sequence: u32,
    /// Whom it is for.
    pub attendee: String,
    /// A cancellation (the meeting was cancelled, or this attendee taken off it).
    pub cancel: bool,
    /// Where it stands: pending, sending, sent, failed, unknown or superseded.
    pub state: MailState,
    /// Why it is not sent, and what to do.
    pub message: String,
}

fn view(m: &Mailing) -> MailView {
    MailView {
        uid: m.key.meeting_uid.clone(),
        sequence: m.key.sequence,
        attendee: m.key.attendee.clone(),
        cancel: m.cancel,
        state: m.state,
        message: m.last_error.clone().unwrap_or_default(),
    }
}

/// What a new outgoing mail account is.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SmtpForm {
    /// The server's host name.
    pub host: String,
    /// 0: the usual port for `security`.
    pub port: u16,
    /// How the connection is secured.
    pub security: MailSecurity,
    /// The user name on the server (often the address).
    pub user: String,
    /// The sender's address; empty: the user name.
    pub address: String,
    /// A certificate authority file (PEM) to trust besides the usual ones; empty: none.
    pub ca_file: String,
}

/// Opens sessions with outgoing mail servers: SMTP for real, a recorder in tests.
pub trait Outgoing: Send + Sync {
    /// Signs in to `server` with `password`.
    fn connect(
        &self,
        server: &MailServer,
        password: &Sensitive<String>,
    ) -> Result<Box<dyn OutgoingSession>, MailError>;
}

/// A signed-in session with a mail server.
pub trait OutgoingSession {
    /// Sends one message; `leaving` runs right before its content leaves (see
    /// [`belfry_mail::Session::send`]).
    fn send(
        &mut self,
        from: &str,
        to: &str,
        message: &[u8],
        leaving: &mut dyn FnMut() -> Result<(), String>,
    ) -> Result<(), MailError>;
    /// A new session is needed for the next message.
    fn broken(&self) -> bool;
}

/// SMTP submission through `belfry-mail`.
#[derive(Debug, Default)]
pub struct Smtp;

impl Outgoing for Smtp {
    fn connect(
        &self,
        server: &MailServer,
        password: &Sensitive<String>,
    ) -> Result<Box<dyn OutgoingSession>, MailError> {
        Ok(Box::new(server.connect(password)?))
    }
}

impl OutgoingSession for belfry_mail::Session {
    fn send(
        &mut self,
        from: &str,
        to: &str,
        message: &[u8],
        leaving: &mut dyn FnMut() -> Result<(), String>,
    ) -> Result<(), MailError> {
        belfry_mail::Session::send(self, from, to, message, leaving)
    }
    fn broken(&self) -> bool {
        belfry_mail::Session::broken(self)
    }
}

/// How long one email may be held by an attempt before another process may take it.
const CLAIM: chrono::TimeDelta = chrono::TimeDelta::minutes(5);

/// The most of a certificate authority file that is read (a PEM bundle is far smaller).
const CA_FILE_BYTES: usize = 1024 * 1024;

fn mail_error(e: MailError) -> AppError {
    let code = match e.failure {
        MailFailure::Unauthorized => ErrorCode::Unauthorized,
        MailFailure::Permanent => ErrorCode::Invalid,
        MailFailure::Transient | MailFailure::InDoubt => ErrorCode::Remote,
    };
    AppError::new(code, e.message)
}

impl App {
    /// The same app with another outgoing mail service (tests record the messages).
    pub fn with_outgoing(mut self, outgoing: Arc<dyn Outgoing>) -> App {
        self.outgoing = outgoing;
        self
    }

    fn mail_server(&self, config: &SmtpConfig, user: &str) -> Result<MailServer, AppError> {
        let ca_pem = match config.ca_file.as_deref().filter(|f| !f.trim().is_empty()) {
            Some(file) => Some(
                crate::files::read_file_capped(
                    std::path::Path::new(file.trim()),
                    CA_FILE_BYTES,
                    &format!("the certificate authority file {file:?}"),
                )?
                .into_bytes(),
            ),
            None => None,
        };
        Ok(MailServer {
            host: config.host.clone(),
            port: config.port,
            security: config.security,
            user: user.to_owned(),
            ca_pem,
            timeout: belfry_mail::TIMEOUT,
        })
    }

    /// Adds the outgoing mail account: signs in first (so a typo is caught now), keeps the
    /// password in the keyring. Belfry has one: a second is refused.
    pub fn add_smtp_account(
        &self,
        name: &str,
        form: &SmtpForm,
        password: Sensitive<String>,
    ) -> Result<AccountView, AppError> {
        let name = crate::accounts::check_name(name)?;
        self.ensure_name_free(&name)?;
        if let Some(existing) = self.mail_account()? {
            return Err(AppError::new(
                ErrorCode::Invalid,
                format!(
                    "invitations are already sent by {:?}: remove it first to use another mail server",
                    existing.name
                ),
            ));
        }
        let user = form.user.trim();
        if user.is_empty() {
            return Err(AppError::new(
                ErrorCode::Invalid,
                "the mail server's user name is required (often the email address)",
            ));
        }
        let address = Some(form.address.trim())
            .filter(|a| !a.is_empty())
            .unwrap_or(user);
        let address = EmailAddress::parse(address).map_err(|_| {
            AppError::new(
                ErrorCode::Invalid,
                format!("the sender's address {address:?} is not an email address"),
            )
        })?;
        let config = SmtpConfig {
            host: form.host.trim().to_owned(),
            port: if form.port == 0 {
                form.security.default_port()
            } else {
                form.port
            },
            security: form.security,
            address: address.as_str().to_owned(),
            ca_file: Some(form.ca_file.trim().to_owned()).filter(|f| !f.is_empty()),
        };
        let server = self.mail_server(&config, user)?;
        let session = self
            .outgoing
            .connect(&server, &password)
            .map_err(mail_error)?;
        drop(session);
        let secrets = self.secrets_store()?;
        let id = self.new_account_id()?;
        secrets.set(&secret_key(&id, "password"), &password)?;
        let record = AccountRecord {
            id: id.clone(),
            name,
            identity: user.to_owned(),
            config: AccountConfig::Smtp(config),
            default_calendar: None,
            created_at: self.now(),
        };
        if let Err(e) = self.store().insert_account(&record) {
            let _ = secrets.delete(&secret_key(&id, "password"));
            return Err(e.into());
        }
        crate::accounts::account_view(&record)
    }

    /// The outgoing mail account, if there is one.
    pub(crate) fn mail_account(&self) -> Result<Option<AccountRecord>, AppError> {
        Ok(self
            .store()
            .accounts()?
            .into_iter()
            .find(|a| a.kind() == AccountKind::Smtp))
    }

    /// Who tells the attendees of a meeting put on `account`'s calendars.
    pub fn invitation_sender(&self, account: &AccountRecord) -> Result<InvitationSender, AppError> {
        Ok(match &account.config {
            AccountConfig::Google | AccountConfig::Microsoft => InvitationSender::Provider,
            AccountConfig::Caldav(c) if c.auto_schedule => InvitationSender::Server,
            _ if self.mail_account()?.is_some() => InvitationSender::BelfryByMail,
            _ => InvitationSender::Nobody,
        })
    }

    /// Wants the emails of a saved version, when a calendar it goes to tells nobody and
    /// there is a mail account.
    pub(crate) fn want_mail_for(
        &self,
        record: &MeetingRecord,
        deliveries: &[Delivery],
    ) -> Result<(), AppError> {
        let Some(mail) = self.mail_account()? else {
            return Ok(());
        };
        let organizer = record
            .meeting
            .as_ref()
            .and_then(|m| m.calendar_organizer())
            .map(|o| o.as_str().to_owned());
        let meeting_host = record
            .meeting
            .as_ref()
            .and_then(|m| m.on_behalf_of.as_ref());
        let mut needed = false;
        for d in deliveries {
            let Some(account) = self.store().account_by_id(&d.account_id)? else {
                continue;
            };
            needed |= match &account.config {
                // A scheduling server tells the attendees of what the account organizes
                // only: another organizer's meeting is stored, nobody told. A host's meeting
                // (on behalf of) on the host's calendar is written with the host's address for
                // the server to send it as; on the account's own calendar nobody would.
                AccountConfig::Caldav(c) if c.auto_schedule => {
                    let the_hosts =
                        meeting_host.is_some() && crate::schedule::is_shared(&account, &d.calendar);
                    let ours = organizer
                        .as_deref()
                        .is_some_and(|o| c.addresses.iter().any(|a| a.eq_ignore_ascii_case(o)));
                    !c.addresses.is_empty() && !the_hosts && !ours
                }
                _ => self.invitation_sender(&account)? == InvitationSender::BelfryByMail,
            };
        }
        if needed {
            self.want_mail(record, deliveries.iter().any(|d| d.cancelled), &mail)?;
        }
        Ok(())
    }

    fn want_mail(
        &self,
        record: &MeetingRecord,
        cancelled: bool,
        mail: &AccountRecord,
    ) -> Result<Vec<Mailing>, AppError> {
        let Some(meeting) = &record.meeting else {
            return Ok(Vec::new());
        };
        let organizer = meeting.calendar_organizer();
        let attendees: Vec<String> = meeting
            .attendees
            .iter()
            .filter(|a| organizer.is_none_or(|o| !o.as_str().eq_ignore_ascii_case(a.as_str())))
            .map(|a| a.as_str().to_owned())
            .collect();
        Ok(self.store().want_mail(
            &record.uid,
            record.sequence,
            cancelled,
            &attendees,
            &mail.id,
            self.now(),
        )?)
    }

    /// Emails the invitation of meeting `uid`'s latest version to its attendees now (a
    /// meeting made as an .ics, or on a calendar that tells nobody): once per attendee.
    pub fn email_invitations(&self, uid: &str) -> Result<Vec<MailView>, AppError> {
        let mail = self.mail_account()?.ok_or_else(|| {
            AppError::new(
                ErrorCode::NotFound,
                "there is no outgoing mail account to send the invitations with",
            )
        })?;
        let record = self.store().meeting_by_uid(uid.trim())?.ok_or_else(|| {
            AppError::new(
                ErrorCode::NotFound,
                format!(
                    "there is no meeting with UID {:?} in your history",
                    uid.trim()
                ),
            )
        })?;
        let cancelled = self
            .store()
            .deliveries_of(&record.uid)?
            .iter()
            .any(|d| d.cancelled && d.sequence == record.sequence);
        let wanted = self.want_mail(&record, cancelled, &mail)?;
        if wanted.is_empty() {
            return Err(AppError::new(
                ErrorCode::Invalid,
                "this meeting has no attendees to email",
            ));
        }
        self.send_mail_of(&record.uid)
    }

    /// Sends the emails of meeting `uid` that are due, and shows every email of its latest
    /// version.
    pub fn send_mail_of(&self, uid: &str) -> Result<Vec<MailView>, AppError> {
        let due: Vec<Mailing> = self
            .store()
            .due_mail(self.now())?
            .into_iter()
            .filter(|m| m.key.meeting_uid == uid)
            .collect();
        self.send_mailings(&due, Duration::from_secs(120));
        let all = self.store().mail_of(uid)?;
        let latest = all.iter().map(|m| m.key.sequence).max();
        Ok(all
            .iter()
            .filter(|m| Some(m.key.sequence) == latest)
            .map(view)
            .collect())
    }

    /// Sends every email that is due, for at most `budget`; an email whose sending was
    /// interrupted is settled as perhaps sent first. Returns what it did.
    pub fn resume_mail(&self, budget: Duration) -> Result<Vec<MailView>, AppError> {
        self.store().settle_interrupted_mail(self.now())?;
        let due = self.store().due_mail(self.now())?;
        Ok(self.send_mailings(&due, budget))
    }

    /// Every email not sent (pending, failed, perhaps sent), for the user to see.
    pub fn unsent_mail(&self) -> Result<Vec<MailView>, AppError> {
        let mut out = Vec::new();
        for state in [
            MailState::Pending,
            MailState::Sending,
            MailState::Failed,
            MailState::Unknown,
        ] {
            out.extend(self.store().mail_in(state)?.iter().map(view));
        }
        Ok(out)
    }

    /// Sends an email that failed or may have been sent, again (the user asked).
    pub fn resend_mail(
        &self,
        uid: &str,
        sequence: u32,
        attendee: &str,
    ) -> Result<Vec<MailView>, AppError> {
        let key = MailKey {
            meeting_uid: uid.trim().to_owned(),
            sequence,
            attendee: attendee.trim().to_ascii_lowercase(),
        };
        if !self.store().resend_mail(&key, self.now())? {
            return Err(AppError::new(
                ErrorCode::NotFound,
                "that email is not one that failed or may not have arrived",
            ));
        }
        self.send_mail_of(&key.meeting_uid)
    }

    fn send_mailings(&self, due: &[Mailing], budget: Duration) -> Vec<MailView> {
        let started = Instant::now();
        let mut session: Option<(String, Box<dyn OutgoingSession>)> = None;
        let mut out = Vec::new();
        for m in due {
            if started.elapsed() >= budget {
                break;
            }
            let now = self.now();
            let Ok(Some(claimed)) = self.store().claim_mail(&m.key, now, now + CLAIM) else {
                continue;
            };
            let _span = tracing::info_span!(
                "email",
                uid = %claimed.key.meeting_uid,
                sequence = claimed.key.sequence,
                to = %claimed.key.attendee,
                cancel = claimed.cancel,
            )
            .entered();
            let end = self.send_one(&claimed, &mut session);
            let now = self.now();
            let (state, stored_end) = match &end {
                Ok(()) => (MailState::Sent, MailEnd::Sent),
                Err(e) => match e.failure {
                    MailFailure::InDoubt => {
                        (MailState::Unknown, MailEnd::Unknown { error: &e.message })
                    }
                    MailFailure::Transient => (
                        MailState::Pending,
                        MailEnd::Later {
                            error: &e.message,
                            next_try_at: next_try(now, claimed.attempts, None),
                        },
                    ),
                    MailFailure::Permanent | MailFailure::Unauthorized => {
                        (MailState::Failed, MailEnd::Failed { error: &e.message })
                    }
                },
            };
            let mut shown = view(&claimed);
            shown.state = state;
            shown.message = end
                .as_ref()
                .err()
                .map(|e| e.message.clone())
                .unwrap_or_default();
            match &end {
                Ok(()) => tracing::info!(attempt = claimed.attempts + 1, "sent"),
                Err(e) => tracing::warn!(
                    attempt = claimed.attempts + 1,
                    state = state.as_str(),
                    error = %e.message,
                    "not sent"
                ),
            }
            if let Err(e) = self.store().finish_mail(&claimed.key, stored_end, now) {
                tracing::error!(error = %e, "the email's end was not recorded");
                shown.message = format!("{}; and not recorded: {e}", shown.message);
            }
            out.push(shown);
            if session.as_ref().is_some_and(|(_, s)| s.broken()) {
                session = None;
            }
        }
        out
    }

    fn send_one(
        &self,
        m: &Mailing,
        session: &mut Option<(String, Box<dyn OutgoingSession>)>,
    ) -> Result<(), MailError> {
        let permanent = |message: String| MailError {
            failure: MailFailure::Permanent,
            message,
        };
        let transient = |message: String| MailError {
            failure: MailFailure::Transient,
            message,
        };
        let account = self
            .store()
            .account_by_id(&m.account_id)
            .map_err(|e| transient(e.to_string()))?
            .ok_or_else(|| permanent("the mail account of this invitation was removed".into()))?;
        let AccountConfig::Smtp(config) = &account.config else {
            return Err(permanent(
                "the account of this invitation sends no mail".into(),
            ));
        };
        let record = self
            .store()
            .meeting_by_uid(&m.key.meeting_uid)
            .map_err(|e| transient(e.to_string()))?
            .ok_or_else(|| permanent("the meeting of this invitation is gone".into()))?;
        let message = self.compose_mail(&record, m, config).map_err(permanent)?;
        if session.as_ref().is_none_or(|(id, _)| *id != account.id) {
            let password = self
                .secrets_store()
                .and_then(|s| Ok(s.get(&secret_key(&account.id, "password"))?))
                .map_err(|e| transient(e.message))?
                .ok_or_else(|| MailError {
                    failure: MailFailure::Unauthorized,
                    message: format!(
                        "the password of {:?} is not in this keyring: remove the mail account and add it again",
                        account.name
                    ),
                })?;
            let server = self
                .mail_server(config, &account.identity)
                .map_err(|e| permanent(e.message))?;
            *session = Some((
                account.id.clone(),
                self.outgoing.connect(&server, &password)?,
            ));
        }
        let Some((_, s)) = session.as_mut() else {
            return Err(transient("no session".into()));
        };
        let store = self.store();
        let now = self.now();
        let mut leaving = || store.mail_leaving(&m.key, now).map_err(|e| e.to_string());
        s.send(&config.address, &m.key.attendee, &message, &mut leaving)
    }

    /// The message of one email: the version's invitation and its calendar, with METHOD.
    fn compose_mail(
        &self,
        record: &MeetingRecord,
        m: &Mailing,
        config: &SmtpConfig,
    ) -> Result<Vec<u8>, String> {
        let meeting = record
            .meeting
            .clone()
            .ok_or_else(|| "this meeting was never scheduled".to_owned())?;
        let meeting = if m.cancel {
            meeting.within_limits()
        } else {
            meeting
        };
        // A CANCEL to an attendee taken off the meeting names that attendee alone.
        let whole_cancel = m.cancel
            && meeting
                .attendees
                .iter()
                .any(|a| a.as_str().eq_ignore_ascii_case(&m.key.attendee));
        let meeting = if m.cancel && !whole_cancel {
            Meeting {
                attendees: EmailAddress::parse(&m.key.attendee).into_iter().collect(),
                ..meeting
            }
        } else {
            meeting
        };
        let (provider, invitation) = self
            .invitation_to_send(&meeting, m.cancel)
            .map_err(|e| e.message)?;
        let method = if m.cancel {
            Method::Cancel
        } else {
            Method::Request
        };
        let ics = belfry_core::render_ics(
            &meeting,
            &invitation,
            &provider,
            &belfry_core::ics::IcsOptions {
                uid: record.uid.clone(),
                sequence: m.key.sequence,
                dtstamp: self.now(),
                method: Some(method),
                reminder_minutes: None,
                cancelled: m.cancel,
            },
        )
        .map_err(|e| e.to_string())?;
        let when = meeting
            .resolved_start()
            .at
            .format("%a %b %-d, %Y %H:%M (%Z)")
            .to_string();
        let subject = match (m.cancel, m.key.sequence) {
            (true, _) => format!("Cancelled: {} @ {when}", meeting.title),
            (false, 0) => format!("Invitation: {} @ {when}", meeting.title),
            (false, _) => format!("Updated invitation: {} @ {when}", meeting.title),
        };
        let id = belfry_mail::message_id(
            &record.uid,
            m.key.sequence,
            &m.key.attendee,
            &config.address,
        );
        belfry_mail::compose(&InvitationMail {
            from: &config.address,
            from_name: "",
            to: &m.key.attendee,
            subject: &subject,
            text: &invitation.text,
            html: &invitation.html,
            ics: &ics,
            method: if m.cancel {
                ItipMethod::Cancel
            } else {
                ItipMethod::Request
            },
            message_id: &id,
            date: self.now(),
        })
        .map_err(|e| e.message)
    }
}
