//! Putting meetings on calendars, exactly once: each (meeting, calendar) is recorded in the
//! outbox before the first byte is sent, written idempotently, and confirmed afterwards; what
//! a crash or a kill left pending is finished at the next start.

use std::sync::Arc;
use std::time::{Duration, Instant};

use belfry_caldav::CalDav;
use belfry_core::calendar::{Calendar, Confirmed, EventVersion, Failure, PortError, Written};
use belfry_core::{Field, MeetingForm, MeetingId, Method, render_invitation};
use belfry_store::{
    AccountConfig, AccountRecord, AttemptEnd, Delivery, DeliveryKey, DeliveryState, MeetingRecord,
    Wanted,
};
use serde::Serialize;

use crate::accounts::{AccountKind, CaldavConnection, secret_key};
use crate::{App, AppError, ErrorCode, REMINDER_MINUTES};

/// What the last attempt of a delivery did, or, for one not done, how it stands. The names
/// are what the CLI's JSON and the window read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum DeliveryStatus {
    #[serde(rename = "created")]
    /// The calendar had no such event; it holds one now.
    Created,
    #[serde(rename = "updated")]
    /// The calendar held an older version; it holds this one now.
    Updated,
    /// The calendar held this version already (an earlier answer was lost, or a repeat).
    #[serde(rename = "already there")]
    AlreadyThere,
    #[serde(rename = "cancelled")]
    /// The event was cancelled on the calendar.
    Cancelled,
    /// A cancellation of an event the calendar never held.
    #[serde(rename = "nothing to cancel")]
    NothingToCancel,
    /// The calendar holds a newer version, changed outside Belfry; nothing was overwritten.
    #[serde(rename = "newer on the calendar")]
    Newer,
    #[serde(rename = "pending")]
    /// Not confirmed yet; it is tried again.
    Pending,
    #[serde(rename = "failed")]
    /// It will not be tried again without the user (the message says why).
    Failed,
}

impl DeliveryStatus {
    /// The name, as the JSON spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Created => "created",
            DeliveryStatus::Updated => "updated",
            DeliveryStatus::AlreadyThere => "already there",
            DeliveryStatus::Cancelled => "cancelled",
            DeliveryStatus::NothingToCancel => "nothing to cancel",
            DeliveryStatus::Newer => "newer on the calendar",
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Failed => "failed",
        }
    }

    /// What a confirmed write did.
    fn written(w: Written) -> DeliveryStatus {
        match w {
            Written::Created => DeliveryStatus::Created,
            Written::Updated => DeliveryStatus::Updated,
            Written::AlreadyThere => DeliveryStatus::AlreadyThere,
            Written::Cancelled => DeliveryStatus::Cancelled,
            Written::NothingToCancel => DeliveryStatus::NothingToCancel,
            Written::Superseded { .. } => DeliveryStatus::Newer,
        }
    }

    /// How a stored delivery in `state` stands (a done one was confirmed before).
    fn standing(state: DeliveryState, cancelled: bool) -> DeliveryStatus {
        match state {
            DeliveryState::Pending => DeliveryStatus::Pending,
            DeliveryState::Done if cancelled => DeliveryStatus::Cancelled,
            DeliveryState::Done => DeliveryStatus::AlreadyThere,
            DeliveryState::Failed => DeliveryStatus::Failed,
            DeliveryState::Superseded => DeliveryStatus::Newer,
        }
    }
}

impl std::fmt::Display for DeliveryStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a meeting went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DeliveryView {
    /// The meeting's UID.
    pub uid: String,
    /// The meeting's title.
    pub title: String,
    /// The account.
    pub account: String,
    /// The calendar's name.
    pub calendar: String,
    /// The event's address on the server.
    pub href: String,
    /// How the outbox holds it.
    pub state: DeliveryState,
    /// What the last attempt did, or how a delivery not done stands.
    pub status: DeliveryStatus,
    /// The server emailed the attendees itself.
    pub invitations_sent: bool,
    /// Why it is not done, and what to do.
    pub message: String,
    /// Failed attempts so far.
    pub attempts: u32,
    /// When a pending delivery is tried next (RFC 3339), empty when due now.
    pub next_try_at: String,
}

/// The result of scheduling a meeting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ScheduleOutcome {
    /// The meeting's UID: what names it for a change or a cancellation.
    pub uid: String,
    /// The meeting ID as the history keeps it.
    pub meeting_id: String,
    /// The meeting ID as shown.
    pub display: String,
    /// The version scheduled.
    pub sequence: u32,
    /// This exact meeting was scheduled before on that calendar (a run repeated after a kill,
    /// say): it is the same meeting, not a second one.
    pub again: bool,
    /// Where each calendar copy stands.
    pub deliveries: Vec<DeliveryView>,
    /// The invitations Belfry emailed for this version (where no calendar server does).
    pub mail: Vec<crate::mail::MailView>,
}

/// Opens the calendar service of an account: the real adapters, or in-memory calendars in
/// tests.
pub trait Calendars: Send + Sync {
    /// The calendar service of `account`.
    fn open(&self, app: &App, account: &AccountRecord) -> Result<Arc<dyn Calendar>, AppError>;
}

/// The real adapters: CalDAV, Google Calendar, Microsoft Graph.
#[derive(Debug, Default)]
pub struct NetworkCalendars;

impl Calendars for NetworkCalendars {
    fn open(&self, app: &App, account: &AccountRecord) -> Result<Arc<dyn Calendar>, AppError> {
        let retry = belfry_caldav::Retry::default();
        match &account.config {
            AccountConfig::Caldav(config) => {
                let password = app
                    .secrets_store()?
                    .get(&secret_key(&account.id, "password"))?
                    .ok_or_else(|| {
                        AppError::new(
                            ErrorCode::Unauthorized,
                            format!(
                                "the app password of {:?} is not in this keyring: remove the account and add it again",
                                account.name
                            ),
                        )
                    })?;
                let home = url::Url::parse(&config.calendar_home).map_err(|_| {
                    AppError::new(ErrorCode::Storage, "the saved calendar home is damaged")
                })?;
                Ok(Arc::new(
                    belfry_caldav::CalDavCalendar::new(
                        CalDav::new(
                            config.origin_url(),
                            &account.identity,
                            password,
                            config.transport(),
                        )?,
                        home,
                        &account.id,
                        config.auto_schedule,
                        retry,
                    )
                    .with_principal(&config.principal)
                    .with_shared(&config.shared),
                ))
            }
            AccountConfig::Google => {
                let (session, base) = app.cloud_api(account, belfry_oauth::ProviderKind::Google)?;
                Ok(Arc::new(belfry_cloud::GoogleCalendar::new(
                    session,
                    &base,
                    &account.id,
                    retry,
                )))
            }
            AccountConfig::Microsoft => {
                let (session, base) =
                    app.cloud_api(account, belfry_oauth::ProviderKind::Microsoft)?;
                Ok(Arc::new(belfry_cloud::GraphCalendar::new(
                    session,
                    &base,
                    &account.id,
                    retry,
                )))
            }
            AccountConfig::Aws(_) | AccountConfig::Smtp(_) => {
                Err(crate::accounts::no_calendars(account))
            }
        }
    }
}

/// Finishes the outbox in the background (the desktop window): at once, then every
/// `period`, each round for at most `period`; `changed` is told what each round that did
/// something did. Runs on its own thread, never the window's.
pub fn outbox_worker(
    app: Arc<App>,
    period: Duration,
    changed: impl Fn(&[DeliveryView]) + Send + 'static,
) -> std::io::Result<std::thread::JoinHandle<()>> {
    std::thread::Builder::new()
        .name("belfry-outbox".into())
        .spawn(move || {
            let mut first = true;
            loop {
                let round = if first {
                    app.resume_all_pending(period)
                } else {
                    app.resume_outbox(period)
                };
                first = false;
                if let Ok(done) = round
                    && !done.is_empty()
                {
                    changed(&done);
                }
                // Events being moved off Chime that a kill or an outage left pending.
                let _ = app.resume_moves(period);
                // Invitation emails waiting for their time (a server said "later").
                let _ = app.resume_mail(period);
                std::thread::sleep(period);
            }
        })
}

/// How long one attempt may hold a delivery before another process may take it over (longer
/// than any attempt with its retries lasts).
const CLAIM: chrono::TimeDelta = chrono::TimeDelta::minutes(10);
/// The first wait after a transient failure; it doubles with every failed attempt.
const FIRST_WAIT: chrono::TimeDelta = chrono::TimeDelta::seconds(30);
/// No wait between attempts is longer.
const LONGEST_WAIT: chrono::TimeDelta = chrono::TimeDelta::hours(6);

/// When to try again after `attempts` failed attempts (and what the server asked for).
pub(crate) fn next_try(
    now: chrono::DateTime<chrono::Utc>,
    attempts: u32,
    retry_after: Option<u64>,
) -> chrono::DateTime<chrono::Utc> {
    let doubled = FIRST_WAIT
        .checked_mul(1 << attempts.min(16))
        .unwrap_or(LONGEST_WAIT)
        .min(LONGEST_WAIT);
    // A wait too long to represent is the longest one.
    let asked = retry_after
        .map(|s| {
            i64::try_from(s)
                .ok()
                .and_then(chrono::TimeDelta::try_seconds)
                .unwrap_or(LONGEST_WAIT)
        })
        .unwrap_or_default()
        .min(LONGEST_WAIT);
    now.checked_add_signed(doubled.max(asked)).unwrap_or(now)
}

impl App {
    /// Puts the meeting on `account`'s `calendar` (or its default calendar). Scheduling the
    /// same form on the same calendar again (after a kill, say) is the same meeting: no
    /// second one is made.
    pub fn schedule(
        &self,
        form: &MeetingForm,
        account: &str,
        calendar: Option<&str>,
    ) -> Result<ScheduleOutcome, AppError> {
        let (record, target) = self.destination(account, calendar)?;
        let key = row_key(form, &record.id, &target.calendar);
        self.schedule_row(form, &key, &record, &target)
    }

    /// The account and the calendar meetings go to (one look at the account's calendars).
    fn destination(
        &self,
        account: &str,
        calendar: Option<&str>,
    ) -> Result<(AccountRecord, Target), AppError> {
        let record = self.account_for_scheduling(account)?;
        let target = self.pick_calendar(&record, calendar)?;
        Ok((record, target))
    }

    /// Schedules many meetings (a bulk run, one form per row): a failure in one row does not
    /// stop the others. Each row is remembered by its content, so running the same rows again
    /// (after a kill, say) reuses their meetings and never makes a second event.
    ///
    /// Rows run on up to [`BULK_WORKERS`] threads; each provider's own limit (Graph: 4 per
    /// mailbox) is kept by the delivery lanes. `progress(done, total)` is called as each row
    /// finishes; the results come back in the rows' order.
    pub fn schedule_many(
        &self,
        rows: &[MeetingForm],
        account: &str,
        calendar: Option<&str>,
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> Vec<Result<ScheduleOutcome, AppError>> {
        // The calendar is looked up once for the whole run, not once a row.
        let (record, target) = match self.destination(account, calendar) {
            Ok(found) => found,
            Err(e) => return rows.iter().map(|_| Err(e.clone())).collect(),
        };
        let next = std::sync::atomic::AtomicUsize::new(0);
        let done = std::sync::atomic::AtomicUsize::new(0);
        let results: Vec<std::sync::Mutex<Option<Result<ScheduleOutcome, AppError>>>> =
            rows.iter().map(|_| std::sync::Mutex::new(None)).collect();
        std::thread::scope(|scope| {
            for _ in 0..BULK_WORKERS.min(rows.len()) {
                scope.spawn(|| {
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        let Some(form) = rows.get(i) else { break };
                        let key = row_key(form, &record.id, &target.calendar);
                        // Rows remembered before keys named the account's stable id.
                        let earlier =
                            row_key(form, &account.trim().to_lowercase(), calendar.unwrap_or(""));
                        let result = self
                            .adopt_row(&key, &earlier)
                            .and_then(|()| self.schedule_row(form, &key, &record, &target));
                        if let Ok(mut slot) = results[i].lock() {
                            *slot = Some(result);
                        }
                        let n = done.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
                        progress(n, rows.len());
                    }
                });
            }
        });
        results
            .into_iter()
            .map(|slot| {
                slot.into_inner().ok().flatten().unwrap_or_else(|| {
                    Err(AppError::new(
                        ErrorCode::Internal,
                        "this row stopped midway; run the file again to finish it",
                    ))
                })
            })
            .collect()
    }

    /// A row remembered under the key an earlier Belfry used (the account's name and the
    /// calendar as typed) is remembered under `key` too, so re-running an old file after an
    /// upgrade makes nothing twice.
    fn adopt_row(&self, key: &str, earlier: &str) -> Result<(), AppError> {
        if self.store().bulk_row(key)?.is_none()
            && let Some(uid) = self.store().bulk_row(earlier)?
        {
            self.store().remember_bulk_row(key, &uid, self.now())?;
        }
        Ok(())
    }

    /// The meeting a remembered form becomes. One that was only reserved (a kill came before
    /// it was recorded, so nothing was sent) for a provider of another kind than the form
    /// gets now (the default changed meanwhile) is reserved again for this one.
    fn fit_reservation(
        &self,
        form: &MeetingForm,
        key: &str,
        uid: String,
    ) -> Result<String, AppError> {
        let Some(rec) = self.store().meeting_by_uid(&uid)? else {
            return Ok(uid);
        };
        if rec.meeting.is_some() {
            return Ok(uid);
        }
        let provider = self.provider_for(form, None)?;
        if rec.meeting_id.is_room() == (provider.ids != belfry_core::provider::IdKind::Digits) {
            return Ok(uid);
        }
        let fresh = self.reserve_for(form)?;
        self.store().repoint_bulk_row(key, &uid, &fresh)?;
        Ok(self.store().bulk_row(key)?.unwrap_or(fresh))
    }

    /// One meeting onto one calendar, remembered under `key` (its content, the account's
    /// stable id and the calendar): the meeting is reserved first, then remembered, then
    /// recorded with its delivery, then sent, so a kill at any point leaves at worst a
    /// reservation that was never sent anywhere, and a repeat finds the same meeting.
    fn schedule_row(
        &self,
        form: &MeetingForm,
        key: &str,
        record: &AccountRecord,
        target: &Target,
    ) -> Result<ScheduleOutcome, AppError> {
        let form = delegate_form(&organized_by(form, record), target, record)?;
        let wanted = Wanted::On {
            account_id: &record.id,
            calendar: &target.calendar,
        };
        let (uid, again) = match self.store().bulk_row(key)? {
            Some(uid) => (self.fit_reservation(&form, key, uid)?, true),
            None if !form.meeting_id.trim().is_empty() => {
                // An ID made elsewhere (a host's, handed to a delegate): its record is found
                // by the ID, so a repeat reuses it.
                let (prepared, _) = self.prepare_for(&form, None, None, wanted)?;
                self.store()
                    .remember_bulk_row(key, &prepared.record.uid, self.now())?;
                let view = self.deliver(&DeliveryKey {
                    meeting_uid: prepared.record.uid.clone(),
                    account_id: record.id.clone(),
                    calendar: target.calendar.clone(),
                });
                return Ok(self.outcome(&prepared.record, vec![view]));
            }
            None => {
                // A form that can never be scheduled reserves nothing.
                let provider = self.provider_for(&form, None)?;
                let template = self.template_for(&provider)?;
                let stand_in = crate::stand_in(&provider)?;
                self.check_form(&form, stand_in, &self.defaults()?, &provider, &template)?;
                let reserved = self.reserve_for(&form)?;
                self.store().remember_bulk_row(key, &reserved, self.now())?;
                // Rows run side by side: when an identical row got there first, its meeting
                // is this row's too (the one reserved here is never sent anywhere).
                let uid = self.store().bulk_row(key)?.unwrap_or(reserved);
                (uid, false)
            }
        };
        let (prepared, _) = self.prepare_for(
            &MeetingForm {
                meeting_id: String::new(),
                passcode: String::new(),
                ..form
            },
            None,
            Some(&uid),
            wanted,
        )?;
        let key = DeliveryKey {
            meeting_uid: prepared.record.uid.clone(),
            account_id: record.id.clone(),
            calendar: target.calendar.clone(),
        };
        let view = self.deliver(&key);
        let mut done = self.outcome(&prepared.record, vec![view]);
        done.again = again;
        Ok(done)
    }

    /// Sends a changed meeting (same meeting ID) to every calendar that holds it.
    pub fn reschedule(&self, form: &MeetingForm) -> Result<ScheduleOutcome, AppError> {
        let id = form.parse_meeting_id()?;
        let uid = self.scheduled_uid(id)?;
        self.reschedule_uid(&uid, form)
    }

    /// Sends a changed version of the meeting `uid` to every calendar that holds it (the
    /// same event, SEQUENCE up).
    pub fn reschedule_uid(
        &self,
        uid: &str,
        form: &MeetingForm,
    ) -> Result<ScheduleOutcome, AppError> {
        let existing = self.scheduled_record(uid)?;
        // Whoever organized it still does, unless the form says otherwise.
        let mut form = MeetingForm {
            meeting_id: String::new(),
            passcode: String::new(),
            ..form.clone()
        };
        if let Some(before) = &existing.meeting {
            if form.organizer.trim().is_empty()
                && let Some(o) = &before.organizer
            {
                form.organizer = o.as_str().to_owned();
            }
            if form.on_behalf_of.trim().is_empty()
                && let Some(host) = &before.on_behalf_of
            {
                form.on_behalf_of = host.as_str().to_owned();
            }
        }
        let (prepared, deliveries) =
            self.prepare_for(&form, None, Some(uid), Wanted::Everywhere)?;
        Ok(self.deliver_all(&prepared.record, &deliveries))
    }

    /// Cancels a scheduled meeting (by its meeting ID) on every calendar that holds it.
    pub fn cancel_meeting(&self, id: MeetingId) -> Result<ScheduleOutcome, AppError> {
        let uid = self.scheduled_uid(Some(id))?;
        self.cancel_uid(&uid)
    }

    /// Cancels the meeting `uid` on every calendar that holds it: every attendee is told.
    pub fn cancel_uid(&self, uid: &str) -> Result<ScheduleOutcome, AppError> {
        let existing = self.scheduled_record(uid)?;
        let meeting = existing.meeting.clone().ok_or_else(|| {
            AppError::new(ErrorCode::NotFound, "this meeting was never scheduled")
        })?;
        // A series saved before the limits existed is cancelled too (cut to the limits: the
        // calendars match the UID).
        let (prepared, deliveries) = self.prepare_for(
            &MeetingForm {
                meeting_id: String::new(),
                ..meeting.within_limits().to_form()
            },
            Some(Method::Cancel),
            Some(uid),
            Wanted::Everywhere,
        )?;
        Ok(self.deliver_all(&prepared.record, &deliveries))
    }

    /// Sends what the outbox holds that is due now, for at most `budget` (checked between
    /// deliveries), so finishing it never holds up the command that started it for long.
    /// Returns what it did.
    pub fn resume_outbox(&self, budget: Duration) -> Result<Vec<DeliveryView>, AppError> {
        self.resume(budget, false)
    }

    /// Like [`App::resume_outbox`], but every pending delivery, even one whose next try is
    /// still ahead: what a fresh start of the window does (conditions may have changed).
    pub fn resume_all_pending(&self, budget: Duration) -> Result<Vec<DeliveryView>, AppError> {
        self.resume(budget, true)
    }

    fn resume(&self, budget: Duration, all: bool) -> Result<Vec<DeliveryView>, AppError> {
        let started = Instant::now();
        let mut views = Vec::new();
        let now = self.now();
        let due = if all {
            self.store().due_deliveries(now + LONGEST_WAIT)?
        } else {
            self.store().due_deliveries(now)?
        };
        for d in due {
            if started.elapsed() >= budget {
                break;
            }
            // Only what was attempted: one another attempt holds is left to it.
            if let (view, true) = self.attempt_delivery(&d.key()) {
                views.push(view);
            }
        }
        Ok(views)
    }

    /// Every delivery that is not done (pending, failed, superseded), for the user to see.
    pub fn outbox(&self) -> Result<Vec<DeliveryView>, AppError> {
        let accounts = self.store().accounts()?;
        let mut out = Vec::new();
        for d in self.store().open_deliveries()? {
            let title = self
                .store()
                .meeting_by_uid(&d.meeting_uid)?
                .and_then(|r| r.meeting)
                .map(|m| m.title)
                .unwrap_or_default();
            let mut view = view_of(&d, &title);
            view.account = accounts
                .iter()
                .find(|a| a.id == d.account_id)
                .map(|a| a.name.clone())
                .unwrap_or_default();
            out.push(view);
        }
        Ok(out)
    }

    /// Tries the deliveries of meeting `uid` that are not done again now (the user asked):
    /// failed ones too.
    pub fn retry_deliveries(&self, uid: &str) -> Result<Vec<DeliveryView>, AppError> {
        let mut views = Vec::new();
        for d in self.store().deliveries_of(uid)? {
            if matches!(d.state, DeliveryState::Failed | DeliveryState::Pending)
                && self.store().retry_delivery(&d.key(), self.now())?
            {
                views.push(self.deliver(&d.key()));
            }
        }
        if views.is_empty() {
            return Err(AppError::new(
                ErrorCode::NotFound,
                "this meeting has nothing waiting to be sent",
            ));
        }
        Ok(views)
    }

    /// The UID of the scheduled meeting with meeting ID `id`, when exactly one is (several
    /// personal meetings share the personal ID: then the candidates are named).
    fn scheduled_uid(&self, id: Option<MeetingId>) -> Result<String, AppError> {
        let id = id.ok_or_else(|| {
            AppError::field(
                Field::MeetingId,
                "rescheduling needs the meeting ID of a scheduled meeting",
            )
        })?;
        let mut candidates = Vec::new();
        for rec in self.store().with_id(id)? {
            if !self.store().deliveries_of(&rec.uid)?.is_empty() {
                candidates.push(rec);
            }
        }
        match candidates.as_slice() {
            [] => Err(AppError::field(
                Field::MeetingId,
                if self.store().latest_with_id(id)?.is_some() {
                    format!("meeting {id} is on no calendar yet: schedule it first")
                } else {
                    format!("meeting {id} is not in your history")
                },
            )),
            [one] => Ok(one.uid.clone()),
            many => {
                let listed: Vec<String> = many
                    .iter()
                    .map(|r| {
                        let m = r.meeting.as_ref();
                        format!(
                            "{} ({}, {})",
                            r.uid,
                            m.map(|m| m.title.as_str()).unwrap_or(""),
                            m.map(|m| m.start.format("%Y-%m-%d %H:%M").to_string())
                                .unwrap_or_default()
                        )
                    })
                    .collect();
                Err(AppError::field(
                    Field::MeetingId,
                    format!(
                        "{} scheduled meetings use {id}: name one by its UID: {}",
                        many.len(),
                        listed.join("; ")
                    ),
                ))
            }
        }
    }

    fn scheduled_record(&self, uid: &str) -> Result<MeetingRecord, AppError> {
        let rec = self.store().meeting_by_uid(uid.trim())?.ok_or_else(|| {
            AppError::new(
                ErrorCode::NotFound,
                format!(
                    "there is no meeting with UID {:?} in your history",
                    uid.trim()
                ),
            )
        })?;
        if self.store().deliveries_of(&rec.uid)?.is_empty() {
            return Err(AppError::new(
                ErrorCode::Invalid,
                "this meeting is on no calendar yet: schedule it first",
            ));
        }
        Ok(rec)
    }

    /// Sends each pending delivery of a saved version; the others are shown as they stand.
    fn deliver_all(&self, now: &MeetingRecord, deliveries: &[Delivery]) -> ScheduleOutcome {
        let views = deliveries.iter().map(|d| self.deliver(&d.key())).collect();
        self.outcome(now, views)
    }

    pub(crate) fn account_for_scheduling(&self, name: &str) -> Result<AccountRecord, AppError> {
        let record = self.store().account(name)?.ok_or_else(|| {
            AppError::new(
                ErrorCode::NotFound,
                format!("there is no account named {:?}", name.trim()),
            )
        })?;
        if record.kind().has_calendars() {
            Ok(record)
        } else {
            Err(crate::accounts::no_calendars(&record))
        }
    }

    fn pick_calendar(
        &self,
        record: &AccountRecord,
        wanted: Option<&str>,
    ) -> Result<Target, AppError> {
        let wanted = wanted.map(str::trim).filter(|w| !w.is_empty());
        let kind = record.kind();
        if let (None, Some(default), AccountKind::Caldav) = (wanted, &record.default_calendar, kind)
        {
            // Chosen (and checked) when it was made the default: no round trip needed.
            return Ok(Target {
                calendar: default.clone(),
                host: None,
                foreign: is_shared(record, default),
            });
        }
        let calendars = self.account_calendars(&record.name)?;
        let chosen = match wanted {
            Some(w) => calendars.iter().find(|c| c.id == w || c.name == w),
            None => calendars.iter().find(|c| c.is_default),
        };
        if let (None, Some(w), AccountKind::Caldav) = (chosen, wanted, kind)
            && (w.starts_with("http://") || w.starts_with("https://"))
        {
            return self.shared_caldav_calendar(record, w);
        }
        let Some(c) = chosen else {
            let names: Vec<&str> = calendars.iter().map(|c| c.name.as_str()).collect();
            return Err(AppError::new(
                ErrorCode::NotFound,
                match wanted {
                    Some(w) => format!(
                        "{:?} has no calendar {w:?}; it has: {}",
                        record.name,
                        names.join(", ")
                    ),
                    None => format!(
                        "{:?} has no default calendar; pick one of: {}",
                        record.name,
                        names.join(", ")
                    ),
                },
            ));
        };
        if !c.writable {
            return Err(AppError::new(
                ErrorCode::Invalid,
                format!(
                    "{:?} is read-only for you: its owner must let you edit it",
                    c.name
                ),
            ));
        }
        let (calendar, host) = port_calendar(record, &c.id, &c.owner);
        Ok(Target {
            calendar,
            host,
            foreign: c.shared,
        })
    }

    /// Another person's calendar on the account's CalDAV server that they let this account
    /// write to (a delegate's view of a host's calendar), given by its URL.
    fn shared_caldav_calendar(
        &self,
        record: &AccountRecord,
        wanted: &str,
    ) -> Result<Target, AppError> {
        let url = url::Url::parse(wanted).map_err(|e| {
            AppError::new(
                ErrorCode::Invalid,
                format!("the calendar {wanted:?} is not a URL: {e}"),
            )
        })?;
        let (server, home) = match &record.config {
            AccountConfig::Caldav(c) => {
                url::Url::parse(&c.calendar_home).ok().map(|home| (c, home))
            }
            _ => None,
        }
        .ok_or_else(|| AppError::new(ErrorCode::Storage, "the saved calendar home is damaged"))?;
        if url.origin() != home.origin() {
            // The account's password must never go to another server.
            return Err(AppError::new(
                ErrorCode::Invalid,
                format!(
                    "the calendar {wanted} is not on {:?}'s server ({}); add an account for that server",
                    record.name,
                    home.origin().ascii_serialization()
                ),
            ));
        }
        let password = self
            .secrets_store()?
            .get(&secret_key(&record.id, "password"))?
            .ok_or_else(|| {
                AppError::new(
                    ErrorCode::Unauthorized,
                    "the account's password is not in this keyring",
                )
            })?;
        let client = CalDav::new(
            server.origin_url(),
            &record.identity,
            password,
            server.transport(),
        )?;
        let found = match client.calendar_at(&url) {
            // The account's password works (it listed its own calendars): this is about rights.
            Err(belfry_caldav::CalDavError::Unauthorized(403))
            | Err(belfry_caldav::CalDavError::Http { status: 404, .. }) => None,
            other => other?,
        };
        let Some(c) = found else {
            return Err(AppError::new(
                ErrorCode::NotFound,
                format!(
                    "{wanted} is not a calendar shared with {:?}: its owner must share it with {}",
                    record.name, record.identity
                ),
            ));
        };
        if !c.writable || !c.events {
            return Err(AppError::new(
                ErrorCode::Invalid,
                format!(
                    "{:?} is read-only for you: its owner must let you edit it",
                    c.name
                ),
            ));
        }
        let foreign = c.owned_by_another(&server.principal, home.as_str());
        if foreign && !is_shared(record, &c.href) {
            let mut shared = match &record.config {
                AccountConfig::Caldav(config) => config.shared.clone(),
                _ => Vec::new(),
            };
            shared.push(c.href.clone());
            self.remember_shared(record, shared)?;
        }
        Ok(Target {
            foreign,
            calendar: c.href,
            host: None,
        })
    }

    /// One attempt at one delivery: take it (no other attempt holds it), render the version
    /// it asks for, write it through the calendar port, record how it ended. A delivery that
    /// is not pending, or that another attempt holds, is shown as it stands.
    pub(crate) fn deliver(&self, key: &DeliveryKey) -> DeliveryView {
        self.attempt_delivery(key).0
    }

    /// [`App::deliver`], and whether an attempt was made (when not, the delivery is shown as
    /// it stands).
    fn attempt_delivery(&self, key: &DeliveryKey) -> (DeliveryView, bool) {
        // Within this process, one attempt per delivery at a time: a second one (identical
        // bulk rows, the background worker) waits and then sees how the first one ended.
        let _turn = self.lanes().enter(
            &format!(
                "delivery\u{0}{}\u{0}{}\u{0}{}",
                key.meeting_uid, key.account_id, key.calendar
            ),
            1,
        );
        let _span = tracing::info_span!(
            "delivery",
            uid = %key.meeting_uid,
            account = %key.account_id,
            calendar = %key.calendar,
        )
        .entered();
        let now = self.now();
        let claimed = match self.store().claim_delivery(key, now, now + CLAIM) {
            Ok(Some(d)) => d,
            Ok(None) => return (self.as_it_stands(key), false),
            Err(e) => {
                let message = AppError::from(e).message;
                return (unknown(key, DeliveryState::Pending, &message), false);
            }
        };
        // The meeting is read once, for its title and for the attempt.
        let record = self.store().meeting_by_uid(&claimed.meeting_uid);
        let title = match &record {
            Ok(Some(r)) => r.meeting.as_ref().map(|m| m.title.clone()),
            _ => None,
        };
        let mut view = view_of(&claimed, &title.unwrap_or_default());
        let result = self.attempt(&claimed, record, &mut view);
        let now = self.now();
        let end = self.end_of(&claimed, &result, now, &mut view);
        log_end(&claimed, &end, &view);
        if let Err(e) = self.store().finish_attempt(&claimed, end, now) {
            tracing::error!(error = %e, "the attempt's end was not recorded");
            view.message = format!("{}; and not recorded: {e}", view.message);
        }
        (view, true)
    }

    /// How the attempt on `claimed` ended, for the outbox, with `view` showing the same.
    fn end_of<'a>(
        &self,
        claimed: &Delivery,
        result: &'a Result<Confirmed, PortError>,
        now: chrono::DateTime<chrono::Utc>,
        view: &mut DeliveryView,
    ) -> AttemptEnd<'a> {
        let e = match result {
            Ok(Confirmed {
                remote_ref,
                written,
                untold,
            }) => {
                view.href = remote_ref.clone();
                view.status = DeliveryStatus::written(*written);
                view.message.clear();
                if !untold.is_empty() {
                    self.tell_the_untold(claimed, untold, view);
                }
                let state = match written {
                    Written::Superseded { held } => {
                        view.message = format!(
                            "the calendar holds a newer version of this meeting (SEQUENCE {held}), changed outside Belfry; nothing was overwritten"
                        );
                        DeliveryState::Superseded
                    }
                    _ => DeliveryState::Done,
                };
                view.state = state;
                return AttemptEnd::Confirmed { remote_ref, state };
            }
            Err(e) => e,
        };
        view.message = e.message.clone();
        view.attempts = claimed.attempts + 1;
        match e.failure {
            Failure::Transient { retry_after } => {
                let at = next_try(now, claimed.attempts, retry_after);
                view.state = DeliveryState::Pending;
                view.status = DeliveryStatus::Pending;
                view.next_try_at = at.to_rfc3339();
                AttemptEnd::Later {
                    error: &e.message,
                    next_try_at: at,
                }
            }
            Failure::Permanent | Failure::Unauthorized => {
                view.state = DeliveryState::Failed;
                view.status = DeliveryStatus::Failed;
                AttemptEnd::Failed { error: &e.message }
            }
        }
    }

    /// A delivery no attempt could take (it is not pending, or another process holds it),
    /// as it stands in the outbox.
    fn as_it_stands(&self, key: &DeliveryKey) -> DeliveryView {
        let current = self
            .store()
            .deliveries_of(&key.meeting_uid)
            .ok()
            .and_then(|all| all.into_iter().find(|d| d.key() == *key));
        let Some(d) = current else {
            return unknown(
                key,
                DeliveryState::Failed,
                "this delivery is not in the outbox",
            );
        };
        let title = self
            .store()
            .meeting_by_uid(&d.meeting_uid)
            .ok()
            .flatten()
            .and_then(|r| r.meeting)
            .map(|m| m.title)
            .unwrap_or_default();
        let mut view = view_of(&d, &title);
        view.account = self.account_name(&d.account_id);
        if d.state == DeliveryState::Pending {
            view.message = "another Belfry is sending it right now".into();
        }
        view
    }

    /// The name of the account with stable id `id` (empty when it was removed).
    fn account_name(&self, id: &str) -> String {
        self.store()
            .account_by_id(id)
            .ok()
            .flatten()
            .map(|a| a.name)
            .unwrap_or_default()
    }

    /// The requests of one attempt. Every failure says whether a later try can help.
    fn attempt(
        &self,
        d: &Delivery,
        record: Result<Option<MeetingRecord>, belfry_store::StoreError>,
        view: &mut DeliveryView,
    ) -> Result<Confirmed, PortError> {
        let stored = |e: belfry_store::StoreError| PortError::transient(e.to_string(), None);
        let record = record
            .map_err(stored)?
            .ok_or_else(|| PortError::permanent("the meeting of this delivery is gone"))?;
        let meeting = record
            .meeting
            .clone()
            .ok_or_else(|| PortError::permanent("this delivery has no meeting"))?;
        // A meeting saved by an older Belfry, or a damaged database, is not sent as it is;
        // its cancellation always is (written within the limits: the calendar matches the UID).
        let meeting = match meeting.check_limits() {
            Ok(()) => meeting,
            Err(_) if d.cancelled => meeting.within_limits(),
            Err(e) => {
                return Err(PortError::permanent(format!(
                    "the saved meeting cannot be sent ({e}): reschedule it"
                )));
            }
        };
        let account = self
            .store()
            .account_by_id(&d.account_id)
            .map_err(stored)?
            .ok_or_else(|| {
                PortError::permanent(
                    "the account of this delivery was removed: add it again and retry",
                )
            })?;
        view.account = account.name.clone();
        if d.cancelled && !d.sent && d.remote_ref.is_none() {
            // No request for it ever left: there is nothing to cancel and nobody to tell.
            return Ok(Confirmed {
                remote_ref: String::new(),
                written: Written::NothingToCancel,
                untold: Vec::new(),
            });
        }
        let calendar = self.calendars.open(self, &account).map_err(port_error)?;
        let lane = calendar.lane(&d.calendar);
        let _place = self.lanes().enter(&lane.key, lane.width);
        view.invitations_sent = calendar.sends_invitations();
        let (provider, invitation) = self.invitation_to_send(&meeting, d.cancelled)?;
        let version = EventVersion {
            uid: &record.uid,
            sequence: d.sequence,
            cancelled: d.cancelled,
            meeting: &meeting,
            invitation: &invitation,
            provider: &provider,
            dtstamp: self.now(),
            reminder_minutes: REMINDER_MINUTES,
            known_ref: d.remote_ref.as_deref().filter(|r| !r.is_empty()),
            maybe_sent: d.sent,
        };
        calendar.write(&d.calendar, &version)
    }

    /// The calendar's server took delivery `d` but could not tell `untold` of it (a
    /// scheduling server that delivers only to its own users): with a mail account Belfry
    /// emails them this version (and, as for any email, a CANCEL to whoever it told before
    /// and is no longer invited); without one the delivery says who was not told.
    fn tell_the_untold(&self, d: &Delivery, untold: &[String], view: &mut DeliveryView) {
        let wanted = || -> Result<bool, AppError> {
            let Some(mail) = self.mail_account()? else {
                return Ok(false);
            };
            let Some(record) = self.store().meeting_by_uid(&d.meeting_uid)? else {
                return Ok(true);
            };
            let invited: Vec<String> = record
                .meeting
                .iter()
                .flat_map(|m| m.attendees.iter().map(|a| a.as_str().to_ascii_lowercase()))
                .chain(untold.iter().map(|a| a.to_ascii_lowercase()))
                .collect();
            // Whoever Belfry emailed before and is still invited hears of this version too.
            let mut listed: Vec<String> = untold.to_vec();
            for m in self.store().mail_of(&d.meeting_uid)? {
                let a = m.key.attendee;
                if !m.cancel
                    && invited.contains(&a)
                    && !listed.iter().any(|l| l.eq_ignore_ascii_case(&a))
                {
                    listed.push(a);
                }
            }
            self.store().want_mail(
                &d.meeting_uid,
                d.sequence,
                d.cancelled,
                &listed,
                &mail.id,
                self.now(),
            )?;
            Ok(true)
        };
        tracing::info!(untold = ?untold, "the calendar's server could not tell them");
        match wanted() {
            Ok(true) => {}
            Ok(false) => {
                view.message = format!(
                    "the calendar's server could not tell {}: add an outgoing mail account for Belfry to email them, or send them the invitation",
                    untold.join(", ")
                );
            }
            Err(e) => {
                view.message = format!(
                    "the calendar's server could not tell {}, and their emails were not queued: {}",
                    untold.join(", "),
                    e.message
                );
            }
        }
    }
}

impl App {
    /// The provider and the invitation of a saved meeting, as it is sent (to a calendar, by
    /// email). A cancellation goes out even when the saved template fails for it.
    pub(crate) fn invitation_to_send(
        &self,
        meeting: &belfry_core::Meeting,
        cancelled: bool,
    ) -> Result<(belfry_core::Provider, belfry_core::Invitation), PortError> {
        let provider = self
            .provider_of_key(&meeting.provider)
            .map_err(|e| PortError::permanent(format!("{}, then retry", e.message)))?;
        let template = self.template_for(&provider).map_err(port_error)?;
        let invitation = match render_invitation(meeting, &provider, &template) {
            Ok(invitation) => invitation,
            Err(_) if cancelled => {
                render_invitation(meeting, &provider, provider.default_template())
                    .map_err(|e| PortError::permanent(e.to_string()))?
            }
            Err(e) => {
                return Err(PortError::permanent(format!(
                    "the invitation template fails for this meeting ({e}): fix it in settings"
                )));
            }
        };
        Ok((provider, invitation))
    }
}

/// An application error as the outbox treats it: a keyring or a sign-in the user must fix is
/// The one log event that says how an attempt ended.
fn log_end(claimed: &Delivery, end: &AttemptEnd<'_>, view: &DeliveryView) {
    let attempt = claimed.attempts + 1;
    match end {
        AttemptEnd::Confirmed { .. } => tracing::info!(
            sequence = claimed.sequence,
            cancelled = claimed.cancelled,
            attempt,
            status = %view.status,
            note = %view.message,
            "written"
        ),
        AttemptEnd::Later { error, next_try_at } => tracing::warn!(
            sequence = claimed.sequence,
            attempt,
            next_try_at = %next_try_at.to_rfc3339(),
            error = %error,
            "will be tried again"
        ),
        AttemptEnd::Failed { error } => tracing::error!(
            sequence = claimed.sequence,
            attempt,
            error = %error,
            "failed"
        ),
    }
}

/// permanent until they do; a database hiccup is worth another try.
fn port_error(e: AppError) -> PortError {
    let failure = match e.code {
        ErrorCode::Unauthorized => Failure::Unauthorized,
        ErrorCode::Invalid | ErrorCode::NotFound => Failure::Permanent,
        // A locked keyring, a hiccup of the database or the network: later may work.
        _ => Failure::Transient { retry_after: None },
    };
    PortError {
        failure,
        message: e.message,
        field: e.fields.first().map(|f| f.field),
    }
}

/// A delivery the outbox could not read: what is known of it, in `state`, and why.
fn unknown(key: &DeliveryKey, state: DeliveryState, message: &str) -> DeliveryView {
    DeliveryView {
        uid: key.meeting_uid.clone(),
        title: String::new(),
        account: String::new(),
        calendar: key.calendar.clone(),
        href: String::new(),
        state,
        status: DeliveryStatus::standing(state, false),
        invitations_sent: false,
        message: message.to_owned(),
        attempts: 0,
        next_try_at: String::new(),
    }
}

/// A delivery as it stands.
fn view_of(d: &Delivery, title: &str) -> DeliveryView {
    DeliveryView {
        uid: d.meeting_uid.clone(),
        title: title.to_owned(),
        account: String::new(),
        calendar: d.calendar.clone(),
        href: d.remote_ref.clone().unwrap_or_default(),
        state: d.state,
        status: DeliveryStatus::standing(d.state, d.cancelled),
        invitations_sent: false,
        message: d.last_error.clone().unwrap_or_default(),
        attempts: d.attempts,
        next_try_at: d.next_try_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
    }
}

/// Where a meeting goes: the calendar as the delivery records it (a CalDAV URL, a Google
/// calendar id, a Graph calendar path), and the host when it is another person's calendar.
struct Target {
    calendar: String,
    host: Option<String>,
    /// Another person's calendar whose owner the server does not name (CalDAV).
    foreign: bool,
}

/// On a Google or Microsoft calendar the signed-in address organizes unless the form names
/// someone; on a CalDAV server that schedules, the account's first calendar address (the
/// one the server emails the attendees for).
fn organized_by(form: &MeetingForm, account: &AccountRecord) -> MeetingForm {
    let mut form = form.clone();
    if form.organizer.trim().is_empty() {
        match &account.config {
            AccountConfig::Google | AccountConfig::Microsoft => {
                form.organizer = account.identity.clone();
            }
            AccountConfig::Caldav(c) if c.auto_schedule => {
                if let Some(first) = c.addresses.first() {
                    form.organizer = first.clone();
                }
            }
            _ => {}
        }
    }
    form
}

/// On a host's calendar, the host is the organizer: the form says so (filled in when empty).
/// The engine then refuses the delegate's own personal ID there.
fn delegate_form(
    form: &MeetingForm,
    target: &Target,
    account: &AccountRecord,
) -> Result<MeetingForm, AppError> {
    let Some(host) = &target.host else {
        let named = form.on_behalf_of.trim();
        if target.foreign && named.is_empty() {
            return Err(AppError::field(
                Field::OnBehalfOf,
                "this calendar is another person's: give the host's email (on behalf of), who becomes the organizer",
            ));
        }
        if !target.foreign && !named.is_empty() && invites_only_as_itself(account, named) {
            return Err(AppError::field(
                Field::OnBehalfOf,
                format!(
                    "this calendar is yours, and its server sends invitations only as you: leave on behalf of empty, or pick {named}'s calendar shared with you"
                ),
            ));
        }
        return Ok(form.clone());
    };
    let named = form.on_behalf_of.trim();
    if named.is_empty() {
        return Ok(MeetingForm {
            on_behalf_of: host.clone(),
            ..form.clone()
        });
    }
    if !named.eq_ignore_ascii_case(host) {
        return Err(AppError::field(
            Field::OnBehalfOf,
            format!(
                "this calendar is {host}'s: schedule on behalf of {host}, or pick your own calendar"
            ),
        ));
    }
    Ok(form.clone())
}

/// `calendar` is one of the CalDAV account's calendars another person owns, as its last
/// listing said.
pub(crate) fn is_shared(account: &AccountRecord, calendar: &str) -> bool {
    matches!(&account.config, AccountConfig::Caldav(c) if c.shared.iter().any(|s| s == calendar))
}

/// A scheduling server (RFC 6638) invites only as the owner of the calendar: on the
/// account's own calendar, a meeting `host` organizes would be stored and nobody told.
fn invites_only_as_itself(account: &AccountRecord, host: &str) -> bool {
    match &account.config {
        AccountConfig::Caldav(c) if c.auto_schedule => {
            !c.addresses.is_empty() && !c.addresses.iter().any(|a| a.eq_ignore_ascii_case(host))
        }
        _ => false,
    }
}

/// How many bulk rows run at once.
pub const BULK_WORKERS: usize = 4;

/// The calendar as the account's port names it, and its owner when that is someone else (a
/// host whose calendar the account manages): Graph addresses a host's calendar through the
/// host's mailbox.
pub(crate) fn port_calendar(
    record: &AccountRecord,
    id: &str,
    owner: &str,
) -> (String, Option<String>) {
    let host = Some(owner.trim())
        .filter(|o| !o.is_empty() && !o.eq_ignore_ascii_case(&record.identity))
        .map(str::to_owned);
    let calendar = if record.kind() == AccountKind::Microsoft {
        belfry_cloud::graph_calendar_path(id, host.as_deref())
    } else {
        id.to_owned()
    };
    (calendar, host)
}

/// A stable key for a scheduled form: FNV-1a over the form's fields, the account's stable id
/// (so renaming the account changes nothing) and the calendar as resolved.
pub(crate) fn row_key(form: &MeetingForm, account_id: &str, calendar: &str) -> String {
    // A form that names no provider hashes as it did before forms had one (the field comes
    // first), so the rows an earlier Belfry remembered are still found.
    let text = serde_json::to_string(form).unwrap_or_default();
    let text = match text.strip_prefix("{\"provider\":\"\",") {
        Some(rest) => format!("{{{rest}"),
        None => text,
    };
    format!("{:016x}", fnv1a(&[&text, account_id, calendar]))
}

/// FNV-1a over `parts` with a zero byte between them: the stable keys of bulk rows and of
/// events being moved off Chime.
pub(crate) fn fnv1a(parts: &[&str]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for (i, part) in parts.iter().enumerate() {
        let sep: &[u8] = if i == 0 { &[] } else { &[0] };
        for &b in sep.iter().chain(part.as_bytes()) {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    hash
}

impl App {
    /// How a version went: its deliveries, and the emails Belfry sends for it (sent now).
    fn outcome(&self, record: &MeetingRecord, deliveries: Vec<DeliveryView>) -> ScheduleOutcome {
        let mail = match self.send_mail_of(&record.uid) {
            Ok(mail) => mail,
            Err(e) => vec![crate::mail::MailView {
                uid: record.uid.clone(),
                sequence: record.sequence,
                attendee: String::new(),
                cancel: false,
                state: belfry_store::mail::MailState::Pending,
                message: e.message,
            }],
        };
        ScheduleOutcome {
            uid: record.uid.clone(),
            meeting_id: record.meeting_id.code(),
            display: record.meeting_id.grouped(),
            sequence: record.sequence,
            again: false,
            deliveries,
            mail,
        }
    }
}
