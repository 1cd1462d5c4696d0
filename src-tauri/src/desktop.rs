//! Belfry on the desktop outside its page: the tray, desktop notifications, `belfry://`
//! links and closing to the tray. The words and the decisions are `belfry-app`'s
//! (`desktop.rs`, `links.rs`); this wires them to Tauri.

use std::sync::Arc;

use belfry_app::{App, DeliveryView, NO_NEXT_MEETING, Notice, delivery_notice};
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Emitter, Manager, Runtime, WindowEvent};
use tauri_plugin_deep_link::DeepLinkExt;
use tauri_plugin_notification::NotificationExt;

use crate::host::TauriHost;

/// The tray menu's items, by id.
const NEW_MEETING: &str = "new-meeting";
const COPY_FRESH: &str = "copy-fresh-invitation";
const NEXT_MEETING: &str = "next-meeting";
const QUIT: &str = "quit";

/// The tray's "next meeting" line, kept to change its text.
pub struct NextMeetingItem<R: Runtime>(MenuItem<R>);

/// Shows and focuses the main window.
pub fn show_window<R: Runtime>(handle: &AppHandle<R>) {
    if let Some(window) = handle.get_webview_window("main") {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}

/// Tells the user something in a desktop notification (nothing happens where there is no
/// notification service).
pub fn notify<R: Runtime>(handle: &AppHandle<R>, notice: &Notice) {
    if let Err(e) = handle
        .notification()
        .builder()
        .title(&notice.title)
        .body(&notice.body)
        .show()
    {
        tracing::warn!(error = %e, "a desktop notification could not be shown");
    }
}

/// What the outbox finished on its own: a notification for each delivery that landed or
/// failed, the page and the tray told.
pub fn outbox_finished<R: Runtime>(handle: &AppHandle<R>, app: &App, done: &[DeliveryView]) {
    for notice in done.iter().filter_map(delivery_notice) {
        notify(handle, &notice);
    }
    let _ = handle.emit("belfry://outbox", done.len());
    refresh_next_meeting(handle, app);
}

/// The tray icon with its menu: New meeting, Copy a fresh invitation, the next meeting, Quit.
pub fn build_tray<R: Runtime>(handle: &AppHandle<R>, app: Arc<App>) -> tauri::Result<()> {
    let new = MenuItem::with_id(handle, NEW_MEETING, "New meeting", true, None::<&str>)?;
    let copy = MenuItem::with_id(
        handle,
        COPY_FRESH,
        "Copy a fresh invitation",
        true,
        None::<&str>,
    )?;
    let next = MenuItem::with_id(handle, NEXT_MEETING, NO_NEXT_MEETING, false, None::<&str>)?;
    let quit = MenuItem::with_id(handle, QUIT, "Quit Belfry", true, None::<&str>)?;
    let menu = Menu::with_items(
        handle,
        &[
            &new,
            &copy,
            &PredefinedMenuItem::separator(handle)?,
            &next,
            &PredefinedMenuItem::separator(handle)?,
            &quit,
        ],
    )?;
    handle.manage(NextMeetingItem(next));
    let mut tray = TrayIconBuilder::with_id("belfry")
        .tooltip("Belfry")
        .menu(&menu)
        .on_menu_event(move |handle, event| match event.id().as_ref() {
            NEW_MEETING => {
                show_window(handle);
                let _ = handle.emit("belfry://new-meeting", ());
            }
            COPY_FRESH => copy_fresh_invitation(handle, app.clone()),
            QUIT => handle.exit(0),
            _ => {}
        });
    if let Some(icon) = handle.default_window_icon() {
        tray = tray.icon(icon.clone());
    }
    tray.build(handle)?;
    Ok(())
}

/// Copies a fresh invitation off the main thread, and says so in a notification.
fn copy_fresh_invitation<R: Runtime>(handle: &AppHandle<R>, app: Arc<App>) {
    let handle = handle.clone();
    tauri::async_runtime::spawn_blocking(move || {
        let notice = app.copy_fresh_invitation(&TauriHost(handle.clone()));
        notify(&handle, &notice);
        let _ = handle.emit("belfry://history", ());
    });
}

/// How often the tray's "next meeting" line is brought up to date (meetings start, and the
/// window schedules new ones).
const NEXT_MEETING_PERIOD: std::time::Duration = std::time::Duration::from_secs(60);

/// Keeps the tray's "next meeting" line current: now, then every minute.
pub fn keep_next_meeting_current<R: Runtime>(
    handle: &AppHandle<R>,
    app: Arc<App>,
) -> std::io::Result<()> {
    let handle = handle.clone();
    std::thread::Builder::new()
        .name("belfry-tray".into())
        .spawn(move || {
            loop {
                refresh_next_meeting(&handle, &app);
                std::thread::sleep(NEXT_MEETING_PERIOD);
            }
        })?;
    Ok(())
}

/// Puts the next scheduled meeting on the tray's menu.
pub fn refresh_next_meeting<R: Runtime>(handle: &AppHandle<R>, app: &App) {
    let Some(item) = handle.try_state::<NextMeetingItem<R>>() else {
        return;
    };
    let text = match app.next_meeting_line() {
        Ok(text) => text,
        Err(e) => {
            tracing::warn!(error = %e.message, "the next meeting could not be read");
            return;
        }
    };
    let _ = item.0.set_text(text);
}

/// Follows `belfry://` links: the one Belfry was started with, and each one a later launch
/// hands over (the single-instance plugin passes it on).
pub fn follow_links<R: Runtime>(handle: &AppHandle<R>, app: Arc<App>) {
    if let Ok(Some(urls)) = handle.deep_link().get_current() {
        for url in urls {
            app.open_link(url.as_str());
        }
    }
    let later = handle.clone();
    handle.deep_link().on_open_url(move |event| {
        for url in event.urls() {
            app.open_link(url.as_str());
        }
        show_window(&later);
        let _ = later.emit("belfry://link", ());
    });
}

/// Closing the window keeps Belfry in the tray when the user chose that in Settings.
pub fn on_window_event<R: Runtime>(window: &tauri::Window<R>, event: &WindowEvent, app: &App) {
    if let WindowEvent::CloseRequested { api, .. } = event
        && app.window_prefs().is_ok_and(|p| p.keep_in_tray)
    {
        api.prevent_close();
        let _ = window.hide();
    }
}
