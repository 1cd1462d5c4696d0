//! Google Calendar (API v3) and Microsoft Graph: the calendars an account can schedule into.
//!
//! Invariant: every request carries an access token from a [`TokenSession`]; a 401 makes the
//! session refresh once and the request is retried once. Errors never carry a token. Answers
//! are read up to [`belfry_http::MAX_ANSWER_BYTES`], and the services' own error messages are
//! quoted only as short excerpts.

#![warn(missing_docs)]
// Unit tests may read the clock, the environment and files; the code under test may not.
#![cfg_attr(test, allow(clippy::disallowed_methods))]

use std::time::Duration;

use belfry_http::{Attempt, BodyError, MAX_ANSWER_BYTES, excerpt};
use belfry_oauth::{OAuthError, ProviderKind, TokenSession};
use reqwest::blocking::Response;
use serde::Serialize;

pub use belfry_http::Retry;
pub use port::{GoogleCalendar, GraphCalendar, google_event, graph_event};

mod port;

/// Why the provider's API could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CloudError {
    /// Getting an access token failed.
    #[error(transparent)]
    Auth(#[from] OAuthError),
    /// The service refused the access token (the HTTP status).
    #[error("the calendar service refused access (HTTP {0}): sign in again")]
    Unauthorized(u16),
    /// Any other HTTP error status.
    #[error("the calendar service answered HTTP {status}: {message}")]
    Http {
        /// The HTTP status.
        status: u16,
        /// The service's own message, as an excerpt, or what Belfry makes of the status.
        message: String,
    },
    /// The service could not be reached.
    #[error("cannot reach the calendar service: {0}")]
    Network(String),
    /// An answer Belfry cannot read or use.
    #[error("the calendar service sent a reply Belfry cannot read: {0}")]
    BadReply(String),
}

impl CloudError {
    /// Worth another try later: the network, a 429, a 5xx.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            CloudError::Network(_)
                | CloudError::Http {
                    status: 429 | 500..=599,
                    ..
                }
        )
    }
}

/// A calendar of a Google or Microsoft account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CloudCalendar {
    /// The provider's id for the calendar.
    pub id: String,
    /// Its name as the account sees it.
    pub name: String,
    /// The account may create events in it.
    pub writable: bool,
    /// The account's own main calendar.
    pub primary: bool,
    /// Whose calendar it is, when another person's (a delegate's view of a host).
    pub owner: Option<String>,
}

fn http() -> Result<reqwest::blocking::Client, CloudError> {
    belfry_http::client(Duration::from_secs(30)).map_err(CloudError::Network)
}

/// An answer's JSON, read up to [`MAX_ANSWER_BYTES`]. `Ok(None)`: the body is not JSON (or
/// empty, as after a 204), or the connection broke off while it was read.
fn read_json(resp: Response) -> Result<Option<serde_json::Value>, CloudError> {
    match belfry_http::read_body_capped(resp, MAX_ANSWER_BYTES) {
        Ok(bytes) => Ok(serde_json::from_slice(&bytes).ok()),
        Err(BodyError::Read(_)) => Ok(None),
        Err(e) => Err(CloudError::BadReply(e.to_string())),
    }
}

/// The `error.message` a Google or Graph answer carries, as an excerpt.
fn error_message(body: &serde_json::Value) -> Option<String> {
    body["error"]["message"]
        .as_str()
        .filter(|m| !m.trim().is_empty())
        .map(excerpt)
}

/// A Google Calendar event id for a meeting UID: base32hex (`[0-9a-v]`), the same for every
/// attempt, so the API itself refuses a second copy (409).
pub fn google_event_id(uid: &str) -> String {
    const ALPHABET: &[u8; 32] = b"0123456789abcdefghijklmnopqrstuv";
    let mut out = String::new();
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for byte in uid.bytes() {
        buffer = (buffer << 8) | u32::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(ALPHABET[((buffer >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(ALPHABET[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

/// One API request, retried: 429, rate-limit 403s (as `rate_limited_403` reads the body),
/// 5xx and network errors with full-jitter backoff or `Retry-After`; a 401 refreshes the
/// token once. Returns the final status and body.
pub(crate) fn api_request(
    session: &TokenSession,
    method: reqwest::Method,
    url: &str,
    body: Option<&serde_json::Value>,
    if_match: Option<&str>,
    retry: Retry,
    rate_limited_403: fn(&serde_json::Value) -> bool,
) -> Result<(u16, serde_json::Value), CloudError> {
    let client = http()?;
    let mut refreshed = false;
    // One request: a 401 refreshes the token once and sends again at once (not a retry).
    // The answer's status (none when the connection failed, with why), Retry-After and body.
    type Answer = (Result<u16, String>, Option<u64>, serde_json::Value);
    let mut send = || -> Result<Answer, CloudError> {
        loop {
            let token = session.access_token()?;
            let mut req = client
                .request(method.clone(), url)
                .bearer_auth(token.expose());
            if let Some(b) = body {
                req = req.json(b);
            }
            if let Some(tag) = if_match {
                req = req.header("If-Match", tag);
            }
            let answer = match req.send() {
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    let retry_after = belfry_http::retry_after(&resp);
                    let answer = read_json(resp)?.unwrap_or(serde_json::Value::Null);
                    (Ok(status), retry_after, answer)
                }
                // Why, without the request (its URL is the calendar's, its token a header).
                Err(e) => {
                    let why = if e.is_timeout() {
                        "the server did not answer in time"
                    } else if e.is_connect() {
                        "the connection was refused or the host is unknown"
                    } else {
                        "the connection broke"
                    };
                    (Err(why.to_owned()), None, serde_json::Value::Null)
                }
            };
            if answer.0 == Ok(401) && !refreshed {
                refreshed = true;
                session.invalidate();
                continue;
            }
            return Ok(answer);
        }
    };
    retry.run(|_| {
        let (status, retry_after, answer) = match send() {
            Ok(a) => a,
            Err(e) => return Attempt::Done(Err(e)),
        };
        let transient = match &status {
            Ok(403) => rate_limited_403(&answer),
            Ok(429 | 500..=599) | Err(_) => true,
            Ok(_) => false,
        };
        match status {
            Ok(s) if !transient => Attempt::Done(Ok((s, answer))),
            Ok(s) => Attempt::Again {
                error: CloudError::Http {
                    status: s,
                    message: error_message(&answer).unwrap_or_else(|| "busy".into()),
                },
                retry_after,
            },
            Err(why) => Attempt::Again {
                error: CloudError::Network(why),
                retry_after,
            },
        }
    })
}

pub(crate) fn google_error(status: u16, body: &serde_json::Value) -> CloudError {
    let reason = body["error"]["errors"][0]["reason"].as_str().unwrap_or("");
    match status {
        401 => CloudError::Unauthorized(status),
        // The token lacks a scope: signing in again grants it.
        403 if matches!(reason, "insufficientPermissions" | "authError" | "") => {
            CloudError::Unauthorized(status)
        }
        // No right on this calendar: signing in again changes nothing.
        403 if matches!(
            reason,
            "requiredAccessLevel"
                | "forbiddenForNonOrganizer"
                | "forbiddenForServiceAccounts"
                | "forbidden"
        ) =>
        {
            CloudError::Http {
                status,
                message: format!(
                    "{} ({}): the calendar's owner must share it with you and let you make changes",
                    error_message(body).unwrap_or_else(|| "forbidden".into()),
                    excerpt(reason)
                ),
            }
        }
        // Anything else Google refuses (a quota, a domain's policy): its own words.
        403 => CloudError::Http {
            status,
            message: format!(
                "{} ({})",
                error_message(body).unwrap_or_else(|| "forbidden".into()),
                excerpt(reason)
            ),
        },
        _ => CloudError::Http {
            status,
            message: error_message(body).unwrap_or_else(|| "no details".into()),
        },
    }
}

/// A Graph `transactionId` for a meeting UID on a calendar: a UUID made from them, the same
/// for every attempt, so a retried POST gets back the event the first one made.
pub fn graph_transaction_id(uid: &str, calendar: &str) -> String {
    let fnv = |seed: u64| {
        let mut hash = seed;
        for b in uid.bytes().chain([0]).chain(calendar.bytes()) {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
        hash
    };
    let (a, b) = (fnv(0xcbf2_9ce4_8422_2325), fnv(0x8422_2325_cbf2_9ce4));
    // Shaped as a version-8 (custom) UUID, RFC 9562.
    let a = (a & !0xf000) | 0x8000;
    let b = (b & !(0xc << 60)) | (0x8 << 60);
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xffff,
        b >> 48,
        b & 0xffff_ffff_ffff
    )
}

pub(crate) fn graph_error(status: u16, body: &serde_json::Value) -> CloudError {
    let code = excerpt(body["error"]["code"].as_str().unwrap_or(""));
    match status {
        401 => CloudError::Unauthorized(status),
        403 => CloudError::Http {
            status,
            message: format!(
                "access is denied ({code}): the calendar's owner must share it with you and let you edit it"
            ),
        },
        _ => CloudError::Http {
            status,
            message: match error_message(body) {
                Some(m) => format!("{m} ({code})"),
                None => format!("no details ({code})"),
            },
        },
    }
}

/// The mailbox part of a Graph calendar path: `me` for `me/calendars/{id}`, `users/{owner}`
/// for `users/{owner}/calendar`.
pub fn graph_mailbox(calendar_path: &str) -> &str {
    match calendar_path.strip_prefix("users/") {
        Some(rest) => {
            let owner_len = rest.find('/').unwrap_or(rest.len());
            &calendar_path[..6 + owner_len]
        }
        None => "me",
    }
}

/// The Graph path of a calendar: `me/calendars/{id}` for the user's own, and
/// `users/{host}/calendar` for a host's calendar a delegate writes to (the host becomes the
/// organizer).
pub fn graph_calendar_path(calendar_id: &str, host: Option<&str>) -> String {
    match host {
        Some(host) => format!("users/{}/calendar", url_segment(&host.to_lowercase())),
        None => format!("me/calendars/{}", url_segment(calendar_id)),
    }
}

/// A Google event's address; changes and deletions email the attendees.
pub(crate) fn google_event_url(api_base: &str, calendar_id: &str, event_id: &str) -> String {
    format!(
        "{}/calendars/{}/events/{}?sendUpdates=all",
        api_base.trim_end_matches('/'),
        url_segment(calendar_id),
        url_segment(event_id)
    )
}

pub(crate) fn url_segment(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'@' => {
                char::from(b).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// GET `url` with the session's token; one refresh and retry on 401.
fn get_json(session: &TokenSession, url: &str) -> Result<serde_json::Value, CloudError> {
    let client = http()?;
    for attempt in 0..2 {
        let token = session.access_token()?;
        let resp = client
            .get(url)
            .bearer_auth(token.expose())
            .send()
            .map_err(|e| CloudError::Network(e.without_url().to_string()))?;
        let status = resp.status().as_u16();
        if status == 401 && attempt == 0 {
            session.invalidate();
            continue;
        }
        if status == 401 || status == 403 {
            return Err(CloudError::Unauthorized(status));
        }
        let bytes = belfry_http::read_body_capped(resp, MAX_ANSWER_BYTES).map_err(|e| match e {
            BodyError::Read(reason) => CloudError::Network(reason),
            e => CloudError::BadReply(e.to_string()),
        })?;
        let body: serde_json::Value = serde_json::from_slice(&bytes)
            .map_err(|e| CloudError::BadReply(format!("not JSON ({e})")))?;
        if !(200..300).contains(&status) {
            let message = error_message(&body).unwrap_or_else(|| "no details".into());
            return Err(CloudError::Http { status, message });
        }
        return Ok(body);
    }
    Err(CloudError::Unauthorized(401))
}

/// A Google calendar that is another person's: its id is their address (group, resource and
/// holiday calendars have ids under `calendar.google.com`).
fn google_owner(c: &serde_json::Value) -> Option<String> {
    let id = c["id"].as_str()?;
    let personal = id.contains('@') && !id.ends_with("calendar.google.com");
    (personal && !c["primary"].as_bool().unwrap_or(false)).then(|| id.to_owned())
}

/// The calendars the signed-in user can see.
pub fn list_calendars(
    kind: ProviderKind,
    api_base: &str,
    session: &TokenSession,
) -> Result<Vec<CloudCalendar>, CloudError> {
    let base = api_base.trim_end_matches('/');
    match kind {
        ProviderKind::Google => {
            let body = get_json(session, &format!("{base}/users/me/calendarList"))?;
            let items = body["items"]
                .as_array()
                .ok_or_else(|| CloudError::BadReply("no items".into()))?;
            Ok(items
                .iter()
                .map(|c| CloudCalendar {
                    id: c["id"].as_str().unwrap_or_default().to_owned(),
                    name: c["summaryOverride"]
                        .as_str()
                        .or(c["summary"].as_str())
                        .unwrap_or_default()
                        .to_owned(),
                    writable: matches!(c["accessRole"].as_str(), Some("owner" | "writer")),
                    primary: c["primary"].as_bool().unwrap_or(false),
                    owner: google_owner(c),
                })
                .collect())
        }
        ProviderKind::Microsoft => {
            let body = get_json(session, &format!("{base}/me/calendars"))?;
            let items = body["value"]
                .as_array()
                .ok_or_else(|| CloudError::BadReply("no value".into()))?;
            Ok(items
                .iter()
                .map(|c| CloudCalendar {
                    id: c["id"].as_str().unwrap_or_default().to_owned(),
                    name: c["name"].as_str().unwrap_or_default().to_owned(),
                    writable: c["canEdit"].as_bool().unwrap_or(false),
                    primary: c["isDefaultCalendar"].as_bool().unwrap_or(false),
                    owner: c["owner"]["address"].as_str().map(str::to_owned),
                })
                .collect())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_google_403_is_a_sign_in_only_when_it_says_so() {
        let body = |reason: &str| serde_json::json!({"error": {"code": 403, "message": "m", "errors": [{"reason": reason}]}});
        for reason in ["insufficientPermissions", "authError"] {
            assert!(matches!(
                google_error(403, &body(reason)),
                CloudError::Unauthorized(403)
            ));
        }
        assert!(matches!(
            google_error(403, &serde_json::json!({})),
            CloudError::Unauthorized(403)
        ));
        for reason in [
            "requiredAccessLevel",
            "forbiddenForNonOrganizer",
            "forbidden",
        ] {
            match google_error(403, &body(reason)) {
                CloudError::Http {
                    status: 403,
                    message,
                } => {
                    assert!(
                        message.contains(reason) && message.contains("owner"),
                        "{message}"
                    );
                }
                other => panic!("{reason}: {other:?}"),
            }
        }
    }

    #[test]
    fn google_ids_are_base32hex_and_stable() {
        let id = google_event_id("0f1e2d3c4b5a69788796a5b4c3d2e1f0@belfry");
        assert!(id.len() >= 5 && id.len() <= 1024);
        assert!(
            id.chars().all(|c| matches!(c, '0'..='9' | 'a'..='v')),
            "{id}"
        );
        assert_eq!(
            id,
            google_event_id("0f1e2d3c4b5a69788796a5b4c3d2e1f0@belfry")
        );
        assert_ne!(
            id,
            google_event_id("0f1e2d3c4b5a69788796a5b4c3d2e1f1@belfry")
        );
        // RFC 4648 base32hex of "f" is "co" (without padding).
        assert_eq!(google_event_id("f"), "co");
    }

    #[test]
    fn graph_transaction_ids_are_stable_uuids() {
        let t = graph_transaction_id("a@belfry", "me/calendars/X");
        assert_eq!(t, graph_transaction_id("a@belfry", "me/calendars/X"));
        assert_ne!(t, graph_transaction_id("b@belfry", "me/calendars/X"));
        assert_ne!(
            t,
            graph_transaction_id("a@belfry", "users/lee@example.com/calendar")
        );
        let parts: Vec<usize> = t.split('-').map(str::len).collect();
        assert_eq!(parts, [8, 4, 4, 4, 12], "{t}");
        assert!(t.chars().all(|c| c == '-' || c.is_ascii_hexdigit()), "{t}");
        assert_eq!(&t[14..15], "8", "version 8: {t}");
        assert!(matches!(&t[19..20], "8" | "9" | "a" | "b"), "variant: {t}");
    }

    #[test]
    fn graph_paths_address_the_right_mailbox() {
        assert_eq!(
            graph_calendar_path("AAMk+/=", None),
            "me/calendars/AAMk%2B%2F%3D"
        );
        assert_eq!(graph_mailbox("me/calendars/AAMk%2B%2F%3D"), "me");
        let path = graph_calendar_path("AAMk+/=", Some("Lee@Example.com"));
        assert_eq!(path, "users/lee@example.com/calendar");
        assert_eq!(graph_mailbox(&path), "users/lee@example.com");
    }

    #[test]
    fn shared_google_calendars_name_their_owner() {
        let entry = |id: &str, primary: bool| serde_json::json!({"id": id, "primary": primary});
        assert_eq!(google_owner(&entry("ana@example.com", true)), None);
        assert_eq!(
            google_owner(&entry("lee@example.com", false)).as_deref(),
            Some("lee@example.com")
        );
        assert_eq!(
            google_owner(&entry("c_lectures@group.calendar.google.com", false)),
            None
        );
    }

    #[test]
    fn calendar_ids_are_escaped_in_paths() {
        assert_eq!(url_segment("ana@example.com"), "ana@example.com");
        assert_eq!(
            url_segment("en.usa#holiday@group"),
            "en.usa%23holiday@group"
        );
    }
}
