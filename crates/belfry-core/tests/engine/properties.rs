//! Hostile input cannot break the calendar object: whatever a user types, every physical line
//! is at most 75 octets, lines end in CRLF, and an independent parser (Stalwart's `calcard`)
//! finds exactly the properties and components Belfry meant to write, with the same text.

use belfry_core::ics::{fold_into, text};
use belfry_core::{
    DEFAULT_TEMPLATE, IcsOptions, MeetingForm, Method, Provider, render_ics, render_invitation,
};
use calcard::icalendar::{
    ICalendar, ICalendarComponentType as C, ICalendarEntry, ICalendarProperty as P, ICalendarValue,
};
use chrono::{TimeZone, Utc};
use proptest::prelude::*;

use crate::{meeting, unescape};

/// Text a user might paste: any Unicode, with CR, LF, tabs, controls and iCalendar syntax
/// characters made likely.
fn hostile_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        any::<char>().prop_map(String::from),
        Just("\r\n".to_owned()),
        Just("\r".to_owned()),
        Just("\n".to_owned()),
        Just("\nATTENDEE:mailto:evil@x.test".to_owned()),
        Just("\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\n".to_owned()),
        Just(";,:\\\"".to_owned()),
        Just("é漢字🙂".to_owned()),
        Just("\u{0}\u{7}\u{1b}\t".to_owned()),
    ];
    prop::collection::vec(piece, 0..60).prop_map(|v| v.concat())
}

/// The text of a parsed TEXT property (the parser splits on unescaped commas; there are none).
fn text_of(entry: &ICalendarEntry) -> String {
    let parts: Vec<&str> = entry
        .values
        .iter()
        .filter_map(|v| match v {
            ICalendarValue::Text(t) => Some(t.as_str()),
            _ => None,
        })
        .collect();
    parts.join(",")
}

/// What a TEXT value should read back as: line breaks normalised, controls (tab aside) gone.
fn expected_text(s: &str) -> String {
    s.replace("\r\n", "\n")
        .replace('\r', "\n")
        .chars()
        .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn folding_keeps_lines_short_and_unfolds_to_the_original(line in "\\PC{0,400}") {
        let mut out = String::new();
        fold_into(&mut out, &line);
        prop_assert!(out.ends_with("\r\n"));
        for physical in out.trim_end_matches("\r\n").split("\r\n") {
            prop_assert!(physical.len() <= 75, "{} octets", physical.len());
        }
        prop_assert_eq!(out.trim_end_matches("\r\n").replace("\r\n ", ""), line);
    }

    #[test]
    fn text_escaping_round_trips(value in hostile_text()) {
        let escaped = text(&value);
        prop_assert!(!escaped.contains(['\r', '\n']));
        prop_assert_eq!(unescape(&escaped), expected_text(&value));
    }

    #[test]
    fn hostile_titles_and_descriptions_cannot_inject(
        title in hostile_text().prop_map(|t| t.chars().take(200).collect::<String>()),
        description in hostile_text(),
        attendees in 0usize..5,
    ) {
        let title = if title.trim().is_empty() { "x".to_owned() } else { title };
        let form = MeetingForm {
            title: title.clone(),
            description: description.clone(),
            start: "2027-03-01T10:00".into(),
            time_zone: "Australia/Lord_Howe".into(),
            organizer: "me@example.com".into(),
            attendees: (0..attendees).map(|i| format!("p{i}@example.com")).collect(),
            ..MeetingForm::default()
        };
        let m = meeting(&form, "0123456789");
        let inv = render_invitation(&m, Provider::chime(), DEFAULT_TEMPLATE).unwrap();
        let opts = IcsOptions {
            uid: "prop@belfry".into(),
            sequence: 0,
            dtstamp: Utc.with_ymd_and_hms(2027, 2, 1, 0, 0, 0).unwrap(),
            method: Some(Method::Request),
            reminder_minutes: Some(10),
        cancelled: false,
        };
        let ics = render_ics(&m, &inv, Provider::chime(), &opts).unwrap();

        for physical in ics.trim_end_matches("\r\n").split("\r\n") {
            prop_assert!(physical.len() <= 75);
            prop_assert!(!physical.contains(['\r', '\n']));
        }

        let cal = ICalendar::parse(&ics).map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
        let count = |t: C| cal.components.iter().filter(|c| c.component_type == t).count();
        prop_assert_eq!(count(C::VCalendar), 1);
        prop_assert_eq!(count(C::VEvent), 1, "a second event was injected");
        prop_assert_eq!(count(C::VTimezone), 1);
        prop_assert_eq!(count(C::VAlarm), 1);
        let event = cal.components.iter().find(|c| c.component_type == C::VEvent).unwrap();
        let named = |n: P| event.entries.iter().filter(|e| e.name == n).collect::<Vec<_>>();
        prop_assert_eq!(named(P::Attendee).len(), attendees + 2);
        prop_assert_eq!(named(P::Summary).len(), 1);
        prop_assert_eq!(named(P::Description).len(), 1);
        prop_assert_eq!(named(P::Uid).len(), 1);
        prop_assert_eq!(text_of(named(P::Summary)[0]), expected_text(title.trim()));
        let desc = text_of(named(P::Description)[0]);
        prop_assert_eq!(desc, expected_text(&inv.text));
    }
}
