//! Bulk runs (`belfry schedule --from-csv`, the window's Bulk page): one meeting per CSV row.

use belfry_core::limits::{MAX_CSV_BYTES, MAX_CSV_ROWS};
use belfry_core::{Field, MeetingForm, MeetingKind};
use serde::Serialize;

use crate::{App, AppError, DeliveryStatus, ErrorCode, ScheduleOutcome};

/// The fields a bulk file may give, in the order its columns are listed.
const COLUMN_FIELDS: [Field; 16] = [
    Field::Provider,
    Field::Title,
    Field::Start,
    Field::TimeZone,
    Field::Duration,
    Field::Attendees,
    Field::Organizer,
    Field::OnBehalfOf,
    Field::Description,
    Field::Repeat,
    Field::RepeatCount,
    Field::RepeatUntil,
    Field::RepeatOn,
    Field::DialIn,
    Field::ShowZones,
    Field::Kind,
];

/// The columns a bulk file may have, as the command-line options are named ([`column_name`]).
pub const COLUMNS: [&str; 16] = {
    let mut names = [""; 16];
    let mut i = 0;
    while i < COLUMN_FIELDS.len() {
        names[i] = column_name(COLUMN_FIELDS[i]);
        i += 1;
    }
    names
};

/// Reads CSV text with a header row into meeting forms; `source` names it in errors (the
/// option and file, or the page's field). Values are checked when each row is scheduled; here
/// only the text's shape is.
pub fn parse_csv(text: &str, source: &str) -> Result<Vec<MeetingForm>, AppError> {
    let bad = |m: String| AppError::new(ErrorCode::Invalid, format!("{source}: {m}"));
    if text.len() > MAX_CSV_BYTES {
        return Err(bad(format!(
            "more than the {} MiB Belfry reads; split the file",
            MAX_CSV_BYTES / (1024 * 1024)
        )));
    }
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| bad(e.to_string()))?
        .iter()
        .map(|h| h.to_ascii_lowercase().replace('_', "-"))
        .collect();
    if let Some(unknown) = headers.iter().find(|h| !COLUMNS.contains(&h.as_str())) {
        return Err(bad(format!(
            "unknown column {unknown:?}; columns are {}",
            COLUMNS.join(", ")
        )));
    }
    let mut rows = Vec::new();
    for (n, record) in reader.records().enumerate() {
        if n == MAX_CSV_ROWS {
            return Err(bad(format!(
                "more than {MAX_CSV_ROWS} rows; split the file"
            )));
        }
        let record = record.map_err(|e| bad(format!("row {}: {e}", n + 1)))?;
        let get = |field: Field| {
            let name = column_name(field);
            headers
                .iter()
                .position(|h| h == name)
                .and_then(|i| record.get(i))
                .unwrap_or("")
                .to_owned()
        };
        let list = |field: Field| -> Vec<String> {
            get(field)
                .split([';', ' '])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        };
        rows.push(form_from_columns(&get, &list, get(Field::Kind).as_str()));
    }
    if rows.is_empty() {
        return Err(bad("there are no rows after the header".into()));
    }
    Ok(rows)
}

/// A form from the values of its columns (`get`, and `list` for the list fields), with the
/// `moderated` column's value: what a CSV row and a `belfry://` link both carry.
pub(crate) fn form_from_columns(
    get: &dyn Fn(Field) -> String,
    list: &dyn Fn(Field) -> Vec<String>,
    moderated: &str,
) -> MeetingForm {
    let moderated = matches!(
        moderated.trim().to_ascii_lowercase().as_str(),
        "yes" | "true" | "1"
    );
    MeetingForm {
        kind: if moderated {
            MeetingKind::Moderated
        } else {
            MeetingKind::OneTime
        },
        provider: get(Field::Provider),
        title: get(Field::Title),
        start: get(Field::Start),
        time_zone: get(Field::TimeZone),
        duration: get(Field::Duration),
        attendees: list(Field::Attendees),
        organizer: get(Field::Organizer),
        on_behalf_of: get(Field::OnBehalfOf),
        description: get(Field::Description),
        repeat: get(Field::Repeat),
        repeat_count: get(Field::RepeatCount),
        repeat_until: get(Field::RepeatUntil),
        repeat_on: list(Field::RepeatOn),
        dial_in: list(Field::DialIn),
        show_zones: list(Field::ShowZones),
        ..MeetingForm::default()
    }
}

/// How far a bulk run is, sent to the window as each row finishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BulkProgress {
    /// Rows finished so far.
    pub done: u32,
    /// Rows in the file.
    pub total: u32,
}

impl App {
    /// One meeting per row of the CSV `text` (its errors name `source`) on `account`'s
    /// default calendar, or `calendar`; `progress` is told as each row finishes. The window's
    /// Bulk page.
    pub fn schedule_csv(
        &self,
        text: &str,
        source: &str,
        account: &str,
        calendar: Option<&str>,
        progress: &(dyn Fn(BulkProgress) + Sync),
    ) -> Result<Vec<BulkRow>, AppError> {
        let rows = parse_csv(text, source)?;
        let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        let told = |done: usize, total: usize| {
            progress(BulkProgress {
                done: count(done),
                total: count(total),
            });
        };
        let results = self.schedule_many(&rows, account, calendar, &told);
        Ok(bulk_rows(&rows, &results))
    }
}

/// One row's result, for the window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BulkRow {
    /// 1 for the first row after the header.
    pub row: u32,
    /// The row's title.
    pub title: String,
    /// Grouped meeting ID, empty when the row failed before it got one.
    pub meeting_id: String,
    /// How its delivery stands; none for a row refused before it reached the calendar (the
    /// message says why).
    pub status: Option<DeliveryStatus>,
    /// What happened to it, in words.
    pub message: String,
}

/// Rows and their results side by side, in the rows' order.
pub fn bulk_rows(
    rows: &[MeetingForm],
    results: &[Result<ScheduleOutcome, AppError>],
) -> Vec<BulkRow> {
    rows.iter()
        .zip(results)
        .enumerate()
        .map(|(i, (form, result))| {
            let row = u32::try_from(i + 1).unwrap_or(u32::MAX);
            match result {
                Ok(done) => {
                    let d = done.deliveries.first();
                    BulkRow {
                        row,
                        title: form.title.clone(),
                        meeting_id: done.display.clone(),
                        status: d.map(|d| d.status),
                        message: d.map(|d| d.message.clone()).unwrap_or_default(),
                    }
                }
                Err(e) => BulkRow {
                    row,
                    title: form.title.clone(),
                    meeting_id: String::new(),
                    status: None,
                    message: describe_row_error(e),
                },
            }
        })
        .collect()
}

/// A row's error naming the columns at fault: `start: write the start as …`.
pub fn describe_row_error(e: &AppError) -> String {
    if e.fields.is_empty() {
        return e.message.clone();
    }
    e.fields
        .iter()
        .map(|f| format!("{}: {}", column_name(f.field), f.message))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The CSV column of a form field: each column's one declaration.
pub(crate) const fn column_name(field: Field) -> &'static str {
    match field {
        Field::Provider => "provider",
        Field::Kind | Field::Passcode => "moderated",
        Field::MeetingId => "meeting ID",
        Field::Title => "title",
        Field::Start => "start",
        Field::TimeZone => "tz",
        Field::Duration => "duration",
        Field::Repeat => "repeat",
        Field::RepeatCount => "count",
        Field::RepeatUntil => "until",
        Field::RepeatOn => "on",
        Field::Attendees => "attendees",
        Field::Organizer => "organizer",
        Field::OnBehalfOf => "on-behalf-of",
        Field::Description => "description",
        Field::DialIn => "dial-in",
        Field::ShowZones => "show-zones",
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// CSV-ish text: known and unknown headers, quotes, separators, line ends, any character.
    fn csv_text() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            Just("title,start,tz\n".to_owned()),
            Just("Title,Start,Attendees,Moderated,On\n".to_owned()),
            Just(",".to_owned()),
            Just("\"".to_owned()),
            Just("\"\"".to_owned()),
            Just("\n".to_owned()),
            Just("\r\n".to_owned()),
            Just(";".to_owned()),
            Just("2027-03-01T10:00".to_owned()),
            Just("a@example.com;b@example.com".to_owned()),
            "\\PC{0,12}",
            any::<char>().prop_map(String::from),
        ];
        prop::collection::vec(piece, 0..80).prop_map(|v| v.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

        #[test]
        fn any_text_is_rows_or_an_error_naming_its_source(text in csv_text()) {
            match parse_csv(&text, "--from-csv f.csv") {
                // Whatever it read is a list of forms for `schedule_many` to check.
                Ok(rows) => prop_assert!(!rows.is_empty()),
                Err(e) => {
                    prop_assert_eq!(e.code, ErrorCode::Invalid);
                    prop_assert!(e.message.starts_with("--from-csv f.csv: "), "{}", e.message);
                }
            }
        }
    }

    #[test]
    fn rows_are_read_by_column_name_and_errors_name_the_column() {
        let rows = parse_csv(
            "Title,Start,TZ,Attendees,Moderated\nLab 1,2027-04-05T09:00,Europe/Berlin,a@example.com;b@example.com,yes\n",
            "the rows",
        )
        .unwrap();
        assert_eq!(rows[0].title, "Lab 1");
        assert_eq!(rows[0].time_zone, "Europe/Berlin");
        assert_eq!(rows[0].attendees, ["a@example.com", "b@example.com"]);
        assert_eq!(rows[0].kind, MeetingKind::Moderated);
        let err = parse_csv("title,when\nx,y\n", "the rows").unwrap_err();
        assert!(
            err.message.starts_with("the rows: unknown column \"when\""),
            "{}",
            err.message
        );
        assert!(parse_csv("title,start\n", "the rows").is_err());
        let e = AppError::field(Field::TimeZone, "\"Mars/Base\" is not a time zone");
        assert_eq!(
            describe_row_error(&e),
            "tz: \"Mars/Base\" is not a time zone"
        );
    }
}
