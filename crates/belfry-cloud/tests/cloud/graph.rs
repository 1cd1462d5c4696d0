//! Microsoft Graph: server-assigned ids, `transactionId` against duplicates, delegates writing
//! to a host's calendar.

use std::sync::Arc;

use belfry_cloud::{GraphCalendar, graph_event};
use belfry_core::calendar::{Calendar, Failure, Written};
use belfry_oauth::ProviderKind;
use belfry_testkit::{OAuthServer, oauth_server};

use crate::{fast_retry, fault_schedule, get, meeting, post, seeds, session, version};

const OWN: &str = "me/calendars/AAMkAGI2TG93AAA=";
const HOST: &str = "users/lee@example.com/calendar";

fn graph(server: &OAuthServer) -> GraphCalendar {
    let session = Arc::new(session(server, ProviderKind::Microsoft));
    GraphCalendar::new(
        session,
        &format!("{}/v1.0", server.issuer),
        "acct",
        fast_retry(),
    )
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
    let graph = graph(&server);
    let parts: Vec<_> = (0..4).map(|n| meeting(&format!("Lecture {n}"))).collect();
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
        for (n, part) in parts.iter().enumerate() {
            let uid = format!("{seed:08x}{n:024x}@belfry");
            let calendar = if n % 2 == 0 { OWN } else { HOST };
            let v = version(&uid, 0, false, part);
            let done = graph
                .write(calendar, &v)
                .unwrap_or_else(|err| panic!("seed {seed} (faults {faults:?}): {err:?}"));
            let txn = graph_event(&v, calendar).unwrap()["transactionId"]
                .as_str()
                .unwrap()
                .to_owned();
            if n % 2 == 0 {
                want_own.push(txn);
            } else {
                want_host.push(txn);
            }
            made.push((calendar, uid, done.remote_ref));
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
        let (calendar, uid, id) = &made[1];
        post(
            &server,
            "/__test/faults",
            &serde_json::json!({ "faults": fault_schedule(seed ^ 0xdead, &FAULTS) }).to_string(),
        );
        let mut cancel = version(uid, 1, true, &parts[1]);
        cancel.known_ref = Some(id);
        let gone = graph.write(calendar, &cancel);
        assert!(
            matches!(&gone, Ok(c) if c.written == Written::Cancelled),
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
    let graph = graph(&server);
    post(&server, "/__test/faults", r#"{"faults": ["lost"]}"#);
    let parts = meeting("Lecture 1");
    let v = version("lost@belfry", 0, false, &parts);
    let id = graph.write(OWN, &v).unwrap().remote_ref;
    let events = &get(&server, "/__test/graph")["mailboxes"]["ana@example.com"];
    assert_eq!(events.as_array().unwrap().len(), 1);
    assert_eq!(
        events[0]["id"],
        id.as_str(),
        "the id of the one stored event"
    );

    let moved = meeting("Lecture 1 (moved)");
    let mut changed = version("lost@belfry", 1, false, &moved);
    changed.known_ref = Some(&id);
    assert_eq!(
        graph.write(OWN, &changed).unwrap().written,
        Written::Updated
    );
    assert_eq!(
        get(&server, "/__test/graph")["mailboxes"]["ana@example.com"][0]["subject"],
        "Lecture 1 (moved)"
    );
    // Version 0 retried after version 1 landed: nothing is overwritten.
    let mut stale = version("lost@belfry", 0, false, &parts);
    stale.known_ref = Some(&id);
    assert_eq!(
        graph.write(OWN, &stale).unwrap().written,
        Written::Superseded { held: 1 }
    );
    let mut cancel = version("lost@belfry", 2, true, &moved);
    cancel.known_ref = Some(&id);
    assert_eq!(
        graph.write(OWN, &cancel).unwrap().written,
        Written::Cancelled
    );
    assert_eq!(
        graph.write(OWN, &cancel).unwrap().written,
        Written::Cancelled,
        "a repeat finds it gone (404): done"
    );
}

#[test]
#[ignore = "needs the OAuth test server (node): run scripts/test"]
fn an_unconfirmed_creation_is_found_by_its_uid_and_a_cancel_creates_nothing() {
    let server = oauth_server(3600);
    let graph = graph(&server);
    let parts = meeting("Lab");
    // The creation's answer was lost and never recorded: the cancellation finds the event
    // by Belfry's UID property and deletes it.
    post(
        &server,
        "/__test/faults",
        r#"{"faults": ["lost", "reset", "reset", "reset", "reset", "reset", "reset", "reset", "reset", "reset", "reset", "reset"]}"#,
    );
    assert!(
        graph
            .write(OWN, &version("u1@belfry", 0, false, &parts))
            .is_err()
    );
    post(&server, "/__test/faults", r#"{"faults": []}"#);
    assert_eq!(transactions(&server, "ana@example.com").len(), 1);
    let mut cancel = version("u1@belfry", 1, true, &parts);
    cancel.maybe_sent = true;
    assert_eq!(
        graph.write(OWN, &cancel).unwrap().written,
        Written::Cancelled
    );
    assert_eq!(transactions(&server, "ana@example.com").len(), 0);
    // A creation that never reached Graph: its cancellation creates nothing.
    let mut never = version("u2@belfry", 1, true, &parts);
    never.maybe_sent = true;
    assert_eq!(
        graph.write(OWN, &never).unwrap().written,
        Written::NothingToCancel
    );
    assert_eq!(transactions(&server, "ana@example.com").len(), 0);
}

#[test]
#[ignore = "needs the OAuth test server (node): run scripts/test"]
fn a_calendar_not_shared_for_editing_is_refused_with_the_fix() {
    let server = oauth_server(3600);
    let graph = graph(&server);
    let path = "users/team@example.com/calendar";
    let parts = meeting("Read only");
    let err = graph
        .write(path, &version("ro@belfry", 0, false, &parts))
        .unwrap_err();
    assert_eq!(err.failure, Failure::Permanent);
    assert!(err.message.contains("share it with you"), "{}", err.message);
}
