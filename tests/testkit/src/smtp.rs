//! A real SMTP submission server for the mail tests: Debian's Exim 4 (`exim4-daemon-light`,
//! installed by `scripts/setup`) in a private configuration (`tests/smtp-server/exim.conf`),
//! everything in a temporary folder, on loopback.
//!
//! - STARTTLS on [`Smtp::starttls_port`], implicit TLS on [`Smtp::tls_port`], with a
//!   certificate for 127.0.0.1 and localhost made for each server, signed by a CA made with
//!   it (trust [`Smtp::ca_pem`]).
//! - AUTH PLAIN and LOGIN, offered only after TLS, for [`Smtp::USER`] / [`Smtp::PASSWORD`];
//!   mail is refused (530) before AUTH, a wrong password with 535.
//! - Every recipient of every domain is accepted and stored in a maildir; nothing is relayed.
//!   Exim adds its `Return-path:` and `Received:` headers and stores lines ending in CRLF;
//!   it adds no `Message-ID:`, `Date:` or `From:` a client left out.
//! - Faults for the next message's DATA ([`Smtp::fail_next_data`], [`Smtp::drop_next_data`]):
//!   the clients reach Exim through a byte-for-byte TCP relay of this module (TLS passes
//!   through it untouched), and Exim's DATA ACL asks the relay's control socket, with Exim's
//!   own `${readsocket}`, what to answer once it has the whole message; the relay can then cut
//!   the client's connection before Exim answers.
//!
//! The envelope and the order of acceptance come from Exim's main log (`<=` lines with
//! `+received_recipients`), the messages from the maildir once the log says `Completed`.

use std::collections::{HashMap, HashSet, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Exim on loopback; killed, with everything it stored, when dropped.
#[derive(Debug)]
pub struct Smtp {
    /// `127.0.0.1`
    pub host: String,
    /// SMTP with STARTTLS (a 587-style port).
    pub starttls_port: u16,
    /// SMTP over implicit TLS (a 465-style port).
    pub tls_port: u16,
    /// The certificate (PEM) of the CA made for this server, to trust as the only root.
    pub ca_pem: PathBuf,
    child: Child,
    relay: Arc<Relay>,
    threads: Vec<JoinHandle<()>>,
    wake: Vec<u16>,
    dir: tempfile::TempDir,
}

/// A message Exim accepted and stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivered {
    /// The RCPT TO addresses, in the order given (as the client spelled them).
    pub envelope_to: Vec<String>,
    /// The MAIL FROM address (`<>` for none).
    pub mail_from: String,
    /// Exim's message id.
    pub id: String,
    /// The message as stored: Exim's `Return-path:` and `Received:` headers, then the
    /// message as the client sent it (dot-stuffing undone), every line ending in CRLF
    /// (bytes that are not UTF-8 replaced).
    pub message: String,
}

#[derive(Debug)]
enum Fault {
    /// Answer the DATA with this reply (`451 4.3.0 ...`).
    Reply(String),
    /// Cut the client's connection before Exim answers; whether Exim then keeps the message.
    Drop { keep: bool },
}

/// One relayed connection.
#[derive(Debug)]
struct Conn {
    client: TcpStream,
    upstream: TcpStream,
    /// Set once the client's connection was cut: Exim's answer goes nowhere.
    cut: AtomicBool,
}

#[derive(Debug, Default)]
struct Relay {
    faults: Mutex<VecDeque<Fault>>,
    /// By the relay's port on its connection to Exim (Exim's `$sender_host_port`).
    conns: Mutex<HashMap<u16, Arc<Conn>>>,
    stop: AtomicBool,
}

impl Smtp {
    pub const USER: &'static str = "ana@example.com";
    pub const PASSWORD: &'static str = "ana-smtp-app-password";

    /// Every message accepted and stored so far, in the order Exim accepted them.
    pub fn delivered(&self) -> Vec<Delivered> {
        let log = self.log();
        let mut accepted: Vec<(String, String, Vec<String>)> = Vec::new();
        let mut completed = HashSet::new();
        for line in log.lines() {
            // "2026-12-02 12:38:41 1xYjbd-0000Wk-2R <= ana@example.com H=... for a@b c@d"
            let fields: Vec<&str> = line.splitn(5, ' ').collect();
            match fields.as_slice() {
                [_, _, id, "<=", rest] => {
                    let from = rest.split(' ').next().unwrap_or("").to_owned();
                    let to = rest
                        .rfind(" for ")
                        .map(|i| rest[i + 5..].split(' ').map(str::to_owned).collect())
                        .unwrap_or_default();
                    accepted.push(((*id).to_owned(), from, to));
                }
                [_, _, id, "Completed"] => {
                    completed.insert((*id).to_owned());
                }
                _ => {}
            }
        }
        let mut files: HashMap<String, PathBuf> = HashMap::new();
        if let Ok(entries) = std::fs::read_dir(self.dir.path().join("maildir/new")) {
            let mut names: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
            names.sort();
            for path in names {
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                if let Some((_, id)) = name.rsplit_once(",I=") {
                    files.entry(id.to_owned()).or_insert(path);
                }
            }
        }
        accepted
            .into_iter()
            .filter(|(id, _, _)| completed.contains(id))
            .filter_map(|(id, mail_from, envelope_to)| {
                let bytes = std::fs::read(files.get(&id)?).ok()?;
                Some(Delivered {
                    envelope_to,
                    mail_from,
                    id,
                    message: String::from_utf8_lossy(&bytes).into_owned(),
                })
            })
            .collect()
    }

    /// Waits (at most 20 s) until at least `at_least` messages are stored, and returns them
    /// all; panics with what it has and Exim's log otherwise.
    pub fn wait_for(&self, at_least: usize) -> Vec<Delivered> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let got = self.delivered();
            if got.len() >= at_least {
                return got;
            }
            if Instant::now() > deadline {
                let summary: Vec<String> = got
                    .iter()
                    .map(|d| {
                        let subject = d
                            .message
                            .lines()
                            .find(|l| l.to_ascii_lowercase().starts_with("subject:"))
                            .unwrap_or("(no subject)");
                        format!("{} to {:?}: {subject}", d.id, d.envelope_to)
                    })
                    .collect();
                panic!(
                    "expected at least {at_least} stored messages, have {}: {summary:#?}\nExim's log:\n{}",
                    got.len(),
                    self.log()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The next message's DATA (each call queues one more) is answered with `code`, with an
    /// enhanced status and text of its class: a 4xx as a temporary failure (`451 4.3.0 ...`),
    /// a 5xx as a permanent one. Exim discards that message.
    pub fn fail_next_data(&self, code: u16) {
        let reply = match code {
            400..=499 => format!("{code} 4.3.0 Temporary failure requested by the test"),
            500..=599 => format!("{code} 5.3.0 Permanent failure requested by the test"),
            _ => panic!("fail_next_data wants a 4xx or 5xx code, not {code}"),
        };
        self.relay
            .faults
            .lock()
            .unwrap()
            .push_back(Fault::Reply(reply));
    }

    /// Once the next message (each call queues one more) has been received whole, its
    /// connection is closed before the client hears any answer. With `keep`, Exim then
    /// accepts and stores the message as usual (an answer lost on the way: the client cannot
    /// know it was sent); without, Exim discards it (a server that died before committing).
    pub fn drop_next_data(&self, keep: bool) {
        self.relay
            .faults
            .lock()
            .unwrap()
            .push_back(Fault::Drop { keep });
    }

    /// Exim's main log so far (receptions, rejections, failed AUTH, deliveries).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("log/mainlog")).unwrap_or_default()
    }
}

impl Drop for Smtp {
    fn drop(&mut self) {
        self.relay.stop.store(true, Ordering::SeqCst);
        // Exim and the reception and delivery processes it forked, by their process group.
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.child.id())])
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
        for port in &self.wake {
            let _ = TcpStream::connect(("127.0.0.1", *port));
        }
        for conn in self.relay.conns.lock().unwrap().values() {
            let _ = conn.client.shutdown(Shutdown::Both);
            let _ = conn.upstream.shutdown(Shutdown::Both);
        }
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

/// Starts Exim on loopback and waits until it answers EHLO (it binds both ports before it
/// answers on either).
pub fn smtp() -> Smtp {
    let mut last = String::new();
    for _ in 0..3 {
        match start() {
            Ok(server) => return server,
            // Most likely another test took one of Exim's ports first: try others.
            Err(why) => last = why,
        }
    }
    panic!("exim did not start: {last}");
}

fn start() -> Result<Smtp, String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path();
    let (user, group, owner) = exim_identity();

    let (ca, cert, key) = certificates(path);

    let relay = Arc::new(Relay::default());
    let public_starttls = TcpListener::bind("127.0.0.1:0").unwrap();
    let public_tls = TcpListener::bind("127.0.0.1:0").unwrap();
    let control = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = |l: &TcpListener| l.local_addr().unwrap().port();
    let (starttls_port, tls_port, control_port) =
        (port(&public_starttls), port(&public_tls), port(&control));
    let (exim_starttls, exim_tls) = loop {
        let (a, b) = (super::free_port(), super::free_port());
        if a != b {
            break (a, b);
        }
    };

    let template_path = super::workspace_root().join("tests/smtp-server/exim.conf");
    let template = std::fs::read_to_string(&template_path)
        .unwrap_or_else(|e| panic!("{}: {e}", template_path.display()));
    let config = template
        .replace("@DIR@", path.to_str().unwrap())
        .replace("@STARTTLS_PORT@", &exim_starttls.to_string())
        .replace("@TLS_PORT@", &exim_tls.to_string())
        .replace("@CONTROL_PORT@", &control_port.to_string())
        .replace("@USER@", &user)
        .replace("@GROUP@", &group)
        .replace("@AUTH_USER@", Smtp::USER)
        .replace("@AUTH_PASSWORD@", Smtp::PASSWORD);
    let config_path = path.join("exim.conf");
    std::fs::write(&config_path, config).unwrap();
    for sub in ["spool", "log"] {
        std::fs::create_dir(path.join(sub)).unwrap();
    }
    // Run by root, Exim gives up its privilege for a -C configuration and runs as the Exim
    // user, which must reach its folder, spool, log and key (the configuration stays root's,
    // as Exim requires).
    let (uid, gid) = owner;
    for p in [
        &path.to_path_buf(),
        &path.join("spool"),
        &path.join("log"),
        &key,
        &cert,
    ] {
        std::os::unix::fs::chown(p, Some(uid), Some(gid)).unwrap();
    }

    use std::os::unix::process::CommandExt;
    let stderr = std::fs::File::create(path.join("exim.stderr")).unwrap();
    let child = Command::new(exim_binary())
        .arg("-C")
        .arg(&config_path)
        .arg("-bdf")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(stderr)
        .process_group(0)
        .spawn()
        .expect("exim4 is installed by scripts/setup (exim4-daemon-light)");

    let mut threads = Vec::new();
    for (listener, upstream) in [(public_starttls, exim_starttls), (public_tls, exim_tls)] {
        let relay = relay.clone();
        threads.push(std::thread::spawn(move || serve(listener, upstream, relay)));
    }
    {
        let relay = relay.clone();
        threads.push(std::thread::spawn(move || control_loop(control, relay)));
    }
    let mut server = Smtp {
        host: "127.0.0.1".to_owned(),
        starttls_port,
        tls_port,
        ca_pem: ca,
        child,
        relay,
        threads,
        wake: vec![starttls_port, tls_port, control_port],
        dir,
    };

    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(Some(status)) = server.child.try_wait() {
            let why = format!(
                "exim exited ({status}): {}{}",
                std::fs::read_to_string(server.dir.path().join("exim.stderr")).unwrap_or_default(),
                std::fs::read_to_string(server.dir.path().join("log/paniclog")).unwrap_or_default()
            );
            return Err(why);
        }
        // Exim binds all its ports before it answers on any.
        if answers_ehlo(starttls_port) {
            return Ok(server);
        }
        assert!(
            Instant::now() < deadline,
            "exim did not answer EHLO within 20 s: {}",
            server.log()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A CA made for this server (`ca.pem`, the root to trust) and the server's certificate for
/// 127.0.0.1 and localhost signed by it (`cert.pem`, `key.pem`). (rustls refuses a
/// self-signed certificate that is its own CA as a server's, as WebPKI does.)
fn certificates(dir: &std::path::Path) -> (PathBuf, PathBuf, PathBuf) {
    let openssl = |args: &[&str]| {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .expect("openssl is installed by scripts/setup");
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let days = ["-days", "2"];
    openssl(
        &[
            // An EC key for the CA (quick to make); the server's key is RSA, as most are.
            &[
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
            ][..],
            &["-nodes"],
            &days,
            &[
                "-subj",
                "/CN=Belfry test SMTP CA",
                "-keyout",
                "ca.key",
                "-out",
                "ca.pem",
            ],
        ]
        .concat(),
    );
    openssl(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=localhost",
        "-keyout",
        "key.pem",
        "-out",
        "cert.csr",
    ]);
    std::fs::write(
        dir.join("cert.ext"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=critical,CA:FALSE\n\
         keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    openssl(
        &[
            &[
                "x509", "-req", "-in", "cert.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            ][..],
            &[
                "-CAcreateserial",
                "-extfile",
                "cert.ext",
                "-out",
                "cert.pem",
            ],
            &days,
        ]
        .concat(),
    );
    (
        dir.join("ca.pem"),
        dir.join("cert.pem"),
        dir.join("key.pem"),
    )
}

/// Whether an SMTP server on `port` greets and answers EHLO.
fn answers_ehlo(port: u16) -> bool {
    let Ok(stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut writer = stream.try_clone().unwrap();
    let mut reader = BufReader::new(stream);
    let reply = |reader: &mut BufReader<TcpStream>| -> Option<String> {
        let mut line = String::new();
        loop {
            line.clear();
            if reader.read_line(&mut line).ok()? == 0 {
                return None;
            }
            if line.as_bytes().get(3) != Some(&b'-') {
                return Some(line.clone());
            }
        }
    };
    let greeted = reply(&mut reader).is_some_and(|l| l.starts_with("220"));
    if !greeted || writer.write_all(b"EHLO ready.test\r\n").is_err() {
        return false;
    }
    let ok = reply(&mut reader).is_some_and(|l| l.starts_with("250"));
    let _ = writer.write_all(b"QUIT\r\n");
    ok
}

/// The user and group Exim runs as, and their ids, which its files need.
///
/// Only root will do: for root, `exim4 -C` gives up root privilege and runs as the Exim
/// user, which logs to the log files; for any other caller Exim runs as that caller and
/// writes its log to stderr, without message ids, which [`Smtp::delivered`] needs.
fn exim_identity() -> (String, String, (u32, u32)) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let uid = status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .unwrap_or("")
        .to_owned();
    assert_eq!(
        uid, "0",
        "the SMTP test server needs root to run Exim as the Exim user (`exim4 -C` as another user \
         logs to stderr without message ids): run the tests as root, as scripts/test does"
    );
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    let entry = passwd
        .lines()
        .map(|l| l.split(':').collect::<Vec<_>>())
        .find(|f| f.first() == Some(&"Debian-exim"))
        .expect("the Debian-exim user (exim4-base, installed by scripts/setup)");
    let id = |i: usize| entry.get(i).and_then(|v| v.parse().ok()).unwrap();
    ("Debian-exim".into(), "Debian-exim".into(), (id(2), id(3)))
}

fn exim_binary() -> PathBuf {
    ["/usr/sbin/exim4", "/usr/sbin/exim"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .unwrap_or_else(|| PathBuf::from("exim4"))
}

/// Relays each connection to `listener` to Exim on `upstream`, byte for byte.
fn serve(listener: TcpListener, upstream: u16, relay: Arc<Relay>) {
    for client in listener.incoming() {
        if relay.stop.load(Ordering::SeqCst) {
            return;
        }
        let Ok(client) = client else { continue };
        let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)) else {
            continue; // Exim is not listening (yet): the client sees a closed connection.
        };
        let key = server.local_addr().unwrap().port();
        let conn = Arc::new(Conn {
            client,
            upstream: server,
            cut: AtomicBool::new(false),
        });
        relay.conns.lock().unwrap().insert(key, conn.clone());
        let (c1, r1) = (conn.clone(), relay.clone());
        std::thread::spawn(move || to_exim(&c1, &r1));
        let r2 = relay.clone();
        std::thread::spawn(move || from_exim(&conn, &r2, key));
    }
}

fn to_exim(conn: &Conn, relay: &Relay) {
    let mut buf = [0u8; 16 * 1024];
    let (mut from, mut to) = (&conn.client, &conn.upstream);
    loop {
        match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if to.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
        }
    }
    // After a cut, Exim's side stays open until Exim has answered (see `from_exim`), so
    // that Exim never sees the client go away.
    if !conn.cut.load(Ordering::SeqCst) || relay.stop.load(Ordering::SeqCst) {
        let _ = conn.upstream.shutdown(Shutdown::Both);
    }
}

fn from_exim(conn: &Conn, relay: &Relay, key: u16) {
    let mut buf = [0u8; 16 * 1024];
    let (mut from, mut to) = (&conn.upstream, &conn.client);
    loop {
        match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if conn.cut.load(Ordering::SeqCst) || to.write_all(&buf[..n]).is_err() {
                    break; // Exim's answer after a cut: nobody hears it.
                }
            }
        }
    }
    let _ = conn.client.shutdown(Shutdown::Both);
    let _ = conn.upstream.shutdown(Shutdown::Both);
    relay.conns.lock().unwrap().remove(&key);
}

/// Answers Exim's DATA ACL (`data <port>`): `accept`, or the reply to give.
fn control_loop(listener: TcpListener, relay: Arc<Relay>) {
    for stream in listener.incoming() {
        if relay.stop.load(Ordering::SeqCst) {
            return;
        }
        let Ok(mut stream) = stream else { continue };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
        let mut line = String::new();
        let _ = BufReader::new(&stream).read_line(&mut line);
        let Some(port) = line
            .trim()
            .strip_prefix("data ")
            .and_then(|p| p.parse::<u16>().ok())
        else {
            let _ = stream.write_all(b"accept");
            continue;
        };
        let fault = relay.faults.lock().unwrap().pop_front();
        let answer = match fault {
            None => "accept".to_owned(),
            Some(Fault::Reply(reply)) => reply,
            Some(Fault::Drop { keep }) => {
                if let Some(conn) = relay.conns.lock().unwrap().get(&port) {
                    conn.cut.store(true, Ordering::SeqCst);
                    let _ = conn.client.shutdown(Shutdown::Both);
                }
                if keep {
                    "accept".to_owned()
                } else {
                    "451 4.3.0 The test dropped the connection: message discarded".to_owned()
                }
            }
        };
        let _ = stream.write_all(answer.as_bytes());
    }
}

/// The `text/calendar` and `application/ics` parts of a message, in order: each part's
/// `Content-Type` as written (unfolded, with its parameters) and its body, decoded from its
/// transfer encoding and charset. Parsed with `mail-parser`, independently of Belfry.
pub fn calendar_parts(message: &str) -> Vec<(String, String)> {
    parts(message)
        .into_iter()
        .filter(|p| p.bare == "text/calendar" || p.bare == "application/ics")
        .map(|p| (p.header, String::from_utf8_lossy(&p.body).into_owned()))
        .collect()
}

/// The content types (`type/subtype`, lower case, no parameters) of a message's MIME parts
/// in depth-first order, the root first, e.g. `["multipart/mixed",
/// "multipart/alternative", "text/plain", "text/html", "text/calendar", "application/ics"]`.
pub fn mime_tree(message: &str) -> Vec<String> {
    parts(message).into_iter().map(|p| p.bare).collect()
}

struct Part {
    /// `Content-Type` as written, unfolded (or `bare` if there is none).
    header: String,
    /// `type/subtype`, lower case.
    bare: String,
    body: Vec<u8>,
}

fn parts(message: &str) -> Vec<Part> {
    let parsed = mail_parser::MessageParser::default()
        .parse(message.as_bytes())
        .unwrap_or_else(|| panic!("not a message: {message:?}"));
    let mut out = Vec::new();
    walk(&parsed, 0, &mut out, 0);
    out
}

fn walk(message: &mail_parser::Message<'_>, id: u32, out: &mut Vec<Part>, depth: usize) {
    use mail_parser::{HeaderName, MimeHeaders, PartType};
    let Some(part) = message.part(id) else { return };
    if depth > 64 {
        return;
    }
    let bare = part
        .content_type()
        .map(|ct| {
            format!(
                "{}/{}",
                ct.c_type,
                ct.c_subtype.as_deref().unwrap_or_default()
            )
            .to_ascii_lowercase()
        })
        .unwrap_or_else(|| "text/plain".to_owned());
    let raw = message.raw_message();
    let header = part
        .headers
        .iter()
        .find(|h| matches!(h.name, HeaderName::ContentType))
        .and_then(|h| raw.get(h.offset_start as usize..h.offset_end as usize))
        .map(|v| unfold(&String::from_utf8_lossy(v)))
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| bare.clone());
    out.push(Part {
        header,
        bare,
        body: part.contents().to_vec(),
    });
    match &part.body {
        PartType::Multipart(children) => {
            for child in children {
                walk(message, *child, out, depth + 1);
            }
        }
        PartType::Message(inner) => walk(inner, 0, out, depth + 1),
        _ => {}
    }
}

fn unfold(value: &str) -> String {
    value
        .replace("\r\n", "\n")
        .split('\n')
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("")
        .trim()
        .to_owned()
}
