//! Builds the Tauri context from the top-level `tauri.conf.json`, and reads the window's IPC
//! surface from its one declaration: the `#[tauri::command]` functions of `src/commands/`.
//! From them it writes `$OUT_DIR/ipc.rs` (the command names, the handler list, and for the
//! tests the TypeScript wrappers with their argument and answer types) and puts every
//! command under the ACL (an `allow-<command>` permission a capability must grant).

// A build script reads its environment and the sources, and writes to OUT_DIR.
#![allow(clippy::disallowed_methods)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let commands = match read_commands(Path::new("src/commands")) {
        Ok(c) => c,
        Err(e) => fail(&e),
    };
    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default()).join("ipc.rs");
    if let Err(e) = std::fs::write(&out, generate(&commands)) {
        fail(&format!("cannot write {}: {e}", out.display()));
    }
    // `AppManifest::commands` keeps the names for the whole build.
    let names: Vec<&'static str> = commands
        .iter()
        .map(|c| &*Box::leak(c.name.clone().into_boxed_str()))
        .collect();
    let manifest = tauri_build::AppManifest::new().commands(Box::leak(names.into_boxed_slice()));
    let attributes = tauri_build::Attributes::new()
        .config_path("../tauri.conf.json")
        .app_manifest(manifest);
    if let Err(e) = tauri_build::try_build(attributes) {
        fail(&format!("tauri build step failed: {e:#}"));
    }
}

/// A build script reports failure by exiting non-zero with the reason.
fn fail(why: &str) -> ! {
    eprintln!("{why}");
    std::process::exit(1);
}

/// One command as its function declares it.
struct Command {
    /// The module under `commands` (`schedule`).
    module: String,
    /// The function's name, which is the command's.
    name: String,
    /// The arguments the web UI passes: (name, Rust type), without what Tauri injects.
    args: Vec<(String, String)>,
    /// `T` of its `Result<T, AppError>`.
    answer: String,
}

/// What Tauri fills in itself rather than the caller (the app state, the app handle).
const INJECTED: &[&str] = &["State", "AppHandle"];

fn read_commands(dir: &Path) -> Result<Vec<Command>, String> {
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "rs"))
        .filter(|p| p.file_stem().is_some_and(|s| s != "mod"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for file in files {
        println!("cargo:rerun-if-changed={}", file.display());
        let module = file
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_owned();
        let text = std::fs::read_to_string(&file)
            .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
        let parsed = syn::parse_file(&text).map_err(|e| format!("{}: {e}", file.display()))?;
        for item in parsed.items {
            let syn::Item::Fn(f) = item else { continue };
            let is_command = f.attrs.iter().any(|a| {
                let p = a.path();
                p.segments.len() == 2
                    && p.segments[0].ident == "tauri"
                    && p.segments[1].ident == "command"
            });
            if !is_command {
                continue;
            }
            let name = f.sig.ident.to_string();
            let mut args = Vec::new();
            for input in &f.sig.inputs {
                let syn::FnArg::Typed(t) = input else {
                    return Err(format!("{module}::{name}: a command takes no self"));
                };
                let syn::Pat::Ident(id) = &*t.pat else {
                    return Err(format!(
                        "{module}::{name}: every argument needs a plain name"
                    ));
                };
                let ty = type_text(&t.ty);
                if INJECTED.iter().any(|i| ty.starts_with(&format!("{i}<"))) {
                    continue;
                }
                args.push((id.ident.to_string(), ty));
            }
            let answer = match &f.sig.output {
                syn::ReturnType::Type(_, ty) => result_ok(ty),
                syn::ReturnType::Default => None,
            }
            .ok_or_else(|| format!("{module}::{name}: a command answers Result<T, AppError>"))?;
            out.push(Command {
                module: module.clone(),
                name,
                args,
                answer,
            });
        }
    }
    Ok(out)
}

/// A type as written, without the spaces `quote` puts between tokens.
fn type_text(ty: &syn::Type) -> String {
    let mut text = quote::ToTokens::to_token_stream(ty).to_string();
    for (from, to) in [
        (" < ", "<"),
        ("< ", "<"),
        (" <", "<"),
        (" >", ">"),
        (" ,", ","),
        ("& '", "&'"),
        (" :: ", "::"),
    ] {
        text = text.replace(from, to);
    }
    text
}

/// `T` of `Result<T, AppError>`.
fn result_ok(ty: &syn::Type) -> Option<String> {
    let syn::Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    if last.ident != "Result" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(a) = &last.arguments else {
        return None;
    };
    match (a.args.first(), a.args.iter().nth(1)) {
        (Some(syn::GenericArgument::Type(ok)), Some(syn::GenericArgument::Type(err)))
            if type_text(err) == "AppError" =>
        {
            Some(type_text(ok))
        }
        _ => None,
    }
}

/// `snake_case` as the web UI spells it: Tauri takes arguments in camelCase.
fn camel(snake: &str) -> String {
    let mut out = String::new();
    let mut up = false;
    for c in snake.chars() {
        if c == '_' {
            up = true;
        } else if up {
            out.extend(c.to_uppercase());
            up = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// The type TypeScript sees for a Rust argument: a secret crosses as its text.
fn wire_type(rust: &str) -> String {
    match rust {
        "Sensitive<String>" => "String".to_owned(),
        "()" => "()".to_owned(),
        other => other.to_owned(),
    }
}

fn generate(commands: &[Command]) -> String {
    let mut out = String::from(
        "// Generated by build.rs from the #[tauri::command] functions of src/commands/.\n\n",
    );
    out.push_str("/// Every command the web UI may call, as the ACL names it (read by the tests).\n#[cfg_attr(not(test), allow(dead_code))]\n");
    out.push_str("pub const ALL: &[&str] = &[\n");
    for c in commands {
        let _ = writeln!(out, "    {:?},", c.name);
    }
    out.push_str("];\n\n");
    out.push_str("/// Every command, registered with Tauri.\nmacro_rules! ipc_handler {\n    () => {\n        tauri::generate_handler![\n");
    for c in commands {
        let _ = writeln!(out, "            {}::{},", c.module, c.name);
    }
    out.push_str("        ]\n    };\n}\n\n");
    out.push_str("/// A command as the web UI calls it.\n#[cfg(test)]\npub struct TsCommand {\n    /// Its name in camelCase.\n    pub camel: &'static str,\n    pub name: &'static str,\n    /// (camelCase name, TypeScript type) of each argument.\n    pub args: Vec<(&'static str, String)>,\n    /// The TypeScript type of its answer.\n    pub answer: String,\n}\n\n");
    out.push_str("/// Each command as the web UI calls it: its name in camelCase, its name, its arguments\n/// (camelCase name, TypeScript type) and its answer's TypeScript type, from the Rust types\n/// (ts-rs).\n#[cfg(test)]\npub fn typescript_commands(cfg: &ts_rs::Config) -> Vec<TsCommand> {\n    #[allow(unused_imports)]\n    use belfry_app::*;\n    #[allow(unused_imports)]\n    use belfry_app::bulk::*;\n    #[allow(unused_imports)]\n    use belfry_core::MeetingForm;\n    use ts_rs::TS;\n    vec![\n");
    for c in commands {
        let args: Vec<String> = c
            .args
            .iter()
            .map(|(n, t)| format!("({:?}, <{} as TS>::name(cfg))", camel(n), wire_type(t)))
            .collect();
        let answer = if c.answer == "()" {
            "String::from(\"void\")".to_owned()
        } else {
            format!("<{} as TS>::name(cfg)", wire_type(&c.answer))
        };
        let _ = writeln!(
            out,
            "        TsCommand {{ camel: {:?}, name: {:?}, args: vec![{}], answer: {answer} }},",
            camel(&c.name),
            c.name,
            args.join(", ")
        );
    }
    out.push_str("    ]\n}\n");
    out
}
