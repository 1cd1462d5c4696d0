//! The Tauri shell: set-up, plugins, and one-line commands into `belfry-app`.
//!
//! Invariant: no logic here. Commands delegate to `belfry_app::App`; the host services a
//! window offers (clipboard, save dialog, opener) are implemented in `host.rs`; the tray,
//! notifications, links and closing to the tray are wired in `desktop.rs`.

// Unit tests may read the clock, the environment and files; the code under test may not.
#![cfg_attr(test, allow(clippy::disallowed_methods))]

mod commands;
mod desktop;
mod host;

use std::process::ExitCode;
use std::sync::Arc;

use belfry_app::{App, AppError, ErrorCode};
use tauri::Emitter;

/// The application, shared by the commands (it synchronises itself).
#[derive(Debug, Clone)]
pub struct Shell(Arc<App>);

impl Shell {
    /// The app, for one command.
    pub fn app(&self) -> Result<&App, AppError> {
        Ok(&self.0)
    }

    /// Runs `f` on a blocking thread: network calls, dialogs and sign-ins never hold up the
    /// window or the async runtime.
    pub async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&App) -> Result<T, AppError> + Send + 'static,
    ) -> Result<T, AppError> {
        let app = self.0.clone();
        tauri::async_runtime::spawn_blocking(move || f(&app))
            .await
            .map_err(|e| {
                AppError::new(
                    ErrorCode::Internal,
                    format!("a background task failed: {e}"),
                )
            })?
    }
}

/// How often the window runs Check before class for the coming meetings.
const CHECK_PERIOD: std::time::Duration = std::time::Duration::from_secs(12 * 60 * 60);

/// How often the window finishes what the outbox holds.
const OUTBOX_PERIOD: std::time::Duration = std::time::Duration::from_secs(60);

/// Starts the window; returns when it closes.
pub fn run() -> ExitCode {
    let app = match App::open() {
        Ok(app) => Arc::new(app),
        Err(e) => {
            eprintln!("belfry: {}", e.message);
            return ExitCode::from(1);
        }
    };
    if let Err(e) = App::start_log() {
        eprintln!("belfry: {}", e.message);
    }
    let on_close = app.clone();
    let result = tauri::Builder::default()
        // First: a second launch hands over to the running window and exits (a `belfry://`
        // link it was given goes to the deep-link plugin, below).
        .plugin(tauri_plugin_single_instance::init(|handle, _args, _cwd| {
            desktop::show_window(handle);
            let _ = handle.emit("belfry://second-launch", ());
        }))
        .plugin(tauri_plugin_deep_link::init())
        .plugin(tauri_plugin_window_state::Builder::default().build())
        .plugin(tauri_plugin_clipboard_manager::init())
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_autostart::init(
            tauri_plugin_autostart::MacosLauncher::LaunchAgent,
            None,
        ))
        .manage(Shell(app.clone()))
        .setup(move |handle| {
            let handle = handle.handle().clone();
            desktop::follow_links(&handle, app.clone());
            desktop::build_tray(&handle, app.clone())?;
            desktop::keep_next_meeting_current(&handle, app.clone())?;
            // Check before class for the coming meetings: at start, then twice a day.
            let notifier = handle.clone();
            belfry_app::check_before_class_worker(app.clone(), CHECK_PERIOD, move |notice| {
                desktop::notify(&notifier, notice);
            })?;
            // The outbox is finished in the background: at start, then every minute.
            let told = app.clone();
            belfry_app::outbox_worker(app, OUTBOX_PERIOD, move |done| {
                desktop::outbox_finished(&handle, &told, done);
            })?;
            Ok(())
        })
        .on_window_event(move |window, event| desktop::on_window_event(window, event, &on_close))
        .invoke_handler(commands::handler())
        .run(tauri::generate_context!("../tauri.conf.json"));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("belfry: the window could not start: {e}");
            ExitCode::from(1)
        }
    }
}

#[cfg(test)]
mod tests;
