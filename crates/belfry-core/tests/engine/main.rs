//! Belfry's engine from the outside: data-driven invitation and iCalendar cases (expected
//! outputs written by hand in `tests/cases/`), and property tests that parse every calendar
//! object back with an independent iCalendar parser.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod cases;
mod forms;
mod properties;
mod windows_zones;

use belfry_core::{Defaults, Meeting, MeetingForm, MeetingId, Provider};
use chrono_tz::Tz;

/// The defaults every case is read with.
pub fn defaults() -> Defaults {
    Defaults {
        time_zone: Tz::America__New_York,
        dial_in: vec!["US".into()],
        organizer: None,
    }
}

/// Validates `form` with `id`, panicking with the field errors if it is refused.
pub fn meeting(form: &MeetingForm, id: &str) -> Meeting {
    let id = MeetingId::parse(id).unwrap();
    form.validate(id, &defaults(), Provider::chime())
        .unwrap_or_else(|errors| panic!("form refused: {errors:?}"))
}

/// Reads an iCalendar TEXT value back (RFC 5545 §3.3.11), independently of the writer.
pub fn unescape(value: &str) -> String {
    let mut out = String::new();
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n' | 'N') => out.push('\n'),
                Some(other) => out.push(other),
                None => {}
            }
        } else {
            out.push(c);
        }
    }
    out
}
