//! Calendar accounts: add, list, rename, remove, and their calendars. Secrets (app
//! passwords, refresh tokens) go to the keyring before the account is recorded, and leave
//! it when the account is removed.

use belfry_caldav::{CalDav, CalDavError};
use belfry_core::Entropy;
use belfry_secrets::Sensitive;
use belfry_store::{AccountRecord, StoreError};
use serde::Serialize;

use crate::{App, AppError, ErrorCode};

/// The kinds of account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum AccountKind {
    Google,
    Microsoft,
    Caldav,
    Aws,
}

impl AccountKind {
    /// The stable name (`google`, `microsoft`, `caldav`, `aws`).
    pub fn as_str(self) -> &'static str {
        match self {
            AccountKind::Google => "google",
            AccountKind::Microsoft => "microsoft",
            AccountKind::Caldav => "caldav",
            AccountKind::Aws => "aws",
        }
    }

    fn from_name(name: &str) -> Option<AccountKind> {
        [
            AccountKind::Google,
            AccountKind::Microsoft,
            AccountKind::Caldav,
            AccountKind::Aws,
        ]
        .into_iter()
        .find(|k| k.as_str() == name)
    }
}

/// An account as front ends show it. Never holds a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AccountView {
    pub name: String,
    pub kind: AccountKind,
    /// Who is signed in.
    pub identity: String,
    /// The server, for CalDAV.
    pub server: String,
    /// The default calendar's id (its URL for CalDAV), if one is chosen.
    pub default_calendar: String,
}

/// One calendar of an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CalendarView {
    pub id: String,
    pub name: String,
    pub writable: bool,
    /// The server emails the attendees itself (for CalDAV: RFC 6638).
    pub sends_invitations: bool,
    pub is_default: bool,
}

/// The keyring key of an account's secret.
pub(crate) fn secret_key(account_id: &str, what: &str) -> String {
    format!("account/{account_id}/{what}")
}

/// Every secret an account may have, for removal.
const SECRET_KINDS: [&str; 3] = ["password", "refresh-token", "aws-secret-access-key"];

fn check_name(name: &str) -> Result<String, AppError> {
    let n = name.trim();
    if n.is_empty() || n.chars().count() > 64 || n.chars().any(char::is_control) {
        return Err(AppError::new(
            ErrorCode::Invalid,
            "an account name is 1 to 64 characters, like \"School\" or \"Work calendar\"",
        ));
    }
    Ok(n.to_owned())
}

impl From<CalDavError> for AppError {
    fn from(e: CalDavError) -> Self {
        let code = match e {
            CalDavError::BadUrl(_) => ErrorCode::Invalid,
            CalDavError::Unauthorized(_) => ErrorCode::Unauthorized,
            _ => ErrorCode::Remote,
        };
        AppError::new(code, e.to_string())
    }
}

impl App {
    fn new_account_id(&self) -> Result<String, AppError> {
        let word = self.with_entropy(|e: &mut dyn Entropy| e.next_u64())??;
        Ok(format!("{word:016x}"))
    }

    fn account_record(&self, name: &str) -> Result<AccountRecord, AppError> {
        self.store().account(name)?.ok_or_else(|| {
            AppError::new(
                ErrorCode::NotFound,
                format!("there is no account named {:?}", name.trim()),
            )
        })
    }

    /// Adds a CalDAV account: finds the calendars with these credentials first (so a typo is
    /// caught now), keeps the app password in the keyring, records the account and picks the
    /// first writable calendar as the default.
    pub fn add_caldav_account(
        &self,
        name: &str,
        server: &str,
        username: &str,
        password: Sensitive<String>,
    ) -> Result<(AccountView, Vec<CalendarView>), AppError> {
        let name = check_name(name)?;
        if self.store().account(&name)?.is_some() {
            return Err(AppError::new(
                ErrorCode::Invalid,
                format!("an account named {name:?} already exists"),
            ));
        }
        if username.trim().is_empty() {
            return Err(AppError::new(ErrorCode::Invalid, "a user name is required"));
        }
        let secrets = self.secrets_store()?;
        let found = CalDav::new(username.trim(), password.clone()).discover(server)?;
        let id = self.new_account_id()?;
        secrets.set(&secret_key(&id, "password"), &password)?;
        let default = found
            .calendars
            .iter()
            .find(|c| c.writable && c.events)
            .map(|c| c.href.clone());
        let record = AccountRecord {
            id: id.clone(),
            name,
            kind: AccountKind::Caldav.as_str().to_owned(),
            identity: username.trim().to_owned(),
            config: serde_json::json!({
                "server": belfry_caldav::parse_server(server).map(|u| u.to_string()).unwrap_or_default(),
                "principal": found.principal,
                "calendar_home": found.calendar_home,
                "auto_schedule": found.auto_schedule,
            }),
            default_calendar: default,
            created_at: self.now(),
        };
        if let Err(e) = self.store().insert_account(&record) {
            let _ = secrets.delete(&secret_key(&id, "password"));
            return Err(match e {
                StoreError::NameTaken(n) => AppError::new(
                    ErrorCode::Invalid,
                    format!("an account named {n:?} already exists"),
                ),
                other => other.into(),
            });
        }
        let calendars = calendar_views(
            &found.calendars,
            found.auto_schedule,
            record.default_calendar.as_deref(),
        );
        Ok((account_view(&record)?, calendars))
    }

    /// Every account.
    pub fn accounts(&self) -> Result<Vec<AccountView>, AppError> {
        self.store().accounts()?.iter().map(account_view).collect()
    }

    /// The calendars of an account, asked from its server now.
    pub fn account_calendars(&self, name: &str) -> Result<Vec<CalendarView>, AppError> {
        let record = self.account_record(name)?;
        match AccountKind::from_name(&record.kind) {
            Some(AccountKind::Caldav) => {
                let password = self.secrets_store()?.get(&secret_key(&record.id, "password"))?.ok_or_else(|| {
                    AppError::new(
                        ErrorCode::Unauthorized,
                        format!("the app password of {:?} is not in this keyring: remove the account and add it again", record.name),
                    )
                })?;
                let home = record.config["calendar_home"].as_str().unwrap_or_default();
                let home = url::Url::parse(home).map_err(|_| {
                    AppError::new(ErrorCode::Storage, "the saved calendar home is damaged")
                })?;
                let client = CalDav::new(&record.identity, password);
                let calendars = client.calendars(&home)?;
                let auto = client.auto_schedule(&home)?;
                Ok(calendar_views(
                    &calendars,
                    auto,
                    record.default_calendar.as_deref(),
                ))
            }
            Some(AccountKind::Aws) => Err(AppError::new(
                ErrorCode::Invalid,
                "an AWS account has no calendars",
            )),
            _ => Err(AppError::new(
                ErrorCode::Invalid,
                format!(
                    "listing the calendars of a {} account is not available yet",
                    record.kind
                ),
            )),
        }
    }

    /// Chooses the calendar events go to by default.
    pub fn set_default_calendar(
        &self,
        name: &str,
        calendar_id: &str,
    ) -> Result<AccountView, AppError> {
        let mut record = self.account_record(name)?;
        let calendars = self.account_calendars(name)?;
        let Some(c) = calendars
            .iter()
            .find(|c| c.id == calendar_id.trim() || c.name == calendar_id.trim())
        else {
            let known: Vec<&str> = calendars.iter().map(|c| c.name.as_str()).collect();
            return Err(AppError::new(
                ErrorCode::NotFound,
                format!(
                    "{:?} has no calendar {:?}; it has: {}",
                    record.name,
                    calendar_id.trim(),
                    known.join(", ")
                ),
            ));
        };
        if !c.writable {
            return Err(AppError::new(
                ErrorCode::Invalid,
                format!("{:?} is read-only for you", c.name),
            ));
        }
        record.default_calendar = Some(c.id.clone());
        self.store().update_account(&record)?;
        account_view(&record)
    }

    /// Renames an account.
    pub fn rename_account(&self, name: &str, new_name: &str) -> Result<AccountView, AppError> {
        let mut record = self.account_record(name)?;
        record.name = check_name(new_name)?;
        self.store().update_account(&record).map_err(|e| match e {
            StoreError::NameTaken(n) => AppError::new(
                ErrorCode::Invalid,
                format!("an account named {n:?} already exists"),
            ),
            other => other.into(),
        })?;
        account_view(&record)
    }

    /// Removes an account and every secret it had in the keyring.
    pub fn remove_account(&self, name: &str) -> Result<(), AppError> {
        let record = self.account_record(name)?;
        let secrets = self.secrets_store()?;
        for what in SECRET_KINDS {
            secrets.delete(&secret_key(&record.id, what))?;
        }
        self.store().delete_account(&record.id)?;
        Ok(())
    }
}

fn account_view(r: &AccountRecord) -> Result<AccountView, AppError> {
    let kind = AccountKind::from_name(&r.kind).ok_or_else(|| {
        AppError::new(
            ErrorCode::Storage,
            format!("account {:?} has an unknown kind", r.name),
        )
    })?;
    Ok(AccountView {
        name: r.name.clone(),
        kind,
        identity: r.identity.clone(),
        server: r.config["server"].as_str().unwrap_or_default().to_owned(),
        default_calendar: r.default_calendar.clone().unwrap_or_default(),
    })
}

fn calendar_views(
    calendars: &[belfry_caldav::CalendarInfo],
    auto: bool,
    default: Option<&str>,
) -> Vec<CalendarView> {
    calendars
        .iter()
        .filter(|c| c.events)
        .map(|c| CalendarView {
            id: c.href.clone(),
            name: c.name.clone(),
            writable: c.writable,
            sends_invitations: auto,
            is_default: default == Some(c.href.as_str()),
        })
        .collect()
}
