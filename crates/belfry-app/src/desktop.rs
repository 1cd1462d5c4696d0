//! Belfry on the desktop, outside the page: the desktop notification for a delivery that was
//! waiting and has landed or failed, what the tray offers, and what the window remembers.

use belfry_core::{MeetingForm, MeetingKind};
use chrono::{DurationRound, TimeDelta};

use serde::{Deserialize, Serialize};

use crate::{App, AppError, Clipboard, DeliveryStatus, DeliveryView, ErrorCode, HistoryView};

/// What the window remembers between runs (beside the settings; not a setting of the CLI).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct WindowPrefs {
    /// The page shown last (`schedule`, `history`, …); empty before the first.
    pub page: String,
    /// Closing the window keeps Belfry in the tray (else it quits).
    pub keep_in_tray: bool,
}

/// The store's keys for [`WindowPrefs`].
const WINDOW_PAGE: &str = "window-page";
const KEEP_IN_TRAY: &str = "window-keep-in-tray";
/// The longest page name kept.
const MAX_PAGE_NAME: usize = 32;

/// A desktop notification's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// The headline.
    pub title: String,
    /// The sentence under it.
    pub body: String,
}

/// What to tell the user about a delivery the outbox finished on its own: it landed, or it
/// failed for good. Nothing while it still waits.
pub fn delivery_notice(d: &DeliveryView) -> Option<Notice> {
    // The account's name: its calendar is a server's address, no name to show.
    let calendar = &d.account;
    match d.status {
        DeliveryStatus::Pending => None,
        DeliveryStatus::Failed => Some(Notice {
            title: format!("Not on your calendar: {}", d.title),
            body: format!(
                "{calendar} refused it: {} Open History in Belfry to retry.",
                sentence(&d.message)
            ),
        }),
        DeliveryStatus::Cancelled | DeliveryStatus::NothingToCancel => Some(Notice {
            title: format!("Cancelled: {}", d.title),
            body: format!("The meeting is off {calendar} now."),
        }),
        DeliveryStatus::Newer => Some(Notice {
            title: format!("Changed elsewhere: {}", d.title),
            body: format!(
                "{calendar} holds a newer version changed outside Belfry; nothing was overwritten."
            ),
        }),
        DeliveryStatus::Created | DeliveryStatus::Updated | DeliveryStatus::AlreadyThere => {
            Some(Notice {
                title: format!("On your calendar: {}", d.title),
                body: format!("It waited for the server and is on {calendar} now."),
            })
        }
    }
}

/// `text` ending in a full stop.
fn sentence(text: &str) -> String {
    let t = text.trim();
    if t.ends_with(['.', '!', '?']) {
        t.to_owned()
    } else {
        format!("{t}.")
    }
}

/// When a meeting of the history starts, as an instant (none for a start it cannot read).
fn starts_at(m: &HistoryView) -> Option<chrono::DateTime<chrono_tz::Tz>> {
    let zone: chrono_tz::Tz = m.time_zone.parse().ok()?;
    let local = chrono::NaiveDateTime::parse_from_str(&m.start, FORM_START).ok()?;
    local.and_local_timezone(zone).earliest()
}

/// A new meeting starts on the next multiple of this (the next half hour).
const START_STEP: TimeDelta = TimeDelta::minutes(30);

/// The tray's line when no meeting is coming.
pub const NO_NEXT_MEETING: &str = "No meeting scheduled";

/// How far ahead Check before class looks for meetings to warn about.
pub const CHECK_AHEAD: TimeDelta = TimeDelta::days(3);
/// How many of the soonest meetings the tray and Check before class look at (the tray's
/// next meeting is the first of them on a calendar).
const NEXT_LOOKED_AT: usize = 200;
/// The most meetings one check warns about at once.
const MAX_CHECK_NOTICES: usize = 3;

/// How a form writes its start (`MeetingForm::start`).
const FORM_START: &str = "%Y-%m-%dT%H:%M";

/// Runs Check before class for the coming meetings at start, then every `period`, telling
/// `tell` each notice (the window shows it as a desktop notification).
pub fn check_before_class_worker(
    app: std::sync::Arc<App>,
    period: std::time::Duration,
    tell: impl Fn(&Notice) + Send + 'static,
) -> std::io::Result<std::thread::JoinHandle<()>> {
    std::thread::Builder::new()
        .name("belfry-check".into())
        .spawn(move || {
            loop {
                match app.check_before_class_notices() {
                    Ok(notices) => notices.iter().for_each(&tell),
                    Err(e) => {
                        tracing::warn!(error = %e.message, "check before class could not run");
                    }
                }
                std::thread::sleep(period);
            }
        })
}

impl App {
    /// A new meeting's form: the default provider and meeting type, starting at the next half
    /// hour in the default zone (which its empty zone means).
    pub fn new_form(&self, title: &str) -> Result<MeetingForm, AppError> {
        let zone = self.settings()?.time_zone.unwrap_or(self.system_tz);
        let now = self.clock.now().with_timezone(&zone);
        let start = now.duration_trunc(START_STEP).unwrap_or(now) + START_STEP;
        Ok(MeetingForm {
            provider: self.settings_view()?.provider,
            kind: MeetingKind::OneTime,
            title: title.to_owned(),
            start: start.format(FORM_START).to_string(),
            ..MeetingForm::default()
        })
    }

    /// The next meeting of the history on a calendar and not cancelled, for the tray:
    /// `Chemistry lab, 2027-03-01 10:00 (Europe/Berlin)`.
    pub fn next_meeting(&self) -> Result<Option<String>, AppError> {
        let now = self.clock.now();
        let soonest = self.store().starting(now, None, NEXT_LOOKED_AT)?;
        let next = self
            .history_views(soonest)?
            .into_iter()
            .filter(|m| !m.cancelled && !m.calendars.is_empty())
            .filter_map(|m| {
                let at = starts_at(&m)?;
                (at > now).then_some((at, m))
            })
            .min_by_key(|(at, _)| *at);
        Ok(next.map(|(at, m)| {
            format!(
                "{}, {} ({})",
                m.title,
                at.format("%Y-%m-%d %H:%M"),
                m.time_zone
            )
        }))
    }

    /// What the window remembers.
    pub fn window_prefs(&self) -> Result<WindowPrefs, AppError> {
        Ok(WindowPrefs {
            page: self.store().setting(WINDOW_PAGE)?.unwrap_or_default(),
            keep_in_tray: self.store().setting(KEEP_IN_TRAY)?.as_deref() == Some("yes"),
        })
    }

    /// Remembers the page shown (the window knows its pages; this only keeps the name short
    /// and plain).
    pub fn remember_page(&self, page: &str) -> Result<(), AppError> {
        if page.is_empty()
            || page.len() > MAX_PAGE_NAME
            || !page.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')
        {
            return Err(AppError::new(
                ErrorCode::Invalid,
                format!("page: a page's name is at most {MAX_PAGE_NAME} lower-case letters or -"),
            ));
        }
        Ok(self.store().set_setting(WINDOW_PAGE, page)?)
    }

    /// Whether closing the window keeps Belfry in the tray.
    pub fn set_keep_in_tray(&self, keep: bool) -> Result<WindowPrefs, AppError> {
        self.store()
            .set_setting(KEEP_IN_TRAY, if keep { "yes" } else { "no" })?;
        self.window_prefs()
    }

    /// Check before class, for the Amazon Chime meetings of the history that start within
    /// [`CHECK_AHEAD`]: a notice for each (the first few) when the check finds what makes the
    /// meeting fail. None when there is no such meeting, or nothing to check with (no AWS
    /// account, no organizer address): the Admin page says what is missing.
    pub fn check_before_class_notices(&self) -> Result<Vec<Notice>, AppError> {
        let now = self.clock.now();
        let chime = &belfry_core::Provider::chime().name;
        let coming = self
            .store()
            .starting(now, Some(now + CHECK_AHEAD), NEXT_LOOKED_AT)?;
        let mut soon: Vec<_> = self
            .history_views(coming)?
            .into_iter()
            .filter(|m| !m.cancelled && &m.provider == chime)
            .filter_map(|m| {
                let at = starts_at(&m)?;
                (at > now && at <= now + CHECK_AHEAD).then_some((at, m))
            })
            .collect();
        if soon.is_empty() {
            return Ok(Vec::new());
        }
        soon.sort_by_key(|(at, _)| *at);
        let admin = match self.admin(None) {
            Ok(admin) => admin,
            Err(e) if e.code == ErrorCode::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        let report = match admin.doctor(None, None, false, &|_, _| {}) {
            Ok(report) => report,
            Err(e) if e.code == ErrorCode::Invalid => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        let errors: Vec<_> = report
            .findings
            .iter()
            .filter(|f| f.severity == crate::Severity::Error)
            .collect();
        let Some(first) = errors.first() else {
            return Ok(Vec::new());
        };
        let more = match errors.len() - 1 {
            0 => String::new(),
            n => format!(" ({n} more on the Admin page.)"),
        };
        Ok(soon
            .iter()
            .take(MAX_CHECK_NOTICES)
            .map(|(at, m)| Notice {
                title: format!("Check before class: {}", m.title),
                body: format!(
                    "{} ({}): {} {}{more}",
                    at.format("%Y-%m-%d %H:%M"),
                    m.time_zone,
                    sentence(&first.message),
                    first.fix
                )
                .trim()
                .to_owned(),
            })
            .collect())
    }

    /// The tray's "Copy a fresh invitation": a new meeting of the default type, recorded in the
    /// history, its invitation on the clipboard; the notice says which, or why not.
    pub fn copy_fresh_invitation(&self, clipboard: &dyn Clipboard) -> Notice {
        match self
            .new_form("Meeting")
            .and_then(|f| self.copy_invitation(&f, clipboard))
        {
            Ok(copied) => Notice {
                title: "A fresh invitation is on the clipboard".into(),
                body: format!("Meeting {}: paste it where you need it.", copied.display),
            },
            Err(e) => Notice {
                title: "No invitation was copied".into(),
                body: e.message,
            },
        }
    }

    /// The tray's line for the next meeting: `Next: …`, or [`NO_NEXT_MEETING`].
    pub fn next_meeting_line(&self) -> Result<String, AppError> {
        Ok(match self.next_meeting()? {
            Some(next) => format!("Next: {next}"),
            None => NO_NEXT_MEETING.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use belfry_core::entropy::SplitMix64;
    use belfry_secrets::{Keyring, SecretStore};
    use belfry_store::{DeliveryState, Store};
    use chrono::{TimeZone, Utc};
    use chrono_tz::Tz;

    use super::*;

    fn app_at(dir: &std::path::Path, at: chrono::DateTime<Utc>) -> App {
        let keyring = Keyring::mock();
        App::with_parts(
            Store::open(dir).unwrap(),
            Box::new(move || Ok(Arc::new(keyring.clone()) as Arc<dyn SecretStore>)),
            Arc::new(crate::FixedClock(at)),
            Box::new(SplitMix64(3)),
            Tz::Europe__Berlin,
        )
    }

    fn delivery(status: DeliveryStatus, message: &str) -> DeliveryView {
        DeliveryView {
            uid: "u".into(),
            title: "Chemistry lab".into(),
            account: "School".into(),
            calendar: "Lectures".into(),
            href: String::new(),
            state: DeliveryState::Pending,
            status,
            invitations_sent: false,
            message: message.into(),
            attempts: 2,
            next_try_at: String::new(),
        }
    }

    #[test]
    fn a_landed_or_failed_delivery_is_told_and_a_waiting_one_is_not() {
        assert_eq!(
            delivery_notice(&delivery(DeliveryStatus::Pending, "")),
            None
        );
        let failed =
            delivery_notice(&delivery(DeliveryStatus::Failed, "the server said 403")).unwrap();
        assert_eq!(failed.title, "Not on your calendar: Chemistry lab");
        assert_eq!(
            failed.body,
            "School refused it: the server said 403. Open History in Belfry to retry."
        );
        let landed = delivery_notice(&delivery(DeliveryStatus::Created, "")).unwrap();
        assert_eq!(landed.title, "On your calendar: Chemistry lab");
        assert_eq!(
            landed.body,
            "It waited for the server and is on School now."
        );
    }

    #[test]
    fn a_new_meeting_starts_at_the_next_half_hour_in_the_default_zone() {
        let dir = tempfile::tempdir().unwrap();
        // 09:41 in Berlin (08:41 UTC in winter).
        let app = app_at(
            dir.path(),
            Utc.with_ymd_and_hms(2027, 3, 1, 8, 41, 0).unwrap(),
        );
        let form = app.new_form("Meeting").unwrap();
        assert_eq!(form.start, "2027-03-01T10:00");
        assert_eq!(form.time_zone, "", "the default zone");
        let dir = tempfile::tempdir().unwrap();
        let app = app_at(
            dir.path(),
            Utc.with_ymd_and_hms(2027, 3, 1, 8, 30, 0).unwrap(),
        );
        assert_eq!(
            app.new_form("x").unwrap().start,
            "2027-03-01T10:00",
            "never now"
        );
        let dir = tempfile::tempdir().unwrap();
        // 23:45 on New Year's Eve in Berlin.
        let app = app_at(
            dir.path(),
            Utc.with_ymd_and_hms(2027, 12, 31, 22, 45, 0).unwrap(),
        );
        assert_eq!(app.new_form("x").unwrap().start, "2028-01-01T00:00");
        let dir = tempfile::tempdir().unwrap();
        let app = app_at(
            dir.path(),
            Utc.with_ymd_and_hms(2027, 3, 1, 8, 5, 0).unwrap(),
        );
        assert_eq!(app.new_form("x").unwrap().start, "2027-03-01T09:30");
    }

    #[test]
    fn the_window_remembers_its_page_and_the_tray_choice() {
        let dir = tempfile::tempdir().unwrap();
        let app = app_at(
            dir.path(),
            Utc.with_ymd_and_hms(2027, 3, 1, 8, 41, 0).unwrap(),
        );
        assert_eq!(app.window_prefs().unwrap(), WindowPrefs::default());
        app.remember_page("history").unwrap();
        assert!(app.set_keep_in_tray(true).unwrap().keep_in_tray);
        let again = app_at(
            dir.path(),
            Utc.with_ymd_and_hms(2027, 3, 1, 8, 41, 0).unwrap(),
        );
        assert_eq!(
            again.window_prefs().unwrap(),
            WindowPrefs {
                page: "history".into(),
                keep_in_tray: true
            }
        );
        for bad in ["", "History", "../x", &"a".repeat(33)] {
            assert!(again.remember_page(bad).is_err(), "{bad:?}");
        }
        assert!(!again.set_keep_in_tray(false).unwrap().keep_in_tray);
    }

    #[test]
    fn check_before_class_warns_of_a_chime_meeting_in_the_next_days_only() {
        use belfry_chime::{ChimeAdmin, License};

        let dir = tempfile::tempdir().unwrap();
        let at = Utc.with_ymd_and_hms(2027, 3, 1, 8, 0, 0).unwrap();
        let users = vec![crate::tests::chime_user(
            "u1",
            "old@example.edu",
            License::ProTrial,
            "2026-12-01T00:00:00Z",
        )];
        let app = app_at(dir.path(), at).with_chime(Box::new(move |_| {
            Ok(Box::new(crate::tests::MemoryChime(users.clone())) as Box<dyn ChimeAdmin>)
        }));
        let meeting = |title: &str, start: &str| {
            let form = MeetingForm {
                title: title.into(),
                start: start.into(),
                time_zone: "Europe/Berlin".into(),
                ..MeetingForm::default()
            };
            app.copy_invitation(&form, &NoClipboard).unwrap();
        };
        meeting("Far away", "2027-03-10T10:00");
        // Nothing soon: nothing to say, and nothing is asked of Chime.
        assert_eq!(app.check_before_class_notices().unwrap(), []);
        meeting("Chemistry lab", "2027-03-02T10:00");
        // Soon, but nothing to check with yet.
        assert_eq!(app.check_before_class_notices().unwrap(), []);
        crate::tests::add_aws_admin(&app, at);
        app.set_setting(crate::SettingKey::Organizer, "old@example.edu")
            .unwrap();
        let notices = app.check_before_class_notices().unwrap();
        assert_eq!(notices.len(), 1, "{notices:?}");
        assert_eq!(notices[0].title, "Check before class: Chemistry lab");
        assert!(
            notices[0]
                .body
                .starts_with("2027-03-02 10:00 (Europe/Berlin): "),
            "{}",
            notices[0].body
        );
        // A meeting on another provider is not Chime's business.
        app.set_setting(crate::SettingKey::Provider, "jitsi")
            .unwrap();
        meeting("Jitsi seminar", "2027-03-02T12:00");
        assert_eq!(app.check_before_class_notices().unwrap().len(), 1);
    }

    #[test]
    fn the_next_meeting_is_found_however_many_meetings_were_recorded_after_it() {
        let dir = tempfile::tempdir().unwrap();
        let at = Utc.with_ymd_and_hms(2027, 3, 1, 8, 0, 0).unwrap();
        let app = app_at(dir.path(), at);
        let meeting = |title: &str, start: &str| {
            let form = MeetingForm {
                title: title.into(),
                start: start.into(),
                time_zone: "Europe/Berlin".into(),
                ..MeetingForm::default()
            };
            app.copy_invitation(&form, &NoClipboard).unwrap();
        };
        let store = app.store();
        store
            .insert_account(&belfry_store::AccountRecord {
                id: "acct".into(),
                name: "School".into(),
                identity: "ana".into(),
                config: belfry_store::AccountConfig::Google,
                default_calendar: None,
                created_at: at,
            })
            .unwrap();
        let on_calendar = |title: &str| {
            let rec = store.scheduled(title, 1).unwrap().pop().expect("recorded");
            let wanted = belfry_store::Wanted::On {
                account_id: "acct",
                calendar: "primary",
            };
            store.save_version(&rec, rec.sequence, wanted, at).unwrap();
        };
        meeting("Physics lab", "2027-03-02T10:00");
        on_calendar("Physics lab");
        // More meetings recorded since than the History lists, all later, one on a calendar.
        for i in 0..(crate::views::HISTORY_SHOWN + 20) {
            meeting(&format!("Seminar {i}"), "2027-04-01T10:00");
        }
        on_calendar("Seminar 0");
        assert_eq!(
            app.next_meeting_line().unwrap(),
            "Next: Physics lab, 2027-03-02 10:00 (Europe/Berlin)"
        );
    }

    struct NoClipboard;
    impl Clipboard for NoClipboard {
        fn write_text(&self, _: &str) -> Result<(), String> {
            Ok(())
        }
        fn read_text(&self) -> Result<Option<String>, String> {
            Ok(None)
        }
    }

    #[test]
    fn a_fresh_invitation_is_copied_and_kept_in_the_history() {
        struct Board(std::sync::Mutex<String>);
        impl Clipboard for Board {
            fn write_text(&self, text: &str) -> Result<(), String> {
                *self.0.lock().unwrap() = text.to_owned();
                Ok(())
            }
            fn read_text(&self) -> Result<Option<String>, String> {
                Ok(Some(self.0.lock().unwrap().clone()))
            }
        }
        let dir = tempfile::tempdir().unwrap();
        let app = app_at(
            dir.path(),
            Utc.with_ymd_and_hms(2027, 3, 1, 8, 41, 0).unwrap(),
        );
        let board = Board(std::sync::Mutex::default());
        let told = app.copy_fresh_invitation(&board);
        assert_eq!(told.title, "A fresh invitation is on the clipboard");
        let history = app.history_view("").unwrap();
        assert_eq!(history.len(), 1);
        assert!(told.body.contains(&history[0].display), "{told:?}");
        let copied = board.0.lock().unwrap().clone();
        assert!(copied.contains(&history[0].meeting_id), "{copied}");
        assert_eq!(
            app.next_meeting_line().unwrap(),
            NO_NEXT_MEETING,
            "on no calendar"
        );
    }
}
