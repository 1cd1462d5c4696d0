//! Belfry's secrets: moderator passcodes today, account tokens later.
//!
//! Invariant: a secret lives only in the OS keyring and in Rust memory. It is wrapped in
//! [`Sensitive`], which redacts `Debug` and has no `Serialize`, so it cannot reach a log
//! line, an IPC payload or a file by accident; errors never carry secret bytes.

mod keyring;
mod sensitive;

pub use keyring::{Keyring, SecretStore, SecretsError};
pub use sensitive::Sensitive;
