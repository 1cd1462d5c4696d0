//! Against the real OS keyring (on Linux, the Secret Service on the session D-Bus).
//! `scripts/test` runs these under a private D-Bus session with an unlocked gnome-keyring.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;

use belfry_secrets::{Keyring, SecretStore, Sensitive};

fn unique_key(name: &str) -> String {
    format!("test/{name}/{}", std::process::id())
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
