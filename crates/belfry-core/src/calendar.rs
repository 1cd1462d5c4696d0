//! The calendar port: what Belfry needs of a calendar service, whichever it is (CalDAV,
//! Google Calendar, Microsoft Graph, or an in-memory calendar in tests). Each adapter owns
//! its wire shapes, paths, retry classification and request lane; the application layer
//! only ever sees these types.
//!
//! The one rule every adapter keeps: a write never leaves the calendar holding an older
//! version than it held before ([`Written::Superseded`]), and never makes a second event
//! for one meeting (the event's identity is chosen before the first request).

use chrono::{DateTime, Utc};

use crate::{Field, Invitation, Meeting, Provider};

/// One version of a meeting's event, as the outbox asks a calendar to hold it.
#[derive(Debug, Clone, Copy)]
pub struct EventVersion<'a> {
    /// The iCalendar UID: the event's identity on every calendar, for its whole life.
    pub uid: &'a str,
    /// The iCalendar SEQUENCE of this version; a calendar holding a higher one keeps it.
    pub sequence: u32,
    /// This version is the cancellation.
    pub cancelled: bool,
    /// The meeting as this version has it.
    pub meeting: &'a Meeting,
    /// The invitation the event carries: its texts, location and attendees.
    pub invitation: &'a Invitation,
    /// The meeting provider whose joining details the event carries.
    pub provider: &'a Provider,
    /// When this version was made (the iCalendar DTSTAMP).
    pub dtstamp: DateTime<Utc>,
    /// Minutes before the start for a reminder.
    pub reminder_minutes: u32,
    /// What the calendar called the event when an earlier write was confirmed.
    pub known_ref: Option<&'a str>,
    /// A request for this event may have reached the server before (an attempt whose answer
    /// never came), so the event may exist although no write was confirmed.
    pub maybe_sent: bool,
}

/// What a write did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    /// The event did not exist and now holds this version.
    Created,
    /// The event held an older version (or an unconfirmed attempt of this one) and now holds
    /// this version.
    Updated,
    /// The event already held exactly this version (an earlier attempt's answer was lost).
    AlreadyThere,
    /// The event is cancelled (or gone, where the service deletes cancelled events).
    Cancelled,
    /// There was nothing to cancel: the event never reached the calendar, or is already
    /// gone. Nothing was created to be cancelled.
    NothingToCancel,
    /// The calendar holds a newer version than this one (changed elsewhere, or by a later
    /// change); nothing was overwritten.
    Superseded {
        /// The SEQUENCE the calendar holds.
        held: u32,
    },
}

/// A confirmed write: the event's address on the service, and what happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirmed {
    /// Where the event is on the service: its href, or the provider's event id.
    pub remote_ref: String,
    /// What the write did.
    pub written: Written,
    /// Attendees the calendar's server says it could not tell of this version (a
    /// scheduling CalDAV server's RFC 6638 `SCHEDULE-STATUS` 3.x or 5.x: DAViCal delivers
    /// only to its own users): someone else must, or nobody will.
    pub untold: Vec<String>,
}

/// Why a calendar request failed, as the outbox must treat it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// Worth another try later (the network, 429, 5xx); `retry_after` is what the server
    /// asked for, in seconds.
    Transient {
        /// Seconds the server asked to wait, if it said.
        retry_after: Option<u64>,
    },
    /// The same request will always fail (400, 403, 404 on a calendar, an occupied place, a
    /// version that cannot be written there): retrying cannot help, the user must act.
    Permanent,
    /// The credentials were refused: the user must sign in again.
    Unauthorized,
}

/// A calendar request that failed. `message` is for the user: it says what went wrong and
/// what to do, and never carries a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct PortError {
    /// How the outbox must treat it.
    pub failure: Failure,
    /// What went wrong and what to do, for the user.
    pub message: String,
    /// The meeting's field at fault, when the service cannot take what it says (Outlook
    /// and a zone without a Windows name, say).
    pub field: Option<Field>,
}

impl PortError {
    /// A failure worth another try later, after `retry_after` seconds if the server said.
    pub fn transient(message: impl Into<String>, retry_after: Option<u64>) -> PortError {
        PortError {
            failure: Failure::Transient { retry_after },
            message: message.into(),
            field: None,
        }
    }

    /// A failure that retrying cannot help.
    pub fn permanent(message: impl Into<String>) -> PortError {
        PortError {
            failure: Failure::Permanent,
            message: message.into(),
            field: None,
        }
    }

    /// A meeting this service cannot hold as it is: the user must change `field`.
    pub fn field(field: Field, message: impl Into<String>) -> PortError {
        PortError {
            failure: Failure::Permanent,
            message: message.into(),
            field: Some(field),
        }
    }

    /// Credentials the service refused: the user must sign in again.
    pub fn unauthorized(message: impl Into<String>) -> PortError {
        PortError {
            failure: Failure::Unauthorized,
            message: message.into(),
            field: None,
        }
    }

    /// Worth another try later.
    pub fn is_transient(&self) -> bool {
        matches!(self.failure, Failure::Transient { .. })
    }
}

/// A calendar an account can see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarEntry {
    /// The id writes use (a collection URL, a Google calendar id, a Graph calendar id).
    pub id: String,
    /// Its name as the account sees it.
    pub name: String,
    /// The account may create events in it.
    pub writable: bool,
    /// It accepts events (some CalDAV collections hold only tasks).
    pub events: bool,
    /// The account's main calendar.
    pub primary: bool,
    /// Whose calendar it is, when the service names an owner.
    pub owner: Option<String>,
    /// Another person's calendar that the service lists without their address (a CalDAV
    /// calendar shared with the account): a meeting on it is scheduled on its owner's
    /// behalf, with their address given.
    pub shared: bool,
}

/// An event as a calendar holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldEvent {
    /// Where the event is on the service: its href, or the provider's event id.
    pub remote_ref: String,
    /// The event's iCalendar UID.
    pub uid: String,
    /// The version the calendar holds, when the service keeps one.
    pub sequence: Option<u32>,
    /// The event is cancelled.
    pub cancelled: bool,
    /// The event's title.
    pub title: String,
    /// The start as the service gives it (RFC 3339, or an iCalendar date-time).
    pub start: String,
    /// The organizer's address, when the event names one.
    pub organizer: Option<String>,
    /// The attendees' addresses.
    pub attendees: Vec<String>,
    /// The event's location.
    pub location: String,
    /// The plain-text description.
    pub description: String,
    /// The description as HTML, where the service keeps one (CalDAV's `X-ALT-DESC`,
    /// Google's HTML description, Graph's HTML body); empty otherwise.
    pub html: String,
    /// The event is a series, or an occurrence of one.
    pub recurring: bool,
    /// The start of its next occurrence in the time listed (a series': the first of those
    /// ahead, an exception's moved time included), when the listing says; the same forms as
    /// `start`.
    pub next_start: Option<String>,
}

/// A change to an event Belfry may not have made, applied by the adapter to the event as
/// the calendar holds it at the moment of writing (every part of it: a series' overridden
/// occurrences too), so whatever else the event holds is kept. Every method answers for one
/// value and is pure: applied to its own output it changes nothing, which is what makes a
/// repeated edit a no-op.
pub trait EventEdit: Send + Sync {
    /// The new plain-text description, or `None` to keep `text`.
    fn description(&self, text: &str) -> Option<String>;
    /// The new HTML description, or `None` to keep `html`.
    fn html(&self, html: &str) -> Option<String>;
    /// The new location, or `None` to keep `location`.
    fn location(&self, location: &str) -> Option<String>;
    /// Whether the attendee with this address (without `mailto:`) is removed.
    fn drops_attendee(&self, address: &str) -> bool;
    /// Parts of a series that start before this time (overridden occurrences in the past)
    /// are left as they are.
    fn from(&self) -> DateTime<Utc>;
}

/// Requests to one service that must share a limit (Graph: 4 at once per mailbox).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lane {
    /// What the requests share: an account, or one mailbox of one.
    pub key: String,
    /// How many of them may be under way at once.
    pub width: usize,
}

/// What Belfry needs of a calendar service for one account.
pub trait Calendar: Send + Sync {
    /// The calendars the account can see.
    fn calendars(&self) -> Result<Vec<CalendarEntry>, PortError>;

    /// Makes `calendar` hold `version` of the event, exactly once: creates it, brings an
    /// older version up to date, cancels it (`version.cancelled`), or leaves a newer version
    /// alone ([`Written::Superseded`]). Safe to repeat after any failure or a kill.
    fn write(&self, calendar: &str, version: &EventVersion<'_>) -> Result<Confirmed, PortError>;

    /// The event with `uid` as `calendar` holds it, if it does.
    fn read(
        &self,
        calendar: &str,
        uid: &str,
        known_ref: Option<&str>,
    ) -> Result<Option<HeldEvent>, PortError>;

    /// The events of `calendar` that have an occurrence between `from` and `to`.
    fn events_between(
        &self,
        calendar: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<HeldEvent>, PortError>;

    /// Applies `edit` to the event at `remote_ref` (as [`Calendar::events_between`] named
    /// it), as the calendar holds it now, raising its SEQUENCE and sending the change to
    /// every attendee where the service sends invitations. [`Written::Updated`] when
    /// something changed, [`Written::AlreadyThere`] when `edit` changes nothing (an earlier
    /// attempt landed). Never writes over a change made after its read: the write is
    /// conditional, and a lost race reads and applies again.
    fn edit(
        &self,
        calendar: &str,
        remote_ref: &str,
        edit: &dyn EventEdit,
    ) -> Result<Confirmed, PortError>;

    /// The event at `remote_ref` as an iTIP REQUEST (RFC 5546) for the user to send the
    /// attendees themselves, where the service does not send invitations; `None` where it
    /// does, or cannot give one.
    fn request_ics(&self, calendar: &str, remote_ref: &str) -> Result<Option<String>, PortError> {
        let _ = (calendar, remote_ref);
        Ok(None)
    }

    /// The lane requests to `calendar` wait in.
    fn lane(&self, calendar: &str) -> Lane;

    /// The service emails the attendees itself when an event is written.
    fn sends_invitations(&self) -> bool;
}
