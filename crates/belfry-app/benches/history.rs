//! The store's queries as the history grows: the window's History list and its search, a
//! fresh meeting ID's reservation, the tray's next meeting, each with 100,000 meetings (and
//! 1,000 deliveries) beside the same with 100 meetings (and 10), in one run.
//! Results: docs/benchmarks.md. Run: cargo bench -p belfry-app --bench history

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::hint::black_box;
use std::sync::Arc;

use belfry_app::{App, FixedClock};
use belfry_core::entropy::SplitMix64;
use belfry_secrets::{Keyring, SecretStore};
use belfry_store::Store;
use chrono_tz::Tz;
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};

fn app(dir: &std::path::Path, meetings: usize, delivered: usize) -> App {
    let store = Store::open(dir).unwrap();
    common::fill(&store, meetings, delivered);
    let keyring = Keyring::mock();
    App::with_parts(
        store,
        Box::new(move || Ok(Arc::new(keyring.clone()) as Arc<dyn SecretStore>)),
        Arc::new(FixedClock(common::now())),
        Box::new(SplitMix64(7)),
        Tz::Europe__Berlin,
    )
}

/// What a History search is typed as: a title's words, an attendee, a meeting ID in its
/// groups, something no meeting has.
const SEARCHES: &[(&str, &str)] = &[
    ("title", "physics lab"),
    ("attendee", "student4321@example.edu"),
    ("id", "100 018 "),
    ("nothing", "zz top"),
];

fn history(c: &mut Criterion) {
    let mut group = c.benchmark_group("history");
    for (meetings, delivered) in [(100, 10), (100_000, 1_000)] {
        let dir = tempfile::tempdir().unwrap();
        let app = app(dir.path(), meetings, delivered);
        group.bench_function(BenchmarkId::new("list", meetings), |b| {
            b.iter(|| black_box(app.history_view("").unwrap()))
        });
        for (name, query) in SEARCHES {
            // Each keystroke asks again with the text so far: each prefix is measured.
            for end in 1..=query.len() {
                let typed = &query[..end];
                let id = BenchmarkId::new(format!("search-{name}-{end:02}"), meetings);
                group.bench_function(id, |b| {
                    b.iter(|| black_box(app.history_view(typed).unwrap()))
                });
            }
        }
        group.bench_function(BenchmarkId::new("next-meeting", meetings), |b| {
            b.iter(|| black_box(app.next_meeting_line().unwrap()))
        });
        group.bench_function(BenchmarkId::new("reserve-id", meetings), |b| {
            b.iter(|| black_box(app.new_meeting(false, None).unwrap()))
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(std::time::Duration::from_millis(300))
        .measurement_time(std::time::Duration::from_secs(1));
    targets = history
}
criterion_main!(benches);
