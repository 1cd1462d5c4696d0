//! Belfry's engine from the outside: data-driven invitation and iCalendar cases (expected
//! outputs written by hand in `tests/cases/`), and property tests that parse every calendar
//! object back with an independent iCalendar parser.

#![allow(
    clippy::disallowed_methods,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

mod cases;
mod forms;
mod properties;
mod windows_zones;

use belfry_core::{Defaults, Meeting, MeetingForm, Provider};
use chrono_tz::Tz;

/// The defaults every case is read with.
pub fn defaults() -> Defaults {
    Defaults {
        time_zone: Tz::America__New_York,
        dial_in: vec!["US".into()],
        organizer: None,
    }
}

/// The built-in profile a form names (Chime when it names none).
pub fn provider_of(form: &MeetingForm) -> Provider {
    if form.provider == "personal-room" {
        // The personal room the cases use: a link, a passcode and two dial-in lines.
        return Provider::personal_room(
            "https://zoom.example/j/5551234567?pwd=Tq7",
            "314159",
            &[
                "+1 646 558 8656 (New York)".to_owned(),
                "+1 669 900 6833 (San Jose), meeting ID 555 123 4567".to_owned(),
            ],
        )
        .unwrap();
    }
    Provider::builtins()
        .into_iter()
        .find(|p| form.provider.is_empty() || p.key == form.provider)
        .unwrap_or_else(|| panic!("no built-in provider {:?}", form.provider))
        .clone()
}

/// Validates `form` with `id`, panicking with the field errors if it is refused.
pub fn meeting(form: &MeetingForm, id: &str) -> Meeting {
    let provider = provider_of(form);
    let id = provider.parse_id(id).unwrap();
    form.validate(id, &defaults(), &provider)
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
