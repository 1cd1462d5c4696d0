use belfry_core::{EmailAddress, Field, MeetingId};
use chrono_tz::Tz;
use serde::Serialize;

use crate::{App, AppError, ErrorCode};

/// The user's settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Settings {
    /// The user's personal meeting ID, if set.
    pub personal_id: Option<MeetingId>,
    /// `None`: the system's zone.
    pub time_zone: Option<Tz>,
    /// Empty: the provider's default countries.
    pub dial_in: Vec<String>,
    /// The organizer's address, if set.
    pub organizer: Option<EmailAddress>,
    /// `None`: the default template.
    pub template: Option<String>,
    /// The provider a meeting is scheduled with when it names none; `None`: Amazon Chime.
    pub provider: Option<String>,
    /// The link of the user's own meeting room (a Zoom, Webex or Teams personal room, a
    /// BigBlueButton room): the "my personal room" provider, when set.
    pub personal_room: Option<String>,
    /// The passcode attendees of the personal room type, if it has one.
    pub personal_room_passcode: Option<String>,
    /// The personal room's dial-in lines, as the service wrote them.
    pub personal_room_dial_in: Vec<String>,
}

/// The settings a user can change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SettingKey {
    /// The personal meeting ID.
    PersonalId,
    /// The time zone.
    TimeZone,
    /// The dial-in countries.
    DialIn,
    /// The organizer's address.
    Organizer,
    /// The invitation template.
    Template,
    /// The default provider.
    Provider,
    /// The personal room's link.
    PersonalRoom,
    /// The personal room's passcode.
    PersonalRoomPasscode,
    /// The personal room's dial-in lines.
    PersonalRoomDialIn,
}

impl SettingKey {
    /// Every key, in display order.
    pub const ALL: [SettingKey; 9] = [
        SettingKey::PersonalId,
        SettingKey::TimeZone,
        SettingKey::DialIn,
        SettingKey::Organizer,
        SettingKey::Template,
        SettingKey::Provider,
        SettingKey::PersonalRoom,
        SettingKey::PersonalRoomPasscode,
        SettingKey::PersonalRoomDialIn,
    ];

    /// The name on the command line and in storage.
    pub fn name(self) -> &'static str {
        match self {
            SettingKey::PersonalId => "personal-id",
            SettingKey::TimeZone => "time-zone",
            SettingKey::DialIn => "dial-in",
            SettingKey::Organizer => "organizer",
            SettingKey::Template => "template",
            SettingKey::Provider => "provider",
            SettingKey::PersonalRoom => "personal-room",
            SettingKey::PersonalRoomPasscode => "personal-room-passcode",
            SettingKey::PersonalRoomDialIn => "personal-room-dial-in",
        }
    }

    /// Reads a key name.
    pub fn parse(name: &str) -> Result<SettingKey, AppError> {
        SettingKey::ALL
            .into_iter()
            .find(|k| k.name() == name.trim())
            .ok_or_else(|| {
                let names: Vec<&str> = SettingKey::ALL.iter().map(|k| k.name()).collect();
                AppError::new(
                    ErrorCode::Invalid,
                    format!(
                        "{name:?} is not a setting; settings are {}",
                        names.join(", ")
                    ),
                )
            })
    }

    fn field(self) -> Option<Field> {
        match self {
            SettingKey::PersonalId => Some(Field::MeetingId),
            SettingKey::TimeZone => Some(Field::TimeZone),
            SettingKey::DialIn => Some(Field::DialIn),
            SettingKey::Organizer => Some(Field::Organizer),
            SettingKey::Template => None,
            SettingKey::Provider
            | SettingKey::PersonalRoom
            | SettingKey::PersonalRoomPasscode
            | SettingKey::PersonalRoomDialIn => Some(Field::Provider),
        }
    }
}

/// A link that passes the personal room's checks, to check its other parts alone.
const SAMPLE_ROOM: &str = "https://room.example/";

/// Dial-in lines as typed: one per line, or separated by `;` on a command line.
pub(crate) fn dial_lines(value: &str) -> Vec<String> {
    value
        .split(['\n', ';'])
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

impl App {
    /// The current settings.
    pub fn settings(&self) -> Result<Settings, AppError> {
        let get = |k: SettingKey| self.store().setting(k.name());
        let damaged = |k: SettingKey, e: String| {
            AppError::new(
                ErrorCode::Storage,
                format!("the saved {} setting is damaged: {e}", k.name()),
            )
        };
        Ok(Settings {
            personal_id: get(SettingKey::PersonalId)?
                .map(|v| {
                    MeetingId::parse(&v).map_err(|e| damaged(SettingKey::PersonalId, e.to_string()))
                })
                .transpose()?,
            time_zone: get(SettingKey::TimeZone)?
                .map(|v| {
                    belfry_core::time::parse_zone(&v)
                        .map_err(|e| damaged(SettingKey::TimeZone, e.to_string()))
                })
                .transpose()?,
            dial_in: get(SettingKey::DialIn)?
                .map(|v| {
                    v.split(',')
                        .map(str::to_owned)
                        .filter(|c| !c.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
            organizer: get(SettingKey::Organizer)?
                .map(|v| {
                    EmailAddress::parse(&v)
                        .map_err(|e| damaged(SettingKey::Organizer, e.to_string()))
                })
                .transpose()?,
            template: get(SettingKey::Template)?,
            provider: get(SettingKey::Provider)?,
            personal_room: get(SettingKey::PersonalRoom)?,
            personal_room_passcode: get(SettingKey::PersonalRoomPasscode)?,
            personal_room_dial_in: get(SettingKey::PersonalRoomDialIn)?
                .map(|v| dial_lines(&v))
                .unwrap_or_default(),
        })
    }

    /// Checks and saves a setting.
    pub fn set_setting(&self, key: SettingKey, value: &str) -> Result<(), AppError> {
        let stored = self.check_setting(key, value)?;
        Ok(self.store().set_setting(key.name(), &stored)?)
    }

    /// Checks a setting and returns the form it is stored in.
    pub(crate) fn check_setting(&self, key: SettingKey, value: &str) -> Result<String, AppError> {
        let invalid = |msg: String| match key.field() {
            Some(f) => AppError::field(f, msg),
            None => AppError::new(ErrorCode::Invalid, msg),
        };
        let stored = match key {
            SettingKey::PersonalId => MeetingId::parse(value)
                .map_err(|e| invalid(e.to_string()))?
                .code(),
            SettingKey::TimeZone => belfry_core::time::parse_zone(value)
                .map_err(|e| invalid(e.to_string()))?
                .name()
                .to_owned(),
            SettingKey::DialIn => {
                let mut codes: Vec<String> = Vec::new();
                for code in value.split(',').map(str::trim).filter(|c| !c.is_empty()) {
                    let c = self
                        .provider()
                        .country(code)
                        .map_err(|e| invalid(e.to_string()))?;
                    if !codes.contains(&c.code) {
                        codes.push(c.code.clone());
                    }
                }
                if codes.is_empty() {
                    return Err(invalid("name at least one country code, like US".into()));
                }
                codes.join(",")
            }
            SettingKey::Organizer => EmailAddress::parse(value)
                .map_err(|e| invalid(e.to_string()))?
                .to_string(),
            SettingKey::Template => {
                self.check_template(value)?;
                value.to_owned()
            }
            SettingKey::Provider => self.provider_named(value)?.key,
            SettingKey::PersonalRoom => belfry_core::Provider::personal_room(value, "", &[])
                .map_err(|e| invalid(e.message))?
                .join_url(
                    MeetingId::parse_room("personal-room").map_err(|e| invalid(e.to_string()))?,
                ),
            SettingKey::PersonalRoomPasscode => {
                belfry_core::Provider::personal_room(SAMPLE_ROOM, value, &[])
                    .map_err(|e| invalid(format!("the personal room's {}", e.message)))?
                    .passcode
            }
            SettingKey::PersonalRoomDialIn => {
                belfry_core::Provider::personal_room(SAMPLE_ROOM, "", &dial_lines(value))
                    .map_err(|e| invalid(format!("the personal room's {}", e.message)))?
                    .dial_lines
                    .join("\n")
            }
        };
        Ok(stored)
    }

    /// Returns a setting to its default; `true` when it was set.
    pub fn unset_setting(&self, key: SettingKey) -> Result<bool, AppError> {
        Ok(self.store().unset_setting(key.name())?)
    }
}
