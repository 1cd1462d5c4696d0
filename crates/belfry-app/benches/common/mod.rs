//! A large history for the benchmarks: meetings over four years, some of them delivered to a
//! calendar, written straight into a store (one transaction for the meetings).

use belfry_core::{Defaults, MeetingForm, MeetingId, MeetingKind, Provider};
use belfry_store::{
    AccountConfig, AccountRecord, AttemptEnd, CaldavConfig, DeliveryKey, DeliveryState,
    MeetingRecord, Store, Wanted,
};
use chrono::{DateTime, Duration, TimeZone, Utc};
use chrono_tz::Tz;

/// The benchmarks' "now": every meeting of the history was created before it.
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 1, 15, 9, 0, 0).unwrap()
}

/// The calendar account the delivered meetings are on.
pub const ACCOUNT: &str = "acct-school";

const SUBJECTS: &[&str] = &[
    "Physics",
    "Chemistry",
    "Biology",
    "History",
    "Algebra",
    "Geometry",
    "Latin",
    "Music",
    "Drawing",
    "Economics",
    "Statistics",
    "Robotics",
    "Poetry",
    "Geography",
    "Philosophy",
];
const FORMS: &[&str] = &[
    "lecture",
    "lab",
    "office hours",
    "seminar",
    "review",
    "exam prep",
    "tutorial",
    "club",
];

/// The `i`th attendee address of the pool the history draws from.
pub fn attendee(i: usize) -> String {
    format!("student{i}@example.edu")
}

/// How many different attendees the history has.
pub const PEOPLE: usize = 5_000;

/// Fills `store` with `meetings` meetings (every 8th a weekly series, 3 to 12 attendees each,
/// created one every ~20 minutes back from [`now`]) and delivers the newest `delivered` of
/// them to a CalDAV account's calendar (done: nothing is left to send).
pub fn fill(store: &Store, meetings: usize, delivered: usize) {
    let defaults = Defaults {
        time_zone: Tz::Europe__Berlin,
        dial_in: vec!["US".into()],
        organizer: None,
    };
    let mut records = Vec::with_capacity(meetings);
    for i in 0..meetings {
        let created = now() - Duration::minutes(20 * (meetings - i) as i64);
        let start = created + Duration::days(3 + (i % 40) as i64);
        let series = i % 8 == 0;
        let form = MeetingForm {
            title: format!(
                "{} {} {}",
                SUBJECTS[i % SUBJECTS.len()],
                FORMS[(i / SUBJECTS.len()) % FORMS.len()],
                i
            ),
            start: start
                .with_timezone(&Tz::Europe__Berlin)
                .format("%Y-%m-%dT%H:00")
                .to_string(),
            duration: "1h".into(),
            repeat: if series {
                "weekly".into()
            } else {
                String::new()
            },
            repeat_count: if series { "6".into() } else { String::new() },
            attendees: (0..3 + i % 10)
                .map(|k| attendee((i * 7 + k * 131) % PEOPLE))
                .collect(),
            description: "Bring your notes; we start on time.".into(),
            ..MeetingForm::default()
        };
        let id =
            MeetingId::parse(&format!("{:010}", 1_000_000_000 + i * 7919 % 8_000_000_000)).unwrap();
        let meeting = form.validate(id, &defaults, Provider::chime()).unwrap();
        records.push(MeetingRecord {
            uid: format!("bench-{i}@belfry"),
            meeting_id: id,
            kind: MeetingKind::OneTime,
            sequence: 0,
            meeting: Some(meeting),
            has_passcode: false,
            created_at: created,
            updated_at: created,
            cancelled_at: None,
        });
    }
    store.insert_all(&records).unwrap();
    store
        .insert_account(&AccountRecord {
            id: ACCOUNT.into(),
            name: "School".into(),
            identity: "ana".into(),
            config: AccountConfig::Caldav(CaldavConfig {
                server: "http://127.0.0.1:5232/".into(),
                calendar_home: "http://127.0.0.1:5232/ana/".into(),
                ..CaldavConfig::default()
            }),
            default_calendar: Some("lectures".into()),
            created_at: now(),
        })
        .unwrap();
    for rec in records.iter().rev().take(delivered) {
        let wanted = Wanted::On {
            account_id: ACCOUNT,
            calendar: "lectures",
        };
        let saved = store.save_version(rec, 0, wanted, now()).unwrap();
        let key: DeliveryKey = saved[0].key();
        let claimed = store
            .claim_delivery(&key, now(), now() + Duration::minutes(5))
            .unwrap()
            .unwrap();
        let end = AttemptEnd::Confirmed {
            remote_ref: &format!("/ana/lectures/{}.ics", rec.uid),
            state: DeliveryState::Done,
        };
        store.finish_attempt(&claimed, end, now()).unwrap();
    }
}
