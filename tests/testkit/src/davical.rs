//! DAViCal (Debian's `davical` 1.1, PHP on PostgreSQL) as a CalDAV server, private to one
//! test: a PostgreSQL cluster of its own in a fresh folder (Unix socket only, in that folder),
//! the database made by DAViCal's own `create-database.sh`, the users made by DAViCal's own
//! code (`tests/davical-server/seed.php`), and `/usr/share/davical/htdocs` served by
//! `php -S` through `tests/davical-server/router.php` on 127.0.0.1 on a free port, with
//! PHP's `mail()` handed to a capturing sendmail.
//!
//! What it serves:
//! - users ana, bob, lee and carol (HTTP Basic, passwords from [`Davical::password`], stored
//!   in DAViCal's `**plaintext` form), each with the collections DAViCal makes for a new
//!   user: the calendar `calendar` ("<Name> calendar"), the scheduling inbox `.in` and
//!   outbox `.out`, and the address book `addresses`;
//! - principals `/caldav.php/<user>/`, which are also the calendar homes, the address
//!   `mailto:<user>@example.com`; `/.well-known/caldav` redirects (301) to `/caldav.php/`,
//!   which answers `current-user-principal`;
//! - RFC 6638 scheduling between its own users (its `DAV` header has
//!   `calendar-auto-schedule`): the organizer's PUT puts the invitation in a local attendee's
//!   calendar and inbox; for an attendee elsewhere it sends nothing (`SCHEDULE-STATUS=3.7`).
//!   iMIP mail goes out only for a cancellation (the organizer's DELETE) and an attendee's
//!   reply, read back with [`Davical::sent_mail`];
//! - DAViCal 1.1.12 makes the scheduling inbox and outbox of a new user (`.in`, `.out`) as
//!   plain calendars (`is_calendar`, resourcetype `C:calendar`): they are listed as calendars
//!   "<Name> Inbox" and "<Name> Outbox".
//!
//! A calendar is shared ([`Davical::share`]) as DAViCal shares it: a WebDAV `ACL` request
//! by the owner on the calendar, granting the delegate's principal DAV:read and DAV:write
//! (and DAV:read-current-user-privilege-set, or the delegate may not read their rights).
//! The delegate writes it at the owner's URL, and does not find it in their own home.
//!
//! PostgreSQL refuses to run as root: started by root, its folder is handed to the
//! `postgres` user the package creates and its programs run as that user (`runuser`);
//! started by anyone else, they run as that user.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::{free_port, mkcalendar, wait_listening, workspace_root};

pub use crate::php::Captured;
use crate::php::{php_settings, sendmail_script};

/// The users, their passwords and names.
const USERS: &[(&str, &str, &str)] = &[
    ("ana", "ana-app-password", "Ana"),
    ("bob", "bob-app-password", "Bob"),
    ("lee", "lee-app-password", "Lee"),
    ("carol", "carol-canary-app-password", "Carol"),
];

/// The domain of everyone's address.
const DOMAIN: &str = "example.com";

/// Where Debian installs DAViCal.
const DAVICAL: &str = "/usr/share/davical";

/// A running DAViCal, stopped (PHP, then PostgreSQL) and its folder removed on drop.
#[derive(Debug)]
pub struct Davical {
    /// The base, `http://127.0.0.1:PORT`.
    pub url: String,
    php: Option<Child>,
    postgres: Postgres,
    mail: PathBuf,
    dir: tempfile::TempDir,
}

/// The private PostgreSQL cluster.
#[derive(Debug)]
struct Postgres {
    bin: PathBuf,
    /// Its folder: the data directory `data`, the socket, the log.
    dir: PathBuf,
    port: u16,
    /// `Some("postgres")` when started by root.
    run_as: Option<&'static str>,
    running: bool,
}

impl Postgres {
    /// A command running `program` of PostgreSQL as the cluster's user, with the socket,
    /// port and database superuser in its environment.
    fn command(&self, program: &Path) -> Command {
        let mut cmd = match self.run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(program);
                c
            }
            None => Command::new(program),
        };
        let path = std::env::var_os("PATH").unwrap_or_default();
        let mut paths = vec![self.bin.clone()];
        paths.extend(std::env::split_paths(&path));
        cmd.env("PATH", std::env::join_paths(paths).unwrap())
            .env("PGHOST", &self.dir)
            .env("PGPORT", self.port.to_string())
            .env("PGUSER", "postgres")
            .env("TMPDIR", &self.dir)
            .env_remove("PGDATABASE")
            .env_remove("PGPASSWORD")
            .current_dir(&self.dir);
        cmd
    }

    fn run(&self, program: &Path, args: &[&str], what: &str) -> String {
        let out = self
            .command(program)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("{what}: {} ({e})", program.display()));
        assert!(
            out.status.success(),
            "{what}: {}\n{}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn stop(&mut self) {
        if !self.running {
            return;
        }
        self.running = false;
        let _ = self
            .command(&self.bin.join("pg_ctl"))
            .args(["-D", "data", "-m", "immediate", "-w", "stop"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

impl Drop for Davical {
    fn drop(&mut self) {
        if let Some(mut php) = self.php.take() {
            let _ = php.kill();
            let _ = php.wait();
        }
        self.postgres.stop();
    }
}

/// The newest PostgreSQL of /usr/lib/postgresql/<version>/bin.
fn postgres_bin() -> PathBuf {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("PostgreSQL is installed by scripts/setup")
        .filter_map(|e| {
            let e = e.ok()?;
            let version = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").is_file().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions
        .pop()
        .map(|(_, bin)| bin)
        .expect("no /usr/lib/postgresql/<version>/bin/initdb: run scripts/setup")
}

/// A PHP single-quoted string literal of `s`.
fn php_string(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// DAViCal's configuration for this folder (read by `htdocs/always.php` through the
/// router's SERVER_NAME, see `tests/davical-server/router.php`).
fn config(pg: &Postgres) -> String {
    let connect = format!(
        "dbname=davical user=davical_app host={} port={}",
        pg.dir.display(),
        pg.port
    );
    format!(
        "<?php\n\
         // Written by belfry-testkit (tests/testkit/src/davical.rs) for one test.\n\
         // The router named this file through SERVER_NAME: the real name, at once.\n\
         $_SERVER['SERVER_NAME'] = '127.0.0.1';\n\
         $c->domain_name = '127.0.0.1';\n\
         $c->pg_connect[] = {};\n\
         $c->system_name = 'DAViCal for Belfry tests';\n\
         $c->admin_email = 'calendar-admin@{DOMAIN}';\n\
         // iMIP: really mail(), to the capturing sendmail (the default only logs it).\n\
         $c->iMIP = (object) array('send_email' => true);\n",
        php_string(&connect)
    )
}

/// A DAViCal server, started and answering.
pub fn davical() -> Davical {
    let dir = tempfile::tempdir().unwrap();
    let root = is_root();
    // PostgreSQL's folder, its user's own; the test's folder must let that user through.
    let pg_dir = dir.path().join("pg");
    std::fs::create_dir(&pg_dir).unwrap();
    if root {
        set_mode(dir.path(), 0o755);
        let status = Command::new("chown")
            .args(["postgres:postgres"])
            .arg(&pg_dir)
            .status()
            .unwrap();
        assert!(
            status.success(),
            "chown postgres {} (is PostgreSQL installed? run scripts/setup)",
            pg_dir.display()
        );
    }
    set_mode(&pg_dir, 0o700);
    let bin = postgres_bin();
    let mut postgres = Postgres {
        bin: bin.clone(),
        dir: pg_dir,
        port: free_port(),
        run_as: root.then_some("postgres"),
        running: false,
    };
    postgres.run(
        &bin.join("initdb"),
        &[
            "-D",
            "data",
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-locale",
            "--no-sync",
        ],
        "initdb",
    );
    // Only the socket in its folder; no fsync (a test's data need not survive a crash).
    let port = postgres.port.to_string();
    let options = format!(
        "-p {port} -k {} -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off",
        postgres.dir.display()
    );
    postgres.run(
        &bin.join("pg_ctl"),
        &[
            "-D",
            "data",
            "-l",
            "postgres.log",
            "-w",
            "-o",
            &options,
            "start",
        ],
        "starting PostgreSQL",
    );
    postgres.running = true;
    // DAViCal's own script: its roles (davical_dba, davical_app), schema, functions and
    // base data; it prints the admin password we give it.
    let create = Path::new(DAVICAL).join("dba/create-database.sh");
    let out = postgres.run(
        &create,
        &["davical", "belfry-admin-password"],
        "DAViCal's create-database.sh",
    );
    assert!(
        out.contains("has been set to 'belfry-admin-password'"),
        "create-database.sh: {out}"
    );

    let mail = dir.path().join("mail");
    std::fs::create_dir(&mail).unwrap();
    let sendmail = dir.path().join("sendmail");
    std::fs::write(&sendmail, sendmail_script(&mail)).unwrap();
    set_mode(&sendmail, 0o755);
    std::fs::write(dir.path().join("davical-conf.php"), config(&postgres)).unwrap();

    let server_dir = workspace_root().join("tests/davical-server");
    let users: Vec<serde_json::Value> = USERS
        .iter()
        .map(|(user, password, name)| {
            serde_json::json!({
                "username": user,
                "password": password,
                "fullname": name,
                "email": format!("{user}@{DOMAIN}"),
            })
        })
        .collect();
    let seed = Command::new("php")
        .args(php_settings(dir.path(), &sendmail))
        .arg(server_dir.join("seed.php"))
        .env("BELFRY_DAVICAL_DIR", dir.path())
        .env(
            "BELFRY_DAVICAL_USERS",
            serde_json::Value::from(users).to_string(),
        )
        .stdin(Stdio::null())
        .output()
        .expect("php is installed by scripts/setup");
    assert!(
        seed.status.success() && String::from_utf8_lossy(&seed.stdout).trim() == "ok",
        "making DAViCal's users: {}{}",
        String::from_utf8_lossy(&seed.stdout),
        String::from_utf8_lossy(&seed.stderr)
    );

    let port = free_port();
    let log = std::fs::File::create(dir.path().join("server.log")).unwrap();
    let php = Command::new("php")
        .args(php_settings(dir.path(), &sendmail))
        .arg("-S")
        .arg(format!("127.0.0.1:{port}"))
        .arg("-t")
        .arg(Path::new(DAVICAL).join("htdocs"))
        .arg(server_dir.join("router.php"))
        .env("BELFRY_DAVICAL_DIR", dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("php is installed by scripts/setup");
    let server = Davical {
        url: format!("http://127.0.0.1:{port}"),
        php: Some(php),
        postgres,
        mail,
        dir,
    };
    wait_listening(port);
    server.wait_answering();
    server
}

impl Davical {
    /// Until a PROPFIND of `/caldav.php/` as ana answers 207 (at most 20 s).
    fn wait_answering(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let status = self.dav(
                "PROPFIND",
                &format!("{}/caldav.php/", self.url),
                "ana",
                Some("0"),
                r#"<?xml version="1.0" encoding="utf-8"?><d:propfind xmlns:d="DAV:"><d:prop><d:current-user-principal/></d:prop></d:propfind>"#,
            );
            if matches!(status, Ok((207, _))) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "DAViCal on {} did not answer: {status:?}; PHP's log: {}",
                self.url,
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// A WebDAV request as `user`: the status and the body.
    fn dav(
        &self,
        method: &str,
        url: &str,
        user: &str,
        depth: Option<&str>,
        body: &str,
    ) -> Result<(u16, String), reqwest::Error> {
        let client = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()?;
        let mut req = client
            .request(reqwest::Method::from_bytes(method.as_bytes()).unwrap(), url)
            .basic_auth(user, Some(self.password(user)))
            .header("Content-Type", "text/xml; charset=utf-8")
            .body(body.to_owned());
        if let Some(d) = depth {
            req = req.header("Depth", d);
        }
        let resp = req.send()?;
        let status = resp.status().as_u16();
        Ok((status, resp.text()?))
    }

    /// `user`'s password.
    pub fn password(&self, user: &str) -> &'static str {
        USERS
            .iter()
            .find(|(u, _, _)| *u == user)
            .map(|(_, p, _)| *p)
            .unwrap_or_else(|| panic!("DAViCal has no user {user:?}"))
    }

    /// `user`'s name, as the `displayname` of their principal (their calendar is called
    /// "<name> calendar").
    pub fn name(&self, user: &str) -> &'static str {
        USERS
            .iter()
            .find(|(u, _, _)| *u == user)
            .map(|(_, _, n)| *n)
            .unwrap_or_else(|| panic!("DAViCal has no user {user:?}"))
    }

    /// `user`'s email address, `user@example.com` (its calendar-user-address-set holds
    /// `mailto:` of it).
    pub fn address(&self, user: &str) -> String {
        format!("{user}@{DOMAIN}")
    }

    /// `user`'s principal URL, `/caldav.php/<user>/`.
    pub fn principal(&self, user: &str) -> String {
        format!("{}/caldav.php/{user}/", self.url)
    }

    /// `user`'s calendar-home-set: the principal itself.
    pub fn home(&self, user: &str) -> String {
        self.principal(user)
    }

    /// The calendar DAViCal made for `user`, `calendar/` in the home.
    pub fn default_calendar(&self, user: &str) -> String {
        format!("{}calendar/", self.home(user))
    }

    /// Makes the calendar `slug` called `name` in `user`'s home (MKCALENDAR, as another app
    /// would); its URL, ending in `/`.
    pub fn calendar(&self, user: &str, slug: &str, name: &str) -> String {
        let url = format!("{}{slug}/", self.home(user));
        mkcalendar(&url, user, self.password(user), name);
        url
    }

    /// Lets `delegate` read and write `owner`'s calendar at `calendar_url`, as DAViCal
    /// shares one: an `ACL` request by the owner on the calendar with an ACE granting the
    /// delegate's principal DAV:read, DAV:write and DAV:read-current-user-privilege-set
    /// (which DAV:read does not hold in DAViCal: without it the delegate's PROPFIND gets a
    /// 403 propstat for `current-user-privilege-set`). DAViCal adds the ACE to the
    /// calendar's grants, keeping the others. The delegate writes at the owner's URL.
    pub fn share(&self, owner: &str, calendar_url: &str, delegate: &str) {
        self.grant(
            owner,
            calendar_url,
            delegate,
            &["read", "read-current-user-privilege-set", "write"],
        );
    }

    /// [`Davical::share`], but `delegate` may only read it (DAV:read and
    /// DAV:read-current-user-privilege-set).
    pub fn share_read_only(&self, owner: &str, calendar_url: &str, delegate: &str) {
        self.grant(
            owner,
            calendar_url,
            delegate,
            &["read", "read-current-user-privilege-set"],
        );
    }

    /// Grants `delegate` exactly the DAV: `privileges` on `owner`'s calendar at
    /// `calendar_url` (an `ACL` request by the owner). PHP's built-in server refuses the
    /// method ACL (501), so it goes as a POST with DAViCal's `X-HTTP-Method-Override: ACL`.
    pub fn grant(&self, owner: &str, calendar_url: &str, delegate: &str, privileges: &[&str]) {
        assert!(
            calendar_url.starts_with(&self.home(owner)) && calendar_url.ends_with('/'),
            "{calendar_url} is not a calendar of {owner}"
        );
        self.password(delegate); // a user of this server
        let principal = format!("/caldav.php/{delegate}/");
        let granted: String = privileges
            .iter()
            .map(|p| format!("<d:privilege><d:{p}/></d:privilege>"))
            .collect();
        let body = format!(
            r#"<?xml version="1.0" encoding="utf-8"?><d:acl xmlns:d="DAV:"><d:ace><d:principal><d:href>{principal}</d:href></d:principal><d:grant>{granted}</d:grant></d:ace></d:acl>"#
        );
        let resp = reqwest::blocking::Client::new()
            .post(calendar_url)
            .basic_auth(owner, Some(self.password(owner)))
            .header("X-HTTP-Method-Override", "ACL")
            .header("Content-Type", "text/xml; charset=utf-8")
            .body(body)
            .send()
            .unwrap();
        let status = resp.status().as_u16();
        let answer = resp.text().unwrap_or_default();
        assert_eq!(status, 200, "ACL {calendar_url} for {delegate}: {answer}");
    }

    /// What the server handed to sendmail, in order.
    pub fn sent_mail(&self) -> Vec<Captured> {
        crate::php::sent_mail(&self.mail)
    }

    /// The server's folder (configuration, PostgreSQL's cluster and log, PHP's log, the
    /// captured mail).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// What PHP logged so far (its errors, and DAViCal's own log lines).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("php-errors.log")).unwrap_or_default()
    }
}

fn is_root() -> bool {
    let out = Command::new("id").arg("-u").output().unwrap();
    String::from_utf8_lossy(&out.stdout).trim() == "0"
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_php_string_is_quoted() {
        assert_eq!(php_string(r"a'b\c"), r"'a\'b\\c'");
    }
}
