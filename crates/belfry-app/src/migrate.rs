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
use belfry_store::AccountRecord;
use belfry_store::moves::{EventTexts, MoveKey, MoveRecord, MoveState};
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
    /// The Belfry account whose calendar holds it.
    pub account: String,
    /// That account's ID.
    pub account_id: String,
    /// The calendar's ID on the service.
    pub calendar: String,
    /// The calendar's name.
    pub calendar_name: String,
    /// The event's address on the calendar.
    pub remote_ref: String,
    /// The iCalendar UID: one meeting seen on two calendars (a host's and a delegate's
    /// view of it) has one.
    pub uid: String,
    /// The calendar lets the user change it.
    pub writable: bool,
    /// The event's title.
    pub title: String,
    /// The start as the calendar gave it (a series': its first).
    pub start: String,
    /// When it next takes place in the time scanned, where the calendar says.
    pub next: Option<String>,
    /// It repeats.
    pub recurring: bool,
    /// Who organizes it: the user, or someone else.
    pub organizer: Organizer,
    /// What Chime details it holds, in words.
    pub details: Vec<String>,
    /// For someone else's meeting: a short message to send them.
    pub ask: Option<String>,
    /// What the event holds now (kept with the move as its original).
    pub description: String,
    /// The HTML description, if the calendar keeps one.
    pub html: String,
    /// The event's location.
    pub location: String,
    /// The attendees' addresses.
    pub attendees: Vec<String>,
}

/// What a scan found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ChimeScan {
    /// The first day scanned.
    pub from: String,
    /// The last day scanned.
    pub to: String,
    /// Every event found with Chime details.
    pub events: Vec<ChimeEvent>,
    /// Accounts or calendars that could not be read, and why.
    pub problems: Vec<String>,
}

/// One event's move as planned: what it becomes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PlannedMove {
    /// The event as scanned.
    pub event: ChimeEvent,
    /// The identifier the new joining details carry (reserved in the history when applied).
    pub meeting_id: Option<String>,
    /// The move is kept from an earlier run that did not finish: it writes what it was
    /// planned with then (part of the event may have it already).
    pub kept: bool,
    /// What replaces the Chime details; `None`: they are only removed.
    pub replacement: Option<EventTexts>,
    /// The description it gets.
    pub description: String,
    /// The HTML description it gets.
    pub html: String,
    /// The location it gets.
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
    /// One move per event the plan rewrites.
    pub moves: Vec<PlannedMove>,
    /// Events that are not moved, and why (someone else organizes them).
    pub skipped: Vec<SkippedEvent>,
}

/// An event a plan leaves alone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SkippedEvent {
    /// The event.
    pub event: ChimeEvent,
    /// Why it is left alone.
    pub reason: String,
}

/// How one move ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MoveOutcome {
    /// The event's short name.
    pub id: String,
    /// The event's title.
    pub title: String,
    /// The account whose calendar holds it.
    pub account: String,
    /// The calendar's name.
    pub calendar: String,
    /// Whether it moved, failed, or is still pending.
    pub state: MoveState,
    /// The calendar already held it without Chime details (an earlier attempt landed).
    pub already: bool,
    /// Why it failed, when it did.
    pub error: Option<String>,
    /// The service told every attendee; otherwise the user should send the update.
    pub attendees_told: bool,
    /// Where the service does not tell the attendees: the update as an .ics file for the
    /// user to send them (in Belfry's data folder).
    pub update_file: Option<String>,
    /// What the event held before, kept in Belfry's database.
    pub original: EventTexts,
}

/// What an apply did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MoveReport {
    /// Each move that was tried.
    pub moved: Vec<MoveOutcome>,
    /// Events the plan left alone.
    pub skipped: Vec<SkippedEvent>,
}

/// The last scan and the plan last shown, kept in the process: front ends name events by
/// their ids only, so nothing a front end sends decides which event is written or what it
/// becomes.
#[derive(Debug, Default)]
pub(crate) struct MigrationState {
    scan: Option<ChimeScan>,
    plan: Option<MovePlan>,
}

/// The accounts a run of moves opened, by id, with their names: each is read from the store
/// and its calendar opened (its secret read from the keyring, its client built) once per run.
type Opened = std::collections::HashMap<
    String,
    (String, std::sync::Arc<dyn belfry_core::calendar::Calendar>),
>;

/// A stable short name for an event: its account, calendar and address, hashed.
fn event_id(account_id: &str, calendar: &str, remote_ref: &str) -> String {
    format!(
        "{:016x}",
        crate::schedule::fnv1a(&[account_id, calendar, remote_ref])
    )
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
    /// Every event from `from` (now, or later when given) to `to` (default: twelve months
    /// on) on every calendar of every connected calendar account (or of `account` only) that
    /// carries Chime details. An account or calendar that cannot be read is named in
    /// `problems`; the others are still scanned. The scan is kept for
    /// [`App::migrate_plan`].
    pub fn migrate_scan(
        &self,
        account: Option<&str>,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
    ) -> Result<ChimeScan, AppError> {
        let scan = self.chime_events(account, from, to)?;
        if let Ok(mut kept) = self.migration.lock() {
            *kept = MigrationState {
                scan: Some(scan.clone()),
                plan: None,
            };
        }
        Ok(scan)
    }

    /// What [`App::migrate_scan`] finds, without keeping it.
    pub(crate) fn chime_events(
        &self,
        account: Option<&str>,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
    ) -> Result<ChimeScan, AppError> {
        // What has begun is never moved: a scan starts now at the earliest.
        let now = self.now();
        let from = from.filter(|f| *f > now).unwrap_or(now);
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
            .filter(|a| a.kind().has_calendars())
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
            uid: event.uid,
            writable: entry.writable,
            title: event.title,
            start: event.start,
            next: event.next_start,
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

    /// What each event of the last scan (`only`: those with these ids; `None`: all) becomes
    /// when moved to the provider `target` (empty: its Chime details are only removed): a
    /// fresh identifier per meeting on a provider that draws them, the personal room's link,
    /// or, for a move an earlier run kept and did not finish, what it was planned with then.
    /// Nothing is sent; the plan is kept for [`App::migrate_apply`].
    pub fn migrate_plan(
        &self,
        target: &str,
        only: Option<&[String]>,
    ) -> Result<MovePlan, AppError> {
        let scan = self
            .migration_state(|m| m.scan.clone())
            .ok_or_else(|| AppError::new(ErrorCode::Invalid, "scan the calendars first"))?;
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
        let now = self.now();
        let countries = self.settings()?.dial_in;
        for event in &scan.events {
            if only.is_some_and(|ids| !ids.contains(&event.id)) {
                continue;
            }
            if let Some(reason) = self.not_movable(event, &plan, now) {
                plan.skipped.push(SkippedEvent {
                    event: event.clone(),
                    reason,
                });
                continue;
            }
            let kept = self
                .store()
                .move_of(&key_of(event))?
                .filter(|k| k.state != MoveState::Done);
            let (meeting_id, replacement) = match (&kept, &provider) {
                (Some(k), _) => (
                    match &k.meeting_uid {
                        Some(uid) => self
                            .store()
                            .meeting_by_uid(uid)?
                            .map(|r| r.meeting_id.code()),
                        None => None,
                    },
                    k.replacement.clone(),
                ),
                (None, None) => (None, None),
                (None, Some(p)) => {
                    let id = match p.ids {
                        IdKind::Fixed => self.personal_id_for(p)?.ok_or_else(|| {
                            AppError::new(ErrorCode::Internal, "a fixed link has an ID")
                        })?,
                        _ => self.draw_fresh(p)?,
                    };
                    (Some(id.code()), Some(joining_texts(p, id, &countries)))
                }
            };
            let edit = off_chime(replacement.as_ref(), now);
            plan.moves.push(PlannedMove {
                event: event.clone(),
                meeting_id,
                kept: kept.is_some(),
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
                replacement,
            });
        }
        if let Ok(mut m) = self.migration.lock() {
            m.plan = Some(plan.clone());
        }
        Ok(plan)
    }

    /// Why an event of the scan is not moved, if it is not.
    fn not_movable(
        &self,
        event: &ChimeEvent,
        plan: &MovePlan,
        now: DateTime<Utc>,
    ) -> Option<String> {
        if let Organizer::Other(who) = &event.organizer {
            return Some(format!(
                "{who} organizes it: only they can update it for everyone; ask them"
            ));
        }
        if !event.writable {
            return Some("the calendar is read-only for you".into());
        }
        if !event.recurring && starts_before(&event.start, now) {
            return Some("it has begun: a meeting under way or past is left as it was".into());
        }
        plan.moves
            .iter()
            .find(|m| !event.uid.is_empty() && m.event.uid == event.uid)
            .map(|m| {
                format!(
                    "the same meeting as on {} ({}), which is moved",
                    m.event.account, m.event.calendar_name
                )
            })
    }

    fn migration_state<T>(&self, f: impl FnOnce(&MigrationState) -> T) -> T {
        match self.migration.lock() {
            Ok(m) => f(&m),
            Err(poisoned) => f(&poisoned.into_inner()),
        }
    }

    /// Moves the events of the plan last shown (`only`: those with these ids): each move is
    /// kept before its first request, then sent; one that fails for now stays pending and is
    /// finished later ([`App::resume_moves`]).
    pub fn migrate_apply(&self, only: Option<&[String]>) -> Result<MoveReport, AppError> {
        let plan = self
            .migration_state(|m| m.plan.clone())
            .ok_or_else(|| AppError::new(ErrorCode::Invalid, "review the changes first"))?;
        if let Some(ids) = only
            && ids
                .iter()
                .any(|id| !plan.moves.iter().any(|m| &m.event.id == id))
        {
            return Err(AppError::new(
                ErrorCode::Invalid,
                "the changes shown are not the ones asked for: review them again",
            ));
        }
        let now = self.now();
        let mut report = MoveReport {
            moved: Vec::new(),
            skipped: plan.skipped.clone(),
        };
        let mut opened = Opened::default();
        for planned in &plan.moves {
            let e = &planned.event;
            if only.is_some_and(|ids| !ids.contains(&e.id)) {
                continue;
            }
            // Time went on since the plan was shown.
            if !e.recurring && starts_before(&e.start, now) {
                report.skipped.push(SkippedEvent {
                    event: e.clone(),
                    reason: "it has begun: a meeting under way or past is left as it was".into(),
                });
                continue;
            }
            let kept = match self.keep_move(&plan, planned, now) {
                Ok(kept) => kept,
                Err(err) => {
                    report.moved.push(MoveOutcome {
                        state: MoveState::Failed,
                        error: Some(err.message),
                        ..MoveOutcome::of(e, original_of(e))
                    });
                    continue;
                }
            };
            let mut outcome = self.attempt_move(&kept, &mut opened);
            outcome.account = e.account.clone();
            report.moved.push(outcome);
        }
        if let Ok(mut m) = self.migration.lock() {
            m.plan = None;
        }
        Ok(report)
    }

    /// Writes a planned move before its first request: a new one reserves its identifier.
    fn keep_move(
        &self,
        plan: &MovePlan,
        planned: &PlannedMove,
        now: DateTime<Utc>,
    ) -> Result<MoveRecord, AppError> {
        let e = &planned.event;
        let meeting_uid = match (&planned.meeting_id, planned.kept) {
            (Some(id), false) => {
                let provider = self.provider_named(&plan.target)?;
                let id = provider
                    .parse_id(id)
                    .map_err(|err| AppError::new(ErrorCode::Internal, err.to_string()))?;
                match provider.ids {
                    IdKind::Fixed => None,
                    _ => Some(
                        self.reserve_id(id, MeetingKind::OneTime, false)?
                            .ok_or_else(|| {
                                AppError::new(
                                    ErrorCode::Invalid,
                                    "the link planned for it was taken meanwhile: review the changes again",
                                )
                            })?
                            .uid,
                    ),
                }
            }
            _ => None,
        };
        Ok(self.store().plan_move(&MoveRecord {
            key: key_of(e),
            title: e.title.clone(),
            start: e.start.clone(),
            target: plan.target.clone(),
            meeting_uid,
            replacement: planned.replacement.clone(),
            original: original_of(e),
            state: MoveState::Pending,
            attempts: 0,
            sent: false,
            last_error: None,
            created_at: now,
            updated_at: now,
        })?)
    }

    /// One attempt at a kept move; its end is recorded.
    fn attempt_move(&self, kept: &MoveRecord, opened: &mut Opened) -> MoveOutcome {
        let now = self.now();
        let mut outcome = MoveOutcome {
            state: kept.state,
            ..MoveOutcome::of_record(kept)
        };
        if kept.state == MoveState::Done {
            outcome.already = true;
            return outcome;
        }
        let result = self
            .store()
            .mark_move_sent(&kept.key)
            .map_err(|e| belfry_core::calendar::PortError::transient(e.to_string(), None))
            .and_then(|()| self.send_move(kept, &mut outcome, opened));
        let mut next_try = None;
        let (state, error) = match result {
            // Nothing to change, though nothing was ever sent: the calendar keeps the event
            // as it is (a meeting under way, say), and Belfry says so rather than "moved".
            Ok(Written::AlreadyThere) if !kept.sent => (
                MoveState::Failed,
                Some("the calendar left it as it was: nothing of it could be changed (a meeting under way is left alone)".to_owned()),
            ),
            Ok(written) => {
                outcome.already = written == Written::AlreadyThere;
                (MoveState::Done, None)
            }
            Err(e) if matches!(e.failure, Failure::Transient { .. }) => {
                let asked = match e.failure {
                    Failure::Transient { retry_after } => retry_after,
                    _ => None,
                };
                next_try = Some(crate::schedule::next_try(now, kept.attempts, asked));
                (MoveState::Pending, Some(e.message))
            }
            Err(e) => (MoveState::Failed, Some(e.message)),
        };
        outcome.state = state;
        outcome.error = error;
        if let Err(e) =
            self.store()
                .finish_move(&kept.key, state, outcome.error.as_deref(), now, next_try)
        {
            // Left pending: the next attempt finds what the calendar holds.
            outcome.state = MoveState::Pending;
            outcome.error = Some(match outcome.error.take() {
                Some(sent) => format!("{sent}; and it could not be recorded: {e}"),
                None => format!("sent, but it could not be recorded: {e}"),
            });
        }
        outcome
    }

    fn send_move(
        &self,
        kept: &MoveRecord,
        outcome: &mut MoveOutcome,
        opened: &mut Opened,
    ) -> Result<Written, belfry_core::calendar::PortError> {
        use belfry_core::calendar::PortError;
        let (name, calendar) = match opened.get(&kept.key.account_id) {
            Some(found) => found.clone(),
            None => {
                let account = self
                    .store()
                    .account_by_id(&kept.key.account_id)
                    .map_err(|e| PortError::transient(e.to_string(), None))?
                    .ok_or_else(|| {
                        PortError::permanent(
                            "the account of this move was removed: add it again and scan",
                        )
                    })?;
                let calendar = self
                    .calendars
                    .open(self, &account)
                    .map_err(|e| PortError::transient(e.message, None))?;
                let found = (account.name, calendar);
                opened.insert(kept.key.account_id.clone(), found.clone());
                found
            }
        };
        outcome.account = name;
        let lane = calendar.lane(&kept.key.calendar);
        let _place = self.lanes().enter(&lane.key, lane.width);
        outcome.attendees_told = calendar.sends_invitations();
        let edit = off_chime(kept.replacement.as_ref(), self.now());
        let confirmed = calendar.edit(&kept.key.calendar, &kept.key.remote_ref, &edit)?;
        if confirmed.written == Written::Updated && !outcome.attendees_told {
            // Nobody was told: the update, for the user to send. Failing to write it does not
            // undo the move; the report then says to tell the attendees.
            if let Ok(Some(ics)) = calendar.request_ics(&kept.key.calendar, &kept.key.remote_ref) {
                outcome.update_file = self.write_update(&outcome.id, &kept.title, &ics).ok();
            }
        }
        Ok(confirmed.written)
    }

    /// Writes a moved event's update where the user can attach it to an email: Belfry's
    /// data folder, readable by this user only.
    fn write_update(&self, id: &str, title: &str, ics: &str) -> Result<String, AppError> {
        let dir = self
            .store()
            .path()
            .parent()
            .map(std::path::Path::to_path_buf)
            .unwrap_or_default()
            .join("updates");
        belfry_store::private::private_dir(&dir).map_err(|e| {
            AppError::new(
                ErrorCode::Storage,
                format!("cannot create {}: {e}", dir.display()),
            )
        })?;
        let name: String = title
            .chars()
            .map(|c| if c.is_alphanumeric() { c } else { '-' })
            .take(60)
            .collect();
        let path = dir.join(format!("{name}-{id}.ics"));
        crate::write_atomically(&path, ics.as_bytes())?;
        Ok(path.to_string_lossy().into_owned())
    }

    /// Finishes the moves a kill or an outage left pending and that are due (after an
    /// outage, the same waits as the outbox's: 30 s, doubling, at most six hours), within
    /// `budget`.
    pub fn resume_moves(&self, budget: Duration) -> Result<Vec<MoveOutcome>, AppError> {
        let started = Instant::now();
        let mut done = Vec::new();
        let mut opened = Opened::default();
        for kept in self.store().due_moves(self.now())? {
            if started.elapsed() >= budget {
                break;
            }
            done.push(self.attempt_move(&kept, &mut opened));
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

    /// The end of day `date` (YYYY-MM-DD) in the user's zone: the next day's start.
    pub fn day_end(&self, date: &str, name: &str) -> Result<DateTime<Utc>, AppError> {
        Ok(self.day_start(date, name)? + chrono::TimeDelta::days(1))
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

fn key_of(e: &ChimeEvent) -> MoveKey {
    MoveKey {
        account_id: e.account_id.clone(),
        calendar: e.calendar.clone(),
        remote_ref: e.remote_ref.clone(),
    }
}

/// The joining details of meeting `id` on `provider`, as an event's texts.
fn joining_texts(
    provider: &Provider,
    id: belfry_core::MeetingId,
    countries: &[String],
) -> EventTexts {
    let joining = joining_block(provider, id, countries);
    EventTexts {
        description: joining.text,
        html: joining.html,
        location: joining.location,
        attendees: Vec::new(),
    }
}

impl MoveOutcome {
    fn of(e: &ChimeEvent, original: EventTexts) -> MoveOutcome {
        MoveOutcome {
            id: e.id.clone(),
            title: e.title.clone(),
            account: e.account.clone(),
            calendar: e.calendar_name.clone(),
            state: MoveState::Pending,
            already: false,
            error: None,
            attendees_told: false,
            update_file: None,
            original,
        }
    }

    fn of_record(kept: &MoveRecord) -> MoveOutcome {
        MoveOutcome {
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
            update_file: None,
            original: kept.original.clone(),
        }
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
