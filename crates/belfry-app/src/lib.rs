//! Belfry's application layer: the one API the desktop app, the `belfry` CLI and the tests
//! call. It owns the local store, the keyring and the system's clock and randomness, and
//! turns what the user typed into meetings, invitations and calendar files.
//!
//! Invariants: no Tauri or terminal dependency; every failure reaches callers as an
//! [`AppError`] (`{code, message, fields}`); no secret appears in a return value except the
//! passcode handed to the user who asked for it ([`NewMeeting`], moderator info).

// Unit tests may read the clock, the environment and files; the code under test may not.
#![warn(missing_docs)]
#![cfg_attr(test, allow(clippy::disallowed_methods))]

mod accounts;
pub mod bulk;
mod chime;
mod desktop;
mod error;
/// Reading and writing files (the one module of belfry-app that does).
pub mod files;
mod lanes;
mod links;
pub mod logging;
pub mod mail;
pub mod migrate;
mod providers;
mod schedule;
mod settings;
mod views;

use std::sync::{Arc, Mutex, OnceLock};

use belfry_core::ics::IcsOptions;
use belfry_core::invitation::check_template;
use belfry_core::provider::IdKind;
use belfry_core::{
    Defaults, Entropy, EntropyError, Field, Invitation, Meeting, MeetingForm, MeetingId,
    MeetingKind, Method, Passcode, Provider, render_ics, render_invitation,
};
use belfry_secrets::{Keyring, SecretStore, SecretsError, Sensitive};
use belfry_store::{Delivery, MeetingRecord, Store, StoreError, Wanted};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;

pub use accounts::{AccountKind, AccountView, CalendarView, Removed};
pub use belfry_chime::doctor::{AdminAction, Finding, Report, Severity};
pub use belfry_chime::{
    AccountFilter, AccountStatus, AccountType, ChimeAccount, ChimeAdmin, ChimeUser, EmailStatus,
    Invite, InviteStatus, License, Registration, UserFailure,
};
pub use belfry_core::email::MailSecurity;
pub use belfry_store::DeliveryState;
pub use belfry_store::mail::MailState;
pub use belfry_store::moves::{EventTexts, MoveRecord, MoveState};
pub use chime::{Admin, ChimeFactory, DELETE_NOTE, Deleted, parse_license};
pub use desktop::{
    CHECK_AHEAD, NO_NEXT_MEETING, Notice, WindowPrefs, check_before_class_worker, delivery_notice,
};
pub use error::{AppError, ErrorCode, Hint};
pub use files::write_atomically;
pub use links::{LINK_SCHEME, OpenedLink, read_link};
pub use mail::{InvitationSender, MailView, SmtpForm};
pub use migrate::{
    ChimeEvent, ChimeScan, MoveOutcome, MovePlan, MoveReport, Organizer, PlannedMove, SkippedEvent,
};
pub use schedule::{
    Calendars, DeliveryStatus, DeliveryView, NetworkCalendars, ScheduleOutcome, outbox_worker,
};
pub use settings::{SettingKey, Settings};
pub use views::{
    AccountAdded, CLIPBOARD_CLEAR_AFTER, Catalog, Clipboard, CopiedSecret, CountryView,
    HistoryView, Host, NewMeetingView, Preview, ProviderTemplate, ProviderView, SettingsView,
    ics_file_name,
};

/// Minutes before the start for the reminder written into calendar files.
pub const REMINDER_MINUTES: u32 = 10;
/// The name of the draft the Schedule window edits.
pub const SCHEDULE_DRAFT: &str = "schedule";

/// The current time.
pub trait Clock: Send + Sync {
    /// Now, in UTC.
    fn now(&self) -> DateTime<Utc>;
}

/// The system clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

#[allow(
    clippy::disallowed_methods,
    reason = "the system clock, which every other module reads through App::now"
)]
impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that always says the same time (tests).
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub DateTime<Utc>);

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}

/// A clock that starts at a given time and then runs at the real pace (tests of the
/// binaries: the date is fixed, waits still end).
#[derive(Debug, Clone, Copy)]
pub struct StartedClock {
    at: DateTime<Utc>,
    since: std::time::Instant,
}

impl StartedClock {
    /// A clock that reads `at` now and runs on from it.
    pub fn new(at: DateTime<Utc>) -> StartedClock {
        StartedClock {
            at,
            since: std::time::Instant::now(),
        }
    }
}

impl Clock for StartedClock {
    fn now(&self) -> DateTime<Utc> {
        let run = chrono::TimeDelta::from_std(self.since.elapsed()).unwrap_or_default();
        self.at.checked_add_signed(run).unwrap_or(self.at)
    }
}

/// In debug builds, an RFC 3339 time in this variable is the time the process starts at
/// (see [`StartedClock`]), so tests of the binaries never depend on today's date. Release
/// builds always use the system clock.
pub const CLOCK_ENV: &str = "BELFRY_CLOCK";

/// The clock [`App::open`] uses.
#[allow(
    clippy::disallowed_methods,
    reason = "the test clock (BELFRY_CLOCK) is one of the edges where the environment is read"
)]
fn process_clock() -> Arc<dyn Clock> {
    #[cfg(debug_assertions)]
    if let Some(at) = std::env::var(CLOCK_ENV)
        .ok()
        .and_then(|v| DateTime::parse_from_rfc3339(v.trim()).ok())
    {
        return Arc::new(StartedClock::new(at.with_timezone(&Utc)));
    }
    Arc::new(SystemClock)
}

/// The operating system's CSPRNG.
#[derive(Debug, Default, Clone, Copy)]
pub struct OsEntropy;

impl Entropy for OsEntropy {
    fn next_u64(&mut self) -> Result<u64, EntropyError> {
        getrandom::u64().map_err(|e| EntropyError(e.to_string()))
    }
}

type SecretsFactory = Box<dyn Fn() -> Result<Arc<dyn SecretStore>, SecretsError> + Send + Sync>;

/// A fresh meeting ID, reserved in the history, with its passcode when moderated.
#[derive(Debug)]
pub struct NewMeeting {
    /// The reserved ID.
    pub meeting_id: MeetingId,
    /// Shown once to the user who asked; kept in the keyring.
    pub passcode: Option<Passcode>,
}

/// A meeting made ready: checked, recorded in the history, its invitation rendered.
#[derive(Debug)]
pub struct Prepared {
    /// What the history holds for it.
    pub record: MeetingRecord,
    /// The checked meeting.
    pub meeting: Meeting,
    /// The meeting's provider profile.
    pub provider: Provider,
    /// Its invitation, as text and HTML.
    pub invitation: Invitation,
    /// A passcode drawn or set by this call, to show the user once.
    pub new_passcode: Option<Passcode>,
}

/// A calendar file and the meeting it is for.
#[derive(Debug)]
pub struct IcsFile {
    /// The iCalendar text.
    pub text: String,
    /// The meeting the file is for.
    pub prepared: Prepared,
}

/// One line of the history, as front ends show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HistoryEntry {
    /// The meeting's UID.
    pub uid: String,
    /// The provider profile's key; empty while the ID is only reserved.
    pub provider: String,
    /// Its meeting ID.
    pub meeting_id: MeetingId,
    /// The meeting ID as shown (grouped, or the room name).
    pub display: String,
    /// One-time, moderated or personal.
    pub kind: MeetingKind,
    /// Empty while the ID is only reserved.
    pub title: String,
    /// `YYYY-MM-DDTHH:MM` local to `time_zone`, empty while reserved.
    pub start: String,
    /// The IANA zone `start` is in.
    pub time_zone: String,
    /// How many attendees it has.
    pub attendees: usize,
    /// Its iCalendar SEQUENCE: how many times it was changed.
    pub sequence: u32,
    /// It has a moderator passcode.
    pub moderated: bool,
    /// It was cancelled.
    pub cancelled: bool,
    /// When it was first recorded.
    pub created_at: DateTime<Utc>,
}

/// Belfry, opened.
pub struct App {
    store: Store,
    /// Token sessions of signed-in accounts, by account id: access tokens stay in memory.
    sessions: Mutex<std::collections::HashMap<String, Arc<belfry_oauth::TokenSession>>>,
    /// How many requests each provider lane has in flight.
    lanes: lanes::Lanes,
    secrets: OnceLock<Result<Arc<dyn SecretStore>, SecretsError>>,
    secrets_factory: SecretsFactory,
    /// `belfry.toml` (the OAuth providers), read once, when first needed.
    oauth_config: OnceLock<belfry_oauth::Config>,
    clock: Arc<dyn Clock>,
    entropy: Mutex<Box<dyn Entropy + Send>>,
    system_tz: Tz,
    provider: &'static Provider,
    /// Opens the calendar service of an account.
    calendars: Arc<dyn Calendars>,
    /// Opens the Chime administration API.
    chime: ChimeFactory,
    /// The last scan for Chime meetings and the plan last shown (`migrate.rs`).
    migration: Mutex<migrate::MigrationState>,
    /// Opens sessions with the outgoing mail server (`mail.rs`).
    outgoing: Arc<dyn mail::Outgoing>,
    /// The `belfry://` link opened last, until the window takes it (`links.rs`).
    link: Mutex<Option<OpenedLink>>,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("store", &self.store.path())
            .finish_non_exhaustive()
    }
}

impl App {
    /// Starts this process's log in the data directory ([`logging`]), once the store has made
    /// the directory (privately); answers the log's folder.
    pub fn start_log() -> Result<std::path::PathBuf, AppError> {
        let dir = belfry_store::data_dir()?;
        logging::start(&dir).map_err(|m| AppError::new(ErrorCode::Storage, m))
    }

    /// Opens Belfry with the real parts: the data directory's database, the OS keyring
    /// (connected on first use), the system clock, zone and CSPRNG.
    pub fn open() -> Result<App, AppError> {
        Ok(App::with_parts(
            Store::open_default()?,
            Box::new(|| Keyring::native().map(|k| Arc::new(k) as Arc<dyn SecretStore>)),
            process_clock(),
            Box::new(OsEntropy),
            system_zone(),
        ))
    }

    /// Opens Belfry with the given parts (tests pass a mock keyring, a fixed clock and a
    /// seeded generator).
    pub fn with_parts(
        store: Store,
        secrets_factory: SecretsFactory,
        clock: Arc<dyn Clock>,
        entropy: Box<dyn Entropy + Send>,
        system_tz: Tz,
    ) -> App {
        App {
            store,
            sessions: Mutex::new(std::collections::HashMap::new()),
            lanes: lanes::Lanes::default(),
            secrets: OnceLock::new(),
            oauth_config: OnceLock::new(),
            secrets_factory,
            clock,
            entropy: Mutex::new(entropy),
            system_tz,
            provider: Provider::chime(),
            calendars: Arc::new(NetworkCalendars),
            chime: chime::sdk_chime(),
            migration: Mutex::default(),
            outgoing: Arc::new(mail::Smtp),
            link: Mutex::default(),
        }
    }

    /// The same app with another Chime administration API (tests use an in-memory one).
    pub fn with_chime(mut self, chime: ChimeFactory) -> App {
        self.chime = chime;
        self
    }

    /// The same app with other calendar services (tests use in-memory calendars).
    pub fn with_calendars(mut self, calendars: Arc<dyn Calendars>) -> App {
        self.calendars = calendars;
        self
    }

    /// What Belfry is, which providers it schedules for, and their status.
    pub fn about() -> String {
        let builtins = Provider::builtins();
        let names: Vec<&str> = builtins.iter().map(|p| p.name.as_str()).collect();
        let notes: Vec<String> = builtins
            .iter()
            .map(|p| format!("{}: {}", p.name, p.service_status.trim()))
            .collect();
        format!(
            "Belfry {} schedules {} meetings, and those of your own provider profiles.\n\n{}\n",
            env!("CARGO_PKG_VERSION"),
            belfry_core::recurrence::join_words(&names),
            notes.join("\n\n")
        )
    }

    /// The meeting provider's profile.
    pub fn provider(&self) -> &'static Provider {
        self.provider
    }

    /// The local store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    pub(crate) fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    pub(crate) fn lanes(&self) -> &lanes::Lanes {
        &self.lanes
    }

    pub(crate) fn sessions(
        &self,
    ) -> &Mutex<std::collections::HashMap<String, Arc<belfry_oauth::TokenSession>>> {
        &self.sessions
    }

    pub(crate) fn secrets_store(&self) -> Result<Arc<dyn SecretStore>, AppError> {
        self.secrets()
    }

    fn secrets(&self) -> Result<Arc<dyn SecretStore>, AppError> {
        self.secrets
            .get_or_init(|| (self.secrets_factory)())
            .clone()
            .map_err(AppError::from)
    }

    pub(crate) fn with_entropy<T>(
        &self,
        f: impl FnOnce(&mut dyn Entropy) -> T,
    ) -> Result<T, AppError> {
        let mut guard = self
            .entropy
            .lock()
            .map_err(|_| AppError::new(ErrorCode::Internal, "the random source is poisoned"))?;
        Ok(f(guard.as_mut()))
    }

    fn new_uid(&self) -> Result<String, AppError> {
        let (a, b) = self.with_entropy(|e| -> Result<(u64, u64), EntropyError> {
            Ok((e.next_u64()?, e.next_u64()?))
        })??;
        Ok(format!("{a:016x}{b:016x}@belfry"))
    }

    /// The defaults a form is read with: settings first, then the system.
    pub fn defaults(&self) -> Result<Defaults, AppError> {
        let s = self.settings()?;
        Ok(Defaults {
            time_zone: s.time_zone.unwrap_or(self.system_tz),
            dial_in: if s.dial_in.is_empty() {
                self.provider.default_countries.clone()
            } else {
                s.dial_in
            },
            organizer: s.organizer,
        })
    }

    /// The zone meetings use when neither the form nor the settings name one.
    pub fn system_zone(&self) -> Tz {
        self.system_tz
    }

    pub(crate) fn template_text(&self) -> Result<String, AppError> {
        self.template()
    }

    fn template(&self) -> Result<String, AppError> {
        Ok(self
            .settings()?
            .template
            .unwrap_or_else(|| belfry_core::DEFAULT_TEMPLATE.to_owned()))
    }

    /// Draws a fresh ID that is in no meeting of the history and reserves it.
    pub(crate) fn reserve_fresh(
        &self,
        provider: &Provider,
        kind: MeetingKind,
        has_passcode: bool,
    ) -> Result<MeetingRecord, AppError> {
        for _ in 0..8 {
            let id = self.draw_fresh(provider)?;
            // None: another Belfry took it between the check and the insert: draw again.
            if let Some(rec) = self.reserve_id(id, kind, has_passcode)? {
                return Ok(rec);
            }
        }
        Err(AppError::new(
            ErrorCode::Internal,
            "no unused meeting ID could be reserved",
        ))
    }

    /// Draws a fresh identifier of `provider`'s kind that is in no meeting of the history,
    /// without reserving it.
    pub(crate) fn draw_fresh(&self, provider: &Provider) -> Result<MeetingId, AppError> {
        let mut lookup_error: Option<StoreError> = None;
        let drawn = self.with_entropy(|e| {
            let taken = |id| match self.store.id_in_history(id) {
                Ok(taken) => taken,
                Err(err) => {
                    lookup_error.get_or_insert(err);
                    true
                }
            };
            match provider.ids {
                IdKind::Digits => MeetingId::generate(e, taken),
                IdKind::Room | IdKind::Fixed => MeetingId::generate_room(e, taken),
            }
        })?;
        if let Some(err) = lookup_error {
            return Err(err.into());
        }
        drawn.map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))
    }

    /// Reserves `id` in the history; `None` when a meeting has it already.
    pub(crate) fn reserve_id(
        &self,
        id: MeetingId,
        kind: MeetingKind,
        has_passcode: bool,
    ) -> Result<Option<MeetingRecord>, AppError> {
        let now = self.clock.now();
        let rec = MeetingRecord {
            uid: self.new_uid()?,
            meeting_id: id,
            kind,
            sequence: 0,
            meeting: None,
            has_passcode,
            created_at: now,
            updated_at: now,
            cancelled_at: None,
        };
        match self.store.insert(&rec) {
            Ok(()) => Ok(Some(rec)),
            Err(StoreError::IdTaken(_)) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    fn passcode_key(id: MeetingId) -> String {
        format!("moderator-passcode/{}", id.code())
    }

    /// Keeps `passcode` in the keyring for `rec`; if that fails, the record says it has none.
    fn keep_passcode(&self, rec: &mut MeetingRecord, passcode: &Passcode) -> Result<(), AppError> {
        let secrets = self.secrets()?;
        let stored = secrets.set(
            &Self::passcode_key(rec.meeting_id),
            &Sensitive::new(passcode.expose().to_owned()),
        );
        if let Err(e) = stored {
            rec.has_passcode = false;
            self.store.update(rec)?;
            return Err(e.into());
        }
        Ok(())
    }

    /// `belfry new`: a fresh Chime ID (and passcode, when moderated), reserved for later use.
    pub fn new_meeting(
        &self,
        moderated: bool,
        passcode: Option<&str>,
    ) -> Result<NewMeeting, AppError> {
        self.new_meeting_with(&Provider::chime().key, moderated, passcode)
    }

    /// A fresh ID for a meeting on the provider `provider_key` (empty: the default one): 10
    /// digits or a room name, as the profile says.
    pub fn new_meeting_with(
        &self,
        provider_key: &str,
        moderated: bool,
        passcode: Option<&str>,
    ) -> Result<NewMeeting, AppError> {
        let provider = self.provider_for(
            &MeetingForm {
                provider: provider_key.to_owned(),
                ..MeetingForm::default()
            },
            None,
        )?;
        if provider.ids == IdKind::Fixed {
            // Every meeting on a fixed link shares it: nothing to draw or reserve.
            return Ok(NewMeeting {
                meeting_id: self
                    .personal_id_for(&provider)?
                    .ok_or_else(|| AppError::new(ErrorCode::Internal, "a fixed link has an ID"))?,
                passcode: None,
            });
        }
        if moderated && !provider.moderator {
            return Err(AppError::field(
                Field::Kind,
                format!(
                    "{} has no moderator code: choose another meeting type",
                    provider.name
                ),
            ));
        }
        let passcode = match (moderated, passcode.filter(|p| !p.trim().is_empty())) {
            (false, Some(_)) => {
                return Err(AppError::field(
                    Field::Passcode,
                    "a passcode applies only to meetings that need a moderator",
                ));
            }
            (false, None) => None,
            (true, Some(p)) => Some(
                Passcode::parse(p).map_err(|e| AppError::field(Field::Passcode, e.to_string()))?,
            ),
            (true, None) => Some(self.with_entropy(|e| Passcode::generate(e))??),
        };
        if passcode.is_some() {
            // Fail before reserving anything when the keyring is out of reach.
            self.secrets()?;
        }
        let kind = if moderated {
            MeetingKind::Moderated
        } else {
            MeetingKind::OneTime
        };
        let mut rec = self.reserve_fresh(&provider, kind, passcode.is_some())?;
        if let Some(p) = &passcode {
            self.keep_passcode(&mut rec, p)?;
        }
        Ok(NewMeeting {
            meeting_id: rec.meeting_id,
            passcode,
        })
    }

    /// Checks a form, records the meeting in the history and renders its invitation.
    /// A fresh ID is drawn when the form names none (one-time and moderated meetings).
    pub fn prepare(&self, form: &MeetingForm) -> Result<Prepared, AppError> {
        Ok(self.prepare_for(form, None, None, Wanted::Nowhere)?.0)
    }

    /// Reserves the meeting a form will become, before it is remembered or sent: a fresh ID
    /// (and passcode), or a record of the personal ID. Returns its UID.
    pub(crate) fn reserve_for(&self, form: &MeetingForm) -> Result<String, AppError> {
        let provider = self.provider_for(form, None)?;
        match self.kind_for(&provider, form.kind) {
            MeetingKind::Personal if provider.ids == IdKind::Room => Err(AppError::field(
                Field::Kind,
                format!(
                    "{} has no personal meeting ID: choose a one-time meeting",
                    provider.name
                ),
            )),
            MeetingKind::Personal => {
                let personal = self.personal_id_for(&provider)?.ok_or_else(|| {
                    AppError::field(
                        Field::Kind,
                        "no personal meeting ID is set yet: add it in settings",
                    )
                    .with_hint(Hint::SetPersonalId)
                })?;
                let now = self.clock.now();
                let rec = self.record_given(personal, MeetingKind::Personal, None, now)?;
                Ok(rec.uid)
            }
            kind => {
                let given_passcode = match (kind, form.passcode.trim()) {
                    (MeetingKind::Moderated, given) if !given.is_empty() => Some(
                        Passcode::parse(given)
                            .map_err(|e| AppError::field(Field::Passcode, e.to_string()))?,
                    ),
                    _ => None,
                };
                Ok(self.record_fresh(&provider, kind, given_passcode)?.0.uid)
            }
        }
    }

    /// Checks a form and saves it as the next version of a meeting (a new one, or `uid`'s),
    /// together with the calendars it must reach, in one transaction. When another Belfry
    /// saved a version of the same meeting meanwhile, the form is applied again to that one.
    pub(crate) fn prepare_for(
        &self,
        form: &MeetingForm,
        method: Option<Method>,
        uid: Option<&str>,
        wanted: Wanted<'_>,
    ) -> Result<(Prepared, Vec<Delivery>), AppError> {
        let mut tries = 0;
        loop {
            tries += 1;
            match self.prepare_once(form, method, uid, wanted) {
                Err(e) if e.code == ErrorCode::Conflict && tries < 5 => continue,
                Ok((prepared, deliveries)) => {
                    // Where no calendar server tells the attendees, Belfry emails them.
                    self.want_mail_for(&prepared.record, &deliveries)?;
                    return Ok((prepared, deliveries));
                }
                other => return other,
            }
        }
    }

    /// Refuses a form that can never become a meeting (a field, a limit, the template for
    /// it), with the fields at fault. `id` stands in for the one it will get.
    pub(crate) fn check_form(
        &self,
        form: &MeetingForm,
        id: MeetingId,
        defaults: &Defaults,
        provider: &Provider,
        template: &str,
    ) -> Result<(), AppError> {
        let meeting = form
            .validate(id, defaults, provider)
            .map_err(AppError::fields)?;
        render_invitation(&meeting, provider, template)
            .map_err(|e| AppError::new(ErrorCode::Invalid, e.to_string()))?;
        Ok(())
    }

    /// One try of [`Self::prepare_for`]: each step below refuses what it must before the
    /// first write (an ID reserved, a passcode kept, a version saved).
    fn prepare_once(
        &self,
        form: &MeetingForm,
        method: Option<Method>,
        uid: Option<&str>,
        wanted: Wanted<'_>,
    ) -> Result<(Prepared, Vec<Delivery>), AppError> {
        let cancelling = method == Some(Method::Cancel);
        // A fixed link's meetings have no ID of their own to give: whatever the form holds
        // (a drawn one, say) is not looked up.
        let on_fixed_link = uid.is_none()
            && self
                .provider_for(form, None)
                .is_ok_and(|p| p.ids == IdKind::Fixed);
        let given_id = match uid {
            Some(_) => None,
            None if on_fixed_link => None,
            None => form.parse_meeting_id()?,
        };
        let given_passcode = form.parse_passcode()?;
        let defaults = self.defaults()?;
        let existing = self.existing_for(uid, given_id)?;
        if cancelling && existing.as_ref().and_then(|r| r.meeting.as_ref()).is_none() {
            return Err(AppError::field(
                Field::MeetingId,
                "cancelling needs the meeting ID of a meeting in your history",
            ));
        }
        let provider = self.provider_for(form, existing.as_ref())?;
        self.keep_profile(&provider)?;
        let template = self.template_for(&provider)?;
        check_id_kind(given_id, &provider)?;
        // A fixed link's meetings all share it: each is a personal one.
        let form_kind = self.kind_for(&provider, form.kind);
        if provider.ids == IdKind::Room && form_kind == MeetingKind::Personal && existing.is_none()
        {
            return Err(AppError::field(
                Field::Kind,
                format!(
                    "{} has no personal meeting ID: choose a one-time meeting",
                    provider.name
                ),
            ));
        }

        // Which ID, and whether this is a new history entry.
        let named = existing.as_ref().filter(|_| uid.is_some());
        let provisional = provisional_id(
            named.map(|r| r.meeting_id),
            form_kind,
            given_id,
            self.personal_id_for(&provider)?,
            stand_in(&provider)?,
        )?;
        // A meeting's identifier is its provider's kind (a reservation made for another
        // provider, say, is not sent as this one).
        if provisional.is_room() != (provider.ids != IdKind::Digits) {
            return Err(AppError::new(
                ErrorCode::Invalid,
                format!(
                    "{} was reserved for another meeting provider than {}: schedule it again",
                    provisional, provider.name
                ),
            ));
        }
        let kind = self.settle_kind(
            existing.as_ref(),
            named.is_some(),
            form_kind,
            given_id,
            given_passcode.as_ref(),
        )?;
        let form = match kind == form.kind && form_kind == form.kind {
            true => form.clone(),
            // A fixed link's meeting (a personal one) has no ID or passcode of its own.
            false if form_kind != form.kind => MeetingForm {
                kind,
                meeting_id: String::new(),
                passcode: String::new(),
                ..form.clone()
            },
            false => MeetingForm {
                kind,
                ..form.clone()
            },
        };

        // A cancellation goes out even when the saved template (from an older Belfry, say)
        // fails for it: its text matters less than that every calendar hears of it.
        let template = match method {
            Some(Method::Cancel)
                if self
                    .check_form(&form, provisional, &defaults, &provider, &template)
                    .is_err() =>
            {
                provider.default_template().to_owned()
            }
            _ => template,
        };
        // Check everything before anything is written.
        self.check_form(&form, provisional, &defaults, &provider, &template)?;

        let now = self.clock.now();
        let named = named.is_some();
        let (mut record, new_passcode) = match existing {
            Some(rec) if named || rec.kind != MeetingKind::Personal => (rec, None),
            // A personal meeting, or an ID made elsewhere (a host's, handed to a delegate).
            _ if kind == MeetingKind::Personal || given_id.is_some() => (
                self.record_given(provisional, kind, given_passcode.as_ref(), now)?,
                None,
            ),
            _ => self.record_fresh(&provider, kind, given_passcode)?,
        };

        // The version itself: rendered with the ID it really has.
        let meeting = form
            .validate(record.meeting_id, &defaults, &provider)
            .map_err(AppError::fields)?;
        let invitation = render_invitation(&meeting, &provider, &template)
            .map_err(|e| AppError::new(ErrorCode::Invalid, e.to_string()))?;
        let read_sequence = record.sequence;
        next_version(&mut record, &meeting, cancelling, now);
        // The version and the calendars it must reach, in one transaction.
        let deliveries = self
            .store
            .save_version(&record, read_sequence, wanted, now)?;
        Ok((
            Prepared {
                record,
                meeting,
                provider,
                invitation,
                new_passcode,
            },
            deliveries,
        ))
    }

    /// The history's meeting a form changes: the one `uid` names, else the latest with the
    /// form's ID, if any.
    fn existing_for(
        &self,
        uid: Option<&str>,
        given_id: Option<MeetingId>,
    ) -> Result<Option<MeetingRecord>, AppError> {
        Ok(match (uid, given_id) {
            (Some(uid), _) => Some(self.store.meeting_by_uid(uid)?.ok_or_else(|| {
                AppError::new(
                    ErrorCode::NotFound,
                    format!("there is no meeting with UID {uid:?} in your history"),
                )
            })?),
            (None, Some(id)) => self.store.latest_with_id(id)?,
            (None, None) => None,
        })
    }

    /// The kind a meeting is saved as: the form's, unless the history's meeting it changes
    /// (`named`: by its UID) keeps its own. A given passcode must be the one it has.
    fn settle_kind(
        &self,
        existing: Option<&MeetingRecord>,
        named: bool,
        form_kind: MeetingKind,
        given_id: Option<MeetingId>,
        given_passcode: Option<&Passcode>,
    ) -> Result<MeetingKind, AppError> {
        let Some(rec) = existing else {
            if given_id.is_some() && form_kind == MeetingKind::Moderated && given_passcode.is_none()
            {
                return Err(AppError::field(
                    Field::Passcode,
                    "give the moderator passcode chosen for this meeting ID",
                ));
            }
            return Ok(form_kind);
        };
        let kind = match (rec.kind, form_kind) {
            // A personal meeting stays one, and no meeting becomes one.
            (MeetingKind::Personal, _) | (_, MeetingKind::Personal) if named => rec.kind,
            (MeetingKind::OneTime, MeetingKind::Moderated) => {
                return Err(AppError::field(
                    Field::Kind,
                    format!(
                        "{} was made without a moderator, and a passcode cannot be added to \
                         an existing meeting: schedule it with a fresh ID",
                        rec.meeting_id
                    ),
                ));
            }
            // A meeting made with a moderator still needs one.
            (MeetingKind::Moderated, _) => MeetingKind::Moderated,
            _ => form_kind,
        };
        if let Some(given) = given_passcode
            && rec.has_passcode
        {
            // Giving the passcode it already has changes nothing: a re-run succeeds.
            let kept = self.secrets()?.get(&Self::passcode_key(rec.meeting_id))?;
            if kept.as_ref().map(|k| k.expose().as_str()) != Some(given.expose()) {
                return Err(AppError::field(
                    Field::Passcode,
                    "this meeting already has another passcode; it cannot be changed \
                     (leave the passcode empty, or schedule it with a fresh ID instead)",
                ));
            }
        }
        Ok(kind)
    }

    /// A new history entry for an ID Belfry did not draw (the personal one, or one made
    /// elsewhere), with the passcode given for it kept in the keyring.
    fn record_given(
        &self,
        meeting_id: MeetingId,
        kind: MeetingKind,
        passcode: Option<&Passcode>,
        now: DateTime<Utc>,
    ) -> Result<MeetingRecord, AppError> {
        if passcode.is_some() {
            self.secrets()?;
        }
        let mut rec = MeetingRecord {
            uid: self.new_uid()?,
            meeting_id,
            kind,
            sequence: 0,
            meeting: None,
            has_passcode: passcode.is_some(),
            created_at: now,
            updated_at: now,
            cancelled_at: None,
        };
        self.store.insert(&rec)?;
        if let Some(p) = passcode {
            self.keep_passcode(&mut rec, p)?;
        }
        Ok(rec)
    }

    /// A fresh ID reserved for a new meeting, with its passcode (the given one, or a drawn
    /// one) kept in the keyring when it is moderated. Returns the passcode it drew.
    fn record_fresh(
        &self,
        provider: &Provider,
        kind: MeetingKind,
        given_passcode: Option<Passcode>,
    ) -> Result<(MeetingRecord, Option<Passcode>), AppError> {
        let passcode = match (kind, given_passcode) {
            (MeetingKind::Moderated, Some(p)) => Some(p),
            (MeetingKind::Moderated, None) => Some(self.with_entropy(|e| Passcode::generate(e))??),
            _ => None,
        };
        if passcode.is_some() {
            self.secrets()?;
        }
        let mut rec = self.reserve_fresh(provider, kind, passcode.is_some())?;
        if let Some(p) = &passcode {
            self.keep_passcode(&mut rec, p)?;
        }
        Ok((rec, passcode))
    }

    /// `belfry ics`: the calendar file for a form, recorded in the history.
    pub fn ics(&self, form: &MeetingForm, method: Method) -> Result<IcsFile, AppError> {
        if method != Method::Publish {
            // Check the organizer before an ID is spent.
            let defaults = self.defaults()?;
            if form.organizer.trim().is_empty()
                && form.on_behalf_of.trim().is_empty()
                && defaults.organizer.is_none()
            {
                return Err(AppError::field(
                    Field::Organizer,
                    "an invitation with attendees needs an organizer: give your email address, \
                     or set it once in settings",
                )
                .with_hint(Hint::SetOrganizer));
            }
        }
        let (prepared, _) = self.prepare_for(form, Some(method), None, Wanted::Nowhere)?;
        let text = render_ics(
            &prepared.meeting,
            &prepared.invitation,
            &prepared.provider,
            &IcsOptions {
                uid: prepared.record.uid.clone(),
                sequence: prepared.record.sequence,
                dtstamp: self.clock.now(),
                method: Some(method),
                reminder_minutes: Some(REMINDER_MINUTES),
                cancelled: false,
            },
        )
        .map_err(|e| AppError::field(Field::Organizer, e.to_string()))?;
        Ok(IcsFile { text, prepared })
    }

    /// The moderator info of a meeting in the history, its passcode read from the keyring.
    pub fn moderator_info(&self, id: MeetingId) -> Result<String, AppError> {
        let rec = self.store.latest_with_id(id)?.ok_or_else(|| {
            AppError::new(
                ErrorCode::NotFound,
                format!("meeting {id} is not in your history"),
            )
        })?;
        if !rec.has_passcode {
            return Err(AppError::new(
                ErrorCode::NotFound,
                format!("meeting {id} has no moderator passcode (it was made without a moderator)"),
            ));
        }
        let secret = self
            .secrets()?
            .get(&Self::passcode_key(id))?
            .ok_or_else(|| {
                AppError::new(
                    ErrorCode::NotFound,
                    format!("the moderator passcode of {id} is not in this keyring"),
                )
            })?;
        let passcode = Passcode::parse(secret.expose())
            .map_err(|_| AppError::new(ErrorCode::Internal, "the stored passcode is damaged"))?;
        let title = rec.meeting.as_ref().map(|m| m.title.as_str());
        let provider = match &rec.meeting {
            Some(m) => self.provider_of_key(&m.provider)?,
            None => Provider::chime().clone(),
        };
        Ok(belfry_core::moderator_info(id, title, &passcode, &provider))
    }

    /// The history, newest first, filtered by `query` (title, ID, attendee).
    pub fn history(&self, query: &str, limit: usize) -> Result<Vec<HistoryEntry>, AppError> {
        Ok(self
            .store
            .history(query, limit)?
            .into_iter()
            .map(history_entry)
            .collect())
    }

    /// The invitation of a meeting in the history (by its UID), rendered again.
    pub fn history_invitation(&self, uid: &str) -> Result<Invitation, AppError> {
        let meeting = self
            .store
            .meeting_by_uid(uid.trim())?
            .and_then(|r| r.meeting)
            .ok_or_else(|| {
                AppError::new(
                    ErrorCode::NotFound,
                    "this meeting has no invitation in your history",
                )
            })?;
        let provider = self.provider_of_key(&meeting.provider)?;
        render_invitation(&meeting, &provider, &self.template_for(&provider)?)
            .map_err(|e| AppError::new(ErrorCode::Invalid, e.to_string()))
    }

    /// Saves the Schedule window's draft exactly as typed.
    pub fn save_draft(&self, form: &MeetingForm) -> Result<(), AppError> {
        Ok(self
            .store
            .save_draft(SCHEDULE_DRAFT, form, self.clock.now())?)
    }

    /// The saved draft, if any.
    pub fn draft(&self) -> Result<Option<MeetingForm>, AppError> {
        Ok(self.store.draft(SCHEDULE_DRAFT)?)
    }

    /// Checks a template against a sample meeting (used before saving one).
    pub fn check_template(&self, template: &str) -> Result<(), AppError> {
        self.check_template_for(template, self.provider)
    }

    /// Checks a template against a sample meeting on `provider`.
    pub fn check_template_for(&self, template: &str, provider: &Provider) -> Result<(), AppError> {
        let sample = sample_meeting(self.system_tz, provider)?;
        check_template(template, &sample, provider)
            .map_err(|e| AppError::new(ErrorCode::Invalid, e.to_string()))
    }
}

/// Makes `record` the next version holding `meeting`: its sequence goes up when a sent
/// version changes (or is cancelled), and a changed meeting is no longer cancelled.
fn next_version(
    record: &mut MeetingRecord,
    meeting: &Meeting,
    cancelling: bool,
    now: DateTime<Utc>,
) {
    let changed = record.meeting.as_ref() != Some(meeting);
    if record.meeting.is_some() && (changed || (cancelling && record.cancelled_at.is_none())) {
        record.sequence += 1;
    }
    if cancelling {
        record.cancelled_at.get_or_insert(now);
    } else if changed {
        record.cancelled_at = None;
    }
    record.meeting = Some(meeting.clone());
    record.updated_at = now;
}

/// Refuses a given identifier of the other kind than `provider`'s (a number for a service
/// that names rooms, say).
fn check_id_kind(given: Option<MeetingId>, provider: &Provider) -> Result<(), AppError> {
    let rooms = provider.ids != IdKind::Digits;
    match given {
        Some(id) if id.is_room() != rooms => Err(AppError::field(
            Field::MeetingId,
            match rooms {
                true => format!(
                    "{} names meetings by a room name, not a number",
                    provider.name
                ),
                false => format!("{} meeting IDs have 10 digits", provider.name),
            },
        )),
        _ => Ok(()),
    }
}

/// Which ID a meeting gets before any is reserved: its own when it is named by its UID
/// (`named`), the personal ID (`personal`) for a personal meeting, the one the form gives,
/// else `stand_in` (a fresh one is reserved for it later). Refusals name the field at fault.
pub(crate) fn provisional_id(
    named: Option<MeetingId>,
    kind: MeetingKind,
    given: Option<MeetingId>,
    personal: Option<MeetingId>,
    stand_in: MeetingId,
) -> Result<MeetingId, AppError> {
    match (named, kind, given) {
        // The meeting is named by its UID: its ID is its own.
        (Some(id), _, _) => Ok(id),
        (None, MeetingKind::Personal, Some(_)) => Err(AppError::field(
            Field::MeetingId,
            "a personal meeting uses your personal meeting ID: leave the meeting ID empty",
        )),
        (None, MeetingKind::Personal, None) => personal.ok_or_else(|| {
            AppError::field(
                Field::Kind,
                "no personal meeting ID is set yet: add it in settings",
            )
            .with_hint(Hint::SetPersonalId)
        }),
        (None, _, Some(id)) if Some(id) == personal => Err(AppError::field(
            Field::MeetingId,
            format!("{id} is your personal meeting ID: choose the personal meeting type"),
        )),
        (None, _, Some(id)) => Ok(id),
        (None, _, None) => Ok(stand_in),
    }
}

/// The identifier a form is checked with before its own is drawn: the ID a meeting stands
/// under until a fresh one is reserved for it.
pub(crate) fn stand_in(provider: &Provider) -> Result<MeetingId, AppError> {
    let id = match provider.ids {
        IdKind::Digits => MeetingId::parse("0000000000"),
        IdKind::Room | IdKind::Fixed => MeetingId::parse_room("provisional"),
    };
    id.map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))
}

pub(crate) fn history_entry(r: MeetingRecord) -> HistoryEntry {
    let m = r.meeting.as_ref();
    HistoryEntry {
        uid: r.uid.clone(),
        provider: m.map(|m| m.provider.clone()).unwrap_or_default(),
        meeting_id: r.meeting_id,
        display: r.meeting_id.grouped(),
        kind: r.kind,
        title: m.map(|m| m.title.clone()).unwrap_or_default(),
        start: m
            .map(|m| m.start.format("%Y-%m-%dT%H:%M").to_string())
            .unwrap_or_default(),
        time_zone: m.map(|m| m.time_zone.name().to_owned()).unwrap_or_default(),
        attendees: m.map_or(0, |m| m.attendees.len()),
        sequence: r.sequence,
        moderated: r.kind == MeetingKind::Moderated,
        cancelled: r.cancelled_at.is_some(),
        created_at: r.created_at,
    }
}

/// A meeting that uses every template value, for checking templates.
fn sample_meeting(tz: Tz, provider: &Provider) -> Result<Meeting, AppError> {
    let (kind, id, host) = match provider.ids {
        IdKind::Digits if provider.moderator => (
            MeetingKind::Moderated,
            MeetingId::parse("0123456789"),
            "host@example.com",
        ),
        IdKind::Digits => (
            MeetingKind::OneTime,
            MeetingId::parse("0123456789"),
            "host@example.com",
        ),
        IdKind::Room => (
            MeetingKind::OneTime,
            MeetingId::parse_room("k3v7qxw2m4tz9fa5"),
            "host@example.com",
        ),
        IdKind::Fixed => (
            MeetingKind::Personal,
            MeetingId::parse_room("personal-room"),
            "",
        ),
    };
    let id = id.map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))?;
    let form = MeetingForm {
        kind,
        title: "Sample meeting".into(),
        start: "2027-03-01T10:00".into(),
        repeat: "weekly".into(),
        repeat_count: "4".into(),
        attendees: vec!["attendee@example.com".into()],
        organizer: "organizer@example.com".into(),
        on_behalf_of: host.into(),
        description: "Sample description".into(),
        show_zones: vec!["UTC".into()],
        ..MeetingForm::default()
    };
    let defaults = Defaults {
        time_zone: tz,
        dial_in: provider.default_countries.clone(),
        organizer: None,
    };
    form.validate(id, &defaults, provider)
        .map_err(AppError::fields)
}

/// The system's IANA zone, or UTC when it cannot be read.
pub fn system_zone() -> Tz {
    iana_time_zone::get_timezone()
        .ok()
        .and_then(|name| belfry_core::time::parse_zone(&name).ok())
        .unwrap_or(Tz::UTC)
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod outbox_tests;

#[cfg(test)]
mod mail_tests;

#[cfg(test)]
mod migrate_tests;
