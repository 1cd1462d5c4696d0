//! The window's services for the application layer, in Rust: what is copied or saved never
//! passes through the web view.

use std::path::{Path, PathBuf};

use belfry_app::{Clipboard, Host};
use tauri::{AppHandle, Runtime};
use tauri_plugin_clipboard_manager::ClipboardExt;
use tauri_plugin_dialog::DialogExt;
use tauri_plugin_opener::OpenerExt;

/// The Tauri implementation of [`Host`].
pub struct TauriHost<R: Runtime>(pub AppHandle<R>);

impl<R: Runtime> Clone for TauriHost<R> {
    fn clone(&self) -> Self {
        TauriHost(self.0.clone())
    }
}

impl<R: Runtime> Clipboard for TauriHost<R> {
    fn write_text(&self, text: &str) -> Result<(), String> {
        self.0
            .clipboard()
            .write_text(text.to_owned())
            .map_err(|e| e.to_string())
    }

    fn read_text(&self) -> Result<Option<String>, String> {
        // An empty clipboard, or one holding something other than text, reads as an error.
        Ok(self.0.clipboard().read_text().ok())
    }
}

impl<R: Runtime> Host for TauriHost<R> {
    fn ask_save_path(&self, suggested_name: &str) -> Option<PathBuf> {
        self.0
            .dialog()
            .file()
            .set_title("Save the meeting as an iCalendar file")
            .add_filter("iCalendar", &["ics"])
            .set_file_name(suggested_name)
            .blocking_save_file()
            .and_then(|p| p.into_path().ok())
    }

    fn ask_profile_path(&self) -> Option<PathBuf> {
        self.0
            .dialog()
            .file()
            .set_title("Import a meeting provider profile")
            .add_filter("Provider profile", &["toml"])
            .blocking_pick_file()
            .and_then(|p| p.into_path().ok())
    }

    fn open_path(&self, path: &Path) -> Result<(), String> {
        self.0
            .opener()
            .open_path(path.to_string_lossy(), None::<&str>)
            .map_err(|e| e.to_string())
    }

    fn open_url(&self, url: &str) -> Result<(), String> {
        self.0
            .opener()
            .open_url(url, None::<&str>)
            .map_err(|e| e.to_string())
    }
}
