//! Real servers for Belfry's tests, each started on 127.0.0.1 on a free port and stopped
//! when dropped. `scripts/setup` installs them (a Python virtualenv for Radicale and
//! Xandikos, npm for the OAuth server, Debian's packages for Cyrus IMAP, sabre/dav,
//! DAViCal and Exim).

#![allow(
    clippy::disallowed_methods,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub mod cyrus;
pub mod davical;
pub mod desktop_bus;
mod php;
pub mod sabre;
pub mod smtp;

/// A program of the test virtualenv (`$BELFRY_VENV`, default `~/.cache/belfry/venv`).
pub fn venv_bin(name: &str) -> PathBuf {
    let venv = std::env::var_os("BELFRY_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var("HOME").unwrap()).join(".cache/belfry/venv")
        });
    venv.join("bin").join(name)
}

/// A TCP port nothing listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A server process, killed on drop.
#[derive(Debug)]
pub struct Server {
    child: Child,
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits until something accepts connections on `port` (at most 20 s).
pub fn wait_listening(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "the server on port {port} did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Radicale with users ana (password "ana-app-password"), bob ("bob-app-password") and
/// carol ("carol-canary-app-password", used by one test only), in a fresh folder.
pub fn radicale() -> Server {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut server = radicale_in(dir.path(), port);
    server._dir = Some(dir);
    server
}

/// Radicale serving the collections in `dir` on `port`: start it again on the same folder
/// and port to bring a "crashed" server back.
pub fn radicale_in(dir: &Path, port: u16) -> Server {
    radicale_with_rights(dir, port, None)
}

/// Radicale where, besides everyone's own collections, `ana` may write to `lee`'s calendar
/// `lectures` (as a delegate would), with Radicale's documented `from_file` rights.
pub fn radicale_shared() -> Server {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let rights = "[root]\nuser: .+\ncollection:\npermissions: R\n\n\
        [principal]\nuser: .+\ncollection: {user}\npermissions: RW\n\n\
        [calendars]\nuser: .+\ncollection: {user}/[^/]+\npermissions: rw\n\n\
        [delegate]\nuser: ana\ncollection: lee/lectures\npermissions: rw\n";
    let mut server = radicale_with_rights(dir.path(), port, Some(rights));
    server._dir = Some(dir);
    server
}

/// Radicale on `dir` and `port` where every user may read but nobody may write: a server
/// that came back refusing what it took before (403 Forbidden on PUT).
pub fn radicale_read_only_in(dir: &Path, port: u16) -> Server {
    let rights = "[all]\nuser: .*\ncollection: .*\npermissions: Rr\n";
    radicale_with_rights(dir, port, Some(rights))
}

fn radicale_with_rights(dir: &Path, port: u16, rights: Option<&str>) -> Server {
    let users = dir.join("users");
    std::fs::write(
        &users,
        "ana:ana-app-password\nbob:bob-app-password\ncarol:carol-canary-app-password\nlee:lee-app-password\n",
    )
    .unwrap();
    let config = dir.join("config");
    let mut text = format!(
        "[server]\nhosts = 127.0.0.1:{port}\n[auth]\ntype = htpasswd\nhtpasswd_filename = {}\nhtpasswd_encryption = plain\n[storage]\nfilesystem_folder = {}\n[logging]\nlevel = warning\n",
        users.display(),
        dir.join("collections").display()
    );
    if let Some(rights) = rights {
        let file = dir.join("rights");
        std::fs::write(&file, rights).unwrap();
        text.push_str(&format!(
            "[rights]\ntype = from_file\nfile = {}\n",
            file.display()
        ));
    }
    std::fs::write(&config, text).unwrap();
    let child = Command::new(venv_bin("radicale"))
        .args(["--config", config.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("radicale is installed by scripts/setup");
    wait_listening(port);
    Server {
        child,
        url: format!("http://127.0.0.1:{port}"),
        _dir: None,
    }
}

/// Xandikos with its default principal (/user/) and calendar.
pub fn xandikos() -> Server {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let child = Command::new(venv_bin("xandikos"))
        .args([
            "serve",
            "--defaults",
            "-d",
            dir.path().to_str().unwrap(),
            "-l",
            "127.0.0.1",
            "-p",
            &port.to_string(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("xandikos is installed by scripts/setup");
    wait_listening(port);
    Server {
        child,
        url: format!("http://127.0.0.1:{port}"),
        _dir: Some(dir),
    }
}

/// Creates a calendar with an independent client (curl), as another app would.
pub fn mkcalendar(url: &str, user: &str, password: &str, name: &str) {
    let body = format!(
        r#"<?xml version="1.0" encoding="utf-8"?><c:mkcalendar xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:set><d:prop><d:displayname>{name}</d:displayname></d:prop></d:set></c:mkcalendar>"#
    );
    let status = Command::new("curl")
        .args([
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "-X",
            "MKCALENDAR",
            "-u",
            &format!("{user}:{password}"),
            "-H",
            "Content-Type: text/xml",
            "--data",
            &body,
            url,
        ])
        .output()
        .unwrap();
    let code = String::from_utf8_lossy(&status.stdout).to_string();
    assert!(code.starts_with('2'), "MKCALENDAR {url}: HTTP {code}");
}

/// The checkout the tests run in: found from the test's `CARGO_MANIFEST_DIR` at run time
/// (not at compile time: a build shared between two checkouts must not reach into the other).
pub fn workspace_root() -> PathBuf {
    let start = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::current_dir().unwrap());
    start
        .ancestors()
        .find(|d| d.join("tests/oauth-server/server.mjs").exists())
        .map(Path::to_path_buf)
        .unwrap_or(start)
}

/// The OAuth 2 / OpenID Connect server of `tests/oauth-server` (npm oidc-provider).
#[derive(Debug)]
pub struct OAuthServer {
    child: Child,
    /// The issuer, `http://127.0.0.1:PORT`.
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub revocation_endpoint: String,
    pub userinfo_endpoint: String,
}

impl Drop for OAuthServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the OAuth server; access tokens live `access_token_ttl` seconds.
pub fn oauth_server(access_token_ttl: u32) -> OAuthServer {
    let dir = workspace_root().join("tests/oauth-server");
    let mut child = Command::new("node")
        .arg(dir.join("server.mjs"))
        .env("ACCESS_TOKEN_TTL", access_token_ttl.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("node is required; scripts/setup installs the server's packages");
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    let v: serde_json::Value =
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("oauth server said {line:?}: {e}"));
    let s = |k: &str| v[k].as_str().unwrap().to_owned();
    OAuthServer {
        issuer: s("issuer"),
        authorization_endpoint: s("authorization_endpoint"),
        token_endpoint: s("token_endpoint"),
        revocation_endpoint: s("revocation_endpoint"),
        userinfo_endpoint: s("userinfo_endpoint"),
        child,
    }
}

impl OAuthServer {
    /// A `belfry.toml` that points both providers (Google, Microsoft) at this server.
    pub fn belfry_toml(&self) -> String {
        format!(
            r#"
[providers.google]
client_id = "belfry-google"
client_secret = "desktop-client-secret-not-secret"
auth_url = "{auth}"
token_url = "{token}"
revoke_url = "{revoke}"
userinfo_url = "{userinfo}"
api_base = "{issuer}/calendar/v3"

[providers.microsoft]
client_id = "belfry-microsoft"
auth_url = "{auth}"
token_url = "{token}"
revoke_url = "{revoke}"
userinfo_url = "{userinfo}"
api_base = "{issuer}/v1.0"
"#,
            auth = self.authorization_endpoint,
            token = self.token_endpoint,
            revoke = self.revocation_endpoint,
            userinfo = self.userinfo_endpoint,
            issuer = self.issuer,
        )
    }

    /// Queues faults for the next calendar event requests (see `server.mjs`).
    pub fn faults(&self, faults: &[&str]) {
        post_json(
            &format!("{}/__test/faults", self.issuer),
            &serde_json::json!({ "faults": faults }),
        );
    }

    /// The Google Calendar events the fake holds (`/__test/events`).
    pub fn google_events(&self) -> serde_json::Value {
        get_json(&format!("{}/__test/events", self.issuer))
    }

    /// Every Google and Graph API request the fakes received, in order: method, path, query
    /// and body (`/__test/requests`).
    pub fn requests(&self) -> Vec<serde_json::Value> {
        get_json(&format!("{}/__test/requests", self.issuer))["requests"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// The Graph events the fake holds, by mailbox, with its concurrency counters.
    pub fn graph(&self) -> serde_json::Value {
        get_json(&format!("{}/__test/graph", self.issuer))
    }

    /// How many requests the token endpoint has received.
    pub fn token_requests(&self) -> u64 {
        self.counter("token-requests")
    }

    /// How many revocations succeeded.
    pub fn revocations(&self) -> u64 {
        self.counter("revoked")
    }

    fn counter(&self, name: &str) -> u64 {
        get_json(&format!("{}/__test/{name}", self.issuer))["count"]
            .as_u64()
            .unwrap()
    }
}

/// The AWS access keys the tests sign with, and their secrets: the STS stand-in and the Chime
/// fake verify signatures with these and know no others.
pub const AWS_TEST_KEYS: &[(&str, &str)] = &[
    (
        "AKIAIOSFODNN7EXAMPLE",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    ),
    (
        "AKIAPROFILEEXAMPLE01",
        "profileSecretExampleKey0000000000000000",
    ),
    (
        "AKIAIOSFODNN7CHIME01",
        "chimeAdminSecretKeyExample00000000000000",
    ),
];

/// Whether `authorization` is a valid AWS Signature Version 4 of the request (method, path
/// with its query, headers by lower-case name, body) by one of [`AWS_TEST_KEYS`], for
/// `service` in us-east-1: the canonical request, the string to sign and the signing key as
/// AWS computes them (the path encoded twice, as for every service but S3).
pub fn sigv4_valid(
    authorization: &str,
    method: &str,
    path_and_query: &str,
    headers: &[(String, String)],
    body: &[u8],
    service: &str,
) -> bool {
    use hmac::{KeyInit, Mac};
    use sha2::Digest;
    type HmacSha256 = hmac::Hmac<sha2::Sha256>;
    let hmac = |key: &[u8], data: &[u8]| -> Vec<u8> {
        let mut mac = HmacSha256::new_from_slice(key).expect("any key length");
        mac.update(data);
        mac.finalize().into_bytes().to_vec()
    };
    let hex = |bytes: &[u8]| bytes.iter().map(|b| format!("{b:02x}")).collect::<String>();
    let Some(rest) = authorization.strip_prefix("AWS4-HMAC-SHA256 ") else {
        return false;
    };
    let param = |name: &str| {
        rest.split(',')
            .map(str::trim)
            .find_map(|p| p.strip_prefix(name)?.strip_prefix('='))
            .unwrap_or("")
            .to_owned()
    };
    let (credential, signed, signature) = (
        param("Credential"),
        param("SignedHeaders"),
        param("Signature"),
    );
    let scope: Vec<&str> = credential.split('/').collect();
    if scope.len() != 5
        || scope[2] != "us-east-1"
        || scope[3] != service
        || scope[4] != "aws4_request"
    {
        return false;
    }
    let Some((_, secret)) = AWS_TEST_KEYS.iter().find(|(id, _)| *id == scope[0]) else {
        return false;
    };
    let encode = |s: &str, keep_slash: bool| -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    char::from(b).to_string()
                }
                b'/' if keep_slash => "/".into(),
                other => format!("%{other:02X}"),
            })
            .collect()
    };
    let decode = |s: &str| -> String {
        url::form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    let (path, query) = path_and_query
        .split_once('?')
        .unwrap_or((path_and_query, ""));
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (encode(&decode(k), false), encode(&decode(v), false))
        })
        .collect();
    pairs.sort();
    let canonical_query: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let header = |name: &str| -> String {
        let values: Vec<&str> = headers
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .collect();
        values
            .join(",")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    let canonical_headers: String = signed
        .split(';')
        .map(|h| format!("{h}:{}\n", header(h)))
        .collect();
    let actual = hex(&sha2::Sha256::digest(body));
    let declared = header("x-amz-content-sha256");
    if !declared.is_empty() && declared != "UNSIGNED-PAYLOAD" && declared != actual {
        return false;
    }
    let payload = if declared.is_empty() {
        actual
    } else {
        declared
    };
    let canonical = [
        method.to_owned(),
        encode(path, true),
        canonical_query.join("&"),
        canonical_headers,
        signed.clone(),
        payload,
    ]
    .join("\n");
    let to_sign = format!(
        "AWS4-HMAC-SHA256\n{}\n{}\n{}",
        header("x-amz-date"),
        scope[1..].join("/"),
        hex(&sha2::Sha256::digest(canonical.as_bytes()))
    );
    let mut key = format!("AWS4{secret}").into_bytes();
    for part in &scope[1..] {
        key = hmac(&key, part.as_bytes());
    }
    hex(&hmac(&key, to_sign.as_bytes())) == signature
}

/// A loopback stand-in for AWS STS `GetCallerIdentity` (the documented Query API answer),
/// answering only requests signed (SigV4, verified) by one of [`AWS_TEST_KEYS`], and recording
/// the `Authorization` header of each request. It answers for the process's lifetime.
#[derive(Debug, Clone)]
pub struct FakeSts {
    /// `http://127.0.0.1:PORT`
    pub url: String,
    /// The `Authorization` headers received.
    pub authorizations: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

/// Starts the STS stand-in; its answer names `arn`.
pub fn fake_sts(arn: &str) -> FakeSts {
    use std::io::{Read, Write};
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let authorizations = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = authorizations.clone();
    let arn = arn.to_owned();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            let mut headers: Vec<(String, String)> = Vec::new();
            let _ = reader.read_line(&mut line);
            let request_line = line.trim().to_owned();
            loop {
                line.clear();
                if reader.read_line(&mut line).unwrap_or(0) <= 2 {
                    break;
                }
                if let Some((name, value)) = line.split_once(':') {
                    headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
                }
            }
            let find = |name: &str| {
                headers
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default()
            };
            let auth = find("authorization");
            let length: usize = find("content-length").parse().unwrap_or(0);
            let mut body = vec![0u8; length];
            let _ = reader.read_exact(&mut body);
            seen.lock().unwrap().push(auth.clone());
            let mut parts = request_line.split_whitespace();
            let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or("/"));
            let (status, xml) = if sigv4_valid(&auth, method, target, &headers, &body, "sts") {
                (
                    "200 OK",
                    format!(
                        "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><GetCallerIdentityResult><Arn>{arn}</Arn><UserId>AIDAEXAMPLE</UserId><Account>123456789012</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>01234567-89ab-cdef-0123-456789abcdef</RequestId></ResponseMetadata></GetCallerIdentityResponse>"
                    ),
                )
            } else {
                (
                    "403 Forbidden",
                    "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.</Message></Error><RequestId>0</RequestId></ErrorResponse>".to_owned(),
                )
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{xml}",
                xml.len()
            );
        }
    });
    FakeSts {
        url,
        authorizations,
    }
}

/// An HTTP server on loopback that answers with `script` in order (the last answer repeats),
/// recording each request line: for fault injection (503 with `Retry-After`, 500s, dropped
/// connections when the status is 0).
pub fn scripted_server(
    script: Vec<(u16, Vec<(String, String)>)>,
) -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use std::io::{Read, Write};
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for (n, stream) in listener.incoming().enumerate() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            let _ = reader.read_line(&mut request_line);
            let mut length = 0usize;
            let mut line = String::new();
            loop {
                line.clear();
                if reader.read_line(&mut line).unwrap_or(0) <= 2 {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0u8; length];
            let _ = reader.read_exact(&mut body);
            log.lock().unwrap().push(request_line.trim().to_owned());
            let (status, headers) = script
                .get(n)
                .or(script.last())
                .cloned()
                .unwrap_or((500, Vec::new()));
            if status == 0 {
                continue; // drop the connection without an answer
            }
            let mut head =
                format!("HTTP/1.1 {status} X\r\nContent-Length: 0\r\nConnection: close\r\n");
            for (k, v) in headers {
                head.push_str(&format!("{k}: {v}\r\n"));
            }
            head.push_str("\r\n");
            let _ = stream.write_all(head.as_bytes());
        }
    });
    (url, seen)
}

/// The paths of the `.ics` resources in a collection, listed with an independent client
/// (curl, `PROPFIND` depth 1).
pub fn ics_paths(collection: &str, user: &str, password: &str) -> Vec<String> {
    let out = Command::new("curl")
        .args([
            "-s",
            "-X",
            "PROPFIND",
            "-H",
            "Depth: 1",
            "-u",
            &format!("{user}:{password}"),
            collection,
        ])
        .output()
        .unwrap();
    let body = String::from_utf8_lossy(&out.stdout).into_owned();
    body.split("href>")
        .filter_map(|s| s.split('<').next())
        .filter(|s| s.ends_with(".ics"))
        .map(str::to_owned)
        .collect()
}

/// A resource's body, fetched with curl.
/// Writes `ics` at `href` as another calendar client would (a plain PUT, no precondition);
/// panics unless the server created it.
pub fn put_foreign(href: &str, user: &str, password: &str, ics: &str) {
    let out = Command::new("curl")
        .args([
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "-u",
            &format!("{user}:{password}"),
            "-X",
            "PUT",
            "-H",
            "Content-Type: text/calendar; charset=utf-8",
            "--data-binary",
            ics,
            href,
        ])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "201", "PUT {href}");
}

pub fn fetch(url: &str, user: &str, password: &str) -> String {
    let out = Command::new("curl")
        .args(["-s", "-u", &format!("{user}:{password}"), url])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Plays the browser's part of an OAuth sign-in against [`oauth_server`]: follows the
/// redirects (no cookies needed) from the authorization URL to the app's loopback callback,
/// and hands the callback URL to `deliver` (which normally just requests it).
pub fn browse_to_callback(auth: &str, deliver: impl FnOnce(url::Url)) {
    let http = reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut url = url::Url::parse(auth).unwrap();
    for _ in 0..10 {
        let resp = http.get(url.clone()).send().unwrap();
        let location = resp
            .headers()
            .get("location")
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        url = url.join(&location).unwrap();
        if url.host_str() == Some("127.0.0.1") && url.path().starts_with("/callback") {
            deliver(url);
            return;
        }
    }
    panic!("the sign-in never reached the callback");
}

/// The loopback fake of the Chime admin API (`tests/chime-fake/server.py`).
#[derive(Debug)]
pub struct ChimeFake {
    child: Child,
    /// `http://127.0.0.1:PORT`
    pub url: String,
}

impl Drop for ChimeFake {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the Chime fake; list calls without `max-results` get `page_size` items per page.
/// It verifies every request's SigV4 signature with the secrets of [`AWS_TEST_KEYS`].
pub fn chime_fake(page_size: u32) -> ChimeFake {
    let keys: Vec<String> = AWS_TEST_KEYS
        .iter()
        .map(|(id, secret)| format!("{id}={secret}"))
        .collect();
    let mut child = Command::new("python3")
        .env("CHIME_FAKE_KEYS", keys.join(";"))
        .arg(workspace_root().join("tests/chime-fake/server.py"))
        .args([
            "--port",
            "0",
            "--default-max-results",
            &page_size.to_string(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("python3 runs the Chime fake");
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("the Chime fake said {line:?}"))
        .to_owned();
    ChimeFake { child, url }
}

impl ChimeFake {
    /// POSTs JSON to a test hook (`/__test/seed`, `/__test/faults`, `/__test/reset`).
    pub fn hook(&self, path: &str, body: &serde_json::Value) -> serde_json::Value {
        let answer = post_json(&format!("{}{path}", self.url), body);
        serde_json::from_str(&answer).unwrap_or_else(|e| panic!("{path}: {e}: {answer}"))
    }

    /// GETs a test hook (`/__test/state`, `/__test/requests`).
    pub fn get(&self, path: &str) -> serde_json::Value {
        get_json(&format!("{}{path}", self.url))
    }
}

/// POSTs `body` as JSON with an independent client (curl); returns the answer's body.
pub fn post_json(url: &str, body: &serde_json::Value) -> String {
    let out = Command::new("curl")
        .args([
            "-s",
            "-X",
            "POST",
            "-H",
            "Content-Type: application/json",
            "--data",
            &body.to_string(),
            url,
        ])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// GETs `url` with an independent client (curl) and reads the answer as JSON.
pub fn get_json(url: &str) -> serde_json::Value {
    let out = Command::new("curl").args(["-s", url]).output().unwrap();
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{url}: {e}: {}", String::from_utf8_lossy(&out.stdout)))
}

/// A "browser" for sign-in tests, written into `dir`: it follows the provider's redirects to
/// the loopback callback, as a signed-in user's browser would (`$BROWSER` for Belfry).
pub fn test_browser(dir: &Path) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let browser = dir.join("browser.sh");
    std::fs::write(&browser, "#!/bin/sh\nexec curl -s -L -o /dev/null \"$1\"\n").unwrap();
    std::fs::set_permissions(&browser, std::fs::Permissions::from_mode(0o755)).unwrap();
    browser
}
