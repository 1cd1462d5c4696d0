use std::sync::Arc;

use belfry_core::entropy::{Replay, SplitMix64};
use belfry_secrets::Sensitive;
use chrono::TimeZone;

use super::*;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 2, 1, 12, 0, 0).unwrap()
}

struct Harness {
    app: App,
    dir: tempfile::TempDir,
    keyring: Keyring,
}

fn harness_with(entropy: Box<dyn Entropy + Send>) -> Harness {
    let dir = tempfile::tempdir().unwrap();
    let keyring = Keyring::mock();
    let shared = keyring.clone();
    let app = App::with_parts(
        Store::open(dir.path()).unwrap(),
        Box::new(move || Ok(Arc::new(shared.clone()) as Arc<dyn SecretStore>)),
        Arc::new(FixedClock(now())),
        entropy,
        Tz::America__New_York,
    );
    Harness { app, dir, keyring }
}

fn harness() -> Harness {
    harness_with(Box::new(SplitMix64(11)))
}

pub(crate) fn no_keyring_app(dir: &std::path::Path) -> App {
    App::with_parts(
        Store::open(dir).unwrap(),
        Box::new(|| {
            Err(SecretsError::Unavailable(
                "no Secret Service in this test".into(),
            ))
        }),
        Arc::new(FixedClock(now())),
        Box::new(SplitMix64(5)),
        Tz::UTC,
    )
}

fn form() -> MeetingForm {
    MeetingForm {
        title: "Physics 101".into(),
        start: "2027-03-01T10:00".into(),
        attendees: vec!["ana@example.com".into()],
        organizer: "prof@example.com".into(),
        ..MeetingForm::default()
    }
}

/// Every byte of the data directory (database, WAL, anything else), as text.
fn data_dir_bytes(dir: &std::path::Path) -> String {
    let mut all = String::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            all.push_str(&data_dir_bytes(&path));
        } else {
            all.push_str(&String::from_utf8_lossy(&std::fs::read(path).unwrap()));
        }
    }
    all
}

#[test]
fn a_fresh_id_skips_ids_already_in_the_history() {
    // Draw 1 is the first ID, draws 2-3 its UID; draw 4 repeats the first ID, which is now
    // in the history, so draw 5 is taken instead.
    let h = harness_with(Box::new(Replay::new(vec![42, 100, 101, 42, 7, 102, 103])));
    let first = h.app.new_meeting(false, None).unwrap();
    assert_eq!(first.meeting_id.code(), "0000000042");
    let second = h.app.new_meeting(false, None).unwrap();
    assert_eq!(second.meeting_id.code(), "0000000007");
}

#[test]
fn fresh_ids_are_distinct_across_many_meetings() {
    let h = harness();
    let mut seen = std::collections::HashSet::new();
    for _ in 0..300 {
        assert!(seen.insert(h.app.new_meeting(false, None).unwrap().meeting_id));
    }
    assert_eq!(h.app.history("", 1000).unwrap().len(), 300);
}

#[test]
fn moderated_passcode_lives_in_the_keyring_only() {
    let h = harness();
    let f = MeetingForm {
        kind: MeetingKind::Moderated,
        ..form()
    };
    let p = h.app.prepare(&f).unwrap();
    let passcode = p.new_passcode.expect("a moderated meeting gets a passcode");
    let digits = passcode.expose().to_owned();
    assert_eq!(digits.len(), 8);

    // In the keyring under the meeting's ID...
    let key = format!("moderator-passcode/{}", p.meeting.id.code());
    assert_eq!(h.keyring.get(&key).unwrap().unwrap().expose(), &digits);
    // ...in the moderator info...
    let info = h.app.moderator_info(p.meeting.id).unwrap();
    assert!(
        info.contains(&format!("Moderator passcode: {digits}")),
        "{info}"
    );
    // ...and nowhere an attendee or the disk can see it.
    assert!(!p.invitation.text.contains(&digits));
    assert!(!p.invitation.html.contains(&digits));
    let ics = h
        .app
        .ics(
            &MeetingForm {
                meeting_id: p.meeting.id.code(),
                ..f
            },
            Method::Request,
        )
        .unwrap();
    assert!(!ics.text.contains(&digits));
    assert!(
        !data_dir_bytes(h.dir.path()).contains(&digits),
        "the passcode reached the database"
    );
}

#[test]
fn a_chosen_passcode_is_validated_and_kept() {
    let h = harness();
    let f = MeetingForm {
        kind: MeetingKind::Moderated,
        passcode: "12".into(),
        ..form()
    };
    assert_eq!(
        h.app.prepare(&f).unwrap_err().first_field(),
        Some(Field::Passcode)
    );
    assert!(
        h.app.history("", 10).unwrap().is_empty(),
        "a refused form reserves nothing"
    );
    let f = MeetingForm {
        passcode: "4821".into(),
        ..f
    };
    let p = h.app.prepare(&f).unwrap();
    assert_eq!(p.new_passcode.unwrap().expose(), "4821");
    assert!(
        h.app
            .moderator_info(p.meeting.id)
            .unwrap()
            .contains("Moderator passcode: 4821")
    );
}

#[test]
fn without_a_keyring_moderated_meetings_fail_clearly_and_reserve_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let app = no_keyring_app(dir.path());
    let err = app.new_meeting(true, None).unwrap_err();
    assert_eq!(err.code, ErrorCode::KeyringUnavailable);
    assert!(err.message.contains("not reachable"), "{}", err.message);
    let err = app
        .prepare(&MeetingForm {
            kind: MeetingKind::Moderated,
            ..form()
        })
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::KeyringUnavailable);
    assert!(app.history("", 10).unwrap().is_empty());
    // Meetings without a passcode do not need the keyring at all.
    assert!(app.prepare(&form()).is_ok());
}

#[test]
fn bad_input_names_fields_and_reserves_nothing() {
    let h = harness();
    let f = MeetingForm {
        title: String::new(),
        start: "soon".into(),
        ..form()
    };
    let err = h.app.prepare(&f).unwrap_err();
    assert_eq!(err.code, ErrorCode::Invalid);
    let fields: Vec<Field> = err.fields.iter().map(|f| f.field).collect();
    assert_eq!(fields, [Field::Title, Field::Start]);
    assert!(h.app.history("", 10).unwrap().is_empty());
}

#[test]
fn personal_meetings_use_the_setting() {
    let h = harness();
    let f = MeetingForm {
        kind: MeetingKind::Personal,
        ..form()
    };
    assert_eq!(
        h.app.prepare(&f).unwrap_err().first_field(),
        Some(Field::Kind)
    );
    h.app
        .set_setting(SettingKey::PersonalId, "5550-12-3456")
        .unwrap();
    let a = h.app.prepare(&f).unwrap();
    let b = h
        .app
        .prepare(&MeetingForm {
            title: "Office hours".into(),
            ..f.clone()
        })
        .unwrap();
    assert_eq!(a.meeting.id.code(), "5550123456");
    assert_eq!(b.meeting.id, a.meeting.id);
    assert_ne!(
        a.record.uid, b.record.uid,
        "each personal meeting is its own event"
    );
    // A fresh ID never collides with the personal one...
    let err = h
        .app
        .prepare(&MeetingForm {
            meeting_id: "5550123456".into(),
            ..form()
        })
        .unwrap_err();
    assert_eq!(err.first_field(), Some(Field::MeetingId));
    // ...and a delegate cannot use it.
    let err = h
        .app
        .prepare(&MeetingForm {
            on_behalf_of: "host@example.com".into(),
            ..f
        })
        .unwrap_err();
    assert_eq!(err.first_field(), Some(Field::Kind));
}

#[test]
fn updates_and_cancellation_keep_the_uid_and_raise_the_sequence() {
    let h = harness();
    let first = h.app.ics(&form(), Method::Request).unwrap();
    let id = first.prepared.meeting.id.code();
    let uid = first.prepared.record.uid.clone();
    assert_eq!(first.prepared.record.sequence, 0);

    let same = h
        .app
        .ics(
            &MeetingForm {
                meeting_id: id.clone(),
                ..form()
            },
            Method::Request,
        )
        .unwrap();
    assert_eq!(
        (
            same.prepared.record.uid.as_str(),
            same.prepared.record.sequence
        ),
        (uid.as_str(), 0)
    );

    let moved = MeetingForm {
        meeting_id: id.clone(),
        start: "2027-03-02T11:00".into(),
        ..form()
    };
    let moved = h.app.ics(&moved, Method::Request).unwrap();
    assert_eq!(
        (
            moved.prepared.record.uid.as_str(),
            moved.prepared.record.sequence
        ),
        (uid.as_str(), 1)
    );

    let cancel = MeetingForm {
        meeting_id: id.clone(),
        start: "2027-03-02T11:00".into(),
        ..form()
    };
    let cancel = h.app.ics(&cancel, Method::Cancel).unwrap();
    assert_eq!(cancel.prepared.record.sequence, 2);
    assert!(cancel.text.contains(&format!("UID:{uid}\r\n")));
    assert!(cancel.text.contains("METHOD:CANCEL\r\n"));
    assert!(cancel.text.contains("STATUS:CANCELLED\r\n"));
    assert!(cancel.text.contains("SEQUENCE:2\r\n"));
    assert!(cancel.text.contains("mailto:meet@chime.aws\r\n"));
    assert!(
        cancel
            .text
            .contains(&format!("mailto:pin+{id}@chime.aws\r\n"))
    );
    let entry = &h.app.history(&id, 10).unwrap()[0];
    assert!(entry.cancelled);
}

#[test]
fn cancelling_needs_a_meeting_in_the_history() {
    let h = harness();
    let err = h.app.ics(&form(), Method::Cancel).unwrap_err();
    assert_eq!(err.first_field(), Some(Field::MeetingId));
    let err = h
        .app
        .ics(
            &MeetingForm {
                meeting_id: "1234567890".into(),
                ..form()
            },
            Method::Cancel,
        )
        .unwrap_err();
    assert_eq!(err.first_field(), Some(Field::MeetingId));
}

#[test]
fn an_invitation_needs_an_organizer_before_an_id_is_spent() {
    let h = harness();
    let f = MeetingForm {
        organizer: String::new(),
        ..form()
    };
    assert_eq!(
        h.app.ics(&f, Method::Request).unwrap_err().first_field(),
        Some(Field::Organizer)
    );
    assert!(h.app.history("", 10).unwrap().is_empty());
    assert!(h.app.ics(&f, Method::Publish).is_ok());
    h.app
        .set_setting(SettingKey::Organizer, "me@example.com")
        .unwrap();
    let ics = h.app.ics(&f, Method::Request).unwrap();
    assert!(
        ics.text.contains("ORGANIZER:mailto:me@example.com\r\n"),
        "{}",
        ics.text
    );
}

#[test]
fn an_id_handed_over_by_a_host_is_used_as_given() {
    let h = harness();
    let f = MeetingForm {
        meeting_id: "7777 77 7777".into(),
        on_behalf_of: "host@example.com".into(),
        ..form()
    };
    let p = h.app.prepare(&f).unwrap();
    assert_eq!(p.meeting.id.code(), "7777777777");
    // A moderated ID from elsewhere needs the host's passcode.
    let m = MeetingForm {
        meeting_id: "8888888888".into(),
        kind: MeetingKind::Moderated,
        ..form()
    };
    assert_eq!(
        h.app.prepare(&m).unwrap_err().first_field(),
        Some(Field::Passcode)
    );
    let m = MeetingForm {
        passcode: "24680".into(),
        ..m
    };
    let p = h.app.prepare(&m).unwrap();
    assert!(
        h.app
            .moderator_info(p.meeting.id)
            .unwrap()
            .contains("24680")
    );
    // And a meeting made without a moderator cannot gain one.
    let err = h
        .app
        .prepare(&MeetingForm {
            kind: MeetingKind::Moderated,
            passcode: "1234".into(),
            ..f
        })
        .unwrap_err();
    assert_eq!(err.first_field(), Some(Field::Kind));
}

#[test]
fn settings_are_checked_before_they_are_saved() {
    let h = harness();
    assert_eq!(
        h.app
            .set_setting(SettingKey::PersonalId, "123")
            .unwrap_err()
            .first_field(),
        Some(Field::MeetingId)
    );
    assert_eq!(
        h.app
            .set_setting(SettingKey::TimeZone, "Mars/Base")
            .unwrap_err()
            .first_field(),
        Some(Field::TimeZone)
    );
    assert_eq!(
        h.app
            .set_setting(SettingKey::DialIn, "XX")
            .unwrap_err()
            .first_field(),
        Some(Field::DialIn)
    );
    let err = h
        .app
        .set_setting(SettingKey::Template, "{{ nosuchvalue }}")
        .unwrap_err();
    assert!(err.message.contains("undefined"), "{}", err.message);
    let err = h
        .app
        .set_setting(SettingKey::Template, "{% for %}")
        .unwrap_err();
    assert!(
        err.message.starts_with("template line 1"),
        "{}",
        err.message
    );
    assert_eq!(h.app.settings().unwrap(), Settings::default());

    h.app
        .set_setting(SettingKey::TimeZone, "asia/kathmandu")
        .unwrap();
    h.app.set_setting(SettingKey::DialIn, "us, US").unwrap();
    h.app
        .set_setting(SettingKey::Template, "{{ title }} {{ join_url }}")
        .unwrap();
    let s = h.app.settings().unwrap();
    assert_eq!(s.time_zone, Some(Tz::Asia__Kathmandu));
    assert_eq!(s.dial_in, ["US"]);
    let p = h.app.prepare(&form()).unwrap();
    assert_eq!(
        p.invitation.text,
        format!("Physics 101 https://chime.aws/{}\n", p.meeting.id.code())
    );
    assert_eq!(p.meeting.time_zone, Tz::Asia__Kathmandu);
}

#[test]
fn history_invitation_is_rendered_again() {
    let h = harness();
    let p = h.app.prepare(&form()).unwrap();
    assert_eq!(
        h.app.history_invitation(&p.record.uid).unwrap().text,
        p.invitation.text
    );
    let reserved = h.app.new_meeting(false, None).unwrap();
    let uid = h
        .app
        .store()
        .latest_with_id(reserved.meeting_id)
        .unwrap()
        .unwrap()
        .uid;
    assert_eq!(
        h.app.history_invitation(&uid).unwrap_err().code,
        ErrorCode::NotFound
    );
}

#[test]
fn drafts_keep_invalid_input() {
    let h = harness();
    let f = MeetingForm {
        start: "2027-02-3".into(),
        ..form()
    };
    h.app.save_draft(&f).unwrap();
    assert_eq!(h.app.draft().unwrap(), Some(f));
}

#[test]
fn aws_credentials_are_checked_before_aws_is_asked() {
    let h = harness();
    let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    let bad = h.app.add_aws_account(
        "Admin",
        None,
        Some(("AKIA123", Sensitive::new(secret.into()))),
    );
    assert!(bad.unwrap_err().message.contains("20 characters"));
    let short = h.app.add_aws_account(
        "Admin",
        None,
        Some(("AKIAIOSFODNN7EXAMPLE", Sensitive::new("short".into()))),
    );
    assert!(short.unwrap_err().message.contains("40 characters"));
    let both = h.app.add_aws_account(
        "Admin",
        Some("x"),
        Some(("AKIAIOSFODNN7EXAMPLE", Sensitive::new(secret.into()))),
    );
    assert!(both.unwrap_err().message.contains("not both"));
    let err = h
        .app
        .add_aws_account("Admin", Some("no-such-profile-belfry"), None)
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::NotFound);
    assert!(
        err.message.contains("no-such-profile-belfry"),
        "{}",
        err.message
    );
    assert_eq!(err.hint, Some(Hint::CreateAwsProfile));
    assert!(h.app.accounts().unwrap().is_empty());
    assert!(!data_dir_bytes(h.dir.path()).contains(secret));
}

/// An in-memory Chime: one Team account whose users are given; the operations a test does
/// not use say so.
pub(crate) struct MemoryChime(pub(crate) Vec<ChimeUser>);

impl ChimeAdmin for MemoryChime {
    fn list_accounts(
        &self,
        _filter: &AccountFilter,
        _progress: belfry_chime::Progress<'_>,
    ) -> Result<Vec<ChimeAccount>, belfry_chime::AdminError> {
        Ok(vec![ChimeAccount {
            id: "acct-1".into(),
            name: "Physics".into(),
            account_type: AccountType::Team,
            default_license: Some(License::Pro),
            supported_licenses: vec![License::Basic, License::Pro],
            status: AccountStatus::Active,
            created: "2026-01-05T00:00:00Z".into(),
        }])
    }
    fn create_account(&self, _: &str) -> Result<ChimeAccount, belfry_chime::AdminError> {
        Err(belfry_chime::AdminError::Service("not in this test".into()))
    }
    fn update_account(
        &self,
        _: &str,
        _: Option<&str>,
        _: Option<License>,
    ) -> Result<ChimeAccount, belfry_chime::AdminError> {
        Err(belfry_chime::AdminError::Service("not in this test".into()))
    }
    fn delete_account(&self, _: &str) -> Result<(), belfry_chime::AdminError> {
        Err(belfry_chime::AdminError::Service("not in this test".into()))
    }
    fn list_users(
        &self,
        _account_id: &str,
        email: Option<&str>,
        _progress: belfry_chime::Progress<'_>,
    ) -> Result<Vec<ChimeUser>, belfry_chime::AdminError> {
        Ok(self
            .0
            .iter()
            .filter(|u| email.is_none_or(|e| u.email.eq_ignore_ascii_case(e)))
            .cloned()
            .collect())
    }
    fn get_user(&self, _: &str, user_id: &str) -> Result<ChimeUser, belfry_chime::AdminError> {
        self.0
            .iter()
            .find(|u| u.id == user_id)
            .cloned()
            .ok_or_else(|| belfry_chime::AdminError::NotFound(user_id.into()))
    }
    fn invite_users(&self, _: &str, _: &[String]) -> Result<Vec<Invite>, belfry_chime::AdminError> {
        Err(belfry_chime::AdminError::Service("not in this test".into()))
    }
    fn set_license(
        &self,
        _: &str,
        _: &[String],
        _: License,
    ) -> Result<Vec<UserFailure>, belfry_chime::AdminError> {
        Err(belfry_chime::AdminError::Service("not in this test".into()))
    }
    fn suspend(&self, _: &str, _: &[String]) -> Result<Vec<UserFailure>, belfry_chime::AdminError> {
        Err(belfry_chime::AdminError::Service("not in this test".into()))
    }
    fn unsuspend(
        &self,
        _: &str,
        _: &[String],
    ) -> Result<Vec<UserFailure>, belfry_chime::AdminError> {
        Err(belfry_chime::AdminError::Service("not in this test".into()))
    }
    fn reset_pin(&self, _: &str, _: &str) -> Result<ChimeUser, belfry_chime::AdminError> {
        Err(belfry_chime::AdminError::Service("not in this test".into()))
    }
}

/// Adds AWS credentials named `Admin` (the default chain) to `app`, for its Chime calls.
pub(crate) fn add_aws_admin(app: &App, at: DateTime<Utc>) {
    app.store()
        .insert_account(&belfry_store::AccountRecord {
            id: "aws-1".into(),
            name: "Admin".into(),
            identity: "arn:aws:iam::123456789012:user/admin".into(),
            config: belfry_store::AccountConfig::Aws(belfry_store::AwsSource::Chain),
            default_calendar: None,
            created_at: at,
        })
        .unwrap();
}

pub(crate) fn chime_user(
    id: &str,
    email: &str,
    license: License,
    registered_on: &str,
) -> ChimeUser {
    ChimeUser {
        id: id.into(),
        account_id: "acct-1".into(),
        email: email.into(),
        display_name: String::new(),
        license: Some(license),
        registration: Registration::Registered,
        invitation: Some(InviteStatus::Accepted),
        registered_on: Some(registered_on.into()),
        personal_pin: Some("6064724824".into()),
    }
}

#[test]
fn check_before_class_judges_trials_by_the_apps_clock_against_an_in_memory_chime() {
    // The clock says 2027-02-01: a trial from 2027-01-20 still runs, one from 2026-12-01 ended.
    let users = vec![
        chime_user(
            "u1",
            "new@example.edu",
            License::ProTrial,
            "2027-01-20T00:00:00Z",
        ),
        chime_user(
            "u2",
            "old@example.edu",
            License::ProTrial,
            "2026-12-01T00:00:00Z",
        ),
    ];
    let h = harness();
    let app = App::with_parts(
        Store::open(h.dir.path()).unwrap(),
        Box::new(|| Ok(Arc::new(Keyring::mock()) as Arc<dyn SecretStore>)),
        Arc::new(FixedClock(now())),
        Box::new(SplitMix64(3)),
        Tz::UTC,
    )
    .with_chime(Box::new(move |_| {
        Ok(Box::new(MemoryChime(users.clone())) as Box<dyn ChimeAdmin>)
    }));
    add_aws_admin(&app, now());
    let admin = app.admin(None).unwrap();
    let codes = |email: &str| -> Vec<(String, Severity)> {
        admin
            .doctor(Some(email), None, false, &|_, _| {})
            .unwrap()
            .findings
            .into_iter()
            .map(|f| (f.code, f.severity))
            .collect()
    };
    assert!(codes("new@example.edu").contains(&("trial-ends".into(), Severity::Warning)));
    assert!(codes("old@example.edu").contains(&("trial-ended".into(), Severity::Error)));
    assert!(
        !codes("new@example.edu")
            .iter()
            .any(|(c, _)| c == "other-provider")
    );
    // With new meetings on another provider, the check says its findings are Chime's.
    app.set_setting(SettingKey::Provider, "jitsi").unwrap();
    assert_eq!(
        codes("new@example.edu")[0],
        ("other-provider".into(), Severity::Ok)
    );
    assert_eq!(
        admin.use_personal_pin("acct-1", "u1").unwrap(),
        "6064724824"
    );
    assert_eq!(
        app.settings().unwrap().personal_id.map(|p| p.code()),
        Some("6064724824".into())
    );
}

#[test]
fn the_same_command_with_the_same_passcode_runs_again_and_another_passcode_is_refused() {
    let h = harness();
    let m = MeetingForm {
        meeting_id: "8888888888".into(),
        kind: MeetingKind::Moderated,
        passcode: "24680".into(),
        ..form()
    };
    let first = h.app.prepare(&m).unwrap();
    let again = h.app.prepare(&m).unwrap();
    assert_eq!(again.record.uid, first.record.uid);
    assert_eq!(
        again.record.sequence, first.record.sequence,
        "nothing changed"
    );
    let err = h
        .app
        .prepare(&MeetingForm {
            passcode: "13579".into(),
            ..m
        })
        .unwrap_err();
    assert_eq!(err.first_field(), Some(Field::Passcode));
    assert!(err.message.contains("another passcode"), "{}", err.message);
    assert!(
        h.app
            .moderator_info(first.meeting.id)
            .unwrap()
            .contains("24680")
    );
}

/// A clipboard in memory, as the window's would be.
#[derive(Default)]
struct MemoryClipboard(Mutex<Option<String>>);

impl Clipboard for MemoryClipboard {
    fn write_text(&self, text: &str) -> Result<(), String> {
        *self.0.lock().unwrap() = Some(text.to_owned());
        Ok(())
    }
    fn read_text(&self) -> Result<Option<String>, String> {
        Ok(self.0.lock().unwrap().clone())
    }
}

impl Host for MemoryClipboard {
    fn ask_save_path(&self, _suggested_name: &str) -> Option<std::path::PathBuf> {
        None
    }
    fn ask_profile_path(&self) -> Option<std::path::PathBuf> {
        self.read_text()
            .unwrap()
            .filter(|t| t.ends_with(".toml"))
            .map(std::path::PathBuf::from)
    }
    fn open_path(&self, path: &std::path::Path) -> Result<(), String> {
        self.write_text(&path.to_string_lossy())
    }
    fn open_url(&self, _url: &str) -> Result<(), String> {
        Err("no browser here".into())
    }
}

#[test]
fn a_copied_passcode_is_cleared_only_while_the_clipboard_still_holds_it() {
    let h = harness();
    let made = h.app.new_meeting(true, Some("97531")).unwrap();
    let clipboard = MemoryClipboard::default();
    let copied = h
        .app
        .copy_moderator_info(&made.meeting_id.code(), &clipboard)
        .unwrap();
    assert!(clipboard.read_text().unwrap().unwrap().contains("97531"));
    assert!(copied.clear(&clipboard).unwrap());
    assert_eq!(clipboard.read_text().unwrap().as_deref(), Some(""));

    let copied = h
        .app
        .copy_moderator_info(&made.meeting_id.code(), &clipboard)
        .unwrap();
    clipboard.write_text("the user's own text").unwrap();
    assert!(!copied.clear(&clipboard).unwrap());
    assert_eq!(
        clipboard.read_text().unwrap().as_deref(),
        Some("the user's own text")
    );
}

#[cfg(unix)]
#[test]
fn a_file_for_the_calendar_app_is_private_and_never_in_a_shared_folder() {
    use std::os::unix::fs::PermissionsExt;
    let h = harness();
    let host = MemoryClipboard::default();
    let path = h.app.open_in_calendar(&form(), &host).unwrap();
    let path = std::path::PathBuf::from(path);
    assert!(path.starts_with(h.dir.path()), "{}", path.display());
    assert!(!path.starts_with(std::env::temp_dir().join("belfry")));
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(path.parent().unwrap()), 0o700);
    assert_eq!(mode(&path), 0o600);
    assert_eq!(mode(h.dir.path()), 0o700, "the data folder");
    assert_eq!(mode(h.app.store().path()), 0o600, "the database");
    assert!(
        std::fs::read_to_string(&path)
            .unwrap()
            .contains("BEGIN:VEVENT")
    );

    // Files older than a day are gone at the next one; newer ones stay.
    let dir = path.parent().unwrap();
    let plant = |name: &str, age: std::time::Duration| {
        let p = dir.join(name);
        let f = std::fs::File::create(&p).unwrap();
        f.set_modified(std::time::SystemTime::from(now()) - age)
            .unwrap();
        p
    };
    let stale = plant("stale.ics", std::time::Duration::from_secs(2 * 24 * 3600));
    let recent = plant("recent.ics", std::time::Duration::from_secs(3600));
    h.app.open_in_calendar(&form(), &host).unwrap();
    assert!(!stale.exists());
    assert!(recent.exists());
}

#[test]
fn a_csv_past_its_limits_is_refused_before_any_row_is_read() {
    use belfry_core::limits::{MAX_CSV_BYTES, MAX_CSV_ROWS};
    let rows = "x,2027-03-01T10:00\n".repeat(MAX_CSV_ROWS + 1);
    let err = bulk::parse_csv(&format!("title,start\n{rows}"), "--from-csv f").unwrap_err();
    assert!(
        err.message.contains("more than 2000 rows"),
        "{}",
        err.message
    );
    let big = format!("title,start\n{}", "x".repeat(MAX_CSV_BYTES));
    let err = bulk::parse_csv(&big, "--from-csv f").unwrap_err();
    assert!(
        err.message.contains("more than the 4 MiB"),
        "{}",
        err.message
    );
}

#[test]
fn a_caldav_server_on_plain_http_elsewhere_needs_the_users_confirmation() {
    let h = harness();
    let err = h
        .app
        .add_caldav_account(
            "School",
            "http://calendar.example.com/dav/",
            "ana",
            Sensitive::new("app-password".to_owned()),
            false,
        )
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InsecureTransport, "{}", err.message);
    assert!(err.message.contains("unencrypted"), "{}", err.message);
    assert!(h.app.accounts().unwrap().is_empty());
    assert!(!data_dir_bytes(h.dir.path()).contains("app-password"));
}

#[test]
fn the_default_provider_is_a_setting_and_a_meeting_keeps_its_own() {
    let h = harness();
    let err = h
        .app
        .set_setting(SettingKey::Provider, "zoomish")
        .unwrap_err();
    assert_eq!(err.first_field(), Some(Field::Provider));
    h.app.set_setting(SettingKey::Provider, "Jitsi").unwrap();
    assert_eq!(h.app.settings_view().unwrap().provider, "jitsi");

    let on_jitsi = h.app.prepare(&form()).unwrap();
    assert_eq!(on_jitsi.meeting.provider, "jitsi");
    assert!(on_jitsi.meeting.id.is_room());
    assert!(on_jitsi.invitation.text.contains("https://meet.jit.si/"));
    let everyone: Vec<String> = on_jitsi
        .invitation
        .attendees
        .iter()
        .map(|a| a.to_string())
        .collect();
    assert_eq!(everyone, ["ana@example.com"], "no scheduling address");

    let chime = h
        .app
        .prepare(&MeetingForm {
            provider: "chime".into(),
            ..form()
        })
        .unwrap();
    assert!(!chime.meeting.id.is_room());
    assert!(chime.invitation.text.contains("https://chime.aws/"));

    // `belfry new` draws Chime IDs whatever the default.
    assert!(!h.app.new_meeting(false, None).unwrap().meeting_id.is_room());
    // A moderated meeting on a provider without moderator codes is refused by field.
    let err = h
        .app
        .prepare(&MeetingForm {
            kind: MeetingKind::Moderated,
            ..form()
        })
        .unwrap_err();
    assert_eq!(err.first_field(), Some(Field::Kind), "{}", err.message);
}

#[test]
fn a_csv_row_names_its_provider() {
    let rows = bulk::parse_csv(
        "title,start,provider\nLab,2027-04-05T09:00,jitsi\nTalk,2027-04-06T09:00,\n",
        "the rows",
    )
    .unwrap();
    assert_eq!(rows[0].provider, "jitsi");
    assert_eq!(rows[1].provider, "");
}

#[test]
fn a_personal_room_is_one_link_for_every_meeting() {
    let h = harness();
    let err = h
        .app
        .set_setting(SettingKey::PersonalRoom, "zoom.example/j/1")
        .unwrap_err();
    assert_eq!(err.first_field(), Some(Field::Provider), "{}", err.message);
    assert!(
        h.app.provider_named("personal-room").is_err(),
        "offered only once its link is set"
    );
    h.app
        .set_setting(SettingKey::PersonalRoom, "https://zoom.example/j/123456789")
        .unwrap();
    let on_room = |title: &str| {
        h.app
            .prepare(&MeetingForm {
                provider: "personal-room".into(),
                title: title.into(),
                ..form()
            })
            .unwrap()
    };
    let first = on_room("Office hours");
    let second = on_room("Tutorial");
    for p in [&first, &second] {
        assert_eq!(p.meeting.kind, MeetingKind::Personal);
        assert_eq!(p.meeting.provider, "personal-room");
        assert!(
            p.invitation
                .text
                .contains("Join my meeting room:\nhttps://zoom.example/j/123456789"),
            "{}",
            p.invitation.text
        );
        assert_eq!(p.invitation.attendees.len(), 1, "only the attendee");
    }
    assert_eq!(first.meeting.id, second.meeting.id, "the same link");
    assert_ne!(first.record.uid, second.record.uid, "two meetings");
}

#[test]
fn a_personal_rooms_passcode_and_dial_in_lines_go_into_its_invitations() {
    let h = harness();
    h.app
        .set_setting(
            SettingKey::PersonalRoom,
            "https://zoom.example/j/5551234567",
        )
        .unwrap();
    h.app
        .set_setting(SettingKey::PersonalRoomPasscode, " 314159 ")
        .unwrap();
    h.app
        .set_setting(
            SettingKey::PersonalRoomDialIn,
            "+1 646 558 8656 (New York); +1 669 900 6833 (San Jose)",
        )
        .unwrap();
    let p = h
        .app
        .prepare(&MeetingForm {
            provider: "personal-room".into(),
            ..form()
        })
        .unwrap();
    assert!(
        p.invitation.text.contains(
            "https://zoom.example/j/5551234567\nPasscode: 314159\n\nDial in:\n+1 646 558 8656 (New York)\n+1 669 900 6833 (San Jose)\n"
        ),
        "{}",
        p.invitation.text
    );
    let view = h.app.settings_view().unwrap();
    assert_eq!(view.personal_room_passcode, "314159");
    assert_eq!(view.personal_room_dial_in.len(), 2);
    let err = h
        .app
        .set_setting(SettingKey::PersonalRoomDialIn, &"9".repeat(300))
        .unwrap_err();
    assert_eq!(err.first_field(), Some(Field::Provider));
    assert!(
        err.message.contains("the personal room's dial_lines"),
        "{}",
        err.message
    );
}

#[test]
fn a_profile_is_imported_from_the_file_the_user_picks() {
    let h = harness();
    let files = tempfile::tempdir().unwrap();
    let file = files.path().join("school.toml");
    std::fs::write(
        &file,
        "key = \"school\"\nname = \"School Jitsi\"\njoin_url = \"https://meet.school.example/{id}\"\nids = \"room\"\n",
    )
    .unwrap();
    let host = MemoryClipboard::default();
    assert_eq!(h.app.import_provider(&host).unwrap(), None, "cancelled");
    host.write_text(&file.to_string_lossy()).unwrap();
    let added = h.app.import_provider(&host).unwrap().unwrap();
    assert_eq!((added.key.as_str(), added.rooms), ("school", true));
    assert!(h.app.catalog().providers.iter().any(|p| p.key == "school"));
    // A built-in key is refused, naming the field.
    std::fs::write(
        &file,
        "key = \"jitsi\"\nname = \"Mine\"\njoin_url = \"https://x.example/{id}\"\nids = \"room\"\n",
    )
    .unwrap();
    let err = h.app.import_provider(&host).unwrap_err();
    assert!(
        err.message
            .contains("key: \"jitsi\" or its scheduler_address is a built-in"),
        "{}",
        err.message
    );
    for taken in [
        "key = \"personal-room\"\nname = \"Mine\"\njoin_url = \"https://x.example/{id}\"\nids = \"room\"\n",
        "key = \"fake\"\nname = \"Fake\"\njoin_url = \"https://x.example/{id}\"\nscheduler_address = \"meet@chime.aws\"\n",
    ] {
        std::fs::write(&file, taken).unwrap();
        let err = h.app.import_provider(&host).unwrap_err();
        assert!(
            err.message.contains("is a built-in provider's"),
            "{}",
            err.message
        );
    }
}

#[test]
fn a_meeting_whose_profile_is_gone_keeps_its_invitation_and_a_default_that_is_gone_reads_as_chime()
{
    let h = harness();
    h.app
        .set_setting(SettingKey::PersonalRoom, "https://zoom.example/j/1")
        .unwrap();
    h.app
        .set_setting(SettingKey::Provider, "personal-room")
        .unwrap();
    let made = h.app.prepare(&form()).unwrap();
    assert_eq!(made.meeting.provider, "personal-room");
    h.app.unset_setting(SettingKey::PersonalRoom).unwrap();
    assert_eq!(h.app.settings_view().unwrap().provider, "chime");
    assert!(
        h.app.provider_named("personal-room").is_err(),
        "no longer offered"
    );
    let room = h.app.history_invitation(&made.record.uid).unwrap();
    assert!(
        room.text.contains("https://zoom.example/j/1"),
        "{}",
        room.text
    );
}

#[test]
fn a_profiles_own_default_countries_apply_when_the_users_are_not_its() {
    let h = harness();
    let files = tempfile::tempdir().unwrap();
    let file = files.path().join("school.toml");
    std::fs::write(
        &file,
        "key = \"school\"\nname = \"School Jitsi\"\njoin_url = \"https://meet.school.example/{id}\"\nids = \"room\"\n\
         one_click = \"+49 30 1234567\"\ndefault_countries = [\"DE\"]\n\
         [[countries]]\ncode = \"DE\"\nname = \"Germany\"\nnumbers = [{ number = \"+49 30 1234567\", kind = \"toll\" }]\n",
    )
    .unwrap();
    h.app.add_provider_file(&file).unwrap();
    let p = h
        .app
        .prepare(&MeetingForm {
            provider: "school".into(),
            ..form()
        })
        .unwrap();
    assert!(
        p.invitation.text.contains("Germany (toll): +49 30 1234567"),
        "{}",
        p.invitation.text
    );
}

#[test]
fn each_provider_has_its_own_editable_template() {
    let h = harness();
    let on = |provider: &str| {
        h.app
            .prepare(&MeetingForm {
                provider: provider.into(),
                ..form()
            })
            .unwrap()
            .invitation
            .text
    };
    h.app
        .set_provider_template("jitsi", Some("{{ title }}: {{ join_url }}"))
        .unwrap();
    assert!(
        on("jitsi").starts_with("Physics 101: https://meet.jit.si/"),
        "{}",
        on("jitsi")
    );
    assert!(
        on("chime").contains("Join the Amazon Chime meeting:"),
        "Chime keeps its own"
    );
    assert!(!h.app.provider_template("jitsi").unwrap().1);
    // Checked against a sample Jitsi meeting before it is kept.
    let err = h
        .app
        .set_provider_template("jitsi", Some("{{ nope }}"))
        .unwrap_err();
    assert!(err.message.contains("template"), "{}", err.message);
    assert!(
        on("jitsi").starts_with("Physics 101: "),
        "the refused one was not kept"
    );
    h.app.set_provider_template("jitsi", None).unwrap();
    assert!(on("jitsi").contains("Join the Jitsi Meet meeting:"));
    assert!(h.app.provider_template("jitsi").unwrap().1);
}

/// The string literals of Rust source `code` (ordinary ones, with `\` line continuations
/// joined; comments skipped), each with the line it starts on.
fn string_literals(code: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut chars = code.chars().peekable();
    let mut line = 1;
    while let Some(c) = chars.next() {
        match c {
            '\n' => line += 1,
            '/' if chars.peek() == Some(&'/') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        line += 1;
                        break;
                    }
                }
            }
            '\'' => {
                // A char literal ('"', '\\') or a lifetime: skip what could hold a quote.
                let mut ahead = chars.clone();
                match (ahead.next(), ahead.next(), ahead.next()) {
                    (Some('\\'), Some(_), Some('\'')) => {
                        chars.next();
                        chars.next();
                        chars.next();
                    }
                    (Some(_), Some('\''), _) => {
                        chars.next();
                        chars.next();
                    }
                    _ => {}
                }
            }
            '"' => {
                let start = line;
                let mut text = String::new();
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => match chars.next() {
                            Some('\n') => {
                                line += 1;
                                while chars.peek().is_some_and(|c| c.is_whitespace()) {
                                    if chars.next() == Some('\n') {
                                        line += 1;
                                    }
                                }
                            }
                            Some(other) => {
                                text.push('\\');
                                text.push(other);
                            }
                            None => break,
                        },
                        '\n' => {
                            line += 1;
                            text.push(' ');
                        }
                        other => text.push(other),
                    }
                }
                out.push((start, text));
            }
            _ => {}
        }
    }
    out
}

/// No text belfry-app makes names a CLI command or flag: it reaches the window too. What fixes
/// an error is a [`crate::Hint`], which each front end words its own way.
#[test]
fn no_text_of_the_application_layer_names_a_cli_command_or_flag() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut found = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name == "tests.rs" || name.ends_with("_tests.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        // Unit tests at the end of a module may name what they like.
        let code = text
            .split("#[cfg(test)]\nmod tests")
            .next()
            .unwrap_or_default();
        for (line, literal) in string_literals(code) {
            let words: Vec<&str> = literal
                .split(|c: char| c.is_whitespace() || c == '(' || c == '`')
                .collect();
            let flag = words.iter().any(|w| {
                w.strip_prefix("--")
                    .is_some_and(|f| f.starts_with(|c: char| c.is_ascii_lowercase()))
            });
            let command = words
                .windows(2)
                .any(|w| w[0] == "belfry" && w[1].starts_with(|c: char| c.is_ascii_lowercase()));
            if flag || command {
                found.push(format!("{name}:{line}: {literal}"));
            }
        }
    }
    assert!(found.is_empty(), "CLI wording in shared text: {found:#?}");
}

#[test]
fn string_literals_are_read_across_continuations_and_past_comments() {
    let code =
        "let a = \"one \\\n     two\"; // \"not this\"\nlet b = '\"'; let c = \"(belfry x)\";";
    let got: Vec<String> = string_literals(code).into_iter().map(|(_, t)| t).collect();
    assert_eq!(got, ["one two", "(belfry x)"]);
}

#[test]
fn an_error_says_what_fixes_it_as_a_hint_and_not_in_cli_words() {
    let h = harness();
    let err = h.app.admin(None).map(|_| ()).unwrap_err();
    assert_eq!(err.hint, Some(Hint::AddAwsAccount), "{err:?}");
    assert!(!err.message.contains("belfry"), "{}", err.message);
}

#[test]
fn which_id_a_meeting_gets_before_one_is_reserved() {
    let id = |s: &str| MeetingId::parse(s).unwrap();
    let (own, given, personal, stand) = (
        id("1111111111"),
        id("2222222222"),
        id("6064724824"),
        id("0000000000"),
    );
    let get = |named, kind, given, personal| provisional_id(named, kind, given, personal, stand);
    // Named by its UID: its own ID, whatever the form says.
    assert_eq!(
        get(
            Some(own),
            MeetingKind::Personal,
            Some(given),
            Some(personal)
        )
        .unwrap(),
        own
    );
    // Personal: the personal ID, which must be set, and no other.
    assert_eq!(
        get(None, MeetingKind::Personal, None, Some(personal)).unwrap(),
        personal
    );
    let unset = get(None, MeetingKind::Personal, None, None).unwrap_err();
    assert_eq!(
        (unset.first_field(), unset.hint),
        (Some(Field::Kind), Some(Hint::SetPersonalId))
    );
    let other = get(None, MeetingKind::Personal, Some(given), Some(personal)).unwrap_err();
    assert_eq!(other.first_field(), Some(Field::MeetingId));
    // One-time or moderated: the ID given (never the personal one), else a stand-in.
    assert_eq!(
        get(None, MeetingKind::OneTime, Some(given), Some(personal)).unwrap(),
        given
    );
    let mine = get(None, MeetingKind::Moderated, Some(personal), Some(personal)).unwrap_err();
    assert_eq!(mine.first_field(), Some(Field::MeetingId));
    assert_eq!(
        get(None, MeetingKind::OneTime, None, Some(personal)).unwrap(),
        stand
    );
}
