//! Google Calendar inserts against a loopback fake that follows the documented behaviour
//! (client-chosen ids, 409 on a taken id) with injected faults: 503, 429, rate-limit 403,
//! connection resets, and answers lost after the event was stored. Over many seeded fault
//! schedules, every meeting must end up on the calendar exactly once.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::Duration;

use belfry_cloud::{Retry, google_event_id, insert_google_event};
use belfry_oauth::{Config, ProviderKind, TokenSession, sign_in};
use belfry_secrets::{Keyring, SecretStore};
use belfry_testkit::{OAuthServer, oauth_server};

fn session(server: &OAuthServer) -> TokenSession {
    let mut cfg = Config::default().provider(ProviderKind::Google).clone();
    cfg.client_id = "belfry-google".into();
    cfg.client_secret = Some("desktop-client-secret-not-secret".into());
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

fn post(server: &OAuthServer, path: &str, body: &str) -> String {
    let out = std::process::Command::new("curl")
        .args([
            "-s",
            "-X",
            "POST",
            "-H",
            "Content-Type: application/json",
            "--data",
            body,
            &format!("{}{path}", server.issuer),
        ])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn events_on(server: &OAuthServer, calendar: &str) -> Vec<String> {
    let out = std::process::Command::new("curl")
        .args(["-s", &format!("{}/__test/events", server.issuer)])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["calendars"][calendar]
        .as_array()
        .map(|a| a.iter().map(|x| x.as_str().unwrap().to_owned()).collect())
        .unwrap_or_default()
}

fn event(uid: &str, n: u32) -> serde_json::Value {
    serde_json::json!({
        "id": google_event_id(uid),
        "iCalUID": uid,
        "summary": format!("Lecture {n}"),
        "start": {"dateTime": "2027-03-01T10:00:00", "timeZone": "America/New_York"},
        "end": {"dateTime": "2027-03-01T11:00:00", "timeZone": "America/New_York"},
        "attendees": [{"email": "meet@chime.aws"}, {"email": "ana@example.com"}],
    })
}

const FAULTS: [&str; 6] = ["503", "429", "rate", "reset", "lost", "ok"];

#[test]
#[ignore = "needs the OAuth test server (node): run scripts/test"]
fn every_meeting_lands_exactly_once_under_200_seeded_fault_schedules() {
    let server = oauth_server(3600);
    let session = session(&server);
    let api = format!("{}/calendar/v3", server.issuer);
    let retry = Retry {
        attempts: 12,
        base: Duration::from_millis(1),
        cap: Duration::from_millis(5),
    };
    let seeds: u64 = std::env::var("BELFRY_FAULT_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(200);
    for seed in 0..seeds {
        post(&server, "/__test/reset", "{}");
        let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let length = next() % 10;
        let faults: Vec<&str> = (0..length)
            .map(|_| FAULTS[(next() % FAULTS.len() as u64) as usize])
            .collect();
        post(
            &server,
            "/__test/faults",
            &serde_json::json!({ "faults": faults }).to_string(),
        );
        let calendar = format!("seed{seed}@group.calendar.google.com");
        let uids: Vec<String> = (0..3)
            .map(|n| format!("{seed:08x}{n:024x}@belfry"))
            .collect();
        for (n, uid) in uids.iter().enumerate() {
            let result =
                insert_google_event(&session, &api, &calendar, &event(uid, n as u32), retry);
            assert!(
                result.is_ok(),
                "seed {seed} (faults {faults:?}): {result:?}"
            );
        }
        let mut held = events_on(&server, &calendar);
        held.sort();
        let mut want: Vec<String> = uids.iter().map(|u| google_event_id(u)).collect();
        want.sort();
        assert_eq!(
            held, want,
            "seed {seed} (faults {faults:?}): each meeting exactly once"
        );
    }
}

#[test]
#[ignore = "needs the OAuth test server (node): run scripts/test"]
fn a_lost_answer_is_confirmed_not_repeated() {
    let server = oauth_server(3600);
    let session = session(&server);
    let api = format!("{}/calendar/v3", server.issuer);
    post(&server, "/__test/faults", r#"{"faults": ["lost"]}"#);
    let uid = "00000000000000000000000000000001@belfry";
    let (id, how) = insert_google_event(
        &session,
        &api,
        "primary",
        &event(uid, 1),
        Retry {
            attempts: 3,
            base: Duration::from_millis(1),
            cap: Duration::from_millis(2),
        },
    )
    .unwrap();
    assert_eq!(id, google_event_id(uid));
    assert_eq!(
        how,
        belfry_cloud::Inserted::AlreadyThere,
        "the retry found the stored event"
    );
    assert_eq!(events_on(&server, "primary").len(), 1);
}
