//! Chime administration and the pre-flight check, for the CLI and the window: which AWS
//! credentials to use, confirmation-free operations that only read, and changes that the
//! front ends confirm first (the CLI's `--yes`, the window's dialogs).

use belfry_aws::AwsCredentials;
use belfry_chime::doctor::{CalendarSide, Finding, Report, Severity};
use belfry_chime::{
    AccountFilter, AdminError, ChimeAccount, ChimeAdmin, ChimeUser, Invite, License, Progress,
    SdkChime, UserFailure,
};
use belfry_core::{EmailAddress, MeetingForm};
use belfry_secrets::Sensitive;
use belfry_store::{AccountConfig, AccountKind, AccountRecord, AwsSource};

use crate::accounts::secret_key;
use crate::{App, AppError, ErrorCode, Hint, SettingKey};

impl From<AdminError> for AppError {
    fn from(e: AdminError) -> Self {
        let code = match e {
            AdminError::AccessDenied { .. } | AdminError::Credentials(_) => ErrorCode::Unauthorized,
            AdminError::NotFound(_) => ErrorCode::NotFound,
            AdminError::Invalid(_) | AdminError::Unprocessable(_) => ErrorCode::Invalid,
            AdminError::Throttled | AdminError::Unreachable(_) | AdminError::Service(_) => {
                ErrorCode::Remote
            }
        };
        AppError::new(code, e.to_string())
    }
}

/// What deleting an account did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Deleted {
    /// The Chime account's ID.
    pub account_id: String,
    /// Users suspended first (Team accounts).
    pub suspended: u32,
    /// What the user should know about the deletion.
    pub note: String,
}

/// The note every account deletion carries.
pub const DELETE_NOTE: &str = "A deleted Chime account stays on the disabled accounts list for 90 days before it is gone; its users cannot sign in meanwhile.";

/// Chime administration with one AWS account's credentials: what the CLI's `belfry chime`
/// and the window's Admin page do, each operation one call.
pub struct Admin<'a> {
    app: &'a App,
    chime: Box<dyn ChimeAdmin>,
}

impl std::fmt::Debug for Admin<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Admin").finish_non_exhaustive()
    }
}

/// Opens the Chime administration API with some credentials: `aws-sdk-chime`, or an
/// in-memory Chime in tests.
pub type ChimeFactory =
    Box<dyn Fn(&AwsCredentials) -> Result<Box<dyn ChimeAdmin>, AdminError> + Send + Sync>;

/// The real one: `aws-sdk-chime` with the standard endpoint settings.
pub(crate) fn sdk_chime() -> ChimeFactory {
    Box::new(|creds| Ok(Box::new(SdkChime::new(creds, None)?) as Box<dyn ChimeAdmin>))
}

impl App {
    /// Chime administration with an AWS account in Belfry (`aws` by name, or the only one).
    pub fn admin(&self, aws: Option<&str>) -> Result<Admin<'_>, AppError> {
        let record = self.aws_account(aws)?;
        let creds = self.aws_credentials(&record)?;
        Ok(Admin {
            app: self,
            chime: (self.chime)(&creds)?,
        })
    }

    fn aws_account(&self, name: Option<&str>) -> Result<AccountRecord, AppError> {
        let aws: Vec<AccountRecord> = self
            .store()
            .accounts()?
            .into_iter()
            .filter(|a| a.kind() == AccountKind::Aws)
            .collect();
        match name.map(str::trim).filter(|n| !n.is_empty()) {
            Some(n) => aws
                .into_iter()
                .find(|a| a.name.eq_ignore_ascii_case(n))
                .ok_or_else(|| {
                    AppError::new(
                        ErrorCode::NotFound,
                        format!("there is no AWS account named {n:?} in Belfry"),
                    )
                    .with_hint(Hint::ListAccounts)
                }),
            None => match aws.len() {
                1 => Ok(aws
                    .into_iter()
                    .next()
                    .ok_or_else(|| AppError::new(ErrorCode::Internal, "no account"))?),
                0 => Err(
                    AppError::new(ErrorCode::NotFound, "Belfry has no AWS credentials yet")
                        .with_hint(Hint::AddAwsAccount),
                ),
                _ => Err(AppError::new(
                    ErrorCode::Invalid,
                    format!(
                        "there are several AWS accounts ({}): which one?",
                        aws.iter()
                            .map(|a| a.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
                .with_hint(Hint::ChooseAwsAccount)),
            },
        }
    }

    fn aws_credentials(&self, record: &AccountRecord) -> Result<AwsCredentials, AppError> {
        match &record.config {
            AccountConfig::Aws(AwsSource::Profile { profile }) => {
                Ok(AwsCredentials::Profile(profile.clone()))
            }
            AccountConfig::Aws(AwsSource::AccessKey { access_key_id }) => {
                let secret = self
                    .secrets_store()?
                    .get(&secret_key(&record.id, "aws-secret-access-key"))?
                    .ok_or_else(|| {
                        AppError::new(
                            ErrorCode::Unauthorized,
                            format!("the secret access key of {:?} is not in this keyring: remove the account and add it again", record.name),
                        )
                    })?;
                Ok(AwsCredentials::AccessKey {
                    id: access_key_id.clone(),
                    secret: Sensitive::new(secret.expose().clone()),
                })
            }
            AccountConfig::Aws(AwsSource::Chain) => Ok(AwsCredentials::Chain),
            _ => Err(AppError::new(
                ErrorCode::Invalid,
                format!("{:?} is not an AWS account", record.name),
            )),
        }
    }
}

impl Admin<'_> {
    /// Finds the user with this address in any account the credentials see.
    pub fn find_user(
        &self,
        email: &str,
        progress: Progress<'_>,
    ) -> Result<Vec<(ChimeAccount, ChimeUser)>, AppError> {
        let chime = self.chime.as_ref();
        let filter = AccountFilter {
            name: None,
            user_email: Some(email.to_owned()),
        };
        let mut found = Vec::new();
        for account in chime.list_accounts(&filter, progress)? {
            for user in chime.list_users(&account.id, Some(email), progress)? {
                if user.email.eq_ignore_ascii_case(email) {
                    found.push((account.clone(), user));
                }
            }
        }
        Ok(found)
    }

    /// Invites addresses to a Team account (checked first; a bad one is named).
    pub fn invite(&self, account_id: &str, emails: &[String]) -> Result<Vec<Invite>, AppError> {
        let chime = self.chime.as_ref();
        let mut checked = Vec::new();
        for e in emails.iter().map(|e| e.trim()).filter(|e| !e.is_empty()) {
            let parsed = EmailAddress::parse(e).map_err(|err| {
                AppError::new(
                    ErrorCode::Invalid,
                    format!("{e:?} is not an email address: {err}"),
                )
            })?;
            checked.push(parsed.as_str().to_owned());
        }
        if checked.is_empty() {
            return Err(AppError::new(
                ErrorCode::Invalid,
                "give at least one email address to invite",
            ));
        }
        Ok(chime.invite_users(account_id, &checked)?)
    }

    /// Deletes an account. A Team account's users must be suspended first: with
    /// `suspend_users` they are, otherwise the refusal says so.
    pub fn delete_account(
        &self,
        account_id: &str,
        suspend_users: bool,
        progress: Progress<'_>,
    ) -> Result<Deleted, AppError> {
        let chime = self.chime.as_ref();
        let mut suspended = 0;
        if suspend_users {
            let active: Vec<String> = chime
                .list_users(account_id, None, progress)?
                .into_iter()
                .filter(|u| u.registration != belfry_chime::Registration::Suspended)
                .map(|u| u.id)
                .collect();
            let failed = chime.suspend(account_id, &active)?;
            if let Some(f) = failed.first() {
                return Err(AppError::new(
                    ErrorCode::Remote,
                    format!(
                        "{} of {} users could not be suspended (first: {} {}: {}); nothing was deleted",
                        failed.len(),
                        active.len(),
                        f.user_id,
                        f.code,
                        f.message
                    ),
                ));
            }
            suspended = u32::try_from(active.len()).unwrap_or(u32::MAX);
        }
        match chime.delete_account(account_id) {
            Ok(()) => Ok(Deleted {
                account_id: account_id.to_owned(),
                suspended,
                note: DELETE_NOTE.to_owned(),
            }),
            Err(AdminError::Unprocessable(m)) => Err(AppError::new(
                ErrorCode::Invalid,
                format!("{m}: a Team account's users must be suspended before it can be deleted"),
            )
            .with_hint(Hint::SuspendUsers)),
            Err(e) => Err(e.into()),
        }
    }

    /// Sets the license of users.
    pub fn license(
        &self,
        account_id: &str,
        user_ids: &[String],
        license: &str,
    ) -> Result<Vec<UserFailure>, AppError> {
        let license = parse_license(license)?;
        Ok(self.chime.set_license(account_id, user_ids, license)?)
    }

    /// Makes a Chime user's personal meeting ID Belfry's personal-id setting.
    pub fn use_personal_pin(&self, account_id: &str, user_id: &str) -> Result<String, AppError> {
        let user = self.chime.get_user(account_id, user_id)?;
        let pin = user.personal_pin.filter(|p| !p.is_empty()).ok_or_else(|| {
            AppError::new(
                ErrorCode::NotFound,
                format!("Chime gave no personal meeting ID for {}", user.email),
            )
        })?;
        self.app.set_setting(SettingKey::PersonalId, &pin)?;
        Ok(pin)
    }

    /// The pre-flight check for the address meetings are scheduled for: `email`, or the
    /// organizer setting, or the calendar account's address.
    pub fn doctor(
        &self,
        email: Option<&str>,
        calendar_account: Option<&str>,
        delegate: bool,
        progress: Progress<'_>,
    ) -> Result<Report, AppError> {
        let calendar = match calendar_account.map(str::trim).filter(|n| !n.is_empty()) {
            Some(name) => {
                let record = self.app.store().account(name)?.ok_or_else(|| {
                    AppError::new(
                        ErrorCode::NotFound,
                        format!("there is no account named {name:?}"),
                    )
                })?;
                if record.kind() == AccountKind::Aws {
                    return Err(AppError::new(
                        ErrorCode::Invalid,
                        format!("{name:?} holds AWS credentials, not a calendar"),
                    ));
                }
                // A CalDAV user name that is not an address says nothing about the sender.
                record.identity.contains('@').then(|| CalendarSide {
                    account: record.name.clone(),
                    address: record.identity.clone(),
                    delegate,
                })
            }
            None => None,
        };
        let email = match email.map(str::trim).filter(|e| !e.is_empty()) {
            Some(e) => EmailAddress::parse(e)
                .map_err(|err| {
                    AppError::new(
                        ErrorCode::Invalid,
                        format!("the user's email address: {err}"),
                    )
                    .with_hint(Hint::NameChimeUser)
                })?
                .as_str()
                .to_owned(),
            None => match (self.app.settings()?.organizer, &calendar) {
                (Some(o), _) => o.as_str().to_owned(),
                (None, Some(c)) if c.address.contains('@') && !c.delegate => c.address.clone(),
                _ => {
                    return Err(AppError::new(ErrorCode::Invalid, "which Chime user?")
                        .with_hint(Hint::NameChimeUser));
                }
            },
        };
        let found = self.find_user(&email, progress)?;
        let status = self.app.provider().service_status.trim().to_owned();
        let mut report = belfry_chime::doctor::check(&belfry_chime::doctor::Input {
            email: &email,
            found: &found,
            calendar: calendar.as_ref(),
            service_ended: (!status.is_empty()).then_some(status.as_str()),
            now: self.app.now(),
        });
        // The checks are Chime's: say so when new meetings go elsewhere.
        let default = self.app.provider_for(&MeetingForm::default(), None)?;
        if !default.is_chime() {
            report.findings.insert(
                0,
                Finding {
                    severity: Severity::Ok,
                    code: "other-provider".into(),
                    message: format!(
                        "New meetings are on {} (the default provider): these checks concern \
                         Amazon Chime meetings only.",
                        default.name
                    ),
                    fix: String::new(),
                    action: None,
                },
            );
        }
        // Meetings on the calendar that still point at the ended service.
        if let Some(c) = &calendar {
            let (movable, problems) = match self.app.chime_events(Some(&c.account), None, None) {
                Ok(scan) => (
                    scan.events.iter().filter(|e| e.organizer.movable()).count(),
                    scan.problems,
                ),
                Err(e) => (0, vec![e.message]),
            };
            if !problems.is_empty() {
                report.findings.insert(
                    0,
                    Finding {
                        severity: Severity::Warning,
                        code: "still-on-chime".into(),
                        message: format!(
                            "Belfry could not look for meetings that still point at Amazon Chime: {}",
                            problems.join("; ")
                        ),
                        fix: "Check the calendar account on the Accounts page.".into(),
                        action: None,
                    },
                );
            }
            if movable > 0 {
                report.findings.insert(
                    0,
                    Finding {
                        severity: Severity::Warning,
                        code: "still-on-chime".into(),
                        message: format!(
                            "{movable} future meeting(s) on {} still point at Amazon Chime.",
                            c.account
                        ),
                        fix: "Move them off Chime to another provider.".into(),
                        action: None,
                    },
                );
            }
        }
        Ok(report)
    }

    /// Accounts whose name starts with `query`, or that have the user `query` (an address).
    pub fn accounts(
        &self,
        query: &str,
        progress: Progress<'_>,
    ) -> Result<Vec<ChimeAccount>, AppError> {
        let query = query.trim();
        let filter = if query.contains('@') {
            AccountFilter {
                name: None,
                user_email: Some(query.to_owned()),
            }
        } else {
            AccountFilter {
                name: Some(query.to_owned()).filter(|q| !q.is_empty()),
                user_email: None,
            }
        };
        Ok(self.chime.list_accounts(&filter, progress)?)
    }

    /// Accounts, filtered by name prefix and user address.
    pub fn accounts_filtered(
        &self,
        filter: &AccountFilter,
        progress: Progress<'_>,
    ) -> Result<Vec<ChimeAccount>, AppError> {
        Ok(self.chime.list_accounts(filter, progress)?)
    }

    /// Creates a Team account.
    pub fn create_account(&self, name: &str) -> Result<ChimeAccount, AppError> {
        let name = name.trim();
        if name.is_empty() {
            return Err(AppError::new(
                ErrorCode::Invalid,
                "give the new account a name",
            ));
        }
        Ok(self.chime.create_account(name)?)
    }

    /// Renames an account and/or changes the license its new users get.
    pub fn update_account(
        &self,
        account_id: &str,
        name: Option<&str>,
        default_license: Option<&str>,
    ) -> Result<ChimeAccount, AppError> {
        let license = default_license.map(parse_license).transpose()?;
        let name = name.map(str::trim).filter(|n| !n.is_empty());
        Ok(self.chime.update_account(account_id, name, license)?)
    }

    /// An account's users (every page), or the one with `email`.
    pub fn users(
        &self,
        account_id: &str,
        email: Option<&str>,
        progress: Progress<'_>,
    ) -> Result<Vec<ChimeUser>, AppError> {
        Ok(self.chime.list_users(account_id, email, progress)?)
    }

    /// User ids as given, or looked up when given as email addresses.
    pub fn user_ids(
        &self,
        account_id: &str,
        users: &[String],
        progress: Progress<'_>,
    ) -> Result<Vec<String>, AppError> {
        users
            .iter()
            .map(|u| {
                let u = u.trim();
                if !u.contains('@') {
                    return Ok(u.to_owned());
                }
                self.chime
                    .list_users(account_id, Some(u), progress)?
                    .into_iter()
                    .find(|x| x.email.eq_ignore_ascii_case(u))
                    .map(|x| x.id)
                    .ok_or_else(|| {
                        AppError::new(
                            ErrorCode::NotFound,
                            format!("{u} is not a user of account {account_id}"),
                        )
                    })
            })
            .collect()
    }

    /// Suspends users (`suspend`) or lifts their suspension.
    pub fn suspension(
        &self,
        account_id: &str,
        user_ids: &[String],
        suspend: bool,
    ) -> Result<Vec<UserFailure>, AppError> {
        Ok(if suspend {
            self.chime.suspend(account_id, user_ids)?
        } else {
            self.chime.unsuspend(account_id, user_ids)?
        })
    }

    /// Gives a user a new personal meeting ID.
    pub fn reset_pin(&self, account_id: &str, user_id: &str) -> Result<ChimeUser, AppError> {
        Ok(self.chime.reset_pin(account_id, user_id)?)
    }
}

/// Reads a license name, naming the choices when it is not one.
pub fn parse_license(text: &str) -> Result<License, AppError> {
    License::parse(text).ok_or_else(|| {
        AppError::new(
            ErrorCode::Invalid,
            format!("{:?} is not a license: use basic or pro", text.trim()),
        )
    })
}
