//! The desktop's side of the session bus, for the window's tests: a notification daemon
//! (`org.freedesktop.Notifications`, as a desktop's notification server answers it) that
//! keeps every notification it is sent, and a tray host (`org.kde.StatusNotifierWatcher`,
//! what a panel runs) that keeps every tray icon registered with it and clicks their menu
//! items through `com.canonical.dbusmenu`, as a panel does when the user picks one.
//!
//! Both need the D-Bus session the tests run in (`dbus-run-session`, from `scripts/test`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use zbus::blocking::{Connection, Proxy, connection};
use zbus::interface;
use zbus::message::Header;
use zbus::zvariant::{OwnedObjectPath, OwnedValue, Value};

/// Takes `name` on the session bus and serves `object` at `path`.
fn serve(name: &str, path: &str, object: impl zbus::object_server::Interface) -> Connection {
    connection::Builder::session()
        .and_then(|b| b.name(name.to_owned())?.serve_at(path.to_owned(), object))
        .and_then(|b| b.build())
        .expect("a D-Bus session (run the tests under dbus-run-session)")
}

/// One notification as the daemon received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// The sending application's name.
    pub app_name: String,
    /// The headline.
    pub summary: String,
    /// The text under it.
    pub body: String,
}

struct Notifications {
    log: Arc<Mutex<Vec<Notification>>>,
}

#[interface(name = "org.freedesktop.Notifications")]
impl Notifications {
    fn get_capabilities(&self) -> Vec<String> {
        vec!["body".into()]
    }

    #[allow(clippy::too_many_arguments)]
    fn notify(
        &self,
        app_name: String,
        _replaces_id: u32,
        _app_icon: String,
        summary: String,
        body: String,
        _actions: Vec<String>,
        _hints: HashMap<String, OwnedValue>,
        _expire_timeout: i32,
    ) -> u32 {
        let mut log = self.log.lock().unwrap();
        log.push(Notification {
            app_name,
            summary,
            body,
        });
        u32::try_from(log.len()).unwrap_or(u32::MAX)
    }

    fn close_notification(&self, _id: u32) {}

    fn get_server_information(&self) -> (String, String, String, String) {
        (
            "belfry-testkit".into(),
            "Belfry tests".into(),
            "1".into(),
            "1.2".into(),
        )
    }
}

/// A notification daemon on the session bus; the name is released when dropped.
#[derive(Debug)]
pub struct NotificationDaemon {
    _conn: Connection,
    log: Arc<Mutex<Vec<Notification>>>,
}

impl NotificationDaemon {
    /// Takes `org.freedesktop.Notifications` on the session bus.
    pub fn start() -> NotificationDaemon {
        let log = Arc::new(Mutex::new(Vec::new()));
        let conn = serve(
            "org.freedesktop.Notifications",
            "/org/freedesktop/Notifications",
            Notifications { log: log.clone() },
        );
        NotificationDaemon { _conn: conn, log }
    }

    /// Every notification received so far, oldest first.
    pub fn received(&self) -> Vec<Notification> {
        self.log.lock().unwrap().clone()
    }
}

struct Watcher {
    items: Arc<Mutex<Vec<(String, String)>>>,
}

#[interface(name = "org.kde.StatusNotifierWatcher")]
impl Watcher {
    fn register_status_notifier_item(&self, service: String, #[zbus(header)] header: Header<'_>) {
        let sender = header.sender().map(|s| s.to_string()).unwrap_or_default();
        // An item names its object path (appindicator) or its bus name (then the path is
        // the protocol's default).
        let (bus, path) = if service.starts_with('/') {
            (sender, service)
        } else {
            (service, "/StatusNotifierItem".to_owned())
        };
        self.items.lock().unwrap().push((bus, path));
    }

    fn register_status_notifier_host(&self, _service: String) {}

    #[zbus(property)]
    fn registered_status_notifier_items(&self) -> Vec<String> {
        self.items
            .lock()
            .unwrap()
            .iter()
            .map(|(bus, path)| format!("{bus}{path}"))
            .collect()
    }

    #[zbus(property)]
    fn is_status_notifier_host_registered(&self) -> bool {
        true
    }

    #[zbus(property)]
    fn protocol_version(&self) -> i32 {
        0
    }
}

/// A tray icon registered with the host: its bus name and object path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrayItem {
    /// The application's connection.
    pub bus: String,
    /// The item's object.
    pub path: String,
}

/// A panel's tray host on the session bus; the name is released when dropped.
#[derive(Debug)]
pub struct TrayHost {
    conn: Connection,
    items: Arc<Mutex<Vec<(String, String)>>>,
}

impl TrayHost {
    /// Takes `org.kde.StatusNotifierWatcher` on the session bus.
    pub fn start() -> TrayHost {
        let items = Arc::new(Mutex::new(Vec::new()));
        let conn = serve(
            "org.kde.StatusNotifierWatcher",
            "/StatusNotifierWatcher",
            Watcher {
                items: items.clone(),
            },
        );
        TrayHost { conn, items }
    }

    /// The tray icons registered so far.
    pub fn items(&self) -> Vec<TrayItem> {
        self.items
            .lock()
            .unwrap()
            .iter()
            .map(|(bus, path)| TrayItem {
                bus: bus.clone(),
                path: path.clone(),
            })
            .collect()
    }

    fn menu(&self, item: &TrayItem) -> zbus::Result<Proxy<'_>> {
        let icon = Proxy::new(
            &self.conn,
            item.bus.as_str(),
            item.path.as_str(),
            "org.kde.StatusNotifierItem",
        )?;
        let menu: OwnedObjectPath = icon.get_property("Menu")?;
        Proxy::new(&self.conn, item.bus.clone(), menu, "com.canonical.dbusmenu")
    }

    /// The item's menu entries with a label, in menu order (separators have none).
    pub fn menu_entries(&self, item: &TrayItem) -> zbus::Result<Vec<MenuEntry>> {
        let menu = self.menu(item)?;
        let names: Vec<&str> = Vec::new();
        let (_revision, layout): (u32, Layout) = menu.call("GetLayout", &(0i32, -1i32, names))?;
        let mut out = Vec::new();
        collect_entries(&layout, &mut out)?;
        Ok(out)
    }

    /// Clicks the entry labelled `label`, as a panel does when the user picks it.
    pub fn click(&self, item: &TrayItem, label: &str) -> zbus::Result<()> {
        let entry = self
            .menu_entries(item)?
            .into_iter()
            .find(|e| e.label == label)
            .unwrap_or_else(|| panic!("no menu entry {label:?}"));
        let menu = self.menu(item)?;
        let data = Value::I32(0);
        menu.call::<_, _, ()>("Event", &(entry.id, "clicked", data, 0u32))
    }
}

/// One entry of a tray menu.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MenuEntry {
    /// Its dbusmenu id.
    pub id: i32,
    /// Its label (mnemonic underscores removed).
    pub label: String,
    /// Whether it can be picked.
    pub enabled: bool,
}

/// A dbusmenu layout node: its id, its properties, its children (each a node in a variant).
type Layout = (i32, HashMap<String, OwnedValue>, Vec<OwnedValue>);

/// Walks a dbusmenu layout, keeping every labelled entry.
fn collect_entries(node: &Layout, out: &mut Vec<MenuEntry>) -> zbus::Result<()> {
    let (id, props, children) = node;
    let label = props
        .get("label")
        .and_then(|v| String::try_from(v.try_clone().ok()?).ok());
    let enabled = props
        .get("enabled")
        .and_then(|v| bool::try_from(v.try_clone().ok()?).ok())
        .unwrap_or(true);
    if let Some(label) = label {
        out.push(MenuEntry {
            id: *id,
            label: label.replace('_', ""),
            enabled,
        });
    }
    for child in children {
        let child: Layout = Value::from(child.try_clone()?).try_into()?;
        collect_entries(&child, out)?;
    }
    Ok(())
}
