use belfry_app::{AppError, Catalog, NewMeetingView, Preview, ScheduleOutcome};
use belfry_core::MeetingForm;
use tauri::{AppHandle, Runtime, State};

use crate::Shell;
use crate::host::TauriHost;

#[tauri::command]
pub fn catalog(shell: State<'_, Shell>) -> Result<Catalog, AppError> {
    Ok(shell.app()?.catalog())
}

#[tauri::command]
pub fn load_draft(shell: State<'_, Shell>) -> Result<Option<MeetingForm>, AppError> {
    shell.app()?.draft()
}

#[tauri::command]
pub fn save_draft(shell: State<'_, Shell>, form: MeetingForm) -> Result<(), AppError> {
    shell.app()?.save_draft(&form)
}

#[tauri::command]
pub fn preview(shell: State<'_, Shell>, form: MeetingForm) -> Result<Preview, AppError> {
    shell.app()?.preview(&form)
}

#[tauri::command]
pub fn new_meeting_id(
    shell: State<'_, Shell>,
    moderated: bool,
) -> Result<NewMeetingView, AppError> {
    shell.app()?.new_meeting_view(moderated)
}

#[tauri::command]
pub fn copy_invitation<R: Runtime>(
    app: AppHandle<R>,
    shell: State<'_, Shell>,
    form: MeetingForm,
) -> Result<Preview, AppError> {
    shell.app()?.copy_invitation(&form, &TauriHost(app))
}

#[tauri::command]
pub fn copy_moderator_info<R: Runtime>(
    app: AppHandle<R>,
    shell: State<'_, Shell>,
    meeting_id: String,
) -> Result<(), AppError> {
    shell
        .app()?
        .copy_moderator_info(&meeting_id, &TauriHost(app))
}

#[tauri::command]
pub async fn save_ics<R: Runtime>(
    app: AppHandle<R>,
    shell: State<'_, Shell>,
    form: MeetingForm,
) -> Result<Option<String>, AppError> {
    shell
        .blocking(move |a| a.save_ics(&form, &TauriHost(app)))
        .await
}

#[tauri::command]
pub async fn open_in_calendar<R: Runtime>(
    app: AppHandle<R>,
    shell: State<'_, Shell>,
    form: MeetingForm,
) -> Result<String, AppError> {
    shell
        .blocking(move |a| a.open_in_calendar(&form, &TauriHost(app)))
        .await
}

#[tauri::command]
pub async fn add_to_calendar(
    shell: State<'_, Shell>,
    form: MeetingForm,
    account: String,
) -> Result<ScheduleOutcome, AppError> {
    shell
        .blocking(move |a| a.schedule(&form, &account, None))
        .await
}
