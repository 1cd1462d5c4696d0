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

criterion_group!(benches, bench);
criterion_main!(benches);
