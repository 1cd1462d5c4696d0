//! Events moved off Amazon Chime (`belfry migrate`): each is written here before its first
//! request, so a kill or an outage resumes the same change, and what the event held before
//! is kept for the user.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::{Store, StoreError};

/// Where a move stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum MoveState {
    /// Not yet confirmed by the calendar (planned, or an attempt failed and will be retried).
    Pending,
    /// The calendar holds the event without its Chime details.
    Done,
    /// The calendar refused it for good; `last_error` says why.
    Failed,
}

impl MoveState {
    fn name(self) -> &'static str {
        match self {
            MoveState::Pending => "pending",
            MoveState::Done => "done",
            MoveState::Failed => "failed",
        }
    }

    fn parse(text: &str) -> Result<MoveState, StoreError> {
        [MoveState::Pending, MoveState::Done, MoveState::Failed]
            .into_iter()
            .find(|s| s.name() == text)
            .ok_or_else(|| StoreError::Damaged(format!("a move in state {text:?}")))
    }
}

/// An event's texts as the calendar held them, or what replaces its Chime details.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct EventTexts {
    /// The description as plain text.
    pub description: String,
    /// The description as HTML.
    pub html: String,
    /// The location.
    pub location: String,
    /// The attendees' addresses.
    #[serde(default)]
    pub attendees: Vec<String>,
}

/// Which event: one calendar of one account, the event's address there.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MoveKey {
    /// The account the calendar belongs to.
    pub account_id: String,
    /// The calendar's id.
    pub calendar: String,
    /// Where the event is on the calendar: its href, or the provider's event id.
    pub remote_ref: String,
}

/// One event moved off Chime.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MoveRecord {
    /// Which event.
    pub key: MoveKey,
    /// The event's title.
    pub title: String,
    /// The event's start as the calendar gave it.
    pub start: String,
    /// The provider the event moves to; empty: its Chime details are only removed.
    pub target: String,
    /// The meeting in the history whose identifier the new joining details carry.
    pub meeting_uid: Option<String>,
    /// What replaces the Chime details; `None` when they are only removed.
    pub replacement: Option<EventTexts>,
    /// What the event held when the move was planned.
    pub original: EventTexts,
    /// Where the move stands.
    pub state: MoveState,
    /// Failed attempts.
    pub attempts: u32,
    /// A request for it may have reached the calendar.
    pub sent: bool,
    /// Why the last attempt failed, for the user.
    pub last_error: Option<String>,
    /// When the move was first planned.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

fn to_json<T: Serialize>(v: &T) -> Result<String, StoreError> {
    serde_json::to_string(v).map_err(|e| StoreError::Damaged(e.to_string()))
}

fn from_json<T: for<'de> Deserialize<'de>>(text: &str) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Damaged(format!("a move: {e}")))
}

const COLUMNS: &str = "account_id, calendar, remote_ref, title, start, target, meeting_uid, \
                       replacement_json, original_json, state, attempts, last_error, created_at, \
                       updated_at, sent";

type Row = (
    String,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    String,
    String,
    u32,
    Option<String>,
    String,
    String,
    bool,
);

fn read_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
        r.get(8)?,
        r.get(9)?,
        r.get(10)?,
        r.get(11)?,
        r.get(12)?,
        r.get(13)?,
        r.get(14)?,
    ))
}

fn record(row: Row) -> Result<MoveRecord, StoreError> {
    let time = |t: &str| {
        DateTime::parse_from_rfc3339(t)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|e| StoreError::Damaged(format!("a move's time: {e}")))
    };
    Ok(MoveRecord {
        key: MoveKey {
            account_id: row.0,
            calendar: row.1,
            remote_ref: row.2,
        },
        title: row.3,
        start: row.4,
        target: row.5,
        meeting_uid: row.6,
        replacement: row.7.as_deref().map(from_json).transpose()?,
        original: from_json(&row.8)?,
        state: MoveState::parse(&row.9)?,
        attempts: row.10,
        sent: row.14,
        last_error: row.11,
        created_at: time(&row.12)?,
        updated_at: time(&row.13)?,
    })
}

impl Store {
    /// Writes a planned move and returns the move kept for the event. A move already kept
    /// stays what it was (an attempt may have changed part of the event already, so its
    /// replacement is the one every later attempt writes); a failed one is tried again; a
    /// done one whose event is planned again (it holds Chime details again) takes the new
    /// plan. The original is always the first: what the event held before Belfry touched it.
    pub fn plan_move(&self, planned: &MoveRecord) -> Result<MoveRecord, StoreError> {
        {
            let conn = self.conn()?;
            conn.execute(
                &format!(
                    "INSERT INTO moves ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, 0)
                     ON CONFLICT (account_id, calendar, remote_ref) DO UPDATE SET
                         target = CASE moves.state WHEN 'done' THEN excluded.target ELSE moves.target END,
                         meeting_uid = CASE moves.state WHEN 'done' THEN excluded.meeting_uid ELSE moves.meeting_uid END,
                         replacement_json = CASE moves.state WHEN 'done' THEN excluded.replacement_json ELSE moves.replacement_json END,
                         attempts = CASE moves.state WHEN 'done' THEN 0 ELSE moves.attempts END,
                         sent = CASE moves.state WHEN 'done' THEN 0 ELSE moves.sent END,
                         state = 'pending', last_error = NULL, next_try_at = NULL,
                         updated_at = excluded.updated_at
                     WHERE moves.state <> 'pending'"
                ),
                params![
                    planned.key.account_id,
                    planned.key.calendar,
                    planned.key.remote_ref,
                    planned.title,
                    planned.start,
                    planned.target,
                    planned.meeting_uid,
                    planned.replacement.as_ref().map(to_json).transpose()?,
                    to_json(&planned.original)?,
                    planned.state.name(),
                    planned.attempts,
                    planned.last_error,
                    planned.created_at.to_rfc3339(),
                    planned.updated_at.to_rfc3339(),
                ],
            )?;
        }
        self.move_of(&planned.key)?
            .ok_or_else(|| StoreError::Damaged("a move vanished as it was written".into()))
    }

    /// The move kept for an event, if any.
    pub fn move_of(&self, key: &MoveKey) -> Result<Option<MoveRecord>, StoreError> {
        let row = self
            .conn()?
            .query_row(
                &format!(
                    "SELECT {COLUMNS} FROM moves WHERE account_id = ?1 AND calendar = ?2 AND remote_ref = ?3"
                ),
                params![key.account_id, key.calendar, key.remote_ref],
                read_row,
            )
            .optional()?;
        row.map(record).transpose()
    }

    /// Every move, in the order they were planned; only those in `state` when given.
    pub fn moves(&self, state: Option<MoveState>) -> Result<Vec<MoveRecord>, StoreError> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare(&format!(
            "SELECT {COLUMNS} FROM moves WHERE ?1 IS NULL OR state = ?1 ORDER BY created_at, rowid"
        ))?;
        let rows = stmt
            .query_map(params![state.map(MoveState::name)], read_row)?
            .collect::<Result<Vec<Row>, _>>()?;
        rows.into_iter().map(record).collect()
    }

    /// Marks a move as possibly sent, before its request leaves.
    pub fn mark_move_sent(&self, key: &MoveKey) -> Result<(), StoreError> {
        self.conn()?.execute(
            "UPDATE moves SET sent = 1 WHERE account_id = ?1 AND calendar = ?2 AND remote_ref = ?3",
            params![key.account_id, key.calendar, key.remote_ref],
        )?;
        Ok(())
    }

    /// Records how an attempt at a move ended; a pending one is due again at `next_try`.
    pub fn finish_move(
        &self,
        key: &MoveKey,
        state: MoveState,
        error: Option<&str>,
        now: DateTime<Utc>,
        next_try: Option<DateTime<Utc>>,
    ) -> Result<(), StoreError> {
        self.conn()?.execute(
            "UPDATE moves SET state = ?4, last_error = ?5, updated_at = ?6, next_try_at = ?7,
                 attempts = attempts + CASE WHEN ?4 = 'done' THEN 0 ELSE 1 END
             WHERE account_id = ?1 AND calendar = ?2 AND remote_ref = ?3",
            params![
                key.account_id,
                key.calendar,
                key.remote_ref,
                state.name(),
                error,
                now.to_rfc3339(),
                next_try.map(|t| t.to_rfc3339())
            ],
        )?;
        Ok(())
    }

    /// The pending moves due by `now` (never tried, or waited long enough), in the order
    /// they were planned.
    pub fn due_moves(&self, now: DateTime<Utc>) -> Result<Vec<MoveRecord>, StoreError> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare(&format!(
            "SELECT {COLUMNS} FROM moves WHERE state = 'pending'
                 AND (next_try_at IS NULL OR next_try_at <= ?1) ORDER BY created_at, rowid"
        ))?;
        let rows = stmt
            .query_map(params![now.to_rfc3339()], read_row)?
            .collect::<Result<Vec<Row>, _>>()?;
        rows.into_iter().map(record).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn planned(target: &str, at: DateTime<Utc>) -> MoveRecord {
        MoveRecord {
            key: MoveKey {
                account_id: "acct".into(),
                calendar: "cal".into(),
                remote_ref: "ev1".into(),
            },
            title: "Physics".into(),
            start: "20270301T100000Z".into(),
            target: target.into(),
            meeting_uid: None,
            replacement: (!target.is_empty()).then(|| EventTexts {
                description: format!("Join on {target}"),
                ..EventTexts::default()
            }),
            original: EventTexts {
                description: "https://chime.aws/0123456789".into(),
                attendees: vec!["meet@chime.aws".into()],
                ..EventTexts::default()
            },
            state: MoveState::Pending,
            attempts: 0,
            sent: false,
            last_error: None,
            created_at: at,
            updated_at: at,
        }
    }

    #[test]
    fn a_kept_move_stays_what_it_was_until_done_and_its_end_is_recorded() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let t = DateTime::parse_from_rfc3339("2027-01-01T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let first = store.plan_move(&planned("jitsi", t)).unwrap();
        let again = store
            .plan_move(&MoveRecord {
                original: EventTexts::default(),
                ..planned("", t)
            })
            .unwrap();
        assert_eq!(again, first, "a kept move stays what it was");
        assert_eq!(store.moves(Some(MoveState::Pending)).unwrap().len(), 1);
        store.mark_move_sent(&first.key).unwrap();
        store
            .finish_move(&first.key, MoveState::Failed, Some("HTTP 403"), t, None)
            .unwrap();
        let retried = store.plan_move(&planned("", t)).unwrap();
        assert_eq!(
            (retried.state, retried.target.as_str(), retried.sent),
            (MoveState::Pending, "jitsi", true),
            "a failed move is tried again as it was"
        );
        // Waiting after an outage: not due until its time.
        let later = t + chrono::TimeDelta::minutes(1);
        store
            .finish_move(
                &first.key,
                MoveState::Pending,
                Some("HTTP 503"),
                t,
                Some(later),
            )
            .unwrap();
        assert!(store.due_moves(t).unwrap().is_empty());
        assert_eq!(store.due_moves(later).unwrap().len(), 1);
        store
            .finish_move(&first.key, MoveState::Done, None, t, None)
            .unwrap();
        let done = store.move_of(&first.key).unwrap().unwrap();
        assert_eq!((done.state, done.attempts), (MoveState::Done, 2));
        assert!(store.moves(Some(MoveState::Pending)).unwrap().is_empty());
        // Planned again once done (the event holds Chime details again): the new plan.
        let anew = store.plan_move(&planned("", t)).unwrap();
        assert_eq!(
            (anew.state, anew.target.as_str(), anew.attempts, anew.sent),
            (MoveState::Pending, "", 0, false)
        );
        assert_eq!(
            anew.original.attendees,
            ["meet@chime.aws"],
            "the first original"
        );
        assert_eq!(store.moves(None).unwrap().len(), 1);
    }
}
