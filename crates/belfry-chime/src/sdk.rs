//! [`ChimeAdmin`] with the real `aws-sdk-chime` client. The SDK retries 5xx answers and
//! network errors itself (standard retry mode); Chime's `ThrottledClientException` (429) is
//! not among the errors the SDK classifies as retryable, so throttled calls are retried here
//! with full-jitter backoff.

use std::future::Future;

use aws_sdk_chime::Client;
use aws_sdk_chime::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_chime::primitives::{DateTime, DateTimeFormat};
use aws_sdk_chime::types as sdk;
use belfry_aws::AwsCredentials;
use belfry_http::{Attempt, Retry};

/// The most pages one listing reads: a service that always answers with another page token
/// must not keep Belfry reading (and holding) forever. At Chime's page sizes this is far more
/// accounts or users than an organization has.
const MAX_PAGES: usize = 1000;

use crate::{
    AccountFilter, AccountStatus, AccountType, AdminError, ChimeAccount, ChimeAdmin, ChimeUser,
    EmailStatus, INVITE_BATCH, Invite, InviteStatus, LICENSE_BATCH, License, Progress,
    Registration, SUSPEND_BATCH, UserFailure,
};

/// The Chime admin API through `aws-sdk-chime`, region us-east-1. The standard endpoint
/// settings (`AWS_ENDPOINT_URL_CHIME`, `AWS_ENDPOINT_URL`, a profile's `endpoint_url`) apply.
pub struct SdkChime {
    runtime: tokio::runtime::Runtime,
    client: Client,
    throttle_retry: Retry,
}

impl std::fmt::Debug for SdkChime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SdkChime").finish_non_exhaustive()
    }
}

impl SdkChime {
    /// A client for these credentials; `endpoint` overrides the endpoint (tests, proxies).
    pub fn new(creds: &AwsCredentials, endpoint: Option<&str>) -> Result<SdkChime, AdminError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| AdminError::Service(e.to_string()))?;
        let config = runtime.block_on(belfry_aws::sdk_config(creds, endpoint));
        Ok(SdkChime {
            client: Client::new(&config),
            runtime,
            throttle_retry: Retry::default(),
        })
    }

    /// Uses `retry` for throttled calls (tests shorten the waits).
    pub fn with_throttle_retry(mut self, retry: Retry) -> SdkChime {
        self.throttle_retry = retry;
        self
    }

    /// Runs one call, retrying it while Chime throttles.
    fn call<T, E, F, Fut>(&self, action: &str, make: F) -> Result<T, AdminError>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<T, SdkError<E, aws_sdk_chime::config::http::HttpResponse>>>,
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        self.throttle_retry
            .run(|_| match self.runtime.block_on(make()) {
                Ok(v) => Attempt::Done(Ok(v)),
                Err(e) => match classify(action, &e) {
                    AdminError::Throttled => Attempt::Again {
                        error: AdminError::Throttled,
                        retry_after: None,
                    },
                    err => Attempt::Done(Err(err)),
                },
            })
    }
}

/// An SDK error in Belfry's words; access denied names the IAM action.
fn classify<E>(
    action: &str,
    e: &SdkError<E, aws_sdk_chime::config::http::HttpResponse>,
) -> AdminError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let text = DisplayErrorContext(e).to_string();
    match e {
        SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => AdminError::Unreachable(text),
        SdkError::ServiceError(ctx) => {
            let code = ctx.err().code().unwrap_or_default();
            let message = ctx.err().message().unwrap_or_default().to_owned();
            match code {
                "ForbiddenException" | "UnauthorizedClientException" | "AccessDeniedException" => {
                    // IAM's message names the action: "... is not authorized to perform: chime:X ..."
                    let named = message
                        .split("perform: ")
                        .nth(1)
                        .and_then(|rest| rest.split_whitespace().next())
                        .filter(|a| a.starts_with("chime:"));
                    AdminError::AccessDenied {
                        action: named.unwrap_or(action).to_owned(),
                        message,
                    }
                }
                "ThrottledClientException" => AdminError::Throttled,
                "NotFoundException" => AdminError::NotFound(message),
                "BadRequestException" | "ConflictException" | "ResourceLimitExceededException" => {
                    AdminError::Invalid(message)
                }
                "UnprocessableEntityException" => AdminError::Unprocessable(message),
                _ => AdminError::Service(format!("{code}: {message}")),
            }
        }
        _ if text.contains("credentials") => AdminError::Credentials(text),
        _ => AdminError::Service(text),
    }
}

fn time(t: Option<&DateTime>) -> Option<String> {
    t.and_then(|t| t.fmt(DateTimeFormat::DateTime).ok())
}

fn license(l: Option<&sdk::License>) -> Option<License> {
    l.and_then(|l| License::parse(l.as_str()))
}

fn sdk_license(l: License) -> sdk::License {
    sdk::License::from(l.as_str())
}

fn account(a: &sdk::Account) -> ChimeAccount {
    ChimeAccount {
        id: a.account_id().to_owned(),
        name: a.name().to_owned(),
        account_type: a.account_type().map_or(AccountType::Unknown, |t| {
            AccountType::from_chime(t.as_str())
        }),
        default_license: license(a.default_license()),
        supported_licenses: a
            .supported_licenses()
            .iter()
            .filter_map(|l| License::parse(l.as_str()))
            .collect(),
        status: a.account_status().map_or(AccountStatus::Active, |s| {
            AccountStatus::from_chime(s.as_str())
        }),
        created: time(a.created_timestamp()).unwrap_or_default(),
    }
}

fn user(u: &sdk::User, account_id: &str) -> ChimeUser {
    ChimeUser {
        id: u.user_id().to_owned(),
        account_id: u.account_id().unwrap_or(account_id).to_owned(),
        email: u.primary_email().unwrap_or_default().to_owned(),
        display_name: u.display_name().unwrap_or_default().to_owned(),
        license: license(u.license_type()),
        registration: u
            .user_registration_status()
            .map_or(Registration::Unknown, |s| {
                Registration::from_chime(s.as_str())
            }),
        invitation: u
            .user_invitation_status()
            .map(|s| InviteStatus::from_chime(s.as_str())),
        registered_on: time(u.registered_on()),
        personal_pin: u.personal_pin().map(str::to_owned),
    }
}

/// Runs a batch operation over `ids`, `size` at a time, gathering the users it failed for.
fn in_batches(
    ids: &[String],
    size: usize,
    mut each: impl FnMut(&[String]) -> Result<Vec<UserFailure>, AdminError>,
) -> Result<Vec<UserFailure>, AdminError> {
    let mut failed = Vec::new();
    for batch in ids.chunks(size) {
        failed.extend(each(batch)?);
    }
    Ok(failed)
}

fn failures(errors: &[sdk::UserError]) -> Vec<UserFailure> {
    errors
        .iter()
        .map(|e| UserFailure {
            user_id: e.user_id().unwrap_or_default().to_owned(),
            code: e
                .error_code()
                .map(|c| c.as_str().to_owned())
                .unwrap_or_default(),
            message: e.error_message().unwrap_or_default().to_owned(),
        })
        .collect()
}

impl ChimeAdmin for SdkChime {
    fn list_accounts(
        &self,
        filter: &AccountFilter,
        progress: Progress<'_>,
    ) -> Result<Vec<ChimeAccount>, AdminError> {
        let mut all = Vec::new();
        let mut token: Option<String> = None;
        let mut pages = 0;
        loop {
            let out = self.call("chime:ListAccounts", || {
                self.client
                    .list_accounts()
                    .set_name(filter.name.clone())
                    .set_user_email(filter.user_email.clone())
                    .set_next_token(token.clone())
                    .send()
            })?;
            all.extend(out.accounts().iter().map(account));
            pages += 1;
            progress(pages, all.len());
            match out.next_token() {
                Some(t) if !t.is_empty() && pages >= MAX_PAGES => {
                    return Err(AdminError::Service(format!(
                        "Chime answered more than {MAX_PAGES} pages; narrow the request"
                    )));
                }
                Some(t) if !t.is_empty() => token = Some(t.to_owned()),
                _ => return Ok(all),
            }
        }
    }

    fn create_account(&self, name: &str) -> Result<ChimeAccount, AdminError> {
        let out = self.call("chime:CreateAccount", || {
            self.client.create_account().name(name).send()
        })?;
        out.account()
            .map(account)
            .ok_or_else(|| AdminError::Service("CreateAccount returned no account".into()))
    }

    fn update_account(
        &self,
        account_id: &str,
        name: Option<&str>,
        default_license: Option<License>,
    ) -> Result<ChimeAccount, AdminError> {
        let out = self.call("chime:UpdateAccount", || {
            self.client
                .update_account()
                .account_id(account_id)
                .set_name(name.map(str::to_owned))
                .set_default_license(default_license.map(sdk_license))
                .send()
        })?;
        out.account()
            .map(account)
            .ok_or_else(|| AdminError::Service("UpdateAccount returned no account".into()))
    }

    fn delete_account(&self, account_id: &str) -> Result<(), AdminError> {
        self.call("chime:DeleteAccount", || {
            self.client.delete_account().account_id(account_id).send()
        })
        .map(|_| ())
    }

    fn list_users(
        &self,
        account_id: &str,
        email: Option<&str>,
        progress: Progress<'_>,
    ) -> Result<Vec<ChimeUser>, AdminError> {
        let mut all = Vec::new();
        let mut token: Option<String> = None;
        let mut pages = 0;
        loop {
            let out = self.call("chime:ListUsers", || {
                self.client
                    .list_users()
                    .account_id(account_id)
                    .set_user_email(email.map(str::to_owned))
                    .set_next_token(token.clone())
                    .send()
            })?;
            all.extend(out.users().iter().map(|u| user(u, account_id)));
            pages += 1;
            progress(pages, all.len());
            match out.next_token() {
                Some(t) if !t.is_empty() && pages >= MAX_PAGES => {
                    return Err(AdminError::Service(format!(
                        "Chime answered more than {MAX_PAGES} pages; narrow the request"
                    )));
                }
                Some(t) if !t.is_empty() => token = Some(t.to_owned()),
                _ => return Ok(all),
            }
        }
    }

    fn get_user(&self, account_id: &str, user_id: &str) -> Result<ChimeUser, AdminError> {
        let out = self.call("chime:GetUser", || {
            self.client
                .get_user()
                .account_id(account_id)
                .user_id(user_id)
                .send()
        })?;
        out.user()
            .map(|u| user(u, account_id))
            .ok_or_else(|| AdminError::Service("GetUser returned no user".into()))
    }

    fn invite_users(&self, account_id: &str, emails: &[String]) -> Result<Vec<Invite>, AdminError> {
        let mut invites = Vec::new();
        for batch in emails.chunks(INVITE_BATCH) {
            let out = self.call("chime:InviteUsers", || {
                self.client
                    .invite_users()
                    .account_id(account_id)
                    .set_user_email_list(Some(batch.to_vec()))
                    .user_type(sdk::UserType::PrivateUser)
                    .send()
            })?;
            invites.extend(out.invites().iter().map(|i| Invite {
                email: i.email_address().unwrap_or_default().to_owned(),
                status: i.status().map_or(InviteStatus::Unknown, |s| {
                    InviteStatus::from_chime(s.as_str())
                }),
                email_status: i.email_status().map_or(EmailStatus::Unknown, |s| {
                    EmailStatus::from_chime(s.as_str())
                }),
            }));
        }
        Ok(invites)
    }

    fn set_license(
        &self,
        account_id: &str,
        user_ids: &[String],
        license: License,
    ) -> Result<Vec<UserFailure>, AdminError> {
        in_batches(user_ids, LICENSE_BATCH, |batch| {
            let items = batch
                .iter()
                .map(|id| {
                    sdk::UpdateUserRequestItem::builder()
                        .user_id(id)
                        .license_type(sdk_license(license))
                        .build()
                        .map_err(|e| AdminError::Invalid(e.to_string()))
                })
                .collect::<Result<Vec<_>, _>>()?;
            let out = self.call("chime:BatchUpdateUser", || {
                self.client
                    .batch_update_user()
                    .account_id(account_id)
                    .set_update_user_request_items(Some(items.clone()))
                    .send()
            })?;
            Ok(failures(out.user_errors()))
        })
    }

    fn suspend(
        &self,
        account_id: &str,
        user_ids: &[String],
    ) -> Result<Vec<UserFailure>, AdminError> {
        in_batches(user_ids, SUSPEND_BATCH, |batch| {
            let out = self.call("chime:BatchSuspendUser", || {
                self.client
                    .batch_suspend_user()
                    .account_id(account_id)
                    .set_user_id_list(Some(batch.to_vec()))
                    .send()
            })?;
            Ok(failures(out.user_errors()))
        })
    }

    fn unsuspend(
        &self,
        account_id: &str,
        user_ids: &[String],
    ) -> Result<Vec<UserFailure>, AdminError> {
        in_batches(user_ids, SUSPEND_BATCH, |batch| {
            let out = self.call("chime:BatchUnsuspendUser", || {
                self.client
                    .batch_unsuspend_user()
                    .account_id(account_id)
                    .set_user_id_list(Some(batch.to_vec()))
                    .send()
            })?;
            Ok(failures(out.user_errors()))
        })
    }

    fn reset_pin(&self, account_id: &str, user_id: &str) -> Result<ChimeUser, AdminError> {
        let out = self.call("chime:ResetPersonalPIN", || {
            self.client
                .reset_personal_pin()
                .account_id(account_id)
                .user_id(user_id)
                .send()
        })?;
        out.user()
            .map(|u| user(u, account_id))
            .ok_or_else(|| AdminError::Service("ResetPersonalPIN returned no user".into()))
    }
}
