//! Amazon Chime administration for Belfry: accounts, users, invitations, licenses, personal
//! PINs ([`ChimeAdmin`], implemented with `aws-sdk-chime` by [`SdkChime`]), and the
//! pre-flight check that says whether a presenter's scheduling will work ([`doctor`]).
//!
//! Invariants: every Chime detail of the admin API stays in this crate; callers see
//! [`ChimeAccount`], [`ChimeUser`] and [`AdminError`] only. An access-denied error names the
//! IAM action that was refused. Lists are complete: every page is fetched, up to a bound
//! (a listing longer than that is refused, never cut short).

#![warn(missing_docs)]
// Unit tests may read the clock, the environment and files; the code under test may not.
#![cfg_attr(test, allow(clippy::disallowed_methods))]

pub mod doctor;
mod sdk;

use serde::Serialize;

pub use sdk::SdkChime;

/// A Chime license. Basic users cannot host or schedule meetings; a Pro trial lasts 30 days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum License {
    /// Joins meetings only.
    Basic,
    /// An older license, no longer sold.
    Plus,
    /// Hosts and schedules meetings.
    Pro,
    /// Pro for a 30-day trial.
    ProTrial,
}

impl License {
    /// The license's name as Chime writes it (`Basic`, `Plus`, `Pro`, `ProTrial`).
    pub fn as_str(self) -> &'static str {
        match self {
            License::Basic => "Basic",
            License::Plus => "Plus",
            License::Pro => "Pro",
            License::ProTrial => "ProTrial",
        }
    }

    /// Reads `basic`, `pro`, … (any case). Plus and ProTrial are not for sale any more, but
    /// existing users may have them.
    pub fn parse(text: &str) -> Option<License> {
        match text.trim().to_ascii_lowercase().as_str() {
            "basic" => Some(License::Basic),
            "plus" => Some(License::Plus),
            "pro" => Some(License::Pro),
            "protrial" | "pro-trial" | "trial" => Some(License::ProTrial),
            _ => None,
        }
    }
}

/// Declares a closed set of values Chime's API sends as strings: an enum with the values as
/// Chime spells them, and `Unknown` for one a later Chime added.
macro_rules! chime_values {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $value:ident,)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
        pub enum $name {
            $($(#[$vmeta])* $value,)+
            /// A value this version of Belfry does not know.
            Unknown,
        }

        impl $name {
            /// The value as Chime writes it.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$value => stringify!($value),)+
                    $name::Unknown => "Unknown",
                }
            }

            /// Reads the value as Chime writes it; any other is [`Self::Unknown`].
            pub fn from_chime(text: &str) -> Self {
                match text {
                    $(stringify!($value) => $name::$value,)+
                    _ => $name::Unknown,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

chime_values! {
    /// How a Chime account's users sign in.
    AccountType {
        /// Users are invited by email and sign in with an Amazon Chime login.
        Team,
        /// Users sign in through the organisation's Active Directory.
        EnterpriseDirectory,
        /// Users sign in with Login with Amazon, on the organisation's claimed domains.
        EnterpriseLWA,
        /// Users sign in through the organisation's OpenID Connect provider.
        EnterpriseOIDC,
    }
}

chime_values! {
    /// Whether a Chime account's users can use it.
    AccountStatus {
        /// In use.
        Active,
        /// Suspended (or being deleted): its users cannot host meetings.
        Suspended,
    }
}

chime_values! {
    /// Whether a user has joined their Chime account.
    Registration {
        /// Joined.
        Registered,
        /// Invited, not joined yet.
        Unregistered,
        /// Suspended by an administrator: their meetings do not start.
        Suspended,
    }
}

chime_values! {
    /// Where an invitation to a Chime account stands.
    InviteStatus {
        /// Sent, not accepted yet.
        Pending,
        /// Accepted.
        Accepted,
        /// Could not be made.
        Failed,
    }
}

chime_values! {
    /// Whether Chime emailed an invitation.
    EmailStatus {
        /// Not emailed.
        NotSent,
        /// Emailed.
        Sent,
        /// The email could not be sent.
        Failed,
    }
}

/// A Chime account (an organisation's).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ChimeAccount {
    /// The account's ID.
    pub id: String,
    /// The account's name.
    pub name: String,
    /// How its users sign in.
    pub account_type: AccountType,
    /// The license new users get, if the account has one.
    pub default_license: Option<License>,
    /// The licenses the account's users may have.
    pub supported_licenses: Vec<License>,
    /// Whether its users can use it.
    pub status: AccountStatus,
    /// RFC 3339.
    pub created: String,
}

impl ChimeAccount {
    /// Whether it is a Team account.
    pub fn is_team(&self) -> bool {
        self.account_type == AccountType::Team
    }
}

/// A user of a Chime account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ChimeUser {
    /// The user's ID.
    pub id: String,
    /// The account the user belongs to.
    pub account_id: String,
    /// The user's email address.
    pub email: String,
    /// The user's name as Chime shows it.
    pub display_name: String,
    /// The user's license, if Chime gave one.
    pub license: Option<License>,
    /// Whether the user has joined the account.
    pub registration: Registration,
    /// Where the user's invitation to the account stands (none: never invited).
    pub invitation: Option<InviteStatus>,
    /// RFC 3339, when the user joined.
    pub registered_on: Option<String>,
    /// The personal meeting ID (10 digits), when the API gave it.
    pub personal_pin: Option<String>,
}

/// What became of one invitation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Invite {
    /// The address invited.
    pub email: String,
    /// Where the invitation stands.
    pub status: InviteStatus,
    /// Whether Chime emailed it.
    pub email_status: EmailStatus,
}

/// A user a batch change could not be made for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct UserFailure {
    /// The user's ID.
    pub user_id: String,
    /// Chime's error code.
    pub code: String,
    /// Chime's message.
    pub message: String,
}

/// Which accounts to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountFilter {
    /// Accounts whose name starts with this.
    pub name: Option<String>,
    /// Accounts that have a user with this email.
    pub user_email: Option<String>,
}

/// Why the Chime administration API could not do it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdminError {
    /// The credentials may not call this action.
    #[error(
        "access denied: these AWS credentials may not call {action}; ask your AWS administrator to allow it ({message})"
    )]
    AccessDenied {
        /// The IAM action refused (`chime:...`).
        action: String,
        /// AWS's message.
        message: String,
    },
    /// Chime kept throttling the requests through every retry.
    #[error(
        "Chime is throttling requests and still did after retries: wait a minute and try again"
    )]
    Throttled,
    /// The account or user is not there.
    #[error("not found: {0}")]
    NotFound(String),
    /// Chime refused the request: a bad request, a conflict or a limit reached.
    #[error("Chime refused the request: {0}")]
    Invalid(String),
    /// Chime could not process the request (its message).
    #[error("{0}")]
    Unprocessable(String),
    /// The Chime API could not be reached.
    #[error(
        "cannot reach the Chime API ({0}); AWS ended support for the Amazon Chime service on 2026-02-20, so the API may be gone"
    )]
    Unreachable(String),
    /// No usable AWS credentials were found.
    #[error("no usable AWS credentials: {0}")]
    Credentials(String),
    /// Any other failure of the API, or an answer without what was asked for.
    #[error("the Chime API failed: {0}")]
    Service(String),
}

/// Called as list pages arrive: (pages so far, items so far).
pub type Progress<'a> = &'a (dyn Fn(usize, usize) + Sync);

/// The most addresses one InviteUsers call takes; longer lists are sent in batches.
pub const INVITE_BATCH: usize = 50;
/// The most users one BatchUpdateUser call takes.
pub const LICENSE_BATCH: usize = 20;
/// The most users one BatchSuspendUser / BatchUnsuspendUser call takes.
pub const SUSPEND_BATCH: usize = 50;

/// The Chime administration operations Belfry uses.
pub trait ChimeAdmin: Send + Sync {
    /// The accounts that match `filter`, every page of them.
    fn list_accounts(
        &self,
        filter: &AccountFilter,
        progress: Progress<'_>,
    ) -> Result<Vec<ChimeAccount>, AdminError>;
    /// Creates a Team account.
    fn create_account(&self, name: &str) -> Result<ChimeAccount, AdminError>;
    /// Renames an account and/or sets its default license; `None` leaves that as it is.
    fn update_account(
        &self,
        account_id: &str,
        name: Option<&str>,
        default_license: Option<License>,
    ) -> Result<ChimeAccount, AdminError>;
    /// Deletes an account.
    fn delete_account(&self, account_id: &str) -> Result<(), AdminError>;
    /// The users of an account (only the one with `email`, when given), every page of them.
    fn list_users(
        &self,
        account_id: &str,
        email: Option<&str>,
        progress: Progress<'_>,
    ) -> Result<Vec<ChimeUser>, AdminError>;
    /// One user of an account.
    fn get_user(&self, account_id: &str, user_id: &str) -> Result<ChimeUser, AdminError>;
    /// Invites addresses to a Team account, in batches of [`INVITE_BATCH`].
    fn invite_users(&self, account_id: &str, emails: &[String]) -> Result<Vec<Invite>, AdminError>;
    /// Sets the license of users, in batches of [`LICENSE_BATCH`].
    fn set_license(
        &self,
        account_id: &str,
        user_ids: &[String],
        license: License,
    ) -> Result<Vec<UserFailure>, AdminError>;
    /// Suspends users, in batches of [`SUSPEND_BATCH`].
    fn suspend(
        &self,
        account_id: &str,
        user_ids: &[String],
    ) -> Result<Vec<UserFailure>, AdminError>;
    /// Lifts the suspension of users, in batches of [`SUSPEND_BATCH`].
    fn unsuspend(
        &self,
        account_id: &str,
        user_ids: &[String],
    ) -> Result<Vec<UserFailure>, AdminError>;
    /// Gives the user a new personal meeting ID.
    fn reset_pin(&self, account_id: &str, user_id: &str) -> Result<ChimeUser, AdminError>;
}
