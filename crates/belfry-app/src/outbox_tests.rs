//! The outbox against an in-memory calendar, in plain `cargo test`: kills between every pair
//! of steps, permanent failures, the stale-overwrite race, cancellations of creations never
//! confirmed, personal meetings named by UID, and repeated schedules.
//!
//! The in-memory calendar keeps every event it was asked to create in a list (a duplicate
//! would show), logs every request, and follows the port's contract the way the adapters
//! do (SEQUENCE compared, a cancellation of nothing writes nothing). Faults are scripted per
//! request: refused before anything is stored, or stored with the answer lost.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

use belfry_core::calendar::{
    Calendar, CalendarEntry, Confirmed, EventVersion, HeldEvent, Lane, PortError, Written,
};
use belfry_core::entropy::SplitMix64;
use belfry_store::{AccountConfig, AccountRecord, CaldavConfig, DeliveryState};
use chrono::TimeZone;

use super::*;
use crate::schedule::{Calendars, next_try, row_key};

pub(crate) const CAL: &str = "https://dav.example.com/ana/lectures/";

/// What the next request meets.
#[derive(Debug, Clone)]
enum Fault {
    /// Refused before anything is stored.
    Refuse(PortError),
    /// Stored, then the answer is lost.
    Lose,
    /// The process dies while the request is on its way: before the server stored it.
    DieBefore,
    /// The process dies after the server stored it, before the answer was read.
    DieAfter,
}

/// What a "killed" process unwinds with (the app is then dropped, as a kill would end it).
struct Killed;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Stored {
    pub(crate) uid: String,
    sequence: u32,
    cancelled: bool,
    title: String,
    description: String,
}

/// The in-memory calendar (see the module's note).
#[derive(Default)]
pub(crate) struct Memory {
    events: Mutex<Vec<Stored>>,
    log: Mutex<Vec<String>>,
    faults: Mutex<VecDeque<Fault>>,
    /// It also lists "Hers", another person's calendar shared with the account.
    pub(crate) hers: std::sync::atomic::AtomicBool,
    /// The attendees it says it could not tell of each version written (as a scheduling
    /// server's SCHEDULE-STATUS says).
    pub(crate) untold: Mutex<Vec<String>>,
}

impl Memory {
    fn fault(&self, f: Fault) {
        self.faults.lock().unwrap().push_back(f);
    }

    fn requests(&self) -> usize {
        self.log.lock().unwrap().len()
    }

    pub(crate) fn events(&self) -> Vec<Stored> {
        self.events.lock().unwrap().clone()
    }

    fn only(&self, uid: &str) -> Stored {
        let held: Vec<Stored> = self.events().into_iter().filter(|e| e.uid == uid).collect();
        assert_eq!(held.len(), 1, "exactly one event for {uid}: {held:?}");
        held[0].clone()
    }
}

impl Calendar for Memory {
    fn calendars(&self) -> Result<Vec<CalendarEntry>, PortError> {
        let mut all = vec![CalendarEntry {
            id: CAL.into(),
            name: "Lectures".into(),
            writable: true,
            events: true,
            primary: true,
            owner: None,
            shared: false,
        }];
        if self.hers.load(std::sync::atomic::Ordering::SeqCst) {
            all.push(CalendarEntry {
                id: format!("{CAL}hers/"),
                name: "Hers".into(),
                primary: false,
                shared: true,
                ..all[0].clone()
            });
        }
        Ok(all)
    }

    fn write(&self, calendar: &str, v: &EventVersion<'_>) -> Result<Confirmed, PortError> {
        self.log.lock().unwrap().push(format!(
            "write {calendar} {} seq {} cancelled {}",
            v.uid, v.sequence, v.cancelled
        ));
        let fault = self.faults.lock().unwrap().pop_front();
        if let Some(Fault::Refuse(e)) = fault {
            return Err(e);
        }
        if let Some(Fault::DieBefore) = fault {
            std::panic::panic_any(Killed);
        }
        let mut events = self.events.lock().unwrap();
        let written = match events.iter_mut().find(|e| e.uid == v.uid) {
            None if v.cancelled => Written::NothingToCancel,
            None => {
                events.push(Stored {
                    uid: v.uid.into(),
                    sequence: v.sequence,
                    cancelled: false,
                    title: v.meeting.title.clone(),
                    description: v.invitation.text.clone(),
                });
                Written::Created
            }
            Some(e) if e.sequence > v.sequence => Written::Superseded { held: e.sequence },
            Some(e) if e.sequence == v.sequence && e.cancelled == v.cancelled => {
                if v.cancelled {
                    Written::Cancelled
                } else {
                    Written::AlreadyThere
                }
            }
            Some(e) => {
                e.sequence = v.sequence;
                e.cancelled = v.cancelled;
                e.title = v.meeting.title.clone();
                e.description = v.invitation.text.clone();
                if v.cancelled {
                    Written::Cancelled
                } else {
                    Written::Updated
                }
            }
        };
        if let Some(Fault::Lose) = fault {
            return Err(PortError::transient("the connection dropped", None));
        }
        if let Some(Fault::DieAfter) = fault {
            drop(events);
            std::panic::panic_any(Killed);
        }
        Ok(Confirmed {
            remote_ref: format!("{calendar}{}.ics", v.uid),
            written,
            untold: self.untold.lock().unwrap().clone(),
        })
    }

    fn read(
        &self,
        _calendar: &str,
        _uid: &str,
        _known_ref: Option<&str>,
    ) -> Result<Option<HeldEvent>, PortError> {
        Ok(None)
    }

    fn events_between(
        &self,
        _calendar: &str,
        _from: DateTime<Utc>,
        _to: DateTime<Utc>,
    ) -> Result<Vec<HeldEvent>, PortError> {
        Ok(Vec::new())
    }

    fn edit(
        &self,
        _calendar: &str,
        _remote_ref: &str,
        _edit: &dyn belfry_core::calendar::EventEdit,
    ) -> Result<Confirmed, PortError> {
        Err(PortError::permanent("the outbox never edits"))
    }

    fn lane(&self, _calendar: &str) -> Lane {
        Lane {
            key: "memory".into(),
            width: 2,
        }
    }

    fn sends_invitations(&self) -> bool {
        true
    }
}

/// Every account's calendar is the one in-memory calendar a test holds.
pub(crate) struct OneCalendar(pub(crate) Arc<dyn Calendar>);

impl Calendars for OneCalendar {
    fn open(&self, _app: &App, _account: &AccountRecord) -> Result<Arc<dyn Calendar>, AppError> {
        Ok(self.0.clone())
    }
}

/// A Belfry over `dir` whose clock says `at` and whose random draws start from `seed`, with
/// the CalDAV account "School" (signed in as `identity`, default calendar [`CAL`]) on
/// `calendar`.
pub(crate) fn app_on(
    dir: &std::path::Path,
    calendar: Arc<dyn Calendar>,
    at: DateTime<Utc>,
    seed: u64,
    identity: &str,
) -> App {
    let keyring = Keyring::mock();
    let app = App::with_parts(
        Store::open(dir).unwrap(),
        Box::new(move || Ok(Arc::new(keyring.clone()) as Arc<dyn SecretStore>)),
        Arc::new(FixedClock(at)),
        Box::new(SplitMix64(seed)),
        Tz::America__New_York,
    )
    .with_calendars(Arc::new(OneCalendar(calendar)));
    if app.store().account("School").unwrap().is_none() {
        app.store()
            .insert_account(&AccountRecord {
                id: "acct-1".into(),
                name: "School".into(),
                identity: identity.into(),
                config: AccountConfig::Caldav(CaldavConfig {
                    calendar_home: "https://dav.example.com/ana/".into(),
                    ..CaldavConfig::default()
                }),
                default_calendar: Some(CAL.into()),
                created_at: at,
            })
            .unwrap();
    }
    app
}

/// A Belfry over `dir`, whose clock says `at`, writing to `memory`.
fn open(dir: &std::path::Path, memory: &Arc<Memory>, at: DateTime<Utc>) -> App {
    app_on(dir, memory.clone(), at, 7, "ana")
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 2, 1, 12, 0, 0).unwrap()
}

/// Far enough ahead for every backoff and claim to have run out.
fn much_later() -> DateTime<Utc> {
    t0() + chrono::TimeDelta::days(2)
}

fn lecture(title: &str) -> MeetingForm {
    MeetingForm {
        title: title.into(),
        start: "2027-03-01T10:00".into(),
        attendees: vec!["ana@example.com".into()],
        organizer: "prof@example.com".into(),
        ..MeetingForm::default()
    }
}

/// `form` reserved and recorded with its delivery to the test calendar, as a run killed before
/// its first request leaves it: its UID and deliveries.
fn recorded(app: &App, form: &MeetingForm) -> (String, Vec<Delivery>) {
    let uid = app.reserve_for(form).unwrap();
    let (_, deliveries) = app
        .prepare_for(
            form,
            None,
            Some(&uid),
            Wanted::On {
                account_id: "acct-1",
                calendar: CAL,
            },
        )
        .unwrap();
    (uid, deliveries)
}

fn states(app: &App, uid: &str) -> Vec<DeliveryState> {
    app.store()
        .deliveries_of(uid)
        .unwrap()
        .iter()
        .map(|d| d.state)
        .collect()
}

#[test]
fn a_lost_answer_and_a_kill_still_leave_one_event_and_a_done_delivery() {
    for (step, fault) in [
        (
            "refused before it was stored",
            Fault::Refuse(PortError::transient("HTTP 503", None)),
        ),
        ("stored, answer lost", Fault::Lose),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let memory = Arc::new(Memory::default());
        memory.fault(fault);
        let app = open(dir.path(), &memory, t0());
        let done = app.schedule(&lecture("Physics"), "School", None).unwrap();
        assert_eq!(done.deliveries[0].state, DeliveryState::Pending, "{step}");
        assert!(!done.deliveries[0].next_try_at.is_empty(), "{step}");
        // Not due yet: a resume right away sends nothing.
        let before = memory.requests();
        assert!(
            app.resume_outbox(Duration::from_secs(5))
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            memory.requests(),
            before,
            "{step}: nothing before its next try"
        );
        drop(app); // killed

        let app = open(dir.path(), &memory, much_later());
        let resumed = app.resume_outbox(Duration::from_secs(5)).unwrap();
        assert_eq!(resumed.len(), 1, "{step}");
        assert_eq!(resumed[0].state, DeliveryState::Done, "{step}");
        assert_eq!(memory.only(&done.uid).sequence, 0, "{step}");
        assert_eq!(states(&app, &done.uid), [DeliveryState::Done], "{step}");
    }
}

#[test]
fn a_kill_between_recording_and_sending_is_finished_at_the_next_start() {
    let dir = tempfile::tempdir().unwrap();
    let memory = Arc::new(Memory::default());
    let app = open(dir.path(), &memory, t0());
    // Recorded (the version and its delivery, one transaction), then killed before the
    // first request.
    let (uid, _) = recorded(&app, &lecture("Physics"));
    drop(app);
    assert_eq!(memory.requests(), 0);
    let app = open(dir.path(), &memory, t0());
    app.resume_outbox(Duration::from_secs(5)).unwrap();
    assert_eq!(memory.only(&uid).title, "Physics");
    assert_eq!(states(&app, &uid), [DeliveryState::Done]);

    // An attempt holds the delivery (claimed, not finished): while its process lives and
    // its claim has not run out, another process leaves it alone; once the process is gone
    // (killed), the delivery is taken over at once.
    let changed = MeetingForm {
        title: "Physics (room 12)".into(),
        ..lecture("Physics")
    };
    let (_, deliveries) = app
        .prepare_for(&changed, None, Some(&uid), Wanted::Everywhere)
        .unwrap();
    let key = deliveries[0].key();
    app.store()
        .claim_delivery(&key, t0(), t0() + chrono::TimeDelta::minutes(10))
        .unwrap()
        .unwrap();
    let other = open(dir.path(), &memory, t0() + chrono::TimeDelta::minutes(1));
    assert!(
        other
            .resume_outbox(Duration::from_secs(5))
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        memory.only(&uid).sequence,
        0,
        "a live attempt is left alone"
    );
    drop(app); // killed mid-attempt
    let after = other.resume_outbox(Duration::from_secs(5)).unwrap();
    assert_eq!(after.len(), 1, "a dead process's claim is taken over");
    let held = memory.only(&uid);
    assert_eq!(
        (held.sequence, held.title.as_str()),
        (1, "Physics (room 12)")
    );
    assert_eq!(states(&other, &uid), [DeliveryState::Done]);

    // A live process whose claim ran out (hung): taken over too.
    let (_, cancel) = other
        .prepare_for(
            &changed,
            Some(Method::Cancel),
            Some(&uid),
            Wanted::Everywhere,
        )
        .unwrap();
    other
        .store()
        .claim_delivery(
            &cancel[0].key(),
            t0(),
            t0() + chrono::TimeDelta::minutes(10),
        )
        .unwrap()
        .unwrap();
    let third = open(dir.path(), &memory, t0() + chrono::TimeDelta::minutes(11));
    assert_eq!(
        third.resume_outbox(Duration::from_secs(5)).unwrap().len(),
        1
    );
    assert!(memory.only(&uid).cancelled);
}

#[test]
fn a_killed_schedule_run_again_is_the_same_meeting() {
    let dir = tempfile::tempdir().unwrap();
    let memory = Arc::new(Memory::default());
    memory.fault(Fault::Lose);
    let app = open(dir.path(), &memory, t0());
    let first = app.schedule(&lecture("Physics"), "School", None).unwrap();
    drop(app);
    let app = open(dir.path(), &memory, t0());
    let again = app.schedule(&lecture("Physics"), "School", None).unwrap();
    assert_eq!(again.uid, first.uid);
    assert_eq!(again.meeting_id, first.meeting_id);
    assert!(again.again && !first.again);
    assert_eq!(memory.events().len(), 1, "{:?}", memory.events());
    // Renaming the account changes nothing: the key is its stable id.
    app.rename_account("School", "Work").unwrap();
    let renamed = app.schedule(&lecture("Physics"), "Work", None).unwrap();
    assert_eq!(renamed.uid, first.uid);
    assert_eq!(memory.events().len(), 1);
}

#[test]
fn permanent_failures_are_failed_with_the_reason_and_never_resent_by_themselves() {
    for refusal in [
        PortError::permanent("the calendar service answered HTTP 400: Invalid value"),
        PortError::unauthorized("the server refused the user name or app password (HTTP 401)"),
        PortError::field(
            Field::TimeZone,
            "Outlook has no time zone for Asia/Pyongyang",
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let memory = Arc::new(Memory::default());
        memory.fault(Fault::Refuse(refusal.clone()));
        let app = open(dir.path(), &memory, t0());
        let done = app.schedule(&lecture("Physics"), "School", None).unwrap();
        let d = &done.deliveries[0];
        assert_eq!(
            (d.state, d.status.as_str()),
            (DeliveryState::Failed, "failed")
        );
        assert_eq!(d.message, refusal.message);
        let sent = memory.requests();
        drop(app);
        let app = open(dir.path(), &memory, much_later());
        assert!(
            app.resume_outbox(Duration::from_secs(5))
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            memory.requests(),
            sent,
            "a failed delivery is not sent again by itself"
        );
        let open_ones = app.outbox().unwrap();
        assert_eq!(open_ones.len(), 1);
        assert_eq!(open_ones[0].message, refusal.message);
        assert_eq!(open_ones[0].account, "School");
        // The user fixed it and asks again.
        let retried = app.retry_deliveries(&done.uid).unwrap();
        assert_eq!(retried[0].state, DeliveryState::Done);
        assert_eq!(memory.events().len(), 1);
    }
}

#[test]
fn a_delivery_whose_account_was_removed_fails_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let memory = Arc::new(Memory::default());
    memory.fault(Fault::Refuse(PortError::transient("HTTP 503", None)));
    let app = open(dir.path(), &memory, t0());
    let done = app.schedule(&lecture("Physics"), "School", None).unwrap();
    app.store().delete_account("acct-1").unwrap();
    let app2 = App::with_parts(
        Store::open(dir.path()).unwrap(),
        Box::new(|| Ok(Arc::new(Keyring::mock()) as Arc<dyn SecretStore>)),
        Arc::new(FixedClock(much_later())),
        Box::new(SplitMix64(1)),
        Tz::UTC,
    )
    .with_calendars(Arc::new(OneCalendar(memory.clone())));
    let views = app2.resume_outbox(Duration::from_secs(5)).unwrap();
    assert_eq!(views[0].state, DeliveryState::Failed);
    assert!(views[0].message.contains("removed"), "{}", views[0].message);
    assert_eq!(states(&app2, &done.uid), [DeliveryState::Failed]);
}

#[test]
fn an_older_version_never_overwrites_a_newer_one() {
    let dir = tempfile::tempdir().unwrap();
    let memory = Arc::new(Memory::default());
    let app = open(dir.path(), &memory, t0());
    let done = app.schedule(&lecture("Physics"), "School", None).unwrap();
    // The event was changed elsewhere (SEQUENCE 5) before Belfry's change reached it.
    memory.events.lock().unwrap()[0].sequence = 5;
    let changed = app
        .reschedule_uid(&done.uid, &lecture("Physics (moved)"))
        .unwrap();
    assert_eq!(changed.sequence, 1);
    assert_eq!(changed.deliveries[0].state, DeliveryState::Superseded);
    assert!(changed.deliveries[0].message.contains("newer"));
    assert_eq!(
        memory.only(&done.uid).title,
        "Physics",
        "nothing was overwritten"
    );

    // Two versions wanted one after the other: a confirmation of the first does not close
    // the second, which is then sent.
    let dir = tempfile::tempdir().unwrap();
    let memory = Arc::new(Memory::default());
    let app = open(dir.path(), &memory, t0());
    memory.fault(Fault::Lose);
    let first = app.schedule(&lecture("Physics"), "School", None).unwrap();
    let v0 = app.store().deliveries_of(&first.uid).unwrap().remove(0);
    let claimed = app
        .store()
        .claim_delivery(&v0.key(), much_later(), much_later())
        .unwrap()
        .unwrap();
    app.reschedule_uid(&first.uid, &lecture("Physics (moved)"))
        .unwrap();
    app.store()
        .finish_attempt(
            &claimed,
            belfry_store::AttemptEnd::Confirmed {
                remote_ref: "x",
                state: DeliveryState::Done,
            },
            much_later(),
        )
        .unwrap();
    let app = open(
        dir.path(),
        &memory,
        much_later() + chrono::TimeDelta::days(1),
    );
    app.resume_outbox(Duration::from_secs(5)).unwrap();
    let held = memory.only(&first.uid);
    assert_eq!((held.sequence, held.title.as_str()), (1, "Physics (moved)"));
}

#[test]
fn a_cancellation_of_a_creation_that_never_left_sends_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let memory = Arc::new(Memory::default());
    let app = open(dir.path(), &memory, t0());
    let (uid, _) = recorded(&app, &lecture("Physics"));
    // Killed before the creation was sent; then the user cancels.
    let cancelled = app.cancel_uid(&uid).unwrap();
    assert_eq!(
        cancelled.deliveries[0].status,
        DeliveryStatus::NothingToCancel
    );
    assert_eq!(cancelled.deliveries[0].state, DeliveryState::Done);
    assert_eq!(
        memory.requests(),
        0,
        "no invitation and no cancellation went out"
    );

    // A creation that may have landed (its answer was lost): the cancellation is sent.
    memory.fault(Fault::Lose);
    let made = app.schedule(&lecture("Chemistry"), "School", None).unwrap();
    let gone = app.cancel_uid(&made.uid).unwrap();
    assert_eq!(gone.deliveries[0].status, DeliveryStatus::Cancelled);
    assert!(memory.only(&made.uid).cancelled);
}

#[test]
fn personal_meetings_are_changed_and_cancelled_by_their_uid() {
    let dir = tempfile::tempdir().unwrap();
    let memory = Arc::new(Memory::default());
    let app = open(dir.path(), &memory, t0());
    app.set_setting(SettingKey::PersonalId, "6064724824")
        .unwrap();
    let personal = |title: &str| MeetingForm {
        kind: MeetingKind::Personal,
        ..lecture(title)
    };
    let older = app
        .schedule(&personal("Office hours"), "School", None)
        .unwrap();
    let newer = app
        .schedule(&personal("Reading group"), "School", None)
        .unwrap();
    assert_ne!(older.uid, newer.uid);
    assert_eq!(older.meeting_id, newer.meeting_id);

    let id = MeetingId::parse("6064724824").unwrap();
    let err = app.cancel_meeting(id).unwrap_err();
    assert!(
        err.message.contains(&older.uid) && err.message.contains(&newer.uid),
        "the candidates are named: {}",
        err.message
    );
    app.cancel_uid(&older.uid).unwrap();
    assert!(memory.only(&older.uid).cancelled);
    assert!(
        !memory.only(&newer.uid).cancelled,
        "the other one is untouched"
    );

    let moved = app
        .reschedule_uid(&newer.uid, &personal("Reading group (room 4)"))
        .unwrap();
    assert_eq!(moved.sequence, 1);
    assert_eq!(moved.meeting_id, "6064724824");
    assert_eq!(memory.only(&newer.uid).title, "Reading group (room 4)");
    assert_eq!(memory.events().len(), 2);
}

#[test]
fn resumption_keeps_to_its_budget() {
    let dir = tempfile::tempdir().unwrap();
    let memory = Arc::new(Memory::default());
    let app = open(dir.path(), &memory, t0());
    for n in 0..3 {
        memory.fault(Fault::Refuse(PortError::transient("HTTP 503", None)));
        app.schedule(&lecture(&format!("Lecture {n}")), "School", None)
            .unwrap();
    }
    let app = open(dir.path(), &memory, much_later());
    let before = memory.requests();
    assert!(app.resume_outbox(Duration::ZERO).unwrap().is_empty());
    assert_eq!(memory.requests(), before);
    assert_eq!(app.resume_outbox(Duration::from_secs(5)).unwrap().len(), 3);
    assert_eq!(memory.events().len(), 3);
}

#[test]
fn waits_double_from_thirty_seconds_honour_retry_after_and_stop_at_six_hours() {
    let wait = |attempts, asked| (next_try(t0(), attempts, asked) - t0()).num_seconds();
    assert_eq!(wait(0, None), 30);
    assert_eq!(wait(1, None), 60);
    assert_eq!(wait(3, None), 240);
    assert_eq!(wait(0, Some(120)), 120, "the server asked for longer");
    assert_eq!(wait(2, Some(5)), 120, "never shorter than the backoff");
    assert_eq!(wait(40, None), 6 * 3600);
    assert_eq!(wait(0, Some(u64::MAX)), 6 * 3600);
}

#[test]
fn a_row_key_of_a_form_naming_no_provider_is_the_one_an_earlier_belfry_made() {
    // The JSON an earlier Belfry hashed for this form: every field but `provider`, in order.
    let earlier = r#"{"kind":"one_time","meeting_id":"","passcode":"","title":"Physics","start":"2027-03-01T10:00","time_zone":"","duration":"","repeat":"","repeat_count":"","repeat_until":"","repeat_on":[],"attendees":["ana@example.com"],"organizer":"prof@example.com","on_behalf_of":"","description":"","dial_in":[],"show_zones":[]}"#;
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in earlier
        .bytes()
        .chain([0])
        .chain("acct-1".bytes())
        .chain([0])
        .chain(CAL.bytes())
    {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    assert_eq!(
        row_key(&lecture("Physics"), "acct-1", CAL),
        format!("{hash:016x}")
    );
    let on_jitsi = MeetingForm {
        provider: "jitsi".into(),
        ..lecture("Physics")
    };
    assert_ne!(row_key(&on_jitsi, "acct-1", CAL), format!("{hash:016x}"));
}

#[test]
fn a_csv_row_remembered_by_an_earlier_belfry_is_not_scheduled_again() {
    let dir = tempfile::tempdir().unwrap();
    let memory = Arc::new(Memory::default());
    let app = open(dir.path(), &memory, t0());
    let row = lecture("Physics");
    // Scheduled by an earlier Belfry, which remembered the row under the account's name and
    // the calendar as typed.
    let (uid, deliveries) = recorded(&app, &row);
    app.deliver(&deliveries[0].key());
    let earlier = row_key(&row, "school", "");
    app.store().remember_bulk_row(&earlier, &uid, t0()).unwrap();
    let again = app.schedule_many(&[row], "School", None, &|_, _| {});
    let again = again[0].as_ref().unwrap();
    assert_eq!(again.uid, uid);
    assert!(again.again);
    assert_eq!(memory.events().len(), 1, "{:?}", memory.events());
}

/// Runs `f`, in which the in-memory calendar may "kill" the process mid-request.
fn survive<T>(f: impl FnOnce() -> T) -> Option<T> {
    let quiet = std::panic::take_hook();
    std::panic::set_hook(Box::new(|info| {
        if !info.payload().is::<Killed>() {
            eprintln!("{info}");
        }
    }));
    let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    std::panic::set_hook(quiet);
    match out {
        Ok(v) => Some(v),
        Err(payload) if payload.is::<Killed>() => None,
        Err(payload) => std::panic::resume_unwind(payload),
    }
}

#[test]
fn a_kill_at_any_step_of_schedule_reschedule_or_cancel_is_finished_once_at_the_next_start() {
    #[derive(Debug, Clone, Copy)]
    enum Step {
        Schedule,
        Reschedule,
        Cancel,
    }
    for step in [Step::Schedule, Step::Reschedule, Step::Cancel] {
        for (when, fault) in [
            ("before the server stored it", Fault::DieBefore),
            ("after the server stored it", Fault::DieAfter),
        ] {
            let case = format!("{step:?}, killed {when}");
            let dir = tempfile::tempdir().unwrap();
            let memory = Arc::new(Memory::default());
            let app = open(dir.path(), &memory, t0());
            let moved = lecture("Physics (moved)");
            // The steps before the one that is killed went through.
            let uid = match step {
                Step::Schedule => None,
                _ => Some(
                    app.schedule(&lecture("Physics"), "School", None)
                        .unwrap()
                        .uid,
                ),
            };
            if let (Step::Cancel, Some(uid)) = (step, &uid) {
                app.reschedule_uid(uid, &moved).unwrap();
            }
            memory.fault(fault.clone());
            let done = survive(|| match (step, &uid) {
                (Step::Schedule, _) => app.schedule(&lecture("Physics"), "School", None),
                (Step::Reschedule, Some(uid)) => app.reschedule_uid(uid, &moved),
                (Step::Cancel, Some(uid)) => app.cancel_uid(uid),
                _ => unreachable!(),
            });
            assert!(done.is_none(), "{case}: the kill happened");
            drop(app);

            let app = open(dir.path(), &memory, t0() + chrono::TimeDelta::seconds(1));
            let before = memory.requests();
            let resumed = app.resume_outbox(Duration::from_secs(5)).unwrap();
            assert_eq!(resumed.len(), 1, "{case}: the next start finishes it");
            assert_eq!(memory.requests(), before + 1, "{case}: with one request");
            let events = memory.events();
            assert_eq!(events.len(), 1, "{case}: one event: {events:?}");
            let held = &events[0];
            let (sequence, cancelled, title) = match step {
                Step::Schedule => (0, false, "Physics"),
                Step::Reschedule => (1, false, "Physics (moved)"),
                Step::Cancel => (2, true, "Physics (moved)"),
            };
            assert_eq!(
                (held.sequence, held.cancelled, held.title.as_str()),
                (sequence, cancelled, title),
                "{case}"
            );
            assert_eq!(states(&app, &held.uid), [DeliveryState::Done], "{case}");
            // And once finished, a later start sends nothing.
            let after = memory.requests();
            let app = open(dir.path(), &memory, much_later());
            assert!(
                app.resume_outbox(Duration::from_secs(5))
                    .unwrap()
                    .is_empty()
            );
            assert_eq!(memory.requests(), after, "{case}");
        }
    }
}

#[test]
fn a_saved_meeting_outside_the_limits_fails_its_delivery_and_nothing_is_sent() {
    let dir = tempfile::tempdir().unwrap();
    let memory = Arc::new(Memory::default());
    memory.fault(Fault::Refuse(PortError::transient("HTTP 503", None)));
    let app = open(dir.path(), &memory, t0());
    let done = app.schedule(&lecture("Physics"), "School", None).unwrap();
    // As an older Belfry (or a damaged database) may have left it: the year 262142.
    let mut rec = app.store().meeting_by_uid(&done.uid).unwrap().unwrap();
    let read = rec.sequence;
    let meeting = rec.meeting.as_mut().unwrap();
    meeting.start = chrono::NaiveDate::from_ymd_opt(262_142, 12, 31)
        .unwrap()
        .and_hms_opt(23, 30, 0)
        .unwrap();
    rec.sequence += 1;
    app.store()
        .save_version(
            &rec,
            read,
            Wanted::On {
                account_id: "acct-1",
                calendar: CAL,
            },
            t0(),
        )
        .unwrap();
    let sent = memory.requests();
    let later = open(dir.path(), &memory, much_later());
    let views = later.resume_outbox(Duration::from_secs(5)).unwrap();
    assert_eq!(views.len(), 1, "{views:?}");
    assert_eq!(views[0].state, DeliveryState::Failed);
    assert!(
        views[0].message.contains("between 1970 and 2200"),
        "{}",
        views[0].message
    );
    assert_eq!(memory.requests(), sent);
}

/// Forms past each limit, as the window's fields or a CSV row would bring them, with the
/// field each must be refused on.
fn past_the_limits() -> Vec<(MeetingForm, Field)> {
    let big = "x".repeat(belfry_core::limits::MAX_FIELD_BYTES + 1);
    vec![
        (
            MeetingForm {
                start: "+262142-12-31T23:30".into(),
                ..lecture("Far")
            },
            Field::Start,
        ),
        (
            MeetingForm {
                repeat: "weekly".into(),
                repeat_until: "9999-12-31".into(),
                ..lecture("Endless")
            },
            Field::RepeatUntil,
        ),
        (
            MeetingForm {
                repeat: "monthly".into(),
                repeat_count: "730".into(),
                ..lecture("Decades")
            },
            Field::RepeatCount,
        ),
        (lecture(&"t".repeat(256)), Field::Title),
        (
            MeetingForm {
                description: big.clone(),
                ..lecture("Long")
            },
            Field::Description,
        ),
        (
            MeetingForm {
                attendees: vec![big],
                ..lecture("Crowd")
            },
            Field::Attendees,
        ),
    ]
}

#[test]
fn every_entry_point_refuses_each_limit_by_field_and_keeps_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let memory = Arc::new(Memory::default());
    let app = open(dir.path(), &memory, t0());
    let cases = past_the_limits();
    let refused = |what: &str, r: Result<(), AppError>, field: Field| {
        let e = r.expect_err(what);
        assert_eq!(e.code, ErrorCode::Invalid, "{what}: {}", e.message);
        assert_eq!(e.first_field(), Some(field), "{what}: {e:?}");
    };
    // The window draws an ID first, and previews with it.
    let drawn = app.new_meeting(false, None).unwrap().meeting_id.code();
    for (form, field) in &cases {
        // The window's commands: the live preview, copy, save, and adding to a calendar.
        let with_id = MeetingForm {
            meeting_id: drawn.clone(),
            ..form.clone()
        };
        refused("preview", app.preview(&with_id).map(drop), *field);
        refused("prepare", app.prepare(form).map(drop), *field);
        refused("ics", app.ics(form, Method::Request).map(drop), *field);
        refused(
            "schedule",
            app.schedule(form, "School", None).map(drop),
            *field,
        );
    }
    // The same forms as CSV rows.
    let rows: Vec<MeetingForm> = cases.iter().map(|(f, _)| f.clone()).collect();
    let results = app.schedule_many(&rows, "School", None, &|_, _| {});
    for ((_, field), result) in cases.iter().zip(results) {
        refused("a CSV row", result.map(drop), *field);
    }
    let history = app.history("", 100).unwrap();
    assert_eq!(history.len(), 1, "only the drawn ID is recorded");
    assert_eq!(history[0].meeting_id.code(), drawn, "{history:?}");
    assert!(app.outbox().unwrap().is_empty(), "no delivery waits");
    assert_eq!(memory.requests(), 0, "nothing sent");
}

#[test]
fn a_series_and_a_template_saved_before_the_limits_can_still_be_cancelled() {
    let dir = tempfile::tempdir().unwrap();
    let memory = Arc::new(Memory::default());
    let app = open(dir.path(), &memory, t0());
    let weekly = MeetingForm {
        repeat: "weekly".into(),
        repeat_until: "2027-06-30".into(),
        ..lecture("Physics")
    };
    let done = app.schedule(&weekly, "School", None).unwrap();
    assert_eq!(states(&app, &done.uid), [DeliveryState::Done]);
    // As an older Belfry saved them: a series to 9999, and a template using `~`.
    let mut rec = app.store().meeting_by_uid(&done.uid).unwrap().unwrap();
    let read = rec.sequence;
    if let Some(r) = rec.meeting.as_mut().unwrap().recurrence.as_mut() {
        r.end =
            belfry_core::RepeatEnd::Until(chrono::NaiveDate::from_ymd_opt(9999, 12, 31).unwrap());
    }
    app.store()
        .save_version(&rec, read, Wanted::Nowhere, t0())
        .unwrap();
    app.store()
        .set_setting("template", "{{ title ~ '!' }}")
        .unwrap();

    let cancelled = app.cancel_uid(&done.uid).unwrap();
    assert_eq!(
        cancelled.deliveries[0].state,
        DeliveryState::Done,
        "{:?}",
        cancelled.deliveries
    );
    let held = memory.only(&done.uid);
    assert!(held.cancelled);
    assert!(held.sequence > 0);
}

#[test]
fn the_same_command_after_the_default_provider_changed_is_still_the_same_meeting() {
    let dir = tempfile::tempdir().unwrap();
    let memory = Arc::new(Memory::default());
    let app = open(dir.path(), &memory, t0());
    app.set_setting(SettingKey::Provider, "jitsi").unwrap();
    let on_jitsi = app.schedule(&lecture("Physics"), "School", None).unwrap();
    assert_eq!(on_jitsi.meeting_id.len(), 16, "a room");
    // Run again once the default is Chime: the meeting the command made, on its provider,
    // never a second one.
    app.unset_setting(SettingKey::Provider).unwrap();
    let again = app.schedule(&lecture("Physics"), "School", None).unwrap();
    assert_eq!(again.uid, on_jitsi.uid);
    assert_eq!(again.meeting_id, on_jitsi.meeting_id);
    assert_eq!(memory.events().len(), 1, "{:?}", memory.events());
}

#[test]
fn a_meeting_whose_profile_file_was_removed_is_still_changed_and_cancelled_on_its_provider() {
    let dir = tempfile::tempdir().unwrap();
    let memory = Arc::new(Memory::default());
    let app = open(dir.path(), &memory, t0());
    let file = dir.path().join("school.toml");
    std::fs::write(
        &file,
        "key = \"school\"\nname = \"School Jitsi\"\njoin_url = \"https://meet.school.example/{id}\"\nids = \"room\"\n",
    )
    .unwrap();
    app.add_provider_file(&file).unwrap();
    let on_school = |title: &str| MeetingForm {
        provider: "school".into(),
        ..lecture(title)
    };
    let made = app.schedule(&on_school("Seminar"), "School", None).unwrap();
    std::fs::remove_file(app.providers_dir().join("school.toml")).unwrap();
    assert!(app.provider_named("school").is_err(), "no longer offered");

    let moved = app
        .reschedule_uid(&made.uid, &on_school("Seminar (room 4)"))
        .unwrap();
    assert_eq!(moved.sequence, 1);
    let held = memory.only(&made.uid);
    assert_eq!(held.title, "Seminar (room 4)");
    assert!(
        held.description
            .contains(&format!("https://meet.school.example/{}", made.meeting_id)),
        "still on the school's server: {}",
        held.description
    );
    app.cancel_uid(&made.uid).unwrap();
    assert!(memory.only(&made.uid).cancelled);
}

#[test]
fn a_row_only_reserved_before_the_default_provider_changed_is_scheduled_on_the_new_one() {
    let dir = tempfile::tempdir().unwrap();
    let memory = Arc::new(Memory::default());
    let app = open(dir.path(), &memory, t0());
    let row = lecture("Physics");
    // A run killed after the row's Chime ID was reserved and remembered, before anything was
    // recorded or sent.
    let account = app.account_for_scheduling("School").unwrap();
    let key = row_key(&row, &account.id, CAL);
    let reserved = app.reserve_for(&row).unwrap();
    app.store()
        .remember_bulk_row(&key, &reserved, t0())
        .unwrap();
    app.set_setting(SettingKey::Provider, "jitsi").unwrap();
    for _ in 0..2 {
        let done = app.schedule_many(std::slice::from_ref(&row), "School", None, &|_, _| {});
        let done = done[0].as_ref().unwrap();
        assert_eq!(
            done.meeting_id.len(),
            16,
            "a Jitsi room: {}",
            done.meeting_id
        );
    }
    assert_eq!(memory.events().len(), 1, "{:?}", memory.events());
    assert!(
        memory.events()[0]
            .description
            .contains("https://meet.jit.si/")
    );
}
