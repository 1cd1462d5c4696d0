use std::sync::{Arc, OnceLock};

use keyring_core::{CredentialStore, Entry, Error as KError};

use crate::Sensitive;

/// The keyring service name every Belfry entry is filed under.
pub const SERVICE: &str = "belfry";

/// The largest value kept in one keyring entry. Windows caps a credential at 2,560 bytes
/// (UTF-16 of about 1,280 characters); longer values are split over several entries.
const CHUNK: usize = 1_000;
const CHUNK_HEADER: &str = "belfry-chunked:v1:";
const MAX_CHUNKS: usize = 64;

/// Why the keyring could not be used. Messages say what is missing and how to fix it, and
/// never contain secret bytes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretsError {
    #[error("the OS keyring is not reachable: {0}")]
    Unavailable(String),
    #[error(
        "the OS keyring is locked: unlock it (log in to your desktop session, or unlock the \
         \"login\" keyring in your password manager) and try again"
    )]
    Locked,
    #[error("a secret is larger than Belfry stores ({0} bytes)")]
    TooLarge(usize),
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
#[derive(Debug, Clone)]
pub struct Keyring {
    store: Arc<CredentialStore>,
}

static NATIVE: OnceLock<Result<Arc<CredentialStore>, SecretsError>> = OnceLock::new();

impl Keyring {
    /// The platform's native store (Secret Service on Linux, Keychain on macOS, Credential
    /// Manager on Windows), connected once per process.
    pub fn native() -> Result<Keyring, SecretsError> {
        let store = NATIVE.get_or_init(native_store).clone()?;
        Ok(Keyring { store })
    }

    /// keyring-core's in-memory mock store, for tests. Nothing survives the process.
    pub fn mock() -> Keyring {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let store: Arc<CredentialStore> = Arc::new(keyring_core::mock::Store {
            id: format!("belfry-mock-{n}"),
            inner: std::sync::Mutex::new(std::cell::RefCell::new(Vec::new())),
        });
        Keyring { store }
    }

    fn entry(&self, key: &str) -> Result<Entry, SecretsError> {
        self.store.build(SERVICE, key, None).map_err(map_error)
    }

    fn raw_get(&self, key: &str) -> Result<Option<String>, SecretsError> {
        match self.entry(key)?.get_password() {
            Ok(v) => Ok(Some(v)),
            Err(KError::NoEntry) => Ok(None),
            Err(e) => Err(map_error(e)),
        }
    }

    fn raw_delete(&self, key: &str) -> Result<bool, SecretsError> {
        match self.entry(key)?.delete_credential() {
            Ok(()) => Ok(true),
            Err(KError::NoEntry) => Ok(false),
            Err(e) => Err(map_error(e)),
        }
    }

    fn part_key(key: &str, i: usize) -> String {
        format!("{key}#part{i}")
    }

    fn delete_parts(&self, key: &str, from: usize) -> Result<(), SecretsError> {
        for i in from..MAX_CHUNKS {
            if !self.raw_delete(&Self::part_key(key, i))? {
                break;
            }
        }
        Ok(())
    }
}

impl SecretStore for Keyring {
    fn set(&self, key: &str, secret: &Sensitive<String>) -> Result<(), SecretsError> {
        let value = secret.expose();
        if value.len() <= CHUNK && !value.starts_with(CHUNK_HEADER) {
            self.entry(key)?.set_password(value).map_err(map_error)?;
            return self.delete_parts(key, 0);
        }
        let mut parts = Vec::new();
        let mut rest = value.as_str();
        while !rest.is_empty() {
            let mut cut = CHUNK.min(rest.len());
            while !rest.is_char_boundary(cut) {
                cut -= 1;
            }
            parts.push(&rest[..cut]);
            rest = &rest[cut..];
        }
        if parts.len() > MAX_CHUNKS {
            return Err(SecretsError::TooLarge(value.len()));
        }
        // Parts first, header last: a reader never sees a header without its parts.
        for (i, part) in parts.iter().enumerate() {
            self.entry(&Self::part_key(key, i))?
                .set_password(part)
                .map_err(map_error)?;
        }
        self.entry(key)?
            .set_password(&format!("{CHUNK_HEADER}{}", parts.len()))
            .map_err(map_error)?;
        self.delete_parts(key, parts.len())
    }

    fn get(&self, key: &str) -> Result<Option<Sensitive<String>>, SecretsError> {
        let Some(head) = self.raw_get(key)? else {
            return Ok(None);
        };
        let Some(count) = head.strip_prefix(CHUNK_HEADER) else {
            return Ok(Some(Sensitive::new(head)));
        };
        let count: usize = count
            .parse()
            .map_err(|_| SecretsError::Platform(format!("entry {key} is damaged")))?;
        let mut value = String::new();
        for i in 0..count.min(MAX_CHUNKS) {
            match self.raw_get(&Self::part_key(key, i))? {
                Some(part) => value.push_str(&part),
                None => return Err(SecretsError::Platform(format!("entry {key} is incomplete"))),
            }
        }
        Ok(Some(Sensitive::new(value)))
    }

    fn delete(&self, key: &str) -> Result<bool, SecretsError> {
        let existed = self.raw_delete(key)?;
        self.delete_parts(key, 0)?;
        Ok(existed)
    }
}

fn map_error(e: KError) -> SecretsError {
    match e {
        KError::NoStorageAccess(_) => SecretsError::Locked,
        KError::PlatformFailure(inner) => SecretsError::Platform(inner.to_string()),
        KError::BadEncoding(_) | KError::BadDataFormat(..) => {
            SecretsError::Platform("a stored value is not in the expected format".into())
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
mod tests {
    use super::*;

    fn s(v: &str) -> Sensitive<String> {
        Sensitive::new(v.to_owned())
    }

    #[test]
    fn set_get_delete_round_trip() {
        let k = Keyring::mock();
        assert_eq!(k.get("a").unwrap(), None);
        k.set("a", &s("1234")).unwrap();
        assert_eq!(k.get("a").unwrap().unwrap().expose(), "1234");
        k.set("a", &s("5678")).unwrap();
        assert_eq!(k.get("a").unwrap().unwrap().expose(), "5678");
        assert!(k.delete("a").unwrap());
        assert!(!k.delete("a").unwrap());
        assert_eq!(k.get("a").unwrap(), None);
    }

    #[test]
    fn long_values_are_chunked_and_cleaned_up() {
        let k = Keyring::mock();
        let long: String = "ä".repeat(1_700) + &"x".repeat(901);
        k.set("tok", &s(&long)).unwrap();
        assert!(k.raw_get("tok").unwrap().unwrap().starts_with(CHUNK_HEADER));
        for i in 0..k.raw_get("tok").unwrap().unwrap()[CHUNK_HEADER.len()..]
            .parse::<usize>()
            .unwrap()
        {
            let part = k.raw_get(&Keyring::part_key("tok", i)).unwrap().unwrap();
            assert!(part.len() <= CHUNK, "part {i} is {} bytes", part.len());
        }
        assert_eq!(k.get("tok").unwrap().unwrap().expose(), &long);
        // Shrinking to one entry removes the parts.
        k.set("tok", &s("short")).unwrap();
        assert_eq!(k.raw_get(&Keyring::part_key("tok", 0)).unwrap(), None);
        assert_eq!(k.get("tok").unwrap().unwrap().expose(), "short");
        k.set("tok", &s(&long)).unwrap();
        assert!(k.delete("tok").unwrap());
        assert_eq!(k.raw_get(&Keyring::part_key("tok", 0)).unwrap(), None);
    }

    #[test]
    fn a_value_that_looks_like_a_header_is_stored_safely() {
        let k = Keyring::mock();
        let tricky = format!("{CHUNK_HEADER}3");
        k.set("t", &s(&tricky)).unwrap();
        assert_eq!(k.get("t").unwrap().unwrap().expose(), &tricky);
    }

    #[test]
    fn oversized_values_are_refused() {
        let k = Keyring::mock();
        let huge = "x".repeat(CHUNK * MAX_CHUNKS + 1);
        assert_eq!(
            k.set("h", &s(&huge)),
            Err(SecretsError::TooLarge(huge.len()))
        );
    }

    #[test]
    fn errors_never_carry_the_stored_bytes() {
        let e = map_error(KError::BadEncoding(b"sekrit-bytes".to_vec()));
        assert!(!e.to_string().contains("sekrit"), "{e}");
    }
}
