//! Moving future meetings off Amazon Chime: find every event on every connected calendar
//! that still carries Chime details (whoever made it), show what each would become, and
//! rewrite the ones the user organizes once, through the calendar port, so every attendee
//! is told. Each move is kept before its first request (`belfry_store::moves`), so a kill
//! or an outage resumes the same change and never sends anyone a second update.

use std::time::{Duration, Instant};

use belfry_core::calendar::{CalendarEntry, EventEdit, Failure, HeldEvent, Written};
use belfry_core::chime_details::{self, Detail, OffChime, Replacement};
use belfry_core::provider::IdKind;
use belfry_core::{MeetingKind, Provider, joining_block};
use belfry_store::moves::{EventTexts, MoveKey, MoveRecord, MoveState};
use belfry_store::{AccountKind, AccountRecord};
use chrono::{DateTime, Months, Utc};
use serde::{Deserialize, Serialize};

use crate::{App, AppError, ErrorCode};

/// How far ahead a scan looks unless told: the next twelve months.
pub const SCAN_MONTHS: u32 = 12;

/// Who can change an event for everyone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case", tag = "kind", content = "address")]
pub enum Organizer {
    /// The user organizes it (or it names no organizer: it is the user's own).
    You,
    /// The user is a delegate on the host's calendar, who organizes it.
    Host(String),
    /// Someone else organizes it: only they can update it for everyone.
    Other(String),
}

impl Organizer {
    /// Belfry may rewrite the event.
    pub fn movable(&self) -> bool {
        !matches!(self, Organizer::Other(_))
    }
}

/// One event that still carries Chime details.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ChimeEvent {
    /// A short name for the event, stable across scans (`--only`).
    pub id: String,
    pub account: String,
    pub account_id: String,
    pub calendar: String,
    pub calendar_name: String,
    /// The event's address on the calendar.
    pub remote_ref: String,
    pub title: String,
    /// The start as the calendar gave it (a series': its first).
    pub start: String,
    pub recurring: bool,
    pub organizer: Organizer,
    /// What Chime details it holds, in words.
    pub details: Vec<String>,
    /// For someone else's meeting: a short message to send them.
    pub ask: Option<String>,
    /// What the event holds now (kept with the move as its original).
    pub description: String,
    pub html: String,
    pub location: String,
    pub attendees: Vec<String>,
}

/// What a scan found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ChimeScan {
    pub from: String,
    pub to: String,
    pub events: Vec<ChimeEvent>,
    /// Accounts or calendars that could not be read, and why.
    pub problems: Vec<String>,
}

/// One event's move as planned: what it becomes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PlannedMove {
    pub event: ChimeEvent,
    /// The meeting (a fresh identifier reserved in the history) the new details carry.
    pub meeting_uid: Option<String>,
    pub meeting_id: Option<String>,
    pub description: String,
    pub html: String,
    pub location: String,
    /// The attendees removed (the Chime scheduling addresses).
    pub removed: Vec<String>,
}

/// A reviewed set of moves, all to one target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MovePlan {
    /// The provider the meetings move to; empty: the Chime details are only removed.
    pub target: String,
    pub moves: Vec<PlannedMove>,
    /// Events that are not moved, and why (someone else organizes them).
    pub skipped: Vec<SkippedEvent>,
}

/// An event a plan leaves alone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SkippedEvent {
    pub event: ChimeEvent,
    pub reason: String,
}

/// How one move ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MoveOutcome {
    pub id: String,
    pub title: String,
    pub account: String,
    pub calendar: String,
    pub state: MoveState,
    /// The calendar already held it without Chime details (an earlier attempt landed).
    pub already: bool,
    pub error: Option<String>,
    /// The service told every attendee; otherwise the user should send the .ics.
    pub attendees_told: bool,
    /// What the event held before, kept in Belfry's database.
    pub original: EventTexts,
}

/// What an apply did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MoveReport {
    pub moved: Vec<MoveOutcome>,
    pub skipped: Vec<SkippedEvent>,
}

/// A stable short name for an event: its account, calendar and address, hashed.
fn event_id(account_id: &str, calendar: &str, remote_ref: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in account_id
        .bytes()
        .chain([0])
        .chain(calendar.bytes())
        .chain([0])
        .chain(remote_ref.bytes())
    {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{:08x}", hash >> 32)
}

fn same_address(a: &str, b: &str) -> bool {
    let strip = |s: &str| {
        let s = s.trim();
        let lower = s.to_ascii_lowercase();
        match lower.strip_prefix("mailto:") {
            Some(rest) => rest.to_owned(),
            None => lower,
        }
    };
    !a.trim().is_empty() && strip(a) == strip(b)
}

/// The message to send the organizer of a meeting Belfry cannot update for everyone.
fn ask_text(title: &str) -> String {
    format!(
        "Hello, the meeting \"{title}\" still points at Amazon Chime, which AWS shut down on \
         20 February 2026. Could you update it for everyone with a link on the service we use \
         now (remove meet@chime.aws and the pin+ address, and the Chime joining details)? \
         Thank you."
    )
}

impl App {
    /// Every event from `from` (default: now) to `to` (default: twelve months on) on every
    /// calendar of every connected calendar account (or of `account` only) that carries
    /// Chime details. An account or calendar that cannot be read is named in `problems`;
    /// the others are still scanned.
    pub fn migrate_scan(
        &self,
        account: Option<&str>,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
    ) -> Result<ChimeScan, AppError> {
        let from = from.unwrap_or_else(|| self.now());
        let to = match to {
            Some(t) => t,
            None => from
                .checked_add_months(Months::new(SCAN_MONTHS))
                .unwrap_or(from),
        };
        if to <= from {
            return Err(AppError::new(
                ErrorCode::Invalid,
                "the end of the scan must come after its start",
            ));
        }
        let mut accounts: Vec<AccountRecord> = self
            .store()
            .accounts()?
            .into_iter()
            .filter(|a| a.kind() != AccountKind::Aws)
            .collect();
        if let Some(name) = account {
            accounts.retain(|a| a.name.eq_ignore_ascii_case(name.trim()));
            if accounts.is_empty() {
                return Err(AppError::new(
                    ErrorCode::NotFound,
                    format!(
                        "there is no calendar account named {:?}",
                        belfry_core::limits::excerpt(name, belfry_core::limits::MAX_ECHO_BYTES)
                    ),
                ));
            }
        }
        let own_address = self.settings()?.organizer.map(|o| o.to_string());
        let mut scan = ChimeScan {
            from: from.to_rfc3339(),
            to: to.to_rfc3339(),
            events: Vec::new(),
            problems: Vec::new(),
        };
        for account in &accounts {
            let calendar = match self.calendars.open(self, account) {
                Ok(c) => c,
                Err(e) => {
                    scan.problems
                        .push(format!("{}: {}", account.name, e.message));
                    continue;
                }
            };
            let entries = match calendar.calendars() {
                Ok(entries) => entries,
                Err(e) => {
                    scan.problems
                        .push(format!("{}: {}", account.name, e.message));
                    continue;
                }
            };
            for entry in entries.iter().filter(|c| c.events) {
                let (port_id, _) = crate::schedule::port_calendar(
                    account,
                    &entry.id,
                    entry.owner.as_deref().unwrap_or_default(),
                );
                let entry = &CalendarEntry {
                    id: port_id,
                    ..entry.clone()
                };
                let held = match calendar.events_between(&entry.id, from, to) {
                    Ok(held) => held,
                    Err(e) => {
                        scan.problems
                            .push(format!("{} ({}): {}", account.name, entry.name, e.message));
                        continue;
                    }
                };
                for event in held {
                    if let Some(found) =
                        self.chime_event(account, entry, event, own_address.as_deref(), from)
                    {
                        scan.events.push(found);
                    }
                }
            }
        }
        Ok(scan)
    }

    fn chime_event(
        &self,
        account: &AccountRecord,
        entry: &CalendarEntry,
        event: HeldEvent,
        own_address: Option<&str>,
        from: DateTime<Utc>,
    ) -> Option<ChimeEvent> {
        if event.cancelled {
            return None;
        }
        let details = chime_details::find(
            &event.description,
            &event.html,
            &event.location,
            &event.attendees,
        );
        // A meeting ID or a dial string alone could be another service's (a Zoom ID is ten
        // digits too): an event is Chime's when it holds something only Chime has.
        let only_chime = |d: &Detail| !matches!(d, Detail::MeetingId(_) | Detail::DialString(_));
        if !details.iter().any(only_chime) {
            return None;
        }
        // A single meeting that has begun is left as it was.
        if !event.recurring && starts_before(&event.start, from) {
            return None;
        }
        let organizer = match event.organizer.as_deref().filter(|o| !o.trim().is_empty()) {
            None => Organizer::You,
            Some(o)
                if same_address(o, &account.identity)
                    || own_address.is_some_and(|own| same_address(o, own)) =>
            {
                Organizer::You
            }
            Some(o)
                if entry.writable
                    && entry
                        .owner
                        .as_deref()
                        .is_some_and(|owner| same_address(o, owner)) =>
            {
                Organizer::Host(o.to_owned())
            }
            Some(o) => Organizer::Other(o.to_owned()),
        };
        let ask = matches!(organizer, Organizer::Other(_)).then(|| ask_text(&event.title));
        Some(ChimeEvent {
            id: event_id(&account.id, &entry.id, &event.remote_ref),
            account: account.name.clone(),
            account_id: account.id.clone(),
            calendar: entry.id.clone(),
            calendar_name: entry.name.clone(),
            remote_ref: event.remote_ref,
            title: event.title,
            start: event.start,
            recurring: event.recurring,
            organizer,
            details: details.iter().map(|d| d.label()).collect(),
            ask,
            description: event.description,
            html: event.html,
            location: event.location,
            attendees: event.attendees,
        })
    }

    /// What each chosen event (`only`: their ids; `None`: all) becomes when moved to the
    /// provider `target` (empty: its Chime details are only removed). A fresh identifier is
    /// reserved for each meeting on a provider that draws them, so the plan shows the very
    /// link the event will get. Nothing is sent.
    pub fn migrate_plan(
        &self,
        scan: &ChimeScan,
        target: &str,
        only: Option<&[String]>,
    ) -> Result<MovePlan, AppError> {
        let provider = match target.trim() {
            "" => None,
            key => Some(self.provider_named(key)?),
        };
        if provider.as_ref().is_some_and(Provider::is_chime) {
            return Err(AppError::field(
                belfry_core::Field::Provider,
                "meetings move off Amazon Chime: choose another provider, or remove the Chime details only",
            ));
        }
        if let Some(ids) = only
            && let Some(unknown) = ids
                .iter()
                .find(|id| !scan.events.iter().any(|e| &e.id == *id))
        {
            return Err(AppError::new(
                ErrorCode::NotFound,
                format!(
                    "no event {:?} was found by the scan",
                    belfry_core::limits::excerpt(unknown, belfry_core::limits::MAX_ECHO_BYTES)
                ),
            ));
        }
        let mut plan = MovePlan {
            target: provider.as_ref().map(|p| p.key.clone()).unwrap_or_default(),
            moves: Vec::new(),
            skipped: Vec::new(),
        };
        let from = self.now();
        let countries = self.settings()?.dial_in;
        for event in &scan.events {
            if only.is_some_and(|ids| !ids.contains(&event.id)) {
                continue;
            }
            if let Organizer::Other(who) = &event.organizer {
                plan.skipped.push(SkippedEvent {
                    event: event.clone(),
                    reason: format!(
                        "{who} organizes it: only they can update it for everyone; ask them"
                    ),
                });
                continue;
            }
            let (meeting_uid, meeting_id, replacement) = match &provider {
                None => (None, None, None),
                Some(p) => {
                    let rec = match p.ids {
                        IdKind::Fixed => None,
                        _ => Some(self.reserve_fresh(p, MeetingKind::OneTime, false)?),
                    };
                    let id = match &rec {
                        Some(r) => r.meeting_id,
                        None => self.personal_id_for(p)?.ok_or_else(|| {
                            AppError::new(ErrorCode::Internal, "a fixed link has an ID")
                        })?,
                    };
                    let joining = joining_block(p, id, &countries);
                    (
                        rec.map(|r| r.uid),
                        Some(id.code()),
                        Some(EventTexts {
                            description: joining.text,
                            html: joining.html,
                            location: joining.location,
                            attendees: Vec::new(),
                        }),
                    )
                }
            };
            let edit = off_chime(replacement.as_ref(), from);
            plan.moves.push(PlannedMove {
                event: event.clone(),
                meeting_uid,
                meeting_id,
                description: edit
                    .description(&event.description)
                    .unwrap_or_else(|| event.description.clone()),
                html: edit.html(&event.html).unwrap_or_else(|| event.html.clone()),
                location: edit
                    .location(&event.location)
                    .unwrap_or_else(|| event.location.clone()),
                removed: event
                    .attendees
                    .iter()
                    .filter(|a| edit.drops_attendee(a))
                    .cloned()
                    .collect(),
            });
        }
        Ok(plan)
    }

    /// Moves every event of a reviewed plan: each move is kept before its first request,
    /// then sent; one that fails for now stays pending and is finished by the outbox.
    pub fn migrate_apply(&self, plan: &MovePlan) -> Result<MoveReport, AppError> {
        let now = self.now();
        let mut report = MoveReport {
            moved: Vec::new(),
            skipped: plan.skipped.clone(),
        };
        for planned in &plan.moves {
            if !planned.event.organizer.movable() {
                report.skipped.push(SkippedEvent {
                    event: planned.event.clone(),
                    reason: "someone else organizes it".into(),
                });
                continue;
            }
            let e = &planned.event;
            let replacement = match plan.target.is_empty() {
                true => None,
                false => match self.replacement_of(plan, planned) {
                    Ok(r) => Some(r),
                    Err(err) => {
                        report.moved.push(MoveOutcome {
                            id: e.id.clone(),
                            title: e.title.clone(),
                            account: e.account.clone(),
                            calendar: e.calendar.clone(),
                            state: MoveState::Failed,
                            already: false,
                            error: Some(err.message),
                            attendees_told: false,
                            original: original_of(e),
                        });
                        continue;
                    }
                },
            };
            let kept = self.store().plan_move(&MoveRecord {
                key: MoveKey {
                    account_id: e.account_id.clone(),
                    calendar: e.calendar.clone(),
                    remote_ref: e.remote_ref.clone(),
                },
                title: e.title.clone(),
                start: e.start.clone(),
                target: plan.target.clone(),
                meeting_uid: planned.meeting_uid.clone(),
                replacement,
                original: original_of(e),
                state: MoveState::Pending,
                attempts: 0,
                last_error: None,
                created_at: now,
                updated_at: now,
            })?;
            let kept = match kept.state {
                // Planned again after it was refused: try once more.
                MoveState::Failed => {
                    self.store()
                        .finish_move(&kept.key, MoveState::Pending, None, now)?;
                    MoveRecord {
                        state: MoveState::Pending,
                        ..kept
                    }
                }
                _ => kept,
            };
            report.moved.push(self.attempt_move(&kept));
        }
        Ok(report)
    }

    /// The joining details a planned move writes, from the meeting it reserved.
    fn replacement_of(
        &self,
        plan: &MovePlan,
        planned: &PlannedMove,
    ) -> Result<EventTexts, AppError> {
        let provider = self.provider_named(&plan.target)?;
        let id = match (&planned.meeting_uid, provider.ids) {
            (_, IdKind::Fixed) => self.personal_id_for(&provider)?,
            (Some(uid), _) => {
                let rec = self.store().meeting_by_uid(uid)?.ok_or_else(|| {
                    AppError::new(
                        ErrorCode::NotFound,
                        "the meeting this move was planned with is gone: scan again",
                    )
                })?;
                if rec.meeting.is_some() {
                    return Err(AppError::new(
                        ErrorCode::Invalid,
                        "the identifier this move was planned with belongs to another meeting: scan again",
                    ));
                }
                Some(rec.meeting_id)
            }
            (None, _) => None,
        }
        .ok_or_else(|| {
            AppError::new(
                ErrorCode::Invalid,
                "this move was planned without a meeting: plan it again",
            )
        })?;
        let joining = joining_block(&provider, id, &self.settings()?.dial_in);
        Ok(EventTexts {
            description: joining.text,
            html: joining.html,
            location: joining.location,
            attendees: Vec::new(),
        })
    }

    /// One attempt at a kept move; its end is recorded.
    fn attempt_move(&self, kept: &MoveRecord) -> MoveOutcome {
        let now = self.now();
        let mut outcome = MoveOutcome {
            id: event_id(
                &kept.key.account_id,
                &kept.key.calendar,
                &kept.key.remote_ref,
            ),
            title: kept.title.clone(),
            account: String::new(),
            calendar: kept.key.calendar.clone(),
            state: kept.state,
            already: false,
            error: None,
            attendees_told: false,
            original: kept.original.clone(),
        };
        if kept.state == MoveState::Done {
            outcome.already = true;
            return outcome;
        }
        let result = self.send_move(kept, &mut outcome);
        let (state, error) = match result {
            Ok(written) => {
                outcome.already = written == Written::AlreadyThere;
                (MoveState::Done, None)
            }
            Err(e) if matches!(e.failure, Failure::Transient { .. }) => {
                (MoveState::Pending, Some(e.message))
            }
            Err(e) => (MoveState::Failed, Some(e.message)),
        };
        if let Err(e) = self
            .store()
            .finish_move(&kept.key, state, error.as_deref(), now)
        {
            // The calendar holds the change; the next attempt finds nothing left to do.
            outcome.error = Some(e.to_string());
            outcome.state = MoveState::Pending;
            return outcome;
        }
        outcome.state = state;
        outcome.error = error;
        outcome
    }

    fn send_move(
        &self,
        kept: &MoveRecord,
        outcome: &mut MoveOutcome,
    ) -> Result<Written, belfry_core::calendar::PortError> {
        use belfry_core::calendar::PortError;
        let account = self
            .store()
            .accounts()
            .map_err(|e| PortError::transient(e.to_string(), None))?
            .into_iter()
            .find(|a| a.id == kept.key.account_id)
            .ok_or_else(|| {
                PortError::permanent("the account of this move was removed: add it again and scan")
            })?;
        outcome.account = account.name.clone();
        let calendar = self
            .calendars
            .open(self, &account)
            .map_err(|e| PortError::transient(e.message, None))?;
        let lane = calendar.lane(&kept.key.calendar);
        let _place = self.lanes().enter(&lane.key, lane.width);
        outcome.attendees_told = calendar.sends_invitations();
        let edit = off_chime(kept.replacement.as_ref(), self.now());
        let confirmed = calendar.edit(&kept.key.calendar, &kept.key.remote_ref, &edit)?;
        Ok(confirmed.written)
    }

    /// Finishes the moves a kill or an outage left pending, within `budget`.
    pub fn resume_moves(&self, budget: Duration) -> Result<Vec<MoveOutcome>, AppError> {
        let started = Instant::now();
        let mut done = Vec::new();
        for kept in self.store().moves(Some(MoveState::Pending))? {
            if started.elapsed() >= budget {
                break;
            }
            done.push(self.attempt_move(&kept));
        }
        Ok(done)
    }

    /// The start of day `date` (YYYY-MM-DD) in the user's zone; `name` names the option in
    /// an error.
    pub fn day_start(&self, date: &str, name: &str) -> Result<DateTime<Utc>, AppError> {
        let day = chrono::NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d").map_err(|_| {
            AppError::new(
                ErrorCode::Invalid,
                format!(
                    "{name}: {:?} is not a day; write it as YYYY-MM-DD",
                    belfry_core::limits::excerpt(date, belfry_core::limits::MAX_ECHO_BYTES)
                ),
            )
        })?;
        let zone = self.settings()?.time_zone.unwrap_or(self.system_zone());
        let midnight = day.and_hms_opt(0, 0, 0).unwrap_or_default();
        Ok(midnight
            .and_local_timezone(zone)
            .earliest()
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_else(|| midnight.and_utc()))
    }

    /// Copies the message asking the organizer of `title` to move it off Chime.
    pub fn copy_ask(&self, title: &str, clipboard: &dyn crate::Clipboard) -> Result<(), AppError> {
        let title = belfry_core::limits::excerpt(title, 200);
        clipboard
            .write_text(&ask_text(&title))
            .map_err(crate::views::clipboard_error)
    }

    /// Every move kept, newest last: what each event held before, and where it stands.
    pub fn moves(&self) -> Result<Vec<MoveRecord>, AppError> {
        Ok(self.store().moves(None)?)
    }
}

fn original_of(e: &ChimeEvent) -> EventTexts {
    EventTexts {
        description: e.description.clone(),
        html: e.html.clone(),
        location: e.location.clone(),
        attendees: e.attendees.clone(),
    }
}

fn off_chime(replacement: Option<&EventTexts>, from: DateTime<Utc>) -> OffChime {
    OffChime::new(
        replacement.map(|r| Replacement {
            text: r.description.clone(),
            html: r.html.clone(),
            location: r.location.clone(),
        }),
        from,
    )
}

/// Whether an event's start (RFC 3339, or an iCalendar date or date-time) is surely before
/// `t`. A time without a zone (floating, or in a zone named apart) is read as late as any
/// zone could make it, a date as the end of that day; a start that cannot be read is taken
/// as not before (the event is shown, not hidden).
fn starts_before(start: &str, t: DateTime<Utc>) -> bool {
    // The widest offset any zone has from UTC.
    const WIDEST: chrono::TimeDelta = chrono::TimeDelta::hours(14);
    let s = start.trim();
    if let Ok(at) = DateTime::parse_from_rfc3339(s) {
        return at.with_timezone(&Utc) < t;
    }
    if let Ok(at) = chrono::NaiveDateTime::parse_from_str(s, "%Y%m%dT%H%M%SZ") {
        return at.and_utc() < t;
    }
    let local = chrono::NaiveDateTime::parse_from_str(s, "%Y%m%dT%H%M%S")
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f"))
        .ok()
        .or_else(|| {
            chrono::NaiveDate::parse_from_str(s, "%Y%m%d")
                .or_else(|_| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d"))
                .ok()
                .and_then(|d| d.and_hms_opt(23, 59, 59))
        });
    local.is_some_and(|at| at.and_utc() + WIDEST < t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_start_is_before_only_when_it_surely_is() {
        let t = Utc.with_ymd_and_hms(2027, 2, 1, 12, 0, 0).unwrap();
        for (start, before) in [
            ("20270201T115959Z", true),
            ("20270201T120000Z", false),
            ("2027-02-01T06:59:00-05:00", true),
            ("2027-02-01T07:00:00-05:00", false),
            // Floating, or zoned elsewhere: 14 hours of doubt.
            ("20270131T215959", true),
            ("20270131T220001", false),
            ("2027-01-31T21:00:00.0000000", true),
            ("20270130", true),
            ("20270131", false),
            ("next tuesday", false),
        ] {
            assert_eq!(starts_before(start, t), before, "{start}");
        }
    }
}
