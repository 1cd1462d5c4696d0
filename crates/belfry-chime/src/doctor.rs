//! The pre-flight check: will meetings scheduled for this Chime user start? Pure logic over
//! what the admin API and the calendar account said, so each finding is testable alone.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::{AccountStatus, ChimeAccount, ChimeUser, License, Registration};

/// How long a Pro trial lasts.
pub const TRIAL_DAYS: i64 = 30;

/// How bad a finding is: an error means scheduling will fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Scheduling will fail.
    Error,
    /// Scheduling works, but something needs care.
    Warning,
    /// All is well.
    Ok,
}

/// One thing the check found, with what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Finding {
    /// How bad it is.
    pub severity: Severity,
    /// Stable name: `service-ended`, `not-found`, `basic-license`, `trial-ended`,
    /// `trial-ends`, `suspended`, `not-registered`, `account-suspended`,
    /// `calendar-mismatch`, `delegate-declared`, `licensed`, and, added by the app,
    /// `other-provider` (new meetings go to another provider than Chime) and
    /// `still-on-chime` (future meetings on the calendar still point at Chime).
    pub code: String,
    /// What was found, for the user.
    pub message: String,
    /// What to do about it; empty when nothing needs doing. It names no command: each front
    /// end words [`Finding::action`] its own way.
    pub fix: String,
    /// The administrator's step that fixes it, when one does.
    pub action: Option<AdminAction>,
}

/// A step a Chime administrator takes, as data: the CLI names its command, the window its
/// Admin page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AdminAction {
    /// Invite `email` to the account (`None`: whichever account they should be in).
    Invite {
        /// The Chime account's id, when known.
        account_id: Option<String>,
        /// The address to invite.
        email: String,
    },
    /// Unsuspend the user.
    Unsuspend {
        /// The Chime account's id.
        account_id: String,
        /// The user's id.
        user_id: String,
    },
    /// Give the user a Pro license.
    GivePro {
        /// The Chime account's id.
        account_id: String,
        /// The user's id.
        user_id: String,
    },
}

/// The check's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Report {
    /// The Chime user's address checked, trimmed.
    pub email: String,
    /// No error: scheduling will work (warnings may remain).
    pub ok: bool,
    /// Every finding: errors first, then warnings, then what is fine.
    pub findings: Vec<Finding>,
}

/// The calendar the presenter schedules from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarSide {
    /// The Belfry account's name.
    pub account: String,
    /// The address the calendar sends invitations from.
    pub address: String,
    /// The user says the calendar's owner is set up as the Chime user's delegate.
    pub delegate: bool,
}

/// What the check looks at.
#[derive(Debug, Clone)]
pub struct Input<'a> {
    /// The Chime user's address: the one meetings are scheduled for.
    pub email: &'a str,
    /// Where the admin API found that address.
    pub found: &'a [(ChimeAccount, ChimeUser)],
    /// The calendar the presenter schedules from, when known.
    pub calendar: Option<&'a CalendarSide>,
    /// The provider's service status note, shown as a warning when the service has ended.
    pub service_ended: Option<&'a str>,
    /// The time now, against which trials are measured.
    pub now: DateTime<Utc>,
}

fn finding(severity: Severity, code: &str, message: String, fix: String) -> Finding {
    finding_with(severity, code, message, fix, None)
}

fn finding_with(
    severity: Severity,
    code: &str,
    message: String,
    fix: String,
    action: Option<AdminAction>,
) -> Finding {
    Finding {
        severity,
        code: code.to_owned(),
        message,
        fix,
        action,
    }
}

/// Checks everything and reports each problem with its fix.
pub fn check(input: &Input<'_>) -> Report {
    use Severity::{Error, Ok as Fine, Warning};
    let email = input.email.trim();
    let mut out = Vec::new();
    if let Some(note) = input.service_ended {
        out.push(finding(
            Warning,
            "service-ended",
            note.trim().to_owned(),
            "ask your administrator whether your organisation's Chime meetings still run; Belfry keeps making IDs, invitations and calendar events either way".into(),
        ));
    }
    if input.found.is_empty() {
        out.push(finding_with(
            Error,
            "not-found",
            format!("{email} is not a user of any Chime account these AWS credentials can see"),
            "check the address, or have an administrator invite it".into(),
            Some(AdminAction::Invite {
                account_id: None,
                email: email.to_owned(),
            }),
        ));
    }
    for (account, user) in input.found {
        let at = format!("{email} in {:?}", account.name);
        let mut user_ok = true;
        if account.status != AccountStatus::Active {
            user_ok = false;
            out.push(finding(
                Error,
                "account-suspended",
                format!("the Chime account {:?} is {} (suspended or being deleted): its users cannot host meetings", account.name, account.status.as_str().to_lowercase()),
                "ask the account's administrator to restore it, or move the presenter to an active account".into(),
            ));
        }
        match user.registration {
            Registration::Suspended => {
                user_ok = false;
                out.push(finding_with(
                    Error,
                    "suspended",
                    format!("{at} is suspended: meetings scheduled for them will not start"),
                    format!("an administrator unsuspends them (a Team account's users are invited again instead: invite {email})"),
                    // A Team account's users cannot be unsuspended: they are invited again.
                    Some(if account.is_team() {
                        AdminAction::Invite {
                            account_id: Some(account.id.clone()),
                            email: email.to_owned(),
                        }
                    } else {
                        AdminAction::Unsuspend {
                            account_id: account.id.clone(),
                            user_id: user.id.clone(),
                        }
                    }),
                ));
            }
            Registration::Unregistered => {
                user_ok = false;
                let invitation = user
                    .invitation
                    .map_or("not sent", |i| i.as_str())
                    .to_lowercase();
                out.push(finding_with(
                    Error,
                    "not-registered",
                    format!("{at} has not accepted the invitation to the account yet (invitation {invitation})"),
                    format!("{email} accepts the invitation email from Amazon Chime; an administrator can send it again"),
                    Some(AdminAction::Invite {
                        account_id: Some(account.id.clone()),
                        email: email.to_owned(),
                    }),
                ));
            }
            Registration::Registered | Registration::Unknown => {}
        }
        match user.license {
            Some(License::Basic) => {
                user_ok = false;
                out.push(finding_with(
                    Error,
                    "basic-license",
                    format!(
                        "{at} has a Basic license: Basic users cannot host or schedule meetings"
                    ),
                    "an administrator gives them a Pro license".into(),
                    Some(AdminAction::GivePro {
                        account_id: account.id.clone(),
                        user_id: user.id.clone(),
                    }),
                ));
            }
            Some(License::ProTrial) => {
                let registered = user
                    .registered_on
                    .as_deref()
                    .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                    .map(|t| t.with_timezone(&Utc));
                let ends = registered.map(|t| t + Duration::days(TRIAL_DAYS));
                let fix = "join a Team account with a Pro license before the trial ends (an administrator gives them Pro)".to_owned();
                let pro = || {
                    Some(AdminAction::GivePro {
                        account_id: account.id.clone(),
                        user_id: user.id.clone(),
                    })
                };
                match ends {
                    Some(end) if end <= input.now => {
                        user_ok = false;
                        out.push(finding_with(
                            Error,
                            "trial-ended",
                            format!("{at} had a Pro trial that ended on {}: scheduled meetings no longer start", end.format("%Y-%m-%d")),
                            fix.clone(),
                            pro(),
                        ));
                    }
                    Some(end) => out.push(finding_with(
                        Warning,
                        "trial-ends",
                        format!("{at} is on a Pro trial that ends on {} ({} days from now); after that, scheduling stops working", end.format("%Y-%m-%d"), (end - input.now).num_days()),
                        fix.clone(),
                        pro(),
                    )),
                    None => out.push(finding_with(
                        Warning,
                        "trial-ends",
                        format!("{at} is on a Pro trial (30 days from joining); when it ends, scheduling stops working"),
                        fix.clone(),
                        pro(),
                    )),
                }
            }
            _ => {}
        }
        if user_ok && matches!(user.license, Some(License::Pro | License::Plus)) {
            out.push(finding(
                Fine,
                "licensed",
                format!(
                    "{at} has a {} license and can host",
                    user.license.map(License::as_str).unwrap_or_default()
                ),
                String::new(),
            ));
        }
    }
    if let Some(cal) = input.calendar
        && !cal.address.trim().eq_ignore_ascii_case(email)
    {
        if cal.delegate {
            out.push(finding(
                    Warning,
                    "delegate-declared",
                    format!("{:?} schedules as {}, which you said is {email}'s delegate in Chime; Belfry cannot see Chime's delegate list", cal.account, cal.address),
                    format!("make sure {email} listed {} under Settings > Delegates in Amazon Chime, and use a fresh one-time ID (never the delegate's personal ID)", cal.address),
                ));
        } else {
            out.push(finding(
                    Error,
                    "calendar-mismatch",
                    format!("{:?} sends invitations as {}, not {email}: Chime ignores meetings scheduled from an address that is not the host's", cal.account, cal.address),
                    format!("schedule from {email}'s own calendar, or have {email} add {} as a delegate in Amazon Chime (Settings > Delegates) and check again with the delegate option", cal.address),
                ));
        }
    }
    // What stops scheduling first, then what to watch, then what is fine.
    out.sort_by_key(|f| match f.severity {
        Error => 0,
        Warning => 1,
        Fine => 2,
    });
    Report {
        email: email.to_owned(),
        ok: !out.iter().any(|f| f.severity == Error),
        findings: out,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AccountType, InviteStatus};

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-29T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    fn account(status: &str) -> ChimeAccount {
        ChimeAccount {
            id: "acc-1".into(),
            name: "Physics".into(),
            account_type: AccountType::Team,
            default_license: Some(License::Pro),
            supported_licenses: vec![License::Basic, License::Pro],
            status: AccountStatus::from_chime(status),
            created: "2025-01-01T00:00:00Z".into(),
        }
    }

    fn user(license: License, registration: &str, registered_on: Option<&str>) -> ChimeUser {
        ChimeUser {
            id: "user-1".into(),
            account_id: "acc-1".into(),
            email: "ana@example.com".into(),
            display_name: "Ana".into(),
            license: Some(license),
            registration: Registration::from_chime(registration),
            invitation: Some(if registration == "Unregistered" {
                InviteStatus::Pending
            } else {
                InviteStatus::Accepted
            }),
            registered_on: registered_on.map(str::to_owned),
            personal_pin: Some("6064724824".into()),
        }
    }

    fn run(found: &[(ChimeAccount, ChimeUser)], calendar: Option<&CalendarSide>) -> Report {
        check(&Input {
            email: "ana@example.com",
            found,
            calendar,
            service_ended: None,
            now: now(),
        })
    }

    fn codes(r: &Report) -> Vec<(&str, Severity)> {
        r.findings
            .iter()
            .map(|f| (f.code.as_str(), f.severity))
            .collect()
    }

    #[test]
    fn a_pro_user_on_their_own_calendar_is_all_good() {
        let own = CalendarSide {
            account: "Work".into(),
            address: "Ana@Example.com".into(),
            delegate: false,
        };
        let r = run(
            &[(account("Active"), user(License::Pro, "Registered", None))],
            Some(&own),
        );
        assert!(r.ok);
        assert_eq!(codes(&r), [("licensed", Severity::Ok)]);
    }

    #[test]
    fn a_suspended_user_of_an_enterprise_account_is_unsuspended_and_of_a_team_invited_again() {
        let lwa = ChimeAccount {
            account_type: AccountType::EnterpriseLWA,
            ..account("Active")
        };
        let r = run(&[(lwa, user(License::Pro, "Suspended", None))], None);
        let f = r.findings.iter().find(|f| f.code == "suspended").unwrap();
        assert!(
            matches!(f.action, Some(AdminAction::Unsuspend { .. })),
            "{f:?}"
        );
        let r = run(
            &[(account("Active"), user(License::Pro, "Suspended", None))],
            None,
        );
        let f = r.findings.iter().find(|f| f.code == "suspended").unwrap();
        assert!(
            matches!(f.action, Some(AdminAction::Invite { .. })),
            "{f:?}"
        );
    }

    #[test]
    fn each_problem_is_an_error_with_a_fix() {
        for (found, code) in [
            (vec![], "not-found"),
            (
                vec![(account("Active"), user(License::Basic, "Registered", None))],
                "basic-license",
            ),
            (
                vec![(account("Active"), user(License::Pro, "Suspended", None))],
                "suspended",
            ),
            (
                vec![(account("Active"), user(License::Pro, "Unregistered", None))],
                "not-registered",
            ),
            (
                vec![(account("Suspended"), user(License::Pro, "Registered", None))],
                "account-suspended",
            ),
            (
                vec![(
                    account("Active"),
                    user(
                        License::ProTrial,
                        "Registered",
                        Some("2026-10-01T00:00:00Z"),
                    ),
                )],
                "trial-ended",
            ),
        ] {
            let r = run(&found, None);
            assert!(!r.ok, "{code}");
            let f = r
                .findings
                .iter()
                .find(|f| f.code == code)
                .unwrap_or_else(|| panic!("{code}: {r:?}"));
            assert_eq!(f.severity, Severity::Error);
            assert!(!f.fix.is_empty(), "{code} has a fix");
            // The fix names no command; the administrator's step is data.
            assert!(!f.fix.contains("belfry"), "{code}: {}", f.fix);
            let step = match code {
                "not-found" | "not-registered" => f
                    .action
                    .as_ref()
                    .is_some_and(|a| matches!(a, AdminAction::Invite { .. })),
                "basic-license" | "trial-ended" => f
                    .action
                    .as_ref()
                    .is_some_and(|a| matches!(a, AdminAction::GivePro { .. })),
                // The test account is a Team account: its users are invited again.
                "suspended" => f
                    .action
                    .as_ref()
                    .is_some_and(|a| matches!(a, AdminAction::Invite { .. })),
                _ => f.action.is_none(),
            };
            assert!(step, "{code}: {:?}", f.action);
            assert!(
                !r.findings.iter().any(|f| f.code == "licensed"),
                "{code}: not also called fine"
            );
        }
    }

    #[test]
    fn a_running_trial_warns_with_its_end_date() {
        let r = run(
            &[(
                account("Active"),
                user(
                    License::ProTrial,
                    "Registered",
                    Some("2026-11-20T00:00:00Z"),
                ),
            )],
            None,
        );
        assert!(r.ok, "a warning alone does not fail the check");
        let f = &r.findings[0];
        assert_eq!(
            (f.code.as_str(), f.severity),
            ("trial-ends", Severity::Warning)
        );
        assert!(f.message.contains("2026-12-20"), "{}", f.message);
    }

    #[test]
    fn another_calendar_address_fails_unless_a_delegate_is_declared() {
        let found = [(account("Active"), user(License::Pro, "Registered", None))];
        let mut cal = CalendarSide {
            account: "Assistant".into(),
            address: "bob@example.com".into(),
            delegate: false,
        };
        let r = run(&found, Some(&cal));
        assert!(!r.ok);
        assert!(codes(&r).contains(&("calendar-mismatch", Severity::Error)));
        cal.delegate = true;
        let r = run(&found, Some(&cal));
        assert!(r.ok);
        assert!(codes(&r).contains(&("delegate-declared", Severity::Warning)));
    }

    #[test]
    fn the_end_of_the_service_is_a_warning_only() {
        let found = [(account("Active"), user(License::Pro, "Registered", None))];
        let r = check(&Input {
            email: "ana@example.com",
            found: &found,
            calendar: None,
            service_ended: Some("AWS ended support for the Amazon Chime service on 2026-02-20."),
            now: now(),
        });
        assert!(r.ok);
        assert_eq!(codes(&r)[0], ("service-ended", Severity::Warning));
    }
}
