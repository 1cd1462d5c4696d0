//! The app's own commands, for the ACL (build.rs) and the handler list (lib.rs).

// Read by build.rs and the tests; the handler list in commands/mod.rs must match it.
#[cfg_attr(not(test), allow(dead_code))]
pub const ALL: &[&str] = &[
    "catalog",
    "load_draft",
    "save_draft",
    "preview",
    "preview_template",
    "new_meeting_id",
    "copy_invitation",
    "copy_moderator_info",
    "save_ics",
    "open_in_calendar",
    "add_to_calendar",
    "schedule_bulk",
    "history",
    "history_preview",
    "copy_history_invitation",
    "get_settings",
    "save_settings",
    "accounts",
    "account_calendars",
    "add_caldav_account",
    "add_oauth_account",
    "add_aws_account",
    "rename_account",
    "remove_account",
    "set_default_calendar",
];
