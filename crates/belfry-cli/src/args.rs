use std::path::PathBuf;

use belfry_core::{MeetingForm, MeetingKind, Method};
use clap::{Args, Parser, Subcommand, ValueEnum};

const ABOUT: &str = "Schedule online meetings (Amazon Chime, Jitsi Meet, your own providers): \
meeting IDs and rooms, moderator passcodes, invitations, calendar events and files.";

const LONG_ABOUT: &str =
    "Schedule online meetings (Amazon Chime, Jitsi Meet, a personal room, your \
own provider profiles): meeting IDs and rooms, moderator passcodes, invitations, calendar events \
and files. `belfry providers` lists the providers; --provider picks one per meeting.

AWS ended support for the Amazon Chime service on 20 February 2026. Belfry still does everything \
that does not need the service; `belfry about` says more.

Data: the history, settings and drafts live in a local SQLite database (BELFRY_DATA_DIR moves it). \
Moderator passcodes live in the OS keyring only.

Exit codes: 0 done; 2 bad input (the message names the option); 3 `belfry doctor` found a \
problem that makes scheduling fail; 1 anything else.";

/// `belfry --version`: the version and the commit it was built from.
const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " (", env!("BELFRY_COMMIT"), ")");

/// The `belfry` command line.
#[derive(Debug, Parser)]
#[command(name = "belfry", version = VERSION, about = ABOUT, long_about = LONG_ABOUT)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Draw a fresh meeting ID (and a moderator passcode) and reserve it in the history.
    New {
        /// Require a moderator to start the meeting; draws an 8-digit passcode.
        #[arg(long)]
        moderated: bool,
        /// Use this moderator passcode (4-8 digits) instead of drawing one. Visible to other
        /// users in the process list: prefer --passcode-stdin.
        #[arg(long, value_name = "DIGITS", requires = "moderated")]
        passcode: Option<String>,
        /// Read the moderator passcode from standard input (one line).
        #[arg(long, requires = "moderated", conflicts_with = "passcode")]
        passcode_stdin: bool,
        /// Print {"meeting_id", "display", "moderator_passcode"?} as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Write the attendee invitation (never contains the moderator passcode).
    Invite {
        #[command(flatten)]
        meeting: MeetingOptions,
        /// Output format.
        #[arg(long, value_enum, default_value_t = InviteFormat::Text)]
        format: InviteFormat,
    },
    /// Write the meeting as an iCalendar (.ics) file for any calendar app.
    Ics {
        #[command(flatten)]
        meeting: MeetingOptions,
        /// request: an invitation to the attendees; publish: an event for your own calendar
        /// (no attendees); cancel: calls a meeting from the history off for everyone.
        #[arg(long, value_enum, default_value_t = MethodArg::Request)]
        method: MethodArg,
        /// Write to FILE (atomically) instead of standard output.
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Put the meeting on a calendar of an account (CalDAV, Google, Microsoft 365), exactly once.
    /// Running the same command again (after a kill, say) is the same meeting, not a second.
    /// It prints the meeting's UID, which names it for `reschedule --uid` and `cancel --uid`.
    Schedule {
        /// The account (see `belfry accounts list`).
        #[arg(long, value_name = "NAME")]
        account: String,
        /// The calendar's id or name (default: the account's default calendar). A host's
        /// calendar makes you their delegate: the host organizes. For CalDAV, another
        /// person's calendar on the same server is given by its URL (with --on-behalf-of).
        #[arg(long, value_name = "ID")]
        calendar: Option<String>,
        /// Schedule one meeting per row of a CSV file with a header row naming the meeting
        /// options (title,start,tz,duration,attendees,organizer,...); attendees are separated
        /// by semicolons. Running the same file again never schedules a row twice.
        #[arg(long, value_name = "FILE", conflicts_with_all = ["title", "start", "meeting_id"])]
        from_csv: Option<PathBuf>,
        #[command(flatten)]
        meeting: MeetingOptions,
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Change a scheduled meeting (--meeting-id, or --uid when several meetings share an ID,
    /// as personal meetings do) on every calendar that holds it.
    Reschedule {
        /// The meeting's UID (from `belfry schedule`, `belfry history --json` or `belfry
        /// outbox`).
        #[arg(long, value_name = "UID")]
        uid: Option<String>,
        #[command(flatten)]
        meeting: MeetingOptions,
        #[arg(long)]
        json: bool,
    },
    /// Cancel a scheduled meeting on every calendar that holds it (every attendee is told).
    Cancel {
        /// The meeting ID, when one scheduled meeting has it.
        #[arg(
            long,
            value_name = "ID",
            required_unless_present = "uid",
            conflicts_with = "uid"
        )]
        meeting_id: Option<String>,
        /// The meeting's UID (several personal meetings share the personal ID).
        #[arg(long, value_name = "UID")]
        uid: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// What is still to reach a calendar: pending deliveries (tried again later by
    /// themselves), failed ones (with the reason) and ones the calendar holds a newer version
    /// of.
    Outbox {
        #[command(subcommand)]
        command: Option<OutboxCommand>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Invitation emails Belfry sends itself (through the mail account added with `belfry
    /// accounts add smtp`): list the ones not sent, email a meeting's attendees, send one
    /// again.
    Mail {
        #[command(subcommand)]
        command: MailCommand,
    },
    /// Show a moderated meeting's ID, link and passcode (from the keyring) for its moderators.
    ModeratorInfo {
        /// The meeting ID, in any grouping.
        #[arg(long, value_name = "ID")]
        meeting_id: String,
    },
    /// List past meetings, newest first.
    History {
        /// Print JSON.
        #[arg(long)]
        json: bool,
        /// Only meetings whose title, ID or attendees contain TEXT.
        #[arg(long, value_name = "TEXT")]
        search: Option<String>,
        /// At most N meetings.
        #[arg(long, value_name = "N", default_value_t = 50)]
        limit: usize,
    },
    /// The meeting providers you can schedule with: Amazon Chime, Jitsi Meet, and your own
    /// profiles (docs/providers.md).
    Providers {
        #[command(subcommand)]
        command: Option<ProvidersCommand>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show or change settings (`belfry settings show` lists them all).
    Settings {
        #[command(subcommand)]
        command: SettingsCommand,
    },
    /// Calendar accounts: add, list, rename, remove, and their calendars.
    Accounts {
        #[command(subcommand)]
        command: AccountsCommand,
    },
    /// Chime administration (accounts, users, licenses, PINs) with AWS credentials.
    Chime {
        /// The AWS account in Belfry to use (needed when there are several).
        #[arg(long, global = true, value_name = "NAME")]
        aws: Option<String>,
        #[command(subcommand)]
        command: ChimeCommand,
    },
    /// Check, days before class, whether scheduling will work for a Chime user: license,
    /// trial, suspension, account, and the calendar's address. Exit code 3 when it will not.
    Doctor {
        /// The Chime user's email (default: the organizer setting).
        #[arg(long, value_name = "EMAIL")]
        email: Option<String>,
        /// The calendar account meetings are scheduled from.
        #[arg(long, value_name = "NAME")]
        calendar_account: Option<String>,
        /// The calendar account's owner is the Chime user's delegate (set in Chime's Settings >
        /// Delegates).
        #[arg(long, requires = "calendar_account")]
        delegate: bool,
        /// The AWS account in Belfry to use (needed when there are several).
        #[arg(long, value_name = "NAME")]
        aws: Option<String>,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Move future Amazon Chime meetings off Chime: find every event that still carries
    /// Chime details on every calendar account (scan), then rewrite the ones you organize
    /// (apply), so every attendee gets the update.
    Migrate {
        #[command(subcommand)]
        command: MigrateCommand,
    },
    /// The provider profile and the Chime service's end of support.
    About,
    /// Where Belfry writes its log: a file a day in the data directory, the last week kept,
    /// with what each command, delivery and email did and why (BELFRY_LOG=debug for more).
    Logs,
    /// Shell completions for `belfry`, on standard output (for example
    /// `belfry completions bash > /usr/share/bash-completion/completions/belfry`).
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// The manual page (roff), on standard output: `belfry man | man -l -`.
    Man,
}

#[derive(Debug, Subcommand)]
pub enum MigrateCommand {
    /// List every event from today on (default: the next 12 months) that carries Chime
    /// details (the scheduling addresses, chime.aws links, meeting IDs, dial-in numbers,
    /// room-system lines), whoever made it: who organizes it, and what Belfry can do.
    Scan {
        /// Only this calendar account.
        #[arg(long, value_name = "NAME")]
        account: Option<String>,
        /// From this day (YYYY-MM-DD; default, and at the earliest: now).
        #[arg(long, value_name = "DATE")]
        from: Option<String>,
        /// Until the end of this day (YYYY-MM-DD; default: 12 months on).
        #[arg(long, value_name = "DATE")]
        to: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Rewrite the Chime meetings you organize (or hold as a host's delegate): the Chime
    /// joining details replaced by the profile's (a fresh link per meeting, or your personal
    /// room), meet@chime.aws and the pin+ address removed, everything else kept; the
    /// calendar sends the update to every attendee. Each event's new text is shown first;
    /// asks on a terminal, needs --yes otherwise. A move cut short is finished by the next run.
    Apply {
        /// The provider the meetings move to (see `belfry providers`).
        #[arg(
            long = "to",
            value_name = "PROFILE",
            required_unless_present = "remove_only"
        )]
        target: Option<String>,
        /// Remove the Chime details only, without new joining details.
        #[arg(long, conflicts_with = "target")]
        remove_only: bool,
        /// Only these events (the ids `belfry migrate scan` prints), separated by commas.
        #[arg(long, value_name = "ID", value_delimiter = ',')]
        only: Option<Vec<String>>,
        /// Only this calendar account.
        #[arg(long, value_name = "NAME")]
        account: Option<String>,
        /// From this day (YYYY-MM-DD; default, and at the earliest: now).
        #[arg(long, value_name = "DATE")]
        from: Option<String>,
        /// Until the end of this day (YYYY-MM-DD; default: 12 months on).
        #[arg(long, value_name = "DATE")]
        until: Option<String>,
        /// Do not ask.
        #[arg(long)]
        yes: bool,
        /// Print the plan and the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Every event moved so far: where each stands, and what it held before.
    Report {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ChimeCommand {
    /// Chime accounts: list, create, rename, default license, delete.
    Accounts {
        #[command(subcommand)]
        command: ChimeAccountsCommand,
    },
    /// Users of a Chime account: list, invite, license, suspend, unsuspend, reset-pin, use-pin.
    Users {
        #[command(subcommand)]
        command: ChimeUsersCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum ChimeAccountsCommand {
    /// List accounts (every page).
    List {
        /// Accounts whose name starts with this.
        #[arg(long)]
        name: Option<String>,
        /// Accounts that have a user with this email.
        #[arg(long, value_name = "EMAIL")]
        user_email: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Create a Team account.
    Create {
        name: String,
        /// Do it without asking.
        #[arg(long)]
        yes: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Rename an account.
    Rename {
        account_id: String,
        new_name: String,
        /// Do it without asking.
        #[arg(long)]
        yes: bool,
    },
    /// Change the license new users of an account get (basic or pro).
    DefaultLicense {
        account_id: String,
        license: String,
        /// Do it without asking.
        #[arg(long)]
        yes: bool,
    },
    /// Delete an account. A Team account's users must be suspended first
    /// (--suspend-users does it); a deleted account lingers 90 days.
    Delete {
        account_id: String,
        /// Suspend the account's users first (Team accounts need it).
        #[arg(long)]
        suspend_users: bool,
        /// Do it without asking.
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ChimeUsersCommand {
    /// List an account's users with license and status (every page).
    List {
        #[arg(long, value_name = "ACCOUNT-ID")]
        account: String,
        /// Only the user with this email.
        #[arg(long, value_name = "EMAIL")]
        email: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Invite email addresses to a Team account (sent in batches of 50).
    Invite {
        #[arg(long, value_name = "ACCOUNT-ID")]
        account: String,
        #[arg(required = true, value_name = "EMAIL")]
        emails: Vec<String>,
        /// Do it without asking.
        #[arg(long)]
        yes: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Give users a license: basic (cannot host) or pro.
    License {
        #[arg(long, value_name = "ACCOUNT-ID")]
        account: String,
        license: String,
        /// User ids or emails.
        #[arg(required = true, value_name = "USER")]
        users: Vec<String>,
        /// Do it without asking.
        #[arg(long)]
        yes: bool,
    },
    /// Suspend users (they cannot sign in or host).
    Suspend {
        #[arg(long, value_name = "ACCOUNT-ID")]
        account: String,
        #[arg(required = true, value_name = "USER")]
        users: Vec<String>,
        /// Do it without asking.
        #[arg(long)]
        yes: bool,
    },
    /// Lift the suspension of users (EnterpriseLWA accounts; on Team accounts invite them again).
    Unsuspend {
        #[arg(long, value_name = "ACCOUNT-ID")]
        account: String,
        #[arg(required = true, value_name = "USER")]
        users: Vec<String>,
        /// Do it without asking.
        #[arg(long)]
        yes: bool,
    },
    /// Give a user a new personal meeting ID (the old one stops working).
    ResetPin {
        #[arg(long, value_name = "ACCOUNT-ID")]
        account: String,
        user: String,
        /// Do it without asking.
        #[arg(long)]
        yes: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Use a user's personal meeting ID as Belfry's personal-id setting.
    UsePin {
        #[arg(long, value_name = "ACCOUNT-ID")]
        account: String,
        user: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum AccountsCommand {
    /// Add an account.
    Add {
        #[command(subcommand)]
        kind: AddAccount,
    },
    /// List accounts: name, kind, signed-in identity, default calendar.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// The calendars of an account: id, name, writable, whether the server sends invitations.
    Calendars {
        name: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Choose the calendar meetings go to by default (its id or name).
    DefaultCalendar { name: String, calendar: String },
    /// Rename an account.
    Rename { name: String, new_name: String },
    /// Remove an account and its secrets from the keyring.
    Remove { name: String },
}

#[derive(Debug, Subcommand)]
pub enum AddAccount {
    /// A CalDAV server (iCloud, Fastmail, Nextcloud, Radicale...): its URL or just its host.
    Caldav {
        #[arg(long)]
        name: String,
        /// Server URL, or just the host (discovery finds the calendars).
        #[arg(long, value_name = "URL")]
        url: String,
        #[arg(long, value_name = "USER")]
        username: String,
        /// Read the (app) password from standard input; it goes to the keyring only.
        #[arg(long, required = true)]
        password_stdin: bool,
        /// Allow a server on plain http:// on another machine: the password then crosses the
        /// network unencrypted. (http:// to this machine needs no flag.)
        #[arg(long)]
        allow_insecure_http: bool,
    },
    /// A Google account: sign in in your browser ($BROWSER, else the system's).
    Google {
        #[arg(long)]
        name: String,
    },
    /// A Microsoft 365 / Outlook account: sign in in your browser ($BROWSER, else the system's).
    Microsoft {
        #[arg(long)]
        name: String,
    },
    /// AWS credentials for Chime administration: a profile, an access key, or the default chain.
    Aws {
        #[arg(long)]
        name: String,
        /// A profile of ~/.aws/config or ~/.aws/credentials (SSO profiles too).
        #[arg(long, conflicts_with_all = ["access_key_id", "secret_stdin"])]
        profile: Option<String>,
        /// An access key ID; the secret access key is read from standard input.
        #[arg(long, value_name = "ID", requires = "secret_stdin")]
        access_key_id: Option<String>,
        /// Read the secret access key from standard input; it goes to the keyring only.
        #[arg(long, requires = "access_key_id")]
        secret_stdin: bool,
    },
    /// An outgoing mail server (SMTP submission): Belfry emails the invitations where the
    /// calendar server does not (CalDAV without scheduling, .ics-only meetings).
    Smtp {
        #[arg(long)]
        name: String,
        /// The server's host name, e.g. smtp.fastmail.com.
        #[arg(long, value_name = "HOST")]
        host: String,
        /// The port (default: 587 for starttls, 465 for tls).
        #[arg(long)]
        port: Option<u16>,
        /// starttls, tls, or none (only for a server on this machine).
        #[arg(long, default_value = "starttls", value_parser = parse_security)]
        security: belfry_app::MailSecurity,
        /// The user name on the server (often the email address).
        #[arg(long, value_name = "USER")]
        username: String,
        /// The sender's address (default: the user name).
        #[arg(long, value_name = "EMAIL")]
        from: Option<String>,
        /// A certificate authority file (PEM) to trust for this server besides the usual ones.
        #[arg(long, value_name = "FILE")]
        ca_file: Option<PathBuf>,
        /// Read the (app) password from standard input; it goes to the keyring only.
        #[arg(long, required = true)]
        password_stdin: bool,
    },
}

fn parse_security(s: &str) -> Result<belfry_app::MailSecurity, String> {
    belfry_app::MailSecurity::from_name(s).ok_or_else(|| {
        let names: Vec<&str> = belfry_app::MailSecurity::ALL
            .iter()
            .map(|s| s.as_str())
            .collect();
        format!("one of {}", names.join(", "))
    })
}

#[derive(Debug, Subcommand)]
pub enum MailCommand {
    /// The invitation emails not sent: waiting, refused, or perhaps sent (no answer came).
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Email the latest version of a meeting (one made with `belfry ics`, say) to each of its
    /// attendees, once.
    Send {
        /// The meeting's UID (see `belfry history`).
        uid: String,
        #[arg(long)]
        json: bool,
    },
    /// Send again an email that was refused or may not have arrived.
    Resend {
        uid: String,
        /// The version (SEQUENCE) as `belfry mail list` shows it.
        #[arg(long)]
        sequence: u32,
        /// The attendee's address.
        #[arg(long, value_name = "EMAIL")]
        to: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ProvidersCommand {
    /// Add a profile of your own from a TOML file: checked, then kept in Belfry's data folder.
    Add {
        /// The profile file.
        file: PathBuf,
    },
    /// Set the invitation template of a provider's meetings from FILE (or - for standard
    /// input), checked first; with --default, go back to the profile's own (docs/templates.md).
    Template {
        /// The provider's key.
        key: String,
        /// The template file, or - for standard input.
        #[arg(required_unless_present = "default", conflicts_with = "default")]
        file: Option<String>,
        /// Go back to the profile's own template.
        #[arg(long)]
        default: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum SettingsCommand {
    /// Print every setting.
    Show {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Set KEY to VALUE. For `template`, VALUE is a file (or - for standard input).
    Set { key: String, value: String },
    /// Return KEY to its default.
    Unset { key: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InviteFormat {
    Text,
    Html,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MethodArg {
    Request,
    Publish,
    Cancel,
}

impl From<MethodArg> for Method {
    fn from(m: MethodArg) -> Method {
        match m {
            MethodArg::Request => Method::Request,
            MethodArg::Publish => Method::Publish,
            MethodArg::Cancel => Method::Cancel,
        }
    }
}

/// What to do with the outbox.
#[derive(Debug, Subcommand)]
pub enum OutboxCommand {
    /// Send now what is pending or failed for a meeting (after fixing what the failure said).
    Retry {
        /// The meeting's UID.
        #[arg(long, value_name = "UID")]
        uid: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Repeat {
    Daily,
    Weekly,
    Monthly,
}

/// What a meeting is. Values are checked by Belfry's engine, which names the option at fault.
#[derive(Debug, Args)]
pub struct MeetingOptions {
    /// The meeting provider: chime, jitsi, personal-room, or the key of a profile added with
    /// `belfry providers add` (default: the provider setting, else chime). `belfry providers`
    /// lists them.
    #[arg(long, value_name = "KEY")]
    pub provider: Option<String>,
    /// The meeting's title (required).
    #[arg(long, value_name = "TEXT")]
    pub title: Option<String>,
    /// Local start time in --tz (required).
    #[arg(long, value_name = "YYYY-MM-DDTHH:MM")]
    pub start: Option<String>,
    /// IANA time zone (default: the time-zone setting, else the system's).
    #[arg(long, value_name = "IANA")]
    pub tz: Option<String>,
    /// Length, like 45m or 1h30m (default 1h).
    #[arg(long, value_name = "45m|1h30m")]
    pub duration: Option<String>,
    /// Use this meeting ID (from `belfry new`, the history, or a host) instead of a fresh one.
    #[arg(long, value_name = "ID", conflicts_with = "personal")]
    pub meeting_id: Option<String>,
    /// Use your personal meeting ID (the personal-id setting).
    #[arg(long)]
    pub personal: bool,
    /// Require a moderator (with a passcode) to start the meeting.
    #[arg(long, conflicts_with = "personal")]
    pub moderated: bool,
    /// The moderator passcode, 4-8 digits (default: a fresh 8-digit one). Visible to other
    /// users in the process list: prefer --passcode-stdin.
    #[arg(long, value_name = "DIGITS", requires = "moderated")]
    pub passcode: Option<String>,
    /// Read the moderator passcode from standard input (one line).
    #[arg(long, requires = "moderated", conflicts_with = "passcode")]
    pub passcode_stdin: bool,
    /// Repeat the meeting.
    #[arg(long, value_enum)]
    pub repeat: Option<Repeat>,
    /// End the series after N meetings.
    #[arg(long, value_name = "N", requires = "repeat", conflicts_with = "until")]
    pub count: Option<String>,
    /// End the series on this date (inclusive).
    #[arg(long, value_name = "YYYY-MM-DD", requires = "repeat")]
    pub until: Option<String>,
    /// Weekdays of a weekly series, like mon,wed (must include the start's day).
    #[arg(long, value_name = "mon,wed,...", requires = "repeat")]
    pub on: Option<String>,
    /// An attendee's email address; repeat for more (up to 298).
    #[arg(long = "attendee", value_name = "EMAIL")]
    pub attendees: Vec<String>,
    /// Your email address, the organizer (default: the organizer setting).
    #[arg(long, value_name = "EMAIL")]
    pub organizer: Option<String>,
    /// Schedule as a delegate on this host's behalf (the host becomes the organizer).
    #[arg(long, value_name = "EMAIL")]
    pub on_behalf_of: Option<String>,
    /// Dial-in countries, like US,GB (default: the dial-in setting, else US).
    #[arg(long, value_name = "US,GB,...")]
    pub dial_in: Option<String>,
    /// Also show the time in this IANA zone; repeat for more.
    #[arg(long = "show-zone", value_name = "IANA")]
    pub show_zones: Vec<String>,
    /// Text shown above the joining details.
    #[arg(long, value_name = "TEXT")]
    pub description: Option<String>,
}

impl MeetingOptions {
    /// The options as the engine's form.
    pub fn to_form(&self) -> MeetingForm {
        let kind = if self.personal {
            MeetingKind::Personal
        } else if self.moderated {
            MeetingKind::Moderated
        } else {
            MeetingKind::OneTime
        };
        let opt = |o: &Option<String>| o.clone().unwrap_or_default();
        MeetingForm {
            provider: opt(&self.provider),
            kind,
            meeting_id: opt(&self.meeting_id),
            passcode: opt(&self.passcode),
            title: opt(&self.title),
            start: opt(&self.start),
            time_zone: opt(&self.tz),
            duration: opt(&self.duration),
            repeat: match self.repeat {
                None => String::new(),
                Some(Repeat::Daily) => "daily".into(),
                Some(Repeat::Weekly) => "weekly".into(),
                Some(Repeat::Monthly) => "monthly".into(),
            },
            repeat_count: opt(&self.count),
            repeat_until: opt(&self.until),
            repeat_on: self.on.iter().cloned().collect(),
            attendees: self.attendees.clone(),
            organizer: opt(&self.organizer),
            on_behalf_of: opt(&self.on_behalf_of),
            description: opt(&self.description),
            dial_in: self.dial_in.iter().cloned().collect(),
            show_zones: self.show_zones.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }
}
