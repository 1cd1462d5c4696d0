//! Microsoft Graph: server-assigned ids, `transactionId` against duplicates, delegates writing
//! to a host's calendar.

use belfry_cloud::{
    Changed, CloudError, create_graph_event, delete_graph_event, graph_transaction_id,
    update_graph_event,
};
use belfry_oauth::ProviderKind;
use belfry_testkit::{OAuthServer, oauth_server};

use crate::{fast_retry, fault_schedule, get, post, seeds, session};

const OWN: &str = "me/calendars/AAMkAGI2TG93AAA=";
const HOST: &str = "users/lee@example.com/calendar";

fn event(uid: &str, calendar: &str, n: u32) -> serde_json::Value {
    serde_json::json!({
        "transactionId": graph_transaction_id(uid, calendar),
        "subject": format!("Lecture {n}"),
        "body": {"contentType": "HTML", "content": "<p>Join: https://chime.aws/6064724824</p>"},
        "start": {"dateTime": "2027-03-01T10:00:00", "timeZone": "Eastern Standard Time"},
        "end": {"dateTime": "2027-03-01T11:00:00", "timeZone": "Eastern Standard Time"},
        "location": {"displayName": "+12064625569,,6064724824#"},
        "attendees": [
            {"emailAddress": {"address": "meet@chime.aws"}, "type": "required"},
            {"emailAddress": {"address": "pin+6064724824@chime.aws"}, "type": "required"},
        ],
    })
}

/// The transactionIds of the events in `mailbox`, sorted.
fn transactions(server: &OAuthServer, mailbox: &str) -> Vec<String> {
    let mut held: Vec<String> = get(server, "/__test/graph")["mailboxes"][mailbox]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| e["transactionId"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default();
    held.sort();
    held
}

const FAULTS: [&str; 6] = ["503", "504", "429", "reset", "lost", "ok"];

#[test]
#[ignore = "needs the OAuth test server (node): run scripts/test"]
fn every_meeting_lands_exactly_once_under_seeded_fault_schedules() {
    let server = oauth_server(3600);
    let session = session(&server, ProviderKind::Microsoft);
    let api = format!("{}/v1.0", server.issuer);
    for seed in 0..seeds() {
        post(&server, "/__test/reset", "{}");
        let faults = fault_schedule(seed, &FAULTS);
        post(
            &server,
            "/__test/faults",
            &serde_json::json!({ "faults": faults }).to_string(),
        );
        let mut want_own = Vec::new();
        let mut want_host = Vec::new();
        let mut made = Vec::new();
        for n in 0..4u32 {
            let uid = format!("{seed:08x}{n:024x}@belfry");
            let calendar = if n % 2 == 0 { OWN } else { HOST };
            let e = event(&uid, calendar, n);
            let id = create_graph_event(&session, &api, calendar, &e, fast_retry())
                .unwrap_or_else(|err| panic!("seed {seed} (faults {faults:?}): {err:?}"));
            let txn = e["transactionId"].as_str().unwrap().to_owned();
            if n % 2 == 0 {
                want_own.push(txn);
            } else {
                want_host.push(txn);
            }
            made.push((calendar, id));
        }
        want_own.sort();
        want_host.sort();
        assert_eq!(
            transactions(&server, "ana@example.com"),
            want_own,
            "seed {seed} (faults {faults:?}): own calendar, each meeting once"
        );
        assert_eq!(
            transactions(&server, "lee@example.com"),
            want_host,
            "seed {seed} (faults {faults:?}): host's calendar, each meeting once"
        );
        // Cancelling survives the same faults: a lost answer's retry sees 404, meaning done.
        let (calendar, id) = &made[1];
        post(
            &server,
            "/__test/faults",
            &serde_json::json!({ "faults": fault_schedule(seed ^ 0xdead, &FAULTS) }).to_string(),
        );
        let gone = delete_graph_event(&session, &api, calendar, id, fast_retry());
        assert!(
            matches!(gone, Ok(Changed::Deleted | Changed::AlreadyDeleted)),
            "seed {seed}: {gone:?}"
        );
        assert_eq!(
            transactions(&server, "lee@example.com").len(),
            1,
            "seed {seed}"
        );
        post(&server, "/__test/faults", r#"{"faults": []}"#);
    }
}

#[test]
#[ignore = "needs the OAuth test server (node): run scripts/test"]
fn a_lost_answer_gets_the_first_event_back() {
    let server = oauth_server(3600);
    let session = session(&server, ProviderKind::Microsoft);
    let api = format!("{}/v1.0", server.issuer);
    post(&server, "/__test/faults", r#"{"faults": ["lost"]}"#);
    let e = event("lost@belfry", OWN, 1);
    let id = create_graph_event(&session, &api, OWN, &e, fast_retry()).unwrap();
    let events = &get(&server, "/__test/graph")["mailboxes"]["ana@example.com"];
    assert_eq!(events.as_array().unwrap().len(), 1);
    assert_eq!(
        events[0]["id"],
        id.as_str(),
        "the id of the one stored event"
    );

    let mut changed = e.clone();
    changed["subject"] = "Lecture 1 (moved)".into();
    assert_eq!(
        update_graph_event(&session, &api, OWN, &id, &changed, fast_retry()).unwrap(),
        Changed::Updated
    );
    assert_eq!(
        get(&server, "/__test/graph")["mailboxes"]["ana@example.com"][0]["subject"],
        "Lecture 1 (moved)"
    );
    assert_eq!(
        delete_graph_event(&session, &api, OWN, &id, fast_retry()).unwrap(),
        Changed::Deleted
    );
    assert_eq!(
        delete_graph_event(&session, &api, OWN, &id, fast_retry()).unwrap(),
        Changed::AlreadyDeleted
    );
}

#[test]
#[ignore = "needs the OAuth test server (node): run scripts/test"]
fn a_calendar_not_shared_for_editing_is_refused_with_the_fix() {
    let server = oauth_server(3600);
    let session = session(&server, ProviderKind::Microsoft);
    let api = format!("{}/v1.0", server.issuer);
    let path = "users/team@example.com/calendar";
    let err = create_graph_event(
        &session,
        &api,
        path,
        &event("ro@belfry", path, 1),
        fast_retry(),
    )
    .unwrap_err();
    match err {
        CloudError::Http {
            status: 403,
            message,
        } => {
            assert!(message.contains("share it with you"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    // An IANA zone name where Graph wants a Windows one is the fake's documented 400.
    let mut iana = event("tz@belfry", OWN, 1);
    iana["start"]["timeZone"] = "America/New_York".into();
    let err = create_graph_event(&session, &api, OWN, &iana, fast_retry()).unwrap_err();
    assert!(
        matches!(&err, CloudError::Http { status: 400, message } if message.contains("TimeZoneNotSupportedException")),
        "{err:?}"
    );
}
