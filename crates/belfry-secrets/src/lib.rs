//! Belfry's secrets: moderator passcodes today, account tokens later.
//!
//! Invariant: a secret lives only in the OS keyring and in Rust memory. It is wrapped in
//! [`Sensitive`], which redacts `Debug` and has no `Serialize`, so it cannot reach a log
//! line, an IPC payload or a file by accident; errors never carry secret bytes. Its memory,
//! and that of every buffer this crate builds from a secret (the chunks read back from the
//! keyring, the joined value), is zeroed when dropped. Copies made inside the platform's
//! keyring client are out of its reach.

#![warn(missing_docs)]
// Unit tests may read the clock, the environment and files; the code under test may not.
#![cfg_attr(test, allow(clippy::disallowed_methods))]

mod chunks;
mod keyring;
mod sensitive;

pub use keyring::{Keyring, SecretStore, SecretsError};
pub use sensitive::Sensitive;
