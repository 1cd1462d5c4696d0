//! The calendar port ([`belfry_core::calendar::Calendar`]) over CalDAV: events are calendar
//! resources at a UID-derived href, written with `If-None-Match`/`If-Match` and SEQUENCE
//! compared, so no version overwrites a newer one.

use std::collections::HashMap;

use belfry_core::calendar::{
    Calendar, CalendarEntry, Confirmed, EventEdit, EventVersion, Failure, HeldEvent, Lane,
    PortError, Written,
};
use belfry_core::ics::IcsOptions;
use chrono::{DateTime, Utc};
use url::Url;

use crate::{
    CalDav, CalDavError, CalendarInfo, Edited, EventWrite, Retry, Wrote, event_href, ical,
    ics_facts,
};

/// Requests at once to one CalDAV account: servers are small, so a courtesy of two.
pub const LANE_WIDTH: usize = 2;

/// One CalDAV account as a calendar service.
#[derive(Debug)]
pub struct CalDavCalendar {
    dav: CalDav,
    home: Url,
    /// The account's stable id: its lane.
    account_id: String,
    /// The server schedules (RFC 6638): it emails the attendees itself.
    auto_schedule: bool,
    retry: Retry,
    /// The account's principal URL (empty when not known): which calendars are its own.
    principal: String,
    /// The calendars another person owns, as the account's last listing found them.
    shared: Vec<String>,
}

impl CalDavCalendar {
    /// The calendars under `home` of account `account_id`, written through `dav`;
    /// `auto_schedule` when the server emails the attendees itself.
    pub fn new(
        dav: CalDav,
        home: Url,
        account_id: &str,
        auto_schedule: bool,
        retry: Retry,
    ) -> CalDavCalendar {
        CalDavCalendar {
            dav,
            home,
            account_id: account_id.to_owned(),
            auto_schedule,
            retry,
            principal: String::new(),
            shared: Vec::new(),
        }
    }

    /// The account's principal URL (its `current-user-principal`), by which a calendar
    /// shared with it is told from its own in a listing.
    pub fn with_principal(mut self, principal: &str) -> CalDavCalendar {
        self.principal = principal.to_owned();
        self
    }

    /// The calendars another person owns, as the account keeps them from its listings: a
    /// meeting on one is written for the server to send as its owner's.
    pub fn with_shared(mut self, shared: &[String]) -> CalDavCalendar {
        self.shared = shared.to_vec();
        self
    }

    /// Entries for the calendars listed, each marked shared when another person owns it.
    fn entries(&self, listed: Vec<CalendarInfo>) -> Vec<CalendarEntry> {
        listed
            .into_iter()
            .map(|c| {
                let shared = c.owned_by_another(&self.principal, self.home.as_str());
                CalendarEntry {
                    shared,
                    ..CalendarEntry::from(c)
                }
            })
            .collect()
    }
}

impl From<CalDavError> for PortError {
    fn from(e: CalDavError) -> PortError {
        let failure = match &e {
            CalDavError::Unauthorized(_) => Failure::Unauthorized,
            CalDavError::Http { retry_after, .. } if e.is_transient() => Failure::Transient {
                retry_after: *retry_after,
            },
            _ if e.is_transient() => Failure::Transient { retry_after: None },
            _ => Failure::Permanent,
        };
        PortError {
            failure,
            message: e.to_string(),
            field: None,
        }
    }
}

impl From<CalendarInfo> for CalendarEntry {
    fn from(c: CalendarInfo) -> CalendarEntry {
        CalendarEntry {
            id: c.href,
            name: c.name,
            writable: c.writable,
            events: c.events,
            primary: false,
            owner: None,
            shared: false,
        }
    }
}

fn calendar_url(calendar: &str) -> Result<Url, PortError> {
    Url::parse(calendar).map_err(|_| PortError::permanent("a damaged calendar address"))
}

fn held(href: String, text: &str) -> HeldEvent {
    let f = ics_facts(text);
    HeldEvent {
        remote_ref: href,
        uid: f.uid.unwrap_or_default(),
        sequence: Some(f.sequence.unwrap_or(0)),
        cancelled: f.cancelled,
        title: f.summary,
        start: f.dtstart,
        organizer: f.organizer,
        attendees: f.attendees,
        location: f.location,
        description: f.description,
        html: f.html,
        recurring: f.recurring,
        next_start: None,
    }
}

impl Calendar for CalDavCalendar {
    fn calendars(&self) -> Result<Vec<CalendarEntry>, PortError> {
        Ok(self.entries(self.dav.calendars(&self.home)?))
    }

    fn write(&self, calendar: &str, v: &EventVersion<'_>) -> Result<Confirmed, PortError> {
        // A calendar resource carries no METHOD; a cancellation is the event, cancelled.
        let ics = belfry_core::render_ics(
            v.meeting,
            v.invitation,
            v.provider,
            &IcsOptions {
                uid: v.uid.to_owned(),
                sequence: v.sequence,
                dtstamp: v.dtstamp,
                method: None,
                reminder_minutes: Some(v.reminder_minutes),
                cancelled: v.cancelled,
            },
        )
        .map_err(|e| PortError::permanent(e.to_string()))?;
        let url = calendar_url(calendar)?;
        // On a host's calendar a scheduling server must be told whose meeting it is.
        let host = v.meeting.on_behalf_of.as_ref().map(|a| a.to_string());
        let schedule_address = match host {
            Some(host) if self.auto_schedule && self.shared.iter().any(|s| s == calendar) => {
                Some(host)
            }
            _ => None,
        };
        let (href, wrote) = self.dav.write_event_retrying(
            &url,
            &EventWrite {
                uid: v.uid,
                ics: &ics,
                sequence: v.sequence,
                cancelled: v.cancelled,
                schedule_address: schedule_address.as_deref(),
            },
            self.retry,
        )?;
        let written = match (wrote, v.cancelled) {
            (Wrote::Created | Wrote::Replaced | Wrote::AlreadyThere, true) => Written::Cancelled,
            (Wrote::Created, false) => Written::Created,
            (Wrote::Replaced, false) => Written::Updated,
            (Wrote::AlreadyThere, false) => Written::AlreadyThere,
            (Wrote::NothingToCancel, _) => Written::NothingToCancel,
            (Wrote::Newer(held), _) => Written::Superseded { held },
        };
        // A scheduling server records, on each attendee of what it holds, whether it could
        // tell them (RFC 6638 SCHEDULE-STATUS): DAViCal tells only its own users.
        // The write stands whatever this read says: a failed read names nobody untold.
        let untold = match wrote {
            Wrote::Created | Wrote::Replaced | Wrote::AlreadyThere if self.auto_schedule => {
                match self.dav.get_event(&href) {
                    Ok(held) => held.map(|h| ical::untold(&h.body)).unwrap_or_default(),
                    Err(e) => {
                        tracing::warn!(error = %e, "whom the server told could not be read back");
                        Vec::new()
                    }
                }
            }
            _ => Vec::new(),
        };
        Ok(Confirmed {
            remote_ref: href.to_string(),
            written,
            untold,
        })
    }

    fn read(
        &self,
        calendar: &str,
        uid: &str,
        known_ref: Option<&str>,
    ) -> Result<Option<HeldEvent>, PortError> {
        let href = match known_ref.and_then(|r| Url::parse(r).ok()) {
            Some(h) => h,
            None => event_href(&calendar_url(calendar)?, uid)?,
        };
        Ok(self
            .dav
            .get_event(&href)?
            .map(|o| held(href.to_string(), &o.body)))
    }

    fn request_ics(&self, calendar: &str, remote_ref: &str) -> Result<Option<String>, PortError> {
        if self.auto_schedule {
            return Ok(None);
        }
        let href =
            Url::parse(remote_ref).map_err(|_| PortError::permanent("a damaged event address"))?;
        Ok(self.dav.request_of(&calendar_url(calendar)?, &href)?)
    }

    fn events_between(
        &self,
        calendar: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<HeldEvent>, PortError> {
        let stamp = |t: DateTime<Utc>| t.format("%Y%m%dT%H%M%SZ").to_string();
        let url = calendar_url(calendar)?;
        let (start, end) = (stamp(from), stamp(to));
        let listed: Vec<(String, String, bool)> = self
            .dav
            .events_between(&url, &start, &end)?
            .into_iter()
            .map(|(href, text)| {
                let repeats = ical::repeats(&text);
                (href, text, repeats)
            })
            .collect();
        // A series' occurrences are the server's to work out: a second query asks it to
        // expand them, only when a series is listed. Without that answer a series has no
        // next start; the listing stands.
        let expanded: HashMap<String, String> = if listed.iter().any(|(_, _, r)| *r) {
            self.dav
                .expanded_between(&url, &start, &end)?
                .unwrap_or_default()
                .into_iter()
                .collect()
        } else {
            HashMap::new()
        };
        Ok(listed
            .into_iter()
            .map(|(href, text, repeats)| {
                let next_start = if repeats {
                    expanded
                        .get(&href)
                        .and_then(|instances| ical::first_start_from(instances, from))
                } else {
                    ical::first_start_from(&text, from)
                };
                HeldEvent {
                    next_start,
                    ..held(href, &text)
                }
            })
            .collect())
    }

    fn edit(
        &self,
        calendar: &str,
        remote_ref: &str,
        edit: &dyn EventEdit,
    ) -> Result<Confirmed, PortError> {
        let calendar = calendar_url(calendar)?;
        let href =
            Url::parse(remote_ref).map_err(|_| PortError::permanent("a damaged event address"))?;
        // The clock is read for every attempt: DTSTAMP and LAST-MODIFIED say when it was made.
        #[allow(
            clippy::disallowed_methods,
            reason = "an edit is stamped when each attempt makes it"
        )]
        let rewrite = |text: &str| ical::apply_edit(text, edit, Utc::now());
        let edited = self
            .dav
            .edit_event_retrying(&calendar, &href, &rewrite, self.retry)?;
        Ok(Confirmed {
            remote_ref: href.to_string(),
            written: match edited {
                Edited::Changed => Written::Updated,
                Edited::Unchanged => Written::AlreadyThere,
            },
            untold: Vec::new(),
        })
    }

    fn lane(&self, _calendar: &str) -> Lane {
        Lane {
            key: self.account_id.clone(),
            width: LANE_WIDTH,
        }
    }

    fn sends_invitations(&self) -> bool {
        self.auto_schedule
    }
}
