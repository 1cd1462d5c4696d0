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
fn a_caldav_account_on_plain_http_from_before_the_confirmation_keeps_working() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let account = |id: &str, home: &str| AccountRecord {
        id: id.into(),
        name: id.into(),
        identity: "ana".into(),
        config: AccountConfig::Caldav(CaldavConfig {
            server: home.into(),
            calendar_home: home.into(),
            ..CaldavConfig::default()
        }),
        default_calendar: None,
        created_at: now(),
    };
    store
        .insert_account(&account("plain", "http://dav.example.com/ana/"))
        .unwrap();
    store
        .insert_account(&account("tls", "https://dav.example.com/ana/"))
        .unwrap();
    // As a database of the Belfry before migration 6 holds them.
    store
        .conn()
        .unwrap()
        .pragma_update(None, "user_version", 5)
        .unwrap();
    drop(store);
    let store = Store::open(dir.path()).unwrap();
    let allowed = |id: &str| match store.account(id).unwrap().unwrap().config {
        AccountConfig::Caldav(c) => c.allow_insecure_http,
        _ => unreachable!(),
    };
    assert!(allowed("plain"));
    assert!(!allowed("tls"));
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
        identity: "ana".into(),
        config: AccountConfig::Caldav(CaldavConfig {
            server: "https://dav.example.com/".into(),
            calendar_home: "https://dav.example.com/ana/".into(),
            ..CaldavConfig::default()
        }),
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

fn key(uid: &str) -> DeliveryKey {
    DeliveryKey {
        meeting_uid: uid.into(),
        account_id: "acct".into(),
        calendar: "https://dav.example.com/ana/cal/".into(),
    }
}

/// Saves `rec` (read at `read`) with its delivery to the test calendar.
fn save_on(store: &Store, rec: &MeetingRecord, read: u32) -> Result<Vec<Delivery>, StoreError> {
    store.save_version(
        rec,
        read,
        Wanted::On {
            account_id: "acct",
            calendar: "https://dav.example.com/ana/cal/",
        },
        now(),
    )
}

#[test]
fn deliveries_are_wanted_before_they_are_sent_and_kept_until_confirmed() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let a = id("6064724824");
    let mut rec = record(
        "uid-1",
        a,
        MeetingKind::OneTime,
        Some(meeting(a, "A", "x@example.com")),
    );
    store.insert(&rec).unwrap();
    let d = save_on(&store, &rec, 0).unwrap().pop().unwrap();
    assert_eq!((d.state, d.sent), (DeliveryState::Pending, false));
    let later = now() + chrono::TimeDelta::minutes(1);
    let claimed = store
        .claim_delivery(&key("uid-1"), now(), later)
        .unwrap()
        .unwrap();
    assert!(
        !claimed.sent,
        "the claim reports whether an earlier attempt was sent"
    );
    assert!(
        store
            .claim_delivery(&key("uid-1"), now(), later)
            .unwrap()
            .is_none(),
        "a claimed delivery is not taken twice"
    );
    store
        .finish_attempt(
            &claimed,
            AttemptEnd::Later {
                error: "connection reset",
                next_try_at: later,
            },
            now(),
        )
        .unwrap();
    drop(store);

    // After a crash: still pending, with what went wrong, due only at its next try.
    let store = Store::open(dir.path()).unwrap();
    assert!(store.due_deliveries(now()).unwrap().is_empty());
    let pending = store.due_deliveries(later).unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].attempts, 1);
    assert!(pending[0].sent);
    assert_eq!(pending[0].last_error.as_deref(), Some("connection reset"));

    // A newer version is wanted before the old one is confirmed: the old confirmation does
    // not close the newer wish.
    let old = store
        .claim_delivery(&key("uid-1"), later, later)
        .unwrap()
        .unwrap();
    rec.sequence = 1;
    assert!(
        matches!(save_on(&store, &rec, 1), Err(StoreError::Changed(_))),
        "a version saved from a stale read is refused"
    );
    let newer = save_on(&store, &rec, 0).unwrap().pop().unwrap();
    assert_eq!(newer.sequence, 1);
    store
        .finish_attempt(
            &old,
            AttemptEnd::Confirmed {
                remote_ref: "https://dav.example.com/ana/cal/uid-1.ics",
                state: DeliveryState::Done,
            },
            later,
        )
        .unwrap();
    let open = store.open_deliveries().unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(
        (open[0].state, open[0].sequence),
        (DeliveryState::Pending, 1)
    );
    assert_eq!(
        open[0].remote_ref.as_deref(),
        Some("https://dav.example.com/ana/cal/uid-1.ics"),
        "what is known of the event is kept"
    );
    let claimed = store
        .claim_delivery(&key("uid-1"), later, later)
        .unwrap()
        .unwrap();
    store
        .finish_attempt(&claimed, AttemptEnd::Failed { error: "HTTP 403" }, later)
        .unwrap();
    assert!(
        store.due_deliveries(later).unwrap().is_empty(),
        "failed is not retried by itself"
    );
    assert!(store.retry_delivery(&key("uid-1"), later).unwrap());
    assert_eq!(store.due_deliveries(later).unwrap().len(), 1);
    assert_eq!(
        store.deliveries_of("uid-1").unwrap().len(),
        1,
        "one row per meeting and calendar"
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
        let rec = store.meeting_by_uid(uid).unwrap().unwrap();
        store
            .save_version(
                &rec,
                0,
                Wanted::On {
                    account_id: account,
                    calendar: "cal",
                },
                now(),
            )
            .unwrap();
    }
    let held = store.calendar_accounts(&[a, b, id("5550123456")]).unwrap();
    assert_eq!(held[&a.code()], ["school", "work"]);
    assert_eq!(held[&b.code()], ["work"]);
    assert!(!held.contains_key("5550123456"));
}

#[test]
fn a_gone_processs_mark_is_swept_and_a_live_ones_kept() {
    let dir = tempfile::tempdir().unwrap();
    let senders = dir.path().join("senders");
    std::fs::create_dir_all(&senders).unwrap();
    // A killed run's mark: a lock file nobody holds.
    std::fs::write(senders.join("1234-abcd.lock"), b"").unwrap();
    let live = Store::open(dir.path()).unwrap();
    assert!(!senders.join("1234-abcd.lock").exists(), "swept");
    let other = Store::open(dir.path()).unwrap();
    assert_eq!(
        std::fs::read_dir(&senders).unwrap().count(),
        2,
        "both live stores keep their marks"
    );
    drop(live);
    drop(other);
    assert_eq!(std::fs::read_dir(&senders).unwrap().count(), 0);
}

fn scheduled_titles(store: &Store, q: &str, limit: usize) -> Vec<String> {
    store
        .scheduled(q, limit)
        .unwrap()
        .into_iter()
        .map(|r| r.meeting.unwrap().title)
        .collect()
}

#[test]
fn a_search_finds_any_substring_newest_first_whatever_its_length() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let rows = [
        ("1111111111", "Physics lab", "ana@example.com"),
        (
            "2222222222",
            "Übungen \"Optik\" AND NEAR(x)",
            "bob@example.com",
        ),
        ("3333333333", "Chemistry lab", "cy@school.edu"),
        ("4444444444", "Biology lab", "ana@example.com"),
    ];
    for (i, (code, title, person)) in rows.iter().enumerate() {
        let m = meeting(id(code), title, person);
        let mut rec = record(&format!("u{i}"), id(code), MeetingKind::OneTime, Some(m));
        rec.created_at = now() + chrono::TimeDelta::minutes(i as i64);
        store.insert(&rec).unwrap();
    }
    // An ID only reserved: found by its digits in the history, never among the scheduled.
    let mut reserved = record("u9", id("5555111111"), MeetingKind::OneTime, None);
    reserved.created_at = now() + chrono::TimeDelta::minutes(9);
    store.insert(&reserved).unwrap();

    assert_eq!(
        scheduled_titles(&store, "lab", 10),
        ["Biology lab", "Chemistry lab", "Physics lab"]
    );
    assert_eq!(
        scheduled_titles(&store, "lab", 2),
        ["Biology lab", "Chemistry lab"],
        "the newest matches, as many as asked"
    );
    // One and two characters: titles only.
    assert_eq!(scheduled_titles(&store, "hy", 10), ["Physics lab"]);
    assert_eq!(scheduled_titles(&store, "üB", 10), [rows[1].1]);
    assert!(scheduled_titles(&store, "q", 10).is_empty());
    // Three and more: title, people and description, in any case, by the index.
    assert_eq!(scheduled_titles(&store, "ÜBUNG", 10), [rows[1].1]);
    assert_eq!(
        scheduled_titles(&store, "ana@exam", 10),
        ["Biology lab", "Physics lab"]
    );
    assert_eq!(scheduled_titles(&store, "l.edu", 10), ["Chemistry lab"]);
    // What FTS5 would read as syntax is taken literally.
    assert_eq!(scheduled_titles(&store, "\"optik\" and", 10), [rows[1].1]);
    assert_eq!(scheduled_titles(&store, "near(x)", 10), [rows[1].1]);
    assert_eq!(scheduled_titles(&store, "\"", 10), [rows[1].1]);
    assert!(scheduled_titles(&store, "\"\"\"", 10).is_empty());
    assert!(scheduled_titles(&store, "lab AND bio", 10).is_empty());
    // The trigrams of a query are all there, but not in its order: no match.
    assert!(scheduled_titles(&store, "lab physics", 10).is_empty());
    // An ID's digits, in any grouping.
    assert_eq!(scheduled_titles(&store, "333 333", 10), ["Chemistry lab"]);
    assert!(store.scheduled("5555 111", 10).unwrap().is_empty());
    let all = store.history("5555 111", 10).unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].uid, "u9");

    // A changed title is found by what it says now.
    let mut rec = store.meeting_by_uid("u0").unwrap().unwrap();
    rec.meeting = Some(meeting(
        id("1111111111"),
        "Astronomy night",
        "ana@example.com",
    ));
    store.update(&rec).unwrap();
    assert_eq!(scheduled_titles(&store, "astro", 10), ["Astronomy night"]);
    assert_eq!(
        scheduled_titles(&store, "lab", 10),
        ["Biology lab", "Chemistry lab"]
    );
}

#[test]
fn a_history_from_before_the_search_index_is_searched_after_the_upgrade() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open(dir.path()).unwrap();
        let m = meeting(id("1111111111"), "Physics lab", "ana@example.com");
        store
            .insert(&record(
                "u0",
                id("1111111111"),
                MeetingKind::OneTime,
                Some(m),
            ))
            .unwrap();
        // As schema 8 left it: no index of the search text.
        let conn = store.conn().unwrap();
        conn.execute_batch(
            "DROP TRIGGER meetings_search_insert; DROP TRIGGER meetings_search_delete;
             DROP TRIGGER meetings_search_update; DROP TABLE meetings_search;
             DROP INDEX meetings_newest; DROP INDEX meetings_soonest;",
        )
        .unwrap();
        conn.pragma_update(None, "user_version", 8).unwrap();
    }
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(scheduled_titles(&store, "ana@", 10), ["Physics lab"]);
    assert_eq!(scheduled_titles(&store, "ph", 10), ["Physics lab"]);
}

#[test]
fn the_coming_meetings_are_those_not_cancelled_that_start_after_now_soonest_first() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    // `meeting` starts every meeting at 2027-03-01 10:00 Europe/Berlin; give each its day.
    let rows = [
        ("1111111111", "Later", "2027-03-20T10:00"),
        ("2222222222", "Past", "2027-01-20T10:00"),
        ("3333333333", "Soon", "2027-02-02T10:00"),
        ("4444444444", "Cancelled", "2027-02-03T10:00"),
    ];
    for (i, (code, title, start)) in rows.iter().enumerate() {
        let form = MeetingForm {
            title: (*title).into(),
            start: (*start).into(),
            ..MeetingForm::default()
        };
        let defaults = Defaults {
            time_zone: Tz::Europe__Berlin,
            dial_in: vec![],
            organizer: None,
        };
        let m = form
            .validate(id(code), &defaults, Provider::chime())
            .unwrap();
        let mut rec = record(&format!("u{i}"), id(code), MeetingKind::OneTime, Some(m));
        if *title == "Cancelled" {
            rec.cancelled_at = Some(now());
        }
        store.insert(&rec).unwrap();
    }
    let titles = |to: Option<DateTime<Utc>>, limit| -> Vec<String> {
        store
            .starting(now(), to, limit)
            .unwrap()
            .into_iter()
            .map(|r| r.meeting.unwrap().title)
            .collect()
    };
    assert_eq!(titles(None, 10), ["Soon", "Later"]);
    assert_eq!(titles(None, 1), ["Soon"]);
    assert_eq!(
        titles(Some(now() + chrono::TimeDelta::days(3)), 10),
        ["Soon"]
    );
}
