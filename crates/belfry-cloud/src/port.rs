//! The calendar port ([`belfry_core::calendar::Calendar`]) over Google Calendar and
//! Microsoft Graph. Each adapter builds its own wire shapes from the meeting and its
//! invitation, and keeps the port's rule: exactly one event per meeting, never an older
//! version over a newer one.

use std::sync::Arc;

use belfry_core::calendar::{
    Calendar, CalendarEntry, Confirmed, EventVersion, Failure, HeldEvent, Lane, PortError, Written,
};
use belfry_core::{Field, Meeting};
use belfry_oauth::{ProviderKind, TokenSession};
use chrono::{DateTime, Utc};

use crate::{
    CloudError, Retry, api_request, google_error, google_event_id, google_event_url, graph_error,
    graph_mailbox, graph_transaction_id, url_segment,
};

/// Requests at once per Graph mailbox (Exchange Online's MailboxConcurrency limit) and per
/// Google account (the same courtesy).
pub const LANE_WIDTH: usize = 4;
/// How many times a write reads again after the event changed under it.
const MAX_RACES: usize = 4;

impl From<CloudError> for PortError {
    fn from(e: CloudError) -> PortError {
        let failure = match &e {
            _ if e.is_transient() => Failure::Transient { retry_after: None },
            CloudError::Unauthorized(401) | CloudError::Auth(_) => Failure::Unauthorized,
            _ => Failure::Permanent,
        };
        PortError {
            failure,
            message: e.to_string(),
            field: None,
        }
    }
}

fn local(t: DateTime<chrono_tz::Tz>) -> String {
    t.naive_local().format("%Y-%m-%dT%H:%M:%S").to_string()
}

/// What both services' adapters hold: a signed-in session, where the API is, the account's
/// stable id (its lane) and the retry policy.
#[derive(Debug)]
struct Signed {
    session: Arc<TokenSession>,
    base: String,
    account_id: String,
    retry: Retry,
}

impl Signed {
    fn new(session: Arc<TokenSession>, api_base: &str, account_id: &str, retry: Retry) -> Signed {
        Signed {
            session,
            base: api_base.trim_end_matches('/').to_owned(),
            account_id: account_id.to_owned(),
            retry,
        }
    }
}

/// A Google account's calendars.
#[derive(Debug)]
pub struct GoogleCalendar {
    api: Signed,
}

impl GoogleCalendar {
    pub fn new(
        session: Arc<TokenSession>,
        api_base: &str,
        account_id: &str,
        retry: Retry,
    ) -> GoogleCalendar {
        GoogleCalendar {
            api: Signed::new(session, api_base, account_id, retry),
        }
    }

    fn request(
        &self,
        method: reqwest::Method,
        url: &str,
        body: Option<&serde_json::Value>,
        if_match: Option<&str>,
    ) -> Result<(u16, serde_json::Value), CloudError> {
        api_request(
            &self.api.session,
            method,
            url,
            body,
            if_match,
            self.api.retry,
            |answer| {
                matches!(
                    answer["error"]["errors"][0]["reason"].as_str(),
                    Some("rateLimitExceeded" | "userRateLimitExceeded")
                )
            },
        )
    }

    fn events_url(&self, calendar: &str) -> String {
        format!(
            "{}/calendars/{}/events",
            self.api.base,
            url_segment(calendar)
        )
    }
}

/// The Google event of a version (`id` from the UID, `sequence` the version's).
pub fn google_event(v: &EventVersion<'_>) -> serde_json::Value {
    let meeting = v.meeting;
    let tz = meeting.time_zone;
    let mut event = serde_json::json!({
        "id": google_event_id(v.uid),
        "iCalUID": v.uid,
        "summary": meeting.title,
        // Google takes HTML in descriptions (the links stay links).
        "description": v.invitation.html,
        "location": v.invitation.location,
        "start": { "dateTime": local(meeting.resolved_start().at), "timeZone": tz.name() },
        "end": { "dateTime": local(meeting.end()), "timeZone": tz.name() },
        "attendees": v.invitation.attendees.iter().map(|a| serde_json::json!({ "email": a.as_str() })).collect::<Vec<_>>(),
        "reminders": { "useDefault": false, "overrides": [{ "method": "popup", "minutes": v.reminder_minutes }] },
        "sequence": v.sequence,
        "status": "confirmed",
    });
    if let Some(r) = &meeting.recurrence {
        event["recurrence"] = serde_json::json!([format!("RRULE:{}", r.rrule(tz))]);
    }
    event
}

fn google_held(body: &serde_json::Value) -> HeldEvent {
    let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_owned();
    HeldEvent {
        remote_ref: text(&body["id"]),
        uid: text(&body["iCalUID"]),
        sequence: body["sequence"]
            .as_u64()
            .and_then(|s| u32::try_from(s).ok())
            .or(Some(0)),
        cancelled: body["status"] == "cancelled",
        title: text(&body["summary"]),
        start: body["start"]["dateTime"]
            .as_str()
            .or(body["start"]["date"].as_str())
            .unwrap_or_default()
            .to_owned(),
        organizer: body["organizer"]["email"].as_str().map(str::to_owned),
        attendees: body["attendees"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x["email"].as_str())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default(),
        location: text(&body["location"]),
        // Google keeps one description, which may hold HTML.
        description: text(&body["description"]),
        html: text(&body["description"]),
        recurring: body["recurrence"].as_array().is_some_and(|r| !r.is_empty()),
    }
}

impl Calendar for GoogleCalendar {
    fn calendars(&self) -> Result<Vec<CalendarEntry>, PortError> {
        Ok(entries(crate::list_calendars(
            ProviderKind::Google,
            &self.api.base,
            &self.api.session,
        )?))
    }

    fn write(&self, calendar: &str, v: &EventVersion<'_>) -> Result<Confirmed, PortError> {
        let id = google_event_id(v.uid);
        let done = |written| {
            Ok(Confirmed {
                remote_ref: id.clone(),
                written,
            })
        };
        let url = google_event_url(&self.api.base, calendar, &id);
        if v.cancelled {
            // Deleting makes Google send the cancellation to every attendee.
            return match self.request(reqwest::Method::DELETE, &url, None, None)? {
                (200 | 204, _) => done(Written::Cancelled),
                // Already deleted (an earlier attempt whose answer was lost).
                (410, _) => done(Written::Cancelled),
                // Never inserted: nothing to cancel, nobody to tell.
                (404, _) => done(Written::NothingToCancel),
                (s, body) => Err(google_error(s, &body).into()),
            };
        }
        let event = google_event(v);
        let mut insert_first = v.sequence == 0 && v.known_ref.is_none();
        for _ in 0..MAX_RACES {
            if insert_first {
                let url = format!("{}?sendUpdates=all", self.events_url(calendar));
                match self.request(reqwest::Method::POST, &url, Some(&event), None)? {
                    (200, _) => return done(Written::Created),
                    // Our id is taken: by an earlier attempt (or version), or deleted.
                    (409, _) => {}
                    (s, body) => return Err(google_error(s, &body).into()),
                }
            }
            let (status, held) = self.request(reqwest::Method::GET, &url, None, None)?;
            match status {
                200 => {}
                404 => {
                    insert_first = true;
                    continue;
                }
                s => return Err(google_error(s, &held).into()),
            }
            let held_sequence = held["sequence"]
                .as_u64()
                .and_then(|s| u32::try_from(s).ok())
                .unwrap_or(0);
            let deleted = held["status"] == "cancelled";
            if held_sequence > v.sequence || (deleted && held_sequence == v.sequence) {
                return done(Written::Superseded {
                    held: held_sequence,
                });
            }
            if held_sequence == v.sequence {
                return done(Written::AlreadyThere);
            }
            // An older version (or one deleted before this change): replaced, only if it is
            // still what was read.
            let etag = held["etag"].as_str().map(str::to_owned);
            match self.request(reqwest::Method::PUT, &url, Some(&event), etag.as_deref())? {
                (200, _) => return done(Written::Updated),
                (412, _) => {
                    insert_first = false;
                    continue;
                }
                (s, body) => return Err(google_error(s, &body).into()),
            }
        }
        Err(PortError::transient(
            "the event kept changing while Belfry wrote it; it will be tried again",
            None,
        ))
    }

    fn read(
        &self,
        calendar: &str,
        uid: &str,
        _known_ref: Option<&str>,
    ) -> Result<Option<HeldEvent>, PortError> {
        let url = google_event_url(&self.api.base, calendar, &google_event_id(uid));
        match self.request(reqwest::Method::GET, &url, None, None)? {
            (200, body) => Ok(Some(google_held(&body))),
            (404 | 410, _) => Ok(None),
            (s, body) => Err(google_error(s, &body).into()),
        }
    }

    fn events_between(
        &self,
        calendar: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<HeldEvent>, PortError> {
        let mut out = Vec::new();
        let mut page: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut url = format!(
                "{}?timeMin={}&timeMax={}&maxResults=250",
                self.events_url(calendar),
                url_segment(&from.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
                url_segment(&to.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
            );
            if let Some(token) = &page {
                url.push_str(&format!("&pageToken={}", url_segment(token)));
            }
            let body = match self.request(reqwest::Method::GET, &url, None, None)? {
                (200, body) => body,
                (s, body) => return Err(google_error(s, &body).into()),
            };
            if let Some(items) = body["items"].as_array() {
                out.extend(items.iter().map(google_held));
            }
            match body["nextPageToken"].as_str() {
                Some(t) => page = Some(t.to_owned()),
                None => return Ok(out),
            }
        }
        Err(PortError::permanent(format!(
            "the calendar has more than {} pages of events in that time",
            MAX_PAGES
        )))
    }

    fn lane(&self, _calendar: &str) -> Lane {
        Lane {
            key: self.api.account_id.clone(),
            width: LANE_WIDTH,
        }
    }

    fn sends_invitations(&self) -> bool {
        // sendUpdates=all on every write.
        true
    }
}

/// The most pages of events one listing reads.
const MAX_PAGES: usize = 200;

fn entries(calendars: Vec<crate::CloudCalendar>) -> Vec<CalendarEntry> {
    calendars
        .into_iter()
        .map(|c| CalendarEntry {
            id: c.id,
            name: c.name,
            writable: c.writable,
            events: true,
            primary: c.primary,
            owner: c.owner,
        })
        .collect()
}

/// A Microsoft 365 account's calendars through Graph.
#[derive(Debug)]
pub struct GraphCalendar {
    api: Signed,
}

/// The extended properties Belfry keeps on its Graph events (MAPI named properties in the
/// PublicStrings set): the meeting's UID, so an event whose creation was never confirmed can
/// be found, and its SEQUENCE, so an older version never overwrites a newer one.
const UID_PROPERTY: &str = "String {00020329-0000-0000-C000-000000000046} Name BelfryUid";
const SEQUENCE_PROPERTY: &str = "String {00020329-0000-0000-C000-000000000046} Name BelfrySequence";

impl GraphCalendar {
    pub fn new(
        session: Arc<TokenSession>,
        api_base: &str,
        account_id: &str,
        retry: Retry,
    ) -> GraphCalendar {
        GraphCalendar {
            api: Signed::new(session, api_base, account_id, retry),
        }
    }

    fn request(
        &self,
        method: reqwest::Method,
        url: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<(u16, serde_json::Value), CloudError> {
        api_request(
            &self.api.session,
            method,
            url,
            body,
            None,
            self.api.retry,
            |_| false,
        )
    }

    fn event_url(&self, calendar: &str, id: &str) -> String {
        format!(
            "{}/{}/events/{}",
            self.api.base,
            graph_mailbox(calendar),
            url_segment(id)
        )
    }

    /// Belfry's event for `uid` in the calendar's mailbox: its id and the SEQUENCE it holds.
    fn find(
        &self,
        calendar: &str,
        uid: &str,
    ) -> Result<Option<(String, u32, serde_json::Value)>, PortError> {
        let filter = format!(
            "singleValueExtendedProperties/Any(ep: ep/id eq '{UID_PROPERTY}' and ep/value eq '{}')",
            uid.replace('\'', "''")
        );
        let url = format!(
            "{}/{}/events?$filter={}&$expand={}",
            self.api.base,
            graph_mailbox(calendar),
            url_segment(&filter),
            url_segment(&format!(
                "singleValueExtendedProperties($filter=id eq '{SEQUENCE_PROPERTY}')"
            )),
        );
        let body = match self.request(reqwest::Method::GET, &url, None)? {
            (200, body) => body,
            (s, body) => return Err(graph_error(s, &body).into()),
        };
        Ok(body["value"]
            .as_array()
            .and_then(|v| v.first())
            .and_then(|e| {
                let id = e["id"].as_str()?.to_owned();
                Some((id, graph_sequence(e), e.clone()))
            }))
    }
}

/// `link` is below `base` and on its origin (scheme, host, port), so the token may go there:
/// a prefix alone would let `https://graph.example` match `https://graph.example.evil`.
fn under_base(link: &str, base: &str) -> bool {
    let origin = |u: &str| reqwest::Url::parse(u).map(|u| u.origin());
    link.starts_with(base) && matches!((origin(link), origin(base)), (Ok(a), Ok(b)) if a == b)
}

/// The SEQUENCE Belfry recorded on a Graph event (0 when none).
fn graph_sequence(event: &serde_json::Value) -> u32 {
    event["singleValueExtendedProperties"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|p| {
            p["id"]
                .as_str()
                .is_some_and(|id| id.eq_ignore_ascii_case(SEQUENCE_PROPERTY))
        })
        .and_then(|p| p["value"].as_str())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// The Graph event of a version: times in the meeting's Windows time zone (so a series keeps
/// its local time across DST), the invitation as HTML, and Belfry's UID and SEQUENCE as
/// extended properties.
pub fn graph_event(v: &EventVersion<'_>, calendar: &str) -> Result<serde_json::Value, PortError> {
    let meeting: &Meeting = v.meeting;
    let tz = meeting.time_zone;
    let start = meeting.resolved_start().at;
    let end = meeting.end();
    let (zone, start_text, end_text) = match belfry_core::graph::windows_zone(tz) {
        Some(zone) => (zone, local(start), local(end)),
        None if meeting.recurrence.is_some() => {
            return Err(PortError::field(
                Field::TimeZone,
                format!(
                    "Outlook has no time zone for {}: pick a city with the same clock for a series",
                    tz.name()
                ),
            ));
        }
        // The same instants, in UTC: right for a single meeting.
        None => (
            "UTC",
            start.naive_utc().format("%Y-%m-%dT%H:%M:%S").to_string(),
            end.naive_utc().format("%Y-%m-%dT%H:%M:%S").to_string(),
        ),
    };
    let mut event = serde_json::json!({
        "transactionId": graph_transaction_id(v.uid, calendar),
        "subject": meeting.title,
        "body": { "contentType": "HTML", "content": v.invitation.html },
        "location": { "displayName": v.invitation.location },
        "start": { "dateTime": start_text, "timeZone": zone },
        "end": { "dateTime": end_text, "timeZone": zone },
        "attendees": v.invitation.attendees.iter().map(|a| serde_json::json!({
            "emailAddress": { "address": a.as_str() },
            "type": "required",
        })).collect::<Vec<_>>(),
        "isReminderOn": true,
        "reminderMinutesBeforeStart": v.reminder_minutes,
        "responseRequested": true,
        "singleValueExtendedProperties": [
            { "id": UID_PROPERTY, "value": v.uid },
            { "id": SEQUENCE_PROPERTY, "value": v.sequence.to_string() },
        ],
    });
    if let Some(r) = &meeting.recurrence {
        event["recurrence"] = belfry_core::graph::patterned_recurrence(r, start.date_naive(), zone)
            .map_err(|e| PortError::field(Field::Repeat, e.to_string()))?;
    }
    Ok(event)
}

/// An event as a PATCH body: everything but the `transactionId`, which only creations carry.
fn graph_patch(event: &serde_json::Value) -> serde_json::Value {
    let mut patch = event.clone();
    if let Some(map) = patch.as_object_mut() {
        map.remove("transactionId");
    }
    patch
}

fn graph_held(e: &serde_json::Value, uid: &str) -> HeldEvent {
    let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_owned();
    let html_body = e["body"]["contentType"]
        .as_str()
        .is_some_and(|t| t.eq_ignore_ascii_case("html"));
    HeldEvent {
        remote_ref: text(&e["id"]),
        uid: uid.to_owned(),
        sequence: Some(graph_sequence(e)),
        cancelled: e["isCancelled"].as_bool().unwrap_or(false),
        title: text(&e["subject"]),
        start: text(&e["start"]["dateTime"]),
        organizer: e["organizer"]["emailAddress"]["address"]
            .as_str()
            .map(str::to_owned),
        attendees: e["attendees"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x["emailAddress"]["address"].as_str())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default(),
        location: text(&e["location"]["displayName"]),
        description: if html_body {
            String::new()
        } else {
            text(&e["body"]["content"])
        },
        html: if html_body {
            text(&e["body"]["content"])
        } else {
            String::new()
        },
        recurring: e["recurrence"].is_object(),
    }
}

impl Calendar for GraphCalendar {
    fn calendars(&self) -> Result<Vec<CalendarEntry>, PortError> {
        Ok(entries(crate::list_calendars(
            ProviderKind::Microsoft,
            &self.api.base,
            &self.api.session,
        )?))
    }

    fn write(&self, calendar: &str, v: &EventVersion<'_>) -> Result<Confirmed, PortError> {
        let event = graph_event(v, calendar)?;
        // Where the event is: known from a confirmed write, looked up when an attempt may
        // have made it, and otherwise not there yet.
        let found = match v.known_ref {
            Some(id) => Some((id.to_owned(), None)),
            None if v.maybe_sent || v.sequence > 0 => self
                .find(calendar, v.uid)?
                .map(|(id, seq, _)| (id, Some(seq))),
            None => None,
        };
        let Some((id, held)) = found else {
            if v.cancelled {
                // Never created: nothing to cancel, and nothing is created to be cancelled.
                return Ok(Confirmed {
                    remote_ref: String::new(),
                    written: Written::NothingToCancel,
                });
            }
            let url = format!("{}/{calendar}/events", self.api.base);
            return match self.request(reqwest::Method::POST, &url, Some(&event))? {
                (200 | 201, body) => Ok(Confirmed {
                    remote_ref: body["id"].as_str().map(str::to_owned).ok_or_else(|| {
                        PortError::permanent("Graph created an event without an id")
                    })?,
                    written: Written::Created,
                }),
                (s, body) => Err(graph_error(s, &body).into()),
            };
        };
        let url = self.event_url(calendar, &id);
        let done = |written| {
            Ok(Confirmed {
                remote_ref: id.clone(),
                written,
            })
        };
        if v.cancelled {
            // Deleting from the organizer's calendar sends the cancellation to every attendee.
            return match self.request(reqwest::Method::DELETE, &url, None)? {
                (200 | 204, _) => done(Written::Cancelled),
                // Our own event, gone: an earlier attempt deleted it.
                (404, _) => done(Written::Cancelled),
                (s, body) => Err(graph_error(s, &body).into()),
            };
        }
        let held = match held {
            Some(seq) => seq,
            None => {
                let read = format!(
                    "{url}?$expand={}",
                    url_segment(&format!(
                        "singleValueExtendedProperties($filter=id eq '{SEQUENCE_PROPERTY}')"
                    ))
                );
                match self.request(reqwest::Method::GET, &read, None)? {
                    (200, body) => graph_sequence(&body),
                    (404, _) => {
                        return Err(PortError::permanent(
                            "the event was deleted from the calendar outside Belfry; schedule the meeting again",
                        ));
                    }
                    (s, body) => return Err(graph_error(s, &body).into()),
                }
            }
        };
        if held > v.sequence {
            return done(Written::Superseded { held });
        }
        if held == v.sequence {
            // This version's write landed before (its answer was lost).
            return done(Written::AlreadyThere);
        }
        match self.request(reqwest::Method::PATCH, &url, Some(&graph_patch(&event)))? {
            (200, _) => done(Written::Updated),
            (s, body) => Err(graph_error(s, &body).into()),
        }
    }

    fn read(
        &self,
        calendar: &str,
        uid: &str,
        _known_ref: Option<&str>,
    ) -> Result<Option<HeldEvent>, PortError> {
        Ok(self
            .find(calendar, uid)?
            .map(|(_, _, e)| graph_held(&e, uid)))
    }

    fn events_between(
        &self,
        calendar: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<HeldEvent>, PortError> {
        let stamp = |t: DateTime<Utc>| t.format("%Y-%m-%dT%H:%M:%SZ").to_string();
        let mut url = format!(
            "{}/{calendar}/calendarView?startDateTime={}&endDateTime={}&$top=100",
            self.api.base,
            stamp(from),
            stamp(to),
        );
        let mut out = Vec::new();
        for _ in 0..MAX_PAGES {
            let body = match self.request(reqwest::Method::GET, &url, None)? {
                (200, body) => body,
                (s, body) => return Err(graph_error(s, &body).into()),
            };
            if let Some(items) = body["value"].as_array() {
                out.extend(
                    items
                        .iter()
                        .map(|e| graph_held(e, e["iCalUId"].as_str().unwrap_or_default())),
                );
            }
            match body["@odata.nextLink"].as_str() {
                // Graph's next page link is absolute and on Graph's own host.
                Some(next) if under_base(next, &self.api.base) => {
                    url = next.to_owned();
                }
                Some(_) => {
                    return Err(PortError::permanent(
                        "Graph sent a next page on another host; it was not followed",
                    ));
                }
                None => return Ok(out),
            }
        }
        Err(PortError::permanent(format!(
            "the calendar has more than {MAX_PAGES} pages of events in that time"
        )))
    }

    fn lane(&self, calendar: &str) -> Lane {
        // Graph's limit is per mailbox: a delegate's writes count against the host's.
        Lane {
            key: format!("{}|{}", self.api.account_id, graph_mailbox(calendar)),
            width: LANE_WIDTH,
        }
    }

    fn sends_invitations(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use belfry_core::{Defaults, MeetingForm, Provider, render_invitation};
    use chrono::TimeZone;

    /// A single meeting in UTC with one attendee, on `provider` with identifier `id`: the
    /// event bodies Google and Graph get, with the parts derived elsewhere (ids from the UID,
    /// the HTML description) checked apart. Expected bodies are written out by hand.
    fn bodies(provider: &Provider, id: &str) -> (serde_json::Value, serde_json::Value) {
        let form = MeetingForm {
            provider: provider.key.clone(),
            title: "Reading group".into(),
            start: "2027-03-03T18:00".into(),
            time_zone: "UTC".into(),
            attendees: vec!["ana@example.com".into()],
            organizer: "prof@example.edu".into(),
            ..MeetingForm::default()
        };
        let defaults = Defaults {
            time_zone: chrono_tz::Tz::UTC,
            dial_in: vec!["US".into()],
            organizer: None,
        };
        let meeting = form
            .validate(provider.parse_id(id).unwrap(), &defaults, provider)
            .unwrap();
        let invitation =
            render_invitation(&meeting, provider, provider.default_template()).unwrap();
        let v = EventVersion {
            uid: "case@belfry",
            sequence: 0,
            cancelled: false,
            meeting: &meeting,
            invitation: &invitation,
            provider,
            dtstamp: Utc.with_ymd_and_hms(2027, 2, 1, 12, 0, 0).unwrap(),
            reminder_minutes: 10,
            known_ref: None,
            maybe_sent: false,
        };
        let mut google = google_event(&v);
        let mut graph = graph_event(&v, "cal").unwrap();
        assert_eq!(google["description"], invitation.html.as_str());
        assert_eq!(graph["body"]["content"], invitation.html.as_str());
        assert_eq!(google["id"], google_event_id("case@belfry").as_str());
        for (body, keys) in [
            (&mut google, ["description", "id"]),
            (&mut graph, ["body", "transactionId"]),
        ] {
            for key in keys {
                body.as_object_mut().unwrap().remove(key);
            }
        }
        (google, graph)
    }

    #[test]
    fn event_bodies_for_each_built_in_provider() {
        let (google, graph) = bodies(Provider::jitsi(), "k3v7qxw2m4tz9fa5");
        assert_eq!(
            google,
            serde_json::json!({
                "iCalUID": "case@belfry",
                "summary": "Reading group",
                "location": "https://meet.jit.si/k3v7qxw2m4tz9fa5",
                "start": { "dateTime": "2027-03-03T18:00:00", "timeZone": "UTC" },
                "end": { "dateTime": "2027-03-03T19:00:00", "timeZone": "UTC" },
                "attendees": [{ "email": "ana@example.com" }],
                "reminders": { "useDefault": false, "overrides": [{ "method": "popup", "minutes": 10 }] },
                "sequence": 0,
                "status": "confirmed",
            })
        );
        assert_eq!(
            graph["location"],
            serde_json::json!({ "displayName": "https://meet.jit.si/k3v7qxw2m4tz9fa5" })
        );
        assert_eq!(
            graph["attendees"],
            serde_json::json!([{ "emailAddress": { "address": "ana@example.com" }, "type": "required" }])
        );
        assert_eq!(graph["subject"], "Reading group");
        assert_eq!(
            graph["start"],
            serde_json::json!({ "dateTime": "2027-03-03T18:00:00", "timeZone": "UTC" })
        );

        let (google, graph) = bodies(Provider::chime(), "0123456789");
        assert_eq!(google["location"], "+12064625569,,0123456789#");
        assert_eq!(
            google["attendees"],
            serde_json::json!([
                { "email": "ana@example.com" },
                { "email": "meet@chime.aws" },
                { "email": "pin+0123456789@chime.aws" },
            ])
        );
        assert_eq!(
            graph["attendees"],
            serde_json::json!([
                { "emailAddress": { "address": "ana@example.com" }, "type": "required" },
                { "emailAddress": { "address": "meet@chime.aws" }, "type": "required" },
                { "emailAddress": { "address": "pin+0123456789@chime.aws" }, "type": "required" },
            ])
        );
        assert_eq!(
            graph["location"],
            serde_json::json!({ "displayName": "+12064625569,,0123456789#" })
        );
    }

    #[test]
    fn next_pages_are_followed_only_below_the_api_base_on_its_origin() {
        let base = "https://graph.example/v1.0";
        assert!(under_base(
            "https://graph.example/v1.0/me/calendarView?$skip=100",
            base
        ));
        assert!(!under_base("https://graph.example.evil/v1.0/me", base));
        assert!(!under_base("https://elsewhere.example/v1.0/me", base));
        assert!(!under_base(
            "https://graph.example.evil/x",
            "https://graph.example"
        ));
        assert!(!under_base(
            "http://127.0.0.1:8080/v1.0",
            "http://127.0.0.1:808"
        ));
    }
}
