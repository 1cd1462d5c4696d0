//! Fills a data directory with a large history for the benchmarks (`bench/startup.py` opens
//! the window on it): `fill-history DIR [MEETINGS] [DELIVERED]`, by default 100,000 meetings
//! of which the newest 1,000 are on a calendar.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a benchmark's helper, run by hand"
)]

#[path = "../benches/common/mod.rs"]
mod common;

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(dir) = args.next() else {
        eprintln!("usage: fill-history DIR [MEETINGS] [DELIVERED]");
        std::process::exit(2);
    };
    let number = |arg: Option<String>, default: usize| {
        arg.map_or(default, |a| a.parse().expect("a number of meetings"))
    };
    let meetings = number(args.next(), 100_000);
    let delivered = number(args.next(), 1_000);
    let store = belfry_store::Store::open(std::path::Path::new(&dir)).unwrap();
    common::fill(&store, meetings, delivered);
    println!("{dir}: {meetings} meetings, {delivered} on a calendar");
}
