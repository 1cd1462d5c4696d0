use belfry_app::{AppError, ErrorCode, OpenedLink, WindowPrefs};
use belfry_core::MeetingForm;
use tauri::{AppHandle, Runtime, State};
use tauri_plugin_autostart::ManagerExt;

use crate::Shell;

/// A new meeting's form (the default provider, the next half hour).
#[tauri::command]
pub async fn new_form(shell: State<'_, Shell>) -> Result<MeetingForm, AppError> {
    shell.blocking(move |a| a.new_form("")).await
}

/// The `belfry://` link opened last, once.
#[tauri::command]
pub async fn take_link(shell: State<'_, Shell>) -> Result<Option<OpenedLink>, AppError> {
    shell.blocking(move |a| Ok(a.take_link())).await
}

#[tauri::command]
pub async fn window_prefs(shell: State<'_, Shell>) -> Result<WindowPrefs, AppError> {
    shell.blocking(move |a| a.window_prefs()).await
}

#[tauri::command]
pub async fn remember_page(shell: State<'_, Shell>, page: String) -> Result<(), AppError> {
    shell.blocking(move |a| a.remember_page(&page)).await
}

#[tauri::command]
pub async fn set_keep_in_tray(
    shell: State<'_, Shell>,
    keep: bool,
) -> Result<WindowPrefs, AppError> {
    shell.blocking(move |a| a.set_keep_in_tray(keep)).await
}

/// Whether Belfry starts when the user logs in (the desktop's autostart entry).
#[tauri::command]
pub async fn launch_at_login<R: Runtime>(
    app: AppHandle<R>,
    shell: State<'_, Shell>,
) -> Result<bool, AppError> {
    shell
        .blocking(move |_| app.autolaunch().is_enabled().map_err(autostart_error))
        .await
}

/// Turns starting at login on or off; answers how it stands now.
#[tauri::command]
pub async fn set_launch_at_login<R: Runtime>(
    app: AppHandle<R>,
    shell: State<'_, Shell>,
    on: bool,
) -> Result<bool, AppError> {
    shell
        .blocking(move |_| {
            let launcher = app.autolaunch();
            if on {
                launcher.enable()
            } else {
                launcher.disable()
            }
            .and_then(|()| launcher.is_enabled())
            .map_err(autostart_error)
        })
        .await
}

fn autostart_error(e: tauri_plugin_autostart::Error) -> AppError {
    AppError::new(
        ErrorCode::Internal,
        format!("the desktop's autostart entry could not be changed: {e}"),
    )
}
