//! What the desktop window exchanges with the application layer: plain, serializable views
//! (TypeScript declarations generated with ts-rs), and the host services a window provides.

use std::path::{Path, PathBuf};

use belfry_core::{
    Field, MeetingForm, MeetingId, MeetingKind, Method, Provider, render_invitation,
};
use serde::{Deserialize, Serialize};

use crate::{
    App, AppError, ErrorCode, HistoryEntry, ScheduleOutcome, SettingKey, write_atomically,
};

/// The clipboard of the machine the user sits at. The desktop shell implements it with its
/// clipboard plugin, in Rust, so what is copied (a passcode included) never passes through
/// the web view.
pub trait Clipboard {
    /// Puts `text` on the clipboard.
    fn write_text(&self, text: &str) -> Result<(), String>;
    /// What the clipboard holds now, if it is text.
    fn read_text(&self) -> Result<Option<String>, String>;
}

/// How long a file handed to the calendar application is kept.
pub const CALENDAR_FILES_KEPT: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

/// How long a moderator passcode Belfry copied stays on the clipboard.
pub const CLIPBOARD_CLEAR_AFTER: std::time::Duration = std::time::Duration::from_secs(60);

/// How many meetings the window's History lists (the newest that match).
pub const HISTORY_SHOWN: usize = 200;

/// What Belfry put on the clipboard that must not stay there (a moderator passcode).
#[derive(Debug)]
pub struct CopiedSecret(belfry_secrets::Sensitive<String>);

impl CopiedSecret {
    /// Empties the clipboard if it still holds exactly what Belfry copied; anything the user
    /// copied since is left alone. Call it [`CLIPBOARD_CLEAR_AFTER`] after the copy.
    pub fn clear(&self, clipboard: &dyn Clipboard) -> Result<bool, String> {
        match clipboard.read_text()? {
            Some(now) if now == *self.0.expose() => {
                clipboard.write_text("")?;
                Ok(true)
            }
            _ => Ok(false),
        }
    }
}

/// The services of the window the user sits at, beyond the clipboard.
pub trait Host: Clipboard {
    /// Asks where to save a file; `None` when the user cancels.
    fn ask_save_path(&self, suggested_name: &str) -> Option<PathBuf>;
    /// Asks which provider profile file (`.toml`) to open; `None` when the user cancels.
    fn ask_profile_path(&self) -> Option<PathBuf>;
    /// Opens a file with the system's default application for it.
    fn open_path(&self, path: &Path) -> Result<(), String>;
    /// Opens a web address in the system browser (never inside the app).
    fn open_url(&self, url: &str) -> Result<(), String>;
}

/// An account just added, with its calendars.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AccountAdded {
    /// The account.
    pub account: crate::AccountView,
    /// Its calendars, as the service listed them.
    pub calendars: Vec<crate::CalendarView>,
}

/// The live invitation preview of a form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Preview {
    /// The meeting ID as the history keeps it.
    pub meeting_id: String,
    /// The meeting ID as shown.
    pub display: String,
    /// The invitation as text.
    pub text: String,
    /// The invitation as HTML.
    pub html: String,
    /// The event's location (the joining link).
    pub location: String,
    /// The attendees the event gets, Belfry's own additions included.
    pub attendees: Vec<String>,
    /// DST notices, in words.
    pub notices: Vec<String>,
    /// It has a moderator passcode.
    pub moderated: bool,
}

/// A freshly drawn meeting ID. The passcode of a moderated one stays in Rust.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NewMeetingView {
    /// The ID as the history keeps it.
    pub meeting_id: String,
    /// The ID as shown.
    pub display: String,
    /// A moderator passcode was drawn for it (kept in the keyring).
    pub moderated: bool,
}

/// The settings as the window edits them (text fields; empty means "default").
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SettingsView {
    /// The personal meeting ID; empty when none.
    pub personal_id: String,
    /// The time zone; empty: the system's.
    pub time_zone: String,
    /// The dial-in countries; empty: the provider's defaults.
    pub dial_in: Vec<String>,
    /// The organizer's address; empty when none.
    pub organizer: String,
    /// The template in use (the default one when none is saved).
    pub template: String,
    /// No template is saved: `template` is the default.
    pub template_is_default: bool,
    /// The zone used when `time_zone` is empty.
    pub system_time_zone: String,
    /// The key of the provider meetings get unless they name one (`chime` by default).
    pub provider: String,
    /// The link of the user's own meeting room; empty when none.
    pub personal_room: String,
    /// The passcode attendees of the personal room type; empty when none.
    pub personal_room_passcode: String,
    /// The personal room's dial-in lines.
    pub personal_room_dial_in: Vec<String>,
}

/// What the window needs once at start: choices and the provider's note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Catalog {
    /// The profiles a meeting can be scheduled with, the built-in ones first.
    pub providers: Vec<ProviderView>,
    /// The key of the provider meetings get by default.
    pub provider: String,
    /// The default provider's note on its service (for Chime: that it ended).
    pub service_status: String,
    /// Every IANA zone, for the zone pickers.
    pub time_zones: Vec<String>,
    /// Every dial-in country.
    pub countries: Vec<CountryView>,
    /// The countries used when neither the form nor the settings name any.
    pub default_dial_in: Vec<String>,
    /// The default invitation template.
    pub default_template: String,
    /// Belfry's version.
    pub version: String,
}

/// A meeting provider profile, as the Schedule page offers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ProviderView {
    /// What names it in settings, forms and CSV files.
    pub key: String,
    /// Its name, as shown.
    pub name: String,
    /// Meetings get a room name (not a 10-digit ID, and no personal ID).
    pub rooms: bool,
    /// Every meeting uses one fixed link (a personal room): each is a personal meeting.
    pub fixed: bool,
    /// A moderator code applies.
    pub moderator: bool,
    /// It has dial-in numbers.
    pub dial_in: bool,
    /// Who Belfry adds to the invitation itself, in words; empty when nobody.
    pub adds: String,
    /// What the profile does.
    pub about: String,
    /// Its template is the `template` setting (Settings' own editor field), not one kept
    /// per provider.
    pub template_is_setting: bool,
}

/// A provider's invitation template, for the Settings editor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ProviderTemplate {
    /// The provider's key.
    pub provider: String,
    /// The template its meetings are written with.
    pub template: String,
    /// The profile's own, for "Restore default template".
    pub default_template: String,
}

/// A dial-in country.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CountryView {
    /// The ISO 3166 code.
    pub code: String,
    /// Its name, as shown.
    pub name: String,
}

/// One history line for the window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct HistoryView {
    /// The meeting's UID: what names it (several personal meetings share one ID).
    pub uid: String,
    /// The name of the meeting's provider (`Amazon Chime`, `Jitsi Meet`).
    pub provider: String,
    /// The provider's scheduling address, which hears of every change (empty: none).
    pub scheduler: String,
    /// The meeting ID as the history keeps it.
    pub meeting_id: String,
    /// The meeting ID as shown.
    pub display: String,
    /// One-time, moderated or personal.
    pub kind: MeetingKind,
    /// Empty while the ID is only reserved.
    pub title: String,
    /// `YYYY-MM-DDTHH:MM` local to `time_zone`, empty while reserved.
    pub start: String,
    /// The IANA zone `start` is in.
    pub time_zone: String,
    /// How many attendees it has.
    pub attendees: u32,
    /// It has a moderator passcode.
    pub moderated: bool,
    /// It was cancelled.
    pub cancelled: bool,
    /// The accounts whose calendars hold it (empty: on no calendar, nothing to reschedule).
    pub calendars: Vec<String>,
}

impl From<HistoryEntry> for HistoryView {
    fn from(e: HistoryEntry) -> Self {
        HistoryView {
            uid: e.uid,
            provider: e.provider,
            scheduler: String::new(),
            meeting_id: e.meeting_id.code(),
            display: e.display,
            kind: e.kind,
            title: e.title,
            start: e.start,
            time_zone: e.time_zone,
            attendees: u32::try_from(e.attendees).unwrap_or(u32::MAX),
            moderated: e.moderated,
            cancelled: e.cancelled,
            calendars: Vec::new(),
        }
    }
}

impl App {
    /// The live preview of a form: checked and rendered, nothing written. The form must name
    /// its ID (the window draws one with [`App::new_meeting`]) or be a personal meeting.
    pub fn preview(&self, form: &MeetingForm) -> Result<Preview, AppError> {
        self.preview_with(form, None)
    }

    /// The preview rendered with `template` instead of the saved one (the settings editor).
    pub fn preview_with(
        &self,
        form: &MeetingForm,
        template: Option<&str>,
    ) -> Result<Preview, AppError> {
        let provider = self.provider_for(form, None)?;
        let kind = self.kind_for(&provider, form.kind);
        let id = match (kind, form.parse_meeting_id()?) {
            (MeetingKind::Personal, _) => self.personal_id_for(&provider)?.ok_or_else(|| {
                AppError::field(
                    Field::Kind,
                    "no personal meeting ID is set yet: add it in settings",
                )
            })?,
            (_, Some(id)) => id,
            (_, None) => {
                return Err(AppError::field(
                    Field::MeetingId,
                    "draw a meeting ID first (New meeting ID)",
                ));
            }
        };
        let form = &MeetingForm {
            kind,
            ..form.clone()
        };
        let meeting = form
            .validate(id, &self.defaults()?, &provider)
            .map_err(AppError::fields)?;
        let saved;
        let template = match template {
            Some(t) => t,
            None => {
                saved = self.template_for(&provider)?;
                &saved
            }
        };
        let inv = render_invitation(&meeting, &provider, template)
            .map_err(|e| AppError::new(ErrorCode::Invalid, e.to_string()))?;
        Ok(Preview {
            meeting_id: id.code(),
            display: id.grouped(),
            text: inv.text,
            html: inv.html,
            location: inv.location,
            attendees: inv.attendees.iter().map(|a| a.to_string()).collect(),
            notices: inv.notices.iter().map(|n| n.message()).collect(),
            moderated: meeting.kind == MeetingKind::Moderated,
        })
    }

    /// Draws and reserves a fresh ID for the window (one-time or moderated).
    pub fn new_meeting_view(
        &self,
        moderated: bool,
        provider: &str,
    ) -> Result<NewMeetingView, AppError> {
        let made = self.new_meeting_with(provider, moderated, None)?;
        Ok(NewMeetingView {
            meeting_id: made.meeting_id.code(),
            display: made.meeting_id.grouped(),
            moderated: made.passcode.is_some(),
        })
    }

    /// Records the meeting and copies its invitation; returns the preview of what was copied.
    pub fn copy_invitation(
        &self,
        form: &MeetingForm,
        clipboard: &dyn Clipboard,
    ) -> Result<Preview, AppError> {
        let prepared = self.prepare(form)?;
        clipboard
            .write_text(&prepared.invitation.text)
            .map_err(clipboard_error)?;
        self.preview(&MeetingForm {
            meeting_id: prepared.meeting.id.code(),
            ..form.clone()
        })
    }

    /// Copies a meeting's moderator info (with its passcode) without showing it. The caller
    /// clears it again with [`CopiedSecret::clear`] after [`CLIPBOARD_CLEAR_AFTER`].
    pub fn copy_moderator_info(
        &self,
        meeting_id: &str,
        clipboard: &dyn Clipboard,
    ) -> Result<CopiedSecret, AppError> {
        let id = parse_id(meeting_id)?;
        let info = belfry_secrets::Sensitive::new(self.moderator_info(id)?);
        clipboard
            .write_text(info.expose())
            .map_err(clipboard_error)?;
        Ok(CopiedSecret(info))
    }

    /// Copies the invitation of a meeting in the history.
    pub fn copy_history_invitation(
        &self,
        uid: &str,
        clipboard: &dyn Clipboard,
    ) -> Result<(), AppError> {
        clipboard
            .write_text(&self.history_invitation(uid)?.text)
            .map_err(clipboard_error)
    }

    /// The meeting recorded under `uid` (a history entry), with its details.
    fn recorded(&self, uid: &str) -> Result<belfry_core::Meeting, AppError> {
        self.store()
            .meeting_by_uid(uid.trim())?
            .and_then(|r| r.meeting)
            .ok_or_else(|| {
                AppError::new(
                    ErrorCode::NotFound,
                    "this meeting has no details in your history",
                )
            })
    }

    /// Records the meeting and saves its invitation (.ics) where the user chooses; returns
    /// the path, or `None` when the user cancelled (the meeting is recorded either way).
    pub fn save_ics(
        &self,
        form: &MeetingForm,
        host: &dyn Host,
    ) -> Result<Option<String>, AppError> {
        let file = self.ics(form, Method::Request)?;
        let name = ics_file_name(&file.prepared.meeting.title, file.prepared.meeting.id);
        let Some(path) = host.ask_save_path(&name) else {
            return Ok(None);
        };
        write_atomically(&path, file.text.as_bytes())?;
        Ok(Some(path.to_string_lossy().into_owned()))
    }

    /// Records the meeting, writes its invitation (.ics) to a file in Belfry's own data folder
    /// (readable by this user only; never a shared temporary folder) and hands it to the
    /// system's calendar application. Returns the file's path.
    pub fn open_in_calendar(
        &self,
        form: &MeetingForm,
        host: &dyn Host,
    ) -> Result<String, AppError> {
        let file = self.ics(form, Method::Request)?;
        let dir = self.calendar_files_dir();
        belfry_store::private::private_dir(&dir).map_err(|e| {
            AppError::new(
                ErrorCode::Storage,
                format!("cannot create {}: {e}", dir.display()),
            )
        })?;
        self.sweep_calendar_files(&dir);
        let path = dir.join(ics_file_name(
            &file.prepared.meeting.title,
            file.prepared.meeting.id,
        ));
        write_atomically(&path, file.text.as_bytes())?;
        host.open_path(&path).map_err(|e| {
            AppError::new(
                ErrorCode::Internal,
                format!("no calendar application opened the file: {e}"),
            )
        })?;
        Ok(path.to_string_lossy().into_owned())
    }

    /// Removes the files handed to the calendar application more than
    /// [`CALENDAR_FILES_KEPT`] ago: the calendar has read them, and they hold meeting details.
    #[allow(
        clippy::disallowed_methods,
        reason = "the .ics files handed to the calendar app are swept from their own folder"
    )]
    fn sweep_calendar_files(&self, dir: &Path) {
        let now = std::time::SystemTime::from(self.now());
        let (Ok(entries), Some(before)) =
            (std::fs::read_dir(dir), now.checked_sub(CALENDAR_FILES_KEPT))
        else {
            return;
        };
        for entry in entries.flatten() {
            let old = entry
                .metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|t| t < before);
            if old {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }

    /// Imports a provider profile the user picks (Settings): checked, kept in the data
    /// folder, then offered with the others. `None` when the user cancels.
    pub fn import_provider(&self, host: &dyn Host) -> Result<Option<ProviderView>, AppError> {
        let Some(path) = host.ask_profile_path() else {
            return Ok(None);
        };
        let added = self.add_provider_file(&path)?;
        Ok(self
            .catalog()
            .providers
            .into_iter()
            .find(|p| p.key == added.key))
    }

    /// The template of `key`'s meetings and the profile's own, for the Settings editor.
    pub fn provider_template_view(&self, key: &str) -> Result<ProviderTemplate, AppError> {
        let provider = self.provider_named(key)?;
        let (template, _) = self.provider_template(key)?;
        Ok(ProviderTemplate {
            provider: provider.key.clone(),
            template,
            default_template: provider.default_template().to_owned(),
        })
    }

    /// Saves the template of `key`'s meetings from the Settings editor; the profile's own
    /// text is kept as "none" (so a later Belfry's own wording applies).
    pub fn save_provider_template(
        &self,
        key: &str,
        template: &str,
    ) -> Result<ProviderTemplate, AppError> {
        let provider = self.provider_named(key)?;
        let own = template == provider.default_template();
        self.set_provider_template(key, (!own).then_some(template))?;
        self.provider_template_view(key)
    }

    /// Where files handed to the calendar application are written.
    pub fn calendar_files_dir(&self) -> PathBuf {
        let data = self
            .store()
            .path()
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        data.join("calendar-files")
    }

    /// Adds a CalDAV account from the window; the password goes to the keyring.
    pub fn add_caldav_account_view(
        &self,
        name: &str,
        server: &str,
        username: &str,
        password: belfry_secrets::Sensitive<String>,
        allow_insecure_http: bool,
    ) -> Result<AccountAdded, AppError> {
        let (account, calendars) =
            self.add_caldav_account(name, server, username, password, allow_insecure_http)?;
        Ok(AccountAdded { account, calendars })
    }

    /// Adds AWS credentials from the window: a profile, an access key (its secret goes to the
    /// keyring), or, with both empty, the default credential chain.
    pub fn add_aws_account_view(
        &self,
        name: &str,
        profile: &str,
        access_key_id: &str,
        secret: belfry_secrets::Sensitive<String>,
    ) -> Result<AccountAdded, AppError> {
        let key = (!access_key_id.trim().is_empty()).then_some((access_key_id, secret));
        let account = self.add_aws_account(name, Some(profile), key)?;
        Ok(AccountAdded {
            account,
            calendars: Vec::new(),
        })
    }

    /// Signs in to Google or Microsoft 365 in the system browser and adds the account.
    pub fn add_oauth_account_view(
        &self,
        kind: crate::AccountKind,
        name: &str,
        host: &dyn Host,
    ) -> Result<AccountAdded, AppError> {
        let (account, calendars) = self.add_oauth_account(kind, name, &|url| host.open_url(url))?;
        Ok(AccountAdded { account, calendars })
    }

    /// The history for the window: scheduled meetings only (not bare reservations).
    pub fn history_view(&self, query: &str) -> Result<Vec<HistoryView>, AppError> {
        self.history_views(self.store().scheduled(query, HISTORY_SHOWN)?)
    }

    /// The window's lines for `records` (scheduled meetings), with the accounts whose
    /// calendars hold each.
    pub(crate) fn history_views(
        &self,
        records: Vec<belfry_store::MeetingRecord>,
    ) -> Result<Vec<HistoryView>, AppError> {
        let accounts = self.store().accounts()?;
        let ids: Vec<_> = records.iter().map(|r| r.meeting_id).collect();
        let held = self.store().calendar_accounts(&ids)?;
        let providers = self.providers();
        let mut views = Vec::new();
        for entry in records.into_iter().map(crate::history_entry) {
            let account_ids = held.get(&entry.meeting_id.code());
            let mut view = HistoryView::from(entry);
            if let Some(p) = providers.iter().find(|p| p.key == view.provider) {
                view.provider = p.name.clone();
                view.scheduler = p
                    .scheduler_address()
                    .map(|a| a.to_string())
                    .unwrap_or_default();
            }
            for account_id in account_ids.into_iter().flatten() {
                let name = accounts
                    .iter()
                    .find(|a| &a.id == account_id)
                    .map(|a| a.name.clone());
                if let Some(name) = name.filter(|n| !view.calendars.contains(n)) {
                    view.calendars.push(name);
                }
            }
            views.push(view);
        }
        Ok(views)
    }

    /// The form of a meeting in the history, to change and reschedule it.
    pub fn history_form(&self, uid: &str) -> Result<MeetingForm, AppError> {
        Ok(self.recorded(uid)?.to_form())
    }

    /// Sends a changed version of a meeting of the history (by its UID) to every calendar
    /// that holds it.
    pub fn reschedule_history_meeting(
        &self,
        uid: &str,
        form: &MeetingForm,
    ) -> Result<ScheduleOutcome, AppError> {
        self.reschedule_uid(uid, form)
    }

    /// Cancels a meeting of the history (by its UID) on every calendar that holds it.
    pub fn cancel_history_meeting(&self, uid: &str) -> Result<ScheduleOutcome, AppError> {
        self.cancel_uid(uid)
    }

    /// The preview of a meeting in the history.
    pub fn history_preview(&self, uid: &str) -> Result<Preview, AppError> {
        self.preview(&self.recorded(uid)?.to_form())
    }

    /// The settings as text fields.
    pub fn settings_view(&self) -> Result<SettingsView, AppError> {
        let s = self.settings()?;
        Ok(SettingsView {
            personal_id: s.personal_id.map(|i| i.grouped()).unwrap_or_default(),
            time_zone: s.time_zone.map(|z| z.name().to_owned()).unwrap_or_default(),
            dial_in: s.dial_in,
            organizer: s.organizer.map(|o| o.to_string()).unwrap_or_default(),
            template_is_default: s.template.is_none(),
            template: s
                .template
                .unwrap_or_else(|| belfry_core::DEFAULT_TEMPLATE.to_owned()),
            system_time_zone: self.system_zone().name().to_owned(),
            // A default whose profile is gone reads as Chime, which is what meetings get then.
            provider: s
                .provider
                .filter(|key| self.provider_named(key).is_ok())
                .unwrap_or_else(|| Provider::chime().key.clone()),
            personal_room: s.personal_room.unwrap_or_default(),
            personal_room_passcode: s.personal_room_passcode.unwrap_or_default(),
            personal_room_dial_in: s.personal_room_dial_in,
        })
    }

    /// Saves every setting of the window at once: all are checked before any is written.
    /// Empty fields return to their defaults; the default template is stored as "none".
    pub fn save_settings(&self, view: &SettingsView) -> Result<SettingsView, AppError> {
        let text_fields = [
            (SettingKey::PersonalId, view.personal_id.trim().to_owned()),
            (SettingKey::TimeZone, view.time_zone.trim().to_owned()),
            (SettingKey::DialIn, view.dial_in.join(",")),
            (SettingKey::Organizer, view.organizer.trim().to_owned()),
            (
                SettingKey::PersonalRoom,
                view.personal_room.trim().to_owned(),
            ),
            (
                SettingKey::PersonalRoomPasscode,
                view.personal_room_passcode.trim().to_owned(),
            ),
            (
                SettingKey::PersonalRoomDialIn,
                view.personal_room_dial_in.join("\n").trim().to_owned(),
            ),
            (SettingKey::Provider, view.provider.trim().to_owned()),
        ];
        let template =
            (view.template != belfry_core::DEFAULT_TEMPLATE).then(|| view.template.clone());
        let mut errors = Vec::new();
        for (key, value) in &text_fields {
            if value.is_empty() {
                continue;
            }
            if let Err(e) = self.check_setting(*key, value) {
                errors.extend(e.fields);
            }
        }
        if let Some(t) = &template {
            self.check_template(t)?;
        }
        if !errors.is_empty() {
            return Err(AppError::fields(errors));
        }
        for (key, value) in text_fields {
            if value.is_empty() {
                self.unset_setting(key)?;
            } else {
                self.set_setting(key, &value)?;
            }
        }
        match template {
            Some(t) => self.set_setting(SettingKey::Template, &t)?,
            None => {
                self.unset_setting(SettingKey::Template)?;
            }
        }
        self.settings_view()
    }

    /// Choices for the window's pickers and the About note.
    pub fn catalog(&self) -> Catalog {
        let p = self.provider();
        Catalog {
            providers: self
                .providers()
                .into_iter()
                .map(|p| ProviderView {
                    rooms: p.ids == belfry_core::provider::IdKind::Room,
                    fixed: p.ids == belfry_core::provider::IdKind::Fixed,
                    moderator: p.moderator,
                    dial_in: !p.countries.is_empty(),
                    adds: p.adds_in_words(),
                    about: p.service_status.trim().to_owned(),
                    template_is_setting: crate::providers::template_is_setting(&p),
                    key: p.key,
                    name: p.name,
                })
                .collect(),
            provider: p.name.clone(),
            service_status: p.service_status.trim().to_owned(),
            time_zones: chrono_tz::TZ_VARIANTS
                .iter()
                .map(|z| z.name().to_owned())
                .collect(),
            countries: p
                .countries
                .iter()
                .map(|c| CountryView {
                    code: c.code.clone(),
                    name: c.name.clone(),
                })
                .collect(),
            default_dial_in: p.default_countries.clone(),
            default_template: belfry_core::DEFAULT_TEMPLATE.to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
        }
    }
}

/// `Physics-101-0123456789.ics`: letters, digits and dashes only.
pub fn ics_file_name(title: &str, id: MeetingId) -> String {
    let mut name = String::new();
    for c in title.chars() {
        if c.is_alphanumeric() {
            name.push(c);
        } else if !name.ends_with('-') && !name.is_empty() {
            name.push('-');
        }
        if name.chars().count() >= 60 {
            break;
        }
    }
    let name = name.trim_end_matches('-');
    if name.is_empty() {
        format!("{}.ics", id.code())
    } else {
        format!("{name}-{}.ics", id.code())
    }
}

/// A meeting ID the window sent back (from a view it was given).
fn parse_id(meeting_id: &str) -> Result<MeetingId, AppError> {
    MeetingId::read(meeting_id).map_err(|e| AppError::field(Field::MeetingId, e.to_string()))
}

pub(crate) fn clipboard_error(e: String) -> AppError {
    AppError::new(
        ErrorCode::Internal,
        format!("cannot copy to the clipboard: {e}"),
    )
}
