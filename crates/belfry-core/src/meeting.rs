//! A meeting: what the user asks for (a [`MeetingForm`], raw text) and what Belfry checked
//! (a [`Meeting`]). Every refusal names the [`Field`] it concerns.

use chrono::{DateTime, NaiveDate, NaiveDateTime};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::duration::MeetingDuration;
use crate::email::EmailAddress;
use crate::id::MeetingId;
use crate::passcode::Passcode;
use crate::provider::Provider;
use crate::recurrence::{Frequency, Recurrence, RepeatEnd, parse_weekday};
use crate::time::{self, Resolved};

use crate::limits::{
    self, MAX_ADDRESSES, MAX_DESCRIPTION_CHARS as MAX_DESCRIPTION, MAX_SHOW_ZONES,
    MAX_TITLE_CHARS as MAX_TITLE,
};

/// The three ways to pick a meeting ID.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MeetingKind {
    /// A fresh ID for this meeting or series.
    #[default]
    OneTime,
    /// A fresh ID that needs a moderator (with a passcode) to start.
    Moderated,
    /// The user's own static personal meeting ID.
    Personal,
}

impl MeetingKind {
    /// Whether this kind draws a fresh ID.
    pub fn is_fresh(self) -> bool {
        !matches!(self, MeetingKind::Personal)
    }

    /// The stable name used in storage and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            MeetingKind::OneTime => "one_time",
            MeetingKind::Moderated => "moderated",
            MeetingKind::Personal => "personal",
        }
    }

    /// Reads [`MeetingKind::as_str`] back.
    pub fn from_name(name: &str) -> Option<MeetingKind> {
        [
            MeetingKind::OneTime,
            MeetingKind::Moderated,
            MeetingKind::Personal,
        ]
        .into_iter()
        .find(|k| k.as_str() == name)
    }
}

/// The input fields of a meeting, for error messages (CLI options, UI labels).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    /// The meeting provider.
    Provider,
    /// The kind of meeting ID.
    Kind,
    /// The meeting ID.
    MeetingId,
    /// The moderator passcode.
    Passcode,
    /// The title.
    Title,
    /// The start.
    Start,
    /// The time zone.
    TimeZone,
    /// The duration.
    Duration,
    /// How often it repeats.
    Repeat,
    /// How many times it repeats.
    RepeatCount,
    /// The last day it repeats.
    RepeatUntil,
    /// The weekdays it repeats on.
    RepeatOn,
    /// The attendees.
    Attendees,
    /// The organizer.
    Organizer,
    /// The host a delegate schedules for.
    OnBehalfOf,
    /// The description.
    Description,
    /// The dial-in countries.
    DialIn,
    /// The extra time zones shown.
    ShowZones,
}

/// A refusal of one field, in words a presenter understands.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct FieldError {
    /// The field refused.
    pub field: Field,
    /// Why, and what would do.
    pub message: String,
}

impl FieldError {
    /// A refusal of `field`.
    pub fn new(field: Field, message: impl Into<String>) -> Self {
        FieldError {
            field,
            message: message.into(),
        }
    }
}

/// What the user typed, unchecked. Empty strings mean "not given". This is also the shape
/// of a saved draft, so nothing typed is lost when it does not validate.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MeetingForm {
    /// The provider profile's key (`chime`, `jitsi`); empty means the default one.
    pub provider: String,
    /// How the meeting ID is picked.
    pub kind: MeetingKind,
    /// An ID to use instead of a fresh one (a host's one-time ID handed to a delegate).
    pub meeting_id: String,
    /// A moderator passcode chosen by the user (moderated meetings only).
    pub passcode: String,
    /// The meeting's title.
    pub title: String,
    /// `YYYY-MM-DDTHH:MM`, local to `time_zone`.
    pub start: String,
    /// An IANA zone; empty means the default zone.
    pub time_zone: String,
    /// `45m`, `1h30m`; empty means one hour.
    pub duration: String,
    /// `daily`, `weekly`, `monthly`, or empty for a single meeting.
    pub repeat: String,
    /// How many meetings in all; empty for no count. Not with `repeat_until`.
    pub repeat_count: String,
    /// The last day (`YYYY-MM-DD`); empty for no end date. Not with `repeat_count`.
    pub repeat_until: String,
    /// Weekday names or their first three letters, comma-separated allowed.
    pub repeat_on: Vec<String>,
    /// Email addresses, separated by commas or semicolons allowed.
    pub attendees: Vec<String>,
    /// The organizer's address; empty means the default organizer.
    pub organizer: String,
    /// The host's address, when a delegate schedules on the host's behalf; else empty.
    pub on_behalf_of: String,
    /// The meeting's description.
    pub description: String,
    /// Country codes; empty means the default countries.
    pub dial_in: Vec<String>,
    /// IANA zones to show the times in too, comma-separated allowed.
    pub show_zones: Vec<String>,
}

/// Defaults that come from settings and the system.
#[derive(Debug, Clone)]
pub struct Defaults {
    /// The zone of a meeting that names none.
    pub time_zone: Tz,
    /// The user's dial-in countries, for a meeting that names none.
    pub dial_in: Vec<String>,
    /// The organizer of a meeting that names none.
    pub organizer: Option<EmailAddress>,
}

/// A checked meeting. Its passcode, if any, is kept apart (see [`Passcode`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meeting {
    /// The provider profile's key. Meetings saved before there were several are Chime's.
    #[serde(default = "chime_key")]
    pub provider: String,
    /// The meeting ID.
    pub id: MeetingId,
    /// How the ID was picked.
    pub kind: MeetingKind,
    /// The title, trimmed.
    pub title: String,
    /// The local start the user asked for (before DST resolution).
    pub start: NaiveDateTime,
    /// The zone `start` is local to.
    pub time_zone: Tz,
    /// How long each meeting lasts.
    pub duration: MeetingDuration,
    /// How it repeats; `None` for a single meeting.
    pub recurrence: Option<Recurrence>,
    /// The user's attendees, without the provider's addresses and without repeats.
    pub attendees: Vec<EmailAddress>,
    /// The organizer, when the form or the defaults name one.
    pub organizer: Option<EmailAddress>,
    /// The host, when a delegate schedules on the host's behalf.
    pub on_behalf_of: Option<EmailAddress>,
    /// The description, without trailing white space.
    pub description: String,
    /// Upper-case country codes, each known to the provider.
    pub dial_in: Vec<String>,
    /// Other zones the invitation shows the times in, each once, without `time_zone`.
    pub show_zones: Vec<Tz>,
}

impl MeetingForm {
    /// Refuses every field too large to be read at all (more than
    /// [`limits::MAX_FIELD_BYTES`] as typed, or a list of more than
    /// [`limits::MAX_LIST_ENTRIES`]). Nothing else is looked at until this passes.
    pub fn check_sizes(&self) -> Result<(), Vec<FieldError>> {
        let texts = [
            (Field::Provider, &self.provider),
            (Field::MeetingId, &self.meeting_id),
            (Field::Passcode, &self.passcode),
            (Field::Title, &self.title),
            (Field::Start, &self.start),
            (Field::TimeZone, &self.time_zone),
            (Field::Duration, &self.duration),
            (Field::Repeat, &self.repeat),
            (Field::RepeatCount, &self.repeat_count),
            (Field::RepeatUntil, &self.repeat_until),
            (Field::Organizer, &self.organizer),
            (Field::OnBehalfOf, &self.on_behalf_of),
            (Field::Description, &self.description),
        ];
        let lists = [
            (Field::RepeatOn, &self.repeat_on),
            (Field::Attendees, &self.attendees),
            (Field::DialIn, &self.dial_in),
            (Field::ShowZones, &self.show_zones),
        ];
        let too_long = || {
            format!(
                "this holds more than {} KiB: shorten it",
                limits::MAX_FIELD_BYTES / 1024
            )
        };
        let mut errors: Vec<FieldError> = texts
            .iter()
            .filter(|(_, text)| text.len() > limits::MAX_FIELD_BYTES)
            .map(|(field, _)| FieldError::new(*field, too_long()))
            .collect();
        for (field, entries) in lists {
            if entries.len() > limits::MAX_LIST_ENTRIES {
                errors.push(FieldError::new(
                    field,
                    format!(
                        "this holds {} entries, more than the {} Belfry reads: shorten it",
                        entries.len(),
                        limits::MAX_LIST_ENTRIES
                    ),
                ));
            } else if entries.iter().map(String::len).sum::<usize>() > limits::MAX_FIELD_BYTES {
                errors.push(FieldError::new(field, too_long()));
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            errors.sort_by_key(|e| e.field);
            Err(errors)
        }
    }

    /// Reads the meeting ID field: `None` when empty.
    pub fn parse_meeting_id(&self) -> Result<Option<MeetingId>, FieldError> {
        if self.meeting_id.len() > limits::MAX_FIELD_BYTES {
            return Err(FieldError::new(
                Field::MeetingId,
                "a meeting ID has 10 digits",
            ));
        }
        if self.meeting_id.trim().is_empty() {
            return Ok(None);
        }
        MeetingId::read(&self.meeting_id)
            .map(Some)
            .map_err(|e| FieldError::new(Field::MeetingId, e.to_string()))
    }

    /// Reads the passcode field: `None` when empty. Refused on meetings without a moderator.
    pub fn parse_passcode(&self) -> Result<Option<Passcode>, FieldError> {
        if self.passcode.len() > limits::MAX_FIELD_BYTES {
            return Err(FieldError::new(
                Field::Passcode,
                "this passcode is far too long",
            ));
        }
        if self.passcode.trim().is_empty() {
            return Ok(None);
        }
        if self.kind != MeetingKind::Moderated {
            return Err(FieldError::new(
                Field::Passcode,
                "a passcode applies only to meetings that need a moderator",
            ));
        }
        Passcode::parse(&self.passcode)
            .map(Some)
            .map_err(|e| FieldError::new(Field::Passcode, e.to_string()))
    }

    /// Checks every field and returns all refusals at once, in form order.
    pub fn validate(
        &self,
        id: MeetingId,
        defaults: &Defaults,
        provider: &Provider,
    ) -> Result<Meeting, Vec<FieldError>> {
        self.check_sizes()?;
        let mut errors = Vec::new();
        let mut check = |r: Result<(), FieldError>| {
            if let Err(e) = r {
                errors.push(e);
            }
        };

        let title = self.title.trim().to_owned();
        check(if title.is_empty() {
            Err(FieldError::new(Field::Title, "a title is required"))
        } else if title.chars().count() > MAX_TITLE {
            Err(FieldError::new(
                Field::Title,
                format!("a title has at most {MAX_TITLE} characters"),
            ))
        } else {
            Ok(())
        });

        let start = if self.start.trim().is_empty() {
            Err(FieldError::new(
                Field::Start,
                "a start is required, like 2027-03-02T10:00",
            ))
        } else {
            time::parse_local(&self.start)
                .map_err(|e| FieldError::new(Field::Start, e.to_string()))
                .and_then(check_start)
        };
        let start = start.map_err(|e| check(Err(e))).ok();

        let time_zone = if self.time_zone.trim().is_empty() {
            Ok(defaults.time_zone)
        } else {
            time::parse_zone(&self.time_zone)
                .map_err(|e| FieldError::new(Field::TimeZone, e.to_string()))
        };
        let time_zone = time_zone.map_err(|e| check(Err(e))).ok();

        let duration = if self.duration.trim().is_empty() {
            MeetingDuration::from_minutes(60)
        } else {
            MeetingDuration::parse(&self.duration)
        };
        let duration = duration
            .map_err(|e| check(Err(FieldError::new(Field::Duration, e.to_string()))))
            .ok();

        let recurrence = match start {
            Some(start) => self
                .recurrence(start)
                .map_err(|e| check(Err(e)))
                .ok()
                .flatten(),
            None => None,
        };

        let attendees = self.attendees(id, provider).map_err(|e| check(Err(e))).ok();

        let organizer = match optional_email(&self.organizer, Field::Organizer) {
            Ok(None) => defaults.organizer.clone(),
            Ok(some) => some,
            Err(e) => {
                check(Err(e));
                None
            }
        };
        let on_behalf_of = optional_email(&self.on_behalf_of, Field::OnBehalfOf)
            .map_err(|e| check(Err(e)))
            .ok()
            .flatten();
        if on_behalf_of.is_some() && self.kind == MeetingKind::Personal {
            check(Err(FieldError::new(
                Field::Kind,
                "a delegate schedules with a fresh one-time ID, never a personal ID: the host's \
                 attendees would land on your own meeting",
            )));
        }

        if self.kind == MeetingKind::Moderated && !provider.moderator {
            check(Err(FieldError::new(
                Field::Kind,
                format!(
                    "{} has no moderator code: choose another meeting type",
                    provider.name
                ),
            )));
        }

        let description = self.description.trim_end().to_owned();
        if description.chars().count() > MAX_DESCRIPTION {
            check(Err(FieldError::new(
                Field::Description,
                format!("a description has at most {MAX_DESCRIPTION} characters"),
            )));
        }

        let dial_in = self
            .dial_in(defaults, provider)
            .map_err(|e| check(Err(e)))
            .ok();
        let show_zones = self.show_zones(time_zone).map_err(|e| check(Err(e))).ok();

        match (start, time_zone, duration, attendees, dial_in, show_zones) {
            (
                Some(start),
                Some(time_zone),
                Some(duration),
                Some(attendees),
                Some(dial_in),
                Some(show_zones),
            ) if errors.is_empty() => Ok(Meeting {
                provider: provider.key.clone(),
                id,
                kind: self.kind,
                title,
                start,
                time_zone,
                duration,
                recurrence,
                attendees,
                organizer,
                on_behalf_of,
                description,
                dial_in,
                show_zones,
            }),
            _ => Err(errors),
        }
    }

    fn recurrence(&self, start: NaiveDateTime) -> Result<Option<Recurrence>, FieldError> {
        let repeat = self.repeat.trim().to_ascii_lowercase();
        let frequency = match repeat.as_str() {
            "" | "none" | "never" => {
                let stray = [
                    (!self.repeat_count.trim().is_empty(), Field::RepeatCount),
                    (!self.repeat_until.trim().is_empty(), Field::RepeatUntil),
                    (!self.repeat_on.is_empty(), Field::RepeatOn),
                ];
                if let Some((_, field)) = stray.iter().find(|(set, _)| *set) {
                    return Err(FieldError::new(
                        *field,
                        "this applies to repeating meetings only: choose how often it repeats",
                    ));
                }
                return Ok(None);
            }
            "daily" => Frequency::Daily,
            "weekly" => Frequency::Weekly,
            "monthly" => Frequency::Monthly,
            other => {
                return Err(FieldError::new(
                    Field::Repeat,
                    format!(
                        "repeat {:?} is not known: use daily, weekly or monthly",
                        limits::excerpt(other, limits::MAX_ECHO_BYTES)
                    ),
                ));
            }
        };
        let count = self.repeat_count.trim();
        let until = self.repeat_until.trim();
        let end = match (count.is_empty(), until.is_empty()) {
            (false, false) => {
                return Err(FieldError::new(
                    Field::RepeatUntil,
                    "give either a count or an end date, not both",
                ));
            }
            (false, true) => RepeatEnd::Count(count.parse().map_err(|_| {
                FieldError::new(
                    Field::RepeatCount,
                    format!(
                        "the count is a whole number from 1 to {}",
                        limits::MAX_OCCURRENCES
                    ),
                )
            })?),
            (true, false) => RepeatEnd::Until(
                time::parse_date(until)
                    .map_err(|e| FieldError::new(Field::RepeatUntil, e.to_string()))?,
            ),
            (true, true) => RepeatEnd::Never,
        };
        let mut weekdays = Vec::new();
        for day in self
            .repeat_on
            .iter()
            .flat_map(|d| d.split(','))
            .filter(|d| !d.trim().is_empty())
        {
            weekdays.push(
                parse_weekday(day).map_err(|e| FieldError::new(Field::RepeatOn, e.to_string()))?,
            );
        }
        let recurrence = Recurrence::new(frequency, &weekdays, end, start.date()).map_err(|e| {
            let field = match e.part() {
                "count" => Field::RepeatCount,
                "until" => Field::RepeatUntil,
                "weekdays" => Field::RepeatOn,
                _ => Field::Repeat,
            };
            FieldError::new(field, e.to_string())
        })?;
        check_series(&recurrence, start.date())?;
        Ok(Some(recurrence))
    }

    fn attendees(
        &self,
        id: MeetingId,
        provider: &Provider,
    ) -> Result<Vec<EmailAddress>, FieldError> {
        let mut out: Vec<EmailAddress> = Vec::new();
        let own_pin = provider.pin_address(id).map(|a| a.key());
        for raw in self.attendees.iter().flat_map(|a| a.split([',', ';'])) {
            if raw.trim().is_empty() {
                continue;
            }
            let address = EmailAddress::parse(raw)
                .map_err(|e| FieldError::new(Field::Attendees, e.to_string()))?;
            if provider.is_provider_address(&address) {
                if address.key().starts_with("pin+") && Some(address.key()) != own_pin {
                    return Err(FieldError::new(
                        Field::Attendees,
                        format!(
                            "{address} belongs to another meeting ID; Belfry adds this meeting's \
                             own address itself"
                        ),
                    ));
                }
                continue; // added by Belfry anyway
            }
            if !out.iter().any(|a| a.key() == address.key()) {
                out.push(address);
            }
        }
        let scheduling =
            usize::from(provider.scheduler_address().is_some()) + usize::from(own_pin.is_some());
        let room = MAX_ADDRESSES - scheduling;
        if out.len() > room {
            let taken = match scheduling {
                0 => String::new(),
                n => format!(" and the {n} scheduling addresses take {n}"),
            };
            return Err(FieldError::new(
                Field::Attendees,
                format!(
                    "at most {room} attendees: an invitation holds {MAX_ADDRESSES} addresses{taken} \
                     ({} given)",
                    out.len()
                ),
            ));
        }
        Ok(out)
    }

    fn dial_in(&self, defaults: &Defaults, provider: &Provider) -> Result<Vec<String>, FieldError> {
        let codes: Vec<&str> = self
            .dial_in
            .iter()
            .flat_map(|c| c.split(','))
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .collect();
        let codes: Vec<&str> = if codes.is_empty() {
            // The default countries are the user's, for every provider: those this one has
            // no numbers for are left out (typed ones are refused below), and when none is
            // left the provider's own defaults apply.
            let mine: Vec<&str> = defaults
                .dial_in
                .iter()
                .map(String::as_str)
                .filter(|code| provider.country(code).is_ok())
                .collect();
            if mine.is_empty() {
                provider
                    .default_countries
                    .iter()
                    .map(String::as_str)
                    .collect()
            } else {
                mine
            }
        } else {
            codes
        };
        let mut out: Vec<String> = Vec::new();
        for code in codes {
            let country = provider
                .country(code)
                .map_err(|e| FieldError::new(Field::DialIn, e.to_string()))?;
            if !out.contains(&country.code) {
                out.push(country.code.clone());
            }
        }
        Ok(out)
    }

    fn show_zones(&self, main: Option<Tz>) -> Result<Vec<Tz>, FieldError> {
        let mut out = Vec::new();
        for raw in self.show_zones.iter().flat_map(|z| z.split(',')) {
            if raw.trim().is_empty() {
                continue;
            }
            let tz = time::parse_zone(raw)
                .map_err(|e| FieldError::new(Field::ShowZones, e.to_string()))?;
            if Some(tz) != main && !out.contains(&tz) {
                out.push(tz);
            }
        }
        if out.len() > MAX_SHOW_ZONES {
            return Err(FieldError::new(
                Field::ShowZones,
                format!("show at most {MAX_SHOW_ZONES} extra time zones"),
            ));
        }
        Ok(out)
    }
}

fn chime_key() -> String {
    Provider::chime().key.clone()
}

fn check_start(start: NaiveDateTime) -> Result<NaiveDateTime, FieldError> {
    if limits::date_in_range(start.date()) {
        Ok(start)
    } else {
        Err(FieldError::new(
            Field::Start,
            limits::date_range_message("the start"),
        ))
    }
}

/// Refuses a series that runs past [`limits::MAX_SERIES_YEARS`] or out of the date range.
fn check_series(recurrence: &Recurrence, start: NaiveDate) -> Result<(), FieldError> {
    let limit = limits::series_end_limit(start);
    let span = || format!("a series runs at most {} years", limits::MAX_SERIES_YEARS);
    match recurrence.end {
        RepeatEnd::Until(d) if !limits::date_in_range(d) => Err(FieldError::new(
            Field::RepeatUntil,
            limits::date_range_message("the end date"),
        )),
        RepeatEnd::Until(d) if d > limit => Err(FieldError::new(
            Field::RepeatUntil,
            format!("{}: end it by {}", span(), limit.format("%Y-%m-%d")),
        )),
        RepeatEnd::Count(n) => {
            let dates = recurrence.dates(start, n as usize);
            let fit = dates.iter().filter(|d| **d <= limit).count();
            match dates.last() {
                Some(last) if *last > limit || !limits::date_in_range(*last) => {
                    Err(FieldError::new(
                        Field::RepeatCount,
                        format!(
                            "{}: {n} meetings would run to {}; choose at most {fit}",
                            span(),
                            last.format("%Y-%m-%d")
                        ),
                    ))
                }
                _ => Ok(()),
            }
        }
        _ => Ok(()),
    }
}

fn optional_email(text: &str, field: Field) -> Result<Option<EmailAddress>, FieldError> {
    if text.trim().is_empty() {
        Ok(None)
    } else {
        EmailAddress::parse(text)
            .map(Some)
            .map_err(|e| FieldError::new(field, e.to_string()))
    }
}

impl Meeting {
    /// Checks a meeting that did not come from [`MeetingForm::validate`] (one read back from
    /// storage) against Belfry's limits. Every validated meeting passes.
    pub fn check_limits(&self) -> Result<(), FieldError> {
        check_start(self.start)?;
        if self.title.trim().is_empty() || self.title.chars().count() > MAX_TITLE {
            return Err(FieldError::new(
                Field::Title,
                format!("a title has 1 to {MAX_TITLE} characters"),
            ));
        }
        if self.description.chars().count() > MAX_DESCRIPTION {
            return Err(FieldError::new(
                Field::Description,
                format!("a description has at most {MAX_DESCRIPTION} characters"),
            ));
        }
        if self.attendees.len() > MAX_ADDRESSES {
            return Err(FieldError::new(
                Field::Attendees,
                format!("an invitation holds at most {MAX_ADDRESSES} addresses"),
            ));
        }
        if self.show_zones.len() > MAX_SHOW_ZONES {
            return Err(FieldError::new(
                Field::ShowZones,
                format!("show at most {MAX_SHOW_ZONES} extra time zones"),
            ));
        }
        if let Some(r) = &self.recurrence {
            if let RepeatEnd::Count(n) = r.end
                && !(1..=limits::MAX_OCCURRENCES).contains(&n)
            {
                return Err(FieldError::new(
                    Field::RepeatCount,
                    format!(
                        "the count is a whole number from 1 to {}",
                        limits::MAX_OCCURRENCES
                    ),
                ));
            }
            check_series(r, self.start.date())?;
        }
        Ok(())
    }

    /// The start on the timeline, with a notice when it fell in a DST gap or overlap.
    pub fn resolved_start(&self) -> Resolved {
        time::resolve(self.time_zone, self.start)
    }

    /// The end of the first meeting.
    pub fn end(&self) -> DateTime<Tz> {
        let start = self.resolved_start().at;
        // A checked meeting ends long before chrono's range does; stay total regardless.
        start
            .checked_add_signed(self.duration.as_delta())
            .unwrap_or(start)
    }

    /// Every address the invitation goes to: the user's attendees, then the provider's
    /// scheduling address and this meeting's pin address.
    pub fn all_attendees(&self, provider: &Provider) -> Vec<EmailAddress> {
        let mut all = self.attendees.clone();
        all.extend(provider.scheduler_address());
        all.extend(provider.pin_address(self.id));
        all
    }

    /// Who the calendar shows as organizer: the host when a delegate schedules.
    pub fn calendar_organizer(&self) -> Option<&EmailAddress> {
        self.on_behalf_of.as_ref().or(self.organizer.as_ref())
    }

    /// This meeting with a series that runs past the limits cut to them (for writing the
    /// cancellation of a meeting saved before the limits existed).
    pub fn within_limits(mut self) -> Meeting {
        if let Some(r) = &mut self.recurrence
            && let RepeatEnd::Until(d) = r.end
        {
            let limit = limits::series_end_limit(self.start.date()).min(limits::latest_date());
            r.end = RepeatEnd::Until(d.min(limit));
        }
        self
    }

    /// This meeting as an editable form again (for drafts and reschedules).
    pub fn to_form(&self) -> MeetingForm {
        use crate::recurrence::Frequency as F;
        let (repeat, count, until, on) = match &self.recurrence {
            None => (String::new(), String::new(), String::new(), Vec::new()),
            Some(r) => (
                match r.frequency {
                    F::Daily => "daily",
                    F::Weekly => "weekly",
                    F::Monthly => "monthly",
                }
                .to_owned(),
                match r.end {
                    RepeatEnd::Count(n) => n.to_string(),
                    _ => String::new(),
                },
                match r.end {
                    RepeatEnd::Until(d) => d.format("%Y-%m-%d").to_string(),
                    _ => String::new(),
                },
                r.weekdays
                    .iter()
                    .map(|d| d.to_string().to_lowercase())
                    .collect(),
            ),
        };
        MeetingForm {
            provider: self.provider.clone(),
            kind: self.kind,
            meeting_id: self.id.code(),
            passcode: String::new(),
            title: self.title.clone(),
            start: self.start.format("%Y-%m-%dT%H:%M").to_string(),
            time_zone: self.time_zone.name().to_owned(),
            duration: self.duration.to_string(),
            repeat,
            repeat_count: count,
            repeat_until: until,
            repeat_on: on,
            attendees: self.attendees.iter().map(|a| a.to_string()).collect(),
            organizer: self
                .organizer
                .as_ref()
                .map(|a| a.to_string())
                .unwrap_or_default(),
            on_behalf_of: self
                .on_behalf_of
                .as_ref()
                .map(|a| a.to_string())
                .unwrap_or_default(),
            description: self.description.clone(),
            dial_in: self.dial_in.clone(),
            show_zones: self
                .show_zones
                .iter()
                .map(|z| z.name().to_owned())
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defaults() -> Defaults {
        Defaults {
            time_zone: Tz::America__New_York,
            dial_in: vec!["US".into()],
            organizer: None,
        }
    }

    fn id() -> MeetingId {
        MeetingId::parse("0123456789").unwrap()
    }

    fn form() -> MeetingForm {
        MeetingForm {
            title: "Physics 101".into(),
            start: "2027-03-01T10:00".into(),
            ..MeetingForm::default()
        }
    }

    fn errors(f: &MeetingForm) -> Vec<(Field, String)> {
        f.validate(id(), &defaults(), Provider::chime())
            .unwrap_err()
            .into_iter()
            .map(|e| (e.field, e.message))
            .collect()
    }

    #[test]
    fn minimal_form_gets_defaults() {
        let m = form()
            .validate(id(), &defaults(), Provider::chime())
            .unwrap();
        assert_eq!(m.time_zone, Tz::America__New_York);
        assert_eq!(m.duration.minutes(), 60);
        assert_eq!(m.dial_in, vec!["US"]);
        assert!(m.recurrence.is_none());
        let all: Vec<String> = m
            .all_attendees(Provider::chime())
            .iter()
            .map(|a| a.to_string())
            .collect();
        assert_eq!(all, ["meet@chime.aws", "pin+0123456789@chime.aws"]);
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let f = MeetingForm {
            title: "  ".into(),
            start: "tomorrow".into(),
            time_zone: "Mars/Base".into(),
            duration: "forever".into(),
            attendees: vec!["ana@example.com".into(), "bob".into()],
            organizer: "x@".into(),
            dial_in: vec!["ZZ".into()],
            show_zones: vec!["Nowhere".into()],
            ..MeetingForm::default()
        };
        let fields: Vec<Field> = errors(&f).into_iter().map(|(f, _)| f).collect();
        assert_eq!(
            fields,
            [
                Field::Title,
                Field::Start,
                Field::TimeZone,
                Field::Duration,
                Field::Attendees,
                Field::Organizer,
                Field::DialIn,
                Field::ShowZones
            ]
        );
    }

    #[test]
    fn attendees_are_deduplicated_and_provider_addresses_dropped() {
        let f = MeetingForm {
            attendees: vec![
                "ana@example.com, Bob@example.com".into(),
                "ANA@example.com".into(),
                "meet@chime.aws".into(),
                "pin+0123456789@chime.aws".into(),
            ],
            ..form()
        };
        let m = f.validate(id(), &defaults(), Provider::chime()).unwrap();
        let got: Vec<String> = m.attendees.iter().map(|a| a.to_string()).collect();
        assert_eq!(got, ["ana@example.com", "Bob@example.com"]);
    }

    #[test]
    fn another_meetings_pin_address_is_refused() {
        let f = MeetingForm {
            attendees: vec!["pin+9999999999@chime.aws".into()],
            ..form()
        };
        let errs = errors(&f);
        assert_eq!(errs[0].0, Field::Attendees);
        assert!(errs[0].1.contains("another meeting ID"), "{}", errs[0].1);
    }

    #[test]
    fn attendee_limit_counts_the_scheduling_addresses() {
        let many = |n: usize| {
            (0..n)
                .map(|i| format!("p{i}@example.com"))
                .collect::<Vec<_>>()
        };
        let ok = MeetingForm {
            attendees: many(298),
            ..form()
        };
        assert!(ok.validate(id(), &defaults(), Provider::chime()).is_ok());
        let too_many = MeetingForm {
            attendees: many(299),
            ..form()
        };
        let errs = errors(&too_many);
        assert_eq!(errs[0].0, Field::Attendees);
        assert!(
            errs[0].1.starts_with("at most 298 attendees"),
            "{}",
            errs[0].1
        );
    }

    #[test]
    fn delegate_cannot_use_a_personal_id() {
        let f = MeetingForm {
            kind: MeetingKind::Personal,
            on_behalf_of: "host@example.com".into(),
            ..form()
        };
        assert_eq!(errors(&f)[0].0, Field::Kind);
    }

    #[test]
    fn recurrence_errors_name_the_sub_field() {
        let cases = [
            (
                MeetingForm {
                    repeat: "yearly".into(),
                    ..form()
                },
                Field::Repeat,
            ),
            (
                MeetingForm {
                    repeat: "daily".into(),
                    repeat_count: "x".into(),
                    ..form()
                },
                Field::RepeatCount,
            ),
            (
                MeetingForm {
                    repeat: "daily".into(),
                    repeat_count: "0".into(),
                    ..form()
                },
                Field::RepeatCount,
            ),
            (
                MeetingForm {
                    repeat: "daily".into(),
                    repeat_until: "2026-01-01".into(),
                    ..form()
                },
                Field::RepeatUntil,
            ),
            (
                MeetingForm {
                    repeat: "daily".into(),
                    repeat_count: "3".into(),
                    repeat_until: "2027-04-01".into(),
                    ..form()
                },
                Field::RepeatUntil,
            ),
            (
                MeetingForm {
                    repeat: "weekly".into(),
                    repeat_on: vec!["tue".into()],
                    ..form()
                },
                Field::RepeatOn,
            ),
            (
                MeetingForm {
                    repeat_count: "3".into(),
                    ..form()
                },
                Field::RepeatCount,
            ),
        ];
        for (f, field) in cases {
            assert_eq!(errors(&f)[0].0, field, "{f:?}");
        }
    }

    #[test]
    fn every_limit_is_refused_with_its_field() {
        let big = "x".repeat(limits::MAX_FIELD_BYTES + 1);
        let cases = [
            (
                MeetingForm {
                    start: "+262142-12-31T23:30".into(),
                    ..form()
                },
                Field::Start,
                "between 1970 and 2200",
            ),
            (
                MeetingForm {
                    start: "1969-12-31T23:30".into(),
                    ..form()
                },
                Field::Start,
                "between 1970 and 2200",
            ),
            (
                MeetingForm {
                    repeat: "weekly".into(),
                    repeat_until: "9999-12-31".into(),
                    ..form()
                },
                Field::RepeatUntil,
                "between 1970 and 2200",
            ),
            (
                MeetingForm {
                    repeat: "weekly".into(),
                    repeat_until: "2040-01-01".into(),
                    ..form()
                },
                Field::RepeatUntil,
                "end it by 2037-03-01",
            ),
            (
                MeetingForm {
                    start: "2200-06-01T10:00".into(),
                    repeat: "daily".into(),
                    repeat_until: "2201-01-01".into(),
                    ..form()
                },
                Field::RepeatUntil,
                "between 1970 and 2200",
            ),
            (
                MeetingForm {
                    repeat: "monthly".into(),
                    repeat_count: "730".into(),
                    ..form()
                },
                Field::RepeatCount,
                "choose at most 121",
            ),
            (
                MeetingForm {
                    repeat: "daily".into(),
                    repeat_count: "99999999999999999999".into(),
                    ..form()
                },
                Field::RepeatCount,
                "from 1 to 730",
            ),
            (
                MeetingForm {
                    title: big.clone(),
                    ..form()
                },
                Field::Title,
                "more than 100 KiB",
            ),
            (
                MeetingForm {
                    description: big.clone(),
                    ..form()
                },
                Field::Description,
                "more than 100 KiB",
            ),
            (
                MeetingForm {
                    attendees: vec!["a@example.com".into(); limits::MAX_LIST_ENTRIES + 1],
                    ..form()
                },
                Field::Attendees,
                "more than the 1000",
            ),
            (
                MeetingForm {
                    show_zones: vec![big.clone()],
                    ..form()
                },
                Field::ShowZones,
                "more than 100 KiB",
            ),
            (
                MeetingForm {
                    time_zone: big,
                    ..form()
                },
                Field::TimeZone,
                "more than 100 KiB",
            ),
        ];
        for (f, field, words) in cases {
            let errs = errors(&f);
            assert_eq!(errs.len(), 1, "{errs:?}");
            assert_eq!(errs[0].0, field, "{errs:?}");
            assert!(errs[0].1.contains(words), "{}", errs[0].1);
        }
    }

    #[test]
    fn a_stored_meeting_out_of_limits_is_refused() {
        let good = form()
            .validate(id(), &defaults(), Provider::chime())
            .unwrap();
        assert_eq!(good.check_limits(), Ok(()));
        let far = Meeting {
            start: NaiveDate::from_ymd_opt(262_142, 12, 31)
                .unwrap()
                .and_hms_opt(23, 30, 0)
                .unwrap(),
            ..good.clone()
        };
        assert_eq!(far.check_limits().unwrap_err().field, Field::Start);
        // And nothing about it panics: the end is still a time.
        assert!(far.end() >= far.resolved_start().at);
        let endless = Meeting {
            recurrence: Some(Recurrence {
                frequency: Frequency::Weekly,
                weekdays: vec![chrono::Weekday::Mon],
                end: RepeatEnd::Until(NaiveDate::from_ymd_opt(9999, 12, 31).unwrap()),
            }),
            ..good
        };
        assert_eq!(
            endless.check_limits().unwrap_err().field,
            Field::RepeatUntil
        );
    }

    #[test]
    fn passcode_only_for_moderated_meetings() {
        let f = MeetingForm {
            passcode: "1234".into(),
            ..form()
        };
        assert_eq!(f.parse_passcode().unwrap_err().field, Field::Passcode);
        let f = MeetingForm {
            kind: MeetingKind::Moderated,
            passcode: "12".into(),
            ..form()
        };
        assert_eq!(f.parse_passcode().unwrap_err().field, Field::Passcode);
        let f = MeetingForm {
            kind: MeetingKind::Moderated,
            passcode: "123456".into(),
            ..form()
        };
        assert_eq!(f.parse_passcode().unwrap().unwrap().expose(), "123456");
    }

    #[test]
    fn a_meeting_turns_back_into_the_same_form() {
        let f = MeetingForm {
            kind: MeetingKind::Moderated,
            title: "Series".into(),
            start: "2027-03-01T10:00".into(),
            time_zone: "Europe/Berlin".into(),
            duration: "1h30m".into(),
            repeat: "weekly".into(),
            repeat_count: "6".into(),
            repeat_on: vec!["mon".into(), "wed".into()],
            attendees: vec!["ana@example.com".into()],
            organizer: "me@example.com".into(),
            description: "Bring a calculator.".into(),
            dial_in: vec!["US".into()],
            show_zones: vec!["Asia/Kathmandu".into()],
            ..MeetingForm::default()
        };
        let m = f.validate(id(), &defaults(), Provider::chime()).unwrap();
        let again = m.to_form();
        assert_eq!(
            again
                .validate(id(), &defaults(), Provider::chime())
                .unwrap(),
            m
        );
    }
}
