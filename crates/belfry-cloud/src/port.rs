//! The calendar port ([`belfry_core::calendar::Calendar`]) over Google Calendar and
//! Microsoft Graph. Each adapter builds its own wire shapes from the meeting and its
//! invitation, and keeps the port's rule: exactly one event per meeting, never an older
//! version over a newer one.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use belfry_core::calendar::{
    Calendar, CalendarEntry, Confirmed, EventEdit, EventVersion, Failure, HeldEvent, Lane,
    PortError, Written,
};
use belfry_core::{Field, Meeting};
use belfry_http::excerpt;
use belfry_oauth::{ProviderKind, TokenSession};
use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeDelta, Utc};
use serde_json::Value;

use crate::{
    CloudError, Retry, api_request, google_error, google_event_id, google_event_url, graph_error,
    graph_mailbox, graph_transaction_id, url_segment,
};

/// Requests at once per Graph mailbox (Exchange Online's MailboxConcurrency limit) and per
/// Google account (the same courtesy).
pub const LANE_WIDTH: usize = 4;
/// How many times a write reads again after the event changed under it.
const MAX_RACES: usize = 4;
/// How far after `EventEdit::from` an edit looks for a series' changed occurrences: Graph
/// lists a series' instances only in a window, and a series without an end has no last one.
const EXCEPTIONS_HORIZON_DAYS: i64 = 5 * 366;

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
    /// The calendars of account `account_id`, through the API at `api_base`, signed with
    /// `session`'s access tokens.
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
        body: Option<&Value>,
        if_match: Option<&str>,
    ) -> Result<(u16, Value), CloudError> {
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
pub fn google_event(v: &EventVersion<'_>) -> Value {
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

fn google_held(body: &Value) -> HeldEvent {
    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
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
        next_start: None,
    }
}

/// What `edit` changes in a Google event, as a PATCH body (the fields it changes and the
/// `sequence` raised by one), or `None`. Google keeps one description, HTML or text: the
/// edit's HTML answer is taken when it holds a tag, its text answer otherwise.
fn google_change(event: &Value, edit: &dyn EventEdit) -> Option<Value> {
    let mut patch = serde_json::Map::new();
    let description = event["description"].as_str().unwrap_or_default();
    let new = if looks_like_html(description) {
        edit.html(description)
    } else {
        edit.description(description)
    };
    if let Some(new) = differs(description, new) {
        patch.insert("description".into(), new.into());
    }
    let location = event["location"].as_str().unwrap_or_default();
    if let Some(new) = differs(location, edit.location(location)) {
        patch.insert("location".into(), new.into());
    }
    // An array in a PATCH replaces the one held: every attendee kept goes as it was.
    if let Some(kept) = kept_attendees(&event["attendees"], edit, |a| a["email"].as_str()) {
        patch.insert("attendees".into(), kept);
    }
    if patch.is_empty() {
        return None;
    }
    let sequence = event["sequence"].as_u64().unwrap_or(0);
    patch.insert("sequence".into(), (sequence + 1).into());
    Some(Value::Object(patch))
}

/// A Google event is not there to change: deleted (Google keeps it, cancelled) or unknown.
fn google_gone(body: &Value) -> bool {
    body["status"] == "cancelled"
}

impl GoogleCalendar {
    /// The event at `url` as Google holds it now; `None` when it is deleted or unknown.
    fn current(&self, url: &str) -> Result<Option<Value>, PortError> {
        match self.request(reqwest::Method::GET, url, None, None)? {
            (200, body) if google_gone(&body) => Ok(None),
            (200, body) => Ok(Some(body)),
            (404 | 410, _) => Ok(None),
            (s, body) => Err(google_error(s, &body).into()),
        }
    }

    /// The instances of the recurring event `id` that start at or after `from` (as late as
    /// their start can be read), cancelled ones left out: unchanged ones hold the master's
    /// fields, exceptions their own.
    fn future_instances(
        &self,
        calendar: &str,
        id: &str,
        from: DateTime<Utc>,
    ) -> Result<Vec<Value>, PortError> {
        let mut out = Vec::new();
        let mut page: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut url = format!(
                "{}/{}/instances?timeMin={}&timeMax={}&showDeleted=false&maxResults=2500",
                self.events_url(calendar),
                url_segment(id),
                query_time(from),
                query_time(exceptions_until(from)),
            );
            if let Some(token) = &page {
                url.push_str(&format!("&pageToken={}", url_segment(token)));
            }
            let body = match self.request(reqwest::Method::GET, &url, None, None)? {
                (200, body) => body,
                // The series went between reading it and listing its instances.
                (404 | 410, _) => return Ok(Vec::new()),
                (s, body) => return Err(google_error(s, &body).into()),
            };
            out.extend(
                body["items"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|i| !google_gone(i))
                    .filter(|i| {
                        let start = latest_start(
                            i["start"]["dateTime"].as_str(),
                            i["start"]["date"].as_str(),
                            true,
                        );
                        start.is_none_or(|t| t >= from)
                    })
                    .cloned(),
            );
            match body["nextPageToken"].as_str() {
                Some(t) => page = Some(t.to_owned()),
                None => return Ok(out),
            }
        }
        Err(PortError::permanent(format!(
            "the series has more than {MAX_PAGES} pages of occurrences"
        )))
    }

    /// The start of the next instance of each series in `wanted` (by id) between `from` and
    /// `to`: the earliest that starts at or after `from` (as late as its start can be read),
    /// an exception at its own time, cancelled ones left out, from one listing of the
    /// range's instances (`singleEvents`, ordered by start, only the fields needed). A
    /// series without one is not in the answer. Ordered by start, the listing stops once
    /// every series has its next instance; past [`MAX_PAGES`] the series not seen yet have
    /// none.
    fn next_instances(
        &self,
        calendar: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        wanted: &HashSet<&str>,
    ) -> Result<HashMap<String, String>, PortError> {
        let mut next = Earliest::default();
        let mut page: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut url = format!(
                "{}?singleEvents=true&orderBy=startTime&timeMin={}&timeMax={}&maxResults=2500&fields={}",
                self.events_url(calendar),
                query_time(from),
                query_time(to),
                url_segment("nextPageToken,items(id,recurringEventId,status,start)"),
            );
            if let Some(token) = &page {
                url.push_str(&format!("&pageToken={}", url_segment(token)));
            }
            let body = match self.request(reqwest::Method::GET, &url, None, None)? {
                (200, body) => body,
                (s, body) => return Err(google_error(s, &body).into()),
            };
            for item in body["items"].as_array().into_iter().flatten() {
                let Some(series) = item["recurringEventId"]
                    .as_str()
                    .filter(|s| wanted.contains(s))
                else {
                    continue;
                };
                if !google_gone(item) {
                    next.offer(series, starting_from_at(google_start(item), from));
                }
            }
            match body["nextPageToken"].as_str() {
                Some(_) if next.len() == wanted.len() => break,
                Some(t) => page = Some(t.to_owned()),
                None => break,
            }
        }
        Ok(next.starts())
    }

    /// One part of an event, at `url`, as an edit writes it: PATCH with `sendUpdates=all`
    /// (Google emails every attendee) and `If-Match`.
    fn edit_part(
        &self,
        url: &str,
        name: String,
        held: Value,
        edit: &dyn EventEdit,
    ) -> Result<Part, PortError> {
        let change = |e: &Value| google_change(e, edit);
        let read = || self.current(url);
        let patch = |body: &Value, tag: &str| {
            Ok(self.request(reqwest::Method::PATCH, url, Some(body), Some(tag))?)
        };
        EditedPart {
            name,
            etag_field: "etag",
            change: &change,
            read: &read,
            patch: &patch,
            refused: |s, body| google_error(s, body).into(),
        }
        .apply(held)
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
                untold: Vec::new(),
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
        // Without singleEvents: single events and recurring events (masters), each once. Google
        // lists a series' exceptions (cancelled ones too) as items of their own, with
        // `recurringEventId`: they stand for their series.
        let mut out = Vec::new();
        let mut listed = HashSet::new();
        let mut series: Vec<String> = Vec::new();
        let mut page: Option<String> = None;
        let mut complete = false;
        for _ in 0..MAX_PAGES {
            let mut url = format!(
                "{}?timeMin={}&timeMax={}&maxResults=250",
                self.events_url(calendar),
                query_time(from),
                query_time(to),
            );
            if let Some(token) = &page {
                url.push_str(&format!("&pageToken={}", url_segment(token)));
            }
            let body = match self.request(reqwest::Method::GET, &url, None, None)? {
                (200, body) => body,
                (s, body) => return Err(google_error(s, &body).into()),
            };
            for item in body["items"].as_array().into_iter().flatten() {
                if let Some(master) = item["recurringEventId"].as_str() {
                    if !series.iter().any(|m| m == master) {
                        series.push(master.to_owned());
                    }
                    continue;
                }
                if let Some(id) = item["id"].as_str() {
                    listed.insert(id.to_owned());
                }
                let mut held = google_held(item);
                if !held.recurring && !held.cancelled {
                    held.next_start = starting_from(google_start(item), from);
                }
                out.push(held);
            }
            match body["nextPageToken"].as_str() {
                Some(t) => page = Some(t.to_owned()),
                None => {
                    complete = true;
                    break;
                }
            }
        }
        if !complete {
            return Err(PortError::permanent(format!(
                "the calendar has more than {MAX_PAGES} pages of events in that time"
            )));
        }
        // A series seen only through an exception in the range: its master, read once.
        for master in series.iter().filter(|m| !listed.contains(*m)) {
            let url = google_event_url(&self.api.base, calendar, master);
            if let Some(body) = self.current(&url)? {
                out.push(google_held(&body));
            }
        }
        let wanted: HashSet<&str> = out
            .iter()
            .filter(|e| e.recurring && !e.cancelled)
            .map(|e| e.remote_ref.as_str())
            .collect();
        if !wanted.is_empty() {
            let mut next = self.next_instances(calendar, from, to, &wanted)?;
            for held in out.iter_mut().filter(|e| e.recurring && !e.cancelled) {
                held.next_start = next.remove(&held.remote_ref);
            }
        }
        Ok(out)
    }

    fn edit(
        &self,
        calendar: &str,
        remote_ref: &str,
        edit: &dyn EventEdit,
    ) -> Result<Confirmed, PortError> {
        let url = google_event_url(&self.api.base, calendar, remote_ref);
        let held = match self.request(reqwest::Method::GET, &url, None, None)? {
            (200, body) => body,
            (404 | 410, _) => return Err(gone(&event_name("", remote_ref))),
            (s, body) => return Err(google_error(s, &body).into()),
        };
        let name = event_name(held["summary"].as_str().unwrap_or_default(), remote_ref);
        if google_gone(&held) {
            return Err(gone(&name));
        }
        let recurring = held["recurrence"].as_array().is_some_and(|r| !r.is_empty());
        let mut changed = match self.edit_part(&url, name.clone(), held, edit)? {
            Part::Changed => true,
            Part::Unchanged => false,
            Part::Gone => return Err(gone(&name)),
        };
        if recurring {
            // Read after the master is written: an instance nobody changed now holds what the
            // master holds, so only exceptions still holding what the edit changes are
            // written. Those that started before `from` are not listed.
            for instance in self.future_instances(calendar, remote_ref, edit.from())? {
                let Some(id) = instance["id"].as_str().map(str::to_owned) else {
                    continue;
                };
                let when = instance["start"]["dateTime"]
                    .as_str()
                    .or(instance["start"]["date"].as_str())
                    .unwrap_or_default();
                let part = format!("the occurrence of {name} on {}", excerpt(when));
                let url = google_event_url(&self.api.base, calendar, &id);
                // One cancelled meanwhile (Part::Gone) needs no change.
                changed |= self.edit_part(&url, part, instance, edit)? == Part::Changed;
            }
        }
        Ok(Confirmed {
            remote_ref: remote_ref.to_owned(),
            written: if changed {
                Written::Updated
            } else {
                Written::AlreadyThere
            },
            untold: Vec::new(),
        })
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

/// What an edit did to one part of an event (a single event, a series' master, one of its
/// exceptions).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Changed,
    Unchanged,
    /// It is no longer on the calendar (deleted, or cancelled).
    Gone,
}

/// A service's answer: its status and body.
type Answer = Result<(u16, Value), PortError>;

/// One part of an event as an edit changes it: how it is named to the user, which field
/// holds its version tag, and how it is read again and written.
struct EditedPart<'a> {
    /// "the event “Weekly sync”", for messages.
    name: String,
    /// The field of the service's event that holds its ETag (`etag`, `@odata.etag`).
    etag_field: &'static str,
    /// The PATCH body of what the edit changes in an event as read, or `None`.
    change: &'a dyn Fn(&Value) -> Option<Value>,
    /// The part as the service holds it now; `None` when it is gone.
    read: &'a dyn Fn() -> Result<Option<Value>, PortError>,
    /// Sends a PATCH body with `If-Match` (the tag): the status and answer.
    patch: &'a dyn Fn(&Value, &str) -> Answer,
    /// A refusal of the service, for the user.
    refused: fn(u16, &Value) -> PortError,
}

impl EditedPart<'_> {
    /// Applies the edit to `held` (the part as last read) and writes what changed, only if
    /// the part is still what was read (`If-Match`): a lost race (412) reads it again and
    /// applies the edit anew, a bounded number of times. Nothing is written when the edit
    /// changes nothing.
    fn apply(&self, mut held: Value) -> Result<Part, PortError> {
        let mut tried: Option<String> = None;
        for _ in 0..MAX_RACES {
            let tag = held[self.etag_field].as_str().map(str::to_owned);
            if tag.is_some() && tag == tried {
                // A 412 over a tag that still matches: a precondition other than ours failed,
                // and will again.
                return Err(PortError::permanent(format!(
                    "the calendar refused the change to {} (HTTP 412) although it had not changed since Belfry read it; nothing was changed",
                    self.name
                )));
            }
            let Some(body) = (self.change)(&held) else {
                return Ok(Part::Unchanged);
            };
            let Some(tag) = tag else {
                return Err(PortError::permanent(format!(
                    "the calendar gave no ETag for {}, so Belfry cannot make sure it changes the event only as it read it: it changed nothing rather than risk undoing a change made at the same time",
                    self.name
                )));
            };
            match (self.patch)(&body, &tag)? {
                (200..=299, _) => return Ok(Part::Changed),
                // Changed since it was read: read again and apply the edit to that.
                (412, _) => {
                    tried = Some(tag);
                    match (self.read)()? {
                        Some(now) => held = now,
                        None => return Ok(Part::Gone),
                    }
                }
                (s, answer) => return Err((self.refused)(s, &answer)),
            }
        }
        Err(PortError::transient(
            format!(
                "{} kept changing while Belfry changed it; it will try again later",
                self.name
            ),
            None,
        ))
    }
}

/// Whether a description holds HTML: it has a tag (`<p>`, `</a>`, `<br/>`, `<!-- -->`).
fn looks_like_html(text: &str) -> bool {
    text.match_indices('<').any(|(i, _)| {
        let rest = &text[i + 1..];
        rest.starts_with(|c: char| c.is_ascii_alphabetic() || c == '/' || c == '!')
            && rest.contains('>')
    })
}

/// `new` when it is a value and differs from `old`.
fn differs(old: &str, new: Option<String>) -> Option<String> {
    new.filter(|n| n != old)
}

/// The attendees `edit` keeps, each exactly as it was (response status and all), when it
/// drops any; `address` reads an attendee's address.
fn kept_attendees(
    attendees: &Value,
    edit: &dyn EventEdit,
    address: fn(&Value) -> Option<&str>,
) -> Option<Value> {
    let all = attendees.as_array()?;
    let kept: Vec<Value> = all
        .iter()
        .filter(|a| !address(a).is_some_and(|e| edit.drops_attendee(strip_mailto(e))))
        .cloned()
        .collect();
    (kept.len() < all.len()).then_some(Value::Array(kept))
}

fn strip_mailto(address: &str) -> &str {
    let a = address.trim();
    match a.get(..7) {
        Some(p) if p.eq_ignore_ascii_case("mailto:") => &a[7..],
        _ => a,
    }
}

/// The latest instant a start can stand for: an RFC 3339 time exactly; a date-time in UTC
/// (`utc`) as it is; one in a zone Belfry does not read, or a date, as late as any zone
/// makes it (UTC-12). `None` when it cannot be read.
fn latest_start(date_time: Option<&str>, date: Option<&str>, utc: bool) -> Option<DateTime<Utc>> {
    if let Some(t) = date_time.map(str::trim) {
        if let Ok(at) = DateTime::parse_from_rfc3339(t) {
            return Some(at.with_timezone(&Utc));
        }
        let naive = NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S%.f").ok()?;
        let latest = if utc {
            naive
        } else {
            naive.checked_add_signed(TimeDelta::hours(12))?
        };
        return Some(latest.and_utc());
    }
    let day = NaiveDate::parse_from_str(date?.trim(), "%Y-%m-%d").ok()?;
    Some(day.and_hms_opt(12, 0, 0)?.and_utc())
}

/// When a Google event (or instance) starts, as late as it can be read, and its start as
/// Google writes it (RFC 3339, or a date).
fn google_start(item: &Value) -> Option<(DateTime<Utc>, String)> {
    let (date_time, date) = (
        item["start"]["dateTime"].as_str(),
        item["start"]["date"].as_str(),
    );
    let at = latest_start(date_time, date, false)?;
    Some((at, date_time.or(date)?.to_owned()))
}

/// When a Graph event (or occurrence) starts, as late as it can be read, and its start: in
/// RFC 3339 when Graph gives it in UTC (calendarView does, without a Prefer header), else
/// as Graph writes it.
fn graph_start(e: &Value) -> Option<(DateTime<Utc>, String)> {
    let text = e["start"]["dateTime"].as_str()?;
    let utc = e["start"]["timeZone"]
        .as_str()
        .is_none_or(|z| z.eq_ignore_ascii_case("UTC"));
    let at = latest_start(Some(text), None, utc)?;
    let written = if utc {
        at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    } else {
        text.to_owned()
    };
    Some((at, written))
}

/// `start`, when it is at or after `from`.
fn starting_from_at(
    start: Option<(DateTime<Utc>, String)>,
    from: DateTime<Utc>,
) -> Option<(DateTime<Utc>, String)> {
    start.filter(|(at, _)| *at >= from)
}

/// The start as written, when it is at or after `from`.
fn starting_from(start: Option<(DateTime<Utc>, String)>, from: DateTime<Utc>) -> Option<String> {
    starting_from_at(start, from).map(|(_, written)| written)
}

/// The earliest start offered for each series, by id.
#[derive(Debug, Default)]
struct Earliest(HashMap<String, (DateTime<Utc>, String)>);

impl Earliest {
    /// Keeps `start` for `series` when it is earlier than the one kept (or the first).
    fn offer(&mut self, series: &str, start: Option<(DateTime<Utc>, String)>) {
        let Some(start) = start else { return };
        match self.0.get_mut(series) {
            Some(kept) if kept.0 <= start.0 => {}
            Some(kept) => *kept = start,
            None => {
                self.0.insert(series.to_owned(), start);
            }
        }
    }

    /// How many series have a start.
    fn len(&self) -> usize {
        self.0.len()
    }

    /// Each series' start as written.
    fn starts(self) -> HashMap<String, String> {
        self.0
            .into_iter()
            .map(|(series, (_, written))| (series, written))
            .collect()
    }
}

/// An RFC 3339 UTC time to the second, for a query.
fn query_time(t: DateTime<Utc>) -> String {
    url_segment(&t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}

/// The end of the window in which an edit from `from` looks for a series' exceptions.
fn exceptions_until(from: DateTime<Utc>) -> DateTime<Utc> {
    from.checked_add_signed(TimeDelta::days(EXCEPTIONS_HORIZON_DAYS))
        .unwrap_or(from)
}

/// An event's title for a message, or its id when it has none.
fn event_name(title: &str, id: &str) -> String {
    if title.trim().is_empty() {
        format!("the event {}", excerpt(id))
    } else {
        format!("the event “{}”", excerpt(title))
    }
}

fn gone(name: &str) -> PortError {
    PortError::permanent(format!(
        "{name} is no longer on the calendar (it was deleted or cancelled outside Belfry); nothing was changed"
    ))
}

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
            shared: false,
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
    /// The calendars of account `account_id`, through Graph at `api_base`, signed with
    /// `session`'s access tokens.
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
        body: Option<&Value>,
    ) -> Result<(u16, Value), CloudError> {
        self.request_if(method, url, body, None)
    }

    /// A request made only if the event is still the version `if_match` names.
    fn request_if(
        &self,
        method: reqwest::Method,
        url: &str,
        body: Option<&Value>,
        if_match: Option<&str>,
    ) -> Result<(u16, Value), CloudError> {
        api_request(
            &self.api.session,
            method,
            url,
            body,
            if_match,
            self.api.retry,
            |_| false,
        )
    }

    /// `url` asking for Belfry's SEQUENCE property with the event.
    fn with_sequence(url: &str) -> String {
        let sep = if url.contains('?') { '&' } else { '?' };
        format!(
            "{url}{sep}$expand={}",
            url_segment(&format!(
                "singleValueExtendedProperties($filter=id eq '{SEQUENCE_PROPERTY}')"
            ))
        )
    }

    /// The event at `url` as Graph holds it now (Belfry's SEQUENCE with it, when it has
    /// one); `None` when it is deleted or cancelled.
    fn current(&self, url: &str) -> Result<Option<Value>, PortError> {
        Ok(self.stored(url)?.filter(|e| !graph_cancelled(e)))
    }

    /// The event at `url` as Graph holds it, cancelled or not; `None` when it is deleted.
    fn stored(&self, url: &str) -> Result<Option<Value>, PortError> {
        match self.request(reqwest::Method::GET, &Self::with_sequence(url), None)? {
            (200, body) => Ok(Some(body)),
            (404, _) => Ok(None),
            (s, body) => Err(graph_error(s, &body).into()),
        }
    }

    /// The exceptions of the series master `id` that start at or after `from` (as late as
    /// their start can be read), within [`EXCEPTIONS_HORIZON_DAYS`]: Graph lists a
    /// series' occurrences and exceptions only in a window.
    fn future_exceptions(
        &self,
        calendar: &str,
        id: &str,
        from: DateTime<Utc>,
    ) -> Result<Vec<Value>, PortError> {
        let mut url = Self::with_sequence(&format!(
            "{}/instances?startDateTime={}&endDateTime={}&$top=100",
            self.event_url(calendar, id),
            query_time(from),
            query_time(exceptions_until(from)),
        ));
        let mut out = Vec::new();
        for _ in 0..MAX_PAGES {
            let body = match self.request(reqwest::Method::GET, &url, None)? {
                (200, body) => body,
                // The series went between reading it and listing its instances.
                (404, _) => return Ok(Vec::new()),
                (s, body) => return Err(graph_error(s, &body).into()),
            };
            out.extend(
                body["value"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|e| e["type"] == "exception" && !graph_cancelled(e))
                    .filter(|e| {
                        let utc = e["start"]["timeZone"]
                            .as_str()
                            .is_none_or(|z| z.eq_ignore_ascii_case("UTC"));
                        latest_start(e["start"]["dateTime"].as_str(), None, utc)
                            .is_none_or(|t| t >= from)
                    })
                    .cloned(),
            );
            match body["@odata.nextLink"].as_str() {
                Some(next) if under_base(next, &self.api.base) => url = next.to_owned(),
                Some(_) => {
                    return Err(PortError::permanent(
                        "Graph sent a next page on another host; it was not followed",
                    ));
                }
                None => return Ok(out),
            }
        }
        Err(PortError::permanent(format!(
            "the series has more than {MAX_PAGES} pages of occurrences"
        )))
    }

    /// One part of an event as an edit writes it: PATCH with `If-Match` (its
    /// `@odata.etag`). Graph emails the attendees itself when the organizer's event changes.
    fn edit_part(
        &self,
        url: &str,
        name: String,
        held: Value,
        edit: &dyn EventEdit,
    ) -> Result<Part, PortError> {
        let change = |e: &Value| graph_change(e, edit);
        let read = || self.current(url);
        let patch = |body: &Value, tag: &str| {
            Ok(self.request_if(reqwest::Method::PATCH, url, Some(body), Some(tag))?)
        };
        EditedPart {
            name,
            etag_field: "@odata.etag",
            change: &change,
            read: &read,
            patch: &patch,
            refused: |s, body| graph_error(s, body).into(),
        }
        .apply(held)
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
    fn find(&self, calendar: &str, uid: &str) -> Result<Option<(String, u32, Value)>, PortError> {
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
fn graph_sequence(event: &Value) -> u32 {
    recorded_sequence(event).unwrap_or(0)
}

/// The SEQUENCE Belfry recorded on a Graph event, when it carries one (Belfry's own events).
fn recorded_sequence(event: &Value) -> Option<u32> {
    event["singleValueExtendedProperties"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|p| {
            p["id"]
                .as_str()
                .is_some_and(|id| id.eq_ignore_ascii_case(SEQUENCE_PROPERTY))
        })
        .map(|p| {
            p["value"]
                .as_str()
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0)
        })
}

/// What `edit` changes in a Graph event, as a PATCH body of the fields it changes, or
/// `None`. The body is HTML or text as its `contentType` says; the location keeps its other
/// fields (its address, its kind) but not an id that only stood for the old name; Belfry's
/// SEQUENCE goes up by one where the event carries it (Graph keeps its own change key on
/// other events).
fn graph_change(event: &Value, edit: &dyn EventEdit) -> Option<Value> {
    let mut patch = serde_json::Map::new();
    let html = event["body"]["contentType"]
        .as_str()
        .is_some_and(|t| t.eq_ignore_ascii_case("html"));
    let content = event["body"]["content"].as_str().unwrap_or_default();
    let new = if html {
        edit.html(content)
    } else {
        edit.description(content)
    };
    if let Some(new) = differs(content, new) {
        patch.insert(
            "body".into(),
            serde_json::json!({ "contentType": if html { "html" } else { "text" }, "content": new }),
        );
    }
    let location = event["location"]["displayName"]
        .as_str()
        .unwrap_or_default();
    if let Some(new) = differs(location, edit.location(location)) {
        let mut held = event["location"].as_object().cloned().unwrap_or_default();
        if held.get("uniqueId").and_then(Value::as_str) == Some(location) {
            held.remove("uniqueId");
            held.remove("uniqueIdType");
        }
        held.insert("displayName".into(), new.into());
        patch.insert("location".into(), Value::Object(held));
    }
    if let Some(kept) = kept_attendees(&event["attendees"], edit, |a| {
        a["emailAddress"]["address"].as_str()
    }) {
        patch.insert("attendees".into(), kept);
    }
    if patch.is_empty() {
        return None;
    }
    if let Some(sequence) = recorded_sequence(event) {
        patch.insert(
            "singleValueExtendedProperties".into(),
            serde_json::json!([{ "id": SEQUENCE_PROPERTY, "value": sequence.saturating_add(1).to_string() }]),
        );
    }
    Some(Value::Object(patch))
}

/// A Graph event its organizer cancelled (an attendee's copy stays, marked).
fn graph_cancelled(event: &Value) -> bool {
    event["isCancelled"].as_bool() == Some(true)
}

/// The Graph path of the calendar a port call names: a path (`me/calendars/{id}`,
/// `users/{owner}/calendar`) as it is, and a bare calendar id (as [`Calendar::calendars`]
/// lists it) as one of the signed-in user's calendars.
fn graph_path(calendar: &str) -> String {
    if calendar == "me" || calendar.starts_with("me/") || calendar.starts_with("users/") {
        calendar.to_owned()
    } else {
        format!("me/calendars/{}", url_segment(calendar))
    }
}

/// The Graph event of a version: times in the meeting's Windows time zone (so a series keeps
/// its local time across DST), the invitation as HTML, and Belfry's UID and SEQUENCE as
/// extended properties.
pub fn graph_event(v: &EventVersion<'_>, calendar: &str) -> Result<Value, PortError> {
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
fn graph_patch(event: &Value) -> Value {
    let mut patch = event.clone();
    if let Some(map) = patch.as_object_mut() {
        map.remove("transactionId");
    }
    patch
}

fn graph_held(e: &Value, uid: &str) -> HeldEvent {
    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
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
        next_start: None,
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
                    untold: Vec::new(),
                });
            }
            let url = format!("{}/{calendar}/events", self.api.base);
            return match self.request(reqwest::Method::POST, &url, Some(&event))? {
                (200 | 201, body) => Ok(Confirmed {
                    remote_ref: body["id"].as_str().map(str::to_owned).ok_or_else(|| {
                        PortError::permanent("Graph created an event without an id")
                    })?,
                    written: Written::Created,
                    untold: Vec::new(),
                }),
                (s, body) => Err(graph_error(s, &body).into()),
            };
        };
        let url = self.event_url(calendar, &id);
        let done = |written| {
            Ok(Confirmed {
                remote_ref: id.clone(),
                written,
                untold: Vec::new(),
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
        let calendar = graph_path(calendar);
        let stamp = |t: DateTime<Utc>| t.format("%Y-%m-%dT%H:%M:%SZ").to_string();
        let mut url = format!(
            "{}/{calendar}/calendarView?startDateTime={}&endDateTime={}&$top=100",
            self.api.base,
            stamp(from),
            stamp(to),
        );
        // calendarView gives a series as its occurrences and exceptions (with
        // `seriesMasterId`), never its master: the scan gets the master, once, in the place
        // of the series' first occurrence in the range.
        enum Listed {
            Event(Box<HeldEvent>),
            Series(String),
        }
        let mut listed = Vec::new();
        let mut next = Earliest::default();
        let mut complete = false;
        for _ in 0..MAX_PAGES {
            let body = match self.request(reqwest::Method::GET, &url, None)? {
                (200, body) => body,
                (s, body) => return Err(graph_error(s, &body).into()),
            };
            for e in body["value"].as_array().into_iter().flatten() {
                match e["seriesMasterId"].as_str().filter(|m| !m.is_empty()) {
                    Some(master) => {
                        if !listed
                            .iter()
                            .any(|l| matches!(l, Listed::Series(m) if m == master))
                        {
                            listed.push(Listed::Series(master.to_owned()));
                        }
                        // Its next occurrence: the earliest of those (exceptions at their own
                        // time) that start at or after `from`.
                        if !graph_cancelled(e) {
                            next.offer(master, starting_from_at(graph_start(e), from));
                        }
                    }
                    None => {
                        let mut held = graph_held(e, e["iCalUId"].as_str().unwrap_or_default());
                        if !graph_cancelled(e) {
                            held.next_start = starting_from(graph_start(e), from);
                        }
                        listed.push(Listed::Event(Box::new(held)));
                    }
                }
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
                None => {
                    complete = true;
                    break;
                }
            }
        }
        if !complete {
            return Err(PortError::permanent(format!(
                "the calendar has more than {MAX_PAGES} pages of events in that time"
            )));
        }
        let mut out = Vec::new();
        let mut next = next.starts();
        for l in listed {
            match l {
                Listed::Event(held) => out.push(*held),
                Listed::Series(master) => {
                    // A master deleted since the listing is not there to move.
                    if let Some(e) = self.current(&self.event_url(&calendar, &master))? {
                        let mut held = graph_held(&e, e["iCalUId"].as_str().unwrap_or_default());
                        held.next_start = next.remove(&master);
                        out.push(held);
                    }
                }
            }
        }
        Ok(out)
    }

    fn edit(
        &self,
        calendar: &str,
        remote_ref: &str,
        edit: &dyn EventEdit,
    ) -> Result<Confirmed, PortError> {
        let calendar = graph_path(calendar);
        let url = self.event_url(&calendar, remote_ref);
        let Some(held) = self.stored(&url)? else {
            return Err(gone(&event_name("", remote_ref)));
        };
        let name = event_name(held["subject"].as_str().unwrap_or_default(), remote_ref);
        if graph_cancelled(&held) {
            return Err(gone(&name));
        }
        let series = held["type"] == "seriesMaster" || held["recurrence"].is_object();
        let mut changed = match self.edit_part(&url, name.clone(), held, edit)? {
            Part::Changed => true,
            Part::Unchanged => false,
            Part::Gone => return Err(gone(&name)),
        };
        if series {
            // Read after the master is written: occurrences follow the master; exceptions
            // keep what they hold, and those still holding what the edit changes are
            // written. Those that started before `from` are left alone.
            for exception in self.future_exceptions(&calendar, remote_ref, edit.from())? {
                let Some(id) = exception["id"].as_str().map(str::to_owned) else {
                    continue;
                };
                let when = exception["start"]["dateTime"].as_str().unwrap_or_default();
                let part = format!("the occurrence of {name} on {}", excerpt(when));
                let url = self.event_url(&calendar, &id);
                // One cancelled meanwhile (Part::Gone) needs no change.
                changed |= self.edit_part(&url, part, exception, edit)? == Part::Changed;
            }
        }
        Ok(Confirmed {
            remote_ref: remote_ref.to_owned(),
            written: if changed {
                Written::Updated
            } else {
                Written::AlreadyThere
            },
            untold: Vec::new(),
        })
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
    fn bodies(provider: &Provider, id: &str) -> (Value, Value) {
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
