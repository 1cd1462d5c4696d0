//! `tests/cases/NAME.json` holds a meeting; `NAME.txt` the invitation text expected for it,
//! `NAME.html` its HTML,
//! `NAME.ics` the calendar object (content lines unfolded; DESCRIPTION and X-ALT-DESC are
//! checked against the invitation instead of being written out twice).

use std::path::PathBuf;

use belfry_core::{
    DEFAULT_TEMPLATE, IcsOptions, MeetingForm, Method, Provider, render_ics, render_invitation,
};
use chrono::{TimeZone, Utc};
use serde::Deserialize;

use crate::{meeting, provider_of, unescape};

#[derive(Deserialize)]
struct Case {
    meeting_id: String,
    form: MeetingForm,
    #[serde(default)]
    template: Option<String>,
    #[serde(default)]
    method: Option<Method>,
    #[serde(default)]
    sequence: u32,
}

fn cases_dir() -> PathBuf {
    PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("tests run under cargo"))
        .join("tests/cases")
}

fn cases() -> Vec<(String, Case)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(cases_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            let case: Case = serde_json::from_str(&std::fs::read_to_string(&path).unwrap())
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            out.push((name, case));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(out.len() >= 5, "the case files are missing");
    out
}

/// Unfolds content lines (RFC 5545 §3.1) after checking the CRLF framing.
fn unfold(ics: &str) -> Vec<String> {
    assert!(ics.ends_with("\r\n"), "a calendar object ends with CRLF");
    assert!(
        !ics.replace("\r\n", "").contains(['\r', '\n']),
        "bare CR or LF"
    );
    ics.trim_end_matches("\r\n")
        .replace("\r\n ", "")
        .split("\r\n")
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_case_matches_its_expected_output() {
    let mut checked = 0;
    for (name, case) in cases() {
        let m = meeting(&case.form, &case.meeting_id);
        let provider = provider_of(&case.form);
        let template = case
            .template
            .as_deref()
            .unwrap_or(provider.default_template());
        let invitation = render_invitation(&m, &provider, template).unwrap();

        let txt = cases_dir().join(format!("{name}.txt"));
        if txt.exists() {
            let want = std::fs::read_to_string(&txt).unwrap();
            assert_eq!(invitation.text, want, "case {name}: invitation text");
            checked += 1;
        }

        let html = cases_dir().join(format!("{name}.html"));
        if html.exists() {
            let want = std::fs::read_to_string(&html).unwrap();
            assert_eq!(invitation.html, want, "case {name}: invitation HTML");
            checked += 1;
        }

        let ics_path = cases_dir().join(format!("{name}.ics"));
        if ics_path.exists() {
            let opts = IcsOptions {
                uid: "case@belfry".into(),
                sequence: case.sequence,
                dtstamp: Utc.with_ymd_and_hms(2027, 2, 1, 12, 0, 0).unwrap(),
                method: Some(case.method.unwrap_or(Method::Request)),
                reminder_minutes: Some(10),
                cancelled: false,
            };
            let ics = render_ics(&m, &invitation, &provider, &opts).unwrap();
            let lines = unfold(&ics);
            let description = |prop: &str| {
                let prefix = format!("{prop}:");
                let found: Vec<&String> = lines.iter().filter(|l| l.starts_with(&prefix)).collect();
                found.first().map(|l| unescape(&l[prefix.len()..]))
            };
            assert_eq!(
                description("DESCRIPTION").as_deref(),
                Some(invitation.text.as_str()),
                "case {name}"
            );
            assert_eq!(
                description("X-ALT-DESC;FMTTYPE=text/html").as_deref(),
                Some(invitation.html.as_str()),
                "case {name}"
            );
            // The event's own DESCRIPTION is the first one; the reminder's stays in.
            let event_description = lines.iter().position(|l| l.starts_with("DESCRIPTION:"));
            let got: Vec<&String> = lines
                .iter()
                .enumerate()
                .filter(|(i, l)| Some(*i) != event_description && !l.starts_with("X-ALT-DESC"))
                .map(|(_, l)| l)
                .collect();
            let want = std::fs::read_to_string(&ics_path).unwrap();
            let want: Vec<&str> = want.lines().collect();
            assert_eq!(got, want, "case {name}: calendar object");
            checked += 1;
        }
    }
    assert!(checked >= 5, "only {checked} expectations were checked");
}

#[test]
fn the_passcode_is_never_an_input_to_what_attendees_get() {
    // Structural: render_invitation and render_ics take no passcode, so a moderated meeting's
    // outputs cannot contain one. Check that the moderated case says a moderator is needed.
    let (_, case) = cases()
        .into_iter()
        .find(|(n, _)| n == "delegate-moderated-past-midnight")
        .unwrap();
    let m = meeting(&case.form, &case.meeting_id);
    let inv = render_invitation(&m, Provider::chime(), DEFAULT_TEMPLATE).unwrap();
    assert!(inv.text.contains("starts when a moderator joins"));
    assert!(!inv.text.to_lowercase().contains("passcode"));
}
