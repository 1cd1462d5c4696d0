//! Cyrus IMAP (Debian's `cyrus-imapd` and `cyrus-caldav` 3.6, the server Fastmail runs) as a
//! CalDAV server with RFC 6638 implicit scheduling, private to one test: its own
//! `imapd.conf` and `cyrus.conf` in a fresh folder (databases, partition, SASL users, sockets,
//! pid file), HTTP on 127.0.0.1 on a free port, and the iMIP messages it sends handed to a
//! capturing `sendmail` (Cyrus speaks SMTP to `sendmail -bs` over a pipe).
//!
//! What it serves:
//! - users ana, bob, lee and carol (HTTP Basic on loopback, passwords from
//!   [`Cyrus::password`]), each with a mailbox (made by an IMAP login over a Unix socket,
//!   which autocreates the INBOX) and the calendars Cyrus provisions on first use:
//!   `Default` ("personal"), and the scheduling `Inbox` and `Outbox`;
//! - principals `/dav/principals/user/<user>/`, homes `/dav/calendars/user/<user>/`, the
//!   address `mailto:<user>@example.com` (`servername`), `/.well-known/caldav` redirecting
//!   (301) to `/dav/calendars`;
//! - implicit scheduling: a PUT by the organizer sends one iMIP message per external
//!   attendee to `sendmail`, read back with [`Cyrus::sent_mail`] and [`itip`].
//!
//! A calendar is shared ([`Cyrus::share`]) as Cyrus shares it: an IMAP ACL on the calendar's
//! mailbox for the delegate, who then subscribes to it (as accepting a share does). The
//! delegate sees it in their own home, at `/dav/calendars/user/<delegate>/<owner>.<slug>/`;
//! the owner's URL redirects them there (301).
//!
//! Cyrus's services refuse to run as root: started by root, the folder is handed to the
//! `cyrus` user the package creates and the master drops to it; started by anyone else, they
//! run as that user (`CYRUS_USER`).

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The users and their passwords.
const USERS: &[(&str, &str)] = &[
    ("ana", "ana-app-password"),
    ("bob", "bob-app-password"),
    ("lee", "lee-app-password"),
    ("carol", "carol-canary-app-password"),
];

/// The domain of everyone's calendar address (Cyrus's `servername`).
const DOMAIN: &str = "example.com";

/// Where Debian installs Cyrus's programs.
const CYRUS_BIN: &str = "/usr/lib/cyrus/bin";

/// The rights a delegate gets on a shared calendar's mailbox: DAV:read (`lr`) and DAV:write
/// (write-content `i`, write-properties `wn`, bind `kp`, unbind `xte`).
const DELEGATE_RIGHTS: &str = "lrwipkxten";

/// A running private Cyrus: killed (its whole process group) and its folder removed on drop.
#[derive(Debug)]
pub struct Cyrus {
    /// `http://127.0.0.1:PORT`
    pub url: String,
    master: Child,
    imap_socket: PathBuf,
    capture: PathBuf,
    dir: tempfile::TempDir,
}

/// One message Cyrus handed to `sendmail`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Captured {
    /// The envelope recipients (`RCPT TO`), in order.
    pub recipients: Vec<String>,
    /// The message as sent (RFC 5322, CRLF line ends).
    pub message: String,
}

/// The capturing `sendmail`: Cyrus runs it as `sendmail -bs` and speaks SMTP on its stdin and
/// stdout. Each message is stored as `NNNNNN.eml` (the message, dots unstuffed) beside
/// `NNNNNN.rcpt` (its envelope recipients, one a line), numbered in the order they arrive;
/// the `.eml` is renamed into place last, so a listed one is complete.
const SENDMAIL: &str = r#"
import os, sys
out = CAPTURE
inp, w = sys.stdin.buffer, sys.stdout.buffer
def say(s):
    w.write(s.encode() + b"\r\n")
    w.flush()
def store(rcpts, data):
    n = 0
    while True:
        try:
            fd = os.open(os.path.join(out, "%06d.lock" % n), os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            break
        except FileExistsError:
            n += 1
    os.close(fd)
    with open(os.path.join(out, "%06d.rcpt" % n), "w") as f:
        f.write("".join(r + "\n" for r in rcpts))
    tmp = os.path.join(out, "%06d.tmp" % n)
    with open(tmp, "wb") as f:
        f.write(data)
    os.rename(tmp, os.path.join(out, "%06d.eml" % n))
say("220 capture ESMTP")
rcpts = []
while True:
    line = inp.readline()
    if not line:
        break
    cmd = line.decode("utf-8", "replace").strip()
    up = cmd.upper()
    if up.startswith("EHLO") or up.startswith("HELO"):
        say("250 capture")
    elif up.startswith("MAIL FROM:"):
        rcpts = []
        say("250 ok")
    elif up.startswith("RCPT TO:"):
        rcpts.append(cmd[8:].strip().split(">")[0].lstrip("<").strip())
        say("250 ok")
    elif up == "DATA":
        say("354 go ahead")
        data = []
        while True:
            l = inp.readline()
            if not l or l.rstrip(b"\r\n") == b".":
                break
            if l.startswith(b"."):
                l = l[1:]
            data.append(l)
        store(rcpts, b"".join(data))
        rcpts = []
        say("250 stored")
    elif up == "QUIT":
        say("221 bye")
        break
    elif up in ("RSET", "NOOP"):
        rcpts = []
        say("250 ok")
    else:
        say("502 not here")
"#;

/// Starts a private Cyrus with the users' mailboxes and calendars made, and returns once it
/// answers a PROPFIND for each of them. Panics, saying what is missing, when Cyrus is not
/// installed (`scripts/setup` installs it).
pub fn cyrus() -> Cyrus {
    let started = Instant::now();
    let master_bin = Path::new(CYRUS_BIN).join("master");
    assert!(
        master_bin.exists(),
        "Cyrus is not installed ({} is missing): run scripts/setup (apt packages cyrus-imapd, cyrus-caldav, sasl2-bin)",
        master_bin.display()
    );
    let root = is_root();
    // Cyrus, running as the `cyrus` user when we are root, must reach the folder.
    let dir = if root {
        tempfile::Builder::new()
            .prefix("belfry-cyrus-")
            .tempdir_in("/tmp")
            .unwrap()
    } else {
        tempfile::Builder::new()
            .prefix("belfry-cyrus-")
            .tempdir()
            .unwrap()
    };
    let d = dir.path();
    for sub in [
        "conf/db",
        "conf/socket",
        "conf/lock",
        "conf/proc",
        "conf/log",
        "spool",
        "sieve",
        "run/socket",
        "run/proc",
        "run/lock",
        "mail",
    ] {
        std::fs::create_dir_all(d.join(sub)).unwrap();
    }
    let capture = d.join("mail");
    let imap_socket = d.join("run/socket/imap");

    // The capturing sendmail, run by the system's Python: Cyrus (as the `cyrus` user, when we
    // are root) may not reach one under a home folder, such as pyenv's.
    let python = [PathBuf::from("/usr/bin/python3")]
        .into_iter()
        .find(|p| p.is_file())
        .or_else(|| find_in_path("python3"))
        .expect("python3 runs Cyrus's capturing sendmail");
    let sendmail = d.join("sendmail");
    std::fs::write(
        &sendmail,
        format!(
            "#!{}\nCAPTURE = {:?}\n{SENDMAIL}",
            python.display(),
            capture.to_str().unwrap()
        ),
    )
    .unwrap();
    make_executable(&sendmail);

    // SASL users (auxprop sasldb), in the realm Cyrus authenticates in: its servername.
    let sasldb = d.join("sasldb2");
    for (user, password) in USERS {
        let mut child = Command::new(saslpasswd2())
            .args([
                "-f",
                sasldb.to_str().unwrap(),
                "-p",
                "-c",
                "-u",
                DOMAIN,
                user,
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("saslpasswd2 (Debian's sasl2-bin) makes Cyrus's users: run scripts/setup");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(password.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "saslpasswd2 {user}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    // The user's address is <user>@servername. An IMAP login makes a user's INBOX
    // (autocreate_quota); their first CalDAV request, their calendars. No occurrence is ever
    // "historical" (caldav_historical_age), so the tests' fixed 2027 dates keep being
    // scheduled once they are past. iMIP goes to `sendmail -bs` (smtp_backend).
    let port = crate::free_port();
    let conf = d.join("imapd.conf");
    let p = |sub: &str| d.join(sub).display().to_string();
    std::fs::write(
        &conf,
        format!(
            "configdirectory: {conf}
defaultpartition: default
partition-default: {spool}
sievedir: {sieve}
proc_path: {proc}
mboxname_lockpath: {lock}
lmtpsocket: {socket}/lmtp
idlesocket: {socket}/idle
notifysocket: {socket}/notify
servername: {DOMAIN}
defaultdomain: {DOMAIN}
calendar_user_address_set: {DOMAIN}
allowplaintext: yes
sasl_pwcheck_method: auxprop
sasl_auxprop_plugin: sasldb
sasl_sasldb_path: {sasldb}
sasl_mech_list: PLAIN LOGIN
httpmodules: caldav
httpallowcompress: no
autocreate_quota: 0
caldav_historical_age: -1
smtp_backend: sendmail
sendmail: {sendmail}
syslog_prefix: belfry-cyrus
",
            conf = p("conf"),
            spool = p("spool"),
            sieve = p("sieve"),
            proc = p("run/proc"),
            lock = p("run/lock"),
            socket = p("run/socket"),
            sasldb = sasldb.display(),
            sendmail = sendmail.display(),
        ),
    )
    .unwrap();
    // Every program the master starts is told the config: it does not pass its own `-C` on.
    let c = conf.display();
    std::fs::write(
        d.join("cyrus.conf"),
        format!(
            "START {{\n  recover cmd=\"ctl_cyrusdb -C {c} -r\"\n}}\n\
             SERVICES {{\n  http cmd=\"httpd -C {c}\" listen=\"127.0.0.1:{port}\" prefork=0\n  \
             imap cmd=\"imapd -C {c}\" listen=\"{imap}\" prefork=0\n}}\n\
             EVENTS {{\n}}\n",
            imap = imap_socket.display()
        ),
    )
    .unwrap();

    let mut cmd = Command::new(&master_bin);
    cmd.args([
        "-C",
        conf.to_str().unwrap(),
        "-M",
        d.join("cyrus.conf").to_str().unwrap(),
        "-p",
        d.join("run/master.pid").to_str().unwrap(),
        "-D",
    ])
    // Its own process group, so that dropping it ends the services it forked as well.
    .process_group(0)
    .stdin(Stdio::null())
    .stdout(Stdio::null())
    .stderr(Stdio::null());
    if root {
        let status = Command::new("chown")
            .args(["-R", "cyrus:mail", d.to_str().unwrap()])
            .status()
            .unwrap();
        assert!(
            status.success(),
            "chown to the cyrus user (made by the cyrus-common package)"
        );
    } else {
        cmd.env("CYRUS_USER", id("-un"))
            .env("CYRUS_GROUP", id("-gn"));
    }
    let master = cmd.spawn().expect("Cyrus's master starts");
    let server = Cyrus {
        url: format!("http://127.0.0.1:{port}"),
        master,
        imap_socket,
        capture,
        dir,
    };

    // Each user's INBOX, made by their first IMAP login (autocreate_quota), then their
    // calendars, made by their first CalDAV request: answered, the server is ready.
    let deadline = started + Duration::from_secs(20);
    for (user, password) in USERS {
        server.imap(user, password, &[]).unwrap_or_else(|e| {
            panic!("Cyrus did not let {user} in over IMAP: {e}");
        });
    }
    let http = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    for (user, password) in USERS {
        let home = server.home(user);
        loop {
            let answer = http
                .request(reqwest::Method::from_bytes(b"PROPFIND").unwrap(), &home)
                .basic_auth(user, Some(password))
                .header("Depth", "1")
                .header("Content-Type", "text/xml")
                .body(r#"<?xml version="1.0"?><d:propfind xmlns:d="DAV:"><d:prop><d:resourcetype/></d:prop></d:propfind>"#)
                .send();
            match answer {
                Ok(r) if r.status().as_u16() == 207 => break,
                other => {
                    assert!(
                        Instant::now() < deadline,
                        "Cyrus did not answer a PROPFIND of {home} as {user}: {other:?}"
                    );
                    std::thread::sleep(Duration::from_millis(50));
                }
            }
        }
    }
    server
}

impl Drop for Cyrus {
    fn drop(&mut self) {
        // SIGTERM to the group (the master ends its services), then SIGKILL if need be.
        let group = format!("-{}", self.master.id());
        let _ = Command::new("kill")
            .args(["-TERM", "--", &group])
            .stderr(Stdio::null())
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.master.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stderr(Stdio::null())
            .status();
        let _ = self.master.wait();
    }
}

impl Cyrus {
    /// `user`'s password.
    pub fn password(&self, user: &str) -> &'static str {
        USERS
            .iter()
            .find(|(u, _)| *u == user)
            .map(|(_, p)| *p)
            .unwrap_or_else(|| panic!("no Cyrus user {user}"))
    }

    /// `user`'s calendar user address (without `mailto:`), as Cyrus reports it in
    /// `calendar-user-address-set`.
    pub fn address(&self, user: &str) -> String {
        format!("{user}@{DOMAIN}")
    }

    /// `user`'s principal URL.
    pub fn principal(&self, user: &str) -> String {
        format!("{}/dav/principals/user/{user}/", self.url)
    }

    /// `user`'s calendar home (`calendar-home-set`).
    pub fn home(&self, user: &str) -> String {
        format!("{}/dav/calendars/user/{user}/", self.url)
    }

    /// Makes a calendar `slug` named `name` in `user`'s home (MKCALENDAR, with an
    /// independent client) and returns its URL, ending in '/'.
    pub fn calendar(&self, user: &str, slug: &str, name: &str) -> String {
        let url = format!("{}{slug}/", self.home(user));
        crate::mkcalendar(&url, user, self.password(user), name);
        url
    }

    /// Lets `delegate` read and write `owner`'s calendar at `calendar_url`: an ACL on its
    /// mailbox (IMAP `SETACL`, as the owner), and the delegate's subscription to it (IMAP
    /// `SUBSCRIBE`, as accepting a share does), so that it is listed in the delegate's home at
    /// [`Cyrus::shared_url`]. (Cyrus 3.6 refuses a WebDAV `ACL` naming a principal by href
    /// unless that user has a `#drive` mailbox: `DAV:recognized-principal`.)
    pub fn share(&self, owner: &str, calendar_url: &str, delegate: &str) {
        self.share_with(owner, calendar_url, delegate, DELEGATE_RIGHTS);
    }

    /// [`Cyrus::share`], but `delegate` may only read it (DAV:read).
    pub fn share_read_only(&self, owner: &str, calendar_url: &str, delegate: &str) {
        self.share_with(owner, calendar_url, delegate, "lr");
    }

    fn share_with(&self, owner: &str, calendar_url: &str, delegate: &str, rights: &str) {
        let slug = self.slug(owner, calendar_url);
        self.imap(
            owner,
            self.password(owner),
            &[format!("SETACL \"#calendars/{slug}\" {delegate} {rights}")],
        )
        .unwrap_or_else(|e| panic!("SETACL on {owner}'s {slug} for {delegate}: {e}"));
        self.imap(
            delegate,
            self.password(delegate),
            &[format!(
                "SUBSCRIBE \"Other Users/{owner}/#calendars/{slug}\""
            )],
        )
        .unwrap_or_else(|e| panic!("{delegate} subscribing to {owner}'s {slug}: {e}"));
    }

    /// Where `delegate` finds `owner`'s calendar at `calendar_url` once it is shared: in
    /// their own home, as `<owner>.<slug>`.
    pub fn shared_url(&self, owner: &str, calendar_url: &str, delegate: &str) -> String {
        format!(
            "{}{owner}.{}/",
            self.home(delegate),
            self.slug(owner, calendar_url)
        )
    }

    /// The messages Cyrus handed to `sendmail` so far, in the order they arrived.
    pub fn sent_mail(&self) -> Vec<Captured> {
        let mut names: Vec<String> = std::fs::read_dir(&self.capture)
            .unwrap()
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|n| n.ends_with(".eml"))
            .collect();
        names.sort();
        names
            .iter()
            .map(|name| {
                let stem = name.trim_end_matches(".eml");
                let message = std::fs::read(self.capture.join(name)).unwrap();
                let recipients = std::fs::read_to_string(self.capture.join(format!("{stem}.rcpt")))
                    .unwrap_or_default();
                Captured {
                    recipients: recipients.lines().map(str::to_owned).collect(),
                    message: String::from_utf8_lossy(&message).into_owned(),
                }
            })
            .collect()
    }

    /// [`Cyrus::sent_mail`] once it holds at least `at_least` messages (polled for up to
    /// 20 s, then a panic saying what was there).
    pub fn wait_for_mail(&self, at_least: usize) -> Vec<Captured> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let mail = self.sent_mail();
            if mail.len() >= at_least {
                return mail;
            }
            if Instant::now() >= deadline {
                let summary: Vec<_> = mail
                    .iter()
                    .map(|m| (m.recipients.clone(), itip(&m.message)))
                    .collect();
                panic!(
                    "Cyrus sent {} messages, not {at_least}, in 20 s: {summary:?}",
                    mail.len()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The server's folder (its config, databases, spool and the captured mail).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The calendar's name (its last path segment) in `owner`'s home.
    fn slug(&self, owner: &str, calendar_url: &str) -> String {
        let slug = calendar_url
            .strip_prefix(&self.home(owner))
            .unwrap_or_else(|| panic!("{calendar_url} is not in {owner}'s home"))
            .trim_end_matches('/');
        assert!(
            !slug.is_empty() && !slug.contains(['/', '"', '\\']),
            "a calendar name Belfry's tests do not use: {slug:?}"
        );
        slug.to_owned()
    }

    /// Logs `user` in over the IMAP socket, runs `commands` (each must answer OK) and logs
    /// out.
    fn imap(&self, user: &str, password: &str, commands: &[String]) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut stream = loop {
            match UnixStream::connect(&self.imap_socket) {
                Ok(s) => break s,
                Err(_) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20))
                }
                Err(e) => return Err(format!("{}: {e}", self.imap_socket.display())),
            }
        };
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .map_err(|e| e.to_string())?;
        let mut script = format!("a LOGIN {user} \"{password}\"\r\n");
        for (i, c) in commands.iter().enumerate() {
            script.push_str(&format!("c{i} {c}\r\n"));
        }
        script.push_str("z LOGOUT\r\n");
        stream
            .write_all(script.as_bytes())
            .map_err(|e| e.to_string())?;
        let mut answer = String::new();
        stream
            .read_to_string(&mut answer)
            .map_err(|e| format!("{e} after {answer:?}"))?;
        let tags =
            std::iter::once("a".to_owned()).chain((0..commands.len()).map(|i| format!("c{i}")));
        for tag in tags {
            let ok = answer.lines().any(|l| l.starts_with(&format!("{tag} OK")));
            if !ok {
                return Err(format!("no {tag} OK in {answer:?}"));
            }
        }
        Ok(())
    }
}

/// The iTIP in a MIME message: for each `text/calendar` part (its transfer encoding, base64
/// or quoted-printable, decoded; an `application/ics` part counts only when there is no
/// `text/calendar` one, as Cyrus attaches the same object twice), its METHOD and each
/// VEVENT's UID and SEQUENCE (0 when absent), in order.
pub fn itip(message: &str) -> Vec<(String, String, u32)> {
    let Some(parsed) = mail_parser::MessageParser::default().parse(message.as_bytes()) else {
        return Vec::new();
    };
    let of_type = |ctype: &str, subtype: &str| -> Vec<String> {
        parsed
            .parts
            .iter()
            .filter(|part| {
                use mail_parser::MimeHeaders;
                part.content_type().is_some_and(|t| {
                    t.ctype().eq_ignore_ascii_case(ctype)
                        && t.subtype().is_some_and(|s| s.eq_ignore_ascii_case(subtype))
                })
            })
            .map(|part| String::from_utf8_lossy(part.contents()).into_owned())
            .collect()
    };
    let mut objects = of_type("text", "calendar");
    if objects.is_empty() {
        objects = of_type("application", "ics");
    }
    objects.iter().flat_map(|text| itip_object(text)).collect()
}

/// METHOD, and each VEVENT's UID and SEQUENCE, of one iCalendar object.
fn itip_object(text: &str) -> Vec<(String, String, u32)> {
    let unfolded = text
        .replace("\r\n ", "")
        .replace("\r\n\t", "")
        .replace("\n ", "")
        .replace("\n\t", "");
    let mut method = String::new();
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut event: Option<(String, u32)> = None;
    for line in unfolded.lines().map(|l| l.trim_end_matches('\r')) {
        let (name, value) = match line.split_once(':') {
            Some((n, v)) => (n.split(';').next().unwrap_or("").to_ascii_uppercase(), v),
            None => continue,
        };
        match (name.as_str(), value.trim().to_ascii_uppercase().as_str()) {
            ("BEGIN", "VEVENT") if depth == 1 => event = Some((String::new(), 0)),
            ("END", "VEVENT") if depth == 2 => {
                if let Some((uid, sequence)) = event.take() {
                    out.push((method.clone(), uid, sequence));
                }
            }
            ("METHOD", m) if depth == 1 => method = m.to_owned(),
            ("UID", _) if depth == 2 => {
                if let Some(e) = event.as_mut() {
                    e.0 = value.trim().to_owned();
                }
            }
            ("SEQUENCE", _) if depth == 2 => {
                if let Some(e) = event.as_mut() {
                    e.1 = value.trim().parse().unwrap_or(0);
                }
            }
            _ => {}
        }
        match name.as_str() {
            "BEGIN" => depth += 1,
            "END" => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    out
}

fn is_root() -> bool {
    id("-u") == "0"
}

/// What `id <flag>` says about this process's user.
fn id(flag: &str) -> String {
    let out = Command::new("id").arg(flag).output().unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// `saslpasswd2`, in /usr/sbin (not on every user's PATH) or else on the PATH.
fn saslpasswd2() -> PathBuf {
    let sbin = PathBuf::from("/usr/sbin/saslpasswd2");
    if sbin.is_file() {
        sbin
    } else {
        PathBuf::from("saslpasswd2")
    }
}

fn find_in_path(program: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(program))
        .find(|p| p.is_file())
}

fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn itip_reads_the_calendar_part_of_a_message_decoded() {
        // As Cyrus sends it: the object inline (quoted-printable here), and again attached in
        // base64.
        let ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nBEGIN:VTIMEZONE\r\nTZID:X\r\nBEGIN:STANDARD\r\nDTSTART:19700101T000000\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\nBEGIN:VEVENT\r\nUID:a@b\r\n c\r\nSEQUENCE:3\r\nBEGIN:VALARM\r\nUID:alarm\r\nEND:VALARM\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:a@bc\r\nRECURRENCE-ID:20270101T000000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        let qp = ics.replace("UID:a@b\r\n c", "UID:a=40b\r\n c");
        let b64 = base64(ics);
        let message = format!(
            "From: a@example.com\r\nTo: b@example.com\r\nSubject: x\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"M\"\r\n\r\n--M\r\nContent-Type: multipart/alternative; boundary=\"A\"\r\n\r\n--A\r\nContent-Type: text/plain\r\n\r\nHello\r\n--A\r\nContent-Type: text/calendar; charset=utf-8; method=REQUEST\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n{qp}\r\n--A--\r\n\r\n--M\r\nContent-Type: application/ics; name=\"x.ics\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{b64}\r\n--M--\r\n"
        );
        assert_eq!(
            itip(&message),
            [
                ("REQUEST".to_owned(), "a@bc".to_owned(), 3),
                ("REQUEST".to_owned(), "a@bc".to_owned(), 0)
            ]
        );
        // Only an attachment: that is read.
        let attached = format!(
            "Subject: x\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"M\"\r\n\r\n--M\r\nContent-Type: text/plain\r\n\r\nHi\r\n--M\r\nContent-Type: application/ics\r\nContent-Transfer-Encoding: base64\r\n\r\n{b64}\r\n--M--\r\n"
        );
        assert_eq!(itip(&attached).len(), 2);
        assert!(itip("Subject: none\r\n\r\nno calendar").is_empty());
    }

    fn base64(text: &str) -> String {
        const T: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let bytes = text.as_bytes();
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let b = [
                chunk[0],
                *chunk.get(1).unwrap_or(&0),
                *chunk.get(2).unwrap_or(&0),
            ];
            let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            for i in 0..4 {
                if i <= chunk.len() {
                    out.push(char::from(T[((n >> (18 - 6 * i)) & 63) as usize]));
                } else {
                    out.push('=');
                }
            }
        }
        out
    }
}
