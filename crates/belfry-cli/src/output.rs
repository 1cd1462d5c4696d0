use std::io::{self, Write};

use belfry_app::{
    AppError, DeliveryStatus, ErrorCode, HistoryEntry, MailState, MailView, NewMeeting, Prepared,
    ScheduleOutcome, SettingKey, Settings,
};
use belfry_core::Provider;
use serde::Serialize;

/// Standard output. A closed pipe (`belfry history | head`) ends output quietly.
pub struct Out {
    stdout: io::Stdout,
}

impl Out {
    pub fn new() -> Self {
        Out {
            stdout: io::stdout(),
        }
    }

    /// Writes `text` as is.
    pub fn raw(&mut self, text: &str) -> Result<(), AppError> {
        let mut lock = self.stdout.lock();
        match lock.write_all(text.as_bytes()).and_then(|()| lock.flush()) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
            Err(e) => Err(AppError::new(
                ErrorCode::Internal,
                format!("cannot write output: {e}"),
            )),
        }
    }

    /// Writes `text` and a newline.
    pub fn line(&mut self, text: &str) -> Result<(), AppError> {
        self.raw(&format!("{}\n", text.trim_end()))
    }

    /// Writes pretty JSON.
    pub fn json<T: Serialize>(&mut self, value: &T) -> Result<(), AppError> {
        let text = serde_json::to_string_pretty(value)
            .map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))?;
        self.line(&text)
    }

    pub fn new_meeting(
        &mut self,
        made: &NewMeeting,
        provider: &Provider,
        json: bool,
    ) -> Result<(), AppError> {
        let id = made.meeting_id;
        if json {
            let mut v = serde_json::json!({ "meeting_id": id.code(), "display": id.grouped() });
            if let Some(p) = &made.passcode {
                v["moderator_passcode"] = p.expose().into();
            }
            return self.json(&v);
        }
        let mut text = format!("Meeting ID: {id}\nJoin: {}\n", provider.join_url(id));
        if let Some(p) = &made.passcode {
            text.push_str(&format!(
                "Moderator passcode: {}\n(kept in your keyring; `belfry moderator-info --meeting-id {}` shows it again)\n",
                p.expose(),
                id.code()
            ));
        }
        self.raw(&text)
    }

    pub fn schedule(&mut self, done: &ScheduleOutcome, json: bool) -> Result<(), AppError> {
        if json {
            return self.json(done);
        }
        let mut text = format!(
            "Meeting ID: {} (sequence {})\nUID: {}\n",
            done.display, done.sequence, done.uid
        );
        if done.again {
            text.push_str("This meeting was scheduled before on this calendar: it is the same meeting, not a second one.\n");
        }
        for d in &done.deliveries {
            text.push_str(&format!(
                "{} {}: {} {}\n",
                d.account, d.calendar, d.status, d.href
            ));
            if !d.message.is_empty() {
                text.push_str(&format!("  {}\n", d.message));
            }
            // Only for what was written now: a server that does not schedule told nobody.
            let written_now = matches!(
                d.status,
                DeliveryStatus::Created | DeliveryStatus::Updated | DeliveryStatus::Cancelled
            );
            if written_now && !d.invitations_sent && done.mail.is_empty() {
                text.push_str("  This server does not email attendees: send them the invitation (belfry ics), or add a mail account (belfry accounts add smtp).\n");
            }
        }
        for m in &done.mail {
            let what = if m.cancel {
                "cancellation"
            } else {
                "invitation"
            };
            let state = match m.state {
                MailState::Sent => "emailed",
                MailState::Pending => "to be emailed (tried again later)",
                MailState::Sending => "being emailed",
                MailState::Failed => "not emailed",
                MailState::Unknown => "perhaps emailed (no answer came; belfry mail resend)",
                MailState::Superseded => "not emailed (a newer version went instead)",
            };
            text.push_str(&format!("{what} {state}: {}\n", m.attendee));
            if !m.message.is_empty() && m.state != MailState::Sent {
                text.push_str(&format!("  {}\n", m.message));
            }
        }
        self.raw(&text)?;
        if done
            .deliveries
            .iter()
            .any(|d| d.status == DeliveryStatus::Failed)
        {
            return Err(AppError::new(
                ErrorCode::Remote,
                "a calendar refused the meeting",
            ));
        }
        Ok(())
    }

    /// Invitation emails: one line each, with why one is not sent.
    pub fn mail(&mut self, mail: &[MailView], json: bool) -> Result<(), AppError> {
        if json {
            return self.json(&mail);
        }
        if mail.is_empty() {
            return self.line("No invitation email is waiting.");
        }
        let mut text = String::new();
        for m in mail {
            text.push_str(&format!(
                "{:<10} {:<8} seq {:<3} {:<32} {}\n",
                m.state.as_str(),
                if m.cancel { "CANCEL" } else { "REQUEST" },
                m.sequence,
                m.attendee,
                m.uid
            ));
            if !m.message.is_empty() && m.state != MailState::Sent {
                text.push_str(&format!("  {}\n", m.message));
            }
        }
        self.raw(&text)
    }

    /// The outbox: one line per delivery not done, with why and when it is tried next.
    /// The providers: key, name, and what kind of identifier a meeting gets.
    pub fn providers(&mut self, providers: &[Provider], json: bool) -> Result<(), AppError> {
        use belfry_core::provider::IdKind;
        let ids = |p: &Provider| match p.ids {
            IdKind::Digits => "a fresh 10-digit meeting ID per meeting",
            IdKind::Room => "a fresh room name per meeting",
            IdKind::Fixed => "one fixed link",
        };
        if json {
            let list: Vec<serde_json::Value> = providers
                .iter()
                .map(|p| {
                    serde_json::json!({
                        "key": p.key,
                        "name": p.name,
                        "ids": p.ids,
                        "moderator": p.moderator,
                    })
                })
                .collect();
            return self.json(&list);
        }
        let mut text = String::new();
        for p in providers {
            text.push_str(&format!("{:<16} {} ({})\n", p.key, p.name, ids(p)));
        }
        self.raw(&text)
    }

    pub fn outbox(
        &mut self,
        views: &[belfry_app::DeliveryView],
        json: bool,
    ) -> Result<(), AppError> {
        if json {
            return self.json(&views);
        }
        if views.is_empty() {
            return self.raw("Every meeting is on its calendars.\n");
        }
        let mut text = String::new();
        for d in views {
            text.push_str(&format!(
                "{} {:?} on {} ({}): {}\n",
                d.uid, d.title, d.account, d.calendar, d.status
            ));
            if !d.message.is_empty() {
                text.push_str(&format!("  {}\n", d.message));
            }
            if !d.next_try_at.is_empty() {
                text.push_str(&format!("  tried again after {}\n", d.next_try_at));
            }
        }
        self.raw(&text)
    }

    /// A bulk run: one line (or JSON object) per row; a failed row fails the run at the end.
    pub fn bulk(
        &mut self,
        results: &[Result<ScheduleOutcome, AppError>],
        json: bool,
    ) -> Result<(), AppError> {
        if json {
            let rows: Vec<serde_json::Value> = results
                .iter()
                .enumerate()
                .map(|(i, r)| match r {
                    Ok(done) => serde_json::json!({ "row": i + 1, "ok": true, "result": done }),
                    Err(e) => serde_json::json!({ "row": i + 1, "ok": false, "error": e }),
                })
                .collect();
            self.json(&rows)?;
        } else {
            let mut text = String::new();
            for (i, r) in results.iter().enumerate() {
                match r {
                    Ok(done) => {
                        for d in &done.deliveries {
                            text.push_str(&format!(
                                "row {}: {} {} {}\n",
                                i + 1,
                                done.display,
                                d.status,
                                d.href
                            ));
                        }
                    }
                    Err(e) => text.push_str(&format!(
                        "row {}: error: {}\n",
                        i + 1,
                        belfry_app::bulk::describe_row_error(e)
                    )),
                }
            }
            self.raw(&text)?;
        }
        let failed = results
            .iter()
            .filter(|r| {
                r.as_ref().map_or(true, |d| {
                    d.deliveries
                        .iter()
                        .any(|x| x.status == DeliveryStatus::Failed)
                })
            })
            .count();
        if failed > 0 {
            return Err(AppError::new(
                ErrorCode::Remote,
                format!("{failed} of {} rows were not scheduled", results.len()),
            ));
        }
        Ok(())
    }

    pub fn history(&mut self, entries: &[HistoryEntry]) -> Result<(), AppError> {
        if entries.is_empty() {
            return self.line("No meetings yet.");
        }
        let mut text = String::new();
        for e in entries {
            let mut flags = Vec::new();
            if e.moderated {
                flags.push("moderated");
            }
            if e.kind == belfry_core::MeetingKind::Personal {
                flags.push("personal");
            }
            if e.cancelled {
                flags.push("cancelled");
            }
            let title = if e.title.is_empty() {
                "(reserved, not scheduled yet)"
            } else {
                &e.title
            };
            let when = if e.start.is_empty() {
                String::new()
            } else {
                format!("{} {}", e.start.replace('T', " "), e.time_zone)
            };
            let flags = if flags.is_empty() {
                String::new()
            } else {
                format!("  [{}]", flags.join(", "))
            };
            text.push_str(&format!("{}  {:<36}  {title}{flags}\n", e.display, when));
        }
        self.raw(&text)
    }

    pub fn settings(&mut self, s: &Settings) -> Result<(), AppError> {
        let or_default =
            |v: Option<String>, d: &str| v.unwrap_or_else(|| format!("(default: {d})"));
        let rows = [
            (
                SettingKey::PersonalId,
                or_default(s.personal_id.map(|i| i.grouped()), "not set"),
            ),
            (
                SettingKey::TimeZone,
                or_default(s.time_zone.map(|z| z.name().to_owned()), "the system's"),
            ),
            (
                SettingKey::DialIn,
                if s.dial_in.is_empty() {
                    "(default: US)".to_owned()
                } else {
                    s.dial_in.join(",")
                },
            ),
            (
                SettingKey::Organizer,
                or_default(s.organizer.as_ref().map(|o| o.to_string()), "not set"),
            ),
            (
                SettingKey::Template,
                match &s.template {
                    Some(t) => format!("custom, {} lines", t.lines().count()),
                    None => "(default)".to_owned(),
                },
            ),
            (
                SettingKey::Provider,
                or_default(s.provider.clone(), "chime"),
            ),
            (
                SettingKey::PersonalRoom,
                or_default(s.personal_room.clone(), "not set"),
            ),
            (
                SettingKey::PersonalRoomPasscode,
                or_default(s.personal_room_passcode.clone(), "none"),
            ),
            (
                SettingKey::PersonalRoomDialIn,
                if s.personal_room_dial_in.is_empty() {
                    "(default: none)".to_owned()
                } else {
                    s.personal_room_dial_in.join("; ")
                },
            ),
        ];
        let width = SettingKey::ALL
            .iter()
            .map(|k| k.name().len())
            .max()
            .unwrap_or(0);
        let text: String = rows
            .iter()
            .map(|(k, v)| format!("{:width$}  {v}\n", k.name()))
            .collect();
        self.raw(&text)
    }
}

/// `invite --format json`.
pub fn invitation_json(p: &Prepared) -> serde_json::Value {
    let inv = &p.invitation;
    serde_json::json!({
        "meeting_id": inv.meeting_id.code(),
        "display": inv.meeting_id.grouped(),
        "title": inv.title,
        "text": inv.text,
        "html": inv.html,
        "location": inv.location,
        "join_url": inv.join_url,
        "attendees": inv.attendees,
        "notices": inv.notices.iter().map(|n| n.message()).collect::<Vec<_>>(),
    })
}

/// `settings show --json`.
pub fn settings_json(s: &Settings) -> serde_json::Value {
    serde_json::json!({
        "personal-id": s.personal_id.map(|i| i.code()),
        "time-zone": s.time_zone.map(|z| z.name().to_owned()),
        "dial-in": s.dial_in,
        "organizer": s.organizer,
        "template": s.template,
        "provider": s.provider,
        "personal-room": s.personal_room,
        "personal-room-passcode": s.personal_room_passcode,
        "personal-room-dial-in": s.personal_room_dial_in,
    })
}

/// DST notices and where the passcode went, on standard error.
pub fn notices(p: &Prepared) {
    for n in &p.invitation.notices {
        eprintln!("note: {}", n.message());
    }
    if p.new_passcode.is_some() {
        eprintln!(
            "note: the moderator passcode is in your keyring; `belfry moderator-info --meeting-id {}` shows it",
            p.meeting.id.code()
        );
    }
}
