//! Invitations Belfry emails itself (where no calendar server tells the attendees): one row
//! per meeting version and attendee, written before the message is composed, so each
//! attendee gets each version at most once, whatever is killed when.
//!
//! ```text
//!   want ──▶ Pending ──claim──▶ (held) ──354, content about to leave──▶ Sending ──250──▶ Sent
//!              ▲  │ 4xx, network: attempts+1, next_try_at                   │
//!              └──┘                                                         │ killed, or no answer
//!              │ 5xx, a refused address ──▶ Failed                          ▼
//!              │ a newer version wanted first ──▶ Superseded              Unknown (sent again
//!                                                                          only if the user asks)
//! ```

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use crate::{Store, StoreError, instant};

/// Where one invitation email stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum MailState {
    /// Not sent yet; tried at `next_try_at`.
    Pending,
    /// Its content is leaving now, or was when Belfry stopped.
    Sending,
    /// The mail server accepted it.
    Sent,
    /// Refused for good (a refused address, the server's policy); `last_error` says why.
    Failed,
    /// It may have been accepted: the answer never came. Sent again only if the user asks.
    Unknown,
    /// A newer version was wanted before this one left: it is not sent.
    Superseded,
}

impl MailState {
    /// Every state.
    pub const ALL: [MailState; 6] = [
        MailState::Pending,
        MailState::Sending,
        MailState::Sent,
        MailState::Failed,
        MailState::Unknown,
        MailState::Superseded,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            MailState::Pending => "pending",
            MailState::Sending => "sending",
            MailState::Sent => "sent",
            MailState::Failed => "failed",
            MailState::Unknown => "unknown",
            MailState::Superseded => "superseded",
        }
    }

    fn parse(text: &str) -> Result<MailState, StoreError> {
        MailState::ALL
            .into_iter()
            .find(|s| s.as_str() == text)
            .ok_or_else(|| StoreError::Damaged(format!("an invitation email in state {text:?}")))
    }
}

/// Which email: one version of one meeting to one attendee.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MailKey {
    /// The meeting's UID.
    pub meeting_uid: String,
    /// The iCalendar SEQUENCE of the version.
    pub sequence: u32,
    /// Lower case.
    pub attendee: String,
}

/// One invitation email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mailing {
    /// Which email this is.
    pub key: MailKey,
    /// The outgoing mail account that sends it.
    pub account_id: String,
    /// A CANCEL (the meeting was cancelled, or this attendee was taken off it).
    pub cancel: bool,
    /// Where it stands.
    pub state: MailState,
    /// Failed attempts so far.
    pub attempts: u32,
    /// Why the last attempt failed, for the user.
    pub last_error: Option<String>,
    /// When a pending email is tried next (`None`: now).
    pub next_try_at: Option<DateTime<Utc>>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// How an attempt at an email ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailEnd<'a> {
    /// The mail server accepted it.
    Sent,
    /// Refused for good.
    Failed {
        /// Why, for the user.
        error: &'a str,
    },
    /// Worth another try at `next_try_at`.
    Later {
        /// Why this attempt failed, for the user.
        error: &'a str,
        /// When to try again.
        next_try_at: DateTime<Utc>,
    },
    /// The content left but no answer came: it may have been accepted.
    Unknown {
        /// What happened, for the user.
        error: &'a str,
    },
}

const COLUMNS: &str = "meeting_uid, sequence, attendee, account_id, cancel, state, attempts, last_error, next_try_at, updated_at";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(Mailing, String)> {
    let time = |s: Option<String>| {
        s.and_then(|s| DateTime::parse_from_rfc3339(&s).ok())
            .map(|t| t.with_timezone(&Utc))
    };
    let state: String = r.get(5)?;
    Ok((
        Mailing {
            key: MailKey {
                meeting_uid: r.get(0)?,
                sequence: r.get(1)?,
                attendee: r.get(2)?,
            },
            account_id: r.get(3)?,
            cancel: r.get(4)?,
            state: MailState::Pending,
            attempts: r.get(6)?,
            last_error: r.get(7)?,
            next_try_at: time(r.get(8)?),
            updated_at: time(r.get(9)?).unwrap_or_default(),
        },
        state,
    ))
}

fn mailings_where(
    conn: &rusqlite::Connection,
    clause: &str,
    args: impl rusqlite::Params,
) -> Result<Vec<Mailing>, StoreError> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM mailings WHERE {clause} ORDER BY created_at, meeting_uid, sequence, attendee"
    ))?;
    let rows = stmt.query_map(args, row)?;
    let mut out = Vec::new();
    for r in rows {
        let (mut m, state) = r?;
        m.state = MailState::parse(&state)?;
        out.push(m);
    }
    Ok(out)
}

impl Store {
    /// Wants version `sequence` of meeting `uid` emailed by `account_id` to each of
    /// `attendees` (a CANCEL to each when `cancelled`). Asked again, nothing changes. An
    /// earlier version still waiting is superseded; an attendee told of an earlier version
    /// and now off the meeting is sent a CANCEL; a cancellation goes only to those who may
    /// have been told. Returns the emails of this version.
    pub fn want_mail(
        &self,
        uid: &str,
        sequence: u32,
        cancelled: bool,
        attendees: &[String],
        account_id: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<Mailing>, StoreError> {
        let stamp = now.to_rfc3339();
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        // Who may know of the meeting: the last email that may have reached them (sent, or
        // perhaps sent) was an invitation, not a CANCEL. (SQLite takes the bare column from
        // the row of the MAX.)
        let told: Vec<String> = {
            let mut stmt = tx.prepare(
                "SELECT attendee, cancel, MAX(sequence) FROM mailings
                 WHERE meeting_uid = ?1 AND sequence < ?2 AND state IN ('sent', 'sending', 'unknown')
                 GROUP BY attendee ORDER BY attendee",
            )?;
            let rows = stmt.query_map(params![uid, sequence], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, bool>(1)?))
            })?;
            let mut told = Vec::new();
            for row in rows {
                let (attendee, cancel) = row?;
                if !cancel {
                    told.push(attendee);
                }
            }
            told
        };
        tx.execute(
            "UPDATE mailings SET state = 'superseded', updated_at = ?3
             WHERE meeting_uid = ?1 AND sequence < ?2 AND state = 'pending'",
            params![uid, sequence, stamp],
        )?;
        let mut wanted: Vec<(String, bool)> = Vec::new();
        let listed: Vec<String> = attendees
            .iter()
            .map(|a| a.trim().to_ascii_lowercase())
            .filter(|a| !a.is_empty())
            .collect();
        if cancelled {
            for a in &told {
                wanted.push((a.clone(), true));
            }
        } else {
            for a in &listed {
                wanted.push((a.clone(), false));
            }
            for a in told.iter().filter(|a| !listed.contains(a)) {
                wanted.push((a.clone(), true));
            }
        }
        for (attendee, cancel) in &wanted {
            tx.execute(
                "INSERT OR IGNORE INTO mailings (meeting_uid, sequence, attendee, account_id, cancel, state, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, 'pending', ?6, ?6)",
                params![uid, sequence, attendee, account_id, cancel, stamp],
            )?;
        }
        let out = mailings_where(
            &tx,
            "meeting_uid = ?1 AND sequence = ?2",
            params![uid, sequence],
        )?;
        tx.commit()?;
        Ok(out)
    }

    /// Takes a pending email for an attempt until `until`, when no other attempt holds it.
    pub fn claim_mail(
        &self,
        key: &MailKey,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Option<Mailing>, StoreError> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let held: Option<(Option<String>, Option<String>)> = tx
            .query_row(
                "SELECT claimed_until, claimed_by FROM mailings
                 WHERE meeting_uid = ?1 AND sequence = ?2 AND attendee = ?3 AND state = 'pending'",
                params![key.meeting_uid, key.sequence, key.attendee],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((claimed_until, claimed_by)) = held else {
            return Ok(None);
        };
        if claimed_until.is_some_and(|u| u > instant(now))
            && self.holder.alive(claimed_by.as_deref().unwrap_or(""))
        {
            return Ok(None);
        }
        tx.execute(
            "UPDATE mailings SET claimed_until = ?4, claimed_by = ?5
             WHERE meeting_uid = ?1 AND sequence = ?2 AND attendee = ?3",
            params![
                key.meeting_uid,
                key.sequence,
                key.attendee,
                instant(until),
                self.holder.token
            ],
        )?;
        let out = mailings_where(
            &tx,
            "meeting_uid = ?1 AND sequence = ?2 AND attendee = ?3",
            params![key.meeting_uid, key.sequence, key.attendee],
        )?
        .pop();
        tx.commit()?;
        Ok(out)
    }

    /// Records, durably (the database syncs every commit), that the content of a claimed
    /// email is about to leave. After this, Belfry never sends it again on its own.
    pub fn mail_leaving(&self, key: &MailKey, now: DateTime<Utc>) -> Result<(), StoreError> {
        let n = self.conn()?.execute(
            "UPDATE mailings SET state = 'sending', updated_at = ?5
             WHERE meeting_uid = ?1 AND sequence = ?2 AND attendee = ?3 AND state = 'pending' AND claimed_by = ?4",
            params![key.meeting_uid, key.sequence, key.attendee, self.holder.token, now.to_rfc3339()],
        )?;
        if n == 1 {
            Ok(())
        } else {
            Err(StoreError::Damaged(
                "an invitation email no longer held by this attempt".into(),
            ))
        }
    }

    /// Ends an attempt at an email.
    pub fn finish_mail(
        &self,
        key: &MailKey,
        end: MailEnd<'_>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let stamp = now.to_rfc3339();
        let conn = self.conn()?;
        let which = "meeting_uid = ?1 AND sequence = ?2 AND attendee = ?3";
        let k = (&key.meeting_uid, key.sequence, &key.attendee);
        match end {
            MailEnd::Sent => conn.execute(
                &format!("UPDATE mailings SET state = 'sent', last_error = NULL, next_try_at = NULL, claimed_until = NULL, claimed_by = NULL, updated_at = ?4 WHERE {which}"),
                params![k.0, k.1, k.2, stamp],
            )?,
            MailEnd::Failed { error } => conn.execute(
                &format!("UPDATE mailings SET state = 'failed', attempts = attempts + 1, last_error = ?4, next_try_at = NULL, claimed_until = NULL, claimed_by = NULL, updated_at = ?5 WHERE {which}"),
                params![k.0, k.1, k.2, error, stamp],
            )?,
            MailEnd::Unknown { error } => conn.execute(
                &format!("UPDATE mailings SET state = 'unknown', attempts = attempts + 1, last_error = ?4, next_try_at = NULL, claimed_until = NULL, claimed_by = NULL, updated_at = ?5 WHERE {which}"),
                params![k.0, k.1, k.2, error, stamp],
            )?,
            MailEnd::Later { error, next_try_at } => conn.execute(
                &format!("UPDATE mailings SET state = 'pending', attempts = attempts + 1, last_error = ?4, next_try_at = ?5, claimed_until = NULL, claimed_by = NULL, updated_at = ?6 WHERE {which}"),
                params![k.0, k.1, k.2, error, instant(next_try_at), stamp],
            )?,
        };
        Ok(())
    }

    /// Emails whose content was leaving when the Belfry sending them stopped (its process is
    /// gone): they may have been accepted, so they become [`MailState::Unknown`]. Returns how
    /// many.
    pub fn settle_interrupted_mail(&self, now: DateTime<Utc>) -> Result<usize, StoreError> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let sending: Vec<(String, u32, String, Option<String>)> = {
            let mut stmt = tx.prepare(
                "SELECT meeting_uid, sequence, attendee, claimed_by FROM mailings WHERE state = 'sending'",
            )?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
            rows.collect::<Result<_, _>>()?
        };
        let mut n = 0;
        for (uid, seq, attendee, by) in sending {
            if self.holder.alive(by.as_deref().unwrap_or("")) {
                continue;
            }
            n += tx.execute(
                "UPDATE mailings SET state = 'unknown', last_error = ?4, claimed_until = NULL, claimed_by = NULL, updated_at = ?5
                 WHERE meeting_uid = ?1 AND sequence = ?2 AND attendee = ?3 AND state = 'sending'",
                params![uid, seq, attendee, "Belfry stopped while the message was being sent; it may have arrived", now.to_rfc3339()],
            )?;
        }
        tx.commit()?;
        Ok(n)
    }

    /// Pending emails due at `now`, oldest first.
    pub fn due_mail(&self, now: DateTime<Utc>) -> Result<Vec<Mailing>, StoreError> {
        let conn = self.conn()?;
        mailings_where(
            &conn,
            "state = 'pending' AND (next_try_at IS NULL OR next_try_at <= ?1)",
            params![instant(now)],
        )
    }

    /// The emails in `state`, oldest first.
    pub fn mail_in(&self, state: MailState) -> Result<Vec<Mailing>, StoreError> {
        let conn = self.conn()?;
        mailings_where(&conn, "state = ?1", params![state.as_str()])
    }

    /// The emails of meeting `uid`, every version.
    pub fn mail_of(&self, uid: &str) -> Result<Vec<Mailing>, StoreError> {
        let conn = self.conn()?;
        mailings_where(&conn, "meeting_uid = ?1", params![uid])
    }

    /// Puts a failed or perhaps-sent email back in line: the user asked to send it (again).
    pub fn resend_mail(&self, key: &MailKey, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let n = self.conn()?.execute(
            "UPDATE mailings SET state = 'pending', attempts = 0, next_try_at = NULL, updated_at = ?4
             WHERE meeting_uid = ?1 AND sequence = ?2 AND attendee = ?3 AND state IN ('failed', 'unknown')",
            params![key.meeting_uid, key.sequence, key.attendee, now.to_rfc3339()],
        )?;
        Ok(n > 0)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use chrono::TimeZone;

    use super::*;

    fn key(seq: u32, who: &str) -> MailKey {
        MailKey {
            meeting_uid: "m1".into(),
            sequence: seq,
            attendee: who.into(),
        }
    }

    fn states(store: &Store) -> Vec<(u32, String, bool, MailState)> {
        store
            .mail_of("m1")
            .unwrap()
            .into_iter()
            .map(|m| (m.key.sequence, m.key.attendee, m.cancel, m.state))
            .collect()
    }

    #[test]
    fn each_attendee_gets_each_version_once_and_a_cancel_only_if_told() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let t = Utc.with_ymd_and_hms(2027, 1, 1, 9, 0, 0).unwrap();
        let later = t + chrono::TimeDelta::minutes(10);
        let both = ["Pat@x.example".to_owned(), "lee@x.example".to_owned()];
        store.want_mail("m1", 0, false, &both, "acct", t).unwrap();
        // Asked again (a rerun): the same two.
        assert_eq!(
            store
                .want_mail("m1", 0, false, &both, "acct", t)
                .unwrap()
                .len(),
            2
        );
        // Pat's goes out; Lee's is interrupted after its content left.
        let pat = store
            .claim_mail(&key(0, "pat@x.example"), t, later)
            .unwrap()
            .unwrap();
        assert!(
            store.claim_mail(&pat.key, t, later).unwrap().is_none(),
            "held"
        );
        store.mail_leaving(&pat.key, t).unwrap();
        store.finish_mail(&pat.key, MailEnd::Sent, t).unwrap();
        let lee = store
            .claim_mail(&key(0, "lee@x.example"), t, later)
            .unwrap()
            .unwrap();
        store.mail_leaving(&lee.key, t).unwrap();
        drop(store);
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.settle_interrupted_mail(t).unwrap(), 1);
        assert!(
            store.due_mail(t).unwrap().is_empty(),
            "never sent again on its own"
        );
        // Version 1 without Lee: Pat gets the update, Lee (perhaps told) a CANCEL.
        store
            .want_mail("m1", 1, false, &["pat@x.example".to_owned()], "acct", t)
            .unwrap();
        // Version 2 wanted before 1 left: 1 is superseded; the cancellation goes to Pat
        // and to Lee (both may know of it).
        store.want_mail("m1", 2, true, &[], "acct", t).unwrap();
        assert_eq!(
            states(&store),
            [
                (0, "lee@x.example".into(), false, MailState::Unknown),
                (0, "pat@x.example".into(), false, MailState::Sent),
                (1, "lee@x.example".into(), true, MailState::Superseded),
                (1, "pat@x.example".into(), false, MailState::Superseded),
                (2, "lee@x.example".into(), true, MailState::Pending),
                (2, "pat@x.example".into(), true, MailState::Pending),
            ]
        );
        // The user may send the uncertain one again.
        assert!(store.resend_mail(&key(0, "lee@x.example"), t).unwrap());
        assert!(
            !store.resend_mail(&key(0, "pat@x.example"), t).unwrap(),
            "sent stays sent"
        );
    }

    #[test]
    fn a_meeting_nobody_was_told_of_is_cancelled_without_mail() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let t = Utc.with_ymd_and_hms(2027, 1, 1, 9, 0, 0).unwrap();
        store
            .want_mail("m1", 0, false, &["pat@x.example".to_owned()], "acct", t)
            .unwrap();
        assert!(
            store
                .want_mail("m1", 1, true, &[], "acct", t)
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            states(&store),
            [(0, "pat@x.example".into(), false, MailState::Superseded)]
        );
    }

    #[test]
    fn a_transient_failure_waits_and_a_lapsed_claim_is_taken_over() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let t = Utc.with_ymd_and_hms(2027, 1, 1, 9, 0, 0).unwrap();
        let k = key(0, "pat@x.example");
        store
            .want_mail("m1", 0, false, &["pat@x.example".to_owned()], "acct", t)
            .unwrap();
        store.claim_mail(&k, t, t).unwrap().unwrap();
        let next = t + chrono::TimeDelta::seconds(30);
        store
            .finish_mail(
                &k,
                MailEnd::Later {
                    error: "451",
                    next_try_at: next,
                },
                t,
            )
            .unwrap();
        assert!(store.due_mail(t).unwrap().is_empty());
        let due = store.due_mail(next).unwrap();
        assert_eq!((due.len(), due[0].attempts), (1, 1));
        assert_eq!(due[0].last_error.as_deref(), Some("451"));
    }
}
