//! Belfry's local state in SQLite: the meeting history (so fresh IDs are never reused and a
//! past invitation can be copied again), settings and drafts.
//!
//! Invariant: no secret is ever written here. A moderated meeting records only that it has
//! a passcode; the passcode itself lives in the keyring (`belfry-secrets`).

#![warn(missing_docs)]
// Unit tests may read the clock, the environment and files; the code under test may not.
#![cfg_attr(test, allow(clippy::disallowed_methods))]

pub mod mail;
pub mod moves;
pub mod private;

use std::path::{Path, PathBuf};
use std::time::Duration;

use belfry_core::{Meeting, MeetingForm, MeetingId, MeetingKind};
use chrono::{DateTime, Utc};
use rusqlite::config::DbConfig;
use rusqlite::{Connection, ErrorCode, OptionalExtension, params};

/// The environment variable that moves the data directory (tests use it).
pub const DATA_DIR_ENV: &str = "BELFRY_DATA_DIR";
const DB_FILE: &str = "belfry.sqlite3";

/// Why the store could not do something.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The data directory could not be created or used.
    #[error("cannot use the data directory {path}: {source}")]
    Directory {
        /// The data directory.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// No data directory is known for this user, and none was set.
    #[error("no data directory could be found for this user; set {DATA_DIR_ENV}")]
    NoDataDir,
    /// The fresh meeting ID was used before.
    #[error("the meeting ID {0} is already in the history")]
    IdTaken(MeetingId),
    /// Another account already has this name.
    #[error("an account named {0:?} already exists")]
    NameTaken(String),
    /// The database was written by a newer Belfry, with a schema this one does not know.
    #[error(
        "the local database {path} is from a newer Belfry (schema {found}, this one knows {known})"
    )]
    TooNew {
        /// The database file.
        path: PathBuf,
        /// The database's schema version.
        found: i64,
        /// The newest schema version this Belfry knows.
        known: i64,
    },
    /// Another Belfry saved a change to the meeting (named by its UID) first.
    #[error("meeting {0} was changed by another Belfry meanwhile; read it again")]
    Changed(String),
    /// A stored record cannot be read back.
    #[error("a stored record is damaged: {0}")]
    Damaged(String),
    /// SQLite failed.
    #[error("local database: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

/// The schema, one migration per version. Never edit a released step: add one.
const MIGRATIONS: &[&str] = &[
    // 1: history, settings, drafts.
    "CREATE TABLE meetings (
        uid TEXT PRIMARY KEY,
        meeting_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        sequence INTEGER NOT NULL DEFAULT 0,
        title TEXT,
        start_utc TEXT,
        meeting_json TEXT,
        search_text TEXT NOT NULL DEFAULT '',
        has_passcode INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        cancelled_at TEXT
    ) STRICT;
    CREATE INDEX meetings_by_id ON meetings(meeting_id);
    CREATE UNIQUE INDEX meetings_fresh_id_once ON meetings(meeting_id) WHERE kind <> 'personal';
    CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
    CREATE TABLE drafts (
        name TEXT PRIMARY KEY,
        form_json TEXT NOT NULL,
        updated_at TEXT NOT NULL
    ) STRICT;",
    // 2: calendar and AWS accounts (their secrets live in the keyring).
    "CREATE TABLE accounts (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE COLLATE NOCASE,
        kind TEXT NOT NULL,
        identity TEXT NOT NULL DEFAULT '',
        config_json TEXT NOT NULL DEFAULT '{}',
        default_calendar TEXT,
        created_at TEXT NOT NULL
    ) STRICT;",
    // 3: the outbox: which version of which meeting each calendar must hold. Written
    // before the first request, so a crash or a kill never loses or repeats a meeting.
    "CREATE TABLE deliveries (
        meeting_uid TEXT NOT NULL,
        account_id TEXT NOT NULL,
        calendar TEXT NOT NULL,
        sequence INTEGER NOT NULL,
        cancelled INTEGER NOT NULL DEFAULT 0,
        state TEXT NOT NULL,
        remote_ref TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (meeting_uid, account_id, calendar)
    ) STRICT;",
    // 4: which meeting each row of a bulk run became, so running the same file again (after
    // a kill) reuses the meetings instead of making new ones.
    "CREATE TABLE bulk_rows (
        row_key TEXT PRIMARY KEY,
        meeting_id TEXT NOT NULL,
        created_at TEXT NOT NULL
    ) STRICT;",
    // 5: the outbox as a state machine: when a pending delivery is tried next, whether a
    // request for it may ever have reached the server, and which process is sending it now
    // (a lease, so two processes never write one event at once).
    "ALTER TABLE deliveries ADD COLUMN next_try_at TEXT;
    ALTER TABLE deliveries ADD COLUMN sent INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE deliveries ADD COLUMN claimed_until TEXT;
    ALTER TABLE deliveries ADD COLUMN claimed_by TEXT;
    UPDATE deliveries SET sent = 1 WHERE attempts > 0 OR state = 'done';
    CREATE INDEX deliveries_due ON deliveries(state, next_try_at);
    ALTER TABLE bulk_rows ADD COLUMN meeting_uid TEXT;
    UPDATE bulk_rows SET meeting_uid = (SELECT m.uid FROM meetings m WHERE m.meeting_id = bulk_rows.meeting_id
                                        ORDER BY m.created_at DESC LIMIT 1);",
    // 6: plain http:// to another machine now needs the user's confirmation; a CalDAV account
    // added that way before Belfry asked keeps working (adding it so was the confirmation).
    "UPDATE accounts SET config_json = json_set(config_json, '$.allow_insecure_http', json('true'))
     WHERE kind = 'caldav'
       AND (lower(json_extract(config_json, '$.server')) LIKE 'http://%'
            OR lower(json_extract(config_json, '$.calendar_home')) LIKE 'http://%');",
    // 7: events moved off Amazon Chime: one row per event, written before its first request,
    // with what the event held when it was planned (kept for the user) and what replaces its
    // Chime details (so a resumed move writes the same).
    "CREATE TABLE IF NOT EXISTS moves (
        account_id TEXT NOT NULL,
        calendar TEXT NOT NULL,
        remote_ref TEXT NOT NULL,
        title TEXT NOT NULL,
        start TEXT NOT NULL,
        target TEXT NOT NULL,
        meeting_uid TEXT,
        replacement_json TEXT,
        original_json TEXT NOT NULL,
        state TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        sent INTEGER NOT NULL DEFAULT 0,
        next_try_at TEXT,
        last_error TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (account_id, calendar, remote_ref)
    ) STRICT;",
    // 8: invitations Belfry emails itself (iMIP), one per meeting version and attendee.
    "CREATE TABLE IF NOT EXISTS mailings (
        meeting_uid TEXT NOT NULL,
        sequence INTEGER NOT NULL,
        attendee TEXT NOT NULL,
        account_id TEXT NOT NULL,
        cancel INTEGER NOT NULL DEFAULT 0,
        state TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        next_try_at TEXT,
        claimed_until TEXT,
        claimed_by TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (meeting_uid, sequence, attendee)
    ) STRICT;
    CREATE INDEX IF NOT EXISTS mailings_due ON mailings(state, next_try_at);",
    // 9: a history that stays quick as it grows: newest first (with the titles, for short
    // searches) and soonest first from an index, and the search from a trigram index of the
    // search text and the ID (so any substring of 3 or more characters is found without
    // reading every meeting). The trigram index follows the meetings by rowid, which the
    // store never renumbers (it never VACUUMs).
    "CREATE INDEX IF NOT EXISTS meetings_newest ON meetings(created_at, title);
    CREATE INDEX IF NOT EXISTS meetings_soonest ON meetings(start_utc)
        WHERE meeting_json IS NOT NULL AND cancelled_at IS NULL;
    CREATE VIRTUAL TABLE IF NOT EXISTS meetings_search USING fts5(
        search_text, meeting_id, content = 'meetings', content_rowid = 'rowid',
        tokenize = 'trigram', detail = 'none'
    );
    INSERT INTO meetings_search(meetings_search) VALUES ('rebuild');
    CREATE TRIGGER IF NOT EXISTS meetings_search_insert AFTER INSERT ON meetings BEGIN
        INSERT INTO meetings_search(rowid, search_text, meeting_id)
        VALUES (new.rowid, new.search_text, new.meeting_id);
    END;
    CREATE TRIGGER IF NOT EXISTS meetings_search_delete AFTER DELETE ON meetings BEGIN
        INSERT INTO meetings_search(meetings_search, rowid, search_text, meeting_id)
        VALUES ('delete', old.rowid, old.search_text, old.meeting_id);
    END;
    CREATE TRIGGER IF NOT EXISTS meetings_search_update
        AFTER UPDATE OF search_text, meeting_id ON meetings BEGIN
        INSERT INTO meetings_search(meetings_search, rowid, search_text, meeting_id)
        VALUES ('delete', old.rowid, old.search_text, old.meeting_id);
        INSERT INTO meetings_search(rowid, search_text, meeting_id)
        VALUES (new.rowid, new.search_text, new.meeting_id);
    END;",
];

/// Where a delivery stands.
///
/// ```text
///            want (a new version)              server confirmed
///   ──────▶ Pending ─────────────────────────────────────────▶ Done
///            │  ▲  transient failure: attempts+1, next_try_at     │
///            │  └──────────────────────                            │ want (a newer version)
///            │ permanent failure                                   ▼
///            ├──────────────────────────────▶ Failed ──retry──▶ Pending
///            │ the calendar holds a newer version
///            └──────────────────────────────▶ Superseded
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum DeliveryState {
    /// Not yet confirmed by the server; tried again at `next_try_at`.
    Pending,
    /// The calendar holds the version asked for.
    Done,
    /// The server refused it in a way retrying cannot change; `last_error` says why and
    /// what to do. Retried only when the user asks.
    Failed,
    /// The calendar already holds a newer version (changed elsewhere); nothing was
    /// overwritten.
    Superseded,
}

impl DeliveryState {
    /// Every state.
    pub const ALL: [DeliveryState; 4] = [
        DeliveryState::Pending,
        DeliveryState::Done,
        DeliveryState::Failed,
        DeliveryState::Superseded,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Pending => "pending",
            DeliveryState::Done => "done",
            DeliveryState::Failed => "failed",
            DeliveryState::Superseded => "superseded",
        }
    }

    fn from_name(name: &str) -> Option<DeliveryState> {
        DeliveryState::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

impl rusqlite::types::FromSql for DeliveryState {
    fn column_result(v: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
        let name = v.as_str()?;
        DeliveryState::from_name(name).ok_or_else(|| {
            rusqlite::types::FromSqlError::Other(format!("delivery state {name:?}").into())
        })
    }
}

/// Which calendars a saved version must reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wanted<'a> {
    /// None (a calendar file, a copied invitation).
    Nowhere,
    /// One calendar (scheduling).
    On {
        /// The account the calendar belongs to.
        account_id: &'a str,
        /// The calendar's id.
        calendar: &'a str,
    },
    /// Every calendar that holds an earlier version (a change or a cancellation).
    Everywhere,
}

/// One meeting on one calendar: the version the calendar must hold, and how far that got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// The meeting's UID.
    pub meeting_uid: String,
    /// The account the calendar belongs to.
    pub account_id: String,
    /// The calendar's id (a collection URL for CalDAV).
    pub calendar: String,
    /// The iCalendar SEQUENCE the calendar must hold.
    pub sequence: u32,
    /// The calendar must hold the cancelled event.
    pub cancelled: bool,
    /// Where the delivery stands.
    pub state: DeliveryState,
    /// Where the event is (its href, or the provider's event id), once a write was confirmed.
    pub remote_ref: Option<String>,
    /// Failed attempts at this version.
    pub attempts: u32,
    /// Why the last attempt failed, for the user.
    pub last_error: Option<String>,
    /// When a pending delivery is tried next (`None`: now).
    pub next_try_at: Option<DateTime<Utc>>,
    /// A request for this event may have reached the server (so it may exist unconfirmed).
    pub sent: bool,
    /// When the delivery last changed.
    pub updated_at: DateTime<Utc>,
}

/// Which delivery: a meeting on one calendar of one account.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DeliveryKey {
    /// The meeting's UID.
    pub meeting_uid: String,
    /// The account the calendar belongs to.
    pub account_id: String,
    /// The calendar's id.
    pub calendar: String,
}

impl Delivery {
    /// Which delivery this is.
    pub fn key(&self) -> DeliveryKey {
        DeliveryKey {
            meeting_uid: self.meeting_uid.clone(),
            account_id: self.account_id.clone(),
            calendar: self.calendar.clone(),
        }
    }
}

/// How an attempt at a delivery ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptEnd<'a> {
    /// The server answered for this version: `Done` or `Superseded`.
    Confirmed {
        /// Where the event is: its href, or the provider's event id.
        remote_ref: &'a str,
        /// `Done`, or `Superseded` when the calendar holds a newer version.
        state: DeliveryState,
    },
    /// Refused for good.
    Failed {
        /// Why, for the user.
        error: &'a str,
    },
    /// Worth another try at `next_try_at`.
    Later {
        /// Why this attempt failed, for the user.
        error: &'a str,
        /// When to try again.
        next_try_at: DateTime<Utc>,
    },
}

/// The kinds of account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum AccountKind {
    /// A Google account.
    Google,
    /// A Microsoft 365 account.
    Microsoft,
    /// A CalDAV server account.
    Caldav,
    /// AWS credentials.
    Aws,
    /// An outgoing mail server: Belfry emails the invitations a calendar server does not.
    Smtp,
}

impl AccountKind {
    /// Every kind.
    pub const ALL: [AccountKind; 5] = [
        AccountKind::Google,
        AccountKind::Microsoft,
        AccountKind::Caldav,
        AccountKind::Aws,
        AccountKind::Smtp,
    ];

    /// The stable name (`google`, `microsoft`, `caldav`, `aws`, `smtp`).
    pub fn as_str(self) -> &'static str {
        match self {
            AccountKind::Google => "google",
            AccountKind::Microsoft => "microsoft",
            AccountKind::Caldav => "caldav",
            AccountKind::Aws => "aws",
            AccountKind::Smtp => "smtp",
        }
    }

    /// Whether accounts of this kind hold calendars (AWS and mail accounts do not).
    pub fn has_calendars(self) -> bool {
        match self {
            AccountKind::Google | AccountKind::Microsoft | AccountKind::Caldav => true,
            AccountKind::Aws | AccountKind::Smtp => false,
        }
    }

    /// The kind with this stable name, if any.
    pub fn from_name(name: &str) -> Option<AccountKind> {
        AccountKind::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

/// A CalDAV account's settings, found by discovery.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct CaldavConfig {
    /// The address the user gave.
    #[serde(default)]
    pub server: String,
    /// The account's principal URL (RFC 5397 `current-user-principal`).
    #[serde(default)]
    pub principal: String,
    /// The URL of the collection that holds the account's calendars.
    pub calendar_home: String,
    /// The server schedules (RFC 6638): it emails the attendees itself.
    #[serde(default)]
    pub auto_schedule: bool,
    /// The account's calendar addresses (RFC 6638 `calendar-user-address-set`): a
    /// scheduling server tells the attendees only of meetings one of them organizes. Empty
    /// when the server lists none (or the account was added before Belfry asked).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<String>,
    /// The calendars in the account's listing that another person owns (as the server says,
    /// `DAV:owner`): a meeting on one is that person's, and a scheduling server sends it as
    /// theirs. Kept as each listing finds them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shared: Vec<String>,
    /// The user confirmed sending the password over plain http:// to another machine.
    #[serde(default)]
    pub allow_insecure_http: bool,
}

/// Where an AWS account's credentials come from (the secret key, if any, is in the keyring).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "source", rename_all = "kebab-case")]
pub enum AwsSource {
    /// A profile of the standard AWS configuration.
    Profile {
        /// The profile's name.
        profile: String,
    },
    /// An access key whose secret is in the keyring.
    AccessKey {
        /// The access key ID.
        access_key_id: String,
    },
    /// The default credential chain.
    Chain,
}

/// An outgoing mail account's settings (its password is in the keyring).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SmtpConfig {
    /// The mail server's host name.
    pub host: String,
    /// The mail server's port.
    pub port: u16,
    /// `starttls`, `tls`, or `none` (a server on this machine only).
    pub security: belfry_core::email::MailSecurity,
    /// The sender's address (From:), usually the organizer's.
    pub address: String,
    /// A certificate authority file (PEM) to trust for this server besides the usual ones.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<String>,
}

/// An account's kind and its non-secret settings, one shape per kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountConfig {
    /// A CalDAV account, with what discovery found.
    Caldav(CaldavConfig),
    /// A Google account.
    Google,
    /// A Microsoft 365 account.
    Microsoft,
    /// AWS credentials, and where they come from.
    Aws(AwsSource),
    /// An outgoing mail server.
    Smtp(SmtpConfig),
}

impl AccountConfig {
    /// The account's kind.
    pub fn kind(&self) -> AccountKind {
        match self {
            AccountConfig::Caldav(_) => AccountKind::Caldav,
            AccountConfig::Google => AccountKind::Google,
            AccountConfig::Microsoft => AccountKind::Microsoft,
            AccountConfig::Aws(_) => AccountKind::Aws,
            AccountConfig::Smtp(_) => AccountKind::Smtp,
        }
    }

    fn to_json(&self) -> Result<String, StoreError> {
        match self {
            AccountConfig::Caldav(c) => to_json(c),
            AccountConfig::Google | AccountConfig::Microsoft => {
                to_json(&serde_json::json!({ "provider": self.kind().as_str() }))
            }
            AccountConfig::Aws(a) => to_json(a),
            AccountConfig::Smtp(m) => to_json(m),
        }
    }

    fn from_json(kind: &str, json: &str) -> Result<AccountConfig, StoreError> {
        match AccountKind::from_name(kind) {
            Some(AccountKind::Caldav) => Ok(AccountConfig::Caldav(from_json(json)?)),
            Some(AccountKind::Google) => Ok(AccountConfig::Google),
            Some(AccountKind::Microsoft) => Ok(AccountConfig::Microsoft),
            Some(AccountKind::Aws) => Ok(AccountConfig::Aws(from_json(json)?)),
            Some(AccountKind::Smtp) => Ok(AccountConfig::Smtp(from_json(json)?)),
            None => Err(StoreError::Damaged(format!("an account of kind {kind:?}"))),
        }
    }
}

/// A calendar or AWS account. Its secrets are in the keyring, under keys derived from `id`.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountRecord {
    /// Stable and never shown; keyring keys are derived from it.
    pub id: String,
    /// Unique (case-insensitively); what the user types.
    pub name: String,
    /// Who is signed in: an email, a user name, an AWS identity.
    pub identity: String,
    /// Its kind and non-secret settings (server, calendar home, profile...).
    pub config: AccountConfig,
    /// The calendar used when none is named.
    pub default_calendar: Option<String>,
    /// When the account was added.
    pub created_at: DateTime<Utc>,
}

impl AccountRecord {
    /// The account's kind.
    pub fn kind(&self) -> AccountKind {
        self.config.kind()
    }
}

/// One meeting in the history.
#[derive(Debug, Clone, PartialEq)]
pub struct MeetingRecord {
    /// The calendar UID, stable across updates and the cancellation.
    pub uid: String,
    /// The meeting ID people join with.
    pub meeting_id: MeetingId,
    /// What kind of meeting it is.
    pub kind: MeetingKind,
    /// The iCalendar SEQUENCE last written.
    pub sequence: u32,
    /// `None` while the ID is only reserved (`belfry new`).
    pub meeting: Option<Meeting>,
    /// Whether a moderator passcode is kept in the keyring for it.
    pub has_passcode: bool,
    /// When it entered the history.
    pub created_at: DateTime<Utc>,
    /// When it was last saved.
    pub updated_at: DateTime<Utc>,
    /// When it was cancelled, if it was.
    pub cancelled_at: Option<DateTime<Utc>>,
}

/// The local database.
#[derive(Debug)]
pub struct Store {
    /// One connection, used by one caller at a time (the desktop app calls from many threads).
    conn: std::sync::Mutex<Connection>,
    path: PathBuf,
    /// This process's mark on the deliveries it is sending.
    holder: Holder,
}

/// A lock file this process holds exclusively for as long as its store is open. The system
/// releases it when the process ends, however it ends (a kill included), so another Belfry
/// can tell a claim of a live process from one a dead process left behind.
#[derive(Debug)]
struct Holder {
    token: String,
    dir: PathBuf,
    file: Option<std::fs::File>,
}

impl Holder {
    #[allow(
        clippy::disallowed_methods,
        reason = "the store owns its data directory: the holder file, its lock and a start-up nonce"
    )]
    fn take(data_dir: &Path) -> Result<Holder, StoreError> {
        let dir = data_dir.join("senders");
        let fail = |source| StoreError::Directory {
            path: dir.clone(),
            source,
        };
        private::private_dir(&dir).map_err(fail)?;
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let token = format!("{:x}-{nanos:x}", std::process::id());
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(dir.join(format!("{token}.lock")))
            .map_err(fail)?;
        file.try_lock()
            .map_err(|e| fail(std::io::Error::other(e.to_string())))?;
        let holder = Holder {
            token,
            dir,
            file: Some(file),
        };
        holder.sweep();
        Ok(holder)
    }

    /// Removes the marks processes that are gone left behind (a killed run's).
    #[allow(
        clippy::disallowed_methods,
        reason = "the store owns its data directory: it removes the files of holders that are gone"
    )]
    fn sweep(&self) {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return;
        };
        for entry in entries.flatten().take(MAX_SWEEP) {
            let name = entry.file_name();
            if let Some(token) = name.to_str().and_then(|n| n.strip_suffix(".lock")) {
                // `alive` removes the mark of a process that is gone.
                self.alive(token);
            }
        }
    }

    /// Whether the process that wrote `token` is still running.
    #[allow(
        clippy::disallowed_methods,
        reason = "the store owns its data directory: it reads the other holders' files"
    )]
    fn alive(&self, token: &str) -> bool {
        if token == self.token {
            return true;
        }
        if token.is_empty() || !token.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-') {
            return false;
        }
        let path = self.dir.join(format!("{token}.lock"));
        let Ok(file) = std::fs::OpenOptions::new().write(true).open(&path) else {
            return false;
        };
        match file.try_lock() {
            Ok(()) => {
                // Its process is gone: so is its mark.
                drop(file);
                let _ = std::fs::remove_file(&path);
                false
            }
            Err(std::fs::TryLockError::WouldBlock) => true,
            // Cannot tell: take it as alive (its claim runs out by itself).
            Err(std::fs::TryLockError::Error(_)) => true,
        }
    }
}

/// The most marks one start looks at.
const MAX_SWEEP: usize = 256;

impl Drop for Holder {
    #[allow(
        clippy::disallowed_methods,
        reason = "the store owns its data directory: the holder removes its file"
    )]
    fn drop(&mut self) {
        drop(self.file.take());
        let _ = std::fs::remove_file(self.dir.join(format!("{}.lock", self.token)));
    }
}

/// The data directory: `$BELFRY_DATA_DIR`, else the platform's (for example
/// `~/.local/share/belfry` on Linux).
#[allow(
    clippy::disallowed_methods,
    reason = "the data directory is one of the edges where the environment is read"
)]
pub fn data_dir() -> Result<PathBuf, StoreError> {
    if let Some(dir) = std::env::var_os(DATA_DIR_ENV).filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    directories::ProjectDirs::from("", "", "belfry")
        .map(|p| p.data_dir().to_path_buf())
        .ok_or(StoreError::NoDataDir)
}

impl Store {
    /// Opens (creating if needed) the database in the default data directory.
    pub fn open_default() -> Result<Store, StoreError> {
        Store::open(&data_dir()?)
    }

    /// Opens (creating if needed) the database in `dir`, in WAL mode, migrated.
    pub fn open(dir: &Path) -> Result<Store, StoreError> {
        let fail = |source| StoreError::Directory {
            path: dir.to_path_buf(),
            source,
        };
        private::private_dir(dir).map_err(fail)?;
        let path = dir.join(DB_FILE);
        // SQLite gives its -wal and -shm files the database file's permissions.
        match private::create_new_private(&path) {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                private::make_private(&path).map_err(fail)?;
            }
            Err(e) => return Err(fail(e)),
        }
        let mut conn = Connection::open(&path)?;
        conn.busy_timeout(Duration::from_secs(5))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // Every commit is already durable in the WAL (synchronous=FULL). Closing leaves the
        // WAL for the next checkpoint (SQLite's automatic one, at 1000 pages, within some
        // later commit) instead of copying it into the database, fsyncing that and deleting
        // the WAL, which the next CLI run would create (and fsync its folder for) again.
        conn.set_db_config(DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, true)?;
        migrate(&mut conn, &path)?;
        Ok(Store {
            conn: std::sync::Mutex::new(conn),
            path,
            holder: Holder::take(dir)?,
        })
    }

    fn conn(&self) -> Result<std::sync::MutexGuard<'_, Connection>, StoreError> {
        self.conn.lock().map_err(|_| {
            StoreError::Damaged("a database call failed midway; restart Belfry".into())
        })
    }

    /// Where the database file is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether `id` was ever used for a meeting recorded here.
    pub fn id_in_history(&self, id: MeetingId) -> Result<bool, StoreError> {
        Ok(self
            .conn()?
            .query_row(
                "SELECT 1 FROM meetings WHERE meeting_id = ?1 LIMIT 1",
                [id.code()],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }

    /// Records a new meeting. A fresh (non-personal) ID that is already in the history is
    /// refused with [`StoreError::IdTaken`], atomically, even against another process.
    pub fn insert(&self, rec: &MeetingRecord) -> Result<(), StoreError> {
        insert_meeting(&*self.conn()?, rec)
    }

    /// Records many meetings in one transaction: all of them, or none when one is refused
    /// (as [`Store::insert`] would refuse it). For an import, or a benchmark's history.
    pub fn insert_all(&self, recs: &[MeetingRecord]) -> Result<(), StoreError> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        for rec in recs {
            insert_meeting(&tx, rec)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Saves a changed record (details, sequence, cancellation) by its UID.
    pub fn update(&self, rec: &MeetingRecord) -> Result<(), StoreError> {
        let n = write_meeting(&*self.conn()?, rec, None)?;
        if n == 0 {
            return Err(StoreError::Damaged(format!(
                "no meeting with UID {}",
                rec.uid
            )));
        }
        Ok(())
    }

    /// The most recent meeting recorded with `id`.
    pub fn latest_with_id(&self, id: MeetingId) -> Result<Option<MeetingRecord>, StoreError> {
        self.conn()?
            .query_row(
                &format!(
                    "{SELECT} WHERE meeting_id = ?1 ORDER BY created_at DESC, rowid DESC LIMIT 1"
                ),
                [id.code()],
                row_to_raw,
            )
            .optional()?
            .map(RawRecord::into_record)
            .transpose()
    }

    /// The history, newest first. `query` matches title, meeting ID (any grouping) or an
    /// attendee, case-insensitively; empty matches all.
    pub fn history(&self, query: &str, limit: usize) -> Result<Vec<MeetingRecord>, StoreError> {
        self.search(query, limit, Listed::All)
    }

    /// The history's scheduled meetings (not the IDs only reserved), newest first, matched
    /// as [`Store::history`] matches.
    pub fn scheduled(&self, query: &str, limit: usize) -> Result<Vec<MeetingRecord>, StoreError> {
        self.search(query, limit, Listed::Scheduled)
    }

    fn search(
        &self,
        query: &str,
        limit: usize,
        listed: Listed,
    ) -> Result<Vec<MeetingRecord>, StoreError> {
        let q = query.trim().to_lowercase();
        let digits: String = q.chars().filter(char::is_ascii_digit).collect();
        let is_id = digits.len() >= 3
            && digits.len()
                == q.chars()
                    .filter(|c| !c.is_whitespace() && *c != '-')
                    .count();
        let scheduled = match listed {
            Listed::All => "",
            Listed::Scheduled => "title IS NOT NULL AND",
        };
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let conn = self.conn()?;
        let newest = "ORDER BY created_at DESC, rowid DESC";
        if q.is_empty() {
            let mut stmt =
                conn.prepare(&format!("{SELECT} WHERE {scheduled} 1 {newest} LIMIT ?1"))?;
            let rows = stmt.query_map([limit], row_to_raw)?;
            return rows
                .map(|r| r.map_err(StoreError::from).and_then(RawRecord::into_record))
                .collect();
        }
        let found: Vec<i64> = if q.chars().count() >= TRIGRAM {
            // The trigram index finds the meetings that have some of the query's trigrams
            // (enough to cover it), most recently recorded first; each is then checked for
            // the whole query, until `limit` are found, however many meetings match.
            let mut terms = fts_terms(&q);
            let id = if is_id {
                terms = format!("({terms}) OR ({})", fts_terms(&digits));
                digits
            } else {
                String::new()
            };
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT s.rowid FROM meetings_search s JOIN meetings m ON m.rowid = s.rowid
                 WHERE meetings_search MATCH ?1 AND {scheduled}
                       (instr(m.search_text, ?2) > 0 OR (?3 <> '' AND instr(m.meeting_id, ?3) > 0))
                 ORDER BY s.rowid DESC LIMIT ?4"
            ))?;
            stmt.query_map(params![terms, q, id, limit], |r| r.get(0))?
                .collect::<Result<_, _>>()?
        } else {
            // Too short for the index: the newest meetings whose title holds it, read from
            // the index of titles alone (no meeting's details are read until it is found).
            let mut titles = conn.prepare_cached(
                "SELECT rowid, title FROM meetings INDEXED BY meetings_newest
                 WHERE title IS NOT NULL ORDER BY created_at DESC",
            )?;
            let mut found = Vec::new();
            let mut rows = titles.query([])?;
            while let Some(row) = rows.next()? {
                let title = row.get_ref(1)?.as_str().map_err(rusqlite::Error::from)?;
                if holds_folded(title, &q) {
                    found.push(row.get(0)?);
                    if found.len() as i64 >= limit {
                        break;
                    }
                }
            }
            found
        };
        let mut stmt = conn.prepare_cached(&format!(
            "{SELECT} WHERE rowid IN (SELECT value FROM json_each(?1)) {newest}"
        ))?;
        let rows = stmt.query_map([to_json(&found)?], row_to_raw)?;
        rows.map(|r| r.map_err(StoreError::from).and_then(RawRecord::into_record))
            .collect()
    }

    /// A setting's value.
    pub fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn()?
            .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()?)
    }

    /// Sets a setting.
    pub fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.conn()?.execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [key, value],
        )?;
        Ok(())
    }

    /// Removes a setting; `true` when it was set.
    pub fn unset_setting(&self, key: &str) -> Result<bool, StoreError> {
        Ok(self
            .conn()?
            .execute("DELETE FROM settings WHERE key = ?1", [key])?
            > 0)
    }

    /// Saves the draft `name` (the form exactly as typed).
    pub fn save_draft(
        &self,
        name: &str,
        form: &MeetingForm,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.conn()?.execute(
            "INSERT INTO drafts (name, form_json, updated_at) VALUES (?1, ?2, ?3)
             ON CONFLICT(name) DO UPDATE SET form_json = excluded.form_json,
                                             updated_at = excluded.updated_at",
            params![name, to_json(form)?, now.to_rfc3339()],
        )?;
        Ok(())
    }

    /// The draft `name`, if one was saved.
    pub fn draft(&self, name: &str) -> Result<Option<MeetingForm>, StoreError> {
        let json: Option<String> = self
            .conn()?
            .query_row(
                "SELECT form_json FROM drafts WHERE name = ?1",
                [name],
                |r| r.get(0),
            )
            .optional()?;
        json.map(|j| from_json(&j)).transpose()
    }

    /// Deletes the draft `name`.
    pub fn delete_draft(&self, name: &str) -> Result<(), StoreError> {
        self.conn()?
            .execute("DELETE FROM drafts WHERE name = ?1", [name])?;
        Ok(())
    }
}

impl Store {
    /// Saves a version of a meeting and, in the same transaction, the calendars it must
    /// reach (pending), before anything is sent. `read_sequence` is the SEQUENCE the caller
    /// read the record with: when another process saved a version since, nothing is written
    /// and [`StoreError::Changed`] says to read again, so two changes never share a SEQUENCE.
    pub fn save_version(
        &self,
        rec: &MeetingRecord,
        read_sequence: u32,
        wanted: Wanted<'_>,
        now: DateTime<Utc>,
    ) -> Result<Vec<Delivery>, StoreError> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let n = write_meeting(&tx, rec, Some(read_sequence))?;
        if n == 0 {
            return Err(StoreError::Changed(rec.uid.clone()));
        }
        let cancelled = rec.cancelled_at.is_some();
        let stamp = now.to_rfc3339();
        match wanted {
            Wanted::Nowhere => {}
            Wanted::On {
                account_id,
                calendar,
            } => {
                tx.execute(
                    "INSERT INTO deliveries (meeting_uid, account_id, calendar, sequence, cancelled, state, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, 'pending', ?6)
                     ON CONFLICT (meeting_uid, account_id, calendar) DO UPDATE SET
                         sequence = excluded.sequence, cancelled = excluded.cancelled, state = 'pending',
                         attempts = 0, last_error = NULL, next_try_at = NULL, updated_at = excluded.updated_at
                     WHERE deliveries.sequence <> excluded.sequence OR deliveries.cancelled <> excluded.cancelled
                        OR deliveries.state <> 'done'",
                    params![rec.uid, account_id, calendar, rec.sequence, cancelled, stamp],
                )?;
            }
            Wanted::Everywhere => {
                tx.execute(
                    "UPDATE deliveries SET sequence = ?2, cancelled = ?3, state = 'pending', attempts = 0,
                         last_error = NULL, next_try_at = NULL, updated_at = ?4
                     WHERE meeting_uid = ?1 AND (sequence <> ?2 OR cancelled <> ?3 OR state <> 'done')",
                    params![rec.uid, rec.sequence, cancelled, stamp],
                )?;
            }
        }
        let out = deliveries_where(&tx, "meeting_uid = ?1", params![rec.uid])?;
        tx.commit()?;
        Ok(out)
    }

    /// Takes a delivery for sending until `until`, if it is pending and no other attempt
    /// holds it, and marks it as possibly sent. Returns the delivery as it now stands (the
    /// version it asks for may be newer than the caller's copy), or `None` when it is not
    /// to be sent now.
    pub fn claim_delivery(
        &self,
        key: &DeliveryKey,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Option<Delivery>, StoreError> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        // As it stood before this claim: `sent` says whether an earlier attempt may have
        // reached the server.
        let before = deliveries_where(
            &tx,
            "meeting_uid = ?1 AND account_id = ?2 AND calendar = ?3 AND state = 'pending'",
            params![key.meeting_uid, key.account_id, key.calendar],
        )?
        .pop();
        // Held by another attempt that is still running (its lease not run out, its process
        // alive)?
        let (claimed_until, claimed_by): (Option<String>, Option<String>) = tx
            .query_row(
                "SELECT claimed_until, claimed_by FROM deliveries
                 WHERE meeting_uid = ?1 AND account_id = ?2 AND calendar = ?3",
                params![key.meeting_uid, key.account_id, key.calendar],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?
            .unwrap_or_default();
        let held = claimed_until.is_some_and(|until| until > instant(now))
            && self.holder.alive(claimed_by.as_deref().unwrap_or(""));
        let out = if held { None } else { before };
        if out.is_some() {
            tx.execute(
                "UPDATE deliveries SET claimed_until = ?4, claimed_by = ?5, sent = 1
                 WHERE meeting_uid = ?1 AND account_id = ?2 AND calendar = ?3",
                params![
                    key.meeting_uid,
                    key.account_id,
                    key.calendar,
                    instant(until),
                    self.holder.token
                ],
            )?;
        }
        tx.commit()?;
        Ok(out)
    }

    /// Ends an attempt at `d` (as claimed): the server confirmed it (`Done`), or holds a newer
    /// version (`Superseded`), or refused it for good (`Failed`, with `error`); a transient
    /// failure leaves it pending until `next_try_at`. When a newer version was wanted
    /// meanwhile, that one stays pending (only what is known of the remote event is kept).
    pub fn finish_attempt(
        &self,
        d: &Delivery,
        end: AttemptEnd<'_>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let stamp = now.to_rfc3339();
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let same = "meeting_uid = ?1 AND account_id = ?2 AND calendar = ?3 AND sequence = ?4 AND cancelled = ?5";
        tx.execute(
            "UPDATE deliveries SET claimed_until = NULL, claimed_by = NULL WHERE meeting_uid = ?1 AND account_id = ?2 AND calendar = ?3",
            params![d.meeting_uid, d.account_id, d.calendar],
        )?;
        match end {
            AttemptEnd::Confirmed { remote_ref, state } => {
                if !remote_ref.is_empty() {
                    tx.execute(
                        "UPDATE deliveries SET remote_ref = ?4 WHERE meeting_uid = ?1 AND account_id = ?2 AND calendar = ?3",
                        params![d.meeting_uid, d.account_id, d.calendar, remote_ref],
                    )?;
                }
                tx.execute(
                    &format!("UPDATE deliveries SET state = ?6, last_error = NULL, next_try_at = NULL, updated_at = ?7 WHERE {same}"),
                    params![d.meeting_uid, d.account_id, d.calendar, d.sequence, d.cancelled, state.as_str(), stamp],
                )?;
            }
            AttemptEnd::Failed { error } => {
                tx.execute(
                    &format!("UPDATE deliveries SET state = 'failed', attempts = attempts + 1, last_error = ?6, next_try_at = NULL, updated_at = ?7 WHERE {same}"),
                    params![d.meeting_uid, d.account_id, d.calendar, d.sequence, d.cancelled, error, stamp],
                )?;
            }
            AttemptEnd::Later { error, next_try_at } => {
                tx.execute(
                    &format!("UPDATE deliveries SET attempts = attempts + 1, last_error = ?6, next_try_at = ?7, updated_at = ?8 WHERE {same} AND state = 'pending'"),
                    params![d.meeting_uid, d.account_id, d.calendar, d.sequence, d.cancelled, error, instant(next_try_at), stamp],
                )?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Puts a failed delivery back in line (the user asked to retry it).
    pub fn retry_delivery(
        &self,
        key: &DeliveryKey,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let n = self.conn()?.execute(
            "UPDATE deliveries SET state = 'pending', attempts = 0, next_try_at = NULL, updated_at = ?4
             WHERE meeting_uid = ?1 AND account_id = ?2 AND calendar = ?3 AND state IN ('failed', 'pending')",
            params![key.meeting_uid, key.account_id, key.calendar, now.to_rfc3339()],
        )?;
        Ok(n > 0)
    }

    /// Pending deliveries whose next try is due at `now`, oldest first (whether another
    /// attempt holds one is for [`Store::claim_delivery`] to say).
    pub fn due_deliveries(&self, now: DateTime<Utc>) -> Result<Vec<Delivery>, StoreError> {
        let conn = self.conn()?;
        deliveries_where(
            &conn,
            "state = 'pending' AND (next_try_at IS NULL OR next_try_at <= ?1)",
            params![instant(now)],
        )
    }

    /// Deliveries that are not done: pending, failed or superseded.
    pub fn open_deliveries(&self) -> Result<Vec<Delivery>, StoreError> {
        let conn = self.conn()?;
        deliveries_where(&conn, "state <> 'done'", params![])
    }

    /// For each of `ids`, the accounts whose calendars hold its latest version, in delivery
    /// order (an ID on no calendar is left out): one lookup per ID, whatever the history's
    /// size.
    pub fn calendar_accounts(
        &self,
        ids: &[MeetingId],
    ) -> Result<std::collections::HashMap<String, Vec<String>>, StoreError> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare_cached(
            "SELECT d.account_id FROM deliveries d
             WHERE d.meeting_uid = (SELECT latest.uid FROM meetings latest WHERE latest.meeting_id = ?1
                                    ORDER BY latest.created_at DESC, latest.rowid DESC LIMIT 1)
             ORDER BY d.updated_at, d.meeting_uid, d.rowid",
        )?;
        let mut out: std::collections::HashMap<String, Vec<String>> = Default::default();
        for id in ids {
            let code = id.code();
            if out.contains_key(&code) {
                continue;
            }
            let accounts = stmt
                .query_map([&code], |r| r.get::<_, String>(0))?
                .collect::<Result<Vec<_>, _>>()?;
            if !accounts.is_empty() {
                out.insert(code, accounts);
            }
        }
        Ok(out)
    }

    /// The scheduled meetings not cancelled that start (their first time) after `from` and
    /// no later than `to` (if given), soonest first, at most `limit`.
    pub fn starting(
        &self,
        from: DateTime<Utc>,
        to: Option<DateTime<Utc>>,
        limit: usize,
    ) -> Result<Vec<MeetingRecord>, StoreError> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare(&format!(
            "{SELECT} WHERE meeting_json IS NOT NULL AND cancelled_at IS NULL
                 AND start_utc > ?1 AND (?2 IS NULL OR start_utc <= ?2)
             ORDER BY start_utc, rowid LIMIT ?3"
        ))?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = stmt.query_map(
            params![from.to_rfc3339(), to.map(|t| t.to_rfc3339()), limit],
            row_to_raw,
        )?;
        rows.map(|r| r.map_err(StoreError::from).and_then(RawRecord::into_record))
            .collect()
    }

    /// Every delivery of a meeting.
    pub fn deliveries_of(&self, meeting_uid: &str) -> Result<Vec<Delivery>, StoreError> {
        let conn = self.conn()?;
        deliveries_where(&conn, "meeting_uid = ?1", params![meeting_uid])
    }

    /// The meeting (its UID) a scheduled form became, if it was scheduled before.
    pub fn bulk_row(&self, row_key: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn()?
            .query_row(
                "SELECT meeting_uid FROM bulk_rows WHERE row_key = ?1 AND meeting_uid IS NOT NULL",
                [row_key],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Remembers the meeting a scheduled form became; the first one remembered stays.
    pub fn remember_bulk_row(
        &self,
        row_key: &str,
        meeting_uid: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.conn()?.execute(
            "INSERT OR IGNORE INTO bulk_rows (row_key, meeting_id, meeting_uid, created_at)
             VALUES (?1, (SELECT meeting_id FROM meetings WHERE uid = ?2), ?2, ?3)",
            params![row_key, meeting_uid, now.to_rfc3339()],
        )?;
        Ok(())
    }

    /// Points a remembered form at another meeting, only if it still names `from` (rows
    /// running side by side: the first to move it wins). `true` when it moved.
    pub fn repoint_bulk_row(
        &self,
        row_key: &str,
        from: &str,
        to: &str,
    ) -> Result<bool, StoreError> {
        Ok(self.conn()?.execute(
            "UPDATE bulk_rows SET meeting_uid = ?3,
                 meeting_id = (SELECT meeting_id FROM meetings WHERE uid = ?3)
             WHERE row_key = ?1 AND meeting_uid = ?2",
            params![row_key, from, to],
        )? == 1)
    }

    /// Every meeting recorded with `id`, newest first (several share a personal ID).
    pub fn with_id(&self, id: MeetingId) -> Result<Vec<MeetingRecord>, StoreError> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare(&format!(
            "{SELECT} WHERE meeting_id = ?1 ORDER BY created_at DESC, rowid DESC"
        ))?;
        let rows = stmt.query_map([id.code()], row_to_raw)?;
        rows.map(|r| r.map_err(StoreError::from).and_then(RawRecord::into_record))
            .collect()
    }

    /// The meeting recorded under `uid`.
    pub fn meeting_by_uid(&self, uid: &str) -> Result<Option<MeetingRecord>, StoreError> {
        self.conn()?
            .query_row(&format!("{SELECT} WHERE uid = ?1"), [uid], row_to_raw)
            .optional()?
            .map(RawRecord::into_record)
            .transpose()
    }

    /// Adds an account; a name already in use (in any letter case) is refused.
    pub fn insert_account(&self, a: &AccountRecord) -> Result<(), StoreError> {
        let result = self.conn()?.execute(
            "INSERT INTO accounts (id, name, kind, identity, config_json, default_calendar, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![a.id, a.name, a.kind().as_str(), a.identity, a.config.to_json()?, a.default_calendar, a.created_at.to_rfc3339()],
        );
        match result {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == ErrorCode::ConstraintViolation =>
            {
                Err(StoreError::NameTaken(a.name.clone()))
            }
            other => other.map(|_| ()).map_err(StoreError::from),
        }
    }

    /// Every account, by name.
    pub fn accounts(&self) -> Result<Vec<AccountRecord>, StoreError> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare(
            "SELECT id, name, kind, identity, config_json, default_calendar, created_at
             FROM accounts ORDER BY name COLLATE NOCASE",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, Option<String>>(5)?,
                r.get::<_, String>(6)?,
            ))
        })?;
        rows.map(|row| {
            let (id, name, kind, identity, config, default_calendar, created) = row?;
            Ok(AccountRecord {
                config: AccountConfig::from_json(&kind, &config)?,
                id,
                name,
                identity,
                default_calendar,
                created_at: DateTime::parse_from_rfc3339(&created)
                    .map(|t| t.with_timezone(&Utc))
                    .map_err(|e| StoreError::Damaged(e.to_string()))?,
            })
        })
        .collect()
    }

    /// The account called `name` (any letter case).
    pub fn account(&self, name: &str) -> Result<Option<AccountRecord>, StoreError> {
        Ok(self
            .accounts()?
            .into_iter()
            .find(|a| a.name.eq_ignore_ascii_case(name.trim())))
    }

    /// The account with the stable id `id`.
    pub fn account_by_id(&self, id: &str) -> Result<Option<AccountRecord>, StoreError> {
        Ok(self.accounts()?.into_iter().find(|a| a.id == id))
    }

    /// Saves an account's changed fields (by id).
    pub fn update_account(&self, a: &AccountRecord) -> Result<(), StoreError> {
        let result = self.conn()?.execute(
            "UPDATE accounts SET name = ?2, identity = ?3, config_json = ?4, default_calendar = ?5 WHERE id = ?1",
            params![a.id, a.name, a.identity, a.config.to_json()?, a.default_calendar],
        );
        match result {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == ErrorCode::ConstraintViolation =>
            {
                Err(StoreError::NameTaken(a.name.clone()))
            }
            other => other.map(|_| ()).map_err(StoreError::from),
        }
    }

    /// Deletes an account's record; `true` when it existed.
    pub fn delete_account(&self, id: &str) -> Result<bool, StoreError> {
        Ok(self
            .conn()?
            .execute("DELETE FROM accounts WHERE id = ?1", [id])?
            > 0)
    }
}

const SELECT: &str = "SELECT uid, meeting_id, kind, sequence, meeting_json, has_passcode,
    created_at, updated_at, cancelled_at FROM meetings";

struct RawRecord {
    uid: String,
    meeting_id: String,
    kind: String,
    sequence: u32,
    meeting_json: Option<String>,
    has_passcode: bool,
    created_at: String,
    updated_at: String,
    cancelled_at: Option<String>,
}

fn row_to_raw(r: &rusqlite::Row<'_>) -> rusqlite::Result<RawRecord> {
    Ok(RawRecord {
        uid: r.get(0)?,
        meeting_id: r.get(1)?,
        kind: r.get(2)?,
        sequence: r.get(3)?,
        meeting_json: r.get(4)?,
        has_passcode: r.get(5)?,
        created_at: r.get(6)?,
        updated_at: r.get(7)?,
        cancelled_at: r.get(8)?,
    })
}

impl RawRecord {
    fn into_record(self) -> Result<MeetingRecord, StoreError> {
        let time = |s: &str| {
            DateTime::parse_from_rfc3339(s)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|e| StoreError::Damaged(format!("time {s:?}: {e}")))
        };
        Ok(MeetingRecord {
            meeting_id: MeetingId::read(&self.meeting_id)
                .map_err(|e| StoreError::Damaged(format!("meeting ID: {e}")))?,
            kind: MeetingKind::from_name(&self.kind)
                .ok_or_else(|| StoreError::Damaged(format!("meeting kind {:?}", self.kind)))?,
            sequence: self.sequence,
            meeting: self.meeting_json.as_deref().map(from_json).transpose()?,
            has_passcode: self.has_passcode,
            created_at: time(&self.created_at)?,
            updated_at: time(&self.updated_at)?,
            cancelled_at: self.cancelled_at.as_deref().map(time).transpose()?,
            uid: self.uid,
        })
    }
}

/// Inserts a meeting's row; a fresh ID already in the history is [`StoreError::IdTaken`].
fn insert_meeting(conn: &Connection, rec: &MeetingRecord) -> Result<(), StoreError> {
    let json = rec.meeting.as_ref().map(to_json).transpose()?;
    let result = conn.execute(
        "INSERT INTO meetings (uid, meeting_id, kind, sequence, title, start_utc, meeting_json,
                               has_passcode, created_at, updated_at, cancelled_at, search_text)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        params![
            rec.uid,
            rec.meeting_id.code(),
            rec.kind.as_str(),
            rec.sequence,
            rec.meeting.as_ref().map(|m| m.title.clone()),
            rec.meeting.as_ref().map(start_utc),
            json,
            rec.has_passcode,
            rec.created_at.to_rfc3339(),
            rec.updated_at.to_rfc3339(),
            rec.cancelled_at.map(|t| t.to_rfc3339()),
            search_text(rec),
        ],
    );
    match result {
        Ok(_) => Ok(()),
        Err(rusqlite::Error::SqliteFailure(e, _))
            if e.code == ErrorCode::ConstraintViolation && rec.kind.is_fresh() =>
        {
            Err(StoreError::IdTaken(rec.meeting_id))
        }
        Err(e) => Err(e.into()),
    }
}

/// What the history search looks in: title, people and description, lower-cased.
fn search_text(rec: &MeetingRecord) -> String {
    let Some(m) = &rec.meeting else {
        return String::new();
    };
    let mut parts = vec![m.title.clone(), m.description.clone()];
    parts.extend(m.attendees.iter().map(|a| a.to_string()));
    parts.extend(m.organizer.iter().map(|a| a.to_string()));
    parts.extend(m.on_behalf_of.iter().map(|a| a.to_string()));
    parts.join("\n").to_lowercase()
}

fn start_utc(m: &Meeting) -> String {
    m.resolved_start().at.with_timezone(&Utc).to_rfc3339()
}

/// Saves a meeting's fields by its UID; with `read_sequence`, only if it still holds that
/// SEQUENCE. Returns how many rows changed (0 or 1).
fn write_meeting(
    conn: &Connection,
    rec: &MeetingRecord,
    read_sequence: Option<u32>,
) -> Result<usize, StoreError> {
    let json = rec.meeting.as_ref().map(to_json).transpose()?;
    Ok(conn.execute(
        "UPDATE meetings SET kind = ?2, sequence = ?3, title = ?4, start_utc = ?5,
             meeting_json = ?6, has_passcode = ?7, updated_at = ?8, cancelled_at = ?9,
             search_text = ?10
         WHERE uid = ?1 AND (?11 IS NULL OR sequence = ?11)",
        params![
            rec.uid,
            rec.kind.as_str(),
            rec.sequence,
            rec.meeting.as_ref().map(|m| m.title.clone()),
            rec.meeting.as_ref().map(start_utc),
            json,
            rec.has_passcode,
            rec.updated_at.to_rfc3339(),
            rec.cancelled_at.map(|t| t.to_rfc3339()),
            search_text(rec),
            read_sequence,
        ],
    )?)
}

/// A time as the outbox's `next_try_at` and `claimed_until` store it: one fixed width, so
/// SQLite compares them as text correctly.
fn instant(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

fn deliveries_where(
    conn: &Connection,
    condition: &str,
    args: &[&dyn rusqlite::ToSql],
) -> Result<Vec<Delivery>, StoreError> {
    let mut stmt = conn.prepare(&format!(
        "SELECT meeting_uid, account_id, calendar, sequence, cancelled, state, remote_ref, attempts,
                last_error, next_try_at, sent, updated_at
         FROM deliveries WHERE {condition} ORDER BY updated_at, meeting_uid"
    ))?;
    let time = |s: &str| {
        DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|e| StoreError::Damaged(format!("time {s:?}: {e}")))
    };
    let rows = stmt.query_map(args, |r| {
        Ok((
            Delivery {
                meeting_uid: r.get(0)?,
                account_id: r.get(1)?,
                calendar: r.get(2)?,
                sequence: r.get(3)?,
                cancelled: r.get(4)?,
                state: r.get(5)?,
                remote_ref: r.get(6)?,
                attempts: r.get(7)?,
                last_error: r.get(8)?,
                next_try_at: None,
                sent: r.get(10)?,
                updated_at: DateTime::<Utc>::MIN_UTC,
            },
            r.get::<_, Option<String>>(9)?,
            r.get::<_, String>(11)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (mut d, next, updated) = row?;
        d.next_try_at = next.as_deref().map(time).transpose()?;
        d.updated_at = time(&updated)?;
        out.push(d);
    }
    Ok(out)
}

fn to_json<T: serde::Serialize>(v: &T) -> Result<String, StoreError> {
    serde_json::to_string(v).map_err(|e| StoreError::Damaged(e.to_string()))
}

fn from_json<T: serde::de::DeserializeOwned>(s: &str) -> Result<T, StoreError> {
    serde_json::from_str(s).map_err(|e| StoreError::Damaged(e.to_string()))
}

/// The shortest query the trigram index finds (shorter ones are matched in titles only).
const TRIGRAM: usize = 3;

/// Which meetings of the history a search lists.
#[derive(Clone, Copy)]
enum Listed {
    /// Reserved IDs too.
    All,
    /// Scheduled meetings only.
    Scheduled,
}

/// An FTS5 query for the rows whose text may hold `s` (of at least [`TRIGRAM`] characters):
/// every third of its trigrams, and its last, each quoted (so nothing in `s` is query
/// syntax). Together they cover `s`; whether a row holds it is checked on the row.
fn fts_terms(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let last = chars.len().saturating_sub(TRIGRAM);
    let mut starts: Vec<usize> = (0..=last).step_by(TRIGRAM).collect();
    if starts.last() != Some(&last) {
        starts.push(last);
    }
    starts
        .iter()
        .map(|&i| {
            let tri: String = chars[i..i + TRIGRAM].iter().collect();
            format!("\"{}\"", tri.replace('"', "\"\""))
        })
        .collect::<Vec<_>>()
        .join(" AND ")
}

/// Whether `text` holds `lower` (lower-cased), ignoring case.
fn holds_folded(text: &str, lower: &str) -> bool {
    if text.is_ascii() && lower.is_ascii() {
        let (text, lower) = (text.as_bytes(), lower.as_bytes());
        lower.is_empty()
            || text
                .windows(lower.len())
                .any(|w| w.eq_ignore_ascii_case(lower))
    } else {
        text.to_lowercase().contains(lower)
    }
}

fn migrate(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    let known = i64::try_from(MIGRATIONS.len()).unwrap_or(i64::MAX);
    let found: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if found > known {
        return Err(StoreError::TooNew {
            path: path.to_path_buf(),
            found,
            known,
        });
    }
    for (i, sql) in MIGRATIONS
        .iter()
        .enumerate()
        .skip(usize::try_from(found).unwrap_or(0))
    {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", i + 1)?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
