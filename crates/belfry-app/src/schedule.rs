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
        let record = self.account_for_scheduling(account)?;
        let calendar = self.pick_calendar(&record, calendar)?;
        let prepared = self.prepare(form)?;
        let d = self.store().want_delivery(
            &prepared.record.uid,
            &record.id,
            &calendar,
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
    pub fn schedule_many(
        &self,
        rows: &[MeetingForm],
        account: &str,
        calendar: Option<&str>,
        progress: &dyn Fn(usize, usize),
    ) -> Vec<Result<ScheduleOutcome, AppError>> {
        let mut results = Vec::with_capacity(rows.len());
        for (i, form) in rows.iter().enumerate() {
            progress(i + 1, rows.len());
            results.push(self.schedule_row(form, account, calendar));
        }
        results
    }

    fn schedule_row(
        &self,
        form: &MeetingForm,
        account: &str,
        calendar: Option<&str>,
    ) -> Result<ScheduleOutcome, AppError> {
        let key = row_key(form, account, calendar);
        let form = match self.store().bulk_row(&key)? {
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
                .remember_bulk_row(&key, made.meeting_id, self.now())?;
            let form = MeetingForm {
                meeting_id: made.meeting_id.digits(),
                passcode: String::new(),
                ..form
            };
            return self.schedule(&form, account, calendar);
        }
        self.schedule(&form, account, calendar)
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
        let prepared = self.prepare(form)?;
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
            "caldav" | "google" => Ok(record),
            "aws" => Err(AppError::new(
                ErrorCode::Invalid,
                "an AWS account has no calendars",
            )),
            other => Err(AppError::new(
                ErrorCode::Invalid,
                format!(
                    "putting meetings on {other} calendars is not available yet; use a CalDAV or Google account, or the .ics"
                ),
            )),
        }
    }

    fn pick_calendar(
        &self,
        record: &AccountRecord,
        wanted: Option<&str>,
    ) -> Result<String, AppError> {
        let wanted = wanted.map(str::trim).filter(|w| !w.is_empty());
        if let (None, Some(default)) = (wanted, &record.default_calendar) {
            // Chosen (and checked) when it was made the default: no round trip needed.
            return Ok(default.clone());
        }
        let calendars = self.account_calendars(&record.name)?;
        let chosen = match wanted {
            Some(w) => calendars.iter().find(|c| c.id == w || c.name == w),
            None => calendars.iter().find(|c| c.is_default),
        };
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
                format!("{:?} is read-only for you", c.name),
            ));
        }
        Ok(c.id.clone())
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
        // Google emails the attendees (sendUpdates=all); a CalDAV server only if it schedules.
        view.invitations_sent =
            account.kind == "google" || account.config["auto_schedule"].as_bool().unwrap_or(false);
        let template = self.template_text().map_err(fatal)?;
        let invitation = render_invitation(&meeting, self.provider(), &template)
            .map_err(|e| fatal(AppError::new(ErrorCode::Invalid, e.to_string())))?;
        if account.kind == "google" {
            return self.deliver_google(d, &record, &meeting, &invitation, &account);
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
            "description": invitation.text,
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
        let session = self
            .token_session(account, belfry_oauth::ProviderKind::Google)
            .map_err(fatal)?;
        let api_base = belfry_oauth::Config::load()
            .map_err(|e| fatal(e.into()))?
            .provider(belfry_oauth::ProviderKind::Google)
            .api_base
            .clone();
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
            belfry_cloud::update_google_event(
                &session,
                &api_base,
                &d.calendar,
                &event,
                Retry::default(),
            )
            .map(|_| (id, "updated"))
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
        match result {
            Ok(done) => Ok(done),
            Err(e) => {
                let transient = matches!(
                    e,
                    belfry_cloud::CloudError::Network(_)
                        | belfry_cloud::CloudError::Http {
                            status: 429 | 500..=599,
                            ..
                        }
                );
                Err((e.into(), transient))
            }
        }
    }
}

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
