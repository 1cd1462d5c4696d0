//! Microsoft Graph: changing events Belfry did not make (`Calendar::edit`), against the
//! fake's series masters, occurrences, exceptions, change keys and request log.

use std::collections::HashMap;
use std::sync::Arc;

use belfry_cloud::GraphCalendar;
use belfry_core::calendar::{Calendar, Failure, Written};
use belfry_oauth::ProviderKind;
use belfry_testkit::{OAuthServer, oauth_server};
use serde_json::{Value, json};

use crate::{OldToNew, at, fast_retry, keys, post, requests, session, writes};

const OWN: &str = "me/calendars/AAMkAGI2TG93AAA=";
const MAILBOX: &str = "ana@example.com";
const SERIES: &str = "AAMkSERIES01";
/// The exception of the series' first occurrence (2027-03-03), moved to start just before
/// the edit's start (and end after it).
const PAST: &str = "AAMkSERIES01_20270303T150000Z";
/// The exception of 2027-03-17 (moved to the 18th), after it; 10:00 in New York is 14:00
/// UTC after the DST change.
const FUTURE: &str = "AAMkSERIES01_20270317T140000Z";
const SEQUENCE_PROPERTY: &str = "String {00020329-0000-0000-C000-000000000046} Name BelfrySequence";

fn graph(server: &OAuthServer) -> GraphCalendar {
    let session = Arc::new(session(server, ProviderKind::Microsoft));
    GraphCalendar::new(
        session,
        &format!("{}/v1.0", server.issuer),
        "acct",
        fast_retry(),
    )
}

fn attendees() -> Value {
    json!([
        { "type": "required", "status": { "response": "none", "time": "0001-01-01T00:00:00Z" },
          "emailAddress": { "name": "Old bridge", "address": "x@old.example" } },
        { "type": "optional", "status": { "response": "tentativelyAccepted", "time": "2027-02-01T09:00:00Z" },
          "emailAddress": { "name": "Bo", "address": "bo@example.com" } },
        { "type": "required", "status": { "response": "declined", "time": "2027-02-02T09:00:00Z" },
          "emailAddress": { "name": "Cy", "address": "cy@example.com" } },
    ])
}

fn without_x(attendees: &Value) -> Value {
    Value::Array(
        attendees
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["emailAddress"]["address"] != "x@old.example")
            .cloned()
            .collect(),
    )
}

fn html(text: &str) -> Value {
    json!({ "contentType": "html", "content": format!("<html><body><p>{text}</p></body></html>") })
}

fn location(name: &str) -> Value {
    json!({ "displayName": name, "locationType": "default", "uniqueId": name, "uniqueIdType": "private" })
}

fn utc(t: &str) -> Value {
    json!({ "dateTime": t, "timeZone": "UTC" })
}

/// Seeds `events` into Ana's mailbox; what the fake stored (with change keys), by id.
fn seed(server: &OAuthServer, events: Value) -> HashMap<String, Value> {
    let stored: Value = serde_json::from_str(&post(
        server,
        "/__test/graph/events",
        &json!({ "mailbox": MAILBOX, "events": events }).to_string(),
    ))
    .unwrap();
    stored["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["id"].as_str().unwrap().to_owned(), e.clone()))
        .collect()
}

/// A weekly series Ana made in Outlook, with Chime details, an exception before the edit's
/// start and one after it, and a single event.
fn seed_series(server: &OAuthServer) -> HashMap<String, Value> {
    let exception = |id: &str, original: &str, start: &str, end: &str, text: &str| {
        json!({
            "id": id, "type": "exception", "seriesMasterId": SERIES, "originalStart": original,
            "subject": "Weekly sync", "calendarId": "AAMkAGI2TG93AAA=",
            "body": html(&format!("{text}: OLD https://chime.aws/1234567890")),
            "location": location("OLD bridge"),
            "start": utc(start), "end": utc(end),
            "organizer": { "emailAddress": { "name": "Ana", "address": MAILBOX } },
            "isOrganizer": true, "attendees": attendees(),
        })
    };
    seed(
        server,
        json!([
            {
                "id": SERIES, "subject": "Weekly sync", "calendarId": "AAMkAGI2TG93AAA=",
                "body": html("Join: OLD https://chime.aws/1234567890"),
                "location": location("OLD bridge"),
                "start": { "dateTime": "2027-03-03T10:00:00.0000000", "timeZone": "Eastern Standard Time" },
                "end": { "dateTime": "2027-03-03T11:00:00.0000000", "timeZone": "Eastern Standard Time" },
                "recurrence": {
                    "pattern": { "type": "weekly", "interval": 1, "daysOfWeek": ["wednesday"], "firstDayOfWeek": "sunday" },
                    "range": { "type": "numbered", "startDate": "2027-03-03", "numberOfOccurrences": 8, "recurrenceTimeZone": "Eastern Standard Time" },
                },
                "organizer": { "emailAddress": { "name": "Ana", "address": MAILBOX } },
                "isOrganizer": true, "attendees": attendees(),
            },
            // Moved to the evening before the edit's start, running past it: it starts
            // before, so it is left alone.
            exception(PAST, "2027-03-03T15:00:00Z", "2027-03-09T23:30:00.0000000", "2027-03-10T00:30:00.0000000", "Tuesday evening"),
            exception(FUTURE, "2027-03-17T14:00:00Z", "2027-03-18T14:00:00.0000000", "2027-03-18T15:00:00.0000000", "Thursday this week"),
            {
                "id": "AAMkLUNCH01", "subject": "Lunch", "calendarId": "AAMkAGI2TG93AAA=",
                "body": { "contentType": "text", "content": "no bridge" },
                "start": utc("2027-03-12T12:00:00.0000000"), "end": utc("2027-03-12T13:00:00.0000000"),
            },
        ]),
    )
}

/// Ana's events as the fake holds them, by id.
fn held(server: &OAuthServer) -> HashMap<String, Value> {
    crate::get(server, "/__test/graph")["mailboxes"][MAILBOX]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["id"].as_str().unwrap().to_owned(), e.clone()))
        .collect()
}

#[test]
#[ignore = "needs the OAuth test server (node): run scripts/test"]
fn a_foreign_series_is_listed_once_and_edited_in_its_master_and_future_exception_only() {
    let server = oauth_server(3600);
    let graph = graph(&server);
    let seeded = seed_series(&server);

    // calendarView gives the series as eight occurrences and exceptions; the scan gets its
    // master once, with the HTML body, whether the calendar is named by path or by id.
    let (from, to) = (at("2027-03-01T00:00:00Z"), at("2027-05-01T00:00:00Z"));
    let listed = graph.events_between(OWN, from, to).unwrap();
    let ids: Vec<&str> = listed.iter().map(|e| e.remote_ref.as_str()).collect();
    assert_eq!(ids, [SERIES, "AAMkLUNCH01"], "{listed:?}");
    let series = &listed[0];
    assert!(series.recurring);
    assert_eq!(series.title, "Weekly sync");
    assert_eq!(
        series.html,
        "<html><body><p>Join: OLD https://chime.aws/1234567890</p></body></html>"
    );
    assert_eq!(series.description, "");
    assert_eq!(listed[1].description, "no bridge");
    let view = requests(&server);
    let occurrences = view
        .iter()
        .filter(|r| r["path"].as_str().unwrap().ends_with("/calendarView"))
        .count();
    assert_eq!(occurrences, 1, "one page: {view:?}");
    assert_eq!(
        graph.events_between("AAMkAGI2TG93AAA=", from, to).unwrap(),
        listed
    );
    // Its next occurrence, from the occurrences folded into it: the first (2027-03-03) was
    // moved to the evening of the 9th, the earliest of all; the single event's is its start.
    assert_eq!(series.next_start.as_deref(), Some("2027-03-09T23:30:00Z"));
    assert_eq!(
        listed[1].next_start.as_deref(),
        Some("2027-03-12T12:00:00Z")
    );

    // Later, once the first occurrences lie before `from`: the next is the one of the 17th,
    // moved to the 18th. Nothing that started already is next: the single event that has
    // begun has none, and nor does the exception of the 9th while it goes on.
    for (start, next, lunch) in [
        ("2027-03-12T12:30:00Z", "2027-03-18T14:00:00Z", None),
        (
            "2027-03-09T23:45:00Z",
            "2027-03-10T15:00:00Z",
            Some("2027-03-12T12:00:00Z"),
        ),
    ] {
        let listed = graph.events_between(OWN, at(start), to).unwrap();
        // In the place of each one's first occurrence in the range.
        let mut next_starts: Vec<(&str, Option<&str>)> = listed
            .iter()
            .map(|e| (e.remote_ref.as_str(), e.next_start.as_deref()))
            .collect();
        next_starts.sort();
        assert_eq!(
            next_starts,
            [("AAMkLUNCH01", lunch), (SERIES, Some(next))],
            "from {start}"
        );
        let series = listed.iter().find(|e| e.remote_ref == SERIES).unwrap();
        assert_eq!(series.start, "2027-03-03T10:00:00.0000000");
    }

    let before = requests(&server).len();
    let done = graph.edit(OWN, SERIES, &OldToNew).unwrap();
    assert_eq!(done.remote_ref, SERIES);
    assert_eq!(done.written, Written::Updated);

    let now = held(&server);
    let master = &now[SERIES];
    assert_eq!(
        master["body"],
        json!({ "contentType": "html", "content": "<html><body><p>Join: <b>NEW</b> https://chime.aws/1234567890</p></body></html>" })
    );
    // The location keeps its kind; the id that only stood for the old name goes.
    assert_eq!(
        master["location"],
        json!({ "displayName": "NEW bridge", "locationType": "default" })
    );
    assert_eq!(
        master["attendees"],
        without_x(&attendees()),
        "others kept, responses and all"
    );
    assert_eq!(master["recurrence"], seeded[SERIES]["recurrence"]);
    assert_ne!(master["changeKey"], seeded[SERIES]["changeKey"]);
    let future = &now[FUTURE];
    assert_eq!(
        future["body"]["content"],
        "<html><body><p>Thursday this week: <b>NEW</b> https://chime.aws/1234567890</p></body></html>"
    );
    assert_eq!(future["location"]["displayName"], "NEW bridge");
    assert_eq!(future["attendees"], without_x(&attendees()));
    assert_eq!(future["start"], utc("2027-03-18T14:00:00.0000000"));
    assert_eq!(now[PAST], seeded[PAST], "the past exception is untouched");
    let mut stored: Vec<&String> = now.keys().collect();
    stored.sort();
    assert_eq!(
        stored,
        ["AAMkLUNCH01", SERIES, PAST, FUTURE],
        "no occurrence was written (none became an exception)"
    );

    // What Graph received: one PATCH per changed part, each with If-Match its @odata.etag,
    // carrying only what changed; a foreign event gets no SEQUENCE property of Belfry's.
    let log = requests(&server);
    let sent = writes(&log[before..]);
    assert_eq!(sent.len(), 2, "{sent:?}");
    for (w, id) in sent.iter().zip([SERIES, FUTURE]) {
        assert_eq!(w["method"], "PATCH");
        assert_eq!(w["path"], format!("/v1.0/me/events/{id}").as_str());
        assert_eq!(w["ifMatch"], seeded[id]["@odata.etag"], "{w}");
        assert_eq!(keys(&w["body"]), ["attendees", "body", "location"]);
    }

    // Again: nothing left to change, and nothing is written.
    let before = requests(&server).len();
    let again = graph.edit(OWN, SERIES, &OldToNew).unwrap();
    assert_eq!(again.written, Written::AlreadyThere);
    let log = requests(&server);
    assert!(writes(&log[before..]).is_empty(), "{:?}", &log[before..]);
    assert!(log.len() > before, "it read the event again");
}

#[test]
#[ignore = "needs the OAuth test server (node): run scripts/test"]
fn an_edit_that_loses_a_race_reads_again_and_keeps_the_other_change() {
    let server = oauth_server(3600);
    let graph = graph(&server);
    // One of Belfry's own events: it carries Belfry's SEQUENCE, which goes up.
    let seeded = seed(
        &server,
        json!([{
            "id": "AAMkSTANDUP1", "subject": "Standup", "calendarId": "AAMkAGI2TG93AAA=",
            "body": { "contentType": "text", "content": "Dial OLD, then press #" },
            "location": { "displayName": "OLD bridge" },
            "start": utc("2027-04-01T09:00:00.0000000"), "end": utc("2027-04-01T09:15:00.0000000"),
            "attendees": attendees(),
            "singleValueExtendedProperties": [{ "id": SEQUENCE_PROPERTY, "value": "2" }],
        }]),
    );
    post(
        &server,
        "/__test/race",
        &json!({
            "api": "graph", "mailbox": MAILBOX, "id": "AAMkSTANDUP1",
            "change": { "subject": "Standup (renamed in Outlook)", "location": { "displayName": "OLD bridge, room 2" } },
        })
        .to_string(),
    );
    let before = requests(&server).len();
    let done = graph.edit(OWN, "AAMkSTANDUP1", &OldToNew).unwrap();
    assert_eq!(done.written, Written::Updated);
    let event = &held(&server)["AAMkSTANDUP1"];
    assert_eq!(
        event["subject"], "Standup (renamed in Outlook)",
        "the other change is kept"
    );
    assert_eq!(
        event["location"]["displayName"], "NEW bridge, room 2",
        "the edit applied to what was read again"
    );
    assert_eq!(
        event["body"],
        json!({ "contentType": "text", "content": "Dial NEW, then press #" })
    );
    assert_eq!(
        event["singleValueExtendedProperties"],
        json!([{ "id": SEQUENCE_PROPERTY, "value": "3" }]),
        "Belfry's SEQUENCE raised once"
    );
    let log = requests(&server);
    let sent = writes(&log[before..]);
    assert_eq!(sent.len(), 2, "refused once (412), then written: {sent:?}");
    assert_eq!(sent[0]["ifMatch"], seeded["AAMkSTANDUP1"]["@odata.etag"]);
    assert_ne!(sent[1]["ifMatch"], sent[0]["ifMatch"]);
    assert!(sent.iter().all(|w| w["body"].get("subject").is_none()));
}

#[test]
#[ignore = "needs the OAuth test server (node): run scripts/test"]
fn a_deleted_event_is_a_permanent_error_naming_it() {
    let server = oauth_server(3600);
    let graph = graph(&server);
    seed(
        &server,
        json!([
            {
                "id": "AAMkRETRO01", "subject": "Sprint retro",
                "body": { "contentType": "text", "content": "OLD" },
                "start": utc("2027-04-02T09:00:00.0000000"), "end": utc("2027-04-02T10:00:00.0000000"),
            },
            {
                "id": "AAMkPLANNING1", "subject": "Planning", "isCancelled": true,
                "body": { "contentType": "text", "content": "OLD" },
                "start": utc("2027-04-03T09:00:00.0000000"), "end": utc("2027-04-03T10:00:00.0000000"),
            },
        ]),
    );
    post(
        &server,
        "/__test/delete",
        &json!({ "api": "graph", "mailbox": MAILBOX, "id": "AAMkRETRO01" }).to_string(),
    );
    let before = requests(&server).len();
    // Graph forgets a deleted event: it is named by its id.
    let err = graph.edit(OWN, "AAMkRETRO01", &OldToNew).unwrap_err();
    assert_eq!(err.failure, Failure::Permanent);
    assert!(err.message.contains("AAMkRETRO01"), "{}", err.message);
    assert!(err.message.contains("deleted"), "{}", err.message);
    // Cancelled by its organizer: still there, named by its title.
    let err = graph.edit(OWN, "AAMkPLANNING1", &OldToNew).unwrap_err();
    assert_eq!(err.failure, Failure::Permanent);
    assert!(err.message.contains("“Planning”"), "{}", err.message);
    let log = requests(&server);
    assert!(writes(&log[before..]).is_empty(), "{:?}", &log[before..]);
}

#[test]
#[ignore = "needs the OAuth test server (node): run scripts/test"]
fn a_write_whose_answer_was_lost_is_not_applied_twice() {
    let server = oauth_server(3600);
    let graph = graph(&server);
    seed(
        &server,
        json!([{
            "id": "AAMkSTANDUP2", "subject": "Standup", "calendarId": "AAMkAGI2TG93AAA=",
            "body": { "contentType": "text", "content": "Dial OLD" },
            "start": utc("2027-04-01T09:00:00.0000000"), "end": utc("2027-04-01T09:15:00.0000000"),
            "attendees": attendees(),
            "singleValueExtendedProperties": [{ "id": SEQUENCE_PROPERTY, "value": "7" }],
        }]),
    );
    // The read goes through; the PATCH is stored, then its answer is lost. The retry finds
    // the event changed (412), reads it again, and finds nothing left to change.
    post(&server, "/__test/faults", r#"{"faults": ["ok", "lost"]}"#);
    let done = graph.edit(OWN, "AAMkSTANDUP2", &OldToNew).unwrap();
    assert!(
        matches!(done.written, Written::Updated | Written::AlreadyThere),
        "{done:?}"
    );
    let event = &held(&server)["AAMkSTANDUP2"];
    assert_eq!(event["body"]["content"], "Dial NEW");
    assert_eq!(event["attendees"], without_x(&attendees()));
    assert_eq!(
        event["singleValueExtendedProperties"],
        json!([{ "id": SEQUENCE_PROPERTY, "value": "8" }]),
        "raised once, not once per attempt"
    );
    let log = requests(&server);
    let sent = writes(&log);
    assert_eq!(sent.len(), 2, "the PATCH and its retry: {sent:?}");
    assert!(sent[0]["ifMatch"].is_string(), "{sent:?}");
    assert_eq!(
        sent[0]["ifMatch"], sent[1]["ifMatch"],
        "the retry is conditional too"
    );
}
