//! Google Calendar: changing events Belfry did not make (`Calendar::edit`), against the fake's
//! recurring events, exceptions, etags and request log.

use std::sync::Arc;

use belfry_cloud::GoogleCalendar;
use belfry_core::calendar::{Calendar, Failure, Written};
use belfry_oauth::ProviderKind;
use belfry_testkit::{OAuthServer, oauth_server};
use serde_json::{Value, json};

use crate::{OldToNew, at, fast_retry, keys, post, requests, session, writes};

const CAL: &str = "ana@example.com";
const SERIES: &str = "chimeseries01";
/// The exception of the series' first occurrence (2027-03-03), moved to start just before
/// the edit's start (and end after it).
const PAST: &str = "chimeseries01_20270303T150000Z";
/// The exception of 2027-03-17 (moved to the 18th), after it; after the DST change, so
/// 10:00 in New York is 14:00 UTC.
const FUTURE: &str = "chimeseries01_20270317T140000Z";

fn google(server: &OAuthServer) -> GoogleCalendar {
    let session = Arc::new(session(server, ProviderKind::Google));
    GoogleCalendar::new(
        session,
        &format!("{}/calendar/v3", server.issuer),
        "acct",
        fast_retry(),
    )
}

fn attendees() -> Value {
    json!([
        { "email": "ana@example.com", "organizer": true, "self": true, "responseStatus": "accepted" },
        { "email": "x@old.example", "responseStatus": "needsAction" },
        { "email": "bo@example.com", "displayName": "Bo", "optional": true, "responseStatus": "tentative" },
        { "email": "cy@example.com", "responseStatus": "declined", "comment": "away that week" },
    ])
}

fn without_x(attendees: &Value) -> Value {
    Value::Array(
        attendees
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["email"] != "x@old.example")
            .cloned()
            .collect(),
    )
}

fn time(t: &str) -> Value {
    json!({ "dateTime": t, "timeZone": "America/New_York" })
}

/// Seeds `events` into the calendar; what the fake stored (with etags), by id.
fn seed(server: &OAuthServer, events: Value) -> std::collections::HashMap<String, Value> {
    let stored: Value = serde_json::from_str(&post(
        server,
        "/__test/google/events",
        &json!({ "calendar": CAL, "events": events }).to_string(),
    ))
    .unwrap();
    stored["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["id"].as_str().unwrap().to_owned(), e.clone()))
        .collect()
}

/// A weekly series someone made in Google Calendar, with Chime details, an exception before
/// the edit's start and one after it, and a single event.
fn seed_series(server: &OAuthServer) -> std::collections::HashMap<String, Value> {
    let exception = |id: &str, original: &str, start: &str, end: &str, text: &str| {
        json!({
            "id": id, "iCalUID": "chime-series@example.com", "summary": "Weekly sync",
            "recurringEventId": SERIES, "originalStartTime": time(original),
            "start": time(start), "end": time(end),
            "description": format!("<p>{text}: OLD https://chime.aws/1234567890</p>"),
            "location": "OLD bridge +1 206 462 5569",
            "organizer": { "email": "ana@example.com", "self": true },
            "attendees": attendees(), "sequence": 4,
        })
    };
    seed(
        server,
        json!([
            {
                "id": SERIES, "iCalUID": "chime-series@example.com", "summary": "Weekly sync",
                "description": "<p>Join: OLD https://chime.aws/1234567890</p>",
                "location": "OLD bridge +1 206 462 5569",
                "start": time("2027-03-03T10:00:00-05:00"), "end": time("2027-03-03T11:00:00-05:00"),
                "recurrence": ["RRULE:FREQ=WEEKLY;COUNT=8"],
                "organizer": { "email": "ana@example.com", "self": true },
                "attendees": attendees(), "sequence": 3,
            },
            // Moved to the evening before the edit's start, running past it: it starts
            // before, so it is left alone.
            exception(PAST, "2027-03-03T10:00:00-05:00", "2027-03-09T18:30:00-05:00", "2027-03-09T19:30:00-05:00", "Tuesday evening"),
            exception(FUTURE, "2027-03-17T10:00:00-04:00", "2027-03-18T10:00:00-04:00", "2027-03-18T11:00:00-04:00", "Thursday this week"),
            {
                "id": "lunchonce1", "summary": "Lunch", "description": "no bridge",
                "start": { "dateTime": "2027-03-12T12:00:00Z" }, "end": { "dateTime": "2027-03-12T13:00:00Z" },
            },
        ]),
    )
}

/// The calendar's events as the fake holds them, by id.
fn held(server: &OAuthServer) -> std::collections::HashMap<String, Value> {
    crate::get(server, "/__test/events")["events"][CAL]
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
    let google = google(&server);
    let seeded = seed_series(&server);

    // Listed without singleEvents: Google sends the master and both exceptions (items of
    // their own); the scan gets the series once, as its master, with its HTML.
    let listed = google
        .events_between(CAL, at("2027-03-01T00:00:00Z"), at("2027-05-01T00:00:00Z"))
        .unwrap();
    let ids: Vec<&str> = listed.iter().map(|e| e.remote_ref.as_str()).collect();
    assert_eq!(ids, [SERIES, "lunchonce1"], "{listed:?}");
    let series = &listed[0];
    assert!(series.recurring);
    assert_eq!(series.uid, "chime-series@example.com");
    assert_eq!(series.html, "<p>Join: OLD https://chime.aws/1234567890</p>");
    assert_eq!(series.sequence, Some(3));
    // Its next occurrence: the first (2027-03-03) was moved to the evening of the 9th, the
    // earliest of all; the single event's is its start.
    assert_eq!(
        series.next_start.as_deref(),
        Some("2027-03-09T18:30:00-05:00")
    );
    assert_eq!(
        listed[1].next_start.as_deref(),
        Some("2027-03-12T12:00:00Z")
    );
    // The events are listed without singleEvents; the series' instances once more, with
    // it, ordered by start, in the same range.
    let listing = requests(&server);
    let (instances, events): (Vec<&Value>, Vec<&Value>) = listing
        .iter()
        .filter(|r| r["path"] == format!("/calendar/v3/calendars/{CAL}/events").as_str())
        .partition(|r| r["query"].as_str().unwrap().contains("singleEvents"));
    assert_eq!(events.len(), 1, "{listing:?}");
    assert_eq!(instances.len(), 1, "one page: {listing:?}");
    let query = instances[0]["query"].as_str().unwrap();
    for part in [
        "singleEvents=true",
        "orderBy=startTime",
        "timeMin=2027-03-01T00%3A00%3A00Z",
        "timeMax=2027-05-01T00%3A00%3A00Z",
        "fields=",
    ] {
        assert!(query.contains(part), "{part} in {query}");
    }

    // Later, once the first occurrences lie before `from`: the next is the one of the 17th,
    // moved to the 18th. Nothing else started yet is next: the single event that has begun
    // has none, and nor does the exception of the 9th while it goes on.
    for (from, next, lunch) in [
        ("2027-03-12T12:30:00Z", "2027-03-18T10:00:00-04:00", None),
        (
            "2027-03-09T23:45:00Z",
            "2027-03-10T15:00:00Z",
            Some("2027-03-12T12:00:00Z"),
        ),
    ] {
        let listed = google
            .events_between(CAL, at(from), at("2027-05-01T00:00:00Z"))
            .unwrap();
        let next_starts: Vec<(&str, Option<&str>)> = listed
            .iter()
            .map(|e| (e.remote_ref.as_str(), e.next_start.as_deref()))
            .collect();
        assert_eq!(
            next_starts,
            [(SERIES, Some(next)), ("lunchonce1", lunch)],
            "from {from}"
        );
        assert_eq!(listed[0].start, "2027-03-03T10:00:00-05:00");
    }

    let before = requests(&server).len();
    let done = google.edit(CAL, SERIES, &OldToNew).unwrap();
    assert_eq!(done.remote_ref, SERIES);
    assert_eq!(done.written, Written::Updated);

    let now = held(&server);
    let master = &now[SERIES];
    // The HTML description got the edit's HTML answer, the location its text answer.
    assert_eq!(
        master["description"],
        "<p>Join: <b>NEW</b> https://chime.aws/1234567890</p>"
    );
    assert_eq!(master["location"], "NEW bridge +1 206 462 5569");
    assert_eq!(
        master["attendees"],
        without_x(&attendees()),
        "others kept as they were"
    );
    assert_eq!(master["sequence"], 4, "sequence raised");
    assert_eq!(master["recurrence"], json!(["RRULE:FREQ=WEEKLY;COUNT=8"]));
    let future = &now[FUTURE];
    assert_eq!(
        future["description"],
        "<p>Thursday this week: <b>NEW</b> https://chime.aws/1234567890</p>"
    );
    assert_eq!(future["location"], "NEW bridge +1 206 462 5569");
    assert_eq!(future["attendees"], without_x(&attendees()));
    assert_eq!(future["sequence"], 5);
    assert_eq!(future["start"], time("2027-03-18T10:00:00-04:00"));
    assert_eq!(now[PAST], seeded[PAST], "the past exception is untouched");
    let mut stored: Vec<&String> = now.keys().collect();
    stored.sort();
    assert_eq!(
        stored,
        ["chimeseries01", PAST, FUTURE, "lunchonce1"],
        "no unchanged occurrence was written (none became an exception)"
    );
    assert_eq!(now["lunchonce1"], seeded["lunchonce1"]);

    // What Google received: one PATCH per changed part, each conditional on the etag read,
    // each asking Google to email every attendee, carrying only what changed.
    let log = requests(&server);
    let sent = writes(&log[before..]);
    assert_eq!(sent.len(), 2, "{sent:?}");
    for (w, id) in sent.iter().zip([SERIES, FUTURE]) {
        assert_eq!(w["method"], "PATCH");
        assert_eq!(
            w["path"],
            format!("/calendar/v3/calendars/{CAL}/events/{id}").as_str()
        );
        assert!(
            w["query"].as_str().unwrap().contains("sendUpdates=all"),
            "{w}"
        );
        assert_eq!(w["ifMatch"], seeded[id]["etag"], "{w}");
        assert_eq!(
            keys(&w["body"]),
            ["attendees", "description", "location", "sequence"]
        );
    }
    assert_eq!(sent[0]["body"]["sequence"], 4);
    let listed_instances = log[before..]
        .iter()
        .find(|r| r["path"].as_str().unwrap().ends_with("/instances"))
        .expect("the instances were listed");
    assert!(
        listed_instances["query"]
            .as_str()
            .unwrap()
            .contains("showDeleted=false"),
        "{listed_instances}"
    );

    // Again: nothing left to change, and nothing is written.
    let before = requests(&server).len();
    let again = google.edit(CAL, SERIES, &OldToNew).unwrap();
    assert_eq!(again.written, Written::AlreadyThere);
    let log = requests(&server);
    assert!(writes(&log[before..]).is_empty(), "{:?}", &log[before..]);
    assert!(log.len() > before, "it read the event again");
}

#[test]
#[ignore = "needs the OAuth test server (node): run scripts/test"]
fn an_edit_that_loses_a_race_reads_again_and_keeps_the_other_change() {
    let server = oauth_server(3600);
    let google = google(&server);
    let seeded = seed(
        &server,
        json!([{
            "id": "standup01", "summary": "Standup",
            "description": "Dial OLD, then press #",
            "location": "OLD bridge",
            "start": { "dateTime": "2027-04-01T09:00:00Z" }, "end": { "dateTime": "2027-04-01T09:15:00Z" },
            "attendees": attendees(), "sequence": 0,
        }]),
    );
    // Someone renames it and changes the room between Belfry's read and its write.
    post(
        &server,
        "/__test/race",
        &json!({
            "api": "google", "calendar": CAL, "id": "standup01",
            "change": { "summary": "Standup (renamed in Calendar)", "location": "OLD bridge, room 2" },
        })
        .to_string(),
    );
    let before = requests(&server).len();
    let done = google.edit(CAL, "standup01", &OldToNew).unwrap();
    assert_eq!(done.written, Written::Updated);
    let event = &held(&server)["standup01"];
    assert_eq!(
        event["summary"], "Standup (renamed in Calendar)",
        "the other change is kept"
    );
    assert_eq!(
        event["location"], "NEW bridge, room 2",
        "the edit applied to what was read again"
    );
    // A description without a tag is text: the edit's text answer.
    assert_eq!(event["description"], "Dial NEW, then press #");
    assert_eq!(event["sequence"], 1);
    let log = requests(&server);
    let sent = writes(&log[before..]);
    assert_eq!(sent.len(), 2, "refused once (412), then written: {sent:?}");
    assert!(
        sent.iter()
            .all(|w| w["query"].as_str().unwrap().contains("sendUpdates=all")),
        "{sent:?}"
    );
    assert_eq!(sent[0]["ifMatch"], seeded["standup01"]["etag"]);
    assert_ne!(sent[1]["ifMatch"], sent[0]["ifMatch"]);
    assert_eq!(sent[1]["body"]["location"], "NEW bridge, room 2");
    assert!(sent.iter().all(|w| w["body"].get("summary").is_none()));
}

#[test]
#[ignore = "needs the OAuth test server (node): run scripts/test"]
fn a_deleted_event_is_a_permanent_error_naming_it() {
    let server = oauth_server(3600);
    let google = google(&server);
    seed(
        &server,
        json!([{
            "id": "retro0001", "summary": "Sprint retro", "description": "OLD",
            "start": { "dateTime": "2027-04-02T09:00:00Z" }, "end": { "dateTime": "2027-04-02T10:00:00Z" },
        }]),
    );
    post(
        &server,
        "/__test/delete",
        &json!({ "api": "google", "calendar": CAL, "id": "retro0001" }).to_string(),
    );
    let before = requests(&server).len();
    let err = google.edit(CAL, "retro0001", &OldToNew).unwrap_err();
    assert_eq!(err.failure, Failure::Permanent);
    assert!(err.message.contains("“Sprint retro”"), "{}", err.message);
    assert!(err.message.contains("deleted"), "{}", err.message);
    // Never there at all: named by its id.
    let err = google.edit(CAL, "nosuchevent1", &OldToNew).unwrap_err();
    assert_eq!(err.failure, Failure::Permanent);
    assert!(err.message.contains("nosuchevent1"), "{}", err.message);
    let log = requests(&server);
    assert!(writes(&log[before..]).is_empty(), "{:?}", &log[before..]);
}

#[test]
#[ignore = "needs the OAuth test server (node): run scripts/test"]
fn a_write_whose_answer_was_lost_is_not_applied_twice() {
    let server = oauth_server(3600);
    let google = google(&server);
    seed(
        &server,
        json!([{
            "id": "standup02", "summary": "Standup", "description": "Dial OLD",
            "start": { "dateTime": "2027-04-01T09:00:00Z" }, "end": { "dateTime": "2027-04-01T09:15:00Z" },
            "attendees": attendees(), "sequence": 7,
        }]),
    );
    // The read goes through; the PATCH is stored, then its answer is lost. The retry finds
    // the event changed (412), reads it again, and finds nothing left to change.
    post(&server, "/__test/faults", r#"{"faults": ["ok", "lost"]}"#);
    let done = google.edit(CAL, "standup02", &OldToNew).unwrap();
    assert!(
        matches!(done.written, Written::Updated | Written::AlreadyThere),
        "{done:?}"
    );
    let event = &held(&server)["standup02"];
    assert_eq!(event["description"], "Dial NEW");
    assert_eq!(event["attendees"], without_x(&attendees()));
    assert_eq!(event["sequence"], 8, "raised once, not once per attempt");
    let log = requests(&server);
    let sent = writes(&log);
    assert_eq!(sent.len(), 2, "the PATCH and its retry: {sent:?}");
    assert!(sent[0]["ifMatch"].is_string(), "{sent:?}");
    assert_eq!(
        sent[0]["ifMatch"], sent[1]["ifMatch"],
        "the retry is conditional too"
    );
}
