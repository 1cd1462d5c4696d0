//! Moving future meetings off Amazon Chime: scan, plan (each event's new text), apply.

use belfry_app::{AppError, ChimeScan, MovePlan, MoveReport};
use tauri::{AppHandle, Runtime, State};

use crate::Shell;
use crate::host::TauriHost;

/// Every event of the next twelve months on every calendar account that carries Chime details.
#[tauri::command]
pub async fn migrate_scan(shell: State<'_, Shell>) -> Result<ChimeScan, AppError> {
    shell
        .blocking(move |a| a.migrate_scan(None, None, None))
        .await
}

/// What the chosen events of the last scan become on `target` (empty: the Chime details
/// only removed). The webview names events by id; the scan stays in Rust.
#[tauri::command]
pub async fn migrate_plan(
    shell: State<'_, Shell>,
    target: String,
    only: Vec<String>,
) -> Result<MovePlan, AppError> {
    shell
        .blocking(move |a| a.migrate_plan(&target, Some(&only)))
        .await
}

/// Moves the events `only` of the plan last shown; every attendee gets the update.
#[tauri::command]
pub async fn migrate_apply(
    shell: State<'_, Shell>,
    only: Vec<String>,
) -> Result<MoveReport, AppError> {
    shell.blocking(move |a| a.migrate_apply(Some(&only))).await
}

/// Copies the message asking another organizer to move their meeting off Chime.
#[tauri::command]
pub async fn copy_ask<R: Runtime>(
    app: AppHandle<R>,
    shell: State<'_, Shell>,
    title: String,
) -> Result<(), AppError> {
    shell
        .blocking(move |a| a.copy_ask(&title, &TauriHost(app)))
        .await
}
