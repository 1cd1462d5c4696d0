//! The whole sign-in against a real OAuth server on loopback (npm oidc-provider, in
//! tests/oauth-server), with a test client in the browser's place.

#![allow(
    clippy::disallowed_methods,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use belfry_oauth::{
    Config, OAuthError, ProviderConfig, ProviderKind, TokenSession, refresh, revoke, sign_in,
};
use belfry_secrets::{Keyring, SecretStore, Sensitive};
use belfry_testkit::{OAuthServer, oauth_server};

fn config(server: &OAuthServer, kind: ProviderKind) -> ProviderConfig {
    let mut c = Config::default().provider(kind).clone();
    c.client_id = format!("belfry-{}", kind.as_str());
    c.client_secret =
        (kind == ProviderKind::Google).then(|| "desktop-client-secret-not-secret".to_owned());
    c.auth_url = server.authorization_endpoint.clone();
    c.token_url = server.token_endpoint.clone();
    c.revoke_url = Some(server.revocation_endpoint.clone());
    c.userinfo_url = Some(server.userinfo_endpoint.clone());
    c
}

/// What the test browser does with the loopback callback URL before requesting it.
type Tamper = Box<dyn Fn(url::Url) -> Vec<url::Url> + Send + Sync>;

/// A browser: follows the provider's redirects (no cookies) until the loopback callback,
/// then requests what `tamper` makes of it. Records the authorization URL it was given.
fn browser(seen: Arc<Mutex<Vec<String>>>, tamper: Tamper) -> impl Fn(&str) -> Result<(), String> {
    let tamper = Arc::new(tamper);
    move |auth: &str| {
        seen.lock().unwrap().push(auth.to_owned());
        let auth = auth.to_owned();
        let tamper = tamper.clone();
        std::thread::spawn(move || {
            belfry_testkit::browse_to_callback(&auth, |callback| {
                let http = reqwest::blocking::Client::builder()
                    .redirect(reqwest::redirect::Policy::none())
                    .build()
                    .unwrap();
                for u in tamper(callback) {
                    let _ = http.get(u).send();
                }
            })
        });
        Ok(())
    }
}

fn unchanged() -> Tamper {
    Box::new(|u| vec![u])
}

fn with_query(u: &url::Url, set: &[(&str, &str)]) -> url::Url {
    let mut pairs: Vec<(String, String)> = u
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    for (k, v) in set {
        pairs.retain(|(n, _)| n != k);
        pairs.push(((*k).to_owned(), (*v).to_owned()));
    }
    let mut out = u.clone();
    out.query_pairs_mut().clear().extend_pairs(pairs);
    out
}

const WAIT: Duration = Duration::from_secs(20);
/// For sign-ins that can only time out: long enough for the test browser to deliver its
/// answers first.
const SHORT_WAIT: Duration = Duration::from_secs(4);

#[test]
#[ignore = "needs the OAuth test server (node): run scripts/test"]
fn sign_in_with_pkce_state_and_a_loopback_redirect() {
    let server = oauth_server(60);
    for kind in [ProviderKind::Google, ProviderKind::Microsoft] {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let done = sign_in(
            &config(&server, kind),
            &browser(seen.clone(), unchanged()),
            WAIT,
        )
        .unwrap();
        assert_eq!(done.identity, "ana@example.com");
        assert!(!done.refresh_token.expose().is_empty());

        let auth = url::Url::parse(&seen.lock().unwrap()[0]).unwrap();
        let q = |k: &str| {
            auth.query_pairs()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.into_owned())
        };
        assert_eq!(q("code_challenge_method").as_deref(), Some("S256"));
        assert_eq!(
            q("code_challenge").unwrap().len(),
            43,
            "a SHA-256 challenge"
        );
        assert!(
            q("state").unwrap().len() >= 22,
            "a fresh random state of 128 bits or more"
        );
        let redirect = url::Url::parse(&q("redirect_uri").unwrap()).unwrap();
        assert_eq!(redirect.host_str(), Some("127.0.0.1"), "loopback only");
        assert_eq!(
            redirect.path(),
            kind.callback_path(),
            "a redirect path per provider"
        );
        assert_ne!(redirect.port(), Some(80));
        let scopes = q("scope").unwrap();
        match kind {
            ProviderKind::Google => assert!(
                scopes.contains("https://www.googleapis.com/auth/calendar.events")
                    && !scopes.contains("calendar ")
            ),
            ProviderKind::Microsoft => assert!(
                scopes.contains("Calendars.ReadWrite.Shared") && scopes.contains("offline_access")
            ),
        }
        // After the one callback the listener is gone.
        assert!(std::net::TcpStream::connect(("127.0.0.1", redirect.port().unwrap())).is_err());
    }
}

#[test]
#[ignore = "needs the OAuth test server (node): run scripts/test"]
fn wrong_states_are_refused_without_a_token_request() {
    let server = oauth_server(60);
    let cfg = config(&server, ProviderKind::Google);
    let before = server.token_requests();

    // Only a forged answer comes back: it is refused, and once the time is up the sign-in
    // says why.
    let forged: Tamper = Box::new(|u| vec![with_query(&u, &[("state", "forged-state")])]);
    let err = sign_in(&cfg, &browser(Arc::default(), forged), SHORT_WAIT).unwrap_err();
    assert_eq!(err, OAuthError::StateMismatch);

    // The state is checked on the error path too.
    let forged_error: Tamper = Box::new(|u| {
        vec![with_query(
            &u,
            &[("state", "x"), ("error", "access_denied")],
        )]
    });
    assert_eq!(
        sign_in(&cfg, &browser(Arc::default(), forged_error), SHORT_WAIT).unwrap_err(),
        OAuthError::StateMismatch
    );

    // A refusal with the right state is a refusal.
    let denied: Tamper = Box::new(|u| vec![with_query(&u, &[("error", "access_denied")])]);
    assert!(
        matches!(sign_in(&cfg, &browser(Arc::default(), denied), WAIT).unwrap_err(), OAuthError::Denied(e) if e.starts_with("access_denied"))
    );

    assert_eq!(server.token_requests(), before, "no token request was made");
}

#[test]
#[ignore = "needs the OAuth test server (node): run scripts/test"]
fn stray_answers_before_the_browsers_own_do_not_end_the_sign_in() {
    let server = oauth_server(60);
    let cfg = config(&server, ProviderKind::Google);
    // A forged answer, a forged refusal and a favicon request come first; the browser's own
    // answer still completes the sign-in.
    let strays: Tamper = Box::new(|u| {
        let mut favicon = u.clone();
        favicon.set_path("/favicon.ico");
        favicon.set_query(None);
        vec![
            with_query(&u, &[("state", "forged-state"), ("code", "forged-code")]),
            with_query(&u, &[("state", "x"), ("error", "access_denied")]),
            favicon,
            u,
        ]
    });
    let before = server.token_requests();
    let done = sign_in(&cfg, &browser(Arc::default(), strays), WAIT).unwrap();
    assert_eq!(done.identity, "ana@example.com");
    assert_eq!(
        server.token_requests(),
        before + 1,
        "one code exchange, for the browser's own answer"
    );
}

#[test]
#[ignore = "needs the OAuth test server (node): run scripts/test"]
fn another_providers_callback_and_replays_do_not_complete_a_sign_in() {
    let server = oauth_server(60);
    let cfg = config(&server, ProviderKind::Google);
    // The browser first delivers the answer on Microsoft's path (mix-up), then on Google's,
    // then replays it: only Google's is taken, once.
    let mixed: Tamper = Box::new(|u| {
        let mut other = u.clone();
        other.set_path("/callback/microsoft");
        vec![other, u.clone(), u]
    });
    let before = server.token_requests();
    sign_in(&cfg, &browser(Arc::default(), mixed), WAIT).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        server.token_requests(),
        before + 1,
        "one code exchange, for the one accepted callback"
    );
}

#[test]
#[ignore = "needs the OAuth test server (node): run scripts/test"]
fn nothing_comes_back_within_the_timeout() {
    let server = oauth_server(60);
    let silent = |_: &str| Ok(());
    let err = sign_in(
        &config(&server, ProviderKind::Microsoft),
        &silent,
        Duration::from_secs(1),
    )
    .unwrap_err();
    assert_eq!(err, OAuthError::Timeout(1));
}

#[test]
#[ignore = "needs the OAuth test server (node): run scripts/test"]
fn refresh_rotates_single_flight_and_invalid_grant_means_sign_in_again() {
    let server = oauth_server(1); // access tokens live one second
    let cfg = config(&server, ProviderKind::Microsoft);
    let done = sign_in(&cfg, &browser(Arc::default(), unchanged()), WAIT).unwrap();
    let keyring = Keyring::mock();
    let key = "account/test/refresh-token";
    keyring.set(key, &done.refresh_token).unwrap();
    let secrets: Arc<dyn SecretStore> = Arc::new(keyring.clone());
    let session =
        Arc::new(TokenSession::new(cfg.clone(), secrets, key.to_owned()).with_access(done.access));

    // Once the seeded token has expired, eight callers at once cause one refresh.
    std::thread::sleep(Duration::from_millis(1100));
    let before = server.token_requests();
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let s = session.clone();
            std::thread::spawn(move || s.access_token().unwrap())
        })
        .collect();
    let tokens: Vec<Sensitive<String>> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert!(
        tokens.windows(2).all(|w| w[0] == w[1]),
        "every caller got the same token"
    );
    assert_eq!(server.token_requests(), before + 1, "single-flight refresh");

    // The rotated refresh token replaced the old one in the keyring; the old one is dead.
    let rotated = keyring.get(key).unwrap().unwrap();
    assert_ne!(rotated, done.refresh_token);
    assert_eq!(
        refresh(&cfg, &done.refresh_token).unwrap_err(),
        OAuthError::SignInAgain
    );

    // Reusing the old token revoked the grant at the server (as RFC 9700 advises), so the
    // next refresh asks the user to sign in again.
    session.invalidate();
    assert_eq!(session.access_token().unwrap_err(), OAuthError::SignInAgain);
    assert!(
        !OAuthError::SignInAgain
            .to_string()
            .contains(rotated.expose())
    );
}

#[test]
#[ignore = "needs the OAuth test server (node): run scripts/test"]
fn revocation_reaches_the_server() {
    let server = oauth_server(60);
    let cfg = config(&server, ProviderKind::Google);
    let done = sign_in(&cfg, &browser(Arc::default(), unchanged()), WAIT).unwrap();
    let before = server.revocations();
    assert!(revoke(&cfg, &done.refresh_token).unwrap());
    assert_eq!(server.revocations(), before + 1);
    assert_eq!(
        refresh(&cfg, &done.refresh_token).unwrap_err(),
        OAuthError::SignInAgain
    );
    // Microsoft has no revocation endpoint: nothing to call.
    let mut ms = config(&server, ProviderKind::Microsoft);
    ms.revoke_url = None;
    assert!(!revoke(&ms, &done.refresh_token).unwrap());
}

#[test]
#[ignore = "needs the OAuth test server (node): run scripts/test"]
fn the_identity_comes_from_the_id_token_and_a_sign_in_naming_nobody_fails() {
    let server = oauth_server(60);
    for kind in [ProviderKind::Google, ProviderKind::Microsoft] {
        // Userinfo out of reach: the ID token still says who signed in.
        let mut cfg = config(&server, kind);
        cfg.userinfo_url = Some(format!(
            "http://127.0.0.1:{}/userinfo",
            belfry_testkit::free_port()
        ));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let done = sign_in(&cfg, &browser(seen, unchanged()), WAIT).unwrap();
        assert_eq!(done.identity, "ana@example.com", "{kind:?}");

        // No email scope and no userinfo: nobody is named, so the sign-in fails and says so.
        cfg.scopes.retain(|s| s != "email");
        let seen = Arc::new(Mutex::new(Vec::new()));
        let err = sign_in(&cfg, &browser(seen, unchanged()), WAIT).unwrap_err();
        assert!(
            matches!(&err, OAuthError::Server(m) if m.contains("did not say which account")),
            "{kind:?}: {err:?}"
        );
    }
}
