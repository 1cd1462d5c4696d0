use belfry_app::bulk::{BulkProgress, BulkRow, bulk_rows, parse_csv};
use belfry_app::{AppError, Catalog, NewMeetingView, Preview, ScheduleOutcome};
use belfry_core::MeetingForm;
use tauri::{AppHandle, Emitter, Runtime, State};

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
    calendar: String,
) -> Result<ScheduleOutcome, AppError> {
    shell
        .blocking(move |a| a.schedule(&form, &account, Some(calendar.as_str())))
        .await
}

/// Schedules one meeting per CSV row on `account`'s default calendar, telling the window how
/// far it is (`belfry://bulk-progress`) as each row finishes.
#[tauri::command]
pub async fn schedule_bulk<R: Runtime>(
    app: AppHandle<R>,
    shell: State<'_, Shell>,
    csv: String,
    account: String,
) -> Result<Vec<BulkRow>, AppError> {
    shell
        .blocking(move |a| {
            let rows = parse_csv(&csv, "The rows")?;
            let progress = |done: usize, total: usize| {
                let _ = app.emit(
                    "belfry://bulk-progress",
                    BulkProgress {
                        done: u32::try_from(done).unwrap_or(u32::MAX),
                        total: u32::try_from(total).unwrap_or(u32::MAX),
                    },
                );
            };
            let results = a.schedule_many(&rows, &account, None, &progress);
            Ok(bulk_rows(&rows, &results))
        })
        .await
}
