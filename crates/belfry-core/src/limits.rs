//! Belfry's limits, stated once. Every entry point (command-line flags, CSV cells, window
//! fields, stored records read back) is checked against these before any work is done, and
//! a refusal names the field. Server answers are capped by `belfry_http::MAX_RESPONSE_BYTES`
//! (the adapters' side of the same rule).

use chrono::{Datelike, NaiveDate};

/// The earliest year a meeting (or the end of a series) may fall in.
pub const EARLIEST_YEAR: i32 = 1970;
/// The latest year a meeting (or the end of a series) may fall in.
pub const LATEST_YEAR: i32 = 2200;
/// How long a series may run: its end date at most this many years after its first meeting.
/// A series without an end is written out (time zone rules) for the same span.
pub const MAX_SERIES_YEARS: i32 = 10;
/// The most meetings a counted series may have.
pub const MAX_OCCURRENCES: u32 = 730;
/// The longest meeting, in minutes.
pub const MAX_DURATION_MINUTES: u32 = 24 * 60;

/// The longest title, in characters.
pub const MAX_TITLE_CHARS: usize = 255;
/// The longest description, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 8_000;
/// The most addresses a Chime invitation may list (the service's limit).
pub const MAX_ADDRESSES: usize = 300;
/// The most extra zones shown.
pub const MAX_SHOW_ZONES: usize = 8;
/// The most bytes any one field may hold as typed, before it is read at all.
pub const MAX_FIELD_BYTES: usize = 100 * 1024;
/// The most entries a list field (attendees, weekdays, dial-in, zones) may hold as typed.
pub const MAX_LIST_ENTRIES: usize = 1_000;

/// The longest invitation template, in bytes.
pub const MAX_TEMPLATE_BYTES: usize = 64 * 1024;
/// The longest invitation a template may produce, and the largest value it may build.
pub const MAX_INVITATION_BYTES: usize = 64 * 1024;
/// The most steps a template may take while rendering one invitation.
pub const TEMPLATE_FUEL: u64 = 50_000;
/// The most bytes a template's filters may read and make while rendering one invitation.
pub const TEMPLATE_WORK_BYTES: usize = 1024 * 1024;

/// The longest `belfry://` link the window reads.
pub const MAX_LINK_BYTES: usize = 16 * 1024;

/// The largest CSV file the bulk scheduler reads.
pub const MAX_CSV_BYTES: usize = 4 * 1024 * 1024;
/// The most meetings one CSV file may hold.
pub const MAX_CSV_ROWS: usize = 2_000;

/// The most bytes of what the user typed that an error message repeats.
pub const MAX_ECHO_BYTES: usize = 80;

/// The first day a meeting may fall on.
pub fn earliest_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(EARLIEST_YEAR, 1, 1).unwrap_or(NaiveDate::MIN)
}

/// The last day a meeting may fall on.
pub fn latest_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(LATEST_YEAR, 12, 31).unwrap_or(NaiveDate::MAX)
}

/// Whether `d` lies within [`EARLIEST_YEAR`] and [`LATEST_YEAR`].
pub fn date_in_range(d: NaiveDate) -> bool {
    (EARLIEST_YEAR..=LATEST_YEAR).contains(&d.year())
}

/// The words for a date out of range.
pub fn date_range_message(what: &str) -> String {
    format!("{what} must fall between {EARLIEST_YEAR} and {LATEST_YEAR}")
}

/// The last day a series starting on `start` may run to.
pub fn series_end_limit(start: NaiveDate) -> NaiveDate {
    start
        .with_year(start.year().saturating_add(MAX_SERIES_YEARS))
        .or_else(|| {
            // 29 February: the same span ends on 28 February.
            start
                .pred_opt()
                .and_then(|d| d.with_year(d.year().saturating_add(MAX_SERIES_YEARS)))
        })
        .unwrap_or(start)
}

/// `text` cut to at most `max` bytes on a character boundary, with `…` when cut. For echoing
/// untrusted input in an error message.
pub fn excerpt(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_series_runs_ten_years_at_most() {
        assert_eq!(series_end_limit(date("2027-03-01")), date("2037-03-01"));
        assert_eq!(series_end_limit(date("2028-02-29")), date("2038-02-28"));
    }

    #[test]
    fn dates_are_bounded_on_both_sides() {
        assert!(date_in_range(date("1970-01-01")));
        assert!(date_in_range(date("2200-12-31")));
        assert!(!date_in_range(date("1969-12-31")));
        assert!(!date_in_range(date("2201-01-01")));
    }

    #[test]
    fn excerpts_never_split_a_character() {
        assert_eq!(excerpt("short", 10), "short");
        assert_eq!(excerpt("ééé", 3), "é…");
        assert_eq!(excerpt(&"x".repeat(1000), 4), "xxxx…");
    }
}
