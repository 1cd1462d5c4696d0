//! `belfry`: schedule Amazon Chime meetings from the command line.
//!
//! Invariant: parsing and printing only. Every decision is made in `belfry-app`.

// Unit tests may read the clock, the environment and files; the code under test may not.
#![cfg_attr(test, allow(clippy::disallowed_methods))]

mod args;
mod chime;
mod migrate;
mod output;

use std::process::ExitCode;

use belfry_app::{AccountKind, App, AppError, ErrorCode, Hint, SettingKey, bulk, write_atomically};
use belfry_core::{Field, MeetingForm, MeetingId};
use belfry_secrets::Sensitive;
use clap::Parser;

use args::{
    AccountsCommand, AddAccount, Cli, Command, InviteFormat, MeetingOptions, SettingsCommand,
};
use output::Out;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(
                e.kind(),
                ErrorKind::DisplayHelp
                    | ErrorKind::DisplayVersion
                    | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
            ) {
                let _ = e.print();
                return if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
                    ExitCode::from(2)
                } else {
                    ExitCode::SUCCESS
                };
            }
            // One line: what is wrong, and where to read more.
            let rendered = e.render().to_string();
            let first: Vec<&str> = rendered
                .lines()
                .take_while(|l| !l.trim().is_empty())
                .map(str::trim)
                .collect();
            let first = first.join(" ");
            let first = first.strip_prefix("error: ").unwrap_or(&first);
            eprintln!("belfry: {first} (see belfry --help)");
            return ExitCode::from(2);
        }
    };
    match run(cli) {
        Ok(Some(code)) => code,
        Ok(None) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("belfry: {}", describe(&e));
            match e.code {
                ErrorCode::Invalid | ErrorCode::NotFound => ExitCode::from(2),
                _ => ExitCode::from(1),
            }
        }
    }
}

/// The error in one line, naming the command-line option at fault and the command that
/// fixes it.
fn describe(e: &AppError) -> String {
    let said = match e.first_field() {
        Some(field) => format!("{}: {}", option_name(field), e.message),
        None => e.message.clone(),
    };
    match e.hint {
        Some(hint) => format!("{said}; {}", hint_text(hint)),
        None => said,
    }
}

/// What fixes an error, in the CLI's words.
fn hint_text(hint: Hint) -> &'static str {
    match hint {
        Hint::AddAwsAccount => "add them: belfry accounts add aws --name NAME [--profile P]",
        Hint::ChooseAwsAccount => "name one with --aws",
        Hint::ListAccounts => "belfry accounts list shows them",
        Hint::CreateAwsProfile => "create it with: aws configure --profile NAME",
        Hint::SuspendUsers => "delete again with --suspend-users to let Belfry suspend them",
        Hint::NameChimeUser => {
            "give --email, or set the organizer: belfry settings set organizer EMAIL"
        }
        Hint::SetPersonalId => "belfry settings set personal-id ID",
        Hint::SetOrganizer => "give --organizer, or: belfry settings set organizer EMAIL",
    }
}

fn option_name(field: Field) -> &'static str {
    match field {
        Field::Provider => "--provider",
        Field::Kind => "--personal/--moderated",
        Field::MeetingId => "--meeting-id",
        Field::Passcode => "--passcode",
        Field::Title => "--title",
        Field::Start => "--start",
        Field::TimeZone => "--tz",
        Field::Duration => "--duration",
        Field::Repeat => "--repeat",
        Field::RepeatCount => "--count",
        Field::RepeatUntil => "--until",
        Field::RepeatOn => "--on",
        Field::Attendees => "--attendee",
        Field::Organizer => "--organizer",
        Field::OnBehalfOf => "--on-behalf-of",
        Field::Description => "--description",
        Field::DialIn => "--dial-in",
        Field::ShowZones => "--show-zone",
    }
}

/// Writes `shell`'s completions for `belfry`, from the clap definitions.
fn completions(shell: clap_complete::Shell) -> Result<(), AppError> {
    use clap::CommandFactory;
    let mut written = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "belfry", &mut written);
    write_stdout(&written)
}

/// Writes the manual page (roff), from the clap definitions.
fn manual() -> Result<(), AppError> {
    use clap::CommandFactory;
    let mut written = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut written)
        .map_err(|e| AppError::new(ErrorCode::Internal, format!("the manual page: {e}")))?;
    write_stdout(&written)
}

fn write_stdout(bytes: &[u8]) -> Result<(), AppError> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        // The reader stopped early (`| head`): nothing is wrong.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => {
            other.map_err(|e| AppError::new(ErrorCode::Internal, format!("standard output: {e}")))
        }
    }
}

/// The subcommand this process runs, as clap names it (for the log).
fn command_name() -> String {
    use clap::CommandFactory;
    let names: Vec<String> = Cli::command()
        .get_subcommands()
        .map(|c| c.get_name().to_owned())
        .collect();
    std::env::args_os()
        .skip(1)
        .filter_map(|a| a.into_string().ok())
        .find(|a| names.contains(a))
        .unwrap_or_default()
}

/// Runs the command; `Some(code)` when it ends with another exit code than success.
fn run(cli: Cli) -> Result<Option<ExitCode>, AppError> {
    let mut out = Out::new();
    match &cli.command {
        Command::About => return out.line(&App::about()).map(|()| None),
        Command::Completions { shell } => return completions(*shell).map(|()| None),
        Command::Man => return manual().map(|()| None),
        _ => {}
    }
    let app = App::open()?;
    let log = App::start_log();
    if let Command::Logs = cli.command {
        return out.line(&log?.display().to_string()).map(|()| None);
    }
    if let Err(e) = &log {
        // The command still runs; only its log is missing.
        eprintln!("belfry: {} (running without a log)", e.message);
    }
    let _command = tracing::info_span!("command", name = %command_name()).entered();
    tracing::info!("started");
    // Commands that write to calendars or send mail first finish what earlier runs left (for a while at
    // most); the others never wait on a server.
    if matches!(
        cli.command,
        Command::Schedule { .. }
            | Command::Reschedule { .. }
            | Command::Cancel { .. }
            | Command::Mail { .. }
    ) {
        finish_outbox(&app);
    }
    if let Command::Doctor {
        email,
        calendar_account,
        delegate,
        aws,
        json,
    } = &cli.command
    {
        let ok = chime::doctor(
            &app,
            &mut out,
            aws.as_deref(),
            email.as_deref(),
            calendar_account.as_deref(),
            *delegate,
            *json,
        )?;
        return Ok((!ok).then(|| ExitCode::from(3)));
    }
    run_command(&app, &mut out, cli.command).map(|()| None)
}

fn run_command(app: &App, out: &mut Out, command: Command) -> Result<(), AppError> {
    match command {
        Command::About
        | Command::Logs
        | Command::Completions { .. }
        | Command::Man
        | Command::Doctor { .. } => Ok(()),
        Command::Chime { aws, command } => chime::run(app, out, aws.as_deref(), command),
        Command::Migrate { command } => migrate::run(app, out, command),
        Command::New {
            moderated,
            passcode,
            passcode_stdin,
            json,
        } => {
            let passcode = match passcode_stdin {
                true => Some(read_stdin_line("--passcode-stdin")?.expose().clone()),
                false => passcode,
            };
            let made = app.new_meeting(moderated, passcode.as_deref())?;
            out.new_meeting(&made, app.provider(), json)
        }
        Command::Invite { meeting, format } => {
            let prepared = app.prepare(&form_of(&meeting)?)?;
            output::notices(&prepared);
            match format {
                InviteFormat::Text => out.raw(&prepared.invitation.text),
                InviteFormat::Html => out.raw(&prepared.invitation.html),
                InviteFormat::Json => out.json(&output::invitation_json(&prepared)),
            }
        }
        Command::Ics {
            meeting,
            method,
            output,
        } => ics(app, out, &meeting, method, output.as_deref()),
        Command::Schedule {
            account,
            calendar,
            from_csv: Some(file),
            meeting: _,
            json,
        } => schedule_csv(app, out, &file, &account, calendar.as_deref(), json),
        Command::Schedule {
            account,
            calendar,
            from_csv: None,
            meeting,
            json,
        } => {
            let done = app.schedule(&form_of(&meeting)?, &account, calendar.as_deref())?;
            out.schedule(&done, json)
        }
        Command::Reschedule { uid, meeting, json } => {
            let done = match uid {
                Some(uid) => app.reschedule_uid(&uid, &form_of(&meeting)?)?,
                None => app.reschedule(&form_of(&meeting)?)?,
            };
            out.schedule(&done, json)
        }
        Command::Cancel {
            meeting_id,
            uid,
            json,
        } => cancel(app, out, meeting_id, uid, json),
        Command::Outbox { command, json } => match command {
            None => out.outbox(&app.outbox()?, json),
            Some(args::OutboxCommand::Retry { uid, json }) => {
                out.outbox(&app.retry_deliveries(&uid)?, json)
            }
        },
        Command::Mail { command } => match command {
            args::MailCommand::List { json } => out.mail(&app.unsent_mail()?, json),
            args::MailCommand::Send { uid, json } => out.mail(&app.email_invitations(&uid)?, json),
            args::MailCommand::Resend {
                uid,
                sequence,
                to,
                json,
            } => out.mail(&app.resend_mail(&uid, sequence, &to)?, json),
        },
        Command::ModeratorInfo { meeting_id } => {
            let id = MeetingId::read(&meeting_id)
                .map_err(|e| AppError::field(Field::MeetingId, e.to_string()))?;
            out.raw(&app.moderator_info(id)?)
        }
        Command::Providers { command, json } => providers(app, out, command, json),
        Command::History {
            json,
            search,
            limit,
        } => {
            let entries = app.history(search.as_deref().unwrap_or(""), limit)?;
            if json {
                out.json(&entries)
            } else {
                out.history(&entries)
            }
        }
        Command::Accounts { command } => accounts(app, out, command),
        Command::Settings { command } => settings(app, out, command),
    }
}

/// `belfry ics`: to stdout, or to a file written whole or not at all.
fn ics(
    app: &App,
    out: &mut Out,
    meeting: &MeetingOptions,
    method: args::MethodArg,
    output_path: Option<&std::path::Path>,
) -> Result<(), AppError> {
    let file = app.ics(&form_of(meeting)?, method.into())?;
    output::notices(&file.prepared);
    match output_path {
        None => out.raw(&file.text),
        Some(path) => {
            write_atomically(path, file.text.as_bytes())?;
            eprintln!(
                "Wrote {} (meeting {}, sequence {})",
                path.display(),
                file.prepared.meeting.id,
                file.prepared.record.sequence
            );
            Ok(())
        }
    }
}

/// `belfry schedule --from-csv FILE`.
fn schedule_csv(
    app: &App,
    out: &mut Out,
    file: &std::path::Path,
    account: &str,
    calendar: Option<&str>,
    json: bool,
) -> Result<(), AppError> {
    let text = belfry_app::files::read_file_capped(
        file,
        belfry_core::limits::MAX_CSV_BYTES,
        &format!("--from-csv {}", file.display()),
    )?;
    let rows = bulk::parse_csv(&text, &format!("--from-csv {}", file.display()))?;
    let progress = |i: usize, n: usize| eprint!("\rscheduling {i}/{n}");
    let results = app.schedule_many(&rows, account, calendar, &progress);
    eprintln!();
    out.bulk(&results, json)
}

/// `belfry cancel`: by meeting ID or UID.
fn cancel(
    app: &App,
    out: &mut Out,
    meeting_id: Option<String>,
    uid: Option<String>,
    json: bool,
) -> Result<(), AppError> {
    let done = match (uid, meeting_id) {
        (Some(uid), _) => app.cancel_uid(&uid)?,
        (None, Some(id)) => {
            let id = MeetingId::read(&id)
                .map_err(|e| AppError::field(Field::MeetingId, e.to_string()))?;
            app.cancel_meeting(id)?
        }
        (None, None) => {
            return Err(AppError::field(
                Field::MeetingId,
                "name the meeting with --meeting-id or --uid",
            ));
        }
    };
    out.schedule(&done, json)
}

/// `belfry providers`, `… add`, `… template`.
fn providers(
    app: &App,
    out: &mut Out,
    command: Option<args::ProvidersCommand>,
    json: bool,
) -> Result<(), AppError> {
    match command {
        Some(args::ProvidersCommand::Add { file }) => {
            let added = app.add_provider_file(&file)?;
            eprintln!("Added {} ({}).", added.name, added.key);
            return Ok(());
        }
        Some(args::ProvidersCommand::Template { key, file, .. }) => {
            let text = file.as_deref().map(read_template).transpose()?;
            return app.set_provider_template(&key, text.as_deref());
        }
        None => {}
    }
    for problem in app.provider_problems() {
        eprintln!("belfry: skipped {problem}");
    }
    out.providers(&app.providers(), json)
}

/// `belfry settings show|set|unset`.
fn settings(app: &App, out: &mut Out, command: SettingsCommand) -> Result<(), AppError> {
    match command {
        SettingsCommand::Show { json } => {
            let s = app.settings()?;
            if json {
                out.json(&output::settings_json(&s))
            } else {
                out.settings(&s)
            }
        }
        SettingsCommand::Set { key, value } => {
            let key = SettingKey::parse(&key)?;
            let value = if key == SettingKey::Template {
                read_template(&value)?
            } else {
                value
            };
            app.set_setting(key, &value)?;
            eprintln!("Saved {}.", key.name());
            Ok(())
        }
        SettingsCommand::Unset { key } => {
            let key = SettingKey::parse(&key)?;
            let was = app.unset_setting(key)?;
            eprintln!(
                "{} {}.",
                key.name(),
                if was {
                    "is back to its default"
                } else {
                    "was not set"
                }
            );
            Ok(())
        }
    }
}

fn accounts(app: &App, out: &mut Out, command: AccountsCommand) -> Result<(), AppError> {
    match command {
        AccountsCommand::Add { kind } => add_account(app, kind),
        AccountsCommand::List { json } => list_accounts(app, out, json),
        AccountsCommand::Calendars { name, json } => list_calendars(app, out, &name, json),
        AccountsCommand::DefaultCalendar { name, calendar } => {
            let a = app.set_default_calendar(&name, &calendar)?;
            eprintln!("{:?} now schedules into {}.", a.name, a.default_calendar);
            Ok(())
        }
        AccountsCommand::Rename { name, new_name } => {
            let a = app.rename_account(&name, &new_name)?;
            eprintln!("Renamed to {:?}.", a.name);
            Ok(())
        }
        AccountsCommand::Remove { name } => {
            let removed = app.remove_account(&name)?;
            let revoked = if removed.revoked {
                " The sign-in was revoked at the provider."
            } else {
                ""
            };
            eprintln!("Removed {name:?} and its secrets from the keyring.{revoked}");
            Ok(())
        }
    }
}

/// `belfry accounts add …`.
fn add_account(app: &App, kind: AddAccount) -> Result<(), AppError> {
    match kind {
        AddAccount::Caldav {
            name,
            url,
            username,
            password_stdin: _,
            allow_insecure_http,
        } => {
            let password = read_stdin_line("--password-stdin")?;
            let (account, calendars) = app
                .add_caldav_account(&name, &url, &username, password, allow_insecure_http)
                .map_err(|e| match e.code {
                    ErrorCode::InsecureTransport => AppError::new(
                        ErrorCode::Invalid,
                        format!("--url: {} (--allow-insecure-http)", e.message),
                    ),
                    _ => e,
                })?;
            eprintln!(
                "Added {:?} ({}) with {} calendars.",
                account.name,
                account.server,
                calendars.len()
            );
            if calendars.first().is_some_and(|c| !c.sends_invitations) {
                eprintln!(
                    "note: this server does not send invitations itself (no RFC 6638 scheduling): \
                     meet@chime.aws and your attendees will not be notified by it. Send them the \
                     .ics (belfry ics) from your mail."
                );
            }
            Ok(())
        }
        AddAccount::Smtp {
            name,
            host,
            port,
            security,
            username,
            from,
            ca_file,
            password_stdin: _,
        } => {
            let password = read_stdin_line("--password-stdin")?;
            let a = app.add_smtp_account(
                &name,
                &belfry_app::SmtpForm {
                    host,
                    port: port.unwrap_or(0),
                    security,
                    user: username,
                    address: from.unwrap_or_default(),
                    ca_file: ca_file.map(|f| f.display().to_string()).unwrap_or_default(),
                },
                password,
            )?;
            eprintln!(
                "Added {:?} ({}): Belfry emails the invitations where a calendar server does not.",
                a.name, a.server
            );
            Ok(())
        }
        AddAccount::Google { name } => add_oauth(app, AccountKind::Google, &name),
        AddAccount::Microsoft { name } => add_oauth(app, AccountKind::Microsoft, &name),
        AddAccount::Aws {
            name,
            profile,
            access_key_id,
            secret_stdin,
        } => {
            let key = match (access_key_id, secret_stdin) {
                (Some(id), true) => Some((id, read_stdin_line("--secret-stdin")?)),
                _ => None,
            };
            let a = app.add_aws_account(
                &name,
                profile.as_deref(),
                key.as_ref().map(|(id, s)| (id.as_str(), s.clone())),
            )?;
            eprintln!("Added {:?}: {}.", a.name, a.identity);
            Ok(())
        }
    }
}

/// `belfry accounts list`.
fn list_accounts(app: &App, out: &mut Out, json: bool) -> Result<(), AppError> {
    let accounts = app.accounts()?;
    if json {
        return out.json(&accounts);
    }
    if accounts.is_empty() {
        return out.line("No accounts yet: belfry accounts add caldav --name NAME --url URL --username USER --password-stdin");
    }
    let mut text = String::new();
    for a in accounts {
        text.push_str(&format!(
            "{:<20} {:<10} {:<28} {}\n",
            a.name,
            a.kind.as_str(),
            a.identity,
            if a.default_calendar.is_empty() {
                "(no default calendar)"
            } else {
                &a.default_calendar
            }
        ));
    }
    out.raw(&text)
}

/// `belfry accounts calendars NAME`.
fn list_calendars(app: &App, out: &mut Out, name: &str, json: bool) -> Result<(), AppError> {
    let calendars = app.account_calendars(name)?;
    if json {
        return out.json(&calendars);
    }
    let mut text = String::new();
    for c in calendars {
        text.push_str(&format!(
            "{}{:<24} {:<10} {:<26} {}\n",
            if c.is_default { "* " } else { "  " },
            c.name,
            if c.writable { "writable" } else { "read-only" },
            if c.sends_invitations {
                "server sends invitations"
            } else {
                "server does not invite"
            },
            c.id
        ));
    }
    out.raw(&text)
}

/// How long a command spends on what earlier runs left pending before its own work.
const OUTBOX_BUDGET: std::time::Duration = std::time::Duration::from_secs(20);

/// Finishes deliveries an earlier run left pending (killed, offline), and says so.
fn finish_outbox(app: &App) {
    match app.resume_outbox(OUTBOX_BUDGET) {
        Ok(done) => {
            for d in done {
                eprintln!(
                    "belfry: finished an earlier delivery to {} ({}): {}",
                    d.account, d.calendar, d.status
                );
            }
        }
        Err(e) => eprintln!(
            "belfry: earlier deliveries are still pending: {}",
            e.message
        ),
    }
    match app.resume_mail(OUTBOX_BUDGET) {
        Ok(done) => {
            for m in done {
                eprintln!(
                    "belfry: finished an earlier invitation email to {}: {}",
                    m.attendee,
                    m.state.as_str()
                );
            }
        }
        Err(e) => eprintln!(
            "belfry: earlier invitation emails are still waiting: {}",
            e.message
        ),
    }
}

/// The longest secret read from standard input.
const MAX_SECRET_LINE: u64 = 16 * 1024;

/// One line of standard input (a password, a passcode, a secret key), without its line end:
/// secrets are never taken from the command line, where `ps` and the shell's history see them.
fn read_stdin_line(option: &str) -> Result<Sensitive<String>, AppError> {
    use std::io::{BufRead, Read};
    let mut line = zeroize::Zeroizing::new(String::new());
    std::io::stdin()
        .lock()
        .take(MAX_SECRET_LINE)
        .read_line(&mut line)
        .map_err(|e| {
            AppError::new(
                ErrorCode::Invalid,
                format!("{option}: cannot read standard input: {e}"),
            )
        })?;
    let value = line.trim_end_matches(['\r', '\n']);
    if value.is_empty() {
        return Err(AppError::new(
            ErrorCode::Invalid,
            format!("{option}: standard input held nothing"),
        ));
    }
    Ok(Sensitive::new(value.to_owned()))
}

/// The meeting options as a form, the passcode read from standard input when asked.
fn form_of(meeting: &MeetingOptions) -> Result<MeetingForm, AppError> {
    let mut form = meeting.to_form();
    if meeting.passcode_stdin {
        form.passcode = read_stdin_line("--passcode-stdin")?.expose().clone();
    }
    Ok(form)
}

/// Signs in through the browser: prints the address, then opens it.
fn add_oauth(app: &App, kind: AccountKind, name: &str) -> Result<(), AppError> {
    let open = |url: &str| -> Result<(), String> {
        eprintln!("Sign in in your browser. If it does not open, visit:\n  {url}");
        open_browser(url)
    };
    let (account, calendars) = app.add_oauth_account(kind, name, &open)?;
    eprintln!(
        "Signed in as {} ({:?}); {} calendars, default: {}.",
        account.identity,
        account.name,
        calendars.len(),
        calendars
            .iter()
            .find(|c| c.is_default)
            .map_or("none", |c| c.name.as_str())
    );
    Ok(())
}

/// Opens `url` with `$BROWSER` (a `:`-separated list; `%s` marks the URL) or the system's
/// opener. Does not wait for the browser.
#[allow(
    clippy::disallowed_methods,
    reason = "$BROWSER, read where the CLI opens one, as xdg-open does"
)]
fn open_browser(url: &str) -> Result<(), String> {
    use std::process::{Command, Stdio};
    let spawn = |program: &str, args: &[&str]| {
        Command::new(program)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map(|_| ())
    };
    if let Ok(list) = std::env::var("BROWSER") {
        for entry in list.split(':').filter(|e| !e.trim().is_empty()) {
            let mut parts: Vec<String> = entry.split_whitespace().map(str::to_owned).collect();
            if parts.iter().any(|p| p.contains("%s")) {
                parts = parts.into_iter().map(|p| p.replace("%s", url)).collect();
            } else {
                parts.push(url.to_owned());
            }
            let (program, args) = parts.split_first().ok_or("empty $BROWSER entry")?;
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            if spawn(program, &args).is_ok() {
                return Ok(());
            }
        }
    }
    let opener: &[(&str, &[&str])] = if cfg!(target_os = "macos") {
        &[("open", &[])]
    } else if cfg!(windows) {
        &[("rundll32", &["url.dll,FileProtocolHandler"])]
    } else {
        &[("xdg-open", &[])]
    };
    for (program, pre) in opener {
        let mut args: Vec<&str> = pre.to_vec();
        args.push(url);
        if spawn(program, &args).is_ok() {
            return Ok(());
        }
    }
    Err("no browser could be started; open the address above yourself".into())
}

/// `settings set template FILE` (or `-` for stdin).
fn read_template(source: &str) -> Result<String, AppError> {
    let what = format!("the template {source}");
    let limit = belfry_core::limits::MAX_TEMPLATE_BYTES;
    if source == "-" {
        belfry_app::files::read_text_capped(std::io::stdin(), limit, &what)
    } else {
        belfry_app::files::read_file_capped(std::path::Path::new(source), limit, &what)
    }
}
