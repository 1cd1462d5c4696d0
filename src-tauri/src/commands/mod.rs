//! The commands the web UI may call, grouped by feature. Each is one line into `belfry-app`.

mod accounts;
mod chime;
mod history;
mod migrate;
mod schedule;
mod settings;

use tauri::Runtime;
use tauri::ipc::Invoke;

/// Every command, registered with Tauri.
pub fn handler<R: Runtime>() -> impl Fn(Invoke<R>) -> bool + Send + Sync + 'static {
    tauri::generate_handler![
        schedule::catalog,
        schedule::load_draft,
        schedule::save_draft,
        schedule::preview,
        schedule::new_meeting_id,
        schedule::copy_invitation,
        schedule::copy_moderator_info,
        schedule::save_ics,
        schedule::open_in_calendar,
        schedule::add_to_calendar,
        schedule::schedule_bulk,
        history::history,
        history::history_preview,
        history::copy_history_invitation,
        history::email_invitations,
        history::history_form,
        history::reschedule_meeting,
        history::cancel_meeting,
        history::outbox,
        history::retry_deliveries,
        migrate::migrate_scan,
        migrate::migrate_plan,
        migrate::migrate_apply,
        migrate::copy_ask,
        settings::get_settings,
        settings::save_settings,
        settings::preview_template,
        settings::import_provider,
        settings::provider_template,
        settings::save_provider_template,
        accounts::accounts,
        accounts::account_calendars,
        accounts::add_caldav_account,
        accounts::add_smtp_account,
        accounts::add_oauth_account,
        accounts::add_aws_account,
        accounts::rename_account,
        accounts::remove_account,
        accounts::set_default_calendar,
        chime::chime_accounts,
        chime::chime_create_account,
        chime::chime_update_account,
        chime::chime_delete_account,
        chime::chime_users,
        chime::chime_invite,
        chime::chime_set_license,
        chime::chime_suspend,
        chime::chime_reset_pin,
        chime::use_personal_pin,
        chime::doctor,
    ]
}
