use belfry_app::{AppError, Preview, ProviderTemplate, ProviderView, SettingsView};
use belfry_core::MeetingForm;
use tauri::{AppHandle, Runtime, State};

use crate::Shell;

#[tauri::command]
pub async fn get_settings(shell: State<'_, Shell>) -> Result<SettingsView, AppError> {
    shell.blocking(move |a| a.settings_view()).await
}

#[tauri::command]
pub async fn save_settings(
    shell: State<'_, Shell>,
    settings: SettingsView,
) -> Result<SettingsView, AppError> {
    shell.blocking(move |a| a.save_settings(&settings)).await
}

#[tauri::command]
pub async fn preview_template(
    shell: State<'_, Shell>,
    form: MeetingForm,
    template: String,
) -> Result<Preview, AppError> {
    shell
        .blocking(move |a| a.preview_with(&form, Some(&template)))
        .await
}

/// Imports a provider profile file the user picks; `None` when they cancel.
#[tauri::command]
pub async fn import_provider<R: Runtime>(
    app: AppHandle<R>,
    shell: State<'_, Shell>,
) -> Result<Option<ProviderView>, AppError> {
    shell
        .blocking(move |a| a.import_provider(&crate::host::TauriHost(app)))
        .await
}

/// A provider's invitation template and its profile's own, for the Settings editor.
#[tauri::command]
pub async fn provider_template(
    shell: State<'_, Shell>,
    provider: String,
) -> Result<ProviderTemplate, AppError> {
    shell
        .blocking(move |a| a.provider_template_view(&provider))
        .await
}

/// Saves a provider's invitation template (checked first).
#[tauri::command]
pub async fn save_provider_template(
    shell: State<'_, Shell>,
    provider: String,
    template: String,
) -> Result<ProviderTemplate, AppError> {
    shell
        .blocking(move |a| a.save_provider_template(&provider, &template))
        .await
}
