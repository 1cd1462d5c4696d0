use belfry_app::{AppError, Preview, SettingsView};
use belfry_core::MeetingForm;
use tauri::State;

use crate::Shell;

#[tauri::command]
pub fn get_settings(shell: State<'_, Shell>) -> Result<SettingsView, AppError> {
    shell.app()?.settings_view()
}

#[tauri::command]
pub fn save_settings(
    shell: State<'_, Shell>,
    settings: SettingsView,
) -> Result<SettingsView, AppError> {
    shell.app()?.save_settings(&settings)
}

#[tauri::command]
pub fn preview_template(
    shell: State<'_, Shell>,
    form: MeetingForm,
    template: String,
) -> Result<Preview, AppError> {
    shell.app()?.preview_with(&form, Some(&template))
}
