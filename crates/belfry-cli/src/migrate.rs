//! `belfry migrate ...`: moving future meetings off Amazon Chime from the command line.

use belfry_app::{App, AppError, ChimeScan, MovePlan, MoveReport, MoveState, Organizer};

use crate::args::MigrateCommand;
use crate::chime::confirm;
use crate::output::Out;

/// How long a migrate command spends finishing moves an earlier run left pending.
const RESUME_BUDGET: std::time::Duration = std::time::Duration::from_secs(20);

/// Finishes moves an earlier run left pending (killed, offline), and says so.
fn finish_earlier(app: &App) {
    match app.resume_moves(RESUME_BUDGET) {
        Ok(done) => {
            for d in done {
                eprintln!(
                    "belfry: finished an earlier move of {:?}: {}",
                    d.title,
                    state_words(d.state)
                );
            }
        }
        Err(e) => eprintln!("belfry: earlier moves are still pending: {}", e.message),
    }
}

pub fn run(app: &App, out: &mut Out, command: MigrateCommand) -> Result<(), AppError> {
    match command {
        MigrateCommand::Scan {
            account,
            from,
            to,
            json,
        } => {
            let scan = scan(app, account.as_deref(), from.as_deref(), to.as_deref())?;
            if json {
                out.json(&scan)
            } else {
                out.raw(&scan_text(&scan))
            }
        }
        MigrateCommand::Apply {
            target,
            remove_only,
            only,
            account,
            from,
            until,
            yes,
            json,
        } => {
            let target = if remove_only {
                String::new()
            } else {
                target.unwrap_or_default()
            };
            finish_earlier(app);
            scan(app, account.as_deref(), from.as_deref(), until.as_deref())?;
            let plan = app.migrate_plan(&target, only.as_deref())?;
            if !json {
                out.raw(&plan_text(&plan))?;
            }
            if plan.moves.is_empty() {
                if json {
                    return out.json(&serde_json::json!({ "plan": plan, "report": null }));
                }
                return Ok(());
            }
            confirm(
                &format!(
                    "move {} meeting(s) off Amazon Chime and send the update to every attendee",
                    plan.moves.len()
                ),
                yes,
            )?;
            let report = app.migrate_apply(None)?;
            if json {
                out.json(&serde_json::json!({ "plan": plan, "report": report }))
            } else {
                out.raw(&report_text(&report))
            }
        }
        MigrateCommand::Report { json } => {
            let moves = app.moves()?;
            if json {
                let rows: Vec<serde_json::Value> = moves
                    .iter()
                    .map(|m| {
                        serde_json::json!({
                            "title": m.title,
                            "start": m.start,
                            "calendar": m.key.calendar,
                            "event": m.key.remote_ref,
                            "target": m.target,
                            "state": m.state,
                            "attempts": m.attempts,
                            "error": m.last_error,
                            "original": m.original,
                            "updated_at": m.updated_at.to_rfc3339(),
                        })
                    })
                    .collect();
                return out.json(&rows);
            }
            if moves.is_empty() {
                return out.line("No meeting has been moved off Chime yet.");
            }
            let mut text = String::new();
            for m in &moves {
                text.push_str(&format!(
                    "{:<8} {} ({}), to {}{}\n",
                    state_words(m.state),
                    m.title,
                    m.start,
                    if m.target.is_empty() {
                        "no provider (Chime details removed)"
                    } else {
                        &m.target
                    },
                    m.last_error
                        .as_deref()
                        .map(|e| format!(": {e}"))
                        .unwrap_or_default()
                ));
            }
            out.raw(&text)
        }
    }
}

fn scan(
    app: &App,
    account: Option<&str>,
    from: Option<&str>,
    to: Option<&str>,
) -> Result<ChimeScan, AppError> {
    let from = from.map(|d| app.day_start(d, "--from")).transpose()?;
    let to = to.map(|d| app.day_end(d, "--to")).transpose()?;
    let scan = app.migrate_scan(account, from, to)?;
    for p in &scan.problems {
        eprintln!("belfry: not scanned: {p}");
    }
    Ok(scan)
}

fn state_words(state: MoveState) -> &'static str {
    match state {
        MoveState::Pending => "pending",
        MoveState::Done => "moved",
        MoveState::Failed => "failed",
    }
}

fn kind_words(recurring: bool) -> &'static str {
    if recurring { "series" } else { "single" }
}

fn scan_text(scan: &ChimeScan) -> String {
    if scan.events.is_empty() {
        return format!(
            "No event from {} to {} carries Chime details.\n",
            scan.from, scan.to
        );
    }
    let mut text = format!(
        "{} event(s) from {} to {} still point at Amazon Chime:\n",
        scan.events.len(),
        scan.from,
        scan.to
    );
    for e in &scan.events {
        text.push_str(&format!(
            "\n{}  {} ({}, {})\n    {} ({})\n    {}\n",
            e.id,
            e.title,
            kind_words(e.recurring),
            match &e.next {
                Some(next) => format!("next {next}"),
                None => format!("starts {}", e.start),
            },
            e.account,
            e.calendar_name,
            e.details.join("; ")
        ));
        match &e.organizer {
            Organizer::You => text.push_str("    you organize it: it can be moved\n"),
            Organizer::Host(host) => text.push_str(&format!(
                "    {host} organizes it, on their calendar you manage: it can be moved\n"
            )),
            Organizer::Other(who) => {
                text.push_str(&format!(
                    "    {who} organizes it: only they can update it for everyone. Ask them:\n    {}\n",
                    e.ask.as_deref().unwrap_or_default()
                ));
            }
        }
    }
    text.push_str("\nMove them with `belfry migrate apply --to PROFILE` (or --remove-only).\n");
    text
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("      {l}\n"))
        .collect::<String>()
}

fn plan_text(plan: &MovePlan) -> String {
    let mut text = String::new();
    for m in &plan.moves {
        text.push_str(&format!(
            "{}  {} ({})\n    description:\n{}    location: {}\n",
            m.event.id,
            m.event.title,
            m.event.account,
            indent(&m.description),
            if m.location.is_empty() {
                "(none)"
            } else {
                &m.location
            }
        ));
        if !m.removed.is_empty() {
            text.push_str(&format!("    removed: {}\n", m.removed.join(", ")));
        }
        text.push('\n');
    }
    for s in &plan.skipped {
        text.push_str(&format!(
            "{}  {}: not moved: {}\n",
            s.event.id, s.event.title, s.reason
        ));
    }
    if plan.moves.is_empty() {
        text.push_str("Nothing to move.\n");
    }
    text
}

fn report_text(report: &MoveReport) -> String {
    let mut text = String::new();
    for m in &report.moved {
        let how = match (m.state, m.already) {
            (MoveState::Done, true) => "already moved".to_owned(),
            (MoveState::Done, false) if m.attendees_told => {
                "moved; the calendar sent the update to every attendee".to_owned()
            }
            (MoveState::Done, false) => match &m.update_file {
                Some(file) => format!(
                    "moved; this calendar server does not email attendees: send them {file}"
                ),
                None => {
                    "moved; this calendar server does not email attendees: tell them".to_owned()
                }
            },
            (MoveState::Pending, _) => format!(
                "pending ({}); finished by the next run",
                m.error.as_deref().unwrap_or("not yet confirmed")
            ),
            (MoveState::Failed, _) => {
                format!("failed: {}", m.error.as_deref().unwrap_or("refused"))
            }
        };
        text.push_str(&format!("{}  {}: {how}\n", m.id, m.title));
    }
    text.push_str("What each event held before is kept: `belfry migrate report`.\n");
    text
}
