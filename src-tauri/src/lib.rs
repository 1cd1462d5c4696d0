//! The Tauri shell: set-up, plugins, and one-line commands into `belfry-app`.
//!
//! Invariant: no logic here. Commands delegate to `belfry_app::App`; the host services a
//! window offers (clipboard, save dialog, opener) are implemented in `host.rs`.

mod command_names;
mod commands;
mod host;

use std::process::ExitCode;
use std::sync::Mutex;

use belfry_app::{App, AppError, ErrorCode};
use tauri::{Emitter, Manager};

/// The application, shared by the commands.
#[derive(Debug)]
pub struct Shell(Mutex<App>);

impl Shell {
    /// The app, for one command.
    pub fn app(&self) -> Result<std::sync::MutexGuard<'_, App>, AppError> {
        self.0.lock().map_err(|_| {
            AppError::new(
                ErrorCode::Internal,
                "a previous command failed midway; restart Belfry",
            )
        })
    }
}

/// Starts the window; returns when it closes.
pub fn run() -> ExitCode {
    let app = match App::open() {
        Ok(app) => app,
        Err(e) => {
            eprintln!("belfry: {}", e.message);
            return ExitCode::from(1);
        }
    };
    let result = tauri::Builder::default()
        // First: a second launch hands over to the running window and exits.
        .plugin(tauri_plugin_single_instance::init(|handle, _args, _cwd| {
            if let Some(window) = handle.get_webview_window("main") {
                let _ = window.unminimize();
                let _ = window.show();
                let _ = window.set_focus();
                let _ = window.emit("belfry://second-launch", ());
            }
        }))
        .plugin(tauri_plugin_window_state::Builder::default().build())
        .plugin(tauri_plugin_clipboard_manager::init())
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_opener::init())
        .manage(Shell(Mutex::new(app)))
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
