//! sabre/dav (Debian's `php-sabre-dav` 1.8, the library under Nextcloud and Baïkal) as a
//! CalDAV server: `tests/sabre-server/server.php` under `php -S`, on a SQLite database in a
//! fresh folder, with PHP's `mail()` handed to a capturing sendmail.
//!
//! Users ana, bob, lee and carol (HTTP Basic, passwords from [`Sabre::password`]),
//! principals `/principals/<user>/` with the address `<user>@example.com`, a calendar
//! `/calendars/<user>/default/` ("Default calendar") each. sabre/dav 1.8 does no implicit
//! scheduling (RFC 6638): its `DAV` header has no `calendar-auto-schedule`, and a PUT sends
//! no mail; only a POST of an iTIP message to `/calendars/<user>/outbox` does (one message
//! per `Recipient`).

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::php::{php_settings, sendmail_script};
use crate::{free_port, mkcalendar, wait_listening, workspace_root};

/// The users and their passwords.
const USERS: &[(&str, &str)] = &[
    ("ana", "ana-app-password"),
    ("bob", "bob-app-password"),
    ("lee", "lee-app-password"),
    ("carol", "carol-canary-app-password"),
];

/// A running sabre/dav server, stopped and its folder removed on drop.
#[derive(Debug)]
pub struct Sabre {
    /// The base, `http://127.0.0.1:PORT`.
    pub url: String,
    child: Child,
    mail: PathBuf,
    _dir: tempfile::TempDir,
}

pub use crate::php::Captured;

impl Drop for Sabre {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A sabre/dav server, started and answering.
pub fn sabre() -> Sabre {
    let dir = tempfile::tempdir().unwrap();
    let mail = dir.path().join("mail");
    std::fs::create_dir(&mail).unwrap();
    let sendmail = dir.path().join("sendmail");
    std::fs::write(&sendmail, sendmail_script(&mail)).unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&sendmail, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let script = workspace_root().join("tests/sabre-server/server.php");
    // The database first (PHP's CLI), then the server.
    let init = Command::new("php")
        .arg(&script)
        .env("BELFRY_SABRE_DIR", dir.path())
        .output()
        .expect("php is installed by scripts/setup");
    assert!(
        init.status.success(),
        "creating sabre/dav's database: {}",
        String::from_utf8_lossy(&init.stderr)
    );
    let port = free_port();
    let log = std::fs::File::create(dir.path().join("server.log")).unwrap();
    let child = Command::new("php")
        .args(php_settings(dir.path(), &sendmail))
        .arg("-S")
        .arg(format!("127.0.0.1:{port}"))
        .arg(&script)
        .env("BELFRY_SABRE_DIR", dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("php is installed by scripts/setup");
    let server = Sabre {
        url: format!("http://127.0.0.1:{port}"),
        child,
        mail,
        _dir: dir,
    };
    wait_listening(port);
    server.wait_answering();
    server
}

impl Sabre {
    /// Until a PROPFIND of the root as ana answers 207 (at most 20 s).
    fn wait_answering(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let status = self.dav(
                "PROPFIND",
                &format!("{}/", self.url),
                "ana",
                Some("0"),
                r#"<?xml version="1.0" encoding="utf-8"?><d:propfind xmlns:d="DAV:"><d:prop><d:current-user-principal/></d:prop></d:propfind>"#,
            );
            if matches!(status, Ok((207, _))) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "sabre/dav on {} did not answer: {status:?}",
                self.url
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
            .find(|(u, _)| *u == user)
            .map(|(_, p)| *p)
            .unwrap_or_else(|| panic!("sabre/dav has no user {user:?}"))
    }

    /// `user`'s email address, `user@example.com` (its calendar-user-address-set holds
    /// `mailto:` of it).
    pub fn address(&self, user: &str) -> String {
        format!("{user}@example.com")
    }

    /// `user`'s calendar-home-set, `/calendars/<user>/`.
    pub fn home(&self, user: &str) -> String {
        format!("{}/calendars/{user}/", self.url)
    }

    /// Makes the calendar `slug` called `name` in `user`'s home (MKCALENDAR, as another app
    /// would); its URL, ending in `/`.
    pub fn calendar(&self, user: &str, slug: &str, name: &str) -> String {
        let url = format!("{}{slug}/", self.home(user));
        mkcalendar(&url, user, self.password(user), name);
        url
    }

    /// Lets `delegate` read and write `owner`'s calendar at `calendar_url`, as sabre/dav 1.8
    /// delegates: `delegate` joins the group `principals/<owner>/calendar-proxy-write`
    /// (PROPPATCH of its `group-member-set` by the owner, as iCal does it). The group is
    /// the owner's, so the delegate may then write every calendar of the owner, not only
    /// this one.
    pub fn share(&self, owner: &str, calendar_url: &str, delegate: &str) {
        assert!(
            calendar_url.starts_with(&self.home(owner)),
            "{calendar_url} is not a calendar of {owner}"
        );
        self.password(delegate); // a user of this server
        let group = format!("{}/principals/{owner}/calendar-proxy-write/", self.url);
        let (status, body) = self
            .dav(
                "PROPFIND",
                &group,
                owner,
                Some("0"),
                r#"<?xml version="1.0" encoding="utf-8"?><d:propfind xmlns:d="DAV:"><d:prop><d:group-member-set/></d:prop></d:propfind>"#,
            )
            .unwrap();
        assert_eq!(status, 207, "PROPFIND {group}: {body}");
        let mut members: Vec<String> = hrefs(&body)
            .into_iter()
            .filter(|h| {
                h.starts_with("/principals/") && h.trim_end_matches('/') != group_path(owner)
            })
            .map(|h| h.trim_end_matches('/').to_owned())
            .collect();
        let member = format!("/principals/{delegate}");
        if !members.contains(&member) {
            members.push(member);
        }
        let set: String = members
            .iter()
            .map(|m| format!("<d:href>{m}/</d:href>"))
            .collect();
        let (status, body) = self
            .dav(
                "PROPPATCH",
                &group,
                owner,
                None,
                &format!(
                    r#"<?xml version="1.0" encoding="utf-8"?><d:propertyupdate xmlns:d="DAV:"><d:set><d:prop><d:group-member-set>{set}</d:group-member-set></d:prop></d:set></d:propertyupdate>"#
                ),
            )
            .unwrap();
        assert!(
            status == 207 && body.contains("200 OK") && !body.contains("403"),
            "PROPPATCH {group}: HTTP {status} {body}"
        );
    }

    /// What the server handed to sendmail, in order.
    pub fn sent_mail(&self) -> Vec<Captured> {
        crate::php::sent_mail(&self.mail)
    }
}

/// `principals/<owner>/calendar-proxy-write` as a path.
fn group_path(owner: &str) -> String {
    format!("/principals/{owner}/calendar-proxy-write")
}

/// The texts of the `href` elements of a multistatus (any prefix).
fn hrefs(xml: &str) -> Vec<String> {
    xml.split('<')
        .filter_map(|tag| {
            let (name, text) = tag.split_once('>')?;
            let opening = !name.starts_with('/') && (name == "href" || name.ends_with(":href"));
            opening.then(|| text.trim().to_owned())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hrefs_of_a_multistatus() {
        let xml = r#"<d:multistatus xmlns:d="DAV:"><d:response><d:href>/principals/ana/calendar-proxy-write/</d:href><d:propstat><d:prop><d:group-member-set><d:href>/principals/bob</d:href></d:group-member-set></d:prop></d:propstat></d:response></d:multistatus>"#;
        assert_eq!(
            hrefs(xml),
            ["/principals/ana/calendar-proxy-write/", "/principals/bob"]
        );
    }
}
