//! The Google Calendar and Microsoft Graph adapters against loopback fakes that follow the
//! documented behaviour (Google: client-chosen ids, 409 on a taken id; Graph: server ids,
//! `transactionId`, 4 requests per mailbox) with injected faults: 503/504, 429, rate-limit
//! 403, connection resets, slow answers, and answers lost after the event was stored. Over
//! many seeded fault schedules, every meeting must end up on the calendar exactly once.
//! Events someone else made (a series with exceptions, seeded through the fakes' test hooks)
//! are listed once and changed by `Calendar::edit` conditionally, part by part, as the
//! request log shows.

#![allow(
    clippy::disallowed_methods,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

mod google;
mod google_edit;
mod graph;
mod graph_edit;
mod hostile;

use std::sync::Arc;
use std::time::Duration;

use belfry_oauth::{Config, ProviderKind, TokenSession, sign_in};
use belfry_secrets::{Keyring, SecretStore};
use belfry_testkit::OAuthServer;

/// A signed-in session of the test server's client for `kind`.
pub fn session(server: &OAuthServer, kind: ProviderKind) -> TokenSession {
    let mut cfg = Config::default().provider(kind).clone();
    match kind {
        ProviderKind::Google => {
            cfg.client_id = "belfry-google".into();
            cfg.client_secret = Some("desktop-client-secret-not-secret".into());
        }
        ProviderKind::Microsoft => {
            cfg.client_id = "belfry-microsoft".into();
            cfg.client_secret = None;
        }
    }
    cfg.auth_url = server.authorization_endpoint.clone();
    cfg.token_url = server.token_endpoint.clone();
    cfg.userinfo_url = Some(server.userinfo_endpoint.clone());
    // A browser that follows the provider's redirects to the loopback callback.
    let browser = |auth: &str| {
        let auth = auth.to_owned();
        std::thread::spawn(move || {
            belfry_testkit::browse_to_callback(&auth, |callback| {
                let _ = reqwest::blocking::get(callback);
            })
        });
        Ok(())
    };
    let done = sign_in(&cfg, &browser, Duration::from_secs(20)).unwrap();
    let keyring = Keyring::mock();
    keyring.set("refresh", &done.refresh_token).unwrap();
    let secrets: Arc<dyn SecretStore> = Arc::new(keyring);
    TokenSession::new(cfg, secrets, "refresh".into()).with_access(done.access)
}

pub fn post(server: &OAuthServer, path: &str, body: &str) -> String {
    belfry_testkit::post_json(
        &format!("{}{path}", server.issuer),
        &serde_json::from_str(body).unwrap(),
    )
}

pub fn get(server: &OAuthServer, path: &str) -> serde_json::Value {
    belfry_testkit::get_json(&format!("{}{path}", server.issuer))
}

/// The fault schedule of `seed`: up to 9 faults drawn from `kinds` (xorshift, replayable).
pub fn fault_schedule(seed: u64, kinds: &[&'static str]) -> Vec<&'static str> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let length = next() % 10;
    (0..length)
        .map(|_| kinds[(next() % kinds.len() as u64) as usize])
        .collect()
}

/// How many seeded schedules to run: 200, or `BELFRY_FAULT_SEEDS` for a soak run.
pub fn seeds() -> u64 {
    std::env::var("BELFRY_FAULT_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(200)
}

/// A meeting and its invitation, as the outbox hands them to an adapter.
pub fn meeting(title: &str) -> (belfry_core::Meeting, belfry_core::Invitation) {
    let provider = belfry_core::Provider::chime();
    let form = belfry_core::MeetingForm {
        title: title.into(),
        start: "2027-03-01T10:00".into(),
        time_zone: "America/New_York".into(),
        attendees: vec!["ana@example.com".into()],
        organizer: "prof@example.com".into(),
        ..Default::default()
    };
    let defaults = belfry_core::Defaults {
        time_zone: chrono_tz::Tz::UTC,
        dial_in: provider.default_countries.clone(),
        organizer: None,
    };
    let id = belfry_core::MeetingId::parse("6064724824").unwrap();
    let m = form.validate(id, &defaults, provider).unwrap();
    let inv = belfry_core::render_invitation(&m, provider, belfry_core::DEFAULT_TEMPLATE).unwrap();
    (m, inv)
}

/// Version `sequence` of the meeting `uid`.
pub fn version<'a>(
    uid: &'a str,
    sequence: u32,
    cancelled: bool,
    parts: &'a (belfry_core::Meeting, belfry_core::Invitation),
) -> belfry_core::calendar::EventVersion<'a> {
    belfry_core::calendar::EventVersion {
        uid,
        sequence,
        cancelled,
        meeting: &parts.0,
        invitation: &parts.1,
        provider: belfry_core::Provider::chime(),
        dtstamp: chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap(),
        reminder_minutes: 10,
        known_ref: None,
        maybe_sent: false,
    }
}

pub fn fast_retry() -> belfry_cloud::Retry {
    belfry_cloud::Retry {
        attempts: 12,
        base: Duration::from_millis(1),
        cap: Duration::from_millis(5),
    }
}

/// The edit the edit tests apply: "OLD" becomes "NEW" in the text description and the
/// location and "<b>NEW</b>" in the HTML description (so which one an adapter chose shows),
/// and `x@old.example` is dropped. Parts of a series before 2027-03-10 are left alone.
#[derive(Debug)]
pub struct OldToNew;

impl belfry_core::calendar::EventEdit for OldToNew {
    fn description(&self, text: &str) -> Option<String> {
        text.contains("OLD").then(|| text.replace("OLD", "NEW"))
    }
    fn html(&self, html: &str) -> Option<String> {
        html.contains("OLD")
            .then(|| html.replace("OLD", "<b>NEW</b>"))
    }
    fn location(&self, location: &str) -> Option<String> {
        location
            .contains("OLD")
            .then(|| location.replace("OLD", "NEW"))
    }
    fn drops_attendee(&self, address: &str) -> bool {
        address.eq_ignore_ascii_case("x@old.example")
    }
    fn from(&self) -> chrono::DateTime<chrono::Utc> {
        at("2027-03-10T00:00:00Z")
    }
}

pub fn at(t: &str) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(t).unwrap().to_utc()
}

/// Every calendar API request the fakes received, in order.
pub fn requests(server: &OAuthServer) -> Vec<serde_json::Value> {
    get(server, "/__test/requests")["requests"]
        .as_array()
        .cloned()
        .unwrap()
}

/// The requests of `log` that write (anything but GET).
pub fn writes(log: &[serde_json::Value]) -> Vec<&serde_json::Value> {
    log.iter().filter(|r| r["method"] != "GET").collect()
}

/// The keys of a JSON object, sorted.
pub fn keys(v: &serde_json::Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
    k.sort();
    k
}
