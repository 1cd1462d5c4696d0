//! OAuth 2 sign-in for a desktop app, as RFC 8252 and RFC 9700 ask: the system browser (never
//! a login page in the app), the authorization code flow with PKCE S256, a fresh `state`
//! checked on every callback (errors included), a one-shot listener on 127.0.0.1 with an
//! ephemeral port and a timeout, a distinct redirect path per provider (mix-up defence), and
//! an HTTP client that does not follow redirects.
//!
//! Nothing read is trusted to be small or prompt: the listener reads each request within a
//! deadline and a size cap and ignores anything but this sign-in's answer; endpoints must be
//! `https` (or `http` to this machine); server answers are read up to a cap.
//!
//! Invariant: tokens are [`Sensitive`]; only the refresh token is kept (in the keyring, by
//! the caller); access tokens live in memory. Error messages never carry a token.

#![warn(missing_docs)]
// Unit tests may read the clock, the environment and files; the code under test may not.
#![cfg_attr(test, allow(clippy::disallowed_methods))]

mod capped;
mod config;
mod listener;
mod session;

use std::time::{Duration, Instant};

use belfry_secrets::Sensitive;
use capped::{HttpError, TokenHttp};
use oauth2::basic::{
    BasicErrorResponse, BasicErrorResponseType, BasicRevocationErrorResponse,
    BasicTokenIntrospectionResponse, BasicTokenType,
};
use oauth2::{
    AuthType, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointNotSet,
    EndpointSet, PkceCodeChallenge, RedirectUrl, RefreshToken, RequestTokenError, Scope,
    TokenResponse, TokenUrl,
};

pub use config::{Config, ProviderConfig, ProviderKind};
pub use session::TokenSession;

/// Why signing in (or refreshing) failed. Never contains a token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OAuthError {
    /// The configuration is missing or wrong: no client, a bad URL, an unreadable file.
    #[error("{0}")]
    Config(String),
    /// The browser could not be opened on the sign-in page.
    #[error("the browser could not be opened: {0}")]
    Browser(String),
    /// No answer came back in time; the seconds waited.
    #[error("no answer came back from the browser within {0} seconds; try again")]
    Timeout(u64),
    /// Only answers carrying another sign-in's `state` came back.
    #[error(
        "the answer from the browser did not match this sign-in (wrong state); nothing was accepted"
    )]
    StateMismatch,
    /// The provider's callback carried an error, such as the user declining.
    #[error("the sign-in was refused: {0}")]
    Denied(String),
    /// The provider refused the grant as invalid (expired or revoked), or no refresh token
    /// is kept.
    #[error("the sign-in has expired or was revoked: sign in again")]
    SignInAgain,
    /// The sign-in server answered with an error or an answer that cannot be used.
    #[error("the sign-in server answered with an error: {0}")]
    Server(String),
    /// The sign-in server could not be reached.
    #[error("cannot reach the sign-in server: {0}")]
    Network(String),
    /// The listener on 127.0.0.1 could not be set up or read.
    #[error("the loopback listener failed: {0}")]
    Listener(String),
    /// Reading or writing the keyring failed.
    #[error("the keyring failed: {0}")]
    Keyring(String),
}

/// An access token and when it stops working.
#[derive(Debug, Clone)]
pub struct AccessToken {
    /// The bearer token itself.
    pub token: Sensitive<String>,
    /// When it stops working.
    pub expires_at: Instant,
    /// How long it was issued for.
    pub lifetime: Duration,
}

impl AccessToken {
    fn new(token: String, lifetime: Option<Duration>) -> AccessToken {
        let lifetime = lifetime.unwrap_or(Duration::from_secs(3600));
        AccessToken {
            token: Sensitive::new(token),
            expires_at: Instant::now() + lifetime,
            lifetime,
        }
    }

    /// Still usable for at least a minute (or a third of its life, for short-lived tokens),
    /// so a request made with it does not fail in flight.
    pub fn is_fresh(&self) -> bool {
        let margin = (self.lifetime / 3).min(Duration::from_secs(60));
        self.expires_at > Instant::now() + margin
    }
}

/// A completed sign-in.
#[derive(Debug)]
pub struct SignedIn {
    /// Who signed in (their email address).
    pub identity: String,
    /// The refresh token, for the caller to keep in the keyring.
    pub refresh_token: Sensitive<String>,
    /// The first access token.
    pub access: AccessToken,
}

/// The token endpoint's answer, with the OpenID Connect ID token when there is one.
pub(crate) type TokenAnswer = oauth2::StandardTokenResponse<IdTokenField, BasicTokenType>;

/// The `id_token` of an OpenID Connect token response.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub(crate) struct IdTokenField {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    id_token: Option<String>,
}

impl oauth2::ExtraTokenFields for IdTokenField {}

pub(crate) type Client = oauth2::Client<
    BasicErrorResponse,
    TokenAnswer,
    BasicTokenIntrospectionResponse,
    oauth2::StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

pub(crate) fn http_client() -> Result<reqwest::blocking::Client, OAuthError> {
    belfry_http::client(Duration::from_secs(30)).map_err(OAuthError::Network)
}

pub(crate) fn oauth_client(
    cfg: &ProviderConfig,
    redirect: Option<&str>,
) -> Result<Client, OAuthError> {
    if cfg.client_id.trim().is_empty() {
        return Err(OAuthError::Config(format!(
            "no OAuth client is configured for {}: set providers.{}.client_id in belfry.toml ({})",
            cfg.kind.label(),
            cfg.kind.as_str(),
            config::config_path_hint()
        )));
    }
    let bad = |what: &str| {
        OAuthError::Config(format!(
            "providers.{}.{what} is not a URL",
            cfg.kind.as_str()
        ))
    };
    let mut client = oauth2::Client::new(ClientId::new(cfg.client_id.clone()))
        .set_auth_uri(AuthUrl::new(cfg.auth_url.clone()).map_err(|_| bad("auth_url"))?)
        .set_token_uri(TokenUrl::new(cfg.token_url.clone()).map_err(|_| bad("token_url"))?)
        .set_auth_type(AuthType::RequestBody);
    if let Some(secret) = cfg.client_secret.as_ref().filter(|s| !s.is_empty()) {
        // Google's desktop clients have a secret that Google says is not confidential; it is
        // still sent to the token endpoint.
        client = client.set_client_secret(ClientSecret::new(secret.clone()));
    }
    if let Some(r) = redirect {
        client =
            client.set_redirect_uri(RedirectUrl::new(r.to_owned()).map_err(|_| bad("redirect"))?);
    }
    Ok(client)
}

fn token_error(
    e: RequestTokenError<HttpError, oauth2::StandardErrorResponse<BasicErrorResponseType>>,
) -> OAuthError {
    match e {
        RequestTokenError::ServerResponse(r)
            if *r.error() == BasicErrorResponseType::InvalidGrant =>
        {
            OAuthError::SignInAgain
        }
        RequestTokenError::ServerResponse(r) => OAuthError::Server(r.error().to_string()),
        RequestTokenError::Request(HttpError::Network(e)) => OAuthError::Network(e),
        RequestTokenError::Request(e) => OAuthError::Server(e.to_string()),
        RequestTokenError::Parse(_, _) => {
            OAuthError::Server("a reply that is not an OAuth token response".into())
        }
        RequestTokenError::Other(s) => OAuthError::Server(s),
    }
}

/// Signs in: opens `browser` on the provider's page and waits (up to `timeout`) for the one
/// callback on the loopback listener that carries this sign-in's `state`. `browser` gets the
/// authorization URL. Other requests to the listener (another `state`, another path, a slow
/// or oversized request) are answered and ignored; when only answers with another `state`
/// came before the timeout, the error is [`OAuthError::StateMismatch`].
pub fn sign_in(
    cfg: &ProviderConfig,
    browser: &dyn Fn(&str) -> Result<(), String>,
    timeout: Duration,
) -> Result<SignedIn, OAuthError> {
    let listener = listener::Loopback::bind(cfg.kind.callback_path())?;
    let redirect = listener.redirect_uri();
    let client = oauth_client(cfg, Some(&redirect))?;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut request = client
        .authorize_url(CsrfToken::new_random)
        .add_scopes(cfg.scopes.iter().map(|s| Scope::new(s.clone())))
        .set_pkce_challenge(challenge);
    for (k, v) in cfg.kind.extra_auth_params() {
        request = request.add_extra_param(*k, *v);
    }
    let (url, state) = request.url();
    browser(url.as_str()).map_err(OAuthError::Browser)?;

    // The listener checks the state first, on every answer: a forged or stale one is refused
    // without a token request, whatever it carries, and the wait goes on.
    let callback = listener.wait(state.secret(), listener::Deadlines::new(timeout))?;
    if let Some(error) = callback.error.clone() {
        callback.respond(400, "The sign-in was refused. You can close this tab.");
        return Err(OAuthError::Denied(error));
    }
    let Some(code) = callback.code.clone() else {
        callback.respond(400, "The answer carried no authorization code.");
        return Err(OAuthError::Server("the callback carried no code".into()));
    };
    let http = TokenHttp(http_client()?);
    let token = client
        .exchange_code(AuthorizationCode::new(code))
        .set_pkce_verifier(verifier)
        .request(&http)
        .map_err(|e| {
            callback.respond(400, "Signing in failed. Return to Belfry for details.");
            token_error(e)
        })?;
    let refresh = token
        .refresh_token()
        .map(|r| Sensitive::new(r.secret().clone()))
        .ok_or_else(|| {
            OAuthError::Server(
                "no refresh token was issued (offline access was not granted)".into(),
            )
        })?;
    let access = AccessToken::new(token.access_token().secret().clone(), token.expires_in());
    // Who signed in: the ID token this answer carries (scope `openid email`), else the
    // userinfo endpoint. A sign-in that says nobody is refused.
    let identity = token
        .extra_fields()
        .id_token
        .as_deref()
        .and_then(|t| id_token_email(t, &cfg.client_id))
        .or_else(|| userinfo_email(cfg, &access.token))
        .filter(|e| !e.trim().is_empty())
        .ok_or_else(|| {
            callback.respond(400, "Belfry could not tell which account signed in. Return to Belfry for details.");
            OAuthError::Server(format!(
                "{} did not say which account signed in (no email address in the ID token or from userinfo): sign in again and let Belfry see your email address",
                cfg.kind.label()
            ))
        })?;
    callback.respond(200, "Signed in to Belfry. You can close this tab.");
    Ok(SignedIn {
        identity,
        refresh_token: refresh,
        access,
    })
}

/// Exchanges a refresh token; returns the new access token and the rotated refresh token,
/// when the server rotated it.
pub fn refresh(
    cfg: &ProviderConfig,
    refresh_token: &Sensitive<String>,
) -> Result<(AccessToken, Option<Sensitive<String>>), OAuthError> {
    let client = oauth_client(cfg, None)?;
    let http = TokenHttp(http_client()?);
    let token = client
        .exchange_refresh_token(&RefreshToken::new(refresh_token.expose().clone()))
        .request(&http)
        .map_err(token_error)?;
    let access = AccessToken::new(token.access_token().secret().clone(), token.expires_in());
    Ok((
        access,
        token
            .refresh_token()
            .map(|r| Sensitive::new(r.secret().clone())),
    ))
}

/// Revokes a refresh token where the provider allows it (RFC 7009). Providers without a
/// revocation endpoint (Microsoft) return `Ok(false)`.
pub fn revoke(cfg: &ProviderConfig, refresh_token: &Sensitive<String>) -> Result<bool, OAuthError> {
    let Some(url) = cfg.revoke_url.as_deref().filter(|u| !u.is_empty()) else {
        return Ok(false);
    };
    let mut form = vec![
        ("token", refresh_token.expose().as_str()),
        ("token_type_hint", "refresh_token"),
        ("client_id", cfg.client_id.as_str()),
    ];
    if let Some(secret) = cfg.client_secret.as_deref().filter(|s| !s.is_empty()) {
        form.push(("client_secret", secret));
    }
    let resp = http_client()?
        .post(url)
        .form(&form)
        .send()
        .map_err(|e| OAuthError::Network(e.without_url().to_string()))?;
    if resp.status().is_success() {
        Ok(true)
    } else {
        Err(OAuthError::Server(format!(
            "revocation answered HTTP {}",
            resp.status().as_u16()
        )))
    }
}

/// The email address an OpenID Connect ID token names (`email`, else Microsoft's
/// `preferred_username`), when the token is for `client_id` and has not expired. The token
/// came straight from the token endpoint over the connection Belfry opened, so its signature
/// is not checked (OpenID Connect Core 1.0, 3.1.3.7).
#[allow(
    clippy::disallowed_methods,
    reason = "an ID token's expiry is checked against the system clock its issuer used"
)]
fn id_token_email(token: &str, client_id: &str) -> Option<String> {
    use base64::Engine as _;
    let payload = token.split('.').nth(1)?;
    if payload.len() > 64 * 1024 {
        return None;
    }
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    let for_us = match &claims["aud"] {
        serde_json::Value::String(a) => a == client_id,
        serde_json::Value::Array(all) => all.iter().any(|a| a == client_id),
        _ => false,
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let live = claims["exp"].as_u64().is_some_and(|exp| exp > now);
    if !for_us || !live {
        return None;
    }
    claims["email"]
        .as_str()
        .or_else(|| claims["preferred_username"].as_str())
        .filter(|e| e.contains('@'))
        .map(str::to_owned)
}

/// The signed-in user's email, from the userinfo endpoint; its answer is read up to
/// [`capped::MAX_BODY`].
fn userinfo_email(cfg: &ProviderConfig, access: &Sensitive<String>) -> Option<String> {
    let url = cfg.userinfo_url.as_deref().filter(|u| !u.is_empty())?;
    let resp = http_client()
        .ok()?
        .get(url)
        .bearer_auth(access.expose())
        .send()
        .ok()?
        .error_for_status()
        .ok()?;
    let v: serde_json::Value = serde_json::from_slice(&capped::read_body(resp).ok()?).ok()?;
    v["email"]
        .as_str()
        .or_else(|| v["preferred_username"].as_str())
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_client_id_names_the_setting() {
        let cfg = Config::default().provider(ProviderKind::Google).clone();
        let err = oauth_client(&cfg, None).unwrap_err();
        assert!(
            err.to_string().contains("providers.google.client_id"),
            "{err}"
        );
    }

    /// A server on loopback that answers one request with `body` (JSON); its URL.
    fn answer_once(body: Vec<u8>) -> String {
        use std::io::{BufRead, Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        std::thread::spawn(move || {
            let (stream, _) = listener.accept().unwrap();
            let mut reader = std::io::BufReader::new(&stream);
            let mut length = 0;
            let mut line = String::new();
            while reader.read_line(&mut line).unwrap() > 2 {
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap();
                }
                line.clear();
            }
            reader.read_exact(&mut vec![0; length]).unwrap();
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            // The client may hang up once it has read enough.
            let _ = (&stream).write_all(head.as_bytes());
            let _ = (&stream).write_all(&body);
        });
        url
    }

    /// A JSON object with `fields` after a padding field that makes it over the cap.
    fn oversized(fields: &str) -> Vec<u8> {
        format!("{{\"pad\":\"{}\",{fields}}}", "x".repeat(capped::MAX_BODY)).into_bytes()
    }

    fn provider_at(url: &str) -> ProviderConfig {
        let mut cfg = Config::default().provider(ProviderKind::Google).clone();
        cfg.client_id = "belfry-google".into();
        cfg.token_url = url.to_owned();
        cfg.userinfo_url = Some(url.to_owned());
        cfg
    }

    #[test]
    fn userinfo_is_read_up_to_the_cap() {
        let email = r#""email":"ana@example.com""#;
        let token = Sensitive::new("access".to_owned());
        let small = provider_at(&answer_once(format!("{{{email}}}").into_bytes()));
        assert_eq!(
            userinfo_email(&small, &token).as_deref(),
            Some("ana@example.com")
        );
        let huge = provider_at(&answer_once(oversized(email)));
        assert_eq!(userinfo_email(&huge, &token), None);
    }

    #[test]
    fn a_token_answer_over_the_cap_is_refused() {
        let token = r#""access_token":"a","token_type":"bearer","expires_in":60"#;
        let refresh_token = Sensitive::new("refresh".to_owned());
        let small = provider_at(&answer_once(format!("{{{token}}}").into_bytes()));
        let (access, rotated) = refresh(&small, &refresh_token).unwrap();
        assert_eq!(access.token.expose(), "a");
        assert!(rotated.is_none());
        let huge = provider_at(&answer_once(oversized(token)));
        let err = refresh(&huge, &refresh_token).unwrap_err();
        assert!(
            matches!(&err, OAuthError::Server(m) if m.contains("larger than 1024 KiB")),
            "{err:?}"
        );
    }
}
