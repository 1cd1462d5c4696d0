//! Moving meetings off Chime against an in-memory calendar of foreign events, in plain
//! `cargo test`: what a scan finds and leaves out, who may be moved, the plan's texts, the
//! exactly-once apply through kills and outages, and a second run that finds nothing.
//!
//! The calendar holds events as another client wrote them, counts every edit that changed
//! an event (a second update to attendees would show as a second change), and applies an
//! [`EventEdit`] to its fields the way the adapters do. Faults are scripted per edit.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

use belfry_core::calendar::{
    Calendar, CalendarEntry, Confirmed, EventEdit, EventVersion, HeldEvent, Lane, PortError,
    Written,
};
use chrono::TimeZone;

use super::*;

use crate::outbox_tests::CAL;

#[derive(Debug, Clone)]
enum Fault {
    /// Refused before anything changes.
    Refuse(PortError),
    /// The process dies after the calendar changed the event, before the answer was read.
    DieAfter,
    /// The calendar keeps the event as it is and says so (a meeting under way, say).
    Unchanged,
}

struct Killed;

#[derive(Default)]
struct Foreign {
    events: Mutex<Vec<HeldEvent>>,
    /// Every edit that changed an event: (remote_ref, sequence after).
    changes: Mutex<Vec<String>>,
    faults: Mutex<VecDeque<Fault>>,
    /// A second calendar showing the same events (a host's calendar the user also sees
    /// through another share); `Some(writable)`.
    second: Mutex<Option<bool>>,
}

impl Foreign {
    fn add(&self, e: HeldEvent) {
        self.events.lock().unwrap().push(e);
    }

    fn get(&self, remote_ref: &str) -> HeldEvent {
        self.events
            .lock()
            .unwrap()
            .iter()
            .find(|e| e.remote_ref == remote_ref)
            .cloned()
            .unwrap()
    }

    fn changes_of(&self, remote_ref: &str) -> usize {
        self.changes
            .lock()
            .unwrap()
            .iter()
            .filter(|r| *r == remote_ref)
            .count()
    }
}

impl Calendar for Foreign {
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
        if let Some(writable) = *self.second.lock().unwrap() {
            all.push(CalendarEntry {
                id: format!("{CAL}shared/"),
                name: "Shared".into(),
                writable,
                events: true,
                primary: false,
                owner: None,
                shared: false,
            });
        }
        Ok(all)
    }

    fn write(&self, _calendar: &str, _v: &EventVersion<'_>) -> Result<Confirmed, PortError> {
        Err(PortError::permanent("not used here"))
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
        Ok(self.events.lock().unwrap().clone())
    }

    fn edit(
        &self,
        _calendar: &str,
        remote_ref: &str,
        edit: &dyn EventEdit,
    ) -> Result<Confirmed, PortError> {
        let fault = self.faults.lock().unwrap().pop_front();
        if let Some(Fault::Refuse(e)) = fault {
            return Err(e);
        }
        if let Some(Fault::Unchanged) = fault {
            return Ok(Confirmed {
                remote_ref: remote_ref.to_owned(),
                written: Written::AlreadyThere,
                untold: Vec::new(),
            });
        }
        let mut events = self.events.lock().unwrap();
        let e = events
            .iter_mut()
            .find(|e| e.remote_ref == remote_ref)
            .ok_or_else(|| PortError::permanent("the event was deleted from the calendar"))?;
        let mut changed = false;
        if let Some(d) = edit.description(&e.description) {
            changed |= d != e.description;
            e.description = d;
        }
        if let Some(h) = edit.html(&e.html) {
            changed |= h != e.html;
            e.html = h;
        }
        if let Some(l) = edit.location(&e.location) {
            changed |= l != e.location;
            e.location = l;
        }
        let before = e.attendees.len();
        e.attendees.retain(|a| !edit.drops_attendee(a));
        changed |= e.attendees.len() != before;
        if changed {
            e.sequence = Some(e.sequence.unwrap_or(0) + 1);
            self.changes.lock().unwrap().push(remote_ref.to_owned());
        }
        drop(events);
        if let Some(Fault::DieAfter) = fault {
            std::panic::panic_any(Killed);
        }
        Ok(Confirmed {
            remote_ref: remote_ref.to_owned(),
            written: if changed {
                Written::Updated
            } else {
                Written::AlreadyThere
            },
            untold: Vec::new(),
        })
    }

    fn lane(&self, _calendar: &str) -> Lane {
        Lane {
            key: "foreign".into(),
            width: 2,
        }
    }

    fn sends_invitations(&self) -> bool {
        true
    }
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 2, 1, 12, 0, 0).unwrap()
}

fn open(dir: &std::path::Path, cal: &Arc<Foreign>) -> App {
    open_seeded(dir, cal, 11)
}

/// A Belfry whose random draws start from `seed` (a restarted process draws anew, as the
/// operating system's CSPRNG would).
fn open_seeded(dir: &std::path::Path, cal: &Arc<Foreign>, seed: u64) -> App {
    open_at(dir, cal, seed, t0())
}

/// A Belfry whose clock says `at`.
fn open_at(dir: &std::path::Path, cal: &Arc<Foreign>, seed: u64, at: DateTime<Utc>) -> App {
    outbox_tests::app_on(dir, cal.clone(), at, seed, "ana@school.example")
}

/// The Chime app's "Copy invitation" text, pasted by hand under the user's own note.
const PASTED: &str = "Bring the worksheet.\n\nClick to join the meeting: https://chime.aws/6064724824\nMeeting ID: 6064 72 4824\n\nOne-click mobile dial-in (United States): +12064625569,,6064724824#\n\nAgenda: chapter 4.\n";

fn event(remote_ref: &str, title: &str, start: &str, organizer: Option<&str>) -> HeldEvent {
    HeldEvent {
        remote_ref: remote_ref.into(),
        uid: format!("{remote_ref}@other-client"),
        sequence: Some(2),
        cancelled: false,
        title: title.into(),
        start: start.into(),
        organizer: organizer.map(str::to_owned),
        attendees: vec![
            "bo@school.example".into(),
            "meet@chime.aws".into(),
            "PIN+6064724824@chime.aws".into(),
        ],
        location: "Room 4; +12064625569,,6064724824#".into(),
        description: PASTED.into(),
        html: String::new(),
        recurring: false,
        next_start: None,
    }
}

/// A term of foreign events: the user's series and single meeting, a colleague's meeting,
/// an event without Chime details, a meeting that has begun, and a cancelled one.
fn seeded() -> Arc<Foreign> {
    let cal = Arc::new(Foreign::default());
    cal.add(HeldEvent {
        recurring: true,
        // A weekly series that began last term and goes on.
        ..event(
            "series",
            "Physics 101",
            "20260907T100000",
            Some("ana@school.example"),
        )
    });
    cal.add(event(
        "single",
        "Exam review",
        "2027-03-02T15:00:00-05:00",
        None,
    ));
    cal.add(event(
        "colleague",
        "Staff meeting",
        "20270303T090000Z",
        Some("head@school.example"),
    ));
    cal.add(HeldEvent {
        // Another service's invitation: a ten-digit meeting ID and a dial string, nothing
        // only Chime has.
        description: "Join Zoom Meeting\nhttps://zoom.example/j/8123456789\nMeeting ID: 8123456789\nOne tap mobile: +16465588656,,8123456789#\n".into(),
        location: "https://zoom.example/j/8123456789".into(),
        attendees: vec!["bo@school.example".into()],
        ..event("zoom", "Seminar on Zoom", "20270306T120000Z", None)
    });
    cal.add(HeldEvent {
        description: "Lunch at noon.".into(),
        location: "Cafeteria".into(),
        attendees: vec!["bo@school.example".into()],
        ..event("plain", "Lunch", "20270304T120000Z", None)
    });
    cal.add(event(
        "begun",
        "Yesterday's class",
        "20270131T100000Z",
        None,
    ));
    cal.add(HeldEvent {
        cancelled: true,
        ..event("cancelled", "Called off", "20270305T100000Z", None)
    });
    cal
}

#[test]
fn a_scan_finds_the_chime_meetings_and_says_who_can_move_them() {
    let dir = tempfile::tempdir().unwrap();
    let cal = seeded();
    let app = open(dir.path(), &cal);
    let scan = app.migrate_scan(None, None, None).unwrap();
    let found: Vec<(&str, &Organizer)> = scan
        .events
        .iter()
        .map(|e| (e.remote_ref.as_str(), &e.organizer))
        .collect();
    assert_eq!(
        found,
        [
            ("series", &Organizer::You),
            ("single", &Organizer::You),
            ("colleague", &Organizer::Other("head@school.example".into())),
        ]
    );
    let colleague = &scan.events[2];
    assert!(
        colleague
            .ask
            .as_deref()
            .is_some_and(|a| a.contains("\"Staff meeting\"")),
        "{:?}",
        colleague.ask
    );
    assert!(!scan.events[0].details.is_empty());
    assert_eq!(
        scan.events[0].id,
        app.migrate_scan(None, None, None).unwrap().events[0].id
    );
}

#[test]
fn apply_rewrites_only_what_the_user_organizes_once_and_a_second_run_finds_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let cal = seeded();
    let app = open(dir.path(), &cal);
    app.migrate_scan(None, None, None).unwrap();
    let plan = app.migrate_plan("jitsi", None).unwrap();
    assert_eq!(plan.moves.len(), 2);
    assert_eq!(plan.skipped.len(), 1, "the colleague's meeting");
    let series = &plan.moves[0];
    let room = series.meeting_id.clone().unwrap();
    assert_eq!(room.len(), 16);
    // The user's own text around the Chime block stays; the new link replaces it.
    assert!(
        series.description.starts_with("Bring the worksheet.\n"),
        "{}",
        series.description
    );
    assert!(
        series
            .description
            .contains(&format!("https://meet.jit.si/{room}"))
    );
    assert!(series.description.contains("Agenda: chapter 4."));
    assert!(
        !series.description.contains("chime.aws"),
        "{}",
        series.description
    );
    assert_eq!(
        series.removed,
        ["meet@chime.aws", "PIN+6064724824@chime.aws"]
    );
    assert!(
        !plan.moves[0].location.contains("6064724824"),
        "{}",
        plan.moves[0].location
    );
    assert!(
        plan.moves[0].location.contains("Room 4"),
        "{}",
        plan.moves[0].location
    );
    assert_ne!(
        plan.moves[1].meeting_id, plan.moves[0].meeting_id,
        "a fresh link per meeting"
    );
    // Shown, not sent.
    assert!(cal.changes.lock().unwrap().is_empty());

    let report = app.migrate_apply(None).unwrap();
    assert!(
        report.moved.iter().all(|m| m.state == MoveState::Done),
        "{report:?}"
    );
    for r in ["series", "single"] {
        assert_eq!(cal.changes_of(r), 1, "{r} updated once");
        let held = cal.get(r);
        assert_eq!(held.sequence, Some(3));
        assert_eq!(
            held.attendees,
            ["bo@school.example"],
            "other attendees kept"
        );
    }
    assert_eq!(
        cal.get("series").description,
        series.description,
        "what the plan showed"
    );
    assert_eq!(cal.changes_of("colleague"), 0);
    assert_eq!(cal.get("colleague").description, PASTED);
    assert_eq!(
        report.moved[0].original.description, PASTED,
        "the original is kept"
    );
    assert_eq!(app.moves().unwrap().len(), 2);

    let again = app.migrate_scan(None, None, None).unwrap();
    assert_eq!(
        again.events.len(),
        1,
        "only the colleague's is left: {again:?}"
    );
    let plan = app.migrate_plan("jitsi", None).unwrap();
    assert!(plan.moves.is_empty());
}

#[test]
fn a_kill_or_an_outage_mid_apply_is_finished_once_with_the_same_link() {
    let dir = tempfile::tempdir().unwrap();
    let cal = seeded();
    let app = open(dir.path(), &cal);
    app.migrate_scan(None, None, None).unwrap();
    app.migrate_plan("jitsi", None).unwrap();
    // The series lands but the process dies before it hears so.
    cal.faults.lock().unwrap().push_back(Fault::DieAfter);
    let quiet = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let died = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| app.migrate_apply(None)));
    std::panic::set_hook(quiet);
    assert!(died.is_err());
    drop(app);

    // The next start: the series is confirmed without a second update.
    let app = open_seeded(dir.path(), &cal, 12);
    let resumed = app.resume_moves(Duration::from_secs(5)).unwrap();
    assert_eq!(resumed.len(), 1, "{resumed:?}");
    assert!(resumed[0].already, "the series had landed");
    assert_eq!(cal.changes_of("series"), 1);

    // Running the migration again plans the single meeting anew (its first plan was never
    // kept); an outage leaves it pending, and the next run finishes it.
    app.migrate_scan(None, None, None).unwrap();
    let plan = app.migrate_plan("jitsi", None).unwrap();
    assert_eq!(plan.moves.len(), 1, "{plan:?}");
    let room = plan.moves[0].meeting_id.clone().unwrap();
    cal.faults
        .lock()
        .unwrap()
        .push_back(Fault::Refuse(PortError::transient("HTTP 503", None)));
    let report = app.migrate_apply(None).unwrap();
    assert_eq!(report.moved[0].state, MoveState::Pending, "{report:?}");
    assert_eq!(cal.changes_of("single"), 0);
    // Not again at once: the outbox's waits apply.
    assert!(app.resume_moves(Duration::from_secs(5)).unwrap().is_empty());
    drop(app);
    let app = open_at(dir.path(), &cal, 13, t0() + chrono::TimeDelta::hours(1));
    let report = app.resume_moves(Duration::from_secs(5)).unwrap();
    assert_eq!(report[0].state, MoveState::Done);
    assert_eq!(cal.changes_of("single"), 1);
    assert!(
        cal.get("single")
            .description
            .contains(&format!("https://meet.jit.si/{room}")),
        "the link the plan showed: {}",
        cal.get("single").description
    );
    assert!(app.resume_moves(Duration::from_secs(5)).unwrap().is_empty());
    assert_eq!(cal.changes_of("series"), 1);
}

#[test]
fn a_refusal_fails_the_move_with_its_reason_and_chime_is_no_target() {
    let dir = tempfile::tempdir().unwrap();
    let cal = seeded();
    let app = open(dir.path(), &cal);
    let scan = app.migrate_scan(None, None, None).unwrap();
    let err = app.migrate_plan("chime", None).unwrap_err();
    assert_eq!(err.first_field(), Some(Field::Provider));
    let only = [scan.events[1].id.clone()];
    let plan = app.migrate_plan("", Some(&only)).unwrap();
    assert_eq!(plan.moves.len(), 1);
    assert_eq!(plan.moves[0].meeting_id, None, "remove only");
    cal.faults
        .lock()
        .unwrap()
        .push_back(Fault::Refuse(PortError::permanent(
            "HTTP 403: read-only calendar",
        )));
    let report = app.migrate_apply(None).unwrap();
    assert_eq!(report.moved[0].state, MoveState::Failed);
    assert!(report.moved[0].error.as_deref().unwrap().contains("403"));
    assert!(
        app.resume_moves(Duration::from_secs(5)).unwrap().is_empty(),
        "not retried by itself"
    );
    let unknown = app
        .migrate_plan("", Some(&["nope".to_owned()]))
        .unwrap_err();
    assert!(unknown.message.contains("\"nope\""), "{}", unknown.message);
}

#[test]
fn check_before_class_counts_the_meetings_that_still_point_at_chime() {
    let dir = tempfile::tempdir().unwrap();
    let cal = seeded();
    let users = vec![tests::chime_user(
        "u1",
        "ana@school.example",
        License::Pro,
        "2026-01-20T00:00:00Z",
    )];
    let app = open(dir.path(), &cal).with_chime(Box::new(move |_| {
        Ok(Box::new(tests::MemoryChime(users.clone())) as Box<dyn ChimeAdmin>)
    }));
    tests::add_aws_admin(&app, t0());
    let admin = app.admin(None).unwrap();
    let first = |account: Option<&str>| {
        admin
            .doctor(Some("ana@school.example"), account, false, &|_, _| {})
            .unwrap()
            .findings
            .remove(0)
    };
    let found = first(Some("School"));
    assert_eq!(found.code, "still-on-chime");
    assert!(
        found.message.starts_with("2 future meeting(s) on School"),
        "{}",
        found.message
    );
    assert_eq!(found.fix, "Move them off Chime to another provider.");
    app.migrate_scan(None, None, None).unwrap();
    app.migrate_plan("jitsi", None).unwrap();
    app.migrate_apply(None).unwrap();
    assert_ne!(first(Some("School")).code, "still-on-chime", "none left");
}

#[test]
fn what_has_begun_a_read_only_copy_and_a_second_view_of_one_meeting_are_not_moved() {
    let dir = tempfile::tempdir().unwrap();
    let cal = seeded();
    let app = open(dir.path(), &cal);
    // Asked from an earlier day, a scan still starts now: what has begun is not listed.
    let scan = app
        .migrate_scan(None, Some(t0() - chrono::TimeDelta::days(30)), None)
        .unwrap();
    assert!(
        !scan.events.iter().any(|e| e.remote_ref == "begun"),
        "{scan:?}"
    );
    for writable in [false, true] {
        *cal.second.lock().unwrap() = Some(writable);
        app.migrate_scan(None, None, None).unwrap();
        let plan = app.migrate_plan("jitsi", None).unwrap();
        let moved: Vec<(&str, &str)> = plan
            .moves
            .iter()
            .map(|m| (m.event.remote_ref.as_str(), m.event.calendar_name.as_str()))
            .collect();
        assert_eq!(moved, [("series", "Lectures"), ("single", "Lectures")]);
        let why: Vec<&str> = plan
            .skipped
            .iter()
            .filter(|s| s.event.calendar_name == "Shared" && s.event.remote_ref != "colleague")
            .map(|s| s.reason.as_str())
            .collect();
        assert_eq!(why.len(), 2, "{plan:?}");
        for reason in why {
            match writable {
                false => assert_eq!(reason, "the calendar is read-only for you"),
                true => assert!(
                    reason.starts_with("the same meeting as on School"),
                    "{reason}"
                ),
            }
        }
    }
}

#[test]
fn a_calendar_that_changes_nothing_is_not_reported_as_moved_and_only_the_plan_shown_is_applied() {
    let dir = tempfile::tempdir().unwrap();
    let cal = seeded();
    let app = open(dir.path(), &cal);
    let err = app.migrate_apply(None).unwrap_err();
    assert!(
        err.message.contains("review the changes first"),
        "{}",
        err.message
    );
    let scan = app.migrate_scan(None, None, None).unwrap();
    let plan = app
        .migrate_plan("jitsi", Some(&[scan.events[1].id.clone()]))
        .unwrap();
    assert_eq!(plan.moves.len(), 1);
    // Only what was shown: another event of the scan is refused.
    let err = app
        .migrate_apply(Some(&[scan.events[0].id.clone()]))
        .unwrap_err();
    assert!(err.message.contains("review them again"), "{}", err.message);
    cal.faults.lock().unwrap().push_back(Fault::Unchanged);
    let report = app.migrate_apply(None).unwrap();
    assert_eq!(report.moved[0].state, MoveState::Failed, "{report:?}");
    assert!(
        report.moved[0]
            .error
            .as_deref()
            .unwrap()
            .contains("left it as it was"),
        "{report:?}"
    );
    assert!(app.migrate_apply(None).is_err(), "a plan is applied once");
}
