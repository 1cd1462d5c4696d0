//! Google Calendar: client-chosen event ids, 409 on a taken one.

use std::sync::Arc;
use std::time::Duration;

use belfry_cloud::{GoogleCalendar, Retry, google_event_id};
use belfry_core::calendar::{Calendar, Failure, Written};
use belfry_oauth::ProviderKind;
use belfry_testkit::{OAuthServer, oauth_server};

use crate::{fast_retry, fault_schedule, meeting, post, seeds, session, version};

fn events_on(server: &OAuthServer, calendar: &str) -> Vec<String> {
    crate::get(server, "/__test/events")["calendars"][calendar]
        .as_array()
        .map(|a| a.iter().map(|x| x.as_str().unwrap().to_owned()).collect())
        .unwrap_or_default()
}

const FAULTS: [&str; 6] = ["503", "429", "rate", "reset", "lost", "ok"];

#[test]
#[ignore = "needs the OAuth test server (node): run scripts/test"]
fn every_meeting_lands_exactly_once_under_seeded_fault_schedules() {
    let server = oauth_server(3600);
    let session = Arc::new(session(&server, ProviderKind::Google));
    let api = format!("{}/calendar/v3", server.issuer);
    let google = GoogleCalendar::new(session, &api, "acct", fast_retry());
    let parts: Vec<_> = (0..3).map(|n| meeting(&format!("Lecture {n}"))).collect();
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
            let result = google.write(&calendar, &version(uid, 0, false, &parts[n]));
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
    let session = Arc::new(session(&server, ProviderKind::Google));
    let api = format!("{}/calendar/v3", server.issuer);
    let google = GoogleCalendar::new(
        session,
        &api,
        "acct",
        Retry {
            attempts: 3,
            base: Duration::from_millis(1),
            cap: Duration::from_millis(2),
        },
    );
    post(&server, "/__test/faults", r#"{"faults": ["lost"]}"#);
    let uid = "00000000000000000000000000000001@belfry";
    let parts = meeting("Lecture 1");
    let done = google
        .write("primary", &version(uid, 0, false, &parts))
        .unwrap();
    assert_eq!(done.remote_ref, google_event_id(uid));
    assert_eq!(
        done.written,
        Written::AlreadyThere,
        "the retry found the stored event"
    );
    assert_eq!(events_on(&server, "primary").len(), 1);
}

#[test]
#[ignore = "needs the OAuth test server (node): run scripts/test"]
fn an_older_version_never_overwrites_a_newer_one_and_a_deleted_event_is_not_there() {
    let server = oauth_server(3600);
    let session = Arc::new(session(&server, ProviderKind::Google));
    let api = format!("{}/calendar/v3", server.issuer);
    let google = GoogleCalendar::new(session, &api, "acct", fast_retry());
    let uid = "00000000000000000000000000000002@belfry";
    let first = meeting("Lecture");
    let moved = meeting("Lecture (moved)");
    assert_eq!(
        google
            .write("primary", &version(uid, 0, false, &first))
            .unwrap()
            .written,
        Written::Created
    );
    assert_eq!(
        google
            .write("primary", &version(uid, 1, false, &moved))
            .unwrap()
            .written,
        Written::Updated
    );
    // Version 0 still retrying lands after version 1: nothing is overwritten.
    assert_eq!(
        google
            .write("primary", &version(uid, 0, false, &first))
            .unwrap()
            .written,
        Written::Superseded { held: 1 }
    );
    let held = google.read("primary", uid, None).unwrap().unwrap();
    assert_eq!(held.title, "Lecture (moved)");
    assert_eq!(held.sequence, Some(1));
    // Cancelled: Google keeps the event with status "cancelled"; a 409 on its id is not
    // "already there".
    assert_eq!(
        google
            .write("primary", &version(uid, 2, true, &moved))
            .unwrap()
            .written,
        Written::Cancelled
    );
    assert_eq!(
        google
            .write("primary", &version(uid, 2, true, &moved))
            .unwrap()
            .written,
        Written::Cancelled,
        "a repeated DELETE (410) is done"
    );
    assert!(
        google
            .read("primary", uid, None)
            .unwrap()
            .unwrap()
            .cancelled
    );
    // Never inserted: a cancellation is nothing to do (404), not a failure.
    let never = "00000000000000000000000000000003@belfry";
    assert_eq!(
        google
            .write("primary", &version(never, 1, true, &first))
            .unwrap()
            .written,
        Written::NothingToCancel
    );
}

#[test]
#[ignore = "needs the OAuth test server (node): run scripts/test"]
fn a_duplicate_would_show_and_a_mid_session_401_is_refreshed_once() {
    let server = oauth_server(3600);
    let session = Arc::new(session(&server, ProviderKind::Google));
    let api = format!("{}/calendar/v3", server.issuer);
    let google = GoogleCalendar::new(session.clone(), &api, "acct", fast_retry());
    let parts = meeting("Lecture");
    // The fake can hold a duplicate: an insert it fails to match against the taken id is a
    // second event in the count the tests read, so "exactly once" is not true by
    // construction of the fake.
    let uid = "00000000000000000000000000000004@belfry";
    google
        .write("primary", &version(uid, 0, false, &parts))
        .unwrap();
    post(
        &server,
        "/__test/faults",
        r#"{"faults": ["miss-collision"]}"#,
    );
    let url = format!("{api}/calendars/primary/events");
    let raw = reqwest::blocking::Client::new()
        .post(&url)
        .bearer_auth(session.access_token().unwrap().expose())
        .json(&belfry_cloud::google_event(&version(uid, 0, false, &parts)))
        .send()
        .unwrap();
    assert_eq!(raw.status(), 200);
    assert_eq!(
        events_on(&server, "primary").len(),
        2,
        "the duplicate shows"
    );

    // The access token is refused mid-session: the session refreshes once and the write
    // goes through.
    post(&server, "/__test/reset", "{}");
    let before = crate::get(&server, "/__test/token-requests")["count"]
        .as_u64()
        .unwrap();
    post(&server, "/__test/faults", r#"{"faults": ["401"]}"#);
    let uid = "00000000000000000000000000000005@belfry";
    let done = google
        .write("primary", &version(uid, 0, false, &parts))
        .unwrap();
    assert_eq!(done.written, Written::Created);
    let after = crate::get(&server, "/__test/token-requests")["count"]
        .as_u64()
        .unwrap();
    assert_eq!(after, before + 1, "one refresh");
    assert_eq!(events_on(&server, "primary").len(), 1);
}

#[test]
#[ignore = "needs the OAuth test server (node): run scripts/test"]
fn a_calendar_the_user_may_only_read_is_refused_for_good_with_googles_reason() {
    let server = oauth_server(3600);
    let session = Arc::new(session(&server, ProviderKind::Google));
    let api = format!("{}/calendar/v3", server.issuer);
    let google = GoogleCalendar::new(session, &api, "acct", fast_retry());
    let uid = "00000000000000000000000000000006@belfry";
    let err = google
        .write(
            "en.usa#holiday@group.v.calendar.google.com",
            &version(uid, 0, false, &meeting("Lecture")),
        )
        .unwrap_err();
    // Not "sign in again": the calendar's owner must let the account edit it.
    assert_eq!(err.failure, Failure::Permanent, "{err:?}");
    assert!(
        err.message.contains("writer access") && err.message.contains("requiredAccessLevel"),
        "{}",
        err.message
    );
    // A rate-limit 403 is still a wait and another try.
    post(&server, "/__test/faults", r#"{"faults": ["rate"]}"#);
    let done = google.write("primary", &version(uid, 0, false, &meeting("Lecture")));
    assert!(done.is_ok(), "a rate limit is retried: {done:?}");
}
