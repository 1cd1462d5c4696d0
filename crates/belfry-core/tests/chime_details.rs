//! Moving events off Amazon Chime: a corpus of real invitation layouts in
//! `tests/chime-layouts/` (each input with hand-written expected outputs after "remove the
//! Chime details only" and after a replacement), Belfry's own invitation rendered from the
//! Chime profile, negative cases, idempotence, and property tests.

#![allow(
    clippy::disallowed_methods,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use std::path::PathBuf;

use belfry_core::calendar::EventEdit;
use belfry_core::chime_details::{Detail, OffChime, Replacement, find, is_chime_address};
use belfry_core::{
    DEFAULT_TEMPLATE, Defaults, Invitation, MeetingForm, Provider, render_invitation,
};
use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Tz;
use proptest::prelude::*;

const JITSI_LINK: &str = "https://meet.jit.si/BelfryQuarterlyK3v7Qxw2";

fn jitsi() -> Replacement {
    Replacement {
        text: format!("Join the Jitsi Meet meeting:\n{JITSI_LINK}\n"),
        html: format!(
            "<p>Join the Jitsi Meet meeting:<br>\n<a href=\"{JITSI_LINK}\">{JITSI_LINK}</a></p>"
        ),
        location: JITSI_LINK.to_owned(),
    }
}

fn from() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 2, 20, 0, 0, 0).unwrap()
}

fn remove_only() -> OffChime {
    OffChime::new(None, from())
}

fn replacing() -> OffChime {
    OffChime::new(Some(jitsi()), from())
}

fn layout(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/chime-layouts")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Belfry's own Chime invitation, rendered from the Chime profile and its template.
fn belfry_invitation() -> Invitation {
    let form = MeetingForm {
        kind: serde_json::from_str("\"moderated\"").unwrap(),
        title: "Quarterly planning".into(),
        start: "2027-04-06T14:00".into(),
        time_zone: "America/New_York".into(),
        duration: "1h".into(),
        attendees: vec!["ana@example.com".into()],
        description: "Please read the budget draft before we meet.".into(),
        ..MeetingForm::default()
    };
    let defaults = Defaults {
        time_zone: Tz::America__New_York,
        dial_in: vec!["US".into()],
        organizer: None,
    };
    let provider = Provider::chime();
    let id = provider.parse_id("6064724824").unwrap();
    let meeting = form
        .validate(id, &defaults, provider)
        .unwrap_or_else(|e| panic!("form refused: {e:?}"));
    render_invitation(&meeting, provider, DEFAULT_TEMPLATE).unwrap()
}

#[derive(Clone, Copy)]
enum Part {
    Text,
    Html,
}

fn apply(edit: &OffChime, part: Part, input: &str) -> Option<String> {
    match part {
        Part::Text => edit.description(input),
        Part::Html => edit.html(input),
    }
}

fn details_of(part: Part, input: &str) -> Vec<Detail> {
    match part {
        Part::Text => find(input, "", "", &[]),
        Part::Html => find("", input, "", &[]),
    }
}

/// `input` becomes exactly `removed` (remove only) and `replaced` (with the Jitsi
/// replacement), and both outputs are left alone by a second pass.
fn check_layout(name: &str, part: Part, input: &str, removed: &str, replaced: &str) {
    assert!(
        !details_of(part, input).is_empty(),
        "{name}: no Chime details found"
    );
    for (edit, expected, what) in [
        (remove_only(), removed, "removed"),
        (replacing(), replaced, "replaced"),
    ] {
        let out = apply(&edit, part, input).unwrap_or_else(|| panic!("{name}: nothing {what}"));
        assert_eq!(out, expected, "{name} ({what})");
        assert_eq!(
            apply(&edit, part, &out),
            None,
            "{name} ({what}): not idempotent"
        );
        assert_eq!(
            apply(&remove_only(), part, &out),
            None,
            "{name} ({what}): Chime details left"
        );
        assert!(
            details_of(part, &out).is_empty(),
            "{name} ({what}): {:?}",
            details_of(part, &out)
        );
    }
}

fn labels(details: &[Detail]) -> String {
    details.iter().map(|d| d.label() + "\n").collect()
}

#[test]
fn the_chime_app_text_layouts() {
    for name in ["chime-app", "chime-app-twice", "chime-app-older"] {
        check_layout(
            name,
            Part::Text,
            &layout(&format!("{name}.txt")),
            &layout(&format!("{name}.removed.txt")),
            &layout(&format!("{name}.replaced.txt")),
        );
    }
}

#[test]
fn the_details_are_listed_once_each_in_order() {
    for name in ["chime-app", "chime-app-older"] {
        let found = find(&layout(&format!("{name}.txt")), "", "", &[]);
        assert_eq!(
            labels(&found),
            layout(&format!("{name}.details.txt")),
            "{name}"
        );
    }
}

#[test]
fn windows_line_endings_are_kept() {
    let crlf = |s: String| s.replace('\n', "\r\n");
    check_layout(
        "chime-app (CRLF)",
        Part::Text,
        &crlf(layout("chime-app.txt")),
        &crlf(layout("chime-app.removed.txt")),
        &crlf(layout("chime-app.replaced.txt")),
    );
}

#[test]
fn a_text_without_a_final_newline() {
    let input = layout("chime-app.txt");
    let cut = input.find("\n\nAgenda:").unwrap();
    let input = &input[..cut];
    let removed = "Hi all, the notes from last week are in the shared folder.\n\
                   Please read them before we meet.";
    let replaced = format!("{removed}\n\nJoin the Jitsi Meet meeting:\n{JITSI_LINK}");
    check_layout(
        "chime-app (no final newline)",
        Part::Text,
        input,
        removed,
        &replaced,
    );
}

#[test]
fn the_outlook_add_in_html_layouts() {
    for name in ["outlook", "outlook-word"] {
        check_layout(
            name,
            Part::Html,
            &layout(&format!("{name}.html")),
            &layout(&format!("{name}.removed.html")),
            &layout(&format!("{name}.replaced.html")),
        );
    }
}

/// HTML shapes other mail and calendar clients write, with their expected outputs.
#[test]
fn other_html_shapes() {
    let r = jitsi().html;
    let link = "<a href=\"https://chime.aws/6064724824\">https://chime.aws/6064724824</a>";
    let cases = [
        // Google Calendar: lines apart by <br>, no paragraphs.
        (
            format!("Hi team<br><br>Click to join the meeting: {link}<br>Meeting ID: 6064 72 4824<br><br>Agenda<br>1. Budget"),
            "Hi team<br><br>Agenda<br>1. Budget".to_owned(),
            format!("Hi team<br><br>{r}<br>Agenda<br>1. Budget"),
        ),
        // Gmail: a <div> per line, <div><br></div> for a blank line.
        (
            format!("<div>Hi</div><div><br></div><div>Click to join: {link}</div><div>Meeting ID: 6064 72 4824</div><div><br></div><div>Agenda</div>"),
            "<div>Hi</div><div><br></div><div>Agenda</div>".to_owned(),
            format!("<div>Hi</div><div><br></div>{r}<div><br></div><div>Agenda</div>"),
        ),
        // The user's note in the same paragraph: the replacement's block markup goes after
        // the paragraph, never inside it.
        (
            format!("<p>Hi team,<br>\nClick to join: {link}<br>\nMeeting ID: 6064 72 4824</p>\n<p>Agenda</p>"),
            "<p>Hi team,<br></p>\n<p>Agenda</p>".to_owned(),
            format!("<p>Hi team,<br></p>{r}\n<p>Agenda</p>"),
        ),
        // A table: a row reads as one line.
        (
            "<table><tr><td>Meeting ID</td><td>6064 72 4824</td></tr><tr><td>Join</td><td><a href=\"https://chime.aws/6064724824\">here</a></td></tr></table><p>Agenda</p>".to_owned(),
            "<p>Agenda</p>".to_owned(),
            format!("{r}<p>Agenda</p>"),
        ),
        // Text in the HTML field, without markup: read as lines.
        (
            "Note\n\nClick to join: https://chime.aws/6064724824\nMeeting ID: 6064 72 4824\n\nAgenda\n".to_owned(),
            "Note\n\nAgenda\n".to_owned(),
            format!("Note\n\n{r}\n\nAgenda\n"),
        ),
    ];
    for (input, removed, replaced) in cases {
        check_layout(&input, Part::Html, &input, &removed, &replaced);
    }
}

#[test]
fn belfrys_own_invitation_text_html_location_and_attendees() {
    let inv = belfry_invitation();
    // The rendered invitation is the template's Chime layout.
    assert!(
        inv.text
            .contains("Join the Amazon Chime meeting:\nhttps://chime.aws/6064724824\n"),
        "{}",
        inv.text
    );
    check_layout(
        "belfry (text)",
        Part::Text,
        &inv.text,
        &layout("belfry.removed.txt"),
        &layout("belfry.replaced.txt"),
    );
    check_layout(
        "belfry (html)",
        Part::Html,
        &inv.html,
        &layout("belfry.removed.html"),
        &layout("belfry.replaced.html"),
    );

    assert_eq!(inv.location, "+12064625569,,6064724824#");
    assert_eq!(remove_only().location(&inv.location).as_deref(), Some(""));
    assert_eq!(
        replacing().location(&inv.location).as_deref(),
        Some(JITSI_LINK)
    );
    assert_eq!(replacing().location(JITSI_LINK), None);

    let attendees: Vec<String> = inv.attendees.iter().map(|a| a.to_string()).collect();
    let dropped: Vec<&str> = attendees
        .iter()
        .filter(|a| replacing().drops_attendee(a))
        .map(String::as_str)
        .collect();
    assert_eq!(dropped, ["meet@chime.aws", "pin+6064724824@chime.aws"]);

    let found = find(&inv.text, &inv.html, &inv.location, &attendees);
    assert_eq!(
        labels(&found),
        "scheduling address meet@chime.aws\n\
         meeting address pin+6064724824@chime.aws\n\
         join link https://chime.aws/6064724824\n\
         meeting ID 6064 72 4824\n\
         dial-in number +1 855-552-4463\n\
         dial-in number +1 206-462-5569\n\
         dial-in number +1 929-432-4463\n\
         one-click dial string +12064625569,,6064724824#\n\
         room-system address 6064724824@meet.chime.in\n\
         H.323 address 13.248.147.139\n\
         H.323 address 76.223.18.152\n\
         Chime link https://chime.aws/dialinnumbers/\n"
    );
}

#[test]
fn locations() {
    let cases = [
        (
            "Room 204; +12064625569,,6064724824#",
            "Room 204",
            format!("Room 204; {JITSI_LINK}"),
        ),
        ("+12064625569,,6064724824#", "", JITSI_LINK.to_owned()),
        ("https://chime.aws/6064724824", "", JITSI_LINK.to_owned()),
        (
            "Amazon Chime: https://chime.aws/6064724824",
            "",
            JITSI_LINK.to_owned(),
        ),
        (
            "Amazon Chime; Room 204; +1 206-462-5569,,6064724824#",
            "Room 204",
            format!("Room 204; {JITSI_LINK}"),
        ),
        (
            "Conference room B (https://chime.aws/6064724824)",
            "Conference room B",
            format!("Conference room B ({JITSI_LINK})"),
        ),
        (
            "Room 204, Building 5 | https://chime.aws/6064724824",
            "Room 204, Building 5",
            format!("Room 204, Building 5 | {JITSI_LINK}"),
        ),
        (
            "https://chime.aws/6064724824; Room 204",
            "Room 204",
            format!("{JITSI_LINK}; Room 204"),
        ),
        ("6064724824@meet.chime.in", "", JITSI_LINK.to_owned()),
        (
            "+1 206-462-5569,,6064724824# / https://chime.aws/6064724824",
            "",
            JITSI_LINK.to_owned(),
        ),
    ];
    for (input, removed, replaced) in cases {
        assert!(!find("", "", input, &[]).is_empty(), "{input}");
        let out = remove_only().location(input);
        assert_eq!(out.as_deref(), Some(removed), "{input} (removed)");
        let again = replacing().location(input);
        assert_eq!(
            again.as_deref(),
            Some(replaced.as_str()),
            "{input} (replaced)"
        );
        for out in [removed, replaced.as_str()] {
            assert_eq!(remove_only().location(out), None, "{out}");
            assert_eq!(replacing().location(out), None, "{out}");
        }
    }
    for kept in [
        "Room 204",
        "Amazon Chime",
        "",
        "Building 5, +1 206 555 0199",
    ] {
        assert_eq!(remove_only().location(kept), None, "{kept}");
        assert_eq!(replacing().location(kept), None, "{kept}");
    }
}

#[test]
fn chime_addresses() {
    for yes in [
        "meet@chime.aws",
        "MEET@Chime.AWS",
        "mailto:meet@chime.aws",
        "MAILTO:pin+6064724824@chime.aws",
        " pin+6064724824@CHIME.aws ",
        "<meet@chime.aws>",
    ] {
        assert!(is_chime_address(yes), "{yes}");
        assert!(remove_only().drops_attendee(yes), "{yes}");
    }
    for no in [
        "ana@chime.aws",
        "meet@chimeaws.com",
        "meet@chime.aws.example.com",
        "pin+@chime.aws",
        "pin+60647x@chime.aws",
        "xmeet@chime.aws",
        "ana@example.com",
        "",
    ] {
        assert!(!is_chime_address(no), "{no}");
        assert!(!remove_only().drops_attendee(no), "{no}");
    }
    assert_eq!(
        find(
            "",
            "",
            "",
            &["mailto:MEET@chime.aws".into(), "meet@chime.aws".into()]
        ),
        [Detail::SchedulingAddress]
    );
}

/// Events with no Chime details: nothing is found and nothing changes.
#[test]
fn negative_cases() {
    let zoom = layout("zoom.txt");
    let zoom_html = belfry_core::invitation::text_to_html(&zoom);
    let texts = [
        zoom.as_str(),
        zoom_html.as_str(),
        "Call me on 206 555 0199, order number 6064724824.",
        "Order 6064 72 4824 has shipped",
        "Ticket 6064724824\nMeeting notes: none",
        "Write to meet@chimeaws.com or ana@chime.aws",
        "See https://chime.aws.example.com/6064724824 and chime.aws.example.com",
        "https://example.com/chime.aws/6064724824",
        "We used Amazon Chime until it was retired.\nAmazon Chime",
        "Meeting ID: 60647248 (too short)",
        "Meeting identifier 6064724824",
        "+44 20 7946 0958,,6064724824#",
        "<p>Meeting</p><p>ID: 6064724824</p>",
        "",
    ];
    for text in texts {
        assert_eq!(find(text, text, text, &[text.to_owned()]), [], "{text}");
        for edit in [remove_only(), replacing()] {
            assert_eq!(edit.description(text), None, "{text}");
            assert_eq!(edit.html(text), None, "{text}");
            assert_eq!(edit.location(text), None, "{text}");
            assert!(!edit.drops_attendee(text), "{text}");
        }
    }
}

#[test]
fn a_dial_string_on_another_number_counts_with_its_meeting_id() {
    let text = "Meeting ID: 6064 72 4824\nUK one-click: +44 20 7946 0958,,6064724824#\n";
    let found = find(text, "", "", &[]);
    assert!(
        found.contains(&Detail::DialString("+44 20 7946 0958,,6064724824#".into())),
        "{found:?}"
    );
    assert_eq!(remove_only().description(text).as_deref(), Some(""));
    // Alone, it could be anyone's (Zoom uses the same shape).
    assert_eq!(find("+44 20 7946 0958,,6064724824#", "", "", &[]), []);
}

#[test]
fn from_is_the_time_given() {
    assert_eq!(remove_only().from(), from());
    let later = Utc.with_ymd_and_hms(2026, 3, 1, 9, 30, 0).unwrap();
    assert_eq!(OffChime::new(Some(jitsi()), later).from(), later);
}

#[test]
fn a_replacement_holding_chime_details_is_cleaned_first() {
    let bad = Replacement {
        text: "Join: https://meet.jit.si/x\nOld: https://chime.aws/6064724824\n".into(),
        html: "<p>Join: https://meet.jit.si/x</p><p>Meeting ID: 6064 72 4824</p>".into(),
        location: "https://meet.jit.si/x; +12064625569,,6064724824#".into(),
    };
    let edit = OffChime::new(Some(bad), from());
    let used = edit.replacement().unwrap();
    assert_eq!(used.text, "Join: https://meet.jit.si/x\n");
    assert_eq!(used.html, "<p>Join: https://meet.jit.si/x</p>");
    assert_eq!(used.location, "https://meet.jit.si/x");
    let input = layout("chime-app.txt");
    let out = edit.description(&input).unwrap();
    assert_eq!(edit.description(&out), None);
}

#[test]
fn labels_are_short_english() {
    let cases = [
        (
            Detail::SchedulingAddress,
            "scheduling address meet@chime.aws",
        ),
        (
            Detail::PinAddress("6064724824".into()),
            "meeting address pin+6064724824@chime.aws",
        ),
        (
            Detail::JoinLink("https://chime.aws/6064724824".into()),
            "join link https://chime.aws/6064724824",
        ),
        (
            Detail::MeetingId("6064724824".into()),
            "meeting ID 6064 72 4824",
        ),
        (
            Detail::DialIn("+1 206-462-5569".into()),
            "dial-in number +1 206-462-5569",
        ),
        (
            Detail::DialString("+12064625569,,6064724824#".into()),
            "one-click dial string +12064625569,,6064724824#",
        ),
        (
            Detail::RoomSystem("meet.chime.in".into()),
            "room-system address meet.chime.in",
        ),
        (
            Detail::H323("13.248.147.139".into()),
            "H.323 address 13.248.147.139",
        ),
        (
            Detail::Link("https://chime.aws/dialinnumbers/".into()),
            "Chime link https://chime.aws/dialinnumbers/",
        ),
    ];
    for (detail, label) in cases {
        assert_eq!(detail.label(), label);
    }
}

/// Large and pathological inputs finish (linear-ish work) and stay idempotent.
#[test]
fn large_inputs() {
    let block = layout("chime-app.txt");
    let inputs = [
        block.repeat(120),
        "<b>".repeat(40_000),
        "<p><b>".repeat(20_000) + &"</i>".repeat(20_000),
        "<td>".to_owned() + &"<b>".repeat(30_000) + &"<h1></h1>".repeat(10_000),
        "x.chime.aws..".repeat(10_000),
        "a".repeat(100_000) + "@chime.aws",
        "meet@chime.aws".repeat(8_000),
        "+1 ".repeat(40_000),
        "9".repeat(120_000),
        "1 206 462 5569 ".repeat(8_000),
        "Meeting ID ".repeat(10_000),
        "&#".repeat(60_000),
        "<a href=\"".repeat(20_000),
        "<!--".repeat(30_000),
        "<script>".repeat(15_000),
        format!(
            "<div>{}</div>",
            "<p>Meeting ID: 6064 72 4824</p>\n".repeat(4_000)
        ),
        ",,6064724824#".repeat(8_000),
        "https://chime.aws/".repeat(6_000),
    ];
    for input in &inputs {
        assert!(input.len() >= 100_000, "{}", input.len());
        let _ = find(input, input, input, std::slice::from_ref(input));
        for edit in [remove_only(), replacing()] {
            if let Some(out) = edit.description(input) {
                assert_eq!(edit.description(&out), None);
            }
            if let Some(out) = edit.html(input) {
                assert_eq!(edit.html(&out), None);
            }
            if let Some(out) = edit.location(input) {
                assert_eq!(edit.location(&out), None);
            }
        }
    }
}

/// Lines of a user's own text: words, never a Chime line.
fn own_lines() -> impl Strategy<Value = Vec<String>> {
    proptest::collection::vec("[A-Za-zéü漢][A-Za-z ,.!?'éü漢]{0,40}", 1..4).prop_filter(
        "no Chime line",
        |lines| {
            lines
                .iter()
                .all(|l| !l.to_ascii_lowercase().contains("chime"))
        },
    )
}

fn blocks() -> impl Strategy<Value = (String, String)> {
    let app = layout("chime-app.txt");
    let start = app.find("Amazon Chime").unwrap();
    let end = app.find("\n\nAgenda:").unwrap();
    let app_block = app[start..end].to_owned();
    let inv = belfry_invitation();
    let text_block = inv.text[inv.text.find("Join the").unwrap()..]
        .trim_end()
        .to_owned();
    let html = &inv.html;
    let html_block =
        html[html.find("<p>Join the").unwrap()..html.rfind("</p>").unwrap() + 4].to_owned();
    let outlook = layout("outlook.html");
    let o_start = outlook.find("<div style").unwrap();
    let o_end = outlook[o_start..].find("</div>").unwrap() + o_start + 6;
    let outlook_block = outlook[o_start..o_end].to_owned();
    prop_oneof![
        Just((app_block, outlook_block.clone())),
        Just((text_block, html_block)),
        Just((
            "Click to join: https://chime.aws/6064724824\nMeeting ID: 6064724824".to_owned(),
            outlook_block
        )),
    ]
}

/// Text a user might paste, with Chime fragments made likely.
fn hostile() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        any::<char>().prop_map(String::from),
        Just("\n".to_owned()),
        Just("\r\n".to_owned()),
        Just(" ".to_owned()),
        Just("meet@chime.aws".to_owned()),
        Just("pin+6064724824@chime.aws".to_owned()),
        Just("https://chime.aws/".to_owned()),
        Just("chime.aws".to_owned()),
        Just("6064724824".to_owned()),
        Just("6064 72 4824".to_owned()),
        Just("Meeting ID".to_owned()),
        Just(": ".to_owned()),
        Just(",,".to_owned()),
        Just("#".to_owned()),
        Just("+1 206-462-5569".to_owned()),
        Just("meet.chime.in".to_owned()),
        Just("@".to_owned()),
        Just("13.248.147.139".to_owned()),
        Just("Amazon Chime".to_owned()),
        Just("Agenda:".to_owned()),
        Just("*7".to_owned()),
        Just("-----".to_owned()),
        Just(";".to_owned()),
        Just(", ".to_owned()),
        Just("(".to_owned()),
        Just(")".to_owned()),
        Just("&nbsp;".to_owned()),
        Just("<p>".to_owned()),
        Just("</p>".to_owned()),
        Just("<br>".to_owned()),
        Just("<div>".to_owned()),
        Just("</div>".to_owned()),
        Just("<a href=\"".to_owned()),
        Just("\">".to_owned()),
        Just("</a>".to_owned()),
        Just("<b>".to_owned()),
        Just("</b>".to_owned()),
        Just("<!--".to_owned()),
        Just("-->".to_owned()),
        Just("<script>".to_owned()),
        Just("\u{a0}".to_owned()),
        Just("é漢🙂".to_owned()),
    ];
    proptest::collection::vec(piece, 0..80).prop_map(|p| p.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn own_text_around_a_block_is_kept(
        before in own_lines(),
        after in own_lines(),
        (block, html_block) in blocks(),
    ) {
        let (before, after) = (before.join("\n"), after.join("\n"));
        let text = format!("{before}\n\n{block}\n\n{after}\n");
        prop_assert_eq!(
            remove_only().description(&text),
            Some(format!("{before}\n\n{after}\n"))
        );
        prop_assert_eq!(
            replacing().description(&text),
            Some(format!(
                "{before}\n\nJoin the Jitsi Meet meeting:\n{JITSI_LINK}\n\n{after}\n"
            ))
        );

        let escape = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;").replace('\n', "<br>\n");
        let (before_html, after_html) = (escape(&before), escape(&after));
        let html = format!(
            "<div>\n<p>{before_html}</p>\n{html_block}\n<p>{after_html}</p>\n</div>\n"
        );
        prop_assert_eq!(
            remove_only().html(&html),
            Some(format!("<div>\n<p>{before_html}</p>\n<p>{after_html}</p>\n</div>\n"))
        );
        prop_assert_eq!(
            replacing().html(&html),
            Some(format!(
                "<div>\n<p>{before_html}</p>\n{}\n<p>{after_html}</p>\n</div>\n",
                jitsi().html
            ))
        );
    }

    #[test]
    fn no_input_panics_and_every_edit_is_idempotent(
        description in hostile(),
        html in hostile(),
        location in hostile(),
    ) {
        let attendees = [description.clone(), location.clone()];
        let _ = find(&description, &html, &location, &attendees);
        for edit in [remove_only(), replacing()] {
            let text = edit.description(&description);
            prop_assert_eq!(text.is_some(), !find(&description, "", "", &[]).is_empty());
            if let Some(out) = text {
                prop_assert_eq!(edit.description(&out), None, "text {:?} -> {:?}", description, out);
                prop_assert!(find(&out, "", "", &[]).is_empty());
            }
            let markup = edit.html(&html);
            prop_assert_eq!(markup.is_some(), !find("", &html, "", &[]).is_empty());
            if let Some(out) = markup {
                prop_assert_eq!(edit.html(&out), None, "html {:?} -> {:?}", html, out);
                prop_assert!(find("", &out, "", &[]).is_empty());
            }
            let place = edit.location(&location);
            prop_assert_eq!(place.is_some(), !find("", "", &location, &[]).is_empty());
            if let Some(out) = place {
                prop_assert_eq!(edit.location(&out), None, "location {:?} -> {:?}", location, out);
                prop_assert!(find("", "", &out, &[]).is_empty());
            }
        }
    }
}
