use belfry_core::{Field, FieldError};
use belfry_secrets::SecretsError;
use belfry_store::StoreError;
use serde::Serialize;

/// What kind of failure, for a front end to branch on (never on the English text).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The user's input was refused; `fields` says which and why.
    Invalid,
    /// A meeting or setting the user named does not exist.
    NotFound,
    /// The OS keyring cannot be reached.
    KeyringUnavailable,
    /// The OS keyring is locked.
    KeyringLocked,
    /// The local database or data directory failed.
    Storage,
    /// A server refused the credentials: sign in again or fix the password.
    Unauthorized,
    /// A server could not be reached or answered with an error.
    Remote,
    /// The server is reached over plain http:// on another machine: the password would
    /// cross the network unencrypted. Only the user's explicit confirmation allows it.
    InsecureTransport,
    /// Another Belfry changed the same thing meanwhile: read it again and retry.
    Conflict,
    /// Something that should not happen; the message says what.
    Internal,
}

/// What fixes an error, for each front end to word its own way: the CLI names commands and
/// flags, the window pages and buttons. The error's message names neither.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Hint {
    /// Add AWS credentials to Belfry.
    AddAwsAccount,
    /// Say which of Belfry's AWS accounts to use.
    ChooseAwsAccount,
    /// See the accounts Belfry has, by name.
    ListAccounts,
    /// Create the AWS profile with AWS's own tool.
    CreateAwsProfile,
    /// Delete the Chime account again, letting Belfry suspend its users first.
    SuspendUsers,
    /// Name the Chime user by email address, or set the organizer setting.
    NameChimeUser,
    /// Set the personal meeting ID setting.
    SetPersonalId,
    /// Set the organizer setting (the user's own address).
    SetOrganizer,
}

/// The one error every front end receives: a code, a sentence, the fields at fault, and
/// what fixes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[error("{message}")]
pub struct AppError {
    /// What kind of failure it is.
    pub code: ErrorCode,
    /// The failure in one sentence, worded for no front end in particular.
    pub message: String,
    /// For [`ErrorCode::Invalid`]: every refused field, in form order.
    pub fields: Vec<FieldError>,
    /// What fixes it, when one action does.
    pub hint: Option<Hint>,
}

impl AppError {
    /// An error with no field.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        AppError {
            code,
            message: message.into(),
            fields: Vec::new(),
            hint: None,
        }
    }

    /// This error, and what fixes it.
    pub fn with_hint(self, hint: Hint) -> Self {
        AppError {
            hint: Some(hint),
            ..self
        }
    }

    /// A refusal of one field.
    pub fn field(field: Field, message: impl Into<String>) -> Self {
        Self::fields(vec![FieldError::new(field, message)])
    }

    /// A refusal of several fields; the message is the first one's.
    pub fn fields(fields: Vec<FieldError>) -> Self {
        let message = fields
            .first()
            .map(|f| f.message.clone())
            .unwrap_or_default();
        AppError {
            code: ErrorCode::Invalid,
            message,
            fields,
            hint: None,
        }
    }

    /// The first field at fault.
    pub fn first_field(&self) -> Option<Field> {
        self.fields.first().map(|f| f.field)
    }
}

impl From<FieldError> for AppError {
    fn from(e: FieldError) -> Self {
        AppError::fields(vec![e])
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        let code = match e {
            // The user chose a name in use: theirs to change, not a storage failure.
            StoreError::NameTaken(_) => ErrorCode::Invalid,
            StoreError::Changed(_) => ErrorCode::Conflict,
            _ => ErrorCode::Storage,
        };
        AppError::new(code, e.to_string())
    }
}

impl From<SecretsError> for AppError {
    fn from(e: SecretsError) -> Self {
        let code = match e {
            SecretsError::Locked => ErrorCode::KeyringLocked,
            SecretsError::Unavailable(_) => ErrorCode::KeyringUnavailable,
            _ => ErrorCode::Internal,
        };
        AppError::new(code, e.to_string())
    }
}

impl From<belfry_core::EntropyError> for AppError {
    fn from(e: belfry_core::EntropyError) -> Self {
        AppError::new(ErrorCode::Internal, e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The wire format front ends depend on.
    #[test]
    fn serializes_as_code_message_fields_and_hint() {
        let e = AppError::field(Field::Start, "a start is required");
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            serde_json::json!({
                "code": "invalid",
                "message": "a start is required",
                "fields": [{"field": "start", "message": "a start is required"}],
                "hint": null
            })
        );
        let e =
            AppError::new(ErrorCode::NotFound, "no AWS credentials").with_hint(Hint::AddAwsAccount);
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            serde_json::json!({"code": "not_found", "message": "no AWS credentials", "fields": [], "hint": "add_aws_account"})
        );
    }
}
