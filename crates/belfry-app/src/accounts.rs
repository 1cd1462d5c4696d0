//! Calendar accounts: add, list, rename, remove, and their calendars. Secrets (app
//! passwords, refresh tokens) go to the keyring before the account is recorded, and leave
//! it when the account is removed.

use std::sync::Arc;
use std::time::Duration;

use belfry_aws::{AwsCredentials, AwsError};
use belfry_caldav::{CalDav, CalDavError, Transport};
use belfry_cloud::CloudError;
use belfry_core::Entropy;
use belfry_core::calendar::{CalendarEntry, Failure, PortError};
use belfry_oauth::{OAuthError, ProviderKind, TokenSession};
use belfry_secrets::Sensitive;
use belfry_store::{AccountConfig, AccountRecord, AwsSource, CaldavConfig, StoreError};
use serde::Serialize;

use crate::{App, AppError, ErrorCode, Hint};

pub use belfry_store::AccountKind;

/// An account as front ends show it. Never holds a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AccountView {
    /// The name the user gave it.
    pub name: String,
    /// Which service it is.
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
    /// How the service names it (its URL for CalDAV).
    pub id: String,
    /// Its name on the service.
    pub name: String,
    /// The user may put events on it.
    pub writable: bool,
    /// The server emails the attendees itself (for CalDAV: RFC 6638).
    pub sends_invitations: bool,
    /// Who tells the attendees of a meeting put on it: the provider, the server, Belfry by
    /// email (a mail account), or nobody.
    pub invitations_by: crate::mail::InvitationSender,
    /// Meetings go to it unless another is chosen.
    pub is_default: bool,
    /// The account's own main calendar.
    pub is_primary: bool,
    /// Whose calendar it is, when it is another person's (delegates see their hosts').
    pub owner: String,
    /// Another person's calendar that the server lists without their address (a CalDAV
    /// share): a meeting on it needs the host's address (on behalf of).
    pub shared: bool,
}

/// The refusal of a calendar request to an account without calendars.
pub(crate) fn no_calendars(record: &AccountRecord) -> AppError {
    AppError::new(
        ErrorCode::Invalid,
        match record.kind() {
            AccountKind::Smtp => {
                format!("{:?} is a mail account: it has no calendars", record.name)
            }
            _ => format!("{:?} is an AWS account: it has no calendars", record.name),
        },
    )
}

/// The keyring key of an account's secret.
pub(crate) fn secret_key(account_id: &str, what: &str) -> String {
    format!("account/{account_id}/{what}")
}

/// Every secret an account may have, for removal.
const SECRET_KINDS: [&str; 3] = ["password", "refresh-token", "aws-secret-access-key"];

pub(crate) fn check_name(name: &str) -> Result<String, AppError> {
    let n = name.trim();
    if n.is_empty() || n.chars().count() > 64 || n.chars().any(char::is_control) {
        return Err(AppError::new(
            ErrorCode::Invalid,
            "an account name is 1 to 64 characters, like \"School\" or \"Work calendar\"",
        ));
    }
    Ok(n.to_owned())
}

/// How a CalDAV account's connection is made, from what was saved with it.
pub(crate) trait CaldavConnection {
    /// The server every credentialed request must stay on: the address the user gave, or
    /// (for accounts saved before it was kept) the calendar home.
    fn origin_url(&self) -> &str;
    /// Whether plain http:// to another machine was confirmed for this account.
    fn transport(&self) -> Transport;
}

impl CaldavConnection for CaldavConfig {
    fn origin_url(&self) -> &str {
        if self.server.is_empty() {
            &self.calendar_home
        } else {
            &self.server
        }
    }

    fn transport(&self) -> Transport {
        Transport::allowing_insecure_http(self.allow_insecure_http)
    }
}

impl From<CalDavError> for AppError {
    fn from(e: CalDavError) -> Self {
        let code = match e {
            CalDavError::BadUrl(_) => ErrorCode::Invalid,
            CalDavError::InsecureHttp(_) => ErrorCode::InsecureTransport,
            CalDavError::Unauthorized(_) => ErrorCode::Unauthorized,
            _ => ErrorCode::Remote,
        };
        AppError::new(code, e.to_string())
    }
}

impl From<PortError> for AppError {
    fn from(e: PortError) -> Self {
        if let Some(field) = e.field {
            return AppError::field(field, e.message);
        }
        let code = match e.failure {
            Failure::Unauthorized => ErrorCode::Unauthorized,
            Failure::Transient { .. } | Failure::Permanent => ErrorCode::Remote,
        };
        AppError::new(code, e.message)
    }
}

impl From<OAuthError> for AppError {
    fn from(e: OAuthError) -> Self {
        let code = match e {
            OAuthError::Config(_) => ErrorCode::Invalid,
            OAuthError::StateMismatch | OAuthError::Denied(_) | OAuthError::SignInAgain => {
                ErrorCode::Unauthorized
            }
            OAuthError::Timeout(_) | OAuthError::Server(_) | OAuthError::Network(_) => {
                ErrorCode::Remote
            }
            OAuthError::Browser(_) | OAuthError::Listener(_) | OAuthError::Keyring(_) => {
                ErrorCode::Internal
            }
        };
        AppError::new(code, e.to_string())
    }
}

impl From<CloudError> for AppError {
    fn from(e: CloudError) -> Self {
        match e {
            CloudError::Auth(a) => a.into(),
            CloudError::Unauthorized(_) => AppError::new(ErrorCode::Unauthorized, e.to_string()),
            other => AppError::new(ErrorCode::Remote, other.to_string()),
        }
    }
}

impl From<AwsError> for AppError {
    fn from(e: AwsError) -> Self {
        let code = match e {
            AwsError::NoCredentials(_) | AwsError::Refused(_) => ErrorCode::Unauthorized,
            AwsError::Network(_) => ErrorCode::Remote,
            AwsError::Other(_) => ErrorCode::Internal,
        };
        AppError::new(code, e.to_string())
    }
}

/// How long a sign-in waits for the browser.
pub const SIGN_IN_TIMEOUT: Duration = Duration::from_secs(300);

/// The most of an AWS configuration or credentials file that is read.
const AWS_FILE_BYTES: usize = 1024 * 1024;

fn provider_kind(kind: AccountKind) -> Option<ProviderKind> {
    match kind {
        AccountKind::Google => Some(ProviderKind::Google),
        AccountKind::Microsoft => Some(ProviderKind::Microsoft),
        _ => None,
    }
}

/// What removing an account did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Removed {
    /// The provider revoked the sign-in (where it offers revocation).
    pub revoked: bool,
}

impl App {
    pub(crate) fn new_account_id(&self) -> Result<String, AppError> {
        let word = self.with_entropy(|e: &mut dyn Entropy| e.next_u64())??;
        Ok(format!("{word:016x}"))
    }

    /// Refuses a name another account has (before any secret is stored or sign-in begins).
    pub(crate) fn ensure_name_free(&self, name: &str) -> Result<(), AppError> {
        match self.store().account(name)? {
            Some(_) => Err(StoreError::NameTaken(name.to_owned()).into()),
            None => Ok(()),
        }
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
    /// first writable calendar as the default. A server on plain http:// to another machine is
    /// refused (`ErrorCode::InsecureTransport`) unless `allow_insecure_http` says the user
    /// confirmed it; the choice is kept with the account.
    pub fn add_caldav_account(
        &self,
        name: &str,
        server: &str,
        username: &str,
        password: Sensitive<String>,
        allow_insecure_http: bool,
    ) -> Result<(AccountView, Vec<CalendarView>), AppError> {
        let name = check_name(name)?;
        self.ensure_name_free(&name)?;
        if username.trim().is_empty() {
            return Err(AppError::new(ErrorCode::Invalid, "a user name is required"));
        }
        let secrets = self.secrets_store()?;
        let found = CalDav::new(
            server,
            username.trim(),
            password.clone(),
            Transport::allowing_insecure_http(allow_insecure_http),
        )?
        .discover()?;
        let id = self.new_account_id()?;
        secrets.set(&secret_key(&id, "password"), &password)?;
        let default = found
            .calendars
            .iter()
            .find(|c| c.writable && c.events)
            .map(|c| c.href.clone());
        let shared = found
            .calendars
            .iter()
            .filter(|c| c.owned_by_another(&found.principal, &found.calendar_home))
            .map(|c| c.href.clone())
            .collect();
        let record = AccountRecord {
            id: id.clone(),
            name,
            identity: username.trim().to_owned(),
            config: AccountConfig::Caldav(CaldavConfig {
                server: belfry_caldav::parse_server(server)
                    .map(|u| u.to_string())
                    .unwrap_or_default(),
                principal: found.principal,
                calendar_home: found.calendar_home,
                auto_schedule: found.auto_schedule,
                addresses: found.addresses,
                shared,
                allow_insecure_http,
            }),
            default_calendar: default,
            created_at: self.now(),
        };
        if let Err(e) = self.store().insert_account(&record) {
            let _ = secrets.delete(&secret_key(&id, "password"));
            return Err(e.into());
        }
        let calendars = calendar_views(
            found
                .calendars
                .into_iter()
                .map(CalendarEntry::from)
                .collect(),
            found.auto_schedule,
            self.invitation_sender(&record)?,
            &record,
        );
        Ok((account_view(&record)?, calendars))
    }

    /// Adds a Google or Microsoft 365 account: signs in through the system browser
    /// (`browser` opens the URL), keeps the refresh token in the keyring, and shows who
    /// signed in.
    pub fn add_oauth_account(
        &self,
        kind: AccountKind,
        name: &str,
        browser: &dyn Fn(&str) -> Result<(), String>,
    ) -> Result<(AccountView, Vec<CalendarView>), AppError> {
        let provider = provider_kind(kind).ok_or_else(|| {
            AppError::new(
                ErrorCode::Invalid,
                "only Google and Microsoft accounts sign in through the browser",
            )
        })?;
        let name = check_name(name)?;
        self.ensure_name_free(&name)?;
        let secrets = self.secrets_store()?;
        let cfg = self.oauth_config()?.provider(provider).clone();
        let signed = belfry_oauth::sign_in(&cfg, browser, SIGN_IN_TIMEOUT)?;
        let id = self.new_account_id()?;
        let key = secret_key(&id, "refresh-token");
        secrets.set(&key, &signed.refresh_token)?;
        let record = AccountRecord {
            id: id.clone(),
            name,
            identity: signed.identity.clone(),
            config: match provider {
                ProviderKind::Google => AccountConfig::Google,
                ProviderKind::Microsoft => AccountConfig::Microsoft,
            },
            default_calendar: None,
            created_at: self.now(),
        };
        if let Err(e) = self.store().insert_account(&record) {
            let _ = secrets.delete(&key);
            return Err(e.into());
        }
        let session = Arc::new(TokenSession::new(cfg, secrets, key).with_access(signed.access));
        if let Ok(mut s) = self.sessions().lock() {
            s.insert(id, session);
        }
        // Schedule into the primary calendar unless the user picks another.
        let calendars = self.account_calendars(&record.name)?;
        let mut record = record;
        record.default_calendar = calendars
            .iter()
            .find(|c| c.writable && c.is_primary)
            .map(|c| c.id.clone());
        self.store().update_account(&record)?;
        let calendars = self.account_calendars(&record.name)?;
        Ok((account_view(&record)?, calendars))
    }

    pub(crate) fn token_session(
        &self,
        record: &AccountRecord,
        provider: ProviderKind,
    ) -> Result<Arc<TokenSession>, AppError> {
        let mut sessions = self.sessions().lock().map_err(|_| {
            AppError::new(
                ErrorCode::Internal,
                "a sign-in failed midway; restart Belfry",
            )
        })?;
        if let Some(s) = sessions.get(&record.id) {
            return Ok(s.clone());
        }
        let cfg = self.oauth_config()?.provider(provider).clone();
        let s = Arc::new(TokenSession::new(
            cfg,
            self.secrets_store()?,
            secret_key(&record.id, "refresh-token"),
        ));
        sessions.insert(record.id.clone(), s.clone());
        Ok(s)
    }

    /// `belfry.toml`, read once per process: every sign-in, token and API base comes from the
    /// same reading. A file that cannot be read is read again the next time.
    pub(crate) fn oauth_config(&self) -> Result<&belfry_oauth::Config, AppError> {
        if let Some(c) = self.oauth_config.get() {
            return Ok(c);
        }
        let loaded = belfry_oauth::Config::load()?;
        Ok(self.oauth_config.get_or_init(|| loaded))
    }

    /// A signed-in account's token session and its provider's API base (from `belfry.toml`).
    pub(crate) fn cloud_api(
        &self,
        record: &AccountRecord,
        provider: ProviderKind,
    ) -> Result<(Arc<TokenSession>, String), AppError> {
        let session = self.token_session(record, provider)?;
        let api_base = self.oauth_config()?.provider(provider).api_base.clone();
        Ok((session, api_base))
    }

    /// Adds AWS credentials for the Chime administration: a named profile of the standard
    /// AWS configuration (`~/.aws/config`, `~/.aws/credentials`, SSO included), or an access
    /// key whose secret goes to the keyring. With neither, the standard credential chain.
    pub fn add_aws_account(
        &self,
        name: &str,
        profile: Option<&str>,
        access_key: Option<(&str, Sensitive<String>)>,
    ) -> Result<AccountView, AppError> {
        let name = check_name(name)?;
        self.ensure_name_free(&name)?;
        let id = self.new_account_id()?;
        let (creds, config) = match (profile.map(str::trim).filter(|p| !p.is_empty()), access_key) {
            (Some(_), Some(_)) => {
                return Err(AppError::new(
                    ErrorCode::Invalid,
                    "give either a profile or an access key, not both",
                ));
            }
            (Some(p), None) => {
                if !aws_profile_exists(p) {
                    return Err(AppError::new(
                        ErrorCode::NotFound,
                        format!(
                            "there is no AWS profile {p:?} in ~/.aws/config or ~/.aws/credentials"
                        ),
                    )
                    .with_hint(Hint::CreateAwsProfile));
                }
                (
                    AwsCredentials::Profile(p.to_owned()),
                    AwsSource::Profile {
                        profile: p.to_owned(),
                    },
                )
            }
            (None, Some((key_id, secret))) => {
                let key_id = key_id.trim();
                let valid_id = key_id.len() == 20
                    && (key_id.starts_with("AKIA") || key_id.starts_with("ASIA"))
                    && key_id
                        .chars()
                        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
                if !valid_id {
                    return Err(AppError::new(
                        ErrorCode::Invalid,
                        "an access key ID is 20 characters starting with AKIA (or ASIA)",
                    ));
                }
                if secret.expose().trim().len() != 40 {
                    return Err(AppError::new(
                        ErrorCode::Invalid,
                        "a secret access key is 40 characters",
                    ));
                }
                (
                    AwsCredentials::AccessKey {
                        id: key_id.to_owned(),
                        secret: Sensitive::new(secret.expose().trim().to_owned()),
                    },
                    AwsSource::AccessKey {
                        access_key_id: key_id.to_owned(),
                    },
                )
            }
            (None, None) => (AwsCredentials::Chain, AwsSource::Chain),
        };
        // Ask AWS whose credentials these are: a typo or an expired session shows now.
        let identity = belfry_aws::caller_identity(&creds, None)?;
        if let AwsCredentials::AccessKey { secret, .. } = &creds {
            self.secrets_store()?
                .set(&secret_key(&id, "aws-secret-access-key"), secret)?;
        }
        let record = AccountRecord {
            id: id.clone(),
            name,
            identity,
            config: AccountConfig::Aws(config),
            default_calendar: None,
            created_at: self.now(),
        };
        if let Err(e) = self.store().insert_account(&record) {
            if let Ok(secrets) = self.secrets_store() {
                let _ = secrets.delete(&secret_key(&id, "aws-secret-access-key"));
            }
            return Err(e.into());
        }
        account_view(&record)
    }

    /// Every account.
    pub fn accounts(&self) -> Result<Vec<AccountView>, AppError> {
        self.store().accounts()?.iter().map(account_view).collect()
    }

    /// The calendars of an account, asked from its server now.
    pub fn account_calendars(&self, name: &str) -> Result<Vec<CalendarView>, AppError> {
        let record = self.account_record(name)?;
        if !record.kind().has_calendars() {
            return Err(no_calendars(&record));
        }
        let calendar = self.calendars.open(self, &record)?;
        let views = calendar_views(
            calendar.calendars()?,
            calendar.sends_invitations(),
            self.invitation_sender(&record)?,
            &record,
        );
        let shared = views.iter().filter(|c| c.shared).map(|c| c.id.clone());
        self.remember_shared(&record, shared.collect())?;
        Ok(views)
    }

    /// Keeps which of a CalDAV account's calendars are another person's (see
    /// [`CaldavConfig::shared`]), as the server last said.
    pub(crate) fn remember_shared(
        &self,
        record: &AccountRecord,
        mut shared: Vec<String>,
    ) -> Result<(), AppError> {
        let AccountConfig::Caldav(c) = &record.config else {
            return Ok(());
        };
        shared.sort();
        shared.dedup();
        if c.shared == shared {
            return Ok(());
        }
        let mut updated = record.clone();
        if let AccountConfig::Caldav(c) = &mut updated.config {
            c.shared = shared;
        }
        Ok(self.store().update_account(&updated)?)
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
        self.store().update_account(&record)?;
        account_view(&record)
    }

    /// Removes an account: revokes its sign-in where the provider allows it, deletes every
    /// secret it had in the keyring, then its record.
    pub fn remove_account(&self, name: &str) -> Result<Removed, AppError> {
        let record = self.account_record(name)?;
        let secrets = self.secrets_store()?;
        let provider = provider_kind(record.kind());
        let token = match provider {
            Some(_) => secrets.get(&secret_key(&record.id, "refresh-token"))?,
            None => None,
        };
        let mut revoked = false;
        if let (Some(provider), Some(token)) = (provider, token) {
            let cfg = self.oauth_config()?.provider(provider).clone();
            // Best effort: an unreachable provider must not keep the account here.
            revoked = belfry_oauth::revoke(&cfg, &token).unwrap_or(false);
        }
        for what in SECRET_KINDS {
            secrets.delete(&secret_key(&record.id, what))?;
        }
        if let Ok(mut s) = self.sessions().lock() {
            s.remove(&record.id);
        }
        self.store().delete_account(&record.id)?;
        Ok(Removed { revoked })
    }
}

/// Whether the standard AWS files name `profile` (`[profile NAME]` in config, `[NAME]` in
/// credentials; `AWS_CONFIG_FILE` and `AWS_SHARED_CREDENTIALS_FILE` move them).
#[allow(
    clippy::disallowed_methods,
    reason = "AWS's own variables, read as its SDK reads them"
)]
fn aws_profile_exists(profile: &str) -> bool {
    let home = std::env::var_os("HOME")
        .map(std::path::PathBuf::from)
        .unwrap_or_default();
    let config = std::env::var_os("AWS_CONFIG_FILE")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| home.join(".aws/config"));
    let creds = std::env::var_os("AWS_SHARED_CREDENTIALS_FILE")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| home.join(".aws/credentials"));
    profile_in_files(profile, &config, &creds)
}

/// `[profile NAME]` (or `[default]`) in the config file, `[NAME]` in the credentials file.
fn profile_in_files(profile: &str, config: &std::path::Path, creds: &std::path::Path) -> bool {
    let has = |path: &std::path::Path, header: &str| {
        crate::files::read_file_capped(path, AWS_FILE_BYTES, "an AWS configuration file")
            .map(|t| t.lines().any(|l| l.trim() == header))
            .unwrap_or(false)
    };
    has(config, &format!("[profile {profile}]"))
        || (profile == "default" && has(config, "[default]"))
        || has(creds, &format!("[{profile}]"))
}

pub(crate) fn account_view(r: &AccountRecord) -> Result<AccountView, AppError> {
    Ok(AccountView {
        name: r.name.clone(),
        kind: r.kind(),
        identity: r.identity.clone(),
        server: match &r.config {
            AccountConfig::Caldav(c) => c.server.clone(),
            AccountConfig::Smtp(m) => format!("{}:{}", m.host, m.port),
            _ => String::new(),
        },
        default_calendar: r.default_calendar.clone().unwrap_or_default(),
    })
}

/// The calendars of `record` that take events, as front ends show them.
fn calendar_views(
    calendars: Vec<CalendarEntry>,
    sends_invitations: bool,
    invitations_by: crate::mail::InvitationSender,
    record: &AccountRecord,
) -> Vec<CalendarView> {
    calendars
        .into_iter()
        .filter(|c| c.events)
        .map(|c| CalendarView {
            is_default: record.default_calendar.as_deref() == Some(c.id.as_str()),
            sends_invitations,
            invitations_by,
            is_primary: c.primary,
            // Only another person's calendar names its owner.
            owner: c
                .owner
                .filter(|o| !o.eq_ignore_ascii_case(&record.identity))
                .unwrap_or_default(),
            shared: c.shared,
            id: c.id,
            name: c.name,
            writable: c.writable,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aws_profiles_are_found_in_either_file() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("config");
        let creds = dir.path().join("credentials");
        std::fs::write(
            &config,
            "[default]\nregion = us-east-1\n[profile chime-admin]\nsso_session = corp\n",
        )
        .unwrap();
        std::fs::write(&creds, "[ci]\naws_access_key_id = AKIAEXAMPLE\n").unwrap();
        assert!(profile_in_files("chime-admin", &config, &creds));
        assert!(profile_in_files("default", &config, &creds));
        assert!(profile_in_files("ci", &config, &creds));
        assert!(!profile_in_files("chime", &config, &creds));
        assert!(!profile_in_files(
            "ci",
            &config,
            &dir.path().join("missing")
        ));
    }

    #[test]
    fn account_names_are_checked() {
        assert!(check_name("  School ").is_ok());
        assert!(check_name("").is_err());
        assert!(check_name("a\nb").is_err());
        assert!(check_name(&"x".repeat(65)).is_err());
    }
}
