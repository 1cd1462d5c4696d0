//! The log: what each command and each delivery or email attempt did and why it ended as it
//! did, in `logs/` of the data directory (a file a day, the last [`KEPT_FILES`] kept).
//!
//! What it holds: command names, meeting UIDs, account ids, calendar URLs, attendees'
//! addresses, states, and error messages. Never a password, a token, a passcode or a
//! meeting's title or text: the fields are written here and in the outbox by name, and the
//! error messages are built without secrets (a test plants canaries and reads the log).

use std::path::{Path, PathBuf};

use tracing_appender::rolling::{RollingFileAppender, Rotation};
use tracing_subscriber::filter::LevelFilter;

/// The log's folder in the data directory.
pub const LOG_DIR: &str = "logs";

/// How many daily files are kept.
pub const KEPT_FILES: usize = 7;

/// The environment variable that sets how much is logged (`error`, `warn`, `info`, `debug`,
/// `trace`, or `off`); `info` when unset.
pub const LEVEL_ENV: &str = "BELFRY_LOG";

/// The log's folder for the data directory `data_dir`.
pub fn log_dir(data_dir: &Path) -> PathBuf {
    data_dir.join(LOG_DIR)
}

/// Starts writing this process's log in `data_dir`'s log folder, and answers the folder. A
/// log that cannot be opened (a read-only disk) is not fatal: the process runs without one
/// and says why.
#[allow(
    clippy::disallowed_methods,
    reason = "the log level is one of the edges where the environment is read, and the log's folder is made here"
)]
pub fn start(data_dir: &Path) -> Result<PathBuf, String> {
    let dir = log_dir(data_dir);
    let level = match std::env::var(LEVEL_ENV) {
        Ok(v) => v.trim().parse::<LevelFilter>().map_err(|_| {
            format!(
                "{LEVEL_ENV}={v:?} is not a log level: use error, warn, info, debug, trace or off"
            )
        })?,
        Err(_) => LevelFilter::INFO,
    };
    // Made first: the appender prunes old files as it opens, and says so on stderr when the
    // folder is not there yet.
    std::fs::create_dir_all(&dir)
        .map_err(|e| format!("the log's folder {} cannot be made: {e}", dir.display()))?;
    let file = RollingFileAppender::builder()
        .rotation(Rotation::DAILY)
        .filename_prefix("belfry")
        .filename_suffix("log")
        .max_log_files(KEPT_FILES)
        .build(&dir)
        .map_err(|e| format!("the log in {} cannot be opened: {e}", dir.display()))?;
    let subscriber = tracing_subscriber::fmt()
        .with_writer(file)
        .with_ansi(false)
        .with_target(false)
        .with_max_level(level)
        .finish();
    // A second start in one process (the tests) keeps the first.
    let _ = tracing::subscriber::set_global_default(subscriber);
    Ok(dir)
}
