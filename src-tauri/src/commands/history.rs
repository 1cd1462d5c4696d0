use belfry_app::{AppError, DeliveryView, HistoryView, MailView, Preview, ScheduleOutcome};
use belfry_core::MeetingForm;
use tauri::{AppHandle, Runtime, State};

use crate::Shell;
use crate::host::TauriHost;

#[tauri::command]
pub async fn history(shell: State<'_, Shell>, query: String) -> Result<Vec<HistoryView>, AppError> {
    shell.blocking(move |a| a.history_view(&query)).await
}

#[tauri::command]
pub async fn history_preview(shell: State<'_, Shell>, uid: String) -> Result<Preview, AppError> {
    shell.blocking(move |a| a.history_preview(&uid)).await
}

#[tauri::command]
pub async fn copy_history_invitation<R: Runtime>(
    app: AppHandle<R>,
    shell: State<'_, Shell>,
    uid: String,
) -> Result<(), AppError> {
    shell
        .blocking(move |a| a.copy_history_invitation(&uid, &TauriHost(app)))
        .await
}

#[tauri::command]
pub async fn email_invitations(
    shell: State<'_, Shell>,
    uid: String,
) -> Result<Vec<MailView>, AppError> {
    shell.blocking(move |a| a.email_invitations(&uid)).await
}

#[tauri::command]
pub async fn history_form(shell: State<'_, Shell>, uid: String) -> Result<MeetingForm, AppError> {
    shell.blocking(move |a| a.history_form(&uid)).await
}

/// Sends a changed meeting (same event, SEQUENCE up) to every calendar that holds it.
#[tauri::command]
pub async fn reschedule_meeting(
    shell: State<'_, Shell>,
    uid: String,
    form: MeetingForm,
) -> Result<ScheduleOutcome, AppError> {
    shell
        .blocking(move |a| a.reschedule_history_meeting(&uid, &form))
        .await
}

/// Cancels a meeting on every calendar that holds it; every attendee gets the cancellation.
#[tauri::command]
pub async fn cancel_meeting(
    shell: State<'_, Shell>,
    uid: String,
) -> Result<ScheduleOutcome, AppError> {
    shell
        .blocking(move |a| a.cancel_history_meeting(&uid))
        .await
}

/// What is still to reach a calendar (pending, failed, newer on the calendar).
#[tauri::command]
pub async fn outbox(shell: State<'_, Shell>) -> Result<Vec<DeliveryView>, AppError> {
    shell.blocking(move |a| a.outbox()).await
}

/// Sends a meeting's pending or failed deliveries again now.
#[tauri::command]
pub async fn retry_deliveries(
    shell: State<'_, Shell>,
    uid: String,
) -> Result<Vec<DeliveryView>, AppError> {
    shell.blocking(move |a| a.retry_deliveries(&uid)).await
}
