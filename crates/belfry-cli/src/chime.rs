//! `belfry chime ...` and `belfry doctor`: Chime administration from the command line. Changes
//! are confirmed (a prompt on a terminal, or `--yes`); lists show progress on a terminal.

use std::io::{IsTerminal, Write};

use belfry_app::{
    AccountFilter, Admin, AdminAction, App, AppError, ErrorCode, Report, Severity, parse_license,
};

use crate::args::{ChimeAccountsCommand, ChimeCommand, ChimeUsersCommand};
use crate::output::Out;

/// Progress on standard error, on a terminal only: `listing… page 3, 250 so far`.
fn progress(pages: usize, items: usize) {
    let mut err = std::io::stderr();
    if err.is_terminal() {
        let _ = write!(err, "\r\x1b[2Klisting… page {pages}, {items} so far");
        let _ = err.flush();
    }
}

/// Runs a listing call with progress on the terminal, clearing the line afterwards.
fn listing<T>(
    call: impl FnOnce(&(dyn Fn(usize, usize) + Sync)) -> Result<T, AppError>,
) -> Result<T, AppError> {
    let result = call(&progress);
    let mut err = std::io::stderr();
    if err.is_terminal() {
        let _ = write!(err, "\r\x1b[2K");
    }
    result
}

/// Asks before changing Chime, unless `--yes`. Without a terminal there is no asking.
pub(crate) fn confirm(what: &str, yes: bool) -> Result<(), AppError> {
    if yes {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        return Err(AppError::new(
            ErrorCode::Invalid,
            format!("--yes: this would {what}; add --yes to confirm"),
        ));
    }
    eprint!("{what}? [y/N] ");
    let mut answer = String::new();
    let _ = std::io::stdin().read_line(&mut answer);
    if matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes") {
        Ok(())
    } else {
        Err(AppError::new(
            ErrorCode::Invalid,
            "--yes: not confirmed; nothing was changed",
        ))
    }
}

fn failures(
    out: &mut Out,
    failed: &[belfry_app::UserFailure],
    done: usize,
) -> Result<(), AppError> {
    for f in failed {
        out.line(&format!(
            "not changed: {} ({}: {})",
            f.user_id, f.code, f.message
        ))?;
    }
    out.line(&format!("{} of {done} changed", done - failed.len()))?;
    if failed.is_empty() {
        Ok(())
    } else {
        Err(AppError::new(
            ErrorCode::Remote,
            format!("{} users were not changed", failed.len()),
        ))
    }
}

pub fn run(
    app: &App,
    out: &mut Out,
    aws: Option<&str>,
    command: ChimeCommand,
) -> Result<(), AppError> {
    let admin = app.admin(aws)?;
    match command {
        ChimeCommand::Accounts { command } => accounts(&admin, out, command),
        ChimeCommand::Users { command } => users(&admin, out, command),
    }
}

fn accounts(
    admin: &Admin<'_>,
    out: &mut Out,
    command: ChimeAccountsCommand,
) -> Result<(), AppError> {
    match command {
        ChimeAccountsCommand::List {
            name,
            user_email,
            json,
        } => {
            let filter = AccountFilter { name, user_email };
            let list = listing(|progress| admin.accounts_filtered(&filter, progress))?;
            if json {
                return out.json(&list);
            }
            if list.is_empty() {
                return out.line("no Chime accounts");
            }
            for a in &list {
                out.line(&format!(
                    "{}  {}  {}  default license {}  {}",
                    a.id,
                    a.name,
                    a.account_type,
                    a.default_license.map_or("-", |l| l.as_str()),
                    a.status
                ))?;
            }
            Ok(())
        }
        ChimeAccountsCommand::Create { name, yes, json } => {
            confirm(&format!("create the Team account {name:?}"), yes)?;
            let a = admin.create_account(&name)?;
            if json {
                return out.json(&a);
            }
            out.line(&format!("created {} ({})", a.name, a.id))
        }
        ChimeAccountsCommand::Rename {
            account_id,
            new_name,
            yes,
        } => {
            confirm(&format!("rename account {account_id} to {new_name:?}"), yes)?;
            let a = admin.update_account(&account_id, Some(&new_name), None)?;
            out.line(&format!("renamed {} to {}", a.id, a.name))
        }
        ChimeAccountsCommand::DefaultLicense {
            account_id,
            license,
            yes,
        } => {
            let chosen = parse_license(&license)?.as_str();
            confirm(
                &format!("give new users of account {account_id} a {chosen} license"),
                yes,
            )?;
            let a = admin.update_account(&account_id, None, Some(&license))?;
            out.line(&format!(
                "{} now gives new users {}",
                a.name,
                a.default_license.map_or("-", |l| l.as_str())
            ))
        }
        ChimeAccountsCommand::Delete {
            account_id,
            suspend_users,
            yes,
        } => {
            let what = if suspend_users {
                format!(
                    "suspend every user of account {account_id} and delete it (it lingers 90 days)"
                )
            } else {
                format!("delete account {account_id} (it lingers 90 days)")
            };
            confirm(&what, yes)?;
            let done =
                listing(|progress| admin.delete_account(&account_id, suspend_users, progress))?;
            out.line(&format!(
                "deleted {} ({} users suspended first). {}",
                done.account_id, done.suspended, done.note
            ))
        }
    }
}

fn users(admin: &Admin<'_>, out: &mut Out, command: ChimeUsersCommand) -> Result<(), AppError> {
    match command {
        ChimeUsersCommand::List {
            account,
            email,
            json,
        } => {
            let list = listing(|progress| admin.users(&account, email.as_deref(), progress))?;
            if json {
                return out.json(&list);
            }
            if list.is_empty() {
                return out.line("no users");
            }
            for u in &list {
                out.line(&format!(
                    "{}  {}  {}  {}  invitation {}",
                    u.id,
                    u.email,
                    u.license.map_or("-", |l| l.as_str()),
                    u.registration,
                    u.invitation.map_or("-", |i| i.as_str())
                ))?;
            }
            Ok(())
        }
        ChimeUsersCommand::Invite {
            account,
            emails,
            yes,
            json,
        } => {
            confirm(
                &format!("invite {} addresses to account {account}", emails.len()),
                yes,
            )?;
            let invites = admin.invite(&account, &emails)?;
            if json {
                return out.json(&invites);
            }
            for i in &invites {
                out.line(&format!(
                    "{}  {}  email {}",
                    i.email, i.status, i.email_status
                ))?;
            }
            Ok(())
        }
        ChimeUsersCommand::License {
            account,
            license,
            users,
            yes,
        } => {
            let license_name = parse_license(&license)?.as_str();
            confirm(
                &format!(
                    "give {} users of account {account} a {license_name} license",
                    users.len()
                ),
                yes,
            )?;
            let ids = listing(|progress| admin.user_ids(&account, &users, progress))?;
            let failed = admin.license(&account, &ids, &license)?;
            failures(out, &failed, ids.len())
        }
        ChimeUsersCommand::Suspend {
            account,
            users,
            yes,
        } => {
            confirm(
                &format!("suspend {} users of account {account}", users.len()),
                yes,
            )?;
            let ids = listing(|progress| admin.user_ids(&account, &users, progress))?;
            let failed = admin.suspension(&account, &ids, true)?;
            failures(out, &failed, ids.len())
        }
        ChimeUsersCommand::Unsuspend {
            account,
            users,
            yes,
        } => {
            confirm(
                &format!(
                    "lift the suspension of {} users of account {account}",
                    users.len()
                ),
                yes,
            )?;
            let ids = listing(|progress| admin.user_ids(&account, &users, progress))?;
            let failed = admin.suspension(&account, &ids, false)?;
            failures(out, &failed, ids.len())
        }
        ChimeUsersCommand::ResetPin {
            account,
            user,
            yes,
            json,
        } => {
            confirm(
                &format!("give {user} a new personal meeting ID (the old one stops working)"),
                yes,
            )?;
            let id = listing(|progress| {
                admin.user_ids(&account, std::slice::from_ref(&user), progress)
            })?
            .remove(0);
            let u = admin.reset_pin(&account, &id)?;
            if json {
                return out.json(&u);
            }
            out.line(&format!(
                "{}: new personal meeting ID {}",
                u.email,
                u.personal_pin.as_deref().unwrap_or("(not shown)")
            ))
        }
        ChimeUsersCommand::UsePin { account, user } => {
            let id = listing(|progress| {
                admin.user_ids(&account, std::slice::from_ref(&user), progress)
            })?
            .remove(0);
            let pin = admin.use_personal_pin(&account, &id)?;
            out.line(&format!("personal-id is now {pin}"))
        }
    }
}

/// `belfry doctor`: prints the report; `Ok(false)` when scheduling would fail.
pub fn doctor(
    app: &App,
    out: &mut Out,
    aws: Option<&str>,
    email: Option<&str>,
    calendar_account: Option<&str>,
    delegate: bool,
    json: bool,
) -> Result<bool, AppError> {
    let report = listing(|progress| {
        app.admin(aws)?
            .doctor(email, calendar_account, delegate, progress)
    })?;
    if json {
        out.json(&report)?;
    } else {
        print_report(out, &report)?;
    }
    Ok(report.ok)
}

fn print_report(out: &mut Out, r: &Report) -> Result<(), AppError> {
    out.line(&format!("Checking {}", r.email))?;
    for f in &r.findings {
        let mark = match f.severity {
            Severity::Error => "✗",
            Severity::Warning => "!",
            Severity::Ok => "✓",
        };
        out.line(&format!("{mark} {}", f.message))?;
        if !f.fix.is_empty() {
            out.line(&format!("    fix: {}", f.fix))?;
        }
        // The CLI's own words for what the shared text leaves to each front end.
        if let Some(action) = &f.action {
            out.line(&format!("    run: {}", admin_command(action)))?;
        }
        if f.code == "still-on-chime" {
            out.line("    run: belfry migrate scan, then belfry migrate apply --to PROFILE")?;
        }
    }
    let errors = r
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    let warnings = r
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Warning)
        .count();
    if r.ok {
        out.line(&format!("Scheduling should work ({warnings} warnings)."))
    } else {
        out.line(&format!("Scheduling will fail: {errors} problems to fix."))
    }
}

/// The `belfry chime` command that takes an administrator's step.
fn admin_command(action: &AdminAction) -> String {
    match action {
        AdminAction::Invite { account_id, email } => format!(
            "belfry chime users invite --account {} {email}",
            account_id.as_deref().unwrap_or("ACCOUNT-ID")
        ),
        AdminAction::Unsuspend {
            account_id,
            user_id,
        } => format!("belfry chime users unsuspend --account {account_id} {user_id}"),
        AdminAction::GivePro {
            account_id,
            user_id,
        } => format!("belfry chime users license --account {account_id} pro {user_id}"),
    }
}
