//! The shell's contracts: the lockdown (CSP, capabilities, command ACL) and the TypeScript
//! bindings the UI compiles against.

use std::path::{Path, PathBuf};

use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("tests run under cargo")).join("..")
}

fn json(path: &str) -> Value {
    let text = std::fs::read_to_string(root().join(path)).unwrap();
    serde_json::from_str(&text).unwrap()
}

#[test]
fn csp_is_strict() {
    let conf = json("tauri.conf.json");
    let csp = &conf["app"]["security"]["csp"];
    let directive = |name: &str| {
        csp[name]
            .as_str()
            .unwrap_or_else(|| panic!("CSP lacks {name}"))
    };
    assert_eq!(directive("default-src"), "'self'");
    let scripts = directive("script-src");
    for banned in [
        "unsafe-eval",
        "unsafe-inline",
        "data:",
        "blob:",
        "http:",
        "https:",
        "*",
    ] {
        assert!(
            !scripts.contains(banned),
            "script-src allows {banned}: {scripts}"
        );
    }
    for (name, value) in csp.as_object().unwrap() {
        let value = value.as_str().unwrap();
        assert!(!value.contains("unsafe-eval"), "{name} allows unsafe-eval");
        for token in value.split_whitespace() {
            let remote = token.starts_with("http") && token != "http://ipc.localhost";
            assert!(
                !remote && token != "*",
                "{name} allows the remote origin {token}"
            );
        }
    }
    assert_eq!(directive("object-src"), "'none'");
    assert_eq!(directive("frame-ancestors"), "'none'");
    assert_eq!(conf["app"]["security"]["freezePrototype"], true);
    assert_eq!(conf["app"]["withGlobalTauri"], false);
    assert!(conf["app"]["security"]["dangerousDisableAssetCspModification"].is_null());
    // The UI comes from the binary, never from a server.
    assert!(conf["build"]["devUrl"].is_null());
    assert_eq!(conf["build"]["frontendDist"], "ui/dist");
}

#[test]
fn capabilities_grant_only_the_apps_commands() {
    let conf = json("tauri.conf.json");
    assert_eq!(
        conf["app"]["security"]["capabilities"],
        serde_json::json!(["main"])
    );
    let dir = root().join("src-tauri/capabilities");
    let files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "unexpected capability files: {files:?}");
    let mut cap = json("src-tauri/capabilities/main.json");
    assert_eq!(cap["windows"], serde_json::json!(["main"]));
    assert!(
        cap["remote"].is_null(),
        "no remote origin may use a capability"
    );
    let granted: Vec<&str> = cap["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    // Every command the functions declare (build.rs reads them), and event listening.
    let mut expected: Vec<String> = crate::commands::ALL
        .iter()
        .map(|c| format!("allow-{}", c.replace('_', "-")))
        .collect();
    expected.extend([
        "core:event:allow-listen".to_owned(),
        "core:event:allow-unlisten".to_owned(),
    ]);
    let mut granted_sorted: Vec<String> = granted.iter().map(|s| (*s).to_owned()).collect();
    granted_sorted.sort();
    expected.sort();
    if std::env::var_os("BELFRY_UPDATE_BINDINGS").is_some() && granted_sorted != expected {
        cap["permissions"] = serde_json::json!(expected);
        let text = serde_json::to_string_pretty(&cap).unwrap() + "\n";
        std::fs::write(root().join("src-tauri/capabilities/main.json"), text).unwrap();
        granted_sorted = expected.clone();
    }
    assert_eq!(
        granted_sorted, expected,
        "src-tauri/capabilities/main.json must grant exactly the app's commands and event listening: run BELFRY_UPDATE_BINDINGS=1 cargo test -p belfry-desktop"
    );
}

/// `ui/src/ipc/commands.ts`: a wrapper per command, its arguments and answer typed from the
/// Rust function's (build.rs reads the functions; ts-rs names the types).
pub fn typescript_commands() -> String {
    let cfg = ts_rs::Config::default();
    let commands = crate::commands::typescript_commands(&cfg);
    let mut types = std::collections::BTreeSet::new();
    let mut body = String::new();
    for crate::commands::TsCommand {
        camel,
        name,
        args,
        answer,
    } in &commands
    {
        for ty in args.iter().map(|(_, t)| t).chain([answer]) {
            for word in ty.split(|c: char| !c.is_ascii_alphanumeric()) {
                if word.starts_with(|c: char| c.is_ascii_uppercase()) && word != "Array" {
                    types.insert(word.to_owned());
                }
            }
        }
        let params: Vec<String> = args.iter().map(|(k, t)| format!("{k}: {t}")).collect();
        let keys: Vec<&str> = args.iter().map(|(k, _)| *k).collect();
        let passed = if keys.is_empty() {
            String::new()
        } else {
            format!(", {{ {} }}", keys.join(", "))
        };
        body.push_str(&format!(
            "  {camel}: ({}) => call<{answer}>(\"{name}\"{passed}),\n",
            params.join(", ")
        ));
    }
    let imports: Vec<String> = types.into_iter().collect();
    format!(
        "// Generated from the #[tauri::command] functions of src-tauri/src/commands/ by\n// `BELFRY_UPDATE_BINDINGS=1 cargo test -p belfry-desktop`.\n// Do not edit: a test fails when this file and the Rust functions drift apart.\n\nimport type {{ {} }} from \"./bindings\";\nimport {{ call }} from \"./call\";\n\n/** Every command of the window, as its Rust function declares it. */\nexport const commands = {{\n{body}}};\n",
        imports.join(", ")
    )
}

#[test]
fn typescript_commands_are_current() {
    let path = root().join("ui/src/ipc/commands.ts");
    let want = typescript_commands();
    if std::env::var_os("BELFRY_UPDATE_BINDINGS").is_some() {
        std::fs::write(&path, &want).unwrap();
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "ui/src/ipc/commands.ts is out of date: run BELFRY_UPDATE_BINDINGS=1 cargo test -p belfry-desktop"
    );
}

#[test]
fn no_command_runs_on_the_main_thread() {
    // A synchronous Tauri command runs on the window's main thread: a keyring prompt, a busy
    // database or a slow disk would freeze the window. Every command is async and does its
    // work through `Shell::blocking`.
    let dir = root().join("src-tauri/src/commands");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let source = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = source.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            if line.trim() == "#[tauri::command]" {
                let next = lines[i + 1..]
                    .iter()
                    .find(|l| !l.trim_start().starts_with("///"))
                    .unwrap();
                assert!(
                    next.starts_with("pub async fn "),
                    "{}: a command that is not async: {next}",
                    path.display()
                );
                checked += 1;
            }
        }
    }
    assert_eq!(checked, crate::commands::ALL.len());
}

#[test]
fn only_the_ipc_module_imports_tauri() {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "ts") {
                out.push(path);
            }
        }
    }
    let src = root().join("ui/src");
    let mut files = Vec::new();
    walk(&src, &mut files);
    assert!(files.len() > 5, "ui/src not found");
    let ipc = src.join("ipc");
    let offenders: Vec<_> = files
        .iter()
        .filter(|f| !f.starts_with(&ipc))
        .filter(|f| std::fs::read_to_string(f).unwrap().contains("@tauri-apps/"))
        .collect();
    assert!(
        offenders.is_empty(),
        "only ui/src/ipc may import @tauri-apps/*: {offenders:?}"
    );
}

/// The TypeScript declarations of every IPC type, in one file.
pub fn bindings() -> String {
    use ts_rs::TS;
    let cfg = ts_rs::Config::default();
    let decls = [
        belfry_core::MeetingKind::decl(&cfg),
        belfry_core::Field::decl(&cfg),
        belfry_core::FieldError::decl(&cfg),
        belfry_core::MeetingForm::decl(&cfg),
        belfry_app::ErrorCode::decl(&cfg),
        belfry_app::Hint::decl(&cfg),
        belfry_app::AppError::decl(&cfg),
        belfry_app::Preview::decl(&cfg),
        belfry_app::NewMeetingView::decl(&cfg),
        belfry_app::SettingsView::decl(&cfg),
        belfry_app::CountryView::decl(&cfg),
        belfry_app::ProviderView::decl(&cfg),
        belfry_app::ProviderTemplate::decl(&cfg),
        belfry_app::Catalog::decl(&cfg),
        belfry_app::HistoryView::decl(&cfg),
        belfry_app::AccountKind::decl(&cfg),
        belfry_app::AccountView::decl(&cfg),
        belfry_app::CalendarView::decl(&cfg),
        belfry_app::AccountAdded::decl(&cfg),
        belfry_app::Removed::decl(&cfg),
        belfry_app::DeliveryState::decl(&cfg),
        belfry_app::DeliveryStatus::decl(&cfg),
        belfry_app::DeliveryView::decl(&cfg),
        belfry_app::MailState::decl(&cfg),
        belfry_app::MailView::decl(&cfg),
        belfry_app::MailSecurity::decl(&cfg),
        belfry_app::SmtpForm::decl(&cfg),
        belfry_app::InvitationSender::decl(&cfg),
        belfry_app::ScheduleOutcome::decl(&cfg),
        belfry_app::bulk::BulkProgress::decl(&cfg),
        belfry_app::bulk::BulkRow::decl(&cfg),
        belfry_app::License::decl(&cfg),
        belfry_app::AccountType::decl(&cfg),
        belfry_app::AccountStatus::decl(&cfg),
        belfry_app::Registration::decl(&cfg),
        belfry_app::InviteStatus::decl(&cfg),
        belfry_app::EmailStatus::decl(&cfg),
        belfry_app::ChimeAccount::decl(&cfg),
        belfry_app::ChimeUser::decl(&cfg),
        belfry_app::Invite::decl(&cfg),
        belfry_app::UserFailure::decl(&cfg),
        belfry_app::Deleted::decl(&cfg),
        belfry_app::Severity::decl(&cfg),
        belfry_app::AdminAction::decl(&cfg),
        belfry_app::Finding::decl(&cfg),
        belfry_app::Report::decl(&cfg),
        belfry_app::MoveState::decl(&cfg),
        belfry_app::EventTexts::decl(&cfg),
        belfry_app::OpenedLink::decl(&cfg),
        belfry_app::WindowPrefs::decl(&cfg),
        belfry_app::Organizer::decl(&cfg),
        belfry_app::ChimeEvent::decl(&cfg),
        belfry_app::ChimeScan::decl(&cfg),
        belfry_app::PlannedMove::decl(&cfg),
        belfry_app::SkippedEvent::decl(&cfg),
        belfry_app::MovePlan::decl(&cfg),
        belfry_app::MoveOutcome::decl(&cfg),
        belfry_app::MoveReport::decl(&cfg),
    ];
    let mut out = String::from(
        "// Generated from the Rust types by `BELFRY_UPDATE_BINDINGS=1 cargo test -p belfry-desktop`.\n// Do not edit: a test fails when this file and the Rust types drift apart.\n\n",
    );
    for d in decls {
        out.push_str("export ");
        out.push_str(d.trim());
        out.push_str("\n\n");
    }
    out.trim_end().to_owned() + "\n"
}

#[test]
fn typescript_bindings_are_current() {
    let path = root().join("ui/src/ipc/bindings.ts");
    let want = bindings();
    if std::env::var_os("BELFRY_UPDATE_BINDINGS").is_some() {
        std::fs::write(&path, &want).unwrap();
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "ui/src/ipc/bindings.ts is out of date: run BELFRY_UPDATE_BINDINGS=1 cargo test -p belfry-desktop"
    );
}
