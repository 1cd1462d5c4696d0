//! Chime administration and the pre-flight check. The window confirms every change before
//! it calls these; `aws` names the AWS account in Belfry (or the only one is used).

use belfry_app::{AppError, ChimeAccount, ChimeUser, Deleted, Invite, Report, UserFailure};
use tauri::State;

use crate::Shell;

/// The window shows its own "working" state; list pages are not reported one by one.
fn quiet(_: usize, _: usize) {}

#[tauri::command]
pub async fn chime_accounts(
    shell: State<'_, Shell>,
    aws: Option<String>,
    name: String,
) -> Result<Vec<ChimeAccount>, AppError> {
    shell
        .blocking(move |a| a.admin(aws.as_deref())?.accounts(&name, &quiet))
        .await
}

#[tauri::command]
pub async fn chime_create_account(
    shell: State<'_, Shell>,
    aws: Option<String>,
    name: String,
) -> Result<ChimeAccount, AppError> {
    shell
        .blocking(move |a| a.admin(aws.as_deref())?.create_account(&name))
        .await
}

#[tauri::command]
pub async fn chime_update_account(
    shell: State<'_, Shell>,
    aws: Option<String>,
    account_id: String,
    name: Option<String>,
    default_license: Option<String>,
) -> Result<ChimeAccount, AppError> {
    shell
        .blocking(move |a| {
            a.admin(aws.as_deref())?.update_account(
                &account_id,
                name.as_deref(),
                default_license.as_deref(),
            )
        })
        .await
}

#[tauri::command]
pub async fn chime_delete_account(
    shell: State<'_, Shell>,
    aws: Option<String>,
    account_id: String,
    suspend_users: bool,
) -> Result<Deleted, AppError> {
    shell
        .blocking(move |a| {
            a.admin(aws.as_deref())?
                .delete_account(&account_id, suspend_users, &quiet)
        })
        .await
}

#[tauri::command]
pub async fn chime_users(
    shell: State<'_, Shell>,
    aws: Option<String>,
    account_id: String,
) -> Result<Vec<ChimeUser>, AppError> {
    shell
        .blocking(move |a| a.admin(aws.as_deref())?.users(&account_id, None, &quiet))
        .await
}

#[tauri::command]
pub async fn chime_invite(
    shell: State<'_, Shell>,
    aws: Option<String>,
    account_id: String,
    emails: Vec<String>,
) -> Result<Vec<Invite>, AppError> {
    shell
        .blocking(move |a| a.admin(aws.as_deref())?.invite(&account_id, &emails))
        .await
}

#[tauri::command]
pub async fn chime_set_license(
    shell: State<'_, Shell>,
    aws: Option<String>,
    account_id: String,
    user_ids: Vec<String>,
    license: String,
) -> Result<Vec<UserFailure>, AppError> {
    shell
        .blocking(move |a| {
            a.admin(aws.as_deref())?
                .license(&account_id, &user_ids, &license)
        })
        .await
}

#[tauri::command]
pub async fn chime_suspend(
    shell: State<'_, Shell>,
    aws: Option<String>,
    account_id: String,
    user_ids: Vec<String>,
    suspend: bool,
) -> Result<Vec<UserFailure>, AppError> {
    shell
        .blocking(move |a| {
            a.admin(aws.as_deref())?
                .suspension(&account_id, &user_ids, suspend)
        })
        .await
}

#[tauri::command]
pub async fn chime_reset_pin(
    shell: State<'_, Shell>,
    aws: Option<String>,
    account_id: String,
    user_id: String,
) -> Result<ChimeUser, AppError> {
    shell
        .blocking(move |a| a.admin(aws.as_deref())?.reset_pin(&account_id, &user_id))
        .await
}

#[tauri::command]
pub async fn use_personal_pin(
    shell: State<'_, Shell>,
    aws: Option<String>,
    account_id: String,
    user_id: String,
) -> Result<String, AppError> {
    shell
        .blocking(move |a| {
            a.admin(aws.as_deref())?
                .use_personal_pin(&account_id, &user_id)
        })
        .await
}

#[tauri::command]
pub async fn doctor(
    shell: State<'_, Shell>,
    aws: Option<String>,
    email: String,
    calendar_account: String,
    delegate: bool,
) -> Result<Report, AppError> {
    shell
        .blocking(move |a| {
            a.admin(aws.as_deref())?
                .doctor(Some(&email), Some(&calendar_account), delegate, &quiet)
        })
        .await
}
