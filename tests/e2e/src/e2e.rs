//! The real Belfry window under Xvfb, driven through tauri-driver and WebKitWebDriver.
//! `scripts/test` builds the app and runs these (one at a time: Belfry is single-instance).
//! Set BELFRY_SCREENSHOTS to a folder to keep screenshots of the window.

#![allow(
    clippy::disallowed_methods,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use belfry_e2e::{
    Driver, Session, app_binary, app_pids, clear_clipboard, clipboard, request_close,
    shown_windows, xdotool,
};
use calcard::icalendar::{ICalendar, ICalendarComponentType as C, ICalendarProperty as P};
use serde_json::json;

const SECOND: Duration = Duration::from_secs(1);

fn screenshot(s: &Session, name: &str) {
    if let Some(dir) = std::env::var_os("BELFRY_SCREENSHOTS") {
        let dir = PathBuf::from(dir);
        std::fs::create_dir_all(&dir).unwrap();
        s.screenshot(&dir.join(format!("{name}.png")));
    }
}

/// Kills the app (SIGKILL, no chance to save anything) and waits until it is gone.
fn kill_app() {
    for pid in app_pids() {
        Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .status()
            .unwrap();
    }
    let deadline = Instant::now() + 10 * SECOND;
    while !app_pids().is_empty() {
        assert!(Instant::now() < deadline, "the app did not die");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Runs the `belfry` command line beside the window's binary on the data directory `data`,
/// with `stdin` as its input.
fn run_cli(data: &std::path::Path, args: &[&str], stdin: &str) -> std::process::Output {
    use std::io::Write;
    let mut child = Command::new(app_binary().with_file_name("belfry"))
        .args(args)
        .env("BELFRY_DATA_DIR", data)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// Fills the Schedule form as a presenter would.
fn fill_meeting(s: &Session, title: &str) {
    s.clear("#title");
    s.type_into("#title", title);
    s.set_value("#start-date", "2027-03-01");
    s.set_value("#start-time", "10:00");
    s.set_value("#time-zone", "America/New_York");
    s.clear("#duration");
    s.type_into("#duration", "1h30m");
}

fn preview_text(s: &Session) -> String {
    s.text_content("#preview-text")
}

fn wait_preview_contains(s: &Session, needle: &str) {
    s.wait_until(
        &format!("the preview shows {needle:?}"),
        10 * SECOND,
        || preview_text(s).contains(needle),
    );
}

#[test]
#[ignore = "needs Xvfb, tauri-driver and the built app: run scripts/test"]
fn a_presenter_schedules_copies_and_finds_it_in_history() {
    let driver = Driver::start();
    let s = driver.session();

    // Every field has a visible label that is its accessible name.
    for (id, label) in [
        ("kind", "Meeting type"),
        ("title", "Title"),
        ("start-date", "Start"),
        ("time-zone", "Time zone"),
        ("duration", "Duration"),
        ("repeat", "Repeat"),
        ("attendee-input", "Attendees"),
        ("dial-in", "Dial-in countries"),
        ("show-zone-input", "Also show times in"),
        ("description", "Description"),
    ] {
        assert_eq!(s.label_of(id), label, "the label of #{id}");
    }
    assert_eq!(
        s.execute("return document.querySelector('[role=region][aria-label=\"Invitation preview\"]') !== null", json!([])),
        json!(true)
    );

    // Without a calendar account the page says how to put meetings on a calendar, and its
    // link goes to the Accounts page.
    s.wait_until("the no-calendar note shows", 5 * SECOND, || {
        s.execute(
            "return !document.querySelector('#no-calendar').hidden",
            json!([]),
        ) == json!(true)
    });
    assert!(
        s.text_content("#no-calendar")
            .contains("add a calendar account")
    );
    // ... and shows no empty account and calendar pickers.
    assert_eq!(
        s.execute(
            "return getComputedStyle(document.querySelector('.calendar-row')).display",
            json!([])
        ),
        json!("none")
    );
    s.click("#no-calendar-accounts");
    s.wait_until("the Accounts page shows", 5 * SECOND, || {
        s.execute("return document.body.dataset.page", json!([])) == json!("accounts")
    });
    s.click("[data-page=schedule]");

    fill_meeting(&s, "Physics 101");
    // Attendees are checked one by one as they are entered; a bad one stays in the input.
    s.type_into("#attendee-input", "ana@example.com");
    s.press_enter("#attendee-input");
    s.type_into("#attendee-input", "bob-at-example");
    s.press_enter("#attendee-input");
    s.wait_until("the attendee error shows", 5 * SECOND, || {
        s.text_content("#attendee-input-error").contains("no @")
    });
    assert_eq!(
        s.value("#attendee-input"),
        "bob-at-example",
        "what the user typed is kept"
    );
    s.clear("#attendee-input");
    s.type_into("#attendee-input", "bob@example.com");
    s.press_enter("#attendee-input");
    s.set_value("#show-zone-input", "Europe/London");
    s.press_enter("#show-zone-input");
    s.type_into("#description", "Bring your lab notes.");

    wait_preview_contains(&s, "Bring your lab notes.");
    let text = preview_text(&s);
    let id_display = s.text_content("#meeting-id");
    assert_eq!(id_display.len(), 12, "{id_display}");
    let digits: String = id_display.chars().filter(char::is_ascii_digit).collect();
    assert!(text.starts_with("Physics 101\n"), "{text}");
    assert!(
        text.contains("When: Mon 1 Mar 2027, 10:00–11:30 EST (America/New_York)"),
        "{text}"
    );
    assert!(
        text.contains("Mon 1 Mar 2027, 15:00–16:30 GMT (Europe/London)"),
        "{text}"
    );
    assert!(
        text.contains(&format!("Meeting ID: {id_display}")),
        "{text}"
    );
    assert!(
        text.contains(&format!("https://chime.aws/{digits}")),
        "{text}"
    );
    s.execute(
        "document.querySelector('.meeting-form').scrollTop = 0; document.activeElement.blur();",
        json!([]),
    );
    screenshot(&s, "schedule");

    // The HTML view shows the same invitation.
    s.click("[aria-controls=preview-html]");
    s.wait_until("the HTML view shows", 5 * SECOND, || {
        s.text("#preview-html").contains("Physics 101")
    });
    s.click("[aria-controls=preview-text]");

    // Copy the invitation: the clipboard holds exactly the preview.
    clear_clipboard();
    s.click("#copy-invitation");
    s.wait_until("the clipboard holds the invitation", 10 * SECOND, || {
        clipboard() == text
    });

    // History lists it; selecting it shows the invitation again.
    s.click("[data-page=history]");
    s.wait_until("history lists the meeting", 10 * SECOND, || {
        s.text_content(".history-list").contains("Physics 101")
    });
    s.click(".history-entry");
    s.wait_until("history shows the invitation", 10 * SECOND, || {
        s.text_content("#history-preview") == text
    });
    screenshot(&s, "history");
    // A search that matches nothing shows no invitation either (not the one selected before).
    s.type_into("#history-search", "nothing like this");
    s.wait_until("the search filters", 10 * SECOND, || {
        s.text_content(".history-list")
            .contains("No meeting matches")
    });
    assert_eq!(s.text_content("#history-preview"), "");
    s.click("[data-page=about]");
    assert!(
        s.text_content("#service-status")
            .contains("20 February 2026")
    );
    screenshot(&s, "about");
    s.close();
}

#[test]
#[ignore = "needs Xvfb, tauri-driver and the built app: run scripts/test"]
fn moderator_info_is_copied_without_the_passcode_reaching_the_page() {
    let driver = Driver::start();
    let s = driver.session();
    fill_meeting(&s, "Board meeting");
    let before = s.text_content("#meeting-id");
    assert!(
        s.execute("return document.querySelector('#kind').value", json!([])) == json!("one_time")
    );
    s.set_value("#kind", "moderated");
    s.wait_until(
        "a new ID is drawn for the moderated meeting",
        10 * SECOND,
        || {
            let now = s.text_content("#meeting-id");
            now != before && now.len() == 12
        },
    );
    wait_preview_contains(&s, "The meeting starts when a moderator joins.");
    let id = s.text_content("#meeting-id");

    clear_clipboard();
    s.execute(
        "document.querySelector('[aria-keyshortcuts=\"Control+M\"]').click()",
        json!([]),
    );
    s.wait_until("the moderator info is copied", 10 * SECOND, || {
        clipboard().contains("Moderator passcode:")
    });
    let info = clipboard();
    assert!(info.contains(&format!("Meeting ID: {id}")), "{info}");
    let passcode: String = info
        .lines()
        .find_map(|l| l.strip_prefix("Moderator passcode: "))
        .unwrap()
        .to_owned();
    assert_eq!(passcode.len(), 8);
    // The passcode never entered the web view, and the invitation does not carry it.
    let html = s.execute("return document.documentElement.outerHTML", json!([]));
    assert!(
        !html.as_str().unwrap().contains(&passcode),
        "the passcode reached the page"
    );
    assert!(!preview_text(&s).contains(&passcode));
    screenshot(&s, "moderated");
    s.close();
}

#[test]
#[ignore = "needs Xvfb, tauri-driver and the built app: run scripts/test"]
fn save_ics_through_the_save_dialog() {
    let driver = Driver::start();
    let s = driver.session();
    fill_meeting(&s, "Chemistry lab");
    s.type_into("#organizer", "prof@example.edu");
    s.type_into("#attendee-input", "ana@example.com");
    s.press_enter("#attendee-input");
    wait_preview_contains(&s, "Chemistry lab");
    let digits: String = s
        .text_content("#meeting-id")
        .chars()
        .filter(char::is_ascii_digit)
        .collect();

    let target = driver.data_dir.path().join("saved").join("chemistry.ics");
    std::fs::create_dir_all(target.parent().unwrap()).unwrap();
    // The click waits for the dialog, so send it without waiting for the command.
    s.execute(
        "setTimeout(() => document.querySelector('[aria-keyshortcuts=\"Control+S\"]').click(), 0)",
        json!([]),
    );

    // The native GTK save dialog: type the path into its name field and press Return.
    let deadline = Instant::now() + 20 * SECOND;
    while !xdotool(&["search", "--name", "Save the meeting"]) {
        assert!(Instant::now() < deadline, "the save dialog did not open");
        std::thread::sleep(Duration::from_millis(200));
    }
    std::thread::sleep(SECOND);
    let window = String::from_utf8(
        Command::new("xdotool")
            .args(["search", "--name", "Save the meeting"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let window = window.lines().last().unwrap().to_owned();
    xdotool(&["windowfocus", "--sync", &window]);
    xdotool(&["key", "--window", &window, "ctrl+a"]);
    xdotool(&[
        "type",
        "--window",
        &window,
        "--delay",
        "20",
        target.to_str().unwrap(),
    ]);
    xdotool(&["key", "--window", &window, "Return"]);

    let deadline = Instant::now() + 20 * SECOND;
    while !target.exists() {
        assert!(
            Instant::now() < deadline,
            "the .ics was not written to {}",
            target.display()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    std::thread::sleep(Duration::from_millis(300));
    let ics = std::fs::read_to_string(&target).unwrap();
    let cal = ICalendar::parse(&ics).unwrap();
    let event = cal
        .components
        .iter()
        .find(|c| c.component_type == C::VEvent)
        .unwrap();
    assert_eq!(
        event
            .entries
            .iter()
            .filter(|e| e.name == P::Attendee)
            .count(),
        3
    );
    assert!(ics.contains("METHOD:REQUEST\r\n"));
    assert!(
        ics.contains("DTSTART;TZID=America/New_York:20270301T100000\r\n"),
        "{ics}"
    );
    assert!(ics.contains(&format!("mailto:pin+{digits}@chime.aws\r\n")));
    assert!(ics.contains("ORGANIZER:mailto:prof@example.edu\r\n"));
    s.wait_until("the window reports the save", 10 * SECOND, || {
        s.text_content("#toast").contains("Saved")
    });
    s.close();
}

#[test]
#[ignore = "needs Xvfb, tauri-driver and the built app: run scripts/test"]
fn a_killed_window_reopens_with_the_draft() {
    let driver = Driver::start();
    let s = driver.session();
    s.clear("#title");
    s.type_into("#title", "Half-typed lecture");
    s.clear("#duration");
    s.type_into("#duration", "forever");
    s.type_into("#attendee-input", "ana@example.com");
    s.press_enter("#attendee-input");
    // A wrong duration is named next to its field, in words, and the text stays.
    s.wait_until("the duration error shows", 10 * SECOND, || {
        s.text_content("#duration-error")
            .contains("write a duration like 45m")
    });
    let id = s.text_content("#meeting-id");
    std::thread::sleep(SECOND); // the draft is saved as it changes (debounced)

    kill_app();
    drop(s);

    let s = driver.session();
    s.wait_until("the draft is restored", 10 * SECOND, || {
        s.value("#title") == "Half-typed lecture"
    });
    assert_eq!(s.value("#duration"), "forever");
    assert!(s.text_content(".chips").contains("ana@example.com"));
    assert_eq!(s.text_content("#meeting-id"), id);
    s.close();
}

#[test]
#[ignore = "needs Xvfb, tauri-driver and the built app: run scripts/test"]
fn a_second_launch_focuses_the_first_window() {
    let driver = Driver::start();
    let s = driver.session();
    let first = app_pids();
    assert_eq!(first.len(), 1, "{first:?}");
    let status = Command::new(app_binary())
        .env("BELFRY_DATA_DIR", driver.data_dir.path())
        .status()
        .unwrap();
    assert!(
        status.success(),
        "the second launch should hand over and exit: {status}"
    );
    s.wait_until(
        "the first window hears of the second launch",
        10 * SECOND,
        || {
            s.execute(
                "return document.body.dataset.secondLaunches || ''",
                json!([]),
            ) == json!("1")
        },
    );
    assert_eq!(app_pids(), first, "still one window");
    s.close();
}

#[test]
#[ignore = "needs Xvfb, tauri-driver and the built app: run scripts/test"]
fn settings_template_errors_keep_the_text_and_the_personal_id_is_used() {
    let driver = Driver::start();
    let s = driver.session();
    fill_meeting(&s, "Office hours");
    s.click("[data-page=settings]");
    s.set_value("#set-personal-id", "5550 12 3456");
    s.set_value("#set-template", "{{ title }} at {{ join_url }} {% if %}");
    s.wait_until("the template error shows", 10 * SECOND, || {
        s.text_content("#set-template-error").contains("line 1")
    });
    assert_eq!(
        s.value("#set-template"),
        "{{ title }} at {{ join_url }} {% if %}",
        "the text is kept"
    );
    s.set_value("#set-template", "{{ title }} at {{ join_url }}");
    s.wait_until("the template preview follows", 10 * SECOND, || {
        s.text_content("#template-preview")
            .starts_with("Office hours at https://chime.aws/")
    });
    screenshot(&s, "settings");
    s.click(".settings .primary");
    s.wait_until("settings are saved", 10 * SECOND, || {
        s.text_content("#toast").contains("Settings saved")
    });

    s.click("[data-page=schedule]");
    s.set_value("#kind", "personal");
    s.wait_until("the personal ID is used", 10 * SECOND, || {
        preview_text(&s) == "Office hours at https://chime.aws/5550123456\n"
    });
    assert_eq!(s.text_content("#meeting-id"), "5550 12 3456");

    // Restore the default template.
    s.click("[data-page=settings]");
    s.click("#restore-template");
    s.click(".settings .primary");
    s.click("[data-page=schedule]");
    s.set_value("#title", "Office hours again");
    wait_preview_contains(&s, "Join the Amazon Chime meeting:");
    s.close();
}

#[test]
#[ignore = "needs Xvfb, tauri-driver and the built app: run scripts/test"]
fn the_window_follows_a_dark_system_theme() {
    let driver = Driver::start_with(
        tempfile::tempdir().unwrap(),
        &[("GTK_THEME", "Adwaita:dark")],
    );
    let s = driver.session();
    assert_eq!(
        s.execute(
            "return matchMedia('(prefers-color-scheme: dark)').matches",
            json!([])
        ),
        json!(true)
    );
    let bg = s.execute(
        "return getComputedStyle(document.documentElement).backgroundColor",
        json!([]),
    );
    assert_eq!(bg, json!("rgb(22, 25, 31)"), "the dark palette is in use");
    fill_meeting(&s, "Evening seminar");
    wait_preview_contains(&s, "Evening seminar");
    s.execute(
        "document.querySelector('.meeting-form').scrollTop = 0; document.activeElement.blur();",
        json!([]),
    );
    screenshot(&s, "schedule-dark");
    s.close();
}

#[test]
#[ignore = "needs Xvfb, tauri-driver, Radicale and the built app: run scripts/test"]
fn a_caldav_account_is_added_in_the_window_and_its_calendars_shown() {
    let server = belfry_testkit::radicale();
    belfry_testkit::mkcalendar(
        &format!("{}/ana/lectures/", server.url),
        "ana",
        "ana-app-password",
        "Lectures",
    );
    belfry_testkit::mkcalendar(
        &format!("{}/ana/office/", server.url),
        "ana",
        "ana-app-password",
        "Office hours",
    );
    let driver = Driver::start();
    let s = driver.session();
    s.click("[data-page=accounts]");
    assert_eq!(s.label_of("account-server"), "Server");
    assert_eq!(s.label_of("account-password"), "App password");
    s.type_into("#account-name", "School");
    s.type_into("#account-server", &server.url);
    s.type_into("#account-username", "ana");
    s.type_into("#account-password", "not-the-password");
    s.click("#add-account");
    s.wait_until("the refusal is shown", 15 * SECOND, || {
        s.text_content("#add-account-error")
            .contains("refused the user name or app password")
    });
    assert_eq!(s.value("#account-name"), "School", "what was typed stays");
    assert_eq!(
        s.value("#account-password"),
        "",
        "the refused password is cleared"
    );

    s.type_into("#account-password", "ana-app-password");
    s.click("#add-account");
    s.wait_until("the calendars are shown", 15 * SECOND, || {
        let c = s.text_content("#account-calendars");
        c.contains("Lectures") && c.contains("Office hours")
    });
    assert!(
        s.text_content("#account-calendars")
            .contains("does not send invitations itself")
    );
    assert!(s.text_content(".account-list").contains("School"));
    assert_eq!(s.value("#account-password"), "");
    let html = s.execute("return document.documentElement.outerHTML", json!([]));
    assert!(
        !html.as_str().unwrap().contains("ana-app-password"),
        "the password stayed in the page"
    );
    screenshot(&s, "accounts");

    // Rename it in place.
    s.click(".account-card .actions button:nth-child(2)");
    s.set_value(".account-card input", "University");
    s.press_enter(".account-card input");
    s.wait_until("the new name is listed", 10 * SECOND, || {
        let list = s.text_content(".account-list");
        list.contains("University") && !list.contains("School")
    });

    // Put a meeting on the account's default calendar from the Schedule page.
    s.click("[data-page=schedule]");
    fill_meeting(&s, "Seminar on the calendar");
    s.type_into("#organizer", "prof@example.edu");
    wait_preview_contains(&s, "Seminar on the calendar");
    s.wait_until("the account is offered", 10 * SECOND, || {
        s.text_content("#calendar-account").contains("University")
    });
    s.click("#add-to-calendar");
    s.wait_until("the window reports the event", 15 * SECOND, || {
        s.text_content("#toast").contains("Added to University")
    });
    let digits: String = s
        .text_content("#meeting-id")
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    let cal = format!("{}/ana/lectures/", server.url);
    let hrefs = belfry_testkit::ics_paths(&cal, "ana", "ana-app-password");
    assert_eq!(hrefs.len(), 1, "one event on the calendar");
    let ics = belfry_testkit::fetch(
        &format!("{}{}", server.url, hrefs[0]),
        "ana",
        "ana-app-password",
    );
    assert!(ics.contains(&format!("pin+{digits}@chime.aws")), "{ics}");
    assert!(ics.contains("SUMMARY:Seminar on the calendar"), "{ics}");

    // A term's labs from the Bulk page: a progress bar, one result per row, and a bad row
    // that does not stop the others.
    s.click("[data-page=bulk]");
    s.wait_until("the account is offered", 10 * SECOND, || {
        s.text_content("#bulk-account").contains("University")
    });
    s.set_value(
        "#bulk-rows",
        "title,start,tz,organizer\nLab 1,2027-04-05T09:00,Europe/Berlin,prof@example.edu\nLab 2,next tuesday,Europe/Berlin,prof@example.edu\nLab 3,2027-04-19T09:00,Europe/Berlin,prof@example.edu\n",
    );
    s.click("#bulk-run");
    s.wait_until("the run finishes", 30 * SECOND, || {
        s.text_content("#bulk-status").contains("2 of 3 scheduled")
    });
    assert_eq!(
        s.execute(
            "const p = document.querySelector('#bulk-progress'); return [p.hidden, p.value, p.max]",
            json!([])
        ),
        json!([false, 3, 3])
    );
    let table = s.text_content("#bulk-results");
    assert!(
        table.contains("Lab 1") && table.contains("created"),
        "{table}"
    );
    assert!(
        table.contains("Lab 2") && table.contains("YYYY-MM-DD"),
        "the bad row says how to write the start: {table}"
    );
    assert!(table.contains("Lab 3"), "{table}");
    screenshot(&s, "bulk");
    let hrefs = belfry_testkit::ics_paths(&cal, "ana", "ana-app-password");
    assert_eq!(hrefs.len(), 3, "the seminar and two labs");

    // From the history: change the seminar (the same event, SEQUENCE up), then cancel it.
    let seminar = || {
        belfry_testkit::ics_paths(&cal, "ana", "ana-app-password")
            .iter()
            .map(|h| {
                belfry_testkit::fetch(&format!("{}{h}", server.url), "ana", "ana-app-password")
            })
            .find(|ics| ics.contains(&format!("pin+{digits}@chime.aws")))
            .unwrap()
    };
    let pick = |title: &str| {
        s.click("[data-page=history]");
        s.wait_until("the meeting is listed", 10 * SECOND, || {
            s.text_content(".history-list").contains(title)
        });
        s.execute(
            "[...document.querySelectorAll('.history-entry')].find((b) => b.textContent.includes(arguments[0])).click()",
            json!([title]),
        );
        s.wait_until("its calendars are named", 10 * SECOND, || {
            s.text_content("#history-calendars").contains("University")
        });
    };
    pick("Seminar on the calendar");
    s.click("#history-change");
    s.wait_until("the form holds the meeting", 10 * SECOND, || {
        s.value("#title") == "Seminar on the calendar"
            && s.execute(
                "return !document.querySelector('#reschedule-bar').hidden",
                json!([]),
            ) == json!(true)
    });
    s.clear("#title");
    s.type_into("#title", "Seminar, moved");
    s.set_value("#start-time", "11:00");
    wait_preview_contains(&s, "Seminar, moved");
    s.click("#update-calendars");
    s.wait_until("the window reports the update", 20 * SECOND, || {
        s.text_content("#toast").contains("Updated")
    });
    let moved = seminar();
    assert!(moved.contains("SUMMARY:Seminar\\, moved"), "{moved}");
    assert!(moved.contains("SEQUENCE:1"), "{moved}");
    assert!(moved.contains("T110000"), "{moved}");
    assert_eq!(
        belfry_testkit::ics_paths(&cal, "ana", "ana-app-password").len(),
        3,
        "the same event"
    );

    pick("Seminar, moved");
    s.click("#history-cancel");
    s.wait_for("#confirm-dialog[open]", 5 * SECOND);
    assert!(s.text_content("#confirm-dialog").contains("meet@chime.aws"));
    s.click("#confirm-yes");
    s.wait_until("the window reports the cancellation", 20 * SECOND, || {
        s.text_content("#toast").contains("Cancelled")
    });
    let cancelled = seminar();
    assert!(cancelled.contains("STATUS:CANCELLED"), "{cancelled}");
    assert!(cancelled.contains("SEQUENCE:2"), "{cancelled}");
    s.close();
}

#[test]
#[ignore = "needs Xvfb, tauri-driver and the built app: run scripts/test"]
fn aws_credentials_are_added_in_the_window_and_named_by_sts() {
    let sts = belfry_testkit::fake_sts("arn:aws:iam::123456789012:user/chime-admin");
    let aws = tempfile::tempdir().unwrap();
    let config = aws.path().join("config");
    std::fs::write(&config, "[profile chime]\nregion = us-east-1\n").unwrap();
    let creds = aws.path().join("credentials");
    std::fs::write(&creds, "[chime]\naws_access_key_id = AKIAPROFILEEXAMPLE01\naws_secret_access_key = profileSecretExampleKey0000000000000000\n").unwrap();
    let chime = belfry_testkit::chime_fake(100);
    let seeded = chime.hook(
        "/__test/seed",
        &json!({"accounts": [{"Name": "Physics", "AccountType": "Team", "users": [
            {"PrimaryEmail": "ana@example.edu", "LicenseType": "Pro", "DisplayName": "Ana Lima", "PersonalPIN": "6064724824"},
            {"PrimaryEmail": "bob@example.edu", "LicenseType": "Basic"},
        ]}]}),
    );
    assert_eq!(seeded["accounts"][0]["users"].as_array().unwrap().len(), 2);
    let driver = Driver::start_with(
        tempfile::tempdir().unwrap(),
        &[
            ("AWS_ENDPOINT_URL_STS", &sts.url),
            ("AWS_ENDPOINT_URL_CHIME", &chime.url),
            ("AWS_CONFIG_FILE", config.to_str().unwrap()),
            ("AWS_SHARED_CREDENTIALS_FILE", creds.to_str().unwrap()),
        ],
    );
    let s = driver.session();
    s.click("[data-page=accounts]");
    s.set_value("#account-kind", "aws");
    assert_eq!(s.label_of("account-aws-profile"), "AWS profile");
    s.type_into("#account-name", "Admin");
    s.type_into("#account-aws-profile", "chime");
    s.click("#add-account");
    s.wait_until("the account is listed with its owner", 20 * SECOND, || {
        s.text_content(".account-list")
            .contains("arn:aws:iam::123456789012:user/chime-admin")
    });
    let signed: Vec<String> = sts.authorizations.lock().unwrap().clone();
    assert!(
        signed
            .iter()
            .any(|a| a.contains("Credential=AKIAPROFILEEXAMPLE01/")),
        "{signed:?}"
    );

    // The Admin page.
    s.click("[data-page=admin]");
    s.wait_until("the AWS account is offered", 10 * SECOND, || {
        s.text_content("#admin-aws").contains("Admin")
    });
    // Check before class: a Basic user is told, with the fix.
    s.clear("#doctor-email");
    s.type_into("#doctor-email", "bob@example.edu");
    s.click("#doctor-run");
    s.wait_until("the check answers", 20 * SECOND, || {
        s.text_content("#doctor-verdict").contains("will fail")
    });
    let found = s.text_content("#doctor-findings");
    assert!(
        found.contains("Basic license") && found.contains("Fix:"),
        "{found}"
    );
    screenshot(&s, "check-before-class");
    s.clear("#doctor-email");
    s.type_into("#doctor-email", "ana@example.edu");
    s.click("#doctor-run");
    s.wait_until("the check passes", 20 * SECOND, || {
        s.text_content("#doctor-verdict").contains("should work")
    });
    // List the users of an account and take a personal meeting ID from one.
    s.click("#chime-load");
    s.wait_until("the accounts are listed", 20 * SECOND, || {
        s.text_content("#chime-accounts").contains("Physics")
    });
    s.click(".chime-account");
    s.wait_until("the users are listed", 20 * SECOND, || {
        let users = s.text_content("#chime-users");
        users.contains("ana@example.edu") && users.contains("bob@example.edu")
    });
    assert!(s.text_content("#chime-users").contains("6064724824"));
    s.click("tr[data-email='ana@example.edu'] .use-pin");
    s.wait_until("the window says so", 10 * SECOND, || {
        s.text_content("#toast").contains("6064724824")
    });
    screenshot(&s, "admin");
    s.click("[data-page=settings]");
    let digits: String = s
        .value("#set-personal-id")
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    assert_eq!(
        digits, "6064724824",
        "the setting shows the user's personal ID"
    );

    // Inviting asks first, then the new person is listed as invited.
    s.click("[data-page=admin]");
    s.set_value("#chime-invite-emails", "carol@example.edu");
    s.click("#chime-invite");
    s.wait_for("#confirm-dialog[open]", 5 * SECOND);
    assert!(
        s.text_content("#confirm-dialog")
            .contains("carol@example.edu")
    );
    s.click("#confirm-yes");
    s.wait_until("the invited user is listed", 20 * SECOND, || {
        s.text_content("#chime-users").contains("carol@example.edu")
    });
    assert!(
        s.text_content("tr[data-email='carol@example.edu']")
            .contains("(invited)")
    );

    // Nothing is deleted by a single click: the dialog's Cancel leaves the account.
    s.click("#chime-delete");
    s.wait_for("#confirm-dialog[open]", 5 * SECOND);
    assert!(s.text_content("#confirm-dialog").contains("90 days"));
    s.click("#confirm-no");
    let state = chime.get("/__test/state");
    assert_eq!(state["accounts"][0]["Deleted"], false, "{state}");

    s.close();
}

#[test]
#[ignore = "needs Xvfb, tauri-driver, node (the OAuth server) and the built app: run scripts/test"]
fn a_microsoft_365_account_signs_in_from_the_window_and_takes_a_meeting() {
    let server = belfry_testkit::oauth_server(3600);
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("belfry.toml");
    std::fs::write(&config, server.belfry_toml()).unwrap();
    // The system browser, as xdg-open starts it ($BROWSER): it follows the provider's
    // redirects back to Belfry's loopback listener, as a signed-in user's browser would.
    let browser = belfry_testkit::test_browser(dir.path());
    let driver = Driver::start_with(
        tempfile::tempdir().unwrap(),
        &[
            ("BELFRY_CONFIG", config.to_str().unwrap()),
            ("BROWSER", browser.to_str().unwrap()),
        ],
    );
    let s = driver.session();
    s.click("[data-page=accounts]");
    s.set_value("#account-kind", "microsoft");
    s.type_into("#account-name", "Work");
    assert_eq!(s.text("#add-account"), "Sign in");
    s.click("#add-account");
    s.wait_until("the signed-in account is listed", 30 * SECOND, || {
        s.text_content(".account-list").contains("ana@example.com")
    });
    s.wait_until("its calendars are shown", 15 * SECOND, || {
        let c = s.text_content("#account-calendars");
        c.contains("Host: Prof. Lee") && c.contains("owner lee@example.com")
    });

    s.click("[data-page=schedule]");
    fill_meeting(&s, "Seminar in Outlook");
    wait_preview_contains(&s, "Seminar in Outlook");
    s.wait_until("the account is offered", 10 * SECOND, || {
        s.text_content("#calendar-account").contains("Work")
    });
    s.set_value("#calendar-account", "Work");
    s.click("#add-to-calendar");
    s.wait_until("the window reports the event", 20 * SECOND, || {
        s.text_content("#toast").contains("Added to Work")
    });
    let graph = server.graph();
    let event = &graph["mailboxes"]["ana@example.com"][0];
    assert_eq!(event["subject"], "Seminar in Outlook", "{graph}");
    assert_eq!(event["start"]["timeZone"], "Eastern Standard Time");
    assert_eq!(event["start"]["dateTime"], "2027-03-01T10:00:00");

    // As a delegate: a fresh ID onto the host's calendar, chosen in the window.
    let first_id = s.text_content("#meeting-id");
    s.click("#new-meeting-id");
    s.wait_until("a fresh ID", 10 * SECOND, || {
        s.text_content("#meeting-id") != first_id
    });
    s.wait_until("the host's calendar is offered", 10 * SECOND, || {
        s.text_content("#calendar-choice")
            .contains("Host: Prof. Lee (lee@example.com's)")
    });
    s.set_value("#calendar-choice", "AAMkAGI2TG94AAA=");
    s.click("#add-to-calendar");
    s.wait_until("the window reports the host's event", 20 * SECOND, || {
        s.text_content("#toast").contains("Added to Work")
            && server.graph()["mailboxes"]["lee@example.com"][0].is_object()
    });
    let graph = server.graph();
    let hosted = &graph["mailboxes"]["lee@example.com"][0];
    assert_eq!(
        hosted["organizer"]["emailAddress"]["address"], "lee@example.com",
        "{graph}"
    );
    let digits: String = s
        .text_content("#meeting-id")
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    assert!(
        hosted["attendees"]
            .to_string()
            .contains(&format!("pin+{digits}@chime.aws")),
        "{hosted}"
    );
    let html = s.execute("return document.documentElement.outerHTML", json!([]));
    assert!(
        !html.as_str().unwrap().contains("Bearer"),
        "no token in the page"
    );
    s.close();
}

/// The window alone finishes its outbox: a meeting added while the server is down is
/// recorded, the window is killed, the server comes back, and a fresh window (no CLI
/// involved) puts the event on the calendar once.
#[test]
#[ignore = "needs Xvfb, tauri-driver and the built app: run scripts/test"]
fn a_killed_window_finishes_its_outbox_when_started_again() {
    let server_dir = tempfile::tempdir().unwrap();
    let port = belfry_testkit::free_port();
    let server = belfry_testkit::radicale_in(server_dir.path(), port);
    let cal = format!("{}/ana/lectures/", server.url);
    belfry_testkit::mkcalendar(&cal, "ana", "ana-app-password", "Lectures");
    let url = server.url.clone();
    let driver = Driver::start();
    let s = driver.session();
    s.click("[data-page=accounts]");
    s.type_into("#account-name", "School");
    s.type_into("#account-server", &url);
    s.type_into("#account-username", "ana");
    s.type_into("#account-password", "ana-app-password");
    s.click("#add-account");
    s.wait_until("the calendars are shown", 15 * SECOND, || {
        s.text_content("#account-calendars").contains("Lectures")
    });

    // The server goes away; the meeting is recorded and waits.
    drop(server);
    s.click("[data-page=schedule]");
    fill_meeting(&s, "Lecture while offline");
    s.type_into("#organizer", "prof@example.edu");
    wait_preview_contains(&s, "Lecture while offline");
    s.wait_until("the account is offered", 10 * SECOND, || {
        s.text_content("#calendar-account").contains("School")
    });
    s.click("#add-to-calendar");
    s.wait_until("the window says it will be added", 30 * SECOND, || {
        s.text_content("#toast")
            .contains("will be added when the server answers")
    });
    s.click("[data-page=history]");
    s.wait_until("the History page lists it as waiting", 10 * SECOND, || {
        let waiting = s.text_content("#outbox");
        waiting.contains("Lecture while offline") && waiting.contains("cannot reach")
    });
    screenshot(&s, "outbox");

    kill_app();
    drop(s);

    // The server is back; only the window starts again.
    let server = belfry_testkit::radicale_in(server_dir.path(), port);
    let notifications = belfry_testkit::desktop_bus::NotificationDaemon::start();
    let s = driver.session();
    let events = || belfry_testkit::ics_paths(&cal, "ana", "ana-app-password");
    s.wait_until("the event reaches the calendar", 60 * SECOND, || {
        !events().is_empty()
    });
    s.click("[data-page=history]");
    s.wait_until("nothing is waiting any more", 20 * SECOND, || {
        s.execute(
            "return document.querySelector('#outbox').children.length",
            json!([]),
        ) == json!(0)
    });
    let held = events();
    assert_eq!(held.len(), 1, "the event exists once: {held:?}");
    let ics = belfry_testkit::fetch(
        &format!("{}{}", server.url, held[0]),
        "ana",
        "ana-app-password",
    );
    assert!(ics.contains("SUMMARY:Lecture while offline"), "{ics}");
    // The desktop said so, outside the window.
    s.wait_until("a notification says it landed", 10 * SECOND, || {
        notifications.received().iter().any(|n| {
            n.summary == "On your calendar: Lecture while offline"
                && n.body == "It waited for the server and is on School now."
        })
    });
    s.close();
}

/// Two personal meetings share the personal ID: from the History page, the older one is
/// cancelled and the newer one changed, each on its own event. (The meetings are scheduled
/// beforehand with the `belfry` command line, into the window's data directory.)
#[test]
#[ignore = "needs Xvfb, tauri-driver and the built app: run scripts/test"]
fn history_changes_and_cancels_one_of_two_personal_meetings() {
    let server = belfry_testkit::radicale();
    let cal = format!("{}/ana/lectures/", server.url);
    belfry_testkit::mkcalendar(&cal, "ana", "ana-app-password", "Lectures");
    let data = tempfile::tempdir().unwrap();
    let belfry = |args: &[&str], stdin: &str| {
        let out = run_cli(data.path(), args, stdin);
        assert!(
            out.status.success(),
            "belfry {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap_or_default()
    };
    belfry(
        &[
            "accounts",
            "add",
            "caldav",
            "--name",
            "School",
            "--url",
            &server.url,
            "--username",
            "ana",
            "--password-stdin",
        ],
        "ana-app-password\n",
    );
    belfry(&["settings", "set", "personal-id", "6064724824"], "");
    let personal = |title: &str, day: &str| {
        belfry(
            &[
                "schedule",
                "--account",
                "School",
                "--json",
                "--personal",
                "--organizer",
                "prof@example.edu",
                "--title",
                title,
                "--start",
                day,
                "--tz",
                "Europe/Berlin",
            ],
            "",
        )
    };
    let older = personal("Office hours", "2027-03-01T10:00");
    let newer = personal("Reading group", "2027-03-02T10:00");
    let href = |v: &serde_json::Value| v["deliveries"][0]["href"].as_str().unwrap().to_owned();
    let (older_href, newer_href) = (href(&older), href(&newer));
    let fetch = |h: &str| belfry_testkit::fetch(h, "ana", "ana-app-password");

    let tray = belfry_testkit::desktop_bus::TrayHost::start();
    // A month before the meetings, whatever today is.
    let driver = Driver::start_with(data, &[("BELFRY_CLOCK", "2027-02-01T09:00:00Z")]);
    let s = driver.session();
    // The tray names the next one.
    s.wait_until("the tray shows the next meeting", 10 * SECOND, || {
        tray.items().first().is_some_and(|item| {
            tray.menu_entries(item).is_ok_and(|entries| {
                entries
                    .iter()
                    .any(|e| e.label == "Next: Office hours, 2027-03-01 10:00 (Europe/Berlin)")
            })
        })
    });
    let pick = |title: &str| {
        s.click("[data-page=history]");
        s.wait_until("the meeting is listed", 10 * SECOND, || {
            s.text_content(".history-list").contains(title)
        });
        s.execute(
            "[...document.querySelectorAll('.history-entry')].find((b) => b.textContent.includes(arguments[0])).click()",
            json!([title]),
        );
        s.wait_until("its invitation is shown", 10 * SECOND, || {
            s.text_content("#history-preview").contains(title)
                && s.text_content("#history-calendars").contains("School")
        });
    };
    pick("Office hours");
    s.click("#history-cancel");
    s.wait_for("#confirm-dialog[open]", 5 * SECOND);
    s.click("#confirm-yes");
    s.wait_until("the window reports the cancellation", 20 * SECOND, || {
        s.text_content("#toast").contains("Cancelled")
    });
    assert!(fetch(&older_href).contains("STATUS:CANCELLED"));
    let untouched = fetch(&newer_href);
    assert!(!untouched.contains("STATUS:CANCELLED"), "{untouched}");

    pick("Reading group");
    s.click("#history-change");
    s.wait_until("the form holds the meeting", 10 * SECOND, || {
        s.value("#title") == "Reading group"
    });
    s.clear("#title");
    s.type_into("#title", "Reading group (room 4)");
    wait_preview_contains(&s, "Reading group (room 4)");
    s.click("#update-calendars");
    s.wait_until("the window reports the update", 20 * SECOND, || {
        s.text_content("#toast").contains("Updated")
    });
    let moved = fetch(&newer_href);
    assert!(
        moved.contains("SUMMARY:Reading group (room 4)") && moved.contains("SEQUENCE:1"),
        "{moved}"
    );
    assert!(fetch(&older_href).contains("SUMMARY:Office hours"));
    assert_eq!(
        belfry_testkit::ics_paths(&cal, "ana", "ana-app-password").len(),
        2
    );
    s.close();
}

#[test]
#[ignore = "needs Xvfb, tauri-driver and the built app: run scripts/test"]
fn a_hostile_title_and_description_are_shown_as_text_and_nothing_runs() {
    let driver = Driver::start();
    let s = driver.session();
    let title =
        "<img src=x onerror=\"window.__belfryOwned=1\"><script>window.__belfryOwned=2</script>";
    fill_meeting(&s, title);
    s.type_into(
        "#description",
        "javascript:window.__belfryOwned=3 <a href=\"javascript:window.__belfryOwned=4\">x</a> \
         https://example.com/\"onmouseover=\"window.__belfryOwned=5",
    );
    wait_preview_contains(&s, "onmouseover");
    assert!(preview_text(&s).starts_with(title), "{}", preview_text(&s));

    s.click("[aria-controls=preview-html]");
    s.wait_until("the HTML view shows", 5 * SECOND, || {
        s.text("#preview-html").contains("<script>")
    });
    // Everything typed is text: no element came from it, and the only links are https ones.
    let found = s.execute(
        "const v = document.querySelector('#preview-html');
         return {
           owned: window.__belfryOwned === undefined ? null : window.__belfryOwned,
           elements: [...v.querySelectorAll('img, script, iframe, object, [onerror], [onmouseover]')].length,
           hrefs: v.querySelectorAll('[href]').length,
           links: [...v.querySelectorAll('a')].map(a => a.getAttribute('title')),
           injected: document.querySelectorAll('img[src=x]').length,
         };",
        json!([]),
    );
    assert_eq!(found["owned"], json!(null), "{found}");
    assert_eq!(found["elements"], json!(0), "{found}");
    assert_eq!(found["injected"], json!(0), "{found}");
    // Links in the window never navigate: no href, the address only as a title.
    assert_eq!(found["hrefs"], json!(0), "{found}");
    for link in found["links"].as_array().unwrap() {
        let href = link.as_str().unwrap();
        assert!(href.starts_with("https://"), "{found}");
        assert!(!href.contains('"'), "{found}");
    }

    // The same in History, once the invitation was copied.
    s.click("[aria-controls=preview-text]");
    clear_clipboard();
    s.click("#copy-invitation");
    s.wait_until("the invitation is copied", 10 * SECOND, || {
        clipboard().starts_with(title)
    });
    s.click("[data-page=history]");
    s.wait_until("history lists the meeting", 10 * SECOND, || {
        s.text_content(".history-list").contains("<script>")
    });
    s.click(".history-entry");
    s.wait_until("history shows the invitation", 10 * SECOND, || {
        s.text_content("#history-preview").starts_with(title)
    });
    let owned = s.execute(
        "return [window.__belfryOwned === undefined, document.querySelectorAll('img[src=x]').length]",
        json!([]),
    );
    assert_eq!(owned, json!([true, 0]));
    s.close();
}

#[test]
#[ignore = "needs Xvfb, tauri-driver and the built app: run scripts/test"]
fn a_jitsi_meeting_goes_onto_a_caldav_calendar_without_anything_of_chime() {
    let server = belfry_testkit::radicale();
    let cal = format!("{}/ana/lectures/", server.url);
    belfry_testkit::mkcalendar(&cal, "ana", "ana-app-password", "Lectures");
    let driver = Driver::start();
    let s = driver.session();
    s.click("[data-page=accounts]");
    s.type_into("#account-name", "School");
    s.type_into("#account-server", &server.url);
    s.type_into("#account-username", "ana");
    s.type_into("#account-password", "ana-app-password");
    s.click("#add-account");
    s.wait_until("the calendars are shown", 15 * SECOND, || {
        s.text_content("#account-calendars").contains("Lectures")
    });

    s.click("[data-page=schedule]");
    assert_eq!(s.label_of("provider"), "Meeting provider");
    s.set_value("#provider", "jitsi");
    s.wait_until("a room is drawn", 10 * SECOND, || {
        let id = s.text_content("#meeting-id");
        id.len() == 16 && !id.contains(' ')
    });
    let room = s.text_content("#meeting-id");
    fill_meeting(&s, "Reading group");
    s.type_into("#organizer", "prof@example.edu");
    s.type_into("#attendee-input", "ana@example.com");
    s.press_enter("#attendee-input");
    wait_preview_contains(&s, &format!("https://meet.jit.si/{room}"));
    let text = preview_text(&s);
    assert!(text.contains("Join the Jitsi Meet meeting:"), "{text}");
    assert!(!text.to_lowercase().contains("chime"), "{text}");
    // Jitsi has no moderator code: the window does not offer one.
    assert_eq!(
        s.execute(
            "return document.querySelector('#kind option[value=moderated]').disabled",
            json!([])
        ),
        json!(true)
    );
    screenshot(&s, "schedule-jitsi");

    s.wait_until("the account is offered", 10 * SECOND, || {
        s.text_content("#calendar-account").contains("School")
    });
    s.click("#add-to-calendar");
    s.wait_until("the window reports the event", 15 * SECOND, || {
        s.text_content("#toast").contains("Added to School")
    });
    let hrefs = belfry_testkit::ics_paths(&cal, "ana", "ana-app-password");
    assert_eq!(hrefs.len(), 1, "one event on the calendar");
    let ics = belfry_testkit::fetch(
        &format!("{}{}", server.url, hrefs[0]),
        "ana",
        "ana-app-password",
    );
    assert!(
        ics.contains(&format!("URL;VALUE=URI:https://meet.jit.si/{room}")),
        "{ics}"
    );
    assert!(ics.contains("mailto:ana@example.com"), "{ics}");
    assert!(!ics.to_lowercase().contains("chime"), "{ics}");

    // History shows it on Jitsi.
    s.click("[data-page=history]");
    s.wait_until("history lists the meeting", 10 * SECOND, || {
        s.text_content(".history-list").contains("Reading group")
    });
    s.close();
}

#[test]
#[ignore = "needs Xvfb, tauri-driver and the built app: run scripts/test"]
fn a_personal_room_set_in_settings_is_offered_and_used_for_the_meeting() {
    let driver = Driver::start();
    let s = driver.session();
    s.click("[data-page=settings]");
    s.set_value("#set-personal-room", "https://zoom.example/j/123456789");
    s.click(".settings .primary");
    s.wait_until("settings are saved", 10 * SECOND, || {
        s.text_content("#toast").contains("Settings saved")
    });
    s.click("[data-page=schedule]");
    s.wait_until("the personal room is offered", 10 * SECOND, || {
        s.text_content("#provider").contains("Personal room")
    });
    s.set_value("#provider", "personal-room");
    fill_meeting(&s, "Office hours");
    wait_preview_contains(&s, "https://zoom.example/j/123456789");
    assert_eq!(
        s.value("#kind"),
        "personal",
        "every meeting on a fixed link is personal"
    );
    assert_eq!(
        s.text_content("#meeting-id"),
        "https://zoom.example/j/123456789"
    );
    assert!(!preview_text(&s).to_lowercase().contains("chime"));
    s.close();
}

#[test]
#[ignore = "needs Xvfb, tauri-driver and the built app: run scripts/test"]
fn a_jitsi_template_is_edited_in_settings_and_chimes_stays_its_own() {
    let driver = Driver::start();
    let s = driver.session();
    fill_meeting(&s, "Reading group");
    s.click("[data-page=settings]");
    assert_eq!(s.label_of("set-template-for"), "Invitation template for");
    s.set_value("#set-template-for", "jitsi");
    s.wait_until("the Jitsi template is loaded", 10 * SECOND, || {
        s.value("#set-template")
            .contains("the {{ provider }} meeting{% endif %}:")
            && !s
                .value("#set-template")
                .contains("Audio: use your computer")
    });
    s.set_value("#set-template", "{{ title }} on Jitsi: {{ join_url }}");
    s.wait_until("the preview follows", 10 * SECOND, || {
        s.text_content("#template-preview")
            .starts_with("Reading group on Jitsi: https://meet.jit.si/")
    });
    s.click(".settings .primary");
    s.wait_until("settings are saved", 10 * SECOND, || {
        s.text_content("#toast").contains("Settings saved")
    });
    s.click("[data-page=schedule]");
    s.set_value("#provider", "jitsi");
    wait_preview_contains(&s, "Reading group on Jitsi: https://meet.jit.si/");
    s.set_value("#provider", "chime");
    wait_preview_contains(&s, "Join the Amazon Chime meeting:");
    s.close();
}

#[test]
#[ignore = "needs Xvfb, tauri-driver and the built app: run scripts/test"]
fn chime_meetings_are_scanned_one_is_unticked_the_rest_moved_and_reported() {
    let server = belfry_testkit::radicale();
    let cal = format!("{}/ana/lectures/", server.url);
    belfry_testkit::mkcalendar(&cal, "ana", "ana-app-password", "Lectures");
    let chime =
        "Click to join the meeting: https://chime.aws/6064724824\\nMeeting ID: 6064 72 4824";
    for (name, title, start) in [
        ("algebra", "Algebra", "20270301T150000Z"),
        ("geometry", "Geometry", "20270302T150000Z"),
    ] {
        let ics = format!(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Other Client//EN\r\nBEGIN:VEVENT\r\nUID:{name}@other\r\nDTSTAMP:20260801T000000Z\r\nDTSTART:{start}\r\nDURATION:PT1H\r\nSUMMARY:{title}\r\nDESCRIPTION:{chime}\r\nATTENDEE:mailto:bo@school.example\r\nATTENDEE:mailto:meet@chime.aws\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
        );
        belfry_testkit::put_foreign(&format!("{cal}{name}.ics"), "ana", "ana-app-password", &ics);
    }
    let driver = Driver::start_with(
        tempfile::tempdir().unwrap(),
        &[("BELFRY_CLOCK", "2026-12-01T09:00:00Z")],
    );
    let s = driver.session();
    s.click("[data-page=accounts]");
    s.type_into("#account-name", "School");
    s.type_into("#account-server", &server.url);
    s.type_into("#account-username", "ana");
    s.type_into("#account-password", "ana-app-password");
    s.click("#add-account");
    s.wait_until("the calendars are shown", 15 * SECOND, || {
        s.text_content("#account-calendars").contains("Lectures")
    });

    s.click("[data-page=migrate]");
    s.click("#migrate-scan");
    s.wait_until("both meetings are found", 15 * SECOND, || {
        let list = s.text_content("#migrate-events");
        list.contains("Algebra") && list.contains("Geometry")
    });
    // Untick Geometry: it stays as it is.
    s.execute(
        "const box = [...document.querySelectorAll('.migrate-entry')].find((li) => li.textContent.includes('Geometry')).querySelector('input'); box.click();",
        json!([]),
    );
    s.set_value("#migrate-target", "jitsi");
    s.click("#migrate-review");
    s.wait_until("the new text is shown", 10 * SECOND, || {
        s.text_content("#migrate-plan")
            .contains("https://meet.jit.si/")
    });
    let plan = s.text_content("#migrate-plan");
    assert!(
        plan.contains("Algebra") && !plan.contains("Geometry"),
        "{plan}"
    );
    screenshot(&s, "migrate");
    s.click("#migrate-apply");
    s.click("#confirm-yes");
    s.wait_until("the report is shown", 15 * SECOND, || {
        s.text_content("#migrate-report").contains("moved;")
    });
    let report = s.text_content("#migrate-report");
    assert!(report.contains("Algebra"), "{report}");
    // Radicale emails nobody: the report points to the update to send.
    assert!(
        report.contains("send them") && report.contains(".ics"),
        "{report}"
    );
    let fetch =
        |name: &str| belfry_testkit::fetch(&format!("{cal}{name}.ics"), "ana", "ana-app-password");
    let algebra = fetch("algebra");
    assert!(!algebra.to_lowercase().contains("chime"), "{algebra}");
    assert!(algebra.contains("meet.jit.si/"), "{algebra}");
    assert!(algebra.contains("mailto:bo@school.example"), "{algebra}");
    assert!(fetch("geometry").contains("https://chime.aws/6064724824"));
    s.close();
}

#[test]
#[ignore = "needs Xvfb, tauri-driver, Radicale, Exim and the built app: run scripts/test"]
fn the_window_adds_a_mail_account_and_emails_the_attendees_a_server_does_not() {
    let server = belfry_testkit::radicale();
    belfry_testkit::mkcalendar(
        &format!("{}/ana/lectures/", server.url),
        "ana",
        "ana-app-password",
        "Lectures",
    );
    let smtp = belfry_testkit::smtp::smtp();
    let driver = Driver::start();
    let s = driver.session();
    s.click("[data-page=accounts]");
    s.type_into("#account-name", "School");
    s.type_into("#account-server", &server.url);
    s.type_into("#account-username", "ana");
    s.type_into("#account-password", "ana-app-password");
    s.click("#add-account");
    s.wait_until("the calendar account is listed", 15 * SECOND, || {
        s.text_content(".account-list").contains("School")
    });

    s.set_value("#account-kind", "smtp");
    s.set_value("#account-name", "Mail");
    assert_eq!(s.label_of("account-smtp-host"), "Mail server");
    s.type_into("#account-smtp-host", "127.0.0.1");
    s.set_value("#account-smtp-port", &smtp.starttls_port.to_string());
    s.type_into("#account-smtp-user", belfry_testkit::smtp::Smtp::USER);
    s.type_into("#account-smtp-ca", &smtp.ca_pem.display().to_string());
    s.type_into("#account-smtp-password", "not-the-smtp-password");
    s.click("#add-account");
    s.wait_until("the refusal is shown", 15 * SECOND, || {
        s.text_content("#add-account-error")
            .contains("refused the user name or password")
    });
    assert_eq!(
        s.value("#account-smtp-host"),
        "127.0.0.1",
        "what was typed stays"
    );
    assert_eq!(
        s.value("#account-smtp-password"),
        "",
        "the refused password is cleared"
    );
    s.type_into(
        "#account-smtp-password",
        belfry_testkit::smtp::Smtp::PASSWORD,
    );
    s.click("#add-account");
    s.wait_until("the mail account is listed", 15 * SECOND, || {
        s.text_content(".account-list").contains("Mail")
    });
    let html = s.execute("return document.documentElement.outerHTML", json!([]));
    assert!(
        !html
            .as_str()
            .unwrap()
            .contains(belfry_testkit::smtp::Smtp::PASSWORD),
        "the password stayed in the page"
    );

    s.click("[data-page=schedule]");
    fill_meeting(&s, "Seminar by email");
    s.type_into("#organizer", "ana@example.com");
    s.type_into("#attendee-input", "pat@elsewhere.example");
    s.press_enter("#attendee-input");
    wait_preview_contains(&s, "Seminar by email");
    s.wait_until("the sender is named", 10 * SECOND, || {
        s.text_content("#invitations-by")
            .contains("Belfry emails the attendees")
    });
    screenshot(&s, "schedule-by-mail");
    s.click("#add-to-calendar");
    s.wait_until("the window reports the emails", 20 * SECOND, || {
        s.text_content("#toast")
            .contains("Invitations emailed: 1 of 1")
    });
    let delivered = smtp.wait_for(1);
    assert_eq!(delivered.len(), 1);
    assert_eq!(delivered[0].envelope_to, ["pat@elsewhere.example"]);
    let parts = belfry_testkit::smtp::calendar_parts(&delivered[0].message);
    assert!(
        parts[0].0.to_ascii_lowercase().contains("method=request"),
        "{parts:?}"
    );
    assert!(
        parts[0].1.contains("SUMMARY:Seminar by email"),
        "{}",
        parts[0].1
    );

    // A meeting on no calendar (its invitation copied) is emailed from the History page.
    s.click("#new-meeting-id");
    fill_meeting(&s, "Copied colloquium");
    s.type_into("#attendee-input", "lee@elsewhere.example");
    s.press_enter("#attendee-input");
    wait_preview_contains(&s, "Copied colloquium");
    s.click("#copy-invitation");
    s.wait_until("the invitation is copied", 10 * SECOND, || {
        s.text_content("#toast").contains("Invitation copied")
    });
    s.click("[data-page=history]");
    s.wait_until("the meeting is listed", 10 * SECOND, || {
        s.text_content(".history-list")
            .contains("Copied colloquium")
    });
    s.execute(
        "[...document.querySelectorAll('.history-entry')].find((b) => b.textContent.includes(arguments[0])).click()",
        json!(["Copied colloquium"]),
    );
    s.wait_until("the email button is offered", 10 * SECOND, || {
        s.execute(
            "return !document.querySelector('#history-email').hidden",
            json!([]),
        ) == json!(true)
    });
    s.click("#history-email");
    s.wait_until("the window says how the email went", 20 * SECOND, || {
        s.text_content("#toast").contains("mail")
    });
    assert!(
        s.text_content("#toast").contains("Emailed 2 attendees"),
        "{}",
        s.text_content("#toast")
    );
    // The form kept Pat from the meeting before, and Lee was added.
    let delivered = smtp.wait_for(3);
    assert_eq!(delivered.len(), 3);
    let mut to: Vec<&str> = delivered[1..]
        .iter()
        .flat_map(|d| d.envelope_to.iter().map(String::as_str))
        .collect();
    to.sort_unstable();
    assert_eq!(to, ["lee@elsewhere.example", "pat@elsewhere.example"]);
    s.close();
}

/// What the package test runs against the installed window (`BELFRY_DESKTOP_BIN`), and every
/// test run against the built one: it starts on the Schedule page, and a title brings the preview.
#[test]
#[ignore = "needs Xvfb, tauri-driver and the built app: run scripts/test"]
fn the_window_opens_on_the_schedule_page() {
    let driver = Driver::start();
    let s = driver.session();
    assert_eq!(
        s.execute("return document.body.dataset.page", json!([])),
        json!("schedule")
    );
    assert_eq!(
        s.execute(
            "return document.querySelector('nav [aria-current=true]').textContent",
            json!([])
        ),
        json!("Schedule")
    );
    assert_eq!(
        s.execute("return document.title", json!([])),
        json!("Belfry")
    );
    s.set_value("#title", "Chemistry lab");
    wait_preview_contains(&s, "Join the Amazon Chime meeting:");
    s.close();
}

/// The tray, as a panel shows it (a StatusNotifierWatcher on the test's session bus): its
/// menu, and "Copy a fresh invitation" putting a new meeting's invitation on the clipboard,
/// kept in the history.
#[test]
#[ignore = "needs Xvfb, tauri-driver, a D-Bus session and the built app: run scripts/test"]
fn the_tray_copies_a_fresh_invitation() {
    let host = belfry_testkit::desktop_bus::TrayHost::start();
    let notifications = belfry_testkit::desktop_bus::NotificationDaemon::start();
    clear_clipboard();
    let driver = Driver::start();
    let s = driver.session();
    s.wait_until("the tray icon is registered", 10 * SECOND, || {
        !host.items().is_empty()
    });
    let item = host.items()[0].clone();
    let mut labels = Vec::new();
    s.wait_until("the tray menu is built", 10 * SECOND, || {
        labels = host
            .menu_entries(&item)
            .map(|entries| entries.into_iter().map(|e| (e.label, e.enabled)).collect())
            .unwrap_or_default();
        labels.len() >= 4
    });
    assert_eq!(
        labels,
        [
            ("New meeting".to_owned(), true),
            ("Copy a fresh invitation".to_owned(), true),
            ("No meeting scheduled".to_owned(), false),
            ("Quit Belfry".to_owned(), true),
        ]
    );

    host.click(&item, "Copy a fresh invitation").unwrap();
    s.wait_until("the invitation is on the clipboard", 10 * SECOND, || {
        clipboard().contains("Join the Amazon Chime meeting:")
    });
    let copied = clipboard();
    s.wait_until("a notification says so", 10 * SECOND, || {
        notifications
            .received()
            .iter()
            .any(|n| n.summary == "A fresh invitation is on the clipboard")
    });
    let told = notifications.received();
    let id = told
        .iter()
        .find(|n| n.summary == "A fresh invitation is on the clipboard")
        .map(|n| n.body.clone())
        .unwrap();
    let display = id
        .trim_start_matches("Meeting ")
        .split(':')
        .next()
        .unwrap()
        .to_owned();
    assert!(
        copied.contains(&display.replace(' ', "")) || copied.contains(&display),
        "{copied}"
    );
    s.click("[data-page=history]");
    s.wait_until("the History page lists it", 10 * SECOND, || {
        s.text_content(".history-list").contains(&display)
    });
    s.close();
}

/// A meeting scheduled while its server was away waits in the outbox; the server comes back
/// refusing it (403), and the window, started again, says so in a desktop notification (read
/// from a notification daemon on the test's session bus).
#[test]
#[ignore = "needs Xvfb, tauri-driver, Radicale, a D-Bus session and the built app: run scripts/test"]
fn a_waiting_delivery_that_fails_is_told_in_a_desktop_notification() {
    let server_dir = tempfile::tempdir().unwrap();
    let port = belfry_testkit::free_port();
    let server = belfry_testkit::radicale_in(server_dir.path(), port);
    let cal = format!("{}/ana/lectures/", server.url);
    belfry_testkit::mkcalendar(&cal, "ana", "ana-app-password", "Lectures");
    let data = tempfile::tempdir().unwrap();
    let belfry = |args: &[&str], stdin: &str| run_cli(data.path(), args, stdin);
    let added = belfry(
        &[
            "accounts",
            "add",
            "caldav",
            "--name",
            "School",
            "--url",
            &server.url,
            "--username",
            "ana",
            "--password-stdin",
        ],
        "ana-app-password\n",
    );
    assert!(added.status.success(), "{added:?}");
    drop(server);
    let scheduled = belfry(
        &[
            "schedule",
            "--account",
            "School",
            "--json",
            "--organizer",
            "prof@example.edu",
            "--title",
            "Lab while offline",
            "--start",
            "2027-03-01T10:00",
            "--tz",
            "Europe/Berlin",
        ],
        "",
    );
    let answer = String::from_utf8_lossy(&scheduled.stdout);
    assert!(
        answer.contains("pending"),
        "it waits: {answer} {scheduled:?}"
    );

    let _server = belfry_testkit::radicale_read_only_in(server_dir.path(), port);
    let notifications = belfry_testkit::desktop_bus::NotificationDaemon::start();
    let driver = Driver::start_with(data, &[]);
    let s = driver.session();
    s.wait_until("a notification says it failed", 60 * SECOND, || {
        notifications
            .received()
            .iter()
            .any(|n| n.summary == "Not on your calendar: Lab while offline")
    });
    let told = notifications.received();
    let failed = told
        .iter()
        .find(|n| n.summary == "Not on your calendar: Lab while offline")
        .unwrap();
    assert!(
        failed.body.starts_with("School refused it: ")
            && failed.body.ends_with(" Open History in Belfry to retry."),
        "{failed:?}"
    );
    assert_eq!(told.len(), 1, "told once: {told:?}");
    s.click("[data-page=history]");
    s.wait_until("the History page shows it refused", 10 * SECOND, || {
        s.text_content("#outbox").contains("Lab while offline")
    });
    s.close();
}

/// A `belfry://schedule` link handed to a second launch fills in the first window's Schedule
/// page (what was being written stays one click away); a malformed link is refused and
/// changes nothing.
#[test]
#[ignore = "needs Xvfb, tauri-driver and the built app: run scripts/test"]
fn a_belfry_link_fills_in_the_schedule_page_and_a_malformed_one_is_refused() {
    let driver = Driver::start();
    let s = driver.session();
    s.set_value("#title", "My own draft");
    wait_preview_contains(&s, "My own draft");
    let launch = |link: &str| {
        s.execute("delete document.body.dataset.lastLink", json!([]));
        let status = Command::new(app_binary())
            .arg(link)
            .env("BELFRY_DATA_DIR", driver.data_dir.path())
            .status()
            .unwrap();
        assert!(status.success(), "the second launch hands over: {status}");
    };
    let last_link = || s.execute("return document.body.dataset.lastLink || ''", json!([]));

    launch(
        "belfry://schedule?title=Linked%20lab&start=2027-03-01T10:00&tz=Europe/Berlin\
         &duration=45m&attendees=ana@example.edu,bo@example.edu",
    );
    s.wait_until("the link is followed", 10 * SECOND, || {
        last_link() == json!("followed")
    });
    assert_eq!(s.value("#title"), "Linked lab");
    assert_eq!(s.value("#duration"), "45m");
    assert!(s.text_content(".chips").contains("bo@example.edu"));
    assert!(s.text_content("#new-bar").contains("belfry:// link"));
    wait_preview_contains(&s, "Linked lab");
    assert_eq!(app_pids().len(), 1, "one window");
    s.click("#back-to-draft");
    s.wait_until("the draft is back", 10 * SECOND, || {
        s.value("#title") == "My own draft"
    });

    for (link, why) in [
        (
            "belfry://schedule?passcode=123456",
            "unknown parameter \"passcode\"",
        ),
        ("belfry://delete?uid=1", "belfry://schedule"),
    ] {
        launch(link);
        s.wait_until("the link is refused", 10 * SECOND, || {
            last_link() == json!("refused")
        });
        let said = s.text_content("#toast");
        assert!(
            said.contains("A belfry:// link was refused") && said.contains(why),
            "{said}"
        );
        assert_eq!(s.value("#title"), "My own draft", "nothing changed");
    }
    s.close();
}

/// The page's controls as assistive technology and the keyboard meet them: for every visible,
/// enabled control, its accessible name (aria-labelledby, aria-label, a label, its text, a
/// title; a placeholder does not count), or `null`. Each is tagged `data-a11y=<index>`.
const CONTROLS_SCRIPT: &str = r#"
const text = (el) => (el ? el.textContent.replace(/\s+/g, ' ').trim() : '');
const visible = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
const selector = 'input, select, textarea, button, a[href], summary, [role=button], [role=link], [role=checkbox], [role=tab], [tabindex]:not([tabindex="-1"])';
const controls = [...document.querySelectorAll(selector)].filter((el) => visible(el) && !el.disabled && el.type !== 'hidden' && el.getAttribute('tabindex') !== '-1' && !el.closest('[hidden], [inert]'));
return controls.map((el, i) => {
  el.dataset.a11y = String(i);
  let name = '';
  const by = el.getAttribute('aria-labelledby');
  if (by) name = by.split(/\s+/).map((id) => text(document.getElementById(id))).join(' ').trim();
  if (!name) name = (el.getAttribute('aria-label') || '').trim();
  if (!name && el.id) name = [...document.querySelectorAll('label')].filter((l) => l.htmlFor === el.id).map(text).join(' ').trim();
  if (!name && el.closest('label')) name = text(el.closest('label'));
  if (!name && !['INPUT', 'SELECT', 'TEXTAREA'].includes(el.tagName)) name = text(el);
  if (!name && ['submit', 'button', 'reset'].includes(el.type)) name = el.value || '';
  if (!name) name = (el.getAttribute('title') || '').trim();
  const what = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).join('.') : '') + (el.type ? '[' + el.type + ']' : '');
  return { index: i, what, name, radio: el.type === 'radio' ? el.name : '' };
});
"#;

/// Every page, as a keyboard and a screen reader meet it: every visible control has an
/// accessible name, and Tab reaches every one of them.
#[test]
#[ignore = "needs Xvfb, tauri-driver and the built app: run scripts/test"]
fn every_control_of_every_page_is_named_and_reached_by_tab() {
    let driver = Driver::start();
    let s = driver.session();
    let pages = [
        "schedule", "bulk", "history", "migrate", "accounts", "admin", "settings", "about",
    ];
    let mut problems = Vec::new();
    for page in pages {
        s.click(&format!("[data-page={page}]"));
        s.wait_until("the page shows", 10 * SECOND, || {
            s.execute("return document.body.dataset.page", json!([])) == json!(page)
        });
        if page == "schedule" {
            // The repeat controls too.
            s.set_value("#repeat", "weekly");
        }
        let controls = s.execute(CONTROLS_SCRIPT, json!([]));
        let controls = controls.as_array().cloned().unwrap_or_default();
        assert!(!controls.is_empty(), "{page}: no controls found");
        for c in &controls {
            if c["name"].as_str().unwrap_or("").is_empty() {
                problems.push(format!("{page}: {} has no accessible name", c["what"]));
            }
        }
        // Tab from the top of the page, noting every control that takes the focus.
        s.execute(
            "window.__reached = new Set();
             document.addEventListener('focusin', (e) => { const i = e.target.dataset && e.target.dataset.a11y; if (i !== undefined) window.__reached.add(Number(i)); });
             document.activeElement && document.activeElement.blur();
             window.focus();",
            json!([]),
        );
        s.press_key('\u{E004}', controls.len() + 5);
        let reached = s.execute("return [...window.__reached]", json!([]));
        let reached: Vec<u64> = reached
            .as_array()
            .map(|a| a.iter().filter_map(serde_json::Value::as_u64).collect())
            .unwrap_or_default();
        // A radio group is one stop: reaching one of its buttons reaches the group.
        let reached_groups: Vec<&str> = controls
            .iter()
            .filter(|c| reached.contains(&c["index"].as_u64().unwrap_or(u64::MAX)))
            .filter_map(|c| c["radio"].as_str().filter(|r| !r.is_empty()))
            .collect();
        for c in &controls {
            let index = c["index"].as_u64().unwrap_or(u64::MAX);
            let group = c["radio"].as_str().unwrap_or("");
            if !reached.contains(&index) && (group.is_empty() || !reached_groups.contains(&group)) {
                problems.push(format!(
                    "{page}: Tab never reaches {} ({:?})",
                    c["what"], c["name"]
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    s.close();
}

/// Closing the window quits Belfry, unless Settings says to keep it in the tray: then the
/// window hides, the tray's "New meeting" brings it back and "Quit Belfry" quits.
#[test]
#[ignore = "needs Xvfb, tauri-driver, a D-Bus session and the built app: run scripts/test"]
fn closing_the_window_keeps_belfry_in_the_tray_only_when_chosen() {
    let host = belfry_testkit::desktop_bus::TrayHost::start();
    // As chosen by default: closing quits. (Started without WebDriver, whose automation
    // keeps a window it drives from closing.)
    let data = tempfile::tempdir().unwrap();
    let mut plain = Command::new(app_binary())
        .env("BELFRY_DATA_DIR", data.path())
        .spawn()
        .unwrap();
    let s_deadline = Instant::now() + 20 * SECOND;
    while shown_windows().is_empty() {
        assert!(Instant::now() < s_deadline, "the window never showed");
        std::thread::sleep(SECOND / 10);
    }
    // Asked again until it quits: a request that reaches GTK before the window is realized
    // is dropped, as one from a window manager would be.
    let quit_deadline = Instant::now() + 10 * SECOND;
    let status = loop {
        request_close();
        std::thread::sleep(SECOND / 2);
        if let Some(status) = plain.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < quit_deadline,
            "closing the window did not quit"
        );
    };
    assert!(status.success(), "{status}");
    // Its tray icon went with it.
    let gone = host.items();

    let driver = Driver::start();
    let s = driver.session();
    s.wait_until("the tray icon is registered", 10 * SECOND, || {
        host.items().len() > gone.len()
    });
    let item = host.items().last().unwrap().clone();
    s.wait_until("the window is shown", 10 * SECOND, || {
        !shown_windows().is_empty()
    });
    s.click("[data-page=settings]");
    assert_eq!(
        s.execute(
            "return document.getElementById('keep-in-tray').checked",
            json!([])
        ),
        json!(false),
        "off until chosen"
    );
    s.click("#keep-in-tray");
    s.wait_until("the choice is saved", 10 * SECOND, || {
        s.text_content("#toast")
            .contains("keeps Belfry in the tray")
    });

    s.wait_until("the window is hidden", 10 * SECOND, || {
        request_close();
        std::thread::sleep(SECOND / 2);
        shown_windows().is_empty()
    });
    assert_eq!(app_pids().len(), 1, "Belfry still runs, in the tray");
    host.click(&item, "New meeting").unwrap();
    s.wait_until("the tray brings the window back", 10 * SECOND, || {
        !shown_windows().is_empty()
    });
    s.wait_until("on the Schedule page", 10 * SECOND, || {
        s.execute("return document.body.dataset.page", json!([])) == json!("schedule")
    });
    host.click(&item, "Quit Belfry").unwrap();
    s.wait_until("Belfry quits", 10 * SECOND, || app_pids().is_empty());
}

/// The window opens on the page it was left on.
#[test]
#[ignore = "needs Xvfb, tauri-driver and the built app: run scripts/test"]
fn the_window_opens_on_the_page_it_was_left_on() {
    let driver = Driver::start();
    let s = driver.session();
    s.click("[data-page=accounts]");
    s.wait_until("the page is remembered", 10 * SECOND, || {
        s.execute("return document.body.dataset.remembered", json!([])) == json!("accounts")
    });
    kill_app();
    drop(s);
    let s = driver.session();
    assert_eq!(
        s.execute("return document.body.dataset.page", json!([])),
        json!("accounts")
    );
    assert_eq!(
        s.execute(
            "return document.querySelector('nav [aria-current=true]').textContent",
            json!([])
        ),
        json!("Accounts")
    );
    s.close();
}

/// Starting at login is off until chosen in Settings; choosing it writes the desktop's
/// autostart entry (XDG autostart, under the user's home), and unchoosing removes it.
#[test]
#[ignore = "needs Xvfb, tauri-driver and the built app: run scripts/test"]
fn starting_at_login_is_an_opt_in_autostart_entry() {
    let home = tempfile::tempdir().unwrap();
    let home_dir = home.path().to_str().unwrap().to_owned();
    let driver = Driver::start_with(tempfile::tempdir().unwrap(), &[("HOME", &home_dir)]);
    let s = driver.session();
    let autostart = home.path().join(".config/autostart");
    let entries = || -> Vec<String> {
        std::fs::read_dir(&autostart)
            .map(|dir| {
                dir.filter_map(Result::ok)
                    .filter(|e| e.path().extension().is_some_and(|x| x == "desktop"))
                    .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
                    .collect()
            })
            .unwrap_or_default()
    };
    s.click("[data-page=settings]");
    s.wait_until("the setting is read", 10 * SECOND, || {
        s.execute(
            "return document.getElementById('launch-at-login').disabled",
            json!([]),
        ) == json!(false)
    });
    assert_eq!(
        s.execute(
            "return document.getElementById('launch-at-login').checked",
            json!([])
        ),
        json!(false),
        "off until chosen"
    );
    assert!(entries().is_empty());
    s.click("#launch-at-login");
    s.wait_until("the entry is written", 10 * SECOND, || entries().len() == 1);
    let entry = entries().remove(0);
    assert!(
        entry
            .lines()
            .any(|l| l.starts_with("Exec=") && l.contains("belfry-desktop")),
        "{entry}"
    );
    s.wait_until("the window says so", 10 * SECOND, || {
        s.text_content("#toast")
            .contains("Belfry starts when you log in")
    });
    s.click("#launch-at-login");
    s.wait_until("the entry is removed", 10 * SECOND, || entries().is_empty());
    s.close();
}
