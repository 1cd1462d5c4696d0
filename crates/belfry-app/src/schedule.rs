//! Putting meetings on calendars, exactly once: each (meeting, calendar) is recorded in the
//! outbox before the first byte is sent, written idempotently, and confirmed afterwards; what
//! a crash or a kill left pending is finished at the next start.

use belfry_caldav::{CalDav, Put, Retry};
use belfry_core::ics::IcsOptions;
use belfry_core::{Field, MeetingForm, MeetingId, Method, render_ics, render_invitation};
use belfry_store::{AccountRecord, Delivery, MeetingRecord};
use serde::Serialize;

use crate::accounts::secret_key;
use crate::{App, AppError, ErrorCode, REMINDER_MINUTES};

/// Where a meeting went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DeliveryView {
    pub account: String,
    pub calendar: String,
    /// The event's address on the server.
    pub href: String,
    /// `created`, `updated`, `pending` (will be retried at the next start) or `failed`.
    pub status: String,
    /// The server emailed the attendees itself.
    pub invitations_sent: bool,
    pub message: String,
}

/// The result of scheduling a meeting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ScheduleOutcome {
    pub meeting_id: String,
    pub display: String,
    pub sequence: u32,
    pub deliveries: Vec<DeliveryView>,
}

impl App {
    /// Puts the meeting on `account`'s `calendar` (or its default calendar).
    pub fn schedule(
        &self,
        form: &MeetingForm,
        account: &str,
        calendar: Option<&str>,
    ) -> Result<ScheduleOutcome, AppError> {
        let (record, target) = self.destination(account, calendar)?;
        self.schedule_to(form, &record, &target)
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

    fn schedule_to(
        &self,
        form: &MeetingForm,
        record: &AccountRecord,
        target: &Target,
    ) -> Result<ScheduleOutcome, AppError> {
        let form = delegate_form(&organized_by(form, record), target)?;
        let prepared = self.prepare(&form)?;
        let d = self.store().want_delivery(
            &prepared.record.uid,
            &record.id,
            &target.calendar,
            prepared.record.sequence,
            false,
            self.now(),
        )?;
        let view = self.deliver(&d);
        Ok(outcome(&prepared.record, vec![view]))
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
                        let key = row_key(form, account, calendar);
                        let result = self.schedule_row(form, &key, &record, &target);
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

    fn schedule_row(
        &self,
        form: &MeetingForm,
        key: &str,
        record: &AccountRecord,
        target: &Target,
    ) -> Result<ScheduleOutcome, AppError> {
        let form = match self.store().bulk_row(key)? {
            Some(id) => MeetingForm {
                meeting_id: id.digits(),
                ..form.clone()
            },
            None => form.clone(),
        };
        if form.meeting_id.is_empty() {
            // Reserve the row's meeting first, then remember it, then schedule it: a kill at
            // any point leaves at worst an ID that was never sent anywhere.
            let made = self.new_meeting(
                form.kind == belfry_core::MeetingKind::Moderated,
                Some(&form.passcode),
            )?;
            self.store()
                .remember_bulk_row(key, made.meeting_id, self.now())?;
            // Rows run side by side: when an identical row got there first, its meeting is
            // this row's too (the one reserved here is never sent anywhere).
            let id = self.store().bulk_row(key)?.unwrap_or(made.meeting_id);
            let form = MeetingForm {
                meeting_id: id.digits(),
                passcode: String::new(),
                ..form
            };
            return self.schedule_to(&form, record, target);
        }
        self.schedule_to(&form, record, target)
    }

    /// Sends a changed meeting (same meeting ID) to every calendar that holds it.
    pub fn reschedule(&self, form: &MeetingForm) -> Result<ScheduleOutcome, AppError> {
        let id = form.parse_meeting_id()?.ok_or_else(|| {
            AppError::field(
                Field::MeetingId,
                "rescheduling needs the meeting ID of a scheduled meeting",
            )
        })?;
        let existing = self.scheduled(id)?;
        // Whoever organized it still does, unless the form says otherwise.
        let mut form = form.clone();
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
        let prepared = self.prepare(&form)?;
        self.redeliver(&prepared.record, &existing, false)
    }

    /// Cancels a scheduled meeting on every calendar that holds it.
    pub fn cancel_meeting(&self, id: MeetingId) -> Result<ScheduleOutcome, AppError> {
        let existing = self.scheduled(id)?;
        let meeting = existing.meeting.clone().ok_or_else(|| {
            AppError::new(
                ErrorCode::NotFound,
                format!("meeting {id} was never scheduled"),
            )
        })?;
        let file = self.ics(&meeting.to_form(), Method::Cancel)?;
        self.redeliver(&file.prepared.record, &existing, true)
    }

    /// Finishes what the outbox holds (run at every start). Returns what it did.
    pub fn resume_outbox(&self) -> Result<Vec<DeliveryView>, AppError> {
        Ok(self
            .store()
            .pending_deliveries()?
            .iter()
            .map(|d| self.deliver(d))
            .collect())
    }

    fn scheduled(&self, id: MeetingId) -> Result<MeetingRecord, AppError> {
        let rec = self.store().latest_with_id(id)?.ok_or_else(|| {
            AppError::field(
                Field::MeetingId,
                format!("meeting {id} is not in your history"),
            )
        })?;
        if self.store().deliveries_of(&rec.uid)?.is_empty() {
            return Err(AppError::field(
                Field::MeetingId,
                format!("meeting {id} is on no calendar yet: schedule it first"),
            ));
        }
        Ok(rec)
    }

    fn redeliver(
        &self,
        now: &MeetingRecord,
        before: &MeetingRecord,
        cancelled: bool,
    ) -> Result<ScheduleOutcome, AppError> {
        let mut views = Vec::new();
        for old in self.store().deliveries_of(&before.uid)? {
            let d = self.store().want_delivery(
                &now.uid,
                &old.account_id,
                &old.calendar,
                now.sequence,
                cancelled,
                self.now(),
            )?;
            views.push(self.deliver(&d));
        }
        Ok(outcome(now, views))
    }

    fn account_for_scheduling(&self, name: &str) -> Result<AccountRecord, AppError> {
        let record = self.store().account(name)?.ok_or_else(|| {
            AppError::new(
                ErrorCode::NotFound,
                format!("there is no account named {:?}", name.trim()),
            )
        })?;
        match record.kind.as_str() {
            "caldav" | "google" | "microsoft" => Ok(record),
            "aws" => Err(AppError::new(
                ErrorCode::Invalid,
                "an AWS account has no calendars",
            )),
            other => Err(AppError::new(
                ErrorCode::Storage,
                format!("account {:?} has an unknown kind {other:?}", record.name),
            )),
        }
    }

    fn pick_calendar(
        &self,
        record: &AccountRecord,
        wanted: Option<&str>,
    ) -> Result<Target, AppError> {
        let wanted = wanted.map(str::trim).filter(|w| !w.is_empty());
        if let (None, Some(default), "caldav") =
            (wanted, &record.default_calendar, record.kind.as_str())
        {
            // Chosen (and checked) when it was made the default: no round trip needed.
            return Ok(Target {
                calendar: default.clone(),
                host: None,
                foreign: false,
            });
        }
        let calendars = self.account_calendars(&record.name)?;
        let chosen = match wanted {
            Some(w) => calendars.iter().find(|c| c.id == w || c.name == w),
            None => calendars.iter().find(|c| c.is_default),
        };
        if let (None, Some(w), "caldav") = (chosen, wanted, record.kind.as_str())
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
        let host = Some(c.owner.trim())
            .filter(|o| !o.is_empty() && !o.eq_ignore_ascii_case(&record.identity))
            .map(str::to_owned);
        let calendar = if record.kind == "microsoft" {
            belfry_cloud::graph_calendar_path(&c.id, host.as_deref())
        } else {
            c.id.clone()
        };
        Ok(Target {
            calendar,
            host,
            foreign: false,
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
                format!("--calendar: {wanted:?} is not a URL: {e}"),
            )
        })?;
        let home = url::Url::parse(record.config["calendar_home"].as_str().unwrap_or_default())
            .map_err(|_| AppError::new(ErrorCode::Storage, "the saved calendar home is damaged"))?;
        if url.origin() != home.origin() {
            // The account's password must never go to another server.
            return Err(AppError::new(
                ErrorCode::Invalid,
                format!(
                    "--calendar: {wanted} is not on {:?}'s server ({}); add an account for that server",
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
        let client = CalDav::new(&record.identity, password);
        let same = |href: &str| href.trim_end_matches('/') == url.as_str().trim_end_matches('/');
        let listed = match client.calendars(&url) {
            // The account's password works (it listed its own calendars): this is about rights.
            Err(belfry_caldav::CalDavError::Unauthorized(403)) => Vec::new(),
            other => other?,
        };
        let found = listed.into_iter().find(|c| same(&c.href));
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
        Ok(Target {
            calendar: c.href,
            host: None,
            foreign: !url.as_str().starts_with(home.as_str()),
        })
    }

    /// One delivery: render the version it asks for, write it with retries, record the result.
    fn deliver(&self, d: &Delivery) -> DeliveryView {
        let mut view = DeliveryView {
            account: String::new(),
            calendar: d.calendar.clone(),
            href: d.remote_ref.clone().unwrap_or_default(),
            status: "pending".into(),
            invitations_sent: false,
            message: String::new(),
        };
        match self.try_deliver(d, &mut view) {
            Ok((href, status)) => {
                view.href = href.clone();
                view.status = status.into();
                if let Err(e) = self.store().delivered(d, &href, self.now()) {
                    view.message = format!("written, but not recorded: {e}");
                }
            }
            Err((e, transient)) => {
                let _ = self.store().delivery_failed(d, &e.message, self.now());
                view.status = if transient { "pending" } else { "failed" }.into();
                view.message = e.message;
            }
        }
        view
    }

    fn try_deliver(
        &self,
        d: &Delivery,
        view: &mut DeliveryView,
    ) -> Result<(String, &'static str), (AppError, bool)> {
        let fatal = |e: AppError| (e, false);
        let record = self
            .store()
            .meeting_by_uid(&d.meeting_uid)
            .map_err(|e| fatal(e.into()))?
            .ok_or_else(|| {
                fatal(AppError::new(
                    ErrorCode::Storage,
                    "the meeting of a pending delivery is gone",
                ))
            })?;
        let meeting = record.meeting.clone().ok_or_else(|| {
            fatal(AppError::new(
                ErrorCode::Storage,
                "a pending delivery has no meeting",
            ))
        })?;
        let account = self
            .store()
            .accounts()
            .map_err(|e| fatal(e.into()))?
            .into_iter()
            .find(|a| a.id == d.account_id)
            .ok_or_else(|| {
                fatal(AppError::new(
                    ErrorCode::NotFound,
                    "the account of a pending delivery was removed",
                ))
            })?;
        view.account = account.name.clone();
        let _lane = self
            .lanes()
            .enter(&lane_key(&account, &d.calendar), lane_width(&account.kind));
        // Google emails the attendees (sendUpdates=all); a CalDAV server only if it schedules.
        view.invitations_sent = matches!(account.kind.as_str(), "google" | "microsoft")
            || account.config["auto_schedule"].as_bool().unwrap_or(false);
        let template = self.template_text().map_err(fatal)?;
        let invitation = render_invitation(&meeting, self.provider(), &template)
            .map_err(|e| fatal(AppError::new(ErrorCode::Invalid, e.to_string())))?;
        match account.kind.as_str() {
            "google" => return self.deliver_google(d, &record, &meeting, &invitation, &account),
            "microsoft" => return self.deliver_graph(d, &record, &meeting, &invitation, &account),
            _ => {}
        }
        // A calendar resource carries no METHOD; a cancellation is the event, cancelled.
        let ics = render_ics(
            &meeting,
            &invitation,
            self.provider(),
            &IcsOptions {
                uid: record.uid.clone(),
                sequence: d.sequence,
                dtstamp: self.now(),
                method: None,
                reminder_minutes: Some(REMINDER_MINUTES),
                cancelled: d.cancelled,
            },
        )
        .map_err(|e| fatal(AppError::field(Field::Organizer, e.to_string())))?;
        let password = self
            .secrets_store()
            .map_err(fatal)?
            .get(&secret_key(&account.id, "password"))
            .map_err(|e| fatal(e.into()))?
            .ok_or_else(|| {
                fatal(AppError::new(
                    ErrorCode::Unauthorized,
                    "the account's password is not in this keyring",
                ))
            })?;
        let calendar = url::Url::parse(&d.calendar).map_err(|_| {
            fatal(AppError::new(
                ErrorCode::Storage,
                "a damaged calendar address",
            ))
        })?;
        let dav = CalDav::new(&account.identity, password);
        match dav.put_event_retrying(&calendar, &record.uid, &ics, Retry::default()) {
            Ok((href, Put::Created)) => Ok((href.to_string(), "created")),
            Ok((href, Put::Replaced)) => Ok((href.to_string(), "updated")),
            Err(e) => {
                let transient = e.is_transient();
                Err((e.into(), transient))
            }
        }
    }
}

impl App {
    /// A Google Calendar event, inserted exactly once with an id derived from the meeting's
    /// UID, replaced when it changes (SEQUENCE up) and deleted when cancelled; Google emails
    /// the attendees each time (meet@chime.aws included).
    fn deliver_google(
        &self,
        d: &Delivery,
        record: &MeetingRecord,
        meeting: &belfry_core::Meeting,
        invitation: &belfry_core::Invitation,
        account: &AccountRecord,
    ) -> Result<(String, &'static str), (AppError, bool)> {
        let fatal = |e: AppError| (e, false);
        let tz = meeting.time_zone;
        let local = |t: chrono::DateTime<chrono_tz::Tz>| {
            t.naive_local().format("%Y-%m-%dT%H:%M:%S").to_string()
        };
        let mut event = serde_json::json!({
            "id": belfry_cloud::google_event_id(&record.uid),
            "summary": meeting.title,
            // Google takes HTML in descriptions (the links stay links).
            "description": invitation.html,
            "location": invitation.location,
            "start": { "dateTime": local(meeting.resolved_start().at), "timeZone": tz.name() },
            "end": { "dateTime": local(meeting.end()), "timeZone": tz.name() },
            "attendees": invitation.attendees.iter().map(|a| serde_json::json!({ "email": a.as_str() })).collect::<Vec<_>>(),
            "reminders": { "useDefault": false, "overrides": [{ "method": "popup", "minutes": REMINDER_MINUTES }] },
            "sequence": d.sequence,
        });
        if let Some(r) = &meeting.recurrence {
            event["recurrence"] = serde_json::json!([format!("RRULE:{}", r.rrule(tz))]);
        }
        let (session, api_base) = self
            .cloud_api(account, belfry_oauth::ProviderKind::Google)
            .map_err(fatal)?;
        let id = belfry_cloud::google_event_id(&record.uid);
        let result = if d.cancelled {
            belfry_cloud::delete_google_event(
                &session,
                &api_base,
                &d.calendar,
                &id,
                Retry::default(),
            )
            .map(|_| (id, "cancelled"))
        } else if d.sequence > 0 {
            match belfry_cloud::update_google_event(
                &session,
                &api_base,
                &d.calendar,
                &event,
                Retry::default(),
            ) {
                // The first version never reached the calendar: this one goes in its place.
                Err(belfry_cloud::CloudError::Http { status: 404, .. }) => {
                    belfry_cloud::insert_google_event(
                        &session,
                        &api_base,
                        &d.calendar,
                        &event,
                        Retry::default(),
                    )
                    .map(|(id, _)| (id, "created"))
                }
                other => other.map(|_| (id, "updated")),
            }
        } else {
            belfry_cloud::insert_google_event(
                &session,
                &api_base,
                &d.calendar,
                &event,
                Retry::default(),
            )
            .map(|(id, how)| match how {
                belfry_cloud::Inserted::Created => (id, "created"),
                belfry_cloud::Inserted::AlreadyThere => (id, "already there"),
            })
        };
        result.map_err(|e| {
            let transient = e.is_transient();
            (e.into(), transient)
        })
    }
}

impl App {
    /// A Microsoft Graph event: created once (its `transactionId` derived from the meeting's
    /// UID and calendar), patched when it changes and deleted when cancelled; Graph emails the
    /// attendees each time. Times are in the meeting's Windows time zone, so a series keeps
    /// its local time across DST.
    fn deliver_graph(
        &self,
        d: &Delivery,
        record: &MeetingRecord,
        meeting: &belfry_core::Meeting,
        invitation: &belfry_core::Invitation,
        account: &AccountRecord,
    ) -> Result<(String, &'static str), (AppError, bool)> {
        let fatal = |e: AppError| (e, false);
        let event = graph_event(record, meeting, invitation, &d.calendar).map_err(fatal)?;
        let (session, api_base) = self
            .cloud_api(account, belfry_oauth::ProviderKind::Microsoft)
            .map_err(fatal)?;
        let known = d.remote_ref.clone().filter(|r| !r.is_empty());
        let retry = Retry::default();
        let result = match (known, d.cancelled) {
            (Some(id), true) => {
                belfry_cloud::delete_graph_event(&session, &api_base, &d.calendar, &id, retry)
                    .map(|_| (id, "cancelled"))
            }
            (Some(id), false) => belfry_cloud::update_graph_event(
                &session,
                &api_base,
                &d.calendar,
                &id,
                &graph_patch(&event),
                retry,
            )
            .map(|_| (id, "updated")),
            (None, true) => {
                // Never created (or its creation is still unconfirmed): creating it with the
                // same transactionId finds the first one if it exists, and then it goes.
                belfry_cloud::create_graph_event(&session, &api_base, &d.calendar, &event, retry)
                    .and_then(|id| {
                        belfry_cloud::delete_graph_event(
                            &session,
                            &api_base,
                            &d.calendar,
                            &id,
                            retry,
                        )
                        .map(|_| (id, "cancelled"))
                    })
            }
            (None, false) => {
                let created = belfry_cloud::create_graph_event(
                    &session,
                    &api_base,
                    &d.calendar,
                    &event,
                    retry,
                );
                match created {
                    // A newer version whose first creation was never confirmed: the
                    // transactionId may hand back the first version, so it is brought up to
                    // date.
                    Ok(id) if d.sequence > 0 => belfry_cloud::update_graph_event(
                        &session,
                        &api_base,
                        &d.calendar,
                        &id,
                        &graph_patch(&event),
                        retry,
                    )
                    .map(|_| (id, "updated")),
                    Ok(id) => Ok((id, "created")),
                    Err(e) => Err(e),
                }
            }
        };
        result.map_err(|e| {
            let transient = e.is_transient();
            (e.into(), transient)
        })
    }
}

/// An event as a PATCH body: everything but the `transactionId`, which only creations carry.
fn graph_patch(event: &serde_json::Value) -> serde_json::Value {
    let mut patch = event.clone();
    if let Some(map) = patch.as_object_mut() {
        map.remove("transactionId");
    }
    patch
}

/// The Graph event of a meeting.
fn graph_event(
    record: &MeetingRecord,
    meeting: &belfry_core::Meeting,
    invitation: &belfry_core::Invitation,
    calendar: &str,
) -> Result<serde_json::Value, AppError> {
    let tz = meeting.time_zone;
    let start = meeting.resolved_start().at;
    let end = meeting.end();
    let (zone, start_text, end_text) = match belfry_core::graph::windows_zone(tz) {
        Some(zone) => (
            zone,
            start.naive_local().format("%Y-%m-%dT%H:%M:%S").to_string(),
            end.naive_local().format("%Y-%m-%dT%H:%M:%S").to_string(),
        ),
        None if meeting.recurrence.is_some() => {
            return Err(AppError::field(
                Field::TimeZone,
                format!(
                    "Outlook has no time zone for {}: pick a city with the same clock for a series",
                    tz.name()
                ),
            ));
        }
        // The same instants, in UTC: right for a single meeting.
        None => (
            "UTC",
            start.naive_utc().format("%Y-%m-%dT%H:%M:%S").to_string(),
            end.naive_utc().format("%Y-%m-%dT%H:%M:%S").to_string(),
        ),
    };
    let mut event = serde_json::json!({
        "transactionId": belfry_cloud::graph_transaction_id(&record.uid, calendar),
        "subject": meeting.title,
        "body": { "contentType": "HTML", "content": invitation.html },
        "location": { "displayName": invitation.location },
        "start": { "dateTime": start_text, "timeZone": zone },
        "end": { "dateTime": end_text, "timeZone": zone },
        "attendees": invitation.attendees.iter().map(|a| serde_json::json!({
            "emailAddress": { "address": a.as_str() },
            "type": "required",
        })).collect::<Vec<_>>(),
        "isReminderOn": true,
        "reminderMinutesBeforeStart": REMINDER_MINUTES,
        "responseRequested": true,
    });
    if let Some(r) = &meeting.recurrence {
        event["recurrence"] = belfry_core::graph::patterned_recurrence(r, start.date_naive(), zone)
            .map_err(|e| AppError::field(Field::Repeat, e.to_string()))?;
    }
    Ok(event)
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
/// someone.
fn organized_by(form: &MeetingForm, account: &AccountRecord) -> MeetingForm {
    let mut form = form.clone();
    if form.organizer.trim().is_empty() && matches!(account.kind.as_str(), "google" | "microsoft") {
        form.organizer = account.identity.clone();
    }
    form
}

/// On a host's calendar, the host is the organizer: the form says so (filled in when empty).
/// The engine then refuses the delegate's own personal ID there.
fn delegate_form(form: &MeetingForm, target: &Target) -> Result<MeetingForm, AppError> {
    let Some(host) = &target.host else {
        if target.foreign && form.on_behalf_of.trim().is_empty() {
            return Err(AppError::field(
                Field::OnBehalfOf,
                "this calendar is another person's: give the host's email (on behalf of), who becomes the organizer",
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

/// Requests at once per provider lane: Graph allows 4 per mailbox; Google and CalDAV servers
/// are given the same courtesy per account.
fn lane_width(kind: &str) -> usize {
    match kind {
        "microsoft" | "google" => 4,
        _ => 2,
    }
}

/// Graph's limit is per mailbox (a delegate's writes count against the host's); the others
/// are per account.
fn lane_key(account: &AccountRecord, calendar: &str) -> String {
    match account.kind.as_str() {
        "microsoft" => format!("{}|{}", account.id, belfry_cloud::graph_mailbox(calendar)),
        _ => account.id.clone(),
    }
}

/// How many bulk rows run at once.
pub const BULK_WORKERS: usize = 4;

/// A stable key for a bulk row: FNV-1a over the row's fields, the account and the calendar.
fn row_key(form: &MeetingForm, account: &str, calendar: Option<&str>) -> String {
    let text = serde_json::to_string(form).unwrap_or_default();
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text
        .bytes()
        .chain([0])
        .chain(account.trim().to_lowercase().bytes())
        .chain([0])
        .chain(calendar.unwrap_or("").bytes())
    {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{hash:016x}")
}

fn outcome(record: &MeetingRecord, deliveries: Vec<DeliveryView>) -> ScheduleOutcome {
    ScheduleOutcome {
        meeting_id: record.meeting_id.digits(),
        display: record.meeting_id.grouped(),
        sequence: record.sequence,
        deliveries,
    }
}
