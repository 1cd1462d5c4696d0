//! Names the commit the CLI is built from, for `belfry --version`: `BELFRY_COMMIT`, git's
//! short hash of HEAD, or "unknown" outside a git checkout (a source tarball).

// A build script reads its environment and asks git.
#![allow(clippy::disallowed_methods)]

use std::path::Path;
use std::process::Command;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    // Rebuilt when HEAD moves: a new commit, a checkout (each is a line of HEAD's reflog).
    for watched in [
        ".git/HEAD",
        ".git/logs/HEAD",
        ".git/refs/heads",
        ".git/packed-refs",
    ] {
        let path = root.join(watched);
        if path.exists() {
            println!("cargo:rerun-if-changed={}", path.display());
        }
    }
    let commit = Command::new("git")
        .arg("-C")
        .arg(&root)
        .args(["rev-parse", "--short=12", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .filter(|c| !c.is_empty() && c.chars().all(|c| c.is_ascii_hexdigit()))
        .unwrap_or_else(|| "unknown".to_owned());
    println!("cargo:rustc-env=BELFRY_COMMIT={commit}");
}
