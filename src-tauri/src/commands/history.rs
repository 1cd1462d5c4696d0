use belfry_app::{AppError, HistoryView, Preview};
use tauri::{AppHandle, Runtime, State};

use crate::Shell;
use crate::host::TauriHost;

#[tauri::command]
pub fn history(shell: State<'_, Shell>, query: String) -> Result<Vec<HistoryView>, AppError> {
    shell.app()?.history_view(&query)
}

#[tauri::command]
pub fn history_preview(shell: State<'_, Shell>, meeting_id: String) -> Result<Preview, AppError> {
    shell.app()?.history_preview(&meeting_id)
}

#[tauri::command]
pub fn copy_history_invitation<R: Runtime>(
    app: AppHandle<R>,
    shell: State<'_, Shell>,
    meeting_id: String,
) -> Result<(), AppError> {
    shell
        .app()?
        .copy_history_invitation(&meeting_id, &TauriHost(app))
}
