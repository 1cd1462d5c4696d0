//! An empty Tauri 2 window: the baseline Belfry's start-up time and memory are compared with.

fn main() -> std::process::ExitCode {
    match tauri::Builder::default().run(tauri::generate_context!()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("empty app: {e}");
            std::process::ExitCode::from(1)
        }
    }
}
