//! Builds the Tauri context from the top-level `tauri.conf.json` and puts the app's own
//! commands under the ACL: each needs an `allow-<command>` permission in a capability.

fn main() {
    println!("cargo:rerun-if-changed=src/command_names.rs");
    let manifest = tauri_build::AppManifest::new().commands(belfry_commands::ALL);
    let attributes = tauri_build::Attributes::new()
        .config_path("../tauri.conf.json")
        .app_manifest(manifest);
    if let Err(e) = tauri_build::try_build(attributes) {
        // A build script reports failure by exiting non-zero with the reason.
        eprintln!("tauri build step failed: {e:#}");
        std::process::exit(1);
    }
}

#[path = "src/command_names.rs"]
mod belfry_commands;
