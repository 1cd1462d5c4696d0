use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};

use keyring_core::{CredentialStore, Entry, Error as KError};
use zeroize::{Zeroize, Zeroizing};

use crate::Sensitive;
use crate::chunks::{self, CHUNK, ChunkSet, Chunked, Layout, MAX_CHUNKS};

/// The keyring service name every Belfry entry is filed under.
pub const SERVICE: &str = "belfry";

/// Why the keyring could not be used. Messages say what is missing and how to fix it, and
/// never contain secret bytes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretsError {
    /// No keyring answers.
    #[error("the OS keyring is not reachable: {0}")]
    Unavailable(String),
    /// The keyring is there but locked.
    #[error(
        "the OS keyring is locked: unlock it (log in to your desktop session, or unlock the \
         \"login\" keyring in your password manager) and try again"
    )]
    Locked,
    /// The value is longer than Belfry splits over keyring entries.
    #[error("a secret is larger than Belfry stores ({0} bytes)")]
    TooLarge(usize),
    /// The keyring refused an operation, or what it holds is damaged.
    #[error("the OS keyring failed: {0}")]
    Platform(String),
}

/// Where secrets are kept. One implementation talks to the OS keyring; tests use the
/// keyring-core mock store through the same type.
pub trait SecretStore: Send + Sync {
    /// Stores `secret` under `key`, replacing what was there.
    fn set(&self, key: &str, secret: &Sensitive<String>) -> Result<(), SecretsError>;
    /// The secret under `key`, or `None`.
    fn get(&self, key: &str) -> Result<Option<Sensitive<String>>, SecretsError>;
    /// Deletes `key`; `true` when something was deleted.
    fn delete(&self, key: &str) -> Result<bool, SecretsError>;
}

/// The OS keyring through keyring-core.
///
/// Values longer than one entry holds are split over several (see the `chunks` module for
/// the layout). Replacing one is crash-safe: whenever it stops, the key reads as either the
/// complete old value or the complete new one, and the next write clears what was left.
#[derive(Debug, Clone)]
pub struct Keyring {
    store: Arc<CredentialStore>,
    /// Held for the whole of every operation, so this process never interleaves two.
    busy: Arc<Mutex<()>>,
}

static NATIVE: OnceLock<Result<Keyring, SecretsError>> = OnceLock::new();

impl Keyring {
    /// The platform's native store (Secret Service on Linux, Keychain on macOS, Credential
    /// Manager on Windows), connected once per process.
    pub fn native() -> Result<Keyring, SecretsError> {
        NATIVE
            .get_or_init(|| native_store().map(Keyring::with_store))
            .clone()
    }

    /// keyring-core's in-memory mock store, for tests. Nothing survives the process.
    pub fn mock() -> Keyring {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Keyring::with_store(Arc::new(keyring_core::mock::Store {
            id: format!("belfry-mock-{n}"),
            inner: Mutex::new(std::cell::RefCell::new(Vec::new())),
        }))
    }

    /// Belfry's entries in `store`.
    pub(crate) fn with_store(store: Arc<CredentialStore>) -> Keyring {
        Keyring {
            store,
            busy: Arc::default(),
        }
    }

    fn one_at_a_time(&self) -> MutexGuard<'_, ()> {
        self.busy.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn entry(&self, name: &str) -> Result<Entry, SecretsError> {
        self.store.build(SERVICE, name, None).map_err(map_error)
    }

    /// The value of entry `name`, wiped when dropped.
    pub(crate) fn raw_get(&self, name: &str) -> Result<Option<Zeroizing<String>>, SecretsError> {
        match self.entry(name)?.get_password() {
            Ok(v) => Ok(Some(Zeroizing::new(v))),
            Err(KError::NoEntry) => Ok(None),
            Err(e) => Err(map_error(e)),
        }
    }

    pub(crate) fn raw_set(&self, name: &str, value: &str) -> Result<(), SecretsError> {
        self.entry(name)?.set_password(value).map_err(map_error)
    }

    fn raw_delete(&self, name: &str) -> Result<bool, SecretsError> {
        match self.entry(name)?.delete_credential() {
            Ok(()) => Ok(true),
            Err(KError::NoEntry) => Ok(false),
            Err(e) => Err(map_error(e)),
        }
    }

    /// Whether entry `name` exists, without reading its secret.
    fn exists(&self, name: &str) -> Result<bool, SecretsError> {
        match self.entry(name)?.get_credential() {
            Ok(_) => Ok(true),
            Err(KError::NoEntry) => Ok(false),
            Err(e) => Err(map_error(e)),
        }
    }

    /// Writes `value`'s chunks into `set`, then switches the head to them. Until that last
    /// write the head still names the old value, whose entries this does not touch.
    fn write_chunked(&self, key: &str, set: ChunkSet, value: &str) -> Result<(), SecretsError> {
        let parts = chunks::split(value);
        if parts.len() > MAX_CHUNKS {
            return Err(SecretsError::TooLarge(value.len()));
        }
        for (i, part) in parts.iter().enumerate() {
            self.raw_set(&set.entry_name(key, i), part)?;
        }
        // What an interrupted write left in this set beyond the new chunks.
        self.sweep(key, set, parts.len())?;
        self.raw_set(key, &Chunked::describe(set, parts.len(), value).encode())
    }

    /// Deletes the chunks of `set` from index `from` on. Chunks are always written first to
    /// last and deleted last to first, so each set holds a run `0..n` with no gaps, and
    /// whatever an interruption leaves is found again by the next sweep.
    fn sweep(&self, key: &str, set: ChunkSet, from: usize) -> Result<(), SecretsError> {
        let mut end = from;
        while end < MAX_CHUNKS && self.exists(&set.entry_name(key, end))? {
            end += 1;
        }
        for i in (from..end).rev() {
            self.raw_delete(&set.entry_name(key, i))?;
        }
        Ok(())
    }

    /// Deletes every chunk of `key` except those of `keep`.
    fn sweep_all_but(&self, key: &str, keep: Option<ChunkSet>) -> Result<(), SecretsError> {
        for set in ChunkSet::ALL {
            if Some(set) != keep {
                self.sweep(key, set, 0)?;
            }
        }
        Ok(())
    }

    /// Joins the `count` chunks of `key` in `set`.
    fn join(
        &self,
        key: &str,
        set: ChunkSet,
        count: usize,
    ) -> Result<Zeroizing<String>, SecretsError> {
        // Reserved up front and never exceeded, so the buffer is never reallocated and no
        // unwiped copy of a prefix is left behind in freed memory.
        let mut value = Zeroizing::new(String::with_capacity(count * CHUNK));
        for i in 0..count {
            let part = self
                .raw_get(&set.entry_name(key, i))?
                .ok_or_else(|| incomplete(key))?;
            if part.len() > CHUNK {
                return Err(damaged(key));
            }
            value.push_str(&part);
        }
        Ok(value)
    }
}

impl SecretStore for Keyring {
    fn set(&self, key: &str, secret: &Sensitive<String>) -> Result<(), SecretsError> {
        let _busy = self.one_at_a_time();
        let value = secret.expose();
        let old = match self.raw_get(key)? {
            // A damaged head names no chunks worth keeping.
            Some(head) => Layout::parse(&head).unwrap_or(Layout::Plain),
            None => Layout::Plain,
        };
        let kept = if chunks::fits_plain(value) {
            self.raw_set(key, value)?;
            None
        } else {
            let set = old.next_set();
            self.write_chunked(key, set, value)?;
            Some(set)
        };
        self.sweep_all_but(key, kept)
    }

    fn get(&self, key: &str) -> Result<Option<Sensitive<String>>, SecretsError> {
        let _busy = self.one_at_a_time();
        let Some(head) = self.raw_get(key)? else {
            return Ok(None);
        };
        let value = match Layout::parse(&head).map_err(|_| damaged(key))? {
            Layout::Plain => head,
            Layout::Legacy { count } => self.join(key, ChunkSet::Legacy, count)?,
            Layout::Chunked(c) => {
                let value = self.join(key, c.set, c.count)?;
                if !c.matches(&value) {
                    return Err(damaged(key));
                }
                value
            }
        };
        Ok(Some(Sensitive::from_zeroizing(value)))
    }

    fn delete(&self, key: &str) -> Result<bool, SecretsError> {
        let _busy = self.one_at_a_time();
        // The head first: from then on the key reads as absent, whatever remains.
        let existed = self.raw_delete(key)?;
        self.sweep_all_but(key, None)?;
        Ok(existed)
    }
}

fn damaged(key: &str) -> SecretsError {
    SecretsError::Platform(format!("entry {key} is damaged"))
}

fn incomplete(key: &str) -> SecretsError {
    SecretsError::Platform(format!("entry {key} is incomplete"))
}

fn map_error(e: KError) -> SecretsError {
    match e {
        KError::NoStorageAccess(_) => SecretsError::Locked,
        KError::PlatformFailure(inner) => SecretsError::Platform(inner.to_string()),
        // These carry the stored bytes: wipe them, say nothing of them.
        KError::BadEncoding(mut bytes) | KError::BadDataFormat(mut bytes, _) => {
            bytes.zeroize();
            SecretsError::Platform("a stored value is not in the expected format".into())
        }
        // Its message prints the matching credentials, which some stores show with their
        // secrets.
        KError::Ambiguous(_) => {
            SecretsError::Platform("several keyring items match one Belfry entry".into())
        }
        KError::TooLong(what, limit) => SecretsError::Platform(format!(
            "{what} is longer than the keyring allows ({limit})"
        )),
        KError::NoDefaultStore => SecretsError::Unavailable(UNAVAILABLE_HINT.into()),
        other => SecretsError::Platform(other.to_string()),
    }
}

#[cfg(target_os = "linux")]
const UNAVAILABLE_HINT: &str = "no Secret Service (org.freedesktop.secrets) answers on the \
    session D-Bus. Install and start one (GNOME Keyring: `apt install gnome-keyring`, or \
    KeePassXC with Secret Service enabled) and run Belfry inside your desktop session. On a \
    machine without a desktop: dbus-run-session -- sh -c 'gnome-keyring-daemon --unlock \
    --components=secrets; belfry ...'";
#[cfg(not(target_os = "linux"))]
const UNAVAILABLE_HINT: &str = "the system credential store could not be opened";

fn native_store() -> Result<Arc<CredentialStore>, SecretsError> {
    #[cfg(target_os = "linux")]
    let made = zbus_secret_service_keyring_store::Store::new().map(|s| s as Arc<CredentialStore>);
    #[cfg(target_os = "macos")]
    let made =
        apple_native_keyring_store::keychain::Store::new().map(|s| s as Arc<CredentialStore>);
    #[cfg(target_os = "windows")]
    let made = windows_native_keyring_store::Store::new().map(|s| s as Arc<CredentialStore>);
    #[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
    let made: keyring_core::Result<Arc<CredentialStore>> = Err(KError::NoDefaultStore);

    made.map_err(|e| match e {
        KError::NoStorageAccess(_) => SecretsError::Locked,
        other => SecretsError::Unavailable(format!("{UNAVAILABLE_HINT} ({other})")),
    })
}

#[cfg(test)]
#[path = "keyring_tests.rs"]
mod tests;
