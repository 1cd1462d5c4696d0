//! Whatever reaches the meeting form (a window field, a CSV cell, a flag), reading it ends
//! in a meeting or in refusals that name fields: never a panic, never a meeting outside
//! Belfry's limits, and every accepted meeting renders.

use belfry_core::{
    DEFAULT_TEMPLATE, IcsOptions, MeetingForm, MeetingId, MeetingKind, Method, Provider,
    render_ics, render_invitation,
};
use chrono::{TimeZone, Utc};
use proptest::prelude::*;

use crate::defaults;

/// A start near the limits, far outside them, or any text.
fn start() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => (-300_000i32..300_000, 1u32..13, 1u32..29, 0u32..24, 0u32..60)
            .prop_map(|(y, mo, d, h, mi)| format!("{y:+}-{mo:02}-{d:02}T{h:02}:{mi:02}")),
        4 => (1960i32..2220, 1u32..13, 1u32..32, 0u32..25, 0u32..61)
            .prop_map(|(y, mo, d, h, mi)| format!("{y}-{mo:02}-{d:02}T{h:02}:{mi:02}")),
        1 => "\\PC{0,30}",
    ]
}

fn date() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => Just(String::new()),
        4 => (1960i32..10_000, 1u32..13, 1u32..32)
            .prop_map(|(y, mo, d)| format!("{y}-{mo:02}-{d:02}")),
        1 => "\\PC{0,12}",
    ]
}

fn count() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => Just(String::new()),
        4 => (0u64..100_000).prop_map(|n| n.to_string()),
        1 => "\\PC{0,12}",
    ]
}

fn pick(options: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop_oneof![
        9 => prop::sample::select(options).prop_map(str::to_owned),
        1 => "\\PC{0,12}",
    ]
}

fn form() -> impl Strategy<Value = MeetingForm> {
    (
        (
            prop::sample::select(vec![
                MeetingKind::OneTime,
                MeetingKind::Moderated,
                MeetingKind::Personal,
            ]),
            "\\PC{0,300}",
            start(),
            pick(&["", "UTC", "Europe/Berlin", "Asia/Kathmandu", "Pacific/Apia"]),
            pick(&["", "45m", "1h30m", "24h", "0m", "25h", "9999999999h"]),
        ),
        (
            pick(&["", "daily", "weekly", "monthly"]),
            count(),
            date(),
            prop::collection::vec(pick(&["mon", "tue", "sun"]), 0..3),
            prop::collection::vec(pick(&["a@example.com", "meet@chime.aws", "x@"]), 0..4),
            "\\PC{0,300}",
            prop::collection::vec(pick(&["Asia/Tokyo", "UTC"]), 0..3),
        ),
    )
        .prop_map(
            |(
                (kind, title, start, time_zone, duration),
                (repeat, repeat_count, repeat_until, repeat_on, attendees, description, zones),
            )| MeetingForm {
                kind,
                title,
                start,
                time_zone,
                duration,
                repeat,
                repeat_count,
                repeat_until,
                repeat_on,
                attendees,
                organizer: "me@example.com".into(),
                description,
                show_zones: zones,
                ..MeetingForm::default()
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn any_form_is_read_or_refused_by_field_and_what_is_read_renders(f in form()) {
        let id = MeetingId::parse("0123456789").unwrap();
        match f.validate(id, &defaults(), Provider::chime()) {
            Ok(m) => {
                prop_assert_eq!(m.check_limits(), Ok(()));
                let invitation =
                    render_invitation(&m, Provider::chime(), DEFAULT_TEMPLATE).unwrap();
                let opts = IcsOptions {
                    uid: "u@belfry".into(),
                    sequence: 0,
                    method: Some(Method::Request),
                    dtstamp: Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap(),
                    reminder_minutes: Some(10),
                    cancelled: false,
                };
                render_ics(&m, &invitation, Provider::chime(), &opts).unwrap();
            }
            Err(errors) => {
                prop_assert!(!errors.is_empty());
                for e in errors {
                    prop_assert!(!e.message.is_empty());
                }
            }
        }
    }
}
