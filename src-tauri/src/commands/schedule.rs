use belfry_app::bulk::{BulkProgress, BulkRow};
use belfry_app::{
    AppError, CLIPBOARD_CLEAR_AFTER, Catalog, NewMeetingView, Preview, ScheduleOutcome,
};
use belfry_core::MeetingForm;
use tauri::{AppHandle, Emitter, Runtime, State};

use crate::Shell;
use crate::host::TauriHost;

#[tauri::command]
pub async fn catalog(shell: State<'_, Shell>) -> Result<Catalog, AppError> {
    shell.blocking(move |a| Ok(a.catalog())).await
}

#[tauri::command]
pub async fn load_draft(shell: State<'_, Shell>) -> Result<Option<MeetingForm>, AppError> {
    shell.blocking(move |a| a.draft()).await
}

#[tauri::command]
pub async fn save_draft(shell: State<'_, Shell>, form: MeetingForm) -> Result<(), AppError> {
    shell.blocking(move |a| a.save_draft(&form)).await
}

#[tauri::command]
pub async fn preview(shell: State<'_, Shell>, form: MeetingForm) -> Result<Preview, AppError> {
    shell.blocking(move |a| a.preview(&form)).await
}

#[tauri::command]
pub async fn new_meeting_id(
    shell: State<'_, Shell>,
    moderated: bool,
    provider: String,
) -> Result<NewMeetingView, AppError> {
    shell
        .blocking(move |a| a.new_meeting_view(moderated, &provider))
        .await
}

#[tauri::command]
pub async fn copy_invitation<R: Runtime>(
    app: AppHandle<R>,
    shell: State<'_, Shell>,
    form: MeetingForm,
) -> Result<Preview, AppError> {
    shell
        .blocking(move |a| a.copy_invitation(&form, &TauriHost(app)))
        .await
}

/// Copies the moderator info, and clears it from the clipboard after
/// [`CLIPBOARD_CLEAR_AFTER`] unless the user copied something else meanwhile. Answers how many
/// seconds it stays.
#[tauri::command]
pub async fn copy_moderator_info<R: Runtime>(
    app: AppHandle<R>,
    shell: State<'_, Shell>,
    meeting_id: String,
) -> Result<u32, AppError> {
    let host = TauriHost(app);
    let copier = host.clone();
    let copied = shell
        .blocking(move |a| a.copy_moderator_info(&meeting_id, &copier))
        .await?;
    std::thread::spawn(move || {
        std::thread::sleep(CLIPBOARD_CLEAR_AFTER);
        let _ = copied.clear(&host);
    });
    Ok(u32::try_from(CLIPBOARD_CLEAR_AFTER.as_secs()).unwrap_or(u32::MAX))
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
            let progress = |p: BulkProgress| {
                let _ = app.emit("belfry://bulk-progress", p);
            };
            a.schedule_csv(&csv, "The rows", &account, None, &progress)
        })
        .await
}
