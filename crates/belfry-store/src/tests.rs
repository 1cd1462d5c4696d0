use belfry_core::{Defaults, MeetingForm, Provider};
use chrono::TimeZone;
use chrono_tz::Tz;

use super::*;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 2, 1, 12, 0, 0).unwrap()
}

fn id(s: &str) -> MeetingId {
    MeetingId::parse(s).unwrap()
}

fn meeting(id_: MeetingId, title: &str, attendee: &str) -> Meeting {
    let form = MeetingForm {
        title: title.into(),
        start: "2027-03-01T10:00".into(),
        attendees: vec![attendee.into()],
        ..MeetingForm::default()
    };
    let defaults = Defaults {
        time_zone: Tz::Europe__Berlin,
        dial_in: vec!["US".into()],
        organizer: None,
    };
    form.validate(id_, &defaults, Provider::chime()).unwrap()
}

fn record(uid: &str, id_: MeetingId, kind: MeetingKind, m: Option<Meeting>) -> MeetingRecord {
    MeetingRecord {
        uid: uid.into(),
        meeting_id: id_,
        kind,
        sequence: 0,
        meeting: m,
        has_passcode: false,
        created_at: now(),
        updated_at: now(),
        cancelled_at: None,
    }
}

#[test]
fn opens_in_wal_mode_and_migrates_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let mode: String = store
        .conn()
        .unwrap()
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let version: i64 = store
        .conn()
        .unwrap()
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(version, MIGRATIONS.len() as i64);
    drop(store);
    // Reopening does not run the migrations again (they would fail on existing tables).
    Store::open(dir.path()).unwrap();
}

#[test]
fn refuses_a_database_from_a_newer_belfry() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    store
        .conn()
        .unwrap()
        .pragma_update(None, "user_version", 99)
        .unwrap();
    drop(store);
    let err = Store::open(dir.path()).unwrap_err();
    assert!(matches!(err, StoreError::TooNew { found: 99, .. }), "{err}");
}

#[test]
fn a_fresh_id_is_recorded_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let a = id("0123456789");
    assert!(!store.id_in_history(a).unwrap());
    store
        .insert(&record("u1", a, MeetingKind::OneTime, None))
        .unwrap();
    assert!(store.id_in_history(a).unwrap());
    let again = store
        .insert(&record("u2", a, MeetingKind::Moderated, None))
        .unwrap_err();
    assert!(matches!(again, StoreError::IdTaken(x) if x == a));
}

#[test]
fn a_personal_id_may_serve_many_meetings() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let p = id("5555555555");
    store
        .insert(&record(
            "u1",
            p,
            MeetingKind::Personal,
            Some(meeting(p, "A", "a@example.com")),
        ))
        .unwrap();
    store
        .insert(&record(
            "u2",
            p,
            MeetingKind::Personal,
            Some(meeting(p, "B", "b@example.com")),
        ))
        .unwrap();
    assert_eq!(store.latest_with_id(p).unwrap().unwrap().uid, "u2");
}

#[test]
fn records_round_trip_and_update() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let a = id("0000000001");
    let mut rec = record("u1", a, MeetingKind::Moderated, None);
    rec.has_passcode = true;
    store.insert(&rec).unwrap();
    assert_eq!(store.latest_with_id(a).unwrap().unwrap(), rec);

    rec.meeting = Some(meeting(a, "Physics", "ana@example.com"));
    rec.sequence = 1;
    rec.cancelled_at = Some(now());
    store.update(&rec).unwrap();
    assert_eq!(store.latest_with_id(a).unwrap().unwrap(), rec);
}

#[test]
fn history_search() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let ids = ["1111111111", "2222222222", "3333333333"];
    let titles = ["Physics 101", "Chemistry 50%", "Office hours"];
    let people = ["ana@example.com", "bob@example.com", "cy@school.edu"];
    for i in 0..3 {
        let m = meeting(id(ids[i]), titles[i], people[i]);
        let mut rec = record(&format!("u{i}"), id(ids[i]), MeetingKind::OneTime, Some(m));
        rec.created_at = now() + chrono::TimeDelta::minutes(i as i64);
        store.insert(&rec).unwrap();
    }
    let titles_of = |q: &str| -> Vec<String> {
        store
            .history(q, 10)
            .unwrap()
            .into_iter()
            .map(|r| r.meeting.unwrap().title)
            .collect()
    };
    assert_eq!(
        titles_of(""),
        ["Office hours", "Chemistry 50%", "Physics 101"]
    );
    assert_eq!(titles_of("physics"), ["Physics 101"]);
    assert_eq!(titles_of("2222 22 2222"), ["Chemistry 50%"]);
    assert_eq!(titles_of("2222-22"), ["Chemistry 50%"]);
    assert_eq!(titles_of("SCHOOL.EDU"), ["Office hours"]);
    assert_eq!(titles_of("50%"), ["Chemistry 50%"]);
    assert!(
        titles_of("_").is_empty(),
        "LIKE wildcards are taken literally"
    );
    assert!(
        titles_of("time_zone").is_empty(),
        "stored field names are not searched"
    );
    assert!(titles_of("nothing like it").is_empty());
    assert_eq!(store.history("", 1).unwrap().len(), 1);
}

#[test]
fn settings_and_drafts() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(store.setting("personal_id").unwrap(), None);
    store.set_setting("personal_id", "0123456789").unwrap();
    store.set_setting("personal_id", "9876543210").unwrap();
    assert_eq!(
        store.setting("personal_id").unwrap().as_deref(),
        Some("9876543210")
    );
    assert!(store.unset_setting("personal_id").unwrap());
    assert!(!store.unset_setting("personal_id").unwrap());

    // A draft keeps exactly what was typed, even when it would not validate.
    let form = MeetingForm {
        title: "Half-typed".into(),
        start: "2027-13-".into(),
        ..MeetingForm::default()
    };
    store.save_draft("schedule", &form, now()).unwrap();
    drop(store);
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(store.draft("schedule").unwrap(), Some(form));
    store.delete_draft("schedule").unwrap();
    assert_eq!(store.draft("schedule").unwrap(), None);
}

#[test]
fn two_connections_see_each_others_ids() {
    let dir = tempfile::tempdir().unwrap();
    let one = Store::open(dir.path()).unwrap();
    let two = Store::open(dir.path()).unwrap();
    one.insert(&record("u1", id("4444444444"), MeetingKind::OneTime, None))
        .unwrap();
    assert!(two.id_in_history(id("4444444444")).unwrap());
    assert!(matches!(
        two.insert(&record("u2", id("4444444444"), MeetingKind::OneTime, None)),
        Err(StoreError::IdTaken(_))
    ));
}

#[test]
fn accounts_are_unique_by_name_in_any_case() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let a = AccountRecord {
        id: "a1".into(),
        name: "School".into(),
        kind: "caldav".into(),
        identity: "ana".into(),
        config: serde_json::json!({"server": "https://dav.example.com/"}),
        default_calendar: Some("https://dav.example.com/ana/lectures/".into()),
        created_at: now(),
    };
    store.insert_account(&a).unwrap();
    let dup = AccountRecord {
        id: "a2".into(),
        name: "SCHOOL".into(),
        ..a.clone()
    };
    assert!(matches!(store.insert_account(&dup), Err(StoreError::NameTaken(n)) if n == "SCHOOL"));
    assert_eq!(store.account("school").unwrap().unwrap(), a);

    let mut renamed = a.clone();
    renamed.name = "Work".into();
    store.update_account(&renamed).unwrap();
    assert_eq!(store.accounts().unwrap(), vec![renamed.clone()]);
    assert!(store.delete_account("a1").unwrap());
    assert!(!store.delete_account("a1").unwrap());
    assert!(store.accounts().unwrap().is_empty());
}

#[test]
fn deliveries_are_wanted_before_they_are_sent_and_kept_until_confirmed() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let d = store
        .want_delivery(
            "uid-1",
            "acct",
            "https://dav.example.com/ana/cal/",
            0,
            false,
            now(),
        )
        .unwrap();
    assert_eq!(d.state, "pending");
    store
        .delivery_failed(&d, "connection reset", now())
        .unwrap();
    drop(store);

    // After a crash: still pending, with what went wrong.
    let store = Store::open(dir.path()).unwrap();
    let pending = store.pending_deliveries().unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].attempts, 1);
    assert_eq!(pending[0].last_error.as_deref(), Some("connection reset"));

    // A newer version is wanted before the old one is confirmed: the old confirmation does
    // not close the newer wish.
    let newer = store
        .want_delivery(
            "uid-1",
            "acct",
            "https://dav.example.com/ana/cal/",
            1,
            false,
            now(),
        )
        .unwrap();
    store
        .delivered(&d, "https://dav.example.com/ana/cal/uid-1.ics", now())
        .unwrap();
    assert_eq!(store.pending_deliveries().unwrap().len(), 1);
    store
        .delivered(&newer, "https://dav.example.com/ana/cal/uid-1.ics", now())
        .unwrap();
    assert!(store.pending_deliveries().unwrap().is_empty());
    let all = store.deliveries_of("uid-1").unwrap();
    assert_eq!(all.len(), 1, "one row per meeting and calendar");
    assert_eq!(
        all[0].remote_ref.as_deref(),
        Some("https://dav.example.com/ana/cal/uid-1.ics")
    );
}

#[test]
fn calendar_accounts_are_those_of_each_meetings_latest_version() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let a = id("6064724824");
    let b = id("1234567890");
    store
        .insert(&record(
            "uid-a",
            a,
            MeetingKind::OneTime,
            Some(meeting(a, "A", "x@example.com")),
        ))
        .unwrap();
    store
        .insert(&record(
            "uid-b",
            b,
            MeetingKind::OneTime,
            Some(meeting(b, "B", "y@example.com")),
        ))
        .unwrap();
    for (uid, account) in [("uid-a", "school"), ("uid-a", "work"), ("uid-b", "work")] {
        store
            .want_delivery(uid, account, "cal", 0, false, now())
            .unwrap();
    }
    let held = store.calendar_accounts().unwrap();
    assert_eq!(held[&a.digits()], ["school", "work"]);
    assert_eq!(held[&b.digits()], ["work"]);
    assert!(!held.contains_key("5550123456"));
}
