use belfry_app::{
    AccountAdded, AccountKind, AccountView, AppError, CalendarView, Removed, SmtpForm,
};
use belfry_secrets::Sensitive;
use tauri::{AppHandle, Runtime, State};

use crate::Shell;
use crate::host::TauriHost;

#[tauri::command]
pub async fn accounts(shell: State<'_, Shell>) -> Result<Vec<AccountView>, AppError> {
    shell.blocking(move |a| a.accounts()).await
}

#[tauri::command]
pub async fn account_calendars(
    shell: State<'_, Shell>,
    name: String,
) -> Result<Vec<CalendarView>, AppError> {
    shell.blocking(move |a| a.account_calendars(&name)).await
}

#[tauri::command]
pub async fn add_caldav_account(
    shell: State<'_, Shell>,
    name: String,
    server: String,
    username: String,
    password: Sensitive<String>,
    allow_insecure_http: bool,
) -> Result<AccountAdded, AppError> {
    shell
        .blocking(move |a| {
            a.add_caldav_account_view(&name, &server, &username, password, allow_insecure_http)
        })
        .await
}

#[tauri::command]
pub async fn add_smtp_account(
    shell: State<'_, Shell>,
    name: String,
    form: SmtpForm,
    password: Sensitive<String>,
) -> Result<AccountAdded, AppError> {
    shell
        .blocking(move |a| {
            Ok(AccountAdded {
                account: a.add_smtp_account(&name, &form, password)?,
                calendars: Vec::new(),
            })
        })
        .await
}

#[tauri::command]
pub async fn add_oauth_account<R: Runtime>(
    app: AppHandle<R>,
    shell: State<'_, Shell>,
    kind: AccountKind,
    name: String,
) -> Result<AccountAdded, AppError> {
    shell
        .blocking(move |a| a.add_oauth_account_view(kind, &name, &TauriHost(app)))
        .await
}

#[tauri::command]
pub async fn rename_account(
    shell: State<'_, Shell>,
    name: String,
    new_name: String,
) -> Result<AccountView, AppError> {
    shell
        .blocking(move |a| a.rename_account(&name, &new_name))
        .await
}

#[tauri::command]
pub async fn remove_account(shell: State<'_, Shell>, name: String) -> Result<Removed, AppError> {
    shell.blocking(move |a| a.remove_account(&name)).await
}

#[tauri::command]
pub async fn set_default_calendar(
    shell: State<'_, Shell>,
    name: String,
    calendar: String,
) -> Result<AccountView, AppError> {
    shell
        .blocking(move |a| a.set_default_calendar(&name, &calendar))
        .await
}

#[tauri::command]
pub async fn add_aws_account(
    shell: State<'_, Shell>,
    name: String,
    profile: String,
    access_key_id: String,
    secret: Sensitive<String>,
) -> Result<AccountAdded, AppError> {
    shell
        .blocking(move |a| a.add_aws_account_view(&name, &profile, &access_key_id, secret))
        .await
}
