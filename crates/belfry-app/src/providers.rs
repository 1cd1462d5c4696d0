//! The meeting provider profiles a user schedules with: the built-in ones (Amazon Chime,
//! Jitsi Meet) and their own, files of the same shape kept in the data folder's
//! `providers/` (`docs/providers.md`). A meeting records its provider's key, and stays on it.

use std::path::{Path, PathBuf};

use belfry_core::provider::{IdKind, MAX_PROFILE_BYTES, ProfileError};
use belfry_core::{Field, MeetingForm, MeetingId, MeetingKind, Provider};
use belfry_store::MeetingRecord;

use crate::files::{read_file_capped, write_atomically};
use crate::{App, AppError, ErrorCode};

/// The personal room's key: no profile file may take it.
const PERSONAL_ROOM: &str = "personal-room";

/// The most profiles of their own a user may keep.
const MAX_OWN_PROFILES: usize = 64;

impl App {
    /// Where the user's own profiles are kept.
    pub fn providers_dir(&self) -> PathBuf {
        self.store()
            .path()
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default()
            .join("providers")
    }

    /// Every profile: the built-in ones first, then the user's own (by key). A broken file
    /// of the user's is left out; [`App::provider_problems`] says why.
    pub fn providers(&self) -> Vec<Provider> {
        let mut all: Vec<Provider> = Provider::builtins().into_iter().cloned().collect();
        if let Some(room) = self.personal_room() {
            all.push(room);
        }
        let (own, _) = self.own_profiles();
        for p in own {
            if !all.iter().any(|b| b.key == p.key) {
                all.push(p);
            }
        }
        all
    }

    /// The personal room, when its link is set in settings.
    fn personal_room(&self) -> Option<Provider> {
        let s = self.settings().ok()?;
        Provider::personal_room(
            &s.personal_room?,
            s.personal_room_passcode.as_deref().unwrap_or_default(),
            &s.personal_room_dial_in,
        )
        .ok()
    }

    /// What is wrong with the user's profile files, each naming the file and the field.
    pub fn provider_problems(&self) -> Vec<ProfileError> {
        self.own_profiles().1
    }

    #[allow(
        clippy::disallowed_methods,
        reason = "the user's provider profiles are listed from their folder"
    )]
    fn own_profiles(&self) -> (Vec<Provider>, Vec<ProfileError>) {
        let mut good = Vec::new();
        let mut bad = Vec::new();
        let Ok(entries) = std::fs::read_dir(self.providers_dir()) else {
            return (good, bad);
        };
        let mut paths: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .collect();
        paths.sort();
        for path in paths.into_iter().take(MAX_OWN_PROFILES) {
            let name = path.display().to_string();
            match read_file_capped(&path, MAX_PROFILE_BYTES, &name)
                .map_err(|e| ProfileError {
                    source_name: name.clone(),
                    message: e.message,
                })
                .and_then(|text| Provider::from_toml(&name, &text))
                .and_then(|p| match reserved(&p) {
                    true => Err(ProfileError {
                        source_name: name.clone(),
                        message: "key or scheduler_address: taken by a built-in provider".into(),
                    }),
                    false => Ok(p),
                }) {
                Ok(p) => good.push(p),
                Err(e) => bad.push(e),
            }
        }
        (good, bad)
    }

    /// The profile of a meeting already made (its key recorded), saying so when it is gone.
    pub(crate) fn provider_of_key(&self, key: &str) -> Result<Provider, AppError> {
        if let Ok(live) = self.provider_named(key) {
            return Ok(live);
        }
        // A profile removed since (or a personal room whose link was unset): the copy kept
        // when a meeting was made with it, so the meeting can still be changed or cancelled.
        let kept = self
            .store()
            .setting(&snapshot_key(key))?
            .and_then(|text| Provider::from_snapshot(key, &text).ok())
            .filter(|p| p.key == key);
        kept.ok_or_else(|| {
            AppError::new(
                ErrorCode::NotFound,
                format!(
                    "this meeting is on {key}, whose profile is gone: add it again (or, for \
                     the personal room, set its link again)"
                ),
            )
        })
    }

    /// Keeps a copy of a profile a meeting is made with (all but the built-in ones, which
    /// cannot go away), for [`App::provider_of_key`].
    pub(crate) fn keep_profile(&self, provider: &Provider) -> Result<(), AppError> {
        if Provider::builtins().iter().any(|b| b.key == provider.key) {
            return Ok(());
        }
        let key = snapshot_key(&provider.key);
        let text = provider.snapshot();
        if self.store().setting(&key)?.as_deref() != Some(text.as_str()) {
            self.store().set_setting(&key, &text)?;
        }
        Ok(())
    }

    /// The profile with this key.
    pub fn provider_named(&self, key: &str) -> Result<Provider, AppError> {
        let key = key.trim().to_ascii_lowercase();
        // The built-in ones without reading settings or profile files: every preview asks.
        if let Some(builtin) = Provider::builtins().into_iter().find(|p| p.key == key) {
            return Ok(builtin.clone());
        }
        let all = self.providers();
        all.iter().find(|p| p.key == key).cloned().ok_or_else(|| {
            AppError::field(
                Field::Provider,
                format!(
                    "no meeting provider {:?}; known: {}",
                    belfry_core::limits::excerpt(&key, belfry_core::limits::MAX_ECHO_BYTES),
                    all.iter()
                        .map(|p| p.key.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        })
    }

    /// The profile a form is scheduled with: the one its meeting already has (a meeting
    /// stays on its provider), else the one the form names, else the default in settings,
    /// else Amazon Chime.
    pub(crate) fn provider_for(
        &self,
        form: &MeetingForm,
        existing: Option<&MeetingRecord>,
    ) -> Result<Provider, AppError> {
        let recorded = existing
            .and_then(|r| r.meeting.as_ref())
            .map(|m| &m.provider);
        match recorded {
            Some(key) => {
                if !form.provider.trim().is_empty()
                    && !form.provider.trim().eq_ignore_ascii_case(key)
                {
                    return Err(AppError::field(
                        Field::Provider,
                        format!(
                            "this meeting is on {key}, and a meeting stays on its provider: \
                             schedule a new one for another"
                        ),
                    ));
                }
                self.provider_of_key(key)
            }
            None if form.provider.trim().is_empty() => match self.settings()?.provider {
                // A default whose profile file was removed falls back to Chime.
                Some(key) => Ok(self
                    .provider_named(&key)
                    .unwrap_or_else(|_| Provider::chime().clone())),
                None => Ok(Provider::chime().clone()),
            },
            None => self.provider_named(&form.provider),
        }
    }

    /// The ID a provider's personal meetings share: the user's personal meeting ID (from
    /// settings) where meetings have numbers, the fixed link's own for a personal room, none
    /// where each meeting gets a room.
    pub(crate) fn personal_id_for(
        &self,
        provider: &Provider,
    ) -> Result<Option<MeetingId>, AppError> {
        Ok(match provider.ids {
            IdKind::Digits => self.settings()?.personal_id,
            IdKind::Fixed => Some(fixed_id()?),
            IdKind::Room => None,
        })
    }

    /// The meeting type a form gets on `provider`: every meeting on a fixed link is personal.
    pub(crate) fn kind_for(&self, provider: &Provider, kind: MeetingKind) -> MeetingKind {
        match provider.ids {
            IdKind::Fixed => MeetingKind::Personal,
            _ => kind,
        }
    }

    /// The template a provider's invitations are written with: the user's own for Chime
    /// (set in settings), the profile's own otherwise.
    pub(crate) fn template_for(&self, provider: &Provider) -> Result<String, AppError> {
        if template_is_setting(provider) {
            return self.template_text();
        }
        Ok(self
            .store()
            .setting(&template_key(provider))?
            .unwrap_or_else(|| provider.default_template().to_owned()))
    }

    /// The template `key`'s meetings are written with, and whether it is the profile's own.
    pub fn provider_template(&self, key: &str) -> Result<(String, bool), AppError> {
        let provider = self.provider_named(key)?;
        let template = self.template_for(&provider)?;
        let own = template == provider.default_template();
        Ok((template, own))
    }

    /// Sets the template `key`'s meetings are written with (checked against a sample meeting
    /// on it first), or with `None` returns it to the profile's own.
    pub fn set_provider_template(&self, key: &str, template: Option<&str>) -> Result<(), AppError> {
        let provider = self.provider_named(key)?;
        if template_is_setting(&provider) {
            return match template {
                Some(t) => self.set_setting(crate::SettingKey::Template, t),
                None => self.unset_setting(crate::SettingKey::Template).map(drop),
            };
        }
        match template {
            Some(t) => {
                self.check_template_for(t, &provider)?;
                Ok(self.store().set_setting(&template_key(&provider), t)?)
            }
            None => Ok(self
                .store()
                .unset_setting(&template_key(&provider))
                .map(drop)?),
        }
    }

    /// Adds a profile of the user's own from a file: checked first, refused when its key is
    /// a built-in one's, kept in the data folder. Returns it.
    pub fn add_provider_file(&self, path: &Path) -> Result<Provider, AppError> {
        let name = path.display().to_string();
        let text = read_file_capped(path, MAX_PROFILE_BYTES, &name)?;
        let profile = Provider::from_toml(&name, &text)
            .map_err(|e| AppError::new(ErrorCode::Invalid, e.to_string()))?;
        if Provider::builtins().iter().any(|b| b.key == profile.key) || reserved(&profile) {
            return Err(AppError::new(
                ErrorCode::Invalid,
                format!(
                    "{name}: key: {:?} or its scheduler_address is a built-in provider's; \
                     choose another",
                    profile.key
                ),
            ));
        }
        let dir = self.providers_dir();
        belfry_store::private::private_dir(&dir).map_err(|e| {
            AppError::new(
                ErrorCode::Storage,
                format!("cannot create {}: {e}", dir.display()),
            )
        })?;
        write_atomically(&dir.join(format!("{}.toml", profile.key)), text.as_bytes())?;
        Ok(profile)
    }
}

/// The one ID every meeting on a fixed link shares.
/// Whether a provider's template is the user's `template` setting (Chime's, as it always
/// was) rather than one kept per provider.
pub(crate) fn template_is_setting(provider: &Provider) -> bool {
    provider.is_chime()
}

/// Where the copy of a profile meetings were made with is kept.
fn snapshot_key(key: &str) -> String {
    format!("profile.{key}")
}

fn fixed_id() -> Result<MeetingId, AppError> {
    MeetingId::parse_room(PERSONAL_ROOM)
        .map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))
}

/// Whether a profile of the user's takes what only a built-in one may have: the personal
/// room's key, or a built-in provider's scheduling address (Chime's `meet@chime.aws`).
fn reserved(p: &Provider) -> bool {
    p.key == PERSONAL_ROOM
        || Provider::builtins().iter().any(|b| {
            b.scheduler_address().is_some() && b.scheduler_address() == p.scheduler_address()
        })
}

/// Where a provider's own template (other than Chime's, which is the `template` setting) is kept.
fn template_key(provider: &Provider) -> String {
    format!("template.{}", provider.key)
}
