//! The real `belfry` binary, each test with its own data directory.

#![allow(
    clippy::disallowed_methods,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use std::path::Path;

use assert_cmd::Command;
use calcard::icalendar::{ICalendar, ICalendarComponentType as C, ICalendarProperty as P};
use serde_json::Value;

struct Env {
    data: tempfile::TempDir,
}

impl Env {
    fn new() -> Env {
        Env {
            data: tempfile::tempdir().unwrap(),
        }
    }

    fn cmd(&self) -> Command {
        let mut c = Command::cargo_bin("belfry").unwrap();
        c.env("BELFRY_DATA_DIR", self.data.path())
            .env_remove("BELFRY_CONFIG");
        c
    }

    /// Runs with `args`, expecting success; returns stdout.
    fn ok(&self, args: &[&str]) -> String {
        let out = self.cmd().args(args).output().unwrap();
        assert!(
            out.status.success(),
            "belfry {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Runs with `args`, expecting exit code `code`; returns stderr.
    fn fails(&self, args: &[&str], code: i32) -> String {
        let out = self.cmd().args(args).output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(code),
            "belfry {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.stdout.is_empty(), "no partial output on failure");
        String::from_utf8(out.stderr).unwrap()
    }

    fn json(&self, args: &[&str]) -> Value {
        serde_json::from_str(&self.ok(args)).unwrap()
    }

    /// Runs with `args` on the day the tests see ([`TODAY`]), with `config` as `belfry.toml`
    /// when given, expecting success; returns stdout as JSON.
    fn json_today(&self, args: &[&str], config: Option<&Path>) -> Value {
        let mut cmd = self.cmd();
        if let Some(config) = config {
            cmd.env("BELFRY_CONFIG", config);
        }
        let out = cmd.env("BELFRY_CLOCK", TODAY).args(args).output().unwrap();
        assert!(
            out.status.success(),
            "belfry {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }
}

/// The day the tests that depend on the date see (`BELFRY_CLOCK`), whatever the machine's
/// clock says.
const TODAY: &str = "2026-12-01T09:00:00Z";

const MEETING: &[&str] = &[
    "--title",
    "Physics 101",
    "--start",
    "2027-03-01T10:00",
    "--tz",
    "America/New_York",
];

fn with<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut v: Vec<&str> = MEETING.to_vec();
    v.extend_from_slice(extra);
    v
}

#[test]
fn new_prints_a_fresh_id_and_records_it() {
    let env = Env::new();
    let a = env.json(&["new", "--json"]);
    let b = env.json(&["new", "--json"]);
    let id = a["meeting_id"].as_str().unwrap();
    assert_eq!(id.len(), 10);
    assert!(id.chars().all(|c| c.is_ascii_digit()));
    assert_eq!(
        a["display"].as_str().unwrap(),
        format!("{} {} {}", &id[..4], &id[4..6], &id[6..])
    );
    assert!(a.get("moderator_passcode").is_none());
    assert_ne!(a["meeting_id"], b["meeting_id"]);
    let history = env.json(&["history", "--json"]);
    let ids: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["meeting_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [b["meeting_id"].as_str().unwrap(), id]);
}

#[test]
fn invite_text_and_json() {
    let env = Env::new();
    let v = env.json(
        &["invite", "--format", "json"]
            .iter()
            .copied()
            .chain(with(&["--attendee", "ana@example.com"]))
            .collect::<Vec<_>>(),
    );
    let id = v["meeting_id"].as_str().unwrap();
    assert_eq!(v["join_url"], format!("https://chime.aws/{id}"));
    assert_eq!(v["location"], format!("+12064625569,,{id}#"));
    let attendees: Vec<&str> = v["attendees"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    let pin = format!("pin+{id}@chime.aws");
    assert_eq!(
        attendees,
        ["ana@example.com", "meet@chime.aws", pin.as_str()]
    );
    let text = v["text"].as_str().unwrap();
    assert!(text.starts_with("Physics 101\n"), "{text}");
    assert!(text.contains(&format!("Meeting ID: {}", v["display"].as_str().unwrap())));
    assert!(
        v["html"]
            .as_str()
            .unwrap()
            .contains(&format!("<a href=\"https://chime.aws/{id}\">"))
    );

    let plain = env.ok(&["invite"]
        .iter()
        .copied()
        .chain(with(&[]))
        .collect::<Vec<_>>());
    assert!(
        plain.contains("When: Mon 1 Mar 2027, 10:00–11:00 EST (America/New_York)"),
        "{plain}"
    );
}

#[test]
fn ics_to_stdout_and_to_a_file_parse_back() {
    let env = Env::new();
    let args: Vec<&str> = ["ics"]
        .iter()
        .copied()
        .chain(with(&[
            "--organizer",
            "me@example.com",
            "--attendee",
            "ana@example.com",
        ]))
        .collect();
    let ics = env.ok(&args);
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

    let out = env.data.path().join("meeting.ics");
    let mut args = args.clone();
    let path = out.to_str().unwrap().to_owned();
    args.extend(["--output", &path]);
    assert_eq!(env.ok(&args), "", "nothing on stdout when writing a file");
    let written = std::fs::read_to_string(&out).unwrap();
    assert!(ICalendar::parse(&written).is_ok());
    assert!(written.starts_with("BEGIN:VCALENDAR\r\n"));
}

#[test]
fn bad_input_is_one_line_naming_the_option_with_exit_2_and_no_file() {
    let env = Env::new();
    let out = env.data.path().join("never.ics");
    let path = out.to_str().unwrap();
    let cases: &[(&[&str], &str)] = &[
        (
            &[
                "ics",
                "--title",
                "x",
                "--start",
                "2027-02-30T10:00",
                "--organizer",
                "a@b.co",
                "--output",
                path,
            ],
            "--start:",
        ),
        (
            &[
                "ics",
                "--title",
                "x",
                "--start",
                "2027-03-01T10:00",
                "--tz",
                "Mars/Base",
                "--organizer",
                "a@b.co",
                "--output",
                path,
            ],
            "--tz:",
        ),
        (
            &[
                "ics",
                "--title",
                "x",
                "--start",
                "2027-03-01T10:00",
                "--duration",
                "90",
                "--organizer",
                "a@b.co",
                "--output",
                path,
            ],
            "--duration:",
        ),
        (
            &[
                "ics",
                "--title",
                "x",
                "--start",
                "2027-03-01T10:00",
                "--attendee",
                "bob",
                "--organizer",
                "a@b.co",
                "--output",
                path,
            ],
            "--attendee:",
        ),
        (
            &[
                "ics",
                "--title",
                "x",
                "--start",
                "2027-03-01T10:00",
                "--output",
                path,
            ],
            "--organizer:",
        ),
        (
            &[
                "invite",
                "--title",
                "x",
                "--start",
                "2027-03-01T10:00",
                "--repeat",
                "weekly",
                "--on",
                "tue",
            ],
            "--on:",
        ),
        (
            &[
                "invite",
                "--title",
                "x",
                "--start",
                "2027-03-01T10:00",
                "--meeting-id",
                "12-34",
            ],
            "--meeting-id:",
        ),
        (
            &[
                "invite",
                "--title",
                "x",
                "--start",
                "2027-03-01T10:00",
                "--dial-in",
                "XX",
            ],
            "--dial-in:",
        ),
        (
            &[
                "invite",
                "--title",
                "x",
                "--start",
                "2027-03-01T10:00",
                "--personal",
            ],
            "--personal/--moderated:",
        ),
        (
            &[
                "invite",
                "--title",
                "x",
                "--start",
                "2027-03-01T10:00",
                "--repeat",
                "yearly",
            ],
            "--repeat",
        ),
        (&["invite", "--title", "x"], "--start"),
        (&["new", "--passcode", "1234"], "--moderated"),
        (&["moderator-info", "--meeting-id", "a b"], "--meeting-id:"),
    ];
    for (args, option) in cases {
        let err = env.fails(args, 2);
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.starts_with("belfry: "), "{err}");
        assert!(err.contains(option), "{args:?} should name {option}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    assert!(!out.exists(), "a refused command wrote a file");
    // Nothing was recorded either.
    assert_eq!(env.json(&["history", "--json"]), Value::Array(vec![]));
}

#[test]
fn cancel_reaches_every_attendee_with_a_higher_sequence() {
    let env = Env::new();
    let first: Vec<&str> = ["invite", "--format", "json"]
        .iter()
        .copied()
        .chain(with(&["--attendee", "ana@example.com"]))
        .collect();
    let v = env.json(&first);
    let id = v["meeting_id"].as_str().unwrap().to_owned();
    let cancel: Vec<&str> = [
        "ics",
        "--method",
        "cancel",
        "--meeting-id",
        &id,
        "--organizer",
        "me@example.com",
    ]
    .iter()
    .copied()
    .chain(with(&["--attendee", "ana@example.com"]))
    .collect();
    let ics = env.ok(&cancel);
    assert!(ics.contains("METHOD:CANCEL\r\n") && ics.contains("STATUS:CANCELLED\r\n"));
    assert!(ics.contains("SEQUENCE:1\r\n"), "{ics}");
    for a in [
        "mailto:ana@example.com",
        "mailto:meet@chime.aws",
        &format!("mailto:pin+{id}@chime.aws"),
    ] {
        assert!(ics.contains(&format!("{a}\r\n")), "{a} missing");
    }
    let history = env.ok(&["history"]);
    assert!(history.contains("[cancelled]"), "{history}");
}

#[test]
fn settings_round_trip_and_personal_meetings() {
    let env = Env::new();
    let err = env.fails(&["settings", "set", "personal-id", "123"], 2);
    assert!(
        err.contains("--meeting-id") || err.contains("10 digits"),
        "{err}"
    );
    env.ok(&["settings", "set", "personal-id", "5550 12 3456"]);
    env.ok(&["settings", "set", "time-zone", "Asia/Kathmandu"]);
    let s = env.json(&["settings", "show", "--json"]);
    assert_eq!(s["personal-id"], "5550123456");
    assert_eq!(s["time-zone"], "Asia/Kathmandu");
    let v = env.json(&[
        "invite",
        "--format",
        "json",
        "--personal",
        "--title",
        "Office hours",
        "--start",
        "2027-03-01T09:00",
    ]);
    assert_eq!(v["meeting_id"], "5550123456");
    assert!(v["text"].as_str().unwrap().contains("(Asia/Kathmandu)"));

    let template = env.data.path().join("t.j2");
    std::fs::write(&template, "{{ title }} -> {{ join_url }}").unwrap();
    env.ok(&["settings", "set", "template", template.to_str().unwrap()]);
    let text = env.ok(&[
        "invite",
        "--personal",
        "--title",
        "T",
        "--start",
        "2027-03-01T09:00",
    ]);
    assert_eq!(text, "T -> https://chime.aws/5550123456\n");
    std::fs::write(&template, "{{ nope }").unwrap();
    let err = env.fails(
        &["settings", "set", "template", template.to_str().unwrap()],
        2,
    );
    assert!(err.contains("template line 1"), "{err}");
    env.ok(&["settings", "unset", "template"]);
    assert!(
        env.ok(&[
            "invite",
            "--personal",
            "--title",
            "T",
            "--start",
            "2027-03-01T09:00"
        ])
        .contains("Join the Amazon Chime meeting")
    );
}

#[test]
fn without_a_keyring_moderated_meetings_say_what_is_missing() {
    let env = Env::new();
    let out = env
        .cmd()
        .args(["new", "--moderated"])
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/belfry-test-bus",
        )
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("Secret Service"), "{err}");
    assert!(err.contains("gnome-keyring"), "{err}");
    assert!(out.stdout.is_empty());
    assert_eq!(env.json(&["history", "--json"]), Value::Array(vec![]));
}

#[test]
fn about_and_help_state_the_service_status() {
    let env = Env::new();
    assert!(
        env.ok(&["about"])
            .contains("ended support for the Amazon Chime service on 20 February 2026")
    );
    assert!(env.ok(&["--help"]).contains("20 February 2026"));
    for cmd in [
        "new",
        "invite",
        "ics",
        "moderator-info",
        "history",
        "settings",
    ] {
        assert!(
            env.ok(&[cmd, "--help"]).contains("Usage: belfry"),
            "{cmd} --help"
        );
    }
}

/// Needs the real Secret Service: the passcode must survive into a second process.
#[test]
#[ignore = "needs a real Secret Service: run scripts/test"]
fn moderated_passcode_is_kept_in_the_keyring_across_processes() {
    let env = Env::new();
    let v = env.json(&["new", "--moderated", "--json"]);
    let id = v["meeting_id"].as_str().unwrap();
    let passcode = v["moderator_passcode"].as_str().unwrap();
    assert_eq!(passcode.len(), 8);
    let info = env.ok(&["moderator-info", "--meeting-id", id]);
    assert!(
        info.contains(&format!("Moderator passcode: {passcode}")),
        "{info}"
    );

    // An invitation and .ics for the same meeting never carry it, and neither does the disk.
    let mut args: Vec<&str> = vec!["ics", "--meeting-id", id, "--organizer", "me@example.com"];
    args.extend(MEETING);
    let ics = env.ok(&args);
    assert!(ics.contains("starts when a moderator joins"));
    assert!(!ics.contains(passcode));
    assert!(
        !dir_contains(env.data.path(), passcode),
        "the passcode reached the data directory"
    );

    // A chosen passcode is kept as given.
    let v = env.json(&["new", "--moderated", "--passcode", "4321", "--json"]);
    assert_eq!(v["moderator_passcode"], "4321");
    let info = env.ok(&[
        "moderator-info",
        "--meeting-id",
        v["meeting_id"].as_str().unwrap(),
    ]);
    assert!(info.contains("Moderator passcode: 4321"));
}

/// Belfry's entries in the real keyring, as libsecret's own tool sees them: (key, secret).
fn keyring_entries() -> Vec<(String, String)> {
    let out = std::process::Command::new("secret-tool")
        .args(["search", "--all", "service", "belfry"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "secret-tool: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut entries = Vec::new();
    let (mut key, mut secret) = (None, None);
    for line in text.lines() {
        if line.starts_with('[') {
            if let (Some(k), Some(v)) = (key.take(), secret.take()) {
                entries.push((k, v));
            }
        } else if let Some(v) = line.strip_prefix("secret = ") {
            secret = Some(v.to_owned());
        } else if let Some(v) = line.strip_prefix("label = keyring:") {
            // keyring-core labels entries `keyring:USER@SERVICE`; secret-tool prints the
            // attributes themselves on standard error.
            key = v.strip_suffix("@belfry").map(str::to_owned);
        }
    }
    if let (Some(k), Some(v)) = (key, secret) {
        entries.push((k, v));
    }
    entries
}

/// Adds the CalDAV account "School" for ana on `server_url` through the CLI.
fn add_school(env: &Env, server_url: &str) {
    let out = env
        .cmd()
        .args([
            "accounts",
            "add",
            "caldav",
            "--name",
            "School",
            "--url",
            server_url,
            "--username",
            "ana",
            "--password-stdin",
        ])
        .write_stdin("ana-app-password\n")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs `belfry` with a `belfry.toml` that points Google and Microsoft at the test OAuth
/// server, and `$BROWSER` a script that follows its redirects.
struct OAuthEnv<'a> {
    env: &'a Env,
    config: std::path::PathBuf,
    browser: std::path::PathBuf,
}

impl<'a> OAuthEnv<'a> {
    fn new(env: &'a Env, server: &belfry_testkit::OAuthServer) -> OAuthEnv<'a> {
        let config = env.data.path().join("belfry.toml");
        std::fs::write(&config, server.belfry_toml()).unwrap();
        OAuthEnv {
            env,
            config,
            browser: belfry_testkit::test_browser(env.data.path()),
        }
    }

    fn command(&self, args: &[&str]) -> std::process::Output {
        self.env
            .cmd()
            .args(args)
            .env("BELFRY_CONFIG", &self.config)
            .env("BROWSER", &self.browser)
            .output()
            .unwrap()
    }

    /// Runs, expecting success; returns stdout.
    fn run(&self, args: &[&str]) -> String {
        let out = self.command(args);
        assert!(
            out.status.success(),
            "belfry {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

/// Some file in `dir` or a folder of it (the log's, say) holds `needle`.
fn dir_contains(dir: &Path, needle: &str) -> bool {
    std::fs::read_dir(dir).unwrap().any(|e| {
        let p = e.unwrap().path();
        if p.is_dir() {
            return dir_contains(&p, needle);
        }
        p.is_file() && String::from_utf8_lossy(&std::fs::read(&p).unwrap()).contains(needle)
    })
}

/// Needs the real Secret Service and Radicale: a CalDAV account from add to remove, its
/// password only ever in the keyring.
#[test]
#[ignore = "needs a real Secret Service and Radicale: run scripts/test"]
fn caldav_account_lifecycle_keeps_the_password_in_the_keyring_only() {
    let env = Env::new();
    // Other tests' accounts may share this keyring: only what this test adds counts.
    let before: Vec<String> = keyring_entries().into_iter().map(|(k, _)| k).collect();
    let server = belfry_testkit::radicale();
    belfry_testkit::mkcalendar(
        &format!("{}/carol/lectures/", server.url),
        "carol",
        "carol-canary-app-password",
        "Lectures",
    );
    belfry_testkit::mkcalendar(
        &format!("{}/carol/office/", server.url),
        "carol",
        "carol-canary-app-password",
        "Office hours",
    );

    // A wrong password is refused, and nothing is recorded.
    let out = env
        .cmd()
        .args([
            "accounts",
            "add",
            "caldav",
            "--name",
            "School",
            "--url",
            &server.url,
            "--username",
            "carol",
            "--password-stdin",
        ])
        .write_stdin("wrong-canary-password\n")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("refused the user name or app password"),
        "{err}"
    );
    assert!(!err.contains("wrong-canary-password"));

    let canary = "carol-canary-app-password";
    let out = env
        .cmd()
        .args([
            "accounts",
            "add",
            "caldav",
            "--name",
            "School",
            "--url",
            server.url.trim_start_matches("http://"),
            "--username",
            "carol",
            "--password-stdin",
        ])
        .write_stdin(format!("{canary}\n"))
        .output()
        .unwrap();
    // Just the host: https is assumed, and Radicale speaks plain HTTP here.
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = env
        .cmd()
        .args([
            "accounts",
            "add",
            "caldav",
            "--name",
            "School",
            "--url",
            &server.url,
            "--username",
            "carol",
            "--password-stdin",
        ])
        .write_stdin(format!("{canary}\n"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let note = String::from_utf8_lossy(&out.stderr);
    assert!(note.contains("does not send invitations itself"), "{note}");

    let list = env.json(&["accounts", "list", "--json"]);
    assert_eq!(list[0]["name"], "School");
    assert_eq!(list[0]["kind"], "caldav");
    assert_eq!(list[0]["identity"], "carol");
    assert_eq!(
        list[0]["default_calendar"],
        format!("{}/carol/lectures/", server.url)
    );

    let cals = env.json(&["accounts", "calendars", "school", "--json"]);
    let names: Vec<&str> = cals
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Lectures", "Office hours"]);
    assert_eq!(cals[0]["writable"], true);
    assert_eq!(cals[0]["sends_invitations"], false);

    env.ok(&["accounts", "default-calendar", "School", "Office hours"]);
    assert_eq!(
        env.json(&["accounts", "list", "--json"])[0]["default_calendar"],
        format!("{}/carol/office/", server.url)
    );
    env.ok(&["accounts", "rename", "School", "Lectures"]);
    let err = env.fails(&["accounts", "calendars", "School"], 2);
    assert!(err.contains("no account named"), "{err}");

    // The password is in the keyring (read back by libsecret's own tool) and nowhere else.
    let mine: Vec<String> = keyring_entries()
        .into_iter()
        .filter(|(k, v)| k.starts_with("account/") && v == canary && !before.contains(k))
        .map(|(k, _)| k)
        .collect();
    assert_eq!(
        mine.len(),
        1,
        "the app password is in the keyring once: {:?}",
        keyring_entries()
    );
    assert!(
        !dir_contains(env.data.path(), canary),
        "the password reached the data directory"
    );

    env.ok(&["accounts", "remove", "Lectures"]);
    assert_eq!(
        env.json(&["accounts", "list", "--json"]),
        Value::Array(vec![])
    );
    let left = keyring_entries();
    assert!(
        !left.iter().any(|(k, _)| mine.contains(k)),
        "the secret outlived its account"
    );
}

/// Needs the real Secret Service and the OAuth test server: Google and Microsoft accounts
/// signed in through a browser (here curl, following the redirects), their calendars, and
/// removal with revocation. The refresh tokens, planted by the server, must appear nowhere
/// but the keyring: not in the data directory, not in any output.
#[test]
#[ignore = "needs a real Secret Service and the OAuth test server: run scripts/test"]
fn oauth_accounts_sign_in_list_and_remove_leaving_no_token_behind() {
    let env = Env::new();
    // Other tests' accounts may share this keyring: only what this test adds counts.
    let before: Vec<String> = keyring_entries().into_iter().map(|(k, _)| k).collect();
    let server = belfry_testkit::oauth_server(60);
    let config = env.data.path().join("belfry.toml");
    std::fs::write(&config, server.belfry_toml()).unwrap();
    let browser = belfry_testkit::test_browser(env.data.path());

    let mut outputs = String::new();
    let mut run = |args: &[&str]| -> String {
        let out = env
            .cmd()
            .args(args)
            .env("BELFRY_CONFIG", &config)
            .env("BROWSER", &browser)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.success(), "belfry {args:?}: {stderr}");
        outputs.push_str(&stdout);
        outputs.push_str(&stderr);
        stdout + &stderr
    };

    let said = run(&["accounts", "add", "google", "--name", "Personal"]);
    assert!(said.contains("Signed in as ana@example.com"), "{said}");
    assert!(said.contains("default: ana@example.com"), "{said}");
    let said = run(&["accounts", "add", "microsoft", "--name", "Work"]);
    assert!(said.contains("Signed in as ana@example.com"), "{said}");
    // Every refresh token the keyring ever holds is a canary: those of the sign-ins, and the
    // rotated ones that later calls (new processes, so new refreshes) leave behind.
    let refresh_tokens = || -> Vec<(String, String)> {
        keyring_entries()
            .into_iter()
            .filter(|(k, _)| {
                k.starts_with("account/") && k.ends_with("/refresh-token") && !before.contains(k)
            })
            .collect()
    };
    let mut canaries: Vec<String> = refresh_tokens().into_iter().map(|(_, v)| v).collect();
    assert_eq!(canaries.len(), 2, "two refresh tokens in the keyring");

    let list: Value = serde_json::from_str(&run(&["accounts", "list", "--json"])).unwrap();
    let kinds: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["google", "microsoft"]);
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .all(|a| a["identity"] == "ana@example.com")
    );

    let google: Value =
        serde_json::from_str(&run(&["accounts", "calendars", "Personal", "--json"])).unwrap();
    let g: Vec<(&str, bool)> = google
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap(),
                c["writable"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        g,
        [
            ("ana@example.com", true),
            ("Lectures", true),
            ("Prof. Lee", true),
            ("Holidays", false)
        ]
    );
    let lee = google
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "Prof. Lee")
        .unwrap();
    assert_eq!(
        lee["owner"], "lee@example.com",
        "a host's calendar names its owner"
    );
    assert!(
        google
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["sends_invitations"] == true)
    );
    let ms: Value =
        serde_json::from_str(&run(&["accounts", "calendars", "Work", "--json"])).unwrap();
    let host = ms
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "Host: Prof. Lee")
        .unwrap();
    assert_eq!(host["owner"], "lee@example.com");
    assert_eq!(host["writable"], true);

    let entries = refresh_tokens();
    assert_eq!(
        entries.len(),
        2,
        "two refresh tokens in the keyring: {entries:?}"
    );
    let keys: Vec<String> = entries.iter().map(|(k, _)| k.clone()).collect();
    for (_, token) in entries {
        if !canaries.contains(&token) {
            canaries.push(token);
        }
    }
    assert!(
        canaries.len() > 2,
        "listing calendars in new processes refreshed and rotated the tokens"
    );

    let revoked_before = server.revocations();
    run(&["accounts", "remove", "Personal"]);
    run(&["accounts", "remove", "Work"]);
    assert_eq!(
        server.revocations(),
        revoked_before + 2,
        "both sign-ins were revoked"
    );

    for token in &canaries {
        assert!(
            !dir_contains(env.data.path(), token),
            "a token reached the data directory"
        );
        assert!(
            !outputs.contains(token.as_str()),
            "a token reached the output"
        );
    }
    let left = keyring_entries();
    assert!(
        !left.iter().any(|(k, _)| keys.contains(k)),
        "a token outlived its account"
    );
}

/// Needs the real Secret Service: AWS credentials, checked with STS (a loopback stand-in set
/// through the standard `AWS_ENDPOINT_URL_STS`), the secret key only in the keyring.
#[test]
#[ignore = "needs a real Secret Service: run scripts/test"]
fn aws_accounts_show_whose_credentials_they_are() {
    let env = Env::new();
    let sts = belfry_testkit::fake_sts("arn:aws:iam::123456789012:user/chime-admin");
    let aws_dir = tempfile::tempdir().unwrap();
    let config = aws_dir.path().join("config");
    let creds = aws_dir.path().join("credentials");
    std::fs::write(&config, "[profile chime]\nregion = us-east-1\n").unwrap();
    std::fs::write(
        &creds,
        "[chime]\naws_access_key_id = AKIAPROFILEEXAMPLE01\naws_secret_access_key = profileSecretExampleKey0000000000000000\n",
    )
    .unwrap();
    let aws = |args: &[&str], stdin: &str| {
        env.cmd()
            .args(args)
            .env("AWS_ENDPOINT_URL_STS", &sts.url)
            .env("AWS_CONFIG_FILE", &config)
            .env("AWS_SHARED_CREDENTIALS_FILE", &creds)
            .env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_PROFILE")
            .write_stdin(stdin)
            .output()
            .unwrap()
    };

    let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    let out = aws(
        &[
            "accounts",
            "add",
            "aws",
            "--name",
            "Admin",
            "--access-key-id",
            "AKIAIOSFODNN7EXAMPLE",
            "--secret-stdin",
        ],
        &format!("{secret}\n"),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("arn:aws:iam::123456789012:user/chime-admin")
    );
    let out = aws(
        &[
            "accounts",
            "add",
            "aws",
            "--name",
            "Profile",
            "--profile",
            "chime",
        ],
        "",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let signed_by: Vec<String> = sts.authorizations.lock().unwrap().clone();
    assert!(
        signed_by[0].contains("Credential=AKIAIOSFODNN7EXAMPLE/"),
        "{signed_by:?}"
    );
    assert!(
        signed_by[1].contains("Credential=AKIAPROFILEEXAMPLE01/"),
        "{signed_by:?}"
    );

    let list = env.json(&["accounts", "list", "--json"]);
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .all(|a| a["identity"] == "arn:aws:iam::123456789012:user/chime-admin")
    );
    let mine: Vec<String> = keyring_entries()
        .into_iter()
        .filter(|(k, v)| k.ends_with("/aws-secret-access-key") && v == secret)
        .map(|(k, _)| k)
        .collect();
    assert_eq!(mine.len(), 1, "the secret key is in the keyring");
    assert!(
        !dir_contains(env.data.path(), secret),
        "the secret key reached the data directory"
    );

    env.ok(&["accounts", "remove", "Admin"]);
    assert!(
        !keyring_entries().iter().any(|(k, _)| mine.contains(k)),
        "the secret key outlived its account"
    );
}

/// Needs the real Secret Service and Radicale: a meeting onto a CalDAV calendar exactly
/// once, updated, cancelled, and a delivery cut off by a dead server finished at the next
/// start.
#[test]
#[ignore = "needs a real Secret Service and Radicale: run scripts/test"]
fn schedule_reschedule_cancel_and_resume_on_caldav() {
    let env = Env::new();
    let server_dir = tempfile::tempdir().unwrap();
    let port = belfry_testkit::free_port();
    let server = belfry_testkit::radicale_in(server_dir.path(), port);
    let cal = format!("{}/ana/lectures/", server.url);
    belfry_testkit::mkcalendar(&cal, "ana", "ana-app-password", "Lectures");
    add_school(&env, &server.url);
    let events = || belfry_testkit::ics_paths(&cal, "ana", "ana-app-password");
    let fetch = |href: &str| belfry_testkit::fetch(href, "ana", "ana-app-password");

    let mut args = vec![
        "schedule",
        "--account",
        "School",
        "--json",
        "--organizer",
        "prof@example.edu",
        "--attendee",
        "ana@example.com",
    ];
    args.extend(MEETING);
    let done = env.json(&args);
    let id = done["meeting_id"].as_str().unwrap().to_owned();
    assert_eq!(done["deliveries"][0]["status"], "created");
    assert_eq!(done["deliveries"][0]["invitations_sent"], false);
    let href = done["deliveries"][0]["href"].as_str().unwrap().to_owned();
    let ics = fetch(&href);
    assert!(ics.contains(&format!("pin+{id}@chime.aws")), "{ics}");
    assert!(ics.contains("mailto:meet@chime.aws"));
    assert!(
        !ics.contains("METHOD:"),
        "a calendar resource has no METHOD"
    );

    // The same meeting again: the same event, not a second one.
    let mut again = vec![
        "schedule",
        "--account",
        "School",
        "--json",
        "--meeting-id",
        &id,
        "--organizer",
        "prof@example.edu",
        "--attendee",
        "ana@example.com",
    ];
    again.extend(MEETING);
    assert_eq!(
        env.json(&again)["deliveries"][0]["status"],
        "already there",
        "confirmed before: nothing is sent again"
    );
    assert_eq!(events().len(), 1);

    let moved = [
        "reschedule",
        "--json",
        "--meeting-id",
        &id,
        "--title",
        "Physics 101",
        "--start",
        "2027-03-02T11:00",
        "--tz",
        "America/New_York",
        "--organizer",
        "prof@example.edu",
        "--attendee",
        "ana@example.com",
    ];
    let r = env.json(&moved);
    assert_eq!(r["sequence"], 1);
    let ics = fetch(&href);
    assert!(
        ics.contains("SEQUENCE:1") && ics.contains("DTSTART;TZID=America/New_York:20270302T110000"),
        "{ics}"
    );
    let c = env.json(&["cancel", "--json", "--meeting-id", &id]);
    assert_eq!(c["sequence"], 2);
    let ics = fetch(&href);
    assert!(
        ics.contains("STATUS:CANCELLED") && ics.contains("SEQUENCE:2"),
        "{ics}"
    );
    assert_eq!(events().len(), 1);

    // The server dies: a new meeting is recorded in the outbox and stays pending...
    drop(server);
    let mut later = vec![
        "schedule",
        "--account",
        "School",
        "--json",
        "--organizer",
        "prof@example.edu",
    ];
    later.extend([
        "--title",
        "Lab",
        "--start",
        "2027-03-05T09:00",
        "--tz",
        "Europe/Berlin",
    ]);
    let pending = env.json(&later);
    assert_eq!(pending["deliveries"][0]["status"], "pending", "{pending}");
    assert!(
        pending["deliveries"][0]["message"]
            .as_str()
            .unwrap()
            .contains("cannot reach"),
        "{pending}"
    );
    let lab_id = pending["meeting_id"].as_str().unwrap().to_owned();
    let lab_uid = pending["uid"].as_str().unwrap().to_owned();

    // ...commands that do not write to calendars never wait on the server...
    let quiet = env.cmd().args(["history"]).output().unwrap();
    assert!(quiet.status.success());
    assert!(!String::from_utf8_lossy(&quiet.stderr).contains("earlier delivery"));
    // ...the outbox says what is waiting, why, and when it is tried again...
    let waiting = env.json(&["outbox", "--json"]);
    assert_eq!(waiting.as_array().unwrap().len(), 1, "{waiting}");
    assert_eq!(waiting[0]["uid"], lab_uid.as_str());
    assert_eq!(waiting[0]["state"], "pending");
    assert!(
        waiting[0]["message"]
            .as_str()
            .unwrap()
            .contains("cannot reach"),
        "{waiting}"
    );
    assert!(!waiting[0]["next_try_at"].as_str().unwrap().is_empty());

    // ...and once the server is back, it is sent (here at once, when asked).
    let server = belfry_testkit::radicale_in(server_dir.path(), port);
    let retried = env.json(&["outbox", "retry", "--uid", &lab_uid, "--json"]);
    assert_eq!(retried[0]["status"], "created", "{retried}");
    let all = events();
    assert_eq!(
        all.len(),
        2,
        "the cancelled meeting and the lab, each once: {all:?}"
    );
    let first_name = href.rsplit('/').next().unwrap().to_owned();
    let lab = all.iter().find(|h| !h.ends_with(&first_name)).unwrap();
    let lab_ics = fetch(&format!("{}{}", server.url, lab));
    assert!(
        lab_ics.contains(&format!("pin+{lab_id}@chime.aws")),
        "{lab_ics}"
    );
    // Nothing is left to do.
    assert_eq!(env.json(&["outbox", "--json"]), Value::Array(vec![]));
    assert_eq!(events().len(), 2);
}

/// Needs the real Secret Service and Radicale: a 20-meeting bulk run killed at random points
/// (seeded, so a failure can be replayed) and run again until done; the calendar holds each
/// meeting exactly once.
#[test]
#[ignore = "needs a real Secret Service and Radicale: run scripts/test"]
fn a_bulk_run_killed_at_random_points_schedules_each_meeting_once() {
    let env = Env::new();
    let server = belfry_testkit::radicale();
    let cal = format!("{}/ana/lectures/", server.url);
    belfry_testkit::mkcalendar(&cal, "ana", "ana-app-password", "Lectures");
    add_school(&env, &server.url);

    let csv = env.data.path().join("term.csv");
    let mut rows = String::from("title,start,tz,duration,attendees,organizer\n");
    for n in 1..=20 {
        rows.push_str(&format!(
            "Lecture {n},2027-04-{n:02}T10:00,Europe/Berlin,1h30m,ana@example.com;bob@example.com,prof@example.edu\n"
        ));
    }
    std::fs::write(&csv, rows).unwrap();
    let run = || {
        let mut c = env.cmd();
        c.args([
            "schedule",
            "--account",
            "School",
            "--from-csv",
            csv.to_str().unwrap(),
        ])
        .timeout(std::time::Duration::from_secs(120));
        c.output().unwrap()
    };

    let seed: u64 = std::env::var("BELFRY_KILL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20271);
    let mut state = seed;
    let mut next = || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        state >> 33
    };
    // Each round is killed as soon as the calendar holds a few more events than before (a
    // seeded number), so the kills land in the middle of the run, wherever that is.
    let count = || belfry_testkit::ics_paths(&cal, "ana", "ana-app-password").len();
    let mut written_at_kills = Vec::new();
    for round in 0..6 {
        let target = count() + 1 + (next() % 4) as usize;
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("belfry"))
            .args([
                "schedule",
                "--account",
                "School",
                "--from-csv",
                csv.to_str().unwrap(),
            ])
            .env("BELFRY_DATA_DIR", env.data.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while child.try_wait().unwrap().is_none()
            && count() < target
            && std::time::Instant::now() < deadline
        {
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        let _ = child.kill();
        let _ = child.wait();
        let held = count();
        eprintln!("seed {seed}: round {round} killed at {target} events or more, with {held}");
        written_at_kills.push(held);
    }
    assert!(
        written_at_kills.iter().any(|&n| n > 0 && n < 20),
        "seed {seed}: no kill landed in the middle of the run: {written_at_kills:?}"
    );
    let done = run();
    assert!(
        done.status.success(),
        "seed {seed}: {}",
        String::from_utf8_lossy(&done.stderr)
    );
    // Once more: nothing new.
    let again = run();
    assert!(again.status.success());
    assert!(
        !String::from_utf8_lossy(&again.stdout).contains(" created "),
        "seed {seed}: a row was created twice"
    );

    let hrefs = belfry_testkit::ics_paths(&cal, "ana", "ana-app-password");
    assert_eq!(
        hrefs.len(),
        20,
        "seed {seed}: the calendar holds {} events",
        hrefs.len()
    );
    let mut titles: Vec<String> = hrefs
        .iter()
        .map(|h| {
            let ics =
                belfry_testkit::fetch(&format!("{}{h}", server.url), "ana", "ana-app-password");
            ics.lines()
                .find_map(|l| l.strip_prefix("SUMMARY:"))
                .unwrap()
                .trim()
                .to_owned()
        })
        .collect();
    titles.sort();
    titles.dedup();
    assert_eq!(titles.len(), 20, "seed {seed}: every lecture exactly once");
}

/// Needs the real Secret Service and the OAuth test server: a meeting inserted into a Google
/// calendar (the loopback fake) exactly once, however often it is scheduled.
#[test]
#[ignore = "needs a real Secret Service and the OAuth test server: run scripts/test"]
fn a_meeting_goes_onto_a_google_calendar_once() {
    let env = Env::new();
    let server = belfry_testkit::oauth_server(3600);
    let oauth = OAuthEnv::new(&env, &server);
    let run = |args: &[&str]| oauth.run(args);
    run(&["accounts", "add", "google", "--name", "Personal"]);
    let mut args = vec![
        "schedule",
        "--account",
        "Personal",
        "--json",
        "--organizer",
        "ana@example.com",
        "--attendee",
        "bob@example.com",
    ];
    args.extend(MEETING);
    let done: Value = serde_json::from_str(&run(&args)).unwrap();
    assert_eq!(done["deliveries"][0]["status"], "created", "{done}");
    assert_eq!(done["deliveries"][0]["invitations_sent"], true);
    let id = done["meeting_id"].as_str().unwrap().to_owned();
    let mut again = vec![
        "schedule",
        "--account",
        "Personal",
        "--json",
        "--meeting-id",
        &id,
        "--organizer",
        "ana@example.com",
        "--attendee",
        "bob@example.com",
    ];
    again.extend(MEETING);
    let again: Value = serde_json::from_str(&run(&again)).unwrap();
    assert_eq!(again["deliveries"][0]["status"], "already there", "{again}");

    let v = server.google_events();
    assert_eq!(
        v["calendars"]["ana@example.com"].as_array().unwrap().len(),
        1,
        "{v}"
    );
    // Moved: the same event, replaced, SEQUENCE up.
    let moved = [
        "reschedule",
        "--json",
        "--meeting-id",
        &id,
        "--title",
        "Physics 101",
        "--start",
        "2027-03-02T11:00",
        "--tz",
        "America/New_York",
        "--organizer",
        "ana@example.com",
        "--attendee",
        "bob@example.com",
    ];
    let r: Value = serde_json::from_str(&run(&moved)).unwrap();
    assert_eq!(r["deliveries"][0]["status"], "updated", "{r}");
    let events = || server.google_events();
    let now = events();
    let event = &now["events"]["ana@example.com"][0];
    assert_eq!(event["start"]["dateTime"], "2027-03-02T11:00:00", "{now}");
    assert_eq!(event["sequence"], 1);
    // Cancelled: deleted with sendUpdates=all, so Google mails the cancellation to everyone.
    let c: Value = serde_json::from_str(&run(&["cancel", "--json", "--meeting-id", &id])).unwrap();
    assert_eq!(c["deliveries"][0]["status"], "cancelled", "{c}");
    let after = events();
    assert_eq!(
        after["calendars"]["ana@example.com"]
            .as_array()
            .unwrap()
            .len(),
        0,
        "{after}"
    );
    assert_eq!(after["deleted"].as_array().unwrap().len(), 1, "{after}");

    // A first version that never reached Google (every try reset), changed before it did:
    // the change is inserted in its place, once.
    // Five resets: every attempt of the first try.
    server.faults(&["reset"; 5]);
    let mut never = vec![
        "schedule",
        "--account",
        "Personal",
        "--json",
        "--title",
        "Optics",
    ];
    never.extend(["--start", "2027-05-03T09:00", "--tz", "Europe/Berlin"]);
    let first: Value = serde_json::from_str(&run(&never)).unwrap();
    assert_eq!(first["deliveries"][0]["status"], "pending", "{first}");
    let optics = first["meeting_id"].as_str().unwrap().to_owned();
    let moved: Value = serde_json::from_str(&run(&[
        "reschedule",
        "--json",
        "--meeting-id",
        &optics,
        "--title",
        "Optics",
        "--start",
        "2027-05-04T09:00",
        "--tz",
        "Europe/Berlin",
    ]))
    .unwrap();
    assert_eq!(moved["deliveries"][0]["status"], "created", "{moved}");
    let now = events();
    let optics_events: Vec<&Value> = now["events"]["ana@example.com"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["summary"] == "Optics")
        .collect();
    assert_eq!(optics_events.len(), 1, "{now}");
    assert_eq!(optics_events[0]["start"]["dateTime"], "2027-05-04T09:00:00");

    // A delegate on the host's shared calendar: the host organizes, a fresh ID is used.
    run(&["settings", "set", "personal-id", "6064724824"]);
    let mut personal = vec![
        "schedule",
        "--account",
        "Personal",
        "--calendar",
        "Prof. Lee",
        "--personal",
    ];
    personal.extend(MEETING);
    let out = oauth.command(&personal);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut hosted = vec![
        "schedule",
        "--account",
        "Personal",
        "--calendar",
        "Prof. Lee",
        "--json",
    ];
    hosted.extend(MEETING);
    let h: Value = serde_json::from_str(&run(&hosted)).unwrap();
    assert_eq!(h["deliveries"][0]["status"], "created", "{h}");
    let on_lee = events();
    let event = &on_lee["events"]["lee@example.com"][0];
    assert!(
        event["attendees"].to_string().contains(&format!(
            "pin+{}@chime.aws",
            h["meeting_id"].as_str().unwrap()
        )),
        "{on_lee}"
    );
    assert!(
        event["description"]
            .as_str()
            .unwrap()
            .contains("Host: lee@example.com"),
        "the invitation names the host: {event}"
    );
    // What Google received (the fake's log, not Belfry's own report): every write asked
    // Google to email the attendees, and the change carried SEQUENCE 1.
    let log = server.requests();
    let writes: Vec<&Value> = log
        .iter()
        .filter(|r| r["method"] != "GET" && r["path"].as_str().unwrap().contains("/events"))
        .collect();
    assert!(writes.len() >= 5, "{log:?}");
    for w in &writes {
        assert!(
            w["query"].as_str().unwrap().contains("sendUpdates=all"),
            "a write without sendUpdates=all: {w}"
        );
    }
    assert!(
        writes
            .iter()
            .any(|w| w["method"] == "PUT" && w["body"]["sequence"] == 1),
        "the change went as SEQUENCE 1: {writes:?}"
    );
    run(&["accounts", "remove", "Personal"]);
}

#[test]
#[ignore = "needs a real Secret Service and the OAuth test server: run scripts/test"]
fn microsoft_365_meetings_for_me_and_as_a_delegate_with_four_requests_per_mailbox() {
    let env = Env::new();
    let server = belfry_testkit::oauth_server(3600);
    let oauth = OAuthEnv::new(&env, &server);
    let command = |args: &[&str]| oauth.command(args);
    let run = |args: &[&str]| oauth.run(args);
    let graph = || server.graph();
    run(&["accounts", "add", "microsoft", "--name", "Work"]);

    // My own calendar: a weekly series in New York time, written with its Windows zone.
    let mut mine = vec![
        "schedule",
        "--account",
        "Work",
        "--calendar",
        "Calendar",
        "--json",
        "--attendee",
        "bob@example.com",
        "--repeat",
        "weekly",
        "--count",
        "6",
    ];
    mine.extend(MEETING);
    let done: Value = serde_json::from_str(&run(&mine)).unwrap();
    assert_eq!(done["deliveries"][0]["status"], "created", "{done}");
    assert_eq!(done["deliveries"][0]["invitations_sent"], true);
    let id = done["meeting_id"].as_str().unwrap().to_owned();
    let now = graph();
    let event = &now["mailboxes"]["ana@example.com"][0];
    assert_eq!(event["start"]["timeZone"], "Eastern Standard Time", "{now}");
    assert_eq!(event["start"]["dateTime"], "2027-03-01T10:00:00");
    assert_eq!(event["recurrence"]["pattern"]["daysOfWeek"][0], "monday");
    assert_eq!(event["recurrence"]["range"]["numberOfOccurrences"], 6);
    let attendees: Vec<&str> = event["attendees"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["emailAddress"]["address"].as_str().unwrap())
        .collect();
    assert!(attendees.contains(&"meet@chime.aws"), "{attendees:?}");
    assert!(
        attendees.contains(&format!("pin+{id}@chime.aws").as_str()),
        "{attendees:?}"
    );
    assert!(attendees.contains(&"bob@example.com"), "{attendees:?}");
    assert!(
        event["body"]["content"]
            .as_str()
            .unwrap()
            .contains(&format!("https://chime.aws/{id}")),
        "{event}"
    );

    // Moved, then cancelled: the same Graph event each time.
    let moved = [
        "reschedule",
        "--json",
        "--meeting-id",
        &id,
        "--title",
        "Physics 101",
        "--start",
        "2027-03-02T11:00",
        "--tz",
        "America/New_York",
        "--attendee",
        "bob@example.com",
        "--repeat",
        "weekly",
        "--count",
        "6",
    ];
    let r: Value = serde_json::from_str(&run(&moved)).unwrap();
    assert_eq!(r["deliveries"][0]["status"], "updated", "{r}");
    let now = graph();
    assert_eq!(
        now["mailboxes"]["ana@example.com"]
            .as_array()
            .unwrap()
            .len(),
        1,
        "{now}"
    );
    assert_eq!(
        now["mailboxes"]["ana@example.com"][0]["start"]["dateTime"],
        "2027-03-02T11:00:00"
    );
    let c: Value = serde_json::from_str(&run(&["cancel", "--json", "--meeting-id", &id])).unwrap();
    assert_eq!(c["deliveries"][0]["status"], "cancelled", "{c}");
    assert_eq!(
        graph()["mailboxes"]["ana@example.com"]
            .as_array()
            .unwrap()
            .len(),
        0
    );

    // A delegate on the host's calendar: the host organizes; the delegate's personal ID is refused.
    run(&["settings", "set", "personal-id", "6064724824"]);
    let mut personal = vec![
        "schedule",
        "--account",
        "Work",
        "--calendar",
        "Host: Prof. Lee",
        "--personal",
    ];
    personal.extend(MEETING);
    let out = command(&personal);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("personal"), "{stderr}");
    let mut delegate = vec![
        "schedule",
        "--account",
        "Work",
        "--calendar",
        "Host: Prof. Lee",
        "--json",
    ];
    delegate.extend(MEETING);
    let d: Value = serde_json::from_str(&run(&delegate)).unwrap();
    assert_eq!(d["deliveries"][0]["status"], "created", "{d}");
    let hosted = &graph()["mailboxes"]["lee@example.com"][0];
    assert_eq!(
        hosted["organizer"]["emailAddress"]["address"],
        "lee@example.com"
    );
    let hid = d["meeting_id"].as_str().unwrap();
    assert_ne!(hid, "6064724824");
    assert!(
        hosted["attendees"]
            .to_string()
            .contains(&format!("pin+{hid}@chime.aws")),
        "{hosted}"
    );
    let mut read_only = vec![
        "schedule",
        "--account",
        "Work",
        "--calendar",
        "Team (read only)",
    ];
    read_only.extend(MEETING);
    let out = command(&read_only);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("read-only"));

    // A creation whose answer was lost and never confirmed, then a change made before it
    // was: the retried POST hands back the first version, which is brought up to date. One
    // event, with the new time.
    let queue = |faults: &[&str]| server.faults(faults);
    // Every attempt of the first try.
    queue(&["lost", "reset", "reset", "reset", "reset"]);
    let unsure = vec![
        "schedule",
        "--account",
        "Work",
        "--calendar",
        "Calendar",
        "--json",
        "--title",
        "Optics",
        "--start",
        "2027-05-03T09:00",
        "--tz",
        "Europe/Berlin",
    ];
    let first: Value = serde_json::from_str(&run(&unsure)).unwrap();
    assert_eq!(first["deliveries"][0]["status"], "pending", "{first}");
    let optics = first["meeting_id"].as_str().unwrap().to_owned();
    let moved: Value = serde_json::from_str(&run(&[
        "reschedule",
        "--json",
        "--meeting-id",
        &optics,
        "--title",
        "Optics",
        "--start",
        "2027-05-04T09:00",
        "--tz",
        "Europe/Berlin",
    ]))
    .unwrap();
    assert_eq!(moved["deliveries"][0]["status"], "updated", "{moved}");
    let now = graph();
    let optics_events: Vec<&Value> = now["mailboxes"]["ana@example.com"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["subject"] == "Optics")
        .collect();
    assert_eq!(optics_events.len(), 1, "{now}");
    assert_eq!(optics_events[0]["start"]["dateTime"], "2027-05-04T09:00:00");
    let run_cancel: Value =
        serde_json::from_str(&run(&["cancel", "--json", "--meeting-id", &optics])).unwrap();
    assert_eq!(
        run_cancel["deliveries"][0]["status"], "cancelled",
        "{run_cancel}"
    );

    // A bulk run of 12 with slow answers: never more than 4 requests on the mailbox at once
    // (the fake throttles the 5th), and more than one at a time.
    let csv = env.data.path().join("term.csv");
    let mut rows = String::from("title,start,tz\n");
    for n in 1..=12 {
        rows.push_str(&format!("Lab {n},2027-04-{n:02}T09:00,Europe/Berlin\n"));
    }
    std::fs::write(&csv, rows).unwrap();
    server.faults(&["slow"; 12]);
    let bulk: Value = serde_json::from_str(&run(&[
        "schedule",
        "--account",
        "Work",
        "--calendar",
        "Calendar",
        "--json",
        "--from-csv",
        csv.to_str().unwrap(),
    ]))
    .unwrap();
    let rows = bulk.as_array().unwrap();
    assert_eq!(rows.len(), 12, "{bulk}");
    for (n, row) in rows.iter().enumerate() {
        assert_eq!(row["row"], n + 1, "in the file's order");
        assert_eq!(row["result"]["deliveries"][0]["status"], "created", "{row}");
    }
    let after = graph();
    assert_eq!(
        after["mailboxes"]["ana@example.com"]
            .as_array()
            .unwrap()
            .len(),
        12,
        "{after}"
    );
    assert_eq!(
        after["mailboxes"]["ana@example.com"][0]["start"]["timeZone"],
        "W. Europe Standard Time"
    );
    let most = after["maxInFlight"]["ana@example.com"].as_u64().unwrap();
    assert!(
        (2..=4).contains(&most),
        "{most} requests at once on one mailbox"
    );
    assert_eq!(after["throttled"], 0, "{after}");
    run(&["accounts", "remove", "Work"]);
}

/// A Belfry data directory with AWS credentials (an access key checked against the STS
/// stand-in) and the Chime API pointed at `fake` through `AWS_ENDPOINT_URL_CHIME`.
struct ChimeEnv {
    env: Env,
    sts: belfry_testkit::FakeSts,
    fake: belfry_testkit::ChimeFake,
    aws_dir: tempfile::TempDir,
}

impl ChimeEnv {
    fn new(page_size: u32) -> ChimeEnv {
        let c = ChimeEnv {
            env: Env::new(),
            sts: belfry_testkit::fake_sts("arn:aws:iam::123456789012:user/chime-admin"),
            fake: belfry_testkit::chime_fake(page_size),
            aws_dir: tempfile::tempdir().unwrap(),
        };
        let out = c.run(
            &[
                "accounts",
                "add",
                "aws",
                "--name",
                "Admin",
                "--access-key-id",
                "AKIAIOSFODNN7CHIME01",
                "--secret-stdin",
            ],
            "chimeAdminSecretKeyExample00000000000000\n",
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        c
    }

    fn run(&self, args: &[&str], stdin: &str) -> std::process::Output {
        self.env
            .cmd()
            .args(args)
            // Trials are judged against this day, not the machine's.
            .env("BELFRY_CLOCK", TODAY)
            .env("AWS_ENDPOINT_URL_STS", &self.sts.url)
            .env("AWS_ENDPOINT_URL_CHIME", &self.fake.url)
            .env("AWS_CONFIG_FILE", self.aws_dir.path().join("config"))
            .env(
                "AWS_SHARED_CREDENTIALS_FILE",
                self.aws_dir.path().join("credentials"),
            )
            .env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_PROFILE")
            .write_stdin(stdin)
            .output()
            .unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args, "");
        assert!(
            out.status.success(),
            "belfry {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    fn json(&self, args: &[&str]) -> Value {
        serde_json::from_str(&self.ok(args)).unwrap()
    }
}

impl Drop for ChimeEnv {
    /// The keyring is shared by the tests: take the access key out of it again.
    fn drop(&mut self) {
        let _ = self.run(&["accounts", "remove", "Admin"], "");
    }
}

#[test]
#[ignore = "needs a real Secret Service and the Chime fake: run scripts/test"]
fn an_administrator_does_the_console_steps_from_the_cli() {
    let c = ChimeEnv::new(3);
    // Nothing changes without --yes when there is no terminal to ask on.
    let out = c.run(&["chime", "accounts", "create", "Physics"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--yes"));
    assert!(
        c.fake.get("/__test/state")["accounts"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    let made = c.json(&["chime", "accounts", "create", "Physics", "--yes", "--json"]);
    let id = made["id"].as_str().unwrap().to_owned();
    assert_eq!(made["account_type"], "Team");
    c.ok(&["chime", "accounts", "rename", &id, "Physics Dept", "--yes"]);
    c.ok(&["chime", "accounts", "default-license", &id, "pro", "--yes"]);
    let listed = c.json(&["chime", "accounts", "list", "--name", "Physics", "--json"]);
    assert_eq!(listed[0]["name"], "Physics Dept");
    assert_eq!(listed[0]["default_license"], "Pro");

    let invited = c.json(&[
        "chime",
        "users",
        "invite",
        "--account",
        &id,
        "--yes",
        "--json",
        "ana@example.edu",
        "bob@example.edu",
        "carol@example.edu",
        "dan@example.edu",
    ]);
    assert_eq!(invited.as_array().unwrap().len(), 4);
    let out = c.run(
        &[
            "chime",
            "users",
            "invite",
            "--account",
            &id,
            "--yes",
            "not-an-address",
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not-an-address"));

    // Four users over two pages (3 per page): all listed.
    let users = c.json(&["chime", "users", "list", "--account", &id, "--json"]);
    assert_eq!(users.as_array().unwrap().len(), 4, "{users}");
    c.ok(&[
        "chime",
        "users",
        "license",
        "--account",
        &id,
        "basic",
        "bob@example.edu",
        "--yes",
    ]);
    let bob = c.json(&[
        "chime",
        "users",
        "list",
        "--account",
        &id,
        "--email",
        "bob@example.edu",
        "--json",
    ]);
    assert_eq!(bob[0]["license"], "Basic");

    let before = c.json(&[
        "chime",
        "users",
        "list",
        "--account",
        &id,
        "--email",
        "ana@example.edu",
        "--json",
    ]);
    let ana_id = before[0]["id"].as_str().unwrap().to_owned();
    let reset = c.json(&[
        "chime",
        "users",
        "reset-pin",
        "--account",
        &id,
        &ana_id,
        "--yes",
        "--json",
    ]);
    let pin = reset["personal_pin"].as_str().unwrap().to_owned();
    assert_eq!(pin.len(), 10);
    let said = c.ok(&[
        "chime",
        "users",
        "use-pin",
        "--account",
        &id,
        "ana@example.edu",
    ]);
    assert!(said.contains(&pin), "{said}");
    let settings = c.json(&["settings", "show", "--json"]);
    assert_eq!(
        settings["personal-id"].as_str().unwrap().replace(' ', ""),
        pin,
        "{settings}"
    );

    // Deleting a Team account with active users is refused with the way out, then done.
    let out = c.run(&["chime", "accounts", "delete", &id, "--yes"], "");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("suspended") && err.contains("--suspend-users"),
        "{err}"
    );
    let done = c.ok(&[
        "chime",
        "accounts",
        "delete",
        &id,
        "--suspend-users",
        "--yes",
    ]);
    assert!(
        done.contains("4 users suspended") && done.contains("90 days"),
        "{done}"
    );
    let state = c.fake.get("/__test/state");
    assert_eq!(state["accounts"][0]["Deleted"], true, "{state}");

    // Access denied names the IAM action to grant.
    c.fake.hook(
        "/__test/faults",
        &serde_json::json!({"faults": ["denied:chime:ListAccounts"]}),
    );
    let out = c.run(&["chime", "accounts", "list"], "");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("chime:ListAccounts"));
}

#[test]
#[ignore = "needs a real Secret Service and the Chime fake: run scripts/test"]
fn doctor_finds_each_problem_and_passes_the_good_case() {
    let c = ChimeEnv::new(10);
    c.fake.hook(
        "/__test/seed",
        &serde_json::json!({"accounts": [
            {"Name": "Physics", "AccountType": "Team", "users": [
                {"PrimaryEmail": "good@example.edu", "LicenseType": "Pro"},
                {"PrimaryEmail": "basic@example.edu", "LicenseType": "Basic"},
                {"PrimaryEmail": "trial@example.edu", "LicenseType": "ProTrial", "RegisteredOn": "2026-09-01T00:00:00Z"},
                {"PrimaryEmail": "newtrial@example.edu", "LicenseType": "ProTrial", "RegisteredOn": "2026-11-20T00:00:00Z"},
                {"PrimaryEmail": "away@example.edu", "LicenseType": "Pro", "UserRegistrationStatus": "Suspended"},
                {"PrimaryEmail": "invited@example.edu", "LicenseType": "Pro", "UserRegistrationStatus": "Unregistered"},
            ]},
            {"Name": "Closing", "AccountType": "Team", "AccountStatus": "Suspended", "users": [
                {"PrimaryEmail": "closing@example.edu", "LicenseType": "Pro"},
            ]},
        ]}),
    );
    let doctor = |email: &str| {
        let out = c.run(&["doctor", "--email", email, "--json"], "");
        let report: Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{email}: {e}: {}", String::from_utf8_lossy(&out.stderr)));
        (out.status.code(), report)
    };
    let codes = |r: &Value| -> Vec<(String, String)> {
        r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["code"].as_str().unwrap().to_owned(),
                    f["severity"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    let (code, good) = doctor("good@example.edu");
    assert_eq!(code, Some(0), "{good}");
    assert_eq!(good["ok"], true);
    let good_codes = codes(&good);
    assert!(
        good_codes.contains(&("service-ended".into(), "warning".into())),
        "{good}"
    );
    assert!(
        good_codes.contains(&("licensed".into(), "ok".into())),
        "{good}"
    );

    for (email, want) in [
        ("basic@example.edu", "basic-license"),
        ("trial@example.edu", "trial-ended"),
        ("away@example.edu", "suspended"),
        ("invited@example.edu", "not-registered"),
        ("closing@example.edu", "account-suspended"),
        ("nobody@example.edu", "not-found"),
    ] {
        let (code, report) = doctor(email);
        assert_eq!(code, Some(3), "{email}: {report}");
        assert_eq!(report["ok"], false);
        let found = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["code"] == want)
            .unwrap_or_else(|| panic!("{email}: no {want} in {report}"));
        assert_eq!(found["severity"], "error");
        assert!(!found["fix"].as_str().unwrap().is_empty());
    }
    let (code, report) = doctor("newtrial@example.edu");
    assert_eq!(code, Some(0), "a running trial warns: {report}");
    assert!(codes(&report).contains(&("trial-ends".into(), "warning".into())));

    // The text form names the problem and the fix.
    let out = c.run(&["doctor", "--email", "basic@example.edu"], "");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Basic license")
            && text.contains("fix: ")
            && text.contains("run: belfry chime users license --account ")
            && text.contains("Scheduling will fail"),
        "{text}"
    );
}

#[test]
#[ignore = "needs a real Secret Service and Radicale: run scripts/test"]
fn a_delegate_schedules_on_the_hosts_caldav_calendar() {
    let env = Env::new();
    let server = belfry_testkit::radicale_shared();
    belfry_testkit::mkcalendar(
        &format!("{}/ana/own/", server.url),
        "ana",
        "ana-app-password",
        "Own",
    );
    let host_cal = format!("{}/lee/lectures/", server.url);
    belfry_testkit::mkcalendar(&host_cal, "lee", "lee-app-password", "Lectures");
    let other = format!("{}/bob/private/", server.url);
    belfry_testkit::mkcalendar(&other, "bob", "bob-app-password", "Private");
    add_school(&env, &server.url);
    env.ok(&["settings", "set", "personal-id", "6064724824"]);

    // The host must be named: they organize.
    let mut anonymous = vec![
        "schedule",
        "--account",
        "School",
        "--calendar",
        &host_cal,
        "--organizer",
        "ana@example.edu",
    ];
    anonymous.extend(MEETING);
    let err = env.fails(&anonymous, 2);
    assert!(err.contains("--on-behalf-of"), "{err}");
    // Never the delegate's own personal ID on the host's calendar.
    let mut personal = anonymous.clone();
    personal.extend(["--on-behalf-of", "lee@example.edu", "--personal"]);
    let err = env.fails(&personal, 2);
    assert!(err.contains("personal"), "{err}");

    let mut delegate = anonymous.clone();
    delegate.extend([
        "--on-behalf-of",
        "lee@example.edu",
        "--attendee",
        "stu@example.edu",
        "--json",
    ]);
    let done = env.json(&delegate);
    assert_eq!(done["deliveries"][0]["status"], "created", "{done}");
    let id = done["meeting_id"].as_str().unwrap();
    assert_ne!(id, "6064724824");
    // Read back as the host, with an independent client.
    let hrefs = belfry_testkit::ics_paths(&host_cal, "lee", "lee-app-password");
    assert_eq!(hrefs.len(), 1);
    let ics = belfry_testkit::fetch(
        &format!("{}{}", server.url, hrefs[0]),
        "lee",
        "lee-app-password",
    );
    let unfolded = ics.replace("\r\n ", "");
    assert!(
        unfolded.contains("ORGANIZER") && unfolded.contains("mailto:lee@example.edu"),
        "{ics}"
    );
    assert!(unfolded.contains(&format!("pin+{id}@chime.aws")), "{ics}");
    assert!(unfolded.contains("meet@chime.aws"), "{ics}");

    // A calendar not shared with the delegate, and another server, are refused.
    let mut private = vec![
        "schedule",
        "--account",
        "School",
        "--calendar",
        &other,
        "--on-behalf-of",
        "bob@example.edu",
        "--organizer",
        "ana@example.edu",
    ];
    private.extend(MEETING);
    let out = env.cmd().args(&private).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("not a calendar shared with"), "{err}");
    assert!(belfry_testkit::ics_paths(&other, "bob", "bob-app-password").is_empty());
    let mut elsewhere = vec![
        "schedule",
        "--account",
        "School",
        "--calendar",
        "http://127.0.0.2:9/lee/lectures/",
        "--on-behalf-of",
        "lee@example.edu",
    ];
    elsewhere.extend(MEETING);
    let err = env.fails(&elsewhere, 2);
    assert!(err.contains("not on"), "{err}");
}

#[test]
#[ignore = "needs a real Secret Service and Radicale: run scripts/test"]
fn identical_rows_of_a_bulk_run_are_one_meeting_even_side_by_side() {
    let env = Env::new();
    let server = belfry_testkit::radicale();
    let cal = format!("{}/ana/lectures/", server.url);
    belfry_testkit::mkcalendar(&cal, "ana", "ana-app-password", "Lectures");
    add_school(&env, &server.url);
    let csv = env.data.path().join("rows.csv");
    let mut rows = String::from("title,start,tz,organizer\n");
    for _ in 0..4 {
        rows.push_str("Lab,2027-04-05T09:00,Europe/Berlin,ana@example.edu\n");
    }
    rows.push_str("Seminar,2027-04-06T09:00,Europe/Berlin,ana@example.edu\n");
    std::fs::write(&csv, rows).unwrap();
    let done = env.json(&[
        "schedule",
        "--account",
        "School",
        "--json",
        "--from-csv",
        csv.to_str().unwrap(),
    ]);
    let ids: Vec<&str> = done
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["result"]["meeting_id"].as_str().unwrap())
        .collect();
    assert!(ids[..4].iter().all(|i| *i == ids[0]), "{done}");
    assert_ne!(ids[4], ids[0]);
    assert_eq!(
        belfry_testkit::ics_paths(&cal, "ana", "ana-app-password").len(),
        2
    );
}

/// Needs the real Secret Service and the OAuth test server: an event Google refuses (400) is
/// failed with Google's reason, shown in the outbox, and never sent again by itself: other
/// commands make no request at all (read from the fake's request log).
#[test]
#[ignore = "needs a real Secret Service and the OAuth test server: run scripts/test"]
fn a_refused_event_fails_with_the_reason_and_is_not_sent_again() {
    let env = Env::new();
    let server = belfry_testkit::oauth_server(3600);
    let oauth = OAuthEnv::new(&env, &server);
    oauth.run(&["accounts", "add", "google", "--name", "Personal"]);
    server.faults(&["400"]);
    let mut args = vec![
        "schedule",
        "--account",
        "Personal",
        "--json",
        "--organizer",
        "ana@example.com",
    ];
    args.extend(MEETING);
    let done: Value = serde_json::from_str(&oauth.run(&args)).unwrap();
    let d = &done["deliveries"][0];
    assert_eq!(
        (d["state"].as_str(), d["status"].as_str()),
        (Some("failed"), Some("failed")),
        "{done}"
    );
    assert!(
        d["message"]
            .as_str()
            .unwrap()
            .contains("Invalid attendee email"),
        "Google's reason: {done}"
    );
    let sent = server.requests();
    let inserts: Vec<&Value> = sent.iter().filter(|r| r["method"] == "POST").collect();
    assert_eq!(inserts.len(), 1, "a 400 is not retried: {sent:?}");
    assert!(
        inserts[0]["query"]
            .as_str()
            .unwrap()
            .contains("sendUpdates=all"),
        "{sent:?}"
    );
    assert_eq!(inserts[0]["body"]["sequence"], 0);

    // Other commands, and time passing, never send it again.
    oauth.run(&["history"]);
    let waiting: Value = serde_json::from_str(&oauth.run(&["outbox", "--json"])).unwrap();
    assert_eq!(waiting[0]["state"], "failed", "{waiting}");
    assert_eq!(
        server.requests().len(),
        sent.len(),
        "history and outbox make no request"
    );
    let mut other = vec![
        "schedule",
        "--account",
        "Personal",
        "--json",
        "--organizer",
        "ana@example.com",
        "--title",
        "Optics",
    ];
    other.extend(["--start", "2027-05-03T09:00", "--tz", "Europe/Berlin"]);
    let second: Value = serde_json::from_str(&oauth.run(&other)).unwrap();
    assert_eq!(second["deliveries"][0]["status"], "created", "{second}");
    // Of event requests, only the new meeting's was sent (the calendar list is read too).
    let events_sent = |all: &[Value]| -> Vec<String> {
        all.iter()
            .filter(|r| r["path"].as_str().unwrap().contains("/events"))
            .map(|r| r["body"]["summary"].as_str().unwrap_or("").to_owned())
            .collect()
    };
    assert_eq!(
        events_sent(&server.requests()),
        ["Physics 101", "Optics"],
        "the refused one is not sent again"
    );
}

/// Needs the real Secret Service and Radicale: two personal meetings share the personal ID;
/// each is changed and cancelled by its UID, and the meeting ID alone names the candidates.
#[test]
#[ignore = "needs a real Secret Service and Radicale: run scripts/test"]
fn two_personal_meetings_are_cancelled_and_rescheduled_one_at_a_time() {
    let env = Env::new();
    let server = belfry_testkit::radicale();
    let cal = format!("{}/ana/lectures/", server.url);
    belfry_testkit::mkcalendar(&cal, "ana", "ana-app-password", "Lectures");
    add_school(&env, &server.url);
    env.ok(&["settings", "set", "personal-id", "6064724824"]);
    env.ok(&["accounts", "default-calendar", "School", &cal]);
    let fetch = |href: &str| belfry_testkit::fetch(href, "ana", "ana-app-password");
    let personal = |title: &str, start: &str| {
        env.json(&[
            "schedule",
            "--account",
            "School",
            "--json",
            "--personal",
            "--organizer",
            "prof@example.edu",
            "--attendee",
            "ana@example.com",
            "--title",
            title,
            "--start",
            start,
            "--tz",
            "Europe/Berlin",
        ])
    };
    let older = personal("Office hours", "2027-03-01T10:00");
    let newer = personal("Reading group", "2027-03-02T10:00");
    let (older_uid, newer_uid) = (
        older["uid"].as_str().unwrap().to_owned(),
        newer["uid"].as_str().unwrap().to_owned(),
    );
    assert_ne!(older_uid, newer_uid);
    let older_href = older["deliveries"][0]["href"].as_str().unwrap().to_owned();
    let newer_href = newer["deliveries"][0]["href"].as_str().unwrap().to_owned();

    let err = env.fails(&["cancel", "--meeting-id", "6064724824"], 2);
    assert!(
        err.contains(&older_uid) && err.contains(&newer_uid) && err.contains("--meeting-id"),
        "the candidates are named: {err}"
    );
    let c = env.json(&["cancel", "--json", "--uid", &older_uid]);
    assert_eq!(c["deliveries"][0]["status"], "cancelled", "{c}");
    assert!(fetch(&older_href).contains("STATUS:CANCELLED"));
    let untouched = fetch(&newer_href);
    assert!(
        !untouched.contains("STATUS:CANCELLED") && untouched.contains("SEQUENCE:0"),
        "{untouched}"
    );

    let moved = env.json(&[
        "reschedule",
        "--json",
        "--uid",
        &newer_uid,
        "--personal",
        "--title",
        "Reading group",
        "--start",
        "2027-03-02T11:00",
        "--tz",
        "Europe/Berlin",
        "--organizer",
        "prof@example.edu",
        "--attendee",
        "ana@example.com",
    ]);
    assert_eq!(moved["sequence"], 1, "{moved}");
    assert_eq!(moved["meeting_id"], "6064724824");
    let ics = fetch(&newer_href);
    assert!(
        ics.contains("SEQUENCE:1") && ics.contains("DTSTART;TZID=Europe/Berlin:20270302T110000"),
        "{ics}"
    );
    assert_eq!(
        belfry_testkit::ics_paths(&cal, "ana", "ana-app-password").len(),
        2
    );
}

#[test]
fn limits_are_refused_at_the_command_line_with_exit_2_and_nothing_written() {
    let env = Env::new();
    let out = env.data.path().join("never.ics");
    let path = out.to_str().unwrap();
    let long_title = "t".repeat(300);
    let huge = "d".repeat(100 * 1024 + 1);
    let ics = |extra: &[&'static str]| -> Vec<String> {
        let mut v: Vec<String> = [
            "ics",
            "--organizer",
            "a@b.co",
            "--tz",
            "UTC",
            "--output",
            path,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        v.extend(extra.iter().map(|s| s.to_string()));
        v
    };
    let mut cases: Vec<(Vec<String>, &str)> = vec![
        (
            ics(&["--title", "X", "--start", "+262142-12-31T23:30"]),
            "--start: the start must fall between 1970 and 2200",
        ),
        (
            ics(&[
                "--title",
                "X",
                "--start",
                "2027-03-01T10:00",
                "--repeat",
                "weekly",
                "--until",
                "9999-12-31",
            ]),
            "--until: the end date must fall between 1970 and 2200",
        ),
        (
            ics(&[
                "--title",
                "X",
                "--start",
                "2027-03-01T10:00",
                "--repeat",
                "monthly",
                "--count",
                "730",
            ]),
            "--count: a series runs at most 10 years",
        ),
    ];
    let mut titled = ics(&["--start", "2027-03-01T10:00", "--title"]);
    titled.push(long_title);
    cases.push((titled, "--title: a title has at most 255 characters"));
    let mut described = ics(&[
        "--title",
        "X",
        "--start",
        "2027-03-01T10:00",
        "--description",
    ]);
    described.push(huge);
    cases.push((described, "--description: this holds more than 100 KiB"));
    cases.push((
        vec![
            "schedule".into(),
            "--account".into(),
            "none".into(),
            "--from-csv".into(),
            "/dev/zero".into(),
        ],
        "larger than the 4096 KiB Belfry reads",
    ));
    for (args, words) in &cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let err = env.fails(&args, 2);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(words), "{words:?} not in {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    assert!(!out.exists(), "a refused command wrote a file");
    assert_eq!(env.json(&["history", "--json"]), Value::Array(vec![]));
    assert_eq!(env.json(&["outbox", "--json"]), Value::Array(vec![]));
}

#[cfg(target_os = "linux")]
#[test]
fn a_template_bomb_is_refused_within_a_memory_ceiling() {
    let env = Env::new();
    let dir = tempfile::tempdir().unwrap();
    // Refused before it runs: the compiler would fold this constant into 100 MB.
    let folded = dir.path().join("folded.j2");
    std::fs::write(
        &folded,
        "{% for i in times %}{{ \"x\" * 99999999 }}{% endfor %}",
    )
    .unwrap();
    let err = env.fails(
        &["settings", "set", "template", folded.to_str().unwrap()],
        2,
    );
    assert!(err.contains("`*` and `**` cannot be used"), "{err}");
    // Passes the check against the sample meeting, and would print 50,000 copies of a long
    // description (400 MB) for a meeting that has one.
    let nested = dir.path().join("nested.j2");
    std::fs::write(
        &nested,
        "{% for a in description %}{% for b in description %}{{ description }}\
         {% endfor %}{% endfor %}{{ join_url }}",
    )
    .unwrap();
    env.ok(&["settings", "set", "template", nested.to_str().unwrap()]);
    let description = "d".repeat(7_000);
    let out = std::process::Command::new("prlimit")
        .arg("--as=402653184") // 384 MiB of address space
        .arg(assert_cmd::cargo::cargo_bin("belfry"))
        .arg("invite")
        .args(with(&["--description", &description]))
        .env("BELFRY_DATA_DIR", env.data.path())
        .env_remove("BELFRY_CONFIG")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("grows past 64 KiB"), "{stderr}");
    // Without the long description the same template is fine.
    let mut plain = vec!["invite"];
    plain.extend(with(&[]));
    assert!(env.ok(&plain).contains("https://chime.aws/"));
}

#[test]
#[ignore = "needs a real Secret Service: run scripts/test"]
fn a_passcode_from_standard_input_and_the_same_command_twice() {
    let env = Env::new();
    let run = |passcode: &str| {
        env.cmd()
            .arg("invite")
            .args(with(&[
                "--meeting-id",
                "8888888888",
                "--moderated",
                "--passcode-stdin",
                "--organizer",
                "a@b.co",
            ]))
            .write_stdin(format!("{passcode}\n"))
            .output()
            .unwrap()
    };
    for _ in 0..2 {
        let out = run("24680");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!String::from_utf8_lossy(&out.stdout).contains("24680"));
    }
    let out = run("13579");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("--passcode: this meeting already has another passcode")
    );
    let info = env.ok(&["moderator-info", "--meeting-id", "8888888888"]);
    assert!(info.contains("24680"), "{info}");
}

#[test]
fn providers_are_listed_and_a_profile_of_ones_own_is_added_or_refused_by_field() {
    let env = Env::new();
    let list = env.ok(&["providers"]);
    assert!(
        list.contains("chime") && list.contains("Amazon Chime"),
        "{list}"
    );
    assert!(
        list.contains("jitsi") && list.contains("Jitsi Meet"),
        "{list}"
    );
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.toml");
    std::fs::write(
        &broken,
        "key = \"school\"\nname = \"School\"\njoin_url = \"https://meet.school.example/fixed\"\n",
    )
    .unwrap();
    let err = env.fails(&["providers", "add", broken.to_str().unwrap()], 2);
    assert!(
        err.contains("broken.toml: join_url: must hold {id}"),
        "{err}"
    );
    let own = dir.path().join("school.toml");
    std::fs::write(
        &own,
        "key = \"school\"\nname = \"School Jitsi\"\njoin_url = \"https://meet.school.example/{id}\"\nids = \"room\"\n",
    )
    .unwrap();
    env.ok(&["providers", "add", own.to_str().unwrap()]);
    let listed = env.json(&["providers", "--json"]);
    assert!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["key"] == "school" && p["ids"] == "room"),
        "{listed}"
    );
    let mut args = vec!["invite", "--provider", "school"];
    args.extend(MEETING);
    let text = env.ok(&args);
    assert!(
        text.contains("Join the School Jitsi meeting:\nhttps://meet.school.example/"),
        "{text}"
    );
    assert!(!text.to_lowercase().contains("chime"), "{text}");
    let template = dir.path().join("school.j2");
    std::fs::write(
        &template,
        "{{ title }} in the school's room: {{ join_url }}\n",
    )
    .unwrap();
    env.ok(&[
        "providers",
        "template",
        "school",
        template.to_str().unwrap(),
    ]);
    let text = env.ok(&args);
    assert!(
        text.starts_with("Physics 101 in the school's room: https://meet.school.example/"),
        "{text}"
    );
    env.ok(&["providers", "template", "school", "--default"]);
    assert!(env.ok(&args).contains("Join the School Jitsi meeting:"));
    let mut unknown = vec!["invite", "--provider", "zoomish"];
    unknown.extend(MEETING);
    let err = env.fails(&unknown, 2);
    assert!(
        err.contains("--provider: no meeting provider \"zoomish\""),
        "{err}"
    );
}

#[test]
#[ignore = "needs a real Secret Service and Radicale: run scripts/test"]
fn a_jitsi_meeting_is_scheduled_rescheduled_and_cancelled_on_caldav_without_chime() {
    let env = Env::new();
    let server = belfry_testkit::radicale();
    let cal = format!("{}/ana/lectures/", server.url);
    belfry_testkit::mkcalendar(&cal, "ana", "ana-app-password", "Lectures");
    add_school(&env, &server.url);
    let fetch = |href: &str| belfry_testkit::fetch(href, "ana", "ana-app-password");
    let no_chime = |ics: &str| {
        assert!(!ics.to_lowercase().contains("chime"), "{ics}");
        assert!(ics.contains("URL;VALUE=URI:https://meet.jit.si/"), "{ics}");
    };

    let mut args = vec![
        "schedule",
        "--account",
        "School",
        "--json",
        "--provider",
        "jitsi",
        "--organizer",
        "prof@example.edu",
        "--attendee",
        "ana@example.com",
    ];
    args.extend(MEETING);
    let done = env.json(&args);
    assert_eq!(done["deliveries"][0]["status"], "created");
    let uid = done["uid"].as_str().unwrap().to_owned();
    let room = done["meeting_id"].as_str().unwrap().to_owned();
    assert_eq!(room.len(), 16, "{room}");
    let href = done["deliveries"][0]["href"].as_str().unwrap().to_owned();
    let ics = fetch(&href);
    no_chime(&ics);
    assert!(
        ics.contains(&format!("https://meet.jit.si/{room}")),
        "{ics}"
    );
    let history = env.json(&["history", "--json"]);
    assert_eq!(history[0]["provider"], "jitsi", "{history}");

    // A reschedule names no provider and stays on Jitsi, in the same room.
    let moved = [
        "reschedule",
        "--json",
        "--uid",
        &uid,
        "--title",
        "Physics 101 (moved)",
        "--start",
        "2027-03-02T10:00",
        "--tz",
        "America/New_York",
        "--organizer",
        "prof@example.edu",
        "--attendee",
        "ana@example.com",
    ];
    let again = env.json(&moved);
    assert_eq!(again["meeting_id"], room.as_str());
    let ics = fetch(&href);
    no_chime(&ics);
    assert!(ics.contains("SUMMARY:Physics 101 (moved)"), "{ics}");
    assert!(ics.contains(&room));
    // Another provider for the same meeting is refused.
    let mut other = moved.to_vec();
    other.extend(["--provider", "chime"]);
    let err = env.fails(&other, 2);
    assert!(
        err.contains("--provider: this meeting is on jitsi"),
        "{err}"
    );

    env.json(&["cancel", "--json", "--uid", &uid]);
    let ics = fetch(&href);
    no_chime(&ics);
    assert!(ics.contains("STATUS:CANCELLED"), "{ics}");
}

/// The Chime app's "Copy invitation" block, as iCalendar TEXT (escaped), pasted under a note.
const CHIME_PASTE: &str = "Bring the worksheet.\\n\\nClick to join the meeting: https://chime.aws/6064724824\\nMeeting ID: 6064 72 4824\\n\\nOne-click mobile dial-in (United States): +12064625569\\,\\,6064724824#\\n\\nAgenda: chapter 4.";

fn foreign_event(uid: &str, body: &str) -> String {
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Other Client//EN\r\n{body}END:VCALENDAR\r\n"
    )
    .replace("{uid}", uid)
}

const CHIME_ATTENDEES: &str = "ATTENDEE;CN=Bo;PARTSTAT=ACCEPTED:mailto:bo@school.example\r\nATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:meet@chime.aws\r\nATTENDEE;PARTSTAT=NEEDS-ACTION:MAILTO:PIN+6064724824@chime.aws\r\n";

#[test]
#[ignore = "needs Radicale (scripts/test runs it)"]
fn chime_meetings_on_caldav_are_found_moved_once_and_nothing_else_is_touched() {
    let env = Env::new();
    let server = belfry_testkit::radicale();
    let cal = format!("{}/ana/lectures/", server.url);
    belfry_testkit::mkcalendar(&cal, "ana", "ana-app-password", "Lectures");
    add_school(&env, &server.url);
    env.ok(&["settings", "set", "organizer", "ana@school.example"]);
    let organizer = "ORGANIZER;CN=Ana:mailto:ana@school.example\r\n";
    let series = foreign_event(
        "series-1",
        &format!(
            "BEGIN:VEVENT\r\nUID:{{uid}}\r\nDTSTAMP:20260801T000000Z\r\nSEQUENCE:2\r\nDTSTART:20261012T140000Z\r\nDTEND:20261012T150000Z\r\nRRULE:FREQ=WEEKLY;COUNT=40\r\nEXDATE:20270104T140000Z\r\nSUMMARY:Physics 101\r\nLOCATION:Room 4; +12064625569\\,\\,6064724824#\r\nDESCRIPTION:{CHIME_PASTE}\r\n{organizer}{CHIME_ATTENDEES}BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:Physics\r\nTRIGGER:-PT15M\r\nEND:VALARM\r\nEND:VEVENT\r\n\
             BEGIN:VEVENT\r\nUID:{{uid}}\r\nDTSTAMP:20260801T000000Z\r\nSEQUENCE:2\r\nRECURRENCE-ID:20270111T140000Z\r\nDTSTART:20270111T160000Z\r\nDTEND:20270111T170000Z\r\nSUMMARY:Physics 101 (late start)\r\nLOCATION:Room 9; +12064625569\\,\\,6064724824#\r\nDESCRIPTION:{CHIME_PASTE}\r\n{organizer}{CHIME_ATTENDEES}END:VEVENT\r\n"
        ),
    );
    let single = foreign_event(
        "single-1",
        &format!(
            "BEGIN:VEVENT\r\nUID:{{uid}}\r\nDTSTAMP:20260801T000000Z\r\nDTSTART:20270302T200000Z\r\nDTEND:20270302T210000Z\r\nSUMMARY:Exam review\r\nDESCRIPTION:{CHIME_PASTE}\r\n{organizer}{CHIME_ATTENDEES}END:VEVENT\r\n"
        ),
    );
    let theirs = foreign_event(
        "theirs-1",
        &format!(
            "BEGIN:VEVENT\r\nUID:{{uid}}\r\nDTSTAMP:20260801T000000Z\r\nDTSTART:20270303T140000Z\r\nDTEND:20270303T150000Z\r\nSUMMARY:Staff meeting\r\nDESCRIPTION:{CHIME_PASTE}\r\nORGANIZER:mailto:head@school.example\r\nATTENDEE;PARTSTAT=ACCEPTED:mailto:ana@school.example\r\nATTENDEE:mailto:meet@chime.aws\r\nEND:VEVENT\r\n"
        ),
    );
    let plain = foreign_event(
        "plain-1",
        "BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20260801T000000Z\r\nDTSTART:20270304T120000Z\r\nDTEND:20270304T130000Z\r\nSUMMARY:Lunch\r\nDESCRIPTION:Meeting ID 6064724824 is the room booking number.\r\nLOCATION:Cafeteria\r\nEND:VEVENT\r\n",
    );
    let past = foreign_event(
        "past-1",
        &format!(
            "BEGIN:VEVENT\r\nUID:{{uid}}\r\nDTSTAMP:20260801T000000Z\r\nDTSTART:20261120T140000Z\r\nDTEND:20261120T150000Z\r\nSUMMARY:Last month's class\r\nDESCRIPTION:{CHIME_PASTE}\r\n{organizer}{CHIME_ATTENDEES}END:VEVENT\r\n"
        ),
    );
    for (name, ics) in [
        ("series-1", &series),
        ("single-1", &single),
        ("theirs-1", &theirs),
        ("plain-1", &plain),
        ("past-1", &past),
    ] {
        belfry_testkit::put_foreign(&format!("{cal}{name}.ics"), "ana", "ana-app-password", ics);
    }
    let fetch =
        |name: &str| belfry_testkit::fetch(&format!("{cal}{name}.ics"), "ana", "ana-app-password");
    let untouched: Vec<(&str, String)> = ["theirs-1", "plain-1", "past-1"]
        .into_iter()
        .map(|n| (n, fetch(n)))
        .collect();
    let at_today = |args: &[&str]| env.json_today(args, None);

    let scan = at_today(&["migrate", "scan", "--json"]);
    let mut found: Vec<(String, String)> = scan["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["title"].as_str().unwrap().to_owned(),
                e["organizer"]["kind"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    found.sort();
    assert_eq!(
        found,
        [
            ("Exam review".to_owned(), "you".to_owned()),
            ("Physics 101".to_owned(), "you".to_owned()),
            ("Staff meeting".to_owned(), "other".to_owned()),
        ],
        "{scan}"
    );

    // Without a terminal and without --yes nothing is sent.
    let refused = env
        .cmd()
        .env("BELFRY_CLOCK", TODAY)
        .args(["migrate", "apply", "--to", "jitsi"])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    assert!(fetch("single-1").contains("chime.aws"));

    let applied = at_today(&["migrate", "apply", "--to", "jitsi", "--yes", "--json"]);
    let moved = applied["report"]["moved"].as_array().unwrap();
    assert_eq!(moved.len(), 2, "{applied}");
    assert!(moved.iter().all(|m| m["state"] == "done"), "{applied}");
    assert_eq!(applied["report"]["skipped"].as_array().unwrap().len(), 1);
    // Radicale emails nobody: each update is a file for the user to send.
    for m in moved {
        assert_eq!(m["attendees_told"], false);
        let file = m["update_file"].as_str().unwrap_or_else(|| panic!("{m}"));
        let request = std::fs::read_to_string(file).unwrap().replace("\r\n ", "");
        assert!(request.contains("METHOD:REQUEST"), "{request}");
        assert!(request.contains("meet.jit.si/"), "{request}");
        assert!(!request.to_lowercase().contains("chime"), "{request}");
    }

    // Read back with an independent parser.
    let parsed = |name: &str| ICalendar::parse(fetch(name)).unwrap();
    let text_of = |e: &calcard::icalendar::ICalendarComponent, p: P| -> Vec<String> {
        e.entries
            .iter()
            .filter(|x| x.name == p)
            .filter_map(|x| {
                x.values
                    .first()
                    .and_then(|v| v.as_text())
                    .map(str::to_owned)
            })
            .collect()
    };
    let series_now = parsed("series-1");
    let events: Vec<_> = series_now
        .components
        .iter()
        .filter(|c| c.component_type == C::VEvent)
        .collect();
    assert_eq!(events.len(), 2, "the master and its override");
    for e in &events {
        let description = text_of(e, P::Description).join("");
        assert!(
            description.starts_with("Bring the worksheet."),
            "{description}"
        );
        assert!(
            description.contains("https://meet.jit.si/"),
            "{description}"
        );
        assert!(description.contains("Agenda: chapter 4."), "{description}");
        let attendees = text_of(e, P::Attendee).join(" ").to_lowercase();
        assert!(attendees.contains("bo@school.example"), "{attendees}");
        assert!(!attendees.contains("chime"), "{attendees}");
        let sequence: Vec<i64> = e
            .entries
            .iter()
            .filter(|x| x.name == P::Sequence)
            .filter_map(|x| match x.values.first() {
                Some(calcard::icalendar::ICalendarValue::Integer(n)) => Some(*n),
                _ => None,
            })
            .collect();
        assert_eq!(sequence, [3], "SEQUENCE up");
    }
    let raw = fetch("series-1");
    assert!(!raw.to_lowercase().contains("chime"), "{raw}");
    assert!(raw.contains("EXDATE:20270104T140000Z"), "{raw}");
    assert!(raw.contains("RECURRENCE-ID:20270111T140000Z"), "{raw}");
    assert!(raw.contains("Physics 101 (late start)"), "{raw}");
    assert!(raw.contains("PARTSTAT=ACCEPTED"), "{raw}");
    assert!(
        raw.contains("LOCATION:Room 4\\; https://meet.jit.si/"),
        "{raw}"
    );
    assert!(!fetch("single-1").to_lowercase().contains("chime"));
    for (name, before) in &untouched {
        assert_eq!(&fetch(name), before, "{name} is untouched");
    }

    let report = at_today(&["migrate", "report", "--json"]);
    assert_eq!(report.as_array().unwrap().len(), 2);
    assert!(
        report[0]["original"]["description"]
            .as_str()
            .unwrap()
            .contains("https://chime.aws/6064724824"),
        "the original is kept: {report}"
    );

    // A second run finds only the colleague's meeting and changes nothing.
    let before = fetch("series-1");
    let again = at_today(&["migrate", "apply", "--to", "jitsi", "--yes", "--json"]);
    assert!(
        again["plan"]["moves"].as_array().unwrap().is_empty(),
        "{again}"
    );
    assert_eq!(fetch("series-1"), before);
}

#[test]
#[ignore = "needs the OAuth test server (node): run scripts/test"]
fn chime_meetings_on_google_are_moved_with_one_update_each_sent_to_everyone() {
    let env = Env::new();
    let server = belfry_testkit::oauth_server(3600);
    let oauth = OAuthEnv::new(&env, &server);
    oauth.run(&["accounts", "add", "google", "--name", "Personal"]);
    let zone = |t: &str| serde_json::json!({ "dateTime": t, "timeZone": "America/New_York" });
    let people = serde_json::json!([
        { "email": "ana@example.com", "organizer": true, "self": true, "responseStatus": "accepted" },
        { "email": "meet@chime.aws", "responseStatus": "needsAction" },
        { "email": "pin+6064724824@chime.aws", "responseStatus": "needsAction" },
        { "email": "bo@example.com", "responseStatus": "tentative", "comment": "late" },
    ]);
    let block = "<p>Notes first.</p><p>Click to join the meeting: <a href=\"https://chime.aws/6064724824\">https://chime.aws/6064724824</a><br>Meeting ID: 6064 72 4824</p><p>Agenda below.</p>";
    let seeded = belfry_testkit::post_json(
        &format!("{}/__test/google/events", server.issuer),
        &serde_json::json!({ "calendar": "ana@example.com", "events": [
            {
                "id": "chimeseries01", "iCalUID": "series@other.example", "summary": "Weekly sync",
                "description": block, "location": "+12064625569,,6064724824#",
                "start": zone("2026-12-02T10:00:00-05:00"), "end": zone("2026-12-02T11:00:00-05:00"),
                "recurrence": ["RRULE:FREQ=WEEKLY;COUNT=12"],
                "organizer": { "email": "ana@example.com", "self": true },
                "attendees": people, "sequence": 3,
            },
            {
                "id": "chimeseries01_20261216T150000Z", "iCalUID": "series@other.example",
                "summary": "Weekly sync (moved)", "recurringEventId": "chimeseries01",
                "originalStartTime": zone("2026-12-16T10:00:00-05:00"),
                "start": zone("2026-12-17T10:00:00-05:00"), "end": zone("2026-12-17T11:00:00-05:00"),
                "description": block, "location": "+12064625569,,6064724824#",
                "organizer": { "email": "ana@example.com", "self": true },
                "attendees": people, "sequence": 3,
            },
            {
                "id": "theirs01", "summary": "Board meeting", "description": block,
                "start": zone("2027-01-05T10:00:00-05:00"), "end": zone("2027-01-05T11:00:00-05:00"),
                "organizer": { "email": "head@example.com" },
                "attendees": [{ "email": "ana@example.com" }, { "email": "meet@chime.aws" }],
            },
        ]}),
    );
    assert!(seeded.contains("chimeseries01"), "{seeded}");
    let at_today = |args: &[&str]| env.json_today(args, Some(&oauth.config));
    let requests = || {
        belfry_testkit::get_json(&format!("{}/__test/requests", server.issuer))["requests"].clone()
    };
    let writes = |log: &Value| -> Vec<Value> {
        log.as_array()
            .unwrap()
            .iter()
            .filter(|r| r["method"] != "GET")
            .cloned()
            .collect()
    };

    let applied = at_today(&["migrate", "apply", "--to", "jitsi", "--yes", "--json"]);
    assert_eq!(
        applied["plan"]["moves"].as_array().unwrap().len(),
        1,
        "{applied}"
    );
    assert_eq!(
        applied["plan"]["skipped"].as_array().unwrap().len(),
        1,
        "the board's"
    );
    assert_eq!(applied["report"]["moved"][0]["state"], "done", "{applied}");
    let log = requests();
    let written = writes(&log);
    // The series master and its future exception, each patched once, each telling everyone.
    let paths: Vec<&str> = written
        .iter()
        .map(|r| r["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths.len(), 2, "{written:?}");
    assert!(
        paths.iter().any(|p| p.ends_with("/chimeseries01")),
        "{paths:?}"
    );
    assert!(
        paths
            .iter()
            .any(|p| p.ends_with("/chimeseries01_20261216T150000Z")),
        "{paths:?}"
    );
    for w in &written {
        assert_eq!(w["method"], "PATCH", "{w}");
        assert!(
            w["query"].to_string().contains("sendUpdates")
                && w["query"].to_string().contains("all"),
            "{w}"
        );
        assert!(!w["ifMatch"].is_null(), "{w}");
    }
    let events = server.google_events();
    let master = events["events"]["ana@example.com"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == "chimeseries01")
        .unwrap()
        .clone();
    let text = master.to_string();
    assert!(!text.contains("chime.aws"), "{master}");
    assert!(text.contains("https://meet.jit.si/"), "{master}");
    assert!(
        text.contains("Notes first.") && text.contains("Agenda below."),
        "{master}"
    );
    assert_eq!(master["sequence"], 4);
    let bo = master["attendees"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["email"] == "bo@example.com")
        .unwrap();
    assert_eq!(bo["responseStatus"], "tentative");
    assert_eq!(bo["comment"], "late");

    // Again: nothing left to move, and no write.
    let before = writes(&requests()).len();
    let again = at_today(&["migrate", "apply", "--to", "jitsi", "--yes", "--json"]);
    assert!(
        again["plan"]["moves"].as_array().unwrap().is_empty(),
        "{again}"
    );
    assert_eq!(writes(&requests()).len(), before);
}

#[test]
#[ignore = "needs the OAuth test server (node): run scripts/test"]
fn chime_meetings_on_microsoft_365_are_moved_with_one_update_each() {
    let env = Env::new();
    let server = belfry_testkit::oauth_server(3600);
    let oauth = OAuthEnv::new(&env, &server);
    oauth.run(&["accounts", "add", "microsoft", "--name", "Work"]);
    let utc = |t: &str| serde_json::json!({ "dateTime": t, "timeZone": "UTC" });
    let people = serde_json::json!([
        { "type": "required", "status": { "response": "none" },
          "emailAddress": { "name": "Chime", "address": "meet@chime.aws" } },
        { "type": "required", "status": { "response": "none" },
          "emailAddress": { "name": "PIN", "address": "pin+6064724824@chime.aws" } },
        { "type": "optional", "status": { "response": "tentativelyAccepted" },
          "emailAddress": { "name": "Bo", "address": "bo@example.com" } },
    ]);
    let body = serde_json::json!({ "contentType": "html", "content": "<html><body><p>Notes first.</p><p>Click to join the meeting: https://chime.aws/6064724824<br>Meeting ID: 6064 72 4824</p><p>Agenda below.</p></body></html>" });
    let organizer =
        serde_json::json!({ "emailAddress": { "name": "Ana", "address": "ana@example.com" } });
    let seeded = belfry_testkit::post_json(
        &format!("{}/__test/graph/events", server.issuer),
        &serde_json::json!({ "mailbox": "ana@example.com", "events": [
            {
                "id": "AAMkSERIES01", "subject": "Weekly sync", "calendarId": "AAMkAGI2TG93AAA=",
                "body": body, "location": { "displayName": "+12064625569,,6064724824#" },
                "start": { "dateTime": "2026-12-02T10:00:00.0000000", "timeZone": "Eastern Standard Time" },
                "end": { "dateTime": "2026-12-02T11:00:00.0000000", "timeZone": "Eastern Standard Time" },
                "recurrence": {
                    "pattern": { "type": "weekly", "interval": 1, "daysOfWeek": ["wednesday"], "firstDayOfWeek": "sunday" },
                    "range": { "type": "numbered", "startDate": "2026-12-02", "numberOfOccurrences": 6, "recurrenceTimeZone": "Eastern Standard Time" },
                },
                "organizer": organizer, "isOrganizer": true, "attendees": people,
            },
            {
                "id": "AAMkSERIES01_20261216T150000Z", "type": "exception", "seriesMasterId": "AAMkSERIES01",
                "originalStart": "2026-12-16T15:00:00Z", "subject": "Weekly sync (moved)",
                "calendarId": "AAMkAGI2TG93AAA=", "body": body,
                "location": { "displayName": "+12064625569,,6064724824#" },
                "start": utc("2026-12-17T15:00:00.0000000"), "end": utc("2026-12-17T16:00:00.0000000"),
                "organizer": organizer, "isOrganizer": true, "attendees": people,
            },
        ]}),
    );
    assert!(seeded.contains("AAMkSERIES01"), "{seeded}");
    let at_today = |args: &[&str]| env.json_today(args, Some(&oauth.config));
    let writes = || -> Vec<Value> {
        belfry_testkit::get_json(&format!("{}/__test/requests", server.issuer))["requests"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["method"] != "GET")
            .cloned()
            .collect()
    };
    let applied = at_today(&["migrate", "apply", "--to", "jitsi", "--yes", "--json"]);
    assert_eq!(
        applied["plan"]["moves"].as_array().unwrap().len(),
        1,
        "{applied}"
    );
    assert_eq!(applied["report"]["moved"][0]["state"], "done", "{applied}");
    let written = writes();
    assert_eq!(
        written.len(),
        2,
        "the master and its future exception: {written:?}"
    );
    for w in &written {
        assert_eq!(w["method"], "PATCH", "{w}");
        assert!(!w["ifMatch"].is_null(), "{w}");
        let body = w["body"].to_string();
        assert!(!body.contains("chime.aws/6064724824"), "{w}");
    }
    let held = belfry_testkit::get_json(&format!("{}/__test/graph", server.issuer));
    let text = held.to_string();
    assert!(!text.contains("https://chime.aws/"), "{held}");
    assert!(text.contains("meet.jit.si/"), "{held}");
    assert!(
        text.contains("tentativelyAccepted"),
        "Bo's reply is kept: {held}"
    );
    let again = at_today(&["migrate", "apply", "--to", "jitsi", "--yes", "--json"]);
    assert!(
        again["plan"]["moves"].as_array().unwrap().is_empty(),
        "{again}"
    );
    assert_eq!(writes().len(), 2, "no second update");
}

/// Needs the real Secret Service and Radicale: `belfry migrate apply` over 20 foreign Chime
/// meetings, killed at seeded points while it writes, then run until done: every event was
/// updated exactly once (its SEQUENCE went up by one) and holds nothing of Chime.
#[test]
#[ignore = "needs a real Secret Service and Radicale: run scripts/test"]
fn a_migration_killed_while_it_writes_updates_each_event_exactly_once() {
    let env = Env::new();
    let server = belfry_testkit::radicale();
    let cal = format!("{}/ana/lectures/", server.url);
    belfry_testkit::mkcalendar(&cal, "ana", "ana-app-password", "Lectures");
    add_school(&env, &server.url);
    for n in 1..=20 {
        let ics = foreign_event(
            &format!("lecture-{n}"),
            &format!(
                "BEGIN:VEVENT\r\nUID:{{uid}}\r\nDTSTAMP:20260801T000000Z\r\nSEQUENCE:1\r\nDTSTART:202704{n:02}T100000Z\r\nDTEND:202704{n:02}T110000Z\r\nSUMMARY:Lecture {n}\r\nDESCRIPTION:{CHIME_PASTE}\r\n{CHIME_ATTENDEES}END:VEVENT\r\n"
            ),
        );
        belfry_testkit::put_foreign(
            &format!("{cal}lecture-{n}.ics"),
            "ana",
            "ana-app-password",
            &ics,
        );
    }
    let fetch = |n: usize| {
        belfry_testkit::fetch(&format!("{cal}lecture-{n}.ics"), "ana", "ana-app-password")
    };
    let moved = || {
        (1..=20)
            .filter(|&n| !fetch(n).contains("chime.aws"))
            .count()
    };
    let apply = || {
        std::process::Command::new(assert_cmd::cargo::cargo_bin("belfry"))
            .args(["migrate", "apply", "--to", "jitsi", "--yes"])
            .env("BELFRY_DATA_DIR", env.data.path())
            .env("BELFRY_CLOCK", TODAY)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap()
    };
    let seed: u64 = std::env::var("BELFRY_KILL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20272);
    let mut state = seed;
    let mut next = || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        state >> 33
    };
    let mut at_kills = Vec::new();
    for _ in 0..4 {
        let target = moved() + 1 + (next() % 4) as usize;
        let mut child = apply();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while child.try_wait().unwrap().is_none()
            && moved() < target
            && std::time::Instant::now() < deadline
        {
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        let _ = child.kill();
        let _ = child.wait();
        at_kills.push(moved());
    }
    assert!(
        at_kills.iter().any(|&n| n > 0 && n < 20),
        "seed {seed}: no kill landed in the middle of the run: {at_kills:?}"
    );
    let done = apply().wait_with_output().unwrap();
    assert!(done.status.success(), "seed {seed}");
    for n in 1..=20 {
        let ics = fetch(n);
        assert!(!ics.to_lowercase().contains("chime"), "seed {seed}: {ics}");
        assert!(
            ics.contains("SEQUENCE:2\r\n"),
            "seed {seed}: lecture {n} was updated once: {ics}"
        );
        assert_eq!(
            ics.replace("\r\n ", "")
                .matches("https://meet.jit.si/")
                .count(),
            1,
            "seed {seed}: one link: {ics}"
        );
    }
}

/// (recipient, METHOD of the part header, METHOD inside, SEQUENCE) of each delivered message,
/// read with the test kit's own MIME parser; each message's structure is checked on the way.
fn imip_of(delivered: &[belfry_testkit::smtp::Delivered]) -> Vec<(String, String, u32)> {
    delivered
        .iter()
        .map(|d| {
            assert_eq!(
                belfry_testkit::smtp::mime_tree(&d.message),
                [
                    "multipart/mixed",
                    "multipart/alternative",
                    "text/plain",
                    "text/html",
                    "text/calendar",
                    "application/ics"
                ],
                "{}",
                d.message
            );
            let parts = belfry_testkit::smtp::calendar_parts(&d.message);
            let (ctype, body) = &parts[0];
            let inner = body
                .lines()
                .find_map(|l| l.strip_prefix("METHOD:"))
                .unwrap()
                .trim()
                .to_owned();
            assert!(
                ctype
                    .to_ascii_lowercase()
                    .contains(&format!("method={}", inner.to_ascii_lowercase())),
                "{ctype} / {inner}"
            );
            let seq = body
                .lines()
                .find_map(|l| l.strip_prefix("SEQUENCE:"))
                .unwrap()
                .trim()
                .parse()
                .unwrap();
            assert_eq!(d.envelope_to.len(), 1, "one message per attendee");
            (d.envelope_to[0].clone(), inner, seq)
        })
        .collect()
}

#[test]
#[ignore = "needs Radicale, Exim and the Secret Service: run scripts/test"]
fn where_the_server_tells_nobody_belfry_emails_each_attendee_once_per_version() {
    let env = Env::new();
    let server = belfry_testkit::radicale();
    belfry_testkit::mkcalendar(
        &format!("{}/ana/lectures/", server.url),
        "ana",
        "ana-app-password",
        "Lectures",
    );
    add_school(&env, &server.url);
    let smtp = belfry_testkit::smtp::smtp();
    let port = smtp.starttls_port.to_string();
    let ca = smtp.ca_pem.display().to_string();
    let add = |password: &str| {
        env.cmd()
            .args([
                "accounts",
                "add",
                "smtp",
                "--name",
                "Mail",
                "--host",
                "127.0.0.1",
                "--port",
                &port,
                "--security",
                "starttls",
                "--username",
                belfry_testkit::smtp::Smtp::USER,
                "--ca-file",
                &ca,
                "--password-stdin",
            ])
            .write_stdin(format!("{password}\n"))
            .output()
            .unwrap()
    };
    // A wrong password is caught when the account is added, and never echoed.
    let wrong = add("wrong-smtp-canary-1234");
    assert!(!wrong.status.success());
    let said = String::from_utf8_lossy(&wrong.stderr);
    assert!(said.contains("refused the user name or password"), "{said}");
    assert!(!said.contains("wrong-smtp-canary-1234"), "{said}");
    let added = add(belfry_testkit::smtp::Smtp::PASSWORD);
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    let cals = env.json(&["accounts", "calendars", "School", "--json"]);
    assert_eq!(cals[0]["invitations_by"], "belfry-by-mail");

    let mut first = vec![
        "schedule",
        "--json",
        "--account",
        "School",
        "--organizer",
        "ana@example.com",
        "--attendee",
        "pat@elsewhere.example",
        "--attendee",
        "lee@elsewhere.example",
    ];
    first.extend(MEETING);
    let done = env.json(&first);
    assert_eq!(done["mail"].as_array().unwrap().len(), 2, "{done}");
    assert!(
        done["mail"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["state"] == "sent"),
        "{done}"
    );
    let uid = done["uid"].as_str().unwrap().to_owned();
    let id = done["meeting_id"].as_str().unwrap().to_owned();
    // Run again (as after a kill): the same meeting, and nobody is mailed twice.
    assert_eq!(env.json(&first)["again"], true);

    // The next version's answer is lost after the server took it for Pat: Belfry cannot know
    // it arrived, so it never sends it again on its own.
    smtp.drop_next_data(true);
    let moved = vec![
        "reschedule",
        "--json",
        "--meeting-id",
        &id,
        "--organizer",
        "ana@example.com",
        "--attendee",
        "pat@elsewhere.example",
        "--attendee",
        "lee@elsewhere.example",
        "--title",
        "Physics 101 (room 12)",
        "--start",
        "2027-03-01T10:00",
        "--tz",
        "America/New_York",
    ];
    let r = env.json(&moved);
    let states: Vec<&str> = r["mail"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["state"].as_str().unwrap())
        .collect();
    assert_eq!(states.iter().filter(|s| **s == "unknown").count(), 1, "{r}");
    assert_eq!(states.iter().filter(|s| **s == "sent").count(), 1, "{r}");
    // Every later run (each resumes what is waiting) leaves it be.
    env.ok(&["mail", "list"]);
    let waiting = env.json(&["mail", "list", "--json"]);
    assert_eq!(waiting.as_array().unwrap().len(), 1, "{waiting}");
    assert_eq!(waiting[0]["state"], "unknown");

    // A server that says "later": the CANCEL waits and goes out on a later run.
    smtp.fail_next_data(451);
    let cancelled = env.json(&["cancel", "--json", "--uid", &uid]);
    let pending: Vec<&Value> = cancelled["mail"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["state"] == "pending")
        .collect();
    assert_eq!(pending.len(), 1, "{cancelled}");
    assert!(
        pending[0]["message"].as_str().unwrap().contains("451"),
        "{cancelled}"
    );

    // Once its wait is over, any run sends it.
    let later = env
        .cmd()
        .env("BELFRY_CLOCK", "2030-01-01T00:00:00Z")
        .args(["mail", "list"])
        .output()
        .unwrap();
    assert!(
        later.status.success(),
        "{}",
        String::from_utf8_lossy(&later.stderr)
    );
    assert!(
        String::from_utf8_lossy(&later.stderr).contains("finished an earlier invitation email"),
        "{}",
        String::from_utf8_lossy(&later.stderr)
    );

    let delivered = smtp.wait_for(6);
    let mut got = imip_of(&delivered);
    got.sort();
    let mut want = vec![
        ("lee@elsewhere.example".to_owned(), "REQUEST".to_owned(), 0),
        ("pat@elsewhere.example".to_owned(), "REQUEST".to_owned(), 0),
        ("lee@elsewhere.example".to_owned(), "REQUEST".to_owned(), 1),
        ("pat@elsewhere.example".to_owned(), "REQUEST".to_owned(), 1),
        ("lee@elsewhere.example".to_owned(), "CANCEL".to_owned(), 2),
        ("pat@elsewhere.example".to_owned(), "CANCEL".to_owned(), 2),
    ];
    // The lost answer's message arrived once: whoever it was for got version 1 once.
    want.sort();
    assert_eq!(got, want, "{:#?}", smtp.log());
    // Subjects as Thunderbird marks them, one Message-ID per attendee and version.
    assert!(delivered.iter().any(|d| {
        d.message
            .contains("Subject: Updated invitation: Physics 101 (room 12)")
    }));
    let ids: std::collections::HashSet<&str> = delivered.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(ids.len(), delivered.len());
}

#[test]
#[ignore = "needs Cyrus IMAP and the Secret Service: run scripts/test"]
fn on_a_scheduling_server_the_server_tells_every_attendee_once_per_version() {
    let env = Env::new();
    let server = belfry_testkit::cyrus::cyrus();
    server.calendar("ana", "lectures", "Lectures");
    assert_eq!(server.password("ana"), "ana-app-password");
    add_school(&env, &server.url);
    let cals = env.json(&["accounts", "calendars", "School", "--json"]);
    assert!(
        cals.as_array()
            .unwrap()
            .iter()
            .all(|c| c["invitations_by"] == "server"),
        "{cals}"
    );
    // No organizer given: the account's own calendar address organizes, so the server
    // schedules.
    let mut first = vec![
        "schedule",
        "--json",
        "--account",
        "School",
        "--attendee",
        "meet@chime.aws",
        "--attendee",
        "pat@elsewhere.example",
    ];
    first.extend(MEETING);
    let done = env.json(&first);
    assert!(
        done["mail"].as_array().unwrap().is_empty(),
        "Belfry emails nobody: {done}"
    );
    // Cyrus records every attendee as told (SCHEDULE-STATUS 1.x): nobody is left out.
    assert_eq!(done["deliveries"][0]["message"], "", "{done}");
    let uid = done["uid"].as_str().unwrap().to_owned();
    server.wait_for_mail(3);
    let moved = [
        "reschedule",
        "--json",
        "--uid",
        &uid,
        "--attendee",
        "meet@chime.aws",
        "--attendee",
        "pat@elsewhere.example",
        "--title",
        "Physics 101 (room 12)",
        "--start",
        "2027-03-01T10:00",
        "--tz",
        "America/New_York",
    ];
    assert_eq!(env.json(&moved)["sequence"], 1);
    server.wait_for_mail(6);
    env.json(&["cancel", "--json", "--uid", &uid]);
    let mail = server.wait_for_mail(9);
    // Per attendee, in order: the invitation, the update, the cancellation, each once
    // (Cyrus writes its own SEQUENCE into what it sends, so the versions are told apart by
    // their order and subject). The Chime PIN address is an attendee Belfry adds.
    let mut told: std::collections::BTreeMap<String, Vec<(String, String)>> = Default::default();
    for m in &mail {
        assert_eq!(m.recipients.len(), 1, "one message per attendee");
        let subject = m
            .message
            .lines()
            .find_map(|l| l.strip_prefix("Subject: "))
            .unwrap_or_default()
            .to_owned();
        for (method, got_uid, _) in belfry_testkit::cyrus::itip(&m.message) {
            assert_eq!(got_uid, uid);
            told.entry(m.recipients[0].clone())
                .or_default()
                .push((method, subject.clone()));
        }
    }
    let each = vec![
        ("REQUEST".to_owned(), "Invitation: Physics 101".to_owned()),
        (
            "REQUEST".to_owned(),
            "Update: Physics 101 (room 12)".to_owned(),
        ),
        (
            "CANCEL".to_owned(),
            "Canceled: Physics 101 (room 12)".to_owned(),
        ),
    ];
    assert_eq!(told.len(), 3, "{told:?}");
    assert_eq!(told.get("meet@chime.aws"), Some(&each), "{told:?}");
    assert_eq!(told.get("pat@elsewhere.example"), Some(&each), "{told:?}");
    assert!(
        told.keys()
            .any(|k| k.starts_with("pin+") && k.ends_with("@chime.aws"))
    );
    assert!(told.values().all(|v| v == &each), "{told:?}");
    assert!(
        mail.iter().all(|m| !m
            .recipients
            .iter()
            .any(|r| r.contains(&server.address("ana")))),
        "nothing to the organizer"
    );
}

/// The (method, "sender address / subject") of each iTIP message Cyrus sent, per recipient;
/// every message goes to one attendee and is of `uid`.
fn cyrus_told(
    mail: &[belfry_testkit::cyrus::Captured],
    uid: &str,
) -> std::collections::BTreeMap<String, Vec<(String, String)>> {
    let mut told: std::collections::BTreeMap<String, Vec<(String, String)>> = Default::default();
    for m in mail {
        assert_eq!(m.recipients.len(), 1, "one message per attendee");
        let header = |name: &str| {
            m.message
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .unwrap_or_default()
                .to_owned()
        };
        for (method, got_uid, _) in belfry_testkit::cyrus::itip(&m.message) {
            assert_eq!(got_uid, uid);
            told.entry(m.recipients[0].clone()).or_default().push((
                method,
                format!(
                    "{} / {}",
                    header("From: ")
                        .rsplit('<')
                        .next()
                        .unwrap_or_default()
                        .trim_end_matches('>'),
                    header("Subject: ")
                ),
            ));
        }
    }
    told
}

#[test]
#[ignore = "needs Cyrus IMAP and the Secret Service: run scripts/test"]
fn a_delegate_on_a_scheduling_server_has_it_tell_every_attendee_as_the_host() {
    let env = Env::new();
    let server = belfry_testkit::cyrus::cyrus();
    let host_cal = server.calendar("ana", "lectures", "Lectures");
    server.share("ana", &host_cal, "bob");
    let out = env
        .cmd()
        .args([
            "accounts",
            "add",
            "caldav",
            "--name",
            "Assistant",
            "--url",
            &server.url,
            "--username",
            "bob",
            "--password-stdin",
        ])
        .write_stdin(format!("{}\n", server.password("bob")))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // bob's list holds ana's calendar, under a URL of his, marked as another person's.
    let cals = env.json(&["accounts", "calendars", "Assistant", "--json"]);
    let lectures = cals
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "Lectures")
        .unwrap_or_else(|| panic!("{cals}"));
    assert_eq!(lectures["shared"], true, "{cals}");
    assert_eq!(lectures["invitations_by"], "server", "{cals}");
    // Picked by name, it is the host's: Belfry asks whose meeting it is.
    let mut by_name = vec![
        "schedule",
        "--account",
        "Assistant",
        "--calendar",
        "Lectures",
    ];
    by_name.extend(MEETING);
    let err = env.fails(&by_name, 2);
    assert!(err.contains("--on-behalf-of"), "{err}");
    assert!(server.sent_mail().is_empty());

    // Given by ana's own URL (Cyrus redirects bob to his), on her behalf.
    let ana = server.address("ana");
    let mut first = vec![
        "schedule",
        "--json",
        "--account",
        "Assistant",
        "--calendar",
        &host_cal,
        "--on-behalf-of",
        &ana,
        "--attendee",
        "pat@elsewhere.example",
    ];
    first.extend(MEETING);
    let done = env.json(&first);
    assert_eq!(done["deliveries"][0]["status"], "created", "{done}");
    assert!(done["mail"].as_array().unwrap().is_empty(), "{done}");
    let uid = done["uid"].as_str().unwrap().to_owned();
    // ana reads it in her calendar, with an independent client.
    let held = belfry_testkit::ics_paths(&host_cal, "ana", server.password("ana"));
    assert_eq!(held.len(), 1, "{held:?}");
    server.wait_for_mail(3);
    let moved = [
        "reschedule",
        "--json",
        "--uid",
        &uid,
        "--attendee",
        "pat@elsewhere.example",
        "--title",
        "Physics 101 (room 12)",
        "--start",
        "2027-03-01T10:00",
        "--tz",
        "America/New_York",
    ];
    assert_eq!(env.json(&moved)["sequence"], 1);
    server.wait_for_mail(6);
    env.json(&["cancel", "--json", "--uid", &uid]);
    let mail = server.wait_for_mail(9);
    let told = cyrus_told(&mail, &uid);
    let from = &ana;
    let each = vec![
        (
            "REQUEST".to_owned(),
            format!("{from} / Invitation: Physics 101"),
        ),
        (
            "REQUEST".to_owned(),
            format!("{from} / Update: Physics 101 (room 12)"),
        ),
        (
            "CANCEL".to_owned(),
            format!("{from} / Canceled: Physics 101 (room 12)"),
        ),
    ];
    assert_eq!(told.len(), 3, "{told:?}");
    assert_eq!(told.get("meet@chime.aws"), Some(&each), "{told:?}");
    assert_eq!(told.get("pat@elsewhere.example"), Some(&each), "{told:?}");
    assert!(told.values().all(|v| v == &each), "{told:?}");

    // On bob's own calendar, a meeting he says is ana's would be sent as nobody's (Cyrus
    // invites only as the owner of the calendar): refused, nothing written or sent.
    let mine = server.calendar("bob", "mine", "Mine");
    let mut own = vec![
        "schedule",
        "--account",
        "Assistant",
        "--calendar",
        "Mine",
        "--on-behalf-of",
        &ana,
        "--attendee",
        "pat@elsewhere.example",
    ];
    own.extend(MEETING);
    let err = env.fails(&own, 2);
    assert!(
        err.contains("yours") && err.contains("on behalf of"),
        "{err}"
    );
    assert!(belfry_testkit::ics_paths(&mine, "bob", server.password("bob")).is_empty());
    assert_eq!(server.sent_mail().len(), 9);
}

#[test]
#[ignore = "needs Cyrus IMAP and the Secret Service: run scripts/test"]
fn a_bulk_run_on_a_scheduling_server_has_each_attendee_told_once_per_meeting() {
    let env = Env::new();
    let server = belfry_testkit::cyrus::cyrus();
    let cal = server.calendar("ana", "lectures", "Lectures");
    add_school(&env, &server.url);
    let csv = env.data.path().join("rows.csv");
    // Three meetings, one of them given twice (side by side in one run: one meeting).
    let rows = "title,start,tz,attendees\n\
        Lab,2027-04-05T09:00,Europe/Berlin,pat@elsewhere.example\n\
        Lab,2027-04-05T09:00,Europe/Berlin,pat@elsewhere.example\n\
        Seminar,2027-04-06T09:00,Europe/Berlin,pat@elsewhere.example\n\
        Colloquium,2027-04-07T09:00,Europe/Berlin,pat@elsewhere.example\n";
    std::fs::write(&csv, rows).unwrap();
    let run = [
        "schedule",
        "--account",
        "School",
        "--json",
        "--from-csv",
        csv.to_str().unwrap(),
    ];
    let done = env.json(&run);
    let uids: std::collections::BTreeSet<String> = done
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["result"]["uid"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(uids.len(), 3, "{done}");
    assert_eq!(
        belfry_testkit::ics_paths(&cal, "ana", server.password("ana")).len(),
        3
    );
    // The same file again schedules nothing new: then one more meeting, as a fence (Cyrus
    // sends in order, as it answers each PUT), shows nothing came of the second run.
    env.json(&run);
    let mut fence = vec![
        "schedule",
        "--json",
        "--account",
        "School",
        "--attendee",
        "pat@elsewhere.example",
    ];
    fence.extend(MEETING);
    let fenced = env.json(&fence)["uid"].as_str().unwrap().to_owned();
    // Per meeting: pat, meet@chime.aws and the meeting's PIN address.
    let mail = server.wait_for_mail(12);
    assert_eq!(mail.len(), 12);
    let (before, after) = mail.split_at(9);
    for uid in &uids {
        let of: Vec<_> = before
            .iter()
            .filter(|m| {
                belfry_testkit::cyrus::itip(&m.message)
                    .iter()
                    .any(|t| &t.1 == uid)
            })
            .cloned()
            .collect();
        let told = cyrus_told(&of, uid);
        assert_eq!(told.len(), 3, "{uid}: {told:?}");
        assert!(
            told.values().all(|v| v.len() == 1 && v[0].0 == "REQUEST"),
            "{uid}: {told:?}"
        );
    }
    assert_eq!(cyrus_told(after, &fenced).len(), 3);
}

/// Adds the outgoing mail account "Mail" on the test Exim (STARTTLS, its CA trusted).
fn add_mail(env: &Env, smtp: &belfry_testkit::smtp::Smtp) {
    let out = env
        .cmd()
        .args([
            "accounts",
            "add",
            "smtp",
            "--name",
            "Mail",
            "--host",
            "127.0.0.1",
            "--port",
            &smtp.starttls_port.to_string(),
            "--security",
            "starttls",
            "--username",
            belfry_testkit::smtp::Smtp::USER,
            "--ca-file",
            &smtp.ca_pem.display().to_string(),
            "--password-stdin",
        ])
        .write_stdin(format!("{}\n", belfry_testkit::smtp::Smtp::PASSWORD))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
#[ignore = "needs DAViCal, Exim and the Secret Service: run scripts/test"]
fn belfry_emails_the_attendees_a_scheduling_server_says_it_could_not_tell() {
    // DAViCal schedules (its DAV header says calendar-auto-schedule) but only for its own
    // users: bob is told in his inbox, an address elsewhere gets SCHEDULE-STATUS=3.7.
    let env = Env::new();
    let server = belfry_testkit::davical::davical();
    let out = env
        .cmd()
        .args([
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
        ])
        .write_stdin(format!("{}\n", server.password("ana")))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let smtp = belfry_testkit::smtp::smtp();
    add_mail(&env, &smtp);
    let bob = server.address("bob");
    let mut first = vec![
        "schedule",
        "--json",
        "--account",
        "School",
        "--attendee",
        "pat@elsewhere.example",
        "--attendee",
        &bob,
    ];
    first.extend(MEETING);
    let done = env.json(&first);
    assert_eq!(done["deliveries"][0]["status"], "created", "{done}");
    let uid = done["uid"].as_str().unwrap().to_owned();
    let emailed = |r: &Value| -> Vec<String> {
        let mut to: Vec<String> = r["mail"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                format!(
                    "{} {}",
                    m["attendee"].as_str().unwrap(),
                    m["state"].as_str().unwrap()
                )
            })
            .collect();
        to.sort();
        to
    };
    let pin = emailed(&done)
        .iter()
        .find(|m| m.starts_with("pin+"))
        .cloned()
        .unwrap_or_default()
        .replace(" sent", "");
    let untold = |state: &str| -> Vec<String> {
        let mut v = vec![
            format!("meet@chime.aws {state}"),
            format!("pat@elsewhere.example {state}"),
            format!("{pin} {state}"),
        ];
        v.sort();
        v
    };
    assert_eq!(emailed(&done), untold("sent"), "{done}");
    // The server told bob itself (its inbox), and Belfry did not email him.
    let inbox = format!("{}.in/", server.home("bob"));
    assert_eq!(
        belfry_testkit::ics_paths(&inbox, "bob", server.password("bob")).len(),
        1
    );
    // Run again (as after a kill): nothing is emailed twice.
    assert_eq!(env.json(&first)["again"], true);
    let moved = [
        "reschedule",
        "--json",
        "--uid",
        &uid,
        "--attendee",
        "pat@elsewhere.example",
        "--attendee",
        &bob,
        "--title",
        "Physics 101 (room 12)",
        "--start",
        "2027-03-01T10:00",
        "--tz",
        "America/New_York",
    ];
    let r = env.json(&moved);
    assert_eq!(emailed(&r), untold("sent"), "{r}");
    let c = env.json(&["cancel", "--json", "--uid", &uid]);
    assert_eq!(emailed(&c), untold("sent"), "{c}");
    let delivered = smtp.wait_for(9);
    let mut got = imip_of(&delivered);
    got.sort();
    let mut want = Vec::new();
    for to in ["meet@chime.aws", "pat@elsewhere.example", pin.as_str()] {
        for (method, sequence) in [("REQUEST", 0), ("REQUEST", 1), ("CANCEL", 2)] {
            want.push((to.to_owned(), method.to_owned(), sequence));
        }
    }
    want.sort();
    assert_eq!(got, want, "{:#?}", smtp.log());
    assert!(delivered.iter().all(|d| !d.envelope_to.contains(&bob)));
}

#[test]
#[ignore = "needs a real Secret Service and Radicale: run scripts/test"]
fn the_log_says_why_a_delivery_waits_and_holds_no_secret_and_no_meeting_text() {
    let env = Env::new();
    let server = belfry_testkit::radicale();
    belfry_testkit::mkcalendar(
        &format!("{}/ana/lectures/", server.url),
        "ana",
        "ana-app-password",
        "Lectures",
    );
    add_school(&env, &server.url);
    // The server goes away: the delivery waits, and the log says why.
    let address = server.url.clone();
    drop(server);
    let mut args = vec![
        "schedule",
        "--json",
        "--account",
        "School",
        "--moderated",
        "--passcode-stdin",
        "--description",
        "Bring the LOG-CANARY-TEXT worksheet",
        "--organizer",
        "ana@example.com",
        "--attendee",
        "pat@elsewhere.example",
    ];
    args.extend(MEETING);
    let out = env
        .cmd()
        .args(&args)
        .write_stdin("86420135\n")
        .output()
        .unwrap();
    let done: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(done["deliveries"][0]["state"], "pending", "{done}");
    let uid = done["uid"].as_str().unwrap();
    let folder = env.ok(&["logs"]).trim().to_owned();
    assert!(Path::new(&folder).starts_with(env.data.path()), "{folder}");
    let files: Vec<_> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let log = std::fs::read_to_string(&files[0]).unwrap();
    // Which command, which delivery, and why it waits.
    let waiting = log
        .lines()
        .find(|l| l.contains("will be tried again"))
        .unwrap_or_else(|| panic!("{log}"));
    for needle in [
        "command",
        "name=schedule",
        "delivery",
        uid,
        "attempt=1",
        &address,
    ] {
        assert!(waiting.contains(needle), "{needle:?} in {waiting}");
    }
    // Nothing secret (nor anywhere in the data directory), and nothing of the meeting but
    // its UID.
    for secret in ["ana-app-password", "86420135"] {
        assert!(
            !dir_contains(env.data.path(), secret),
            "{secret:?} in the data directory"
        );
    }
    for text in ["LOG-CANARY-TEXT", "Physics 101"] {
        assert!(!log.contains(text), "{text:?} in the log:\n{log}");
    }
}

#[test]
fn version_names_the_commit_and_completions_and_the_manual_come_from_the_command_line() {
    let env = Env::new();
    let version = env.ok(&["--version"]);
    let head = std::process::Command::new("git")
        .args([
            "-C",
            env!("CARGO_MANIFEST_DIR"),
            "rev-parse",
            "--short=12",
            "HEAD",
        ])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_else(|| "unknown".to_owned());
    assert_eq!(
        version.trim(),
        format!("belfry {} ({head})", env!("CARGO_PKG_VERSION"))
    );
    let bash = env.ok(&["completions", "bash"]);
    assert!(
        bash.contains("_belfry()") && bash.contains("schedule"),
        "{bash}"
    );
    let zsh = env.ok(&["completions", "zsh"]);
    assert!(zsh.starts_with("#compdef belfry"), "{zsh}");
    let fish = env.ok(&["completions", "fish"]);
    assert!(
        fish.contains("complete -c belfry") && fish.contains("schedule"),
        "{fish}"
    );
    let man = env.ok(&["man"]);
    assert!(
        man.contains(".TH belfry 1") && man.contains("schedule"),
        "{man}"
    );
    let err = env.fails(&["completions", "tcsh"], 2);
    assert!(err.contains("tcsh"), "{err}");
}
