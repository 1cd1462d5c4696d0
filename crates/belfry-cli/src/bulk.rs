//! `belfry schedule --from-csv`: one meeting per row.

use std::path::Path;

use belfry_app::{AppError, ErrorCode};
use belfry_core::{MeetingForm, MeetingKind};

/// The columns a bulk file may have, as the command-line options are named.
const COLUMNS: &[&str] = &[
    "title",
    "start",
    "tz",
    "duration",
    "attendees",
    "organizer",
    "on-behalf-of",
    "description",
    "repeat",
    "count",
    "until",
    "on",
    "dial-in",
    "show-zones",
    "moderated",
];

/// Reads a CSV file with a header row into meeting forms. Values are checked when each row is
/// scheduled; here only the file's shape is.
pub fn read_csv(path: &Path) -> Result<Vec<MeetingForm>, AppError> {
    let bad = |m: String| {
        AppError::new(
            ErrorCode::Invalid,
            format!("--from-csv {}: {m}", path.display()),
        )
    };
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(path)
        .map_err(|e| bad(e.to_string()))?;
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
        let record = record.map_err(|e| bad(format!("row {}: {e}", n + 1)))?;
        let get = |name: &str| {
            headers
                .iter()
                .position(|h| h == name)
                .and_then(|i| record.get(i))
                .unwrap_or("")
                .to_owned()
        };
        let list = |name: &str| -> Vec<String> {
            get(name)
                .split([';', ' '])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        };
        let moderated = matches!(
            get("moderated").to_ascii_lowercase().as_str(),
            "yes" | "true" | "1"
        );
        rows.push(MeetingForm {
            kind: if moderated {
                MeetingKind::Moderated
            } else {
                MeetingKind::OneTime
            },
            title: get("title"),
            start: get("start"),
            time_zone: get("tz"),
            duration: get("duration"),
            attendees: list("attendees"),
            organizer: get("organizer"),
            on_behalf_of: get("on-behalf-of"),
            description: get("description"),
            repeat: get("repeat"),
            repeat_count: get("count"),
            repeat_until: get("until"),
            repeat_on: list("on"),
            dial_in: list("dial-in"),
            show_zones: list("show-zones"),
            ..MeetingForm::default()
        });
    }
    if rows.is_empty() {
        return Err(bad("the file has no rows after its header".into()));
    }
    Ok(rows)
}
