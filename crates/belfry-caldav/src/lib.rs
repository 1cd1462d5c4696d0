//! A CalDAV client (RFC 4791, RFC 6764 discovery, RFC 6638 detection) for Belfry's accounts.
//!
//! Invariants: the password is only ever put in an `Authorization` header; no URL, log line
//! or error message carries it. It goes only to the origin (scheme, host, port) of the
//! account's server: redirects are followed by hand and only within that origin, and an href
//! a server answers on another origin is an error, never followed; the one exception is an
//! https host of the same provider ([`same_provider`]: iCloud answers `caldav.icloud.com` with
//! a home on `pNN-caldav.icloud.com`). Plain `http://` carries it only to this machine unless
//! the caller allows insecure transport ([`Transport`]).

#![warn(missing_docs)]
// Unit tests may read the clock, the environment and files; the code under test may not.
#![cfg_attr(test, allow(clippy::disallowed_methods))]

use std::time::Duration;

use belfry_http::{Attempt, BodyError, excerpt};
use belfry_secrets::Sensitive;
use reqwest::blocking::{Client, RequestBuilder, Response};
use reqwest::{Method, StatusCode};
use serde::Serialize;
use url::{Host, Url};

pub use belfry_http::Retry;
pub use port::CalDavCalendar;

mod ical;
mod port;

const DAV: &str = "DAV:";
const CALDAV: &str = "urn:ietf:params:xml:ns:caldav";
const MAX_REDIRECTS: usize = 5;

/// Why a CalDAV server could not be used. Messages never contain the password.
#[derive(Debug, thiserror::Error)]
pub enum CalDavError {
    /// The server address given is not a URL Belfry can use.
    #[error(
        "{0:?} is not a server address: write it like https://caldav.example.com or caldav.example.com"
    )]
    BadUrl(String),
    /// The server refused the credentials (the HTTP status).
    #[error("the server refused the user name or app password (HTTP {0})")]
    Unauthorized(u16),
    /// Discovery found no CalDAV service at this address.
    #[error("no CalDAV service was found at {0}")]
    NotCalDav(String),
    /// An HTTP error status not otherwise told apart.
    #[error("{url} answered HTTP {status}")]
    Http {
        /// The address asked.
        url: String,
        /// The HTTP status.
        status: u16,
        /// What the server's `Retry-After` asked for, in seconds.
        retry_after: Option<u64>,
    },
    /// The server could not be reached, or the answer could not be read in full.
    #[error("cannot reach {url}: {reason}")]
    Network {
        /// The address asked.
        url: String,
        /// What went wrong.
        reason: String,
    },
    /// An answer Belfry cannot read or use.
    #[error("{url} sent a reply Belfry cannot read: {reason}")]
    BadReply {
        /// The address asked.
        url: String,
        /// What is wrong with the answer.
        reason: String,
    },
    /// More redirects than Belfry follows.
    #[error("{0} redirects too often")]
    RedirectLoop(String),
    /// An event with another UID is where this one would be written.
    #[error("{url} already holds another event at the place of this one; nothing was overwritten")]
    Occupied {
        /// The event's address.
        url: String,
    },
    /// The server refused the creation because the UID is already used in the calendar
    /// (the HTTP status).
    #[error("the calendar already has an event with this meeting's UID at another place ({0})")]
    UidElsewhere(String),
    /// The server refused a write for want of privileges (RFC 3744 `need-privileges`), as
    /// sabre/dav does on a calendar not shared with the account.
    #[error(
        "{url} does not let this account write there (HTTP 403): the calendar's owner must let it edit the calendar"
    )]
    NotAllowed {
        /// The address written to.
        url: String,
    },
    /// A plain `http://` server URL to another machine, and [`Transport`] does not allow it.
    #[error(
        "the server URL {0} uses plain http:// to another machine, so the password would cross the network unencrypted: use https://, or allow insecure http for this account"
    )]
    InsecureHttp(String),
    /// An address off the account server's origin, which the password never goes to.
    #[error(
        "{what} {href}, which is not on the account's server ({origin}): Belfry refuses to send the password there; if that server is your provider's, add the account with its address as the server"
    )]
    OtherServer {
        /// Who named the address, and as what (`the server answered calendar-home-set`).
        what: &'static str,
        /// The address, as an excerpt.
        href: String,
        /// The account server's origin.
        origin: String,
    },
    /// No HTTP client could be built.
    #[error("{0}")]
    HttpClient(String),
    /// The event to change is no longer there.
    #[error("the event was deleted from the calendar")]
    Deleted,
    /// The server gave no strong ETag with the event, so a change could not be made
    /// conditional on what was read.
    #[error(
        "{url} gave no ETag for the event, so Belfry cannot make sure it changes the event only as it read it: it changed nothing rather than risk undoing a change made at the same time"
    )]
    NoEtag {
        /// The event's address.
        url: String,
    },
    /// An event address that is not a resource of the calendar it is said to be in.
    #[error("the event address {href} is not in the calendar {calendar}; nothing was changed")]
    NotInCalendar {
        /// The event's address.
        href: String,
        /// The calendar's address.
        calendar: String,
    },
    /// The event changed between every read and write of an edit.
    #[error("the event at {url} kept changing while Belfry changed it; it will try again later")]
    Raced {
        /// The event's address.
        url: String,
    },
}

impl CalDavError {
    /// Worth another try: the network, a 5xx, a 429.
    pub fn is_transient(&self) -> bool {
        match self {
            CalDavError::Network { .. } | CalDavError::Raced { .. } => true,
            CalDavError::Http { status, .. } => *status >= 500 || *status == 429,
            _ => false,
        }
    }
}

/// What writing an event did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Wrote {
    /// The event did not exist and was created.
    Created,
    /// Our event held an older version and now holds this one.
    Replaced,
    /// Our event already held exactly this version.
    AlreadyThere,
    /// A cancellation found no event: nothing was written.
    NothingToCancel,
    /// Our event holds a newer version (this SEQUENCE): nothing was written.
    Newer(u32),
}

/// What editing an event did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Edited {
    /// The event changed and the server took it.
    Changed,
    /// The edit changes nothing in the event as it is: nothing was written.
    Unchanged,
}

/// One version of an event to write.
#[derive(Debug, Clone, Copy)]
pub struct EventWrite<'a> {
    /// The meeting's UID; it names the event's resource.
    pub uid: &'a str,
    /// The iCalendar text (a calendar resource: no METHOD).
    pub ics: &'a str,
    /// Its SEQUENCE.
    pub sequence: u32,
    /// It is the cancellation (`STATUS:CANCELLED`).
    pub cancelled: bool,
    /// Whose meeting a scheduling server sends it as, on another person's calendar: their
    /// address, sent as the `Schedule-Address` header Cyrus (Fastmail) reads; without it
    /// Cyrus schedules for the addresses of the user whose URL the calendar is under, which
    /// for a shared calendar are the delegate's, so it tells nobody. Other servers ignore it.
    pub schedule_address: Option<&'a str>,
}

/// A calendar object as the server holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldObject {
    /// Its ETag, when the server gave one.
    pub etag: Option<String>,
    /// Its iCalendar text.
    pub body: String,
}

/// The condition a PUT carries.
#[derive(Debug, Clone, Copy)]
enum Precondition<'a> {
    /// Only where nothing is (`If-None-Match: *`).
    New,
    /// Only over what was read (`If-Match`).
    Matches(&'a str),
    /// The server gave no ETag to match.
    None,
}

/// How many times a write reads again after the event changed under it.
const MAX_RACES: usize = 4;
/// The largest calendar object read back.
const MAX_OBJECT_BYTES: usize = 4 << 20;
/// The largest `calendar-query` answer read.
const MAX_REPORT_BYTES: usize = 64 << 20;

/// A body read up to `limit` bytes; a longer one is refused, not buffered.
fn read_text(resp: Response, url: &Url, limit: usize) -> Result<String, CalDavError> {
    belfry_http::read_text_capped(resp, limit).map_err(|e| match e {
        BodyError::Read(reason) => CalDavError::Network {
            url: url.to_string(),
            reason,
        },
        e @ (BodyError::TooLarge { .. } | BodyError::NotUtf8) => CalDavError::BadReply {
            url: url.to_string(),
            reason: e.to_string(),
        },
    })
}

/// What Belfry reads from a calendar object: the properties of its series master (the
/// first VEVENT without a RECURRENCE-ID; else its first VEVENT), folded lines joined,
/// parameters dropped, TEXT unescaped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IcsFacts {
    /// The UID, if any.
    pub uid: Option<String>,
    /// The SEQUENCE, if any and a number.
    pub sequence: Option<u32>,
    /// `STATUS:CANCELLED`.
    pub cancelled: bool,
    /// The SUMMARY: the title.
    pub summary: String,
    /// The DTSTART value as written.
    pub dtstart: String,
    /// The ORGANIZER's address, without `mailto:`.
    pub organizer: Option<String>,
    /// Every ATTENDEE's address, without `mailto:`.
    pub attendees: Vec<String>,
    /// The LOCATION.
    pub location: String,
    /// The plain-text DESCRIPTION.
    pub description: String,
    /// The HTML description (`X-ALT-DESC;FMTTYPE=text/html`), if any.
    pub html: String,
    /// A series: an event repeats (RRULE, RDATE) or is an occurrence of one
    /// (RECURRENCE-ID).
    pub recurring: bool,
}

/// Reads [`IcsFacts`] from iCalendar text.
pub fn ics_facts(text: &str) -> IcsFacts {
    let lines = ical::content_lines(text);
    let events = ical::vevents(&lines);
    let has = |e: &ical::Vevent, name: &str| ical::first(&lines, e, name).is_some();
    let mut facts = IcsFacts {
        recurring: events
            .iter()
            .any(|e| has(e, "RRULE") || has(e, "RDATE") || has(e, "RECURRENCE-ID")),
        ..IcsFacts::default()
    };
    let Some(master) = events
        .iter()
        .find(|e| !has(e, "RECURRENCE-ID"))
        .or(events.first())
    else {
        return facts;
    };
    for (_, p) in ical::props(&lines, master) {
        let value = p.value;
        match p.name.to_ascii_uppercase().as_str() {
            "UID" => facts.uid = Some(value.trim().to_owned()),
            "SEQUENCE" => facts.sequence = value.trim().parse().ok(),
            "STATUS" => facts.cancelled = value.trim().eq_ignore_ascii_case("CANCELLED"),
            "SUMMARY" => facts.summary = ical::unescape_text(value),
            "DTSTART" => facts.dtstart = value.trim().to_owned(),
            "ORGANIZER" => facts.organizer = Some(ical::address(value).to_owned()),
            "ATTENDEE" => facts.attendees.push(ical::address(value).to_owned()),
            "LOCATION" => facts.location = ical::unescape_text(value),
            "DESCRIPTION" => facts.description = ical::unescape_text(value),
            "X-ALT-DESC"
                if p.param("FMTTYPE")
                    .is_some_and(|t| t.trim().eq_ignore_ascii_case("text/html")) =>
            {
                facts.html = ical::unescape_text(value)
            }
            _ => {}
        }
    }
    facts
}

/// A calendar object as an iTIP REQUEST: `METHOD:REQUEST` right after `BEGIN:VCALENDAR`
/// (a stored object carries no METHOD; one that does keeps its own).
fn with_request_method(ics: &str) -> String {
    let has_method = ics
        .lines()
        .any(|l| l.trim_end().to_ascii_uppercase().starts_with("METHOD:"));
    if has_method {
        return ics.to_owned();
    }
    let eol = if ics.contains("\r\n") { "\r\n" } else { "\n" };
    match ics.find(eol) {
        Some(end) => format!(
            "{}{eol}METHOD:REQUEST{eol}{}",
            &ics[..end],
            &ics[end + eol.len()..]
        ),
        None => ics.to_owned(),
    }
}

/// Where the event with `uid` lives in `calendar`: a name derived from the UID alone, so
/// every attempt for one meeting writes the same resource.
pub fn event_href(calendar: &Url, uid: &str) -> Result<Url, CalDavError> {
    let name: String = uid
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let mut base = calendar.clone();
    if !base.path().ends_with('/') {
        base.set_path(&format!("{}/", base.path()));
    }
    base.join(&format!("{name}.ics"))
        .map_err(|_| CalDavError::BadUrl(calendar.to_string()))
}

/// One calendar collection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CalendarInfo {
    /// The collection's absolute URL: its id.
    pub href: String,
    /// Its display name, else the last segment of its URL.
    pub name: String,
    /// The user may create events in it.
    pub writable: bool,
    /// It accepts VEVENTs (some collections hold only tasks).
    pub events: bool,
    /// Its owner's principal (RFC 3744 `DAV:owner`, an absolute URL) when the server names
    /// one: another person's for a calendar shared with the user (Cyrus lists one in the
    /// user's own home, under a URL of the user's).
    pub owner: Option<String>,
}

impl CalendarInfo {
    /// Another principal than `principal` owns it. Without a named owner, a calendar
    /// outside the user's `home` is another person's.
    pub fn owned_by_another(&self, principal: &str, home: &str) -> bool {
        let same = |a: &str, b: &str| a.trim_end_matches('/') == b.trim_end_matches('/');
        match &self.owner {
            Some(owner) if !principal.is_empty() => !same(owner, principal),
            _ => !self.href.starts_with(home),
        }
    }
}

/// What discovery found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Discovery {
    /// The account's principal URL (`current-user-principal`).
    pub principal: String,
    /// The URL of the collection that holds the account's calendars (`calendar-home-set`).
    pub calendar_home: String,
    /// The calendars found in the home.
    pub calendars: Vec<CalendarInfo>,
    /// The server sends invitations itself (RFC 6638 `calendar-auto-schedule`).
    pub auto_schedule: bool,
    /// The user's calendar addresses (RFC 6638 `calendar-user-address-set`, its `mailto:`
    /// ones without the scheme), as the principal lists them; empty when it lists none. A
    /// server that schedules does so only for an organizer among them: Cyrus stores an event
    /// another address organizes and emails nobody.
    pub addresses: Vec<String>,
}

/// Whether plain `http://` may carry the password to a server other than this machine.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Transport {
    /// `https://`, or plain `http://` only to this machine (`localhost`, 127.0.0.0/8, `::1`).
    #[default]
    HttpsOrLoopback,
    /// Plain `http://` to any host as well: the user agreed that the password travels
    /// unencrypted.
    AllowInsecureHttp,
}

impl Transport {
    /// [`Transport::AllowInsecureHttp`] when `allowed` (the user's confirmation), else the
    /// default.
    pub fn allowing_insecure_http(allowed: bool) -> Transport {
        if allowed {
            Transport::AllowInsecureHttp
        } else {
            Transport::HttpsOrLoopback
        }
    }
}

/// The host is this machine: `localhost`, or a loopback address.
fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => {
            ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
        None => false,
    }
}

/// Refuses a server URL over which the password would cross the network unencrypted
/// (plain `http://` to a host that is not this machine), unless `transport` allows it.
pub fn check_transport(server: &Url, transport: Transport) -> Result<(), CalDavError> {
    let insecure = server.scheme() == "http" && !is_loopback(server);
    if insecure && transport != Transport::AllowInsecureHttp {
        return Err(CalDavError::InsecureHttp(server.to_string()));
    }
    Ok(())
}

/// Whether `other` is an https host of the same provider as `server` (also https, both on
/// the default port): a subdomain of the server's host, or a sibling under a parent of at
/// least two labels (`p42-caldav.icloud.com` beside `caldav.icloud.com`, but nothing beside
/// `example.com` under `com`). Never an IP address.
pub fn same_provider(server: &Url, other: &Url) -> bool {
    let (Some(Host::Domain(ours)), Some(Host::Domain(theirs))) = (server.host(), other.host())
    else {
        return false;
    };
    if server.scheme() != "https"
        || other.scheme() != "https"
        || server.port().is_some()
        || other.port().is_some()
    {
        return false;
    }
    let ours = ours.trim_end_matches('.').to_ascii_lowercase();
    let theirs = theirs.trim_end_matches('.').to_ascii_lowercase();
    let under = |parent: &str| theirs.ends_with(&format!(".{parent}"));
    let parent = ours
        .split_once('.')
        .map(|(_, p)| p)
        .filter(|p| p.contains('.'));
    theirs == ours || under(&ours) || parent.is_some_and(under)
}

/// A CalDAV account's connection: its server, whose origin every request keeps, and its
/// credentials.
#[derive(Debug)]
pub struct CalDav {
    http: Client,
    server: Url,
    username: String,
    password: Sensitive<String>,
}

/// Reads what a user typed as the server: a URL, or just a host (https is assumed).
pub fn parse_server(input: &str) -> Result<Url, CalDavError> {
    let t = input.trim();
    let with_scheme = if t.contains("://") {
        t.to_owned()
    } else {
        format!("https://{t}")
    };
    let url = Url::parse(&with_scheme).map_err(|_| CalDavError::BadUrl(t.to_owned()))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(CalDavError::BadUrl(t.to_owned()));
    }
    if !url.username().is_empty() || url.password().is_some() {
        // Credentials belong in the user name and password fields, never in a URL.
        return Err(CalDavError::BadUrl(format!(
            "{}://{}",
            url.scheme(),
            url.host_str().unwrap_or("")
        )));
    }
    Ok(url)
}

impl CalDav {
    /// A connection to the account at `server` (a URL or just a host, as [`parse_server`]
    /// reads it) with these credentials. Refused: an address that is not a server's, plain
    /// `http://` to another machine unless `transport` allows it ([`check_transport`]), and
    /// an HTTP client that cannot be built.
    pub fn new(
        server: &str,
        username: &str,
        password: Sensitive<String>,
        transport: Transport,
    ) -> Result<CalDav, CalDavError> {
        let server = parse_server(server)?;
        check_transport(&server, transport)?;
        let http = belfry_http::client(Duration::from_secs(30)).map_err(CalDavError::HttpClient)?;
        Ok(CalDav {
            http,
            server,
            username: username.to_owned(),
            password,
        })
    }

    /// The account's server: every request goes to its origin.
    pub fn server(&self) -> &Url {
        &self.server
    }

    /// `url`, when it is on the account server's origin; else the error saying that `what`
    /// named it and that the password does not go there.
    fn on_server(&self, what: &'static str, url: Url) -> Result<Url, CalDavError> {
        if url.origin() == self.server.origin() || same_provider(&self.server, &url) {
            return Ok(url);
        }
        Err(CalDavError::OtherServer {
            what,
            href: excerpt(url.as_str()),
            origin: self.server.origin().ascii_serialization(),
        })
    }

    /// An href from a multistatus (absolute already), when it is on the account's server.
    fn listed(&self, what: &'static str, href: &str, answer: &Url) -> Result<Url, CalDavError> {
        let url = Url::parse(href).map_err(|_| CalDavError::BadReply {
            url: answer.to_string(),
            reason: format!("an href that is not an address ({})", excerpt(href)),
        })?;
        self.on_server(what, url)
    }

    /// A request carrying the credentials: only ever to the account's server.
    fn authorized(&self, method: Method, url: &Url) -> Result<RequestBuilder, CalDavError> {
        let url = self.on_server("Belfry was asked to reach", url.clone())?;
        Ok(self
            .http
            .request(method, url)
            .basic_auth(&self.username, Some(self.password.expose())))
    }

    fn send(
        &self,
        method: &str,
        url: &Url,
        depth: Option<&str>,
        body: Option<&str>,
    ) -> Result<Response, CalDavError> {
        let method = Method::from_bytes(method.as_bytes()).unwrap_or(Method::GET);
        let mut req = self.authorized(method, url)?;
        if let Some(d) = depth {
            req = req.header("Depth", d);
        }
        if let Some(b) = body {
            req = req
                .header("Content-Type", "text/xml; charset=utf-8")
                .body(b.to_owned());
        }
        req.send().map_err(|e| CalDavError::Network {
            url: url.to_string(),
            reason: short_reason(&e),
        })
    }

    /// Sends a request, following same-origin redirects.
    fn send_following(
        &self,
        method: &str,
        url: &Url,
        depth: Option<&str>,
        body: Option<&str>,
    ) -> Result<(Url, Response), CalDavError> {
        let mut url = url.clone();
        for _ in 0..MAX_REDIRECTS {
            let resp = self.send(method, &url, depth, body)?;
            if !resp.status().is_redirection() {
                return Ok((url, resp));
            }
            let Some(location) = resp.headers().get("location").and_then(|l| l.to_str().ok())
            else {
                return Ok((url, resp));
            };
            let next = url.join(location).map_err(|_| CalDavError::BadReply {
                url: url.to_string(),
                reason: format!("a redirect to {:?}", excerpt(location)),
            })?;
            if next.origin() != url.origin() {
                return Err(CalDavError::BadReply {
                    url: url.to_string(),
                    reason: format!(
                        "a redirect to another server ({}); use that address instead",
                        excerpt(&next.origin().ascii_serialization())
                    ),
                });
            }
            url = next;
        }
        Err(CalDavError::RedirectLoop(url.to_string()))
    }

    fn propfind(
        &self,
        url: &Url,
        depth: &str,
        body: &str,
    ) -> Result<(Url, Vec<PropResponse>), CalDavError> {
        let (url, resp) = self.send_following("PROPFIND", url, Some(depth), Some(body))?;
        let status = resp.status();
        if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
            return Err(CalDavError::Unauthorized(status.as_u16()));
        }
        if status != StatusCode::MULTI_STATUS {
            return Err(CalDavError::Http {
                url: url.to_string(),
                status: status.as_u16(),
                retry_after: None,
            });
        }
        let text = read_text(resp, &url, belfry_http::MAX_ANSWER_BYTES)?;
        let parsed = parse_multistatus(&text, &url).map_err(|reason| CalDavError::BadReply {
            url: url.to_string(),
            reason,
        })?;
        Ok((url, parsed))
    }

    /// Finds the user's calendars from the account's server address (or just its host): the
    /// `/.well-known/caldav` redirect, `current-user-principal`, `calendar-home-set`, then the
    /// collections in the home. An href on another origin than the server's is an error.
    pub fn discover(&self) -> Result<Discovery, CalDavError> {
        let start = self.server.clone();
        // Try the address as given, then the well-known location on its host.
        let mut candidates = vec![start.clone()];
        if let Ok(wk) = start.join("/.well-known/caldav") {
            candidates.push(wk);
        }
        let mut last_err = None;
        let mut found = None;
        for candidate in candidates {
            match self.principal_of(&candidate) {
                Ok(p) => {
                    found = Some(p);
                    break;
                }
                Err(e @ CalDavError::Unauthorized(_)) => return Err(e),
                Err(e @ CalDavError::Network { .. }) => return Err(e),
                Err(e @ CalDavError::OtherServer { .. }) => return Err(e),
                Err(e) => last_err = Some(e),
            }
        }
        let Some(principal) = found else {
            return Err(match last_err {
                Some(CalDavError::Http { .. }) | Some(CalDavError::NotCalDav(_)) | None => {
                    CalDavError::NotCalDav(start.to_string())
                }
                Some(e) => e,
            });
        };
        let (home, addresses) = self.calendar_home(&principal)?;
        let calendars = self.calendars(&home)?;
        let auto_schedule = self.auto_schedule(&home)?;
        Ok(Discovery {
            principal: principal.to_string(),
            calendar_home: home.to_string(),
            calendars,
            auto_schedule,
            addresses,
        })
    }

    fn principal_of(&self, url: &Url) -> Result<Url, CalDavError> {
        let body = r#"<?xml version="1.0" encoding="utf-8"?><d:propfind xmlns:d="DAV:"><d:prop><d:current-user-principal/></d:prop></d:propfind>"#;
        let (base, responses) = self.propfind(url, "0", body)?;
        let principal = responses
            .iter()
            .find_map(|r| r.href_prop(DAV, "current-user-principal"))
            .and_then(|h| base.join(&h).ok())
            .ok_or_else(|| CalDavError::NotCalDav(url.to_string()))?;
        self.on_server("the server answered current-user-principal", principal)
    }

    /// The principal's calendar home, and its `mailto:` calendar user addresses (without the
    /// scheme), in one PROPFIND.
    fn calendar_home(&self, principal: &Url) -> Result<(Url, Vec<String>), CalDavError> {
        let body = r#"<?xml version="1.0" encoding="utf-8"?><d:propfind xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><c:calendar-home-set/><c:calendar-user-address-set/></d:prop></d:propfind>"#;
        let (base, responses) = self.propfind(principal, "0", body)?;
        let home = responses
            .iter()
            .find_map(|r| r.href_prop(CALDAV, "calendar-home-set"))
            .and_then(|h| base.join(&h).ok())
            .ok_or_else(|| CalDavError::NotCalDav(principal.to_string()))?;
        let addresses = responses
            .iter()
            .filter_map(|r| r.find(CALDAV, "calendar-user-address-set"))
            .flat_map(|p| p.hrefs.iter())
            .filter_map(|h| {
                let (scheme, address) = h.trim().split_once(':')?;
                let address = address.trim();
                (scheme.eq_ignore_ascii_case("mailto") && !address.is_empty())
                    .then(|| address.to_owned())
            })
            .collect();
        Ok((
            self.on_server("the server answered calendar-home-set", home)?,
            addresses,
        ))
    }

    /// The calendar collections in `home`, without the scheduling inbox and outbox (RFC
    /// 6638), which DAViCal lists as plain calendars: the home, which is DAViCal's principal
    /// too, names them. A calendar listed on another origin than the account server's is an
    /// error.
    pub fn calendars(&self, home: &Url) -> Result<Vec<CalendarInfo>, CalDavError> {
        let (base, responses) = self.propfind(home, "1", CALENDAR_PROPS)?;
        let same = |a: &str, b: &str| a.trim_end_matches('/') == b.trim_end_matches('/');
        let boxes: Vec<String> = responses
            .iter()
            .flat_map(|r| {
                ["schedule-inbox-URL", "schedule-outbox-URL"]
                    .into_iter()
                    .filter_map(|name| r.href_prop(CALDAV, name))
            })
            .filter_map(|h| base.join(&h).ok())
            .map(String::from)
            .collect();
        let mut out = responses
            .into_iter()
            .filter(|r| r.has_resource_type(CALDAV, "calendar"))
            .filter(|r| !boxes.iter().any(|b| same(b, &r.href)))
            .map(|r| {
                self.listed("the server listed a calendar at", &r.href, &base)?;
                Ok(calendar_info(r, &base))
            })
            .collect::<Result<Vec<CalendarInfo>, CalDavError>>()?;
        out.sort_by_key(|c| c.name.to_lowercase());
        Ok(out)
    }

    /// The calendar at `url` (following the server's redirects on its origin: Cyrus sends a
    /// delegate from the owner's URL to the delegate's own for it), with the href the server
    /// keeps it under for this user; `None` when `url` is not a calendar.
    pub fn calendar_at(&self, url: &Url) -> Result<Option<CalendarInfo>, CalDavError> {
        let (base, responses) = self.propfind(url, "0", CALENDAR_PROPS)?;
        let found = responses
            .into_iter()
            .find(|r| r.has_resource_type(CALDAV, "calendar"));
        match found {
            Some(r) => {
                self.listed("the server listed a calendar at", &r.href, &base)?;
                Ok(Some(calendar_info(r, &base)))
            }
            None => Ok(None),
        }
    }

    /// Makes `calendar` hold version `sequence` of the event `ics` (UID `uid`), exactly once
    /// and never over a newer version: first as a creation that never overwrites
    /// (`If-None-Match: *`); when something is already there it is read, and replaced (with
    /// `If-Match` on the ETag read) only if it is this meeting and holds an older SEQUENCE
    /// (or the same one, not yet cancelled, for a cancellation). A cancellation of an event
    /// that is not there writes nothing.
    pub fn write_event(
        &self,
        calendar: &Url,
        event: &EventWrite<'_>,
    ) -> Result<(Url, Wrote), CalDavError> {
        let href = event_href(calendar, event.uid)?;
        if !event.cancelled {
            let (status, retry_after) =
                self.put(&href, event.ics, Precondition::New, event.schedule_address)?;
            match status {
                s if s.is_success() => return Ok((href, Wrote::Created)),
                StatusCode::PRECONDITION_FAILED => {}
                s @ (StatusCode::CONFLICT | StatusCode::FORBIDDEN) => {
                    return Err(CalDavError::UidElsewhere(format!("HTTP {}", s.as_u16())));
                }
                s => return Err(self.status_error_after(&href, s, retry_after)),
            }
        }
        // Something may be at our place: ours, and older than this version?
        for _ in 0..MAX_RACES {
            let Some(held) = self.get_event(&href)? else {
                if event.cancelled {
                    return Ok((href, Wrote::NothingToCancel));
                }
                // Gone between the PUT and the GET: create it again.
                match self.put(&href, event.ics, Precondition::New, event.schedule_address)? {
                    (s, _) if s.is_success() => return Ok((href, Wrote::Created)),
                    (StatusCode::PRECONDITION_FAILED, _) => continue,
                    (s, retry_after) => return Err(self.status_error_after(&href, s, retry_after)),
                }
            };
            let facts = ics_facts(&held.body);
            if facts.uid.as_deref() != Some(event.uid) {
                return Err(CalDavError::Occupied {
                    url: href.to_string(),
                });
            }
            let held_sequence = facts.sequence.unwrap_or(0);
            if held_sequence > event.sequence {
                return Ok((href, Wrote::Newer(held_sequence)));
            }
            if held_sequence == event.sequence && facts.cancelled == event.cancelled {
                return Ok((href, Wrote::AlreadyThere));
            }
            if held_sequence == event.sequence && facts.cancelled {
                // Cancelled at this version already: a cancellation is never undone by an
                // older write.
                return Ok((href, Wrote::Newer(held_sequence)));
            }
            let precondition = match &held.etag {
                Some(tag) => Precondition::Matches(tag),
                None => Precondition::None,
            };
            match self.put(&href, event.ics, precondition, event.schedule_address)? {
                (s, _) if s.is_success() => return Ok((href, Wrote::Replaced)),
                // Changed since we read it: read again.
                (StatusCode::PRECONDITION_FAILED, _) => continue,
                (s, retry_after) => return Err(self.status_error_after(&href, s, retry_after)),
            }
        }
        Err(CalDavError::Http {
            url: href.to_string(),
            status: 412,
            retry_after: None,
        })
    }

    /// [`CalDav::write_event`], retried on network errors, 5xx and 429 with truncated
    /// exponential backoff and full jitter, or after what `Retry-After` asks (up to `cap`).
    /// Safe to retry: a repeat finds its own event and never makes a second one.
    pub fn write_event_retrying(
        &self,
        calendar: &Url,
        event: &EventWrite<'_>,
        policy: Retry,
    ) -> Result<(Url, Wrote), CalDavError> {
        retrying(policy, || self.write_event(calendar, event))
    }

    /// Changes the event at `href` (a resource of `calendar`, on the account's server) as
    /// `rewrite` changes its iCalendar text, read just before: `Ok(None)` from `rewrite`
    /// means nothing changes ([`Edited::Unchanged`], nothing is written); an `Err` is why
    /// the object cannot be changed. The write carries `If-Match` with the ETag read, so it
    /// never lands over a change made after the read: a 412 reads and rewrites again, up to
    /// a bounded number of races ([`CalDavError::Raced`], worth another try later). A
    /// server that gives no strong ETag is refused ([`CalDavError::NoEtag`]) rather than
    /// written unconditionally; an event that is gone is [`CalDavError::Deleted`].
    pub fn edit_event(
        &self,
        calendar: &Url,
        href: &Url,
        rewrite: &dyn Fn(&str) -> Result<Option<String>, String>,
    ) -> Result<Edited, CalDavError> {
        let href = self.in_calendar(calendar, href)?;
        let mut tried: Option<String> = None;
        for _ in 0..MAX_RACES {
            let held = self.get_event(&href)?.ok_or(CalDavError::Deleted)?;
            if held.etag.is_some() && held.etag == tried {
                // A 412 over an ETag that still matches: a precondition other than ours
                // failed, and will again.
                return Err(CalDavError::Http {
                    url: href.to_string(),
                    status: 412,
                    retry_after: None,
                });
            }
            let Some(ics) = rewrite(&held.body).map_err(|reason| CalDavError::BadReply {
                url: href.to_string(),
                reason,
            })?
            else {
                return Ok(Edited::Unchanged);
            };
            // A weak ETag never matches `If-Match` (RFC 9110 strong comparison).
            let Some(tag) = held.etag.filter(|t| !t.trim_start().starts_with("W/")) else {
                return Err(CalDavError::NoEtag {
                    url: href.to_string(),
                });
            };
            match self.put(&href, &ics, Precondition::Matches(&tag), None)? {
                (s, _) if s.is_success() => return Ok(Edited::Changed),
                // Changed since we read it: read again.
                (StatusCode::PRECONDITION_FAILED, _) => tried = Some(tag),
                (s, retry_after) => return Err(self.status_error_after(&href, s, retry_after)),
            }
        }
        Err(CalDavError::Raced {
            url: href.to_string(),
        })
    }

    /// [`CalDav::edit_event`], retried as [`CalDav::write_event_retrying`] is. Safe to
    /// retry: every attempt reads the event again, and an edit that landed changes nothing
    /// the second time.
    pub fn edit_event_retrying(
        &self,
        calendar: &Url,
        href: &Url,
        rewrite: &dyn Fn(&str) -> Result<Option<String>, String>,
        policy: Retry,
    ) -> Result<Edited, CalDavError> {
        retrying(policy, || self.edit_event(calendar, href, rewrite))
    }

    /// `href`, when it is on the account's server and a resource directly in `calendar`
    /// (calendar collections hold no collections).
    fn in_calendar(&self, calendar: &Url, href: &Url) -> Result<Url, CalDavError> {
        let href = self.on_server("Belfry was asked to change the event at", href.clone())?;
        let mut base = calendar.clone();
        if !base.path().ends_with('/') {
            base.set_path(&format!("{}/", base.path()));
        }
        let inside = href.origin() == base.origin()
            && href.query().is_none()
            && href.fragment().is_none()
            && href
                .path()
                .strip_prefix(base.path())
                .is_some_and(|name| !name.is_empty() && !name.contains('/'));
        if !inside {
            return Err(CalDavError::NotInCalendar {
                href: excerpt(href.as_str()),
                calendar: excerpt(calendar.as_str()),
            });
        }
        Ok(href)
    }

    /// The event at `href` in `calendar` as an iTIP REQUEST (RFC 5546 §3.2.2): the object
    /// as the server holds it, with `METHOD:REQUEST`; `None` when it is gone.
    pub fn request_of(&self, calendar: &Url, href: &Url) -> Result<Option<String>, CalDavError> {
        let href = self.in_calendar(calendar, href)?;
        Ok(self.get_event(&href)?.map(|o| with_request_method(&o.body)))
    }

    /// The calendar object at `href` with its ETag, or `None` when there is none.
    pub fn get_event(&self, href: &Url) -> Result<Option<HeldObject>, CalDavError> {
        let resp = self.send("GET", href, None, None)?;
        let status = resp.status();
        if status == StatusCode::NOT_FOUND || status == StatusCode::GONE {
            return Ok(None);
        }
        if !status.is_success() {
            return Err(self.status_error_after(href, status, belfry_http::retry_after(&resp)));
        }
        let etag = resp
            .headers()
            .get("etag")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = read_text(resp, href, MAX_OBJECT_BYTES)?;
        Ok(Some(HeldObject { etag, body }))
    }

    /// The calendar objects of `calendar` with an event between `from` and `to` (RFC 4791
    /// `calendar-query` with a `time-range`), as (href, iCalendar text).
    pub fn events_between(
        &self,
        calendar: &Url,
        from: &str,
        to: &str,
    ) -> Result<Vec<(String, String)>, CalDavError> {
        let body = format!(
            r#"<?xml version="1.0" encoding="utf-8"?><c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/><c:calendar-data/></d:prop><c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"><c:time-range start="{from}" end="{to}"/></c:comp-filter></c:comp-filter></c:filter></c:calendar-query>"#
        );
        let (url, parsed) = self.calendar_query(calendar, &body)?;
        self.calendar_data(&url, parsed)
    }

    /// The same objects as [`CalDav::events_between`], each as the server expands it (RFC
    /// 4791 §9.6.5 `expand`): a series as its instances between `from` and `to`, each with
    /// its RECURRENCE-ID and, per the RFC, in UTC (Xandikos keeps an instance's TZID),
    /// overridden ones at their own time. Only ever a help: `Ok(None)` when the server
    /// refuses or fails it, or answers what cannot be read (too large as well). The one
    /// error is an answer naming an href that is not on the account's server, as the
    /// listing refuses one.
    pub fn expanded_between(
        &self,
        calendar: &Url,
        from: &str,
        to: &str,
    ) -> Result<Option<Vec<(String, String)>>, CalDavError> {
        let body = format!(
            r#"<?xml version="1.0" encoding="utf-8"?><c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><c:calendar-data><c:expand start="{from}" end="{to}"/></c:calendar-data></d:prop><c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"><c:time-range start="{from}" end="{to}"/></c:comp-filter></c:comp-filter></c:filter></c:calendar-query>"#
        );
        let Ok((url, parsed)) = self.calendar_query(calendar, &body) else {
            return Ok(None);
        };
        self.calendar_data(&url, parsed).map(Some)
    }

    /// A `calendar-query` REPORT on `calendar` (Depth 1): where it was answered, and the
    /// multistatus, read up to [`MAX_REPORT_BYTES`].
    fn calendar_query(
        &self,
        calendar: &Url,
        body: &str,
    ) -> Result<(Url, Vec<PropResponse>), CalDavError> {
        let (url, resp) = self.send_following("REPORT", calendar, Some("1"), Some(body))?;
        let status = resp.status();
        if status == StatusCode::UNAUTHORIZED {
            return Err(CalDavError::Unauthorized(401));
        }
        if status != StatusCode::MULTI_STATUS {
            return Err(self.status_error_after(&url, status, belfry_http::retry_after(&resp)));
        }
        let text = read_text(resp, &url, MAX_REPORT_BYTES)?;
        let parsed = parse_multistatus(&text, &url).map_err(|reason| CalDavError::BadReply {
            url: url.to_string(),
            reason,
        })?;
        Ok((url, parsed))
    }

    /// The (href, calendar-data) of each response of a `calendar-query` answered at `url`
    /// that carries calendar data; an href that is not on the account's server is an error,
    /// never a skip.
    fn calendar_data(
        &self,
        url: &Url,
        parsed: Vec<PropResponse>,
    ) -> Result<Vec<(String, String)>, CalDavError> {
        parsed
            .into_iter()
            .filter_map(|r| {
                let data = r.text_prop(CALDAV, "calendar-data")?;
                Some((r.href, data))
            })
            .map(|(href, data)| {
                self.listed("the server listed an event at", &href, url)?;
                Ok((href, data))
            })
            .collect()
    }

    fn put(
        &self,
        href: &Url,
        ics: &str,
        precondition: Precondition<'_>,
        schedule_address: Option<&str>,
    ) -> Result<(StatusCode, Option<u64>), CalDavError> {
        let mut req = self
            .authorized(Method::PUT, href)?
            .header("Content-Type", "text/calendar; charset=utf-8")
            .body(ics.to_owned());
        if let Some(address) = schedule_address {
            req = req.header("Schedule-Address", format!("mailto:{address}"));
        }
        req = match precondition {
            Precondition::New => req.header("If-None-Match", "*"),
            Precondition::Matches(tag) => req.header("If-Match", tag),
            Precondition::None => req,
        };
        let resp = req.send().map_err(|e| CalDavError::Network {
            url: href.to_string(),
            reason: short_reason(&e),
        })?;
        let status = resp.status();
        let retry_after = belfry_http::retry_after(&resp);
        // A 403 is a UID elsewhere only where the server says so (RFC 4791
        // no-uid-conflict, RFC 6638 unique-scheduling-object-resource, as Cyrus does);
        // otherwise (sabre/dav's RFC 3744 need-privileges, DAViCal's bare "No write
        // permission") no right to write here: the account's, not the event's.
        if status == StatusCode::FORBIDDEN
            && !read_text(resp, href, belfry_http::MAX_ANSWER_BYTES)
                .is_ok_and(|body| names_uid_conflict(&body))
        {
            return Err(CalDavError::NotAllowed {
                url: href.to_string(),
            });
        }
        Ok((status, retry_after))
    }

    fn status_error_after(
        &self,
        url: &Url,
        status: StatusCode,
        retry_after: Option<u64>,
    ) -> CalDavError {
        if status == StatusCode::UNAUTHORIZED {
            CalDavError::Unauthorized(401)
        } else {
            CalDavError::Http {
                url: url.to_string(),
                status: status.as_u16(),
                retry_after,
            }
        }
    }

    /// Whether the server schedules (emails attendees) itself: RFC 6638 servers say
    /// `calendar-auto-schedule` in the `DAV` header of OPTIONS.
    pub fn auto_schedule(&self, url: &Url) -> Result<bool, CalDavError> {
        let resp = self.send("OPTIONS", url, None, None)?;
        if resp.status() == StatusCode::UNAUTHORIZED {
            return Err(CalDavError::Unauthorized(401));
        }
        Ok(resp
            .headers()
            .get_all("dav")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|token| token.trim().eq_ignore_ascii_case("calendar-auto-schedule")))
    }
}

/// `attempt` until it succeeds or fails for good, retrying network errors, 5xx and 429 with
/// truncated exponential backoff and full jitter, or after what `Retry-After` asks (up to
/// `policy.cap`), at most `policy.attempts` times in all.
fn retrying<T>(
    policy: Retry,
    mut attempt: impl FnMut() -> Result<T, CalDavError>,
) -> Result<T, CalDavError> {
    policy.run(|_| match attempt() {
        Err(e) if e.is_transient() => Attempt::Again {
            retry_after: match &e {
                CalDavError::Http { retry_after, .. } => *retry_after,
                _ => None,
            },
            error: e,
        },
        other => Attempt::Done(other),
    })
}

fn short_reason(e: &reqwest::Error) -> String {
    // reqwest's Display includes the URL (never credentials: they are in a header) and the cause.
    let mut reason = if e.is_timeout() {
        "the server did not answer in time".to_owned()
    } else if e.is_connect() {
        "the connection was refused or the host is unknown".to_owned()
    } else {
        e.to_string()
    };
    if let (Some(src), false) = (std::error::Error::source(e), e.is_timeout()) {
        reason = format!("{reason} ({src})");
    }
    reason
}

/// What a calendar listing asks of each collection.
const CALENDAR_PROPS: &str = r#"<?xml version="1.0" encoding="utf-8"?><d:propfind xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:resourcetype/><d:displayname/><d:owner/><d:current-user-privilege-set/><c:supported-calendar-component-set/><c:schedule-inbox-URL/><c:schedule-outbox-URL/></d:prop></d:propfind>"#;

/// A calendar collection as a multistatus `<response>` describes it; unnamed, it is called
/// by the last segment of its href.
fn calendar_info(r: PropResponse, base: &Url) -> CalendarInfo {
    let name = r
        .text_prop(DAV, "displayname")
        .filter(|n| !n.trim().is_empty());
    let fallback = r
        .href
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or("")
        .to_owned();
    // A principal is a URL on the server; anything else (an address, say) names no owner
    // Belfry could compare, so the calendar is taken as the user's.
    let owner = r
        .href_prop(DAV, "owner")
        .and_then(|o| base.join(&o).ok())
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .map(String::from);
    CalendarInfo {
        owner,
        writable: r.can_write(),
        events: r.supports_component("VEVENT"),
        name: name.unwrap_or(fallback),
        href: r.href,
    }
}

/// One `<response>` of a multistatus, with the properties its 2xx propstats hold.
#[derive(Debug, Clone, Default)]
struct PropResponse {
    /// Absolute URL.
    href: String,
    /// (namespace, local name) → the property element's XML, re-parsed on demand.
    props: Vec<Prop>,
}

#[derive(Debug, Clone)]
struct Prop {
    ns: String,
    name: String,
    /// Text of the property (concatenated).
    text: String,
    /// `href` children's texts.
    hrefs: Vec<String>,
    /// (namespace, local name) of element children (and grandchildren).
    children: Vec<(String, String)>,
    /// `name` attributes of `comp` children (supported-calendar-component-set).
    comps: Vec<String>,
}

impl PropResponse {
    fn find(&self, ns: &str, name: &str) -> Option<&Prop> {
        self.props.iter().find(|p| p.ns == ns && p.name == name)
    }

    fn href_prop(&self, ns: &str, name: &str) -> Option<String> {
        self.find(ns, name).and_then(|p| p.hrefs.first().cloned())
    }

    fn text_prop(&self, ns: &str, name: &str) -> Option<String> {
        self.find(ns, name).map(|p| p.text.trim().to_owned())
    }

    fn has_resource_type(&self, ns: &str, name: &str) -> bool {
        self.find(DAV, "resourcetype")
            .is_some_and(|p| p.children.iter().any(|(n, l)| n == ns && l == name))
    }

    fn can_write(&self) -> bool {
        match self.find(DAV, "current-user-privilege-set") {
            // Servers that do not report privileges are assumed writable; a PUT will tell.
            None => true,
            Some(p) => p.children.iter().any(|(n, l)| {
                n == DAV && matches!(l.as_str(), "write" | "write-content" | "all" | "bind")
            }),
        }
    }

    fn supports_component(&self, comp: &str) -> bool {
        match self.find(CALDAV, "supported-calendar-component-set") {
            None => true, // RFC 4791: absent means any component
            Some(p) => p.comps.is_empty() || p.comps.iter().any(|c| c.eq_ignore_ascii_case(comp)),
        }
    }
}

/// An error body (RFC 4918 §16) holding one of the elements `names` of namespace `ns`.
fn names_precondition(xml: &str, ns: &str, names: &[&str]) -> bool {
    roxmltree::Document::parse(xml).is_ok_and(|doc| {
        doc.descendants().any(|n| {
            n.is_element()
                && n.tag_name().namespace() == Some(ns)
                && names.contains(&n.tag_name().name())
        })
    })
}

/// An error body saying the UID is another resource's: RFC 4791 `no-uid-conflict`, or
/// RFC 6638 `unique-scheduling-object-resource` (one scheduling object per UID per user).
fn names_uid_conflict(xml: &str) -> bool {
    names_precondition(
        xml,
        CALDAV,
        &["no-uid-conflict", "unique-scheduling-object-resource"],
    )
}

fn parse_multistatus(xml: &str, base: &Url) -> Result<Vec<PropResponse>, String> {
    // A parse error can quote the document (a tag name, an entity): only an excerpt of it.
    let doc = roxmltree::Document::parse(xml).map_err(|e| excerpt(&e.to_string()))?;
    let root = doc.root_element();
    if !(root.tag_name().namespace() == Some(DAV) && root.tag_name().name() == "multistatus") {
        return Err("not a DAV multistatus".into());
    }
    let is = |n: &roxmltree::Node, ns: &str, name: &str| {
        n.is_element() && n.tag_name().namespace() == Some(ns) && n.tag_name().name() == name
    };
    let mut out = Vec::new();
    for response in root.children().filter(|n| is(n, DAV, "response")) {
        let Some(href) = response
            .children()
            .find(|n| is(n, DAV, "href"))
            .and_then(|n| n.text())
        else {
            continue;
        };
        let href = base
            .join(href.trim())
            .map(|u| u.to_string())
            .unwrap_or_else(|_| href.trim().to_owned());
        let mut props = Vec::new();
        for propstat in response.children().filter(|n| is(n, DAV, "propstat")) {
            let ok = propstat
                .children()
                .find(|n| is(n, DAV, "status"))
                .and_then(|n| n.text())
                .is_some_and(|s| {
                    s.split_whitespace()
                        .nth(1)
                        .is_some_and(|c| c.starts_with('2'))
                });
            if !ok {
                continue;
            }
            for prop in propstat.children().filter(|n| is(n, DAV, "prop")) {
                for p in prop.children().filter(|n| n.is_element()) {
                    let descendants: Vec<roxmltree::Node> =
                        p.descendants().skip(1).filter(|n| n.is_element()).collect();
                    props.push(Prop {
                        ns: p.tag_name().namespace().unwrap_or("").to_owned(),
                        name: p.tag_name().name().to_owned(),
                        text: p
                            .descendants()
                            .filter(|n| n.is_text())
                            .filter_map(|n| n.text())
                            .collect::<Vec<_>>()
                            .join(""),
                        hrefs: descendants
                            .iter()
                            .filter(|n| is(n, DAV, "href"))
                            .filter_map(|n| n.text())
                            .map(|t| t.trim().to_owned())
                            .collect(),
                        children: descendants
                            .iter()
                            .map(|n| {
                                (
                                    n.tag_name().namespace().unwrap_or("").to_owned(),
                                    n.tag_name().name().to_owned(),
                                )
                            })
                            .collect(),
                        comps: descendants
                            .iter()
                            .filter(|n| is(n, CALDAV, "comp"))
                            .filter_map(|n| n.attribute("name"))
                            .map(str::to_owned)
                            .collect(),
                    });
                }
            }
        }
        out.push(PropResponse { href, props });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_stored_object_becomes_a_request_once() {
        let stored = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:a\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        let request = with_request_method(stored);
        assert_eq!(
            request,
            "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:a\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
        );
        assert_eq!(with_request_method(&request), request);
    }
    use super::*;

    #[test]
    fn facts_are_read_from_the_first_event_only_unfolded_and_unescaped() {
        let text = "BEGIN:VCALENDAR\r\nBEGIN:VTIMEZONE\r\nTZID:X\r\nEND:VTIMEZONE\r\nBEGIN:VEVENT\r\nUID:abc@bel\r\n fry\r\nSEQUENCE:3\r\nSTATUS:CANCELLED\r\nSUMMARY:Physics\\, room 1\\nfloor 2\r\nORGANIZER;CN=Prof:mailto:prof@example.edu\r\nATTENDEE;RSVP=TRUE:mailto:meet@chime.aws\r\nATTENDEE:MAILTO:ana@example.com\r\nDTSTART;TZID=Europe/Berlin:20270301T100000\r\nRRULE:FREQ=WEEKLY;COUNT=4\r\nBEGIN:VALARM\r\nDESCRIPTION:Reminder\r\nEND:VALARM\r\nDESCRIPTION:Join: https://chime.aws/123\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:second\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        let f = ics_facts(text);
        assert_eq!(f.uid.as_deref(), Some("abc@belfry"));
        assert_eq!(f.sequence, Some(3));
        assert!(f.cancelled && f.recurring);
        assert_eq!(f.summary, "Physics, room 1\nfloor 2");
        assert_eq!(f.organizer.as_deref(), Some("prof@example.edu"));
        assert_eq!(f.attendees, ["meet@chime.aws", "ana@example.com"]);
        assert_eq!(f.dtstart, "20270301T100000");
        assert_eq!(
            f.description, "Join: https://chime.aws/123",
            "not the alarm's"
        );
        assert_eq!(ics_facts("no calendar at all"), IcsFacts::default());
    }

    #[test]
    fn facts_of_a_series_are_its_masters_with_the_html_description() {
        // The overridden occurrence comes first, as some servers and apps write it.
        let text = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:s\r\nRECURRENCE-ID:20270308T100000Z\r\nDTSTART:20270308T120000Z\r\nSUMMARY:Moved\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:s\r\nDTSTART:20270301T100000Z\r\nRRULE:FREQ=WEEKLY\r\nSUMMARY:Seminar\r\nX-ALT-DESC;FMTTYPE=\"text/html\":<p>Join\\, now</p>\r\nX-ALT-DESC;FMTTYPE=text/plain:not html\r\nATTENDEE;CN=\"Doe: Ana\":mailto:ana@x.test\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        let f = ics_facts(text);
        assert_eq!(f.summary, "Seminar");
        assert_eq!(f.dtstart, "20270301T100000Z");
        assert_eq!(f.html, "<p>Join, now</p>");
        assert_eq!(
            f.attendees,
            ["ana@x.test"],
            "a quoted colon is not the value's"
        );
        assert!(f.recurring);
        // One occurrence of a series alone is still part of a series.
        let alone = text
            .split("BEGIN:VEVENT\r\nUID:s\r\nDTSTART")
            .next()
            .unwrap();
        let f = ics_facts(&format!("{alone}END:VCALENDAR\r\n"));
        assert_eq!(f.summary, "Moved");
        assert!(f.recurring);
        assert!(!ics_facts(&event_text()).recurring);
    }

    fn event_text() -> String {
        "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:once\r\nDTSTART:20270301T100000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n".to_owned()
    }

    #[test]
    fn server_addresses() {
        assert_eq!(
            parse_server("caldav.example.com").unwrap().as_str(),
            "https://caldav.example.com/"
        );
        assert_eq!(
            parse_server(" http://127.0.0.1:5232/ana/ ")
                .unwrap()
                .as_str(),
            "http://127.0.0.1:5232/ana/"
        );
        assert!(matches!(
            parse_server("ftp://x.example"),
            Err(CalDavError::BadUrl(_))
        ));
        assert!(matches!(parse_server(""), Err(CalDavError::BadUrl(_))));
        let err = parse_server("https://ana:hunter2@dav.example.com/").unwrap_err();
        assert!(!err.to_string().contains("hunter2"), "{err}");
    }

    #[test]
    fn plain_http_goes_only_to_this_machine_unless_allowed() {
        let check = |url: &str, transport| check_transport(&parse_server(url).unwrap(), transport);
        let strict = Transport::default();
        for local in [
            "http://127.0.0.1:5232/",
            "http://127.8.9.10/",
            "http://localhost:5232/ana/",
            "http://LOCALHOST/",
            "http://[::1]:5232/",
            "http://[::ffff:127.0.0.1]/",
        ] {
            assert!(check(local, strict).is_ok(), "{local}");
        }
        for remote in [
            "http://calendar.example.com/",
            "calendar.example.com", // https is assumed
            "http://192.168.1.20:5232/",
            "http://0.0.0.0:5232/",
            "http://[2001:db8::1]/",
            "http://localhost.example.com/",
        ] {
            let secure = remote.starts_with("calendar");
            assert_eq!(check(remote, strict).is_ok(), secure, "{remote}");
            assert!(
                check(remote, Transport::AllowInsecureHttp).is_ok(),
                "{remote}"
            );
        }
        assert!(check("https://calendar.example.com/", strict).is_ok());
        assert!(matches!(
            check("http://calendar.example.com/", strict),
            Err(CalDavError::InsecureHttp(url)) if url == "http://calendar.example.com/"
        ));
        assert_eq!(Transport::allowing_insecure_http(false), strict);
        assert_eq!(
            Transport::allowing_insecure_http(true),
            Transport::AllowInsecureHttp
        );
    }

    #[test]
    fn only_https_hosts_of_the_same_provider_count_as_its_server() {
        let url = |s: &str| Url::parse(s).unwrap();
        let icloud = url("https://caldav.icloud.com/");
        for ok in [
            "https://p42-caldav.icloud.com:443/123/calendars/",
            "https://P07-CALDAV.icloud.com/123/",
            "https://caldav.icloud.com./x/",
        ] {
            assert!(same_provider(&icloud, &url(ok)), "{ok}");
        }
        assert!(same_provider(
            &url("https://example.com/"),
            &url("https://dav.example.com/ana/")
        ));
        for refused in [
            "http://p42-caldav.icloud.com/",
            "https://p42-caldav.icloud.com:8443/",
            "https://icloud.com.evil.test/",
            "https://evilicloud.com/",
            "https://93.184.216.34/",
        ] {
            assert!(!same_provider(&icloud, &url(refused)), "{refused}");
        }
        // Nothing beside a two-label host: `com` is not a provider.
        assert!(!same_provider(
            &url("https://example.com/"),
            &url("https://evil.com/")
        ));
        assert!(!same_provider(
            &url("http://caldav.icloud.com/"),
            &url("http://p42-caldav.icloud.com/")
        ));
    }

    #[test]
    fn an_address_on_another_server_is_named_in_an_excerpt() {
        let dav = CalDav::new(
            "http://127.0.0.1:5232/",
            "ana",
            Sensitive::new("pw".into()),
            Transport::default(),
        )
        .unwrap();
        let same = Url::parse("http://127.0.0.1:5232/ana/").unwrap();
        assert_eq!(dav.on_server("the test", same.clone()).unwrap(), same);
        for other in [
            "https://127.0.0.1:5232/ana/",
            "http://127.0.0.1:5233/ana/",
            "http://localhost:5232/ana/",
        ] {
            let err = dav
                .on_server("the test named", Url::parse(other).unwrap())
                .unwrap_err();
            assert_eq!(
                err.to_string(),
                format!(
                    "the test named {other}, which is not on the account's server (http://127.0.0.1:5232): Belfry refuses to send the password there; if that server is your provider's, add the account with its address as the server"
                )
            );
        }
        let long = Url::parse(&format!("http://evil.test/{}", "a".repeat(5000))).unwrap();
        let err = dav.on_server("the test named", long).unwrap_err();
        assert!(err.to_string().len() < 500, "{err}");
    }

    #[test]
    fn a_calendars_owner_is_its_principals_url_and_nothing_else() {
        let base = Url::parse("http://dav.test/dav/calendars/user/bob/").unwrap();
        let xml = |owner: &str| {
            format!(
                r#"<d:multistatus xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:response><d:href>ana.lectures/</d:href><d:propstat><d:prop><d:resourcetype><d:collection/><c:calendar/></d:resourcetype><d:owner>{owner}</d:owner></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response></d:multistatus>"#
            )
        };
        let owner = |o: &str| {
            let r = parse_multistatus(&xml(o), &base).unwrap().remove(0);
            calendar_info(r, &base)
        };
        let shared = owner("<d:href>/dav/principals/user/ana/</d:href>");
        assert_eq!(
            shared.owner.as_deref(),
            Some("http://dav.test/dav/principals/user/ana/")
        );
        let bob = "http://dav.test/dav/principals/user/bob";
        assert!(shared.owned_by_another(bob, base.as_str()));
        let own = owner("<d:href>/dav/principals/user/bob/</d:href>");
        assert!(
            !own.owned_by_another(bob, base.as_str()),
            "a trailing slash is the same"
        );
        // An owner that is no principal URL names nobody: the home decides.
        let odd = owner("<d:href>mailto:ana@example.com</d:href>");
        assert_eq!(odd.owner, None);
        assert!(!odd.owned_by_another(bob, base.as_str()));
        assert_eq!(owner("").owner, None);
    }

    #[test]
    fn reads_a_multistatus_with_relative_hrefs_and_failed_propstats() {
        let xml = r#"<?xml version="1.0"?>
<d:multistatus xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">
  <d:response>
    <d:href>/ana/</d:href>
    <d:propstat><d:prop><d:resourcetype><d:collection/></d:resourcetype></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat>
  </d:response>
  <d:response>
    <d:href>/ana/work/</d:href>
    <d:propstat><d:prop>
      <d:resourcetype><d:collection/><c:calendar/></d:resourcetype>
      <d:displayname>Work</d:displayname>
      <d:current-user-privilege-set><d:privilege><d:read/></d:privilege></d:current-user-privilege-set>
      <c:supported-calendar-component-set><c:comp name="VTODO"/></c:supported-calendar-component-set>
    </d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat>
  </d:response>
  <d:response>
    <d:href>/ana/home/</d:href>
    <d:propstat><d:prop><d:resourcetype><d:collection/><c:calendar/></d:resourcetype></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat>
    <d:propstat><d:prop><d:displayname/></d:prop><d:status>HTTP/1.1 404 Not Found</d:status></d:propstat>
  </d:response>
</d:multistatus>"#;
        let base = Url::parse("http://127.0.0.1:5232/ana/").unwrap();
        let r = parse_multistatus(xml, &base).unwrap();
        assert_eq!(r.len(), 3);
        assert!(!r[0].has_resource_type(CALDAV, "calendar"));
        assert!(r[1].has_resource_type(CALDAV, "calendar"));
        assert_eq!(r[1].href, "http://127.0.0.1:5232/ana/work/");
        assert_eq!(r[1].text_prop(DAV, "displayname").as_deref(), Some("Work"));
        assert!(!r[1].can_write());
        assert!(!r[1].supports_component("VEVENT"));
        assert!(r[2].can_write() && r[2].supports_component("VEVENT"));
        assert_eq!(r[2].text_prop(DAV, "displayname"), None);
    }

    #[test]
    fn a_403_for_a_uid_conflict_is_told_from_one_for_want_of_privileges() {
        // sabre/dav's answer to a PUT without the bind privilege.
        let denied = r#"<?xml version="1.0" encoding="utf-8"?>
<d:error xmlns:d="DAV:" xmlns:s="http://sabredav.org/ns">
  <s:exception>Sabre\DAVACL\Exception\NeedPrivileges</s:exception>
  <d:need-privileges><d:resource><d:href>/calendars/ana/lectures</d:href><d:privilege><d:bind/></d:privilege></d:resource></d:need-privileges>
</d:error>"#;
        let conflict = r#"<d:error xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><c:no-uid-conflict><d:href>/cal/other.ics</d:href></c:no-uid-conflict></d:error>"#;
        assert!(names_uid_conflict(conflict));
        let scheduling = r#"<D:error xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><C:unique-scheduling-object-resource/></D:error>"#;
        assert!(names_uid_conflict(scheduling));
        assert!(!names_uid_conflict(denied));
        assert!(
            !names_uid_conflict("No write permission"),
            "DAViCal's bare 403"
        );
        assert!(!names_uid_conflict("<no-uid-conflict/>"), "not CalDAV's");
    }

    #[test]
    fn refuses_what_is_not_a_multistatus() {
        let base = Url::parse("http://x.test/").unwrap();
        assert!(parse_multistatus("<html/>", &base).is_err());
        assert!(parse_multistatus("not xml", &base).is_err());
        let long = "a".repeat(10_000);
        let err = parse_multistatus(&format!("<{long}></b{long}>"), &base).unwrap_err();
        assert!(
            err.chars().count() <= belfry_http::EXCERPT_CHARS + 1,
            "{err}"
        );
    }
}
