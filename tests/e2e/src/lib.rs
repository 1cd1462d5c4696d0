//! A small W3C WebDriver client for driving the real Belfry window through tauri-driver
//! (which hands sessions to WebKitWebDriver), and a harness that starts one.

#![allow(
    clippy::disallowed_methods,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use belfry_testkit::free_port;
use serde_json::{Value, json};

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// The debug build of the desktop app, next to this test binary.
pub fn app_binary() -> PathBuf {
    if let Some(p) = std::env::var_os("BELFRY_DESKTOP_BIN") {
        return PathBuf::from(p);
    }
    let exe = std::env::current_exe().unwrap();
    let debug = exe.parent().and_then(Path::parent).unwrap();
    debug.join("belfry-desktop")
}

/// A tauri-driver process with its own data directory for the app it launches.
#[derive(Debug)]
pub struct Driver {
    child: Child,
    url: String,
    pub data_dir: tempfile::TempDir,
}

impl Driver {
    /// Starts tauri-driver on a free port; the app it launches uses a fresh data directory.
    pub fn start() -> Driver {
        Self::start_with(tempfile::tempdir().unwrap(), &[])
    }

    /// Starts tauri-driver whose app uses `data_dir` and the extra environment `env`.
    pub fn start_with(data_dir: tempfile::TempDir, env: &[(&str, &str)]) -> Driver {
        let port = free_port();
        let native = free_port();
        let mut cmd = Command::new("tauri-driver");
        cmd.args([
            "--port",
            &port.to_string(),
            "--native-port",
            &native.to_string(),
        ])
        .env("BELFRY_DATA_DIR", data_dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = cmd
            .spawn()
            .expect("tauri-driver is installed by scripts/setup");
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if ureq::get(&format!("{url}/status")).call().is_ok() {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "tauri-driver did not answer on {url}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Driver {
            child,
            url,
            data_dir,
        }
    }

    /// Opens the app window.
    pub fn session(&self) -> Session {
        let caps = json!({
            "capabilities": { "alwaysMatch": {
                "browserName": "wry",
                "tauri:options": { "application": app_binary() }
            }}
        });
        let v = request(&format!("{}/session", self.url), "POST", Some(caps));
        let id = v["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {v}"))
            .to_owned();
        let s = Session {
            base: format!("{}/session/{id}", self.url),
        };
        s.wait_for("body[data-ready='true']", Duration::from_secs(30));
        s
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn request(url: &str, method: &str, body: Option<Value>) -> Value {
    let req = ureq::request(method, url).timeout(Duration::from_secs(60));
    let result = match body {
        Some(b) => req.send_json(b),
        None => req.call(),
    };
    let resp = match result {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("{method} {url}: {e}"),
    };
    let v: Value = resp.into_json().unwrap_or(Value::Null);
    v["value"].clone()
}

/// A WebDriver session on the Belfry window.
#[derive(Debug)]
pub struct Session {
    base: String,
}

/// An element of the page.
#[derive(Debug, Clone)]
pub struct Element {
    id: String,
}

impl Session {
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        request(&format!("{}{path}", self.base), method, body)
    }

    fn try_find(&self, css: &str) -> Option<Element> {
        let v = self.call(
            "POST",
            "/element",
            Some(json!({"using": "css selector", "value": css})),
        );
        v[ELEMENT].as_str().map(|id| Element { id: id.to_owned() })
    }

    /// The element matching `css`, waiting for it a little.
    pub fn find(&self, css: &str) -> Element {
        self.wait_for(css, Duration::from_secs(10))
    }

    /// Waits until `css` matches.
    pub fn wait_for(&self, css: &str, timeout: Duration) -> Element {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(e) = self.try_find(css) {
                return e;
            }
            assert!(Instant::now() < deadline, "nothing matched {css}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits until `f` is true, or fails with `what`.
    pub fn wait_until(&self, what: &str, timeout: Duration, mut f: impl FnMut() -> bool) {
        let deadline = Instant::now() + timeout;
        while !f() {
            assert!(Instant::now() < deadline, "timed out waiting until {what}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Runs `script` in the page with `args`; returns its value.
    pub fn execute(&self, script: &str, args: Value) -> Value {
        self.call(
            "POST",
            "/execute/sync",
            Some(json!({"script": script, "args": args})),
        )
    }

    pub fn type_into(&self, css: &str, text: &str) {
        let e = self.find(css);
        self.call(
            "POST",
            &format!("/element/{}/value", e.id),
            Some(json!({"text": text})),
        );
    }

    pub fn clear(&self, css: &str) {
        let e = self.find(css);
        self.call("POST", &format!("/element/{}/clear", e.id), Some(json!({})));
    }

    pub fn click(&self, css: &str) {
        let e = self.find(css);
        self.call("POST", &format!("/element/{}/click", e.id), Some(json!({})));
    }

    /// Sets a control's value as a user would, firing `input` and `change`.
    pub fn set_value(&self, css: &str, value: &str) {
        self.find(css);
        self.execute(
            "const el = document.querySelector(arguments[0]); el.focus(); el.value = arguments[1];
             el.dispatchEvent(new Event('input', {bubbles: true}));
             el.dispatchEvent(new Event('change', {bubbles: true}));",
            json!([css, value]),
        );
    }

    /// Presses the key `key` (a WebDriver key code: `\u{E004}` is Tab) `times` times, as the
    /// keyboard would, to whatever has the focus.
    pub fn press_key(&self, key: char, times: usize) {
        let mut presses = Vec::new();
        for _ in 0..times {
            presses.push(json!({"type": "keyDown", "value": key.to_string()}));
            presses.push(json!({"type": "keyUp", "value": key.to_string()}));
        }
        self.call(
            "POST",
            "/actions",
            Some(json!({"actions": [{"type": "key", "id": "keyboard", "actions": presses}]})),
        );
        self.call("DELETE", "/actions", None);
    }

    /// Presses Enter in a control.
    pub fn press_enter(&self, css: &str) {
        self.execute(
            "document.querySelector(arguments[0]).dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter', bubbles: true}));",
            json!([css]),
        );
    }

    pub fn text(&self, css: &str) -> String {
        let e = self.find(css);
        self.call("GET", &format!("/element/{}/text", e.id), None)
            .as_str()
            .unwrap_or("")
            .to_owned()
    }

    /// The `textContent` of `css` (also for hidden elements).
    pub fn text_content(&self, css: &str) -> String {
        self.execute(
            "const e = document.querySelector(arguments[0]); return e ? e.textContent : null;",
            json!([css]),
        )
        .as_str()
        .unwrap_or("")
        .to_owned()
    }

    pub fn value(&self, css: &str) -> String {
        self.execute(
            "return document.querySelector(arguments[0]).value;",
            json!([css]),
        )
        .as_str()
        .unwrap_or("")
        .to_owned()
    }

    /// The accessible name's source: the text of the `<label for>` of control `id`.
    pub fn label_of(&self, id: &str) -> String {
        self.execute(
            "const el = document.getElementById(arguments[0]);
             if (!el) return null;
             if (el.labels && el.labels.length) return el.labels[0].textContent;
             const by = el.getAttribute('aria-labelledby');
             if (by) return document.getElementById(by).textContent;
             return el.getAttribute('aria-label');",
            json!([id]),
        )
        .as_str()
        .unwrap_or("")
        .to_owned()
    }

    /// A PNG of the window.
    pub fn screenshot(&self, path: &Path) {
        // Two animation frames, so WebKit has painted the latest state.
        self.execute_async(
            "requestAnimationFrame(() => requestAnimationFrame(() => arguments[0]()));",
        );
        let b64 = self.call("GET", "/screenshot", None);
        let png = base64::engine::general_purpose::STANDARD
            .decode(b64.as_str().unwrap_or(""))
            .unwrap();
        std::fs::write(path, png).unwrap();
    }

    fn execute_async(&self, script: &str) {
        self.call(
            "POST",
            "/execute/async",
            Some(json!({"script": script, "args": []})),
        );
    }

    /// Ends the session (closes the window).
    pub fn close(self) {}
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = ureq::delete(&self.base)
            .timeout(Duration::from_secs(20))
            .call();
    }
}

/// The text on the X clipboard (CLIPBOARD selection), read with xclip.
pub fn clipboard() -> String {
    let out = Command::new("xclip")
        .args(["-selection", "clipboard", "-o"])
        .output()
        .expect("xclip is installed by scripts/setup");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Empties the clipboard, so a later read proves a fresh copy.
pub fn clear_clipboard() {
    let mut child = Command::new("xclip")
        .args(["-selection", "clipboard", "-i"])
        .stdin(Stdio::piped())
        .spawn()
        .expect("xclip is installed by scripts/setup");
    drop(child.stdin.take());
    let _ = child.wait();
}

/// Types into the focused X window (a native dialog) with xdotool.
pub fn xdotool(args: &[&str]) -> bool {
    Command::new("xdotool")
        .args(args)
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// The process IDs of running Belfry windows.
pub fn app_pids() -> Vec<u32> {
    let out = Command::new("pgrep")
        .args(["-x", "belfry-desktop"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .collect()
}

/// The X windows titled `Belfry` that are mapped (shown).
pub fn shown_windows() -> Vec<u32> {
    let out = Command::new("xdotool")
        .args(["search", "--onlyvisible", "--name", "^Belfry$"])
        .output()
        .expect("xdotool is installed by scripts/setup");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .collect()
}

/// Asks each shown Belfry window to close, as a window manager does when the user clicks its
/// close button: a `WM_DELETE_WINDOW` message (ICCCM 4.2.8.1).
pub fn request_close() {
    use x11rb::connection::Connection as _;
    use x11rb::protocol::xproto::{ClientMessageEvent, ConnectionExt as _, EventMask};
    let (conn, _) = x11rb::connect(None).expect("an X display (xvfb-run)");
    let atom = |name: &[u8]| conn.intern_atom(false, name).unwrap().reply().unwrap().atom;
    let (protocols, delete) = (atom(b"WM_PROTOCOLS"), atom(b"WM_DELETE_WINDOW"));
    for window in shown_windows() {
        let event = ClientMessageEvent::new(32, window, protocols, [delete, 0, 0, 0, 0]);
        conn.send_event(false, window, EventMask::NO_EVENT, event)
            .unwrap();
    }
    conn.flush().unwrap();
}
