//! The commands the web UI may call, grouped by feature. Each is one line into `belfry-app`.
//!
//! Their functions are the IPC surface's one declaration: `build.rs` reads them and writes
//! the command names (the ACL and the capability check), the handler list below and the
//! TypeScript wrappers (`ui/src/ipc/commands.ts`, kept current by a test).

mod accounts;
mod chime;
mod desktop;
mod history;
mod migrate;
mod schedule;
mod settings;

use tauri::Runtime;
use tauri::ipc::Invoke;

include!(concat!(env!("OUT_DIR"), "/ipc.rs"));

/// Every command, registered with Tauri; each call is logged by name.
pub fn handler<R: Runtime>() -> impl Fn(Invoke<R>) -> bool + Send + Sync + 'static {
    let commands = registered::<R>();
    move |invoke: Invoke<R>| {
        tracing::info!(command = invoke.message.command(), "called");
        commands(invoke)
    }
}

fn registered<R: Runtime>() -> impl Fn(Invoke<R>) -> bool + Send + Sync + 'static {
    ipc_handler!()
}
