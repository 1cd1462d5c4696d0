//! Rendering an invitation and an .ics for a 6-session weekly series with 50 attendees.
//! Results: docs/benchmarks.md. Run: cargo bench -p belfry-core --bench render

#![allow(clippy::unwrap_used, clippy::expect_used)]

use belfry_core::{
    DEFAULT_TEMPLATE, Defaults, IcsOptions, MeetingForm, MeetingId, Method, Provider, render_ics,
    render_invitation,
};
use chrono::TimeZone;
use chrono_tz::Tz;
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;

fn series() -> belfry_core::Meeting {
    let form = MeetingForm {
        title: "Physics 101: mechanics".into(),
        start: "2027-03-01T10:00".into(),
        time_zone: "America/New_York".into(),
        duration: "1h30m".into(),
        repeat: "weekly".into(),
        repeat_on: vec!["mon".into(), "wed".into()],
        repeat_count: "6".into(),
        attendees: (0..50).map(|i| format!("student{i}@example.edu")).collect(),
        organizer: "prof@example.edu".into(),
        description: "Bring your lab notes; we start on time.".into(),
        show_zones: vec!["Europe/London".into(), "Asia/Kathmandu".into()],
        ..MeetingForm::default()
    };
    let defaults = Defaults {
        time_zone: Tz::UTC,
        dial_in: vec!["US".into()],
        organizer: None,
    };
    form.validate(
        MeetingId::parse("0123456789").unwrap(),
        &defaults,
        Provider::chime(),
    )
    .unwrap()
}

fn bench(c: &mut Criterion) {
    let meeting = series();
    let provider = Provider::chime();
    let opts = IcsOptions {
        uid: "bench@belfry".into(),
        sequence: 0,
        dtstamp: chrono::Utc.with_ymd_and_hms(2027, 2, 1, 12, 0, 0).unwrap(),
        method: Some(Method::Request),
        reminder_minutes: Some(10),
        cancelled: false,
    };
    let invitation = render_invitation(&meeting, provider, DEFAULT_TEMPLATE).unwrap();

    c.bench_function("invitation (6-session series, 50 attendees)", |b| {
        b.iter(|| render_invitation(black_box(&meeting), provider, DEFAULT_TEMPLATE).unwrap())
    });
    c.bench_function("ics (6-session series, 50 attendees)", |b| {
        b.iter(|| render_ics(black_box(&meeting), &invitation, provider, &opts).unwrap())
    });
    c.bench_function("invitation + ics", |b| {
        b.iter(|| {
            let inv = render_invitation(black_box(&meeting), provider, DEFAULT_TEMPLATE).unwrap();
            render_ics(&meeting, &inv, provider, &opts).unwrap()
        })
    });
}

/// The slowest a template can make one render: a full-length description sliced and
/// compared in nested loops until the fuel runs out (no filter, so no work budget applies),
/// and the longest series Belfry writes (weekly for 10 years). Beside the default template.
fn limits(c: &mut Criterion) {
    let provider = Provider::chime();
    let mut meeting = series();
    meeting.description = "d".repeat(belfry_core::limits::MAX_DESCRIPTION_CHARS);
    let hostile = "{% for a in description %}{% for b in description %}\
                   {% if description[::-1] == title %}{% endif %}{% endfor %}{% endfor %}";
    c.bench_function("invitation, default template, longest description", |b| {
        b.iter(|| render_invitation(black_box(&meeting), provider, DEFAULT_TEMPLATE).unwrap())
    });
    c.bench_function("invitation, slowest template (runs out of fuel)", |b| {
        b.iter(|| render_invitation(black_box(&meeting), provider, hostile).unwrap_err())
    });
    let mut decade = series();
    decade.recurrence = Some(belfry_core::Recurrence {
        frequency: belfry_core::Frequency::Weekly,
        weekdays: vec![chrono::Weekday::Mon],
        end: belfry_core::RepeatEnd::Until(belfry_core::limits::series_end_limit(
            decade.start.date(),
        )),
    });
    let invitation = render_invitation(&decade, provider, DEFAULT_TEMPLATE).unwrap();
    let opts = IcsOptions {
        uid: "bench@belfry".into(),
        sequence: 0,
        dtstamp: chrono::Utc.with_ymd_and_hms(2027, 2, 1, 12, 0, 0).unwrap(),
        method: Some(Method::Request),
        reminder_minutes: Some(10),
        cancelled: false,
    };
    c.bench_function("ics, weekly for 10 years (the longest series)", |b| {
        b.iter(|| render_ics(black_box(&decade), &invitation, provider, &opts).unwrap())
    });
}

criterion_group!(benches, bench, limits);
criterion_main!(benches);
