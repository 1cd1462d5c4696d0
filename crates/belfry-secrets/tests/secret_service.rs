//! Against the real OS keyring (on Linux, the Secret Service on the session D-Bus).
//! `scripts/test` runs these under a private D-Bus session with an unlocked gnome-keyring.

#![allow(
    clippy::disallowed_methods,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use std::process::Command;

use belfry_secrets::{Keyring, SecretStore, Sensitive};

fn unique_key(name: &str) -> String {
    format!("test/{name}/{}", std::process::id())
}

/// A value of `chunks` kilobytes, each of its own letter from `fill` on.
fn long(fill: u8, chunks: u8) -> String {
    (0..chunks)
        .map(|i| char::from(fill + i).to_string().repeat(1_000))
        .collect()
}

/// Asserts that `key` reads as `expected`, without printing kilobytes when it does not.
fn assert_reads(keyring: &Keyring, key: &str, expected: &str) {
    let got = keyring.get(key).unwrap().map(Sensitive::into_inner);
    assert!(
        got.as_deref() == Some(expected),
        "read {:?} bytes, expected {}",
        got.map(|v| v.len()),
        expected.len()
    );
}

/// The raw Secret Service, to see and write entries below Belfry's layout.
#[cfg(target_os = "linux")]
mod raw {
    use std::collections::HashMap;
    use std::sync::Arc;

    use keyring_core::{CredentialStore, Entry};

    fn store() -> Arc<CredentialStore> {
        zbus_secret_service_keyring_store::Store::new().unwrap()
    }

    /// The names of Belfry's entries that are `key` or belong to it, sorted.
    pub fn entries_of(key: &str) -> Vec<String> {
        let spec = HashMap::from([("service", "belfry")]);
        let mut names: Vec<String> = Entry::search_in_store(&store(), &spec)
            .unwrap()
            .iter()
            .filter_map(|e| e.get_specifiers())
            .map(|(_, user)| user)
            .filter(|user| user == key || user.starts_with(&format!("{key}#")))
            .collect();
        names.sort();
        names
    }

    /// Writes ASCII `value` under `key` the way Belfry did before its v2 layout: 1,000-byte
    /// parts in `{key}#part{i}`, then a head `belfry-chunked:v1:{count}`.
    pub fn write_v1(key: &str, value: &str) {
        let store = store();
        let parts: Vec<&str> = value
            .as_bytes()
            .chunks(1_000)
            .map(|p| std::str::from_utf8(p).unwrap())
            .collect();
        for (i, part) in parts.iter().enumerate() {
            Entry::new_in_store(&store, "belfry", &format!("{key}#part{i}"))
                .unwrap()
                .set_password(part)
                .unwrap();
        }
        Entry::new_in_store(&store, "belfry", key)
            .unwrap()
            .set_password(&format!("belfry-chunked:v1:{}", parts.len()))
            .unwrap();
    }
}

#[test]
#[ignore = "needs a real Secret Service: run scripts/test"]
fn a_secret_survives_into_another_process() {
    let keyring = Keyring::native().expect("the Secret Service must be reachable");
    let key = unique_key("survives");
    keyring
        .set(&key, &Sensitive::new("73019482".to_owned()))
        .unwrap();

    // An independent client, libsecret's secret-tool, reads the item we stored.
    let out = Command::new("secret-tool")
        .args(["lookup", "service", "belfry", "username", &key])
        .output()
        .expect("secret-tool (libsecret-tools) is installed by scripts/setup");
    assert!(
        out.status.success(),
        "secret-tool: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "73019482");

    assert!(keyring.delete(&key).unwrap());
    assert_eq!(keyring.get(&key).unwrap(), None);
}

#[test]
#[ignore = "needs a real Secret Service: run scripts/test"]
fn long_secrets_round_trip_through_the_real_store() {
    let keyring = Keyring::native().unwrap();
    let key = unique_key("long");
    let long = "refresh-token-".repeat(300);
    keyring.set(&key, &Sensitive::new(long.clone())).unwrap();
    assert_eq!(keyring.get(&key).unwrap().unwrap().expose(), &long);
    assert!(keyring.delete(&key).unwrap());
    assert_eq!(keyring.get(&key).unwrap(), None);
}

#[test]
#[ignore = "needs a real Secret Service: run scripts/test"]
#[cfg(target_os = "linux")]
fn a_long_secret_is_replaced_by_another_and_leaves_nothing_behind() {
    let keyring = Keyring::native().unwrap();
    let key = unique_key("rotate");
    for (value, entries) in [
        (long(b'a', 3), 4),
        (long(b'A', 4), 5),
        (long(b'k', 2), 3),
        ("short".to_owned(), 1),
    ] {
        keyring.set(&key, &Sensitive::new(value.clone())).unwrap();
        assert_eq!(keyring.get(&key).unwrap().unwrap().expose(), &value);
        assert_eq!(
            raw::entries_of(&key).len(),
            entries,
            "{:?}",
            raw::entries_of(&key)
        );
    }
    assert!(keyring.delete(&key).unwrap());
    assert_eq!(keyring.get(&key).unwrap(), None);
    assert_eq!(raw::entries_of(&key), Vec::<String>::new());
}

#[test]
#[ignore = "needs a real Secret Service: run scripts/test"]
#[cfg(target_os = "linux")]
fn a_secret_in_the_v1_layout_is_read_then_rewritten_in_the_current_one() {
    let keyring = Keyring::native().unwrap();
    let key = unique_key("v1");
    let old = long(b'a', 3);
    raw::write_v1(&key, &old);
    assert_reads(&keyring, &key, &old);

    let new = long(b'n', 3);
    keyring.set(&key, &Sensitive::new(new.clone())).unwrap();
    assert_reads(&keyring, &key, &new);
    let entries = raw::entries_of(&key);
    assert_eq!(entries.len(), 4, "{entries:?}");
    assert!(entries.iter().all(|e| !e.contains("#part")), "{entries:?}");

    assert!(keyring.delete(&key).unwrap());
    assert_eq!(raw::entries_of(&key), Vec::<String>::new());
}
