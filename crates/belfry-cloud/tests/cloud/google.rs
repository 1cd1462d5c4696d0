//! Google Calendar: client-chosen event ids, 409 on a taken one.

use std::time::Duration;

use belfry_cloud::{Retry, google_event_id, insert_google_event};
use belfry_oauth::ProviderKind;
use belfry_testkit::{OAuthServer, oauth_server};

use crate::{fast_retry, fault_schedule, post, seeds, session};

fn events_on(server: &OAuthServer, calendar: &str) -> Vec<String> {
    crate::get(server, "/__test/events")["calendars"][calendar]
        .as_array()
        .map(|a| a.iter().map(|x| x.as_str().unwrap().to_owned()).collect())
        .unwrap_or_default()
}

fn event(uid: &str, n: u32) -> serde_json::Value {
    serde_json::json!({
        "id": google_event_id(uid),
        "iCalUID": uid,
        "summary": format!("Lecture {n}"),
        "start": {"dateTime": "2027-03-01T10:00:00", "timeZone": "America/New_York"},
        "end": {"dateTime": "2027-03-01T11:00:00", "timeZone": "America/New_York"},
        "attendees": [{"email": "meet@chime.aws"}, {"email": "ana@example.com"}],
    })
}

const FAULTS: [&str; 6] = ["503", "429", "rate", "reset", "lost", "ok"];

#[test]
#[ignore = "needs the OAuth test server (node): run scripts/test"]
fn every_meeting_lands_exactly_once_under_seeded_fault_schedules() {
    let server = oauth_server(3600);
    let session = session(&server, ProviderKind::Google);
    let api = format!("{}/calendar/v3", server.issuer);
    let retry = fast_retry();
    for seed in 0..seeds() {
        post(&server, "/__test/reset", "{}");
        let faults = fault_schedule(seed, &FAULTS);
        post(
            &server,
            "/__test/faults",
            &serde_json::json!({ "faults": faults }).to_string(),
        );
        let calendar = format!("seed{seed}@group.calendar.google.com");
        let uids: Vec<String> = (0..3)
            .map(|n| format!("{seed:08x}{n:024x}@belfry"))
            .collect();
        for (n, uid) in uids.iter().enumerate() {
            let result =
                insert_google_event(&session, &api, &calendar, &event(uid, n as u32), retry);
            assert!(
                result.is_ok(),
                "seed {seed} (faults {faults:?}): {result:?}"
            );
        }
        let mut held = events_on(&server, &calendar);
        held.sort();
        let mut want: Vec<String> = uids.iter().map(|u| google_event_id(u)).collect();
        want.sort();
        assert_eq!(
            held, want,
            "seed {seed} (faults {faults:?}): each meeting exactly once"
        );
    }
}

#[test]
#[ignore = "needs the OAuth test server (node): run scripts/test"]
fn a_lost_answer_is_confirmed_not_repeated() {
    let server = oauth_server(3600);
    let session = session(&server, ProviderKind::Google);
    let api = format!("{}/calendar/v3", server.issuer);
    post(&server, "/__test/faults", r#"{"faults": ["lost"]}"#);
    let uid = "00000000000000000000000000000001@belfry";
    let (id, how) = insert_google_event(
        &session,
        &api,
        "primary",
        &event(uid, 1),
        Retry {
            attempts: 3,
            base: Duration::from_millis(1),
            cap: Duration::from_millis(2),
        },
    )
    .unwrap();
    assert_eq!(id, google_event_id(uid));
    assert_eq!(
        how,
        belfry_cloud::Inserted::AlreadyThere,
        "the retry found the stored event"
    );
    assert_eq!(events_on(&server, "primary").len(), 1);
}
